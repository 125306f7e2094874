"""Record tables: every object's table exists with its schema, instants as an org exports them."""

from __future__ import annotations

import dataclasses
import datetime
import typing

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from omsim.domain import OrderSummary
from omsim.recordtables import RECORD_TYPES, STATE_TABLE, RecordTables, _layout, records_of

START = datetime.datetime(2026, 11, 27, 22, 30)  # naive: UTC
ALL_TABLES = sorted([t.__name__ for t in RECORD_TYPES] + [STATE_TABLE])


def _reachable(record_type: type) -> set[type]:
    """Every record class reachable from ``record_type`` through its fields' type hints."""
    found: set[type] = set()
    todo = [record_type]
    while todo:
        current = todo.pop()
        if current in found:
            continue
        found.add(current)
        hints = typing.get_type_hints(current)
        for f in dataclasses.fields(current):
            for hint in (hints[f.name], *typing.get_args(hints[f.name])):
                for kind in (hint, *typing.get_args(hint)):
                    if isinstance(kind, type) and dataclasses.is_dataclass(kind):
                        todo.append(kind)
    return found


def test_record_types_are_every_record_an_order_summary_holds() -> None:
    # Invoice and credit memo lines are not exported (no rows of their own yet)
    held = {t.__name__ for t in _reachable(OrderSummary)} - {"BillingLine"}
    assert held == {t.__name__ for t in RECORD_TYPES}


def test_records_of_yields_only_known_record_types(make_summary) -> None:
    kinds = {type(r) for r in records_of(make_summary())}
    assert kinds <= set(RECORD_TYPES)
    assert {"OrderSummary", "Order", "PaymentAuthorization"} <= {k.__name__ for k in kinds}


def test_a_run_without_orders_still_has_every_table_in_memory() -> None:
    tables = RecordTables(start=START).arrow()
    assert sorted(tables) == ALL_TABLES
    assert all(t.num_rows == 0 for t in tables.values())
    assert "Amount" in tables["Refund"].schema.names
    assert tables["Refund"].schema.field("Date").type == pa.timestamp("ns", tz="UTC")


@pytest.mark.parametrize("streamed", [True, False])
def test_empty_tables_are_written_with_their_schema(make_summary, tmp_path, streamed) -> None:
    folder = tmp_path / "records"
    tables = RecordTables(folder if streamed else None, rows_per_group=1, start=START)
    tables.add(make_summary(), "Completed")  # no refunds, returns, credit memos or exceptions
    if streamed:
        tables.close()
    else:
        tables.write(folder)
    assert sorted(p.stem for p in folder.iterdir()) == ALL_TABLES
    refunds = pq.read_table(folder / "Refund.parquet")
    assert refunds.num_rows == 0
    assert refunds.schema.names == [
        "Id",
        "OrderPaymentSummaryId",
        "PaymentId",
        "Amount",
        "Date",
        "RefundedAtHours",
        "SourceId",
        "Type",
        "Status",
    ]
    assert pq.read_table(folder / "OrderSummary.parquet").num_rows == 1
    assert pd.read_parquet(folder / "ReturnOrder.parquet").empty


def test_instants_are_utc_datetimes_under_salesforce_names_beside_their_hours(
    make_summary,
) -> None:
    tables = RecordTables(start=START)
    tables.add(make_summary(valid_hours=168), "Completed")  # authorized at hour 0 for 7 days
    frames = {name: t.to_pandas() for name, t in tables.arrow().items()}
    start = pd.Timestamp("2026-11-27 22:30", tz="UTC")

    summary = frames["OrderSummary"].iloc[0]
    assert summary["OrderedDate"] == start and summary["OrderedAtHours"] == 0.0

    auth = frames["PaymentAuthorization"].iloc[0]
    assert auth["Date"] == start and auth["AuthorizedAtHours"] == 0.0
    assert auth["ExpirationDate"] == pd.Timestamp("2026-12-04 22:30", tz="UTC")
    assert auth["ExpiresAtHours"] == 168.0

    order = frames["Order"].iloc[0]
    assert order["OrderedDate"] == order["ActivatedDate"] == start
    assert order["EffectiveDate"] == datetime.date(2026, 11, 27)  # a Salesforce date: the UTC day
    assert "ActivatedAt" not in frames["Order"].columns

    schema = tables.arrow()["Invoice"].schema
    assert schema.field("InvoiceDate").type == pa.date32()
    assert schema.field("CreatedDate").type == pa.timestamp("ns", tz="UTC")
    assert schema.field("InvoiceDateHours").type == pa.float64()


def test_a_missing_instant_is_null_in_both_columns(make_summary) -> None:
    tables = RecordTables(start=START)
    tables.add(make_summary(valid_hours=None), "Completed")  # never expires
    auth = tables.arrow()["PaymentAuthorization"].to_pandas().iloc[0]
    assert pd.isna(auth["ExpirationDate"]) and pd.isna(auth["ExpiresAtHours"])


def test_an_aware_start_is_converted_to_utc(make_summary) -> None:
    paris = datetime.timezone(datetime.timedelta(hours=1))
    tables = RecordTables(start=datetime.datetime(2026, 11, 27, 23, 30, tzinfo=paris))
    tables.add(make_summary(), "Completed")
    ordered = tables.arrow()["OrderSummary"].column("OrderedDate")[0].as_py()
    assert ordered == datetime.datetime(2026, 11, 27, 22, 30, tzinfo=datetime.UTC)


def test_without_a_start_only_the_hours_are_written(make_summary) -> None:
    tables = RecordTables()
    tables.add(make_summary(), "Completed")
    names = tables.arrow()["PaymentAuthorization"].schema.names
    assert "AuthorizedAtHours" in names and "ExpiresAtHours" in names
    assert "Date" not in names and "ExpirationDate" not in names


@dataclasses.dataclass
class _Shipment:
    id: str
    shipped_at: float
    due_date: float | None = None
    weight: float = 0.0  # a float that is not an instant


def test_an_instant_not_in_the_mapping_is_named_like_salesforce_dates() -> None:
    _, _, schema = _layout(_Shipment, 0)
    assert schema.names == [
        "Id",
        "ShippedDate",
        "ShippedAtHours",
        "DueDate",
        "DueDateHours",
        "Weight",
    ]


def test_rows_added_after_closing_are_refused_not_lost(make_summary, tmp_path) -> None:
    tables = RecordTables(tmp_path / "records", start=START)
    tables.add(make_summary(), "Completed")
    tables.close()
    with pytest.raises(RuntimeError, match="closed"):
        tables.add(make_summary(), "Completed")
    assert pq.read_table(tmp_path / "records" / "OrderState.parquet").num_rows == 1
