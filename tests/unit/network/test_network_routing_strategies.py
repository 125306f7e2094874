"""Each built-in strategy on hand-computable cases, and the registry."""

import pytest

from omsim.network.locations import LocationType
from omsim.network.routing import (
    STRATEGIES,
    AllocationPlan,
    NoRoute,
    RoutingOptions,
    RoutingRequest,
    fewest_splits,
    get_strategy,
    lowest_cost,
    nearest_warehouse,
    route,
    ship_from_store,
)
from omsim.network.routing.fewest_splits import minimal_covering_sets

AVAIL = {
    "S1": {"A": 1, "B": 1},
    "W1": {"A": 2, "B": 0},
    "S2": {"A": 3, "B": 3},
    "W2": {"A": 5, "B": 5},
}


def test_fewest_splits_singles_ranked_by_distance(hand_matrix) -> None:
    plan = fewest_splits(RoutingRequest({"A": 2, "B": 1}, "Z"), AVAIL, hand_matrix)
    assert isinstance(plan, AllocationPlan)
    assert [c.locations for c in plan.explanation.candidates] == [("S2",), ("W2",)]
    assert plan.allocations == {"S2": {"A": 2, "B": 1}}
    assert plan.explanation.chosen == ("S2",)


def test_fewest_splits_pairs_when_no_single_covers(hand_matrix) -> None:
    plan = fewest_splits(RoutingRequest({"A": 7, "B": 2}, "Z"), AVAIL, hand_matrix)
    sets = [c.locations for c in plan.explanation.candidates]
    # Mean distances: W1+W2 (111 + 334) / 2 = 222 km; S2+W2 (222 + 334) / 2 = 278 km.
    assert sets == [("W1", "W2"), ("S2", "W2")]
    assert plan.allocations == {"W1": {"A": 2}, "W2": {"A": 5, "B": 2}}
    assert plan.explanation.cost is not None and plan.explanation.cost.split_cents == 500


def test_fewest_splits_max_splits_zero_gives_no_route(hand_matrix) -> None:
    result = fewest_splits(
        RoutingRequest({"A": 7}, "Z"), AVAIL, hand_matrix, RoutingOptions(max_splits=0)
    )
    assert isinstance(result, NoRoute)
    assert "up to 1 eligible locations" in result.reason


def test_search_caps(hand_matrix) -> None:
    request = RoutingRequest({"A": 1}, "Z")
    eligible = {loc: {"A": 1} for loc in AVAIL}
    capped = minimal_covering_sets(request, eligible, 3, max_results=2)
    assert capped.sets == (("S1",), ("S2",)) and capped.cap_hit == "results"
    checks = minimal_covering_sets(RoutingRequest({"A": 4}, "Z"), eligible, 4, max_checks=5)
    assert checks.sets == () and checks.cap_hit == "checks" and checks.n_checks == 5
    result = fewest_splits(
        RoutingRequest({"A": 4}, "Z"), eligible, hand_matrix, RoutingOptions(max_checks=5)
    )
    assert isinstance(result, NoRoute) and "cap hit (checks)" in result.reason


def test_nearest_warehouse(hand_matrix) -> None:
    plan = nearest_warehouse(RoutingRequest({"A": 2}, "Z"), AVAIL, hand_matrix)
    assert plan.allocations == {"W1": {"A": 2}}
    split = nearest_warehouse(RoutingRequest({"A": 6}, "Z"), AVAIL, hand_matrix)
    assert split.allocations == {"W1": {"A": 2}, "W2": {"A": 4}}
    none = nearest_warehouse(RoutingRequest({"A": 8}, "Z"), AVAIL, hand_matrix)
    assert isinstance(none, NoRoute)


def test_ship_from_store_with_protection(hand_matrix) -> None:
    request = RoutingRequest({"A": 1, "B": 1}, "Z")
    assert ship_from_store(request, AVAIL, hand_matrix).allocations == {"S1": {"A": 1, "B": 1}}
    protected = RoutingOptions(store_protection_units=1)
    assert ship_from_store(request, AVAIL, hand_matrix, protected).allocations == {
        "S2": {"A": 1, "B": 1}
    }
    by_store = RoutingOptions(store_protection_units=1, protection_by_location={"S2": 3})
    assert ship_from_store(request, AVAIL, hand_matrix, by_store).allocations == {
        "W2": {"A": 1, "B": 1}
    }


def test_ship_from_store_falls_back_to_fewest_splits(hand_matrix) -> None:
    plan = ship_from_store(RoutingRequest({"A": 8}, "Z"), AVAIL, hand_matrix)
    assert plan.allocations == {"S2": {"A": 3}, "W2": {"A": 5}}
    assert "fewest splits" in plan.explanation.notes[0]


def test_lowest_cost_trades_distance_for_handling(hand_matrix) -> None:
    request = RoutingRequest({"A": 1}, "Z", weights_kg={"A": 1.0})
    # S1: 500 + 100 + 300 handling = 900; W1: 500 + 100 + 100 = 700; S2/W2 farther band.
    plan = lowest_cost(request, AVAIL, hand_matrix)
    assert plan.allocations == {"W1": {"A": 1}}
    assert plan.explanation.cost.total_cents == 700
    assert plan.explanation.candidates[0].locations == ("W1",)


def test_lowest_cost_lateness_and_split_penalties(hand_matrix) -> None:
    request = RoutingRequest({"A": 7}, "Z", weights_kg={"A": 0.0}, promised_days=1)
    options = RoutingOptions(split_penalty_cents=1, lateness_penalty_cents_per_day=10_000)
    plan = lowest_cost(request, AVAIL, hand_matrix, options)
    # Only pairs with W2 or triples cover; lateness (W2/S2 are 2 days late) dominates.
    assert plan.explanation.cost.lateness_cents == 20_000
    assert set(plan.allocations) in ({"W2", "W1"}, {"W2", "S1", "W1"})


def test_lowest_cost_heuristic_beyond_exact_limit(hand_matrix) -> None:
    request = RoutingRequest({"A": 1}, "Z")
    plan = lowest_cost(request, AVAIL, hand_matrix, RoutingOptions(exact_limit=1))
    assert plan.allocations == {"W1": {"A": 1}}
    assert plan.explanation.notes[0].startswith("heuristic")
    fallback = lowest_cost(
        RoutingRequest({"A": 8}, "Z"), AVAIL, hand_matrix, RoutingOptions(exact_limit=1)
    )
    assert fallback.allocations == {"S2": {"A": 3}, "W2": {"A": 5}}


@pytest.mark.parametrize("name", sorted(STRATEGIES))
def test_every_strategy_sends_bopis_to_the_store(name: str, hand_matrix) -> None:
    request = RoutingRequest({"A": 1}, "Z", delivery_method="bopis", pickup_location_id="S2")  # type: ignore[arg-type]
    assert route(request, AVAIL, hand_matrix, name).allocations == {"S2": {"A": 1}}


def test_allowed_types_and_exclusions(hand_matrix) -> None:
    options = RoutingOptions(
        allowed_location_types=frozenset({LocationType.STORE}), excluded_locations={"S1"}
    )
    plan = fewest_splits(RoutingRequest({"A": 1}, "Z"), AVAIL, hand_matrix, options)
    assert plan.allocations == {"S2": {"A": 1}}


def test_registry_names_and_dotted_paths() -> None:
    assert get_strategy("fewest_splits") is fewest_splits
    assert get_strategy("omsim.network.routing.nearest:ship_from_store") is ship_from_store
    assert get_strategy(lowest_cost) is lowest_cost
    with pytest.raises(ValueError, match="'fastest' is not one of 'fewest_splits', "):
        get_strategy("fastest")
    with pytest.raises(ValueError, match=r"cannot import 'no_such_pkg\.mod'"):
        get_strategy("no_such_pkg.mod:f")
    with pytest.raises(ValueError, match="has no function 'nope'"):
        get_strategy("omsim.network.routing.nearest:nope")
