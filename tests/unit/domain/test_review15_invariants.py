"""Review of issue 15: `check_invariants` catches a corrupted value of each new field.

A rule that cannot fail is a bug: each test corrupts one stored field and expects a violation
naming it (or its record).
"""

import pytest

from omsim.domain import (
    DeliveryGroupInput,
    IdFactory,
    OrderLineInput,
    ReturnItemInput,
    ReturnLineInput,
    create_order,
    create_order_summary,
    create_return_order,
    exchange,
    invariant_violations,
    return_items,
)
from omsim.domain.events import api_name
from omsim.domain.invariants import exchange_invariant_violations
from omsim.domain.picklists import LifeCycleType


def unmanaged():
    """A 3 x 1000 at 10% and C 4 x 250 at 0%, charges 500 (+10%) and 300, 450 off the order.

    A takes 450 x 3000 / 4000 = 337.5 -> 338 (half-even), C the 112 left. A: 2662 + 266 tax;
    C: 888. TotalProductAmountWithTax = 3000 + 300 + 1000 = 4300; delivery 500 + 50 + 300 = 850.
    """
    ids = IdFactory()
    order = create_order(
        ids,
        lines=[OrderLineInput("A", 3, 1000, "0.1", "g1"), OrderLineInput("C", 4, 250, "0", "g2")],
        delivery_groups=[
            DeliveryGroupInput("g1", delivery_charge_cents=500, charge_tax_rate="0.1"),
            DeliveryGroupInput("g2", delivery_charge_cents=300),
        ],
        at=0.0,
        header_discount_cents=450,
    )
    summary, _ = create_order_summary(ids, order, at=0.0, life_cycle_type=LifeCycleType.UNMANAGED)
    return summary


def test_unmanaged_summary_captures_the_orders_totals() -> None:
    s = unmanaged()
    assert invariant_violations(s) == []
    assert (s.total_product_amount_with_tax_cents, s.total_delivery_amount_with_tax_cents) == (
        4300,
        850,
    )
    assert s.total_adj_dist_amount_cents == -450  # -338 - 112
    g1, g2 = s.delivery_groups
    # g1: 3000 - 338 + 500 = 3162 pre-tax, 266 + 50 = 316 tax; g2: 888 + 300 = 1188
    assert (g1.total_amount_cents, g1.grand_total_amount_cents) == (3162, 3478)
    assert (g2.total_amount_cents, g2.grand_total_amount_cents) == (1188, 1188)


@pytest.mark.parametrize(
    "field",
    [
        "total_product_amount_with_tax_cents",
        "total_delivery_amount_with_tax_cents",
        "total_fee_amount_cents",
        "total_fee_amount_with_tax_cents",
        "total_adj_dist_amount_cents",
    ],
)
def test_a_frozen_unmanaged_total_cannot_drift(field) -> None:
    s = unmanaged()
    setattr(s, field, getattr(s, field) + 1)
    problems = invariant_violations(s)
    assert any(field in p or api_name(field) in p for p in problems), problems


@pytest.mark.parametrize(
    "field",
    [
        "total_line_amount_cents",
        "total_adjustment_amount_cents",
        "total_adjusted_product_amount_cents",
        "total_adjusted_product_tax_amount_cents",
        "total_adjusted_delivery_amount_cents",
        "total_adjusted_delivery_tax_amount_cents",
        "total_amount_cents",
        "total_tax_amount_cents",
        "grand_total_amount_cents",
    ],
)
def test_a_frozen_unmanaged_delivery_group_total_cannot_drift(field) -> None:
    s = unmanaged()
    group = s.delivery_groups[1]
    setattr(group, field, getattr(group, field) + 1)
    problems = invariant_violations(s)
    assert any(group.id in p and field in p for p in problems), problems


def test_a_frozen_unmanaged_header_adjustment_group_cannot_drift() -> None:
    s = unmanaged()
    (header,) = s.adjustment_groups
    header.total_amount_cents += 1
    assert any("header adjustment groups" in p for p in invariant_violations(s))


@pytest.mark.parametrize(
    "field",
    ["total_line_amount_cents", "total_adjustment_amount_cents", "total_tax_amount_cents"],
)
def test_an_unmanaged_line_keeps_the_orders_money(field) -> None:
    s = unmanaged()
    item = s.items[0]
    setattr(item, field, getattr(item, field) + 1)
    problems = invariant_violations(s)
    assert any(item.id in p and field in p for p in problems), problems


def rejected_return(make_summary, ship):
    """A 2 x 1000 shipped; an RMA for 2, 1 returned and 1 rejected (not coming back)."""
    s = make_summary([("A", 2, 1000)])
    a = s.items[0]
    ship(s, {a.id: 2})
    ro, _ = create_return_order(s, [ReturnLineInput(a.id, 2)], at=3.0)
    return_items(
        s,
        ro.id,
        [ReturnItemInput(ro.lines[0].id, 1, quantity_to_cancel=1, quantity_rejected=1)],
        at=4.0,
        shipping_reduction_flag=False,
    )
    return s, ro.lines[0]


@pytest.mark.parametrize("value", ["Bogus", None])
def test_a_rejection_reason_outside_the_picklist_is_a_violation(make_summary, ship, value):
    s, line = rejected_return(make_summary, ship)
    assert line.reason_for_rejection == "Missing Item or Part"  # the picklist default
    assert invariant_violations(s) == []
    line.reason_for_rejection = value
    problems = invariant_violations(s)
    assert any(line.id in p and "ReasonForRejection" in p for p in problems), problems


@pytest.mark.parametrize("value", ["Bogus", "Damaged Item"])
def test_a_rejection_reason_without_rejected_units_is_a_violation(make_summary, ship, value):
    s, line = rejected_return(make_summary, ship)
    line.quantity_rejected = 0
    problems = invariant_violations(s)
    assert any(line.id in p and "ReasonForRejection" in p for p in problems), problems
    line.quantity_rejected = 1
    a = s.items[0]
    ro, _ = create_return_order(s, [ReturnLineInput(a.id, 1)], at=5.0)  # open, nothing rejected
    assert invariant_violations(s) == []
    ro.lines[0].reason_for_rejection = value
    problems = invariant_violations(s)
    assert any(ro.lines[0].id in p and "ReasonForRejection" in p for p in problems), problems


@pytest.mark.parametrize(
    ("field", "value"), [("order_summary_id", "OS-BOGUS"), ("relationship_type", "Bogus")]
)
def test_a_corrupted_exchange_relationship_is_a_violation(ship, make_summary, field, value):
    summary = make_summary([("A", 2, 2500)])
    a = summary.items[0]
    ship(summary, {a.id: 2})
    new, _ = exchange(
        summary, [ReturnLineInput(a.id, 1)], [OrderLineInput("A-L", 1, 2500)], at=10.0
    )
    (relationship,) = new.item_relationships
    assert exchange_invariant_violations(summary, new) == []
    setattr(relationship, field, value)
    problems = exchange_invariant_violations(summary, new)
    assert any(relationship.id in p for p in problems), problems


def test_a_corrupted_unit_price_on_a_line_no_document_carries_is_a_violation(make_summary):
    """``TotalLineAmount`` is ``UnitPrice`` x ``Quantity`` (the units still bought): a line on
    no fulfillment or return order (whose ``UnitPrice`` copies it) still has its price checked.
    A 2 x 1000, B 1 x 500: B's 500 = 500 x 1."""
    s = make_summary()
    b = s.items[1]
    assert invariant_violations(s) == []
    b.unit_price_cents += 1
    problems = invariant_violations(s)
    assert any(b.id in p and "UnitPrice" in p for p in problems), problems
