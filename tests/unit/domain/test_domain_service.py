"""Service actions: cancel, adjust, returns with RMAs, exchanges."""

import pytest

from omsim.domain import (
    ActionRejected,
    InvariantViolation,
    OrderLineInput,
    ReturnItemInput,
    ReturnLineInput,
    SourceProcess,
    adjust,
    authorize_payment,
    capture_authorized_funds,
    check_exchange_invariants,
    check_invariants,
    create_fulfillment_orders,
    create_invoice,
    create_reshipment,
    create_return_order,
    ensure_funds,
    exchange,
    exchange_credit_cents,
    exchange_invariant_violations,
    fulfil_fulfillment_order,
    invariant_violations,
    preview_return,
    return_items,
    submit_cancel,
    total_excess_funds_cents,
)
from omsim.domain.picklists import FulfillmentPhase, LifeCycleType

# --- cancel ---------------------------------------------------------------------------------


def test_cancel_only_unallocated_units(make_summary, snapshot) -> None:
    summary = make_summary([("A", 3, 1000)])
    a = summary.items[0]
    group = summary.delivery_groups[0].id
    create_fulfillment_orders(summary, group, {"W1": {a.id: 2}}, at=1.0)
    before = snapshot(summary)
    with pytest.raises(
        ActionRejected,
        match=f"OrderItemSummary {a.id}: cannot cancel 2, QuantityAvailableToCancel is 1",
    ):
        submit_cancel(summary, {a.id: 2}, at=2.0, shipping_reduction_flag=True)
    assert snapshot(summary) == before
    submit_cancel(summary, {a.id: 1}, at=2.0, shipping_reduction_flag=True)
    assert (a.quantity_canceled, a.quantity, a.status) == (1, 2, "ALLOCATED")
    (change,) = summary.item_changes
    assert (change.change_type, change.is_pre_fulfillment, change.reason) == (
        "Cancel",
        True,
        "Customer Request",
    )


@pytest.mark.parametrize(
    ("lines", "message"),
    [
        ({}, "no lines given"),
        ({"OIS-000001": 0}, "units to cancel must be a positive whole number"),
        ({"OIS-000002": 1}, "cannot cancel a Delivery Charge line"),
    ],
)
def test_cancel_guardrails(make_summary, lines, message) -> None:
    summary = make_summary([("A", 3, 1000)], charge=500)
    with pytest.raises(ActionRejected, match=message):
        submit_cancel(summary, lines, at=1.0, shipping_reduction_flag=True)


def test_cancel_everything_cancels_the_charge_with_shipping_reduction(make_summary) -> None:
    summary = make_summary([("A", 1, 1000)], charge=500, tax="0.1")
    submit_cancel(summary, {summary.items[0].id: 1}, at=1.0, shipping_reduction_flag=True)
    assert [i.status for i in summary.items] == ["CANCELED", "CANCELED"]
    assert (summary.grand_total_amount_cents, summary.status) == (0, "Canceled")
    check_invariants(summary)


def test_cancel_without_shipping_reduction_keeps_the_charge(make_summary) -> None:
    summary = make_summary([("A", 2, 1000)], charge=500)
    submit_cancel(summary, {summary.items[0].id: 1}, at=1.0, shipping_reduction_flag=False)
    assert summary.items[1].total_price_cents == 500
    assert summary.grand_total_amount_cents == 1500


# --- adjust ---------------------------------------------------------------------------------


def test_pre_fulfillment_discount_lowers_future_invoices_without_refund(ship, make_summary) -> None:
    summary = make_summary([("A", 2, 1000)])
    a = summary.items[0]
    events = adjust(summary, {a.id: 100}, at=1.0)
    assert [e.activity for e in events] == ["Order Items Adjusted"]
    assert (a.total_adjustment_amount_cents, summary.grand_total_amount_cents) == (-200, 1800)
    assert summary.change_orders[0].fulfillment_phase == "PreFulfillment"
    ship(summary, {a.id: 2})
    assert summary.invoices[0].total_amount_with_tax_cents == 1800


def test_post_fulfillment_appeasement_credits_and_refunds(ship, make_summary) -> None:
    summary = make_summary([("A", 2, 1000)])
    a = summary.items[0]
    ship(summary, {a.id: 2})
    events = adjust(summary, {a.id: 250}, at=5.0, reason="Appeasement")
    assert [e.activity for e in events] == [
        "Order Items Adjusted",
        "Credit Memo Created",
        "Refund Processed",
    ]
    assert summary.credit_memos[0].total_amount_with_tax_cents == 500
    assert summary.payment_summaries[0].refunded_amount_cents == 500
    assert summary.change_orders[0].reason == "Appeasement"
    check_invariants(summary)


def test_in_fulfillment_units_follow_allocated_items_change_order_type(make_summary) -> None:
    summary = make_summary([("A", 3, 1000)])
    a = summary.items[0]
    group = summary.delivery_groups[0].id
    create_fulfillment_orders(summary, group, {"W1": {a.id: 2}}, at=1.0)
    adjust(summary, {a.id: 100}, at=2.0)  # Disallowed: only the unallocated unit
    assert a.total_adjustment_amount_cents == -100
    adjust(summary, {a.id: 100}, at=3.0, allocated_items_change_order_type="InFulfillment")
    assert [co.fulfillment_phase for co in summary.change_orders] == [
        "PreFulfillment",
        "PreFulfillment",
        "InFulfillment",
    ]
    adjust(summary, {a.id: 10}, at=4.0, allocated_items_change_order_type="PreFulfillment")
    assert summary.change_orders[-1].fulfillment_phase == "PreFulfillment"
    assert a.total_adjustment_amount_cents == -100 - 300 - 30
    check_invariants(summary)


def test_adjust_guardrails(make_summary, snapshot) -> None:
    summary = make_summary([("A", 2, 1000)])
    a = summary.items[0]
    group = summary.delivery_groups[0].id
    create_fulfillment_orders(summary, group, {"W1": {a.id: 2}}, at=1.0)
    before = snapshot(summary)
    with pytest.raises(
        ActionRejected,
        match="all 2 units are in fulfillment and allocatedItemsChangeOrderType is Disallowed",
    ):
        adjust(summary, {a.id: 100}, at=2.0)
    with pytest.raises(
        ActionRejected,
        match=r"cannot discount 2002 \(1001 x 2 units\), the value of those units is 2000",
    ):
        adjust(summary, {a.id: 1001}, at=2.0, allocated_items_change_order_type="InFulfillment")
    with pytest.raises(
        ActionRejected, match="allocatedItemsChangeOrderType 'Sometimes' is not allowed"
    ):
        adjust(summary, {a.id: 1}, at=2.0, allocated_items_change_order_type="Sometimes")
    with pytest.raises(ActionRejected, match="discount per unit"):
        adjust(summary, {a.id: -5}, at=2.0, allocated_items_change_order_type="InFulfillment")
    assert snapshot(summary) == before


# --- returns --------------------------------------------------------------------------------


def test_return_order_guardrails(ship, make_summary, snapshot) -> None:
    summary = make_summary([("A", 2, 1000)])
    a = summary.items[0]
    ship(summary, {a.id: 1})
    before = snapshot(summary)
    with pytest.raises(ActionRejected, match="cannot return 2, QuantityAvailableToReturn is 1"):
        create_return_order(summary, [ReturnLineInput(a.id, 2)], at=3.0)
    with pytest.raises(
        ActionRejected, match="ReasonForReturn 'Meh' is not allowed; allowed: Damaged"
    ):
        create_return_order(summary, [ReturnLineInput(a.id, 1, "Meh")], at=3.0)
    with pytest.raises(
        ActionRejected,
        match="ReturnOrder Status 'Draft' is not allowed; allowed: Submitted, Approved",
    ):
        create_return_order(summary, [ReturnLineInput(a.id, 1)], at=3.0, status="Draft")
    assert snapshot(summary) == before


def test_return_items_with_cancel_splits_remaining_expected_into_a_new_line(
    ship, make_summary
) -> None:
    summary = make_summary([("A", 3, 1000)])
    a = summary.items[0]
    ship(summary, {a.id: 3})
    ro, _ = create_return_order(summary, [ReturnLineInput(a.id, 3, "Wrong Item")], at=3.0)
    assert (a.quantity_return_initiated, a.status) == (3, "RETURNINITIATED")
    first = ro.lines[0]
    return_items(
        summary,
        ro.id,
        [ReturnItemInput(first.id, 1, quantity_to_cancel=1)],
        at=4.0,
        shipping_reduction_flag=False,
    )
    assert (first.is_processed, first.quantity_returned, first.quantity_canceled) == (True, 1, 1)
    assert [(ln.quantity_expected, ln.is_processed) for ln in ro.lines] == [(2, True), (1, False)]
    assert (a.quantity_return_initiated, a.quantity_returned, a.quantity) == (2, 1, 2)
    assert ro.status == "Submitted"
    with pytest.raises(ActionRejected, match=f"line '{first.id}' is not an open line"):
        return_items(
            summary, ro.id, [ReturnItemInput(first.id, 1)], at=5.0, shipping_reduction_flag=False
        )
    with pytest.raises(ActionRejected, match="cannot return and cancel 2, QuantityExpected is 1"):
        return_items(
            summary,
            ro.id,
            [ReturnItemInput(ro.lines[1].id, 2)],
            at=5.0,
            shipping_reduction_flag=False,
        )
    return_items(
        summary, ro.id, [ReturnItemInput(ro.lines[1].id, 1)], at=5.0, shipping_reduction_flag=False
    )
    assert (ro.status, a.quantity_returned, a.status) == ("Closed", 2, "FULFILLED")
    assert summary.payment_summaries[0].refunded_amount_cents == 2000
    check_invariants(summary)


def test_full_return_with_shipping_reduction_refunds_the_charge(ship, make_summary) -> None:
    summary = make_summary([("A", 1, 1000)], charge=500)
    a, charge = summary.items
    ship(summary, {a.id: 1})
    assert preview_return(summary, {a.id: 1}, shipping_reduction_flag=True) == 1500
    ro, _ = create_return_order(summary, [ReturnLineInput(a.id, 1)], at=3.0)
    return_items(
        summary, ro.id, [ReturnItemInput(ro.lines[0].id, 1)], at=4.0, shipping_reduction_flag=True
    )
    assert (a.status, charge.total_price_cents, summary.grand_total_amount_cents) == (
        "RETURNED",
        0,
        0,
    )
    assert summary.payment_summaries[0].refunded_amount_cents == 1500
    check_invariants(summary)


def test_return_fee_may_not_exceed_the_credit(ship, make_summary) -> None:
    summary = make_summary([("A", 1, 1000)])
    a = summary.items[0]
    ship(summary, {a.id: 1})
    ro, _ = create_return_order(summary, [ReturnLineInput(a.id, 1)], at=3.0)
    with pytest.raises(ActionRejected, match=r"return fee 1500 .* within the credit of 1000"):
        return_items(
            summary,
            ro.id,
            [ReturnItemInput(ro.lines[0].id, 1)],
            at=4.0,
            return_fee_cents=1500,
            shipping_reduction_flag=False,
        )


def test_unmanaged_summaries_refuse_service_actions(make_summary) -> None:
    summary = make_summary(life_cycle_type=LifeCycleType.UNMANAGED)
    a = summary.items[0]
    for call in (
        lambda: submit_cancel(summary, {a.id: 1}, at=1.0, shipping_reduction_flag=True),
        lambda: adjust(summary, {a.id: 1}, at=1.0),
        lambda: create_return_order(summary, [ReturnLineInput(a.id, 1)], at=1.0),
    ):
        with pytest.raises(ActionRejected, match="requires a MANAGED order summary"):
            call()


# --- exchanges ------------------------------------------------------------------------------


def card(summary):
    return summary.payment_summaries[0]


def test_even_exchange_moves_no_card_money(ship, make_summary) -> None:
    summary = make_summary([("A", 1, 2500)])
    a = summary.items[0]
    ship(summary, {a.id: 1})
    new, events = exchange(
        summary, [ReturnLineInput(a.id, 1, "Wrong Item")], [OrderLineInput("A-L", 1, 2500)], at=10.0
    )
    assert (new.source_process, new.source_order_summary_id) == (SourceProcess.EXCHANGE, summary.id)
    assert new.is_managed and new.grand_total_amount_cents == 2500
    assert "Exchange Submitted" in [e.activity for e in events]
    assert card(summary).reserved_balance_cents == 2500
    (credit_ops,) = new.payment_summaries
    assert (credit_ops.method, credit_ops.authorization_amount_cents) == ("Exchange Credit", 2500)
    ro = summary.return_orders[0]
    assert ro.exchange_order_summary_id == new.id
    return_items(
        summary,
        ro.id,
        [ReturnItemInput(ro.lines[0].id, 1)],
        at=20.0,
        exchange_summary=new,
        shipping_reduction_flag=False,
    )
    (refund,) = card(summary).refunds
    assert (refund.type, refund.amount_cents) == ("Exchange Credit", 2500)
    assert card(summary).reserved_balance_cents == 0
    ship(new, {new.items[0].id: 1}, at=21.0)
    assert credit_ops.captured_amount_cents == 2500
    card_moves = sum(r.amount_cents for r in card(summary).refunds if r.type != "Exchange Credit")
    assert card_moves == 0 and card(summary).captured_amount_cents == 2500
    check_invariants(summary)
    check_invariants(new)
    check_exchange_invariants(summary, new)


def test_dearer_exchange_needs_the_difference_authorized(ship, make_summary) -> None:
    summary = make_summary([("A", 1, 2500)])
    a = summary.items[0]
    ship(summary, {a.id: 1})
    line = [OrderLineInput("A-XL", 1, 3000)]
    with pytest.raises(ActionRejected, match="additional authorization must be 500, got 0"):
        exchange(summary, [ReturnLineInput(a.id, 1)], line, at=10.0)
    new, _ = exchange(
        summary, [ReturnLineInput(a.id, 1)], line, at=10.0, additional_authorization_cents=500
    )
    assert [p.authorization_amount_cents for p in new.payment_summaries] == [2500, 500]


def test_cheaper_exchange_refunds_the_difference_to_the_card(ship, make_summary) -> None:
    summary = make_summary([("A", 1, 2500)])
    a = summary.items[0]
    ship(summary, {a.id: 1})
    new, _ = exchange(
        summary, [ReturnLineInput(a.id, 1)], [OrderLineInput("A-S", 1, 2000)], at=10.0
    )
    ro = summary.return_orders[0]
    return_items(
        summary,
        ro.id,
        [ReturnItemInput(ro.lines[0].id, 1)],
        at=20.0,
        exchange_summary=new,
        shipping_reduction_flag=False,
    )
    assert sorted((r.type, r.amount_cents) for r in card(summary).refunds) == [
        ("Exchange Credit", 2000),
        ("Referenced", 500),
    ]
    check_invariants(summary)


def even_exchange(make_summary, ship):
    """An order of 2 x 2500, both shipped and paid, one unit exchanged for one of 2500."""
    summary = make_summary([("A", 2, 2500)])
    a = summary.items[0]
    ship(summary, {a.id: 2})
    new, _ = exchange(
        summary, [ReturnLineInput(a.id, 1)], [OrderLineInput("A-L", 1, 2500)], at=10.0
    )
    return summary, new, summary.return_orders[0]


def test_a_canceled_exchange_return_charges_the_replacement_instead(ship, make_summary) -> None:
    """The issue's case: the replacement ships and captures its credit, then the old unit
    never comes back. The original keeps its 5000, the exchange must be paid by card."""
    summary, new, ro = even_exchange(make_summary, ship)
    ship(new, {new.items[0].id: 1}, at=12.0)
    (credit_ops,) = new.payment_summaries
    assert credit_ops.captured_amount_cents == 2500
    events = return_items(
        summary,
        ro.id,
        [ReturnItemInput(ro.lines[0].id, 0, quantity_to_cancel=1)],
        at=20.0,
        exchange_summary=new,
        shipping_reduction_flag=False,
    )
    assert [e.activity for e in events] == [
        "Return Order Items Returned",
        "Exchange Credit Released",
        "Exchange Credit Withdrawn",
    ]
    assert (card(summary).reserved_balance_cents, ro.exchange_credit_cents) == (0, 0)
    assert card(summary).captured_amount_cents == 5000 and not card(summary).refunds
    (withdrawn,) = credit_ops.refunds
    assert (withdrawn.type, withdrawn.amount_cents) == ("Exchange Credit Withdrawn", 2500)
    (invoice,) = new.invoices
    assert invoice.balance_cents == 2500  # open again, for the customer's card
    for s in (summary, new):
        check_invariants(s)
    check_exchange_invariants(summary, new)
    authorize_payment(new, amount_cents=2500, at=21.0)
    ensure_funds(new, invoice.id, at=21.0)
    check_invariants(new)
    check_exchange_invariants(summary, new)
    paid = sum(
        ops.captured_amount_cents - ops.refunded_amount_cents
        for s in (summary, new)
        for ops in s.payment_summaries
        if ops.method != "Exchange Credit"
    )
    assert paid == 7500  # three units kept, three paid for


def test_a_canceled_exchange_return_before_shipping_reduces_the_credit(ship, make_summary) -> None:
    summary, new, ro = even_exchange(make_summary, ship)
    return_items(
        summary,
        ro.id,
        [ReturnItemInput(ro.lines[0].id, 0, quantity_to_cancel=1)],
        at=11.0,
        exchange_summary=new,
        shipping_reduction_flag=False,
    )
    (credit_ops,) = new.payment_summaries
    assert credit_ops.authorization_amount_cents == 0 and not credit_ops.refunds
    assert card(summary).reserved_balance_cents == 0
    check_invariants(summary)
    check_exchange_invariants(summary, new)
    assert exchange_credit_cents(new) == (0, 0)


def test_the_exchange_pair_invariant_catches_a_stuck_reservation(ship, make_summary) -> None:
    """Before the fix: the replacement consumed 2500, the original never gave it."""
    summary, new, ro = even_exchange(make_summary, ship)
    ship(new, {new.items[0].id: 1}, at=12.0)
    assert exchange_invariant_violations(summary, new) == []
    ro.exchange_credit_cents = 0  # what a release forgetting the exchange would leave
    card(summary).reserved_balance_cents = 0
    held, consumed = exchange_invariant_violations(summary, new)
    assert "holds 2500 of exchange credit" in held and f"{summary.id} gave 0" in held
    assert consumed.endswith(f"consumed 2500 of exchange credit, {summary.id} gave 0 for it")
    with pytest.raises(InvariantViolation, match="consumed 2500 of exchange credit"):
        check_exchange_invariants(summary, new)


def credit_captured_then_replacement_canceled(make_summary, ship):
    """The state machine's case: the exchange captures its credit up front, then its
    replacement is canceled before the old unit is back."""
    summary, new, ro = even_exchange(make_summary, ship)
    capture_authorized_funds(new, amount_cents=2500, at=11.0)
    submit_cancel(new, {new.items[0].id: 1}, at=12.0, shipping_reduction_flag=True)
    (credit_ops,) = new.payment_summaries
    # the credit is still the original's (its return order holds it): nothing to refund yet
    assert not credit_ops.refunds and total_excess_funds_cents(new) == 0
    return summary, new, ro, credit_ops


def test_credit_of_a_canceled_replacement_is_withdrawn_when_the_old_unit_is_kept(
    ship, make_summary, snapshot
) -> None:
    """Before the fix the cancel refunded the unfunded credit to the card, and keeping the old
    unit then failed half-way: "cannot withdraw 2500 of exchange credit" after changes."""
    summary, new, ro, credit_ops = credit_captured_then_replacement_canceled(make_summary, ship)
    events = return_items(
        summary,
        ro.id,
        [ReturnItemInput(ro.lines[0].id, 0, quantity_to_cancel=1)],
        at=20.0,
        exchange_summary=new,
        shipping_reduction_flag=False,
    )
    assert [e.activity for e in events] == [
        "Return Order Items Returned",
        "Exchange Credit Released",
        "Exchange Credit Withdrawn",
    ]
    assert (ro.status, ro.exchange_credit_cents, card(summary).reserved_balance_cents) == (
        "Closed",
        0,
        0,
    )
    assert [(r.type, r.amount_cents) for r in credit_ops.refunds] == [
        ("Exchange Credit Withdrawn", 2500)
    ]
    # two units kept, two paid for, no money back to anyone
    assert card(summary).captured_amount_cents == 5000 and not card(summary).refunds
    assert exchange_credit_cents(new) == (0, 0)
    for s in (summary, new):
        check_invariants(s)
    check_exchange_invariants(summary, new)


def test_credit_of_a_canceled_replacement_is_refunded_once_the_old_unit_is_back(
    ship,
    make_summary,
) -> None:
    summary, new, ro, credit_ops = credit_captured_then_replacement_canceled(make_summary, ship)
    return_items(
        summary,
        ro.id,
        [ReturnItemInput(ro.lines[0].id, 1)],
        at=20.0,
        exchange_summary=new,
        shipping_reduction_flag=False,
    )
    assert [(r.type, r.amount_cents) for r in card(summary).refunds] == [("Exchange Credit", 2500)]
    assert [(r.type, r.amount_cents) for r in credit_ops.refunds] == [("Referenced", 2500)]
    assert total_excess_funds_cents(new) == 0
    for s in (summary, new):
        check_invariants(s)
    check_exchange_invariants(summary, new)


def test_an_exchange_return_refuses_before_any_change_when_the_credit_is_gone(
    ship, make_summary, snapshot
) -> None:
    """All or nothing: a pair whose exchange cannot give back what the return order holds
    (here forced by hand) is refused before the first change, not half-way."""
    summary, new, ro, credit_ops = credit_captured_then_replacement_canceled(make_summary, ship)
    credit_ops.payments[0].refunded_cents = 2500  # what the pre-fix cancel left
    before = (snapshot(summary), snapshot(new))
    with pytest.raises(ActionRejected, match="can give back only 0"):
        return_items(
            summary,
            ro.id,
            [ReturnItemInput(ro.lines[0].id, 0, quantity_to_cancel=1)],
            at=20.0,
            exchange_summary=new,
            shipping_reduction_flag=False,
        )
    assert (snapshot(summary), snapshot(new)) == before


def test_an_exchange_return_needs_its_exchange_summary(ship, make_summary, snapshot) -> None:
    summary, new, ro = even_exchange(make_summary, ship)
    before = snapshot(summary)
    with pytest.raises(ActionRejected, match=f"pays exchange OrderSummary {new.id}"):
        return_items(
            summary,
            ro.id,
            [ReturnItemInput(ro.lines[0].id, 1)],
            at=20.0,
            shipping_reduction_flag=False,
        )
    assert snapshot(summary) == before


def test_exchange_guardrails(make_summary) -> None:
    summary = make_summary([("A", 1, 2500)])
    a = summary.items[0]
    with pytest.raises(ActionRejected, match="cannot exchange 1, QuantityAvailableToReturn is 0"):
        exchange(summary, [ReturnLineInput(a.id, 1)], [OrderLineInput("X", 1, 1)], at=1.0)
    with pytest.raises(ActionRejected, match="needs returned and new lines"):
        exchange(summary, [], [OrderLineInput("X", 1, 1)], at=1.0)


def test_a_return_of_units_worth_nothing_credits_nothing(make_summary) -> None:
    summary = make_summary([("A", 1, 500)])
    a = summary.items[0]
    adjust(summary, {a.id: 500}, at=0.5)  # 100 % off before shipping
    group = summary.delivery_groups[0].id
    (fo,), _ = create_fulfillment_orders(summary, group, {"W1": {a.id: 1}}, at=1.0)
    fulfil_fulfillment_order(summary, fo.id, at=2.0)
    invoice, _ = create_invoice(summary, fo.id, at=2.0)
    assert invoice.balance_cents == 0  # nothing to pay, so nothing to capture
    ro, _ = create_return_order(summary, [ReturnLineInput(a.id, 1)], at=3.0)
    events = return_items(
        summary, ro.id, [ReturnItemInput(ro.lines[0].id, 1)], at=4.0, shipping_reduction_flag=False
    )
    assert [e.activity for e in events] == ["Return Order Items Returned"]
    assert (a.quantity_returned, ro.status, summary.credit_memos) == (1, "Closed", [])
    check_invariants(summary)


def test_a_discount_cannot_exceed_the_value_of_the_units_it_applies_to(ship, make_summary) -> None:
    summary = make_summary([("A", 2, 1000)])
    a = summary.items[0]
    ship(summary, {a.id: 1})
    adjust(summary, {a.id: 900}, at=3.0, phases=(FulfillmentPhase.POST,))
    with pytest.raises(
        ActionRejected,
        match=r"cannot discount 101 \(101 x 1 units\), the value of those units is 100",
    ):
        adjust(summary, {a.id: 101}, at=4.0, phases=(FulfillmentPhase.POST,))
    adjust(summary, {a.id: 1000}, at=4.0, phases=(FulfillmentPhase.PRE,))  # the unshipped unit
    check_invariants(summary)


@pytest.mark.parametrize("rate", ["abc", "1.5", "-0.1", "nan"])
def test_bad_tax_rates_are_rejected_naming_the_line(rate) -> None:
    from omsim.domain import DeliveryGroupInput, IdFactory, create_order

    with pytest.raises(ActionRejected, match="order line A: tax rate must be"):
        create_order(
            IdFactory(),
            lines=[OrderLineInput("A", 1, 100, rate)],
            delivery_groups=[DeliveryGroupInput("default")],
            at=0.0,
        )


# --- delivery charges, shipped and reshippable quantities -------------------------------------


def test_canceling_every_product_cancels_an_unshipped_charge_even_without_reduction(
    make_summary,
) -> None:
    summary = make_summary([("A", 2, 1000)], charge=500, tax="0.1")
    a, charge = summary.items
    submit_cancel(summary, {a.id: 2}, at=1.0, shipping_reduction_flag=False)
    assert [i.status for i in summary.items] == ["CANCELED", "CANCELED"]
    assert (charge.quantity_canceled, summary.grand_total_amount_cents) == (1, 0)
    check_invariants(summary)


def test_canceling_the_rest_after_a_shipment_keeps_the_shipped_charge(ship, make_summary) -> None:
    summary = make_summary([("A", 1, 1000), ("B", 1, 400)], charge=500)
    a, b, charge = summary.items
    ship(summary, {a.id: 1})
    submit_cancel(summary, {b.id: 1}, at=3.0, shipping_reduction_flag=False)
    assert (charge.status, charge.total_price_cents) == ("FULFILLED", 500)
    check_invariants(summary)


def test_invariants_flag_a_charge_left_with_nothing_to_fulfil(make_summary) -> None:
    summary = make_summary([("A", 1, 1000)], charge=500)
    a = summary.items[0]
    a.quantity_canceled = 1  # a cancel that forgot the charge
    a.status = a.computed_status()
    assert any("stranded" in p for p in invariant_violations(summary))


def test_fulfilment_sets_quantity_shipped(ship, make_summary) -> None:
    summary = make_summary([("A", 3, 1000)])
    a = summary.items[0]
    ship(summary, {a.id: 2})
    assert (a.quantity_fulfilled, a.quantity_shipped) == (2, 2)
    check_invariants(summary)


def test_a_unit_reshipped_then_returned_has_nothing_left_to_reship(ship, make_summary) -> None:
    summary = make_summary([("A", 1, 1000)])
    a = summary.items[0]
    ship(summary, {a.id: 1})
    group = summary.delivery_groups[0].id
    fo, _ = create_reshipment(summary, group, "W1", {a.id: 1}, "Lost", at=3.0)
    fulfil_fulfillment_order(summary, fo.id, at=3.0)
    create_return_order(summary, [ReturnLineInput(a.id, 1)], at=4.0)
    assert (a.quantity_reshipped, a.quantity_return_initiated) == (1, 1)
    assert a.quantity_available_to_reship == 0
    assert a.quantity_shipped == 1  # the reshipment resends a unit already counted
    check_invariants(summary)


def test_part_of_a_cheaper_exchange_returned_gives_only_its_value(ship, make_summary) -> None:
    summary = make_summary([("A", 2, 1000)])
    a = summary.items[0]
    ship(summary, {a.id: 2})
    new, _ = exchange(summary, [ReturnLineInput(a.id, 2)], [OrderLineInput("B", 1, 1500)], at=5.0)
    ro = summary.return_orders[0]
    assert ro.exchange_credit_cents == card(summary).reserved_balance_cents == 1500
    return_items(
        summary,
        ro.id,
        [ReturnItemInput(ro.lines[0].id, 1, quantity_to_cancel=1)],
        at=9.0,
        exchange_summary=new,
        shipping_reduction_flag=False,
    )
    exchange_refunds = [r.amount_cents for r in card(summary).refunds]
    assert exchange_refunds == [1000] and card(summary).reserved_balance_cents == 0
    assert exchange_credit_cents(new) == (1000, 0)
    check_invariants(summary)
    check_exchange_invariants(summary, new)
    ship(new, {new.items[0].id: 1}, at=12.0)  # 1000 of credit for 1500: a Payment exception
    assert [pe.category for pe in new.process_exceptions] == ["Payment"]
    authorize_payment(new, amount_cents=500, at=13.0)
    ensure_funds(new, new.invoices[0].id, at=13.0)
    assert exchange_credit_cents(new) == (1000, 1000)
    assert new.invoices[0].balance_cents == 0
    check_invariants(new)
    check_exchange_invariants(summary, new)


def test_with_the_gateway_down_an_exchange_return_still_gives_its_credit(
    ship, make_summary
) -> None:
    """Exchange credit moves no card money: it is given; the card's part waits on the memo."""
    summary = make_summary([("A", 1, 2500)])
    a = summary.items[0]
    ship(summary, {a.id: 1})
    new, _ = exchange(summary, [ReturnLineInput(a.id, 1)], [OrderLineInput("A-S", 1, 2000)], at=5.0)
    ro = summary.return_orders[0]
    return_items(
        summary,
        ro.id,
        [ReturnItemInput(ro.lines[0].id, 1)],
        at=9.0,
        exchange_summary=new,
        refund=False,
        shipping_reduction_flag=False,
    )
    assert [(r.type, r.amount_cents) for r in card(summary).refunds] == [("Exchange Credit", 2000)]
    (memo,) = summary.credit_memos
    assert memo.balance_cents == 500
    check_invariants(summary)
    check_exchange_invariants(summary, new)
