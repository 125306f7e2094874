"""Money movement: invoices, ensure funds (capture), credit memos, ensure refunds.

Mirrors ``FulfillmentOrder.createInvoice``, ``OrderSummary.ensureFundsAsync``,
``createCreditMemo`` and ``ensureRefundsAsync``. Async background operations are collapsed into
synchronous calls; a gateway failure becomes a Payment process exception, not an error.
Where Salesforce breaks ties "randomly", omsim takes the earliest-created record, so runs are
reproducible (documented deviation).
"""

from __future__ import annotations

from collections.abc import Sequence

from omsim.domain import bookkeeping
from omsim.domain.billing import BillingLine, CreditMemo, Invoice
from omsim.domain.bookkeeping import billing_pools
from omsim.domain.errors import ActionRejected
from omsim.domain.events import ChangeSet, DomainEvent
from omsim.domain.exception_desk import raise_process_exception
from omsim.domain.guardrails import require_managed
from omsim.domain.orders import Order
from omsim.domain.payments import Payment, PaymentAuthorization
from omsim.domain.picklists import FulfillmentPhase, ItemType
from omsim.domain.summary import OrderSummary


def _pick(amounts: Sequence[int], need: int) -> int:
    """Index of the exact match for ``need``, else of the largest amount (earliest on ties)."""
    for i, amount in enumerate(amounts):
        if amount == need:
            return i
    return max(range(len(amounts)), key=lambda i: (amounts[i], -i))


def _invoice(
    cs: ChangeSet, summary: OrderSummary, reference_id: str, units: dict[str, int], at: float
) -> Invoice:
    lines = []
    for item_id, q in units.items():
        unbilled, _ = billing_pools(summary, summary.item(item_id))
        lines.append(BillingLine(item_id, q, *unbilled.share(q)))
    total = sum(ln.amount_cents for ln in lines)
    total_tax = sum(ln.tax_cents for ln in lines)
    inv_id = summary.ids.next("Invoice")
    invoice = Invoice(
        id=inv_id,
        invoice_number=inv_id,
        order_summary_id=summary.id,
        reference_entity_id=reference_id,
        invoice_date=at,
        total_amount_cents=total,
        total_tax_amount_cents=total_tax,
        balance_cents=total + total_tax,
        lines=tuple(lines),
    )
    summary.invoices.append(invoice)
    cs.created(invoice)
    return invoice


def create_invoice(
    summary: OrderSummary, fo_id: str, *, at: float
) -> tuple[Invoice, list[DomainEvent]]:
    """``createInvoice``: the one invoice of a fulfilled fulfillment order."""
    require_managed(summary, "create invoice")
    fo = summary.fulfillment_order(fo_id)
    if fo.status_category != "CLOSED":
        raise ActionRejected(
            f"FulfillmentOrder {fo.id}: cannot invoice, status {fo.status} is not Fulfilled"
        )
    if fo.invoice_id is not None:
        raise ActionRejected(f"FulfillmentOrder {fo.id}: already invoiced by {fo.invoice_id}")
    if fo.is_reship:
        raise ActionRejected(f"FulfillmentOrder {fo.id}: a reshipment carries no charge to invoice")
    cs = ChangeSet()
    units = {ln.order_item_summary_id: ln.quantity for ln in fo.lines if ln.quantity > 0}
    invoice = _invoice(cs, summary, fo.id, units, at)
    cs.set(fo, "invoice_id", invoice.id)
    billed = {ln.order_item_summary_id: ln for ln in invoice.lines}
    for line in fo.lines:  # from here the lines keep what the invoice billed (a roll-up)
        bill = billed.get(line.order_item_summary_id)
        amount, tax = (bill.amount_cents, bill.tax_cents) if bill else (0, 0)
        line.total_adjustment_amount_cents = amount - line.total_price_cents
        line.total_tax_amount_cents = tax
    bookkeeping.refresh_documents(summary)  # open lines of the same items bill or credit the rest
    cs.involve(summary, "order summary")
    return invoice, [
        cs.event("Invoice Created", at, amount_cents=invoice.total_amount_with_tax_cents)
    ]


def create_fee_invoice(
    summary: OrderSummary, change_order: Order, *, at: float
) -> tuple[Invoice, list[DomainEvent]]:
    """Invoice a change order that adds a fee (``createMultipleInvoices`` for a return fee)."""
    fee_items = [
        i for i in change_order.items if i.type is ItemType.FEE and i.total_price_cents > 0
    ]
    if not fee_items:
        raise ActionRejected(f"Order {change_order.id}: no fee to invoice")
    cs = ChangeSet()
    fee_lines = {i.id for i in fee_items}
    units = {ois.id: 1 for ois in summary.items if ois.original_order_item_id in fee_lines}
    invoice = _invoice(cs, summary, change_order.id, units, at)
    cs.involve(summary, "order summary")
    return invoice, [
        cs.event("Invoice Created", at, amount_cents=invoice.total_amount_with_tax_cents)
    ]


def capture_authorized_funds(
    summary: OrderSummary, *, amount_cents: int, at: float
) -> list[DomainEvent]:
    """Capture before any invoice exists (a capture-at-order policy): funds become ``BalanceAmount``."""
    require_managed(summary, "capture funds")
    available = sum(p.available_to_capture_cents(at) for p in summary.payment_summaries)
    if amount_cents <= 0 or amount_cents > available:
        raise ActionRejected(
            f"OrderSummary {summary.id}: cannot capture {amount_cents}, "
            f"AvailableToCaptureAmount (unexpired) is {available}"
        )
    cs = ChangeSet()
    for auth, amount in _capture_plan(summary, amount_cents, at):
        _capture(cs, summary, auth, amount, at)
    cs.involve(summary, "order summary")
    return [cs.event("Payment Captured", at, amount_cents=amount_cents)]


def capturable_cents(summary: OrderSummary, at: float) -> dict[str, int]:
    """What each authorization can still give at ``at``: its ``Balance`` when processed and
    unexpired (PaymentAuthorization id -> cents); the others are left out."""
    return {
        a.id: a.balance_cents
        for p in summary.payment_summaries
        for a in p.authorizations
        if a.status == "Processed" and not a.is_expired(at)
    }


def _capture_plan(
    summary: OrderSummary, need: int, at: float, capacity: dict[str, int] | None = None
) -> list[tuple[PaymentAuthorization, int]]:
    """Authorizations to capture from: OPS exact match else largest, then the same within it.

    ``capacity`` (PaymentAuthorization id -> cents) replaces what each authorization can give
    (default `capturable_cents`); the plan may cover less than ``need``.
    """
    plan: list[tuple[PaymentAuthorization, int]] = []
    left = dict(capturable_cents(summary, at) if capacity is None else capacity)
    while need > 0:
        pools = [
            p
            for p in summary.payment_summaries
            if sum(left.get(a.id, 0) for a in p.authorizations) > 0
        ]
        if not pools:
            break
        ops = pools[_pick([sum(left.get(a.id, 0) for a in p.authorizations) for p in pools], need)]
        auths = [a for a in ops.authorizations if left.get(a.id, 0) > 0]
        auth = auths[_pick([left[a.id] for a in auths], need)]
        amount = min(need, left[auth.id])
        plan.append((auth, amount))
        left[auth.id] -= amount
        need -= amount
    return plan


def _capture(
    cs: ChangeSet, summary: OrderSummary, auth: PaymentAuthorization, amount: int, at: float
) -> Payment:
    ops = next(p for p in summary.payment_summaries if p.id == auth.order_payment_summary_id)
    payment = Payment(
        id=summary.ids.next("Payment"),
        order_payment_summary_id=ops.id,
        payment_authorization_id=auth.id,
        amount_cents=amount,
        captured_at=at,
    )
    ops.payments.append(payment)
    cs.created(payment)
    cs.add(auth, "captured_cents", amount)
    cs.involve(ops, "order payment summary")
    return payment


def ensure_funds(
    summary: OrderSummary, invoice_id: str, *, at: float, allow_partial: bool = False
) -> list[DomainEvent]:
    """``ensureFundsAsync`` for one invoice, in the documented order.

    First apply already-captured balance (an OPS whose ``BalanceAmount`` equals the invoice
    balance, else the largest, repeated); then capture from authorizations (an OPS whose
    available-to-capture equals what is left, else the largest, repeated). By default all or
    nothing: when the funds do not cover the invoice, nothing moves and a Payment process
    exception is raised, naming an expired authorization when one could have covered it.

    With ``allow_partial`` (Salesforce's ``isAllowPartial``) what the captured balance and the
    unexpired authorizations cover is applied and captured, the rest of the invoice stays open
    (``Balance`` > 0), and the same Payment process exception is raised for the rest (its
    message names the cents not covered). When they cover nothing, it fails as without the
    flag: nothing moves. UNCONFIRMED: the reference lists the flag, not its failure record;
    omsim raises one process exception for the uncovered rest, like a failed capture.
    """
    require_managed(summary, "ensure funds")
    invoice = summary.invoice(invoice_id)
    if invoice.balance_cents <= 0:
        raise ActionRejected(
            f"Invoice {invoice.id}: nothing to ensure, Balance is {invoice.balance_cents}"
        )
    applied = _balance_plan(summary, invoice.balance_cents)
    need = invoice.balance_cents - sum(a for _, a in applied)
    captures = _capture_plan(summary, need, at)
    short = need - sum(a for _, a in captures)
    if short > 0 and not (allow_partial and (applied or captures)):
        return _funds_failure(summary, invoice, short, at)
    cs = ChangeSet()
    for payment, amount in applied:
        _apply_payment(cs, invoice, payment, amount)
    events: list[DomainEvent] = []
    if applied:
        cs.involve(summary, "order summary")
        events.append(cs.event("Payment Applied", at, amount_cents=sum(a for _, a in applied)))
    for auth, amount in captures:
        payment = _capture(cs, summary, auth, amount, at)
        _apply_payment(cs, invoice, payment, amount)
        cs.involve(summary, "order summary")
        events.append(cs.event("Payment Captured", at, amount_cents=amount))
    if short > 0:
        events += _funds_failure(summary, invoice, short, at)
    return events


def _balance_plan(summary: OrderSummary, need: int) -> list[tuple[Payment, int]]:
    """Captured, unapplied payments to apply to ``need`` cents: an OPS whose ``BalanceAmount``
    equals what is left, else the largest, repeated; the same rule within the OPS."""
    applied: list[tuple[Payment, int]] = []
    left = {
        p.id: p.balance_cents
        for ops in summary.payment_summaries
        for p in ops.payments
        if p.balance_cents > 0
    }
    while need > 0 and any(left.values()):
        pools = [
            ops for ops in summary.payment_summaries if sum(left.get(p.id, 0) for p in ops.payments)
        ]
        ops = pools[_pick([sum(left.get(p.id, 0) for p in o.payments) for o in pools], need)]
        candidates = [p for p in ops.payments if left.get(p.id, 0) > 0]
        payment = candidates[_pick([left[p.id] for p in candidates], need)]
        amount = min(need, left[payment.id])
        applied.append((payment, amount))
        left[payment.id] -= amount
        need -= amount
    return applied


def _apply_payment(cs: ChangeSet, invoice: Invoice, payment: Payment, amount: int) -> None:
    cs.add(payment, "net_applied_cents", amount)
    cs.add(invoice, "net_payments_applied_cents", amount)
    cs.add(invoice, "balance_cents", -amount)


def _funds_failure(
    summary: OrderSummary, invoice: Invoice, short: int, at: float
) -> list[DomainEvent]:
    expired = [
        a
        for p in summary.payment_summaries
        for a in p.authorizations
        if a.status == "Processed" and a.is_expired(at) and a.balance_cents > 0
    ]
    if expired and sum(a.balance_cents for a in expired) >= short:
        auth = expired[0]
        message = (
            f"Payment capture failed for Invoice {invoice.id}: PaymentAuthorization {auth.id} "
            f"expired at {auth.expires_at:g} h"
        )
        attached, kind = auth.id, "authorization expired"
    else:
        message = (
            f"Ensure funds failed for Invoice {invoice.id}: {short} cents not covered by "
            "captured balance or unexpired authorizations"
        )
        attached, kind = invoice.id, "funds not covered"
    return raise_process_exception(
        summary,
        category="Payment",
        attached_to_id=attached,
        message=message,
        at=at,
        description=kind,
    )


def create_credit_memo(
    summary: OrderSummary, change_order_ids: Sequence[str], *, at: float
) -> tuple[CreditMemo, list[DomainEvent]]:
    """``createCreditMemo`` from change orders that reduce what the buyer owes (fees excluded)."""
    require_managed(summary, "create credit memo")
    orders = {o.id: o for o in summary.change_orders}
    credited = {m.reference_entity_id for m in summary.credit_memos}
    lines: list[BillingLine] = []
    for co_id in change_order_ids:
        if co_id not in orders:
            raise ActionRejected(f"OrderSummary {summary.id}: no change order {co_id!r}")
        if co_id in credited:
            raise ActionRejected(f"Order {co_id}: already credited")
        if orders[co_id].fulfillment_phase is not FulfillmentPhase.POST:
            raise ActionRejected(f"Order {co_id}: only post-fulfillment change orders are credited")
        for item in orders[co_id].items:
            if item.type is not ItemType.FEE and item.total_amt_with_tax_cents < 0:
                ois = next(
                    i
                    for i in summary.items
                    if i.original_order_item_id == item.original_order_item_id
                )
                lines.append(
                    BillingLine(
                        ois.id,
                        -item.quantity,
                        -item.total_price_cents,
                        -item.total_tax_amount_cents,
                    )
                )
    total = sum(ln.amount_cents for ln in lines)
    tax = sum(ln.tax_cents for ln in lines)
    if total + tax <= 0:
        raise ActionRejected(
            f"OrderSummary {summary.id}: change orders {list(change_order_ids)} credit nothing"
        )
    memo_id = summary.ids.next("CreditMemo")
    memo = CreditMemo(
        id=memo_id,
        credit_memo_number=memo_id,
        order_summary_id=summary.id,
        reference_entity_id=",".join(change_order_ids),
        credit_date=at,
        total_amount_cents=total,
        total_tax_amount_cents=tax,
        balance_cents=total + tax,
        lines=tuple(lines),
    )
    summary.credit_memos.append(memo)
    cs = ChangeSet()
    cs.created(memo)
    bookkeeping.refresh_documents(summary)  # what open lines bill or credit moved with the memo
    cs.involve(summary, "order summary")
    return memo, [
        cs.event("Credit Memo Created", at, amount_cents=memo.total_amount_with_tax_cents)
    ]
