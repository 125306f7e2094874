"""Returns with an RMA: create the return order, then return its items when the parcel arrives.

Mirrors ``ConnectApi.ReturnOrder.createReturnOrder`` and ``returnItems``. Creating the RMA moves
units into ``QuantityReturnInitiated`` (UNCONFIRMED: inferred from the field's description, "returned or
pending return"). Returning items moves units into ``QuantityReturned`` through a post-fulfillment
change order, credits them (credit memo) and refunds them; a return fee is a change order adding
a Fee line, invoiced and netted against the credit, as Salesforce's Order Management developer guide
describes.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal

from omsim.domain import bookkeeping
from omsim.domain.bookkeeping import (
    LineDelta,
    apply_change_order,
    removal_delta,
    shipping_reduction,
)
from omsim.domain.errors import ActionRejected
from omsim.domain.events import ChangeSet, DomainEvent
from omsim.domain.exchange_credit import (
    release_exchange_credit,
    withdrawable_exchange_credit_cents,
)
from omsim.domain.funds import create_credit_memo, create_fee_invoice
from omsim.domain.guardrails import (
    merge_quantities,
    require_choice,
    require_managed,
    require_product,
    require_within,
)
from omsim.domain.money import as_rate, prorate, tax_cents
from omsim.domain.orders import Order
from omsim.domain.picklists import (
    REASONS_FOR_REJECTION,
    REASONS_FOR_RETURN,
    RETURN_ORDER_STATUS_CATEGORY,
    ChangeType,
    FulfillmentPhase,
    ItemType,
)
from omsim.domain.refunds import ensure_refunds, total_excess_funds_cents
from omsim.domain.return_orders import ReturnOrder, ReturnOrderLineItem
from omsim.domain.summary import OrderItemSummary, OrderSummary


@dataclass(frozen=True, slots=True)
class ReturnLineInput:
    """Units of one line the customer will send back, and why (``ReasonForReturn``)."""

    order_item_summary_id: str
    quantity: int
    reason: str = "Not Satisfied"


@dataclass(frozen=True, slots=True)
class ReturnItemInput:
    """What arrived for one return order line (``ReturnOrderItemInputRepresentation``).

    ``quantity_returned`` units are refunded; ``quantity_to_cancel`` expected units will not come
    back. ``quantity_received`` (default: returned + rejected) and ``quantity_rejected`` are
    informational, as in Salesforce; ``reason_for_rejection`` (a value of
    `REASONS_FOR_REJECTION`, only with rejected units) says why, and defaults to the picklist's
    default, ``Missing Item or Part``, when units are rejected.
    """

    return_order_line_item_id: str
    quantity_returned: int
    quantity_to_cancel: int = 0
    quantity_received: int | None = None
    quantity_rejected: int = 0
    reason_for_rejection: str | None = None


def _return_deltas(
    summary: OrderSummary, units: Mapping[str, int], shipping: bool
) -> list[LineDelta]:
    deltas = [
        removal_delta(summary, summary.item(i), u, ChangeType.RETURN) for i, u in units.items()
    ]
    return deltas + (shipping_reduction(summary, deltas, cancel=False) if shipping else [])


def preview_return(
    summary: OrderSummary, lines: Mapping[str, int], *, shipping_reduction_flag: bool
) -> int:
    """``previewReturn``: cents (tax included) returning these units would credit; changes nothing."""
    return -sum(
        d.grand_total_cents() for d in _return_deltas(summary, dict(lines), shipping_reduction_flag)
    )


def create_return_order(
    summary: OrderSummary,
    lines: Sequence[ReturnLineInput],
    *,
    at: float,
    destination_location_id: str | None = None,
    status: str = "Submitted",
    exchange_order_summary_id: str | None = None,
    description: str = "",
) -> tuple[ReturnOrder, list[DomainEvent]]:
    """Create an RMA (status Submitted or Approved) for fulfilled units not yet in a return."""
    require_managed(summary, "create a return order")
    activated = {s: c for s, c in RETURN_ORDER_STATUS_CATEGORY.items() if c == "Activated"}
    require_choice(status, activated, "ReturnOrder Status", f"OrderSummary {summary.id}")
    wanted = merge_quantities(
        summary, [(ln.order_item_summary_id, ln.quantity) for ln in lines], "units to return"
    )
    for ln in lines:
        require_choice(
            ln.reason,
            REASONS_FOR_RETURN,
            "ReasonForReturn",
            f"OrderItemSummary {ln.order_item_summary_id}",
        )
    for item_id, units in wanted.items():
        item = summary.item(item_id)
        require_product(item, "return")
        require_within(
            item.id, "return", units, item.quantity_available_to_return, "QuantityAvailableToReturn"
        )
    ro_id = summary.ids.next("ReturnOrder")
    ro = ReturnOrder(
        id=ro_id,
        return_order_number=ro_id.replace("RO-", "RO-00"),
        order_summary_id=summary.id,
        status=status,
        created_at=at,
        destination_location_id=destination_location_id,
        exchange_order_summary_id=exchange_order_summary_id,
        description=description,
    )
    cs = ChangeSet()
    cs.created(ro)
    for ln in lines:
        _add_line(cs, summary, ro, summary.item(ln.order_item_summary_id), ln.quantity, ln.reason)
        cs.add(summary.item(ln.order_item_summary_id), "quantity_return_initiated", ln.quantity)
    summary.return_orders.append(ro)
    bookkeeping.refresh(cs, summary, money=False)
    cs.involve(summary, "order summary")
    return ro, [
        cs.event("Return Order Created", at, units=sum(wanted.values()), description=description)
    ]


def _add_line(
    cs: ChangeSet,
    summary: OrderSummary,
    ro: ReturnOrder,
    item: OrderItemSummary,
    units: int,
    reason: str,
) -> ReturnOrderLineItem:
    adjustment, tax = bookkeeping.return_line_money(summary, item, units)
    line = ReturnOrderLineItem(
        id=summary.ids.next("ReturnOrderLineItem"),
        return_order_id=ro.id,
        order_item_summary_id=item.id,
        stock_keeping_unit=item.stock_keeping_unit,
        quantity_expected=units,
        reason_for_return=reason,
        order_item_id=item.original_order_item_id,
        unit_price_cents=item.unit_price_cents,
        total_adjustment_amount_cents=adjustment,
        total_tax_amount_cents=tax,
    )
    ro.lines.append(line)
    cs.created(line)
    return line


def _check_items(ro: ReturnOrder, items: Sequence[ReturnItemInput]) -> None:
    if ro.status_category != "Activated":
        raise ActionRejected(
            f"ReturnOrder {ro.id}: cannot return items, status {ro.status} is not Activated"
        )
    if not items:
        raise ActionRejected(f"ReturnOrder {ro.id}: no items to return")
    seen: set[str] = set()
    open_lines = {ln.id: ln for ln in ro.open_lines}
    for it in items:
        line = open_lines.get(it.return_order_line_item_id)
        if line is None or it.return_order_line_item_id in seen:
            raise ActionRejected(
                f"ReturnOrder {ro.id}: line {it.return_order_line_item_id!r} is not an open line "
                f"(or is listed twice); open lines: {', '.join(open_lines) or 'none'}"
            )
        seen.add(line.id)
        if it.quantity_returned < 0 or it.quantity_to_cancel < 0 or it.quantity_rejected < 0:
            raise ActionRejected(f"ReturnOrderLineItem {line.id}: quantities must be >= 0")
        if it.reason_for_rejection is not None:
            if not it.quantity_rejected:
                raise ActionRejected(
                    f"ReturnOrderLineItem {line.id}: ReasonForRejection "
                    f"{it.reason_for_rejection!r} given, but no units are rejected"
                )
            require_choice(
                it.reason_for_rejection,
                REASONS_FOR_REJECTION,
                "ReasonForRejection",
                f"ReturnOrderLineItem {line.id}",
            )
        if it.quantity_returned + it.quantity_to_cancel == 0:
            raise ActionRejected(f"ReturnOrderLineItem {line.id}: nothing returned or canceled")
        require_within(
            line.id,
            "return and cancel",
            it.quantity_returned + it.quantity_to_cancel,
            line.quantity_expected,
            "QuantityExpected",
            "ReturnOrderLineItem",
        )


def return_items(
    summary: OrderSummary,
    ro_id: str,
    items: Sequence[ReturnItemInput],
    *,
    at: float,
    shipping_reduction_flag: bool,
    reason: str = "Return",
    return_fee_cents: int = 0,
    fee_tax_rate: Decimal | str | float = "0",
    exchange_summary: OrderSummary | None = None,
    refund: bool = True,
) -> list[DomainEvent]:
    """``returnItems``: process arrived items, credit and refund them (net of a return fee).

    Each processed line becomes read-only; expected units neither returned nor canceled move to a
    new line. The fee, if any, may not exceed the credit. For an exchange's return order the
    credit pays the exchange (``Exchange Credit``) up to what the return order holds for it,
    and ``exchange_summary`` (the exchange's Order Summary) is required: credit held for units
    that will no longer come back (canceled, or beyond the value still expected) is released on
    this summary and withdrawn from the exchange (``Exchange Credit Released``,
    ``Exchange Credit Withdrawn``), so no reservation outlives the return order. Credit given
    to an exchange that no longer needs it (its units canceled after it captured the credit)
    becomes the exchange summary's excess funds and is refunded there at once. With
    ``refund`` False (the payment gateway does not answer) the fee is still netted and the
    exchange credit still given, but what would go to the card stays on the credit memo (or
    as the exchange summary's excess funds). Refused before any change when the exchange
    summary cannot give back the credit the return order holds.
    """
    require_managed(summary, "return items")
    ro = summary.return_order(ro_id)
    _check_items(ro, items)
    if ro.exchange_order_summary_id and (
        exchange_summary is None or exchange_summary.id != ro.exchange_order_summary_id
    ):
        raise ActionRejected(
            f"ReturnOrder {ro.id}: pays exchange OrderSummary {ro.exchange_order_summary_id}; "
            f"pass it as exchange_summary, got "
            f"{exchange_summary.id if exchange_summary else None}"
        )
    if exchange_summary is not None and ro.exchange_credit_cents > (
        can_give_back := withdrawable_exchange_credit_cents(exchange_summary)
    ):
        # what the return order holds may all be released and withdrawn below: refuse now,
        # before any change, rather than half-way (the pair is inconsistent: see invariants)
        raise ActionRejected(
            f"ReturnOrder {ro.id}: holds {ro.exchange_credit_cents} of exchange credit, but "
            f"exchange OrderSummary {exchange_summary.id} can give back only {can_give_back}"
        )
    lines = {ln.id: ln for ln in ro.lines}
    returned: dict[str, int] = {}
    for it in items:
        item_id = lines[it.return_order_line_item_id].order_item_summary_id
        if it.quantity_returned:
            returned[item_id] = returned.get(item_id, 0) + it.quantity_returned
    deltas = _return_deltas(summary, returned, shipping_reduction_flag) if returned else []
    credit = -sum(d.grand_total_cents() for d in deltas)
    try:
        rate = as_rate(fee_tax_rate)
    except ValueError as error:
        raise ActionRejected(f"ReturnOrder {ro.id}: return fee {error}") from None
    fee_total = return_fee_cents + tax_cents(return_fee_cents, rate)
    if return_fee_cents < 0 or (return_fee_cents and fee_total > credit):
        raise ActionRejected(
            f"ReturnOrder {ro.id}: return fee {return_fee_cents} (with tax {fee_total}) must be >= 0 "
            f"and within the credit of {credit}"
        )
    cs = ChangeSet()
    cs.involve(summary, "order summary")
    cs.involve(ro, "return order")
    change_order = (
        apply_change_order(cs, summary, deltas, phase=FulfillmentPhase.POST, reason=reason, at=at)
        if deltas
        else None
    )
    money = _line_money(deltas, [(lines[it.return_order_line_item_id], it) for it in items])
    for it in items:
        line = lines[it.return_order_line_item_id]
        _process_line(cs, summary, ro, line, it, change_order, money.get(line.id, (0, 0)))
    if not ro.open_lines:
        cs.set(ro, "status", "Closed")
        cs.set(ro, "closed_at", at)
    bookkeeping.refresh(cs, summary)
    events = [
        cs.event(
            "Return Order Items Returned", at, units=sum(returned.values()), amount_cents=credit
        )
    ]
    if change_order is not None and credit > 0:  # else nothing returned, or worth nothing
        events += credit_return(
            summary, ro, change_order, return_fee_cents, rate, fee_total, at, refund=refund
        )
    if exchange_summary is not None:
        expected: dict[str, int] = {}
        for ln in ro.open_lines:
            key = ln.order_item_summary_id
            expected[key] = expected.get(key, 0) + ln.quantity_expected
        still = preview_return(summary, expected, shipping_reduction_flag=False) if expected else 0
        events += release_exchange_credit(summary, ro, exchange_summary, still, at=at)
        # credit the exchange captured but no longer needs (its units canceled) is the
        # customer's once given: refund it now (it could not be refunded before)
        excess = total_excess_funds_cents(exchange_summary)
        if excess > 0 and refund:
            events += ensure_refunds(exchange_summary, at=at, excess_funds_cents=excess)
    return events


def credit_return(
    summary: OrderSummary,
    ro: ReturnOrder | None,
    change_order: Order,
    return_fee_cents: int,
    rate: Decimal,
    fee_total: int,
    at: float,
    *,
    refund: bool,
) -> list[DomainEvent]:
    """Credit memo for a return's change order, the fee invoiced and netted, the rest refunded.

    ``ro`` is the return order (``returnItems``), or None for a simple return
    (`omsim.domain.simple_returns.submit_return`); an exchange's return order gives its credit
    to the exchange first."""
    events: list[DomainEvent] = []
    memo, memo_events = create_credit_memo(summary, [change_order.id], at=at)
    events += memo_events
    fee_invoices: list[str] = []
    if return_fee_cents:
        invoice_id, fee_events = _charge_fee(summary, return_fee_cents, rate, at)
        fee_invoices.append(invoice_id)
        events += fee_events
    left = memo.balance_cents - (fee_total if return_fee_cents else 0)
    exchange = 0
    if ro is not None and ro.exchange_order_summary_id:
        exchange = max(0, min(left, ro.exchange_credit_cents))
    if fee_invoices or (left > 0 and (refund or exchange)):
        events += ensure_refunds(
            summary,
            at=at,
            credit_memo_id=memo.id,
            invoice_ids=fee_invoices,
            exchange_credit_cents=exchange,
            exchange_return_order=ro if exchange else None,
            refund_to_card=refund,
        )
    return events


def _line_money(
    deltas: list[LineDelta], processed: list[tuple[ReturnOrderLineItem, ReturnItemInput]]
) -> dict[str, tuple[int, int]]:
    """Return order line id -> (adjustment, tax) credited for its returned units: each product
    line's change order delta shared over the lines returning it by units, exactly."""
    out: dict[str, tuple[int, int]] = {}
    for d in deltas:
        if d.change_type is not ChangeType.RETURN:
            continue
        mine = [(ln, it.quantity_returned) for ln, it in processed if it.quantity_returned]
        mine = [(ln, n) for ln, n in mine if ln.order_item_summary_id == d.item.id]
        whole = sum(n for _, n in mine)
        adjustment_left, tax_left, units_left = -d.adjustment_cents, -d.tax_delta_cents, whole
        for ln, n in mine:
            adjustment = prorate(adjustment_left, n, units_left)
            tax = prorate(tax_left, n, units_left)
            out[ln.id] = (adjustment, tax)
            adjustment_left, tax_left, units_left = (
                adjustment_left - adjustment,
                tax_left - tax,
                units_left - n,
            )
    return out


def _process_line(
    cs: ChangeSet,
    summary: OrderSummary,
    ro: ReturnOrder,
    line: ReturnOrderLineItem,
    it: ReturnItemInput,
    change_order: Order | None,
    money: tuple[int, int],
) -> None:
    received = (
        it.quantity_received
        if it.quantity_received is not None
        else it.quantity_returned + it.quantity_rejected
    )
    remainder = line.quantity_expected - it.quantity_returned - it.quantity_to_cancel
    cs.set(line, "quantity_expected", it.quantity_returned + it.quantity_to_cancel)
    cs.set(line, "quantity_returned", it.quantity_returned)
    cs.set(line, "quantity_canceled", it.quantity_to_cancel)
    cs.set(line, "quantity_received", received)
    cs.set(line, "quantity_rejected", it.quantity_rejected)
    if it.quantity_rejected:
        cs.set(line, "reason_for_rejection", it.reason_for_rejection or "Missing Item or Part")
    line.total_adjustment_amount_cents, line.total_tax_amount_cents = money  # roll-ups
    cs.set(line, "is_processed", True)
    if it.quantity_returned and change_order is not None:
        cs.set(line, "change_order_id", change_order.id)
    item = summary.item(line.order_item_summary_id)
    cs.add(item, "quantity_returned", it.quantity_returned)
    cs.add(item, "quantity_return_initiated", -it.quantity_to_cancel)
    if remainder > 0:
        _add_line(cs, summary, ro, item, remainder, line.reason_for_return)


def _charge_fee(
    summary: OrderSummary, fee_cents: int, rate: Decimal, at: float
) -> tuple[str, list[DomainEvent]]:
    """Add a Fee line through a change order and invoice it.

    A fee line has a rule of its own: its ``OriginalOrderItemId`` is the change order item
    that added it (``ChangeType`` Add), it is on no fulfillment order (QuantityAllocated and
    QuantityFulfilled stay 0, so its ``Status`` reads Ordered by the formula list), and its
    own invoice bills it in full at once (`omsim.domain.invariants` checks all three).
    """
    group = summary.delivery_groups[0]
    order_item_id = summary.ids.next("OrderItem")
    fee = OrderItemSummary(
        id=summary.ids.next("OrderItemSummary"),
        order_summary_id=summary.id,
        original_order_item_id=order_item_id,
        order_delivery_group_summary_id=group.id,
        type=ItemType.FEE,
        stock_keeping_unit="RETURN-FEE",
        unit_price_cents=fee_cents,
        tax_rate=rate,
        quantity_ordered=1,
        total_line_amount_cents=0,
        total_adjustment_amount_cents=0,
        total_tax_amount_cents=0,
    )
    cs = ChangeSet()
    summary.items.append(fee)
    cs.created(fee)
    added = LineDelta(
        fee, ChangeType.ADD, 1, fee_cents, 0, tax_cents(fee_cents, rate), order_item_id
    )
    change_order = apply_change_order(
        cs, summary, [added], phase=FulfillmentPhase.POST, reason="Return Fee", at=at
    )
    bookkeeping.refresh(cs, summary)
    cs.involve(summary, "order summary")
    events = [
        cs.event("Return Fee Charged", at, amount_cents=change_order.grand_total_amount_cents)
    ]
    invoice, invoice_events = create_fee_invoice(summary, change_order, at=at)
    return invoice.id, events + invoice_events
