"""The columnar, object-centric event log: tables from hand-made events, files, OCEL JSON."""

from __future__ import annotations

import datetime
import hashlib
import json
import math
from decimal import Decimal
from pathlib import Path

import pandas as pd
import pytest

from omsim.domain import DomainEvent, FieldChange, ItemStatus, Related
from omsim.eventlog import TRACKED_FIELDS, EventLog, EventLogTables, default_tracked_field

START = datetime.datetime(2024, 11, 29, 8, 0, tzinfo=datetime.UTC)
OS, OIS, PAY, FO = "OS-000001", "OIS-000001", "PAY-000001", "FO-000001"


def summary_created() -> DomainEvent:
    return DomainEvent(
        "Order Summary Created",
        0.5,
        objects=(
            Related(OS, "OrderSummary", "created"),
            Related("ORD-000001", "Order", "original order"),
            Related(OIS, "OrderItemSummary", "created"),
        ),
        changes=(
            FieldChange(OS, "OrderSummary", "OrderNumber", None, "00000001"),  # not tracked
            FieldChange(OS, "OrderSummary", "Status", None, "Created"),
            FieldChange(OS, "OrderSummary", "GrandTotalAmount", None, 8494),
            FieldChange(OS, "OrderSummary", "IsSuspended", None, False),
            FieldChange(OIS, "OrderItemSummary", "Status", None, ItemStatus.ORDERED),
            FieldChange(OIS, "OrderItemSummary", "QuantityOrdered", None, 2),
            FieldChange(OIS, "OrderItemSummary", "TaxRate", None, Decimal("0.0825")),
        ),
        attributes={"life_cycle_type": "MANAGED"},
    )


def payment_captured() -> DomainEvent:
    return DomainEvent(
        "Payment Captured",
        5.25,
        objects=(
            Related(OS, "OrderSummary", "order summary"),
            Related(PAY, "Payment", "created"),
            Related(OS, "OrderSummary", "updated"),
        ),
        changes=(
            FieldChange(PAY, "Payment", "Amount", None, 5011),
            FieldChange(OS, "OrderSummary", "Status", "Created", "Waiting to Fulfill"),
        ),
        attributes={"amount_cents": 5011, "method": "Visa"},
    )


def build(start: datetime.datetime = START) -> EventLog:
    log = EventLog(start)
    assert log.record(summary_created()) == 0
    assert log.note("Checkout Declined", 0.75, reason="card expired", attempt=2) == 1
    log.record_all([payment_captured()])
    shipped = log.note(
        "Parcel Shipped",
        30.0,
        [(FO, "FulfillmentOrder", "fulfillment order"), (OS, "OrderSummary", "order")],
        location_id="W1",
        weight_kg=1.5,
        cartons=[1, 2],
    )
    assert shipped == 3
    return log


# --- filter ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "field",
    [
        "Status",
        "StatusCategory",
        "PaymentStatus",
        "QuantityAllocated",
        "RejectedQuantity",
        "GrandTotalAmount",
        "Balance",
        "Captured",
        "RoutingAttempts",
    ],
)
def test_tracked_fields(field: str) -> None:
    assert default_tracked_field(field)


@pytest.mark.parametrize(
    "field", ["Id", "OrderNumber", "OrderSummaryId", "TaxRate", "CreatedAt", "StatusPicklist"]
)
def test_untracked_fields(field: str) -> None:
    assert not default_tracked_field(field)


def test_tracked_money_fields_are_api_names_without_cents() -> None:
    assert not any(name.endswith("Cents") for name in TRACKED_FIELDS)


# --- tables ---------------------------------------------------------------------------------


def test_events_table() -> None:
    log = build()
    events = log.events()
    assert len(log) == len(events) == 4
    assert list(events.columns) == [
        "event_id",
        "time_hours",
        "timestamp",
        "activity",
        "order_summary_id",
        "amount_cents",
        "location_id",
        "attributes",
    ]
    assert [str(t) for t in events.dtypes] == [
        "int64",
        "float64",
        "datetime64[ns, UTC]",
        "category",
        "string",
        "Int64",
        "string",
        "string",
    ]
    assert events["event_id"].tolist() == [0, 1, 2, 3]
    assert events["time_hours"].tolist() == [0.5, 0.75, 5.25, 30.0]
    assert events["timestamp"].tolist() == [
        pd.Timestamp("2024-11-29 08:30", tz="UTC"),
        pd.Timestamp("2024-11-29 08:45", tz="UTC"),
        pd.Timestamp("2024-11-29 13:15", tz="UTC"),
        pd.Timestamp("2024-11-30 14:00", tz="UTC"),
    ]
    assert events["activity"].astype(str).tolist() == [
        "Order Summary Created",
        "Checkout Declined",
        "Payment Captured",
        "Parcel Shipped",
    ]
    assert events["order_summary_id"].tolist() == [OS, pd.NA, OS, OS]
    assert events["amount_cents"].tolist() == [pd.NA, pd.NA, 5011, pd.NA]
    assert events["location_id"].tolist() == [pd.NA, pd.NA, pd.NA, "W1"]
    assert events["attributes"].tolist() == [
        '{"life_cycle_type": "MANAGED"}',
        '{"attempt": 2, "reason": "card expired"}',  # keys sorted
        '{"amount_cents": 5011, "method": "Visa"}',
        '{"cartons": [1, 2], "location_id": "W1", "weight_kg": 1.5}',
    ]


def test_timestamps_naive_start_is_utc_and_aware_start_is_converted() -> None:
    naive = build(datetime.datetime(2024, 11, 29, 8, 0)).events()["timestamp"]
    eastern = datetime.timezone(datetime.timedelta(hours=-5))
    aware = build(datetime.datetime(2024, 11, 29, 3, 0, tzinfo=eastern)).events()["timestamp"]
    assert naive.equals(build().events()["timestamp"])
    assert aware.equals(build().events()["timestamp"])


def test_timestamps_are_rounded_to_the_microsecond() -> None:
    log = EventLog(START)
    log.note("Tick", 1 / 3)
    assert log.events()["timestamp"][0] == pd.Timestamp("2024-11-29 08:20", tz="UTC")


def test_event_objects_keep_every_qualifier() -> None:
    rel = build().event_objects()
    assert list(rel.columns) == ["event_id", "object_id", "object_type", "qualifier"]
    assert [str(t) for t in rel.dtypes] == ["int64", "string", "category", "category"]
    rows = [tuple(r) for r in rel.astype(str).to_numpy()]
    assert rows == [
        ("0", OS, "OrderSummary", "created"),
        ("0", "ORD-000001", "Order", "original order"),
        ("0", OIS, "OrderItemSummary", "created"),
        ("2", OS, "OrderSummary", "order summary"),
        ("2", PAY, "Payment", "created"),
        ("2", OS, "OrderSummary", "updated"),
        ("3", FO, "FulfillmentOrder", "fulfillment order"),
        ("3", OS, "OrderSummary", "order"),
    ]


def test_objects_one_row_each_in_order_of_first_appearance() -> None:
    objects = build().objects()
    assert list(objects.columns) == ["object_id", "object_type", "first_seen_hours"]
    assert [str(t) for t in objects.dtypes] == ["string", "category", "float64"]
    assert objects["object_id"].tolist() == [OS, "ORD-000001", OIS, PAY, FO]
    assert objects["object_type"].astype(str).tolist() == [
        "OrderSummary",
        "Order",
        "OrderItemSummary",
        "Payment",
        "FulfillmentOrder",
    ]
    assert objects["first_seen_hours"].tolist() == [0.5, 0.5, 0.5, 5.25, 30.0]


def test_an_object_only_changed_is_still_an_object() -> None:
    log = EventLog(START)
    log.record(
        DomainEvent("Balance Moved", 2.0, (), (FieldChange("INV-1", "Invoice", "Balance", 5, 0),))
    )
    assert log.objects().to_numpy().tolist() == [["INV-1", "Invoice", 2.0]]


def test_object_changes_keep_tracked_fields_json_encoded() -> None:
    changes = build().object_changes()
    assert list(changes.columns) == [
        "event_id",
        "time_hours",
        "object_id",
        "object_type",
        "field",
        "old",
        "new",
        "new_number",
    ]
    assert [str(t) for t in changes.dtypes] == [
        "int64",
        "float64",
        "string",
        "category",
        "category",
        "string",
        "string",
        "float64",
    ]
    rows = changes.drop(columns="new_number").astype(object).where(changes.notna(), None)
    assert [tuple(r) for r in rows.to_numpy()] == [
        (0, 0.5, OS, "OrderSummary", "Status", None, '"Created"'),
        (0, 0.5, OS, "OrderSummary", "GrandTotalAmount", None, "8494"),
        (0, 0.5, OS, "OrderSummary", "IsSuspended", None, "false"),
        (0, 0.5, OIS, "OrderItemSummary", "Status", None, '"ORDERED"'),
        (0, 0.5, OIS, "OrderItemSummary", "QuantityOrdered", None, "2"),
        (2, 5.25, PAY, "Payment", "Amount", None, "5011"),
        (2, 5.25, OS, "OrderSummary", "Status", '"Created"', '"Waiting to Fulfill"'),
    ]
    numbers = changes["new_number"].tolist()
    assert [n for n in numbers if not math.isnan(n)] == [8494.0, 2.0, 5011.0]
    assert math.isnan(numbers[2])  # a bool is not a number


def test_custom_filter_and_values_json_can_not_hold_natively() -> None:
    log = EventLog(START, tracked_fields=lambda field: field in {"TaxRate", "Lines"})
    rate = Decimal("0.0825")
    lines = ["A", "B"]
    log.record(
        DomainEvent(
            "Rate Set",
            1.0,
            (Related(OIS, "OrderItemSummary", "updated"),),
            (
                FieldChange(OIS, "OrderItemSummary", "TaxRate", None, rate),
                FieldChange(OIS, "OrderItemSummary", "Lines", None, lines),
                FieldChange(OIS, "OrderItemSummary", "Status", None, "ORDERED"),
            ),
        )
    )
    lines.append("C")  # a value changed after it was appended does not change the log
    changes = log.object_changes()
    assert changes["new"].tolist() == ['"0.0825"', '["A", "B"]']
    assert changes["new_number"].isna().all()


def test_no_domain_objects_are_kept() -> None:
    log = build()
    kept = [v for value in vars(log).values() if isinstance(value, list) for v in value]
    assert kept
    assert all(v is None or isinstance(v, str | int | float) for v in kept)


def test_an_attribute_that_cannot_be_encoded_appends_nothing() -> None:
    log = build()
    loop: list = []
    loop.append(loop)
    with pytest.raises(ValueError, match="Circular"):
        log.note("Broken", 40.0, [(OS, "OrderSummary", "order summary")], bad=loop)
    assert len(log) == 4
    assert len(log.event_objects()) == 8


def test_empty_log_has_the_same_columns_and_dtypes(tmp_path: Path) -> None:
    empty, full = EventLog(START).tables(), build().tables()
    for name, table in empty.as_dict().items():
        assert len(table) == 0
        assert list(table.columns) == list(full.as_dict()[name].columns)
        assert [t.name for t in table.dtypes] == [t.name for t in full.as_dict()[name].dtypes]
    EventLog(START).write_parquet(tmp_path)
    assert len(EventLog.read_parquet(tmp_path).events) == 0


# --- files ----------------------------------------------------------------------------------


def digests(folder: Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.iterdir())}


def test_identical_appends_give_byte_identical_files(tmp_path: Path) -> None:
    for name in ("a", "b"):
        log = build()
        log.write_parquet(tmp_path / name)
        log.write_ocel_json(tmp_path / name / "ocel.json")
    first = digests(tmp_path / "a")
    assert set(first) == {
        "events.parquet",
        "event_objects.parquet",
        "objects.parquet",
        "object_changes.parquet",
        "ocel.json",
    }
    assert first == digests(tmp_path / "b")


def test_read_parquet_gives_the_tables_back(tmp_path: Path) -> None:
    log = build()
    log.write_parquet(tmp_path)
    back = EventLog.read_parquet(tmp_path)
    assert isinstance(back, EventLogTables)
    for name, table in log.tables().as_dict().items():
        pd.testing.assert_frame_equal(getattr(back, name), table)
    # OCEL from a saved run folder is the same file as from the live log
    back.write_ocel_json(tmp_path / "saved.json")
    log.write_ocel_json(tmp_path / "live.json")
    assert (tmp_path / "saved.json").read_bytes() == (tmp_path / "live.json").read_bytes()


def test_ocel_json_structure(tmp_path: Path) -> None:
    build().write_ocel_json(tmp_path / "ocel.json")
    doc = json.loads((tmp_path / "ocel.json").read_text(encoding="utf-8"))
    assert list(doc) == ["objectTypes", "eventTypes", "objects", "events"]
    assert [t["name"] for t in doc["objectTypes"]] == [
        "FulfillmentOrder",
        "Order",
        "OrderItemSummary",
        "OrderSummary",
        "Payment",
    ]
    types = {t["name"]: {a["name"]: a["type"] for a in t["attributes"]} for t in doc["objectTypes"]}
    assert types["OrderSummary"] == {
        "GrandTotalAmount": "integer",
        "IsSuspended": "boolean",
        "Status": "string",
    }
    assert types["FulfillmentOrder"] == {}
    event_types = {
        t["name"]: {a["name"]: a["type"] for a in t["attributes"]} for t in doc["eventTypes"]
    }
    # scalar attributes only: the list of cartons is left out
    assert event_types["Parcel Shipped"] == {"location_id": "string", "weight_kg": "float"}
    assert event_types["Checkout Declined"] == {"attempt": "integer", "reason": "string"}

    summary = next(o for o in doc["objects"] if o["id"] == OS)
    assert summary["type"] == "OrderSummary"
    assert summary["relationships"] == []
    assert [(a["name"], a["time"], a["value"]) for a in summary["attributes"]] == [
        ("Status", "2024-11-29T08:30:00.000000Z", "Created"),
        ("GrandTotalAmount", "2024-11-29T08:30:00.000000Z", 8494),
        ("IsSuspended", "2024-11-29T08:30:00.000000Z", False),
        ("Status", "2024-11-29T13:15:00.000000Z", "Waiting to Fulfill"),
    ]
    assert [e["id"] for e in doc["events"]] == ["0", "1", "2", "3"]
    captured = doc["events"][2]
    assert captured == {
        "id": "2",
        "type": "Payment Captured",
        "time": "2024-11-29T13:15:00.000000Z",
        "attributes": [
            {"name": "amount_cents", "value": 5011},
            {"name": "method", "value": "Visa"},
        ],
        "relationships": [
            {"objectId": OS, "qualifier": "order summary"},
            {"objectId": PAY, "qualifier": "created"},
            {"objectId": OS, "qualifier": "updated"},
        ],
    }
    assert doc["events"][1]["relationships"] == []


def test_ocel_json_mixed_attribute_types() -> None:
    from omsim.eventlog_ocel import ocel_type

    assert ocel_type([1, 2.5]) == "float"
    assert ocel_type(["x", True]) == "string"


def test_ocel_json_mixed_values_are_written_as_declared(tmp_path: Path) -> None:
    log = EventLog(START)
    log.note("Weighed", 1.0, [(FO, "FulfillmentOrder", "fulfillment order")], kg=2, code=7)
    log.note("Weighed", 2.0, [(FO, "FulfillmentOrder", "fulfillment order")], kg=2.5, code="X")
    log.note("Weighed", 3.0, [(FO, "FulfillmentOrder", "fulfillment order")], kg=math.nan)
    log.write_ocel_json(tmp_path / "ocel.json")
    doc = json.loads((tmp_path / "ocel.json").read_text(encoding="utf-8"))
    assert doc["eventTypes"] == [
        {
            "name": "Weighed",
            "attributes": [{"name": "code", "type": "string"}, {"name": "kg", "type": "float"}],
        }
    ]
    values = [{a["name"]: a["value"] for a in e["attributes"]} for e in doc["events"]]
    assert values == [{"code": "7", "kg": 2.0}, {"code": "X", "kg": 2.5}, {}]
