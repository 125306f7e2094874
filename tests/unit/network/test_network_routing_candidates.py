"""Eligibility, greedy assignment, plan cost and BOPIS pickup on the hand network."""

from omsim.network.locations import LocationType
from omsim.network.routing.candidates import (
    by_distance,
    covers,
    eligible_availability,
    greedy_assign,
    plan_cost,
)
from omsim.network.routing.pickup import route_pickup
from omsim.network.routing.plan import (
    AllocationPlan,
    CostBreakdown,
    NoRoute,
    RoutingOptions,
    RoutingRequest,
)

AVAIL = {"S1": {"A": 1}, "W1": {"A": 2, "B": 5}, "S2": {"A": 0, "B": 0}, "W2": {"A": 9}}


def test_eligibility_filters(hand_matrix) -> None:
    request = RoutingRequest({"A": 3}, "Z")
    assert eligible_availability(request, AVAIL, hand_matrix, RoutingOptions()) == {
        "S1": {"A": 1},
        "W1": {"A": 2},
        "W2": {"A": 9},
    }
    options = RoutingOptions(
        allowed_location_types=frozenset({LocationType.WAREHOUSE}),
        excluded_locations=frozenset({"W2"}),
    )
    assert eligible_availability(request, AVAIL, hand_matrix, options) == {"W1": {"A": 2}}


def test_greedy_fills_nearest_first(hand_matrix) -> None:
    request = RoutingRequest({"A": 4, "B": 1}, "Z")
    order = by_distance(["W2", "W1", "S1"], hand_matrix.zone("Z"), hand_matrix)
    assert order == ["S1", "W1", "W2"]
    assert greedy_assign(request, AVAIL, order) == {
        "S1": {"A": 1},
        "W1": {"A": 2, "B": 1},
        "W2": {"A": 1},
    }
    assert covers(request, AVAIL, order)
    assert not covers(request, AVAIL, ["S1", "W2"])


def test_plan_cost_parts(hand_matrix) -> None:
    request = RoutingRequest({"A": 3}, "Z", weights_kg={"A": 0.5}, promised_days=2)
    options = RoutingOptions(split_penalty_cents=50, lateness_penalty_cents_per_day=7)
    cost = plan_cost(request, {"W1": {"A": 2}, "W2": {"A": 1}}, hand_matrix, options)
    # W1: band 0, 1 kg billable -> 500 + 100; W2: band 1, 1 kg -> 800 + 200, 1 day late.
    assert cost == CostBreakdown(
        shipping_cents=600 + 1000, handling_cents=200, split_cents=50, lateness_cents=7
    )


def test_bopis_goes_to_the_pickup_store(hand_matrix) -> None:
    request = RoutingRequest({"A": 1}, "Z", delivery_method="bopis", pickup_location_id="S1")  # type: ignore[arg-type]
    plan = route_pickup("x", request, AVAIL, hand_matrix, RoutingOptions())
    assert isinstance(plan, AllocationPlan)
    assert plan.allocations == {"S1": {"A": 1}}
    assert plan.explanation.cost == CostBreakdown(0, 300, 0, 0)
    short = RoutingRequest({"A": 2}, "Z", delivery_method="bopis", pickup_location_id="S1")  # type: ignore[arg-type]
    result = route_pickup("x", short, AVAIL, hand_matrix, RoutingOptions())
    assert isinstance(result, NoRoute)
    assert "short {'A': 1}" in result.reason
