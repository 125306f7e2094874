"""Invoices and credit memos: what the buyer owes, and what is owed back.

Mirrors Salesforce ``Invoice`` (one per fulfilled fulfillment order, or per fee change order) and
``CreditMemo`` (one per return or post-fulfillment adjustment). UNCONFIRMED: Salesforce does not
state the status Order Management gives them; omsim uses ``Posted`` for both.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class BillingLine:
    """One order item summary's share on an invoice or credit memo (pre-tax amount and tax)."""

    order_item_summary_id: str
    quantity: int
    amount_cents: int
    tax_cents: int


@dataclass(slots=True, eq=False)
class Invoice:
    """An amount the buyer must pay.

    Attributes
    ----------
    reference_entity_id : str
        The fulfillment order or the fee change order invoiced.
    balance_cents : int
        What is still unpaid (``Balance``).
    net_payments_applied_cents, net_credits_applied_cents : int
        Captured payments and credit memos applied so far.
    """

    id: str
    invoice_number: str
    order_summary_id: str
    reference_entity_id: str
    invoice_date: float
    total_amount_cents: int
    total_tax_amount_cents: int
    balance_cents: int
    lines: tuple[BillingLine, ...]
    status: str = "Posted"
    net_payments_applied_cents: int = 0
    net_credits_applied_cents: int = 0

    @property
    def total_amount_with_tax_cents(self) -> int:
        return self.total_amount_cents + self.total_tax_amount_cents


@dataclass(slots=True, eq=False)
class CreditMemo:
    """An amount owed back to the buyer, created from change orders.

    Attributes
    ----------
    reference_entity_id : str
        The change order credited (``ReferenceEntityId``).
    balance_cents : int
        Not yet applied to an invoice or refunded (``Balance``).
    write_off_reason : str or None
        Set on a write-off (omsim's field): the memo references the invoice written off, has no
        lines, and was applied to it in full (see `omsim.domain.write_offs`).
    """

    id: str
    credit_memo_number: str
    order_summary_id: str
    reference_entity_id: str
    credit_date: float
    total_amount_cents: int
    total_tax_amount_cents: int
    balance_cents: int
    lines: tuple[BillingLine, ...]
    status: str = "Posted"
    applied_to_invoices_cents: int = 0
    refunded_cents: int = 0
    write_off_reason: str | None = None

    @property
    def total_amount_with_tax_cents(self) -> int:
        return self.total_amount_cents + self.total_tax_amount_cents
