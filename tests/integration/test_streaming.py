"""Streaming runs: the same folder as a run held in memory, orders retired as they finish."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pyarrow.parquet as pq
import pytest

from omsim.eventlog import TABLES
from omsim.recordtables import RECORD_TYPES, record_tables
from omsim.runfolder import run_to_folder, write_run_folder
from omsim.scenario import load_scenario
from omsim.sim.retirement import FINAL_STATES, OPEN_STATES
from omsim.sim.run import run


@pytest.fixture(scope="module")
def scenario():
    return load_scenario("regional_retailer", horizon_days=6)


@pytest.fixture(scope="module")
def folders(scenario, tmp_path_factory) -> tuple[Path, Path]:
    base = tmp_path_factory.mktemp("streaming")
    memory = write_run_folder(run(scenario, seed=5), base / "memory")
    _, streamed = run_to_folder(scenario, base / "streamed", seed=5, rows_per_group=500)
    return memory, streamed


def _frame(path: Path) -> pd.DataFrame:
    # categories are unified across row groups in order of appearance: compare as text
    frame = pd.read_parquet(path)
    for name in frame.columns:
        if isinstance(frame[name].dtype, pd.CategoricalDtype):
            frame[name] = frame[name].astype(str)
    return frame


@pytest.mark.parametrize("stem", TABLES)
def test_streamed_event_log_equals_the_in_memory_one(folders, stem) -> None:
    memory, streamed = folders
    assert pq.ParquetFile(streamed / f"{stem}.parquet").metadata.num_row_groups > 1 or stem in (
        "objects",
    )
    pd.testing.assert_frame_equal(
        _frame(streamed / f"{stem}.parquet"), _frame(memory / f"{stem}.parquet")
    )


def test_streamed_records_and_kpis_equal_the_in_memory_ones(folders) -> None:
    memory, streamed = folders
    names = sorted(p.name for p in (memory / "records").iterdir())
    assert names == sorted(p.name for p in (streamed / "records").iterdir())
    assert "OrderState.parquet" in names and "FulfillmentOrder.parquet" in names
    assert set(names) >= {f"{t.__name__}.parquet" for t in RECORD_TYPES}  # even when empty
    for name in names:
        pd.testing.assert_frame_equal(
            pd.read_parquet(streamed / "records" / name), pd.read_parquet(memory / "records" / name)
        )
    assert json.loads((streamed / "kpis.json").read_text()) == json.loads(
        (memory / "kpis.json").read_text()
    )


def test_no_working_folder_is_left_beside_the_run_folder(folders) -> None:
    for folder in folders:
        assert not [p for p in folder.parent.iterdir() if p.name.startswith(".")]


@pytest.mark.parametrize("which", ["scenario", "eventful"])
def test_a_retired_order_never_changes_afterwards(request, which) -> None:
    """Rows taken at retirement equal the records' state at the end of the run."""
    result = run(request.getfixturevalue(which), seed=7)
    retired = result.model.retired
    assert retired, "no order was retired"
    at_retirement = {n: t.to_pandas() for n, t in result.records.arrow().items()}
    at_end = record_tables(
        [s for s in result.summaries if s.id in retired], start=result.records.start
    )
    for name, end in at_end.items():
        taken = at_retirement[name]
        taken = taken[taken["Id"].isin(set(end["Id"]))]
        pd.testing.assert_frame_equal(
            taken.sort_values("Id").reset_index(drop=True),
            end.sort_values("Id").reset_index(drop=True),
        )


def test_streaming_keeps_only_the_orders_in_flight(scenario, tmp_path) -> None:
    result, folder = run_to_folder(scenario, tmp_path / "run", seed=3)
    states = pd.read_parquet(folder / "records" / "OrderState.parquet")
    assert len(states) == result.counters.retired == sum(result.state_counts.values())
    assert states["OrderSummaryId"].is_unique
    retired_early = states["OrderSummaryId"].iloc[: -len(result.summaries) or None]
    assert len(retired_early) > 0.3 * len(states)  # many orders finished and left memory
    for summary in result.summaries:  # what stayed could still change when the clock stopped
        track = result.model.tracks[summary.id]
        assert (
            result.order_states[summary.id] not in FINAL_STATES
            or track.active
            or track.routing_scheduled
        ), summary.id
    assert not result.log._seen  # the log forgot every object once its files were closed


def test_kpis_read_an_activity_at_a_time_equal_those_of_the_whole_log(folders) -> None:
    from omsim.analysis.kpis import kpis
    from omsim.eventlog import EventLog
    from omsim.eventlog_activities import ActivityLog

    _, streamed = folders
    with ActivityLog(streamed) as log:
        by_activity = kpis(log)
        scratch = log._scratch
        assert log.of("No Such Activity").empty
        both = log.of("Parcel Delivered", "Order Picked Up")
        assert both["event_id"].is_monotonic_increasing
    assert not scratch.exists()  # the scratch folder is removed
    assert by_activity == kpis(EventLog.read_parquet(streamed))


# --- every behaviour on, with faults: the orders that touch each other most ---------------------

EVENTFUL_SERVICE = {
    "cancellations": {"probability": 0.3},
    "returns": {
        "rate_by_category": {"apparel": 0.8, "home": 0.8},
        "default_rate": 0.8,
        "mismatch_probability": 0.3,
        "exchange_share": 0.5,
        "days_after_delivery": {"dist": "constant", "value": 1},
        "inspection_hours": {"dist": "constant", "value": 2},
        "return_fee_cents": 300,
    },
    "lost_parcels": {
        "probability": {"Standard": 0.2, "Express": 0.2},
        "damaged_share": 0.5,
        "report_days_after_promise": 0,
    },
    "appeasements": {"contact_share": 1.0},
    "pickup_no_shows": {"probability": 0.3, "cancel_after_days": 1},
    "desk": {"agents": 1},
}
EVENTFUL_FAULTS = {
    "gateway_outages": [{"start": "2026-09-08T08:00:00", "end": "2026-09-09T20:00:00"}],
    "carrier_delay_surges": [{"start": "2026-09-08T00:00:00", "end": "2026-09-10T00:00:00"}],
    "store_closures": [
        {"location": "ST-columbus", "start": "2026-09-08T00:00:00", "end": "2026-09-10T00:00:00"}
    ],
}


@pytest.fixture(scope="module")
def eventful():
    """Exchanges, reships, pickups, no-shows, refunds failing in a gateway outage, the desk."""
    return load_scenario(
        "tutorial",
        horizon_days=6,
        service=EVENTFUL_SERVICE,
        faults=EVENTFUL_FAULTS,
        payments={"authorization_valid_days": 2, "reauthorization_success_rate": 0.5},
        capture={"fraud_review_share": 0.3},
    )


@pytest.fixture(scope="module")
def eventful_folders(eventful, tmp_path_factory):
    base = tmp_path_factory.mktemp("eventful")
    memory = write_run_folder(run(eventful, seed=4), base / "memory")
    runs = {
        name: run_to_folder(eventful, base / name, seed=4, rows_per_group=rows)
        for name, rows in (("a", 300), ("b", 300), ("c", 7))
    }
    return memory, runs


def _all_tables(folder: Path) -> list[Path]:
    return sorted(p.relative_to(folder) for p in folder.rglob("*.parquet"))


def test_eventful_run_touches_what_retirement_must_respect(eventful_folders) -> None:
    memory, _ = eventful_folders
    events = pd.read_parquet(memory / "events.parquet")
    counts = events["activity"].value_counts()
    for activity in (
        "Exchange Credit Released",
        "Return Order Created",
        "Pickup No-Show",
        "Process Exception Raised",
        "Checkout Declined",
    ):
        assert counts.get(activity, 0) > 0, activity
    summaries = pd.read_parquet(memory / "records" / "OrderSummary.parquet")
    assert (summaries["SourceProcess"] == "Exchange").any()
    assert pd.read_parquet(memory / "records" / "FulfillmentOrder.parquet")["IsReship"].any()


def test_eventful_streamed_folder_equals_the_in_memory_one(eventful_folders) -> None:
    memory, runs = eventful_folders
    _, streamed = runs["a"]
    assert _all_tables(streamed) == _all_tables(memory)
    for name in _all_tables(memory):
        pd.testing.assert_frame_equal(_frame(streamed / name), _frame(memory / name), obj=str(name))
    assert json.loads((streamed / "kpis.json").read_text()) == json.loads(
        (memory / "kpis.json").read_text()
    )


def test_same_seed_streams_byte_identical_tables(eventful_folders) -> None:
    _, runs = eventful_folders
    (_, a), (_, b) = runs["a"], runs["b"]
    for name in _all_tables(a):
        assert (a / name).read_bytes() == (b / name).read_bytes(), name


def test_row_groups_change_the_files_not_their_contents(eventful_folders) -> None:
    _, runs = eventful_folders
    (_, a), (_, c) = runs["a"], runs["c"]
    assert pq.ParquetFile(c / "events.parquet").metadata.num_row_groups > (
        pq.ParquetFile(a / "events.parquet").metadata.num_row_groups
    )
    for name in _all_tables(a):
        pd.testing.assert_frame_equal(_frame(c / name), _frame(a / name), obj=str(name))


def test_every_order_is_accounted_for_in_the_streamed_folder(eventful_folders) -> None:
    _, runs = eventful_folders
    result, folder = runs["a"]
    states = pd.read_parquet(folder / "records" / "OrderState.parquet")
    summaries = pd.read_parquet(folder / "records" / "OrderSummary.parquet")
    events = pd.read_parquet(folder / "events.parquet")
    created = events.loc[events["activity"] == "Order Summary Created", "order_summary_id"]
    assert states["OrderSummaryId"].is_unique
    assert set(states["OrderSummaryId"]) == set(summaries["Id"]) == set(created)
    assert len(states) == len(created) == result.counters.retired
    c = result.counters
    assert c.arrivals == c.declined + c.stocked_out + c.original_summaries
    assert c.original_summaries == (summaries["SourceProcess"] != "Exchange").sum()
    checkouts = events["activity"].isin(["Checkout Declined", "Checkout Stocked Out"]).sum()
    assert c.arrivals == checkouts + c.original_summaries
    assert set(states["State"]) <= set(FINAL_STATES + OPEN_STATES)
    assert dict(states["State"].value_counts()) == result.state_counts


def test_a_run_without_orders_streams_every_table_empty(tmp_path) -> None:
    scenario = load_scenario("tutorial", horizon_days=1, demand={"orders_per_day": 0.001})
    result, folder = run_to_folder(scenario, tmp_path / "empty", seed=1, ocel="sqlite")
    assert result.counters.arrivals == 0 and result.state_counts == {}
    events = pd.read_parquet(folder / "events.parquet")
    assert not events["activity"].astype(str).str.startswith(("Order", "Checkout")).any()
    assert pd.read_parquet(folder / "records" / "OrderState.parquet").empty
    assert {p.stem for p in (folder / "records").iterdir()} >= {t.__name__ for t in RECORD_TYPES}
    figures = json.loads((folder / "kpis.json").read_text())
    assert figures["checkouts_attempted"] == 0 and figures["parcels_delivered"] == 0
    assert (folder / "ocel.sqlite").stat().st_size > 0
