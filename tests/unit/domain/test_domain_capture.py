"""Capture: the immutable Order, the Order Summary, authorizations, status formula."""

import dataclasses

import pytest

from omsim.domain import (
    ActionRejected,
    DeliveryGroupInput,
    IdFactory,
    OrderLineInput,
    SourceProcess,
    authorize_payment,
    create_order,
    create_order_summary,
    set_order_summary_status,
)
from omsim.domain.invariants import invariant_violations
from omsim.domain.picklists import ItemType, LifeCycleType
from omsim.domain.summary import OrderItemSummary

GROUP = [DeliveryGroupInput("default", delivery_charge_cents=500, charge_tax_rate="0.1")]


def order(ids=None, **kw):
    return create_order(
        ids or IdFactory(),
        lines=kw.pop("lines", [OrderLineInput("A", 2, 1000, "0.1")]),
        delivery_groups=kw.pop("groups", GROUP),
        at=0.0,
        **kw,
    )


def test_order_is_immutable_and_has_product_and_charge_lines() -> None:
    o = order()
    assert [i.type for i in o.items] == [ItemType.PRODUCT, ItemType.DELIVERY_CHARGE]
    assert (o.total_amount_cents, o.total_tax_amount_cents, o.grand_total_amount_cents) == (
        2500,
        250,
        2750,
    )
    with pytest.raises(dataclasses.FrozenInstanceError):
        o.status = "Draft"  # type: ignore[misc]


@pytest.mark.parametrize(
    ("kw", "message"),
    [
        ({"lines": []}, "cannot activate an order without lines"),
        ({"lines": [OrderLineInput("A", 0, 100)]}, "quantity must be a positive whole number"),
        ({"lines": [OrderLineInput("A", 1, -5)]}, "price >= 0"),
        ({"lines": [OrderLineInput("A", 1, 5, delivery_group="x")]}, "delivery group 'x' unknown"),
        ({"groups": [DeliveryGroupInput("default", "Drone")]}, "delivery method 'Drone'"),
        ({"groups": [DeliveryGroupInput("default", "Pickup")]}, "Pickup needs pickup_location_id"),
        ({"groups": [DeliveryGroupInput("default", delivery_charge_cents=-1)]}, "charge must be"),
    ],
)
def test_create_order_guardrails(kw, message) -> None:
    with pytest.raises(ActionRejected, match=message):
        order(**kw)


def test_create_order_summary_copies_lines_and_emits_event() -> None:
    ids = IdFactory()
    summary, events = create_order_summary(ids, order(ids), at=1.5)
    assert summary.order_life_cycle_type is LifeCycleType.MANAGED
    assert summary.source_process is SourceProcess.STANDARD
    assert [i.status for i in summary.items] == ["ORDERED", "ORDERED"]
    assert summary.grand_total_amount_cents == 2750
    assert summary.routing_attempts == 0 and summary.active_process_exception_count == 0
    (event,) = events
    assert event.activity == "Order Summary Created" and event.at == 1.5
    assert {r.object_type for r in event.objects} >= {"OrderSummary", "OrderItemSummary", "Order"}
    fields = {(c.object_type, c.field) for c in event.changes}
    assert ("OrderItemSummary", "QuantityOrdered") in fields
    assert ("OrderSummary", "GrandTotalAmount") in fields


def test_unmanaged_summary_keeps_the_captured_totals_and_refuses_actions() -> None:
    """Salesforce copies the order's totals into an unmanaged summary, then never maintains
    them: 2 x 1000 + 10% tax, a 500 delivery charge + 10% tax."""
    ids = IdFactory()
    summary, _ = create_order_summary(
        ids, order(ids), at=0.0, life_cycle_type=LifeCycleType.UNMANAGED
    )
    assert (
        summary.total_adjusted_product_amount_cents,
        summary.total_adjusted_delivery_amount_cents,
        summary.total_amount_cents,
        summary.total_tax_amount_cents,
        summary.grand_total_amount_cents,
    ) == (2000, 500, 2500, 250, 2750)
    assert (summary.total_product_amount_cents, summary.total_product_amount_with_tax_cents) == (
        2000,
        2200,
    )
    (group,) = summary.delivery_groups
    assert (group.total_amount_cents, group.grand_total_amount_cents) == (2500, 2750)
    assert summary.items[0].quantity_ordered == 2
    assert invariant_violations(summary) == []
    summary.grand_total_amount_cents = 0  # what an edit of a frozen field would do
    assert any("UNMANAGED" in p for p in invariant_violations(summary))
    summary.grand_total_amount_cents = 2750
    with pytest.raises(ActionRejected, match="requires a MANAGED order summary"):
        authorize_payment(summary, amount_cents=100, at=0.0)


def test_exchange_summary_needs_its_source_and_change_orders_cannot_be_summarised() -> None:
    ids = IdFactory()
    o = order(ids)
    with pytest.raises(ActionRejected, match="SourceOrderSummaryId is required for"):
        create_order_summary(ids, o, at=0.0, source_process=SourceProcess.EXCHANGE)
    with pytest.raises(ActionRejected, match="a change order cannot have its own"):
        create_order_summary(ids, dataclasses.replace(o, related_order_id="ORD-9"), at=0.0)


def test_status_picklist_is_configurable_and_enforced() -> None:
    ids = IdFactory()
    summary, _ = create_order_summary(
        ids, order(ids), at=0.0, status="New", status_picklist=("New", "Ready to Capture")
    )
    events = set_order_summary_status(summary, "Ready to Capture", at=2.0)
    assert summary.status == "Ready to Capture" and events[0].activity.endswith("Changed")
    assert set_order_summary_status(summary, "Ready to Capture", at=3.0) == []
    with pytest.raises(ActionRejected, match="Status 'Approved' is not allowed; allowed: New"):
        set_order_summary_status(summary, "Approved", at=3.0)


def test_authorize_payment_groups_by_method_and_sets_expiry() -> None:
    ids = IdFactory()
    summary, _ = create_order_summary(ids, order(ids), at=0.0)
    authorize_payment(summary, amount_cents=2000, at=10.0, valid_hours=168)
    authorize_payment(summary, amount_cents=750, at=10.0, method="Gift Card", valid_hours=None)
    authorize_payment(summary, amount_cents=1, at=11.0)
    visa, gift = summary.payment_summaries
    assert [a.expires_at for a in visa.authorizations] == [178.0, 179.0]
    assert gift.authorizations[0].expires_at is None
    assert visa.authorization_amount_cents == 2001
    with pytest.raises(ActionRejected, match="authorization amount must be positive"):
        authorize_payment(summary, amount_cents=0, at=0.0)


def line(**buckets) -> OrderItemSummary:
    base = dict(quantity_ordered=3)
    base.update(buckets)
    return OrderItemSummary(
        id="OIS-1",
        order_summary_id="OS-1",
        original_order_item_id="OI-1",
        order_delivery_group_summary_id="ODGS-1",
        type=ItemType.PRODUCT,
        stock_keeping_unit="A",
        unit_price_cents=100,
        tax_rate=0,  # type: ignore[arg-type]
        total_line_amount_cents=300,
        total_adjustment_amount_cents=0,
        total_tax_amount_cents=0,
        **base,
    )


@pytest.mark.parametrize(
    ("buckets", "status"),
    [
        ({}, "ORDERED"),
        ({"quantity_allocated": 1}, "PARTIALLYALLOCATED"),
        ({"quantity_allocated": 3}, "ALLOCATED"),
        ({"quantity_allocated": 3, "quantity_fulfilled": 1}, "PARTIALLYFULFILLED"),
        ({"quantity_allocated": 3, "quantity_fulfilled": 3}, "FULFILLED"),
        ({"quantity_canceled": 3}, "CANCELED"),
        ({"quantity_canceled": 1, "quantity_allocated": 2, "quantity_fulfilled": 2}, "FULFILLED"),
        (
            {"quantity_allocated": 3, "quantity_fulfilled": 3, "quantity_return_initiated": 3},
            "RETURNINITIATED",
        ),
        (
            {
                "quantity_allocated": 3,
                "quantity_fulfilled": 3,
                "quantity_return_initiated": 3,
                "quantity_returned": 3,
            },
            "RETURNED",
        ),
        (
            {"quantity_allocated": 3, "quantity_fulfilled": 3, "quantity_reshipped": 3},
            "RESHIPPED",
        ),
        (
            {
                "quantity_allocated": 3,
                "quantity_fulfilled": 3,
                "quantity_return_initiated": 1,
                "quantity_returned": 1,
            },
            "FULFILLED",
        ),
    ],
)
def test_item_status_formula_list_first_true_wins(buckets, status) -> None:
    assert line(**buckets).computed_status().value == status


def test_derived_quantities() -> None:
    item = line(quantity_canceled=1, quantity_allocated=2, quantity_fulfilled=2)
    item.quantity_return_initiated, item.quantity_reshipped = 1, 0
    assert item.quantity == 2
    assert item.quantity_net_ordered == 2
    assert item.quantity_available_to_fulfill == item.quantity_available_to_cancel == 0
    assert item.quantity_available_to_return == 1
    assert item.quantity_available_to_reship == 1
