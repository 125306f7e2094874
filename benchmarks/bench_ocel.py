"""OCEL 2.0 exports from a large run folder: wall time, peak memory and file size per format.

A synthetic run folder is written first, order by order in row groups as a streaming run writes
it, with the proportions of a real run (per order: 12 events, 50 event-object relations,
30 objects, 80 object changes; so 1,000,000 orders make ~12M events and ~80M changes). Each
export then runs in a fresh process, so its peak resident set size (``ru_maxrss``) is its own.

Run: ``.venv/bin/python benchmarks/bench_ocel.py [--orders N] [--formats json sqlite]``.
Keep ``N`` modest on a shared machine: 25,000 orders make 2M object changes.
"""

from __future__ import annotations

import argparse
import datetime
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

START_NS = int(datetime.datetime(2026, 1, 1, tzinfo=datetime.UTC).timestamp() * 1e9)
OBJECT_TYPES = ("OrderSummary", "OrderItemSummary", "FulfillmentOrder", "Invoice", "Payment")
FIELDS = ("Status", "Quantity", "Balance", "IsSuspended")
ACTIVITIES = ("Order Summary Created", "Payment Captured", "Parcel Shipped", "Invoice Created")
QUALIFIERS = ("order summary", "created", "updated", "fulfillment order")
STATUSES = ('"Created"', '"Allocated"', '"Fulfilled"', '"Closed"')
PER_ORDER = {"events": 12, "relations": 50, "objects": 30, "changes": 80}

_TEXT = pa.large_string()
_CATEGORY = pa.dictionary(pa.int32(), pa.string())
SCHEMAS = {
    "events": pa.schema(
        [
            ("event_id", pa.int64()),
            ("time_hours", pa.float64()),
            ("timestamp", pa.timestamp("ns", tz="UTC")),
            ("activity", _CATEGORY),
            ("order_summary_id", _TEXT),
            ("amount_cents", pa.int64()),
            ("location_id", _TEXT),
            ("attributes", _TEXT),
        ]
    ),
    "event_objects": pa.schema(
        [
            ("event_id", pa.int64()),
            ("object_id", _TEXT),
            ("object_type", _CATEGORY),
            ("qualifier", _CATEGORY),
        ]
    ),
    "objects": pa.schema(
        [("object_id", _TEXT), ("object_type", _CATEGORY), ("first_seen_hours", pa.float64())]
    ),
    "object_changes": pa.schema(
        [
            ("event_id", pa.int64()),
            ("time_hours", pa.float64()),
            ("object_id", _TEXT),
            ("object_type", _CATEGORY),
            ("field", _CATEGORY),
            ("old", _TEXT),
            ("new", _TEXT),
            ("new_number", pa.float64()),
        ]
    ),
}


def _category(codes: np.ndarray, names: tuple[str, ...]) -> pa.DictionaryArray:
    return pa.DictionaryArray.from_arrays(pa.array(codes, pa.int32()), pa.array(names))


def _chunk(first_order: int, n_orders: int, rng: np.random.Generator) -> dict[str, pa.Table]:
    """The four tables' rows for orders ``first_order .. first_order + n_orders - 1``."""
    k = {name: n_orders * per for name, per in PER_ORDER.items()}
    order_of = {name: np.repeat(np.arange(n_orders), per) for name, per in PER_ORDER.items()}
    first_event = first_order * PER_ORDER["events"]
    event_ids = first_event + np.arange(k["events"], dtype=np.int64)
    hours = event_ids * 0.01
    amounts = rng.integers(100, 50_000, k["events"])
    activity = rng.integers(0, len(ACTIVITIES), k["events"])
    attributes = [
        json.dumps({"amount_cents": int(a), "method": "Visa", "weight_kg": round(a / 997, 3)})
        for a in amounts
    ]
    n_obj = PER_ORDER["objects"]
    object_numbers = first_order * n_obj + np.arange(k["objects"])
    object_type = object_numbers % len(OBJECT_TYPES)
    object_ids = pa.array([f"OBJ-{i:09d}" for i in object_numbers], _TEXT)
    summary_ids = pa.array([f"OBJ-{(first_order + o) * n_obj:09d}" for o in order_of["events"]])
    events = {
        "event_id": event_ids,
        "time_hours": hours,
        "timestamp": pa.array(
            START_NS + (hours * 3.6e12).astype(np.int64), pa.timestamp("ns", "UTC")
        ),
        "activity": _category(activity, ACTIVITIES),
        "order_summary_id": summary_ids,
        "amount_cents": amounts,
        "location_id": pa.nulls(k["events"], _TEXT),
        "attributes": pa.array(attributes, _TEXT),
    }

    def own_objects(name: str) -> np.ndarray:  # local object index within the chunk, same order
        return order_of[name] * n_obj + rng.integers(0, n_obj, k[name])

    def own_events(name: str) -> np.ndarray:  # sorted, so rows stay in event_id order
        per = PER_ORDER["events"]
        return np.sort(order_of[name] * per + rng.integers(0, per, k[name]))

    rel_obj, rel_event = own_objects("relations"), own_events("relations")
    chg_obj, chg_event = own_objects("changes"), own_events("changes")
    field = rng.integers(0, len(FIELDS), k["changes"])
    numbers = rng.integers(0, 5_000, k["changes"])
    new = np.where(
        field == 0,
        np.array(STATUSES, dtype=object)[numbers % len(STATUSES)],
        np.where(field == 3, np.where(numbers % 2 == 0, "true", "false"), numbers.astype(str)),
    )
    return {
        "events": pa.table(events, schema=SCHEMAS["events"]),
        "event_objects": pa.table(
            {
                "event_id": event_ids[rel_event],
                "object_id": object_ids.take(pa.array(rel_obj)),
                "object_type": _category(object_type[rel_obj], OBJECT_TYPES),
                "qualifier": _category(
                    rng.integers(0, len(QUALIFIERS), k["relations"]), QUALIFIERS
                ),
            },
            schema=SCHEMAS["event_objects"],
        ),
        "objects": pa.table(
            {
                "object_id": object_ids,
                "object_type": _category(object_type, OBJECT_TYPES),
                "first_seen_hours": hours[order_of["objects"] * PER_ORDER["events"]],
            },
            schema=SCHEMAS["objects"],
        ),
        "object_changes": pa.table(
            {
                "event_id": event_ids[chg_event],
                "time_hours": hours[chg_event],
                "object_id": object_ids.take(pa.array(chg_obj)),
                "object_type": _category(object_type[chg_obj], OBJECT_TYPES),
                "field": _category(field, FIELDS),
                "old": pa.nulls(k["changes"], _TEXT),
                "new": pa.array(new.tolist(), _TEXT),
                "new_number": np.where(field % 3 == 0, np.nan, numbers.astype(float)),
            },
            schema=SCHEMAS["object_changes"],
        ),
    }


def write_synthetic_run(folder: Path, n_orders: int, orders_per_group: int, seed: int = 7) -> None:
    """Write the four tables of ``n_orders`` synthetic orders, one row group per chunk of orders."""
    folder.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed)
    writers = {n: pq.ParquetWriter(folder / f"{n}.parquet", s) for n, s in SCHEMAS.items()}
    try:
        for first in range(0, n_orders, orders_per_group):
            chunk = _chunk(first, min(orders_per_group, n_orders - first), rng)
            for name, table in chunk.items():
                writers[name].write_table(table)
    finally:
        for writer in writers.values():
            writer.close()


def _peak_mib() -> float:
    """Peak resident set size of this process, MiB (``ru_maxrss`` is KiB on Linux)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def export(folder: Path, fmt: str) -> None:
    """Child process: write one format and print its wall seconds and peak RSS (MiB)."""
    from omsim.eventlog_ocel import write_ocel

    base = _peak_mib()
    started = time.perf_counter()
    write_ocel(folder, fmt)
    seconds = time.perf_counter() - started
    print(json.dumps({"seconds": seconds, "peak_mib": _peak_mib(), "after_imports_mib": base}))


def _child(*argv: str) -> str:
    """Run this script in a fresh process (its peak RSS its own: ``ru_maxrss`` survives exec,
    so the parent stays small and generates nothing itself); return what it printed."""
    done = subprocess.run(
        [sys.executable, __file__, *argv], check=True, capture_output=True, text=True
    )
    return done.stdout


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--orders", type=int, default=20_000, help="synthetic orders")
    parser.add_argument("--orders-per-group", type=int, default=2_000, help="orders a row group")
    parser.add_argument("--formats", nargs="+", default=["json", "sqlite"])
    parser.add_argument("--folder", default=None, help="run folder (default: a temporary one)")
    parser.add_argument("--generate", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--export", default=None, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.generate:
        write_synthetic_run(Path(args.folder), args.orders, args.orders_per_group)
        return
    if args.export:
        export(Path(args.folder), args.export)
        return
    with tempfile.TemporaryDirectory(prefix="bench-ocel-") as tmp:
        folder = Path(args.folder or tmp)
        sizes = ["--orders", str(args.orders), "--orders-per-group", str(args.orders_per_group)]
        _child("--generate", "--folder", str(folder), *sizes)
        rows = {n: pq.ParquetFile(folder / f"{n}.parquet").metadata.num_rows for n in SCHEMAS}
        groups = pq.ParquetFile(folder / "object_changes.parquet").metadata.num_row_groups
        counts = ", ".join(f"{n} {r:,}" for n, r in rows.items())
        print(f"{args.orders:,} orders in {groups} row groups: {counts}")
        parquet_mb = sum((folder / f"{n}.parquet").stat().st_size for n in SCHEMAS) / 1e6
        print(
            f"{'format':<8}{'seconds':>10}{'peak RSS MiB':>14}{'at start MiB':>14}{'file MB':>10}"
        )
        print(f"{'parquet':<8}{'':>10}{'':>14}{'':>14}{parquet_mb:>10.1f}")
        for fmt in args.formats:
            figures = json.loads(_child("--folder", str(folder), "--export", fmt).splitlines()[-1])
            size = (folder / f"ocel.{fmt}").stat().st_size / 1e6
            print(
                f"{fmt:<8}{figures['seconds']:>10.1f}{figures['peak_mib']:>14.0f}"
                f"{figures['after_imports_mib']:>14.0f}{size:>10.1f}"
            )


if __name__ == "__main__":
    main()
