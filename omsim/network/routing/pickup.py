"""BOPIS: a buy-online-pick-up-in-store delivery group goes to the store the customer chose.

In Salesforce's DOM sample flows a BOPIS delivery group skips the route search and gets its
fulfillment order at the pickup store directly. Every omsim strategy does the same; the plan still
checks the store's ATF so no strategy allocates more than is available.
"""

from __future__ import annotations

from omsim.network.matrix import NetworkMatrix
from omsim.network.routing.candidates import Availability, plan_cost
from omsim.network.routing.plan import (
    AllocationPlan,
    CandidateSet,
    NoRoute,
    RoutingExplanation,
    RoutingOptions,
    RoutingRequest,
)


def route_pickup(
    strategy: str,
    request: RoutingRequest,
    availability: Availability,
    matrix: NetworkMatrix,
    options: RoutingOptions,
) -> AllocationPlan | NoRoute:
    """Allocate the whole delivery group to its pickup store, or say why not."""
    store = request.pickup_location_id
    assert store is not None  # RoutingRequest guarantees it for BOPIS
    row = matrix.loc(store)
    distance = float(matrix.distance_km[row, matrix.zone(request.zone_id)])
    stock = availability.get(store, {})
    short = {
        sku: q - stock.get(sku, 0) for sku, q in request.lines.items() if stock.get(sku, 0) < q
    }
    considered = (CandidateSet((store,), distance, covers=not short),)
    if short:
        reason = f"pickup store {store!r} lacks ATF for BOPIS: short {short}"
        return NoRoute(reason, RoutingExplanation(strategy, considered, notes=(reason,)))
    allocations = {store: dict(request.lines)}
    cost = plan_cost(request, allocations, matrix, options)
    explanation = RoutingExplanation(
        strategy,
        (CandidateSet((store,), distance, covers=True, cost=cost),),
        chosen=(store,),
        cost=cost,
        n_checks=1,
        notes=("BOPIS: allocated to the pickup store without a route search",),
    )
    return AllocationPlan(allocations, explanation)
