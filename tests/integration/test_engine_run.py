"""Whole runs of small scenarios: determinism, accounting, the run folder, the CLI, OCEL."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pandas as pd
import pytest

from omsim.cli import main
from omsim.domain import check_invariants
from omsim.eventlog import EventLog
from omsim.runfolder import write_run_folder
from omsim.scenario import load_scenario
from omsim.sim.run import FINAL_STATES, OPEN_STATES, run


@pytest.fixture(scope="module")
def tutorial():
    return load_scenario("tutorial", horizon_days=3)


@pytest.fixture(scope="module")
def result(tutorial):
    return run(tutorial, seed=11)


def table_hashes(result, folder: Path) -> dict[str, str]:
    result.log.write_parquet(folder)
    return {
        p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.glob("*.parquet"))
    }


def test_same_seed_gives_identical_tables_and_another_seed_differs(
    tutorial, result, tmp_path
) -> None:
    first = table_hashes(result, tmp_path / "a")
    again = table_hashes(run(tutorial, seed=11), tmp_path / "b")
    other = table_hashes(run(tutorial, seed=12), tmp_path / "c")
    assert len(first) == 4
    assert first == again
    assert first["events.parquet"] != other["events.parquet"]


def test_every_checkout_and_order_is_accounted_for(result) -> None:
    c = result.counters
    assert c.arrivals == c.declined + c.stocked_out + len(result.summaries) > 50
    assert set(result.order_states.values()) <= set(FINAL_STATES + OPEN_STATES)
    assert result.state_counts.get("Completed", 0) > 0
    for summary in result.summaries:
        check_invariants(summary)


def test_lifecycle_events_appear_in_order(result) -> None:
    events = result.log.events()
    first = events.groupby("activity", observed=True)["time_hours"].min()
    assert first["Order Summary Created"] <= first["Fulfillment Order Created"]
    assert first["Fulfillment Order Created"] <= first["Fulfillment Order Fulfilled"]
    assert first["Fulfillment Order Fulfilled"] <= first["Payment Captured"]
    assert first["Payment Captured"] <= first["Parcel Delivered"]
    assert (events["time_hours"].diff().dropna() >= 0).all()


def test_run_folder_holds_tables_records_kpis_and_metadata(result, tmp_path) -> None:
    folder = write_run_folder(result, tmp_path / "run", ocel=True)
    for name in ("events", "event_objects", "objects", "object_changes"):
        assert (folder / f"{name}.parquet").exists()
    summaries = pd.read_parquet(folder / "records" / "OrderSummary.parquet")
    lines = pd.read_parquet(folder / "records" / "OrderItemSummary.parquet")
    assert {"Id", "Status", "GrandTotalAmount", "OrderLifeCycleType", "RoutingAttempts"} <= set(
        summaries.columns
    )
    assert {"QuantityOrdered", "QuantityFulfilled", "QuantityAvailableToReturn", "Status"} <= set(
        lines.columns
    )
    assert len(summaries) == len(result.summaries)
    kpis = json.loads((folder / "kpis.json").read_text())
    managed = sum(s.is_managed for s in result.summaries)
    assert kpis["managed_order_summaries_incl_exchanges"] == managed
    assert kpis["managed_gmv_cents"] == sum(
        s.original_order.grand_total_amount_cents for s in result.summaries if s.is_managed
    )
    meta = json.loads((folder / "metadata.json").read_text())
    assert meta["seed"] == 11 and len(meta["scenario_hash"]) == 64
    tables = EventLog.read_parquet(folder)
    assert len(tables.events) == len(result.log)


def test_ocel_export_of_a_run_reads_in_pm4py(result, tmp_path) -> None:
    pm4py = pytest.importorskip("pm4py", reason="pm4py (the `mining` extra) reads the OCEL export")
    folder = write_run_folder(result, tmp_path / "run", ocel=True)
    ocel = pm4py.read_ocel2_json(str(folder / "ocel.json"))
    tables = EventLog.read_parquet(folder)
    related = tables.event_objects["event_id"].unique()  # pm4py drops events with no object
    assert len(ocel.events) == len(related)
    assert len(ocel.objects) == len(tables.objects)
    pairs = tables.event_objects.drop_duplicates(["event_id", "object_id"])
    assert len(ocel.relations) == len(pairs)
    ocdfg = pm4py.discover_ocdfg(ocel)
    assert {"OrderSummary", "FulfillmentOrder"} <= set(ocdfg["object_types"])


def test_cli_run_prints_summary_and_folder(tmp_path, capsys) -> None:
    code = main(
        [
            "run",
            "tutorial",
            "--horizon-days",
            "1",
            "--seed",
            "3",
            "--out",
            str(tmp_path / "r"),
            "--quiet",
        ]
    )
    out = capsys.readouterr().out
    assert code == 0
    assert "managed_gmv_cents" in out and "run folder:" in out
    assert (tmp_path / "r" / "kpis.json").exists()


def test_cli_reports_a_bad_scenario(tmp_path, capsys) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text(
        "extends: "
        + str(Path("scenarios/tutorial.yaml").resolve())
        + "\ndemand: {orders_per_dya: 3}\n"
    )
    assert main(["run", str(bad), "--quiet"]) == 2
    err = capsys.readouterr().err
    assert (
        "bad.yaml" in err
        and "demand.orders_per_dya" in err
        and "did you mean 'orders_per_day'" in err
    )


def test_a_run_that_breaks_its_accounting_fails_loudly_naming_the_order(tutorial) -> None:
    from omsim.sim.run import RunIntegrityError, account

    broken = run(tutorial, seed=11)
    summary = broken.summaries[0]
    summary.items[0].quantity_fulfilled += 5  # a lost unit: more fulfilled than allocated
    with pytest.raises(RunIntegrityError, match=f"OrderSummary {summary.id}"):
        account(broken)
    broken.counters.arrivals += 1  # a checkout that became nothing
    with pytest.raises(RunIntegrityError, match="checkouts but"):
        account(broken)


def test_cli_writes_the_ocel_format_asked_for(tmp_path, capsys) -> None:
    args = ["run", "tutorial", "--horizon-days", "1", "--quiet", "--out"]
    assert main([*args, str(tmp_path / "s"), "--ocel", "sqlite"]) == 0
    assert (tmp_path / "s" / "ocel.sqlite").exists() and not (tmp_path / "s" / "ocel.json").exists()
    assert main([*args, str(tmp_path / "j"), "--ocel"]) == 0
    assert (tmp_path / "j" / "ocel.json").exists()
    with pytest.raises(SystemExit):  # argparse: exit status 2 with the allowed choices
        main([*args, str(tmp_path / "x"), "--ocel", "xml"])
    assert "invalid choice: 'xml'" in capsys.readouterr().err
