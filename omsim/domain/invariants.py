"""Every rule an Order Summary must satisfy after any action.

`check_invariants` raises `InvariantViolation` listing each broken rule with the record it
concerns; `invariant_violations` returns the list. Two rules live beside the action they
guard and are gathered here: `omsim.domain.simple_returns.return_initiated_violations` and
`omsim.domain.reversals.authorization_reversal_violations`. An exchange's two summaries also obey rules
together: `check_exchange_invariants` and `exchange_invariant_violations`. The simulation calls it at the end of a run
for every Order Summary, and the property tests after every step.
"""

from __future__ import annotations

from collections import defaultdict
from itertools import pairwise

from omsim.domain import bookkeeping
from omsim.domain.billing import CreditMemo, Invoice
from omsim.domain.bookkeeping import (
    billing_pools,
    delivery_group_totals,
    summary_totals,
    unadjusted_totals,
)
from omsim.domain.errors import InvariantViolation
from omsim.domain.exchange_credit import EXCHANGE_CREDIT, exchange_credit_cents
from omsim.domain.picklists import REASONS_FOR_REJECTION, ChangeType, ItemType
from omsim.domain.reversals import authorization_reversal_violations
from omsim.domain.simple_returns import return_initiated_violations
from omsim.domain.summary import QUANTITY_BUCKETS, OrderSummary
from omsim.domain.write_offs import written_off_cents


def check_invariants(summary: OrderSummary) -> None:
    """Raise `InvariantViolation` naming every broken rule of ``summary``."""
    problems = invariant_violations(summary)
    if problems:
        raise InvariantViolation(f"OrderSummary {summary.id}:\n  " + "\n  ".join(problems))


def invariant_violations(summary: OrderSummary) -> list[str]:
    """Every broken rule, as readable sentences naming the record (empty when all hold)."""
    problems = _quantities(summary)
    if not summary.is_managed:
        problems += _frozen_totals(summary) + _group_totals(summary)
    if summary.is_managed:
        problems += _fulfillment_lines(summary) + _fee_lines(summary)
        problems += return_initiated_violations(summary)  # RMA lines and simple returns
        problems += _totals(summary) + _group_totals(summary) + _document_money(summary)
        problems += _payments(summary) + authorization_reversal_violations(summary)
        problems += _settlement(summary)
    return problems


def _quantities(summary: OrderSummary) -> list[str]:
    out = []
    for i in summary.items:
        name = f"OrderItemSummary {i.id}"
        for bucket in QUANTITY_BUCKETS:
            if getattr(i, bucket) < 0:
                out.append(f"{name}: {bucket} is negative ({getattr(i, bucket)})")
        chain = [
            ("quantity_returned", i.quantity_returned),
            ("quantity_return_initiated", i.quantity_return_initiated),
            ("quantity_fulfilled", i.quantity_fulfilled),
            ("quantity_allocated", i.quantity_allocated),
            ("quantity_net_ordered", i.quantity_net_ordered),
        ]
        for (low_name, low), (high_name, high) in pairwise(chain):
            if low > high:
                out.append(f"{name}: {low_name} {low} > {high_name} {high}")
        if i.quantity_reshipped > i.quantity_fulfilled:
            out.append(
                f"{name}: QuantityReshipped {i.quantity_reshipped} > QuantityFulfilled {i.quantity_fulfilled}"
            )
        if i.quantity_shipped > i.quantity_fulfilled:
            out.append(
                f"{name}: QuantityShipped {i.quantity_shipped} > QuantityFulfilled {i.quantity_fulfilled}"
            )
        if i.status != i.computed_status():
            out.append(
                f"{name}: Status {i.status} but the formula list gives {i.computed_status().value}"
            )
    return out


def _fulfillment_lines(summary: OrderSummary) -> list[str]:
    out = []
    allocated: dict[str, int] = defaultdict(int)
    reshipped: dict[str, int] = defaultdict(int)
    for fo in summary.fulfillment_orders:
        for ln in fo.lines:
            (reshipped if fo.is_reship else allocated)[ln.order_item_summary_id] += ln.quantity
            if ln.quantity < 0 or ln.quantity + ln.rejected_quantity > ln.original_quantity:
                out.append(
                    f"FulfillmentOrderLineItem {ln.id}: Quantity {ln.quantity}, rejected "
                    f"{ln.rejected_quantity}, original {ln.original_quantity} do not add up"
                )
        if fo.invoice_id and fo.status_category != "CLOSED":
            out.append(f"FulfillmentOrder {fo.id}: invoiced but status is {fo.status}")
    for g in summary.delivery_groups:
        lines = summary.items_in_group(g.id)
        if any(i.quantity_available_to_fulfill for i in lines if i.type is ItemType.PRODUCT):
            continue
        for i in lines:
            if i.type is ItemType.DELIVERY_CHARGE and i.quantity_available_to_fulfill > 0:
                out.append(
                    f"OrderItemSummary {i.id}: delivery charge has {i.quantity_available_to_fulfill} "
                    f"unit(s) to fulfil but OrderDeliveryGroupSummary {g.id} has no product left "
                    "to fulfil (stranded: never shipped nor invoiced)"
                )
    for i in summary.items:
        if allocated[i.id] != i.quantity_allocated:
            out.append(
                f"OrderItemSummary {i.id}: fulfillment order lines hold {allocated[i.id]}, "
                f"QuantityAllocated is {i.quantity_allocated}"
            )
        if reshipped[i.id] != i.quantity_reshipped:
            out.append(
                f"OrderItemSummary {i.id}: reshipment lines hold {reshipped[i.id]}, "
                f"QuantityReshipped is {i.quantity_reshipped}"
            )
    return out


def _fee_lines(summary: OrderSummary) -> list[str]:
    """A Fee line (a return fee) is added by a change order item, which is its
    ``OriginalOrderItemId``; no fulfillment order carries it (nothing allocated or fulfilled);
    and its own invoice bills it in full when it is added."""
    out = []
    added = {
        oi.id
        for order in summary.change_orders
        for oi in order.items
        if oi.change_type is ChangeType.ADD
    }
    for i in summary.items:
        if i.type is not ItemType.FEE:
            continue
        name = f"OrderItemSummary {i.id} (Fee)"
        if i.original_order_item_id not in added:
            out.append(f"{name}: OriginalOrderItemId {i.original_order_item_id} is no Add item")
        if i.quantity_allocated or i.quantity_fulfilled:
            out.append(
                f"{name}: allocated {i.quantity_allocated}, fulfilled {i.quantity_fulfilled}; "
                "no fulfillment order carries a fee"
            )
        billed = sum(
            ln.quantity
            for doc in summary.invoices
            for ln in doc.lines
            if ln.order_item_summary_id == i.id
        )
        if billed != i.quantity_net_ordered:
            out.append(f"{name}: invoiced {billed} of {i.quantity_net_ordered} unit(s)")
    return out


def _totals(summary: OrderSummary) -> list[str]:
    out = []
    history = [summary.original_order, *summary.change_orders]
    by_line: dict[str, list] = defaultdict(list)
    for order in history:
        for oi in order.items:
            by_line[oi.original_order_item_id or oi.id].append(oi)
    for i in summary.items:
        parts = by_line[i.original_order_item_id]
        for attr in (
            "total_line_amount_cents",
            "total_adjustment_amount_cents",
            "total_adjustment_dist_amount_cents",
            "total_tax_amount_cents",
        ):
            expected = sum(getattr(p, attr) for p in parts)
            if getattr(i, attr) != expected:
                out.append(
                    f"OrderItemSummary {i.id}: {attr} {getattr(i, attr)} != original + change orders {expected}"
                )
        if i.total_line_amount_cents != i.unit_price_cents * i.quantity:
            out.append(
                f"OrderItemSummary {i.id}: TotalLineAmount {i.total_line_amount_cents} != "
                f"UnitPrice {i.unit_price_cents} x Quantity {i.quantity}"
            )
        unbilled, _ = billing_pools(summary, i)
        if unbilled.units == 0 and (unbilled.amount_cents, unbilled.tax_cents) != (0, 0):
            out.append(
                f"OrderItemSummary {i.id}: every unit invoiced but {unbilled.amount_cents} + "
                f"{unbilled.tax_cents} tax of its value was never billed"
            )
        ordered = sum(p.quantity for p in parts if p.change_type in (None, ChangeType.ADD))
        canceled = -sum(p.quantity for p in parts if p.change_type is ChangeType.CANCEL)
        returned = -sum(p.quantity for p in parts if p.change_type is ChangeType.RETURN)
        if (ordered, canceled, returned) != (
            i.quantity_ordered,
            i.quantity_canceled,
            i.quantity_returned,
        ):
            out.append(
                f"OrderItemSummary {i.id}: ordered/canceled/returned {i.quantity_ordered}/"
                f"{i.quantity_canceled}/{i.quantity_returned} disagree with the change orders "
                f"{ordered}/{canceled}/{returned}"
            )
    from_history = summary_totals(tuple(oi for order in history for oi in order.items))
    from_lines = summary_totals(summary.items)
    for name, value in from_history.items():
        stored = getattr(summary, name)
        if not stored == value == from_lines[name]:
            out.append(
                f"OrderSummary {summary.id}: {name} stored {stored}, lines {from_lines[name]}, "
                f"original + change orders {value}"
            )
    return out


def _group_totals(summary: OrderSummary) -> list[str]:
    """Delivery group and unadjusted totals: stored values equal their lines' sums, and the
    groups' grand totals add up to the Order Summary's."""
    out = []
    for name, value in unadjusted_totals(summary.items).items():
        if getattr(summary, name) != value:
            out.append(
                f"OrderSummary {summary.id}: {name} stored {getattr(summary, name)}, lines {value}"
            )
    for group in summary.delivery_groups:
        for name, value in delivery_group_totals(summary.items_in_group(group.id)).items():
            if getattr(group, name) != value:
                out.append(
                    f"OrderDeliveryGroupSummary {group.id}: {name} stored "
                    f"{getattr(group, name)}, lines {value}"
                )
    dist = sum(i.total_adjustment_dist_amount_cents for i in summary.items)
    carried = [g.total_amount_cents for g in summary.adjustment_groups]
    if summary.total_adj_dist_amount_cents != dist or carried not in ([], [dist]):
        out.append(
            f"OrderSummary {summary.id}: TotalAdjDistAmount {summary.total_adj_dist_amount_cents}"
            f", header adjustment groups {carried}, lines' TotalAdjustmentDistAmount {dist}"
        )
    groups = sum(g.grand_total_amount_cents for g in summary.delivery_groups)
    if groups != summary.grand_total_amount_cents:
        out.append(
            f"OrderSummary {summary.id}: delivery groups' GrandTotalAmount add up to {groups}, "
            f"GrandTotalAmount is {summary.grand_total_amount_cents}"
        )
    return out


def _frozen_totals(summary: OrderSummary) -> list[str]:
    """An unmanaged summary keeps the totals the order had when it was captured, and each line
    its order item's money (so its delivery groups' and unadjusted totals, checked from the
    lines by `_group_totals`, are the captured ones too)."""
    out = []
    order = summary.original_order
    ordered = {oi.id: oi for oi in order.items}
    for i in summary.items:
        oi = ordered.get(i.original_order_item_id)
        for attr in (
            "total_line_amount_cents",
            "total_adjustment_amount_cents",
            "total_adjustment_dist_amount_cents",
            "total_tax_amount_cents",
        ):
            captured = getattr(oi, attr) if oi is not None else None
            if getattr(i, attr) != captured:
                out.append(
                    f"OrderItemSummary {i.id} (UNMANAGED): {attr} {getattr(i, attr)}, the order "
                    f"captured {captured}"
                )
    expected = {
        **summary_totals(order.items),
        "total_product_amount_cents": sum(
            i.total_line_amount_cents for i in order.items if i.type is ItemType.PRODUCT
        ),
        "total_delivery_amount_cents": sum(
            i.total_line_amount_cents for i in order.items if i.type is ItemType.DELIVERY_CHARGE
        ),
    }
    for name, value in expected.items():
        if getattr(summary, name) != value:
            out.append(
                f"OrderSummary {summary.id} (UNMANAGED): {name} {getattr(summary, name)}, "
                f"the order captured {value}"
            )
    return out


def _document_money(summary: OrderSummary) -> list[str]:
    """Fulfillment and return order lines carry the money of their units.

    A fulfillment order line's price is its order item summary's (0 on a reshipment, which
    carries nothing); until invoiced its adjustment and tax are its units' share of what the
    line still has to bill, then its invoice's line; its fulfillment order's grand total is
    what its invoice billed. An open return order line is valued at what returning its units
    would credit; processed lines share their change order's credit for the line exactly.
    """
    out = []
    invoices = {inv.id: inv for inv in summary.invoices}
    for fo in summary.fulfillment_orders:
        billed = (
            {ln.order_item_summary_id: ln for ln in invoices[fo.invoice_id].lines}
            if fo.invoice_id in invoices
            else None
        )
        for ln in fo.lines:
            item = summary.item(ln.order_item_summary_id)
            price = 0 if fo.is_reship else item.unit_price_cents
            if (ln.unit_price_cents, ln.order_item_id) != (price, item.original_order_item_id):
                out.append(
                    f"FulfillmentOrderLineItem {ln.id}: UnitPrice {ln.unit_price_cents}, "
                    f"OrderItemId {ln.order_item_id}; its line has {price}, "
                    f"{item.original_order_item_id}"
                )
            if fo.is_reship:
                expected = (0, 0)
            elif billed is None:
                expected = bookkeeping.fulfillment_line_money(summary, item, ln.quantity)
            else:
                bill = billed.get(item.id)
                amount, tax = (bill.amount_cents, bill.tax_cents) if bill else (0, 0)
                expected = (amount - ln.total_price_cents, tax)
            if (ln.total_adjustment_amount_cents, ln.total_tax_amount_cents) != expected:
                out.append(
                    f"FulfillmentOrderLineItem {ln.id}: adjustment and tax "
                    f"{ln.total_adjustment_amount_cents}, {ln.total_tax_amount_cents}; "
                    f"its units carry {expected[0]}, {expected[1]}"
                )
        if fo.invoice_id in invoices:
            invoice = invoices[fo.invoice_id]
            if fo.grand_total_amount_cents != invoice.total_amount_with_tax_cents:
                out.append(
                    f"FulfillmentOrder {fo.id}: GrandTotalAmount {fo.grand_total_amount_cents}, "
                    f"Invoice {invoice.id} billed {invoice.total_amount_with_tax_cents}"
                )
    credited: dict[tuple[str, str], list[int]] = defaultdict(lambda: [0, 0, 0])
    for ro in summary.return_orders:
        for rl in ro.lines:
            item = summary.item(rl.order_item_summary_id)
            if (rl.unit_price_cents, rl.order_item_id) != (
                item.unit_price_cents,
                item.original_order_item_id,
            ):
                out.append(
                    f"ReturnOrderLineItem {rl.id}: UnitPrice {rl.unit_price_cents}, OrderItemId "
                    f"{rl.order_item_id}; its line has {item.unit_price_cents}, "
                    f"{item.original_order_item_id}"
                )
            reason = rl.reason_for_rejection
            if reason not in (REASONS_FOR_REJECTION if rl.quantity_rejected > 0 else (None,)):
                out.append(
                    f"ReturnOrderLineItem {rl.id}: ReasonForRejection {reason!r} with "
                    f"{rl.quantity_rejected} unit(s) rejected; allowed: one of "
                    f"{', '.join(REASONS_FOR_REJECTION)} when units are rejected, else none"
                )
            money = (rl.total_adjustment_amount_cents, rl.total_tax_amount_cents)
            if not rl.is_processed:
                expected = bookkeeping.return_line_money(summary, item, rl.quantity_expected)
                if money != expected:
                    out.append(
                        f"ReturnOrderLineItem {rl.id}: adjustment and tax {money[0]}, "
                        f"{money[1]}; returning its units would credit {expected}"
                    )
            elif rl.quantity_returned:
                key = (rl.change_order_id or "", item.original_order_item_id)
                for k, v in enumerate((rl.total_line_amount_cents, *money)):
                    credited[key][k] += v
            elif money != (0, 0):
                out.append(f"ReturnOrderLineItem {rl.id}: returned nothing but carries {money}")
    for order in summary.change_orders:
        for oi in order.items:
            key = (order.id, oi.original_order_item_id or "")
            if oi.change_type is not ChangeType.RETURN or key not in credited:
                continue
            change = [
                -oi.total_line_amount_cents,
                -oi.total_adjustment_amount_cents,
                -oi.total_tax_amount_cents,
            ]
            if credited[key] != change:
                out.append(
                    f"Order {order.id}: returns {change} (line, adjustment, tax) of "
                    f"OrderItem {key[1]}, its return order lines {credited[key]}"
                )
    return out


def _payments(summary: OrderSummary) -> list[str]:
    out = []
    for ops in summary.payment_summaries:
        name = f"OrderPaymentSummary {ops.id}"
        if ops.captured_amount_cents > ops.authorization_amount_cents:
            out.append(
                f"{name}: captured {ops.captured_amount_cents} > authorized {ops.authorization_amount_cents}"
            )
        if ops.refunded_amount_cents > ops.captured_amount_cents:
            out.append(
                f"{name}: refunded {ops.refunded_amount_cents} > captured {ops.captured_amount_cents}"
            )
        if ops.reserved_balance_cents < 0:
            out.append(f"{name}: reserved balance {ops.reserved_balance_cents} is negative")
    held = sum(ro.exchange_credit_cents for ro in summary.return_orders)
    reserved = sum(ops.reserved_balance_cents for ops in summary.payment_summaries)
    if held != reserved:
        out.append(
            f"OrderSummary {summary.id}: return orders hold {held} of exchange credit, "
            f"ReservedBalanceTotalAmount is {reserved}"
        )
    for ro in summary.return_orders:
        if ro.exchange_credit_cents and ro.status_category != "Activated":
            out.append(
                f"ReturnOrder {ro.id}: {ro.status}, still holds {ro.exchange_credit_cents} of "
                "exchange credit (a stuck reservation)"
            )
    for ops in summary.payment_summaries:
        for auth in ops.authorizations:
            if not 0 <= auth.captured_cents <= auth.amount_cents:
                out.append(
                    f"PaymentAuthorization {auth.id}: captured {auth.captured_cents} of {auth.amount_cents}"
                )
        for p in ops.payments:
            if p.balance_cents < 0 or p.refundable_cents < 0:
                out.append(
                    f"Payment {p.id}: balance {p.balance_cents}, refundable {p.refundable_cents}"
                )
    documents: list[Invoice | CreditMemo] = [*summary.invoices, *summary.credit_memos]
    for doc in documents:
        total = doc.total_amount_with_tax_cents
        if not 0 <= doc.balance_cents <= total:
            out.append(
                f"{type(doc).__name__} {doc.id}: Balance {doc.balance_cents} outside [0, {total}]"
            )
    return out


def _settlement(summary: OrderSummary) -> list[str]:
    """Once settled (no open invoice, credit memo or unapplied payment), money balances."""
    payments = [p for ops in summary.payment_summaries for p in ops.payments]
    open_docs = any(d.balance_cents for d in summary.invoices) or any(
        d.balance_cents for d in summary.credit_memos
    )
    if open_docs or any(p.balance_cents for p in payments):
        return []
    captured = sum(p.amount_cents for p in payments)
    refunded = sum(r.amount_cents for ops in summary.payment_summaries for r in ops.refunds)
    invoiced = sum(d.total_amount_with_tax_cents for d in summary.invoices)
    credited = sum(d.total_amount_with_tax_cents for d in summary.credit_memos)
    out = []
    if captured - refunded != invoiced - credited:
        out.append(
            f"OrderSummary {summary.id}: settled, but captured {captured} - refunded {refunded} "
            f"!= invoiced {invoiced} - credited {credited}"
        )
    fully_billed = all(
        i.quantity_net_ordered
        == sum(
            ln.quantity
            for d in summary.invoices
            for ln in d.lines
            if ln.order_item_summary_id == i.id
        )
        for i in summary.items
    )
    written_off = written_off_cents(summary)
    if fully_billed and invoiced - credited + written_off != summary.grand_total_amount_cents:
        out.append(
            f"OrderSummary {summary.id}: every unit billed and settled, but invoiced - credited "
            f"{invoiced - credited} + written off {written_off} != GrandTotalAmount "
            f"{summary.grand_total_amount_cents}"
        )
    return out


def check_exchange_invariants(source: OrderSummary, exchange: OrderSummary) -> None:
    """Raise `InvariantViolation` naming every broken rule across an exchange's two summaries."""
    problems = exchange_invariant_violations(source, exchange)
    if problems:
        raise InvariantViolation(
            f"OrderSummary {source.id} and its exchange {exchange.id}:\n  " + "\n  ".join(problems)
        )


def exchange_invariant_violations(source: OrderSummary, exchange: OrderSummary) -> list[str]:
    """Rules across an exchange: the money the original gives is the money the exchange uses.

    ``source`` is the original Order Summary, ``exchange`` the one its exchange created. At any
    time, what the exchange's return order still holds plus the ``Exchange Credit`` the original
    refunded for it equals the exchange credit the exchange summary holds; once nothing is held
    any more on either side, the original's exchange credit equals what the exchange consumed
    (captured). Invariants of each summary alone are `invariant_violations`.
    """
    name = f"OrderSummary {exchange.id}"
    if exchange.source_order_summary_id != source.id:
        return [
            f"{name}: SourceOrderSummaryId is {exchange.source_order_summary_id}, not {source.id}"
        ]
    ros = [ro for ro in source.return_orders if ro.exchange_order_summary_id == exchange.id]
    if len(ros) != 1:
        return [f"{name}: {len(ros)} return orders on {source.id} pay for it, expected 1"]
    (ro,) = ros
    change_orders = {ln.change_order_id for ln in ro.lines if ln.change_order_id}
    memos = {
        m.id for m in source.credit_memos if set(m.reference_entity_id.split(",")) & change_orders
    }
    given = sum(
        r.amount_cents
        for ops in source.payment_summaries
        for r in ops.refunds
        if r.type == EXCHANGE_CREDIT and r.source_id in memos
    )
    committed, consumed = exchange_credit_cents(exchange)
    out = []
    returned = {ln.order_item_summary_id for ln in ro.lines}
    related = {r.main_order_item_summary_id for r in exchange.item_relationships}
    for r in exchange.item_relationships:
        if (r.order_summary_id, r.relationship_type) != (exchange.id, "Exchange"):
            out.append(
                f"OrderItemSummaryRelationship {r.id}: OrderSummaryId {r.order_summary_id}, "
                f"Type {r.relationship_type!r}; allowed: {exchange.id}, 'Exchange'"
            )
        if (
            r.associated_order_summary_id != source.id
            or r.associated_order_item_summary_id not in returned
        ):
            out.append(
                f"OrderItemSummaryRelationship {r.id}: relates to "
                f"{r.associated_order_item_summary_id} on {r.associated_order_summary_id}, not "
                f"an item ReturnOrder {ro.id} returns"
            )
    for item in exchange.product_items:
        if item.id not in related:
            out.append(f"{name}: OrderItemSummary {item.id} replaces no returned item")
    if ro.exchange_credit_cents + given != committed:
        out.append(
            f"{name}: holds {committed} of exchange credit, but ReturnOrder {ro.id} holds "
            f"{ro.exchange_credit_cents} and {source.id} gave {given}"
        )
    pending = sum(
        a.balance_cents
        for ops in exchange.payment_summaries
        if ops.method == EXCHANGE_CREDIT
        for a in ops.authorizations
    )
    if ro.exchange_credit_cents == 0 and pending == 0 and given != consumed:
        out.append(
            f"{name}: consumed {consumed} of exchange credit, {source.id} gave {given} for it"
        )
    return out
