"""An order's history from the event log, and a training session written as a run folder.

`Timeline` is every event that touched an Order Summary or one of its records (the event log's
event-to-object table), and the status of each of its records over time (the log's tracked
``Status`` changes), drawn as a plotly timeline. `export` writes the session like ``omsim run``
writes a run: event log, final-state records (each open order with its state), KPIs, metadata.
"""

from __future__ import annotations

import time
from collections import Counter
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd

from omsim.domain import OrderSummary
from omsim.recordtables import RecordTables, records_of
from omsim.sim.run import RunResult, account, order_state

if TYPE_CHECKING:
    import plotly.graph_objects as go

    from omsim.sandbox.session import SandboxBase

EVENT_COLUMNS = ["time_hours", "timestamp", "activity", "records", "attributes"]
STATUS_COLUMNS = ["object_type", "record_id", "status", "from_hours", "to_hours", "start", "end"]


@dataclass
class Timeline:
    """Events and record statuses of one Order Summary.

    Attributes
    ----------
    order_summary_id : str
    events : pandas.DataFrame
        ``time_hours, timestamp, activity, records, attributes``: one row per event that
        touched the order or one of its records, in order (``records``: the ids involved).
    statuses : pandas.DataFrame
        ``object_type, record_id, status, from_hours, to_hours, start, end``: each status a
        record held and when (``start``, ``end``: the scenario's local wall time); the last one
        lasts until the clock's time now.
    """

    order_summary_id: str
    events: pd.DataFrame
    statuses: pd.DataFrame

    @classmethod
    def of(cls, sb: SandboxBase, summary: OrderSummary) -> Timeline:
        tables = sb.model.log.tables()
        ids = {record.id for record in records_of(summary)}
        relations = tables.event_objects[tables.event_objects["object_id"].isin(ids)]
        involved = relations.groupby("event_id")["object_id"].agg(
            lambda s: ", ".join(dict.fromkeys(s))
        )
        events = tables.events.set_index("event_id").loc[involved.index]
        events = events.assign(records=involved).reset_index()[EVENT_COLUMNS]
        changes = tables.object_changes
        status = changes[(changes["field"] == "Status") & changes["object_id"].isin(ids)]
        rows = []
        for (object_type, record_id), group in status.groupby(
            ["object_type", "object_id"], observed=True, sort=False
        ):
            hours = [*group["time_hours"].tolist(), sb.now]
            for k, new in enumerate(group["new"].tolist()):
                rows.append(
                    (str(object_type), record_id, str(new).strip('"'), hours[k], hours[k + 1])
                )
        statuses = pd.DataFrame(rows, columns=STATUS_COLUMNS[:5])
        start = pd.Timestamp(sb.scenario.start).tz_localize(None)  # the scenario's wall clock
        statuses["start"] = start + pd.to_timedelta(statuses["from_hours"], unit="h")
        statuses["end"] = start + pd.to_timedelta(statuses["to_hours"], unit="h")
        return cls(summary.id, events, statuses)

    def figure(self) -> go.Figure:
        """Each record's status over time: one row per record, one bar per status."""
        import plotly.express as px

        frame = self.statuses.assign(
            record=self.statuses["object_type"] + " " + self.statuses["record_id"],
            # a status held for no time (set and changed at once) still gets a visible sliver
            end=self.statuses["end"].where(
                self.statuses["end"] > self.statuses["start"],
                self.statuses["start"] + pd.Timedelta(minutes=5),
            ),
        )
        fig = px.timeline(
            frame,
            x_start="start",
            x_end="end",
            y="record",
            color="status",
            color_discrete_sequence=px.colors.qualitative.Alphabet,  # 26: no status shares one
            text="status",
            hover_data=["from_hours", "to_hours"],
            title=f"Order Summary {self.order_summary_id}: status of each record over time",
        )
        fig.update_yaxes(autorange="reversed", title=None)
        fig.update_xaxes(title="scenario local time")
        fig.update_layout(height=140 + 32 * frame["record"].nunique(), legend_title="Status")
        return fig

    def _repr_html_(self) -> str:
        return (
            f"<h4>Timeline of {self.order_summary_id}: {len(self.events)} events</h4>"
            + self.events.drop(columns=["attributes"]).to_html(index=False)
        )


def export(
    sb: SandboxBase, folder: Path, *, ocel: bool | str | None = "json", force: bool = False
) -> Path:
    """Write the session as a run folder; the sandbox goes on unchanged.

    An existing ``folder`` is replaced only with ``force`` (else `FileExistsError`).
    Records are every Order Summary's rows now, each with where it stands (its state: open
    orders are ``Open: ...``); the accounting of ``omsim run`` is checked first.
    """
    from omsim.runfolder import write_run_folder

    if (folder.exists() or folder.is_symlink()) and not force:
        raise FileExistsError(f"{folder}: already exists; give force=True to replace it")
    started = time.perf_counter()
    model = sb.model
    records = RecordTables(start=sb.scenario.start)
    states: dict[str, str] = {}
    for summary in model.summaries.values():
        states[summary.id] = order_state(summary, model.tracks[summary.id])
        records.add(summary, states[summary.id])
    records.close()
    counters = replace(model.counters, retired=len(states))
    result = RunResult(
        scenario=sb.scenario,
        seed=model.seed,
        log=model.log,
        summaries=list(model.summaries.values()),
        counters=counters,
        order_states=states,
        wall_seconds=time.perf_counter() - started,
        model=model,
        states=Counter(states.values()),
        records=records,
    )
    account(result)
    return write_run_folder(result, folder, ocel=ocel)
