"""Authorization reversal after a cancel: PaymentAuthAdjustment (Type Reversal)."""

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from omsim.domain import (
    ActionRejected,
    OrderLineInput,
    PaymentAuthAdjustment,
    ReturnItemInput,
    ReturnLineInput,
    authorization_reversal_violations,
    authorize_payment,
    capture_authorized_funds,
    check_exchange_invariants,
    check_invariants,
    create_fulfillment_orders,
    create_invoice,
    create_return_order,
    ensure_funds,
    exchange,
    fulfil_fulfillment_order,
    return_items,
    reverse_authorization,
    reverse_unused_authorizations,
    still_to_capture_cents,
    submit_cancel,
)
from omsim.domain.events import scalar_fields
from omsim.domain.funds import capturable_cents
from omsim.recordtables import DERIVED_FIELDS, RECORD_TYPES, records_of


def ship(summary, units, at=2.0):
    """Allocate, fulfil, invoice and ensure funds for ``units`` (OrderItemSummary id -> units)."""
    group = summary.delivery_groups[0].id
    (fo,), _ = create_fulfillment_orders(summary, group, {"W1": units}, at=at)
    fulfil_fulfillment_order(summary, fo.id, at=at)
    invoice, _ = create_invoice(summary, fo.id, at=at)
    return invoice, ensure_funds(summary, invoice.id, at=at)


def cancel(summary, units, at=1.0, **kwargs):
    return submit_cancel(summary, units, at=at, shipping_reduction_flag=True, **kwargs)


def activities(events):
    return [e.activity for e in events]


def test_a_cancel_before_capture_reverses_what_can_never_be_captured(make_summary) -> None:
    # 2 x 1000 authorized 2000; cancel 1 unit: the buyer owes 1000, so 1000 is reversed
    summary = make_summary([("A", 2, 1000)])
    a = summary.items[0]
    events = cancel(summary, {a.id: 1})
    assert activities(events) == ["Order Items Canceled", "Payment Authorization Reversed"]
    ops = summary.payment_summaries[0]
    (auth,) = ops.authorizations
    (adj,) = ops.auth_adjustments
    assert (adj.type, adj.status, adj.amount_cents) == ("Reversal", "Processed", 1000)
    assert (adj.payment_authorization_id, adj.order_payment_summary_id) == (auth.id, ops.id)
    assert adj.id.startswith("PAA-") and adj.adjusted_at == 1.0
    # Amount stays 2000; Balance = 2000 - 0 captured - 1000 reversed
    assert (auth.amount_cents, auth.total_auth_reversal_amount_cents, auth.balance_cents) == (
        2000,
        1000,
        1000,
    )
    assert ops.authorization_amount_cents == 2000
    assert ops.authorization_reversal_amount_cents == 1000
    assert ops.available_to_capture_cents(1.0) == 1000
    reversed_event = events[-1]
    assert reversed_event.attributes["amount_cents"] == 1000
    assert (adj.id, "PaymentAuthAdjustment", "created") in reversed_event.objects
    assert (auth.id, "PaymentAuthorization", "TotalAuthReversalAmount", 0, 1000) in (
        reversed_event.changes
    )
    # the remaining unit ships and captures the remaining 1000: nothing left on the card
    invoice, funds = ship(summary, {a.id: 1})
    assert activities(funds) == ["Payment Captured"] and invoice.balance_cents == 0
    assert (auth.captured_cents, auth.balance_cents) == (1000, 0)
    assert authorization_reversal_violations(summary) == []
    check_invariants(summary)


def test_a_fully_canceled_order_reverses_its_whole_authorization(make_summary) -> None:
    # 2 x 1000 + 500 charge, 10% tax: 2750 authorized; all canceled, 2750 reversed
    summary = make_summary([("A", 2, 1000)], charge=500, tax="0.1")
    assert summary.grand_total_amount_cents == 2750
    events = cancel(summary, {summary.items[0].id: 2})
    assert summary.grand_total_amount_cents == 0
    assert events[-1].attributes["amount_cents"] == 2750
    ops = summary.payment_summaries[0]
    assert ops.authorization_reversal_amount_cents == 2750
    assert ops.available_to_capture_cents(1.0) == 0
    check_invariants(summary)
    assert authorization_reversal_violations(summary) == []


def test_captured_funds_count_as_paid(make_summary) -> None:
    # 2 x 1000, 500 captured upfront; cancel 1: owed 1000 - paid 500 = 500 still to capture,
    # so of the 1500 left on the authorization 1000 is reversed; no excess to refund
    summary = make_summary([("A", 2, 1000)])
    capture_authorized_funds(summary, amount_cents=500, at=0.5)
    events = cancel(summary, {summary.items[0].id: 1})
    assert activities(events) == ["Order Items Canceled", "Payment Authorization Reversed"]
    assert still_to_capture_cents(summary) == 500
    (auth,) = summary.payment_summaries[0].authorizations
    assert (auth.captured_cents, auth.total_auth_reversal_amount_cents, auth.balance_cents) == (
        500,
        1000,
        500,
    )
    invoice, _ = ship(summary, {summary.items[0].id: 1})
    # 500 applied from the captured balance, 500 captured: the invoice of 1000 is paid
    assert invoice.balance_cents == 0 and auth.balance_cents == 0
    check_invariants(summary)


def test_a_cancel_after_capture_refunds_and_reverses_nothing_left(make_summary) -> None:
    # everything captured upfront: the cancel refunds 1000 excess, the authorization is empty
    summary = make_summary([("A", 2, 1000)])
    capture_authorized_funds(summary, amount_cents=2000, at=0.5)
    events = cancel(summary, {summary.items[0].id: 1})
    assert activities(events) == ["Order Items Canceled", "Refund Processed"]
    assert summary.payment_summaries[0].auth_adjustments == []


def test_the_authorizations_keep_what_ensure_funds_would_capture(make_summary) -> None:
    # 2 x 1000 + 500 = 2500, Visa 1500 and Gift Card 1000
    summary = make_summary([("A", 2, 1000), ("B", 1, 500)], authorize=False)
    authorize_payment(summary, amount_cents=1500, at=0.0, method="Visa")
    authorize_payment(summary, amount_cents=1000, at=0.0, method="Gift Card")
    a, b = summary.product_items
    visa, gift = summary.payment_summaries
    # cancel 1 A: 1500 to capture; Visa's 1500 matches exactly, the Gift Card's 1000 is reversed
    cancel(summary, {a.id: 1})
    assert (visa.authorization_reversal_amount_cents, gift.authorization_reversal_amount_cents) == (
        0,
        1000,
    )
    # cancel B: 1000 to capture, kept on the largest (Visa); 1500 - 1000 = 500 reversed
    events = cancel(summary, {b.id: 1}, at=1.5)
    assert activities(events)[-1] == "Payment Authorization Reversed"
    assert events[-1].attributes == {"amount_cents": 500, "method": "Visa"}
    assert visa.available_to_capture_cents(1.5) == 1000
    assert gift.available_to_capture_cents(1.5) == 0
    invoice, _ = ship(summary, {a.id: 1}, at=3.0)
    assert invoice.balance_cents == 0 and visa.captured_amount_cents == 1000
    check_invariants(summary)
    assert authorization_reversal_violations(summary) == []


def test_expired_authorizations_are_not_reversed(make_summary) -> None:
    summary = make_summary([("A", 2, 1000)], valid_hours=2)
    events = cancel(summary, {summary.items[0].id: 1}, at=3.0)
    assert activities(events) == ["Order Items Canceled"]
    (auth,) = summary.payment_summaries[0].authorizations
    assert auth.balance_cents == 2000 and auth.total_auth_reversal_amount_cents == 0


def test_with_the_gateway_down_a_cancel_reverses_nothing(make_summary) -> None:
    summary = make_summary([("A", 2, 1000)])
    events = cancel(summary, {summary.items[0].id: 1}, refund=False)
    assert activities(events) == ["Order Items Canceled"]
    # once the gateway answers, the desk can reverse what is spare
    later = reverse_unused_authorizations(summary, at=5.0)
    assert [e.attributes["amount_cents"] for e in later] == [1000]
    assert reverse_unused_authorizations(summary, at=5.0) == []  # nothing spare any more


def test_an_open_credit_memo_keeps_what_the_buyer_still_owes(make_summary) -> None:
    """A credit owed back pays nothing yet: the card must still cover the unshipped units."""
    # 2 x 1000 + 1 x 500 = 2500 authorized; ship and capture A (2000), return 1 A with the
    # gateway down (credit memo of 1000 left open), then cancel B
    summary = make_summary([("A", 2, 1000), ("B", 1, 500)])
    a, b = summary.product_items
    ship(summary, {a.id: 2})
    ro, _ = create_return_order(summary, [ReturnLineInput(a.id, 1)], at=3.0)
    return_items(
        summary,
        ro.id,
        [ReturnItemInput(ro.lines[0].id, 1)],
        at=4.0,
        shipping_reduction_flag=False,
        refund=False,
    )
    assert sum(m.balance_cents for m in summary.credit_memos) == 1000
    # owed 2500 - 1000 returned = 1500; paid 2000; open memo 1000: 1500 - 2000 + 1000 = 500,
    # exactly B's value, so the cancel of B leaves 0 to capture and reverses the 500 left
    assert still_to_capture_cents(summary) == 500
    events = cancel(summary, {b.id: 1}, at=5.0, refund=True)
    assert still_to_capture_cents(summary) == 0
    assert events[-1].activity == "Payment Authorization Reversed"
    assert events[-1].attributes["amount_cents"] == 500
    check_invariants(summary)


def test_exchange_credit_is_never_reversed_and_the_card_covers_a_withdrawal(make_summary) -> None:
    # A 1 x 2500 shipped and paid; exchanged for A-L 2500 + X 1000: 2500 exchange credit,
    # 1000 on the card
    summary = make_summary([("A", 1, 2500)])
    a = summary.items[0]
    ship(summary, {a.id: 1})
    new, _ = exchange(
        summary,
        [ReturnLineInput(a.id, 1)],
        [OrderLineInput("A-L", 1, 2500), OrderLineInput("X", 1, 1000)],
        at=10.0,
        additional_authorization_cents=1000,
    )
    credit, visa = new.payment_summaries
    assert (credit.method, visa.method) == ("Exchange Credit", "Visa")
    x = next(i for i in new.product_items if i.stock_keeping_unit == "X")
    # cancel X while the old unit is still out: if it never comes back, the 2500 credit is
    # withdrawn and the card must pay 2500; it holds 1000, so nothing is reversed
    events = cancel(new, {x.id: 1}, at=11.0)
    assert activities(events) == ["Order Items Canceled"]
    assert capturable_cents(new, 11.0) == {
        credit.authorizations[0].id: 2500,
        visa.authorizations[0].id: 1000,
    }
    ro = summary.return_orders[0]
    return_items(
        summary,
        ro.id,
        [ReturnItemInput(ro.lines[0].id, 1)],
        at=12.0,
        exchange_summary=new,
        shipping_reduction_flag=False,
    )
    # the credit is given: 2500 to capture, the exchange credit's 2500 matches exactly,
    # the card's 1000 is spare; the exchange credit is never touched
    events = reverse_unused_authorizations(new, at=13.0)
    assert [e.attributes["amount_cents"] for e in events] == [1000]
    assert credit.auth_adjustments == [] and visa.authorization_reversal_amount_cents == 1000
    with pytest.raises(ActionRejected, match="cannot reverse an Exchange Credit authorization"):
        reverse_authorization(new, credit.authorizations[0].id, amount_cents=1, at=13.0)
    invoice, _ = ship(new, {new.product_items[0].id: 1}, at=14.0)
    assert invoice.balance_cents == 0 and credit.captured_amount_cents == 2500
    for s in (summary, new):
        check_invariants(s)
        assert authorization_reversal_violations(s) == []
    check_exchange_invariants(summary, new)


def test_reverse_authorization_guardrails(make_summary, snapshot) -> None:
    summary = make_summary([("A", 2, 1000)], valid_hours=10)
    (auth,) = summary.payment_summaries[0].authorizations
    before = snapshot(summary)
    cases = [
        ("PA-999999", 100, 1.0, "no PaymentAuthorization 'PA-999999'"),
        (auth.id, 0, 1.0, r"cannot reverse 0, Amount must be in \[1, Balance 2000\]"),
        (auth.id, 2001, 1.0, r"cannot reverse 2001, Amount must be in \[1, Balance 2000\]"),
        (auth.id, 100, 11.0, "cannot reverse, ExpirationDate 10 h is before 11 h"),
    ]
    for auth_id, amount, at, message in cases:
        with pytest.raises(ActionRejected, match=message):
            reverse_authorization(summary, auth_id, amount_cents=amount, at=at)
    auth.status = "Canceled"
    with pytest.raises(ActionRejected, match="Status is Canceled; allowed: Processed"):
        reverse_authorization(summary, auth.id, amount_cents=100, at=1.0)
    auth.status = "Processed"
    assert snapshot(summary) == before
    (event,) = reverse_authorization(summary, auth.id, amount_cents=2000, at=1.0)
    assert event.attributes["amount_cents"] == 2000 and auth.balance_cents == 0


def test_the_invariant_names_a_broken_reversal(make_summary) -> None:
    summary = make_summary([("A", 2, 1000)])
    cancel(summary, {summary.items[0].id: 1})
    ops = summary.payment_summaries[0]
    (auth,) = ops.authorizations
    auth.total_auth_reversal_amount_cents = 2500
    problems = authorization_reversal_violations(summary)
    assert (
        f"PaymentAuthorization {auth.id}: captured 0 + reversed 2500 outside [0, Amount 2000]"
        in (problems)
    )
    assert any("TotalAuthReversalAmount 2500 != its reversals 1000" in p for p in problems)
    assert any(
        "AuthorizationReversalAmount 1000 != its authorizations' 2500" in p for p in problems
    )


def test_reversals_export_as_their_own_record_table(make_summary) -> None:
    summary = make_summary([("A", 2, 1000)])
    cancel(summary, {summary.items[0].id: 1})
    (adj,) = [r for r in records_of(summary) if isinstance(r, PaymentAuthAdjustment)]
    assert PaymentAuthAdjustment in RECORD_TYPES
    row = scalar_fields(adj)
    assert row == {
        "Id": adj.id,
        "PaymentAuthAdjustmentNumber": adj.id,
        "OrderPaymentSummaryId": summary.payment_summaries[0].id,
        "PaymentAuthorizationId": summary.payment_summaries[0].authorizations[0].id,
        "Amount": 1000,
        "AdjustedAt": 1.0,
        "Type": "Reversal",
        "Status": "Processed",
        "SfResultCode": "Success",
        "ProcessingMode": "External",
    }
    assert "authorization_reversal_amount_cents" in DERIVED_FIELDS["OrderPaymentSummary"]


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    auths=st.lists(
        st.tuples(st.sampled_from(("Visa", "Mastercard", "Gift Card")), st.integers(1, 4000)),
        min_size=1,
        max_size=3,
    ),
    upfront=st.integers(0, 3000),
    cancels=st.lists(st.tuples(st.integers(0, 1), st.integers(1, 3)), min_size=1, max_size=3),
)
def test_reversal_leaves_exactly_what_the_order_can_still_capture(
    make_summary, auths, upfront, cancels
) -> None:
    """After each cancel the card authorizations hold min(what they held, still to capture);
    the rest of the order then ships and is paid in full when they held enough."""
    summary = make_summary([("A", 3, 1000), ("B", 2, 750)], authorize=False)
    for method, amount in auths:
        authorize_payment(summary, amount_cents=amount, at=0.0, method=method)
    capturable = sum(capturable_cents(summary, 0.0).values())
    if 0 < upfront <= capturable:
        capture_authorized_funds(summary, amount_cents=upfront, at=0.0)
    for k, (line, units) in enumerate(cancels):
        item = summary.product_items[line]
        units = min(units, item.quantity_available_to_cancel)
        if units == 0:
            continue
        held = sum(capturable_cents(summary, 1.0 + k).values())
        cancel(summary, {item.id: units}, at=1.0 + k)
        left = sum(capturable_cents(summary, 1.0 + k).values())
        assert left == min(held, still_to_capture_cents(summary))
        assert authorization_reversal_violations(summary) == []
        check_invariants(summary)
    enough = sum(capturable_cents(summary, 9.0).values()) >= still_to_capture_cents(summary)
    units = {i.id: i.quantity_available_to_fulfill for i in summary.product_items}
    units = {k: v for k, v in units.items() if v}
    if units:
        invoice, _ = ship(summary, units, at=9.0)
        assert (invoice.balance_cents == 0) is enough
    assert authorization_reversal_violations(summary) == []
    check_invariants(summary)
