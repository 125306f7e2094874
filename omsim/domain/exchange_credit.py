"""Exchange credit: the returned value an exchange's new Order Summary is paid with.

The original summary reserves the value (``ReservedBalanceTotalAmount``; per return order in
``ReturnOrder.exchange_credit_cents``) and gives it as ``Exchange Credit`` refunds as the items
come back; the exchange summary holds it as an ``Exchange Credit`` authorization and consumes it
when it captures. Units that do not come back release their reservation on the original and
are withdrawn from the exchange summary here.
"""

from __future__ import annotations

from omsim.domain.errors import ActionRejected
from omsim.domain.events import ChangeSet, DomainEvent
from omsim.domain.guardrails import require_managed
from omsim.domain.payments import EXCHANGE_CREDIT
from omsim.domain.picklists import SourceProcess
from omsim.domain.refunds import record_refund
from omsim.domain.return_orders import ReturnOrder
from omsim.domain.summary import OrderSummary

CREDIT_WITHDRAWN = "Exchange Credit Withdrawn"
"""Refund type of exchange credit taken back from an exchange summary's captured payment."""


def exchange_credit_cents(exchange_summary: OrderSummary) -> tuple[int, int]:
    """(committed, consumed): exchange credit the summary holds, and what it captured of it.

    Both net of what was withdrawn (`withdraw_exchange_credit`).
    """
    committed = consumed = 0
    for ops in exchange_summary.payment_summaries:
        if ops.method != EXCHANGE_CREDIT:
            continue
        withdrawn = sum(r.amount_cents for r in ops.refunds if r.type == CREDIT_WITHDRAWN)
        committed += ops.authorization_amount_cents - withdrawn
        consumed += ops.captured_amount_cents - withdrawn
    return committed, consumed


def withdrawable_exchange_credit_cents(exchange_summary: OrderSummary) -> int:
    """Exchange credit `withdraw_exchange_credit` can take back: what the summary holds of it
    (net of withdrawals) and still has, uncaptured or captured and not refunded."""
    committed, _ = exchange_credit_cents(exchange_summary)
    credit_ops = [o for o in exchange_summary.payment_summaries if o.method == EXCHANGE_CREDIT]
    held = sum(
        a.balance_cents for o in credit_ops for a in o.authorizations if a.status == "Processed"
    )
    held += sum(p.refundable_cents for o in credit_ops for p in o.payments)
    return min(committed, held)


def withdraw_exchange_credit(
    exchange_summary: OrderSummary, amount_cents: int, *, at: float
) -> list[DomainEvent]:
    """Take ``amount_cents`` of exchange credit back from an exchange Order Summary.

    For returned units canceled on the original's return order: the uncaptured credit
    authorization is reduced first; then captured credit is taken off the invoices it paid
    (their ``Balance`` rises again) and closed by a refund of type ``Exchange Credit
    Withdrawn`` (no money reaches a card: the credit was never the customer's). The reopened
    invoices then wait for the customer's card, like any unpaid invoice. The event carries
    ``amount_cents`` (all withdrawn), ``refunded_cents`` (the captured part) and
    ``reopened_cents`` (what the invoices owe again).
    """
    require_managed(exchange_summary, "withdraw exchange credit")
    held = withdrawable_exchange_credit_cents(exchange_summary)
    if exchange_summary.source_process is not SourceProcess.EXCHANGE or not (
        0 < amount_cents <= held
    ):
        raise ActionRejected(
            f"OrderSummary {exchange_summary.id}: cannot withdraw {amount_cents} of exchange "
            f"credit, it can give back {held}"
        )
    credit_ops = [o for o in exchange_summary.payment_summaries if o.method == EXCHANGE_CREDIT]
    cs = ChangeSet()
    cs.involve(exchange_summary, "order summary")
    left = amount_cents
    for ops in credit_ops:
        for auth in ops.authorizations:
            take = min(left, auth.balance_cents) if auth.status == "Processed" else 0
            if take > 0:
                cs.add(auth, "amount_cents", -take)
                left -= take
        cs.involve(ops, "order payment summary")
    reopened = refunded = 0
    for ops in credit_ops:
        for payment in reversed(ops.payments):
            take = min(left, payment.refundable_cents)
            if take <= 0:
                continue
            applied = take - min(take, payment.balance_cents)
            for invoice in reversed(exchange_summary.invoices):
                back = min(applied, invoice.net_payments_applied_cents)
                if back <= 0:
                    continue
                cs.add(invoice, "net_payments_applied_cents", -back)
                cs.add(invoice, "balance_cents", back)
                cs.add(payment, "net_applied_cents", -back)
                cs.involve(invoice, "invoice")
                applied -= back
                reopened += back
            # a refund with no credit memo: it moves the payment's excess funds
            record_refund(cs, exchange_summary, ops, payment, take, at, None, CREDIT_WITHDRAWN)
            refunded += take
            left -= take
    return [
        cs.event(
            "Exchange Credit Withdrawn",
            at,
            amount_cents=amount_cents,
            refunded_cents=refunded,
            reopened_cents=reopened,
        )
    ]


def release_exchange_credit(
    summary: OrderSummary,
    ro: ReturnOrder,
    exchange_summary: OrderSummary,
    still_expected_cents: int,
    *,
    at: float,
) -> list[DomainEvent]:
    """Release what an exchange's return order holds beyond the value still expected back.

    The original's reserved balance drops (``Exchange Credit Released``) and the exchange
    summary's credit with it (`withdraw_exchange_credit`). Called by ``returnItems``.
    """
    release = ro.exchange_credit_cents - still_expected_cents
    if release <= 0:
        return []
    cs = ChangeSet()
    cs.involve(summary, "order summary")
    cs.involve(ro, "return order")
    cs.add(ro, "exchange_credit_cents", -release)
    left = release
    for ops in sorted(summary.payment_summaries, key=lambda o: -o.reserved_balance_cents):
        take = min(left, ops.reserved_balance_cents)
        if take > 0:
            cs.add(ops, "reserved_balance_cents", -take)
            cs.involve(ops, "order payment summary")
            left -= take
    cs.involve(exchange_summary, "exchange order summary")
    events = [cs.event("Exchange Credit Released", at, amount_cents=release)]
    return events + withdraw_exchange_credit(exchange_summary, release, at=at)
