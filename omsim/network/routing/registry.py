"""Routing strategies by name, or a user's own by dotted path ``package.module:function``."""

from __future__ import annotations

import importlib
from collections.abc import Callable

from omsim.network.matrix import NetworkMatrix
from omsim.network.routing.candidates import Availability
from omsim.network.routing.fewest_splits import fewest_splits
from omsim.network.routing.lowest_cost import lowest_cost
from omsim.network.routing.nearest import nearest_warehouse, ship_from_store
from omsim.network.routing.plan import AllocationPlan, NoRoute, RoutingOptions, RoutingRequest

RoutingStrategy = Callable[
    [RoutingRequest, Availability, NetworkMatrix, RoutingOptions | None], AllocationPlan | NoRoute
]
"""``strategy(request, availability, matrix, options) -> AllocationPlan | NoRoute``."""

STRATEGIES: dict[str, RoutingStrategy] = {
    "fewest_splits": fewest_splits,
    "nearest_warehouse": nearest_warehouse,
    "ship_from_store": ship_from_store,
    "lowest_cost": lowest_cost,
}
"""Built-in strategies by name."""


def get_strategy(name: str | RoutingStrategy) -> RoutingStrategy:
    """Look up a strategy by registered name or ``package.module:function`` dotted path.

    Examples
    --------
    >>> get_strategy("lowest_cost").__name__
    'lowest_cost'
    >>> get_strategy("omsim.network.routing.fewest_splits:fewest_splits").__name__
    'fewest_splits'
    """
    if callable(name):
        return name
    if name in STRATEGIES:
        return STRATEGIES[name]
    allowed = ", ".join(repr(n) for n in STRATEGIES)
    if ":" not in name:
        raise ValueError(
            f"routing strategy {name!r} is not one of {allowed} "
            "nor a dotted path 'package.module:function'"
        )
    module_name, _, attribute = name.partition(":")
    try:
        module = importlib.import_module(module_name)
    except ImportError as error:
        raise ValueError(
            f"routing strategy {name!r}: cannot import {module_name!r} ({error})"
        ) from None
    strategy = getattr(module, attribute, None)
    if not callable(strategy):
        raise ValueError(f"routing strategy {name!r}: {module_name} has no function {attribute!r}")
    return strategy


def route(
    request: RoutingRequest,
    availability: Availability,
    matrix: NetworkMatrix,
    strategy: str | RoutingStrategy = "fewest_splits",
    options: RoutingOptions | None = None,
) -> AllocationPlan | NoRoute:
    """Route one delivery group with a strategy given by name, dotted path or function."""
    return get_strategy(strategy)(request, availability, matrix, options or RoutingOptions())
