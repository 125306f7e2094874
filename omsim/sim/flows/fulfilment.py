"""Fulfilment at a location: an associate picks and packs; stores may reject lines.

Mirrors a location working its fulfillment order: ``Pickpack`` when an associate starts,
``Pick Complete`` when packed, ``Fulfilled`` when the carrier collects at the cut-off (or, for
pickup, when the customer collects). A rejected line (inventory accuracy, a ``reject`` outage)
is rejected on the fulfillment order with its reason and the units are routed again elsewhere.
"""

from __future__ import annotations

from collections.abc import Generator
from typing import TYPE_CHECKING, Any

import simpy

from omsim.domain import (
    FulfillmentOrder,
    OrderSummary,
    fulfil_fulfillment_order,
    raise_process_exception,
    reject_fulfillment_order_lines,
    set_fulfillment_order_status,
    submit_cancel,
)
from omsim.domain.picklists import ItemType
from omsim.network.inventory import InventoryError
from omsim.sim.flows.exception_desk import gateway_up, queue_refund
from omsim.sim.flows.routing import enqueue
from omsim.sim.policies import pick_pack_hours, rejected_lines

if TYPE_CHECKING:
    from omsim.sim.model import Model


def fulfil_at_location(
    env: simpy.Environment, model: Model, fo: FulfillmentOrder
) -> Generator[Any, Any, None]:
    """Pick, pack and hand over one fulfillment order at its location."""
    summary = model.summaries[fo.order_summary_id]
    site = model.sites[fo.fulfilled_from_location_id]
    yield env.timeout(site.ready_at(env.now) - env.now)
    with site.associates.request() as slot:
        yield slot
        yield env.timeout(site.ready_at(env.now) - env.now)  # closed while queueing
        if fo.status_category != "ACTIVATED":
            return  # canceled while it waited
        model.record(set_fulfillment_order_status(summary, fo.id, "Pickpack", at=env.now))
        yield env.timeout(pick_pack_hours(site.spec, rng=model.streams.operations))
    _reject(model, summary, fo)
    if fo.status_category != "FULFILLING":
        return
    model.record(set_fulfillment_order_status(summary, fo.id, "Pick Complete", at=env.now))
    model.tracks[summary.id].parcels_out += 1
    if fo.type == "In Store Pickup":
        model.trigger("ready_for_pickup", fo)
        return
    yield env.timeout(site.next_collection(env.now) - env.now)
    ship(model, summary, fo)
    model.trigger("fulfillment_order_fulfilled", fo)


def _reject(model: Model, summary: OrderSummary, fo: FulfillmentOrder) -> None:
    """Lines the location cannot fill: by inventory accuracy, or all of them in a reject outage."""
    site = model.sites[fo.fulfilled_from_location_id]
    products = [ln for ln in fo.lines if ln.type is ItemType.PRODUCT and ln.quantity > 0]
    outage = site.outage_at(model.env.now)
    if outage is not None and outage.mode == "reject":
        rejected, reason = [ln.id for ln in products], "Other"
    else:
        accuracy = site.spec.inventory_accuracy
        rejected = rejected_lines(
            [ln.id for ln in products], accuracy, rng=model.streams.operations
        )
        reason = "Out of Stock"
    if not rejected:
        return
    lines = [ln for ln in products if ln.id in rejected]
    units = {ln.order_item_summary_id: ln.quantity for ln in lines}
    stock = {ln.stock_keeping_unit: ln.quantity for ln in lines}
    model.record(reject_fulfillment_order_lines(summary, fo.id, units, reason, at=model.env.now))
    if fo.type == "In Store Pickup":
        # the customer chose this store: units it cannot hand over are canceled, not re-routed
        model.inventory.release_reservation(fo.fulfilled_from_location_id, stock)
        _write_off(model, fo.fulfilled_from_location_id, stock, phantom=reason == "Out of Stock")
        up = gateway_up(model)
        model.record(
            submit_cancel(
                summary,
                units,
                at=model.env.now,
                reason=reason,
                refund=up,
                shipping_reduction_flag=True,
            )
        )
        if not up:
            queue_refund(model, summary)
        return
    if fo.is_reship:
        # a replacement the location cannot fill: send it from elsewhere, else refund it
        from omsim.sim.flows.carrier_incidents import refund_lost_units, reship

        model.inventory.release_reservation(fo.fulfilled_from_location_id, stock)
        _write_off(model, fo.fulfilled_from_location_id, stock, phantom=reason == "Out of Stock")
        model.tracks[summary.id].excluded_locations.add(fo.fulfilled_from_location_id)
        group = fo.order_delivery_group_summary_id
        if not reship(model, summary, group, units, fo.lines[0].reship_reason or "Lost"):
            refund_lost_units(model, summary, units)
        return
    _return_stock(
        model, summary.id, fo.fulfilled_from_location_id, stock, phantom=reason == "Out of Stock"
    )
    model.tracks[summary.id].excluded_locations.add(fo.fulfilled_from_location_id)
    model.record(
        raise_process_exception(
            summary,
            category="Fulfillment",
            attached_to_id=fo.id,
            message=f"FulfillmentOrder {fo.id}: {sum(units.values())} units rejected ({reason})",
            at=model.env.now,
            severity="Low",
            description="store rejection",
            location_id=fo.fulfilled_from_location_id,
        )
    )
    enqueue(model, summary)  # held until the desk resolves the exception


def _return_stock(
    model: Model, summary_id: str, location_id: str, units: dict[str, int], *, phantom: bool
) -> None:
    """Release the location's hold; stock found missing is written off (a cycle count).

    The order's claim goes back to the location group when the group can hold it.
    """
    inventory, group = model.inventory, model.world.reservation_group
    inventory.release_reservation(location_id, units)
    _write_off(model, location_id, units, phantom=phantom)
    track = model.tracks[summary_id]
    for sku, qty in units.items():
        try:
            inventory.create_reservation(group, {sku: qty})
            track.group_reserved[sku] = track.group_reserved.get(sku, 0) + qty
        except InventoryError:
            pass  # routing will hold the units at the location it picks


def _write_off(model: Model, location_id: str, units: dict[str, int], *, phantom: bool) -> None:
    """Stock the system believed in but the shelf did not have leaves the books."""
    if not phantom:
        return
    inventory = model.inventory
    for sku, qty in units.items():
        model.note(
            "Stock Written Off",
            [(location_id, "Location", "location")],
            location_id=location_id,
            sku=sku,
            units=qty,
        )
        level = inventory.stock(location_id, sku)
        inventory.set_stock(
            location_id,
            sku,
            on_hand=max(0, level.on_hand - qty),
            safety_stock=level.safety_stock,
            futures=level.futures,
        )


def ship(model: Model, summary: OrderSummary, fo: FulfillmentOrder) -> None:
    """The fulfillment order leaves the location: Fulfilled, and its stock leaves the shelves."""
    model.record(fulfil_fulfillment_order(summary, fo.id, at=model.env.now))
    by_sku: dict[str, int] = {}
    for ln in fo.lines:
        if ln.type is ItemType.PRODUCT and ln.quantity > 0:
            by_sku[ln.stock_keeping_unit] = by_sku.get(ln.stock_keeping_unit, 0) + ln.quantity
    model.inventory.fulfil_reservation(fo.fulfilled_from_location_id, by_sku)
