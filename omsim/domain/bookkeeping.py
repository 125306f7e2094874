"""Keeping stored values consistent: line statuses, Order Summary totals, change orders.

Salesforce stores the Order Summary totals and each line's status and recomputes them when
quantities or change orders change. Actions call these helpers after mutating records, through a
`ChangeSet` so every recomputed field is part of the action's event.
"""

from __future__ import annotations

from dataclasses import dataclass

from omsim.domain.events import ChangeSet
from omsim.domain.money import prorate, tax_cents
from omsim.domain.orders import Order, OrderItem
from omsim.domain.picklists import ChangeType, FulfillmentPhase, ItemType
from omsim.domain.summary import OrderItemSummary, OrderItemSummaryChange, OrderSummary

_TOTAL_FIELDS = {
    ItemType.PRODUCT: (
        "total_adjusted_product_amount_cents",
        "total_adjusted_product_tax_amount_cents",
    ),
    ItemType.DELIVERY_CHARGE: (
        "total_adjusted_delivery_amount_cents",
        "total_adjusted_delivery_tax_amount_cents",
    ),
    ItemType.FEE: ("total_adjusted_fee_amount_cents", "total_adjusted_fee_tax_amount_cents"),
}

_RULE_STATUSES = ("Created", "Approved", "Waiting to Fulfill", "Partially Fulfilled", "Fulfilled")


def summary_totals(items: list[OrderItemSummary] | tuple[OrderItem, ...]) -> dict[str, int]:
    """Order Summary totals from lines (OrderItemSummaries, or Order items for a cross-check)."""
    totals = {name: 0 for pair in _TOTAL_FIELDS.values() for name in pair}
    for item in items:
        amount_field, tax_field = _TOTAL_FIELDS[item.type]
        totals[amount_field] += item.total_price_cents
        totals[tax_field] += item.total_tax_amount_cents
    totals["total_amount_cents"] = sum(totals[a] for a, _ in _TOTAL_FIELDS.values())
    totals["total_tax_amount_cents"] = sum(totals[t] for _, t in _TOTAL_FIELDS.values())
    totals["grand_total_amount_cents"] = (
        totals["total_amount_cents"] + totals["total_tax_amount_cents"]
    )
    return totals


def derived_summary_status(summary: OrderSummary) -> str | None:
    """omsim's default rule for ``OrderSummary.Status`` from the line statuses, or None to keep.

    UNCONFIRMED modelling choice (the platform derives no Order Summary status): every product
    line canceled -> Canceled; every product line fulfilled, returned or canceled, with something
    fulfilled -> Fulfilled; something fulfilled -> Partially Fulfilled; something allocated ->
    Waiting to Fulfill. The rule only moves statuses it owns (Created, Approved and the ones it
    sets) and only to values in the summary's picklist; ``Closed`` or a custom status set by a
    flow is left alone.
    """
    if summary.status not in (*_RULE_STATUSES, "Canceled"):
        return None
    products = summary.product_items
    if not products:
        return None
    if all(i.quantity_net_ordered == 0 for i in products):
        target = "Canceled"
    elif all(i.quantity_net_ordered <= i.quantity_fulfilled for i in products):
        target = "Fulfilled"
    elif any(i.quantity_fulfilled > 0 for i in products):
        target = "Partially Fulfilled"
    elif any(i.quantity_allocated > 0 for i in products):
        target = "Waiting to Fulfill"
    else:
        return None
    return target if target in summary.status_picklist else None


def refresh(cs: ChangeSet, summary: OrderSummary) -> None:
    """Recompute every line status, the stored totals and the Order Summary status."""
    for item in summary.items:
        cs.set(item, "status", item.computed_status().value)
    if summary.is_managed:
        for name, value in summary_totals(summary.items).items():
            cs.set(summary, name, value)
    status = derived_summary_status(summary)
    if status is not None:
        cs.set(summary, "status", status)


@dataclass(frozen=True, slots=True)
class LineDelta:
    """A change to one line's money (and, for cancels and returns, its unit count).

    ``quantity`` is negative for units removed; ``line_amount_cents`` and ``adjustment_cents`` are
    deltas; the tax delta is derived so that the line's tax stays the half-even tax of its price.
    """

    item: OrderItemSummary
    change_type: ChangeType
    quantity: int
    line_amount_cents: int
    adjustment_cents: int

    def tax_cents(self) -> int:
        """Tax delta keeping the line's tax the half-even tax of its new ``TotalPrice``."""
        new_price = self.item.total_price_cents + self.line_amount_cents + self.adjustment_cents
        return tax_cents(new_price, self.item.tax_rate) - self.item.total_tax_amount_cents

    def grand_total_cents(self) -> int:
        """The delta's effect on ``GrandTotalAmount`` (negative when the buyer owes less)."""
        return self.line_amount_cents + self.adjustment_cents + self.tax_cents()


def removal_delta(item: OrderItemSummary, units: int, change_type: ChangeType) -> LineDelta:
    """Money removed with ``units`` of a line: their price and their pro-rata adjustments.

    Simplification: adjustments are spread evenly over the line's current units (``Quantity``),
    whichever fulfillment phase they were given in; removing the last unit removes them all.
    """
    share = prorate(item.total_adjustment_amount_cents, units, item.quantity)
    return LineDelta(item, change_type, -units, -units * item.unit_price_cents, -share)


def shipping_reduction(
    summary: OrderSummary, removals: list[LineDelta], *, cancel: bool
) -> list[LineDelta]:
    """Prorate each touched delivery group's charge by the product value removed.

    A cancel is a pre-fulfillment change: it leaves a charge that has already shipped (and been
    invoiced) alone. Simplification (UNCONFIRMED how Salesforce books it): no post-fulfillment
    shipping refund for units canceled after the charge shipped.

    The reference's ``shippingReductionFlag``: the charge drops by its price times removed product
    price over the group's product price before the change. When a change cancels every
    remaining product unit of a group before allocation, the charge line is canceled too (its
    unit moves to QuantityCanceled); otherwise the reduction is a DeliveryChargeAdjustment.
    """
    deltas: list[LineDelta] = []
    groups = {d.item.order_delivery_group_summary_id for d in removals}
    for group_id in sorted(groups):
        lines = summary.items_in_group(group_id)
        products = [i for i in lines if i.type is ItemType.PRODUCT]
        before = sum(i.total_price_cents for i in products)
        removed = -sum(
            d.line_amount_cents + d.adjustment_cents
            for d in removals
            if d.item.order_delivery_group_summary_id == group_id
        )
        units_left = sum(i.quantity for i in products) + sum(
            d.quantity for d in removals if d.item.order_delivery_group_summary_id == group_id
        )
        for charge in (i for i in lines if i.type is ItemType.DELIVERY_CHARGE):
            if charge.total_price_cents == 0 or before <= 0:
                continue
            if cancel and charge.quantity_fulfilled:
                continue  # already shipped and invoiced: a cancel (pre-fulfillment) cannot cut it
            if (
                units_left == 0
                and cancel
                and charge.quantity_available_to_cancel == charge.quantity
            ):
                deltas.append(removal_delta(charge, charge.quantity, ChangeType.CANCEL))
                continue
            cut = (
                charge.total_price_cents
                if units_left == 0
                else prorate(charge.total_price_cents, removed, before)
            )
            if cut:
                deltas.append(LineDelta(charge, ChangeType.DELIVERY_CHARGE_ADJUSTMENT, 0, 0, -cut))
    return deltas


def apply_change_order(
    cs: ChangeSet,
    summary: OrderSummary,
    deltas: list[LineDelta],
    *,
    phase: FulfillmentPhase,
    reason: str,
    at: float,
) -> Order:
    """Create a change order holding ``deltas`` and add them to the lines' money.

    Quantity buckets are the caller's business (a cancel moves QuantityCanceled, a return
    QuantityReturned); this records the financial side: one change order item and one
    OrderItemSummaryChange per delta, and the new line amounts and tax.
    """
    ids = summary.ids
    order_id = ids.next("Order")
    items: list[OrderItem] = []
    for d in deltas:
        item = d.item
        tax_delta = d.tax_cents()
        change_item = OrderItem(
            id=ids.next("OrderItem"),
            order_id=order_id,
            order_delivery_group_id=item.order_delivery_group_summary_id,
            type=item.type,
            stock_keeping_unit=item.stock_keeping_unit,
            quantity=d.quantity,
            unit_price_cents=item.unit_price_cents,
            total_line_amount_cents=d.line_amount_cents,
            total_adjustment_amount_cents=d.adjustment_cents,
            total_tax_amount_cents=tax_delta,
            tax_rate=item.tax_rate,
            original_order_item_id=item.original_order_item_id,
            change_type=d.change_type,
        )
        items.append(change_item)
        cs.add(item, "total_line_amount_cents", d.line_amount_cents)
        cs.add(item, "total_adjustment_amount_cents", d.adjustment_cents)
        cs.add(item, "total_tax_amount_cents", tax_delta)
        change = OrderItemSummaryChange(
            id=ids.next("OrderItemSummaryChange"),
            order_summary_id=summary.id,
            order_item_summary_id=item.id,
            change_order_id=order_id,
            change_order_item_id=change_item.id,
            change_type=d.change_type,
            is_pre_fulfillment=phase is not FulfillmentPhase.POST,
            reason=reason,
        )
        summary.item_changes.append(change)
        cs.created(change)
    original = summary.original_order
    change_order = Order(
        id=order_id,
        order_number=f"{original.order_number}-C{len(summary.change_orders) + 1}",
        activated_at=at,
        sales_channel=original.sales_channel,
        currency_iso_code=original.currency_iso_code,
        items=tuple(items),
        delivery_groups=(),
        related_order_id=original.id,
        fulfillment_phase=phase,
        reason=reason,
    )
    summary.change_orders.append(change_order)
    cs.created(change_order, "change order")
    return change_order
