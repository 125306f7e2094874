"""The sandbox's words for the admin: checked checkout input, and what is available when a
guardrail refuses an action (which fulfillment order holds the units, what to do instead)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from omsim.domain import OrderSummary, ReturnOrder
from omsim.domain.picklists import ItemType
from omsim.eventlog import EventLog
from omsim.network.locations import LocationType
from omsim.sandbox.session import Refused, as_mapping
from omsim.sim.behaviour import CustomerBehaviour
from omsim.sim.demand import OrderDraft

if TYPE_CHECKING:
    from omsim.sandbox.session import SandboxBase


class LostSale(Refused):
    """The checkout did not become an order (card declined, stock short, gateway down)."""


def _whole(units: Any) -> bool:
    return isinstance(units, int) and not isinstance(units, bool) and units > 0


def draft(
    sb: SandboxBase,
    lines: Any,
    delivery: str,
    zone: str | None,
    pickup_store: str | None,
    channel: str | None,
) -> OrderDraft:
    """The storefront's checkout for the trainer's basket, every field checked first."""
    world, demand = sb.model.world, sb.scenario.demand
    skus = [p.sku for p in world.catalog.products]
    pairs = list(lines.items()) if isinstance(lines, dict) else list(lines or [])
    if not pairs:
        raise Refused(
            "place_order: lines: give at least one (SKU, units) pair", "SKUs: " + ", ".join(skus)
        )
    units: dict[str, int] = {}
    for pair in pairs:
        if not (isinstance(pair, tuple | list) and len(pair) == 2):
            raise Refused(f"place_order: lines: {pair!r} is not a (SKU, units) pair")
        sku, n = pair
        if sku not in skus:
            raise Refused(
                f"place_order: lines: SKU {sku!r} is not in the catalog", "SKUs: " + ", ".join(skus)
            )
        if not _whole(n):
            raise Refused(
                f"place_order: lines: units of {sku} must be a positive whole number, got {n!r}"
            )
        units[sku] = units.get(sku, 0) + n
    methods = list(demand.delivery_methods)
    if delivery not in methods:
        raise Refused(
            f"place_order: delivery {delivery!r} is not offered", "Delivery: " + ", ".join(methods)
        )
    zones = [z.id for z in world.zones]
    zone_id = (
        zone
        if zone is not None
        else sb.scenario.network.zones[0].id
        if sb.scenario.network.zones
        else zones[0]
    )
    if zone_id not in zones:
        raise Refused(f"place_order: zone {zone!r} is unknown", "Zones: " + ", ".join(zones))
    channels = list(demand.sales_channels)
    channel = channel if channel is not None else channels[0]
    if channel not in channels:
        raise Refused(
            f"place_order: channel {channel!r} is not a sales channel",
            "Channels: " + ", ".join(channels),
        )
    store = None
    if delivery == "Pickup":
        stores = [i for i, loc in world.locations.items() if loc.type is LocationType.STORE]
        store = pickup_store or world.nearest_store(zone_id, demand.pickup_radius_km)
        if store is None:
            raise Refused(
                f"place_order: no store within {demand.pickup_radius_km:g} km of {zone_id} for Pickup",
                "Give pickup_store: " + (", ".join(stores) or "the network has no store"),
            )
        if store not in stores:
            raise Refused(
                f"place_order: pickup_store {store!r} is not a store",
                "Stores: " + ", ".join(stores),
            )
    elif pickup_store is not None:
        raise Refused("place_order: pickup_store is for delivery='Pickup' only")
    return OrderDraft(
        zone_id=zone_id,
        channel=channel,
        managed=True,
        lines=tuple((sku, n, world.catalog[sku].unit_price_cents) for sku, n in units.items()),
        delivery_method=delivery,
        pickup_location_id=store,
        pickup_delay_hours=0.0,
        declined=False,
        behaviour=CustomerBehaviour(),
    )


def last_checkout_failure(log: EventLog) -> str:
    """Why the last checkout did not become an order, from its event."""
    events = log.events()
    failed = events[events["activity"].isin(["Checkout Stocked Out", "Checkout Declined"])]
    if not len(failed):
        return "no Order Summary was created"
    row = failed.iloc[-1]
    import json

    attributes = json.loads(row["attributes"])
    return f"{row['activity']}: {attributes.get('reason', '')}"


def fulfillment_orders(summary: OrderSummary) -> str:
    """Where the order's units are: each fulfillment order with its status and units."""
    parts = []
    for fo in summary.fulfillment_orders:
        units = sum(ln.quantity for ln in fo.lines if ln.type is ItemType.PRODUCT)
        parts.append(f"{fo.id} at {fo.fulfilled_from_location_id}: {fo.status}, {units} unit(s)")
    return "Fulfillment orders: " + ("; ".join(parts) if parts else "none")


def all_fulfillment_orders(summaries: Iterable[OrderSummary]) -> str:
    ids = [fo.id for s in summaries for fo in s.fulfillment_orders]
    return "Your fulfillment orders: " + (", ".join(ids) or "none")


def open_return_orders(summaries: Iterable[OrderSummary]) -> str:
    ids = [ro.id for s in summaries for ro in s.return_orders if ro.open_lines]
    return "Open return orders: " + (", ".join(ids) or "none")


def cancel_hint(summary: OrderSummary, lines: Any) -> str:
    """Why units cannot be canceled on the summary, and the way that is open instead."""
    wanted = set(lines or ())
    items = [
        i for i in summary.product_items if i.stock_keeping_unit in wanted or i.id in wanted
    ] or summary.product_items
    hints = []
    for item in items:
        if item.quantity_available_to_cancel:
            hints.append(
                f"{item.stock_keeping_unit}: QuantityAvailableToCancel is {item.quantity_available_to_cancel}"
            )
        for fo in summary.fulfillment_orders:
            held = sum(
                ln.quantity
                for ln in fo.lines
                if ln.order_item_summary_id == item.id and ln.quantity and not fo.is_reship
            )
            if not held:
                continue
            if fo.status_category == "ACTIVATED":
                todo = "cancel the fulfillment order line first (cancel_fulfillment_order)"
            elif fo.status_category == "FULFILLING":
                todo = "it is being picked and can no longer be canceled; return it once delivered"
            else:
                hints.append(
                    f"{held} unit(s) of {item.stock_keeping_unit} shipped on {fo.id} "
                    f"({fo.status}): {item.quantity_available_to_return} can be returned "
                    "(return_items)"
                )
                continue
            hints.append(
                f"{held} unit(s) of {item.stock_keeping_unit} are allocated to {fo.id} "
                f"({fo.status}): {todo}"
            )
    return "; ".join(hints)


def return_hint(summary: OrderSummary) -> str:
    """What can be returned (or reshipped): delivered units not yet returned."""
    parts = [
        f"{i.stock_keeping_unit}: QuantityAvailableToReturn {i.quantity_available_to_return}, "
        f"QuantityAvailableToReship {i.quantity_available_to_reship}"
        for i in summary.product_items
    ]
    return "; ".join(parts) + " (only fulfilled units can be returned or reshipped)"


def received_lines(
    summary: OrderSummary, ro: ReturnOrder, received: dict[str, int] | None
) -> dict[str, int]:
    """ReturnOrderLineItem id -> units arrived, for every open line: ``received`` (``{sku or
    line id: units}``) says how many arrived on the lines it names; the others arrived in full."""
    lines = ro.open_lines
    out = {ln.id: ln.quantity_expected for ln in lines}
    if received is None:
        return out
    received = as_mapping(received, "receive_return")
    by_key: dict[str, Any] = {}
    for ln in lines:
        by_key[ln.id] = ln
        by_key[summary.item(ln.order_item_summary_id).stock_keeping_unit] = ln
    for key, units in received.items():
        if key not in by_key:
            raise Refused(
                f"ReturnOrder {ro.id}: no open line {key!r}",
                "Open lines: "
                + ", ".join(
                    f"{summary.item(ln.order_item_summary_id).stock_keeping_unit} ({ln.id}): "
                    f"{ln.quantity_expected} expected"
                    for ln in lines
                ),
            )
        ln = by_key[key]
        if (
            not isinstance(units, int)
            or isinstance(units, bool)
            or not 0 <= units <= ln.quantity_expected
        ):
            raise Refused(
                f"ReturnOrderLineItem {ln.id}: units received must be 0 to "
                f"{ln.quantity_expected} (QuantityExpected), got {units!r}"
            )
        out[ln.id] = units
    return out


PARCEL_EXCEPTIONS = ("lost parcel", "damaged parcel")
"""Process exception kinds whose remedy reships or refunds the parcel's units."""


def refuse_exchange_cancel(summary: OrderSummary) -> None:
    """Canceling an exchange's replacement is refused: omsim does not yet send the returned
    units' credit back to the card when the replacement is canceled (it stays exchange
    credit), so the customer would lose it."""
    if summary.source_process.value == "Exchange":
        raise Refused(
            f"OrderSummary {summary.id} is an exchange (SourceProcess Exchange): canceling "
            "its replacement is not modelled (the returned units' credit would not reach the "
            "card)",
            "Receive the old units back (receive_return) and let the replacement ship; "
            "return it afterwards if the customer does not want it",
        )


def refuse_reship_during_parcel_exception(summary: OrderSummary) -> None:
    """A lost or damaged parcel's exception reships (or refunds) its units when resolved:
    a reshipment by hand meanwhile would send (or pay for) them twice."""
    waiting = [
        pe.id
        for pe in summary.process_exceptions
        if pe.is_active and pe.description in PARCEL_EXCEPTIONS
    ]
    if waiting:
        raise Refused(
            f"OrderSummary {summary.id}: ProcessException {', '.join(waiting)} for a lost or "
            "damaged parcel is active; resolving it reships or refunds the parcel's units",
            f"Resolve {waiting[0]} instead",
        )
