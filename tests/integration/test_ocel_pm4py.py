"""The OCEL 2.0 exports read back by pm4py: same counts as the Parquet tables, and it mines.

A small but realistic log is built by driving the real domain actions for a few orders (single and
split shipments, a pre-allocation cancel, a return with a fee), plus the events the simulation
observes itself (parcels shipped, orders delivered). A simulated run folder is then exported in
both formats, JSON and SQLite, streamed from its Parquet tables; the same tables rewritten in many
small row groups, read in tiny batches and spread over many buckets, give the same exports.
"""

from __future__ import annotations

import datetime
import json
import math
import sqlite3
from contextlib import closing
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from omsim import ocel_json, ocel_objects, ocel_source
from omsim.domain import (
    DeliveryGroupInput,
    IdFactory,
    OrderLineInput,
    ReturnItemInput,
    ReturnLineInput,
    authorize_payment,
    check_invariants,
    create_fulfillment_orders,
    create_invoice,
    create_order,
    create_order_summary,
    create_return_order,
    ensure_funds,
    fulfil_fulfillment_order,
    return_items,
    submit_cancel,
)
from omsim.eventlog import EventLog, EventLogTables
from omsim.eventlog_ocel import write_ocel, write_ocel_json, write_ocel_sqlite

pm4py = pytest.importorskip("pm4py", reason="pm4py (the `mining` extra) reads the OCEL export")

START = datetime.datetime(2024, 11, 29, 8, 0, tzinfo=datetime.UTC)
TAX = "0.0825"


def place(ids: IdFactory, log: EventLog, lines: list[tuple[str, int, int]], at: float):
    order = create_order(
        ids,
        lines=[OrderLineInput(sku, q, price, TAX) for sku, q, price in lines],
        delivery_groups=[
            DeliveryGroupInput("default", delivery_charge_cents=799, charge_tax_rate=TAX)
        ],
        at=at,
    )
    summary, events = create_order_summary(ids, order, at=at)
    log.record_all(events)
    log.record_all(authorize_payment(summary, amount_cents=summary.grand_total_amount_cents, at=at))
    return summary


def ship(log: EventLog, summary, routes: dict[str, dict[str, int]], at: float) -> list:
    """Route, fulfil, invoice and capture; note the parcel and the delivery as the simulation would."""
    group = summary.delivery_groups[0].id
    fos, events = create_fulfillment_orders(summary, group, routes, at=at)
    log.record_all(events)
    for k, fo in enumerate(fos):
        shipped_at = at + 6.0 + k
        log.record_all(fulfil_fulfillment_order(summary, fo.id, at=shipped_at))
        log.note(
            "Parcel Shipped",
            shipped_at,
            [
                (fo.id, "FulfillmentOrder", "fulfillment order"),
                (summary.id, "OrderSummary", "order"),
            ],
            location_id=fo.fulfilled_from_location_id,
            carrier="UPS Ground",
            weight_kg=1.25,
        )
        invoice, events = create_invoice(summary, fo.id, at=shipped_at)
        log.record_all(events)
        log.record_all(ensure_funds(summary, invoice.id, at=shipped_at))
    log.note(
        "Order Delivered",
        at + 72.0,
        [(summary.id, "OrderSummary", "order summary")],
        on_time=True,
    )
    return fos


def build_log() -> EventLog:
    ids = IdFactory()
    log = EventLog(START)

    # 1. one line, one warehouse
    s1 = place(ids, log, [("TEE", 2, 1999)], at=0.5)
    ship(log, s1, {"W1": {s1.items[0].id: 2}}, at=2.0)

    # 2. two lines split across a warehouse and a store
    s2 = place(ids, log, [("JEANS", 1, 5900), ("CAP", 1, 1500)], at=1.25)
    a, b = s2.items[:2]
    ship(log, s2, {"W1": {a.id: 1}, "S7": {b.id: 1}}, at=3.0)

    # 3. a cancel before allocation, then the rest ships
    s3 = place(ids, log, [("SOCKS", 3, 600), ("BELT", 1, 2500)], at=4.0)
    a, b = s3.items[:2]
    log.record_all(submit_cancel(s3, {a.id: 3}, at=5.0, shipping_reduction_flag=True))
    ship(log, s3, {"W2": {b.id: 1}}, at=6.0)

    # 4. shipped, then one unit returned with a fee
    s4 = place(ids, log, [("DRESS", 2, 8900)], at=7.0)
    (a,) = s4.items[:1]
    ship(log, s4, {"W1": {a.id: 2}}, at=8.0)
    ro, events = create_return_order(s4, [ReturnLineInput(a.id, 1, "Not Satisfied")], at=100.0)
    log.record_all(events)
    log.record_all(
        return_items(
            s4,
            ro.id,
            [ReturnItemInput(ro.lines[0].id, quantity_returned=1)],
            at=150.0,
            return_fee_cents=500,
            fee_tax_rate=TAX,
            shipping_reduction_flag=False,
        )
    )
    for summary in (s1, s2, s3, s4):
        check_invariants(summary)
    return log


@pytest.fixture(scope="module")
def exported(tmp_path_factory) -> tuple[EventLogTables, object, Path]:
    folder = tmp_path_factory.mktemp("run")
    log = build_log()
    log.write_parquet(folder)
    log.write_ocel_json(folder / "ocel.json")
    tables = EventLog.read_parquet(folder)
    ocel = pm4py.read_ocel2_json(str(folder / "ocel.json"))
    return tables, ocel, folder


def test_the_log_is_realistic(exported) -> None:
    tables, _, _ = exported
    activities = set(tables.events["activity"].astype(str))
    assert {
        "Order Summary Created",
        "Payment Authorized",
        "Order Items Canceled",
        "Fulfillment Order Created",
        "Fulfillment Order Fulfilled",
        "Parcel Shipped",
        "Invoice Created",
        "Payment Captured",
        "Order Delivered",
        "Return Order Created",
        "Return Order Items Returned",
        "Refund Processed",
    } <= activities
    assert tables.events["order_summary_id"].nunique() == 4
    assert len(tables.events) > 40
    assert (tables.event_objects.groupby("event_id").size() > 0).all()


def test_pm4py_summary_counts_match_the_parquet_tables(exported) -> None:
    tables, ocel, _ = exported
    events, relations, objects = tables.events, tables.event_objects, tables.objects
    # Every event relates to at least one object, so pm4py keeps all of them.
    assert len(ocel.events) == len(events)
    assert len(ocel.objects) == len(objects)
    # pm4py keeps one relation per (event, object): the summary is related both as the role
    # ("order summary") and as "updated" by many events.
    pairs = relations.drop_duplicates(["event_id", "object_id"])
    assert len(pairs) < len(relations)
    assert len(ocel.relations) == len(pairs)
    summary = ocel.get_summary()
    assert f"number of events: {len(events)}" in summary
    assert f"number of objects: {len(objects)}" in summary
    assert f"events-objects relationships: {len(pairs)}" in summary

    assert set(ocel.events["ocel:activity"]) == set(events["activity"].astype(str))
    assert set(ocel.objects["ocel:type"]) == set(objects["object_type"].astype(str))
    assert set(ocel.objects["ocel:oid"]) == set(objects["object_id"])
    counts = ocel.events["ocel:activity"].value_counts().sort_index()
    expected = events["activity"].astype(str).value_counts().sort_index()
    assert counts.to_dict() == expected.to_dict()


def test_pm4py_reads_times_attributes_and_qualifiers(exported) -> None:
    tables, ocel, _ = exported
    by_id = ocel.events.set_index("ocel:eid")
    ours = tables.events.set_index(tables.events["event_id"].astype(str))
    times = pd.to_datetime(by_id["ocel:timestamp"], utc=True).sort_index()
    assert (times == ours["timestamp"].sort_index()).all()
    paid = ours[ours["activity"] == "Payment Captured"].index
    assert (by_id.loc[paid, "amount_cents"] == ours.loc[paid, "amount_cents"]).all()
    shipped = ours[ours["activity"] == "Parcel Shipped"].index
    assert set(by_id.loc[shipped, "carrier"]) == {"UPS Ground"}
    assert set(ocel.relations["ocel:qualifier"]) <= set(tables.event_objects["qualifier"])


def test_pm4py_object_changes_match_the_tracked_changes(exported) -> None:
    tables, ocel, _ = exported
    changes = tables.object_changes
    # pm4py takes each attribute's first value as the object's static value, the rest as changes.
    first_values = changes.drop_duplicates(["object_id", "field"])
    assert len(ocel.object_changes) == len(changes) - len(first_values)
    statuses = ocel.objects.set_index("ocel:oid")["Status"]
    created = first_values[first_values["field"] == "Status"].set_index("object_id")["new"]
    assert statuses.loc[created.index].tolist() == [v.strip('"') for v in created]


def test_discover_ocdfg_runs(exported) -> None:
    _, ocel, _ = exported
    ocdfg = pm4py.discover_ocdfg(ocel)
    assert set(ocdfg["activities"]) == set(ocel.events["ocel:activity"])
    assert "OrderSummary" in ocdfg["object_types"]
    flat = pm4py.ocel_flattening(ocel, "FulfillmentOrder")
    assert len(flat) > 0


# --- streamed exports of a simulated run folder, JSON and SQLite ------------------------------

TABLES = ("events", "event_objects", "objects", "object_changes")


@pytest.fixture(scope="module")
def run_folder(tmp_path_factory) -> Path:
    from omsim.runfolder import write_run_folder
    from omsim.scenario import load_scenario
    from omsim.sim.run import run

    scenario = load_scenario("tutorial", horizon_days=2)
    return write_run_folder(run(scenario), tmp_path_factory.mktemp("sim") / "run")


@pytest.fixture(scope="module")
def parquet(run_folder) -> dict[str, pd.DataFrame]:
    return {stem: pd.read_parquet(run_folder / f"{stem}.parquet") for stem in TABLES}


@pytest.fixture(scope="module")
def both(run_folder) -> dict[str, Any]:
    """Each format written into the run folder and read back by pm4py."""
    json_path, sqlite_path = write_ocel(run_folder, "json"), write_ocel(run_folder, "sqlite")
    return {
        "json": pm4py.read_ocel2_json(str(json_path)),
        "sqlite": pm4py.read_ocel2_sqlite(str(sqlite_path)),
        "paths": {"json": json_path, "sqlite": sqlite_path},
    }


def plain(value: Any) -> Any:
    """A cell as comparable Python: missing -> None, booleans and whole floats -> int."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    if isinstance(value, bool | np.bool_ | np.integer):
        return int(value)
    if isinstance(value, float | np.floating) and float(value).is_integer():
        return int(value)
    return value


def cells(frame: pd.DataFrame, keys: list[str]) -> set[tuple]:
    """(keys..., attribute, value) of every present attribute value of a pm4py table."""
    attributes = [c for c in frame.columns if not c.startswith(("ocel:", "@@"))]
    return {
        (*(row[k] for k in keys), a, plain(row[a]))
        for row in frame.to_dict("records")
        for a in attributes
        if plain(row[a]) is not None
    }


def changes(frame: pd.DataFrame) -> set[tuple]:
    """(object, field, time, new value) of every object change pm4py read."""
    return {
        (row["ocel:oid"], row["ocel:field"], row["ocel:timestamp"], plain(row[row["ocel:field"]]))
        for row in frame.to_dict("records")
    }


@pytest.mark.parametrize("fmt", ["json", "sqlite"])
def test_streamed_exports_match_the_parquet_tables(fmt, both, parquet) -> None:
    ocel = both[fmt]
    events, relations = parquet["events"], parquet["event_objects"]
    related = relations["event_id"].unique()  # pm4py drops events with no object
    assert len(ocel.events) == len(related) == len(events)
    assert len(ocel.objects) == len(parquet["objects"])
    # JSON keeps one relation per (event, object), SQLite one per (event, object, qualifier)
    key = ["event_id", "object_id"] + (["qualifier"] if fmt == "sqlite" else [])
    assert len(ocel.relations) == len(relations.drop_duplicates(key))
    # an object's first value of each field is its static value, the later ones its changes
    tracked = parquet["object_changes"]
    assert len(ocel.object_changes) == len(tracked) - len(
        tracked.drop_duplicates(["object_id", "field"])
    )
    counts = ocel.events["ocel:activity"].value_counts().sort_index().to_dict()
    assert counts == events["activity"].astype(str).value_counts().sort_index().to_dict()


@pytest.mark.parametrize("fmt", ["json", "sqlite"])
def test_streamed_exports_carry_the_logged_values(fmt, both, parquet) -> None:
    ocel, events = both[fmt], parquet["events"]
    by_id = ocel.events.set_index("ocel:eid")
    ours = events.set_index(events["event_id"].astype(str))
    times = pd.to_datetime(by_id["ocel:timestamp"], utc=True).sort_index()
    assert (times == ours["timestamp"].sort_index()).all()
    paid = ours.index[ours["activity"] == "Payment Captured"]
    assert len(paid) > 0
    assert (by_id.loc[paid, "amount_cents"] == ours.loc[paid, "amount_cents"]).all()
    tracked = parquet["object_changes"]
    created = tracked[tracked["field"] == "Status"].drop_duplicates("object_id")
    statuses = ocel.objects.set_index("ocel:oid")["Status"]
    assert statuses.loc[created["object_id"]].tolist() == [json.loads(v) for v in created["new"]]
    later = tracked[tracked.duplicated(["object_id", "field"])]  # not a field's first value
    for change in later.tail(5).to_dict("records"):
        at = ours.loc[str(change["event_id"]), "timestamp"]
        assert (change["object_id"], change["field"], at, plain(json.loads(change["new"]))) in (
            changes(ocel.object_changes)
        )


def test_json_and_sqlite_hold_the_same_log(both) -> None:
    from_json, from_sqlite = both["json"], both["sqlite"]
    keys = ["ocel:eid", "ocel:activity", "ocel:timestamp"]
    assert cells(from_json.events, keys) == cells(from_sqlite.events, keys)
    assert cells(from_json.objects, ["ocel:oid", "ocel:type"]) == cells(
        from_sqlite.objects, ["ocel:oid", "ocel:type"]
    )
    assert changes(from_json.object_changes) == changes(from_sqlite.object_changes)
    triples = ["ocel:eid", "ocel:oid", "ocel:qualifier"]
    assert set(from_json.relations[triples].itertuples(index=False)) <= set(
        from_sqlite.relations[triples].itertuples(index=False)
    )
    assert both["paths"]["sqlite"].stat().st_size < both["paths"]["json"].stat().st_size


def test_sqlite_export_has_the_standard_layout(both, parquet) -> None:
    from pm4py.objects.ocel.validation import ocel20_rel_validation

    path = str(both["paths"]["sqlite"])
    satisfied, unsatisfied = ocel20_rel_validation.apply(path)
    assert unsatisfied == [] and len(satisfied) == 24
    with closing(sqlite3.connect(path)) as conn:
        maps = dict(conn.execute("SELECT ocel_type, ocel_type_map FROM event_map_type"))
        assert maps["Order Summary Created"] == "OrderSummaryCreated"
        count = conn.execute("SELECT count(*) FROM event").fetchone()[0]
        assert count == len(parquet["events"])
        created = conn.execute(
            "SELECT amount_cents, ocel_time FROM event_OrderSummaryCreated ORDER BY ocel_time"
        ).fetchone()
        first = parquet["events"].query("activity == 'Order Summary Created'").iloc[0]
        assert created == (first["amount_cents"], f"{first['timestamp']:%Y-%m-%dT%H:%M:%S.%f}Z")
        initial = conn.execute(
            "SELECT count(*) FROM object_OrderSummary WHERE ocel_changed_field IS NULL"
        ).fetchone()[0]
        assert initial == (parquet["objects"]["object_type"] == "OrderSummary").sum()


def test_write_ocel_names_the_file_and_refuses_other_formats(run_folder, both) -> None:
    assert both["paths"] == {"json": run_folder / "ocel.json", "sqlite": run_folder / "ocel.sqlite"}
    with pytest.raises(ValueError, match="'xml': choose 'json' or 'sqlite'"):
        write_ocel(run_folder, "xml")


def test_many_row_groups_and_small_buckets_give_the_same_exports(
    run_folder, both, tmp_path, monkeypatch
) -> None:
    folder = tmp_path / "grouped"
    folder.mkdir()
    for stem in TABLES:
        pq.write_table(
            pq.read_table(run_folder / f"{stem}.parquet"),
            folder / f"{stem}.parquet",
            row_group_size=37,
        )
        assert pq.ParquetFile(folder / f"{stem}.parquet").metadata.num_row_groups > 10
    monkeypatch.setattr(ocel_source, "BATCH_ROWS", 50)
    monkeypatch.setattr(ocel_objects, "SPILL_BATCH_ROWS", 120)
    monkeypatch.setattr(ocel_objects, "BUCKET_ROWS", 400)  # ~11 buckets
    monkeypatch.setattr(ocel_objects, "PART_OBJECTS", 30)
    monkeypatch.setattr(ocel_json, "MEMBERS_PER_WRITE", 25)

    streamed = json.loads(write_ocel_json(folder, tmp_path / "o.json").read_text("utf-8"))
    whole = json.loads(both["paths"]["json"].read_text("utf-8"))
    for key in ("objectTypes", "eventTypes", "events"):
        assert streamed[key] == whole[key]
    # objects come bucket by bucket, so their order differs; their content does not
    assert streamed["objects"] != whole["objects"]
    assert sorted(streamed["objects"], key=lambda o: o["id"]) == sorted(
        whole["objects"], key=lambda o: o["id"]
    )

    path = write_ocel_sqlite(folder, tmp_path / "o.sqlite")
    assert sqlite_rows(path) == sqlite_rows(both["paths"]["sqlite"])


def sqlite_rows(path: Path) -> dict[str, list[tuple]]:
    """Every table's rows, sorted: the content of an SQLite file regardless of insertion order."""
    with closing(sqlite3.connect(path)) as conn:
        names = [n for (n,) in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")]
        return {n: sorted(conn.execute(f'SELECT * FROM "{n}"'), key=repr) for n in names}


# --- hand-written tables: types, missing values, escapes, order ---------------------------------

START_NS = 1_732_867_200_000_000_000  # 2024-11-29T08:00:00Z


def write_tables(folder: Path, events, relations, objects, changes, row_group_size=2) -> Path:
    """A run folder from rows: ``(event_id, hours, activity, attrs)``, ``(event_id, object_id,
    qualifier)``, ``(object_id, type)``, ``(event_id, object_id, type, field, new)``."""
    category = pa.dictionary(pa.int32(), pa.string())
    hours = {e[0]: e[1] for e in events}
    tables = {
        "events": {
            "event_id": pa.array([e[0] for e in events], pa.int64()),
            "time_hours": pa.array([e[1] for e in events], pa.float64()),
            "timestamp": pa.array(
                [START_NS + int(e[1] * 3_600_000_000_000) for e in events],
                pa.timestamp("ns", tz="UTC"),
            ),
            "activity": pa.array([e[2] for e in events]).cast(category),
            "order_summary_id": pa.nulls(len(events), pa.string()),
            "amount_cents": pa.array([e[3].get("amount_cents") for e in events], pa.int64()),
            "location_id": pa.nulls(len(events), pa.string()),
            "attributes": pa.array([json.dumps(e[3], sort_keys=True) for e in events]),
        },
        "event_objects": {
            "event_id": pa.array([r[0] for r in relations], pa.int64()),
            "object_id": pa.array([r[1] for r in relations]),
            "object_type": pa.array([dict(objects)[r[1]] for r in relations]).cast(category),
            "qualifier": pa.array([r[2] for r in relations]).cast(category),
        },
        "objects": {
            "object_id": pa.array([o[0] for o in objects]),
            "object_type": pa.array([o[1] for o in objects]).cast(category),
            "first_seen_hours": pa.array([0.0] * len(objects)),
        },
        "object_changes": {
            "event_id": pa.array([c[0] for c in changes], pa.int64()),
            "time_hours": pa.array([hours[c[0]] for c in changes], pa.float64()),
            "object_id": pa.array([c[1] for c in changes]),
            "object_type": pa.array([c[2] for c in changes]).cast(category),
            "field": pa.array([c[3] for c in changes]).cast(category),
            "old": pa.nulls(len(changes), pa.string()),
            "new": pa.array([c[4] for c in changes]),
            "new_number": pa.array([math.nan] * len(changes)),
        },
    }
    folder.mkdir(parents=True, exist_ok=True)
    for stem, columns in tables.items():
        pq.write_table(pa.table(columns), folder / f"{stem}.parquet", row_group_size=row_group_size)
    return folder


NOTE = 'NOTE-"a"'  # an id JSON must escape


@pytest.fixture
def mixed_folder(tmp_path) -> Path:
    events = [
        (
            0,
            0.5,
            "Weighed",
            {"kg": 2, "code": 7, "flag": True, "cartons": [1, 2], "ratio": math.nan},
        ),
        (1, 1.5, "Weighed", {"kg": 2.5, "code": "X7"}),
        (2, 2.0, "Noted", {}),
        (3, 3.25, "Noted", {"note": "café"}),
    ]
    relations = [(0, "FO-1", "weighed"), (1, "FO-1", "weighed"), (2, "FO-1", "noted")]
    relations += [(2, "FO-1", "updated"), (3, NOTE, "created"), (3, "LOC-1", "at")]
    objects = [("FO-1", "FulfillmentOrder"), ("FO-2", "FulfillmentOrder")]
    objects += [("LOC-1", "Location"), (NOTE, "Note")]
    changes = [
        (0, "FO-1", "FulfillmentOrder", "Status", '"Allocated"'),
        (0, "FO-1", "FulfillmentOrder", "Quantity", "2"),
        (1, "FO-1", "FulfillmentOrder", "Quantity", "2.5"),
        (1, "FO-1", "FulfillmentOrder", "Status", '"Fulfilled"'),
        (3, NOTE, "Note", "Flag", "true"),
        (3, NOTE, "Note", "Mixed", "1"),
        (3, NOTE, "Note", "Mixed", '"x"'),
    ]
    return write_tables(tmp_path / "mixed", events, relations, objects, changes)


def test_json_export_types_attributes_by_their_values(mixed_folder, monkeypatch) -> None:
    monkeypatch.setattr(ocel_source, "BATCH_ROWS", 3)
    doc = json.loads(write_ocel_json(mixed_folder, mixed_folder / "o.json").read_text("utf-8"))
    declared = {
        t["name"]: {a["name"]: a["type"] for a in t["attributes"]}
        for t in doc["objectTypes"] + doc["eventTypes"]
    }
    assert declared == {
        "FulfillmentOrder": {"Quantity": "float", "Status": "string"},
        "Location": {},
        "Note": {"Flag": "boolean", "Mixed": "string"},
        "Noted": {"note": "string"},
        "Weighed": {"code": "string", "flag": "boolean", "kg": "float"},
    }
    first = doc["events"][0]
    assert first["time"] == "2024-11-29T08:30:00.000000Z"
    assert first["attributes"] == [
        {"name": "code", "value": "7"},
        {"name": "flag", "value": True},
        {"name": "kg", "value": 2.0},
    ]
    assert [r["qualifier"] for r in doc["events"][2]["relationships"]] == ["noted", "updated"]
    objects = {o["id"]: o for o in doc["objects"]}
    assert [(a["name"], a["value"]) for a in objects["FO-1"]["attributes"]] == [
        ("Status", "Allocated"),
        ("Quantity", 2.0),
        ("Quantity", 2.5),
        ("Status", "Fulfilled"),
    ]
    assert [a["value"] for a in objects[NOTE]["attributes"]] == [True, "1", "x"]
    assert objects["FO-2"]["attributes"] == []


def test_sqlite_export_types_columns_and_keeps_initial_values(mixed_folder) -> None:
    path = write_ocel_sqlite(mixed_folder, mixed_folder / "o.sqlite")
    with closing(sqlite3.connect(path)) as conn:
        columns = {row[1]: row[2] for row in conn.execute("PRAGMA table_info(event_Weighed)")}
        assert columns == {
            "ocel_id": "TEXT",
            "ocel_time": "TIMESTAMP",
            "code": "TEXT",
            "flag": "BOOLEAN",
            "kg": "REAL",
        }
        weighed = conn.execute("SELECT * FROM event_Weighed ORDER BY ocel_id").fetchall()
        assert weighed == [
            ("0", "2024-11-29T08:30:00.000000Z", "7", 1, 2.0),
            ("1", "2024-11-29T09:30:00.000000Z", "X7", None, 2.5),
        ]
        orders = conn.execute("SELECT * FROM object_FulfillmentOrder ORDER BY rowid").fetchall()
        assert orders == [
            ("FO-1", "1970-01-01T00:00:00.000000Z", None, 2.0, "Allocated"),
            ("FO-2", "1970-01-01T00:00:00.000000Z", None, None, None),
            ("FO-1", "2024-11-29T09:30:00.000000Z", "Quantity", 2.5, None),
            ("FO-1", "2024-11-29T09:30:00.000000Z", "Status", None, "Fulfilled"),
        ]
        assert conn.execute("SELECT count(*) FROM event_object").fetchone() == (6,)
    ocel = pm4py.read_ocel2_sqlite(str(path))
    assert set(ocel.objects["ocel:oid"]) == {"FO-1", NOTE, "LOC-1"}  # FO-2 has no event
    assert set(ocel.events.set_index("ocel:eid")["note"].dropna()) == {"café"}


def test_events_out_of_event_id_order_are_refused(tmp_path) -> None:
    events = [(1, 0.5, "Noted", {}), (0, 1.0, "Noted", {})]
    folder = write_tables(tmp_path / "unordered", events, [], [], [])
    with pytest.raises(ValueError, match=r"events\.parquet is not in increasing event_id order"):
        write_ocel_json(folder, tmp_path / "o.json")
    assert not (tmp_path / "o.json").exists() and not (tmp_path / "o.json.partial").exists()
