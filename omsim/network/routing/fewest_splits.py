"""Salesforce's starter routing: fewest splits, then rank by average distance.

Mirrors ``findRoutesWithFewestSplits`` followed by ``rankAverageDistance``, Salesforce Order
Management's routing flow actions:

1. Candidates are the eligible locations with positive ATF for some line, sorted by id.
2. Sets of size k = 1, 2, ..., ``max_splits + 1`` are enumerated in ``itertools.combinations``
   order; the first k with any covering set ends the search, and every covering set of that size
   is returned (all minimal-size sets). The search stops after ``max_checks`` sets checked
   (1,000,000) or ``max_results`` sets found (10,000), as Salesforce's action does; the
   explanation says which cap was hit.
3. Sets are ranked by the mean distance from their locations to the recipient, ascending. Ties
   keep enumeration order (a stable sort): UNCONFIRMED, Salesforce does not document it.
4. Within the best set each line is filled nearest location first: UNCONFIRMED (see
   :func:`~omsim.network.routing.candidates.greedy_assign`).
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from omsim.network.matrix import NetworkMatrix
from omsim.network.routing.candidates import (
    Availability,
    by_distance,
    eligible_availability,
    greedy_assign,
    plan_cost,
    stock_array,
)
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

_CHUNK = 65_536  # combinations checked per numpy batch: bounds memory on large networks


@dataclass(frozen=True)
class SplitSearch:
    """Result of the fewest-splits search.

    Attributes
    ----------
    sets : tuple of tuple of str
        Minimal-size covering location sets, in enumeration order.
    n_checks : int
        Sets checked.
    cap_hit : str or None
        "checks" or "results" when a cap stopped the search.
    """

    sets: tuple[tuple[str, ...], ...]
    n_checks: int
    cap_hit: str | None


def minimal_covering_sets(
    request: RoutingRequest,
    eligible: Availability,
    max_size: int,
    *,
    max_checks: int = 1_000_000,
    max_results: int = 10_000,
) -> SplitSearch:
    """All smallest location sets (up to ``max_size`` locations) whose ATF covers the request.

    Parameters
    ----------
    request : RoutingRequest
        Lines to cover.
    eligible : mapping
        Location id -> SKU -> ATF of the candidate locations.
    max_size : int
        Largest set size (``max_splits + 1``).
    max_checks, max_results : int
        Search caps.
    """
    candidates: Sequence[str] = sorted(eligible)
    if 0 < len(candidates) <= min(max_checks, _CHUNK) and max_results > len(candidates):
        # Most orders are covered by one location: check singles without building arrays.
        lines = tuple(request.lines.items())
        singles = [
            (loc,)
            for loc in candidates
            if all(eligible[loc].get(sku, 0) >= qty for sku, qty in lines)
        ]
        if singles or max_size == 1:
            return SplitSearch(tuple(singles), len(candidates), None)
        first_size = 2
        n_checks = len(candidates)
    else:
        first_size, n_checks = 1, 0
    stock, need = stock_array(request, eligible, candidates)
    found: list[tuple[str, ...]] = []
    for size in range(first_size, min(max_size, len(candidates)) + 1):
        combos = itertools.combinations(range(len(candidates)), size)
        while True:
            budget = min(_CHUNK, max_checks - n_checks)
            if budget <= 0:
                return SplitSearch(tuple(found), n_checks, "checks")
            batch = np.fromiter(
                itertools.chain.from_iterable(itertools.islice(combos, budget)), dtype=np.int64
            ).reshape(-1, size)
            if batch.size == 0:
                break
            hits = np.flatnonzero((stock[batch].sum(axis=1) >= need).all(axis=1))
            if len(found) + len(hits) >= max_results:
                keep = hits[: max_results - len(found)]
                n_checks += int(keep[-1]) + 1
                found.extend(tuple(candidates[i] for i in batch[h]) for h in keep)
                return SplitSearch(tuple(found), n_checks, "results")
            n_checks += len(batch)
            found.extend(tuple(candidates[i] for i in batch[h]) for h in hits)
        if found:
            break
    return SplitSearch(tuple(found), n_checks, None)


def rank_by_average_distance(
    sets: Sequence[tuple[str, ...]], zone_idx: int, matrix: NetworkMatrix
) -> list[CandidateSet]:
    """Sets ranked by mean distance to the zone (km), ascending; ties keep input order."""
    if not sets:
        return []
    if all(len(s) == 1 for s in sets):  # the mean of one distance is that distance
        column = matrix.distance_km[:, zone_idx]
        single = [float(column[matrix.loc(s[0])]) for s in sets]
        ranked = sorted(range(len(sets)), key=single.__getitem__)  # stable, as argsort(stable)
        return [CandidateSet(sets[i], single[i]) for i in ranked]
    rows = np.array([[matrix.loc(loc) for loc in s] for s in sets], dtype=np.int64)
    means = matrix.distance_km[rows, zone_idx].mean(axis=1)
    order = np.argsort(means, kind="stable")
    return [CandidateSet(sets[i], float(means[i])) for i in order]


def fewest_splits(
    request: RoutingRequest,
    availability: Availability,
    matrix: NetworkMatrix,
    options: RoutingOptions | None = None,
) -> AllocationPlan | NoRoute:
    """Route with the fewest shipments, nearest on average (Salesforce's starter routing).

    Options read: ``max_splits``, ``allowed_location_types``, ``excluded_locations``,
    ``max_checks``, ``max_results`` (costs are reported, not optimised).
    """
    options = options or RoutingOptions()
    if request.delivery_method is DeliveryMethod.BOPIS:
        return route_pickup("fewest_splits", request, availability, matrix, options)
    eligible = eligible_availability(request, availability, matrix, options)
    return route_fewest_splits("fewest_splits", request, eligible, matrix, options)


def route_fewest_splits(
    strategy: str,
    request: RoutingRequest,
    eligible: Availability,
    matrix: NetworkMatrix,
    options: RoutingOptions,
    notes: tuple[str, ...] = (),
) -> AllocationPlan | NoRoute:
    """Fewest-splits search, ranking and greedy assignment over already-eligible locations."""
    zone = matrix.zone(request.zone_id)
    search = minimal_covering_sets(
        request,
        eligible,
        options.max_splits + 1,
        max_checks=options.max_checks,
        max_results=options.max_results,
    )
    ranked = rank_by_average_distance(search.sets, zone, matrix)
    if not ranked:
        reason = (
            f"no set of up to {options.max_splits + 1} eligible locations covers the order"
            if search.cap_hit is None
            else f"search cap hit ({search.cap_hit}) before a covering set was found"
        )
        explanation = RoutingExplanation(
            strategy, n_checks=search.n_checks, cap_hit=search.cap_hit, notes=(*notes, reason)
        )
        return NoRoute(reason, explanation)
    best = ranked[0]
    allocations = greedy_assign(request, eligible, by_distance(best.locations, zone, matrix))
    cost = plan_cost(request, allocations, matrix, options)
    ranked[0] = CandidateSet(best.locations, best.mean_distance_km, covers=True, cost=cost)
    explanation = RoutingExplanation(
        strategy,
        tuple(ranked),
        chosen=best.locations,
        cost=cost,
        n_checks=search.n_checks,
        cap_hit=search.cap_hit,
        notes=(
            *notes,
            f"{len(ranked)} minimal set(s) of {len(best.locations)} location(s); "
            "ranked by mean distance, ties in enumeration order (UNCONFIRMED)",
        ),
    )
    return AllocationPlan(allocations, explanation)
