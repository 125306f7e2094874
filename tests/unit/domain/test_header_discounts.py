"""Order-level (header) discounts: distributed over the lines, taken back by share.

Order: A 2 x 1000 and B 1 x 1000 at 10% tax, a 500 delivery charge (+ 50), 300 off the order.
Line after line: A takes 300 x 2000 / 3000 = 200, B the 100 left. A: 2000 - 200 = 1800 + 180
tax; B: 900 + 90; with the charge 3200 + 320 = 3520.
"""

import pytest

from omsim.domain import (
    ActionRejected,
    DeliveryGroupInput,
    IdFactory,
    OrderLineInput,
    adjust,
    authorize_payment,
    create_fulfillment_orders,
    create_invoice,
    create_order,
    create_order_summary,
    ensure_funds,
    fulfil_fulfillment_order,
    invariant_violations,
    submit_cancel,
    submit_return,
)
from omsim.recordtables import record_tables


def discounted(lines, discount, charge=500):
    ids = IdFactory()
    order = create_order(
        ids,
        lines=[OrderLineInput(sku, q, p, "0.1") for sku, q, p in lines],
        delivery_groups=[
            DeliveryGroupInput("default", delivery_charge_cents=charge, charge_tax_rate="0.1")
        ],
        at=0.0,
        header_discount_cents=discount,
    )
    summary, _ = create_order_summary(ids, order, at=0.0)
    authorize_payment(summary, amount_cents=summary.grand_total_amount_cents, at=0.0)
    return order, summary


def money(item):
    return (
        item.total_line_amount_cents,
        item.total_adjustment_amount_cents,
        item.total_adjustment_dist_amount_cents,
        item.total_line_adjustment_amount_cents,
        item.total_tax_amount_cents,
    )


def test_the_header_discount_is_distributed_over_the_products() -> None:
    order, summary = discounted([("A", 2, 1000), ("B", 1, 1000)], 300)
    (header,) = order.adjustment_groups
    assert (header.type, header.amount_cents) == ("Header", -300)
    a, b, charge = summary.items
    assert money(a) == (2000, -200, -200, 0, 180)
    assert money(b) == (1000, -100, -100, 0, 90)
    assert money(charge) == (500, 0, 0, 0, 50)  # delivery charges take no share
    assert (summary.total_amount_cents, summary.grand_total_amount_cents) == (3200, 3520)
    assert order.grand_total_amount_cents == 3520
    (group,) = summary.adjustment_groups
    assert (group.original_order_adjustment_group_id, group.total_amount_cents) == (
        header.id,
        -300,
    )
    assert summary.total_adj_dist_amount_cents == -300
    assert invariant_violations(summary) == []


def test_rounding_shares_add_up_to_the_discount() -> None:
    """100 over three 1000 lines: 33.33 -> 33; then 67 x 1000 / 2000 = 33.5 -> 34 (half to
    even); the last takes the 33 left."""
    _, summary = discounted([("A", 1, 1000), ("B", 1, 1000), ("C", 1, 1000)], 100, charge=0)
    shares = [i.total_adjustment_dist_amount_cents for i in summary.items]
    assert shares == [-33, -34, -33]
    assert sum(shares) == -100


def test_cancels_and_returns_take_back_their_share() -> None:
    """Cancel 1 A: its 1000 less its half of A's 200 = 900 + 90 tax; A keeps 100 of the header
    discount. A 50 line-level discount on B (tax 90 x 50 / 900 = 5), then B ships and returns:
    it gives back its 100 of the header and its 50 line-level, 850 + 85 credited."""
    _, summary = discounted([("A", 2, 1000), ("B", 1, 1000)], 300)
    a, b, _ = summary.items
    submit_cancel(summary, {a.id: 1}, at=1.0, shipping_reduction_flag=False)
    assert money(a) == (1000, -100, -100, 0, 90)
    assert summary.grand_total_amount_cents == 3520 - 990
    assert summary.adjustment_groups[0].total_amount_cents == -200
    adjust(summary, {b.id: 50}, at=2.0)
    assert money(b) == (1000, -150, -100, -50, 85)
    group = summary.delivery_groups[0].id
    (fo,), _ = create_fulfillment_orders(summary, group, {"W1": {a.id: 1, b.id: 1}}, at=3.0)
    fulfil_fulfillment_order(summary, fo.id, at=3.0)
    invoice, _ = create_invoice(summary, fo.id, at=3.0)
    ensure_funds(summary, invoice.id, at=3.0)
    events = submit_return(
        summary, {b.id: 1}, at=5.0, shipping_reduction_flag=False, reason="Not Satisfied"
    )
    assert events[0].attributes["amount_cents"] == 935
    assert money(b) == (0, 0, 0, 0, 0)
    assert summary.total_adj_dist_amount_cents == -100
    assert summary.adjustment_groups[0].total_amount_cents == -100
    assert invariant_violations(summary) == []


@pytest.mark.parametrize("discount", [-1, 3001, 2.5, True, None, 0.0])
def test_a_header_discount_outside_the_products_value_is_refused(discount) -> None:
    with pytest.raises(ActionRejected, match="header discount must be whole cents from 0"):
        discounted([("A", 2, 1000), ("B", 1, 1000)], discount)


def test_the_export_has_the_adjustment_groups() -> None:
    _, summary = discounted([("A", 2, 1000)], 100)
    tables = record_tables([summary])
    assert list(tables["OrderAdjustmentGroupSummary"]["TotalAmount"]) == [-100]
    assert list(tables["OrderAdjustmentGroup"]["Type"]) == ["Header"]
    assert list(tables["OrderItemSummary"]["TotalAdjustmentDistAmount"]) == [-100, 0]
    assert list(tables["OrderSummary"]["TotalAdjDistAmount"]) == [-100]
