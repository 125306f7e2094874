"""Process exception actions: raise, triage, resolve, ignore.

Mirrors the ``ProcessException`` lifecycle: New and Triaged are ACTIVE (they count in
``ActiveProcessExceptionCount`` and gate flows), Resolved is RESOLVED, Paused/Ignored/Voided are
INACTIVE.
"""

from __future__ import annotations

from omsim.domain.errors import ActionRejected
from omsim.domain.events import ChangeSet, DomainEvent
from omsim.domain.guardrails import require_choice
from omsim.domain.picklists import (
    PROCESS_EXCEPTION_CATEGORIES,
    PROCESS_EXCEPTION_SEVERITIES,
    PROCESS_EXCEPTION_STATUS_CATEGORY,
)
from omsim.domain.process_exceptions import ProcessException
from omsim.domain.summary import OrderSummary


def raise_process_exception(
    summary: OrderSummary,
    *,
    category: str,
    attached_to_id: str,
    message: str,
    at: float,
    severity: str = "High",
    description: str = "",
    location_id: str | None = None,
) -> list[DomainEvent]:
    """Create a New process exception on the Order Summary (its banner shows it).

    ``description`` says what kind of failure it is (``no route``, ``capture failed``, ...);
    ``location_id`` names the location involved, if any; both go on the event for analysis.
    """
    where = f"OrderSummary {summary.id}"
    require_choice(category, PROCESS_EXCEPTION_CATEGORIES, "process exception Category", where)
    require_choice(severity, PROCESS_EXCEPTION_SEVERITIES, "process exception Severity", where)
    pe_id = summary.ids.next("ProcessException")
    pe = ProcessException(
        id=pe_id,
        process_exception_number=pe_id.replace("PE-", "PE-00"),
        order_summary_id=summary.id,
        attached_to_id=attached_to_id,
        category=category,
        severity=severity,
        status="New",
        message=message,
        created_at=at,
        description=description,
    )
    summary.process_exceptions.append(pe)
    cs = ChangeSet()
    cs.created(pe)
    cs.involve(summary, "order summary")
    return [
        cs.event(
            "Process Exception Raised",
            at,
            category=category,
            message=message,
            kind=description,
            location_id=location_id,
            active_process_exception_count=summary.active_process_exception_count,
        )
    ]


def _move(
    summary: OrderSummary,
    pe_id: str,
    status: str,
    activity: str,
    at: float,
    allowed_from: tuple[str, ...],
) -> list[DomainEvent]:
    pe = summary.process_exception(pe_id)
    if pe.status not in allowed_from:
        raise ActionRejected(
            f"ProcessException {pe.id}: cannot move to {status} from {pe.status}; "
            f"allowed from: {', '.join(allowed_from)}"
        )
    cs = ChangeSet()
    cs.set(pe, "status", status)
    if PROCESS_EXCEPTION_STATUS_CATEGORY[status] != "ACTIVE":
        cs.set(pe, "resolved_at", at)
    cs.involve(summary, "order summary")
    return [
        cs.event(
            activity,
            at,
            category=pe.category,
            active_process_exception_count=summary.active_process_exception_count,
        )
    ]


def triage_process_exception(summary: OrderSummary, pe_id: str, *, at: float) -> list[DomainEvent]:
    """New -> Triaged: someone owns it; it stays ACTIVE."""
    return _move(summary, pe_id, "Triaged", "Process Exception Triaged", at, ("New",))


def resolve_process_exception(summary: OrderSummary, pe_id: str, *, at: float) -> list[DomainEvent]:
    """New or Triaged -> Resolved."""
    return _move(summary, pe_id, "Resolved", "Process Exception Resolved", at, ("New", "Triaged"))


def ignore_process_exception(summary: OrderSummary, pe_id: str, *, at: float) -> list[DomainEvent]:
    """New or Triaged -> Ignored (INACTIVE): processing may continue without a fix."""
    return _move(summary, pe_id, "Ignored", "Process Exception Ignored", at, ("New", "Triaged"))
