"""A run folder's event log read an activity at a time, for KPIs over logs too big for memory.

The KPIs (`omsim.analysis`) ask for the events of one or two activities at a time
(``tables.of("Parcel Delivered")``). Reading ``events.parquet`` whole at a million orders would
hold some 14 million rows of Python strings; reading it once per question would decode it dozens
of times. `ActivityLog` does one pass instead: row group by row group, it splits the events into
one small Arrow IPC file per activity in a scratch folder, then answers each question from that
activity's file. Memory stays at about one row group plus one activity's rows.
"""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path
from types import TracebackType

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

__all__ = ["KPI_EVENT_COLUMNS", "ActivityLog"]

KPI_EVENT_COLUMNS = (
    "event_id",
    "time_hours",
    "activity",
    "order_summary_id",
    "amount_cents",
    "location_id",
    "attributes",
)
"""The event columns the KPIs read (``timestamp`` is left out: hours say the same)."""


class ActivityLog:
    """The events of a run folder by activity, with the process-exception relations.

    Use as a context manager (the scratch folder is removed on exit)::

        with ActivityLog(folder) as log:
            figures = kpis(log)

    Attributes
    ----------
    event_objects : pandas.DataFrame
        The event-to-object rows of process exceptions (the only relations the KPIs read).
    """

    def __init__(self, folder: Path | str, scratch: Path | str | None = None) -> None:
        folder = Path(folder)
        self._scratch = Path(tempfile.mkdtemp(prefix=".activities-", dir=scratch or folder))
        self._files: dict[str, Path] = {}
        self._last_hours = 0.0
        self._schema = pq.read_schema(folder / "events.parquet")
        try:
            self._split(pq.ParquetFile(folder / "events.parquet"))
            self.event_objects = _relations_of(
                pq.ParquetFile(folder / "event_objects.parquet"), "ProcessException"
            )
        except BaseException:
            self.close()
            raise

    def _split(self, events: pq.ParquetFile) -> None:
        # Arrow IPC files, not Parquet: forty open Parquet writers hold encoders and pages
        # per column; an IPC writer holds nothing between batches.
        writers: dict[str, pa.ipc.RecordBatchFileWriter] = {}
        schema = self._schema_of(events)
        try:
            for group in range(events.num_row_groups):
                table = events.read_row_group(group, columns=list(KPI_EVENT_COLUMNS))
                if not len(table):
                    continue
                self._last_hours = max(
                    self._last_hours, float(pc.max(table.column("time_hours")).as_py())
                )
                activity = table.column("activity").combine_chunks()
                names = activity.dictionary.to_pylist()
                for code in pc.unique(activity.indices).to_pylist():
                    name = names[code]
                    rows = table.filter(pc.equal(activity.indices, pa.scalar(code, pa.int32())))
                    writer = writers.get(name)
                    if writer is None:
                        path = self._scratch / f"{len(writers):03d}.arrow"
                        writer = writers[name] = pa.ipc.new_file(path, schema)
                        self._files[name] = path
                    # one dictionary per file: the activity column as plain text
                    writer.write_table(rows.cast(schema))
        finally:
            for writer in writers.values():
                writer.close()

    def _schema_of(self, events: pq.ParquetFile) -> pa.Schema:
        """The KPI columns' schema, the activity as plain text (an IPC file allows one
        dictionary per column, and row groups each have their own)."""
        schema = events.schema_arrow
        fields = [schema.field(name) for name in KPI_EVENT_COLUMNS]
        fields[KPI_EVENT_COLUMNS.index("activity")] = pa.field("activity", pa.large_string())
        return pa.schema(fields, metadata=schema.metadata)

    def of(self, *activities: str) -> pd.DataFrame:
        """The events of these activities, in event order, with the KPI columns."""
        tables = [_read(self._files[a]) for a in activities if a in self._files]
        if not tables:
            empty = pa.schema([self._schema.field(n) for n in KPI_EVENT_COLUMNS]).empty_table()
            return _with_categories(empty.replace_schema_metadata(self._schema.metadata))
        table = pa.concat_tables(tables)
        table = table.set_column(
            KPI_EVENT_COLUMNS.index("activity"),
            "activity",
            table.column("activity").dictionary_encode(),
        )
        if len(tables) > 1:
            table = table.sort_by("event_id")
        return _with_categories(table)

    def last_hours(self) -> float:
        """Hour of the last event (0.0 for an empty log)."""
        return self._last_hours

    def first_hours(self) -> float:
        """Start of the observed window (hours): 0.0, the whole log is observed."""
        return 0.0

    def close(self) -> None:
        """Remove the scratch folder."""
        shutil.rmtree(self._scratch, ignore_errors=True)

    def __enter__(self) -> ActivityLog:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        self.close()


def _relations_of(relations: pq.ParquetFile, object_type: str) -> pd.DataFrame:
    """The event-to-object rows of one object type, a row group at a time (filtering the
    whole file at once decodes every object id of the run)."""
    parts = []
    for group in range(relations.num_row_groups):
        table = relations.read_row_group(group)
        parts.append(table.filter(pc.equal(table.column("object_type"), object_type)))
    if not parts:
        return relations.schema_arrow.empty_table().to_pandas()
    return pa.concat_tables(parts).to_pandas()


def _read(path: Path) -> pa.Table:
    with pa.ipc.open_file(path) as reader:
        return reader.read_all()


def _with_categories(table: pa.Table) -> pd.DataFrame:
    """To pandas: ``category`` activities, ``Int64`` amounts, and text columns kept in Arrow
    memory (``pd.ArrowDtype``) rather than as one Python string per row: at a million orders
    an activity has a million rows."""
    return table.to_pandas(types_mapper=_arrow_strings)


def _arrow_strings(kind: pa.DataType) -> pd.ArrowDtype | None:
    if pa.types.is_large_string(kind) or pa.types.is_string(kind):
        return pd.ArrowDtype(kind)
    return None
