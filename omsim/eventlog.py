"""The object-centric, columnar event log: the single source of truth for analytics.

Every `DomainEvent` an action returns, and every event the simulation observes itself
(``"Parcel Shipped"``, ``"Order Delivered"``), is appended here as primitives in per-column lists
and arrays; no per-event Python object is kept. The log yields four tables, mirroring OCEL 2.0
(events, event-to-object relations with qualifiers, objects, object attribute changes over time):

* ``events``: one row per event (id, hours, timestamp, activity, common attributes, JSON of all),
* ``event_objects``: one row per (event, object, qualifier),
* ``objects``: one row per distinct object, with the hour it was first seen,
* ``object_changes``: the status, quantity and money fields changed by each event.

They are written to the run folder as Parquet (`EventLog.write_parquet`) and, on request, as
OCEL 2.0 JSON (`EventLog.write_ocel_json`, see `omsim.eventlog_ocel`).

>>> import datetime
>>> from omsim.domain import DomainEvent, FieldChange, Related
>>> log = EventLog(datetime.datetime(2024, 11, 29, tzinfo=datetime.UTC))
>>> log.record(DomainEvent(
...     "Order Summary Created", 1.5,
...     objects=(Related("OS-000001", "OrderSummary", "created"),),
...     changes=(FieldChange("OS-000001", "OrderSummary", "Status", None, "Created"),),
... ))
0
>>> log.note("Order Delivered", 50.0, [("OS-000001", "OrderSummary", "order summary")])
1
>>> log.events()[["event_id", "activity", "order_summary_id"]].to_numpy().tolist()
[[0, 'Order Summary Created', 'OS-000001'], [1, 'Order Delivered', 'OS-000001']]
>>> str(log.events().timestamp[1])
'2024-12-01 02:00:00+00:00'
>>> changes = log.object_changes()
>>> changes[["object_id", "field", "new"]].to_numpy().tolist(), changes.old.isna().tolist()
([['OS-000001', 'Status', '"Created"']], [True])
"""

from __future__ import annotations

import datetime
import json
import math
import shutil
from array import array
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any, Protocol

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from omsim.domain.events import TRACKED_FIELDS, DomainEvent, FieldChange, is_tracked_field
from omsim.eventlog_ocel import write_ocel_json as _write_ocel_json

__all__ = [
    "TABLES",
    "TRACKED_FIELDS",
    "EventLog",
    "EventLogTables",
    "EventTables",
    "default_tracked_field",
]

TABLES = ("events", "event_objects", "objects", "object_changes")
"""The event log's tables, by file stem (``events`` -> ``events.parquet``)."""

default_tracked_field = is_tracked_field
"""Whether ``object_changes`` keeps changes of an API field (`omsim.domain.is_tracked_field`)."""

_ATTRIBUTES = json.JSONEncoder(sort_keys=True, default=str, check_circular=True)
"""One encoder for every event's attributes: building one per event was a third of the cost."""

_STRING = pa.large_string()
_CATEGORY = pa.dictionary(pa.int32(), _STRING)
_SCHEMAS: dict[str, pa.Schema] = {
    "events": pa.schema(
        [
            ("event_id", pa.int64()),
            ("time_hours", pa.float64()),
            ("timestamp", pa.timestamp("ns", tz="UTC")),
            ("activity", _CATEGORY),
            ("order_summary_id", _STRING),
            ("amount_cents", pa.int64()),
            ("location_id", _STRING),
            ("attributes", _STRING),
        ]
    ),
    "event_objects": pa.schema(
        [
            ("event_id", pa.int64()),
            ("object_id", _STRING),
            ("object_type", _CATEGORY),
            ("qualifier", _CATEGORY),
        ]
    ),
    "objects": pa.schema(
        [("object_id", _STRING), ("object_type", _CATEGORY), ("first_seen_hours", pa.float64())]
    ),
    "object_changes": pa.schema(
        [
            ("event_id", pa.int64()),
            ("time_hours", pa.float64()),
            ("object_id", _STRING),
            ("object_type", _CATEGORY),
            ("field", _CATEGORY),
            ("old", _STRING),
            ("new", _STRING),
            ("new_number", pa.float64()),
        ]
    ),
}
"""Arrow schema of each table as written: one schema for every row group of a streamed file."""


_PLAIN = frozenset({str, int, float, bool, type(None)})
_UNTRACKED = (-1, -1)


class _Json(str):
    """A value that was JSON-encoded when appended (anything but a plain scalar)."""


def _freeze(value: Any) -> Any:
    """A value safe to keep until the tables are built: a scalar, or its JSON text."""
    if value is None or type(value) in (str, int, float, bool):
        return value
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, str | int | float):  # StrEnum, IntEnum: immutable, JSON as their value
        return value
    return _Json(json.dumps(value, default=str, sort_keys=True))


def _encode_all(values: list[Any], missing: str | None) -> list[str | None]:
    """JSON text of each kept value (``missing`` for None), memoised: values repeat a lot."""
    memo: dict[tuple[type, Any], str | None] = {(type(None), None): missing}
    out: list[str | None] = []
    for value in values:
        if type(value) is float:  # not memoised: 0.0 == -0.0 would share one entry
            out.append(json.dumps(value))
            continue
        key = (type(value), value)
        text = memo.get(key)
        if text is None and key not in memo:
            text = memo[key] = value if type(value) is _Json else json.dumps(value)
        out.append(text)
    return out


def _encode_new(values: list[Any]) -> tuple[list[str | None], list[float]]:
    """JSON text of each new value ("null" for None) and its number (NaN when not numeric)."""
    texts = _encode_all(values, missing="null")
    numbers = [float(v) if (type(v) is int or type(v) is float) else _number(v) for v in values]
    return texts, numbers


def _number(value: Any) -> float:
    if isinstance(value, int | float) and not isinstance(value, bool):
        return float(value)
    return math.nan


def _number_or_none(value: Any) -> int | None:
    if isinstance(value, int | np.integer) and not isinstance(value, bool):
        return int(value)
    return None


def _strings(values: list[Any]) -> pd.api.extensions.ExtensionArray:
    return pd.array(values, dtype="string")


class _Codes:
    """Strings that repeat (activities, object types, qualifiers, fields) as integer codes."""

    __slots__ = ("codes", "names")

    def __init__(self) -> None:
        self.codes: dict[str, int] = {}
        self.names: list[str] = []

    def code(self, name: str) -> int:
        code = self.codes.get(name)
        if code is None:
            code = self.codes[name] = len(self.names)
            self.names.append(name)
        return code

    def dictionary(self, codes: array) -> pa.DictionaryArray:
        """The codes as an Arrow dictionary array, dictionary sorted (as `categorical`)."""
        ordered = sorted(range(len(self.names)), key=self.names.__getitem__)
        rank = np.empty(len(self.names), dtype=np.int32)
        rank[ordered] = np.arange(len(ordered), dtype=np.int32)
        values = np.frombuffer(codes, dtype=np.int32) if len(codes) else np.empty(0, np.int32)
        return pa.DictionaryArray.from_arrays(
            pa.array(rank[values] if len(values) else values, type=pa.int32()),
            pa.array([self.names[i] for i in ordered], type=_STRING),
        )

    def categorical(self, codes: array) -> pd.Categorical:
        """The codes as a pandas Categorical with sorted categories (the same values give the
        same dictionary whatever order they were first seen in)."""
        ordered = sorted(range(len(self.names)), key=self.names.__getitem__)
        rank = np.empty(len(self.names), dtype=np.int32)
        rank[ordered] = np.arange(len(ordered), dtype=np.int32)
        values = np.frombuffer(codes, dtype=np.int32) if len(codes) else np.empty(0, np.int32)
        return pd.Categorical.from_codes(
            rank[values] if len(values) else values,
            categories=pd.Index([self.names[i] for i in ordered], dtype=str),
        )


def _as_utc(start: datetime.datetime) -> datetime.datetime:
    if start.tzinfo is None:
        return start.replace(tzinfo=datetime.UTC)
    return start.astimezone(datetime.UTC)


class EventTables(Protocol):
    """What the KPIs read from an event log: events by activity, and the relations.

    `EventLogTables` (a log in memory, or read back whole) and
    `omsim.eventlog_activities.ActivityLog` (a run folder read an activity at a time) both are.

    The KPIs observe the window [``first_hours()``, ``last_hours()``] (hours). ``first_hours``
    is optional: tables without it start at 0.0 (both classes here return 0.0; a warm-up
    view, `omsim.experiments.warmup.WarmupTables`, returns its warm-up). Time-weighted KPIs
    divide by the window's length rather than by ``last_hours()``.
    """

    @property
    def event_objects(self) -> pd.DataFrame: ...

    def of(self, *activities: str) -> pd.DataFrame: ...

    def last_hours(self) -> float: ...


@dataclass(frozen=True)
class EventLogTables:
    """The four tables of an event log, as built in memory or read back from a run folder."""

    events: pd.DataFrame
    event_objects: pd.DataFrame
    objects: pd.DataFrame
    object_changes: pd.DataFrame

    def as_dict(self) -> dict[str, pd.DataFrame]:
        """The tables by file stem (``events`` -> ``events.parquet``)."""
        return {
            "events": self.events,
            "event_objects": self.event_objects,
            "objects": self.objects,
            "object_changes": self.object_changes,
        }

    def write_ocel_json(self, path: Path) -> None:
        """Write the log as OCEL 2.0 JSON (see `omsim.eventlog_ocel.write_ocel_json`)."""
        _write_ocel_json(self, Path(path))

    def of(self, *activities: str) -> pd.DataFrame:
        """The events of these activities, in event order (what the KPIs read)."""
        events = self.events
        if len(activities) == 1:
            return events[events["activity"] == activities[0]]
        return events[events["activity"].isin(activities)]

    def last_hours(self) -> float:
        """Hour of the last event (0.0 for an empty log)."""
        return float(self.events["time_hours"].max()) if len(self.events) else 0.0

    def first_hours(self) -> float:
        """Start of the observed window (hours): 0.0, the whole log is observed."""
        return 0.0


class EventLog:
    """Append-only, columnar, object-centric event log of one run.

    Held in memory by default. Given a ``folder``, the log streams: every ``rows_per_group``
    events the buffered rows of the four tables are written to ``folder/<table>.parquet`` as a
    row group and dropped, so memory follows the rows not yet written, not the horizon.

    Parameters
    ----------
    start : datetime.datetime
        Wall-clock instant of simulation hour 0; a naive value is taken as UTC.
    tracked_fields : callable
        ``tracked_fields(api_field_name) -> bool`` selects the field changes kept in
        ``object_changes``; `default_tracked_field` by default.
    folder : Path, optional
        Stream the tables to Parquet files in this folder (created when missing).
    rows_per_group : int
        Events per streamed row group.
    """

    def __init__(
        self,
        start: datetime.datetime,
        tracked_fields: Callable[[str], bool] = default_tracked_field,
        *,
        folder: Path | str | None = None,
        rows_per_group: int = 100_000,
    ) -> None:
        self.start = _as_utc(start)
        self._start_ns = pd.Timestamp(self.start).value
        self._tracked_fields = tracked_fields
        self._tracked: dict[str, bool] = {}  # the filter's answer per field name, asked once
        self._folder = None if folder is None else Path(folder)
        self._rows_per_group = rows_per_group
        self._writers: dict[str, pq.ParquetWriter] = {}
        self._closed = False
        self._written = 0  # events already in the files
        self._activities, self._types, self._qualifiers, self._fields = (
            _Codes(),
            _Codes(),
            _Codes(),
            _Codes(),
        )
        self._seen: dict[str, None] = {}  # objects with a row in `objects` (in flight)
        self._relation_codes: dict[tuple[str, str], tuple[int, int]] = {}
        self._change_codes: dict[tuple[str, str], tuple[int, int]] = {}
        self._reset()

    def _reset(self) -> None:
        # events
        self._time_hours = array("d")
        self._activity = array("i")
        self._order_summary_id: list[str | None] = []
        self._amount_cents: list[int | None] = []
        self._location_id: list[str | None] = []
        self._attributes: list[str] = []
        # event-to-object relations
        self._rel_event = array("q")
        self._rel_object: list[str] = []
        self._rel_type = array("i")
        self._rel_qualifier = array("i")
        # objects, in order of first appearance
        self._obj_id: list[str] = []
        self._obj_type = array("i")
        self._obj_first = array("d")
        # tracked field changes
        self._chg_event = array("q")
        self._chg_object: list[str] = []
        self._chg_type = array("i")
        self._chg_field = array("i")
        self._chg_old: list[Any] = []
        self._chg_new: list[Any] = []

    def __len__(self) -> int:
        return self._written + len(self._time_hours)

    @property
    def streaming(self) -> bool:
        """Whether the tables stream to Parquet files (a ``folder`` was given)."""
        return self._folder is not None

    def activities_since(self, event_id: int) -> list[tuple[str, str | None]]:
        """(activity, first related OrderSummary id) of each event from ``event_id`` on.

        For a log held in memory (the trainer's sandbox watches for milestones with it); a
        streamed log answers only for the events not yet written."""
        first = max(0, event_id - self._written)
        names = self._activities.names
        return [
            (names[code], order_summary_id)
            for code, order_summary_id in zip(
                self._activity[first:], self._order_summary_id[first:], strict=True
            )
        ]

    def record(self, event: DomainEvent) -> int:
        """Append a domain event; returns its event id (0, 1, 2, ... in append order)."""
        return self._append(
            event.activity, event.at, event.objects, event.changes, event.attributes
        )

    def record_all(self, events: Iterable[DomainEvent]) -> None:
        """Append every event of an action's result, in order."""
        for event in events:
            self.record(event)

    def note(
        self,
        activity: str,
        at: float,
        objects: Iterable[tuple[str, str, str]] = (),
        **attributes: Any,
    ) -> int:
        """Append an event the simulation observes itself (no record field changes).

        Parameters
        ----------
        activity : str
            Past-tense name, e.g. ``"Parcel Shipped"``.
        at : float
            Hours since the scenario start.
        objects : iterable of (object_id, object_type, qualifier)
            The records involved.
        **attributes
            Event-level values (``amount_cents``, ``location_id``, ``reason``, ...).

        Returns
        -------
        int
            The event id.
        """
        return self._append(activity, at, objects, (), attributes)

    def _append(
        self,
        activity: str,
        at: float,
        relations: Iterable[tuple[str, str, str]],
        changes: Iterable[FieldChange],
        attributes: dict[str, Any],
    ) -> int:
        # Encode first: if an attribute cannot be encoded nothing has been appended yet.
        attributes_json = _ATTRIBUTES.encode(attributes) if attributes else "{}"
        if self._closed:
            raise RuntimeError("the event log was closed: its files are written")
        at = float(at)
        event_id = self._written + len(self._time_hours)
        seen = self._seen
        order_summary_id = None
        rel_event, rel_object = self._rel_event.append, self._rel_object.append
        rel_type, rel_qualifier = self._rel_type.append, self._rel_qualifier.append
        relation_codes = self._relation_codes
        for object_id, object_type, qualifier in relations:
            codes = relation_codes.get((object_type, qualifier))
            if codes is None:
                codes = relation_codes[(object_type, qualifier)] = (
                    self._types.code(object_type),
                    self._qualifiers.code(qualifier),
                )
            rel_event(event_id)
            rel_object(object_id)
            rel_type(codes[0])
            rel_qualifier(codes[1])
            if object_id not in seen:
                self._first_seen(object_id, codes[0], at)
            if order_summary_id is None and object_type == "OrderSummary":
                order_summary_id = object_id
        if changes:
            change_codes = self._change_codes
            plain = _PLAIN
            for object_id, object_type, field, old, new in changes:
                codes = change_codes.get((object_type, field))
                if codes is None:
                    codes = change_codes[(object_type, field)] = self._change_code(
                        object_type, field
                    )
                if codes is _UNTRACKED:
                    continue
                if object_id not in seen:
                    self._first_seen(object_id, codes[0], at)
                self._chg_event.append(event_id)
                self._chg_object.append(object_id)
                self._chg_type.append(codes[0])
                self._chg_field.append(codes[1])
                self._chg_old.append(old if type(old) in plain else _freeze(old))
                self._chg_new.append(new if type(new) in plain else _freeze(new))
        if attributes:
            amount, location = attributes.get("amount_cents"), attributes.get("location_id")
            self._amount_cents.append(amount if type(amount) is int else _number_or_none(amount))
            self._location_id.append(None if location is None else str(location))
        else:
            self._amount_cents.append(None)
            self._location_id.append(None)
        self._time_hours.append(at)
        self._activity.append(self._activities.code(activity))
        self._order_summary_id.append(order_summary_id)
        self._attributes.append(attributes_json)
        if self._folder is not None and len(self._time_hours) >= self._rows_per_group:
            self.flush()
        return event_id

    def _change_code(self, object_type: str, field: str) -> tuple[int, int]:
        """(type code, field code) of a tracked field, `_UNTRACKED` for one the log drops."""
        keep = self._tracked.get(field)
        if keep is None:
            keep = self._tracked[field] = bool(self._tracked_fields(field))
        if not keep:
            return _UNTRACKED
        return self._types.code(object_type), self._fields.code(field)

    def _first_seen(self, object_id: str, type_code: int, at: float) -> None:
        self._seen[object_id] = None
        self._obj_id.append(object_id)
        self._obj_type.append(type_code)
        self._obj_first.append(at)

    def forget(self, object_ids: Iterable[str]) -> None:
        """Drop objects that will appear in no later event (their order was retired).

        Only memory is affected: their ``objects`` rows are kept. An id forgotten and then
        seen again would get a second row, so only ids of records that can no longer change
        may be forgotten.
        """
        seen = self._seen
        for object_id in object_ids:
            seen.pop(object_id, None)

    # tables -------------------------------------------------------------------------------

    def _arrow(self) -> dict[str, pa.Table]:
        """The rows not yet written as Arrow tables with their fixed schemas (event ids
        continue the written ones); built straight from the columns, no DataFrame between."""
        hours = np.array(self._time_hours, dtype=np.float64)
        micros = np.rint(hours * 3_600_000_000.0).astype(np.int64)
        n = len(hours)
        events = [
            pa.array(np.arange(self._written, self._written + n, dtype=np.int64)),
            pa.array(hours),
            pa.array(self._start_ns + micros * 1000, type=pa.int64()).cast(
                pa.timestamp("ns", tz="UTC")
            ),
            self._activities.dictionary(self._activity),
            pa.array(self._order_summary_id, type=_STRING),
            pa.array(self._amount_cents, type=pa.int64()),
            pa.array(self._location_id, type=_STRING),
            pa.array(self._attributes, type=_STRING),
        ]
        relations = [
            pa.array(np.array(self._rel_event, dtype=np.int64)),
            pa.array(self._rel_object, type=_STRING),
            self._types.dictionary(self._rel_type),
            self._qualifiers.dictionary(self._rel_qualifier),
        ]
        objects = [
            pa.array(self._obj_id, type=_STRING),
            self._types.dictionary(self._obj_type),
            pa.array(np.array(self._obj_first, dtype=np.float64)),
        ]
        change_event = np.array(self._chg_event, dtype=np.int64)
        new_text, new_number = _encode_new(self._chg_new)
        changes = [
            pa.array(change_event),
            pa.array(hours[change_event - self._written]),
            pa.array(self._chg_object, type=_STRING),
            self._types.dictionary(self._chg_type),
            self._fields.dictionary(self._chg_field),
            pa.array(_encode_all(self._chg_old, missing=None), type=_STRING),
            pa.array(new_text, type=_STRING),
            pa.array(new_number, type=pa.float64()),
        ]
        columns = dict(zip(TABLES, (events, relations, objects, changes), strict=True))
        return {
            stem: pa.Table.from_arrays(arrays, schema=_schema(stem))
            for stem, arrays in columns.items()
        }

    def _frames(self) -> EventLogTables:
        """The rows not yet written, as DataFrames with the tables' pandas dtypes."""
        tables = {stem: table.to_pandas() for stem, table in self._arrow().items()}
        return EventLogTables(**tables)

    def events(self) -> pd.DataFrame:
        """One row per event.

        Columns: ``event_id`` (int64), ``time_hours`` (float64), ``timestamp``
        (datetime64[ns, UTC]: start + hours, to the microsecond), ``activity`` (category),
        ``order_summary_id`` (string: the first related OrderSummary, for fast filtering),
        ``amount_cents`` (Int64), ``location_id`` (string) and ``attributes`` (string: JSON of
        every attribute, keys sorted).
        """
        return self.tables().events

    def event_objects(self) -> pd.DataFrame:
        """One row per (event, object, qualifier): ``event_id``, ``object_id``,
        ``object_type`` (category), ``qualifier`` (category). An object related under two
        qualifiers (``"order summary"`` and ``"updated"``) has two rows."""
        return self.tables().event_objects

    def objects(self) -> pd.DataFrame:
        """One row per distinct object, in order of first appearance: ``object_id``,
        ``object_type`` (category) and ``first_seen_hours`` (the hour of the first event
        involving or changing it; events are appended in time order)."""
        return self.tables().objects

    def object_changes(self) -> pd.DataFrame:
        """One row per tracked field change: ``event_id``, ``time_hours``, ``object_id``,
        ``object_type``, ``field`` (API name), ``old`` (JSON text, None for a new record),
        ``new`` (JSON text) and ``new_number`` (float64: the new value when numeric, else NaN)."""
        return self.tables().object_changes

    def tables(self) -> EventLogTables:
        """All four tables (read back from the files when the log streams)."""
        if self._folder is None:
            return self._frames()
        self.close()
        return self.read_parquet(self._folder)

    # files --------------------------------------------------------------------------------

    def flush(self) -> None:
        """Write the buffered rows to the streamed files as one row group per table."""
        if self._folder is None:
            raise RuntimeError("flush() needs a log created with a folder to stream to")
        if self._closed:
            return
        tables = self._arrow()
        if not self._writers:
            self._folder.mkdir(parents=True, exist_ok=True)
            self._writers = {
                stem: pq.ParquetWriter(self._folder / f"{stem}.parquet", _schema(stem))
                for stem in TABLES
            }
        for stem, table in tables.items():
            if len(table) or self._written == 0:
                self._writers[stem].write_table(table)
        self._written += len(self._time_hours)
        self._reset()

    def close(self) -> None:
        """Write what is buffered and close the streamed files (nothing can be appended after)."""
        if self._folder is None or self._closed:
            return
        if len(self._time_hours) or not self._writers:
            self.flush()
        for writer in self._writers.values():
            writer.close()
        self._writers = {}
        self._seen = {}
        self._closed = True

    def write_parquet(self, folder: Path) -> None:
        """Write ``events``, ``event_objects``, ``objects`` and ``object_changes`` ``.parquet``
        into ``folder``; identical appends give byte-identical files."""
        folder = Path(folder)
        folder.mkdir(parents=True, exist_ok=True)
        if self._folder is not None:
            self.close()
            if folder.resolve() != self._folder.resolve():
                for stem in TABLES:
                    shutil.copyfile(self._folder / f"{stem}.parquet", folder / f"{stem}.parquet")
            return
        for stem, table in self._arrow().items():
            pq.write_table(table, folder / f"{stem}.parquet")

    def write_ocel_json(self, path: Path) -> None:
        """Write the log as OCEL 2.0 JSON (see `omsim.eventlog_ocel.write_ocel_json`)."""
        self.tables().write_ocel_json(Path(path))

    @classmethod
    def read_parquet(cls, folder: Path | str) -> EventLogTables:
        """Read the four tables back from a run folder written by `write_parquet`."""
        folder = Path(folder)
        frames = {
            stem: pd.read_parquet(folder / f"{stem}.parquet", engine="pyarrow") for stem in TABLES
        }
        return EventLogTables(**frames)


@cache
def _schema(stem: str) -> pa.Schema:
    """A table's Arrow schema with the pandas metadata of its DataFrame dtypes, so that
    ``pd.read_parquet`` gives back ``string``, ``Int64`` and ``category`` columns."""
    table = pa.Table.from_pandas(_EMPTY_FRAMES[stem](), preserve_index=False)
    return _SCHEMAS[stem].with_metadata(table.schema.metadata)


def _empty_category() -> pd.Categorical:
    return pd.Categorical([], categories=pd.Index([], dtype=str))


def _empty_strings() -> pd.api.extensions.ExtensionArray:
    return pd.array([], dtype="string")


def _empty(*columns: tuple[str, Callable[[], Any]]) -> Callable[[], pd.DataFrame]:
    return lambda: pd.DataFrame({name: make() for name, make in columns})


_EMPTY_FRAMES: dict[str, Callable[[], pd.DataFrame]] = {
    "events": _empty(
        ("event_id", lambda: np.empty(0, np.int64)),
        ("time_hours", lambda: np.empty(0, np.float64)),
        ("timestamp", lambda: pd.Series([], dtype="datetime64[ns, UTC]")),
        ("activity", _empty_category),
        ("order_summary_id", _empty_strings),
        ("amount_cents", lambda: pd.array([], dtype="Int64")),
        ("location_id", _empty_strings),
        ("attributes", _empty_strings),
    ),
    "event_objects": _empty(
        ("event_id", lambda: np.empty(0, np.int64)),
        ("object_id", _empty_strings),
        ("object_type", _empty_category),
        ("qualifier", _empty_category),
    ),
    "objects": _empty(
        ("object_id", _empty_strings),
        ("object_type", _empty_category),
        ("first_seen_hours", lambda: np.empty(0, np.float64)),
    ),
    "object_changes": _empty(
        ("event_id", lambda: np.empty(0, np.int64)),
        ("time_hours", lambda: np.empty(0, np.float64)),
        ("object_id", _empty_strings),
        ("object_type", _empty_category),
        ("field", _empty_category),
        ("old", _empty_strings),
        ("new", _empty_strings),
        ("new_number", lambda: np.empty(0, np.float64)),
    ),
}
"""Each table's DataFrame dtypes, as the tables had them when built with pandas."""
