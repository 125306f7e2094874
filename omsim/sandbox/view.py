"""What a sandbox step shows: the record page, what changed, the new records, or a refusal.

`StepResult` renders in Jupyter (``_repr_html_``) as an admin meets the step: the action's
outcome in one sentence (or the refusal, with what is available instead), the Order Summary's
record page (`omsim.domain.record_page`), the field changes since the last step and the
related records it created. Printed, it is the outcome, the events, the new records and the
changes in plain text (the record page is HTML only; ``sb.order(ref)`` prints the records).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from html import escape

import pandas as pd

from omsim.sandbox.snapshot import CHANGE_COLUMNS, NEW_COLUMNS

_STYLE = (
    "<style>.omsim-step .ok{color:#05603a}.omsim-step .stopped{color:#8a5a00}.omsim-step .refused{color:#a00;"
    "border-left:4px solid #a00;padding-left:8px}.omsim-step table{border-collapse:collapse}"
    ".omsim-step td,.omsim-step th{border:1px solid #ccc;padding:2px 6px}</style>"
)


def _empty(columns: list[str]) -> pd.DataFrame:
    return pd.DataFrame(columns=columns)


@dataclass(repr=False)
class StepResult:
    """The outcome of one sandbox step.

    Attributes
    ----------
    action : str
        The sandbox method that ran (``place_order``, ``cancel`` ...).
    ok : bool
        False when the action was refused (then no record changed) or stopped short.
    stopped : bool
        ``advance_until`` ran the clock but the milestone did not happen (records may have
        changed meanwhile: the page and the changes are shown).
    message : str
        What happened, or why it was refused (the guardrail's words).
    hint : str
        For a refusal, what is available instead; empty otherwise.
    at_hours : float
        The clock after the step, hours since the scenario start.
    clock : datetime
        The same instant as the scenario's local wall time.
    order_summary_id : str or None
        The Order Summary the step acted on (the new one for ``place_order``).
    page_html : str
        Its record page after the step.
    changes : pandas.DataFrame
        ``object_type, record_id, field, before, after``: every field that changed on the
        sandbox's records during the step (the clock may have run: flows change records too).
    new_records : pandas.DataFrame
        ``object_type, record_id, status``: records created during the step.
    activities : list of str
        The event-log activities of the step on the sandbox's orders, in order.
    """

    action: str
    ok: bool
    message: str
    at_hours: float
    clock: datetime
    order_summary_id: str | None = None
    hint: str = ""
    page_html: str = ""
    changes: pd.DataFrame = field(default_factory=lambda: _empty(CHANGE_COLUMNS))
    new_records: pd.DataFrame = field(default_factory=lambda: _empty(NEW_COLUMNS))
    activities: list[str] = field(default_factory=list)
    stopped: bool = False

    def __bool__(self) -> bool:
        return self.ok

    def related(self, object_type: str) -> list[str]:
        """Ids of the records of ``object_type`` the step created (``"FulfillmentOrder"`` ...)."""
        rows = self.new_records[self.new_records["object_type"] == object_type]
        return rows["record_id"].tolist()

    def _headline(self) -> str:
        when = self.clock.strftime("%a %Y-%m-%d %H:%M")
        verdict = "done" if self.ok else "stopped" if self.stopped else "refused"
        return f"{self.action} {verdict} at {when} (hour {self.at_hours:.2f}): {self.message}"

    def __repr__(self) -> str:
        return f"<StepResult {self._headline()}>"

    def __str__(self) -> str:
        parts = [self._headline()]
        if self.hint:
            parts.append(self.hint)
        if self.activities:
            parts.append("Events: " + " -> ".join(self.activities))
        if len(self.new_records):
            parts.append("New records:\n" + self.new_records.to_string(index=False))
        if len(self.changes):
            parts.append("Changed:\n" + self.changes.to_string(index=False))
        return "\n".join(parts)

    def _repr_html_(self) -> str:
        css = "ok" if self.ok else "stopped" if self.stopped else "refused"
        head = f"<p class='{css}'><b>{escape(self._headline())}</b>"
        if self.hint:
            head += f"<br>{escape(self.hint)}"
        head += "</p>"
        if not self.ok and not self.stopped:
            return f"{_STYLE}<div class='omsim-step'>{head}</div>"
        new = (
            "<h4>New related records</h4>" + self.new_records.to_html(index=False)
            if len(self.new_records)
            else "<h4>New related records (0)</h4>"
        )
        changed = (
            f"<h4>What changed ({len(self.changes)} fields)</h4>"
            + self.changes.to_html(index=False)
            if len(self.changes)
            else "<h4>What changed (nothing)</h4>"
        )
        activities = ""
        if self.activities:
            activities = "<p>Events: " + escape(" → ".join(self.activities)) + "</p>"
        body = f"{head}{activities}{self.page_html}{changed}{new}"
        return f"{_STYLE}<div class='omsim-step'>{body}</div>"
