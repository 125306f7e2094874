"""Previews of cancel, return and adjust: the submit's change balances, nothing changed.

The order: A 2 x 1000 at 10% tax (2000 + 200) and a 500 delivery charge (+ 50): 2750.
"""

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from omsim.domain import (
    ActionRejected,
    adjust,
    create_fulfillment_orders,
    create_invoice,
    ensure_funds,
    fulfil_fulfillment_order,
    preview_adjust,
    preview_cancel,
    preview_return,
    preview_submit_return,
    submit_cancel,
    submit_return,
)


def ship_all(summary, at=2.0):
    group = summary.delivery_groups[0].id
    units = {i.id: i.quantity_available_to_fulfill for i in summary.product_items}
    (fo,), _ = create_fulfillment_orders(summary, group, {"W1": units}, at=at)
    fulfil_fulfillment_order(summary, fo.id, at=at)
    invoice, _ = create_invoice(summary, fo.id, at=at)
    ensure_funds(summary, invoice.id, at=at)


def test_preview_cancel_is_the_cancel_with_nothing_changed(make_summary, snapshot) -> None:
    """Cancel 1 A with shipping reduction: 1000 + 100 tax, and the charge drops by
    500 x 1000 / 2000 = 250 + 25 tax: 1375 less to pay. Nothing was captured: no refund."""
    summary = make_summary([("A", 2, 1000)], charge=500, tax="0.1")
    a = summary.items[0]
    before = snapshot(summary)
    balances = preview_cancel(summary, {a.id: 1}, at=1.0, shipping_reduction_flag=True)
    assert snapshot(summary) == before
    assert (balances.grand_total_amount_cents, balances.total_amount_cents) == (1375, 1250)
    assert balances.total_tax_amount_cents == 125
    assert (
        balances.total_adjusted_product_amount_cents,
        balances.total_adjusted_product_tax_amount_cents,
        balances.total_adjusted_delivery_amount_cents,
        balances.total_adjusted_delivery_tax_amount_cents,
    ) == (1000, 100, 250, 25)
    assert (balances.total_excess_funds_amount_cents, balances.total_refundable_amount_cents) == (
        0,
        0,
    )
    submit_cancel(summary, {a.id: 1}, at=1.0, shipping_reduction_flag=True)
    assert summary.grand_total_amount_cents == 2750 - 1375


def test_preview_cancel_after_capture_reports_the_excess_funds(make_summary) -> None:
    """Captured up front (capture at order): canceling 1 A leaves 1100 captured beyond what
    is owed, refundable as excess funds."""
    from omsim.domain import capture_authorized_funds

    summary = make_summary([("A", 2, 1000)], tax="0.1")
    capture_authorized_funds(summary, amount_cents=2200, at=0.5)
    balances = preview_cancel(
        summary, {summary.items[0].id: 1}, at=1.0, shipping_reduction_flag=False
    )
    assert balances.grand_total_amount_cents == 1100
    assert balances.total_excess_funds_amount_cents == 1100
    assert balances.total_refundable_amount_cents == 1100


def test_preview_return_credits_what_the_return_would(make_summary, snapshot) -> None:
    """Everything shipped and paid (2750). Returning 1 A credits 1000 + 100 = 1100; with the
    shipping reduction the charge's 250 + 25 too: 1375."""
    summary = make_summary([("A", 2, 1000)], charge=500, tax="0.1")
    ship_all(summary)
    a = summary.items[0]
    before = snapshot(summary)
    plain = preview_submit_return(summary, {a.id: 1}, at=5.0, shipping_reduction_flag=False)
    reduced = preview_submit_return(summary, {a.id: 1}, at=5.0, shipping_reduction_flag=True)
    assert snapshot(summary) == before
    assert (plain.grand_total_amount_cents, reduced.grand_total_amount_cents) == (1100, 1375)
    assert plain.total_refundable_amount_cents == 1100  # on the credit memo, not excess
    assert plain.total_excess_funds_amount_cents == 0
    assert plain.grand_total_amount_cents == preview_return(
        summary, {a.id: 1}, shipping_reduction_flag=False
    )
    submit_return(summary, {a.id: 1}, at=5.0, shipping_reduction_flag=True, reason="Defective")
    assert summary.grand_total_amount_cents == 2750 - 1375


def test_preview_adjust_before_and_after_fulfillment(make_summary) -> None:
    """100 off each A: 200 + 20 tax = 220 less to pay. Before capture nothing is refundable;
    after shipping, the discount is a credit memo of 220."""
    summary = make_summary([("A", 2, 1000)], tax="0.1")
    a = summary.items[0]
    before = preview_adjust(summary, {a.id: 100}, at=1.0)
    assert (before.grand_total_amount_cents, before.total_refundable_amount_cents) == (220, 0)
    ship_all(summary)
    after = preview_adjust(summary, {a.id: 100}, at=5.0)
    assert (after.grand_total_amount_cents, after.total_refundable_amount_cents) == (220, 220)
    adjust(summary, {a.id: 100}, at=5.0)
    assert summary.grand_total_amount_cents == 2200 - 220


def test_a_preview_is_refused_as_its_submit_is(make_summary, snapshot) -> None:
    summary = make_summary([("A", 2, 1000)])
    a = summary.items[0]
    before = snapshot(summary)
    with pytest.raises(ActionRejected, match="QuantityAvailableToCancel"):
        preview_cancel(summary, {a.id: 3}, at=1.0, shipping_reduction_flag=False)
    with pytest.raises(ActionRejected, match="QuantityAvailableToReturn"):
        preview_submit_return(summary, {a.id: 1}, at=1.0, shipping_reduction_flag=False)
    with pytest.raises(ActionRejected, match="cannot discount"):
        preview_adjust(summary, {a.id: 5000}, at=1.0)
    assert snapshot(summary) == before


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    units=st.integers(1, 3),
    flag=st.booleans(),
    shipped=st.booleans(),
    per_unit=st.integers(1, 400),
)
def test_previews_agree_with_their_submits(make_summary, units, flag, shipped, per_unit) -> None:
    """Whatever the state, the preview's grand total is what the submit takes off."""
    summary = make_summary([("A", 3, 1000), ("B", 1, 700)], charge=499, tax="0.0825")
    a = summary.items[0]
    if shipped:
        ship_all(summary)
        balances = preview_submit_return(
            summary, {a.id: units}, at=5.0, shipping_reduction_flag=flag
        )
        grand = summary.grand_total_amount_cents
        submit_return(summary, {a.id: units}, at=5.0, shipping_reduction_flag=flag, reason="Other")
    else:
        balances = preview_cancel(summary, {a.id: units}, at=5.0, shipping_reduction_flag=flag)
        grand = summary.grand_total_amount_cents
        submit_cancel(summary, {a.id: units}, at=5.0, shipping_reduction_flag=flag)
    assert grand - summary.grand_total_amount_cents == balances.grand_total_amount_cents
    b = summary.items[1]
    if b.quantity:
        adjusted = preview_adjust(summary, {b.id: per_unit}, at=6.0)
        grand = summary.grand_total_amount_cents
        adjust(summary, {b.id: per_unit}, at=6.0)
        assert grand - summary.grand_total_amount_cents == adjusted.grand_total_amount_cents
