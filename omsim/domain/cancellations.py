"""Cancel: units not yet allocated come off the order through a change order.

Mirrors ``OrderSummary.submitCancel``. Only ``QuantityAvailableToCancel`` can be canceled; units
on a fulfillment order must first be canceled there (see `allocation`). When funds were already
captured, the excess is refunded at once (``ensureRefundsAsync`` with excess funds).
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
from omsim.domain.picklists import ChangeType, FulfillmentPhase
from omsim.domain.refunds import ensure_refunds, total_excess_funds_cents
from omsim.domain.summary import OrderSummary


def submit_cancel(
    summary: OrderSummary,
    lines: Mapping[str, int],
    *,
    at: float,
    reason: str = "Customer Request",
    shipping_reduction_flag: bool = True,
) -> list[DomainEvent]:
    """Cancel units of product lines (OrderItemSummary id -> units).

    With ``shipping_reduction_flag`` the delivery charge is prorated by the product value
    canceled, and canceled in full with the group's last units.
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
    if excess > 0:
        events += ensure_refunds(summary, at=at, excess_funds_cents=excess)
    return events
