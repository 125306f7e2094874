"""Invoices, ensure funds (capture), credit memos and ensure refunds."""

import pytest

from omsim.domain import (
    ActionRejected,
    authorize_payment,
    capture_authorized_funds,
    check_invariants,
    create_credit_memo,
    create_fulfillment_orders,
    create_invoice,
    ensure_funds,
    ensure_refunds,
    fulfil_fulfillment_order,
    ignore_process_exception,
    submit_cancel,
    total_excess_funds_cents,
    write_off_invoice,
    written_off_cents,
)


def fulfilled_invoice(summary, units=None, location="W1"):
    """Allocate, fulfil and invoice ``units`` (sku -> units; default everything)."""
    products = {i.stock_keeping_unit: i for i in summary.product_items}
    units = units or {sku: i.quantity_available_to_fulfill for sku, i in products.items()}
    group = summary.delivery_groups[0].id
    plan = {location: {products[sku].id: q for sku, q in units.items()}}
    (fo,), _ = create_fulfillment_orders(summary, group, plan, at=1.0)
    fulfil_fulfillment_order(summary, fo.id, at=2.0)
    invoice, events = create_invoice(summary, fo.id, at=2.0)
    return fo, invoice, events


def test_invoice_guardrails(make_summary) -> None:
    summary = make_summary()
    group = summary.delivery_groups[0].id
    (fo,), _ = create_fulfillment_orders(summary, group, {"W1": {summary.items[0].id: 1}}, at=1.0)
    with pytest.raises(ActionRejected, match="cannot invoice, status Allocated is not Fulfilled"):
        create_invoice(summary, fo.id, at=1.0)
    fulfil_fulfillment_order(summary, fo.id, at=2.0)
    invoice, events = create_invoice(summary, fo.id, at=2.0)
    assert events[0].activity == "Invoice Created" and invoice.balance_cents == 1000
    with pytest.raises(ActionRejected, match=f"already invoiced by {invoice.id}"):
        create_invoice(summary, fo.id, at=2.0)


def test_invoices_spread_line_value_to_the_cent(make_summary) -> None:
    # 3 units at 3.33 with 10% tax: line 9.99, tax 0.999 -> 1.00; invoiced one unit at a time
    summary = make_summary([("A", 3, 333)], tax="0.1")
    amounts = []
    for _ in range(3):
        _, invoice, _ = fulfilled_invoice(summary, {"A": 1})
        amounts.append((invoice.total_amount_cents, invoice.total_tax_amount_cents))
    assert amounts == [(333, 33), (333, 34), (333, 33)]
    assert sum(a + t for a, t in amounts) == summary.grand_total_amount_cents == 1099


def test_ensure_funds_captures_exact_match_authorization_first(make_summary) -> None:
    summary = make_summary([("A", 1, 3000)], authorize=False)
    authorize_payment(summary, amount_cents=5000, at=0.0, method="Visa")
    authorize_payment(summary, amount_cents=3000, at=0.0, method="Gift Card")
    _, invoice, _ = fulfilled_invoice(summary)
    events = ensure_funds(summary, invoice.id, at=3.0)
    visa, gift = summary.payment_summaries
    assert (visa.captured_amount_cents, gift.captured_amount_cents) == (0, 3000)
    assert [e.activity for e in events] == ["Payment Captured"]
    assert invoice.balance_cents == 0 and invoice.net_payments_applied_cents == 3000


def test_ensure_funds_takes_largest_then_next(make_summary) -> None:
    summary = make_summary([("A", 1, 6000)], authorize=False)
    authorize_payment(summary, amount_cents=2000, at=0.0, method="Gift Card")
    authorize_payment(summary, amount_cents=5000, at=0.0, method="Visa")
    _, invoice, _ = fulfilled_invoice(summary)
    events = ensure_funds(summary, invoice.id, at=3.0)
    gift, visa = summary.payment_summaries
    assert [e.attributes["amount_cents"] for e in events] == [5000, 1000]
    assert (visa.captured_amount_cents, gift.captured_amount_cents) == (5000, 1000)
    check_invariants(summary)


def test_captured_balance_is_applied_before_capturing(make_summary) -> None:
    summary = make_summary([("A", 2, 1000)])
    capture_authorized_funds(summary, amount_cents=1500, at=0.5)
    ops = summary.payment_summaries[0]
    assert ops.balance_amount_cents == 1500
    _, invoice, _ = fulfilled_invoice(summary)
    events = ensure_funds(summary, invoice.id, at=3.0)
    assert [(e.activity, e.attributes["amount_cents"]) for e in events] == [
        ("Payment Applied", 1500),
        ("Payment Captured", 500),
    ]
    assert (ops.captured_amount_cents, ops.balance_amount_cents) == (2000, 0)
    check_invariants(summary)


def test_expired_authorization_raises_payment_exception_and_moves_no_money(make_summary) -> None:
    summary = make_summary([("A", 1, 1000)], valid_hours=168)
    _, invoice, _ = fulfilled_invoice(summary)
    events = ensure_funds(summary, invoice.id, at=200.0)
    assert [e.activity for e in events] == ["Process Exception Raised"]
    (pe,) = summary.process_exceptions
    auth = summary.payment_summaries[0].authorizations[0]
    assert (pe.category, pe.status, pe.attached_to_id) == ("Payment", "New", auth.id)
    assert "expired at 168 h" in pe.message
    assert summary.payment_summaries[0].captured_amount_cents == 0
    assert invoice.balance_cents == 1000
    assert summary.active_process_exception_count == 1
    # re-authorize and retry: the capture goes through on the new authorization
    authorize_payment(summary, amount_cents=1000, at=201.0)
    ensure_funds(summary, invoice.id, at=201.0)
    assert invoice.balance_cents == 0
    check_invariants(summary)


def test_insufficient_authorization_raises_ensure_funds_exception(make_summary) -> None:
    summary = make_summary([("A", 1, 1000)], authorize=False)
    authorize_payment(summary, amount_cents=400, at=0.0)
    _, invoice, _ = fulfilled_invoice(summary)
    ensure_funds(summary, invoice.id, at=3.0)
    assert "600 cents not covered" in summary.process_exceptions[0].message
    assert summary.process_exceptions[0].attached_to_id == invoice.id
    authorize_payment(summary, amount_cents=600, at=4.0)
    ensure_funds(summary, invoice.id, at=4.0)
    assert invoice.balance_cents == 0
    with pytest.raises(ActionRejected, match="nothing to ensure, Balance is 0"):
        ensure_funds(summary, invoice.id, at=4.0)


def test_capture_guardrail(make_summary) -> None:
    summary = make_summary([("A", 1, 1000)])
    with pytest.raises(
        ActionRejected, match=r"cannot capture 1001, AvailableToCaptureAmount \(unexpired\) is 1000"
    ):
        capture_authorized_funds(summary, amount_cents=1001, at=0.0)


def test_cancel_after_capture_refunds_excess_funds(make_summary) -> None:
    summary = make_summary([("A", 2, 1000), ("B", 1, 500)])
    capture_authorized_funds(summary, amount_cents=2500, at=0.5)
    events = submit_cancel(summary, {summary.items[1].id: 1}, at=1.0, shipping_reduction_flag=True)
    assert [e.activity for e in events] == ["Order Items Canceled", "Refund Processed"]
    ops = summary.payment_summaries[0]
    (refund,) = ops.refunds
    assert (refund.amount_cents, refund.source_id) == (500, None)
    assert total_excess_funds_cents(summary) == 0
    check_invariants(summary)


def test_cancel_before_capture_moves_no_money(make_summary) -> None:
    summary = make_summary([("A", 2, 1000)])
    events = submit_cancel(summary, {summary.items[0].id: 1}, at=1.0, shipping_reduction_flag=True)
    # nothing captured, so nothing refunded; the canceled unit's 1000 can never be captured
    assert [e.activity for e in events] == [
        "Order Items Canceled",
        "Payment Authorization Reversed",
    ]
    assert summary.payment_summaries[0].refunds == []
    assert summary.payment_summaries[0].authorization_reversal_amount_cents == 1000


def test_credit_memo_guardrails(make_summary) -> None:
    summary = make_summary([("A", 2, 1000)])
    submit_cancel(summary, {summary.items[0].id: 1}, at=1.0, shipping_reduction_flag=True)
    pre_change = summary.change_orders[0].id
    with pytest.raises(ActionRejected, match="only post-fulfillment change orders are credited"):
        create_credit_memo(summary, [pre_change], at=2.0)
    with pytest.raises(ActionRejected, match="no change order 'ORD-9'"):
        create_credit_memo(summary, ["ORD-9"], at=2.0)


def test_ensure_refunds_guardrails(make_summary) -> None:
    summary = make_summary([("A", 2, 1000)])
    with pytest.raises(ActionRejected, match="needs a credit memo or a positive excess"):
        ensure_refunds(summary, at=1.0)
    with pytest.raises(
        ActionRejected, match="cannot refund 5 excess funds, totalExcessFundsAmount is 0"
    ):
        ensure_refunds(summary, at=1.0, excess_funds_cents=5)


def test_refunds_pick_exact_then_smallest_covering_then_largest_first(make_summary) -> None:
    from omsim.domain.refunds import _choose

    assert _choose([500, 300, 800], 300) == [1]  # exact match
    assert _choose([500, 900, 800], 600) == [2]  # smallest that covers
    assert _choose([200, 500, 300], 900) == [1, 2, 0]  # several, largest first


def test_apply_credit_memo_pays_an_open_invoice(make_summary) -> None:
    from omsim.domain import adjust, apply_credit_memo

    summary = make_summary([("A", 2, 1000)], authorize=False)
    _, invoice, _ = fulfilled_invoice(summary)  # nothing authorized: the invoice stays open
    adjust(summary, {summary.items[0].id: 100}, at=3.0, reason="Appeasement")
    memo = summary.credit_memos[0]
    assert memo.balance_cents == 200  # the refund failed: nothing was captured
    assert summary.process_exceptions[-1].description == "refund failed"
    events = apply_credit_memo(summary, memo.id, [invoice.id], at=4.0)
    assert [e.activity for e in events] == ["Credit Memo Applied"]
    assert (memo.balance_cents, invoice.balance_cents) == (0, 1800)
    assert invoice.net_credits_applied_cents == 200
    with pytest.raises(ActionRejected, match="nothing to apply, Balance is 0"):
        apply_credit_memo(summary, memo.id, [invoice.id], at=5.0)
    check_invariants(summary)


def test_billing_pools_split_a_line_into_unbilled_and_billed(make_summary) -> None:
    """3 x 3.33 at 10%: tax 1.00. Invoice one unit (3.33 + 0.33), cancel one: the canceled unit
    takes its share of what is still to bill (3.33 + 0.34 of 6.66 + 0.67), not a re-rounded tax,
    so billing the last unit bills exactly what is left."""
    from omsim.domain.bookkeeping import billing_pools

    summary = make_summary([("A", 3, 333)], tax="0.1")
    item = summary.items[0]
    fulfilled_invoice(summary, {"A": 1})
    unbilled, billed = billing_pools(summary, item)
    assert (unbilled.units, unbilled.amount_cents, unbilled.tax_cents) == (2, 666, 67)
    assert (billed.units, billed.amount_cents, billed.tax_cents) == (1, 333, 33)
    submit_cancel(summary, {item.id: 1}, at=3.0, shipping_reduction_flag=True)
    assert item.total_tax_amount_cents == 100 - 34  # 0.67 / 2 -> 0.34 (half-even)
    _, last, _ = fulfilled_invoice(summary, {"A": 1})
    assert (last.total_amount_cents, last.total_tax_amount_cents) == (333, 33)
    unbilled, _ = billing_pools(summary, item)
    assert (unbilled.units, unbilled.amount_cents, unbilled.tax_cents) == (0, 0, 0)
    check_invariants(summary)


def test_write_off_credits_the_open_balance_with_a_reason(make_summary) -> None:
    summary = make_summary([("A", 2, 1000)], tax="0.1", valid_hours=168)
    _, invoice, _ = fulfilled_invoice(summary, {"A": 1})
    ensure_funds(summary, invoice.id, at=200.0)  # authorization expired: nothing captured
    (pe,) = summary.process_exceptions
    ignore_process_exception(summary, pe.id, at=300.0)
    memo, events = write_off_invoice(summary, invoice.id, at=300.0, reason="capture failed")
    (event,) = events
    assert (event.activity, event.attributes["amount_cents"]) == ("Invoice Written Off", 1100)
    assert (memo.write_off_reason, memo.reference_entity_id) == ("capture failed", invoice.id)
    assert (memo.total_amount_cents, memo.total_tax_amount_cents, memo.balance_cents) == (
        1000,
        100,
        0,
    )
    assert (invoice.status, invoice.balance_cents, invoice.net_credits_applied_cents) == (
        "Posted",
        0,
        1100,
    )
    assert written_off_cents(summary) == 1100
    assert total_excess_funds_cents(summary) == 0
    check_invariants(summary)
    with pytest.raises(ActionRejected, match="nothing to write off, Balance is 0"):
        write_off_invoice(summary, invoice.id, at=301.0)


def test_a_written_off_order_settles_once_fully_billed(make_summary) -> None:
    summary = make_summary([("A", 1, 1000), ("B", 1, 500)], valid_hours=168)
    _, first, _ = fulfilled_invoice(summary, {"A": 1})
    ensure_funds(summary, first.id, at=2.0)
    _, second, _ = fulfilled_invoice(summary, {"B": 1})
    ensure_funds(summary, second.id, at=200.0)  # expired: Payment exception
    write_off_invoice(summary, second.id, at=250.0)
    assert summary.grand_total_amount_cents == 1500
    check_invariants(summary)  # captured 1000 = invoiced 1500 - written off 500


def test_with_the_gateway_down_a_cancel_keeps_its_excess_funds_for_later(make_summary) -> None:
    summary = make_summary([("A", 2, 1000)])
    capture_authorized_funds(summary, amount_cents=2000, at=1.0)
    events = submit_cancel(
        summary, {summary.items[0].id: 1}, at=2.0, refund=False, shipping_reduction_flag=True
    )
    assert [e.activity for e in events] == ["Order Items Canceled"]
    assert total_excess_funds_cents(summary) == 1000
    check_invariants(summary)
    ensure_refunds(summary, at=5.0, excess_funds_cents=1000)  # the gateway is back
    assert total_excess_funds_cents(summary) == 0
    with pytest.raises(ActionRejected, match="excess funds only to a card"):
        ensure_refunds(summary, at=6.0, excess_funds_cents=1, refund_to_card=False)
