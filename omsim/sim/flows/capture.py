"""Capture: checkout, payment authorization, reservation, Order and Order Summary."""

from __future__ import annotations

from collections.abc import Generator, Iterator
from typing import TYPE_CHECKING, Any

import simpy

from omsim.domain import (
    DeliveryGroupInput,
    OrderLineInput,
    OrderSummary,
    authorize_payment,
    create_order,
    create_order_summary,
    set_order_summary_status,
)
from omsim.domain.picklists import LifeCycleType
from omsim.network.inventory import InventoryError
from omsim.sim.demand import OrderDraft, delivery_charge_cents
from omsim.sim.flows.customer_service import customer_cancellation

if TYPE_CHECKING:
    from omsim.sim.model import Model


def capture_order(
    env: simpy.Environment, model: Model, draft: OrderDraft
) -> Generator[Any, Any, None]:
    """Checkout: a declined card or missing stock ends it; otherwise the order is captured."""
    yield env.timeout(0)
    gateway_down = model.gateway_up_at(env.now) > env.now
    if draft.declined or gateway_down:
        model.counters.declined += 1
        model.note(
            "Checkout Declined",
            channel=draft.channel,
            amount_cents=draft.merchandise_cents,
            reason="gateway unavailable" if gateway_down else "declined",
        )
        return
    reserved = reserve_stock(model, draft)
    if reserved is None:
        return
    draft = reserved
    summary = _create_summary(model, draft)
    if not summary.is_managed:
        model.retire_if_done(summary.id)  # processed by an external system: for reference only
        return
    days = model.scenario.payments.authorization_valid_days
    model.record(
        authorize_payment(
            summary,
            amount_cents=summary.grand_total_amount_cents,
            at=env.now,
            valid_hours=days * 24,
        )
    )
    if draft.review_hours > 0:
        model.note("Fraud Review Started", [(summary.id, "OrderSummary", "order summary")])
        yield env.timeout(draft.review_hours)
        model.record(set_order_summary_status(summary, "Approved", at=env.now))
    behaviour = draft.behaviour
    if behaviour.cancel_after_hours is not None:
        model.start(summary.id, customer_cancellation(env, model, summary))
    model.trigger("order_summary_created", summary)


def reserve_stock(model: Model, draft: OrderDraft) -> OrderDraft | None:
    """Reserve the basket (OCI ``createReservation``): at the pickup store, else the group.

    A Pickup checkout reserves at its store, or (``demand.pickup_store: nearest_with_stock``)
    at the nearest open store within the radius that has every line. With no open store it
    ships Standard ("store closed"), and so it does when every open store is short ("store
    short of stock"). A group short of stock loses the sale ("Checkout Stocked Out"). Unmanaged orders reserve nothing here.
    """
    if not draft.managed:
        return draft
    inventory = model.inventory
    if draft.delivery_method == "Pickup":
        tried = False
        for store in _pickup_stores(model, draft):
            tried = True
            try:
                inventory.create_reservation(store, draft.units)
            except InventoryError:
                continue
            return draft if store == draft.pickup_location_id else draft.at_store(store)
        # no open store (the storefront offers none), or every open one short of a line
        draft = draft.as_shipped("store short of stock" if tried else "store closed")
    try:
        inventory.create_reservation(model.world.reservation_group, draft.units)
    except InventoryError as error:
        model.counters.stocked_out += 1
        model.note("Checkout Stocked Out", reason=str(error), amount_cents=draft.merchandise_cents)
        return None
    return draft


def _pickup_stores(model: Model, draft: OrderDraft) -> Iterator[str]:
    """The open stores a Pickup checkout tries, in order: its nearest store, then
    (``demand.pickup_store: nearest_with_stock``) every other open store within the radius,
    nearest first, as a storefront that shows store availability offers them. The others are
    looked up only when the nearest cannot serve: most pickups stop at the first."""
    now = model.env.now
    nearest = draft.pickup_location_id or ""
    if not model.is_closed(nearest, now):
        yield nearest
    demand = model.scenario.demand
    if demand.pickup_store == "nearest":
        return
    for store in model.world.stores_within(draft.zone_id, demand.pickup_radius_km):
        if store != nearest and not model.is_closed(store, now):
            yield store


def _create_summary(model: Model, draft: OrderDraft) -> OrderSummary:
    scenario, now = model.scenario, model.env.now
    zone = model.world.zones[model.world.matrix.zone_index[draft.zone_id]]
    tax = scenario.demand.tax_rate
    group = DeliveryGroupInput(
        key="default",
        delivery_method=draft.delivery_method,
        delivery_charge_cents=delivery_charge_cents(
            scenario, draft.delivery_method, draft.merchandise_cents
        ),
        charge_tax_rate=tax,
        deliver_to_postal_code=zone.postal_code or "",
        deliver_to_zone_id=draft.zone_id,
        pickup_location_id=draft.pickup_location_id,
        promised_delivery_at=now
        + 24.0 * scenario.demand.promised_days.get(draft.delivery_method, 5),
    )
    order = create_order(
        model.ids,
        lines=[OrderLineInput(sku, units, price, tax) for sku, units, price in draft.lines],
        delivery_groups=[group],
        at=now,
        sales_channel=draft.channel,
        currency_iso_code=scenario.currency,
    )
    life_cycle = LifeCycleType.MANAGED if draft.managed else LifeCycleType.UNMANAGED
    fallback = draft.pickup_fallback
    summary, events = create_order_summary(
        model.ids,
        order,
        at=now,
        life_cycle_type=life_cycle,
        attributes=None if fallback is None else {"pickup_fallback": fallback},
    )
    model.record(events)
    model.summaries[summary.id] = summary
    model.counters.original_summaries += 1
    from omsim.sim.model import OrderTrack

    track = OrderTrack(draft)
    track.returns_pending = {r.sku: r.units for r in draft.behaviour.returns}
    if draft.managed and draft.delivery_method != "Pickup":
        track.group_reserved = dict(draft.units)
    model.tracks[summary.id] = track
    return summary
