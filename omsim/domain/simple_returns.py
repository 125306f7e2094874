"""Simple returns: fulfilled units back without an RMA (no ReturnOrder).

Mirrors ``ConnectApi.OrderSummary.submitReturn``: the units move into ``QuantityReturnInitiated``
and ``QuantityReturned`` at once (UNCONFIRMED: inferred, reference section 2), through one
post-fulfillment change order (``ChangeType`` Return, with the prorated delivery charge when
``shippingReductionFlag`` is set); then, as reference section 3.4 describes,
``createCreditMemo({changeOrderIds})`` and ``ensureRefundsAsync({creditMemoId})``. A return fee
is added and invoiced as `omsim.domain.returns.return_items` does it, and netted against the
credit before the refund.

`omsim.domain.returns.preview_return` (``previewReturn``) previews it: the same change order
deltas, so the credit it reports is what ``Order Items Returned`` credits.

Units already in an RMA are in ``QuantityReturnInitiated`` and so not in
``QuantityAvailableToReturn``: the two paths cannot return the same unit twice.
`return_initiated_violations` states the rule both paths keep together.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from decimal import Decimal

from omsim.domain import bookkeeping
from omsim.domain.bookkeeping import apply_change_order
from omsim.domain.errors import ActionRejected
from omsim.domain.events import ChangeSet, DomainEvent
from omsim.domain.guardrails import (
    merge_quantities,
    require_choice,
    require_managed,
    require_product,
    require_within,
)
from omsim.domain.money import as_rate, tax_cents
from omsim.domain.picklists import REASONS_FOR_RETURN, ChangeType, FulfillmentPhase, ItemType
from omsim.domain.returns import _return_deltas, credit_return
from omsim.domain.summary import OrderSummary

__all__ = [
    "return_initiated_violations",
    "simple_return_units",
    "submit_return",
]


def submit_return(
    summary: OrderSummary,
    lines: Mapping[str, int],
    *,
    at: float,
    shipping_reduction_flag: bool,
    reason: str,
    return_fee_cents: int = 0,
    fee_tax_rate: Decimal | str | float = "0",
    refund: bool = True,
) -> list[DomainEvent]:
    """``submitReturn``: return fulfilled units of product lines without a return order.

    Parameters
    ----------
    summary : OrderSummary
        A MANAGED Order Summary.
    lines : mapping of str to int
        OrderItemSummary id -> units; each line a product line, the units positive and within
        its ``QuantityAvailableToReturn`` (units in an open RMA are not available).
    at : float
        Hours since the scenario start.
    shipping_reduction_flag : bool
        Required, as Salesforce's ``shippingReductionFlag``: prorate the related delivery
        charge by the product value returned (in full with the group's last units).
    reason : str
        Required: the change order's ``OrderItemSummaryChange.Reason``, one of the
        ``ReasonForReturn`` values (UNCONFIRMED: omsim has no separate picklist for change
        reasons and uses ``ReturnOrderLineItem.ReasonForReturn``'s, as the RMA path's flows do).
    return_fee_cents, fee_tax_rate : int, decimal
        An optional fee (before tax, taxed at ``fee_tax_rate``) charged as a Fee line by its
        own change order and invoice, netted against the credit; it may not exceed the credit.
    refund : bool
        False when the payment gateway does not answer: the fee is still netted, and what
        would go to the card stays on the credit memo for a later ``ensure_refunds``.

    Returns
    -------
    list of DomainEvent
        ``Order Items Returned`` (``units``, ``amount_cents``: the credit, tax and any delivery
        charge included, ``reason``), then, when the credit is positive, ``Credit Memo
        Created``, the fee's ``Return Fee Charged`` and ``Invoice Created``, and ``Refund
        Processed`` (or a Payment process exception when the funds cannot cover it).
    """
    require_managed(summary, "submit a return")
    require_choice(reason, REASONS_FOR_RETURN, "return reason", f"OrderSummary {summary.id}")
    wanted = merge_quantities(summary, list(lines.items()), "units to return")
    for item_id, units in wanted.items():
        item = summary.item(item_id)
        require_product(item, "return")
        require_within(
            item.id, "return", units, item.quantity_available_to_return, "QuantityAvailableToReturn"
        )
    deltas = _return_deltas(summary, wanted, shipping_reduction_flag)
    credit = -sum(d.grand_total_cents() for d in deltas)
    try:
        rate = as_rate(fee_tax_rate)
    except ValueError as error:
        raise ActionRejected(f"OrderSummary {summary.id}: return fee {error}") from None
    if not isinstance(return_fee_cents, int):
        raise ActionRejected(
            f"OrderSummary {summary.id}: return fee must be whole cents, got {return_fee_cents!r}"
        )
    fee_total = return_fee_cents + tax_cents(return_fee_cents, rate)
    if return_fee_cents < 0 or (return_fee_cents and fee_total > credit):
        raise ActionRejected(
            f"OrderSummary {summary.id}: return fee {return_fee_cents} (with tax {fee_total}) "
            f"must be >= 0 and within the credit of {credit}"
        )
    cs = ChangeSet()
    cs.involve(summary, "order summary")
    change_order = apply_change_order(
        cs, summary, deltas, phase=FulfillmentPhase.POST, reason=reason, at=at
    )
    for item_id, units in wanted.items():
        item = summary.item(item_id)
        cs.add(item, "quantity_return_initiated", units)
        cs.add(item, "quantity_returned", units)
    bookkeeping.refresh(cs, summary)
    events = [
        cs.event(
            "Order Items Returned",
            at,
            reason=reason,
            units=sum(wanted.values()),
            amount_cents=credit,
        )
    ]
    if credit > 0:  # units worth nothing credit nothing (create_credit_memo would refuse)
        events += credit_return(
            summary, None, change_order, return_fee_cents, rate, fee_total, at, refund=refund
        )
    return events


def simple_return_units(summary: OrderSummary) -> dict[str, int]:
    """Units returned without an RMA, by OrderItemSummary id.

    Read from the records: the product units of the post-fulfillment ``Return`` change orders
    that no ``ReturnOrderLineItem.ChangeOrderId`` points at (those came from ``returnItems``).
    """
    from_rmas = {ln.change_order_id for ro in summary.return_orders for ln in ro.lines}
    by_order_item = {i.original_order_item_id: i.id for i in summary.product_items}
    units: dict[str, int] = defaultdict(int)
    for order in summary.change_orders:
        if order.id in from_rmas or order.fulfillment_phase is not FulfillmentPhase.POST:
            continue
        for oi in order.items:
            if oi.type is ItemType.PRODUCT and oi.change_type is ChangeType.RETURN:
                units[by_order_item[oi.original_order_item_id or ""]] -= oi.quantity
    return dict(units)


def return_initiated_violations(summary: OrderSummary) -> list[str]:
    """``QuantityReturnInitiated`` of each product line against the records that explain it.

    Each unit is either on a return order line (expected while the line is open, returned once
    it is processed) or returned by a simple return (`simple_return_units`). Replaces the RMA
    only rule of `omsim.domain.invariants` (``_return_lines``), which a simple return breaks.
    Empty when every line agrees, and for an unmanaged summary.
    """
    if not summary.is_managed:
        return []
    held: dict[str, int] = defaultdict(int)
    for ro in summary.return_orders:
        for ln in ro.lines:
            held[ln.order_item_summary_id] += (
                ln.quantity_returned if ln.is_processed else ln.quantity_expected
            )
    simple = simple_return_units(summary)
    out = []
    for i in summary.product_items:
        if held[i.id] + simple.get(i.id, 0) != i.quantity_return_initiated:
            out.append(
                f"OrderItemSummary {i.id}: return order lines hold {held[i.id]} and simple "
                f"returns returned {simple.get(i.id, 0)}, QuantityReturnInitiated is "
                f"{i.quantity_return_initiated}"
            )
    return out
