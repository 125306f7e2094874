"""Warm-up: KPIs without the first days, KPI series per period, Welch's moving average."""

from __future__ import annotations

import datetime
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from omsim.analysis.kpis import kpis, order_kpis
from omsim.analysis.service_kpis import exception_kpis
from omsim.eventlog import EventLog, EventLogTables
from omsim.eventlog_activities import ActivityLog
from omsim.experiments.warmup import (
    SERIES,
    WarmupTables,
    fig_welch,
    kpi_series,
    suggest_warmup,
    warmup_kpis,
    welch,
)
from omsim.scenario import load_scenario
from omsim.sim.run import run

START = datetime.datetime(2026, 9, 7, tzinfo=datetime.UTC)


def os_of(order_id: str) -> list[tuple[str, str, str]]:
    return [(order_id, "OrderSummary", "order summary")]


def created(log: EventLog, order_id: str, at: float, *, exchange: bool = False) -> None:
    log.note(
        "Order Summary Created",
        at,
        [(order_id, "OrderSummary", "created")],
        life_cycle_type="MANAGED",
        source_process="Exchange" if exchange else "Standard",
    )


def exception(log: EventLog, pe_id: str, order_id: str, raised: float, closed: float | None):
    relations = [(pe_id, "ProcessException", "created"), *os_of(order_id)]
    log.note("Process Exception Raised", raised, relations, category="Fulfillment", kind="x")
    if closed is not None:
        closing = [(pe_id, "ProcessException", "updated"), *os_of(order_id)]
        log.note("Process Exception Resolved", closed, closing, category="Fulfillment")


@pytest.fixture(scope="module")
def the_log() -> EventLog:
    return run(load_scenario("tutorial", horizon_days=14), seed=1).log


@pytest.fixture(scope="module")
def tables(the_log: EventLog) -> EventLogTables:
    return the_log.tables()


# --- WarmupTables and warmup_kpis on a real run --------------------------------------------------


def test_no_warmup_gives_exactly_the_plain_kpis(tables: EventLogTables) -> None:
    plain = kpis(tables)
    assert plain["process_exceptions_raised"] > 0  # the backlog mean is exercised
    assert warmup_kpis(tables, 0) == plain
    assert kpis(WarmupTables(tables, 0.0)) == plain


def test_a_warmup_keeps_the_orders_created_after_it_and_nothing_of_the_others(
    tables: EventLogTables,
) -> None:
    warmup = 72.0
    events = tables.events
    creations = events[events["activity"] == "Order Summary Created"]
    early = set(creations.loc[creations["time_hours"] < warmup, "order_summary_id"])
    late = int((creations["time_hours"] >= warmup).sum())
    assert 0 < late < len(creations)
    declined = events[events["activity"] == "Checkout Declined"]
    assert declined["order_summary_id"].isna().all()  # logged without an Order Summary

    figures = warmup_kpis(tables, warmup / 24)
    assert figures["order_summaries_created"] == late
    assert figures["checkouts_declined"] == int((declined["time_hours"] >= warmup).sum())
    assert figures == kpis(WarmupTables(tables, warmup))

    view = WarmupTables(tables, warmup)
    every = view.of(*events["activity"].cat.categories)
    assert len(every) > 0
    assert not every["order_summary_id"].isin(early).any()
    no_order = every[every["order_summary_id"].isna()]
    assert (no_order["time_hours"] >= warmup).all()
    kept_ids = set(every["event_id"])
    assert set(view.event_objects["event_id"]) == kept_ids & set(tables.event_objects["event_id"])
    assert view.first_hours() == warmup and view.last_hours() == tables.last_hours()


def test_a_run_folder_read_by_activity_gives_the_same_warmup_kpis(
    the_log: EventLog, tables: EventLogTables, tmp_path: Path
) -> None:
    the_log.write_parquet(tmp_path)
    with ActivityLog(tmp_path) as log:
        assert warmup_kpis(log, 3) == warmup_kpis(tables, 3)
        assert warmup_kpis(log, 0) == kpis(tables)


# --- the rule, on hand-built logs ---------------------------------------------------------------


def test_orders_count_by_their_creation_and_exchanges_by_their_own() -> None:
    log = EventLog(START)
    created(log, "OS-1", 10.0)  # before the warm-up: all its events go
    log.note("Checkout Declined", 20.0, amount_cents=100)  # before: goes
    created(log, "OS-2", 30.0)
    log.note("Parcel Delivered", 40.0, os_of("OS-1"), hours_after_order=30.0)  # OS-1's: goes
    log.note(
        "Exchange Submitted",
        45.0,
        [*os_of("OS-1"), ("OS-3", "OrderSummary", "exchange order summary")],
    )  # belongs to OS-1, the first Order Summary it relates
    created(log, "OS-3", 45.0, exchange=True)  # an exchange of OS-1, created after: kept
    log.note("Checkout Declined", 50.0, amount_cents=100)
    log.note("Checkout Stocked Out", 24.0, amount_cents=100)  # at the warm-up: kept
    tables = log.tables()
    view = WarmupTables(tables, 24.0)

    assert order_kpis(view) == {
        "checkouts_attempted": 3,
        "checkouts_placed": 1,
        "checkouts_declined": 1,
        "checkouts_stocked_out": 1,
        "checkout_decline_rate": 1 / 3,
        "checkout_stockout_rate": 1 / 3,
        "order_summaries_created": 2,
        "managed_order_summaries_incl_exchanges": 2,
        "unmanaged_order_summaries": 0,
        "exchange_order_summaries": 1,
        "managed_gmv_cents": 0,
    }
    assert len(view.of("Parcel Delivered")) == 0
    assert len(view.of("Exchange Submitted")) == 0
    exchange_event = tables.of("Exchange Submitted")["event_id"].iloc[0]
    assert exchange_event not in set(view.event_objects["event_id"])
    assert set(view.event_objects["object_id"]) == {"OS-2", "OS-3"}


def test_the_mean_exception_backlog_is_over_the_observed_window() -> None:
    log = EventLog(START)
    created(log, "OS-1", 2.0)
    exception(log, "PE-1", "OS-1", 5.0, 30.0)  # an excluded order's: not observed
    created(log, "OS-2", 12.0)
    exception(log, "PE-2", "OS-2", 14.0, 20.0)  # 6 h open
    log.note("Stock Written Off", 40.0, units=1)  # the log ends at 40
    tables = log.tables()

    assert kpis(tables)["mean_exception_backlog"] == pytest.approx((25 + 6) / 40)
    figures = warmup_kpis(tables, 10 / 24)
    assert figures["process_exceptions_raised"] == 1
    assert figures["mean_exception_backlog"] == pytest.approx(6 / (40 - 10))


class _Window:
    """Tables observed from ``start``, every event kept (to test the clipping)."""

    def __init__(self, tables: EventLogTables, start: float) -> None:
        self.tables, self.start = tables, start
        self.event_objects = tables.event_objects

    def of(self, *activities: str) -> pd.DataFrame:
        return self.tables.of(*activities)

    def first_hours(self) -> float:
        return self.start

    def last_hours(self) -> float:
        return self.tables.last_hours()


def test_backlog_steps_before_the_window_count_from_its_start() -> None:
    log = EventLog(START)
    created(log, "OS-1", 0.0)
    exception(log, "PE-1", "OS-1", 5.0, 15.0)  # open 5 h inside [10, 40]
    log.note("Stock Written Off", 40.0, units=1)
    tables = log.tables()
    assert exception_kpis(_Window(tables, 10.0))["mean_exception_backlog"] == pytest.approx(5 / 30)
    assert exception_kpis(tables)["mean_exception_backlog"] == pytest.approx(10 / 40)


@pytest.mark.parametrize("days", [-1.0, math.nan, math.inf, "a"])
def test_warmup_days_must_be_finite_and_not_negative(tables: EventLogTables, days: object) -> None:
    with pytest.raises(ValueError, match=r"warmup_days must be a finite number >= 0"):
        warmup_kpis(tables, days)  # type: ignore[arg-type]


def test_a_warmup_at_or_after_the_end_of_the_log_is_refused(tables: EventLogTables) -> None:
    end_days = tables.last_hours() / 24
    with pytest.raises(ValueError, match=r"warmup_days must be before the log's last event"):
        warmup_kpis(tables, end_days)
    with pytest.raises(ValueError, match=r"warmup_hours must be before"):
        WarmupTables(tables, tables.last_hours() + 1)
    with pytest.raises(ValueError, match=r"warmup_hours must be a finite number >= 0"):
        WarmupTables(tables, -0.5)


# --- KPI series ---------------------------------------------------------------------------------


def series_log() -> EventLogTables:
    log = EventLog(START)
    for i, at in enumerate([0.0, 5.0, 9.99, 10.0]):
        created(log, f"OS-{i}", at)
    created(log, "OS-A", 5.0)
    created(log, "OS-B", 12.0)
    exception(log, "PE-1", "OS-0", 3.0, 20.0)  # closes at the end of period 1: counts in 2
    exception(log, "PE-2", "OS-1", 12.0, None)
    log.note("Parcel Delivered", 20.0, os_of("OS-A"), hours_after_order=15.0)
    exception(log, "PE-3", "OS-2", 22.0, 35.0)
    log.note("Parcel Delivered", 27.0, os_of("OS-A"), hours_after_order=22.0)
    log.note("Parcel Delivered", 30.0, os_of("OS-B"), hours_after_order=18.0)
    created(log, "OS-C", 35.0)  # last event at 35: periods 0..3 of 10 h
    return log.tables()


def test_kpi_series_per_period() -> None:
    tables = series_log()
    counts = kpi_series(tables, "order_summaries_created", period_hours=10)
    assert counts.index.tolist() == [0, 1, 2, 3]
    assert counts.dtype == float
    assert counts.tolist() == [4.0, 2.0, 0.0, 1.0]
    delivery = kpi_series(tables, "mean_hours_to_delivery", period_hours=10).tolist()
    assert delivery[:2] == [18.5, 18.0] and np.isnan(delivery[2:]).all()
    assert kpi_series(tables, "exception_backlog", period_hours=10).tolist() == [1, 2, 2, 1]
    assert len(kpi_series(tables, "order_summaries_created")) == 2  # days: [0, 24), [24, 48)
    assert set(SERIES) >= {"mean_hours_to_delivery", "order_summaries_created"}


def test_kpi_series_on_a_real_run(tables: EventLogTables) -> None:
    counts = kpi_series(tables, "order_summaries_created")
    assert len(counts) == 14
    assert counts.sum() == kpis(tables)["order_summaries_created"]
    backlog = kpi_series(tables, "exception_backlog")
    assert backlog.iloc[-1] == kpis(tables)["process_exceptions_open_at_end"]


def test_kpi_series_refuses_unknown_measures_and_periods() -> None:
    tables = series_log()
    with pytest.raises(ValueError, match=r"unknown measure 'gmv'; allowed: exception_backlog"):
        kpi_series(tables, "gmv")
    for period in (0.0, -1.0, math.nan):
        with pytest.raises(ValueError, match="period_hours must be a finite number > 0"):
            kpi_series(tables, "exception_backlog", period_hours=period)


# --- Welch --------------------------------------------------------------------------------------


def replications() -> pd.DataFrame:
    """Means per period 1, 3, 2, 6, 4, 8, 5 (a NaN skipped in period 3)."""
    return pd.DataFrame(
        {
            "r1": [0.0, 2, 1, 6, 3, 7, 4],
            "r2": [2.0, 4, 3, np.nan, 5, 9, 6],
        }
    )


def test_welch_against_a_hand_computed_example() -> None:
    frame = welch(replications(), window=2)
    assert frame.columns.tolist() == ["period", "mean", "moving_average"]
    assert frame["period"].tolist() == list(range(7))
    assert frame["mean"].tolist() == [1.0, 3.0, 2.0, 6.0, 4.0, 8.0, 5.0]
    # i=1: Y1; i=2: (Y1+Y2+Y3)/3; i=3..5: five-point means; m - w = 5 values
    expected = [1.0, 2.0, 16 / 5, 23 / 5, 25 / 5]
    assert frame["moving_average"].iloc[:5].tolist() == pytest.approx(expected)
    assert frame["moving_average"].iloc[5:].isna().all()


@pytest.mark.parametrize("window", [0, -1, 1.5, True, 4])
def test_welch_refuses_bad_windows(window: object) -> None:
    with pytest.raises(ValueError, match="window"):
        welch(replications(), window)  # type: ignore[arg-type]


def test_welch_allows_the_largest_window_below_half() -> None:
    assert welch(replications(), 3)["moving_average"].notna().sum() == 4


def test_suggest_warmup_finds_where_the_transient_ends() -> None:
    rng = np.random.default_rng(7)
    level = np.minimum(np.arange(40), 10) * 1.0 + 20  # rises for 10 periods, then flat at 30
    frame = welch(pd.DataFrame({r: level + rng.normal(0, 0.2, 40) for r in range(5)}), 2)
    assert 8 <= suggest_warmup(frame, tolerance=0.02) <= 11
    with pytest.raises(ValueError, match="tolerance"):
        suggest_warmup(frame, tolerance=-0.1)
    rising = welch(pd.DataFrame({"r": np.arange(20.0)}), 2)  # no plateau
    with pytest.raises(ValueError, match="does not settle"):
        suggest_warmup(rising, tolerance=0.01)


def test_fig_welch_draws_the_mean_the_moving_average_and_the_warmup() -> None:
    frame = welch(replications(), window=2)
    fig = fig_welch(frame, "exception_backlog", period_hours=12, warmup_days=1.5)
    names = [trace.name for trace in fig.data]
    assert names == ["mean per period", "moving average"]
    assert fig.data[0].line.width < fig.data[1].line.width
    assert list(fig.data[1].x) == [k / 2 for k in range(7)]  # 12-hour periods, in days
    assert [shape.x0 for shape in fig.layout.shapes] == [1.5]
    assert "exception_backlog" in fig.layout.title.text and "window 2" in fig.layout.title.text
    assert "days" in fig.layout.xaxis.title.text
    assert "open process exceptions" in fig.layout.yaxis.title.text
    assert len(fig_welch(frame, "exception_backlog").layout.shapes) == 0
