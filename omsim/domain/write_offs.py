"""Write-offs: what a buyer will never pay, taken off an invoice by a credit memo with a reason.

When a capture fails for good (the authorization expired and the card cannot be authorized
again) the merchant stops collecting. Salesforce has no dedicated bad-debt object; the record
that reduces an invoice's balance is a ``CreditMemo`` applied to it. omsim creates one for the
invoice's open balance, with ``write_off_reason`` saying why (omsim's field: Salesforce would
carry it in a custom field or the memo's description). The invoice keeps status ``Posted`` with
``Balance`` 0 and ``NetCreditsApplied`` raised by the amount; the memo has no lines (no units
were returned or adjusted), so line billing is unchanged and the Order Summary's
``GrandTotalAmount`` stays what the buyer owed.
"""

from __future__ import annotations

from omsim.domain.billing import CreditMemo
from omsim.domain.errors import ActionRejected
from omsim.domain.events import ChangeSet, DomainEvent
from omsim.domain.guardrails import require_managed
from omsim.domain.money import prorate
from omsim.domain.summary import OrderSummary


def write_off_invoice(
    summary: OrderSummary, invoice_id: str, *, at: float, reason: str = "Payment Not Collected"
) -> tuple[CreditMemo, list[DomainEvent]]:
    """Write off an invoice's open balance; returns the write-off credit memo and the event.

    The event, ``Invoice Written Off``, carries ``amount_cents`` (tax included) and ``reason``.
    """
    require_managed(summary, "write off an invoice")
    invoice = summary.invoice(invoice_id)
    amount = invoice.balance_cents
    if amount <= 0:
        raise ActionRejected(f"Invoice {invoice.id}: nothing to write off, Balance is {amount}")
    if not reason.strip():
        raise ActionRejected(f"Invoice {invoice.id}: a write-off needs a reason")
    tax = prorate(invoice.total_tax_amount_cents, amount, invoice.total_amount_with_tax_cents)
    memo_id = summary.ids.next("CreditMemo")
    memo = CreditMemo(
        id=memo_id,
        credit_memo_number=memo_id,
        order_summary_id=summary.id,
        reference_entity_id=invoice.id,
        credit_date=at,
        total_amount_cents=amount - tax,
        total_tax_amount_cents=tax,
        balance_cents=0,
        lines=(),
        applied_to_invoices_cents=amount,
        write_off_reason=reason,
    )
    summary.credit_memos.append(memo)
    cs = ChangeSet()
    cs.created(memo)
    cs.add(invoice, "balance_cents", -amount)
    cs.add(invoice, "net_credits_applied_cents", amount)
    cs.involve(invoice, "invoice")
    cs.involve(summary, "order summary")
    return memo, [cs.event("Invoice Written Off", at, amount_cents=amount, reason=reason)]


def written_off_cents(summary: OrderSummary) -> int:
    """What the buyer was let off: the total of the summary's write-off credit memos."""
    return sum(m.total_amount_with_tax_cents for m in summary.credit_memos if m.write_off_reason)
