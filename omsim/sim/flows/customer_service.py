"""Service after the sale, as customers ask for it: cancellations, returns, exchanges, contacts.

Customer behaviour was decided at checkout (`omsim.sim.behaviour`); these processes carry it out
at the right time, and the flows handle each request the way Salesforce's service actions do.
"""

from __future__ import annotations

from collections.abc import Generator
from dataclasses import replace
from typing import TYPE_CHECKING, Any

import simpy

from omsim.domain import (
    ActionRejected,
    DeliveryGroupInput,
    FulfillmentOrder,
    OrderLineInput,
    OrderSummary,
    ReturnLineInput,
    ReturnOrder,
    adjust,
    cancel_fulfillment_order_lines,
    create_return_order,
    exchange,
    preview_return,
    submit_cancel,
)
from omsim.domain.money import tax_cents
from omsim.domain.picklists import FulfillmentPhase, ItemType
from omsim.network.inventory import InventoryError
from omsim.sim.behaviour import CustomerBehaviour, LineReturn
from omsim.sim.flows.exception_desk import gateway_up, queue_refund

if TYPE_CHECKING:
    from omsim.sim.model import Model


def _summary_ref(summary: OrderSummary) -> list[tuple[str, str, str]]:
    return [(summary.id, "OrderSummary", "order summary")]


# --- cancellations ------------------------------------------------------------------------------


def customer_cancellation(
    env: simpy.Environment, model: Model, summary: OrderSummary
) -> Generator[Any, Any, None]:
    """The customer asks to cancel at the time decided at checkout."""
    yield env.timeout(model.tracks[summary.id].draft.behaviour.cancel_after_hours or 0.0)
    model.trigger("cancel_requested", summary)


def handle_cancel_request(
    env: simpy.Environment, model: Model, summary: OrderSummary
) -> Generator[Any, Any, None]:
    """Cancel what has not shipped, as Salesforce allows it.

    Units on a fulfillment order not yet picked (status category ACTIVATED) are canceled there
    first, which releases them for canceling on the Order Summary; units being picked or packed
    cannot be canceled: that part of the request is refused ("Cancel Refused"). Units already
    fulfilled (shipped or collected) are not asked for: "Cancel Requested" counts them apart
    (``units_fulfilled``), a return is the customer's way back.
    """
    yield env.timeout(0)
    skus = set(model.tracks[summary.id].draft.behaviour.cancel_skus)
    items = [i for i in summary.product_items if i.stock_keeping_unit in skus]
    asked = {i.id: i.quantity_net_ordered - i.quantity_fulfilled for i in items}
    asked = {k: v for k, v in asked.items() if v > 0}
    model.note(
        "Cancel Requested",
        _summary_ref(summary),
        units=sum(asked.values()),
        units_fulfilled=sum(i.quantity_fulfilled for i in items),  # shipped or collected
    )
    if not asked:
        return
    for fo in summary.fulfillment_orders:
        if fo.is_reship or fo.status_category != "ACTIVATED":
            continue
        lines = {
            ln.order_item_summary_id: ln.quantity
            for ln in fo.lines
            if ln.type is ItemType.PRODUCT and ln.quantity and ln.order_item_summary_id in asked
        }
        if lines:
            cancel_on_fulfillment_order(model, summary, fo, lines)
    cancelable = {
        i.id: min(asked[i.id], i.quantity_available_to_cancel) for i in items if i.id in asked
    }
    cancelable = {k: v for k, v in cancelable.items() if v > 0}
    if cancelable:
        cancel_units(model, summary, cancelable, reason="Customer Request")
    refused = sum(asked.values()) - sum(cancelable.values())
    if refused:
        model.note("Cancel Refused", _summary_ref(summary), units=refused)


def cancel_on_fulfillment_order(
    model: Model, summary: OrderSummary, fo: FulfillmentOrder, lines: dict[str, int]
) -> None:
    """Cancel units on a fulfillment order not yet picked (``cancelFulfillmentOrderLineItems``)
    and release their hold at its location; they become available to cancel on the summary.

    ``lines``: OrderItemSummary id -> units. Raises `ActionRejected` (nothing changed) when
    the fulfillment order cannot give them back."""
    stock = {summary.item(i).stock_keeping_unit: q for i, q in lines.items()}
    model.record(cancel_fulfillment_order_lines(summary, fo.id, lines, at=model.env.now))
    model.inventory.release_reservation(fo.fulfilled_from_location_id, stock)


def cancel_units(model: Model, summary: OrderSummary, units: dict[str, int], reason: str) -> None:
    """``submitCancel`` for units not allocated, releasing their hold at the location group;
    the refund waits for the desk while the payment gateway is down.

    Raises `ActionRejected` (nothing changed) when the units are not available to cancel."""
    model.record(
        submit_cancel(
            summary,
            units,
            at=model.env.now,
            reason=reason,
            refund=gateway_up(model),
            shipping_reduction_flag=True,
        )
    )
    release_group_hold(model, summary, units)
    if not gateway_up(model):
        queue_refund(model, summary)


def release_group_hold(model: Model, summary: OrderSummary, units: dict[str, int]) -> None:
    """Release the order's hold at the location group for units leaving it (OCI release)."""
    track, group = model.tracks[summary.id], model.world.reservation_group
    for item_id, qty in units.items():
        sku = summary.item(item_id).stock_keeping_unit
        held = min(qty, track.group_reserved.get(sku, 0))
        if held:
            model.inventory.release_reservation(group, {sku: held})
            track.group_reserved[sku] -= held


# --- after delivery: returns and contacts -------------------------------------------------------


def after_delivery(
    env: simpy.Environment, model: Model, delivered: tuple[FulfillmentOrder, bool]
) -> Generator[Any, Any, None]:
    """A parcel arrived: schedule the returns the customer planned, and a contact if it was late."""
    fo, late = delivered
    yield env.timeout(0)
    summary = model.summaries[fo.order_summary_id]
    track = model.tracks[summary.id]
    behaviour = track.draft.behaviour
    plans = {r.sku: r for r in behaviour.returns}
    for ln in fo.lines:
        plan = plans.get(ln.stock_keeping_unit)
        if plan is None or ln.type is not ItemType.PRODUCT or not ln.quantity:
            continue
        n = min(track.returns_pending.get(plan.sku, 0), ln.quantity)
        if n:
            track.returns_pending[plan.sku] -= n
            model.start(
                summary.id,
                _send_back(env, model, summary, ln.order_item_summary_id, replace(plan, units=n)),
            )
    if late and behaviour.contacts_if_late and not track.appeased:
        track.appeased = True
        model.start(summary.id, _contact_about_late_parcel(env, model, summary, fo, behaviour))


def _send_back(
    env: simpy.Environment, model: Model, summary: OrderSummary, item_id: str, plan: LineReturn
) -> Generator[Any, Any, None]:
    yield env.timeout(24.0 * plan.days_after_delivery)
    model.trigger("return_requested", (summary, item_id, plan))


def _contact_about_late_parcel(
    env: simpy.Environment,
    model: Model,
    summary: OrderSummary,
    fo: FulfillmentOrder,
    behaviour: CustomerBehaviour,
) -> Generator[Any, Any, None]:
    """The customer complains; service gives a post-fulfillment appeasement on the late items."""
    yield env.timeout(behaviour.contact_delay_hours)
    model.note("Customer Contacted Service", _summary_ref(summary), reason="late delivery")
    share = model.scenario.service.appeasements.discount_share
    discounts = {}
    for ln in fo.lines:
        item = summary.item(ln.order_item_summary_id)
        if ln.type is ItemType.PRODUCT and item.quantity_available_to_return > 0:
            discounts[item.id] = max(1, round(item.unit_price_cents * share))
    if not discounts:
        return
    up = gateway_up(model)
    try:
        model.record(
            adjust(
                summary,
                discounts,
                at=env.now,
                reason="Appeasement",
                phases=(FulfillmentPhase.POST,),
                refund=up,
            )
        )
    except ActionRejected as refused:  # e.g. earlier discounts left too little to discount
        model.note("Appeasement Refused", _summary_ref(summary), reason=str(refused))
        return
    if not up:
        queue_refund(model, summary)


# --- exchanges ----------------------------------------------------------------------------------


def try_exchange(
    model: Model, summary: OrderSummary, item_id: str, plan: LineReturn, destination: str
) -> str | None:
    """Exchange the units for the same SKU; returns the return order id, or None to refund
    (nothing captured to carry over: an unpaid order)."""
    try:
        return submit_exchange(model, summary, item_id, plan, destination)
    except ActionRejected:
        return None


def submit_exchange(
    model: Model, summary: OrderSummary, item_id: str, plan: LineReturn, destination: str
) -> str:
    """Exchange the units for the same SKU and return the return order's id.

    The new Order Summary (SourceProcess Exchange) is routed and fulfilled like any order, to
    the original's recipient by Standard delivery, promised in the scenario's Standard days.
    Raises `ActionRejected` (nothing changed) when the exchange's guardrails refuse it.
    """
    item = summary.item(item_id)
    first = summary.delivery_groups[0]
    promised_days = model.scenario.demand.promised_days.get("Standard", 5)
    group = DeliveryGroupInput(
        key="exchange",
        deliver_to_postal_code=first.deliver_to_postal_code,
        deliver_to_zone_id=first.deliver_to_zone_id,
        promised_delivery_at=model.env.now + 24.0 * promised_days,
    )
    price = item.unit_price_cents
    new_total = plan.units * price + tax_cents(plan.units * price, item.tax_rate)
    credit = preview_return(summary, {item_id: plan.units}, shipping_reduction_flag=False)
    line = OrderLineInput(item.stock_keeping_unit, plan.units, price, item.tax_rate)
    new, events = exchange(
        summary,
        [ReturnLineInput(item_id, plan.units, plan.reason)],
        [line],
        at=model.env.now,
        delivery_group=group,
        additional_authorization_cents=max(0, new_total - credit),
        valid_hours=model.scenario.payments.authorization_valid_days * 24,
        destination_location_id=destination,
    )
    model.summaries[new.id] = new
    from omsim.sim.model import OrderTrack

    parent = model.tracks[summary.id].draft
    draft = replace(
        parent,
        lines=((item.stock_keeping_unit, plan.units, price),),
        delivery_method="Standard",
        pickup_location_id=None,
        pickup_fallback=None,
        behaviour=CustomerBehaviour(),
    )
    track = OrderTrack(draft)
    try:
        model.inventory.create_reservation(
            model.world.reservation_group, {item.stock_keeping_unit: plan.units}
        )
        track.group_reserved = {item.stock_keeping_unit: plan.units}
    except InventoryError:
        pass  # routed from location stock when it can be
    model.tracks[new.id] = track
    model.record(events)
    model.trigger("order_summary_created", new)
    ro = summary.return_orders[-1]
    model.start(new.id, _await_exchange_return(model.env, ro))
    return ro.id


def _await_exchange_return(
    env: simpy.Environment, ro: ReturnOrder, *, check_hours: float = 24.0
) -> Generator[Any, Any, None]:
    """Keep the exchange summary open until the old items' return order is processed.

    Units that do not come back withdraw exchange credit from the exchange summary
    (`omsim.domain.return_items`), so it may not retire before then.
    """
    while ro.status_category == "Activated":
        yield env.timeout(check_hours)


def plan_line_return(
    model: Model, summary: OrderSummary, item_id: str, plan: LineReturn, destination: str
) -> str:
    """Create the RMA (or the exchange and its RMA) for one planned line return."""
    if plan.exchange:
        ro_id = try_exchange(model, summary, item_id, plan, destination)
        if ro_id is not None:
            return ro_id
    ro, events = create_return_order(
        summary,
        [ReturnLineInput(item_id, plan.units, plan.reason)],
        at=model.env.now,
        destination_location_id=destination,
    )
    model.record(events)
    return ro.id
