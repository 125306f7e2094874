"""A worked example, every figure computed by hand.

Order: A 2 x 20.00, B 1 x 15.50, C 3 x 4.99, delivery 7.99; tax 8.25% on every line.

    line    price   tax (half-even)
    A       40.00   3.30
    B       15.50   1.27875 -> 1.28
    C       14.97   1.235025 -> 1.24
    charge   7.99   0.659175 -> 0.66
    total   78.46   6.48     grand 84.94

1. Cancel all of C before allocation, with shipping reduction: the charge drops by
   7.99 x 14.97 / 70.47 = 1.697... -> 1.70, to 6.29 with tax 0.518925 -> 0.52.
   Change order: -14.97 - 1.24 - 1.70 - 0.14 = -18.05; grand total 66.89.
2. Route A x2 to W1 and B x1 to S1: two fulfillment orders; the charge rides on the first.
3. Fulfil FO1, invoice it (A 40.00 + 3.30, charge 6.29 + 0.52 = 50.11), capture 50.11.
4. Return 1 A with a 2.50 fee (tax 0.20625 -> 0.21): credit 20.00 + 1.65 = 21.65, fee invoice
   2.71 netted, refund 18.94. Grand total 66.89 - 21.65 + 2.71 = 47.95.
5. Fulfil FO2 and invoice B (15.50 + 1.28 = 16.78): everything billed and settled, and
   invoiced - credited = 50.11 + 2.71 + 16.78 - 21.65 = 47.95 = grand total.

Unadjusted totals (TotalProductAmount and its WithTax twin, each line's tax on its unadjusted
amount): 70.47 + (3.30 + 1.28 + 1.24) = 76.29 at capture; after the cancel 55.50 + 4.58 =
60.08, and the charge's unadjusted 7.99 + 0.66 = 8.65 (its 1.70 reduction is an adjustment).
The delivery group carries the order's figures: line 78.46, then 55.50 + 7.99 = 63.49 with a
-1.70 adjustment, total 61.79, tax 5.10, grand 66.89. FO1 carries A (40.00, tax 3.30) and the
charge (7.99, adjustment -1.70, tax 0.52): 46.29 + 3.82 = 50.11, its invoice; FO2 16.78. The
return order line for 1 A is valued at 20.00 + 1.65 = 21.65, the credit.
"""

from omsim.domain import (
    DeliveryGroupInput,
    IdFactory,
    OrderLineInput,
    ReturnItemInput,
    ReturnLineInput,
    authorize_payment,
    check_invariants,
    create_fulfillment_orders,
    create_invoice,
    create_order,
    create_order_summary,
    create_return_order,
    ensure_funds,
    fulfil_fulfillment_order,
    return_items,
    submit_cancel,
)


def buckets(item):
    return (
        item.quantity_ordered,
        item.quantity_canceled,
        item.quantity_allocated,
        item.quantity_fulfilled,
        item.quantity_return_initiated,
        item.quantity_returned,
        item.quantity,
        item.status,
    )


def totals(summary):
    return (
        summary.total_adjusted_product_amount_cents,
        summary.total_adjusted_product_tax_amount_cents,
        summary.total_adjusted_delivery_amount_cents,
        summary.total_adjusted_delivery_tax_amount_cents,
        summary.total_adjusted_fee_amount_cents,
        summary.total_adjusted_fee_tax_amount_cents,
        summary.total_amount_cents,
        summary.total_tax_amount_cents,
        summary.grand_total_amount_cents,
    )


def unadjusted(summary):
    return (
        summary.total_product_amount_cents,
        summary.total_product_amount_with_tax_cents,
        summary.total_delivery_amount_cents,
        summary.total_delivery_amount_with_tax_cents,
        summary.total_fee_amount_cents,
        summary.total_fee_amount_with_tax_cents,
    )


def group_totals(group):
    return (
        group.total_line_amount_cents,
        group.total_adjustment_amount_cents,
        group.total_adjusted_product_amount_cents,
        group.total_adjusted_product_tax_amount_cents,
        group.total_adjusted_delivery_amount_cents,
        group.total_adjusted_delivery_tax_amount_cents,
        group.total_amount_cents,
        group.total_tax_amount_cents,
        group.grand_total_amount_cents,
    )


def fo_totals(fo):
    return (
        fo.total_product_amount_cents,
        fo.total_delivery_amount_cents,
        fo.total_fee_amount_cents,
        fo.total_adjustment_amount_cents,
        fo.total_amount_cents,
        fo.total_tax_amount_cents,
        fo.grand_total_amount_cents,
    )


def test_worked_example() -> None:
    ids = IdFactory()
    tax = "0.0825"
    order = create_order(
        ids,
        lines=[
            OrderLineInput("A", 2, 2000, tax),
            OrderLineInput("B", 1, 1550, tax),
            OrderLineInput("C", 3, 499, tax),
        ],
        delivery_groups=[
            DeliveryGroupInput("default", delivery_charge_cents=799, charge_tax_rate=tax)
        ],
        at=0.0,
    )
    summary, _ = create_order_summary(ids, order, at=0.0)
    a, b, c, charge = summary.items
    assert [(i.total_price_cents, i.total_tax_amount_cents) for i in summary.items] == [
        (4000, 330),
        (1550, 128),
        (1497, 124),
        (799, 66),
    ]
    assert totals(summary) == (7047, 582, 799, 66, 0, 0, 7846, 648, 8494)
    assert unadjusted(summary) == (7047, 7629, 799, 865, 0, 0)
    assert (summary.total_adj_dist_amount_cents, summary.adjustment_groups) == (0, [])  # no header
    (odgs,) = summary.delivery_groups
    assert group_totals(odgs) == (7846, 0, 7047, 582, 799, 66, 7846, 648, 8494)
    assert summary.status == "Created"
    authorize_payment(summary, amount_cents=8494, at=0.0)

    # 1. cancel C before allocation
    events = submit_cancel(summary, {c.id: 3}, at=1.0, shipping_reduction_flag=True)
    assert [e.activity for e in events] == [
        "Order Items Canceled",
        "Payment Authorization Reversed",
    ]
    assert events[0].attributes["amount_cents"] == 1805
    # the 1805 canceled can never be captured: reversed, 8494 - 1805 = 6689 left to capture
    ops = summary.payment_summaries[0]
    assert events[1].attributes["amount_cents"] == 1805
    assert ops.authorization_reversal_amount_cents == 1805
    assert ops.available_to_capture_cents(1.0) == 6689
    assert buckets(c) == (3, 3, 0, 0, 0, 0, 0, "CANCELED")
    assert (charge.total_price_cents, charge.total_tax_amount_cents) == (629, 52)
    assert charge.total_adjustment_amount_cents == -170
    assert totals(summary) == (5550, 458, 629, 52, 0, 0, 6179, 510, 6689)
    assert unadjusted(summary) == (5550, 6008, 799, 865, 0, 0)
    assert group_totals(odgs) == (6349, -170, 5550, 458, 629, 52, 6179, 510, 6689)
    change_order = summary.change_orders[0]
    assert change_order.grand_total_amount_cents == -1805
    assert change_order.related_order_id == order.id
    assert summary.original_order.grand_total_amount_cents == 8494  # the Order never changes
    check_invariants(summary)

    # 2. route to two locations
    group = summary.delivery_groups[0].id
    (fo1, fo2), _ = create_fulfillment_orders(
        summary, group, {"W1": {a.id: 2}, "S1": {b.id: 1}}, at=2.0
    )
    assert [(ln.order_item_summary_id, ln.quantity) for ln in fo1.lines] == [
        (a.id, 2),
        (charge.id, 1),
    ]
    assert [(ln.order_item_summary_id, ln.quantity) for ln in fo2.lines] == [(b.id, 1)]
    assert (fo1.status, fo1.status_category) == ("Allocated", "ACTIVATED")
    assert fo1.type_category == "PHYSICAL"
    assert [
        (
            ln.order_item_id,
            ln.unit_price_cents,
            ln.total_price_cents,
            ln.total_adjustment_amount_cents,
            ln.total_tax_amount_cents,
        )
        for ln in fo1.lines
    ] == [
        (a.original_order_item_id, 2000, 4000, 0, 330),
        (charge.original_order_item_id, 799, 799, -170, 52),
    ]
    assert fo_totals(fo1) == (4000, 799, 0, -170, 4629, 382, 5011)
    assert fo_totals(fo2) == (1550, 0, 0, 0, 1550, 128, 1678)
    assert buckets(a) == (2, 0, 2, 0, 0, 0, 2, "ALLOCATED")
    assert buckets(b) == (1, 0, 1, 0, 0, 0, 1, "ALLOCATED")
    assert summary.status == "Waiting to Fulfill"
    check_invariants(summary)

    # 3. fulfil, invoice and capture FO1
    fulfil_fulfillment_order(summary, fo1.id, at=5.0)
    assert (fo1.status, fo1.status_category) == ("Fulfilled", "CLOSED")
    assert buckets(a) == (2, 0, 2, 2, 0, 0, 2, "FULFILLED")
    assert charge.status == "FULFILLED"
    assert summary.status == "Partially Fulfilled"
    invoice, _ = create_invoice(summary, fo1.id, at=5.0)
    assert (invoice.total_amount_cents, invoice.total_tax_amount_cents) == (4629, 382)
    assert invoice.balance_cents == 5011 == fo1.grand_total_amount_cents
    assert fo1.invoice_id == invoice.id
    events = ensure_funds(summary, invoice.id, at=5.0)
    assert [(e.activity, e.attributes["amount_cents"]) for e in events] == [
        ("Payment Captured", 5011)
    ]
    ops = summary.payment_summaries[0]
    assert (ops.authorization_amount_cents, ops.captured_amount_cents) == (8494, 5011)
    assert invoice.balance_cents == 0
    check_invariants(summary)

    # 4. return one unit of A with a 2.50 return fee
    ro, _ = create_return_order(summary, [ReturnLineInput(a.id, 1, "Defective")], at=48.0)
    assert (ro.status, ro.status_category) == ("Submitted", "Activated")
    assert buckets(a) == (2, 0, 2, 2, 1, 0, 2, "FULFILLED")
    rl = ro.lines[0]
    assert (rl.order_item_id, rl.unit_price_cents, rl.total_line_amount_cents) == (
        a.original_order_item_id,
        2000,
        2000,
    )
    assert (rl.total_adjustment_amount_cents, rl.total_tax_amount_cents) == (0, 165)
    assert rl.total_amount_cents == 2165
    events = return_items(
        summary,
        ro.id,
        [ReturnItemInput(ro.lines[0].id, quantity_returned=1)],
        at=96.0,
        return_fee_cents=250,
        fee_tax_rate=tax,
        shipping_reduction_flag=False,
    )
    assert [(e.activity, e.attributes.get("amount_cents")) for e in events] == [
        ("Return Order Items Returned", 2165),
        ("Credit Memo Created", 2165),
        ("Return Fee Charged", 271),
        ("Invoice Created", 271),
        ("Credit Memo Applied", 271),
        ("Refund Processed", 1894),
    ]
    assert buckets(a) == (2, 0, 2, 2, 1, 1, 1, "FULFILLED")
    assert (ro.status, ro.lines[0].quantity_returned) == ("Closed", 1)
    assert (rl.total_amount_cents, rl.reason_for_rejection) == (2165, None)  # what it credited
    memo = summary.credit_memos[0]
    assert (memo.total_amount_with_tax_cents, memo.balance_cents) == (2165, 0)
    fee_invoice = summary.invoices[1]
    assert (fee_invoice.total_amount_with_tax_cents, fee_invoice.balance_cents) == (271, 0)
    assert (ops.captured_amount_cents, ops.refunded_amount_cents) == (5011, 1894)
    assert totals(summary) == (3550, 293, 629, 52, 250, 21, 4429, 366, 4795)
    # the fee line 2.50 + 0.21; products 35.50 + A 1.65 + B 1.28 = 38.43 (no product discount)
    assert unadjusted(summary) == (3550, 3843, 799, 865, 250, 271)
    assert group_totals(odgs) == (4599, -170, 3550, 293, 629, 52, 4429, 366, 4795)
    check_invariants(summary)

    # 5. fulfil and bill the rest: settled, and the books balance to the grand total
    fulfil_fulfillment_order(summary, fo2.id, at=100.0)
    invoice2, _ = create_invoice(summary, fo2.id, at=100.0)
    assert invoice2.total_amount_with_tax_cents == 1678
    ensure_funds(summary, invoice2.id, at=100.0)
    assert summary.status == "Fulfilled"
    invoiced = sum(d.total_amount_with_tax_cents for d in summary.invoices)
    credited = sum(d.total_amount_with_tax_cents for d in summary.credit_memos)
    assert (invoiced, credited) == (6960, 2165)
    assert invoiced - credited == summary.grand_total_amount_cents == 4795
    assert ops.captured_amount_cents - ops.refunded_amount_cents == 4795
    check_invariants(summary)
