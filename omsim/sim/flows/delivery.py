"""Delivery: invoice and capture on shipment, carrier transit, lost parcels, store pickup.

Capture on ship: one invoice per fulfilled fulfillment order, then ensure funds. When the
authorizations have expired (after ``authorization_valid_days``) the flow re-authorizes with the
scenario's success rate; when that fails, ensure funds raises a Payment process exception. A
capture is held while the order has an active exception (Salesforce's
``ActiveProcessExceptionCount = 0`` gate) and fails during a payment gateway outage.
"""

from __future__ import annotations

from collections.abc import Generator
from typing import TYPE_CHECKING, Any

import simpy

from omsim.domain import (
    FulfillmentOrder,
    Invoice,
    OrderSummary,
    authorize_payment,
    cancel_fulfillment_order_lines,
    create_invoice,
    ensure_funds,
    raise_process_exception,
    submit_cancel,
)
from omsim.domain.picklists import ItemType
from omsim.network.locations import ServiceLevel
from omsim.sim.distributions import sample
from omsim.sim.flows.exception_desk import gateway_up, queue_refund
from omsim.sim.flows.fulfilment import ship
from omsim.sim.flows.routing import SERVICE_LEVELS
from omsim.sim.policies import succeeds, transit_hours

if TYPE_CHECKING:
    from omsim.sim.model import Model


def _related(fo: FulfillmentOrder, summary: OrderSummary) -> list[tuple[str, str, str]]:
    return [
        (fo.id, "FulfillmentOrder", "fulfillment order"),
        (summary.id, "OrderSummary", "order summary"),
    ]


def invoice_capture_and_deliver(
    env: simpy.Environment, model: Model, fo: FulfillmentOrder
) -> Generator[Any, Any, None]:
    """After shipment: invoice and capture, then the carrier delivers (or loses the parcel)."""
    summary = model.summaries[fo.order_summary_id]
    if not fo.is_reship:
        invoice_and_capture(model, summary, fo)
    group = summary.delivery_group(fo.order_delivery_group_summary_id)
    m = model.world.matrix
    method = group.delivery_method
    service = SERVICE_LEVELS.get(method, ServiceLevel.STANDARD)
    row, column = m.loc(fo.fulfilled_from_location_id), m.zone(group.deliver_to_zone_id)
    days = float(m.transit_days[service][row, column])
    catalog = model.world.catalog
    weight: float = 0  # summed in line order from int 0, as sum() did: the same weight
    units = 0
    for ln in fo.lines:
        if ln.type is ItemType.PRODUCT:
            weight += ln.quantity * catalog[ln.stock_keeping_unit].weight_kg
            units += ln.quantity
    model.note(
        "Parcel Shipped",
        _related(fo, summary),
        location_id=fo.fulfilled_from_location_id,
        shipping_cost_cents=m.cost_cents(row, column, weight, service),
        handling_cost_cents=int(m.handling_cost_cents[row]),
        transit_days=days,
        weight_kg=round(weight, 3),
        units=units,
        fulfillment_type=fo.type,
        reship=fo.is_reship,
    )
    hours = transit_hours(days, model.scenario.carrier.transit_sd_days, rng=model.streams.carriers)
    hours += _surge_hours(model, env.now)
    incidents = model.scenario.service.lost_parcels
    lost = succeeds(incidents.probability.get(method, 0.0), rng=model.streams.carriers)
    damaged = succeeds(incidents.damaged_share, rng=model.streams.carriers)
    if lost and model.scenario.service.behaviour:
        yield from _lost(env, model, summary, fo, group.promised_delivery_at, damaged)
        return
    yield env.timeout(hours)
    promised = group.promised_delivery_at
    late = promised is not None and env.now > promised
    model.tracks[summary.id].parcels_out -= 1
    model.note(
        "Parcel Delivered",
        _related(fo, summary),
        location_id=fo.fulfilled_from_location_id,
        late=late,
        hours_after_order=env.now - summary.ordered_at,
        units_by_category=_units_by_category(model, fo),
    )
    model.trigger("parcel_delivered", (fo, late))


def _units_by_category(model: Model, fo: FulfillmentOrder) -> dict[str, int]:
    units: dict[str, int] = {}
    for ln in fo.lines:
        if ln.type is ItemType.PRODUCT and ln.quantity:
            category = model.world.catalog[ln.stock_keeping_unit].category
            units[category] = units.get(category, 0) + ln.quantity
    return units


def _surge_hours(model: Model, t: float) -> float:
    """Extra transit for a parcel shipped during a carrier delay surge (a fault scenario)."""
    return sum(
        sample(extra, model.streams.carriers) * 24.0
        for start, end, extra in model.carrier_surges
        if start <= t < end
    )


def _lost(
    env: simpy.Environment,
    model: Model,
    summary: OrderSummary,
    fo: FulfillmentOrder,
    promised: float | None,
    damaged: bool,
) -> Generator[Any, Any, None]:
    """The parcel never arrives, or arrives damaged: the customer reports it after the promise."""
    report_days = model.scenario.service.lost_parcels.report_days_after_promise
    reported = (promised if promised is not None else env.now) + 24.0 * report_days
    yield env.timeout(max(0.0, reported - env.now))
    model.tracks[summary.id].parcels_out -= 1
    what = "damaged parcel" if damaged else "lost parcel"
    model.note(
        "Parcel Damaged" if damaged else "Parcel Lost",
        _related(fo, summary),
        location_id=fo.fulfilled_from_location_id,
    )
    model.record(
        raise_process_exception(
            summary,
            category="Fulfillment",
            attached_to_id=fo.id,
            message=f"Parcel of FulfillmentOrder {fo.id}: {what} reported by the customer",
            at=env.now,
            severity="Low",
            description=what,
            location_id=fo.fulfilled_from_location_id,
        )
    )


def await_pickup(
    env: simpy.Environment, model: Model, fo: FulfillmentOrder
) -> Generator[Any, Any, None]:
    """Ready for pickup: the customer comes after their pickup delay, or never (a no-show)."""
    summary = model.summaries[fo.order_summary_id]
    track = model.tracks[summary.id]
    model.note("Ready for Pickup", _related(fo, summary), location_id=fo.fulfilled_from_location_id)
    if track.draft.behaviour.pickup_no_show:
        yield env.timeout(24.0 * model.scenario.service.pickup_no_shows.cancel_after_days)
        _no_show(model, summary, fo)
        return
    yield env.timeout(track.draft.pickup_delay_hours)
    site = model.sites[fo.fulfilled_from_location_id]
    yield env.timeout(site.ready_at(env.now) - env.now)  # customers come when the store is open
    ship(model, summary, fo)
    invoice_and_capture(model, summary, fo)
    track.parcels_out -= 1
    model.note(
        "Order Picked Up",
        _related(fo, summary),
        location_id=fo.fulfilled_from_location_id,
        hours_after_order=env.now - summary.ordered_at,
        units_by_category=_units_by_category(model, fo),
    )
    model.trigger("parcel_delivered", (fo, False))


def _no_show(model: Model, summary: OrderSummary, fo: FulfillmentOrder) -> None:
    """Cancel what was never collected; the units go back to the store's available stock."""
    now = model.env.now
    units = {
        ln.order_item_summary_id: ln.quantity
        for ln in fo.lines
        if ln.type is ItemType.PRODUCT and ln.quantity
    }
    stock = {
        ln.stock_keeping_unit: ln.quantity
        for ln in fo.lines
        if ln.type is ItemType.PRODUCT and ln.quantity
    }
    model.record(cancel_fulfillment_order_lines(summary, fo.id, units, at=now))
    model.inventory.release_reservation(fo.fulfilled_from_location_id, stock)
    up = gateway_up(model)
    model.record(
        submit_cancel(
            summary, units, at=now, reason="Pickup No-Show", refund=up, shipping_reduction_flag=True
        )
    )
    if not up:
        queue_refund(model, summary)
    model.tracks[summary.id].parcels_out -= 1
    model.note("Pickup No-Show", _related(fo, summary), location_id=fo.fulfilled_from_location_id)


def invoice_and_capture(model: Model, summary: OrderSummary, fo: FulfillmentOrder) -> Invoice:
    """Create the fulfillment order's invoice and ensure its funds."""
    invoice, events = create_invoice(summary, fo.id, at=model.env.now)
    model.record(events)
    capture(model, summary, invoice)
    return invoice


def capture(model: Model, summary: OrderSummary, invoice: Invoice) -> None:
    """Ensure funds for an invoice, unless gated by an active exception or the gateway is down."""
    now = model.env.now
    track = model.tracks[summary.id]
    if summary.active_process_exception_count:
        track.uncaptured_invoices.append(invoice.id)
        return
    if model.gateway_up_at(now) > now:
        track.uncaptured_invoices.append(invoice.id)
        model.record(
            raise_process_exception(
                summary,
                category="Payment",
                attached_to_id=invoice.id,
                message=f"Payment capture failed for Invoice {invoice.id}: payment gateway unavailable",
                at=now,
                description="capture failed",
            )
        )
        return
    available = sum(
        p.available_to_capture_cents(now) + p.balance_amount_cents
        for p in summary.payment_summaries
    )
    if invoice.balance_cents > available and succeeds(
        model.scenario.payments.reauthorization_success_rate, rng=model.streams.payments
    ):
        captured = sum(p.captured_amount_cents for p in summary.payment_summaries)
        amount = max(
            invoice.balance_cents - available,
            summary.grand_total_amount_cents - captured - available,
        )
        days = model.scenario.payments.authorization_valid_days
        model.record(
            authorize_payment(
                summary,
                amount_cents=amount,
                at=now,
                valid_hours=days * 24,
                reason="reauthorization",
            )
        )
    model.record(ensure_funds(summary, invoice.id, at=now))
    if invoice.balance_cents:  # a Payment exception was raised: the desk collects it
        track.uncaptured_invoices.append(invoice.id)
