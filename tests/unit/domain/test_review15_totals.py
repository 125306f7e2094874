"""Review of issue 15: the new totals by hand on small cases.

Every figure is computed by hand in the comment beside it (half-even rounding).
"""

from omsim.domain import (
    DeliveryGroupInput,
    IdFactory,
    OrderLineInput,
    ReturnItemInput,
    ReturnLineInput,
    adjust,
    authorize_payment,
    cancel_fulfillment_order_lines,
    create_fulfillment_orders,
    create_invoice,
    create_order,
    create_order_summary,
    create_reshipment,
    create_return_order,
    ensure_funds,
    fulfil_fulfillment_order,
    invariant_violations,
    return_items,
    submit_cancel,
    submit_return,
)
from omsim.domain.picklists import ItemType
from omsim.domain.returns import preview_return


def order(lines, groups, discount):
    ids = IdFactory()
    o = create_order(
        ids, lines=lines, delivery_groups=groups, at=0.0, header_discount_cents=discount
    )
    summary, _ = create_order_summary(ids, o, at=0.0)
    authorize_payment(summary, amount_cents=summary.grand_total_amount_cents, at=0.0)
    return summary


def ship_group(summary, group_id, units, at):
    (fo,), _ = create_fulfillment_orders(summary, group_id, {"W1": units}, at=at)
    fulfil_fulfillment_order(summary, fo.id, at=at)
    invoice, _ = create_invoice(summary, fo.id, at=at)
    ensure_funds(summary, invoice.id, at=at)
    return fo


def group_totals(g):
    return (
        g.total_line_amount_cents,
        g.total_adjustment_amount_cents,
        g.total_adjusted_product_amount_cents,
        g.total_adjusted_product_tax_amount_cents,
        g.total_adjusted_delivery_amount_cents,
        g.total_adjusted_delivery_tax_amount_cents,
        g.total_amount_cents,
        g.total_tax_amount_cents,
        g.grand_total_amount_cents,
    )


def test_two_delivery_groups_a_header_discount_and_a_return_fee() -> None:
    """A 2 x 1000 at 10% and a 500 charge (+10%) in g1; B 1 x 600 at 0% and a 200 charge in g2;
    260 off the order. A takes 260 x 2000 / 2600 = 200, B the 60 left."""
    s = order(
        [OrderLineInput("A", 2, 1000, "0.1", "g1"), OrderLineInput("B", 1, 600, "0", "g2")],
        [
            DeliveryGroupInput("g1", delivery_charge_cents=500, charge_tax_rate="0.1"),
            DeliveryGroupInput("g2", delivery_charge_cents=200),
        ],
        260,
    )
    a, b = s.product_items
    g1, g2 = s.delivery_groups
    # g1: lines 2000 + 500, adjustment -200; products 1800 + 180 tax, delivery 500 + 50
    assert group_totals(g1) == (2500, -200, 1800, 180, 500, 50, 2300, 230, 2530)
    # g2: lines 600 + 200, adjustment -60; products 540, delivery 200, no tax
    assert group_totals(g2) == (800, -60, 540, 0, 200, 0, 740, 0, 740)
    assert s.grand_total_amount_cents == 2530 + 740
    # unadjusted: products 2600 (+ 10% of A's 2000 = 200), delivery 700 (+ 50)
    assert (s.total_product_amount_cents, s.total_product_amount_with_tax_cents) == (2600, 2800)
    assert (s.total_delivery_amount_cents, s.total_delivery_amount_with_tax_cents) == (700, 750)
    assert s.total_adj_dist_amount_cents == s.adjustment_groups[0].total_amount_cents == -260
    ship_group(s, g1.id, {a.id: 2}, 1.0)
    ship_group(s, g2.id, {b.id: 1}, 1.0)
    ro, _ = create_return_order(s, [ReturnLineInput(a.id, 1)], at=2.0)
    assert preview_return(s, {a.id: 1}, shipping_reduction_flag=False) == 990  # 900 + 90
    return_items(
        s,
        ro.id,
        [ReturnItemInput(ro.lines[0].id, 1)],
        at=3.0,
        shipping_reduction_flag=False,
        return_fee_cents=100,
        fee_tax_rate="0.1",
    )
    assert invariant_violations(s) == []
    # A now 1000 - 100 = 900 + 90; the fee 100 + 10 sits in g1 (the first group)
    assert (a.total_price_cents, a.total_adjustment_dist_amount_cents) == (900, -100)
    (fee,) = [i for i in s.items if i.type is ItemType.FEE]
    assert fee.order_delivery_group_summary_id == g1.id
    # g1: lines 1000 + 500 + 100; products 900 + 90; delivery 500 + 50; total 1500, tax 150
    assert group_totals(g1) == (1600, -100, 900, 90, 500, 50, 1500, 150, 1650)
    assert group_totals(g2) == (800, -60, 540, 0, 200, 0, 740, 0, 740)
    assert (s.total_fee_amount_cents, s.total_fee_amount_with_tax_cents) == (100, 110)
    # products 1000 + 600 unadjusted, + 10% of A's 1000
    assert (s.total_product_amount_cents, s.total_product_amount_with_tax_cents) == (1600, 1700)
    assert s.total_adj_dist_amount_cents == s.adjustment_groups[0].total_amount_cents == -160
    assert s.grand_total_amount_cents == 3270 - 990 + 110 == 1650 + 740
    (line,) = ro.lines
    # the RMA line carries what its change order credited: 1000 - 100 + 90
    assert (line.unit_price_cents, line.total_line_amount_cents) == (1000, 1000)
    assert (line.total_adjustment_amount_cents, line.total_tax_amount_cents) == (-100, 90)
    assert (line.total_price_cents, line.total_amount_cents) == (900, 990)
    assert [r.amount_cents for ops in s.payment_summaries for r in ops.refunds] == [880]


def test_fulfillment_lines_through_a_split_a_reject_a_cancel_an_adjustment_and_a_reship() -> None:
    """A 4 x 1000 at 10%, a 500 charge (+10%), 400 off the order: A 3600 + 360 tax."""
    s = order(
        [OrderLineInput("A", 4, 1000, "0.1")],
        [DeliveryGroupInput("default", delivery_charge_cents=500, charge_tax_rate="0.1")],
        400,
    )
    a = s.items[0]
    group = s.delivery_groups[0].id
    fo1, fo2 = create_fulfillment_orders(s, group, {"W1": {a.id: 1}, "W2": {a.id: 3}}, at=1.0)[0]
    (l1,) = [ln for ln in fo1.lines if ln.order_item_summary_id == a.id]
    (l2,) = fo2.lines

    def money(ln):
        return (
            ln.unit_price_cents,
            ln.total_price_cents,
            ln.total_adjustment_amount_cents,
            ln.total_tax_amount_cents,
        )

    # 1 of the pool (4 units, 3600, 360): 900 + 90; 3 of it: 2700 + 270
    assert money(l1) == (1000, 1000, -100, 90)
    assert money(l2) == (1000, 3000, -300, 270)
    # FO1 carries the charge: 1000 - 100 + 500 = 1400, tax 90 + 50
    assert (fo1.total_product_amount_cents, fo1.total_delivery_amount_cents) == (1000, 500)
    assert (fo1.total_amount_cents, fo1.total_tax_amount_cents, fo1.grand_total_amount_cents) == (
        1400,
        140,
        1540,
    )
    assert fo1.type_category == "PHYSICAL"
    cancel_fulfillment_order_lines(s, fo2.id, {a.id: 1}, at=1.5, reject_reason="Out of Stock")
    assert money(l2) == (1000, 2000, -200, 180)  # 2 of the pool: 1800 + 180
    submit_cancel(s, {a.id: 1}, at=1.6, shipping_reduction_flag=False)
    # the cancel takes 900 + 90 and 400 x 1/4 = 100 of the header share: A 3000 - 300 + 270
    assert (a.total_price_cents, a.total_tax_amount_cents) == (2700, 270)
    assert a.total_adjustment_dist_amount_cents == -300
    assert money(l2) == (1000, 2000, -200, 180)  # 2 of (3, 2700, 270)
    adjust(s, {a.id: 30}, at=1.7, allocated_items_change_order_type="InFulfillment")
    # 3 units in fulfillment x 30 = 90 off, tax -9: A 2610 + 261, header share still -300
    assert (a.total_price_cents, a.total_tax_amount_cents) == (2610, 261)
    assert (a.total_adjustment_dist_amount_cents, a.total_line_adjustment_amount_cents) == (
        -300,
        -90,
    )
    assert money(l1) == (1000, 1000, -130, 87)  # 1 of (3, 2610, 261): 870 + 87
    assert money(l2) == (1000, 2000, -260, 174)  # 2 of it: 1740 + 174
    fulfil_fulfillment_order(s, fo1.id, at=2.0)
    invoice, _ = create_invoice(s, fo1.id, at=2.0)
    assert invoice.total_amount_with_tax_cents == fo1.grand_total_amount_cents == 870 + 87 + 550
    reship, _ = create_reshipment(s, group, "W1", {a.id: 1}, "Damaged", at=3.0)
    (r,) = reship.lines
    assert money(r) == (0, 0, 0, 0) and reship.grand_total_amount_cents == 0
    fulfil_fulfillment_order(s, fo2.id, at=4.0)
    invoice2, _ = create_invoice(s, fo2.id, at=4.0)
    assert invoice2.total_amount_with_tax_cents == fo2.grand_total_amount_cents == 1740 + 174
    assert invariant_violations(s) == []


def test_returning_every_unit_one_at_a_time_brings_the_header_to_zero() -> None:
    """B 7 x 333 and C 3 x 1000 at 10%, 101 off the order (products 5331).

    B takes 101 x 2331 / 5331 = 44.16 -> 44, C the 57 left. Each unit returned (by RMA and by
    simple return in turn) credits what `preview_return` says, and the credits add up to what
    was billed: B 2331 - 44 = 2287 + 229 tax, C 3000 - 57 = 2943 + 294 tax.
    """
    s = order(
        [OrderLineInput("B", 7, 333, "0.1"), OrderLineInput("C", 3, 1000, "0.1")],
        [DeliveryGroupInput("default")],
        101,
    )
    b, c = s.items
    assert (b.total_adjustment_dist_amount_cents, c.total_adjustment_dist_amount_cents) == (
        -44,
        -57,
    )
    assert (b.total_tax_amount_cents, c.total_tax_amount_cents) == (229, 294)
    ship_group(s, s.delivery_groups[0].id, {b.id: 7, c.id: 3}, 1.0)
    credits = []
    for n, item in enumerate([b] * 7 + [c] * 3):
        expected = preview_return(s, {item.id: 1}, shipping_reduction_flag=True)
        before = s.grand_total_amount_cents
        if n % 2:
            submit_return(
                s, {item.id: 1}, at=2.0 + n, shipping_reduction_flag=True, reason="Not Satisfied"
            )
        else:
            ro, _ = create_return_order(s, [ReturnLineInput(item.id, 1)], at=2.0 + n)
            return_items(
                s,
                ro.id,
                [ReturnItemInput(ro.lines[0].id, 1)],
                at=2.0 + n,
                shipping_reduction_flag=True,
            )
        assert before - s.grand_total_amount_cents == expected
        credits.append(expected)
        assert invariant_violations(s) == []
    assert sum(credits) == 2287 + 229 + 2943 + 294
    assert s.grand_total_amount_cents == 0
    assert s.total_adj_dist_amount_cents == s.adjustment_groups[0].total_amount_cents == 0
    assert [r.amount_cents for ops in s.payment_summaries for r in ops.refunds] == credits
