"""Review of issue 15: a preview on an exchange's summaries changes neither summary, nor the
ids factory they share, and agrees with its submit.

A 2 x 2500 and B 1 x 1000 at 10%, 200 off the order: A takes 200 x 5000 / 6000 = 166.67 -> 167,
B 33. One A (2500 - 83.5 -> 84 of its share... see below) is exchanged for A-L 2500 and A-M 100.
"""

from omsim.domain import (
    DeliveryGroupInput,
    IdFactory,
    OrderLineInput,
    ReturnLineInput,
    authorize_payment,
    create_order,
    create_order_summary,
    exchange,
    exchange_invariant_violations,
    invariant_violations,
    submit_cancel,
)
from omsim.domain.previews import preview_adjust, preview_cancel, preview_submit_return


def test_previews_on_an_exchange_change_nothing_and_agree_with_the_submit(ship, snapshot):
    ids = IdFactory()
    order = create_order(
        ids,
        lines=[OrderLineInput("A", 2, 2500, "0.1"), OrderLineInput("B", 1, 1000, "0.1")],
        delivery_groups=[DeliveryGroupInput("default")],
        at=0.0,
        header_discount_cents=200,
    )
    s, _ = create_order_summary(ids, order, at=0.0)
    authorize_payment(s, amount_cents=s.grand_total_amount_cents, at=0.0)
    a, b = s.items
    assert (a.total_adjustment_dist_amount_cents, b.total_adjustment_dist_amount_cents) == (
        -167,
        -33,
    )
    ship(s, {a.id: 2, b.id: 1})
    # one A returned: 4833 / 2 = 2416.5 -> 2416, tax 483 / 2 = 241.5 -> 242 (half-even),
    # 2658; the new items cost 2500 + 250 + 100 + 10 = 2860, so 202 more is authorized
    new, _ = exchange(
        s,
        [ReturnLineInput(a.id, 1)],
        [OrderLineInput("A-L", 1, 2500, "0.1"), OrderLineInput("A-M", 1, 100, "0.1")],
        at=10.0,
        additional_authorization_cents=202,
    )
    assert new.ids is s.ids
    before = (snapshot(s), snapshot(new), dict(s.ids._counters))
    a_l = new.items[0]
    cancel = preview_cancel(new, {a_l.id: 1}, at=11.0, shipping_reduction_flag=True)
    assert cancel.grand_total_amount_cents == 2750  # 2500 + 250
    assert preview_adjust(new, {a_l.id: 100}, at=11.0).grand_total_amount_cents == 110
    # B: 967 + 97 (967 x 10% = 96.7)
    assert (
        preview_submit_return(
            s, {b.id: 1}, at=11.0, shipping_reduction_flag=True
        ).grand_total_amount_cents
        == 1064
    )
    assert (snapshot(s), snapshot(new), dict(s.ids._counters)) == before
    grand = new.grand_total_amount_cents
    submit_cancel(new, {a_l.id: 1}, at=11.0, shipping_reduction_flag=True)
    assert grand - new.grand_total_amount_cents == cancel.grand_total_amount_cents
    assert invariant_violations(s) == invariant_violations(new) == []
    assert exchange_invariant_violations(s, new) == []
