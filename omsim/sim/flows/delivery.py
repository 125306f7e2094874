"""Delivery: invoice and capture on shipment, carrier transit, and store pickup.

Capture on ship: one invoice per fulfilled fulfillment order, then ensure funds. When the
authorizations have expired (after ``authorization_valid_days``) the flow re-authorizes with the
scenario's success rate; when that fails, ensure funds raises a Payment process exception.
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
    create_invoice,
    ensure_funds,
)
from omsim.domain.picklists import ItemType
from omsim.network.locations import ServiceLevel
from omsim.sim.flows.fulfilment import ship
from omsim.sim.flows.routing import SERVICE_LEVELS
from omsim.sim.policies import succeeds, transit_hours

if TYPE_CHECKING:
    from omsim.sim.model import Model


def invoice_capture_and_deliver(
    env: simpy.Environment, model: Model, fo: FulfillmentOrder
) -> Generator[Any, Any, None]:
    """After shipment: invoice, capture, then the carrier delivers."""
    summary = model.summaries[fo.order_summary_id]
    invoice_and_capture(model, summary, fo)
    group = summary.delivery_group(fo.order_delivery_group_summary_id)
    m = model.world.matrix
    service = SERVICE_LEVELS.get(group.delivery_method, ServiceLevel.STANDARD)
    row, column = m.loc(fo.fulfilled_from_location_id), m.zone(group.deliver_to_zone_id)
    days = float(m.transit_days[service][row, column])
    catalog = model.world.catalog
    weight = sum(
        ln.quantity * catalog[ln.stock_keeping_unit].weight_kg
        for ln in fo.lines
        if ln.type is ItemType.PRODUCT
    )
    model.note(
        "Parcel Shipped",
        [
            (fo.id, "FulfillmentOrder", "fulfillment order"),
            (summary.id, "OrderSummary", "order summary"),
        ],
        location_id=fo.fulfilled_from_location_id,
        shipping_cost_cents=m.cost_cents(row, column, weight, service),
        handling_cost_cents=int(m.handling_cost_cents[row]),
        transit_days=days,
        weight_kg=round(weight, 3),
    )
    yield env.timeout(
        transit_hours(days, model.scenario.carrier.transit_sd_days, rng=model.streams.carriers)
    )
    promised = group.promised_delivery_at
    late = promised is not None and env.now > promised
    model.tracks[summary.id].parcels_out -= 1
    model.note(
        "Parcel Delivered",
        [
            (fo.id, "FulfillmentOrder", "fulfillment order"),
            (summary.id, "OrderSummary", "order summary"),
        ],
        location_id=fo.fulfilled_from_location_id,
        late=late,
        hours_after_order=env.now - summary.ordered_at,
    )


def await_pickup(
    env: simpy.Environment, model: Model, fo: FulfillmentOrder
) -> Generator[Any, Any, None]:
    """Ready for pickup: the customer comes after their pickup delay; fulfilled at pickup."""
    summary = model.summaries[fo.order_summary_id]
    related = [
        (fo.id, "FulfillmentOrder", "fulfillment order"),
        (summary.id, "OrderSummary", "order summary"),
    ]
    model.note("Ready for Pickup", related, location_id=fo.fulfilled_from_location_id)
    yield env.timeout(model.tracks[summary.id].draft.pickup_delay_hours)
    ship(model, summary, fo)
    invoice_and_capture(model, summary, fo)
    model.tracks[summary.id].parcels_out -= 1
    model.note(
        "Order Picked Up",
        related,
        location_id=fo.fulfilled_from_location_id,
        hours_after_order=env.now - summary.ordered_at,
    )


def invoice_and_capture(model: Model, summary: OrderSummary, fo: FulfillmentOrder) -> Invoice:
    """Create the fulfillment order's invoice and ensure its funds."""
    now = model.env.now
    invoice, events = create_invoice(summary, fo.id, at=now)
    model.record(events)
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
    return invoice
