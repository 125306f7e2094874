"""Process exceptions: raise, triage, resolve, ignore, and the active count."""

import pytest

from omsim.domain import (
    ActionRejected,
    ignore_process_exception,
    raise_process_exception,
    resolve_process_exception,
    triage_process_exception,
)


def test_lifecycle_and_active_count(make_summary) -> None:
    summary = make_summary()
    events = raise_process_exception(
        summary, category="Fulfillment", attached_to_id=summary.id, message="no route", at=1.0
    )
    raise_process_exception(
        summary, category="Payment", attached_to_id=summary.id, message="x", at=1.0, severity="Low"
    )
    pe1, pe2 = summary.process_exceptions
    assert events[0].activity == "Process Exception Raised"
    assert events[0].attributes["active_process_exception_count"] == 1
    assert summary.active_process_exception_count == 2
    triage_process_exception(summary, pe1.id, at=2.0)
    assert (pe1.status, pe1.status_category, summary.active_process_exception_count) == (
        "Triaged",
        "ACTIVE",
        2,
    )
    resolve_process_exception(summary, pe1.id, at=3.0)
    ignore_process_exception(summary, pe2.id, at=4.0)
    assert (pe1.status_category, pe1.resolved_at) == ("RESOLVED", 3.0)
    assert (pe2.status_category, summary.active_process_exception_count) == ("INACTIVE", 0)


def test_invalid_transitions_and_values(make_summary, snapshot) -> None:
    summary = make_summary()
    raise_process_exception(summary, category="Payment", attached_to_id="X", message="m", at=1.0)
    pe = summary.process_exceptions[0]
    resolve_process_exception(summary, pe.id, at=2.0)
    before = snapshot(summary)
    with pytest.raises(
        ActionRejected, match="cannot move to Triaged from Resolved; allowed from: New"
    ):
        triage_process_exception(summary, pe.id, at=3.0)
    with pytest.raises(ActionRejected, match="cannot move to Ignored from Resolved"):
        ignore_process_exception(summary, pe.id, at=3.0)
    with pytest.raises(
        ActionRejected, match="Category 'Shipping' is not allowed; allowed: Fulfillment"
    ):
        raise_process_exception(
            summary, category="Shipping", attached_to_id="X", message="m", at=1.0
        )
    with pytest.raises(
        ActionRejected, match="Severity 'Urgent' is not allowed; allowed: High, Low"
    ):
        raise_process_exception(
            summary, category="Payment", attached_to_id="X", message="m", at=1.0, severity="Urgent"
        )
    with pytest.raises(ActionRejected, match="no ProcessException with Id 'PE-9'"):
        resolve_process_exception(summary, "PE-9", at=1.0)
    assert snapshot(summary) == before
