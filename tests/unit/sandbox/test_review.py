"""Review round two: what a trainer and an admin still meet that is wrong in the sandbox.

Each test is one finding; it fails until the bug is fixed. Paths not covered by the first round:
Pickup orders end to end, a store rejection and the routing after it, an open RMA, actions on a
simulated customer's order in a background-demand session, odd milestone input.
"""

from __future__ import annotations

import pytest

from omsim.sandbox import Sandbox, StepResult, snapshot

SKU = "SKU-0001"


def _day(**overrides: object) -> Sandbox:
    sb = Sandbox("tutorial", **overrides)
    sb.advance(9)  # opening time
    return sb


# --- Pickup --------------------------------------------------------------------------------


def test_a_pickup_the_store_cannot_fill_is_not_silently_shipped_standard() -> None:
    """The trainer asks for Pickup at the Columbus store with one unit more than the store
    holds. The checkout quietly turns it into a Standard shipment (`reserve_stock` ->
    `draft.as_shipped`) and the result only says "captured ... waits for routing": the
    trainer reads Pickup, the record is Standard. Either refuse it (store short, hint the
    store's ATF) or say in the message that it ships Standard instead."""
    sb = _day()
    short = int(sb.stock(["SKU-0005"]).loc["ST-columbus", "SKU-0005"]) + 1
    r = sb.place_order([("SKU-0005", short)], delivery="Pickup", pickup_store="ST-columbus")
    if not r.ok:
        return  # refused: fine
    method = sb.order(r).delivery_groups[0].delivery_method
    assert method == "Pickup" or "Standard" in r.message, (
        f"asked Pickup at ST-columbus, got {method} silently: {r.message}"
    )


def test_after_canceling_a_pickup_fulfillment_order_the_hint_does_not_send_to_route() -> None:
    """A Pickup FO canceled before picking gives its units back; `route` refuses them
    ("no units to route ... on every shipping line"), yet `advance_until`'s hint says
    "OS-000001 has units to route: route it" (`_waiting_hint` counts Pickup groups)."""
    sb = Sandbox("tutorial")
    sb.advance(2)  # night: the store has not started picking
    o = sb.place_order([("SKU-0002", 1)], delivery="Pickup", zone="Z-columbus")
    assert sb.route(o).ok
    fo = sb.order(o).fulfillment_orders[0].id
    assert sb.cancel_fulfillment_order(fo).ok
    waiting = sb.advance_until(o, "ready for pickup")
    assert not waiting.ok
    told = waiting.message + " " + waiting.hint
    if "route it" in told:
        assert sb.route(o).ok, f"the hint says route, route says: {sb.route(o).message}"


# --- store rejection -----------------------------------------------------------------------


def test_route_is_allowed_when_route_accepts_it_after_a_store_rejection() -> None:
    """A store rejects the line, the exception is resolved, the order is back on the routing
    schedule. `allowed_actions(order)["route"]` is disabled (``track.routing_scheduled``),
    but `sb.route(order)` succeeds (`_route_again` takes it off ``model.routing_queue``): the
    stepper hides an action that works. The two must agree."""
    sb = _day(fulfillment={"store": {"inventory_accuracy": 0.0}})
    o = sb.place_order([(SKU, 1)])
    assert sb.route(o).ok  # to ST-columbus
    assert sb.advance_until(o, "process exception raised").ok
    pe = sb.order(o).process_exceptions[0]
    assert pe.description == "store rejection"
    assert sb.resolve(pe.id).ok
    enabled = sb.allowed_actions(o)["route"].enabled
    routed = sb.route(o)
    assert enabled == routed.ok, (
        f"allowed_actions route enabled={enabled}, sb.route ok={routed.ok}: {routed.message}"
    )


# --- returns -------------------------------------------------------------------------------


def test_advance_until_return_parcel_received_names_receive_return() -> None:
    """With an RMA open, ``advance_until(order, "return parcel received")`` (a documented
    milestone) is refused with "Every fulfillment order has finished: return, exchange or
    reship units, or place an order": the parcel only comes back through `receive_return`,
    which the hint never names (`_waiting_hint` ignores open return orders)."""
    sb = _day()
    o = sb.place_order([("SKU-0002", 2)])
    sb.route(o)
    assert sb.advance_until(o, "parcel delivered").ok
    ro = sb.return_items(o, {"SKU-0002": 1}).related("ReturnOrder")[0]
    r = sb.advance_until(o, "return parcel received")
    assert not r.ok
    told = r.message + " " + r.hint
    assert "receive_return" in told or ro in told, told


# --- background demand ---------------------------------------------------------------------


def _retired_customer_order(sb: Sandbox) -> str:
    model = sb.model
    for summary_id in sorted(model.retired):
        summary = model.summaries[summary_id]
        if summary_id not in sb.mine and any(
            i.quantity_available_to_reship for i in summary.product_items
        ):
            return summary_id
    pytest.skip("no retired simulated order with a shipped unit")


def test_a_simulated_customers_retired_order_is_not_the_trainers_to_act_on() -> None:
    """`sb.order(ref)` finds any Order Summary, so with background demand the trainer can act
    on a simulated customer's order, even one already retired (its rows written off):
    `reship` then raises `RunIntegrityError` from `Model.start` (a traceback, and a
    reshipment FO and a reservation already created), `discount` succeeds with an empty
    change table (the snapshot covers only `sb.mine`), `return_items` opens an RMA that
    `receive_return` then refuses ("no ReturnOrder ... on your orders"). Refuse orders that
    are not the trainer's (or adopt them before acting, never a retired one)."""
    sb = Sandbox("tutorial", background_demand=True, demand={"orders_per_day": 30})
    sb.advance(72)
    other = _retired_customer_order(sb)
    sku = next(
        i.stock_keeping_unit
        for i in sb.model.summaries[other].product_items
        if i.quantity_available_to_reship
    )
    before = snapshot.take([sb.model.summaries[other]])
    result = sb.reship(other, {sku: 1}, reason="Damaged")  # must not raise
    assert isinstance(result, StepResult)
    assert not result.ok, f"acted on a retired simulated order: {result.message}"
    assert snapshot.take([sb.model.summaries[other]]) == before


def test_an_rma_the_trainer_may_open_can_be_received() -> None:
    """What `return_items` accepts, `receive_return` must be able to finish: an RMA on a
    simulated customer's order is created but can never be received (or it must be refused
    at `return_items`)."""
    sb = Sandbox("tutorial", background_demand=True, demand={"orders_per_day": 30})
    sb.advance(72)
    other = _retired_customer_order(sb)
    sku = next(
        i.stock_keeping_unit
        for i in sb.model.summaries[other].product_items
        if i.quantity_available_to_return
    )
    opened = sb.return_items(other, {sku: 1})
    if not opened.ok:
        return  # refused up front: fine
    ro = opened.related("ReturnOrder") or [sb.model.summaries[other].return_orders[-1].id]
    received = sb.receive_return(ro[0])
    assert received.ok, f"{opened.message}, then: {received.message} | {received.hint}"


# --- input ---------------------------------------------------------------------------------


def test_a_milestone_that_is_not_a_string_is_refused_not_a_traceback() -> None:
    """``advance_until(order, ["parcel delivered"])`` raises ``TypeError: unhashable type``
    (``key not in MILESTONES`` on a list) instead of the refusal with the vocabulary."""
    sb = _day()
    o = sb.place_order([(SKU, 1)])
    sb.route(o)
    r = sb.advance_until(o, ["parcel delivered"])  # type: ignore[arg-type]
    assert isinstance(r, StepResult) and not r.ok
    assert "parcel delivered" in r.hint


# --- exchange money ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "receive_first", [False, True], ids=["before the old unit is back", "after it is back"]
)
def test_canceling_an_exchange_is_refused_so_its_credit_is_never_lost(
    receive_first: bool,
) -> None:
    """Canceling an exchange's replacement would leave the returned unit's value as exchange
    credit on an Order Summary whose GrandTotalAmount is then 0: nothing would reach the card
    (omsim does not yet release it back; issue 15). The sandbox refuses the cancel, before or
    after the old unit comes back, and the stepper does not offer it; the replacement still
    routes and the credit still pays it."""
    sb = _day()
    o = sb.place_order([("SKU-0002", 1)])
    sb.route(o)
    assert sb.advance_until(o, "parcel delivered").ok
    made = sb.exchange(o, "SKU-0002")
    new, ro = made.related("OrderSummary")[0], made.related("ReturnOrder")[0]
    if receive_first:
        assert sb.receive_return(ro).ok
    assert not sb.allowed_actions(new)["cancel"].enabled
    before = snapshot.take(sb._summaries())
    refused = sb.cancel(new, {"SKU-0002": 1})
    assert not refused.ok and "SourceProcess Exchange" in refused.message
    assert "receive_return" in refused.hint
    assert snapshot.take(sb._summaries()) == before
    assert sb.route(new).ok
    if not receive_first:
        assert sb.receive_return(ro).ok
    exchange = sb.order(new)
    assert exchange.product_items[0].quantity_canceled == 0
    credited = sum(m.total_amount_with_tax_cents for m in sb.order(o).credit_memos)
    assert credited > 0


# --- the step as printed -------------------------------------------------------------------


def test_a_printed_step_holds_its_events_as_the_rendered_one_does() -> None:
    """docs/sandbox.md and `omsim.sandbox.view`: "Printed, it is the same in plain text".
    `StepResult.__str__` leaves out the step's event-log activities (the HTML has "Events:
    ... → ...") and the record page: a trainer in a terminal or a plain-text report does not
    see that the payment was captured."""
    sb = _day()
    o = sb.place_order([(SKU, 1)])
    sb.route(o)
    r = sb.advance_until(o, "parcel delivered")
    assert r.ok and "Payment Captured" in r.activities
    assert "Payment Captured" in r._repr_html_()
    printed = str(r)
    missing = [a for a in dict.fromkeys(r.activities) if a not in printed]
    assert not missing, f"printed step leaves out {missing}"


def test_canceling_a_pickup_order_before_routing_gives_the_store_its_stock_back() -> None:
    """A Pickup checkout reserves the units at the store (`reserve_stock`), not at the
    location group, and ``track.group_reserved`` stays empty. The sandbox holds the order for
    `route`, so the trainer can cancel it first; `cancel_units` -> `release_group_hold`
    releases only the group hold, and the store's units stay reserved for an order that no
    longer wants them (ATF 49 -> 47 -> still 47). No invariant sees it."""
    sb = _day()
    atf = lambda: int(sb.stock(["SKU-0002"]).loc["ST-columbus", "SKU-0002"])  # noqa: E731
    before = atf()
    o = sb.place_order([("SKU-0002", 2)], delivery="Pickup", pickup_store="ST-columbus")
    assert o.ok and sb.order(o).delivery_groups[0].delivery_method == "Pickup"
    assert atf() == before - 2
    assert sb.cancel(o, {"SKU-0002": 2}).ok
    assert atf() == before, (
        f"ST-columbus SKU-0002 ATF {before} before the order, {atf()} after canceling it"
    )


# --- a lost parcel -------------------------------------------------------------------------


def test_a_lost_parcel_reshipped_by_hand_is_not_refunded_too_on_resolve() -> None:
    """The carrier loses the parcel (lost_parcels probability 1.0); while its exception waits,
    the trainer reships the unit by hand (`reship` is enabled, reason Lost). Resolving the
    exception then runs `replace_or_refund`: `reship` finds QuantityAvailableToReship 0, so
    `refund_lost_units` refunds the unit as well: the customer gets a replacement and 5166
    cents back. Either refuse the manual reship while the lost-parcel exception is active
    (hint: resolve it), or let the remedy count what was already reshipped."""
    sb = _day(service={"lost_parcels": {"probability": {"Standard": 1.0}, "damaged_share": 0.0}})
    o = sb.place_order([(SKU, 1)])
    sb.route(o)
    assert sb.advance_until(o, "process exception raised").ok
    s = sb.order(o)
    pe = s.process_exceptions[0]
    assert pe.description == "lost parcel"
    by_hand = sb.reship(o, {SKU: 1}, reason="Lost")
    assert sb.resolve(pe.id).ok
    reshipped = sum(fo.is_reship for fo in s.fulfillment_orders)
    refunded = sum(p.refunded_amount_cents for p in s.payment_summaries)
    assert not (by_hand.ok and reshipped and refunded), (
        f"{reshipped} reshipment(s) and {refunded} cents refunded for one lost unit"
    )
