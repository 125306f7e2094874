"""Issue 15's records: exchange relationships, document money, rejection reasons, the export.

Every figure is computed by hand in the comment beside it.
"""

import pytest

from omsim.domain import (
    ActionRejected,
    OrderLineInput,
    ReturnItemInput,
    ReturnLineInput,
    adjust,
    cancel_fulfillment_order_lines,
    create_fulfillment_orders,
    create_invoice,
    create_reshipment,
    create_return_order,
    ensure_funds,
    exchange,
    fulfil_fulfillment_order,
    invariant_violations,
    return_items,
)
from omsim.domain.exchanges import replacement_pairs
from omsim.domain.invariants import exchange_invariant_violations
from omsim.recordtables import record_tables


def test_each_exchanged_item_is_related_to_the_item_it_replaces(ship, make_summary) -> None:
    summary = make_summary([("A", 2, 2500), ("B", 1, 1000)])
    a, b = summary.items
    ship(summary, {a.id: 2, b.id: 1})
    new, _ = exchange(
        summary,
        [ReturnLineInput(a.id, 1), ReturnLineInput(b.id, 1)],
        [OrderLineInput("A-L", 1, 2500), OrderLineInput("B-L", 1, 1000)],
        at=10.0,
    )
    a_new, b_new = new.product_items
    pairs = [
        (r.main_order_item_summary_id, r.associated_order_item_summary_id, r.relationship_type)
        for r in new.item_relationships
    ]
    assert pairs == [(a_new.id, a.id, "Exchange"), (b_new.id, b.id, "Exchange")]
    assert {r.associated_order_summary_id for r in new.item_relationships} == {summary.id}
    assert exchange_invariant_violations(summary, new) == []
    new.item_relationships.pop()
    assert exchange_invariant_violations(summary, new) == [
        f"OrderSummary {new.id}: OrderItemSummary {b_new.id} replaces no returned item"
    ]


def test_replacement_pairs_by_position_or_to_the_one_returned_item(make_summary) -> None:
    summary = make_summary([("A", 1, 100), ("B", 1, 100), ("C", 1, 100)])
    x, y, z = summary.items
    assert replacement_pairs([x, y], ["R1", "R2"]) == [(x, "R1"), (y, "R2")]
    assert replacement_pairs([x, y, z], ["R1"]) == [(x, "R1"), (y, "R1"), (z, "R1")]
    # three returned, two new: which replaces which is unknown, so each relates to each
    assert len(replacement_pairs([x, y], ["R1", "R2", "R3"])) == 6


def test_fulfillment_lines_follow_a_discount_until_invoiced_then_keep_the_invoice(
    make_summary,
) -> None:
    """A 3 x 1000 at 10% tax, all on one fulfillment order. An in-fulfillment discount of 100
    a unit: adjustment -300, tax 300 - 30 = 270 on 2700. The invoice bills 2700 + 270 = 2970,
    and a later post-fulfillment discount leaves the invoiced line as billed."""
    summary = make_summary([("A", 3, 1000)], tax="0.1")
    a = summary.items[0]
    group = summary.delivery_groups[0].id
    (fo,), _ = create_fulfillment_orders(summary, group, {"W1": {a.id: 3}}, at=1.0)
    (line,) = fo.lines
    assert (line.total_price_cents, line.total_adjustment_amount_cents) == (3000, 0)
    assert (line.total_tax_amount_cents, fo.grand_total_amount_cents) == (300, 3300)
    adjust(summary, {a.id: 100}, at=2.0, allocated_items_change_order_type="InFulfillment")
    assert (line.total_adjustment_amount_cents, line.total_tax_amount_cents) == (-300, 270)
    assert (fo.total_amount_cents, fo.grand_total_amount_cents) == (2700, 2970)
    fulfil_fulfillment_order(summary, fo.id, at=3.0)
    invoice, _ = create_invoice(summary, fo.id, at=3.0)
    assert invoice.total_amount_with_tax_cents == fo.grand_total_amount_cents == 2970
    ensure_funds(summary, invoice.id, at=3.0)
    adjust(summary, {a.id: 50}, at=4.0)  # post-fulfillment: a credit memo, not the invoice
    assert fo.grand_total_amount_cents == 2970
    assert invariant_violations(summary) == []


def test_canceled_fulfillment_lines_carry_nothing_and_a_reshipment_no_charge(
    ship,
    make_summary,
) -> None:
    summary = make_summary([("A", 2, 1000)], charge=500)
    a = summary.items[0]
    group = summary.delivery_groups[0].id
    (fo,), _ = create_fulfillment_orders(summary, group, {"W1": {a.id: 2}}, at=1.0)
    cancel_fulfillment_order_lines(summary, fo.id, {a.id: 2}, at=1.5)
    assert fo.status == "Cancelled"
    assert [(ln.quantity, ln.total_amount_cents, ln.total_tax_amount_cents) for ln in fo.lines] == [
        (0, 0, 0),
        (0, 0, 0),
    ]
    ship(summary, {a.id: 2}, at=2.0)
    reship, _ = create_reshipment(summary, group, "W2", {a.id: 1}, "Lost", at=5.0)
    assert (reship.lines[0].unit_price_cents, reship.grand_total_amount_cents) == (0, 0)
    assert invariant_violations(summary) == []


def test_return_lines_are_valued_and_rejections_have_a_reason(ship, make_summary) -> None:
    """A 2 x 1000 at 10%: each unit credits 1000 + 100. Two expected (2200); one returned and
    one rejected as damaged: the processed line carries 1100, the rejected unit nothing."""
    summary = make_summary([("A", 2, 1000)], tax="0.1")
    a = summary.items[0]
    ship(summary, {a.id: 2})
    ro, _ = create_return_order(summary, [ReturnLineInput(a.id, 2, "Defective")], at=5.0)
    (line,) = ro.lines
    assert (line.total_line_amount_cents, line.total_amount_cents) == (2000, 2200)
    with pytest.raises(ActionRejected, match="ReasonForRejection 'Scratched' is not allowed"):
        return_items(
            summary,
            ro.id,
            [ReturnItemInput(line.id, 1, 1, quantity_rejected=1, reason_for_rejection="Scratched")],
            at=6.0,
            shipping_reduction_flag=False,
        )
    with pytest.raises(ActionRejected, match="given, but no units are rejected"):
        return_items(
            summary,
            ro.id,
            [ReturnItemInput(line.id, 1, 1, reason_for_rejection="Damaged Item")],
            at=6.0,
            shipping_reduction_flag=False,
        )
    return_items(
        summary,
        ro.id,
        [ReturnItemInput(line.id, 1, 1, quantity_rejected=1, reason_for_rejection="Damaged Item")],
        at=6.0,
        shipping_reduction_flag=False,
    )
    assert (line.quantity_returned, line.total_amount_cents) == (1, 1100)
    assert line.reason_for_rejection == "Damaged Item"
    assert invariant_violations(summary) == []


def test_a_rejection_without_a_reason_takes_the_picklist_default(ship, make_summary) -> None:
    summary = make_summary([("A", 1, 1000)])
    a = summary.items[0]
    ship(summary, {a.id: 1})
    ro, _ = create_return_order(summary, [ReturnLineInput(a.id, 1)], at=5.0)
    return_items(
        summary,
        ro.id,
        [ReturnItemInput(ro.lines[0].id, 0, 1, quantity_rejected=1)],
        at=6.0,
        shipping_reduction_flag=False,
    )
    assert ro.lines[0].reason_for_rejection == "Missing Item or Part"
    assert ro.lines[0].total_amount_cents == 0


def test_the_export_has_the_new_records_and_formula_columns(ship, make_summary) -> None:
    summary = make_summary([("A", 2, 2500)])
    a = summary.items[0]
    ship(summary, {a.id: 2})
    new, _ = exchange(
        summary, [ReturnLineInput(a.id, 1)], [OrderLineInput("A-L", 1, 2500)], at=10.0
    )
    tables = record_tables([summary, new])
    links = tables["OrderItemSummaryRelationship"]
    assert list(links["AssociatedOrderItemSummaryId"]) == [a.id]
    fos = tables["FulfillmentOrder"]
    assert list(fos["GrandTotalAmount"]) == [5000]
    assert list(fos["TypeCategory"]) == ["PHYSICAL"]
    assert {"TotalDeliveryAmount", "TotalProductAmountWithTax"} <= set(tables["OrderSummary"])
    assert list(tables["ReturnOrderLineItem"]["TotalAmount"]) == [2500]
