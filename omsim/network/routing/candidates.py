"""Shared routing steps: eligible candidates, coverage, greedy assignment, plan cost.

All functions are pure and read the dense :class:`~omsim.network.matrix.NetworkMatrix`, never the
graph, so they stay fast on the per-order hot path.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping, Sequence

import numpy as np
from numpy.typing import NDArray

from omsim.network.locations import LocationType
from omsim.network.matrix import NetworkMatrix
from omsim.network.routing.plan import CostBreakdown, DeliveryMethod, RoutingOptions, RoutingRequest

Availability = Mapping[str, Mapping[str, int]]
"""Location id -> SKU -> ATF, units."""


def eligible_availability(
    request: RoutingRequest,
    availability: Availability,
    matrix: NetworkMatrix,
    options: RoutingOptions,
    *,
    location_types: Collection[LocationType] | None = None,
) -> dict[str, dict[str, int]]:
    """Availability of the locations allowed to ship, for the requested SKUs only.

    Drops excluded locations, locations of a type not allowed (``location_types`` if given,
    else ``options.allowed_location_types``), and locations with no positive ATF for any line.

    Returns
    -------
    dict
        Location id -> SKU -> positive ATF (units), keyed in sorted location-id order.
    """
    types = location_types if location_types is not None else options.allowed_location_types
    eligible: dict[str, dict[str, int]] = {}
    for location_id in sorted(availability):
        if location_id in options.excluded_locations:
            continue
        row = matrix.loc(location_id)
        if types is not None and matrix.location_types[row] not in types:
            continue
        stock = availability[location_id]
        positive = {sku: int(stock.get(sku, 0)) for sku in request.lines if stock.get(sku, 0) > 0}
        if positive:
            eligible[location_id] = positive
    return eligible


def stock_array(
    request: RoutingRequest, eligible: Mapping[str, Mapping[str, int]], location_ids: Sequence[str]
) -> tuple[NDArray[np.int64], NDArray[np.int64]]:
    """ATF as a ``(locations, lines)`` array, and the need as a ``(lines,)`` array, units."""
    skus = list(request.lines)
    stock = np.array(
        [[eligible[loc].get(sku, 0) for sku in skus] for loc in location_ids], dtype=np.int64
    ).reshape(len(location_ids), len(skus))
    need = np.array([request.lines[sku] for sku in skus], dtype=np.int64)
    return stock, need


def covers(request: RoutingRequest, eligible: Availability, locations: Iterable[str]) -> bool:
    """Whether the locations' combined ATF covers every line."""
    locations = tuple(locations)
    return all(
        sum(eligible.get(loc, {}).get(sku, 0) for loc in locations) >= quantity
        for sku, quantity in request.lines.items()
    )


def by_distance(location_ids: Iterable[str], zone_idx: int, matrix: NetworkMatrix) -> list[str]:
    """Location ids sorted nearest-first to a zone; ties by id."""
    return sorted(
        location_ids, key=lambda loc: (float(matrix.distance_km[matrix.loc(loc), zone_idx]), loc)
    )


def mean_distance_km(locations: Iterable[str], zone_idx: int, matrix: NetworkMatrix) -> float:
    """Average distance from the locations to a zone, km (``rankAverageDistance``)."""
    rows = [matrix.loc(loc) for loc in locations]
    return float(matrix.distance_km[rows, zone_idx].mean())


def greedy_assign(
    request: RoutingRequest,
    eligible: Availability,
    locations_nearest_first: Sequence[str],
) -> dict[str, dict[str, int]]:
    """Fill each line from the nearest location of the set first.

    UNCONFIRMED: Salesforce's documentation does not say how its sample flows split quantities
    within a multi-location route; omsim fills per SKU, nearest location first (ties by id).
    Lines that the set cannot cover are left short; callers check coverage first.

    Returns
    -------
    dict
        Location id -> SKU -> units, positive entries only, locations in nearest-first order.
    """
    plan: dict[str, dict[str, int]] = {}
    for sku, quantity in request.lines.items():
        remaining = quantity
        for loc in locations_nearest_first:
            if remaining == 0:
                break
            take = min(remaining, eligible.get(loc, {}).get(sku, 0))
            if take > 0:
                plan.setdefault(loc, {})[sku] = take
                remaining -= take
    return {loc: plan[loc] for loc in locations_nearest_first if loc in plan}


def plan_cost(
    request: RoutingRequest,
    allocations: Mapping[str, Mapping[str, int]],
    matrix: NetworkMatrix,
    options: RoutingOptions,
) -> CostBreakdown:
    """Cost parts of an allocation, cents.

    Each shipping location makes one parcel: shipping = carrier price of the parcel's weight for
    the location-zone band and service level; handling = the location's handling cost; lateness =
    penalty x days of transit beyond ``promised_days``. Split = penalty x (shipments - 1). A BOPIS
    pickup has no carrier leg: shipping and lateness are zero.
    """
    zone = matrix.zone(request.zone_id)
    shipping = handling = lateness = 0
    ship = request.delivery_method is DeliveryMethod.SHIP
    for location_id, lines in allocations.items():
        row = matrix.loc(location_id)
        handling += int(matrix.handling_cost_cents[row])
        if not ship:
            continue
        weight = sum(q * request.unit_weight_kg(sku) for sku, q in lines.items())
        shipping += matrix.cost_cents(row, zone, weight, request.service_level)
        if request.promised_days is not None:
            late = (
                int(matrix.transit_days[request.service_level][row, zone]) - request.promised_days
            )
            lateness += round(options.lateness_penalty_cents_per_day * max(0.0, late))
    split = options.split_penalty_cents * max(0, len(allocations) - 1)
    return CostBreakdown(shipping, handling, split, lateness)
