"""Authorization reversal: releasing authorized funds an Order Summary can never capture.

Mirrors the Commerce Payments authorization reversal service
(``/commerce/payments/authorizations/{id}/reversals``): each reversal is a
``PaymentAuthAdjustment`` of ``Type`` Reversal on the authorization; its ``Amount`` comes off
the authorization's ``Balance`` (``TotalAuthReversalAmount`` rises, ``Amount`` stays) and adds
to the payment summary's ``AuthorizationReversalAmount``, so ``AvailableToCaptureAmount``
drops. The reference leaves reversing after a cancel to the implementation (section 3.4,
UNCONFIRMED); omsim's cancel (`omsim.domain.cancellations.submit_cancel`) reverses what can
never be captured, as an admin's cancel flow would.

What can still be captured (`still_to_capture_cents`)
-----------------------------------------------------
The buyer owes ``GrandTotalAmount`` (after every change order) less what was written off. Of
it, ``captured - refunded`` is paid, but money still owed back on an open credit memo
(``Balance``) will leave again, through a refund or by paying an invoice, so it pays nothing
yet::

    still to capture = max(0, GrandTotalAmount - written off - (captured - refunded)
                              + open credit memo balance)

Captured but unapplied balance counts as paid: ensure funds applies it before capturing.
Funds reserved for an exchange need no term: they are captured and pay for the returned
units until those come back, and then the change order lowers ``GrandTotalAmount`` by as much
as the exchange credit refund takes. On an exchange Order Summary, exchange credit its
original has not given yet (the return order's ``exchange_credit_cents``) may still be
withdrawn: from the uncaptured credit authorization first, then from captured credit, which
reopens invoices; the card must be able to pay for both, so that much credit is not counted
as capturable and the captured part is added to what the card may have to capture.

What is kept and what is reversed
---------------------------------
The authorizations keep what ensure funds would capture for that amount, in its order
(`omsim.domain.funds._capture_plan`: the payment summary whose available amount matches, else
the largest, and the same within it); every processed, unexpired authorization of a
payment method other than ``Exchange Credit`` gives up the rest of its ``Balance``. Exchange
credit is never reversed (`omsim.domain.exchange_credit` has its own rules) and expired
authorizations are left as they are: they can no longer be captured, nor reversed. A fully
canceled order owes nothing, so its card authorizations are reversed in full.

Simplifications (UNCONFIRMED): only a cancel reverses; an adjustment that lowers the total
leaves the authorization as it is. Each reversal succeeds at once (``Status`` Processed,
``SfResultCode`` Success); while the gateway does not answer (the cancel's ``refund=False``)
nothing is reversed.
"""

from __future__ import annotations

from omsim.domain.errors import ActionRejected
from omsim.domain.events import ChangeSet, DomainEvent
from omsim.domain.funds import _capture_plan, capturable_cents
from omsim.domain.guardrails import require_managed
from omsim.domain.payments import (
    EXCHANGE_CREDIT,
    OrderPaymentSummary,
    PaymentAuthAdjustment,
    PaymentAuthorization,
)
from omsim.domain.summary import OrderSummary
from omsim.domain.write_offs import written_off_cents

REVERSED = "Payment Authorization Reversed"
"""Activity of a reversal; its ``amount_cents`` is the amount reversed."""


def still_to_capture_cents(summary: OrderSummary) -> int:
    """Cents the buyer may still have to pay by capture (the rule in the module docstring).

    ``max(0, GrandTotalAmount - written off - (captured - refunded) + open credit memo
    Balance)``, over every payment summary (exchange credit included).
    """
    paid = sum(p.captured_amount_cents - p.refunded_amount_cents for p in summary.payment_summaries)
    owed_back = sum(m.balance_cents for m in summary.credit_memos)
    owed = summary.grand_total_amount_cents - written_off_cents(summary)
    return max(0, owed - paid + owed_back)


def reversible_cents(summary: OrderSummary, *, at: float) -> dict[str, int]:
    """Cents of each authorization that can never be captured (PaymentAuthorization id -> cents).

    Only processed, unexpired authorizations of methods other than ``Exchange Credit`` with
    something to give; an authorization that keeps its whole ``Balance`` is left out. Nothing
    changes.
    """
    capacity = capturable_cents(summary, at)
    need = still_to_capture_cents(summary)
    ro = summary.exchange_return_order
    at_risk = ro.exchange_credit_cents if ro is not None else 0
    for auth in _authorizations(summary, exchange_credit=True):
        take = min(at_risk, capacity.get(auth.id, 0))
        capacity[auth.id] = capacity.get(auth.id, 0) - take
        at_risk -= take
    need += at_risk  # captured credit a withdrawal would take off paid invoices
    keep: dict[str, int] = {}
    for auth, amount in _capture_plan(summary, need, at, capacity):
        keep[auth.id] = keep.get(auth.id, 0) + amount
    out = {}
    for auth in _authorizations(summary, exchange_credit=False):
        spare = capacity.get(auth.id, 0) - keep.get(auth.id, 0)
        if spare > 0:
            out[auth.id] = spare
    return out


def reverse_unused_authorizations(summary: OrderSummary, *, at: float) -> list[DomainEvent]:
    """Reverse every authorization's part that can never be captured (`reversible_cents`).

    One ``Payment Authorization Reversed`` event per authorization reversed; none when
    nothing is spare (an unmanaged summary included: it has nothing to capture).
    """
    if not summary.is_managed:
        return []
    spare = reversible_cents(summary, at=at)
    events: list[DomainEvent] = []
    for ops in summary.payment_summaries:
        for auth in ops.authorizations:
            if auth.id in spare:
                events.append(_reverse(summary, ops, auth, spare[auth.id], at))
    return events


def reverse_authorization(
    summary: OrderSummary, authorization_id: str, *, amount_cents: int, at: float
) -> list[DomainEvent]:
    """Reverse ``amount_cents`` of one authorization (the reversal service, called directly).

    Refused unless the authorization belongs to the summary, is ``Processed``, not expired at
    ``at``, not ``Exchange Credit``, and ``0 < amount_cents <= Balance``.
    """
    require_managed(summary, "reverse an authorization")
    found = [
        (ops, a)
        for ops in summary.payment_summaries
        for a in ops.authorizations
        if a.id == authorization_id
    ]
    if not found:
        raise ActionRejected(
            f"OrderSummary {summary.id}: no PaymentAuthorization {authorization_id!r}"
        )
    ((ops, auth),) = found
    name = f"PaymentAuthorization {auth.id}"
    if ops.method == EXCHANGE_CREDIT:
        raise ActionRejected(
            f"{name}: cannot reverse an Exchange Credit authorization; allowed: card methods"
        )
    if auth.status != "Processed":
        raise ActionRejected(f"{name}: cannot reverse, Status is {auth.status}; allowed: Processed")
    if auth.is_expired(at):
        raise ActionRejected(
            f"{name}: cannot reverse, ExpirationDate {auth.expires_at:g} h is before {at:g} h"
        )
    if not isinstance(amount_cents, int) or not 0 < amount_cents <= auth.balance_cents:
        raise ActionRejected(
            f"{name}: cannot reverse {amount_cents!r}, Amount must be in [1, Balance "
            f"{auth.balance_cents}]"
        )
    return [_reverse(summary, ops, auth, amount_cents, at)]


def _reverse(
    summary: OrderSummary,
    ops: OrderPaymentSummary,
    auth: PaymentAuthorization,
    amount: int,
    at: float,
) -> DomainEvent:
    adjustment_id = summary.ids.next("PaymentAuthAdjustment")
    adjustment = PaymentAuthAdjustment(
        id=adjustment_id,
        payment_auth_adjustment_number=adjustment_id,
        order_payment_summary_id=ops.id,
        payment_authorization_id=auth.id,
        amount_cents=amount,
        adjusted_at=at,
        processing_mode=auth.processing_mode,
    )
    ops.auth_adjustments.append(adjustment)
    cs = ChangeSet()
    cs.involve(summary, "order summary")
    cs.created(adjustment)
    cs.add(auth, "total_auth_reversal_amount_cents", amount)
    cs.involve(auth, "payment authorization")
    cs.involve(ops, "order payment summary")
    return cs.event(REVERSED, at, amount_cents=amount, method=ops.method)


def _authorizations(summary: OrderSummary, *, exchange_credit: bool) -> list[PaymentAuthorization]:
    """Processed authorizations of the ``Exchange Credit`` method, or of every other method."""
    return [
        a
        for ops in summary.payment_summaries
        if (ops.method == EXCHANGE_CREDIT) is exchange_credit
        for a in ops.authorizations
        if a.status == "Processed"
    ]


def authorization_reversal_violations(summary: OrderSummary) -> list[str]:
    """Broken rules of authorization reversals, as readable sentences (empty when all hold).

    Per authorization: ``0 <= TotalPaymentCaptureAmount + TotalAuthReversalAmount <= Amount``
    and ``TotalAuthReversalAmount`` equals its processed reversals. Per reversal: a positive
    ``Amount``, an authorization of its own payment summary, not ``Exchange Credit``, made
    no later than the authorization's ``ExpirationDate``. Per summary:
    ``AuthorizationReversalAmount`` is the sum of its authorizations' reversals.
    """
    out = []
    for ops in summary.payment_summaries:
        auths = {a.id: a for a in ops.authorizations}
        reversed_by: dict[str, int] = {}
        for adj in ops.auth_adjustments:
            name = f"PaymentAuthAdjustment {adj.id}"
            auth = auths.get(adj.payment_authorization_id)
            if adj.order_payment_summary_id != ops.id or auth is None:
                out.append(
                    f"{name}: PaymentAuthorizationId {adj.payment_authorization_id} is not an "
                    f"authorization of OrderPaymentSummary {ops.id}"
                )
                continue
            if adj.amount_cents <= 0:
                out.append(f"{name}: Amount {adj.amount_cents} is not positive")
            if ops.method == EXCHANGE_CREDIT:
                out.append(f"{name}: reverses Exchange Credit on OrderPaymentSummary {ops.id}")
            if auth.expires_at is not None and adj.adjusted_at > auth.expires_at:
                out.append(
                    f"{name}: made at {adj.adjusted_at:g} h, after PaymentAuthorization "
                    f"{auth.id} expired at {auth.expires_at:g} h"
                )
            if adj.type == "Reversal" and adj.status == "Processed":
                reversed_by[auth.id] = reversed_by.get(auth.id, 0) + adj.amount_cents
        for auth in ops.authorizations:
            name = f"PaymentAuthorization {auth.id}"
            used = auth.captured_cents + auth.total_auth_reversal_amount_cents
            if auth.total_auth_reversal_amount_cents < 0 or not 0 <= used <= auth.amount_cents:
                out.append(
                    f"{name}: captured {auth.captured_cents} + reversed "
                    f"{auth.total_auth_reversal_amount_cents} outside [0, Amount {auth.amount_cents}]"
                )
            if auth.total_auth_reversal_amount_cents != reversed_by.get(auth.id, 0):
                out.append(
                    f"{name}: TotalAuthReversalAmount {auth.total_auth_reversal_amount_cents} != "
                    f"its reversals {reversed_by.get(auth.id, 0)}"
                )
        total = sum(a.total_auth_reversal_amount_cents for a in ops.authorizations)
        if ops.authorization_reversal_amount_cents != total:
            out.append(
                f"OrderPaymentSummary {ops.id}: AuthorizationReversalAmount "
                f"{ops.authorization_reversal_amount_cents} != its authorizations' {total}"
            )
    return out
