"""The checks a scenario passes before the clock starts: what the schema alone cannot see.

The schema checks each value on its own. These checks need importable code or the built network:
the routing strategy and every replaced flow must import and take the arguments they are called
with, faults must name locations the network has, and a fault window wholly outside the run's
horizon is reported with a `ScenarioWarning` (it runs, but does nothing). `validate_for_run` runs
them all; `omsim.sim.model.build_model` calls it, and the ``omsim`` command calls it before it
prepares the run folder. Errors name the scenario, the field path, the value and what is allowed,
as `omsim.scenario.loading` does for the schema.
"""

from __future__ import annotations

import datetime as dt
import difflib
import importlib
import inspect
import warnings
from collections.abc import Callable, Iterable
from typing import Any

from omsim.scenario.loading import ScenarioError
from omsim.scenario.schema import Scenario

__all__ = [
    "SEED_LIMIT",
    "ScenarioWarning",
    "load_dotted",
    "seed_problem",
    "validate_for_run",
    "windows_outside_horizon",
]

SEED_LIMIT = 2**63
"""Seeds are integers in [0, 2**63): `numpy.random.SeedSequence` takes no negative entropy."""

STRATEGY_ARGUMENTS = ("request", "availability", "matrix", "options")
"""What a routing strategy is called with (`omsim.network.routing.registry.RoutingStrategy`)."""

FLOW_ARGUMENTS = ("env", "model", "record")
"""What a flow is called with (`omsim.sim.model.Flow`)."""


class ScenarioWarning(UserWarning):
    """A scenario value that runs but probably does not do what was meant."""


def validate_for_run(
    scenario: Scenario,
    source: str | None = None,
    *,
    seed: int | None = None,
    location_ids: Iterable[str] | None = None,
) -> None:
    """Check what a run needs beyond the schema; raise one `ScenarioError` listing every problem.

    Parameters
    ----------
    scenario : Scenario
        A scenario that passed the schema.
    source : str, optional
        Names the scenario in messages (its file, as `omsim.scenario.loading.scenario_source`
        gives it); default ``scenario '<name>'``.
    seed : int, optional
        The run's seed (default: the scenario's), checked to be an integer in [0, 2**63).
    location_ids : iterable of str, optional
        The network's location ids, when the caller has built the network; otherwise the
        network graph is built here (well under a second for a national network).

    Warns
    -----
    ScenarioWarning
        For every fault window wholly outside [start, start + horizon).
    """
    source = source or f"scenario {scenario.name!r}"
    problems: list[str] = []
    if (problem := seed_problem(scenario.seed if seed is None else seed)) is not None:
        problems.append(f"seed: {problem}")
    problems += _strategy_problems(scenario.routing.strategy)
    problems += _flow_problems(scenario.flows)
    known = set(_network_location_ids(scenario) if location_ids is None else location_ids)
    problems += _location_problems(scenario, known)
    if problems:
        raise ScenarioError(f"{source}: {len(problems)} problem(s)\n  " + "\n  ".join(problems))
    for message in [*windows_outside_horizon(scenario), *unstocked_categories(scenario)]:
        warnings.warn(f"{source}: {message}", ScenarioWarning, stacklevel=2)


def unstocked_categories(scenario: Scenario) -> list[str]:
    """Catalog categories no warehouse or store stocks (``network.locations[].categories``):
    every checkout holding one would be lost to a stock-out.

    >>> from omsim.scenario import load_scenario
    >>> unstocked_categories(load_scenario("regional_retailer"))
    []
    """
    selling = [loc for loc in scenario.network.locations if loc.type in ("warehouse", "store")]
    if scenario.network.generate is not None or any(loc.categories is None for loc in selling):
        return []
    stocked = {c for loc in selling for c in loc.categories or ()}
    return [
        f"catalog category {c.name!r} is stocked by no warehouse or store "
        "(network.locations[].categories): every checkout holding it will be stocked out"
        for c in scenario.catalog.categories
        if c.name not in stocked
    ]


def seed_problem(seed: object) -> str | None:
    """What is wrong with a seed, or None when it is an integer in [0, 2**63).

    >>> seed_problem(-1)
    'got -1: a seed is an integer in [0, 2**63)'
    >>> seed_problem(7) is None
    True
    """
    if isinstance(seed, bool) or not isinstance(seed, int) or not 0 <= seed < SEED_LIMIT:
        return f"got {seed!r}: a seed is an integer in [0, 2**63)"
    return None


def _strategy_problems(name: str) -> list[str]:
    from omsim.network.routing.registry import STRATEGIES

    if name in STRATEGIES:
        return []
    registered = ", ".join(repr(n) for n in STRATEGIES)
    if ":" not in name:
        hint = _did_you_mean(name, STRATEGIES)
        return [
            f"routing.strategy: got {name!r}: not a registered strategy{hint} "
            f"(registered: {registered}) nor a dotted path 'package.module:function'"
        ]
    problem = _callable_problem(name, STRATEGY_ARGUMENTS)
    return [] if problem is None else [f"routing.strategy: got {name!r}: {problem}"]


def _flow_problems(flows: dict[str, str]) -> list[str]:
    from omsim.sim.flows import STARTER_FLOWS

    problems = []
    for trigger, path in flows.items():
        if trigger not in STARTER_FLOWS:
            problems.append(
                f"flows.{trigger}: unknown trigger {trigger!r}; triggers: "
                f"{', '.join(STARTER_FLOWS)}{_did_you_mean(trigger, STARTER_FLOWS)}"
            )
            continue
        problem = _callable_problem(path, FLOW_ARGUMENTS)
        if problem is not None:
            problems.append(f"flows.{trigger}: got {path!r}: {problem}")
    return problems


def _did_you_mean(name: str, choices: Iterable[str]) -> str:
    hint = difflib.get_close_matches(name, list(choices), n=1)
    return f" (did you mean {hint[0]!r}?)" if hint else ""


def load_dotted(path: str) -> Callable[..., Any]:
    """The callable a ``package.module:function`` path names; `ScenarioError` when there is none.

    >>> load_dotted("math:hypot").__name__
    'hypot'
    """
    module_name, _, attribute = path.partition(":")
    if not module_name or not attribute:
        raise ScenarioError(f"{path!r} is not a dotted path 'package.module:function'")
    try:
        module = importlib.import_module(module_name)
    except Exception as error:  # a user's module may fail with anything while it imports
        raise ScenarioError(
            f"cannot load {path!r}: importing {module_name!r} failed "
            f"({type(error).__name__}: {error})"
        ) from None
    target: Any = module
    for part in attribute.split("."):
        target = getattr(target, part, None)
    if target is None:
        raise ScenarioError(f"cannot load {path!r}: {module_name} has no {attribute!r}")
    if not callable(target):
        raise ScenarioError(f"cannot load {path!r}: {attribute!r} is not a function")
    return target  # type: ignore[no-any-return]


def _callable_problem(path: str, arguments: tuple[str, ...]) -> str | None:
    """Why ``path`` cannot be called with ``arguments`` positionally, or None."""
    try:
        target = load_dotted(path)
    except ScenarioError as error:
        return str(error)
    try:
        signature = inspect.signature(target)
    except (TypeError, ValueError):  # builtins without a signature: take them on trust
        return None
    try:
        signature.bind(*arguments)
    except TypeError as error:
        return (
            f"the function must take {len(arguments)} positional arguments "
            f"({', '.join(arguments)}); its signature is {signature} ({error})"
        )
    return None


def _network_location_ids(scenario: Scenario) -> list[str]:
    if scenario.network.generate is None:
        return [loc.id for loc in scenario.network.locations]
    from omsim.network.graph import network_locations
    from omsim.sim.world import build_graph

    return [loc.id for loc in network_locations(build_graph(scenario))]


def _location_problems(scenario: Scenario, known: set[str]) -> list[str]:
    named = [
        (f"faults.store_closures[{i}].location", c.location)
        for i, c in enumerate(scenario.faults.store_closures)
    ]
    named += [
        (f"fulfillment.outages[{i}].location", o.location)
        for i, o in enumerate(scenario.fulfillment.outages)
    ]
    named += [
        (f"routing.excluded_locations[{i}]", loc)
        for i, loc in enumerate(scenario.routing.excluded_locations)
    ]
    allowed = ", ".join(sorted(known))
    return [
        f"{where}: got {value!r}: no such location; locations: {allowed}"
        for where, value in named
        if value not in known
    ]


def windows_outside_horizon(scenario: Scenario) -> list[str]:
    """A line for every fault window that ends before the start or begins after the horizon."""
    start = scenario.start
    end = start + dt.timedelta(days=scenario.horizon_days)
    windows = [
        (f"faults.gateway_outages[{i}]", w) for i, w in enumerate(scenario.faults.gateway_outages)
    ]
    windows += [
        (f"faults.carrier_delay_surges[{i}]", w)
        for i, w in enumerate(scenario.faults.carrier_delay_surges)
    ]
    windows += [
        (f"faults.store_closures[{i}]", w) for i, w in enumerate(scenario.faults.store_closures)
    ]
    windows += [
        (f"fulfillment.outages[{i}]", w) for i, w in enumerate(scenario.fulfillment.outages)
    ]
    lines = []
    for where, window in windows:
        w_start, w_end = _utc(window.start), _utc(window.end)
        if w_end <= start or w_start >= end:
            lines.append(
                f"{where}: window {w_start.isoformat()} to {w_end.isoformat()} lies wholly "
                f"outside the run ({start.isoformat()} to {end.isoformat()}); it has no effect"
            )
    return lines


def _utc(moment: dt.datetime) -> dt.datetime:
    """Naive datetimes are UTC, as `Scenario.hours_since_start` reads them."""
    return moment.replace(tzinfo=dt.UTC) if moment.tzinfo is None else moment
