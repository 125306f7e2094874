"""The exception desk: a service team working every process exception.

Mirrors the service work behind Salesforce's process-exception banner. Each exception is queued
for a capacity-limited team (agents with working hours), triaged (status Triaged), worked (its
remedy, by kind), then Resolved, or Ignored when the remedy cannot succeed (a payment the
customer never makes). Work that Salesforce gates on ``ActiveProcessExceptionCount = 0``
(routing, capture) waits for the order's exceptions; `release_gates` restarts it.

Agents start an exception only in working hours and finish what they started (a job begun just
before closing may end after it).
"""

from __future__ import annotations

from collections.abc import Callable, Generator
from typing import TYPE_CHECKING, Any

import simpy

from omsim.domain import (
    OrderSummary,
    ProcessException,
    apply_credit_memo,
    authorize_payment,
    ensure_funds,
    ensure_refunds,
    ignore_process_exception,
    raise_process_exception,
    resolve_process_exception,
    total_excess_funds_cents,
    triage_process_exception,
    write_off_invoice,
)
from omsim.network.routing.plan import NoRoute
from omsim.sim.distributions import sample
from omsim.sim.policies import succeeds

if TYPE_CHECKING:
    from omsim.sim.model import Model

Remedy = Callable[
    [simpy.Environment, "Model", OrderSummary, ProcessException], Generator[Any, Any, bool]
]
"""A remedy works one exception; it returns True when fixed (Resolved), False when not (Ignored)."""


def work_exception(
    env: simpy.Environment, model: Model, pe: ProcessException
) -> Generator[Any, Any, None]:
    """Queue for an agent in working hours, triage, work, then resolve or ignore."""
    desk = model.scenario.service.desk
    summary = model.summaries[pe.order_summary_id]
    with model.desk.associates.request() as slot:
        yield slot
        yield env.timeout(model.desk.ready_at(env.now) - env.now)
        yield env.timeout(sample(desk.triage_minutes, model.streams.service) / 60.0)
        model.record(triage_process_exception(summary, pe.id, at=env.now))
        yield env.timeout(sample(desk.resolution_minutes, model.streams.service) / 60.0)
    yield from close_exception(env, model, summary, pe)


def close_exception(
    env: simpy.Environment, model: Model, summary: OrderSummary, pe: ProcessException
) -> Generator[Any, Any, None]:
    """Work the exception's remedy, then resolve it (or ignore it when the remedy cannot
    succeed) and let the order's held routing and captures go ahead."""
    fixed = yield from remedy_of(model, pe)(env, model, summary, pe)
    close = resolve_process_exception if fixed else ignore_process_exception
    model.record(close(summary, pe.id, at=env.now))
    release_gates(model, summary)


def remedy_of(model: Model, pe: ProcessException) -> Remedy:
    """The remedy a flow registered for this exception, else the default for its kind."""
    return model.remedies.pop(pe.id, None) or REMEDIES.get(pe.description, _acknowledge)


def release_gates(model: Model, summary: OrderSummary) -> None:
    """With no active exception left, held routing and captures go ahead."""
    if summary.active_process_exception_count:
        return
    from omsim.sim.flows.delivery import capture
    from omsim.sim.flows.routing import enqueue

    track = model.tracks[summary.id]
    waiting, track.uncaptured_invoices = track.uncaptured_invoices, []
    if waiting:
        settle_credit(model, summary)
    for invoice_id in waiting:
        invoice = summary.invoice(invoice_id)
        if invoice.balance_cents:
            capture(model, summary, invoice)
    if track.waiting_for_desk:
        track.waiting_for_desk = False
        enqueue(model, summary)


def _acknowledge(
    env: simpy.Environment, model: Model, summary: OrderSummary, pe: ProcessException
) -> Generator[Any, Any, bool]:
    """Nothing to repair beyond what the flows already do (e.g. a store rejection re-routes)."""
    yield env.timeout(0)
    return True


def _route_by_hand(
    env: simpy.Environment, model: Model, summary: OrderSummary, pe: ProcessException
) -> Generator[Any, Any, bool]:
    """An agent routes the order once more; units still without a route are canceled."""
    from omsim.sim.flows.routing import attempt_route, open_units

    yield env.timeout(0)
    for group in summary.delivery_groups:
        units = open_units(summary, group.id)
        if not units or group.delivery_method == "Pickup":
            continue
        if isinstance(attempt_route(model, summary, group, units), NoRoute):
            cancel_unrouted(
                model, summary, {item.id: q for item, q in units}, reason="No Inventory"
            )
    return True


def cancel_unrouted(
    model: Model, summary: OrderSummary, units: dict[str, int], reason: str
) -> None:
    """Cancel units never allocated, and release their hold at the location group."""
    from omsim.sim.flows.customer_service import cancel_units

    cancel_units(model, summary, units, reason)


def _collect_payment(
    env: simpy.Environment, model: Model, summary: OrderSummary, pe: ProcessException
) -> Generator[Any, Any, bool]:
    """Wait for the gateway, renew an expired or short authorization, then capture what waits.

    False (Ignored) when the customer's card cannot be authorized again: each invoice still open
    is written off by a credit memo with the exception's kind as its reason
    (``Invoice Written Off``, ``amount_cents``).
    """
    yield env.timeout(model.gateway_up_at(env.now) - env.now)
    settle_credit(model, summary)  # credit owed to the customer pays the invoice first
    track = model.tracks[summary.id]
    invoices = [summary.invoice(i) for i in dict.fromkeys(track.uncaptured_invoices)]
    if pe.attached_to_id.startswith("INV-") and all(i.id != pe.attached_to_id for i in invoices):
        invoices.append(summary.invoice(pe.attached_to_id))
    due = sum(i.balance_cents for i in invoices)
    now = env.now
    available = sum(
        p.available_to_capture_cents(now) + p.balance_amount_cents
        for p in summary.payment_summaries
    )
    if due > available:
        if not succeeds(
            model.scenario.payments.reauthorization_success_rate, rng=model.streams.payments
        ):
            track.uncaptured_invoices = []
            for invoice in invoices:
                if invoice.balance_cents:
                    _, events = write_off_invoice(
                        summary, invoice.id, at=now, reason=pe.description
                    )
                    model.record(events)
            return False
        days = model.scenario.payments.authorization_valid_days
        model.record(
            authorize_payment(
                summary,
                amount_cents=due - available,
                at=now,
                valid_hours=days * 24,
                reason="reauthorization",
            )
        )
    track.uncaptured_invoices = []
    for invoice in invoices:
        if invoice.balance_cents:
            model.record(ensure_funds(summary, invoice.id, at=now))
    return True


def _replace_or_refund(
    env: simpy.Environment, model: Model, summary: OrderSummary, pe: ProcessException
) -> Generator[Any, Any, bool]:
    from omsim.sim.flows.carrier_incidents import replace_or_refund

    return (yield from replace_or_refund(env, model, summary, pe))


def _settle_credit(
    env: simpy.Environment, model: Model, summary: OrderSummary, pe: ProcessException
) -> Generator[Any, Any, bool]:
    """A refund that failed: net open credit against open invoices, refund what is refundable.

    False (Ignored) when captured funds still cannot cover the credit: it stays open on the
    order, owed to the customer.
    """
    yield env.timeout(model.gateway_up_at(env.now) - env.now)
    now = env.now
    settle_credit(model, summary)
    owed = sum(m.balance_cents for m in summary.credit_memos)
    refundable = sum(p.available_to_refund_cents for p in summary.payment_summaries)
    if owed > refundable:
        return False
    for memo in summary.credit_memos:
        if memo.balance_cents:
            model.record(ensure_refunds(summary, at=now, credit_memo_id=memo.id))
    excess = total_excess_funds_cents(summary)
    if excess:
        model.record(ensure_refunds(summary, at=now, excess_funds_cents=excess))
    return True


def gateway_up(model: Model) -> bool:
    """Whether the payment gateway answers now (a gateway outage is a fault scenario)."""
    return model.gateway_up_at(model.env.now) <= model.env.now


def queue_refund(model: Model, summary: OrderSummary) -> None:
    """A refund the gateway did not take: a Payment exception the desk settles when it is back.

    Salesforce's ``ensureRefundsAsync`` fails with the gateway and publishes ``OM Refund
    Failed``; what is owed stays on the open credit memos and as excess funds.
    """
    owed = sum(m.balance_cents for m in summary.credit_memos) + total_excess_funds_cents(summary)
    if owed <= 0:
        return
    model.record(
        raise_process_exception(
            summary,
            category="Payment",
            attached_to_id=summary.id,
            message=f"Payment refund failed: payment gateway unavailable ({owed} cents owed)",
            at=model.env.now,
            description="refund failed",
        )
    )


def settle_credit(model: Model, summary: OrderSummary) -> None:
    """Apply open credit memos to open invoices of the same order."""
    for memo in summary.credit_memos:
        open_invoices = [i.id for i in summary.invoices if i.balance_cents]
        if memo.balance_cents and open_invoices:
            model.record(apply_credit_memo(summary, memo.id, open_invoices, at=model.env.now))


REMEDIES: dict[str, Remedy] = {
    "refund failed": _settle_credit,
    "no route": _route_by_hand,
    "lost parcel": _replace_or_refund,
    "damaged parcel": _replace_or_refund,
    "authorization expired": _collect_payment,
    "funds not covered": _collect_payment,
    "capture failed": _collect_payment,
}
"""Default remedy by exception kind (``ProcessException.Description``); flows that raise an
exception needing specific work register it in ``model.remedies`` under the exception's id."""
