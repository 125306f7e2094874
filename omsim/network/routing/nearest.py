"""Nearest-location strategies: ``nearest_warehouse`` and ``ship_from_store``.

Both prefer one shipment from the nearest location that covers the whole order.

* ``nearest_warehouse`` ships from warehouses only. When no single warehouse covers the order it
  fills each line from warehouses nearest first, using at most ``max_splits + 1`` warehouses;
  when even that falls short, there is no route.
* ``ship_from_store`` ships from the nearest capable location of any allowed type. Stores keep
  protection stock back (``store_protection_units`` or ``protection_by_location``): a store's ATF
  minus its protection must cover. When no single location covers, it falls back to the
  fewest-splits search on the protected availability; when that fails, there is no route.
"""

from __future__ import annotations

from omsim.network.locations import LocationType
from omsim.network.matrix import NetworkMatrix
from omsim.network.routing.candidates import (
    Availability,
    by_distance,
    covers,
    eligible_availability,
    greedy_assign,
    mean_distance_km,
    plan_cost,
)
from omsim.network.routing.fewest_splits import route_fewest_splits
from omsim.network.routing.pickup import route_pickup
from omsim.network.routing.plan import (
    AllocationPlan,
    CandidateSet,
    DeliveryMethod,
    NoRoute,
    RoutingExplanation,
    RoutingOptions,
    RoutingRequest,
)


def _nearest_single(
    strategy: str,
    request: RoutingRequest,
    eligible: Availability,
    matrix: NetworkMatrix,
    options: RoutingOptions,
) -> tuple[AllocationPlan | None, list[CandidateSet]]:
    zone = matrix.zone(request.zone_id)
    considered = []
    for loc in by_distance(eligible, zone, matrix):
        distance = mean_distance_km((loc,), zone, matrix)
        if covers(request, eligible, (loc,)):
            allocations = {loc: dict(request.lines)}
            cost = plan_cost(request, allocations, matrix, options)
            considered.append(CandidateSet((loc,), distance, covers=True, cost=cost))
            explanation = RoutingExplanation(
                strategy,
                tuple(considered[-1:] + considered[:-1]),
                chosen=(loc,),
                cost=cost,
                n_checks=len(considered),
                notes=(f"nearest single location covering the order: {loc}",),
            )
            return AllocationPlan(allocations, explanation), considered
        considered.append(CandidateSet((loc,), distance, covers=False))
    return None, considered


def nearest_warehouse(
    request: RoutingRequest,
    availability: Availability,
    matrix: NetworkMatrix,
    options: RoutingOptions | None = None,
) -> AllocationPlan | NoRoute:
    """Ship from the nearest warehouse that covers the order, else split nearest first.

    Options read: ``max_splits``, ``excluded_locations`` (location types are always warehouses).
    """
    options = options or RoutingOptions()
    if request.delivery_method is DeliveryMethod.BOPIS:
        return route_pickup("nearest_warehouse", request, availability, matrix, options)
    eligible = eligible_availability(
        request, availability, matrix, options, location_types={LocationType.WAREHOUSE}
    )
    plan, considered = _nearest_single("nearest_warehouse", request, eligible, matrix, options)
    if plan is not None:
        return plan
    zone = matrix.zone(request.zone_id)
    allocations = greedy_assign(request, eligible, by_distance(eligible, zone, matrix))
    shipped = tuple(allocations)
    n_checks = len(considered)
    if shipped and len(shipped) <= options.max_splits + 1 and covers(request, eligible, shipped):
        cost = plan_cost(request, allocations, matrix, options)
        chosen = CandidateSet(shipped, mean_distance_km(shipped, zone, matrix), True, cost)
        explanation = RoutingExplanation(
            "nearest_warehouse",
            (chosen, *considered),
            chosen=shipped,
            cost=cost,
            n_checks=n_checks + 1,
            notes=("no single warehouse covers; lines filled from nearest warehouses first",),
        )
        return AllocationPlan(allocations, explanation)
    reason = (
        f"warehouses cannot cover the order within {options.max_splits + 1} shipment(s) "
        "filled nearest first"
    )
    return NoRoute(
        reason,
        RoutingExplanation(
            "nearest_warehouse", tuple(considered), n_checks=n_checks + 1, notes=(reason,)
        ),
    )


def protected_availability(
    availability: Availability, matrix: NetworkMatrix, options: RoutingOptions
) -> dict[str, dict[str, int]]:
    """Availability with each store's protection stock (units per SKU) held back, floored at 0."""
    protected: dict[str, dict[str, int]] = {}
    for loc, stock in availability.items():
        is_store = matrix.location_types[matrix.loc(loc)] is LocationType.STORE
        default = options.store_protection_units if is_store else 0
        keep = options.protection_by_location.get(loc, default)
        protected[loc] = {sku: max(0, int(q) - keep) for sku, q in stock.items()}
    return protected


def ship_from_store(
    request: RoutingRequest,
    availability: Availability,
    matrix: NetworkMatrix,
    options: RoutingOptions | None = None,
) -> AllocationPlan | NoRoute:
    """Ship from the nearest capable location of any type, honouring store protection stock.

    Options read: ``allowed_location_types``, ``excluded_locations``, ``store_protection_units``,
    ``protection_by_location``, and for the fallback ``max_splits``, ``max_checks``,
    ``max_results``.
    """
    options = options or RoutingOptions()
    if request.delivery_method is DeliveryMethod.BOPIS:
        return route_pickup("ship_from_store", request, availability, matrix, options)
    protected = protected_availability(availability, matrix, options)
    eligible = eligible_availability(request, protected, matrix, options)
    plan, considered = _nearest_single("ship_from_store", request, eligible, matrix, options)
    if plan is not None:
        return plan
    note = f"no single location covers after protection ({len(considered)} checked); fewest splits"
    return route_fewest_splits("ship_from_store", request, eligible, matrix, options, (note,))
