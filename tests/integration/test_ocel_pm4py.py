"""The OCEL 2.0 export read back by pm4py: same counts as the Parquet tables, and it mines.

A small but realistic log is built by driving the real domain actions for a few orders (single and
split shipments, a pre-allocation cancel, a return with a fee), plus the events the simulation
observes itself (parcels shipped, orders delivered).
"""

from __future__ import annotations

import datetime
from pathlib import Path

import pandas as pd
import pytest

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
    log.record_all(submit_cancel(s3, {a.id: 3}, at=5.0))
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
