"""Exchanges: a return order for the old items plus a new Order Summary for the new ones.

Mirrors the Spring '24 exchange flow: the new summary has ``SourceProcess`` Exchange and
``SourceOrderSummaryId`` pointing at the original, an ``OrderItemSummaryRelationship`` links
each new item to the item it replaces (`replacement_pairs`), and it counts for licensing like
any managed summary. The returned items' value is reserved on the original payment summary
(``ReservedBalanceTotalAmount``) and pays the new summary through an ``Exchange Credit`` payment
method, so an even exchange moves no money on the customer's card. A dearer exchange needs a
card authorization for the difference; a cheaper one refunds the difference to the card when the
old items are returned.

UNCONFIRMED simplification: Salesforce consumes the reserved balance through
``isConsiderReservedBalanceAmount`` on the same payment summary; omsim carries it to the new
summary as an authorization of method ``Exchange Credit`` and a matching ``Exchange Credit``
refund on the original, so each summary's money balances on its own.

Units the customer does not send back after all (canceled from the exchange's return order)
pay for nothing: the original keeps what it captured for them and releases their reservation,
and the exchange summary's credit shrinks by the same amount (`omsim.domain.exchange_credit.withdraw_exchange_credit`): an
uncaptured credit is reduced, a captured one is taken back from the invoice it paid, which is
open again for the customer's card. So the customer pays for every unit kept, and across the
pair, the credit the original gave equals what the exchange consumed
(`omsim.domain.invariants.exchange_invariant_violations`). Until the original gives it, the
credit is not the customer's money: the exchange summary never refunds it (a canceled
replacement leaves it captured, `omsim.domain.refunds.unfunded_exchange_credit_cents`), so it
can still be withdrawn; once given, what the exchange no longer needs is refunded.
"""

from __future__ import annotations

from collections.abc import Sequence

from omsim.domain.capture import (
    DeliveryGroupInput,
    OrderLineInput,
    authorize_payment,
    create_order,
    create_order_summary,
)
from omsim.domain.errors import ActionRejected
from omsim.domain.events import ChangeSet, DomainEvent
from omsim.domain.guardrails import require_managed
from omsim.domain.picklists import SourceProcess
from omsim.domain.returns import ReturnLineInput, create_return_order, preview_return
from omsim.domain.summary import OrderItemSummary, OrderItemSummaryRelationship, OrderSummary


def replacement_pairs(
    new_items: Sequence[OrderItemSummary], returned_item_ids: Sequence[str]
) -> list[tuple[OrderItemSummary, str]]:
    """(new item, id of the returned item it replaces) for an exchange's relationships.

    The new line at each position replaces the returned line at the same position when there
    are as many of each (Salesforce's exchange input pairs them); when one item is returned,
    every new item replaces it; otherwise every new item is related to every returned item
    (omsim cannot tell which replaces which).
    """
    returned = list(dict.fromkeys(returned_item_ids))
    if len(returned_item_ids) == len(new_items):
        return list(zip(new_items, returned_item_ids, strict=True))
    return [(item, old) for item in new_items for old in returned]


def exchange(
    summary: OrderSummary,
    return_lines: Sequence[ReturnLineInput],
    new_lines: Sequence[OrderLineInput],
    *,
    at: float,
    delivery_group: DeliveryGroupInput | None = None,
    additional_authorization_cents: int = 0,
    method: str = "Visa",
    valid_hours: float | None = 7 * 24,
    destination_location_id: str | None = None,
) -> tuple[OrderSummary, list[DomainEvent]]:
    """Exchange returned units for new ones; returns the new Order Summary and the events.

    ``additional_authorization_cents`` must equal what the new items cost beyond the returned
    value (0 for an even or cheaper exchange). ``destination_location_id`` is where the returned
    items go. The new lines use ``delivery_group`` (default: the
    original's first recipient, Standard delivery, no charge).
    """
    require_managed(summary, "exchange")
    units: dict[str, int] = {}
    for ln in return_lines:
        units[ln.order_item_summary_id] = units.get(ln.order_item_summary_id, 0) + ln.quantity
    ro_probe_errors = [ln for ln in return_lines if ln.quantity <= 0]
    if not return_lines or not new_lines or ro_probe_errors:
        raise ActionRejected(
            f"OrderSummary {summary.id}: an exchange needs returned and new lines with positive units"
        )
    for item_id, n in units.items():
        item = summary.item(item_id)
        if n > item.quantity_available_to_return:
            raise ActionRejected(
                f"OrderItemSummary {item.id}: cannot exchange {n}, QuantityAvailableToReturn is "
                f"{item.quantity_available_to_return}"
            )
    credit = preview_return(summary, units, shipping_reduction_flag=False)
    first = summary.delivery_groups[0]
    group = delivery_group or DeliveryGroupInput(
        key="exchange",
        deliver_to_postal_code=first.deliver_to_postal_code,
        deliver_to_zone_id=first.deliver_to_zone_id,
    )
    lines = [
        OrderLineInput(ln.sku, ln.quantity, ln.unit_price_cents, ln.tax_rate, group.key)
        for ln in new_lines
    ]
    order = create_order(
        summary.ids,
        lines=lines,
        delivery_groups=[group],
        at=at,
        sales_channel=summary.sales_channel,
        currency_iso_code=summary.currency_iso_code,
    )
    new_total = order.grand_total_amount_cents
    reserved = min(credit, new_total)
    if additional_authorization_cents != new_total - reserved:
        raise ActionRejected(
            f"OrderSummary {summary.id}: new items cost {new_total}, returned value is {credit}; "
            f"additional authorization must be {new_total - reserved}, got {additional_authorization_cents}"
        )
    room = {
        ops.id: ops.available_to_refund_cents - ops.reserved_balance_cents
        for ops in summary.payment_summaries
    }
    if reserved > sum(max(0, r) for r in room.values()):
        raise ActionRejected(
            f"OrderSummary {summary.id}: cannot reserve {reserved} for the exchange, "
            f"captured funds available are {sum(max(0, r) for r in room.values())}"
        )
    new_summary, events = create_order_summary(
        summary.ids,
        order,
        at=at,
        source_process=SourceProcess.EXCHANGE,
        source_order_summary_id=summary.id,
    )
    ro, ro_events = create_return_order(
        summary,
        return_lines,
        at=at,
        exchange_order_summary_id=new_summary.id,
        destination_location_id=destination_location_id,
    )
    events += ro_events
    new_summary.exchange_return_order = ro
    cs = ChangeSet()
    cs.involve(summary, "order summary")
    cs.involve(new_summary, "exchange order summary")
    cs.involve(ro, "return order")
    new_items = new_summary.product_items
    for main, replaced in replacement_pairs(
        new_items, [ln.order_item_summary_id for ln in return_lines]
    ):
        link = OrderItemSummaryRelationship(
            id=summary.ids.next("OrderItemSummaryRelationship"),
            order_summary_id=new_summary.id,
            main_order_item_summary_id=main.id,
            associated_order_item_summary_id=replaced,
            associated_order_summary_id=summary.id,
        )
        new_summary.item_relationships.append(link)
        cs.created(link)
    cs.add(ro, "exchange_credit_cents", reserved)
    left = reserved
    for ops in sorted(summary.payment_summaries, key=lambda o: -room[o.id]):
        take = min(left, max(0, room[ops.id]))
        if take:
            cs.add(ops, "reserved_balance_cents", take)
            left -= take
    events.append(
        cs.event("Exchange Submitted", at, returned_value_cents=credit, new_total_cents=new_total)
    )
    if reserved:
        events += authorize_payment(
            new_summary,
            amount_cents=reserved,
            at=at,
            valid_hours=None,
            method="Exchange Credit",
            payment_type="Exchange Credit",
            reason="exchange",
        )
    if additional_authorization_cents:
        events += authorize_payment(
            new_summary,
            amount_cents=additional_authorization_cents,
            at=at,
            valid_hours=valid_hours,
            method=method,
        )
    return new_summary, events
