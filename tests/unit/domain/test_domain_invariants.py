"""check_invariants catches every kind of corruption it promises to."""

import pytest

from omsim.domain import (
    InvariantViolation,
    check_invariants,
    create_fulfillment_orders,
    invariant_violations,
)


@pytest.fixture
def summary(make_summary):
    s = make_summary([("A", 2, 1000)], charge=300)
    create_fulfillment_orders(s, s.delivery_groups[0].id, {"W1": {s.items[0].id: 1}}, at=1.0)
    check_invariants(s)
    return s


@pytest.mark.parametrize(
    ("corrupt", "message"),
    [
        (
            lambda s: setattr(s.items[0], "quantity_fulfilled", 2),
            "quantity_fulfilled 2 > quantity_allocated 1",
        ),
        (lambda s: setattr(s.items[0], "quantity_canceled", -1), "quantity_canceled is negative"),
        (
            lambda s: setattr(s.items[0], "quantity_allocated", 2),
            "fulfillment order lines hold 1, QuantityAllocated is 2",
        ),
        (
            lambda s: setattr(s.items[0], "status", "ORDERED"),
            "Status ORDERED but the formula list gives PARTIALLYALLOCATED",
        ),
        (
            lambda s: setattr(s.items[0], "total_line_amount_cents", 1),
            "total_line_amount_cents 1 != original + change orders 2000",
        ),
        (lambda s: setattr(s, "grand_total_amount_cents", 1), "grand_total_amount_cents stored 1"),
        (
            lambda s: setattr(s.payment_summaries[0].authorizations[0], "captured_cents", -1),
            "captured -1 of 2300",
        ),
        (
            lambda s: setattr(s.items[0], "quantity_reshipped", 1),
            "QuantityReshipped 1 > QuantityFulfilled 0",
        ),
    ],
)
def test_corruption_is_reported(summary, corrupt, message) -> None:
    corrupt(summary)
    assert any(message in p for p in invariant_violations(summary)), invariant_violations(summary)
    with pytest.raises(InvariantViolation, match=summary.id):
        check_invariants(summary)
