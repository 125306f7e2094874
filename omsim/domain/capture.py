"""Capture: the activated Order, its Order Summary, and the payment authorization.

Mirrors the storefront creating and activating an ``Order`` with its ``OrderItem`` and
``OrderDeliveryGroup`` records, the "Create Order Summary" action (MANAGED or UNMANAGED), and the
``PaymentAuthorization`` grouped in an ``OrderPaymentSummary``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from decimal import Decimal
from typing import Any

from omsim.domain import bookkeeping
from omsim.domain.errors import ActionRejected
from omsim.domain.events import ChangeSet, DomainEvent
from omsim.domain.guardrails import require_choice, require_managed
from omsim.domain.ids import IdFactory
from omsim.domain.money import as_rate, prorate, tax_cents
from omsim.domain.orders import Order, OrderAdjustmentGroup, OrderDeliveryGroup, OrderItem
from omsim.domain.payments import OrderPaymentSummary, PaymentAuthorization
from omsim.domain.picklists import ORDER_SUMMARY_STATUSES, ItemType, LifeCycleType, SourceProcess
from omsim.domain.summary import (
    OrderAdjustmentGroupSummary,
    OrderDeliveryGroupSummary,
    OrderItemSummary,
    OrderSummary,
)

DELIVERY_METHODS = ("Standard", "Express", "Pickup")


@dataclass(frozen=True, slots=True)
class DeliveryGroupInput:
    """A recipient and delivery method at checkout, with its delivery charge.

    ``key`` is the name order lines use to refer to the group. ``delivery_charge_cents`` of 0
    creates no charge line.
    """

    key: str
    delivery_method: str = "Standard"
    delivery_charge_cents: int = 0
    charge_tax_rate: Decimal | str | float = "0"
    deliver_to_postal_code: str = ""
    deliver_to_zone_id: str = ""
    pickup_location_id: str | None = None
    promised_delivery_at: float | None = None


@dataclass(frozen=True, slots=True)
class OrderLineInput:
    """One product bought: SKU, whole units, unit price in cents, tax rate, delivery group key."""

    sku: str
    quantity: int
    unit_price_cents: int
    tax_rate: Decimal | str | float = "0"
    delivery_group: str = "default"


def create_order(
    ids: IdFactory,
    *,
    lines: list[OrderLineInput],
    delivery_groups: list[DeliveryGroupInput],
    at: float,
    sales_channel: str = "Web",
    currency_iso_code: str = "USD",
    header_discount_cents: int = 0,
    header_discount_description: str = "Order discount",
) -> Order:
    """Build and activate an Order; it is immutable from here on.

    ``header_discount_cents`` (pre-tax, at most the products' value) is an order-level
    ("Header") adjustment, an `OrderAdjustmentGroup`, distributed over the product lines in
    proportion to their amounts: line after line, each takes its amount's share of what is
    left to distribute over what is left of the products' value, rounded half-even, so the
    shares add up to the discount exactly (UNCONFIRMED: Salesforce's pricing engine rounds
    it; omsim uses the exact proration it uses everywhere). Each line's tax is then on its
    discounted price. Delivery charges take no share.

    Raises `ActionRejected` for an empty order, a non-positive quantity, a negative price, an
    unknown delivery method, a line naming a delivery group that does not exist, or a header
    discount that is negative, not whole cents or above the products' value.
    """
    if not lines:
        raise ActionRejected("Order: cannot activate an order without lines")
    order_id = ids.next("Order")
    groups: dict[str, OrderDeliveryGroup] = {}
    items: list[OrderItem] = []
    for g in delivery_groups:
        require_choice(
            g.delivery_method, DELIVERY_METHODS, "delivery method", f"delivery group {g.key}"
        )
        if g.delivery_method == "Pickup" and not g.pickup_location_id:
            raise ActionRejected(f"delivery group {g.key}: Pickup needs pickup_location_id")
        if g.delivery_charge_cents < 0:
            raise ActionRejected(f"delivery group {g.key}: delivery charge must be >= 0")
        groups[g.key] = OrderDeliveryGroup(
            id=ids.next("OrderDeliveryGroup"),
            order_id=order_id,
            delivery_method=g.delivery_method,
            deliver_to_postal_code=g.deliver_to_postal_code,
            deliver_to_zone_id=g.deliver_to_zone_id,
            pickup_location_id=g.pickup_location_id,
            promised_delivery_at=g.promised_delivery_at,
        )
    for line in lines:
        if line.delivery_group not in groups:
            known = ", ".join(groups) or "none"
            raise ActionRejected(
                f"order line {line.sku}: delivery group {line.delivery_group!r} unknown; known: {known}"
            )
        if not isinstance(line.quantity, int) or line.quantity <= 0 or line.unit_price_cents < 0:
            raise ActionRejected(
                f"order line {line.sku}: quantity must be a positive whole number and price >= 0, "
                f"got quantity {line.quantity!r}, unit price {line.unit_price_cents!r}"
            )
        items.append(
            _item(
                ids,
                order_id,
                groups[line.delivery_group].id,
                ItemType.PRODUCT,
                line.sku,
                line.quantity,
                line.unit_price_cents,
                _rate(line.tax_rate, f"order line {line.sku}"),
            )
        )
    groups_adjusted: tuple[OrderAdjustmentGroup, ...] = ()
    if header_discount_cents != 0 or type(header_discount_cents) is not int:
        group = _header_discount(
            ids, order_id, header_discount_cents, header_discount_description, items
        )
        items = _distribute(group, items)
        groups_adjusted = (group,)
    for g in delivery_groups:
        if g.delivery_charge_cents > 0:
            items.append(
                _item(
                    ids,
                    order_id,
                    groups[g.key].id,
                    ItemType.DELIVERY_CHARGE,
                    "DELIVERY",
                    1,
                    g.delivery_charge_cents,
                    _rate(g.charge_tax_rate, f"delivery group {g.key}"),
                )
            )
    return Order(
        id=order_id,
        order_number=order_id.replace("ORD-", "0"),
        activated_at=at,
        sales_channel=sales_channel,
        currency_iso_code=currency_iso_code,
        items=tuple(items),
        delivery_groups=tuple(groups.values()),
        adjustment_groups=groups_adjusted,
    )


def _header_discount(
    ids: IdFactory, order_id: str, cents: int, description: str, products: list[OrderItem]
) -> OrderAdjustmentGroup:
    value = sum(i.total_line_amount_cents for i in products)
    if not isinstance(cents, int) or isinstance(cents, bool) or not 0 <= cents <= value:
        raise ActionRejected(
            f"Order {order_id}: header discount must be whole cents from 0 to the products' "
            f"value {value}, got {cents!r}"
        )
    return OrderAdjustmentGroup(
        id=ids.next("OrderAdjustmentGroup"),
        order_id=order_id,
        amount_cents=-cents,
        description=description,
    )


def _distribute(group: OrderAdjustmentGroup, products: list[OrderItem]) -> list[OrderItem]:
    """The products with their shares of the header adjustment (see `create_order`)."""
    left, base = group.amount_cents, sum(i.total_line_amount_cents for i in products)
    out = []
    for item in products:
        share = prorate(left, item.total_line_amount_cents, base) if base else 0
        left, base = left - share, base - item.total_line_amount_cents
        out.append(
            replace(
                item,
                total_adjustment_amount_cents=share,
                total_adjustment_dist_amount_cents=share,
                total_tax_amount_cents=tax_cents(
                    item.total_line_amount_cents + share, item.tax_rate
                ),
            )
        )
    return out


def _rate(value: Decimal | str | float, where: str) -> Decimal:
    try:
        return as_rate(value)
    except ValueError as error:
        raise ActionRejected(f"{where}: {error}") from None


def _item(
    ids: IdFactory,
    order_id: str,
    group_id: str,
    item_type: ItemType,
    sku: str,
    quantity: int,
    unit_price_cents: int,
    rate: Decimal,
) -> OrderItem:
    amount = quantity * unit_price_cents
    return OrderItem(
        id=ids.next("OrderItem"),
        order_id=order_id,
        order_delivery_group_id=group_id,
        type=item_type,
        stock_keeping_unit=sku,
        quantity=quantity,
        unit_price_cents=unit_price_cents,
        total_line_amount_cents=amount,
        total_adjustment_amount_cents=0,
        total_tax_amount_cents=tax_cents(amount, rate),
        tax_rate=rate,
    )


def create_order_summary(
    ids: IdFactory,
    order: Order,
    *,
    at: float,
    life_cycle_type: LifeCycleType = LifeCycleType.MANAGED,
    source_process: SourceProcess = SourceProcess.STANDARD,
    source_order_summary_id: str | None = None,
    status: str = "Created",
    status_picklist: tuple[str, ...] | None = None,
    attributes: Mapping[str, Any] | None = None,
) -> tuple[OrderSummary, list[DomainEvent]]:
    """The "Create Order Summary" action: the summary, its lines and delivery groups.

    An Exchange summary must name its source (``SourceOrderSummaryId``); a change order cannot be
    summarised. UNMANAGED summaries keep lines and quantities ordered for reference only.
    The event's ``delivery_method`` is the delivery groups' methods (one, or several joined by
    ``;`` in sorted order); ``attributes`` adds what the caller observed beyond the records (the
    storefront's, e.g. a Pickup it turned into Standard delivery).
    """
    if order.is_change_order:
        raise ActionRejected(f"Order {order.id}: a change order cannot have its own OrderSummary")
    if (source_process is SourceProcess.EXCHANGE) != (source_order_summary_id is not None):
        raise ActionRejected(
            f"Order {order.id}: SourceOrderSummaryId is required for, and only for, "
            f"SourceProcess Exchange (got {source_process.value}, {source_order_summary_id!r})"
        )
    summary = OrderSummary(
        id=ids.next("OrderSummary"),
        order_number=order.order_number,
        original_order=order,
        ordered_at=at,
        order_life_cycle_type=life_cycle_type,
        source_process=source_process,
        source_order_summary_id=source_order_summary_id,
        status=status,
        sales_channel=order.sales_channel,
        currency_iso_code=order.currency_iso_code,
        ids=ids,
        status_picklist=status_picklist or ORDER_SUMMARY_STATUSES,
    )
    require_choice(status, summary.status_picklist, "Status", f"OrderSummary {summary.id}")
    cs = ChangeSet()
    cs.created(order, "original order")  # activated by the storefront just before
    for original_group in order.delivery_groups:
        cs.created(original_group, "original delivery group")
    for original_adjustment in order.adjustment_groups:
        cs.created(original_adjustment, "original adjustment group")
    for line in order.items:
        cs.created(line, "original order item")
    cs.created(summary)
    group_ids: dict[str, str] = {}
    for g in order.delivery_groups:
        group = OrderDeliveryGroupSummary(
            id=ids.next("OrderDeliveryGroupSummary"),
            order_summary_id=summary.id,
            original_order_delivery_group_id=g.id,
            delivery_method=g.delivery_method,
            deliver_to_postal_code=g.deliver_to_postal_code,
            deliver_to_zone_id=g.deliver_to_zone_id,
            pickup_location_id=g.pickup_location_id,
            promised_delivery_at=g.promised_delivery_at,
        )
        lines = [oi for oi in order.items if oi.order_delivery_group_id == g.id]
        for name, value in bookkeeping.delivery_group_totals(lines).items():
            setattr(group, name, value)  # as captured: a roll-up, refreshed with the totals
        group_ids[g.id] = group.id
        summary.delivery_groups.append(group)
        cs.created(group)
    for oi in order.items:
        item = OrderItemSummary(
            id=ids.next("OrderItemSummary"),
            order_summary_id=summary.id,
            original_order_item_id=oi.id,
            order_delivery_group_summary_id=group_ids[oi.order_delivery_group_id],
            type=oi.type,
            stock_keeping_unit=oi.stock_keeping_unit,
            unit_price_cents=oi.unit_price_cents,
            tax_rate=oi.tax_rate,
            quantity_ordered=oi.quantity,
            total_line_amount_cents=oi.total_line_amount_cents,
            total_adjustment_amount_cents=oi.total_adjustment_amount_cents,
            total_tax_amount_cents=oi.total_tax_amount_cents,
            total_adjustment_dist_amount_cents=oi.total_adjustment_dist_amount_cents,
        )
        summary.items.append(item)
        cs.created(item)
    for header in order.adjustment_groups:
        adjustment = OrderAdjustmentGroupSummary(
            id=ids.next("OrderAdjustmentGroupSummary"),
            order_summary_id=summary.id,
            original_order_adjustment_group_id=header.id,
            type=header.type,
            description=header.description,
            total_amount_cents=header.amount_cents,
        )
        summary.adjustment_groups.append(adjustment)
        cs.created(adjustment)
    if not summary.is_managed:
        bookkeeping.store_totals(cs, summary)  # copied once, then frozen
    bookkeeping.refresh(cs, summary)
    created = cs.event(
        "Order Summary Created",
        at,
        life_cycle_type=life_cycle_type.value,
        source_process=source_process.value,
        amount_cents=order.grand_total_amount_cents,
        delivery_method=";".join(sorted({g.delivery_method for g in order.delivery_groups})),
        **(attributes or {}),
    )
    return summary, [created]


def authorize_payment(
    summary: OrderSummary,
    *,
    amount_cents: int,
    at: float,
    valid_hours: float | None = 7 * 24,
    method: str = "Visa",
    payment_type: str = "Card",
    reason: str = "checkout",
) -> list[DomainEvent]:
    """Record a processed ``PaymentAuthorization`` on the method's ``OrderPaymentSummary``.

    ``reason`` labels the event (``checkout``, ``reauthorization``, ``exchange``).
    ``valid_hours`` sets ``ExpirationDate`` (default 7 days, the card-not-present validity of the
    card networks); ``None`` never expires. The gateway's decision is the caller's: this records
    a successful authorization.
    """
    require_managed(summary, "authorize payment")
    if amount_cents <= 0:
        raise ActionRejected(
            f"OrderSummary {summary.id}: authorization amount must be positive, got {amount_cents}"
        )
    cs = ChangeSet()
    cs.involve(summary, "order summary")
    ops = next((p for p in summary.payment_summaries if p.method == method), None)
    if ops is None:
        ops = OrderPaymentSummary(
            id=summary.ids.next("OrderPaymentSummary"),
            order_summary_id=summary.id,
            method=method,
            type=payment_type,
        )
        summary.payment_summaries.append(ops)
        cs.created(ops)
    auth = PaymentAuthorization(
        id=summary.ids.next("PaymentAuthorization"),
        order_payment_summary_id=ops.id,
        amount_cents=amount_cents,
        authorized_at=at,
        expires_at=None if valid_hours is None else at + valid_hours,
        processing_mode="Salesforce" if payment_type == "Exchange Credit" else "External",
    )
    ops.authorizations.append(auth)
    cs.created(auth)
    cs.involve(ops, "order payment summary")
    return [
        cs.event("Payment Authorized", at, amount_cents=amount_cents, method=method, reason=reason)
    ]


def set_order_summary_status(summary: OrderSummary, status: str, *, at: float) -> list[DomainEvent]:
    """Set ``OrderSummary.Status`` to a value of its picklist (what a flow's update does)."""
    require_choice(status, summary.status_picklist, "Status", f"OrderSummary {summary.id}")
    cs = ChangeSet()
    cs.set(summary, "status", status)
    if cs.empty:
        return []
    return [cs.event("Order Summary Status Changed", at, status=status)]
