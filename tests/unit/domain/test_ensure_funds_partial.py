"""Ensure funds with ``allow_partial`` (Salesforce ``isAllowPartial``)."""

import copy

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from omsim.domain import (
    ActionRejected,
    authorize_payment,
    capture_authorized_funds,
    check_invariants,
    create_fulfillment_orders,
    create_invoice,
    ensure_funds,
    fulfil_fulfillment_order,
)


def invoiced(summary, at=2.0):
    """Allocate, fulfil and invoice every unit; returns the invoice."""
    group = summary.delivery_groups[0].id
    units = {i.id: i.quantity_available_to_fulfill for i in summary.product_items}
    (fo,), _ = create_fulfillment_orders(summary, group, {"W1": units}, at=at)
    fulfil_fulfillment_order(summary, fo.id, at=at)
    invoice, _ = create_invoice(summary, fo.id, at=at)
    return invoice


def activities(events):
    return [e.activity for e in events]


def test_partial_captures_what_the_authorization_covers(make_summary) -> None:
    # 2 x 1000 + 500 = 2500 invoiced, 2000 authorized: 2000 captured, 500 left open
    summary = make_summary([("A", 2, 1000), ("B", 1, 500)], authorize=False)
    authorize_payment(summary, amount_cents=2000, at=0.0)
    invoice = invoiced(summary)
    events = ensure_funds(summary, invoice.id, at=3.0, allow_partial=True)
    assert activities(events) == ["Payment Captured", "Process Exception Raised"]
    assert events[0].attributes["amount_cents"] == 2000
    assert (invoice.balance_cents, invoice.net_payments_applied_cents) == (500, 2000)
    (pe,) = summary.process_exceptions
    assert pe.category == "Payment" and pe.attached_to_id == invoice.id
    assert pe.message == (
        f"Ensure funds failed for Invoice {invoice.id}: 500 cents not covered by captured "
        "balance or unexpired authorizations"
    )
    check_invariants(summary)
    # a fresh authorization pays the rest, all or nothing as usual
    authorize_payment(summary, amount_cents=500, at=4.0, method="Mastercard")
    assert activities(ensure_funds(summary, invoice.id, at=4.0)) == ["Payment Captured"]
    assert invoice.balance_cents == 0
    check_invariants(summary)


def test_partial_applies_captured_balance_first(make_summary) -> None:
    # 2500 invoiced; Visa 1000 authorized, 300 of it captured upfront:
    # 300 applied, 700 captured, 2500 - 1000 = 1500 left open
    summary = make_summary([("A", 2, 1000), ("B", 1, 500)], authorize=False)
    authorize_payment(summary, amount_cents=1000, at=0.0)
    capture_authorized_funds(summary, amount_cents=300, at=0.0)
    invoice = invoiced(summary)
    events = ensure_funds(summary, invoice.id, at=3.0, allow_partial=True)
    assert activities(events) == ["Payment Applied", "Payment Captured", "Process Exception Raised"]
    assert [e.attributes.get("amount_cents") for e in events[:2]] == [300, 700]
    assert invoice.balance_cents == 1500
    assert "1500 cents not covered" in summary.process_exceptions[0].message
    check_invariants(summary)


def test_default_stays_all_or_nothing(make_summary, snapshot) -> None:
    summary = make_summary([("A", 2, 1000), ("B", 1, 500)], authorize=False)
    authorize_payment(summary, amount_cents=2000, at=0.0)
    invoice = invoiced(summary)
    before = snapshot(summary.payment_summaries)
    events = ensure_funds(summary, invoice.id, at=3.0)
    assert activities(events) == ["Process Exception Raised"]
    assert invoice.balance_cents == 2500 and snapshot(summary.payment_summaries) == before
    assert "500 cents not covered" in summary.process_exceptions[0].message


def test_when_nothing_is_covered_partial_fails_like_the_default(make_summary) -> None:
    # the only authorization expired: no movement, the expired authorization is named
    summary = make_summary([("A", 2, 1000)], valid_hours=2)
    invoice = invoiced(summary)
    twin = copy.deepcopy(summary)
    partial = ensure_funds(summary, invoice.id, at=3.0, allow_partial=True)
    default = ensure_funds(twin, invoice.id, at=3.0)
    assert activities(partial) == activities(default) == ["Process Exception Raised"]
    assert partial[0].attributes == default[0].attributes
    assert invoice.balance_cents == 2000
    auth = summary.payment_summaries[0].authorizations[0]
    assert summary.process_exceptions[0].message == (
        f"Payment capture failed for Invoice {invoice.id}: PaymentAuthorization {auth.id} "
        "expired at 2 h"
    )


def test_covered_invoices_are_ensured_the_same_either_way(make_summary) -> None:
    summary = make_summary([("A", 2, 1000), ("B", 1, 500)])
    invoice = invoiced(summary)
    twin = copy.deepcopy(summary)
    partial = ensure_funds(summary, invoice.id, at=3.0, allow_partial=True)
    default = ensure_funds(twin, invoice.id, at=3.0)
    assert [(e.activity, e.attributes, e.changes) for e in partial] == [
        (e.activity, e.attributes, e.changes) for e in default
    ]
    assert invoice.balance_cents == 0 and not summary.process_exceptions


def test_partial_keeps_the_guardrail(make_summary) -> None:
    summary = make_summary([("A", 1, 1000)])
    invoice = invoiced(summary)
    ensure_funds(summary, invoice.id, at=3.0, allow_partial=True)
    with pytest.raises(
        ActionRejected, match=f"Invoice {invoice.id}: nothing to ensure, Balance is 0"
    ):
        ensure_funds(summary, invoice.id, at=3.0, allow_partial=True)


@settings(
    max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    auths=st.lists(
        st.tuples(
            st.sampled_from(("Visa", "Mastercard", "Gift Card")),
            st.integers(1, 3000),
            st.sampled_from((None, 1.0, 168.0)),
        ),
        max_size=3,
    ),
    upfront=st.integers(0, 2000),
)
def test_partial_moves_exactly_what_is_covered(make_summary, auths, upfront) -> None:
    """covered = min(invoice, captured balance + unexpired authorizations); the invoice keeps
    the rest open, one Payment exception when anything is left; nothing moves if nothing is
    covered, and the default moves the same money when everything is covered."""
    summary = make_summary([("A", 2, 1000), ("B", 1, 500)], authorize=False)
    for method, amount, hours in auths:
        authorize_payment(summary, amount_cents=amount, at=0.0, valid_hours=hours, method=method)
    available = sum(p.available_to_capture_cents(0.0) for p in summary.payment_summaries)
    if 0 < upfront <= available:
        capture_authorized_funds(summary, amount_cents=upfront, at=0.0)
    invoice = invoiced(summary)
    at = 3.0  # the 1-hour authorizations have expired
    balance = sum(p.balance_amount_cents for p in summary.payment_summaries)
    capturable = sum(p.available_to_capture_cents(at) for p in summary.payment_summaries)
    covered = min(invoice.balance_cents, balance + capturable)
    need = invoice.balance_cents
    twin = copy.deepcopy(summary)
    events = ensure_funds(summary, invoice.id, at=at, allow_partial=True)
    default = ensure_funds(twin, invoice.id, at=at)
    assert invoice.balance_cents == need - covered
    assert (activities(events)[-1] == "Process Exception Raised") is (covered < need)
    assert len(summary.process_exceptions) == (1 if covered < need else 0)
    if covered == need:
        assert [(e.activity, e.changes) for e in events] == [
            (e.activity, e.changes) for e in default
        ]
    if covered == 0:
        assert activities(events) == ["Process Exception Raised"]
    check_invariants(summary)
