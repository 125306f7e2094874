"""Routing request and options validate their fields; explanations flatten for pandas."""

import pytest

from omsim.network.locations import LocationType, ServiceLevel
from omsim.network.routing.plan import (
    CandidateSet,
    CostBreakdown,
    DeliveryMethod,
    RoutingExplanation,
    RoutingOptions,
    RoutingRequest,
)


def test_request_parses_text_enums() -> None:
    r = RoutingRequest({"A": 1}, "Z", service_level="express", delivery_method="ship")  # type: ignore[arg-type]
    assert r.service_level is ServiceLevel.EXPRESS
    assert r.delivery_method is DeliveryMethod.SHIP
    assert r.unit_weight_kg("A") == 1.0


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"lines": {}}, "lines must hold at least one SKU"),
        ({"lines": {"A": 0}}, r"lines\['A'\] must be an int > 0"),
        ({"lines": {"A": 1.5}}, r"lines\['A'\] must be an int > 0"),
        ({"weights_kg": {"A": -1.0}}, r"weights_kg\['A'\]"),
        ({"delivery_method": "drone"}, "delivery_method 'drone' is not one of 'ship', 'bopis'"),
        ({"delivery_method": "bopis"}, "pickup_location_id must be given"),
        ({"pickup_location_id": "S1"}, "pickup_location_id must be given"),
    ],
)
def test_bad_requests_are_named(kwargs: dict, message: str) -> None:
    fields = {"lines": {"A": 1}, "zone_id": "Z"}
    fields.update(kwargs)
    with pytest.raises(ValueError, match=message):
        RoutingRequest(**fields)


def test_options_parse_types_and_reject_negatives() -> None:
    options = RoutingOptions(allowed_location_types=frozenset({"Warehouse"}))  # type: ignore[arg-type]
    assert options.allowed_location_types == {LocationType.WAREHOUSE}
    assert RoutingOptions().max_splits == 2
    with pytest.raises(ValueError, match="max_splits must be >= 0"):
        RoutingOptions(max_splits=-1)
    with pytest.raises(ValueError, match="exact_limit must be >= 1"):
        RoutingOptions(exact_limit=0)


def test_cost_total_and_candidate_records() -> None:
    cost = CostBreakdown(100, 20, 5, 3)
    assert cost.total_cents == 128
    explanation = RoutingExplanation(
        "x",
        (CandidateSet(("A", "B"), 12.5, True, cost), CandidateSet(("C",), 3.0, False)),
        chosen=("A", "B"),
        cost=cost,
    )
    records = explanation.candidate_records()
    assert records[0]["locations"] == "A, B"
    assert records[0]["chosen"] and records[0]["total_cents"] == 128
    assert records[1]["total_cents"] is None and not records[1]["covers"]
