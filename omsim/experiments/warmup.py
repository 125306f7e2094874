"""Warm-up for simulation experiments: KPIs after a warm-up, and Welch's method to choose it.

A run starts empty: no order in flight, no backlog, every stock full. Its first days are not
typical of the steady state, and KPIs averaged over the whole run are biased by them. The usual
remedy (Law & Kelton, *Simulation Modeling and Analysis*, section 9.5.1) is to delete a warm-up
period from every replication:

* `WarmupTables` is a view of an event log without the warm-up, and `warmup_kpis` the KPIs of
  ``kpis.json`` computed from it;
* `kpi_series` gives a KPI per period (a day by default) of one run, computed from the event
  tables only; `welch` averages such series across replications and smooths them with Welch's
  moving average; `fig_welch` plots the result, and `suggest_warmup` reads a warm-up off it.

Time in hours unless named (``warmup_days``).

>>> import datetime
>>> from omsim.eventlog import EventLog
>>> log = EventLog(datetime.datetime(2026, 1, 1))
>>> for i, at in enumerate([2.0, 30.0, 50.0]):
...     _ = log.note("Order Summary Created", at, [(f"OS-{i}", "OrderSummary", "created")])
>>> _ = log.note("Checkout Declined", 40.0)
>>> kpi_series(log.tables(), "order_summaries_created").tolist()
[1.0, 1.0, 1.0]
>>> figures = warmup_kpis(log.tables(), warmup_days=1)
>>> figures["order_summaries_created"], figures["checkouts_declined"]
(2, 1)
"""

from __future__ import annotations

import json
import math
from typing import Any

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from omsim.analysis.kpis import kpis
from omsim.analysis.service_kpis import exception_backlog
from omsim.eventlog import EventTables

__all__ = [
    "SERIES",
    "WarmupTables",
    "fig_welch",
    "kpi_series",
    "suggest_warmup",
    "warmup_kpis",
    "welch",
]

_CREATED = "Order Summary Created"

_EXCEPTION_EVENTS = (
    "Process Exception Raised",
    "Process Exception Triaged",
    "Process Exception Resolved",
    "Process Exception Ignored",
)
"""The events relating a ProcessException: the relations `ActivityLog` keeps are theirs."""


def _check_warmup(value: float, name: str) -> float:
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise ValueError(f"{name} must be a finite number >= 0, got {value!r}") from None
    if not math.isfinite(number) or number < 0:
        raise ValueError(f"{name} must be a finite number >= 0, got {value!r}")
    return number


class WarmupTables:
    """An event log without its warm-up: the orders that entered after it (`EventTables`).

    Observations are the orders that entered after the warm-up. An event belongs to the Order
    Summary in its ``order_summary_id`` column (the first one it relates) and:

    * the events of an Order Summary created before ``warmup_hours`` (its ``"Order Summary
      Created"`` event earlier than ``warmup_hours``) are dropped, whatever their own time;
      those of an Order Summary created at or after it are kept, whatever their own time;
    * an event without an Order Summary (``"Checkout Declined"``, ``"Checkout Stocked Out"``,
      ``"Stock Written Off"``, replenishments), or of an Order Summary whose creation is not in
      the log, is kept when its own time is at or after ``warmup_hours``;
    * an exchange Order Summary counts by its own creation time (it has its own ``"Order
      Summary Created"`` event), so an exchange created after the warm-up is observed even when
      the order it exchanges is not; the ``"Exchange Submitted"`` event belongs to the original.

    ``event_objects`` holds the relations of the kept events only. The observed window is
    [``warmup_hours``, ``last_hours()``]: `first_hours` returns the warm-up and `last_hours`
    the wrapped log's last event, so time-weighted KPIs (``mean_exception_backlog``) divide by
    the window's length. A warm-up of 0 is the wrapped tables unchanged.

    Parameters
    ----------
    tables : EventTables
        The whole log (`omsim.eventlog.EventLogTables` or `omsim.eventlog_activities.
        ActivityLog`).
    warmup_hours : float
        Hours deleted from the start of the run; finite, >= 0, and before the log's last event
        (unless 0).

    Raises
    ------
    ValueError
        For a negative, infinite or NaN warm-up, or a positive one at or after the last event.

    Notes
    -----
    Relations are filtered with the wrapped ``events`` table when it has one. Tables without
    one (`ActivityLog`, whose relations are the process exceptions' only) are looked up through
    the process-exception events; relations of any other event are then dropped.
    """

    def __init__(self, tables: EventTables, warmup_hours: float) -> None:
        hours = _check_warmup(warmup_hours, "warmup_hours")
        end = tables.last_hours()
        if hours > 0 and hours >= end:
            raise ValueError(
                f"warmup_hours must be before the log's last event at {end:g} h "
                f"(0 <= warmup_hours < {end:g}), got {warmup_hours!r}"
            )
        self._tables = tables
        self.warmup_hours = hours
        self._relations: pd.DataFrame | None = None
        created = tables.of(_CREATED)
        ids = created["order_summary_id"].astype(object)
        early = (created["time_hours"] < hours).to_numpy()
        self._excluded = frozenset(ids[early].dropna())
        self._admitted = frozenset(ids[~early].dropna())

    def _kept(self, events: pd.DataFrame) -> np.ndarray:
        """Which of these events the warm-up keeps (boolean, one per row)."""
        ids = events["order_summary_id"].astype(object)
        excluded = ids.isin(self._excluded).to_numpy()
        admitted = ids.isin(self._admitted).to_numpy()
        late = (events["time_hours"] >= self.warmup_hours).to_numpy()
        return np.asarray(~excluded & (admitted | late), dtype=bool)

    def of(self, *activities: str) -> pd.DataFrame:
        """The kept events of these activities, in event order."""
        events = self._tables.of(*activities)
        if self.warmup_hours == 0:
            return events
        return events[self._kept(events)]

    @property
    def event_objects(self) -> pd.DataFrame:
        """The event-to-object rows of the kept events."""
        relations = self._tables.event_objects
        if self.warmup_hours == 0:
            return relations
        if self._relations is None:
            events = getattr(self._tables, "events", None)
            if not isinstance(events, pd.DataFrame):
                events = self._tables.of(*_EXCEPTION_EVENTS)
            kept = events["event_id"][self._kept(events)]
            self._relations = relations[relations["event_id"].isin(kept)]
        return self._relations

    def first_hours(self) -> float:
        """Start of the observed window (hours): the warm-up."""
        return self.warmup_hours

    def last_hours(self) -> float:
        """End of the observed window (hours): the wrapped log's last event."""
        return self._tables.last_hours()


def warmup_kpis(tables: EventTables, warmup_days: float) -> dict[str, Any]:
    """The KPIs of ``kpis.json`` (`omsim.analysis.kpis.kpis`) after a warm-up.

    Parameters
    ----------
    tables : EventTables
        The whole log of one run.
    warmup_days : float
        Days deleted from the start (see `WarmupTables` for what is kept); 0 gives
        ``kpis(tables)``.

    Returns
    -------
    dict
        The KPIs, keys as in ``kpis.json``.

    Raises
    ------
    ValueError
        When ``warmup_days`` is not finite and >= 0, or is at or after the log's last event.
    """
    days = _check_warmup(warmup_days, "warmup_days")
    if days == 0:
        return kpis(tables)
    end = tables.last_hours()
    if 24.0 * days >= end:
        raise ValueError(
            f"warmup_days must be before the log's last event at {end / 24.0:g} days "
            f"(0 <= warmup_days < {end / 24.0:g}), got {warmup_days!r}"
        )
    return kpis(WarmupTables(tables, 24.0 * days))


# --- KPI time series ------------------------------------------------------------------------

SERIES: dict[str, str] = {
    "mean_hours_to_delivery": (
        "mean hours from Order Summary creation to parcel delivery, by the period the order was "
        "created in (NaN for a period without any)"
    ),
    "order_summaries_created": "Order Summaries created in the period (exchanges included)",
    "exception_backlog": "process exceptions open at the end of the period",
}
"""The measures `kpi_series` computes, with what each period's value is."""

_UNITS = {
    "mean_hours_to_delivery": "hours to delivery",
    "order_summaries_created": "Order Summaries per period",
    "exception_backlog": "open process exceptions",
}


def _periods(tables: EventTables, period_hours: float) -> int:
    """Periods from 0 to the one holding the last event."""
    return math.floor(tables.last_hours() / period_hours) + 1


def _period_of(hours: pd.Series | np.ndarray, period_hours: float) -> np.ndarray:
    return np.floor(np.asarray(hours, dtype=float) / period_hours).astype(np.int64)


def _created_series(tables: EventTables, period_hours: float, n: int) -> np.ndarray:
    created = tables.of(_CREATED)
    periods = _period_of(created["time_hours"], period_hours)
    return np.bincount(periods, minlength=n)[:n].astype(float)


def _delivery_series(tables: EventTables, period_hours: float, n: int) -> np.ndarray:
    # the definition of ``mean_hours_to_delivery`` in `delivery_kpis`: each parcel's
    # ``hours_after_order``, here averaged by the period its Order Summary was created in
    delivered = tables.of("Parcel Delivered")
    if not len(delivered):
        return np.full(n, np.nan)
    hours = np.array(
        [json.loads(t).get("hours_after_order", np.nan) for t in delivered["attributes"]],
        dtype=float,
    )
    created = tables.of(_CREATED)
    created_at = pd.Series(
        created["time_hours"].to_numpy(dtype=float),
        index=created["order_summary_id"].astype(object),
    )
    created_at = created_at[~created_at.index.duplicated()]
    ids = delivered["order_summary_id"].astype(object)
    ordered = ids.map(created_at).to_numpy(dtype=float)
    own = delivered["time_hours"].to_numpy(dtype=float) - hours  # creation not in the log
    ordered = np.where(np.isnan(ordered), own, ordered)
    keep = ~np.isnan(hours) & ~np.isnan(ordered)
    periods = _period_of(ordered[keep], period_hours)
    inside = (periods >= 0) & (periods < n)
    totals = np.bincount(periods[inside], weights=hours[keep][inside], minlength=n)[:n]
    counts = np.bincount(periods[inside], minlength=n)[:n]
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(counts > 0, totals / np.maximum(counts, 1), np.nan)


def _backlog_series(tables: EventTables, period_hours: float, n: int) -> np.ndarray:
    steps = exception_backlog(tables)
    if not len(steps):
        return np.zeros(n)
    ends = (np.arange(n) + 1) * period_hours
    # steps before a period's end count (they are sorted by time, then event order)
    last = np.searchsorted(steps["time_hours"].to_numpy(dtype=float), ends, side="left") - 1
    values = steps["backlog"].to_numpy(dtype=float)
    return np.where(last >= 0, values[np.maximum(last, 0)], 0.0)


_MEASURES = {
    "mean_hours_to_delivery": _delivery_series,
    "order_summaries_created": _created_series,
    "exception_backlog": _backlog_series,
}


def kpi_series(tables: EventTables, measure: str, period_hours: float = 24.0) -> pd.Series:
    """A KPI per period of one run, from the event tables only (the input of `welch`).

    Parameters
    ----------
    tables : EventTables
        One run's event log.
    measure : str
        A name in `SERIES`.
    period_hours : float
        Length of a period (hours); period k covers [k * period_hours, (k + 1) * period_hours).

    Returns
    -------
    pandas.Series
        Float values indexed by period number 0, 1, 2, ... up to the period holding the log's
        last event (that one is usually partial: its counts are low).

    Raises
    ------
    ValueError
        For an unknown measure or a period that is not a positive finite number.

    Examples
    --------
    >>> import datetime
    >>> from omsim.eventlog import EventLog
    >>> log = EventLog(datetime.datetime(2026, 1, 1))
    >>> _ = log.note("Order Summary Created", 1.0, [("OS-1", "OrderSummary", "created")])
    >>> _ = log.note("Parcel Delivered", 40.0, [("OS-1", "OrderSummary", "order summary")],
    ...              hours_after_order=39.0)
    >>> kpi_series(log.tables(), "mean_hours_to_delivery").tolist()
    [39.0, nan]
    """
    compute = _MEASURES.get(measure)
    if compute is None:
        raise ValueError(f"unknown measure {measure!r}; allowed: {', '.join(sorted(SERIES))}")
    try:
        period = float(period_hours)
    except (TypeError, ValueError):
        period = math.nan
    if not math.isfinite(period) or period <= 0:
        raise ValueError(f"period_hours must be a finite number > 0, got {period_hours!r}")
    n = _periods(tables, period)
    values = np.asarray(compute(tables, period, n), dtype=float)
    return pd.Series(values, index=pd.RangeIndex(n, name="period"), name=measure, dtype=float)


# --- Welch's method ---------------------------------------------------------------------------


def welch(series: pd.DataFrame, window: int) -> pd.DataFrame:
    """Welch's moving average of a KPI over replications (Law & Kelton, section 9.5.1).

    Parameters
    ----------
    series : pandas.DataFrame
        One column per replication, one row per period (`kpi_series` of each run, side by
        side: ``pd.concat([kpi_series(t, m) for t in runs], axis=1)``).
    window : int
        Welch's window w >= 1, in periods; the series needs m > 2 w periods (Law & Kelton
        advise w <= m / 4).

    Returns
    -------
    pandas.DataFrame
        Columns ``period`` (the row labels of ``series``), ``mean`` (across replications, NaNs
        skipped) and ``moving_average``: for i = 1, ..., m - w (1-based), the mean of
        ``mean`` over i - s, ..., i + s with s = i - 1 for i <= w and s = w otherwise (NaNs
        skipped); NaN for the last w rows. ``attrs["window"]`` holds w.

    Raises
    ------
    ValueError
        When ``window`` is not an integer >= 1, or the series has m <= 2 w periods.

    Examples
    --------
    >>> frame = welch(pd.DataFrame({"a": [1.0, 2, 3, 4, 5], "b": [3.0, 4, 5, 6, 7]}), 2)
    >>> frame["mean"].tolist(), frame["moving_average"].tolist()
    ([2.0, 3.0, 4.0, 5.0, 6.0], [2.0, 3.0, 4.0, nan, nan])
    """
    if isinstance(window, bool) or not isinstance(window, int | np.integer) or window < 1:
        raise ValueError(f"window must be an integer >= 1, got {window!r}")
    w = int(window)
    m = len(series)
    if m <= 2 * w:
        raise ValueError(
            f"welch needs more than 2 * window periods: got {m} periods for window {w} "
            f"(allowed: window <= {(m - 1) // 2})"
        )
    mean = series.astype(float).mean(axis=1, skipna=True).to_numpy(dtype=float)
    moving = np.full(m, np.nan)
    for i in range(1, m - w + 1):
        s = i - 1 if i <= w else w
        part = mean[i - 1 - s : i + s]
        if not np.isnan(part).all():
            moving[i - 1] = float(np.nanmean(part))
    frame = pd.DataFrame(
        {"period": np.asarray(series.index), "mean": mean, "moving_average": moving}
    )
    frame.attrs["window"] = w
    return frame


def suggest_warmup(welch_frame: pd.DataFrame, tolerance: float = 0.05) -> int:
    """A warm-up read off Welch's moving average: where it reaches its plateau for good.

    The plateau is the mean of the moving average over the second half of its defined values;
    the warm-up is the first period from which every moving average stays within
    ``tolerance * |plateau|`` of it. A heuristic: look at `fig_welch` before trusting it (a
    plateau of 0 only admits moving averages of exactly 0; a drifting series has no plateau).

    Parameters
    ----------
    welch_frame : pandas.DataFrame
        What `welch` returns.
    tolerance : float
        Allowed relative distance from the plateau (a fraction, >= 0).

    Returns
    -------
    int
        The number of periods to delete: the ``period`` label of the first row in the plateau
        (with periods 0, 1, 2, ..., a warm-up of that many periods).

    Raises
    ------
    ValueError
        For a negative or non-finite tolerance, a frame without a moving average, or one whose
        last moving average is outside the band (no plateau reached).

    Examples
    --------
    >>> frame = welch(pd.DataFrame({"a": [0.0, 5, 9, 10, 10, 10, 10, 10, 10]}), 1)
    >>> suggest_warmup(frame, tolerance=0.05)
    3
    """
    if not math.isfinite(tolerance) or tolerance < 0:
        raise ValueError(f"tolerance must be a finite number >= 0, got {tolerance!r}")
    defined = welch_frame.dropna(subset=["moving_average"])
    if not len(defined):
        raise ValueError("welch_frame has no moving average to read a warm-up from")
    values = defined["moving_average"].to_numpy(dtype=float)
    plateau = float(values[len(values) // 2 :].mean())
    band = tolerance * abs(plateau)
    outside = np.flatnonzero(np.abs(values - plateau) > band)
    first = 0 if not len(outside) else int(outside[-1]) + 1
    if first >= len(values):
        raise ValueError(
            f"the moving average does not settle within tolerance {tolerance:g} of its plateau "
            f"{plateau:g}: no warm-up can be read off it (a larger tolerance or window may)"
        )
    return int(defined["period"].iloc[first])


def fig_welch(
    welch_frame: pd.DataFrame,
    measure: str,
    *,
    period_hours: float = 24.0,
    warmup_days: float | None = None,
) -> go.Figure:
    """Plot Welch's method: the mean per period (thin, light) and its moving average (bold).

    Parameters
    ----------
    welch_frame : pandas.DataFrame
        What `welch` returns (its ``attrs["window"]`` names the window in the title).
    measure : str
        The KPI's name (a key of `SERIES` gives the y axis its unit).
    period_hours : float
        Length of a period (hours): period k is drawn at day k * period_hours / 24, its start.
    warmup_days : float, optional
        Draw a vertical line at this warm-up (days).

    Returns
    -------
    plotly.graph_objects.Figure
        Two traces, ``"mean per period"`` and ``"moving average"``, against days.
    """
    days = welch_frame["period"].to_numpy(dtype=float) * period_hours / 24.0
    window = welch_frame.attrs.get("window")
    if window is None:  # not from `welch`: the trailing rows without a moving average
        defined = welch_frame["moving_average"].notna().to_numpy()
        window = len(defined) - (int(np.flatnonzero(defined)[-1]) + 1) if defined.any() else 0
    fig = go.Figure()
    fig.add_trace(
        go.Scatter(
            x=days,
            y=welch_frame["mean"],
            mode="lines",
            name="mean per period",
            line={"width": 1, "color": "rgba(99, 110, 250, 0.35)"},
        )
    )
    fig.add_trace(
        go.Scatter(
            x=days,
            y=welch_frame["moving_average"],
            mode="lines",
            name="moving average",
            line={"width": 3, "color": "rgb(99, 110, 250)"},
        )
    )
    if warmup_days is not None:
        fig.add_vline(
            x=float(warmup_days),
            line={"dash": "dash", "color": "gray"},
            annotation_text=f"warm-up {float(warmup_days):g} days",
        )
    unit = _UNITS.get(measure, measure)
    fig.update_layout(
        title=f"Welch's moving average of {measure} (window {window} periods of "
        f"{period_hours:g} h)",
        xaxis_title="time since start (days)",
        yaxis_title=f"{measure} ({unit})",
        template="plotly_white",
    )
    return fig
