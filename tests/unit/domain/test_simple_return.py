"""Simple returns without an RMA (``submitReturn``): units, change order, credit memo, refund."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from omsim.domain import (
    ActionRejected,
    ReturnItemInput,
    ReturnLineInput,
    check_invariants,
    create_return_order,
    ensure_refunds,
    preview_return,
    return_items,
    submit_return,
)
from omsim.domain.picklists import ChangeType, FulfillmentPhase, LifeCycleType
from omsim.domain.simple_returns import return_initiated_violations, simple_return_units


@pytest.fixture
def shipped(ship, make_summary):
    """A 2 x 1000, B 1 x 500, delivery charge 500, all taxed 10%, shipped and captured.

    Grand total: 2000 + 500 + 500 = 3000 before tax, + 300 tax = 3300 captured.
    """
    summary = make_summary([("A", 2, 1000), ("B", 1, 500)], charge=500, tax="0.1")
    a, b, _ = summary.items
    ship(summary, {a.id: 2, b.id: 1})
    assert summary.payment_summaries[0].captured_amount_cents == 3300
    return summary


def test_a_simple_return_moves_units_and_refunds_the_credit(shipped) -> None:
    a, _, charge = shipped.items
    events = submit_return(
        shipped, {a.id: 1}, at=2.0, shipping_reduction_flag=True, reason="Damaged"
    )
    # product 1000 + tax 100; the charge prorated by product value returned over the group's:
    # 500 * 1000 / 2500 = 200, its tax 50 * 200 / 500 = 20; credit 1100 + 220 = 1320
    assert [(e.activity, e.attributes.get("amount_cents")) for e in events] == [
        ("Order Items Returned", 1320),
        ("Credit Memo Created", 1320),
        ("Refund Processed", 1320),
    ]
    assert events[0].attributes == {"reason": "Damaged", "units": 1, "amount_cents": 1320}
    assert (a.quantity_return_initiated, a.quantity_returned, a.quantity) == (1, 1, 1)
    assert a.quantity_available_to_return == 1
    assert charge.total_price_cents == 500 - 200
    assert shipped.grand_total_amount_cents == 3300 - 1320  # 1980
    assert shipped.payment_summaries[0].refunded_amount_cents == 1320
    assert shipped.return_orders == []
    (change_order,) = shipped.change_orders
    assert change_order.fulfillment_phase is FulfillmentPhase.POST
    assert [oi.change_type for oi in change_order.items] == [
        ChangeType.RETURN,
        ChangeType.DELIVERY_CHARGE_ADJUSTMENT,
    ]
    assert [(c.reason, c.is_pre_fulfillment) for c in shipped.item_changes] == [
        ("Damaged", False),
        ("Damaged", False),
    ]
    (memo,) = shipped.credit_memos
    assert (memo.reference_entity_id, memo.balance_cents) == (change_order.id, 0)
    assert simple_return_units(shipped) == {a.id: 1}
    check_invariants(shipped)


def test_without_shipping_reduction_only_the_product_is_credited(shipped) -> None:
    a, _, charge = shipped.items
    assert preview_return(shipped, {a.id: 2}, shipping_reduction_flag=False) == 2200
    events = submit_return(
        shipped, {a.id: 2}, at=2.0, shipping_reduction_flag=False, reason="Not Satisfied"
    )
    assert events[0].attributes["amount_cents"] == 2000 + 200
    assert (charge.total_price_cents, a.status) == (500, "RETURNED")
    assert shipped.grand_total_amount_cents == 3300 - 2200
    check_invariants(shipped)


def test_a_return_fee_is_netted_before_the_refund(shipped) -> None:
    a = shipped.items[0]
    events = submit_return(
        shipped,
        {a.id: 1},
        at=2.0,
        shipping_reduction_flag=True,
        reason="Not Satisfied",
        return_fee_cents=300,
        fee_tax_rate="0.1",
    )
    # credit 1320 (as above); fee 300 + 30 tax = 330 invoiced and paid by the credit memo;
    # refund 1320 - 330 = 990; grand total 3300 - 1320 + 330 = 2310 = captured 3300 - 990
    assert [e.activity for e in events] == [
        "Order Items Returned",
        "Credit Memo Created",
        "Return Fee Charged",
        "Invoice Created",
        "Credit Memo Applied",
        "Refund Processed",
    ]
    assert events[-1].attributes["amount_cents"] == 990
    assert shipped.grand_total_amount_cents == 2310
    ops = shipped.payment_summaries[0]
    assert ops.captured_amount_cents - ops.refunded_amount_cents == 2310
    fee_invoice = shipped.invoices[-1]
    assert (fee_invoice.balance_cents, fee_invoice.total_amount_with_tax_cents) == (0, 330)
    check_invariants(shipped)


def test_with_the_gateway_down_the_credit_waits_on_the_memo(shipped) -> None:
    a = shipped.items[0]
    events = submit_return(
        shipped, {a.id: 1}, at=2.0, shipping_reduction_flag=False, reason="Defective", refund=False
    )
    assert [e.activity for e in events] == ["Order Items Returned", "Credit Memo Created"]
    (memo,) = shipped.credit_memos
    assert memo.balance_cents == 1100  # 1000 + 100 tax, nothing refunded yet
    assert shipped.payment_summaries[0].refunded_amount_cents == 0
    ensure_refunds(shipped, at=3.0, credit_memo_id=memo.id)
    assert (memo.balance_cents, shipped.payment_summaries[0].refunded_amount_cents) == (0, 1100)
    check_invariants(shipped)


def test_units_in_an_rma_are_not_available_to_a_simple_return(shipped, snapshot) -> None:
    a = shipped.items[0]
    ro, _ = create_return_order(shipped, [ReturnLineInput(a.id, 1)], at=2.0)
    before = snapshot(shipped)
    with pytest.raises(
        ActionRejected,
        match=f"OrderItemSummary {a.id}: cannot return 2, QuantityAvailableToReturn is 1",
    ):
        submit_return(shipped, {a.id: 2}, at=3.0, shipping_reduction_flag=False, reason="Other")
    assert snapshot(shipped) == before
    submit_return(shipped, {a.id: 1}, at=3.0, shipping_reduction_flag=False, reason="Other")
    return_items(
        shipped, ro.id, [ReturnItemInput(ro.lines[0].id, 1)], at=4.0, shipping_reduction_flag=False
    )
    # the RMA's change order is its line's; only the simple return's counts as simple
    assert simple_return_units(shipped) == {a.id: 1}
    assert (a.quantity_return_initiated, a.quantity_returned, a.status) == (2, 2, "RETURNED")
    assert shipped.payment_summaries[0].refunded_amount_cents == 2 * 1100
    check_invariants(shipped)


@pytest.mark.parametrize(
    ("lines", "kwargs", "message"),
    [
        ({}, {}, "OrderSummary OS-000001: units to return: no lines given"),
        ({"OIS-000001": 0}, {}, "units to return must be a positive whole number, got 0"),
        ({"OIS-000001": -1}, {}, "units to return must be a positive whole number, got -1"),
        ({"OIS-000009": 1}, {}, "OIS-000009"),
        ({"OIS-000003": 1}, {}, "cannot return a Delivery Charge line"),
        ({"OIS-000001": 3}, {}, "cannot return 3, QuantityAvailableToReturn is 2"),
        (
            {"OIS-000001": 1},
            {"reason": "Meh"},
            "OrderSummary OS-000001: return reason 'Meh' is not allowed; allowed: Damaged",
        ),
        (
            {"OIS-000001": 1},
            {"return_fee_cents": 1101},
            r"return fee 1101 \(with tax 1101\) must be >= 0 and within the credit of 1100",
        ),
        ({"OIS-000001": 1}, {"return_fee_cents": -5}, "return fee -5"),
        ({"OIS-000001": 1}, {"fee_tax_rate": "abc"}, "return fee"),
    ],
)
def test_simple_return_guardrails(shipped, snapshot, lines, kwargs, message) -> None:
    assert [i.id for i in shipped.items] == ["OIS-000001", "OIS-000002", "OIS-000003"]
    before = snapshot(shipped)
    options = {"reason": "Damaged", **kwargs}
    with pytest.raises(ActionRejected, match=message):
        submit_return(shipped, lines, at=2.0, shipping_reduction_flag=False, **options)
    assert snapshot(shipped) == before


def test_unfulfilled_units_cannot_be_returned(make_summary, snapshot) -> None:
    summary = make_summary([("A", 2, 1000)])
    a = summary.items[0]
    before = snapshot(summary)
    with pytest.raises(ActionRejected, match="cannot return 1, QuantityAvailableToReturn is 0"):
        submit_return(summary, {a.id: 1}, at=1.0, shipping_reduction_flag=False, reason="Other")
    assert snapshot(summary) == before


def test_unmanaged_summaries_refuse_a_simple_return(make_summary, snapshot) -> None:
    summary = make_summary(life_cycle_type=LifeCycleType.UNMANAGED)
    before = snapshot(summary)
    with pytest.raises(ActionRejected, match="submit a return requires a MANAGED order summary"):
        submit_return(
            summary, {summary.items[0].id: 1}, at=1.0, shipping_reduction_flag=False, reason="Other"
        )
    assert snapshot(summary) == before
    assert return_initiated_violations(summary) == []


def test_the_return_initiated_rule_catches_units_nothing_explains(shipped) -> None:
    a = shipped.items[0]
    submit_return(shipped, {a.id: 1}, at=2.0, shipping_reduction_flag=False, reason="Other")
    a.quantity_return_initiated += 1  # a unit in neither an RMA nor a simple return
    assert return_initiated_violations(shipped) == [
        f"OrderItemSummary {a.id}: return order lines hold 0 and simple returns returned 1, "
        "QuantityReturnInitiated is 2"
    ]


STEP = st.tuples(
    st.sampled_from(["simple", "rma", "arrive"]),
    st.sampled_from([0, 1]),  # line A or B
    st.integers(min_value=1, max_value=3),
    st.booleans(),  # shipping reduction
)


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(steps=st.lists(STEP, max_size=8), fee=st.sampled_from([0, 100]))
def test_any_mix_of_simple_and_rma_returns_keeps_every_invariant(ship, make_summary, steps, fee):
    """Simple returns, RMAs and their arrivals in any order: no unit returned twice, every
    invariant holds, and the money balances (captured - refunded = grand total)."""
    summary = make_summary([("A", 3, 1000), ("B", 2, 700)], charge=400, tax="0.08")
    a, b, _ = summary.items
    ship(summary, {a.id: 3, b.id: 2})
    returned = 0
    for kind, which, units, reduce in steps:
        item = (a, b)[which]
        try:
            if kind == "simple":
                submit_return(
                    summary,
                    {item.id: units},
                    at=2.0,
                    shipping_reduction_flag=reduce,
                    reason="Not Satisfied",
                    return_fee_cents=fee,
                )
                returned += units
            elif kind == "rma":
                create_return_order(summary, [ReturnLineInput(item.id, units)], at=2.0)
            else:
                open_lines = [ln for ro in summary.return_orders for ln in ro.open_lines]
                if not open_lines:
                    continue
                line = open_lines[0]
                back = min(units, line.quantity_expected)
                return_items(
                    summary,
                    line.return_order_id,
                    [ReturnItemInput(line.id, back, quantity_to_cancel=0)],
                    at=2.0,
                    shipping_reduction_flag=reduce,
                    return_fee_cents=fee,
                )
                returned += back
        except ActionRejected:
            pass
        check_invariants(summary)
        assert return_initiated_violations(summary) == []
        assert sum(i.quantity_returned for i in (a, b)) == returned
        for i in (a, b):
            assert i.quantity_return_initiated <= i.quantity_fulfilled
    ops = summary.payment_summaries[0]
    open_credit = sum(m.balance_cents for m in summary.credit_memos)
    assert ops.captured_amount_cents - ops.refunded_amount_cents - open_credit == (
        summary.grand_total_amount_cents
    )
