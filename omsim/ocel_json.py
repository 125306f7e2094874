"""OCEL 2.0 JSON streamed from a run folder, in bounded memory.

The file holds four arrays (ocel-standard.org; arXiv 2403.01975), written in this order:

* ``objectTypes`` and ``eventTypes``: ``{name, attributes: [{name, type}]}``, names sorted;
* ``objects``: ``{id, type, attributes: [{name, time, value}], relationships: []}``, the values
  over time taken from ``object_changes``, the first entry of each attribute being its value when
  the record was created; objects bucket by bucket (`omsim.ocel_objects`), in ``objects.parquet``
  order within a bucket;
* ``events``: ``{id, type, time, attributes: [{name, value}], relationships: [{objectId,
  qualifier}]}`` in ``events.parquet`` order, the attributes being the scalar values of the
  ``attributes`` JSON column, every ``event_objects`` row a relationship.

Event ids are the log's ids as text; times are ISO 8601 UTC to the microsecond (``...Z``). One
member is written per line. Passes: ``events`` twice (attribute types first, since values are
converted to them), ``object_changes`` and ``objects`` once each into the buckets, then the
buckets and ``event_objects`` once each.
"""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path
from typing import BinaryIO

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from omsim.ocel_objects import ObjectBucket, spill_objects
from omsim.ocel_source import RelationCursor, batches, iso_times, scan_events
from omsim.ocel_values import as_type, clean, codes, concat, distinct_pairs, dumps, json_quote

__all__ = ["write_json"]

MEMBERS_PER_WRITE = 50_000
"""Array members joined into one write (objects: ~250 bytes each, events: ~400)."""

_TEXT = pa.large_string()


def _join(items: pa.Array, offsets: np.ndarray, separator: str) -> pa.Array:
    """Items joined with ``separator``, one string per ``offsets[i]:offsets[i + 1]`` group."""
    grouped = pa.LargeListArray.from_arrays(pa.array(offsets, pa.int64()), items)
    return pc.binary_join(grouped, pa.scalar(separator, _TEXT))


class _ArrayWriter:
    """One top-level JSON array written member by member, one member a line."""

    def __init__(self, f: BinaryIO, key: str, *, first: bool = False) -> None:
        f.write((("{" if first else ",\n") + json.dumps(key) + ":[").encode())
        self._f = f
        self._empty = True

    def extend(self, members: pa.Array) -> None:
        """Append members, each already JSON text; joined in Arrow, written as UTF-8 bytes."""
        for lo in range(0, len(members), MEMBERS_PER_WRITE):
            part = pa.concat_arrays([members.slice(lo, MEMBERS_PER_WRITE)])
            joined = _join(part, np.array([0, len(part)]), ",\n")[0]
            self._f.write(b"\n" if self._empty else b",\n")
            self._f.write(joined.as_buffer())
            self._empty = False

    def close(self) -> None:
        self._f.write(b"]")


def _declared(kinds: dict[str, dict[str, str]]) -> pa.Array:
    """``objectTypes``/``eventTypes`` members from ``{type: {attribute: OCEL type}}``."""
    members = [
        dumps({"name": name, "attributes": [{"name": a, "type": t} for a, t in attrs.items()]})
        for name, attrs in kinds.items()
    ]
    return pa.array(members, _TEXT)


def _json_value(kind: str, text: str) -> str:
    """JSON text of a ``new`` value converted to its attribute's type."""
    return dumps(as_type(clean(json.loads(text)), kind))


def _spread(strings: pa.Array, at: np.ndarray) -> pa.Array:
    """``strings[at]``: per-row text from the text of each distinct value."""
    return strings.take(pa.array(at, pa.int64()))


def _object_members(bucket: ObjectBucket) -> pa.Array:
    """The ``objects`` members of one bucket."""
    distinct, which = bucket.distinct_values(_json_value)
    field_at, field_names = codes(bucket.fields)
    entries = concat(
        '{"name":',
        _spread(json_quote(field_names), field_at),
        ',"time":"',
        bucket.times,
        '","value":',
        _spread(pa.array(distinct, pa.large_string()), which),
        "}",
    )
    type_at, type_names = codes(bucket.object_types)
    return concat(
        '{"id":',
        json_quote(bucket.object_ids),
        ',"type":',
        _spread(json_quote(type_names), type_at),
        ',"attributes":[',
        _join(entries, bucket.offsets, ","),
        '],"relationships":[]}',
    )


def _relationships(event_ids: np.ndarray, relations: pa.Table) -> pa.Array:
    """Each event's ``relationships`` members joined, for sorted ``event_ids``."""
    rel_ids = relations.column("event_id").to_numpy()
    at = np.searchsorted(event_ids, rel_ids)
    known = at < len(event_ids)
    known[known] = event_ids[at[known]] == rel_ids[known]
    relations, at = relations.filter(pa.array(known)), at[known]
    qualifier_at, qualifiers = codes(relations.column("qualifier"))
    items = concat(
        '{"objectId":',
        json_quote(relations.column("object_id").combine_chunks()),
        ',"qualifier":',
        _spread(json_quote(qualifiers), qualifier_at),
        "}",
    )
    offsets = np.zeros(len(event_ids) + 1, dtype=np.int64)
    offsets[1:] = np.cumsum(np.bincount(at, minlength=len(event_ids)))
    return _join(items, offsets, ",")


def _event_attributes(text: str, kinds: dict[str, str]) -> str:
    """The ``attributes`` array of an event: its scalar attributes, typed, names sorted."""
    attrs = {k: c for k, v in json.loads(text).items() if (c := clean(v)) is not None}
    return dumps([{"name": k, "value": as_type(v, kinds[k])} for k, v in sorted(attrs.items())])


def _event_members(
    batch: pa.RecordBatch, relationships: pa.Array, kinds: dict[str, dict[str, str]]
) -> pa.Array:
    """The ``events`` members of one batch of events (attributes converted once per distinct
    activity and attributes text)."""
    activity_at, activities = codes(batch.column("activity"))
    text_at, texts = codes(pc.fill_null(batch.column("attributes"), "{}"))
    pair_text, pair_activity, which = distinct_pairs(text_at, activity_at, len(activities))
    names = activities.to_pylist()
    distinct = [
        _event_attributes(text, kinds[names[a]])
        for text, a in zip(
            _spread(texts, pair_text).to_pylist(), pair_activity.tolist(), strict=True
        )
    ]
    return concat(
        '{"id":"',
        batch.column("event_id"),
        '","type":',
        _spread(json_quote(activities), activity_at),
        ',"time":"',
        iso_times(pc.cast(batch.column("timestamp"), pa.int64())),
        '","attributes":',
        _spread(pa.array(distinct, pa.large_string()), which),
        ',"relationships":[',
        relationships,
        "]}",
    )


def _write_events(f: BinaryIO, folder: Path, kinds: dict[str, dict[str, str]]) -> None:
    events = _ArrayWriter(f, "events")
    cursor = RelationCursor(folder)
    last = np.iinfo(np.int64).min
    for batch in batches(folder, "events", ["event_id", "timestamp", "activity", "attributes"]):
        ids = batch.column("event_id").to_numpy()
        if len(ids) == 0:
            continue
        if ids[0] <= last or (np.diff(ids) <= 0).any():
            raise ValueError("events.parquet is not in increasing event_id order")
        last = int(ids[-1])
        events.extend(_event_members(batch, _relationships(ids, cursor.upto(last)), kinds))
    events.close()


def write_json(folder: Path, path: Path) -> Path:
    """Write a run folder's event log as an OCEL 2.0 JSON file, streaming its tables.

    Parameters
    ----------
    folder : Path
        A run folder (``events``, ``event_objects``, ``objects``, ``object_changes`` Parquet).
    path : Path
        The ``.json`` file to write (UTF-8). It is written beside as ``<name>.partial`` and
        renamed into place, so it is complete or absent; spilled buckets go to a temporary
        folder beside it.

    Returns
    -------
    Path
        ``path``.
    """
    folder, path = Path(folder), Path(path)
    scan = scan_events(folder)
    event_kinds = scan.kinds
    partial = path.with_name(path.name + ".partial")
    try:
        with tempfile.TemporaryDirectory(prefix=".ocel-", dir=path.parent) as work:
            buckets = spill_objects(folder, Path(work), scan.times)
            del scan  # the event times (16 bytes an event) are not needed any more
            with partial.open("wb") as f:
                for key, kinds in (
                    ("objectTypes", buckets.field_kinds),
                    ("eventTypes", event_kinds),
                ):
                    declared = _ArrayWriter(f, key, first=key == "objectTypes")
                    declared.extend(_declared(kinds))
                    declared.close()
                objects = _ArrayWriter(f, "objects")
                for part in buckets.parts():
                    objects.extend(_object_members(part))
                    del part  # before the next bucket is loaded
                objects.close()
                _write_events(f, folder, event_kinds)
                f.write(b"}\n")
        os.replace(partial, path)
    finally:
        partial.unlink(missing_ok=True)
    return path
