"""``lowest_cost``: the plan that minimises shipping + handling + split and lateness penalties.

Cost of a plan (:func:`~omsim.network.routing.candidates.plan_cost`): per shipping location, the
carrier price of its parcel plus its handling cost plus ``lateness_penalty_cents_per_day`` per day
of transit beyond the promise; plus ``split_penalty_cents`` per shipment beyond the first.

Cost of a location *set* is the cost of filling its lines nearest location first within the set
(:func:`~omsim.network.routing.candidates.greedy_assign`); a set whose greedy fill leaves a location
idle is priced by the shipments it actually makes. With this definition the search is exact:

* Up to ``exact_limit`` (default 12) candidate locations: every set of 1 to ``max_splits + 1``
  candidates is checked for coverage and priced; the cheapest wins (ties: fewer shipments, then
  enumeration order of ``itertools.combinations`` over ids sorted).
* Beyond that, a documented heuristic: keep the ``exact_limit`` candidates whose stand-alone
  parcel (the whole order's weight from that location, plus handling and lateness) is cheapest,
  and search those exactly. If none of their sets covers the order, fall back to fewest splits
  over all candidates.
"""

from __future__ import annotations

import itertools

import numpy as np

from omsim.network.matrix import NetworkMatrix
from omsim.network.routing.candidates import (
    Availability,
    by_distance,
    eligible_availability,
    greedy_assign,
    mean_distance_km,
    plan_cost,
    stock_array,
)
from omsim.network.routing.fewest_splits import route_fewest_splits
from omsim.network.routing.pickup import route_pickup
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


def standalone_cost_cents(
    request: RoutingRequest, location_id: str, matrix: NetworkMatrix, options: RoutingOptions
) -> int:
    """Cost of shipping the whole order as one parcel from a location, cents (ignores stock)."""
    return plan_cost(request, {location_id: dict(request.lines)}, matrix, options).total_cents


def shipment_floor_cents(
    request: RoutingRequest, location_ids: list[str], matrix: NetworkMatrix, options: RoutingOptions
) -> np.ndarray:
    """Least a shipment from each location can cost (1 billable kg), cents; a pruning bound."""
    zone = matrix.zone(request.zone_id)
    rows = np.array([matrix.loc(loc) for loc in location_ids], dtype=np.int64)
    service = request.service_level
    floor = (
        matrix.handling_cost_cents[rows]
        + matrix.base_cents[service][rows, zone]
        + matrix.per_kg_cents[service][rows, zone]
    ).astype(float)
    if request.promised_days is not None:
        late = np.maximum(0.0, matrix.transit_days[service][rows, zone] - request.promised_days)
        floor += np.round(options.lateness_penalty_cents_per_day * late)
    return floor


def covering_sets_by_cost(
    request: RoutingRequest,
    eligible: Availability,
    matrix: NetworkMatrix,
    options: RoutingOptions,
) -> tuple[list[tuple[CandidateSet, dict[str, dict[str, int]]]], int, int]:
    """Covering sets of up to ``max_splits + 1`` eligible locations, priced, cheapest first.

    Branch and bound keeps the search exact while pricing few sets: a set's cost is at least the
    sum of its locations' cheapest possible shipment plus the split penalty, and a set whose greedy
    fill idles a location costs exactly what the smaller set without it costs (priced or pruned
    on its own). Sets are priced in order of that bound until the bound exceeds the best total.

    Returns
    -------
    list of (CandidateSet, allocations), int, int
        The priced sets with their greedy allocations, sorted by (total cost, shipments,
        enumeration order of ``itertools.combinations`` by size); the number of sets checked
        for coverage; the number of covering sets pruned unpriced.
    """
    zone = matrix.zone(request.zone_id)
    candidates = sorted(eligible)
    stock, need = stock_array(request, eligible, candidates)
    floor = shipment_floor_cents(request, candidates, matrix, options)
    covering: list[tuple[float, int, tuple[int, ...]]] = []
    n_checks = 0
    for size in range(1, min(options.max_splits + 1, len(candidates)) + 1):
        combos = np.array(list(itertools.combinations(range(len(candidates)), size)))
        n_checks += len(combos)
        hits = np.flatnonzero((stock[combos].sum(axis=1) >= need).all(axis=1))
        bounds = floor[combos[hits]].sum(axis=1) + options.split_penalty_cents * (size - 1)
        covering.extend(
            (float(b), n_checks - len(combos) + int(h), tuple(combos[h]))
            for b, h in zip(bounds, hits, strict=True)
        )
    covering.sort()
    priced: dict[tuple[str, ...], tuple[tuple[int, int, int], CandidateSet, dict]] = {}
    best = np.inf
    n_pruned = 0
    for bound, order, combo in covering:
        if bound > best:
            n_pruned += 1
            continue
        locations = tuple(candidates[i] for i in combo)
        allocations = greedy_assign(request, eligible, by_distance(locations, zone, matrix))
        shipped = tuple(sorted(allocations))
        cost = plan_cost(request, allocations, matrix, options)
        key = (cost.total_cents, len(shipped), order)
        if shipped not in priced or key < priced[shipped][0]:
            entry = CandidateSet(shipped, mean_distance_km(shipped, zone, matrix), True, cost)
            priced[shipped] = (key, entry, allocations)
        best = min(best, cost.total_cents)
    ranked = sorted(priced.values(), key=lambda item: item[0])
    return [(entry, allocations) for _, entry, allocations in ranked], n_checks, n_pruned


def lowest_cost(
    request: RoutingRequest,
    availability: Availability,
    matrix: NetworkMatrix,
    options: RoutingOptions | None = None,
) -> AllocationPlan | NoRoute:
    """Route at the lowest total cost (shipping, handling, split and lateness penalties).

    Options read: ``max_splits``, ``allowed_location_types``, ``excluded_locations``,
    ``split_penalty_cents``, ``lateness_penalty_cents_per_day``, ``exact_limit``.
    """
    options = options or RoutingOptions()
    if request.delivery_method is DeliveryMethod.BOPIS:
        return route_pickup("lowest_cost", request, availability, matrix, options)
    eligible = eligible_availability(request, availability, matrix, options)
    notes: tuple[str, ...] = ()
    searched = eligible
    if len(eligible) > options.exact_limit:
        scores = {loc: standalone_cost_cents(request, loc, matrix, options) for loc in eligible}
        shortlist = sorted(eligible, key=lambda loc: (scores[loc], loc))[: options.exact_limit]
        searched = {loc: eligible[loc] for loc in sorted(shortlist)}
        notes = (
            f"heuristic: {len(eligible)} candidates > exact_limit {options.exact_limit}; "
            f"searched the {len(shortlist)} with the cheapest stand-alone parcel",
        )
    else:
        notes = (f"exact search over {len(eligible)} candidate location(s)",)
    priced, n_checks, n_pruned = covering_sets_by_cost(request, searched, matrix, options)
    notes = (*notes, f"{len(priced)} covering set(s) priced, {n_pruned} pruned by cost bound")
    if not priced:
        if searched is not eligible:
            note = "no shortlisted set covers; fell back to fewest splits over all candidates"
            return route_fewest_splits(
                "lowest_cost", request, eligible, matrix, options, (*notes, note)
            )
        reason = f"no set of up to {options.max_splits + 1} eligible locations covers the order"
        return NoRoute(
            reason, RoutingExplanation("lowest_cost", n_checks=n_checks, notes=(*notes, reason))
        )
    best, allocations = priced[0]
    explanation = RoutingExplanation(
        "lowest_cost",
        tuple(entry for entry, _ in priced),
        chosen=best.locations,
        cost=best.cost or CostBreakdown(),
        n_checks=n_checks,
        notes=notes,
    )
    return AllocationPlan(allocations, explanation)
