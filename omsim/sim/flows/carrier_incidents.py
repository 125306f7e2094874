"""Lost or damaged parcels: a reshipment, or a refund, decided by the scenario.

The customer reports the parcel after the promised date; a Fulfillment process exception is
raised and the desk applies the remedy: a reshipment fulfillment order (``IsReship``,
``ReshipReason`` Lost) routed like an order and fulfilled at no charge, or a refund of the lost
units (an RMA returned at once, nothing restocked). A reshipment nobody can fill becomes a refund.
"""

from __future__ import annotations

from collections.abc import Generator
from typing import TYPE_CHECKING, Any

import simpy

from omsim.domain import (
    OrderSummary,
    ProcessException,
    ReturnItemInput,
    ReturnLineInput,
    create_reshipment,
    create_return_order,
    return_items,
)
from omsim.domain.picklists import ItemType
from omsim.network.routing.plan import NoRoute
from omsim.sim.flows.exception_desk import gateway_up, queue_refund
from omsim.sim.flows.routing import FULFILLMENT_TYPES, eligible_locations, routing_request

if TYPE_CHECKING:
    from omsim.sim.model import Model


def replace_or_refund(
    env: simpy.Environment, model: Model, summary: OrderSummary, pe: ProcessException
) -> Generator[Any, Any, bool]:
    """The desk's remedy for a lost parcel (``pe.attached_to_id`` is its fulfillment order)."""
    yield env.timeout(0)
    fo = summary.fulfillment_order(pe.attached_to_id)
    units = {
        ln.order_item_summary_id: ln.quantity
        for ln in fo.lines
        if ln.type is ItemType.PRODUCT and ln.quantity
    }
    reason = "Damaged" if pe.description == "damaged parcel" else "Lost"
    if model.scenario.service.lost_parcels.remedy == "reship" and reship(
        model, summary, fo.order_delivery_group_summary_id, units, reason
    ):
        return True
    refund_lost_units(model, summary, units)
    return True


def reship(
    model: Model, summary: OrderSummary, group_id: str, units: dict[str, int], reason: str = "Lost"
) -> bool:
    """Route the lost units like an order and create one reshipment per location chosen."""
    units = {i: min(q, summary.item(i).quantity_available_to_reship) for i, q in units.items()}
    units = {i: q for i, q in units.items() if q > 0}
    if not units:
        return False
    by_sku = {summary.item(i).stock_keeping_unit: i for i in units}
    lines = {sku: units[i] for sku, i in by_sku.items()}
    group = summary.delivery_group(group_id)
    result = model.strategy(
        routing_request(model, group, lines),
        model.inventory.availability(
            eligible_locations(model, model.tracks[summary.id].excluded_locations), lines
        ),
        model.world.matrix,
        model.routing_options,
    )
    if isinstance(result, NoRoute):
        return False
    for loc, skus in result.allocations.items():
        model.inventory.create_reservation(loc, skus, check_groups=False)
        fo, events = create_reshipment(
            summary,
            group_id,
            loc,
            {by_sku[sku]: q for sku, q in skus.items()},
            reason,
            at=model.env.now,
            fulfillment_type=FULFILLMENT_TYPES[model.world.locations[loc].type],
        )
        model.record(events)
        model.trigger("fulfillment_order_created", fo)
    return True


def refund_lost_units(model: Model, summary: OrderSummary, units: dict[str, int]) -> None:
    """Refund units that never arrived: an RMA returned at once (nothing comes back to stock)."""
    units = {i: min(q, summary.item(i).quantity_available_to_return) for i, q in units.items()}
    units = {i: q for i, q in units.items() if q > 0}
    if not units:
        return
    now = model.env.now
    ro, events = create_return_order(
        summary,
        [ReturnLineInput(i, q, "Other") for i, q in units.items()],
        at=now,
        description="Lost or damaged parcel refund",
    )
    model.record(events)
    items = [ReturnItemInput(ln.id, ln.quantity_expected, quantity_received=0) for ln in ro.lines]
    up = gateway_up(model)
    model.record(
        return_items(
            summary,
            ro.id,
            items,
            at=now,
            reason="Lost Parcel",
            refund=up,
            shipping_reduction_flag=False,
        )
    )
    if not up:
        queue_refund(model, summary)
