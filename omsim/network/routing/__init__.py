"""Routing strategies as pure functions over availability and the network matrix.

``strategy(request, availability, matrix, options) -> AllocationPlan | NoRoute``; see
:mod:`omsim.network.routing.plan` for the types and :mod:`omsim.network.routing.registry` for
lookup by name or dotted path.
"""

from omsim.network.routing.fewest_splits import fewest_splits
from omsim.network.routing.lowest_cost import lowest_cost
from omsim.network.routing.nearest import nearest_warehouse, ship_from_store
from omsim.network.routing.plan import (
    AllocationPlan,
    CandidateSet,
    CostBreakdown,
    DeliveryMethod,
    NoRoute,
    RoutingExplanation,
    RoutingOptions,
    RoutingRequest,
)
from omsim.network.routing.registry import STRATEGIES, get_strategy, route

__all__ = [
    "STRATEGIES",
    "AllocationPlan",
    "CandidateSet",
    "CostBreakdown",
    "DeliveryMethod",
    "NoRoute",
    "RoutingExplanation",
    "RoutingOptions",
    "RoutingRequest",
    "fewest_splits",
    "get_strategy",
    "lowest_cost",
    "nearest_warehouse",
    "route",
    "ship_from_store",
]
