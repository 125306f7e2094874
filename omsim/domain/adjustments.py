"""Adjust: discounts and appeasements, split into pre-, in- and post-fulfillment change orders.

Mirrors ``OrderSummary.adjustPreview``/``adjustSubmit``. A line's units fall in three groups:
pre-fulfillment (``QuantityAvailableToFulfill``), in-fulfillment (allocated, not fulfilled) and
post-fulfillment (``QuantityAvailableToReturn``). Post-fulfillment discounts become a credit memo
and a refund; pre-fulfillment ones lower what will be invoiced, and refund excess funds if money
was already captured. ``allocatedItemsChangeOrderType`` decides the in-fulfillment units:
``Disallowed`` (default) leaves them out and refuses a line whose units are all in fulfillment;
``InFulfillment`` gives them their own change order; ``PreFulfillment`` folds them in.
"""

from __future__ import annotations

from collections.abc import Mapping

from omsim.domain import bookkeeping
from omsim.domain.bookkeeping import LineDelta, apply_change_order, billing_pools
from omsim.domain.errors import ActionRejected
from omsim.domain.events import ChangeSet, DomainEvent
from omsim.domain.funds import create_credit_memo
from omsim.domain.guardrails import require_choice, require_managed, require_positive
from omsim.domain.money import prorate
from omsim.domain.picklists import ChangeType, FulfillmentPhase, ItemType
from omsim.domain.refunds import ensure_refunds, total_excess_funds_cents
from omsim.domain.summary import OrderItemSummary, OrderSummary

ALLOCATED_ITEMS_CHANGE_ORDER_TYPES = ("Disallowed", "InFulfillment", "PreFulfillment")


def _groups(item: OrderItemSummary, mode: str) -> dict[FulfillmentPhase, int]:
    pre, inside, post = (
        item.quantity_available_to_fulfill,
        item.quantity_in_fulfillment,
        item.quantity_available_to_return,
    )
    if mode == "Disallowed":
        if inside > 0 and pre == 0 and post == 0:
            raise ActionRejected(
                f"OrderItemSummary {item.id}: all {inside} units are in fulfillment and "
                "allocatedItemsChangeOrderType is Disallowed"
            )
        inside = 0
    elif mode == "PreFulfillment":
        pre, inside = pre + inside, 0
    return {FulfillmentPhase.PRE: pre, FulfillmentPhase.IN: inside, FulfillmentPhase.POST: post}


def adjust(
    summary: OrderSummary,
    discounts: Mapping[str, int],
    *,
    at: float,
    reason: str = "Discount",
    allocated_items_change_order_type: str = "Disallowed",
    phases: tuple[FulfillmentPhase, ...] = tuple(FulfillmentPhase),
    refund: bool = True,
) -> list[DomainEvent]:
    """Discount lines by an amount per unit (OrderItemSummary id -> cents off each unit, pre-tax).

    ``reason`` is free text such as ``Discount`` or ``Appeasement``. ``phases`` limits the
    discount to some quantity groups (an appeasement for delivered items passes
    ``(FulfillmentPhase.POST,)``). A discount may not exceed the value of the units it applies to:
    unshipped units are valued at what is still to bill, shipped ones at what was billed for them
    (post-fulfillment discounts need the units invoiced). Its tax is the pool's tax on it.
    With ``refund`` False (the payment gateway does not answer) the credit memo and any excess
    funds stay open for a later ``ensure_refunds``.
    """
    require_managed(summary, "adjust")
    require_choice(
        allocated_items_change_order_type,
        ALLOCATED_ITEMS_CHANGE_ORDER_TYPES,
        "allocatedItemsChangeOrderType",
        f"OrderSummary {summary.id}",
    )
    if not discounts:
        raise ActionRejected(f"OrderSummary {summary.id}: adjust lists no lines")
    by_phase: dict[FulfillmentPhase, list[LineDelta]] = {p: [] for p in FulfillmentPhase}
    for item_id, per_unit in discounts.items():
        item = summary.item(item_id)
        if item.type is ItemType.FEE:
            raise ActionRejected(f"OrderItemSummary {item.id}: a Fee line cannot be adjusted")
        require_positive(per_unit, f"OrderItemSummary {item.id}", "discount per unit (cents)")
        groups = {
            phase: n
            for phase, n in _groups(item, allocated_items_change_order_type).items()
            if phase in phases
        }
        units = sum(groups.values())
        if units == 0:
            raise ActionRejected(f"OrderItemSummary {item.id}: no units left to adjust")
        unbilled, billed = billing_pools(summary, item)
        unshipped = groups.get(FulfillmentPhase.PRE, 0) + groups.get(FulfillmentPhase.IN, 0)
        for pool, n in ((unbilled, unshipped), (billed, groups.get(FulfillmentPhase.POST, 0))):
            value = pool.share(n)[0]
            if per_unit * n > value:
                raise ActionRejected(
                    f"OrderItemSummary {item.id}: cannot discount {per_unit * n} "
                    f"({per_unit} x {n} units), the value of those units is {value}"
                )
        kind = (
            ChangeType.PRODUCT_ADJUSTMENT
            if item.type is ItemType.PRODUCT
            else ChangeType.DELIVERY_CHARGE_ADJUSTMENT
        )
        # the unshipped units' tax comes off once for both groups, so rounding cannot overshoot
        unshipped_tax = unbilled.tax_of(per_unit * unshipped)
        pre_tax = (
            prorate(unshipped_tax, groups.get(FulfillmentPhase.PRE, 0), unshipped)
            if unshipped
            else 0
        )
        taxes = {
            FulfillmentPhase.PRE: pre_tax,
            FulfillmentPhase.IN: unshipped_tax - pre_tax,
            FulfillmentPhase.POST: billed.tax_of(per_unit * groups.get(FulfillmentPhase.POST, 0)),
        }
        for phase, n in groups.items():
            if n:
                by_phase[phase].append(LineDelta(item, kind, 0, 0, -per_unit * n, -taxes[phase]))
    cs = ChangeSet()
    cs.involve(summary, "order summary")
    change_orders = {
        phase: apply_change_order(cs, summary, deltas, phase=phase, reason=reason, at=at)
        for phase, deltas in by_phase.items()
        if deltas
    }
    bookkeeping.refresh(cs, summary)
    total = -sum(co.grand_total_amount_cents for co in change_orders.values())
    events = [cs.event("Order Items Adjusted", at, reason=reason, amount_cents=total)]
    post = change_orders.get(FulfillmentPhase.POST)
    if post is not None:
        memo, memo_events = create_credit_memo(summary, [post.id], at=at)
        events += memo_events
        if refund:
            events += ensure_refunds(summary, at=at, credit_memo_id=memo.id)
    excess = total_excess_funds_cents(summary)
    if excess > 0 and refund:
        events += ensure_refunds(summary, at=at, excess_funds_cents=excess)
    return events
