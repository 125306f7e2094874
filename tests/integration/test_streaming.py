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
from omsim.sim.retirement import FINAL_STATES
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


def test_a_retired_order_never_changes_afterwards(scenario) -> None:
    """Rows taken at retirement equal the records' state at the end of the run."""
    result = run(scenario, seed=7)
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
