"""The Order Summary record page as an admin sees it, rendered as HTML for notebooks.

Header fields and totals, the line table with every quantity bucket and the status, then the
related lists: fulfillment orders, invoices, credit memos, return orders and process exceptions
(each with its status; the banner counts the active ones). Used by ``OrderSummary._repr_html_``.
"""

from __future__ import annotations

from collections.abc import Sequence
from html import escape
from typing import Any

from omsim.domain.billing import CreditMemo, Invoice
from omsim.domain.summary import OrderSummary

_STYLE = (
    "<style>.omsim-os table{border-collapse:collapse;margin:4px 0 10px}"
    ".omsim-os th,.omsim-os td{border:1px solid #ccc;padding:2px 6px;text-align:right}"
    ".omsim-os th{background:#f3f3f3}.omsim-os .pe{color:#a00}</style>"
)


def money(cents: int) -> str:
    """Cents as a currency amount with two decimals.

    >>> money(123456), money(-5)
    ('1,234.56', '-0.05')
    """
    sign = "-" if cents < 0 else ""
    whole, rest = divmod(abs(cents), 100)
    return f"{sign}{whole:,}.{rest:02d}"


def _table(title: str, header: list[str], rows: list[list[Any]]) -> str:
    if not rows:
        return f"<h4>{escape(title)} (0)</h4>"
    head = "".join(f"<th>{escape(h)}</th>" for h in header)
    body = "".join(
        "<tr>" + "".join(f"<td>{escape(str(v))}</td>" for v in r) + "</tr>" for r in rows
    )
    return f"<h4>{escape(title)} ({len(rows)})</h4><table><tr>{head}</tr>{body}</table>"


def _billing_table(title: str, docs: Sequence[Invoice | CreditMemo]) -> str:
    rows = [
        [d.id, d.reference_entity_id, money(d.total_amount_with_tax_cents), money(d.balance_cents)]
        for d in docs
    ]
    return _table(title, ["Id", "For", "Total", "Balance"], rows)


def order_summary_html(s: OrderSummary) -> str:
    """HTML of the record page of ``s``."""
    banner = ""
    if s.active_process_exception_count:
        banner = (
            f"<p class='pe'><b>{s.active_process_exception_count} active process "
            "exception(s) need attention</b></p>"
        )
    header = _table(
        "Order Summary " + s.order_number,
        [
            "Id",
            "Status",
            "OrderLifeCycleType",
            "SourceProcess",
            "SourceOrderSummaryId",
            "RoutingAttempts",
            "ActiveProcessExceptionCount",
            "TotalAmount",
            "TotalTaxAmount",
            "GrandTotalAmount",
        ],
        [
            [
                s.id,
                s.status,
                s.order_life_cycle_type.value,
                s.source_process.value,
                s.source_order_summary_id or "",
                s.routing_attempts,
                s.active_process_exception_count,
                money(s.total_amount_cents),
                money(s.total_tax_amount_cents),
                money(s.grand_total_amount_cents),
            ]
        ],
    )
    lines = _table(
        "Order Product Summaries",
        [
            "Id",
            "Type",
            "SKU",
            "Ordered",
            "Canceled",
            "Allocated",
            "Fulfilled",
            "ReturnInitiated",
            "Returned",
            "Reshipped",
            "Quantity",
            "TotalPrice",
            "Tax",
            "Status",
        ],
        [
            [
                i.id,
                i.type.value,
                i.stock_keeping_unit,
                i.quantity_ordered,
                i.quantity_canceled,
                i.quantity_allocated,
                i.quantity_fulfilled,
                i.quantity_return_initiated,
                i.quantity_returned,
                i.quantity_reshipped,
                i.quantity,
                money(i.total_price_cents),
                money(i.total_tax_amount_cents),
                i.status,
            ]
            for i in s.items
        ],
    )
    adjustments = (
        _table(
            "Order Adjustment Group Summaries",
            ["Id", "Type", "Description", "TotalAmount"],
            [
                [g.id, g.type, g.description, money(g.total_amount_cents)]
                for g in s.adjustment_groups
            ],
        )
        if s.adjustment_groups
        else ""
    )
    fos = _table(
        "Fulfillment Orders",
        [
            "Id",
            "Location",
            "Type",
            "Status",
            "StatusCategory",
            "IsReship",
            "ItemCount",
            "GrandTotalAmount",
            "Invoice",
        ],
        [
            [
                f.id,
                f.fulfilled_from_location_id,
                f.type,
                f.status,
                f.status_category,
                f.is_reship,
                f.item_count,
                money(f.grand_total_amount_cents),
                f.invoice_id or "",
            ]
            for f in s.fulfillment_orders
        ],
    )
    invoices = _billing_table("Invoices", s.invoices)
    memos = _billing_table("Credit Memos", s.credit_memos)
    ros = _table(
        "Return Orders",
        ["Id", "Status", "Lines", "Expected", "Returned"],
        [
            [
                r.id,
                r.status,
                len(r.lines),
                sum(ln.quantity_expected for ln in r.open_lines),
                sum(ln.quantity_returned for ln in r.lines),
            ]
            for r in s.return_orders
        ],
    )
    payments = _table(
        "Order Payment Summaries",
        ["Id", "Method", "Authorized", "Reversed", "Captured", "Refunded", "Balance"],
        [
            [
                p.id,
                p.method,
                money(p.authorization_amount_cents),
                money(p.authorization_reversal_amount_cents),
                money(p.captured_amount_cents),
                money(p.refunded_amount_cents),
                money(p.balance_amount_cents),
            ]
            for p in s.payment_summaries
        ],
    )
    pes = _table(
        "Process Exceptions",
        ["Id", "Category", "Severity", "Status", "StatusCategory", "AttachedTo", "Message"],
        [
            [p.id, p.category, p.severity, p.status, p.status_category, p.attached_to_id, p.message]
            for p in s.process_exceptions
        ],
    )
    return (
        f"{_STYLE}<div class='omsim-os'>{banner}{header}{lines}{adjustments}{fos}{payments}{invoices}"
        f"{memos}{ros}{pes}</div>"
    )
