"""A run folder's event log read an activity at a time, for KPIs over logs too big for memory.

The KPIs (`omsim.analysis`) ask for the events of one or two activities at a time
(``tables.of("Parcel Delivered")``). Reading ``events.parquet`` whole at a million orders would
hold some 14 million rows of Python strings; reading it once per question would decode it dozens
of times. `ActivityLog` does one pass instead: row group by row group, it splits the events into
one small Parquet file per activity in a scratch folder, then answers each question from that
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
            relations = pq.read_table(
                folder / "event_objects.parquet",
                filters=[("object_type", "=", "ProcessException")],
            )
            self.event_objects = relations.to_pandas()
        except BaseException:
            self.close()
            raise

    def _split(self, events: pq.ParquetFile) -> None:
        writers: dict[str, pq.ParquetWriter] = {}
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
                        path = self._scratch / f"{len(writers):03d}.parquet"
                        writer = writers[name] = pq.ParquetWriter(path, schema)
                        self._files[name] = path
                    writer.write_table(rows.cast(schema))
        finally:
            for writer in writers.values():
                writer.close()

    def _schema_of(self, events: pq.ParquetFile) -> pa.Schema:
        schema = events.schema_arrow
        fields = [schema.field(name) for name in KPI_EVENT_COLUMNS]
        return pa.schema(fields, metadata=schema.metadata)

    def of(self, *activities: str) -> pd.DataFrame:
        """The events of these activities, in event order, with the KPI columns."""
        tables = [pq.read_table(self._files[a]) for a in activities if a in self._files]
        if not tables:
            empty = pa.schema([self._schema.field(n) for n in KPI_EVENT_COLUMNS]).empty_table()
            return _with_categories(empty.replace_schema_metadata(self._schema.metadata))
        table = pa.concat_tables(tables)
        if len(tables) > 1:
            table = table.sort_by("event_id")
        return _with_categories(table)

    def last_hours(self) -> float:
        """Hour of the last event (0.0 for an empty log)."""
        return self._last_hours

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


def _with_categories(table: pa.Table) -> pd.DataFrame:
    """To pandas with the event log's dtypes (``category``, ``string``, ``Int64``)."""
    return table.to_pandas()
