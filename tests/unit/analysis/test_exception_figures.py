"""Process-exception figures: each figure's traces hold the data of the run or experiment."""

from __future__ import annotations

import datetime as dt
import json
import math
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import plotly.graph_objects as go
import pytest

from omsim.analysis import exception_figures as ef
from omsim.analysis.service_kpis import exception_backlog, exception_lifecycles
from omsim.eventlog import EventLog, EventLogTables
from omsim.experiments import compare, sweep
from omsim.experiments.design import apply_overrides
from omsim.experiments.experiment import ExperimentResult
from omsim.experiments.stats import t_interval
from omsim.runfolder import run_to_folder
from omsim.scenario import Scenario, load_scenario

RATE = "order_summaries_with_exception_rate"
BY_CATEGORY = "order_summaries_with_exception_rate_by_category"
BY_LOCATION = "exceptions_per_fulfillment_order_by_location"


@pytest.fixture(scope="module")
def scenario() -> Scenario:
    return load_scenario("tutorial", horizon_days=2)


@pytest.fixture(scope="module")
def run(scenario: Scenario, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A 2-day tutorial run with low store inventory accuracy (store rejections)."""
    low = apply_overrides(scenario, {"fulfillment.store.inventory_accuracy": 0.8}, "test")
    _, folder = run_to_folder(low, tmp_path_factory.mktemp("exc") / "run", seed=3)
    return folder


@pytest.fixture(scope="module")
def tables(run: Path) -> EventLogTables:
    return EventLog.read_parquet(run)


@pytest.fixture(scope="module")
def strategies(scenario: Scenario) -> ExperimentResult:
    variants = {
        s: {"routing.strategy": s, "fulfillment.store.inventory_accuracy": 0.85}
        for s in ("fewest_splits", "nearest_warehouse")
    }
    return compare(scenario, variants, n=3, seed=11, executor="serial", progress=False)


@pytest.fixture(scope="module")
def grid(scenario: Scenario) -> ExperimentResult:
    axes: dict[str, list[float]] = {
        "fulfillment.store.inventory_accuracy": [0.8, 0.99],
        "service.desk.agents": [1, 2],
    }
    return sweep(scenario, axes, n=2, seed=5, executor="serial", progress=False)


@pytest.fixture(scope="module")
def outage(
    scenario: Scenario, tmp_path_factory: pytest.TempPathFactory
) -> tuple[ExperimentResult, dict[str, Any]]:
    overrides = ef.outage_window(scenario, 1.5, 8)
    result = compare(
        scenario,
        {"baseline": {}, "gateway outage": overrides},
        n=1,
        seed=2,
        executor="serial",
        progress=False,
        keep_runs=tmp_path_factory.mktemp("outage"),
    )
    return result, overrides


# --- desk hours and outage windows --------------------------------------------------------------


def test_desk_open_windows_follow_the_clock_and_clip_to_the_run() -> None:
    assert ef.desk_open_windows(8, 20, 48) == [(8.0, 20.0), (32.0, 44.0)]
    # a start at noon: the first day's desk closes 8 hours in, the next opens 20 hours in
    assert ef.desk_open_windows(8, 20, 40, start_hour=12) == [(0.0, 8.0), (20.0, 32.0)]
    assert ef.desk_open_windows(8, 20, 10) == [(8.0, 10.0)]
    assert ef.desk_open_windows(0, 24, 72) == [(0.0, 72.0)]
    with pytest.raises(ValueError, match="open"):
        ef.desk_open_windows(20, 8, 48)


def test_outage_window_is_an_override_inside_the_horizon(scenario: Scenario) -> None:
    overrides = ef.outage_window(scenario, 1.25, 6)
    (window,) = overrides["faults.gateway_outages"]
    assert window["start"] == scenario.start + dt.timedelta(hours=30)
    assert window["end"] == scenario.start + dt.timedelta(hours=36)
    assert ef.outage_hours(scenario, overrides) == [(30.0, 36.0)]
    variant = apply_overrides(scenario, overrides, "outage")
    assert ef.outage_hours(variant) == [(30.0, 36.0)]
    # a second outage keeps the first
    again = ef.outage_window(variant, 0.5, 2)
    assert ef.outage_hours(variant, again) == [(30.0, 36.0), (12.0, 14.0)]
    with pytest.raises(ValueError, match="horizon"):
        ef.outage_window(scenario, 1.9, 6)
    with pytest.raises(ValueError, match="hours > 0"):
        ef.outage_window(scenario, 1.0, 0)


# --- one run ------------------------------------------------------------------------------------


def test_the_run_has_exceptions_to_draw(tables: EventLogTables) -> None:
    assert len(exception_lifecycles(tables)) >= 5


def test_backlog_figure_steps_through_the_backlog_with_the_desk_hours(
    run: Path, tables: EventLogTables, scenario: Scenario
) -> None:
    fig = ef.fig_exception_backlog(run, scenario)
    assert isinstance(fig, go.Figure)
    line = fig.data[0]
    backlog = exception_backlog(tables)
    assert line.name == "Active exceptions" and line.line.shape == "hv"
    # from (0, 0) through every step, held to the horizon (days)
    assert list(line.y[1:-1]) == backlog["backlog"].astype(float).to_list()
    assert np.allclose(line.x[1:-1], backlog["time_hours"] / 24.0)
    assert (line.x[0], line.y[0]) == (0.0, 0.0)
    assert line.x[-1] == pytest.approx(2.0) and line.y[-1] == line.y[-2]
    windows = ef.desk_open_windows(8, 20, 48)
    shapes = [(s.x0, s.x1) for s in fig.layout.shapes]
    assert shapes == [(a / 24.0, b / 24.0) for a, b in windows]
    assert [t.name for t in fig.data] == ["Active exceptions", "Service desk open"]
    assert fig.layout.xaxis.title.text and fig.layout.yaxis.title.text and fig.layout.title.text


def test_backlog_figure_takes_the_hours_instead_of_a_scenario(tables: EventLogTables) -> None:
    fig = ef.fig_exception_backlog(tables, open_hour=9, close_hour=17, horizon_hours=48)
    bounds = [x * 24 for s in fig.layout.shapes for x in (s.x0, s.x1)]
    assert bounds == pytest.approx([9.0, 17.0, 33.0, 41.0])
    bare = ef.fig_exception_backlog(tables)
    assert len(bare.layout.shapes) == 0 and len(bare.data) == 1


def test_resolve_times_all_row_is_the_kpis(run: Path, tables: EventLogTables) -> None:
    table = ef.resolve_times(run, by="kind")
    figures = json.loads((run / "kpis.json").read_text())
    every = table.iloc[0]
    assert every["group"] == "All"
    assert every["raised"] == figures["process_exceptions_raised"]
    assert every["open_at_end"] == figures["process_exceptions_open_at_end"]
    assert every["mean_hours"] == pytest.approx(figures["mean_hours_to_resolve"])
    assert every["p90_hours"] == pytest.approx(figures["p90_hours_to_resolve"])
    kinds = table.iloc[1:].set_index("group")["raised"].to_dict()
    assert kinds == figures["process_exceptions_by_kind"]


def test_hours_to_resolve_figure_has_a_box_per_group_and_the_mean_and_p90(
    tables: EventLogTables,
) -> None:
    life = exception_lifecycles(tables)
    table = ef.resolve_times(tables, by="category")
    fig = ef.fig_hours_to_resolve(tables, by="category")
    boxes = [t for t in fig.data if isinstance(t, go.Box)]
    closed = table[table["closed"] > 0]
    assert [b.name for b in boxes] == [
        f"{g} (n={n})" for g, n in zip(closed["group"], closed["closed"], strict=True)
    ]
    assert sorted(boxes[0].x) == sorted(life["hours_to_resolve"].dropna())
    for box, group in zip(boxes[1:], closed["group"].iloc[1:], strict=True):
        hours = life.loc[life["category"] == group, "hours_to_resolve"].dropna()
        assert sorted(box.x) == sorted(hours)
    mean, p90 = (t for t in fig.data if isinstance(t, go.Scatter))
    assert (mean.name, p90.name) == ("mean", "p90")
    assert list(mean.x) == pytest.approx(closed["mean_hours"].to_list())
    assert list(p90.x) == pytest.approx(closed["p90_hours"].to_list())
    assert list(mean.y) == [b.name for b in boxes]


# --- experiments --------------------------------------------------------------------------------


def test_breakdown_intervals_count_a_missing_key_as_zero(strategies: ExperimentResult) -> None:
    table = ef.breakdown_intervals(strategies, BY_CATEGORY, total=RATE)
    reps = strategies.replications
    for variant in ("fewest_splits", "nearest_warehouse"):
        mine = table[table["variant"] == variant].set_index("key")
        assert mine.index[0] == "All"
        rows = reps[reps["variant"] == variant]
        expected = t_interval(rows[RATE].to_numpy(float))
        assert mine.loc["All", "mean"] == pytest.approx(expected.mean)
        assert mine.loc["All", "ci_low"] == pytest.approx(expected.low)
        assert mine.loc["All", "ci_high"] == pytest.approx(expected.high)
        for key in mine.index[1:]:
            values = rows[f"{BY_CATEGORY}.{key}"].fillna(0.0).to_numpy(float)
            assert mine.loc[key, "n"] == 3
            assert mine.loc[key, "mean"] == pytest.approx(values.mean())


def test_exception_rate_figure_has_a_bar_per_strategy_with_intervals(
    strategies: ExperimentResult,
) -> None:
    fig = ef.fig_exception_rates(strategies, BY_CATEGORY, total=RATE)
    table = ef.breakdown_intervals(strategies, BY_CATEGORY, total=RATE)
    assert [t.name for t in fig.data] == ["fewest_splits", "nearest_warehouse"]
    for bar in fig.data:
        mine = table[table["variant"] == bar.name]
        assert list(bar.x) == mine["key"].to_list()
        assert list(bar.y) == pytest.approx(mine["mean"].to_list())
        plus = [h - m for h, m in zip(mine["ci_high"], mine["mean"], strict=True)]
        assert list(bar.error_y.array) == pytest.approx(plus)
    located = ef.fig_exception_rates(strategies, BY_LOCATION, sort=True)
    means = ef.breakdown_intervals(strategies, BY_LOCATION).groupby("key")["mean"].mean()
    assert list(located.data[0].x) == means.sort_values(ascending=False).index.to_list()


def test_location_heatmap_has_a_column_per_strategy_largest_location_on_top(
    strategies: ExperimentResult,
) -> None:
    fig = ef.fig_breakdown_heatmap(strategies, BY_LOCATION)
    (heat,) = fig.data
    table = ef.breakdown_intervals(strategies, BY_LOCATION)
    assert list(heat.x) == ["fewest_splits", "nearest_warehouse"]
    means = table.groupby("key")["mean"].mean()
    assert list(heat.y) == means.sort_values(ascending=False, kind="stable").index.to_list()
    for i, key in enumerate(heat.y):
        for j, variant in enumerate(heat.x):
            row = table[(table["key"] == key) & (table["variant"] == variant)].iloc[0]
            assert heat.z[i][j] == pytest.approx(row["mean"])
            assert heat.customdata[i][j][2] == row["n"] == 3
    assert fig.layout.yaxis.autorange == "reversed"


def test_sweep_heatmap_cells_are_the_means_with_intervals_on_hover(grid: ExperimentResult) -> None:
    fig = ef.fig_sweep_heatmap(grid, RATE, value_format=".1%", label="exception rate")
    (heat,) = fig.data
    assert list(heat.x) == ["1", "2"] and list(heat.y) == ["0.8", "0.99"]
    reps = grid.replications
    for i, accuracy in enumerate([0.8, 0.99]):
        for j, agents in enumerate([1, 2]):
            cell = reps[
                (reps["fulfillment.store.inventory_accuracy"] == accuracy)
                & (reps["service.desk.agents"] == agents)
            ]
            expected = t_interval(cell[RATE].to_numpy(float))
            assert heat.z[i][j] == pytest.approx(expected.mean)
            low, high, n = heat.customdata[i][j]
            assert (low, high, n) == pytest.approx((expected.low, expected.high, 2))
    assert "95% interval" in heat.hovertemplate
    hours = ef.fig_sweep_heatmap(grid, "mean_hours_to_resolve")
    cells = ef.sweep_cells(grid, "mean_hours_to_resolve")
    assert np.ravel(hours.data[0].z) == pytest.approx(cells["mean"].to_numpy(), nan_ok=True)
    with pytest.raises(ValueError, match="kpi"):
        ef.sweep_cells(grid, "no_such_kpi")


# --- a gateway outage ---------------------------------------------------------------------------


def test_backlog_at_and_hours_to_clear_on_hand_made_steps() -> None:
    base = pd.DataFrame({"time_hours": [1.0, 5.0], "backlog": [1, 0]})
    hit = pd.DataFrame({"time_hours": [2.0, 2.0, 6.0, 9.0, 12.0], "backlog": [1, 2, 1, 0, 1]})
    assert list(ef.backlog_at(hit, [0.0, 2.0, 7.0, 20.0])) == [0.0, 2.0, 1.0, 1.0]
    assert list(ef.backlog_at(hit.iloc[:0], [3.0])) == [0.0]
    # after hour 3 the outage run has 2 against 1, 1 against 0 (hour 5), 0 from hour 9
    assert ef.hours_to_clear(base, hit, 3.0) == pytest.approx(6.0)
    assert ef.hours_to_clear(base, hit, 10.0) == 0.0
    never = pd.DataFrame({"time_hours": [2.0], "backlog": [3]})
    assert math.isnan(ef.hours_to_clear(base, never, 3.0))


def test_outage_runs_raise_payment_exceptions_and_the_figure_shades_the_window(
    outage: tuple[ExperimentResult, dict[str, Any]], scenario: Scenario
) -> None:
    result, overrides = outage
    folders = result.run_folders(0)
    assert list(folders) == ["baseline", "gateway outage"]
    window = ef.outage_hours(scenario, overrides)
    assert window == [(36.0, 44.0)]
    effect = ef.outage_effect(folders["baseline"], folders["gateway outage"], window[0])
    assert effect.loc["baseline", "raised_payment"] == 0
    assert effect.loc["gateway outage", "raised_payment"] > 0
    kpis = result.replications.set_index("variant")
    for run in ("baseline", "gateway outage"):
        assert effect.loc[run, "peak_backlog"] == kpis.loc[run, "peak_exception_backlog"]
    assert math.isnan(effect.loc["baseline", "hours_to_clear"])

    fig = ef.fig_backlog_compare(
        folders["baseline"], folders["gateway outage"], outages=window, scenario=scenario
    )
    assert [t.name for t in fig.data] == ["baseline", "gateway outage", "Gateway outage"]
    for trace, folder in zip(fig.data[:2], folders.values(), strict=True):
        backlog = exception_backlog(EventLog.read_parquet(folder))
        assert list(trace.y[1:-1]) == backlog["backlog"].astype(float).to_list()
        assert trace.x[-1] == pytest.approx(2.0)
    assert [(s.x0, s.x1) for s in fig.layout.shapes] == [(1.5, 44.0 / 24.0)]
    with_desk = ef.fig_backlog_compare(
        folders["baseline"], folders["gateway outage"], scenario=scenario, desk_hours=True
    )
    assert len(with_desk.layout.shapes) == 2  # the desk's two days, no outage given
