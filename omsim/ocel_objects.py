"""Object attribute histories at scale: the tracked changes brought together object by object.

An OCEL 2.0 object carries its attribute values over time, so each object's changes must be
grouped, while ``object_changes.parquet`` is in log order and can hold ~80M rows for ~30M
objects. `spill_objects` makes one pass over ``object_changes`` and one over ``objects``,
partitioning both by a hash of the object id into buckets of about `BUCKET_ROWS` changes, written
as Parquet to a work folder (an external hash partition, so memory follows the bucket size). Each
`ObjectBucket` is then grouped in memory: its objects in ``objects.parquet`` order, each with its
changes in log order. A log small enough for one bucket keeps ``objects.parquet`` order throughout.

The same pass records the OCEL type of every (object type, field) from the ``new`` values
(`omsim.ocel_values.combine_kinds`). Changes of an object missing from ``objects.parquet`` count
towards the types but are not exported.
"""

from __future__ import annotations

import json
import math
from collections import defaultdict
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from omsim.ocel_source import EventTimes, batches, iso_times, n_rows
from omsim.ocel_values import KINDS, clean, codes, combine_kinds, distinct_pairs, kind_of

__all__ = ["BUCKET_ROWS", "ObjectBucket", "ObjectBuckets", "bucket_of", "spill_objects"]

BUCKET_ROWS = 500_000
"""Target changes (and at most objects) per bucket: one bucket is grouped in ~100-150 MB."""

PART_OBJECTS = 50_000
"""Objects a bucket hands out at a time (`ObjectBuckets.parts`), to bound what is built from it."""

SPILL_BATCH_ROWS = 500_000
"""Rows of ``object_changes``/``objects`` partitioned at a time."""

_TEXT = pa.large_string()
_FNV_BASIS = np.uint64(0xCBF29CE484222325)  # FNV-1a, 64-bit
_FNV_PRIME = np.uint64(0x100000001B3)
T = TypeVar("T")


def _mix(h: np.ndarray) -> np.ndarray:
    """splitmix64 finaliser: spreads every input bit over the whole word (uint64 arithmetic)."""
    h = h ^ (h >> np.uint64(30))
    h = h * np.uint64(0xBF58476D1CE4E5B9)
    h = h ^ (h >> np.uint64(27))
    h = h * np.uint64(0x94D049BB133111EB)
    return h ^ (h >> np.uint64(31))


def bucket_of(ids: pa.Array | pa.ChunkedArray, n_buckets: int) -> np.ndarray:
    """Bucket (0 .. n_buckets-1) of each id, from an FNV-1a hash of its UTF-8 bytes.

    The hash runs on the Arrow buffers with numpy, one pass per byte position (no Python object
    per id, temporaries of a few bytes per id), and is the same in every process and platform.

    >>> bucket_of(pa.array(["OS-000001", "OS-000002", "OS-000001"]), 16).tolist()
    [10, 15, 10]
    """
    if isinstance(ids, pa.ChunkedArray):
        ids = ids.combine_chunks()
    if n_buckets == 1 or len(ids) == 0:
        return np.zeros(len(ids), dtype=np.int64)
    ids = pc.cast(ids, _TEXT)
    _, offsets_buf, data_buf = ids.buffers()
    offsets = np.frombuffer(offsets_buf, dtype=np.int64)[ids.offset : ids.offset + len(ids) + 1]
    data = (
        np.frombuffer(data_buf, dtype=np.uint8) if data_buf is not None else np.zeros(1, np.uint8)
    )
    starts, lengths = offsets[:-1], np.diff(offsets)
    last = max(len(data) - 1, 0)
    h = np.full(len(ids), _FNV_BASIS, dtype=np.uint64)
    for j in range(int(lengths.max(initial=0))):
        byte = data[np.minimum(starts + j, last)].astype(np.uint64)
        h = np.where(lengths > j, (h ^ byte) * _FNV_PRIME, h)
    return (_mix(h ^ lengths.astype(np.uint64)) % np.uint64(n_buckets)).astype(np.int64)


@dataclass(frozen=True)
class ObjectBucket:
    """Some objects (a bucket, or a run of one) with their tracked changes, grouped by object.

    Attributes
    ----------
    object_ids, object_types : pyarrow.Array
        The bucket's objects, in ``objects.parquet`` order.
    offsets : numpy.ndarray
        int64, one more than the objects: object ``i``'s changes are rows
        ``offsets[i]:offsets[i + 1]`` of the change columns below.
    fields, texts, times : pyarrow.Array
        Per change, in log order within each object: API field name, new value as JSON
        text, ISO 8601 UTC time of its event.
    kind_codes : numpy.ndarray
        Per change: the OCEL type declared for its (object type, field), as an index into
        `omsim.ocel_values.KINDS`.
    first : numpy.ndarray
        bool per change: the object's first change of that field (its value at creation).
    """

    object_ids: pa.Array
    object_types: pa.Array
    offsets: np.ndarray
    fields: pa.Array
    texts: pa.Array
    times: pa.Array
    kind_codes: np.ndarray
    first: np.ndarray

    def distinct_values(self, convert: Callable[[str, str], T]) -> tuple[list[T], np.ndarray]:
        """``convert(kind, json_text)`` once per distinct pair, and each change's pair.

        Returns
        -------
        values : list
            The converted distinct values.
        which : numpy.ndarray
            int64 per change: its index into ``values``.
        """
        text_at, distinct_texts = codes(self.texts)
        texts_at, kinds_at, which = distinct_pairs(text_at, self.kind_codes, len(KINDS))
        texts = distinct_texts.take(pa.array(texts_at)).to_pylist()
        kinds = [KINDS[k] for k in kinds_at.tolist()]
        return [convert(k, t) for k, t in zip(kinds, texts, strict=True)], which

    def slices(self, max_objects: int) -> Iterator[ObjectBucket]:
        """The bucket as consecutive runs of at most ``max_objects`` objects with their changes
        (zero-copy views)."""
        n = len(self.object_ids)
        for lo in range(0, n, max_objects):
            k = min(max_objects, n - lo)
            a, b = int(self.offsets[lo]), int(self.offsets[lo + k])
            yield ObjectBucket(
                object_ids=self.object_ids.slice(lo, k),
                object_types=self.object_types.slice(lo, k),
                offsets=self.offsets[lo : lo + k + 1] - a,
                fields=self.fields.slice(a, b - a),
                texts=self.texts.slice(a, b - a),
                times=self.times.slice(a, b - a),
                kind_codes=self.kind_codes[a:b],
                first=self.first[a:b],
            )


@dataclass(frozen=True)
class ObjectBuckets:
    """Objects and their changes partitioned into buckets in ``workdir`` (see `spill_objects`).

    Attributes
    ----------
    field_kinds : dict
        ``{object type: {field: OCEL type}}``, types and fields sorted; every object type of
        ``objects`` and ``object_changes`` is present, with no fields if it never changed.
    n_buckets : int
        Buckets written.
    workdir : Path
        Folder of the spilled Parquet files; the caller removes it.
    """

    field_kinds: dict[str, dict[str, str]]
    n_buckets: int
    workdir: Path

    def parts(self) -> Iterator[ObjectBucket]:
        """Every object with its changes, bucket by bucket, at most `PART_OBJECTS` at a time.

        A part is a view of its bucket: release it before asking for the next one
        (``for part in buckets.parts(): use(part); del part``), so that one bucket at most is
        in memory.
        """
        for b in range(self.n_buckets):
            bucket = self._load(b)
            yield from bucket.slices(PART_OBJECTS)
            del bucket

    def _load(self, b: int) -> ObjectBucket:
        """Bucket ``b`` read back and grouped: its changes sorted by object, stably."""
        objects = pq.read_table(self.workdir / f"objects-{b:05d}.parquet").combine_chunks()
        changes = pq.read_table(self.workdir / f"changes-{b:05d}.parquet").combine_chunks()
        ids = objects.column("object_id").chunk(0) if objects.num_rows else pa.array([], _TEXT)
        at = pc.index_in(changes.column("object_id"), value_set=ids)
        changes = changes.filter(pc.is_valid(at))
        at_np = pc.drop_null(at).to_numpy().astype(np.int64)
        _check_types(objects, changes, at_np)
        order = np.argsort(at_np, kind="stable")
        changes, at_np = changes.take(order), at_np[order]
        offsets = np.zeros(objects.num_rows + 1, dtype=np.int64)
        offsets[1:] = np.cumsum(np.bincount(at_np, minlength=objects.num_rows))
        fields = changes.column("field").combine_chunks()
        return ObjectBucket(
            object_ids=ids,
            object_types=objects.column("object_type").combine_chunks(),
            offsets=offsets,
            fields=fields,
            texts=pc.fill_null(changes.column("new").combine_chunks(), "null"),
            times=iso_times(changes.column("time_ns").combine_chunks()),
            kind_codes=self._kind_codes(changes.column("object_type").combine_chunks(), fields),
            first=_first_of_field(at_np, fields),
        )

    def _kind_codes(self, types: pa.Array, fields: pa.Array) -> np.ndarray:
        """Index into `KINDS` of the type declared for each change's (object type, field)."""
        type_at, type_names = codes(types)
        field_at, field_names = codes(fields)
        declared = [
            [KINDS.index(self.field_kinds[t].get(f, "string")) for f in field_names.to_pylist()]
            for t in type_names.to_pylist()
        ]
        table = np.array(declared, dtype=np.int64).reshape(len(type_names), len(field_names))
        return table[type_at, field_at]


def _check_types(objects: pa.Table, changes: pa.Table, at: np.ndarray) -> None:
    """ValueError if a change gives its object another type than ``objects.parquet`` does."""
    expected = objects.column("object_type").take(pa.array(at, pa.int64()))
    wrong = pc.not_equal(changes.column("object_type"), expected)
    if pc.any(wrong).as_py():
        i = int(np.flatnonzero(wrong.to_numpy(zero_copy_only=False))[0])
        raise ValueError(
            f"object_changes gives {changes.column('object_id')[i]} the type"
            f" {changes.column('object_type')[i]}, objects.parquet {expected[i]}"
        )


def _first_of_field(at: np.ndarray, fields: pa.Array) -> np.ndarray:
    """True where a change is its object's first of that field (changes grouped by object)."""
    field_at, names = codes(fields)
    keys = at * len(names) + field_at
    _, firsts = np.unique(keys, return_index=True)
    first = np.zeros(len(keys), dtype=bool)
    first[firsts] = True
    return first


def _note_kinds(batch: pa.RecordBatch, seen: dict[str, dict[str, set]]) -> None:
    """Add the kinds of value of each (object type, field) of a batch to ``seen``.

    Each distinct ``new`` text is parsed once; the distinct (type, field, kind) are then few.
    """
    text_at, texts = codes(pc.fill_null(batch.column("new"), "null"))
    missing = len(KINDS)  # the code of a value that is not a JSON scalar
    kinds = [kind_of(clean(json.loads(t))) for t in texts.to_pylist()]
    kind_of_text = np.array([missing if k is None else KINDS.index(k) for k in kinds], np.int64)
    type_at, types = codes(batch.column("object_type"))
    field_at, fields = codes(batch.column("field"))
    pair_at = type_at * len(fields) + field_at
    triples = np.unique(pair_at * (missing + 1) + kind_of_text[text_at])
    type_names, field_names = types.to_pylist(), fields.to_pylist()
    pairs, kinds_at = np.divmod(triples, missing + 1)
    for pair, kind in zip(pairs.tolist(), kinds_at.tolist(), strict=True):
        field_kinds = seen[type_names[pair // len(fields)]]
        field_kinds.setdefault(field_names[pair % len(fields)], set()).add(
            None if kind == missing else KINDS[kind]
        )


def _write_split(table: pa.Table, bucket: np.ndarray, writers: list[pq.ParquetWriter]) -> None:
    """Append each bucket's rows of ``table`` (order kept) to that bucket's writer."""
    order = np.argsort(bucket, kind="stable")
    table = table.take(order)
    ends = np.cumsum(np.bincount(bucket, minlength=len(writers)))
    for b, (lo, hi) in enumerate(zip(np.concatenate([[0], ends[:-1]]), ends, strict=True)):
        if hi > lo:
            writers[b].write_table(table.slice(int(lo), int(hi - lo)))


def _spill(workdir: Path, name: str, schema: pa.Schema, n: int, tables: Iterator[pa.Table]) -> None:
    """Partition ``tables`` by object id into ``<name>-<bucket>.parquet`` files."""
    writers = [
        pq.ParquetWriter(workdir / f"{name}-{b:05d}.parquet", schema, write_statistics=False)
        for b in range(n)
    ]
    try:
        for table in tables:
            _write_split(table, bucket_of(table.column("object_id"), n), writers)
    finally:
        for writer in writers:
            writer.close()


def _change_tables(
    folder: Path, times: EventTimes, seen: dict[str, dict[str, set]]
) -> Iterator[pa.Table]:
    columns = ["event_id", "object_id", "object_type", "field", "new"]
    for batch in batches(folder, "object_changes", columns, SPILL_BATCH_ROWS):
        _note_kinds(batch, seen)
        ns = times.ns_of(batch.column("event_id").to_numpy())
        yield pa.Table.from_batches([batch.select(columns[1:])]).append_column(
            "time_ns", pa.array(ns, pa.int64())
        )


def _object_tables(folder: Path, seen: dict[str, dict[str, set]]) -> Iterator[pa.Table]:
    for batch in batches(folder, "objects", ["object_id", "object_type"], SPILL_BATCH_ROWS):
        for object_type in pc.unique(batch.column("object_type")).to_pylist():
            seen.setdefault(object_type, {})  # a type that never changes is declared too
        yield pa.Table.from_batches([batch])


def spill_objects(folder: Path, workdir: Path, times: EventTimes) -> ObjectBuckets:
    """Partition a run folder's objects and object changes into buckets under ``workdir``.

    Parameters
    ----------
    folder : Path
        A run folder.
    workdir : Path
        An empty folder for the spilled files (best beside the export, not in a RAM disk).
    times : EventTimes
        Event instants, to stamp each change with its event's time.
    """
    total = max(n_rows(folder, "object_changes"), n_rows(folder, "objects"))
    n = max(1, math.ceil(total / BUCKET_ROWS))
    seen: dict[str, dict[str, set]] = defaultdict(dict)
    text = pa.field("object_id", _TEXT), pa.field("object_type", _TEXT)
    change_schema = pa.schema(
        [*text, pa.field("field", _TEXT), pa.field("new", _TEXT), pa.field("time_ns", pa.int64())]
    )
    _spill(workdir, "changes", change_schema, n, _change_tables(folder, times, seen))
    _spill(workdir, "objects", pa.schema(list(text)), n, _object_tables(folder, seen))
    kinds = {
        object_type: {field: combine_kinds(k) for field, k in sorted(seen[object_type].items())}
        for object_type in sorted(seen)
    }
    return ObjectBuckets(kinds, n, workdir)
