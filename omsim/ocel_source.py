"""Reading a run folder's event log in bounded batches, for the OCEL 2.0 exporters.

The four Parquet tables (``events``, ``event_objects``, ``objects``, ``object_changes``) are read
in batches (`batches`: `pyarrow.parquet.ParquetFile.iter_batches` one row group at a time), never
whole: memory follows the batch size, not the log. What the exporters need from more than one
batch at a time is kept compact:

* `scan_events` makes one pass over ``events`` for each event type's attribute types and the
  time of every event (`EventTimes`: 8 bytes an event when the ids run without gaps);
* `RelationCursor` walks ``event_objects`` beside ``events``, both in ``event_id`` order, handing
  out the relations of each batch of events.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from omsim.ocel_values import clean, codes, combine_kinds, distinct_pairs, kind_of

__all__ = [
    "EventScan",
    "EventTimes",
    "RelationCursor",
    "batches",
    "iso_times",
    "n_rows",
    "scan_events",
]

BATCH_ROWS = 100_000
"""Rows read at a time from a run-folder table (events: ~10 MB of attribute text)."""

_TEXT = pa.large_string()


def n_rows(folder: Path, stem: str) -> int:
    """Rows in ``<folder>/<stem>.parquet``, from its footer."""
    return int(pq.ParquetFile(folder / f"{stem}.parquet").metadata.num_rows)


def _plain(batch: pa.RecordBatch) -> pa.RecordBatch:
    """The batch with dictionary and string columns as ``large_string`` (one text type)."""
    columns = [
        pc.cast(col, _TEXT)
        if pa.types.is_dictionary(col.type) or pa.types.is_string(col.type)
        else col
        for col in batch.columns
    ]
    return pa.RecordBatch.from_arrays(columns, names=batch.schema.names)


def _joined(parts: list[pa.RecordBatch]) -> pa.RecordBatch:
    """One batch of several (same schema), copied into contiguous columns."""
    if len(parts) == 1:
        return parts[0]
    table = pa.Table.from_batches(parts).combine_chunks()
    return pa.RecordBatch.from_arrays(
        [col.chunk(0) for col in table.columns], names=table.column_names
    )


def batches(
    folder: Path, stem: str, columns: list[str], batch_rows: int | None = None
) -> Iterator[pa.RecordBatch]:
    """Batches of ``columns`` of ``<folder>/<stem>.parquet`` in file order, text as ``large_string``.

    The file is read one row group at a time (a single ``iter_batches`` over a whole file holds
    on to memory as it goes, ~12 bytes a row with pyarrow 26); small row groups are joined
    into batches of about ``batch_rows`` rows.

    Parameters
    ----------
    folder : Path
        A run folder.
    stem : str
        ``events``, ``event_objects``, ``objects`` or ``object_changes``.
    columns : list of str
        Columns to read.
    batch_rows : int, optional
        Rows per batch at most; `BATCH_ROWS` by default.
    """
    size = batch_rows or BATCH_ROWS
    pending: list[pa.RecordBatch] = []
    rows = 0
    with pq.ParquetFile(folder / f"{stem}.parquet") as f:
        for group in range(f.num_row_groups):
            for batch in f.iter_batches(batch_size=size, columns=columns, row_groups=[group]):
                if rows + batch.num_rows > size and pending:
                    yield _joined(pending)
                    pending, rows = [], 0
                pending.append(_plain(batch))
                rows += batch.num_rows
    if pending:
        yield _joined(pending)


_ISO_TEMPLATE = np.frombuffer(b"0000-00-00T00:00:00.000000Z", dtype=np.uint8)
_US_PER_DAY = 86_400_000_000


def _civil(days: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Year, month, day of days since 1970-01-01 (proleptic Gregorian; H. Hinnant's algorithm)."""
    z = days + 719_468
    era = z // 146_097
    doe = z - era * 146_097
    yoe = (doe - doe // 1460 + doe // 36_524 - doe // 146_096) // 365
    doy = doe - (365 * yoe + yoe // 4 - yoe // 100)
    mp = (5 * doy + 2) // 153
    month = np.where(mp < 10, mp + 3, mp - 9)
    return yoe + era * 400 + (month <= 2), month, doy - (153 * mp + 2) // 5 + 1


def _strftime(ns: np.ndarray) -> pa.Array:
    stamps = pa.array(ns, pa.int64()).cast(pa.timestamp("ns", tz="UTC"))
    micros = stamps.cast(pa.timestamp("us", tz="UTC"), safe=False)
    return pc.cast(pc.strftime(micros, format="%Y-%m-%dT%H:%M:%SZ"), _TEXT)


def iso_times(ns: np.ndarray | pa.Array | pa.ChunkedArray) -> pa.Array:
    """ISO 8601 UTC text of instants in ns since the epoch, to the microsecond (``...Z``).

    The digits are computed with integer arithmetic in numpy (a tenth of the time of Arrow's
    ``strftime``, which is used for years outside 0001-9999).

    >>> iso_times(np.array([1_700_000_000_123_456_789, -1])).to_pylist()
    ['2023-11-14T22:13:20.123456Z', '1969-12-31T23:59:59.999999Z']
    """
    if isinstance(ns, pa.ChunkedArray):
        ns = ns.combine_chunks()
    ns = np.asarray(ns, dtype=np.int64)
    days, micros = np.divmod(ns // 1000, _US_PER_DAY)
    year, month, day = _civil(days)
    if len(ns) and (year.min() < 1 or year.max() > 9999):
        return _strftime(ns)
    text = np.tile(_ISO_TEMPLATE, (len(ns), 1))
    fields = (
        (0, 4, year),
        (5, 2, month),
        (8, 2, day),
        (11, 2, micros // 3_600_000_000),
        (14, 2, micros // 60_000_000 % 60),
        (17, 2, micros // 1_000_000 % 60),
        (20, 6, micros % 1_000_000),
    )
    for at, width, value in fields:
        for k in range(width):
            text[:, at + width - 1 - k] = 48 + value // 10**k % 10  # ASCII digits
    offsets = np.arange(len(ns) + 1, dtype=np.int64) * len(_ISO_TEMPLATE)
    return pa.LargeStringArray.from_buffers(
        len(ns), pa.py_buffer(offsets), pa.py_buffer(text.reshape(-1))
    )


class EventTimes:
    """The instant of every event, looked up by event id.

    Ids that run without gaps (0, 1, 2, ... as the log numbers its events) are kept as the first
    id alone, 8 bytes an event; other ids are kept sorted beside the instants, 16 bytes an event.

    Parameters
    ----------
    event_ids, ns : numpy.ndarray
        int64 event ids (unique) and their instants in ns since the epoch (UTC).
    """

    def __init__(self, event_ids: np.ndarray, ns: np.ndarray) -> None:
        n = len(event_ids)
        self._first = int(event_ids[0]) if n else 0
        self._ids: np.ndarray | None = None
        if n and not (event_ids[-1] - event_ids[0] == n - 1 and (np.diff(event_ids) == 1).all()):
            order = np.argsort(event_ids, kind="stable")
            self._ids, ns = event_ids[order], ns[order]
        self._ns = ns

    def ns_of(self, event_ids: np.ndarray) -> np.ndarray:
        """Instants (ns since the epoch) of these events; ValueError for an unknown id."""
        if self._ids is None:
            at = event_ids - self._first
            found = (at >= 0) & (at < len(self._ns))
        else:
            at = np.searchsorted(self._ids, event_ids)
            found = at < len(self._ids)
            found[found] = self._ids[at[found]] == event_ids[found]
        if not found.all():
            missing = event_ids[~found][:5].tolist()
            raise ValueError(f"object_changes refers to events not in events.parquet: {missing}")
        return self._ns[at]


@dataclass(frozen=True)
class EventScan:
    """What one pass over ``events.parquet`` tells the exporters.

    Attributes
    ----------
    kinds : dict
        ``{activity: {attribute: OCEL type}}`` for every activity, attributes sorted.
    times : EventTimes
        The instant of each event.
    """

    kinds: dict[str, dict[str, str]]
    times: EventTimes


def _attribute_kinds(batch: pa.RecordBatch, seen: dict[str, dict[str, set]]) -> None:
    """Add the kinds of each distinct (activity, attributes) of a batch to ``seen``."""
    activity_at, activities = codes(batch.column("activity"))
    text_at, texts = codes(pc.fill_null(batch.column("attributes"), "{}"))
    pair_text, pair_activity, _ = distinct_pairs(text_at, activity_at, len(activities))
    names = activities.to_pylist()
    distinct = texts.take(pa.array(pair_text)).to_pylist()
    for text, a in zip(distinct, pair_activity.tolist(), strict=True):
        kinds = seen[names[a]]
        for key, value in json.loads(text).items():
            if (kind := kind_of(clean(value))) is not None:  # missing values are left out
                kinds.setdefault(key, set()).add(kind)


def scan_events(folder: Path) -> EventScan:
    """Attribute types per activity and the time of each event, in one pass over ``events``."""
    total = n_rows(folder, "events")
    ids = np.empty(total, dtype=np.int64)
    ns = np.empty(total, dtype=np.int64)
    seen: dict[str, dict[str, set]] = defaultdict(dict)
    at = 0
    for batch in batches(folder, "events", ["event_id", "timestamp", "activity", "attributes"]):
        n = batch.num_rows
        ids[at : at + n] = batch.column("event_id").to_numpy()
        ns[at : at + n] = pc.cast(batch.column("timestamp"), pa.int64()).to_numpy()
        _attribute_kinds(batch, seen)
        at += n
    kinds = {
        activity: {key: combine_kinds(k) for key, k in sorted(seen[activity].items())}
        for activity in sorted(seen)
    }
    return EventScan(kinds, EventTimes(ids[:at], ns[:at]))


class RelationCursor:
    """``event_objects`` read beside ``events``, both in ``event_id`` order (a merge join).

    `upto` hands out the relations of the events up to an id, in file order, reading further
    batches only as far as needed; at most one batch beyond the events asked for is held.
    """

    def __init__(self, folder: Path, batch_rows: int | None = None) -> None:
        self._batches = batches(
            folder, "event_objects", ["event_id", "object_id", "qualifier"], batch_rows
        )
        self._pending: list[pa.RecordBatch] = []
        self._last = np.iinfo(np.int64).min
        self._done = False

    def _read(self) -> None:
        batch = next(self._batches, None)
        if batch is None:
            self._done = True
            return
        ids = batch.column("event_id").to_numpy()
        if len(ids) and (ids[0] < self._last or (np.diff(ids) < 0).any()):
            raise ValueError("event_objects.parquet is not in event_id order")
        if len(ids):
            self._last = int(ids[-1])
        self._pending.append(batch)

    def upto(self, last_event_id: int) -> pa.Table:
        """Relations (``event_id``, ``object_id``, ``qualifier``) with ``event_id <= last_event_id``."""
        while not self._done and self._last <= last_event_id:
            self._read()
        schema = pa.schema([("event_id", pa.int64()), ("object_id", _TEXT), ("qualifier", _TEXT)])
        table = pa.Table.from_batches(self._pending, schema=schema)
        cut = int(np.searchsorted(table.column("event_id").to_numpy(), last_event_id, "right"))
        rest = table.slice(cut)
        self._pending = rest.to_batches() if rest.num_rows else []
        return table.slice(0, cut)
