"""Fulfillment actions: create fulfillment orders, work them, cancel or reject lines, reship.

Mirrors ``ConnectApi.FulfillmentOrder.createFulfillmentOrders`` and
``cancelFulfillmentOrderLineItems``, the fulfillment order status progression, and reshipment
fulfillment orders (``IsReship``).
"""

from __future__ import annotations

from collections.abc import Mapping

from omsim.domain import bookkeeping
from omsim.domain.errors import ActionRejected
from omsim.domain.events import ChangeSet, DomainEvent
from omsim.domain.fulfillment import (
    OPEN_CATEGORIES,
    FulfillmentOrder,
    FulfillmentOrderLineItem,
)
from omsim.domain.guardrails import (
    require_choice,
    require_managed,
    require_positive,
    require_product,
    require_within,
)
from omsim.domain.picklists import (
    FULFILLMENT_ORDER_STATUS_CATEGORY,
    FULFILLMENT_ORDER_TYPES,
    REJECT_REASONS,
    RESHIP_REASONS,
    ItemType,
)
from omsim.domain.summary import OrderItemSummary, OrderSummary

AllocationPlan = Mapping[str, Mapping[str, int]]
"""Location id -> OrderItemSummary id -> units, for one delivery group."""


def record_routing_attempt(summary: OrderSummary, *, at: float, outcome: str) -> list[DomainEvent]:
    """Add one to ``RoutingAttempts`` (flows write it; Salesforce does not)."""
    cs = ChangeSet()
    cs.add(summary, "routing_attempts", 1)
    return [cs.event("Routing Attempted", at, outcome=outcome)]


def create_fulfillment_orders(
    summary: OrderSummary,
    group_id: str,
    plan: AllocationPlan,
    *,
    at: float,
    fulfillment_types: Mapping[str, str] | None = None,
) -> tuple[list[FulfillmentOrder], list[DomainEvent]]:
    """One fulfillment order per location of ``plan``, status Allocated, for one delivery group.

    Each line's units across the plan may not exceed its ``QuantityAvailableToFulfill``.
    ``QuantityAllocated`` rises by the planned units. The group's unallocated delivery charge
    rides on the first fulfillment order, as Salesforce puts charges on a fulfillment order.
    ``fulfillment_types`` gives the ``Type`` per location (default ``Warehouse``).
    """
    require_managed(summary, "create fulfillment orders")
    group = summary.delivery_group(group_id)
    types = fulfillment_types or {}
    if not plan:
        raise ActionRejected(f"OrderDeliveryGroupSummary {group.id}: allocation plan is empty")
    wanted: dict[str, int] = {}
    for location_id, lines in plan.items():
        if not lines:
            raise ActionRejected(f"Location {location_id}: allocation plan lists no lines")
        fo_type = types.get(location_id, "Warehouse")
        require_choice(
            fo_type, FULFILLMENT_ORDER_TYPES, "FulfillmentOrder Type", f"Location {location_id}"
        )
        for item_id, units in lines.items():
            item = summary.item(item_id)
            require_product(item, "allocate")
            if item.order_delivery_group_summary_id != group.id:
                raise ActionRejected(
                    f"OrderItemSummary {item.id}: belongs to delivery group "
                    f"{item.order_delivery_group_summary_id}, not {group.id}"
                )
            require_positive(units, f"OrderItemSummary {item.id}", "units to allocate")
            wanted[item_id] = wanted.get(item_id, 0) + units
    for item_id, units in wanted.items():
        item = summary.item(item_id)
        require_within(
            item.id,
            "allocate",
            units,
            item.quantity_available_to_fulfill,
            "QuantityAvailableToFulfill",
        )
    charges = [
        i
        for i in summary.items_in_group(group.id)
        if i.type is ItemType.DELIVERY_CHARGE and i.quantity_available_to_fulfill > 0
    ]
    created: list[FulfillmentOrder] = []
    events: list[DomainEvent] = []
    for location_id, lines in plan.items():
        cs = ChangeSet()
        fo = _new_fulfillment_order(
            summary, group.id, location_id, types.get(location_id, "Warehouse"), at
        )
        for item_id, units in lines.items():
            _add_line(cs, summary, fo, summary.item(item_id), units)
        for charge in charges if not created else []:
            _add_line(cs, summary, fo, charge, charge.quantity_available_to_fulfill)
        summary.fulfillment_orders.append(fo)
        bookkeeping.refresh(cs, summary, money=False)
        cs.involve(summary, "order summary")
        events.append(cs.event("Fulfillment Order Created", at, location_id=location_id))
        created.append(fo)
    return created, events


def _new_fulfillment_order(
    summary: OrderSummary,
    group_id: str,
    location_id: str,
    fo_type: str,
    at: float,
    is_reship: bool = False,
) -> FulfillmentOrder:
    fo_id = summary.ids.next("FulfillmentOrder")
    return FulfillmentOrder(
        id=fo_id,
        fulfillment_order_number=fo_id.replace("FO-", "FO-0000"),
        order_summary_id=summary.id,
        order_delivery_group_summary_id=group_id,
        fulfilled_from_location_id=location_id,
        type=fo_type,
        status="Allocated",
        created_at=at,
        is_reship=is_reship,
    )


def _add_line(
    cs: ChangeSet,
    summary: OrderSummary,
    fo: FulfillmentOrder,
    item: OrderItemSummary,
    units: int,
    reship_reason: str | None = None,
) -> None:
    if not fo.lines:
        cs.created(fo)
    line = FulfillmentOrderLineItem(
        id=summary.ids.next("FulfillmentOrderLineItem"),
        fulfillment_order_id=fo.id,
        order_item_summary_id=item.id,
        type=item.type,
        stock_keeping_unit=item.stock_keeping_unit,
        original_quantity=units,
        quantity=units,
        is_reship=reship_reason is not None,
        reship_reason=reship_reason,
        order_item_id=item.original_order_item_id,
        unit_price_cents=0 if fo.is_reship else item.unit_price_cents,
    )
    if not fo.is_reship:
        line.total_adjustment_amount_cents, line.total_tax_amount_cents = (
            bookkeeping.fulfillment_line_money(summary, item, units)
        )
    fo.lines.append(line)
    cs.created(line)
    cs.add(item, "quantity_reshipped" if fo.is_reship else "quantity_allocated", units)


def _open_fulfillment_order(summary: OrderSummary, fo_id: str, action: str) -> FulfillmentOrder:
    fo = summary.fulfillment_order(fo_id)
    if fo.status_category not in OPEN_CATEGORIES:
        raise ActionRejected(
            f"FulfillmentOrder {fo.id}: cannot {action}, status {fo.status} "
            f"({fo.status_category}); allowed in: {', '.join(OPEN_CATEGORIES)}"
        )
    return fo


def set_fulfillment_order_status(
    summary: OrderSummary, fo_id: str, status: str, *, at: float
) -> list[DomainEvent]:
    """Move an open fulfillment order to another ACTIVATED or FULFILLING status (Pickpack, ...)."""
    fo = _open_fulfillment_order(summary, fo_id, f"set status {status}")
    working = {
        s: c
        for s, c in FULFILLMENT_ORDER_STATUS_CATEGORY.items()
        if c in ("ACTIVATED", "FULFILLING")
    }
    require_choice(status, working, "FulfillmentOrder Status", f"FulfillmentOrder {fo.id}")
    cs = ChangeSet()
    cs.set(fo, "status", status)
    if cs.empty:
        return []
    cs.involve(summary, "order summary")
    return [cs.event("Fulfillment Order Status Changed", at, status=status)]


def cancel_fulfillment_order_lines(
    summary: OrderSummary,
    fo_id: str,
    lines: Mapping[str, int],
    *,
    at: float,
    reject_reason: str | None = None,
) -> list[DomainEvent]:
    """Cancel (or reject, with a reason) units on a fulfillment order's lines.

    As ``cancelFulfillmentOrderLineItems``: ``QuantityAllocated`` drops, the order line is *not*
    canceled, so the units can be routed again or canceled on the Order Summary. ``lines`` maps
    OrderItemSummary id to units. With ``reject_reason`` the units also go to
    ``RejectedQuantity``. When no product units are left, the delivery charge is released too and
    the fulfillment order becomes Rejected (if anything was rejected) or Cancelled. The charge
    line cannot be canceled before that: the fulfillment order would ship without it and no
    later one would carry it, so it could never be invoiced.
    """
    require_managed(summary, "cancel fulfillment order lines")
    fo = _open_fulfillment_order(summary, fo_id, "cancel lines")
    if reject_reason is not None:
        require_choice(reject_reason, REJECT_REASONS, "RejectReason", f"FulfillmentOrder {fo.id}")
    if not lines:
        raise ActionRejected(f"FulfillmentOrder {fo.id}: no lines to cancel")
    for item_id, units in lines.items():
        line = fo.line_for(item_id)
        if line is None:
            raise ActionRejected(
                f"FulfillmentOrder {fo.id}: has no line for OrderItemSummary {item_id}"
            )
        require_positive(units, f"FulfillmentOrderLineItem {line.id}", "units to cancel")
        require_within(
            line.id, "cancel", units, line.quantity, "Quantity", "FulfillmentOrderLineItem"
        )
    products_left = sum(
        ln.quantity - lines.get(ln.order_item_summary_id, 0)
        for ln in fo.lines
        if ln.type is ItemType.PRODUCT
    )
    charges = [i for i in lines if summary.item(i).type is ItemType.DELIVERY_CHARGE]
    if charges and products_left:
        raise ActionRejected(
            f"FulfillmentOrder {fo.id}: delivery charge {charges[0]} leaves with the last product "
            f"units, {products_left} product units remain (no other fulfillment order would "
            "carry it)"
        )
    cs = ChangeSet()
    for item_id, units in lines.items():
        _release(cs, summary, fo, item_id, units, reject_reason)
    if all(ln.quantity == 0 for ln in fo.lines if ln.type is ItemType.PRODUCT):
        for ln in fo.lines:
            if ln.quantity > 0:
                _release(cs, summary, fo, ln.order_item_summary_id, ln.quantity, None)
        rejected = any(ln.rejected_quantity > 0 for ln in fo.lines)
        cs.set(fo, "status", "Rejected" if rejected else "Cancelled")
    bookkeeping.refresh(cs, summary, money=False)
    bookkeeping.refresh_documents(summary)  # the lines' units changed
    cs.involve(summary, "order summary")
    activity = (
        "Fulfillment Order Lines Rejected" if reject_reason else "Fulfillment Order Lines Canceled"
    )
    return [cs.event(activity, at, reason=reject_reason or "", units=sum(lines.values()))]


def _release(
    cs: ChangeSet,
    summary: OrderSummary,
    fo: FulfillmentOrder,
    item_id: str,
    units: int,
    reason: str | None,
) -> None:
    line = fo.line_for(item_id)
    assert line is not None
    cs.add(line, "quantity", -units)
    if reason is not None:
        cs.add(line, "rejected_quantity", units)
        cs.set(line, "reject_reason", reason)
    item = summary.item(item_id)
    cs.add(item, "quantity_reshipped" if fo.is_reship else "quantity_allocated", -units)


def reject_fulfillment_order_lines(
    summary: OrderSummary, fo_id: str, lines: Mapping[str, int], reason: str, *, at: float
) -> list[DomainEvent]:
    """A location rejects units (``RejectedQuantity``, ``RejectReason``); see the cancel action."""
    return cancel_fulfillment_order_lines(summary, fo_id, lines, at=at, reject_reason=reason)


def fulfil_fulfillment_order(summary: OrderSummary, fo_id: str, *, at: float) -> list[DomainEvent]:
    """Mark a fulfillment order Fulfilled (CLOSED); its units move to ``QuantityFulfilled``.

    UNCONFIRMED trigger (Salesforce documents no exact trigger): omsim raises QuantityFulfilled when the fulfillment order
    reaches the CLOSED category. A reshipment's units were counted in QuantityReshipped when it
    was created, so fulfilling it moves no line bucket.

    ``QuantityShipped`` is written by the carrier integration in Salesforce; omsim writes it here,
    at hand-off: a shipped (not picked-up) fulfillment order's units count as shipped. A
    reshipment sends units already counted once, so it does not add to them.
    """
    require_managed(summary, "fulfil a fulfillment order")
    fo = _open_fulfillment_order(summary, fo_id, "fulfil")
    if fo.item_count == 0:
        raise ActionRejected(f"FulfillmentOrder {fo.id}: cannot fulfil, it has no units left")
    cs = ChangeSet()
    cs.set(fo, "status", "Fulfilled")
    cs.set(fo, "fulfilled_at", at)
    if not fo.is_reship:
        shipped = (
            summary.delivery_group(fo.order_delivery_group_summary_id).delivery_method != "Pickup"
        )
        for line in fo.lines:
            if line.quantity:
                item = summary.item(line.order_item_summary_id)
                cs.add(item, "quantity_fulfilled", line.quantity)
                if shipped:
                    cs.add(item, "quantity_shipped", line.quantity)
    bookkeeping.refresh(cs, summary, money=False)
    cs.involve(summary, "order summary")
    return [cs.event("Fulfillment Order Fulfilled", at, location_id=fo.fulfilled_from_location_id)]


def create_reshipment(
    summary: OrderSummary,
    group_id: str,
    location_id: str,
    lines: Mapping[str, int],
    reason: str,
    *,
    at: float,
    fulfillment_type: str = "Warehouse",
) -> tuple[FulfillmentOrder, list[DomainEvent]]:
    """A reshipment fulfillment order (``IsReship``) for units lost, damaged or wrong.

    Bounded by ``QuantityAvailableToReship``. UNCONFIRMED (Salesforce documents no API that creates a reshipment):
    omsim counts the units in ``QuantityReshipped`` when the reshipment is created, so two
    reshipments can never exceed the bound; canceling its lines gives them back. A reshipment
    carries no charge and gets no invoice.
    """
    require_managed(summary, "reship")
    group = summary.delivery_group(group_id)
    require_choice(reason, RESHIP_REASONS, "ReshipReason", f"OrderSummary {summary.id}")
    require_choice(
        fulfillment_type,
        FULFILLMENT_ORDER_TYPES,
        "FulfillmentOrder Type",
        f"Location {location_id}",
    )
    if not lines:
        raise ActionRejected(f"OrderSummary {summary.id}: reshipment lists no lines")
    for item_id, units in lines.items():
        item = summary.item(item_id)
        require_product(item, "reship")
        if item.order_delivery_group_summary_id != group.id:
            raise ActionRejected(f"OrderItemSummary {item.id}: not in delivery group {group.id}")
        require_positive(units, f"OrderItemSummary {item.id}", "units to reship")
        require_within(
            item.id, "reship", units, item.quantity_available_to_reship, "QuantityAvailableToReship"
        )
    cs = ChangeSet()
    fo = _new_fulfillment_order(
        summary, group.id, location_id, fulfillment_type, at, is_reship=True
    )
    for item_id, units in lines.items():
        _add_line(cs, summary, fo, summary.item(item_id), units, reship_reason=reason)
    summary.fulfillment_orders.append(fo)
    bookkeeping.refresh(cs, summary, money=False)
    cs.involve(summary, "order summary")
    return fo, [cs.event("Reshipment Created", at, reason=reason, location_id=location_id)]
