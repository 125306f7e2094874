"""The design of an experiment: replication seeds, variants as dotted-key overrides, sweep grids.

Everything here happens before any replication runs: seeds are fixed in the parent process
(so every executor runs the same simulations), and every variant's scenario is built and
validated by the scenario schema, so a misspelt key fails in seconds with the same "did you
mean" message a scenario file gets, naming the variant.
"""

from __future__ import annotations

import datetime
import functools
import itertools
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import yaml

from omsim.analysis.kpis import kpis
from omsim.eventlog import EventLog
from omsim.scenario import Scenario, ScenarioError, deep_merge, scenario_from_dict

__all__ = [
    "Variant",
    "apply_overrides",
    "grid_variants",
    "nest",
    "parse_assignment",
    "parse_grid",
    "replication_seeds",
    "scalar_kpis",
    "variant_seeds",
]

Variant = tuple[str, Scenario]
"""A named scenario: the baseline file with a variant's overrides applied."""


@functools.cache
def scalar_kpis() -> tuple[str, ...]:
    """The names of the scalar KPIs of ``kpis.json`` (breakdowns such as
    ``process_exceptions_by_kind`` left out), from the KPIs of an empty event log.

    >>> "mean_hours_to_delivery" in scalar_kpis()
    True
    """
    figures = kpis(EventLog(datetime.datetime(2026, 1, 1)).tables())
    return tuple(k for k, v in figures.items() if not isinstance(v, dict))


def replication_seeds(seed: int, n: int) -> list[int]:
    """The run seeds of ``n`` independent replications: ``SeedSequence(seed).spawn(n)``.

    Each child sequence gives one 63-bit integer, the seed `omsim.sim.run.run` takes (a run
    spawns its named streams from it). The first ``k`` seeds do not depend on ``n``, so a
    pilot of 5 replications is the start of a study of 40.

    >>> replication_seeds(2026, 3) == replication_seeds(2026, 5)[:3]
    True
    >>> len(set(replication_seeds(1, 100)))
    100
    """
    if n < 1:
        raise ValueError(f"n: got {n!r}: the number of replications is an integer >= 1")
    children = np.random.SeedSequence(seed).spawn(n)
    return [int(child.generate_state(1, np.uint64)[0] >> np.uint64(1)) for child in children]


def variant_seeds(seed: int, n: int, n_variants: int, *, common: bool = True) -> list[list[int]]:
    """Seeds per variant: the same list for every variant with common random numbers (the
    paired design), else a disjoint list each (variant 0 keeps the common list), which is what
    an experiment without common random numbers would run.

    >>> a, b = variant_seeds(7, 4, 2)
    >>> a == b
    True
    >>> a, b = variant_seeds(7, 4, 2, common=False)
    >>> a == replication_seeds(7, 4) and not set(a) & set(b)
    True
    """
    if common:
        seeds = replication_seeds(seed, n)
        return [seeds] * n_variants
    every = replication_seeds(seed, n * n_variants)
    return [every[k * n : (k + 1) * n] for k in range(n_variants)]


def parse_assignment(text: str, label: str = "override") -> tuple[str, Any]:
    """``KEY=VALUE`` from the command line; the value is read as YAML (``0.9`` is a number,
    ``[warehouse]`` a list, ``null`` None, anything else a string).

    >>> parse_assignment("routing.strategy=ship_from_store")
    ('routing.strategy', 'ship_from_store')
    >>> parse_assignment("fulfillment.store.associates=4")
    ('fulfillment.store.associates', 4)
    """
    key, sep, raw = text.partition("=")
    key = key.strip()
    if not sep or not key:
        raise ScenarioError(f"{label}: got {text!r}: write KEY=VALUE, e.g. routing.strategy=cost")
    try:
        value = yaml.safe_load(raw) if raw.strip() else ""
    except yaml.YAMLError as error:
        raise ScenarioError(
            f"{label}: {key}: got {raw!r}: not a readable value ({error})"
        ) from None
    return key, value


def parse_grid(text: str) -> tuple[str, list[Any]]:
    """``KEY=V1,V2,...`` (a sweep axis); each value read as in `parse_assignment`.

    >>> parse_grid("fulfillment.store.inventory_accuracy=0.9,0.95,0.99")
    ('fulfillment.store.inventory_accuracy', [0.9, 0.95, 0.99])
    """
    key, raw = parse_assignment(text, "--grid")
    if isinstance(raw, list):
        parts: list[Any] = raw
    else:  # ``a=null`` is no value (as in ``a=1,null``), not the string "None"
        parts = [None] if raw is None else str(raw).split(",")
    values = [yaml.safe_load(p) if isinstance(p, str) else p for p in parts]
    if not values or any(v is None or v == "" for v in values):
        raise ScenarioError(f"--grid: {key}: got {text!r}: give one or more values, V1,V2,...")
    return key, values


def nest(overrides: Mapping[str, Any], label: str = "override") -> dict[str, Any]:
    """Dotted keys as nested mappings.

    >>> nest({"routing.strategy": "cost", "fulfillment.store.associates": 4})
    {'routing': {'strategy': 'cost'}, 'fulfillment': {'store': {'associates': 4}}}
    """
    nested: dict[str, Any] = {}
    for dotted, value in overrides.items():
        parts = dotted.split(".")
        if any(not part for part in parts):
            raise ScenarioError(f"{label}: got key {dotted!r}: dotted field names, e.g. a.b.c")
        node = nested
        for i, part in enumerate(parts[:-1]):
            child = node.setdefault(part, {})
            if not isinstance(child, dict):
                clash = ".".join(parts[: i + 1])
                raise ScenarioError(f"{label}: {dotted!r} and {clash!r} both set {clash}")
            node = child
        if parts[-1] in node:
            raise ScenarioError(f"{label}: {dotted!r} is set twice, or with a key inside it")
        node[parts[-1]] = value
    return nested


def apply_overrides(scenario: Scenario, overrides: Mapping[str, Any], label: str) -> Scenario:
    """``scenario`` with dotted-key ``overrides`` on top, validated by the schema.

    Mappings merge key by key (``fulfillment.store.pick_pack_minutes.mean`` changes only the
    mean); a value that is a whole distribution (it has a ``dist`` key) replaces the old one.
    Errors name ``label`` (for example ``variant 'stores'``) and suggest the nearest key.
    """
    if not overrides:
        return scenario
    data = deep_merge(scenario.model_dump(), nest(overrides, label))
    return scenario_from_dict(data, source=label)


def grid_variants(grid: Mapping[str, Sequence[Any]]) -> list[tuple[str, dict[str, Any]]]:
    """Every cell of a sweep grid, first key slowest, as ``(name, overrides)``.

    >>> [name for name, _ in grid_variants({"a.x": [1, 2], "b": ["p", "q"]})]
    ['a.x=1,b=p', 'a.x=1,b=q', 'a.x=2,b=p', 'a.x=2,b=q']
    """
    if not grid:
        raise ScenarioError("grid: give at least one KEY=V1,V2,... axis")
    for key, values in grid.items():
        if isinstance(values, str | bytes) or not list(values):
            raise ScenarioError(f"grid: {key}: got {values!r}: a list of one or more values")
    keys = list(grid)
    cells = []
    for combo in itertools.product(*(list(grid[k]) for k in keys)):
        overrides = dict(zip(keys, combo, strict=True))
        cells.append((",".join(f"{k}={v}" for k, v in overrides.items()), overrides))
    names = [name for name, _ in cells]
    if len(set(names)) < len(names):  # a value given twice, or 1 and "1"
        twice = next(name for name in names if names.count(name) > 1)
        raise ScenarioError(
            f"grid: the cell {twice!r} appears more than once; give each value once"
        )
    return cells
