"""Keeping stored values consistent: line statuses, Order Summary totals, change orders.

Salesforce stores the Order Summary totals and each line's status and recomputes them when
quantities or change orders change. Actions call these helpers after mutating records, through a
`ChangeSet` so every recomputed field is part of the action's event.
"""

from __future__ import annotations

from dataclasses import dataclass

from omsim.domain.events import ChangeSet
from omsim.domain.money import divide_half_even, prorate
from omsim.domain.orders import Order, OrderItem
from omsim.domain.picklists import ChangeType, FulfillmentPhase, ItemType
from omsim.domain.summary import (
    OrderDeliveryGroupSummary,
    OrderItemSummary,
    OrderItemSummaryChange,
    OrderSummary,
)

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


def summary_totals(
    items: list[OrderItemSummary] | list[OrderItem] | tuple[OrderItem, ...],
) -> dict[str, int]:
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


_UNADJUSTED_FIELDS = {
    ItemType.PRODUCT: ("total_product_amount_cents", "total_product_amount_with_tax_cents"),
    ItemType.DELIVERY_CHARGE: (
        "total_delivery_amount_cents",
        "total_delivery_amount_with_tax_cents",
    ),
    ItemType.FEE: ("total_fee_amount_cents", "total_fee_amount_with_tax_cents"),
}


def unadjusted_totals(items: list[OrderItemSummary]) -> dict[str, int]:
    """``TotalProductAmount``, ``TotalDeliveryAmount``, ``TotalFeeAmount`` (sums of the lines'
    unadjusted ``TotalLineAmount``) and their ``...WithTax`` twins (plus ``TotalLineTaxAmount``)."""
    totals = {name: 0 for pair in _UNADJUSTED_FIELDS.values() for name in pair}
    for item in items:
        amount_field, with_tax_field = _UNADJUSTED_FIELDS[item.type]
        totals[amount_field] += item.total_line_amount_cents
        totals[with_tax_field] += item.total_line_amount_cents + item.total_line_tax_amount_cents
    return totals


def delivery_group_totals(
    items: list[OrderItemSummary] | list[OrderItem], by_type: dict[str, int] | None = None
) -> dict[str, int]:
    """An ``OrderDeliveryGroupSummary``'s totals from the lines of the group (``by_type``: their
    `summary_totals`, when already computed)."""
    by_type = by_type or summary_totals(items)
    totals = {
        "total_line_amount_cents": sum(i.total_line_amount_cents for i in items),
        "total_adjustment_amount_cents": sum(i.total_adjustment_amount_cents for i in items),
    }
    for name in OrderDeliveryGroupSummary.ROLL_UPS - totals.keys():
        totals[name] = by_type[name]
    return totals


def store_totals(cs: ChangeSet, summary: OrderSummary) -> None:
    """Write the Order Summary's and its delivery groups' totals from the lines.

    `refresh` calls it after every change of a managed summary; `create_order_summary` calls it
    once for an unmanaged one, whose totals then stay as captured. The Order Summary's totals
    are field changes of the action's event; the roll-ups of its delivery groups and header
    adjustment groups are written as they are (like formula fields: in the final-state records,
    not followed change by change in the event log, which follows the summary's).
    """
    items = summary.items
    totals = summary_totals(items)
    for name, value in totals.items():
        cs.set(summary, name, value)
    for name, value in unadjusted_totals(items).items():
        cs.set(summary, name, value)
    dist = sum(i.total_adjustment_dist_amount_cents for i in items)
    cs.set(summary, "total_adj_dist_amount_cents", dist)
    for adjustment in summary.adjustment_groups:  # one header group per order (create_order)
        adjustment.total_amount_cents = dist
    groups = summary.delivery_groups
    for group in groups:
        lines = items if len(groups) == 1 else summary.items_in_group(group.id)
        for name, value in delivery_group_totals(lines, totals if lines is items else None).items():
            setattr(group, name, value)


def fulfillment_line_money(
    summary: OrderSummary, item: OrderItemSummary, units: int
) -> tuple[int, int]:
    """(``TotalAdjustmentAmount``, ``TotalTaxAmount``) of ``units`` of a line on a fulfillment
    order not yet invoiced: the units' share of what the line still has to bill, the amount
    its invoice will carry (so the line's ``TotalPrice`` plus adjustment is what it bills)."""
    unbilled, _ = billing_pools(summary, item)
    amount, tax = unbilled.share(units)
    return amount - units * item.unit_price_cents, tax


def return_line_money(summary: OrderSummary, item: OrderItemSummary, units: int) -> tuple[int, int]:
    """(``TotalAdjustmentAmount``, ``TotalTaxAmount``) of ``units`` of a line on an open return
    order line: what returning them would credit (`removal_delta`), without shipping."""
    if units <= 0:
        return 0, 0
    delta = removal_delta(summary, item, units, ChangeType.RETURN)
    return -delta.adjustment_cents, -delta.tax_delta_cents


def refresh_documents(summary: OrderSummary) -> None:
    """Open fulfillment order lines and open return order lines carry what they will bill or
    credit, recomputed after every change; an invoiced fulfillment order and a processed return
    line keep what their invoice or change order booked. A reshipment carries no money.

    Written as they are, like `store_totals`' roll-ups: what they follow (the lines' money and
    the invoices and credit memos) is in the event log already."""
    for fo in summary.fulfillment_orders:
        if fo.invoice_id is not None or fo.is_reship:
            continue
        for line in fo.lines:
            line.total_adjustment_amount_cents, line.total_tax_amount_cents = (
                fulfillment_line_money(
                    summary, summary.item(line.order_item_summary_id), line.quantity
                )
            )
    for ro in summary.return_orders:
        for rl in ro.lines:
            if not rl.is_processed:
                rl.total_adjustment_amount_cents, rl.total_tax_amount_cents = return_line_money(
                    summary, summary.item(rl.order_item_summary_id), rl.quantity_expected
                )


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


def refresh(cs: ChangeSet, summary: OrderSummary, *, money: bool = True) -> None:
    """Recompute every line status, the stored totals and the Order Summary status.

    ``money`` False: the action moved quantities only (allocation, fulfilment, a return order
    created), and no line's money nor any invoice or credit memo, so the totals and what open
    fulfillment and return order lines carry are left as they are (a new document line is
    valued when it is created; `refresh_documents` revalues the open ones).
    """
    for item in summary.items:
        cs.set(item, "status", item.computed_status().value)
    if summary.is_managed and money:
        store_totals(cs, summary)
        refresh_documents(summary)
    status = derived_summary_status(summary)
    if status is not None:
        cs.set(summary, "status", status)


@dataclass(frozen=True, slots=True)
class LineDelta:
    """A change to one line's money (and, for cancels and returns, its unit count).

    ``quantity`` is negative for units removed; the amounts are deltas, tax included: a change
    order item carries its own tax, as in Salesforce, so the line's tax is the original's plus
    every change's (not re-rounded from the new price). A line added by the change order
    (``ChangeType`` Add, a fee) names the change order item that creates it,
    ``added_order_item_id``: the new line's ``OriginalOrderItemId``. ``dist_cents`` is the
    part of ``adjustment_cents`` that changes the line's share of header adjustments
    (``TotalAdjustmentDistAmount``).
    """

    item: OrderItemSummary
    change_type: ChangeType
    quantity: int
    line_amount_cents: int
    adjustment_cents: int
    tax_delta_cents: int
    added_order_item_id: str | None = None
    dist_cents: int = 0

    def tax_cents(self) -> int:
        return self.tax_delta_cents

    def grand_total_cents(self) -> int:
        """The delta's effect on ``GrandTotalAmount`` (negative when the buyer owes less)."""
        return self.line_amount_cents + self.adjustment_cents + self.tax_delta_cents


@dataclass(frozen=True, slots=True)
class Pool:
    """Units of one line and the money (pre-tax and tax, cents) that goes with them."""

    units: int
    amount_cents: int
    tax_cents: int

    def share(self, units: int) -> tuple[int, int]:
        """(pre-tax, tax) of ``units`` of the pool, exact when taking them all."""
        if units <= 0 or self.units <= 0:
            return 0, 0
        return prorate(self.amount_cents, units, self.units), prorate(
            self.tax_cents, units, self.units
        )

    def tax_of(self, amount_cents: int) -> int:
        """The pool's tax on ``amount_cents`` of its value (proportional, half-even)."""
        if self.amount_cents <= 0:
            return 0
        return divide_half_even(self.tax_cents * amount_cents, self.amount_cents)


def billing_pools(summary: OrderSummary, item: OrderItemSummary) -> tuple[Pool, Pool]:
    """(unbilled, billed) money of a line.

    Unbilled: units not yet invoiced and the line value not yet billed. Billed: invoiced units
    not returned and what invoices billed net of credit memos. Invoices draw from the first,
    cancels remove from the first, returns from the second; together they hold the line's whole
    ``TotalPrice`` and tax, so the books balance to the cent when everything is billed.
    """
    inv_units = inv_amount = inv_tax = credit_amount = credit_tax = 0
    for doc in summary.invoices:
        for line in doc.lines:
            if line.order_item_summary_id == item.id:
                inv_units += line.quantity
                inv_amount += line.amount_cents
                inv_tax += line.tax_cents
    for memo in summary.credit_memos:
        for line in memo.lines:
            if line.order_item_summary_id == item.id:
                credit_amount += line.amount_cents
                credit_tax += line.tax_cents
    billed = Pool(
        inv_units - item.quantity_returned, inv_amount - credit_amount, inv_tax - credit_tax
    )
    unbilled = Pool(
        item.quantity_net_ordered - inv_units,
        item.total_price_cents - billed.amount_cents,
        item.total_tax_amount_cents - billed.tax_cents,
    )
    return unbilled, billed


def removal_delta(
    summary: OrderSummary, item: OrderItemSummary, units: int, change_type: ChangeType
) -> LineDelta:
    """Money removed with ``units`` of a line: a cancel takes unbilled units' share of what is
    still to bill; a return takes billed units' share of what was billed (net of credits), and
    units fulfilled but not yet invoiced from what is still to bill. Of the adjustment given
    back, the removed units' share of the line's header adjustments (``units`` of the line's
    remaining ``Quantity``) is the distributed part; the rest is line-level.
    """
    unbilled, billed = billing_pools(summary, item)
    if change_type is ChangeType.RETURN:
        from_billed = min(units, max(0, billed.units))
        amount, tax = billed.share(from_billed)
        more_amount, more_tax = unbilled.share(units - from_billed)
        amount, tax = amount + more_amount, tax + more_tax
    else:
        amount, tax = unbilled.share(units)
    line = units * item.unit_price_cents
    dist = item.total_adjustment_dist_amount_cents
    dist_back = -prorate(dist, units, item.quantity) if dist and item.quantity > 0 else 0
    return LineDelta(item, change_type, -units, -line, line - amount, -tax, dist_cents=dist_back)


def shipping_reduction(
    summary: OrderSummary, removals: list[LineDelta], *, cancel: bool
) -> list[LineDelta]:
    """Prorate each touched delivery group's charge by the product value removed.

    Salesforce's ``shippingReductionFlag`` (submit-cancel and return actions): the charge drops by its value times removed product
    price over the group's product price before the change; removing a group's last units
    removes the whole charge (canceling its unit when it was never allocated).

    A cancel (a pre-fulfillment change) reduces only a charge not yet shipped, from what is still
    to bill; a return (post-fulfillment, credited) only a charge already invoiced, from what was
    billed. Simplification (UNCONFIRMED how Salesforce books the other cases): no reduction then.
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
            unbilled, billed = billing_pools(summary, charge)
            if cancel and (charge.quantity_fulfilled or unbilled.units <= 0):
                continue
            if not cancel and (unbilled.units > 0 or billed.units <= 0):
                continue
            pool = unbilled if cancel else billed
            if pool.amount_cents <= 0 or before <= 0:
                continue
            if (
                units_left == 0
                and cancel
                and charge.quantity_available_to_cancel == charge.quantity
            ):
                deltas.append(removal_delta(summary, charge, charge.quantity, ChangeType.CANCEL))
                continue
            if units_left == 0:
                cut, tax = pool.amount_cents, pool.tax_cents
            else:
                cut = prorate(pool.amount_cents, removed, before)
                tax = pool.tax_of(cut)
            if cut:
                deltas.append(
                    LineDelta(charge, ChangeType.DELIVERY_CHARGE_ADJUSTMENT, 0, 0, -cut, -tax)
                )
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
        tax_delta = d.tax_delta_cents
        change_item = OrderItem(
            id=d.added_order_item_id or ids.next("OrderItem"),
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
            original_order_item_id=None if d.added_order_item_id else item.original_order_item_id,
            change_type=d.change_type,
            total_adjustment_dist_amount_cents=d.dist_cents,
        )
        items.append(change_item)
        cs.created(change_item, "change order item")
        cs.add(item, "total_line_amount_cents", d.line_amount_cents)
        cs.add(item, "total_adjustment_amount_cents", d.adjustment_cents)
        cs.add(item, "total_tax_amount_cents", tax_delta)
        if d.dist_cents:
            cs.add(item, "total_adjustment_dist_amount_cents", d.dist_cents)
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
