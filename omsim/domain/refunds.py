"""Refunds: excess funds and credit memos paid back, in Salesforce's ensure-refunds order.

Mirrors ``OrderSummary.ensureRefundsAsync``: a credit memo is first netted against the invoices
passed with it (a return fee), then refunded; choosing payment summaries by exact match of
``AvailableToRefundAmount``, else the smallest that covers, else several in descending order;
the same rule picks payments inside a summary. Excess funds (captured money no invoice or credit
memo accounts for, typically after a cancel following capture) are refunded the same way.

During a payment gateway outage (a fault scenario) the flows call the service actions with
``refund=False`` (``refund_to_card=False`` here): what moves no card money (netting a return fee,
exchange credit) is done, and what is owed to the card stays on the credit memo or as excess
funds. The flow raises a ``refund failed`` Payment process exception, Salesforce's ``OM Refund
Failed``, and the exception desk refunds once the gateway answers, as it captures then.
"""

from __future__ import annotations

from collections.abc import Sequence

from omsim.domain.billing import CreditMemo, Invoice
from omsim.domain.errors import ActionRejected
from omsim.domain.events import ChangeSet, DomainEvent
from omsim.domain.exception_desk import raise_process_exception
from omsim.domain.guardrails import require_managed
from omsim.domain.payments import EXCHANGE_CREDIT, OrderPaymentSummary, Payment, Refund
from omsim.domain.return_orders import ReturnOrder
from omsim.domain.summary import OrderSummary
from omsim.domain.write_offs import written_off_cents


def unfunded_exchange_credit_cents(summary: OrderSummary) -> int:
    """Captured ``Exchange Credit`` of an exchange summary that its original has not given yet.

    The source's return order (``summary.exchange_return_order``) still holds that value for
    units not yet back: if they never come, it is withdrawn from here
    (`omsim.domain.exchange_credit.withdraw_exchange_credit`); if they do, the original gives
    it. Until then it is not the customer's money, so no refund may draw on it (the uncaptured
    credit authorization is counted against the hold first, as a withdrawal reduces it first).
    0 for any other summary.
    """
    ro = summary.exchange_return_order
    if ro is None or ro.exchange_credit_cents <= 0:
        return 0
    uncaptured = sum(
        a.balance_cents
        for ops in summary.payment_summaries
        if ops.method == EXCHANGE_CREDIT
        for a in ops.authorizations
        if a.status == "Processed"
    )
    return max(0, ro.exchange_credit_cents - uncaptured)


def total_excess_funds_cents(summary: OrderSummary) -> int:
    """``totalExcessFundsAmount``: captured minus refunded, beyond what the buyer owes.

    What the buyer owes is ``GrandTotalAmount`` (after every change order); money already owed
    back through an unrefunded credit memo, funds reserved for an exchange, and, on an exchange
    summary, captured exchange credit its original has not given yet
    (`unfunded_exchange_credit_cents`), are not excess; what was written off is no longer owed.
    """
    paid = sum(p.captured_amount_cents - p.refunded_amount_cents for p in summary.payment_summaries)
    owed_back = sum(m.balance_cents for m in summary.credit_memos)
    reserved = sum(p.reserved_balance_cents for p in summary.payment_summaries)
    owed = summary.grand_total_amount_cents - written_off_cents(summary)
    unfunded = unfunded_exchange_credit_cents(summary)
    return max(0, paid - owed - owed_back - reserved - unfunded)


def apply_credit_memo(
    summary: OrderSummary, credit_memo_id: str, invoice_ids: Sequence[str], *, at: float
) -> list[DomainEvent]:
    """Apply a credit memo's balance to open invoices (what ``ensureRefunds`` nets first).

    Used when money is owed both ways on one order, e.g. a credit granted while a capture was
    still pending: the credit pays the invoice instead of a refund.
    """
    require_managed(summary, "apply credit memo")
    memo = summary.credit_memo(credit_memo_id)
    if memo.balance_cents <= 0:
        raise ActionRejected(
            f"CreditMemo {memo.id}: nothing to apply, Balance is {memo.balance_cents}"
        )
    netting = _netting(summary, memo.balance_cents, invoice_ids)
    if not netting:
        return []
    cs = ChangeSet()
    cs.involve(summary, "order summary")
    return [_apply_netting(cs, memo, netting, at)]


def _netting(
    summary: OrderSummary, credit_cents: int, invoice_ids: Sequence[str]
) -> list[tuple[Invoice, int]]:
    """(invoice, cents) a credit of ``credit_cents`` pays, invoice by invoice in order."""
    netting = []
    for inv_id in invoice_ids:
        invoice = summary.invoice(inv_id)
        amount = min(credit_cents, invoice.balance_cents)
        if amount > 0:
            netting.append((invoice, amount))
            credit_cents -= amount
    return netting


def _apply_netting(
    cs: ChangeSet, memo: CreditMemo, netting: list[tuple[Invoice, int]], at: float
) -> DomainEvent:
    """Apply the credit memo to the invoices of `_netting`: the one place credit pays an invoice."""
    for invoice, amount in netting:
        cs.add(memo, "balance_cents", -amount)
        cs.add(memo, "applied_to_invoices_cents", amount)
        cs.add(invoice, "balance_cents", -amount)
        cs.add(invoice, "net_credits_applied_cents", amount)
    return cs.event("Credit Memo Applied", at, amount_cents=sum(a for _, a in netting))


def _choose(amounts: list[int], need: int) -> list[int]:
    """Indices to draw from: exact match, else the smallest covering, else largest first."""
    for i, amount in enumerate(amounts):
        if amount == need:
            return [i]
    covering = [i for i, a in enumerate(amounts) if a >= need]
    if covering:
        return [min(covering, key=lambda i: (amounts[i], i))]
    return sorted((i for i, a in enumerate(amounts) if a > 0), key=lambda i: (-amounts[i], i))


def _plan(
    summaries: list[OrderPaymentSummary], room: dict[str, int], need: int
) -> list[tuple[OrderPaymentSummary, Payment, int]]:
    plan: list[tuple[OrderPaymentSummary, Payment, int]] = []
    pools = [ops for ops in summaries if sum(room.get(p.id, 0) for p in ops.payments) > 0]
    for i in _choose([sum(room.get(p.id, 0) for p in ops.payments) for ops in pools], need):
        ops = pools[i]
        payments = [p for p in ops.payments if room.get(p.id, 0) > 0]
        for j in _choose([room[p.id] for p in payments], need):
            amount = min(need, room[payments[j].id])
            if amount <= 0:
                break
            plan.append((ops, payments[j], amount))
            room[payments[j].id] -= amount
            need -= amount
        if need == 0:
            break
    return plan


def ensure_refunds(
    summary: OrderSummary,
    *,
    at: float,
    credit_memo_id: str | None = None,
    excess_funds_cents: int = 0,
    invoice_ids: Sequence[str] = (),
    exchange_credit_cents: int = 0,
    exchange_return_order: ReturnOrder | None = None,
    refund_to_card: bool = True,
) -> list[DomainEvent]:
    """Refund a credit memo (netted against ``invoice_ids`` first) and/or excess funds.

    ``exchange_credit_cents`` of the credit memo go to an exchange Order Summary instead of the
    card: they are drawn from the payment summary's reserved balance as ``Exchange Credit``
    refunds; ``exchange_return_order`` (the exchange's return order) then holds that much less
    credit for it. On an exchange summary, captured exchange credit its original has not given
    yet (`unfunded_exchange_credit_cents`) is never refunded. All or nothing: when the captured funds cannot cover the refund, nothing moves
    and a Payment process exception ("Payment refund failed") is raised. With
    ``refund_to_card`` False (the payment gateway does not answer) only what moves no card money
    is done, netting against ``invoice_ids`` and exchange credit; the rest of the credit memo
    stays open for a later call.
    """
    require_managed(summary, "ensure refunds")
    memo = summary.credit_memo(credit_memo_id) if credit_memo_id else None
    if (
        excess_funds_cents < 0
        or (memo is None and excess_funds_cents == 0)
        or (excess_funds_cents and not refund_to_card)
    ):
        raise ActionRejected(
            f"OrderSummary {summary.id}: ensure refunds needs a credit memo or a positive excess "
            f"funds amount (excess funds only to a card), got {credit_memo_id!r} and "
            f"{excess_funds_cents}"
        )
    available_excess = total_excess_funds_cents(summary)
    if excess_funds_cents > available_excess:
        raise ActionRejected(
            f"OrderSummary {summary.id}: cannot refund {excess_funds_cents} excess funds, "
            f"totalExcessFundsAmount is {available_excess}"
        )
    memo_left = memo.balance_cents if memo else 0
    if memo is not None and memo_left <= 0:
        raise ActionRejected(f"CreditMemo {memo.id}: nothing to refund, Balance is {memo_left}")
    netting = _netting(summary, memo_left, invoice_ids)
    memo_left -= sum(a for _, a in netting)
    reserved = {ops.id: ops.reserved_balance_cents for ops in summary.payment_summaries}
    held = sum(reserved.values())
    if exchange_return_order is not None:
        held = min(held, exchange_return_order.exchange_credit_cents)
    if exchange_credit_cents > min(memo_left, held):
        raise ActionRejected(
            f"OrderSummary {summary.id}: cannot carry {exchange_credit_cents} to an exchange, "
            f"reserved balance is {sum(reserved.values())} and the credit left is {memo_left}"
        )
    card = list(summary.payment_summaries)
    refundable = {p.id: p.refundable_cents for ops in card for p in ops.payments}
    keep = unfunded_exchange_credit_cents(summary)  # not the customer's yet: never refunded
    for ops in card:
        for p in ops.payments if ops.method == EXCHANGE_CREDIT else ():
            held = min(keep, refundable[p.id])
            refundable[p.id] -= held
            keep -= held
    excess_room = {
        p.id: min(p.balance_cents, refundable[p.id]) for ops in card for p in ops.payments
    }
    plan_excess = _plan(card, excess_room, excess_funds_cents)
    for _, payment, amount in plan_excess:
        refundable[payment.id] -= amount
    exchange_pools = [ops for ops in card if ops.reserved_balance_cents > 0]
    exchange_room = {}  # each card gives up at most what it reserved for the exchange
    for ops in exchange_pools:
        left = ops.reserved_balance_cents
        for p in ops.payments:
            exchange_room[p.id] = min(refundable[p.id], left)
            left -= exchange_room[p.id]
    plan_exchange = _plan(exchange_pools, exchange_room, exchange_credit_cents)
    for _, payment, amount in plan_exchange:
        refundable[payment.id] -= amount
    to_card = memo_left - exchange_credit_cents if refund_to_card else 0
    plan_memo = _plan(card, refundable, to_card)
    planned = sum(a for plan in (plan_excess, plan_exchange, plan_memo) for *_, a in plan)
    needed = excess_funds_cents + exchange_credit_cents + to_card
    if planned < needed:
        short = needed - planned
        return raise_process_exception(
            summary,
            category="Payment",
            attached_to_id=memo.id if memo else summary.id,
            message=f"Payment refund failed: {short} cents exceed AvailableToRefundAmount",
            at=at,
            description="refund failed",
        )
    events: list[DomainEvent] = []
    cs = ChangeSet()
    cs.involve(summary, "order summary")
    if memo is not None and netting:
        events.append(_apply_netting(cs, memo, netting, at))
        cs.involve(summary, "order summary")
    for plan, source, kind in (
        (plan_excess, None, "Referenced"),
        (plan_exchange, memo, "Exchange Credit"),
        (plan_memo, memo, "Referenced"),
    ):
        for ops, payment, amount in plan:
            record_refund(
                cs, summary, ops, payment, amount, at, source.id if source else None, kind
            )
            if source is not None:
                cs.add(source, "balance_cents", -amount)
                cs.add(source, "refunded_cents", amount)
            if kind == "Exchange Credit":
                cs.add(ops, "reserved_balance_cents", -amount)
                if exchange_return_order is not None:
                    cs.add(exchange_return_order, "exchange_credit_cents", -amount)
                    cs.involve(exchange_return_order, "return order")
    refunded = needed
    if refunded:
        events.append(
            cs.event(
                "Refund Processed",
                at,
                amount_cents=refunded,
                exchange_credit_cents=exchange_credit_cents,
            )
        )
    return events


def record_refund(
    cs: ChangeSet,
    summary: OrderSummary,
    ops: OrderPaymentSummary,
    payment: Payment,
    amount: int,
    at: float,
    source_id: str | None,
    kind: str,
) -> None:
    """Record a processed Refund of ``amount`` cents on ``payment``; with no ``source_id``
    (credit memo) it is paid from the payment's excess funds."""
    refund = Refund(
        id=summary.ids.next("Refund"),
        order_payment_summary_id=ops.id,
        payment_id=payment.id,
        amount_cents=amount,
        refunded_at=at,
        source_id=source_id,
        type=kind,
    )
    ops.refunds.append(refund)
    cs.created(refund)
    cs.add(payment, "refunded_cents", amount)
    if source_id is None:
        cs.add(payment, "excess_refunded_cents", amount)
    cs.involve(ops, "order payment summary")
