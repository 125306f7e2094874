"""OCEL 2.0 SQLite streamed from a run folder, in bounded memory.

The layout is the OCEL 2.0 relational format (ocel-standard.org/specification/formats/sqlite)
with the keys its validation script checks (``pm4py.objects.ocel.validation``):

* ``event (ocel_id, ocel_type)`` and ``object (ocel_id, ocel_type)``, keyed by id;
* ``event_map_type`` / ``object_map_type (ocel_type, ocel_type_map)``: each type's table stem;
* ``event_object (ocel_event_id, ocel_object_id, ocel_qualifier)``, keyed by all three, so a
  repeated (event, object, qualifier) is kept once; ``object_object`` (empty: the log keeps no
  object-to-object relations);
* ``event_<Type> (ocel_id, ocel_time, <attribute>...)``: one row per event;
* ``object_<Type> (ocel_id, ocel_time, ocel_changed_field, <attribute>...)``: per object one row
  with ``ocel_changed_field`` NULL and time ``1970-01-01T00:00:00.000000Z`` holding the value of
  each attribute when the record was created, then one row per later change naming the field.

Attribute columns are typed ``TEXT``, ``INTEGER``, ``REAL`` or ``BOOLEAN`` (1/0) by the rules of
`omsim.ocel_values`, the same values as the JSON export; times are ISO 8601 UTC text to the
microsecond. Rows go in with ``executemany``, one transaction per batch of events or relations
and per part of a bucket of objects (`omsim.ocel_objects.ObjectBuckets.parts`), with the journal
off: the file is built as ``<name>.partial`` and renamed into place when complete.
"""

from __future__ import annotations

import json
import os
import re
import sqlite3
import tempfile
from collections import defaultdict
from collections.abc import Iterable
from itertools import repeat
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from omsim.ocel_objects import ObjectBucket, spill_objects
from omsim.ocel_source import batches, iso_times, scan_events
from omsim.ocel_values import SQL_TYPES, as_type, clean, codes

__all__ = ["INITIAL_TIME", "table_names", "write_sqlite"]

INITIAL_TIME = "1970-01-01T00:00:00.000000Z"
"""``ocel_time`` of an object's row of initial values (UNIX time 0, as the standard has it)."""

_PRAGMAS = (
    "PRAGMA journal_mode = OFF",  # a failed export is deleted, never rolled back
    "PRAGMA synchronous = OFF",
    "PRAGMA cache_size = -65536",  # 64 MiB of page cache
    "PRAGMA temp_store = FILE",
)
_RESERVED = frozenset({"ocel_id", "ocel_time", "ocel_changed_field"})


def _q(identifier: str) -> str:
    """An SQL identifier, quoted."""
    return '"' + identifier.replace('"', '""') + '"'


def table_names(types: Iterable[str]) -> dict[str, str]:
    """Table stem of each type name: alphanumeric words run together, distinct ignoring case.

    >>> table_names(["Order Summary Created", "OrderSummary", "order-summary", "!"])
    {'Order Summary Created': 'OrderSummaryCreated', 'OrderSummary': 'OrderSummary', 'order-summary': 'OrderSummary_2', '!': 'Type'}
    """
    names: dict[str, str] = {}
    used: set[str] = set()
    for name in types:
        words = re.split(r"[^0-9A-Za-z]+", name)
        base = "".join(w[:1].upper() + w[1:] for w in words)[:100] or "Type"
        candidate, k = base, 2
        while candidate.casefold() in used:
            candidate, k = f"{base}_{k}", k + 1
        used.add(candidate.casefold())
        names[name] = candidate
    return names


def _check_attributes(kinds: dict[str, dict[str, str]], what: str) -> None:
    for name, attrs in kinds.items():
        if clash := _RESERVED & set(attrs):
            raise ValueError(f"{what} {name!r} has attributes named like OCEL columns: {clash}")


def _create_tables(
    conn: sqlite3.Connection,
    event_kinds: dict[str, dict[str, str]],
    object_kinds: dict[str, dict[str, str]],
) -> tuple[dict[str, str], dict[str, str]]:
    """Create every table; return the table of each event type and of each object type."""
    events = {t: f"event_{m}" for t, m in table_names(event_kinds).items()}
    objects = {t: f"object_{m}" for t, m in table_names(object_kinds).items()}
    statements = [
        "CREATE TABLE event_map_type (ocel_type TEXT PRIMARY KEY, ocel_type_map TEXT)",
        "CREATE TABLE object_map_type (ocel_type TEXT PRIMARY KEY, ocel_type_map TEXT)",
        "CREATE TABLE event (ocel_id TEXT PRIMARY KEY,"
        " ocel_type TEXT REFERENCES event_map_type (ocel_type)) WITHOUT ROWID",
        "CREATE TABLE object (ocel_id TEXT PRIMARY KEY,"
        " ocel_type TEXT REFERENCES object_map_type (ocel_type)) WITHOUT ROWID",
        "CREATE TABLE event_object (ocel_event_id TEXT REFERENCES event (ocel_id),"
        " ocel_object_id TEXT REFERENCES object (ocel_id), ocel_qualifier TEXT,"
        " PRIMARY KEY (ocel_event_id, ocel_object_id, ocel_qualifier)) WITHOUT ROWID",
        "CREATE TABLE object_object (ocel_source_id TEXT REFERENCES object (ocel_id),"
        " ocel_target_id TEXT REFERENCES object (ocel_id), ocel_qualifier TEXT,"
        " PRIMARY KEY (ocel_source_id, ocel_target_id, ocel_qualifier)) WITHOUT ROWID",
    ]
    for event_type, table in events.items():
        columns = "".join(f", {_q(a)} {SQL_TYPES[k]}" for a, k in event_kinds[event_type].items())
        statements.append(
            f"CREATE TABLE {_q(table)} (ocel_id TEXT PRIMARY KEY REFERENCES event (ocel_id),"
            f" ocel_time TIMESTAMP{columns}) WITHOUT ROWID"
        )
    for object_type, table in objects.items():
        columns = "".join(f", {_q(a)} {SQL_TYPES[k]}" for a, k in object_kinds[object_type].items())
        statements.append(
            f"CREATE TABLE {_q(table)} (ocel_id TEXT REFERENCES object (ocel_id),"
            f" ocel_time TIMESTAMP, ocel_changed_field TEXT{columns})"
        )
    for statement in statements:
        conn.execute(statement)
    conn.executemany(
        "INSERT INTO event_map_type VALUES (?, ?)", [(t, m[6:]) for t, m in events.items()]
    )
    conn.executemany(
        "INSERT INTO object_map_type VALUES (?, ?)", [(t, m[7:]) for t, m in objects.items()]
    )
    conn.commit()
    return events, objects


def _event_values(text: str | None, kinds: dict[str, str]) -> tuple[Any, ...]:
    """An event's attribute values in column order (None where missing or not a scalar)."""
    attrs = json.loads(text or "{}")
    return tuple(as_type(clean(attrs.get(k)), kind) for k, kind in kinds.items())


def _insert_events(
    conn: sqlite3.Connection, folder: Path, kinds: dict[str, dict[str, str]], tables: dict[str, str]
) -> None:
    """``event`` and ``event_<Type>`` rows, one transaction per batch of events."""
    inserts = {
        t: f"INSERT OR IGNORE INTO {_q(table)} VALUES ({', '.join('?' * (2 + len(kinds[t])))})"
        for t, table in tables.items()
    }
    for batch in batches(folder, "events", ["event_id", "timestamp", "activity", "attributes"]):
        ids = pc.cast(batch.column("event_id"), pa.string()).to_pylist()
        activities = batch.column("activity").to_pylist()
        conn.executemany(
            "INSERT OR IGNORE INTO event VALUES (?, ?)", zip(ids, activities, strict=True)
        )
        times = iso_times(pc.cast(batch.column("timestamp"), pa.int64())).to_pylist()
        rows: dict[str, list[tuple[Any, ...]]] = defaultdict(list)
        memo: dict[tuple[str, str | None], tuple[Any, ...]] = {}
        for event_id, activity, time, text in zip(
            ids, activities, times, batch.column("attributes").to_pylist(), strict=True
        ):
            values = memo.get((activity, text))
            if values is None:
                values = memo[activity, text] = _event_values(text, kinds[activity])
            rows[activity].append((event_id, time, *values))
        for activity, activity_rows in rows.items():
            conn.executemany(inserts[activity], activity_rows)
        conn.commit()


def _insert_pairs(conn: sqlite3.Connection, folder: Path) -> None:
    """``object`` and ``event_object`` rows, one transaction per batch."""
    for batch in batches(folder, "objects", ["object_id", "object_type"]):
        rows = zip(*(c.to_pylist() for c in batch.columns), strict=True)
        conn.executemany("INSERT OR IGNORE INTO object VALUES (?, ?)", rows)
        conn.commit()
    columns = ["event_id", "object_id", "qualifier"]
    for batch in batches(folder, "event_objects", columns):
        ids = pc.cast(batch.column("event_id"), pa.string()).to_pylist()
        rows = zip(
            ids,
            batch.column("object_id").to_pylist(),
            batch.column("qualifier").to_pylist(),
            strict=True,
        )
        conn.executemany("INSERT OR IGNORE INTO event_object VALUES (?, ?, ?)", rows)
        conn.commit()


def _sql_value(kind: str, text: str) -> Any:
    """A ``new`` value converted to its attribute's type, as SQLite stores it."""
    return as_type(clean(json.loads(text)), kind)


def _objects_array(values: list[Any]) -> np.ndarray:
    """A numpy object array of the values (never a 2-D array of sequences)."""
    out = np.empty(len(values), dtype=object)
    out[:] = values
    return out


def _insert_objects(
    conn: sqlite3.Connection,
    bucket: ObjectBucket,
    kinds: dict[str, dict[str, str]],
    tables: dict[str, str],
) -> None:
    """``object_<Type>`` rows of some objects: each one's initial values, then its changes.

    Rows become Python objects one (object type, field) group at a time, values shared
    between rows.
    """
    distinct, which = bucket.distinct_values(_sql_value)
    values = _objects_array(distinct)
    type_at, type_names = codes(bucket.object_types)
    field_at, field_names = codes(bucket.fields)
    field_code = {f: i for i, f in enumerate(field_names.to_pylist())}
    owner = np.repeat(np.arange(len(type_at)), np.diff(bucket.offsets))  # object of each change
    for code, object_type in enumerate(type_names.to_pylist()):
        members = np.flatnonzero(type_at == code)
        row_of = np.full(len(type_at), -1, dtype=np.int64)
        row_of[members] = np.arange(len(members))  # object's row among this type's
        of_type = row_of[owner] >= 0
        columns = list(kinds[object_type])
        table = _q(tables[object_type])
        initial = []
        for field in columns:
            column = np.full(len(members), None, dtype=object)
            pick = np.flatnonzero(of_type & bucket.first & (field_at == field_code.get(field, -1)))
            column[row_of[owner[pick]]] = values[which[pick]]
            initial.append(column)
        ids = bucket.object_ids.take(pa.array(members)).to_pylist()
        conn.executemany(
            f"INSERT INTO {table} VALUES ({', '.join('?' * (3 + len(columns)))})",
            zip(ids, repeat(INITIAL_TIME), repeat(None), *initial),
        )
        for field in columns:
            pick = np.flatnonzero(of_type & ~bucket.first & (field_at == field_code.get(field, -1)))
            if len(pick) == 0:
                continue
            conn.executemany(
                f"INSERT INTO {table} (ocel_id, ocel_time, ocel_changed_field, {_q(field)})"
                " VALUES (?, ?, ?, ?)",
                zip(
                    bucket.object_ids.take(pa.array(owner[pick])).to_pylist(),
                    bucket.times.take(pa.array(pick)).to_pylist(),
                    repeat(field),
                    values[which[pick]],
                ),
            )
    conn.commit()


def write_sqlite(folder: Path, path: Path) -> Path:
    """Write a run folder's event log as an OCEL 2.0 SQLite file, streaming its tables.

    Parameters
    ----------
    folder : Path
        A run folder (``events``, ``event_objects``, ``objects``, ``object_changes`` Parquet).
    path : Path
        The ``.sqlite`` file to write, replaced if present. It is built as ``<name>.partial``
        and renamed into place; spilled buckets go to a temporary folder beside it.

    Returns
    -------
    Path
        ``path``.
    """
    folder, path = Path(folder), Path(path)
    scan = scan_events(folder)
    event_kinds = scan.kinds
    _check_attributes(event_kinds, "event type")
    partial = path.with_name(path.name + ".partial")
    partial.unlink(missing_ok=True)
    try:
        with tempfile.TemporaryDirectory(prefix=".ocel-", dir=path.parent) as work:
            buckets = spill_objects(folder, Path(work), scan.times)
            del scan  # the event times (8-16 bytes an event) are not needed any more
            _check_attributes(buckets.field_kinds, "object type")
            conn = sqlite3.connect(partial)
            try:
                for pragma in _PRAGMAS:
                    conn.execute(pragma)
                event_tables, object_tables = _create_tables(conn, event_kinds, buckets.field_kinds)
                _insert_events(conn, folder, event_kinds, event_tables)
                _insert_pairs(conn, folder)
                for part in buckets.parts():
                    _insert_objects(conn, part, buckets.field_kinds, object_tables)
                    del part  # before the next bucket is loaded
            finally:
                conn.close()
        os.replace(partial, path)
    finally:
        partial.unlink(missing_ok=True)
    return path
