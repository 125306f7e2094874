"""Routing strategies against brute-force oracles on small random networks.

The oracles recompute everything from coordinates and the carrier chart (not from the matrix) and
enumerate every location subset, so they share no code path with the strategies' search.
"""

import itertools
import math

from hypothesis import given, settings
from hypothesis import strategies as st

from omsim.network.carrier import CarrierRates
from omsim.network.geo import haversine_km
from omsim.network.graph import build_network
from omsim.network.locations import CustomerZone, Location, LocationType, ServiceLevel
from omsim.network.matrix import NetworkMatrix
from omsim.network.routing import (
    STRATEGIES,
    AllocationPlan,
    NoRoute,
    RoutingOptions,
    RoutingRequest,
    fewest_splits,
    lowest_cost,
    route,
)

SKUS = ("A", "B", "C")
CARRIER = CarrierRates()
WEIGHTS = {"A": 0.4, "B": 1.7, "C": 3.0}


@st.composite
def instances(draw):
    """A random network of 1-6 locations, one zone, availability, an order and options."""
    n = draw(st.integers(1, 6))
    locations = [
        Location(
            f"L{i}",
            f"L{i}",
            draw(st.sampled_from(list(LocationType))),
            draw(st.floats(25.0, 48.0)),
            draw(st.floats(-122.0, -70.0)),
            handling_cost_cents=draw(st.integers(0, 800)),
        )
        for i in range(n)
    ]
    zone = CustomerZone("Z", "Z", draw(st.floats(25.0, 48.0)), draw(st.floats(-122.0, -70.0)))
    skus = draw(st.lists(st.sampled_from(SKUS), min_size=1, max_size=3, unique=True))
    lines = {sku: draw(st.integers(1, 6)) for sku in skus}
    availability = {loc.id: {sku: draw(st.integers(0, 5)) for sku in SKUS} for loc in locations}
    request = RoutingRequest(
        lines,
        "Z",
        service_level=draw(st.sampled_from(list(ServiceLevel))),
        weights_kg=WEIGHTS,
        promised_days=draw(st.none() | st.integers(1, 4)),
    )
    options = RoutingOptions(
        max_splits=draw(st.integers(0, 3)),
        split_penalty_cents=draw(st.integers(0, 2000)),
        lateness_penalty_cents_per_day=draw(st.integers(0, 3000)),
    )
    matrix = NetworkMatrix.from_graph(build_network(locations, [zone], CARRIER))
    return locations, zone, availability, request, options, matrix


def distance(location: Location, zone: CustomerZone) -> float:
    return float(haversine_km(location.latitude, location.longitude, zone.latitude, zone.longitude))


def covering(subset, availability, lines) -> bool:
    return all(sum(availability[loc.id][sku] for loc in subset) >= q for sku, q in lines.items())


def oracle_minimal_sets(locations, availability, lines, max_size):
    for size in range(1, max_size + 1):
        found = [
            s for s in itertools.combinations(locations, size) if covering(s, availability, lines)
        ]
        if found:
            return found
    return []


def oracle_cost(subset, zone, availability, request, options) -> int:
    """Greedy nearest-first fill inside the subset, priced from the carrier chart directly."""
    nearest = sorted(subset, key=lambda loc: (distance(loc, zone), loc.id))
    shipped: dict[str, tuple[Location, float]] = {}
    for sku, quantity in request.lines.items():
        remaining = quantity
        for loc in nearest:
            take = min(remaining, availability[loc.id][sku])
            if take > 0:
                _, weight = shipped.get(loc.id, (loc, 0.0))
                shipped[loc.id] = (loc, weight + take * WEIGHTS[sku])
                remaining -= take
    total = options.split_penalty_cents * (len(shipped) - 1)
    for loc, weight in shipped.values():
        km = distance(loc, zone)
        total += CARRIER.shipping_cost_cents(km, weight, request.service_level)
        total += loc.handling_cost_cents
        if request.promised_days is not None:
            late = CARRIER.transit_days(km, request.service_level) - request.promised_days
            total += options.lateness_penalty_cents_per_day * max(0, late)
    return total


@settings(max_examples=60, deadline=None)
@given(instances())
def test_fewest_splits_returns_exactly_the_minimal_sets_in_distance_order(instance) -> None:
    locations, zone, availability, request, options, matrix = instance
    expected = oracle_minimal_sets(locations, availability, request.lines, options.max_splits + 1)
    result = fewest_splits(request, availability, matrix, options)
    if not expected:
        assert isinstance(result, NoRoute)
        return
    assert isinstance(result, AllocationPlan)
    returned = [c.locations for c in result.explanation.candidates]
    assert sorted(returned) == sorted(tuple(loc.id for loc in s) for s in expected)
    by_id = {loc.id: loc for loc in locations}
    means = [sum(distance(by_id[i], zone) for i in s) / len(s) for s in returned]
    assert all(b >= a - 1e-6 for a, b in itertools.pairwise(means))
    assert result.explanation.chosen == returned[0]
    assert set(result.allocations) == set(returned[0])


@settings(max_examples=60, deadline=None)
@given(instances())
def test_lowest_cost_matches_exhaustive_search(instance) -> None:
    locations, zone, availability, request, options, matrix = instance
    costs = [
        oracle_cost(s, zone, availability, request, options)
        for size in range(1, options.max_splits + 2)
        for s in itertools.combinations(locations, size)
        if covering(s, availability, request.lines)
    ]
    result = lowest_cost(request, availability, matrix, options)
    if not costs:
        assert isinstance(result, NoRoute)
        return
    assert isinstance(result, AllocationPlan)
    assert result.explanation.cost is not None
    assert result.explanation.cost.total_cents == min(costs)


@settings(max_examples=40, deadline=None)
@given(instances(), st.sampled_from(sorted(STRATEGIES)), st.integers(0, 3))
def test_no_strategy_over_allocates_or_misallocates(instance, name, protection) -> None:
    locations, _zone, availability, request, options, matrix = instance
    options = RoutingOptions(max_splits=options.max_splits, store_protection_units=protection)
    result = route(request, availability, matrix, name, options)
    if isinstance(result, NoRoute):
        assert result.reason
        return
    types = {loc.id: loc.type for loc in locations}
    for loc, lines in result.allocations.items():
        keep = protection if name == "ship_from_store" and types[loc] is LocationType.STORE else 0
        for sku, quantity in lines.items():
            assert 0 < quantity <= availability[loc][sku] - keep
        if name == "nearest_warehouse":
            assert types[loc] is LocationType.WAREHOUSE
    for sku, quantity in request.lines.items():
        assert sum(lines.get(sku, 0) for lines in result.allocations.values()) == quantity
    assert set().union(*result.allocations.values()) <= set(request.lines)
    assert result.n_shipments <= options.max_splits + 1
    assert math.isfinite(result.explanation.cost.total_cents)
