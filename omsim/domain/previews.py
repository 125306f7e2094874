"""Previews: what a cancel, a return or an adjustment would change, with nothing changed.

Mirrors ``OrderSummary.previewCancel``, ``previewReturn`` and ``adjustPreview``: each answers
with the ``changeBalances`` the submit would produce, in the preview's sign convention (the
opposite of the change order's: a discount or a cancel is positive, what the buyer would owe
less). omsim runs the very action on a copy of the Order Summary, so a preview and its submit
can never disagree and every guardrail refuses a preview as it refuses the submit; the copy is
thrown away and the summary is untouched. The copy runs as if the payment gateway did not
answer (``refund=False``): captured money owed back stays as excess funds or on the credit memo,
which is what ``totalExcessFundsAmount`` and ``totalRefundableAmount`` report.

A preview copies the whole summary: it is meant for an admin's screen and the sandbox, not for
the simulation's hot path (`omsim.domain.returns.preview_return` is the cheap credit of a return
the flows use).
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from omsim.domain.adjustments import adjust
from omsim.domain.bookkeeping import summary_totals
from omsim.domain.cancellations import submit_cancel
from omsim.domain.picklists import FulfillmentPhase
from omsim.domain.refunds import total_excess_funds_cents
from omsim.domain.simple_returns import submit_return
from omsim.domain.summary import OrderSummary


@dataclass(frozen=True, slots=True)
class ChangeBalances:
    """``changeBalances`` of a preview, in cents, positive when the buyer would owe less.

    ``total_excess_funds_amount_cents`` is captured money the change leaves owed back outside
    any credit memo (``totalExcessFundsAmount``); ``total_refundable_amount_cents`` adds what
    its credit memos would credit (``totalRefundableAmount``).
    """

    grand_total_amount_cents: int
    total_amount_cents: int
    total_tax_amount_cents: int
    total_adjusted_product_amount_cents: int
    total_adjusted_product_tax_amount_cents: int
    total_adjusted_delivery_amount_cents: int
    total_adjusted_delivery_tax_amount_cents: int
    total_fee_amount_cents: int
    total_fee_tax_amount_cents: int
    total_excess_funds_amount_cents: int
    total_refundable_amount_cents: int


def preview_cancel(
    summary: OrderSummary, lines: Mapping[str, int], *, at: float, shipping_reduction_flag: bool
) -> ChangeBalances:
    """``previewCancel``: what `submit_cancel` of these units would change."""
    return _preview(
        summary,
        lambda s: submit_cancel(
            s, lines, at=at, shipping_reduction_flag=shipping_reduction_flag, refund=False
        ),
    )


def preview_submit_return(
    summary: OrderSummary, lines: Mapping[str, int], *, at: float, shipping_reduction_flag: bool
) -> ChangeBalances:
    """``previewReturn``: what `submit_return` of these units would change.

    Its ``grand_total_amount_cents`` is `omsim.domain.returns.preview_return`'s credit.
    """
    return _preview(
        summary,
        lambda s: submit_return(
            s,
            lines,
            at=at,
            shipping_reduction_flag=shipping_reduction_flag,
            reason="Not Satisfied",
            refund=False,
        ),
    )


def preview_adjust(
    summary: OrderSummary,
    discounts: Mapping[str, int],
    *,
    at: float,
    allocated_items_change_order_type: str = "Disallowed",
    phases: tuple[FulfillmentPhase, ...] = tuple(FulfillmentPhase),
) -> ChangeBalances:
    """``adjustPreview``: what `adjust` with these discounts (cents off each unit) would change."""
    return _preview(
        summary,
        lambda s: adjust(
            s,
            discounts,
            at=at,
            allocated_items_change_order_type=allocated_items_change_order_type,
            phases=phases,
            refund=False,
        ),
    )


def _preview(summary: OrderSummary, submit: Callable[[OrderSummary], object]) -> ChangeBalances:
    """Run ``submit`` on a copy of ``summary`` and read the change it made."""
    trial = copy.deepcopy(summary)
    orders_before = len(trial.change_orders)
    memos_before = len(trial.credit_memos)
    submit(trial)  # raises ActionRejected as the submit would; the summary is untouched
    items = tuple(oi for o in trial.change_orders[orders_before:] for oi in o.items)
    totals = summary_totals(items)
    excess = total_excess_funds_cents(trial)
    credited = sum(m.balance_cents for m in trial.credit_memos[memos_before:])
    return ChangeBalances(
        grand_total_amount_cents=-totals["grand_total_amount_cents"],
        total_amount_cents=-totals["total_amount_cents"],
        total_tax_amount_cents=-totals["total_tax_amount_cents"],
        total_adjusted_product_amount_cents=-totals["total_adjusted_product_amount_cents"],
        total_adjusted_product_tax_amount_cents=-totals["total_adjusted_product_tax_amount_cents"],
        total_adjusted_delivery_amount_cents=-totals["total_adjusted_delivery_amount_cents"],
        total_adjusted_delivery_tax_amount_cents=-totals[
            "total_adjusted_delivery_tax_amount_cents"
        ],
        total_fee_amount_cents=-totals["total_adjusted_fee_amount_cents"],
        total_fee_tax_amount_cents=-totals["total_adjusted_fee_tax_amount_cents"],
        total_excess_funds_amount_cents=excess,
        total_refundable_amount_cents=excess + credited,
    )
