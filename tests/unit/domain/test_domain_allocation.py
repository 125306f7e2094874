"""Fulfillment orders: creation, status, cancel and reject lines, fulfil, reship."""

import pytest

from omsim.domain import (
    ActionRejected,
    cancel_fulfillment_order_lines,
    create_fulfillment_orders,
    create_invoice,
    create_reshipment,
    fulfil_fulfillment_order,
    record_routing_attempt,
    reject_fulfillment_order_lines,
    set_fulfillment_order_status,
)
from omsim.domain.picklists import LifeCycleType


@pytest.fixture
def summary(make_summary):
    return make_summary([("A", 3, 1000), ("B", 1, 500)], charge=400)


def plan(summary, **by_location):
    a, b, _charge = summary.items
    names = {"A": a.id, "B": b.id}
    return {loc: {names[sku]: q for sku, q in lines.items()} for loc, lines in by_location.items()}


def route(summary, **by_location):
    group = summary.delivery_groups[0].id
    return create_fulfillment_orders(summary, group, plan(summary, **by_location), at=1.0)


def test_create_fulfillment_orders_allocates_and_puts_charge_on_first(summary) -> None:
    (fo1, fo2), events = route(summary, W1={"A": 2}, S1={"A": 1, "B": 1})
    a, b, charge = summary.items
    assert (a.quantity_allocated, b.quantity_allocated, charge.quantity_allocated) == (3, 1, 1)
    assert [ln.order_item_summary_id for ln in fo1.lines] == [a.id, charge.id]
    assert fo2.item_count == 2 and fo2.fulfilled_from_location_id == "S1"
    assert [e.activity for e in events] == ["Fulfillment Order Created"] * 2
    assert events[0].attributes == {"location_id": "W1"}
    assert (a.status, summary.status) == ("ALLOCATED", "Waiting to Fulfill")


def test_over_allocation_is_rejected_and_changes_nothing(summary, snapshot) -> None:
    before = snapshot(summary)
    with pytest.raises(ActionRejected, match=r"cannot allocate 4, QuantityAvailableToFulfill is 3"):
        route(summary, W1={"A": 2}, S1={"A": 2})
    assert snapshot(summary) == before


@pytest.mark.parametrize(
    ("bad_plan", "message"),
    [
        ({}, "allocation plan is empty"),
        ({"W1": {}}, "lists no lines"),
    ],
)
def test_create_fulfillment_orders_plan_guardrails(summary, bad_plan, message) -> None:
    with pytest.raises(ActionRejected, match=message):
        create_fulfillment_orders(summary, summary.delivery_groups[0].id, bad_plan, at=1.0)


def test_charge_lines_and_unknown_types_cannot_be_planned(summary) -> None:
    group = summary.delivery_groups[0].id
    charge = summary.items[2]
    with pytest.raises(ActionRejected, match="cannot allocate a Delivery Charge line"):
        create_fulfillment_orders(summary, group, {"W1": {charge.id: 1}}, at=1.0)
    with pytest.raises(ActionRejected, match="FulfillmentOrder Type 'Drone' is not allowed"):
        create_fulfillment_orders(
            summary, group, plan(summary, W1={"A": 1}), at=1.0, fulfillment_types={"W1": "Drone"}
        )
    with pytest.raises(ActionRejected, match="no OrderItemSummary with Id 'OIS-999999'"):
        create_fulfillment_orders(summary, group, {"W1": {"OIS-999999": 1}}, at=1.0)


def test_fulfillment_order_status_progression(summary) -> None:
    (fo,), _ = route(summary, W1={"A": 3, "B": 1})
    set_fulfillment_order_status(summary, fo.id, "Pickpack", at=2.0)
    assert (fo.status, fo.status_category) == ("Pickpack", "FULFILLING")
    with pytest.raises(ActionRejected, match="FulfillmentOrder Status 'Fulfilled' is not allowed"):
        set_fulfillment_order_status(summary, fo.id, "Fulfilled", at=2.0)
    fulfil_fulfillment_order(summary, fo.id, at=3.0)
    with pytest.raises(
        ActionRejected, match=r"cannot set status Pickpack, status Fulfilled \(CLOSED\)"
    ):
        set_fulfillment_order_status(summary, fo.id, "Pickpack", at=4.0)
    with pytest.raises(ActionRejected, match="cannot fulfil, status Fulfilled"):
        fulfil_fulfillment_order(summary, fo.id, at=4.0)
    assert [i.quantity_fulfilled for i in summary.items] == [3, 1, 1]
    assert summary.status == "Fulfilled"


def test_cancel_lines_lowers_allocated_without_canceling_the_order_line(summary) -> None:
    (fo,), _ = route(summary, W1={"A": 3})
    a = summary.items[0]
    events = cancel_fulfillment_order_lines(summary, fo.id, {a.id: 1}, at=2.0)
    assert (fo.lines[0].quantity, fo.lines[0].original_quantity) == (2, 3)
    assert (a.quantity_allocated, a.quantity_canceled, a.quantity_available_to_cancel) == (2, 0, 1)
    assert a.status == "PARTIALLYALLOCATED"
    assert events[0].activity == "Fulfillment Order Lines Canceled"
    assert fo.status == "Allocated"


def test_rejecting_every_product_unit_releases_the_charge_and_rejects_the_order(summary) -> None:
    (fo,), _ = route(summary, W1={"A": 3, "B": 1})
    a, b, charge = summary.items
    events = reject_fulfillment_order_lines(
        summary, fo.id, {a.id: 3, b.id: 1}, "Out of Stock", at=2.0
    )
    assert (fo.status, fo.status_category) == ("Rejected", "REJECTED")
    assert [ln.rejected_quantity for ln in fo.lines] == [3, 1, 0]
    assert fo.lines[0].reject_reason == "Out of Stock"
    assert [i.quantity_allocated for i in summary.items] == [0, 0, 0]
    assert charge.quantity_available_to_fulfill == 1
    assert events[0].activity == "Fulfillment Order Lines Rejected"
    # the units can be routed again; the charge rides on the new first fulfillment order
    (fo2,), _ = route(summary, S1={"A": 3, "B": 1})
    assert charge.id in [ln.order_item_summary_id for ln in fo2.lines]


def test_cancel_lines_guardrails(summary, snapshot) -> None:
    (fo,), _ = route(summary, W1={"A": 2})
    a, b, _ = summary.items
    before = snapshot(summary)
    with pytest.raises(
        ActionRejected, match="FulfillmentOrderLineItem FOLI-000001: cannot cancel 3, Quantity is 2"
    ):
        cancel_fulfillment_order_lines(summary, fo.id, {a.id: 3}, at=2.0)
    with pytest.raises(ActionRejected, match=f"has no line for OrderItemSummary {b.id}"):
        cancel_fulfillment_order_lines(summary, fo.id, {b.id: 1}, at=2.0)
    with pytest.raises(
        ActionRejected, match="RejectReason 'Bored' is not allowed; allowed: Damaged"
    ):
        reject_fulfillment_order_lines(summary, fo.id, {a.id: 1}, "Bored", at=2.0)
    with pytest.raises(ActionRejected, match="no lines to cancel"):
        cancel_fulfillment_order_lines(summary, fo.id, {}, at=2.0)
    assert snapshot(summary) == before


def test_canceled_fulfillment_order_cannot_be_fulfilled(summary) -> None:
    (fo,), _ = route(summary, W1={"A": 1})
    cancel_fulfillment_order_lines(summary, fo.id, {summary.items[0].id: 1}, at=2.0)
    assert (fo.status, fo.item_count) == ("Cancelled", 0)
    with pytest.raises(ActionRejected, match=r"cannot fulfil, status Cancelled \(CANCELLED\)"):
        fulfil_fulfillment_order(summary, fo.id, at=3.0)


def test_reshipment_is_bounded_counted_and_never_invoiced(summary, snapshot) -> None:
    (fo,), _ = route(summary, W1={"A": 3, "B": 1})
    fulfil_fulfillment_order(summary, fo.id, at=2.0)
    a = summary.items[0]
    group = summary.delivery_groups[0].id
    before = snapshot(summary)
    with pytest.raises(ActionRejected, match="cannot reship 4, QuantityAvailableToReship is 3"):
        create_reshipment(summary, group, "W1", {a.id: 4}, "Lost", at=3.0)
    with pytest.raises(ActionRejected, match="ReshipReason 'Stolen' is not allowed"):
        create_reshipment(summary, group, "W1", {a.id: 1}, "Stolen", at=3.0)
    assert snapshot(summary) == before
    reship, events = create_reshipment(summary, group, "W1", {a.id: 3}, "Lost", at=3.0)
    assert (
        reship.is_reship and reship.lines[0].is_reship and reship.lines[0].reship_reason == "Lost"
    )
    assert (a.quantity_reshipped, a.quantity_available_to_reship, a.status) == (3, 0, "RESHIPPED")
    assert events[0].activity == "Reshipment Created"
    fulfil_fulfillment_order(summary, reship.id, at=4.0)
    assert a.quantity_fulfilled == 3  # reshipped units are not fulfilled twice
    with pytest.raises(ActionRejected, match="a reshipment carries no charge to invoice"):
        create_invoice(summary, reship.id, at=4.0)


def test_routing_attempts_are_counted(summary) -> None:
    record_routing_attempt(summary, at=1.0, outcome="no route")
    events = record_routing_attempt(summary, at=2.0, outcome="routed")
    assert summary.routing_attempts == 2
    assert events[0].changes[0].field == "RoutingAttempts"


def test_unmanaged_summary_cannot_be_fulfilled(make_summary) -> None:
    summary = make_summary(life_cycle_type=LifeCycleType.UNMANAGED)
    with pytest.raises(ActionRejected, match="create fulfillment orders requires a MANAGED"):
        create_fulfillment_orders(summary, summary.delivery_groups[0].id, {"W1": {}}, at=1.0)
