"""An order's timeline from the event log, a session exported as a run folder, and determinism.

One tutorial session (module fixture): an order delivered, partly returned and exchanged, and a
second order waiting for routing. Its timeline is checked against the event log and the records;
its export is read back by the analysis (`omsim.runfolder.folder_kpis`, `omsim.analysis.kpis`)
and by pm4py. The same actions on the same seed give the same event log, to the byte.
"""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from pathlib import Path

import pandas as pd
import pytest

from omsim.analysis.kpis import kpis
from omsim.eventlog import EventLog
from omsim.recordtables import records_of
from omsim.runfolder import folder_kpis
from omsim.sandbox import Sandbox, snapshot

SKU = "SKU-0001"


def session(seed: int | None = None) -> tuple[Sandbox, dict[str, str]]:
    """The same trainer's actions every time."""
    sb = Sandbox("tutorial", seed=seed)
    o = sb.place_order([(SKU, 2), ("SKU-0003", 1)])
    sb.route(o)
    sb.advance_until(o, "parcel delivered")
    ro = sb.return_items(o, {"SKU-0003": 1}, reason="Not Satisfied").related("ReturnOrder")[0]
    sb.receive_return(ro)
    x = sb.exchange(o, SKU, 1).related("OrderSummary")[0]
    sb.route(x)
    sb.advance_until(x, "parcel delivered")
    sb.receive_return(sb.order(o).return_orders[-1].id)  # the exchanged unit comes back
    waiting = sb.place_order([("SKU-0002", 1)], zone="Z-dayton")
    return sb, {"o": o.order_summary_id, "x": x, "waiting": waiting.order_summary_id, "ro": ro}


@pytest.fixture(scope="module")
def done() -> tuple[Sandbox, dict[str, str]]:
    return session()


@pytest.fixture(scope="module")
def run_folder(done, tmp_path_factory) -> Path:
    sb, _ = done
    return sb.export(tmp_path_factory.mktemp("export") / "run")


# timeline ------------------------------------------------------------------------------------


def test_timeline_holds_every_event_touching_the_order(done) -> None:
    sb, ids = done
    summary = sb.order(ids["o"])
    timeline = sb.timeline(ids["o"])
    tables = sb.model.log.tables()
    record_ids = {r.id for r in records_of(summary)}
    touching = set(
        tables.event_objects.loc[tables.event_objects["object_id"].isin(record_ids), "event_id"]
    )
    events = tables.events.set_index("event_id")
    expected = events.loc[sorted(touching)]
    assert list(timeline.events["activity"]) == list(expected["activity"])
    assert list(timeline.events["time_hours"]) == list(expected["time_hours"])
    assert timeline.events["time_hours"].is_monotonic_increasing
    # every event the log files under this order is there, and the order's story with it
    mine = Counter(a for a, s in sb.model.log.activities_since(0) if s == ids["o"])
    assert not mine - Counter(timeline.events["activity"])
    for activity in (
        "Order Summary Created",
        "Payment Authorized",
        "Fulfillment Order Created",
        "Invoice Created",
        "Payment Captured",
        "Parcel Delivered",
        "Return Order Created",
        "Credit Memo Created",
        "Refund Processed",
        "Exchange Submitted",
    ):
        assert activity in set(timeline.events["activity"]), activity
    # the other order's events are not
    other = sb.order(ids["waiting"])
    assert not any(other.id in r for r in timeline.events["records"])
    assert all(set(r.split(", ")) & record_ids for r in timeline.events["records"]), (
        "an event in the timeline touches none of the order's records"
    )
    assert f"{len(timeline.events)} events" in timeline._repr_html_()


def test_timeline_statuses_end_in_each_records_current_status(done) -> None:
    sb, ids = done
    for key in ("o", "x", "waiting"):
        timeline = sb.timeline(ids[key])
        statuses = timeline.statuses
        current = {
            rid: fields["Status"]
            for (kind, rid), fields in snapshot.take([sb.order(ids[key])]).items()
            if fields.get("Status") not in (None, "")
        }
        for (kind, rid), group in statuses.groupby(["object_type", "record_id"], sort=False):
            group = group.sort_values("from_hours", kind="stable")
            assert group["to_hours"].iloc[-1] == sb.now, (kind, rid)
            assert list(group["from_hours"].iloc[1:]) == list(group["to_hours"].iloc[:-1])
            assert group["status"].iloc[-1] == current[rid], (kind, rid)
        # every record with a status has its history
        assert set(current) <= set(statuses["record_id"]), set(current) - set(statuses["record_id"])
        # the bars are drawn on the scenario's wall clock: start + hours
        start = pd.Timestamp(sb.scenario.start)
        begin = (
            statuses["start"].dt.tz_localize(None) if statuses["start"].dt.tz else statuses["start"]
        )
        assert (
            begin == start.tz_localize(None) + pd.to_timedelta(statuses["from_hours"], unit="h")
        ).all()


def test_timeline_status_history_of_the_fulfillment_order(done) -> None:
    sb, ids = done
    statuses = sb.timeline(ids["o"]).statuses
    fo = sb.order(ids["o"]).fulfillment_orders[0].id
    history = statuses[statuses["record_id"] == fo]["status"].tolist()
    assert history[0] == "Allocated" and history[-1] == "Fulfilled"
    assert "Pickpack" in history
    summary_history = statuses[statuses["record_id"] == ids["o"]]["status"].tolist()
    assert summary_history[0] == "Created" and "Fulfilled" in summary_history


def test_timeline_figure_has_one_trace_per_status_with_its_records(done) -> None:
    sb, ids = done
    timeline = sb.timeline(ids["o"])
    fig = timeline.figure()
    statuses = timeline.statuses
    names = [trace.name for trace in fig.data]
    assert sorted(names) == sorted(statuses["status"].unique())
    for trace in fig.data:
        rows = statuses[statuses["status"] == trace.name]
        expected = rows["object_type"] + " " + rows["record_id"]
        assert sorted(trace.y) == sorted(expected), trace.name
    assert ids["o"] in fig.layout.title.text


# export ----------------------------------------------------------------------------------------


def test_export_is_a_run_folder_the_analysis_reads(done, run_folder) -> None:
    sb, _ = done
    names = {p.name for p in run_folder.iterdir()}
    assert {"events.parquet", "event_objects.parquet", "kpis.json", "metadata.json"} <= names
    tables = EventLog.read_parquet(run_folder)
    assert len(tables.events) == len(sb.model.log)
    from_log = kpis(tables)
    from_folder = folder_kpis(run_folder)
    assert from_folder.keys() == from_log.keys()
    for key, value in from_log.items():
        assert from_folder[key] == (pytest.approx(value) if isinstance(value, float) else value), (
            key
        )
    written = json.loads((run_folder / "kpis.json").read_text())
    assert written["checkouts_placed"] == 2
    assert written["exchange_order_summaries"] == 1
    fos = sum(len(sb.order(i).fulfillment_orders) for i in sb.mine)
    assert from_log["fulfillment_orders_created"] == fos
    expected_gmv = sum(sb.order(i).original_order.grand_total_amount_cents for i in sb.mine)
    assert from_log["managed_gmv_cents"] == expected_gmv
    assert json.loads((run_folder / "metadata.json").read_text())["seed"] == sb.model.seed


def test_export_records_hold_the_trainers_orders_with_their_states(done, run_folder) -> None:
    sb, ids = done
    summaries = pd.read_parquet(run_folder / "records" / "OrderSummary.parquet")
    assert sorted(summaries["Id"]) == sorted(sb.mine)
    row = summaries.set_index("Id").loc[ids["x"]]
    assert row["SourceProcess"] == "Exchange" and row["SourceOrderSummaryId"] == ids["o"]
    assert row["GrandTotalAmount"] == sb.order(ids["x"]).grand_total_amount_cents
    states = pd.read_parquet(run_folder / "records" / "OrderState.parquet")
    state = dict(zip(states["OrderSummaryId"], states["State"], strict=True))
    assert state == {
        ids["o"]: "Completed",
        ids["x"]: "Completed",
        ids["waiting"]: "Open: Awaiting Routing",
    }
    items = pd.read_parquet(run_folder / "records" / "OrderItemSummary.parquet")
    returned = items[
        (items["OrderSummaryId"] == ids["o"]) & (items["StockKeepingUnit"] == "SKU-0003")
    ]
    assert returned["QuantityReturned"].tolist() == [1]
    ros = pd.read_parquet(run_folder / "records" / "ReturnOrder.parquet")
    assert set(ros["Status"]) == {"Closed"} and len(ros) == 2


def test_export_ocel_json_loads_with_pm4py(done, run_folder) -> None:
    pm4py = pytest.importorskip("pm4py")
    sb, ids = done
    ocel = pm4py.read_ocel2_json(str(run_folder / "ocel.json"))
    assert len(ocel.events) == len(sb.model.log)
    objects = set(ocel.objects["ocel:oid"])
    assert {ids["o"], ids["x"], ids["waiting"]} <= objects
    assert set(sb.order(ids["o"]).fulfillment_orders[0].id for _ in [0]) <= objects


def test_export_refuses_an_existing_folder_without_force_and_leaves_the_sandbox(
    done, tmp_path
) -> None:
    sb, _ = done
    before, events, clock = snapshot.take(sb._summaries()), len(sb.model.log), sb.now
    (tmp_path / "taken").mkdir()
    (tmp_path / "taken" / "keep.txt").write_text("mine")
    with pytest.raises(FileExistsError, match="force"):
        sb.export(tmp_path / "taken")
    assert (tmp_path / "taken" / "keep.txt").read_text() == "mine"
    first = sb.export(tmp_path / "run", ocel=None)
    again = sb.export(tmp_path / "run", ocel=None, force=True)
    assert first == again and not (again / "ocel.json").exists()
    assert snapshot.take(sb._summaries()) == before
    assert len(sb.model.log) == events and sb.now == clock


def test_export_with_background_demand(tmp_path) -> None:
    sb = Sandbox("tutorial", background_demand=True, demand={"orders_per_day": 200})
    o = sb.place_order([(SKU, 1)])
    sb.route(o)
    assert sb.advance(36).ok
    folder = sb.export(tmp_path / "run", ocel=None)
    written = folder_kpis(folder)
    summaries = pd.read_parquet(folder / "records" / "OrderSummary.parquet")
    assert (
        written["checkouts_placed"] == len(summaries[summaries["SourceProcess"] != "Exchange"]) > 10
    )
    assert o.order_summary_id in set(summaries["Id"])
    assert written["checkouts_attempted"] == sb.model.counters.arrivals


# determinism -------------------------------------------------------------------------------------


def log_hashes(sb: Sandbox, folder: Path) -> dict[str, str]:
    sb.model.log.write_parquet(folder)
    return {
        p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.glob("*.parquet"))
    }


def test_same_actions_on_the_same_seed_give_the_same_event_log(done, tmp_path) -> None:
    sb, _ = done
    first = log_hashes(sb, tmp_path / "a")
    again = log_hashes(session()[0], tmp_path / "b")
    assert len(first) == 4
    assert first == again


def short(seed: int | None) -> Sandbox:
    sb = Sandbox("tutorial", seed=seed)
    o = sb.place_order([(SKU, 2)])
    sb.route(o)
    sb.advance(48)
    return sb


def test_another_seed_gives_another_event_log(tmp_path) -> None:
    """Pick and pack times, transit and the catalog are drawn from the seed."""
    assert log_hashes(short(None), tmp_path / "a") == log_hashes(short(7), tmp_path / "b")
    other = log_hashes(short(8), tmp_path / "c")
    assert other["events.parquet"] != log_hashes(short(None), tmp_path / "d")["events.parquet"]
