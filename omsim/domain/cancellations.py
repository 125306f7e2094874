"""Cancel: units not yet allocated come off the order through a change order.

Mirrors ``OrderSummary.submitCancel``. Only ``QuantityAvailableToCancel`` can be canceled; units
on a fulfillment order must first be canceled there (see `allocation`). When funds were already
captured, the excess is refunded at once (``ensureRefundsAsync`` with excess funds), and the
authorized funds that can now never be captured are reversed (`omsim.domain.reversals`).
"""

from __future__ import annotations

from collections.abc import Mapping

from omsim.domain import bookkeeping
from omsim.domain.bookkeeping import apply_change_order, removal_delta, shipping_reduction
from omsim.domain.events import ChangeSet, DomainEvent
from omsim.domain.guardrails import (
    merge_quantities,
    require_managed,
    require_product,
    require_within,
)
from omsim.domain.picklists import ChangeType, FulfillmentPhase, ItemType
from omsim.domain.refunds import ensure_refunds, total_excess_funds_cents
from omsim.domain.reversals import reverse_unused_authorizations
from omsim.domain.summary import OrderItemSummary, OrderSummary


def submit_cancel(
    summary: OrderSummary,
    lines: Mapping[str, int],
    *,
    at: float,
    shipping_reduction_flag: bool,
    reason: str = "Customer Request",
    refund: bool = True,
) -> list[DomainEvent]:
    """Cancel units of product lines (OrderItemSummary id -> units).

    ``shipping_reduction_flag`` is required, as Salesforce's ``shippingReductionFlag`` is: when
    True the delivery charge is prorated by the product value canceled, and canceled in full
    with the group's last units.

    Whatever the flag, a delivery charge never put on a fulfillment order is canceled in full
    when the cancel leaves its group no product units to fulfil: no fulfillment order would ever
    carry it, so it could be neither shipped nor invoiced (the starter cancel flow reduces the
    charge when nothing is left to ship).

    Funds captured beyond what the buyer now owes are refunded at once, unless ``refund`` is
    False (the payment gateway does not answer): they stay as excess funds for a later
    ``ensure_refunds``.

    Then the part of the card authorizations the order can never capture is reversed
    (`omsim.domain.reversals.reverse_unused_authorizations`: one ``Payment Authorization
    Reversed`` event per authorization; a fully canceled order reverses them in full). The
    reversal is a gateway call too: with ``refund`` False nothing is reversed (UNCONFIRMED).
    """
    require_managed(summary, "cancel")
    wanted = merge_quantities(summary, list(lines.items()), "units to cancel")
    for item_id, units in wanted.items():
        item = summary.item(item_id)
        require_product(item, "cancel")
        require_within(
            item.id, "cancel", units, item.quantity_available_to_cancel, "QuantityAvailableToCancel"
        )
    deltas = [
        removal_delta(summary, summary.item(i), u, ChangeType.CANCEL) for i, u in wanted.items()
    ]
    if shipping_reduction_flag:
        deltas += shipping_reduction(summary, deltas, cancel=True)
    stranded = _stranded_charges(summary, wanted)
    if stranded:
        deltas = [d for d in deltas if d.item not in stranded]
        deltas += [removal_delta(summary, c, c.quantity, ChangeType.CANCEL) for c in stranded]
    cs = ChangeSet()
    cs.involve(summary, "order summary")
    change_order = apply_change_order(
        cs, summary, deltas, phase=FulfillmentPhase.PRE, reason=reason, at=at
    )
    for d in deltas:
        if d.change_type is ChangeType.CANCEL:
            cs.add(d.item, "quantity_canceled", -d.quantity)
    bookkeeping.refresh(cs, summary)
    events = [
        cs.event(
            "Order Items Canceled",
            at,
            reason=reason,
            units=sum(wanted.values()),
            amount_cents=-change_order.grand_total_amount_cents,
        )
    ]
    excess = total_excess_funds_cents(summary)
    if excess > 0 and refund:
        events += ensure_refunds(summary, at=at, excess_funds_cents=excess)
    if refund:
        events += reverse_unused_authorizations(summary, at=at)
    return events


def _stranded_charges(summary: OrderSummary, canceled: Mapping[str, int]) -> list[OrderItemSummary]:
    """Unallocated delivery charges whose group has no product units left to fulfil after
    ``canceled`` (OrderItemSummary id -> units) comes off."""
    out = []
    groups = {summary.item(i).order_delivery_group_summary_id for i in canceled}
    for group_id in sorted(groups):
        lines = summary.items_in_group(group_id)
        to_fulfil = sum(
            i.quantity_available_to_fulfill - canceled.get(i.id, 0)
            for i in lines
            if i.type is ItemType.PRODUCT
        )
        if to_fulfil > 0:
            continue
        out += [
            i
            for i in lines
            if i.type is ItemType.DELIVERY_CHARGE
            and i.quantity > 0
            and i.quantity_available_to_cancel == i.quantity
        ]
    return out
