"""Figures of process exceptions for operations: rates, backlog, time to resolve, outages.

A Salesforce Order Management ``ProcessException`` flags an order that needs a person; omsim's
service desk (``service.desk``: agents working set hours) resolves them. The figures here read
one run's event log (the backlog over time with the desk's hours, hours to resolve) or the tidy
frames of an experiment (`omsim.experiments.ExperimentResult`: exception rates per routing
strategy with 95% intervals, a sweep as a heatmap), and show what a payment gateway outage
(``faults.gateway_outages``) does to the backlog.

Times are in hours since the scenario start unless a name says days; the figures draw time in
days since the start. Rates are fractions (drawn as percentages). Intervals are 95% Student-t
intervals over replications, as in `omsim.experiments.stats.t_interval`. Nothing here runs the
model: a source is an event log's tables (`omsim.eventlog.EventTables`) or a run folder.
"""

from __future__ import annotations

import datetime as dt
import math
import tempfile
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from omsim.analysis.service_kpis import exception_backlog, exception_lifecycles
from omsim.eventlog import EventTables
from omsim.eventlog_activities import ActivityLog

if TYPE_CHECKING:
    from omsim.experiments.experiment import ExperimentResult
    from omsim.scenario import Scenario

__all__ = [
    "BREAKDOWN_LABELS",
    "backlog_at",
    "breakdown_intervals",
    "desk_open_windows",
    "exception_frames",
    "fig_backlog_compare",
    "fig_breakdown_heatmap",
    "fig_exception_backlog",
    "fig_exception_rates",
    "fig_hours_to_resolve",
    "fig_sweep_heatmap",
    "hours_to_clear",
    "outage_effect",
    "outage_hours",
    "outage_window",
    "resolve_times",
    "sweep_cells",
]

CONFIDENCE = 0.95
"""Two-sided confidence level of the intervals drawn (as `omsim.experiments.stats`)."""

BREAKDOWN_LABELS = {
    "order_summaries_with_exception_rate_by_category": "Share of Order Summaries with an exception",
    "exceptions_per_fulfillment_order_by_location": "Exceptions per fulfillment order",
    "process_exceptions_by_category": "Process exceptions raised (count)",
    "process_exceptions_by_kind": "Process exceptions raised (count)",
    "process_exceptions_by_location": "Process exceptions raised (count)",
}
"""Axis labels of the exception breakdowns of ``kpis.json`` (docs/kpis.md)."""

ALL = "All"
"""The name of the group that holds every exception (or the breakdown's total KPI)."""

_DESK_FILL = "rgba(44, 160, 44, 0.12)"
_OUTAGE_FILL = "rgba(214, 39, 40, 0.18)"
_COLORS = ("#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b")


# --- reading a run ------------------------------------------------------------------------------


def exception_frames(
    source: EventTables | Path | str,
) -> tuple[pd.DataFrame, pd.DataFrame, float]:
    """One run's process exceptions, backlog and last event hour.

    Parameters
    ----------
    source : EventTables or path
        An event log's tables, or a run folder (read an activity at a time, `ActivityLog`).

    Returns
    -------
    lifecycles : pandas.DataFrame
        `omsim.analysis.service_kpis.exception_lifecycles`: one row per exception, hours.
    backlog : pandas.DataFrame
        `omsim.analysis.service_kpis.exception_backlog`: ``time_hours``, ``backlog`` steps.
    last_hours : float
        Hour of the log's last event.
    """
    if isinstance(source, Path | str):
        with ActivityLog(source, scratch=tempfile.gettempdir()) as log:
            return exception_frames(log)
    return exception_lifecycles(source), exception_backlog(source), float(source.last_hours())


# --- the desk's hours and outage windows --------------------------------------------------------


def desk_open_windows(
    open_hour: float, close_hour: float, horizon_hours: float, start_hour: float = 0.0
) -> list[tuple[float, float]]:
    """The windows when a team working ``open_hour``-``close_hour`` (local clock) is open.

    Parameters
    ----------
    open_hour, close_hour : float
        Hours of day, 0-24, ``open_hour < close_hour`` (``service.desk``).
    horizon_hours : float
        Length of the run, hours.
    start_hour : float
        Hour of day at hour 0 of the run (the scenario's ``start``; 0 for midnight).

    Returns
    -------
    list of (float, float)
        ``(start, end)`` in hours since the scenario start, clipped to [0, horizon_hours],
        adjacent windows merged (a desk open 0-24 is one window).

    Examples
    --------
    >>> desk_open_windows(8, 20, 48)
    [(8.0, 20.0), (32.0, 44.0)]
    >>> desk_open_windows(8, 20, 30, start_hour=12)
    [(0.0, 8.0), (20.0, 30.0)]
    """
    if not 0 <= open_hour < close_hour <= 24:
        raise ValueError(
            f"open_hour {open_hour!r} and close_hour {close_hour!r}: 0 <= open < close <= 24"
        )
    windows: list[tuple[float, float]] = []
    day = -1
    while 24.0 * day - start_hour < horizon_hours:
        begin = max(0.0, 24.0 * day + open_hour - start_hour)
        end = min(float(horizon_hours), 24.0 * day + close_hour - start_hour)
        if end > begin:
            if windows and windows[-1][1] >= begin:
                windows[-1] = (windows[-1][0], end)
            else:
                windows.append((float(begin), float(end)))
        day += 1
    return windows


def _desk(
    scenario: Scenario | None,
    open_hour: float | None,
    close_hour: float | None,
    start_hour: float | None,
) -> tuple[float, float, float] | None:
    """The desk's hours from the arguments, else from the scenario; None when neither."""
    desk = scenario.service.desk if scenario is not None else None
    opens = open_hour if open_hour is not None else (desk.open_hour if desk else None)
    closes = close_hour if close_hour is not None else (desk.close_hour if desk else None)
    if opens is None or closes is None:
        return None
    if start_hour is None:
        start_hour = 0.0 if scenario is None else _start_hour(scenario)
    return float(opens), float(closes), float(start_hour)


def _start_hour(scenario: Scenario) -> float:
    """The hour of day at the run's hour 0 (as the model's sites read the clock)."""
    return scenario.start.hour + scenario.start.minute / 60


def outage_window(scenario: Scenario, day: float, hours: float) -> dict[str, Any]:
    """The override that adds a payment gateway outage to ``scenario``.

    Parameters
    ----------
    scenario : Scenario
        The scenario the variant is made from (its ``start`` and horizon).
    day : float
        Days from the scenario's start to the outage's start (3.5 is noon of the fourth day).
    hours : float
        The outage's length, hours > 0.

    Returns
    -------
    dict
        ``{"faults.gateway_outages": [..., {"start": datetime, "end": datetime}]}``: the
        scenario's own gateway outages and this one, an override for `omsim.experiments.compare`.

    Raises
    ------
    ValueError
        When the window does not lie inside the run, [start, start + horizon_days].
    """
    if not (math.isfinite(day) and math.isfinite(hours)) or day < 0 or hours <= 0:
        raise ValueError(f"outage: got day {day!r}, hours {hours!r}: day >= 0 and hours > 0")
    if 24.0 * day + hours > scenario.horizon_hours:
        raise ValueError(
            f"outage: day {day:g} + {hours:g} hours ends after the horizon "
            f"({scenario.horizon_days:g} days of scenario {scenario.name!r}); choose an earlier "
            "day, a shorter outage or a longer horizon"
        )
    begin = scenario.start + dt.timedelta(days=day)
    window = {"start": begin, "end": begin + dt.timedelta(hours=hours)}
    existing = [w.model_dump() for w in scenario.faults.gateway_outages]
    return {"faults.gateway_outages": [*existing, window]}


def outage_hours(
    scenario: Scenario, overrides: Mapping[str, Any] | None = None
) -> list[tuple[float, float]]:
    """The gateway outages as ``(start, end)`` hours since the scenario start.

    Parameters
    ----------
    scenario : Scenario
        The scenario (its ``start``; its own ``faults.gateway_outages`` when ``overrides`` has
        none).
    overrides : mapping, optional
        Dotted-key overrides such as `outage_window` returns; their
        ``faults.gateway_outages`` replace the scenario's.
    """
    windows: list[Any] = list(scenario.faults.gateway_outages)
    if overrides and "faults.gateway_outages" in overrides:
        windows = list(overrides["faults.gateway_outages"])
    out = []
    for window in windows:
        begin = window["start"] if isinstance(window, Mapping) else window.start
        end = window["end"] if isinstance(window, Mapping) else window.end
        out.append((scenario.hours_since_start(begin), scenario.hours_since_start(end)))
    return out


# --- intervals over replications ----------------------------------------------------------------


def _interval(
    values: np.ndarray, confidence: float = CONFIDENCE
) -> tuple[int, float, float, float]:
    """n, mean and the Student-t interval of the finite values (NaN bounds below two), as
    `omsim.experiments.stats.t_interval` computes every interval of an experiment."""
    from omsim.experiments.stats import t_interval  # experiments import analysis, not back

    interval = t_interval(values, confidence)
    return interval.n, interval.mean, interval.low, interval.high


def _label(result: ExperimentResult) -> str:
    return result.label or "variant"


def _frame(result: ExperimentResult) -> pd.DataFrame:
    """The replications, with a variant column even for a plain `replicate` (``base``)."""
    frame = result.replications
    if result.label is None:
        frame = frame.assign(variant="base")
    return frame


def breakdown_intervals(
    result: ExperimentResult,
    breakdown: str,
    *,
    total: str | None = None,
    missing: float | None = 0.0,
    confidence: float = CONFIDENCE,
) -> pd.DataFrame:
    """Mean and 95% interval, per variant and key, of a breakdown KPI over replications.

    Parameters
    ----------
    result : ExperimentResult
        From `replicate`, `compare` or `sweep`.
    breakdown : str
        A breakdown of ``kpis.json``, flattened in ``result.replications`` as
        ``<breakdown>.<key>``, e.g. ``order_summaries_with_exception_rate_by_category``.
    total : str, optional
        A scalar KPI shown as the key ``"All"`` first (``order_summaries_with_exception_rate``).
    missing : float or None
        The value of a key a finished replication did not produce (a category without an
        exception is left out of ``kpis.json``): 0.0 by default, right for counts and rates;
        None leaves it out of that key's mean.
    confidence : float
        Two-sided confidence level.

    Returns
    -------
    pandas.DataFrame
        Columns: the variant column (``variant``, or ``cell`` in a sweep), ``key``, ``n``,
        ``mean``, ``ci_low``, ``ci_high`` (NaN bounds with fewer than two replications), in
        the experiment's variant order and the keys sorted (``"All"`` first).
    """
    frame = _frame(result)
    label = _label(result)
    prefix = f"{breakdown}."
    columns = sorted(c for c in frame.columns if c.startswith(prefix))
    if not columns and breakdown not in BREAKDOWN_LABELS and total is None:
        raise ValueError(f"breakdown: no {prefix}<key> columns in the replications")
    keys = [(total, ALL)] if total is not None else []
    keys += [(c, c[len(prefix) :]) for c in columns]
    rows = []
    for variant in dict.fromkeys(frame[label]):
        mine = frame[frame[label] == variant]
        for column, key in keys:
            values = pd.to_numeric(mine[column], errors="coerce").to_numpy(dtype=float)
            if missing is not None:
                values = np.where(np.isnan(values), missing, values)
            n, mean, low, high = _interval(values, confidence)
            rows.append(
                {label: variant, "key": key, "n": n, "mean": mean, "ci_low": low, "ci_high": high}
            )
    return pd.DataFrame(rows, columns=[label, "key", "n", "mean", "ci_low", "ci_high"])


def sweep_cells(
    result: ExperimentResult,
    kpi: str,
    *,
    missing: float | None = None,
    confidence: float = CONFIDENCE,
) -> pd.DataFrame:
    """Mean and 95% interval of one KPI in every cell of a sweep.

    Parameters
    ----------
    result : ExperimentResult
        From `omsim.experiments.sweep`.
    kpi : str
        A column of ``result.replications`` (a scalar KPI or a flattened breakdown key).
    missing : float or None
        Value of a missing (NaN) entry; None drops it.

    Returns
    -------
    pandas.DataFrame
        ``cell``, a column per grid key (its value), ``n``, ``mean``, ``ci_low``, ``ci_high``,
        one row per cell in the grid's order.
    """
    if result.kind != "sweep":
        raise ValueError(f"result: a {result.kind!r} experiment; sweep_cells needs a sweep")
    frame = result.replications
    if kpi not in frame.columns:
        raise ValueError(f"kpi: got {kpi!r}; not a column of the sweep's replications")
    keys = list(result.settings["grid"])
    rows = []
    for cell in dict.fromkeys(frame["cell"]):
        mine = frame[frame["cell"] == cell]
        values = pd.to_numeric(mine[kpi], errors="coerce").to_numpy(dtype=float)
        if missing is not None:
            values = np.where(np.isnan(values), missing, values)
        n, mean, low, high = _interval(values, confidence)
        first = mine.iloc[0]
        rows.append(
            {
                "cell": cell,
                **{k: first[k] for k in keys},
                "n": n,
                "mean": mean,
                "ci_low": low,
                "ci_high": high,
            }
        )
    return pd.DataFrame(rows, columns=["cell", *keys, "n", "mean", "ci_low", "ci_high"])


# --- one run: backlog and hours to resolve ------------------------------------------------------


def backlog_at(backlog: pd.DataFrame, hours: Sequence[float] | np.ndarray) -> np.ndarray:
    """The active-exception count at each instant (after every step at that instant).

    ``backlog`` is `exception_backlog`'s step function; before its first step the count is 0.
    """
    times = backlog["time_hours"].to_numpy(dtype=float)
    counts = backlog["backlog"].to_numpy(dtype=float)
    at = np.searchsorted(times, np.asarray(hours, dtype=float), side="right") - 1
    if not len(counts):
        return np.zeros(len(at))
    return np.where(at >= 0, counts[np.clip(at, 0, None)], 0.0)


def _steps(backlog: pd.DataFrame, horizon_hours: float) -> tuple[list[float], list[float]]:
    """The step function's points from hour 0 to the horizon (x in days), for ``line_shape="hv"``.

    Steps at one instant are kept in log order, so the line draws each jump; the last count
    is held to the horizon.
    """
    times = backlog["time_hours"].to_list()
    counts = backlog["backlog"].to_list()
    x = [0.0, *times]
    y = [0, *counts]
    end = max(horizon_hours, times[-1] if times else 0.0)
    x.append(end)
    y.append(y[-1])
    return [t / 24.0 for t in x], [float(v) for v in y]


def _vrects(fig: go.Figure, windows: Sequence[tuple[float, float]], color: str) -> None:
    for begin, end in windows:
        fig.add_vrect(x0=begin / 24.0, x1=end / 24.0, fillcolor=color, line_width=0, layer="below")


def _legend_swatch(fig: go.Figure, name: str, color: str) -> None:
    """A legend entry for shaded windows (shapes have none): a trace with no data."""
    fig.add_trace(
        go.Scatter(
            x=[None],
            y=[None],
            mode="markers",
            name=name,
            marker={"symbol": "square", "size": 14, "color": color},
            hoverinfo="skip",
        )
    )


def fig_exception_backlog(
    source: EventTables | Path | str,
    scenario: Scenario | None = None,
    *,
    open_hour: float | None = None,
    close_hour: float | None = None,
    start_hour: float | None = None,
    horizon_hours: float | None = None,
    title: str = "Active process exceptions over time, service desk hours shaded",
) -> go.Figure:
    """The backlog of active process exceptions as a step function, with the desk's hours.

    Parameters
    ----------
    source : EventTables or path
        One run's event log, or its run folder.
    scenario : Scenario, optional
        Gives the desk's hours (``service.desk.open_hour``, ``close_hour``), the clock's hour
        at the start and the horizon; each can be given instead.
    open_hour, close_hour : float, optional
        The desk's hours of day (local clock), overriding the scenario's.
    start_hour : float, optional
        Hour of day at hour 0 of the run (default: the scenario's start, else 0).
    horizon_hours : float, optional
        Where the line ends (default: the scenario's horizon, else the last event).
    title : str

    Returns
    -------
    plotly.graph_objects.Figure
        Trace 0, "Active exceptions": x in days since the start, y the count, drawn as steps
        (``line_shape="hv"``); with desk hours, a legend entry "Service desk open" and one
        shaded rectangle (layout shape) per open window.
    """
    _, backlog, last = exception_frames(source)
    horizon = _horizon(scenario, horizon_hours, last)
    x, y = _steps(backlog, horizon)
    fig = go.Figure()
    fig.add_trace(
        go.Scatter(
            x=x,
            y=y,
            mode="lines",
            line_shape="hv",
            name="Active exceptions",
            line={"color": _COLORS[0]},
            hovertemplate="day %{x:.2f}<br>%{y} active<extra></extra>",
        )
    )
    desk = _desk(scenario, open_hour, close_hour, start_hour)
    if desk is not None:
        _vrects(fig, desk_open_windows(desk[0], desk[1], horizon, desk[2]), _DESK_FILL)
        _legend_swatch(fig, "Service desk open", _DESK_FILL.replace("0.12", "0.5"))
    fig.update_layout(
        title=title,
        xaxis_title="Days since the scenario start",
        yaxis_title="Active process exceptions (count)",
        hovermode="x unified",
    )
    fig.update_xaxes(range=[0, horizon / 24.0])
    return fig


def _horizon(scenario: Scenario | None, horizon_hours: float | None, last: float) -> float:
    if horizon_hours is not None:
        return float(horizon_hours)
    if scenario is not None:
        return float(scenario.horizon_hours)
    return last


def resolve_times(source: EventTables | Path | str, by: str = "category") -> pd.DataFrame:
    """Hours to resolve per group: closed and open exceptions, mean and 90th percentile.

    Parameters
    ----------
    source : EventTables or path
        One run's event log, or its run folder.
    by : {"category", "kind", "location_id"}
        The group: Salesforce's ``Category`` (Payment, Fulfillment, Returns, ...), omsim's kind
        (``capture failed``, ``store rejection``, ...) or the location.

    Returns
    -------
    pandas.DataFrame
        ``group``, ``raised``, ``closed``, ``open_at_end``, ``mean_hours``, ``p90_hours``
        (hours from raised to resolved or ignored, over closed exceptions; NaN with none), the
        row ``"All"`` first (its mean and p90 are ``mean_hours_to_resolve`` and
        ``p90_hours_to_resolve`` of ``kpis.json``), then the groups by name.
    """
    life, _, _ = exception_frames(source)
    return _resolve_times(life, by)


def _resolve_times(life: pd.DataFrame, by: str) -> pd.DataFrame:
    if by not in ("category", "kind", "location_id"):
        raise ValueError(f"by: got {by!r}; choose category, kind or location_id")
    groups = [(ALL, life)]
    groups += [(str(k), g) for k, g in life.groupby(by, sort=True, dropna=True)]
    rows = []
    for name, group in groups:
        hours = group["hours_to_resolve"].dropna().to_numpy(dtype=float)
        rows.append(
            {
                "group": name,
                "raised": len(group),
                "closed": len(hours),
                "open_at_end": int(group["closed_hours"].isna().sum()),
                "mean_hours": float(hours.mean()) if len(hours) else math.nan,
                "p90_hours": float(np.quantile(hours, 0.9)) if len(hours) else math.nan,
            }
        )
    return pd.DataFrame(rows)


def fig_hours_to_resolve(
    source: EventTables | Path | str,
    by: str = "category",
    *,
    log_x: bool = False,
    title: str = "Hours to resolve a process exception",
) -> go.Figure:
    """The distribution of hours to resolve per group, with the mean and 90th percentile.

    Parameters
    ----------
    source : EventTables or path
        One run's event log, or its run folder.
    by : {"category", "kind", "location_id"}
        The group (see `resolve_times`).
    log_x : bool
        Hours on a log axis (an outage's backlog stretches the tail to days).
    title : str

    Returns
    -------
    plotly.graph_objects.Figure
        One horizontal ``Box`` per group with a closed exception (``"All"`` first, on top), x
        its exceptions' hours to resolve, y the group's label ``"<group> (n=<closed>)"``; then
        a "mean" and a "p90" ``Scatter`` with one marker per group (the figures of
        `resolve_times`).
    """
    life, _, _ = exception_frames(source)
    table = _resolve_times(life, by)
    table = table[table["closed"] > 0]
    labels = [f"{g} (n={n})" for g, n in zip(table["group"], table["closed"], strict=True)]
    fig = go.Figure()
    for group, label in zip(table["group"], labels, strict=True):
        members = life if group == ALL else life[life[by].astype(str) == group]
        hours = members["hours_to_resolve"].dropna().to_numpy(dtype=float)
        fig.add_trace(
            go.Box(
                x=hours,
                y=[label] * len(hours),
                name=label,
                orientation="h",
                boxpoints="outliers",
                marker={"color": _COLORS[0], "size": 4},
                line={"color": _COLORS[0]},
                showlegend=False,
            )
        )
    for column, name, symbol, color in (
        ("mean_hours", "mean", "diamond", _COLORS[3]),
        ("p90_hours", "p90", "line-ns-open", _COLORS[1]),
    ):
        fig.add_trace(
            go.Scatter(
                x=table[column].to_list(),
                y=labels,
                mode="markers",
                name=name,
                marker={
                    "symbol": symbol,
                    "size": 14,
                    "color": color,
                    "line": {"width": 3, "color": color},
                },
                hovertemplate=f"{name} %{{x:.2f}} h<extra>%{{y}}</extra>",
            )
        )
    fig.update_layout(
        title=title,
        xaxis_title="Hours from raised to resolved or ignored",
        yaxis_title=f"Exception {by.replace('_id', '')}",
        boxmode="overlay",
    )
    fig.update_yaxes(categoryorder="array", categoryarray=labels[::-1])
    if log_x:
        fig.update_xaxes(type="log")
    return fig


# --- experiments: rates by strategy, sweeps -----------------------------------------------------


def _errors(table: pd.DataFrame) -> dict[str, Any]:
    """``error_y`` of the intervals (no bar where a bound is unknown)."""
    plus = (table["ci_high"] - table["mean"]).to_numpy(dtype=float)
    minus = (table["mean"] - table["ci_low"]).to_numpy(dtype=float)
    return {
        "type": "data",
        "symmetric": False,
        "array": [None if math.isnan(v) else v for v in plus],
        "arrayminus": [None if math.isnan(v) else v for v in minus],
    }


def fig_exception_rates(
    result: ExperimentResult,
    breakdown: str = "order_summaries_with_exception_rate_by_category",
    *,
    total: str | None = None,
    sort: bool = False,
    value_format: str = ".1%",
    title: str | None = None,
) -> go.Figure:
    """A breakdown of exceptions per variant (routing strategy) with 95% intervals.

    Parameters
    ----------
    result : ExperimentResult
        From `compare` (a bar per variant), `replicate` or `sweep` (a bar per cell).
    breakdown : str
        ``order_summaries_with_exception_rate_by_category`` (share of Order Summaries with an
        exception of the category), ``exceptions_per_fulfillment_order_by_location`` or a
        count breakdown (``process_exceptions_by_kind``, ...).
    total : str, optional
        A scalar KPI drawn as the group ``"All"`` first (``order_summaries_with_exception_rate``).
    sort : bool
        Order the keys by their mean over the variants, largest first (else by name).
    value_format : str
        d3 format of the values (``".1%"`` for rates, ``",.0f"`` for counts).
    title : str, optional

    Returns
    -------
    plotly.graph_objects.Figure
        One ``Bar`` trace per variant, named by it: x the breakdown's keys, y the mean over
        replications, ``error_y`` the 95% interval (`breakdown_intervals`, a missing key
        counting 0).
    """
    table = breakdown_intervals(result, breakdown, total=total)
    label = _label(result)
    keys = list(dict.fromkeys(table["key"]))
    if sort:
        order = (
            table[table["key"] != ALL].groupby("key")["mean"].mean().sort_values(ascending=False)
        )
        keys = [k for k in keys if k == ALL] + list(order.index)
    fig = go.Figure()
    for i, variant in enumerate(dict.fromkeys(table[label])):
        mine = table[table[label] == variant].set_index("key").reindex(keys).reset_index()
        fig.add_trace(
            go.Bar(
                x=mine["key"].to_list(),
                y=mine["mean"].to_list(),
                name=str(variant),
                marker_color=_COLORS[i % len(_COLORS)],
                error_y=_errors(mine),
                customdata=np.stack([mine["ci_low"], mine["ci_high"], mine["n"]], axis=1),
                hovertemplate=(
                    f"{variant}<br>%{{x}}: %{{y:{value_format}}}<br>95% interval "
                    f"[%{{customdata[0]:{value_format}}}, %{{customdata[1]:{value_format}}}]"
                    "<br>n = %{customdata[2]}<extra></extra>"
                ),
            )
        )
    what = breakdown.rsplit("_by_", 1)[-1].replace("_", " ") if "_by_" in breakdown else "key"
    fig.update_layout(
        title=title
        or f"{BREAKDOWN_LABELS.get(breakdown, breakdown)}, by {what} and {label} (95% intervals)",
        barmode="group",
        xaxis_title=what.capitalize(),
        yaxis_title=BREAKDOWN_LABELS.get(breakdown, breakdown),
        legend_title=label,
    )
    fig.update_yaxes(tickformat=value_format, rangemode="tozero")
    return fig


def fig_breakdown_heatmap(
    result: ExperimentResult,
    breakdown: str = "exceptions_per_fulfillment_order_by_location",
    *,
    value_format: str = ".1%",
    title: str | None = None,
) -> go.Figure:
    """A breakdown with many keys (locations) against the variants, as a heatmap.

    Parameters
    ----------
    result : ExperimentResult
        From `compare` (a column per variant), `replicate` or `sweep`.
    breakdown : str
        A breakdown of ``kpis.json`` (see `fig_exception_rates`).
    value_format : str
        d3 format of the values in the cells and on hover.
    title : str, optional

    Returns
    -------
    plotly.graph_objects.Figure
        One ``Heatmap``: ``x`` the variants, ``y`` the keys ordered by their mean over the
        variants (largest at the top), ``z[i][j]`` the mean of key ``y[i]`` in variant
        ``x[j]`` (`breakdown_intervals`, a missing key counting 0) and ``customdata[i][j]``
        its 95% interval bounds and n.
    """
    table = breakdown_intervals(result, breakdown)
    label = _label(result)
    variants = list(dict.fromkeys(table[label]))
    keys = list(
        table.groupby("key")["mean"].mean().sort_values(ascending=False, kind="stable").index
    )
    z = np.full((len(keys), len(variants)), np.nan)
    custom = np.full((len(keys), len(variants), 3), np.nan)
    for _, row in table.iterrows():
        i, j = keys.index(row["key"]), variants.index(row[label])
        z[i, j] = row["mean"]
        custom[i, j] = (row["ci_low"], row["ci_high"], row["n"])
    fmt = value_format
    name = BREAKDOWN_LABELS.get(breakdown, breakdown)
    what = breakdown.rsplit("_by_", 1)[-1].replace("_", " ") if "_by_" in breakdown else "key"
    fig = go.Figure(
        go.Heatmap(
            x=[str(v) for v in variants],
            y=keys,
            z=z,
            customdata=custom,
            texttemplate=f"%{{z:{fmt}}}",
            colorscale="YlOrRd",
            colorbar={"title": {"text": name}, "tickformat": fmt},
            hovertemplate=(
                f"%{{y}}, %{{x}}<br>mean %{{z:{fmt}}}<br>95% interval "
                f"[%{{customdata[0]:{fmt}}}, %{{customdata[1]:{fmt}}}]<br>"
                "n = %{customdata[2]}<extra></extra>"
            ),
        )
    )
    fig.update_layout(
        title=title or f"{name}, by {what} and {label} (mean over replications)",
        xaxis_title=label.capitalize(),
        yaxis_title=what.capitalize(),
        height=max(420, 22 * len(keys) + 180),
        margin={"t": 120},
    )
    fig.update_xaxes(type="category", side="top")
    fig.update_yaxes(type="category", autorange="reversed")
    return fig


def _axis_text(value: Any) -> str:
    return f"{value:g}" if isinstance(value, float) else str(value)


def fig_sweep_heatmap(
    result: ExperimentResult,
    kpi: str = "order_summaries_with_exception_rate",
    *,
    x: str | None = None,
    y: str | None = None,
    value_format: str = ".3g",
    label: str | None = None,
    title: str | None = None,
) -> go.Figure:
    """A two-way sweep as a heatmap: each cell's mean over replications, the 95% interval on
    hover.

    Parameters
    ----------
    result : ExperimentResult
        From `omsim.experiments.sweep` over two grid keys.
    kpi : str
        A column of the replications, e.g. ``order_summaries_with_exception_rate`` (a rate),
        ``mean_hours_to_resolve`` (hours) or ``peak_exception_backlog`` (a count).
    x, y : str, optional
        The grid keys across and down (default: the second and the first).
    value_format : str
        d3 format of the values in the cells and on hover (``".1%"`` for a rate).
    label : str, optional
        The colour bar's title, with the unit (default: the KPI's name).
    title : str, optional

    Returns
    -------
    plotly.graph_objects.Figure
        One ``Heatmap``: ``x`` and ``y`` the grid values as text (in grid order), ``z[i][j]``
        the mean of cell (``y[i]``, ``x[j]``), ``customdata[i][j]`` its interval bounds and n.
    """
    keys = list(result.settings["grid"])
    if len(keys) != 2 and (x is None or y is None):
        raise ValueError(f"grid: {len(keys)} keys; a heatmap needs two (or give x and y)")
    y = y or keys[0]
    x = x or next(k for k in keys if k != y)
    cells = sweep_cells(result, kpi)
    xs = list(dict.fromkeys(result.settings["grid"][x]))
    ys = list(dict.fromkeys(result.settings["grid"][y]))
    z = np.full((len(ys), len(xs)), np.nan)
    custom = np.full((len(ys), len(xs), 3), np.nan)
    for _, row in cells.iterrows():
        i, j = ys.index(row[y]), xs.index(row[x])
        z[i, j] = row["mean"]
        custom[i, j] = (row["ci_low"], row["ci_high"], row["n"])
    fmt = value_format
    fig = go.Figure(
        go.Heatmap(
            x=[_axis_text(v) for v in xs],
            y=[_axis_text(v) for v in ys],
            z=z,
            customdata=custom,
            texttemplate=f"%{{z:{fmt}}}",
            colorscale="YlOrRd",
            colorbar={"title": {"text": label or kpi}, "tickformat": fmt},
            hovertemplate=(
                f"{x} = %{{x}}<br>{y} = %{{y}}<br>mean %{{z:{fmt}}}<br>95% interval "
                f"[%{{customdata[0]:{fmt}}}, %{{customdata[1]:{fmt}}}]<br>"
                "n = %{customdata[2]}<extra></extra>"
            ),
        )
    )
    fig.update_layout(
        title=title or f"{label or kpi}: mean over replications per sweep cell",
        xaxis_title=x,
        yaxis_title=y,
    )
    fig.update_xaxes(type="category")
    fig.update_yaxes(type="category")
    return fig


# --- a gateway outage against the baseline ------------------------------------------------------


def hours_to_clear(baseline: pd.DataFrame, variant: pd.DataFrame, after: float) -> float:
    """Hours from ``after`` until the variant's backlog is back down to the baseline's.

    Both are `exception_backlog` step functions of runs on the same seed. The answer is the
    first instant at or after ``after`` when the variant has no more active exceptions than
    the baseline, minus ``after``; NaN when that never happens before the logs end.
    """
    times = np.concatenate(
        [[after], baseline["time_hours"].to_numpy(float), variant["time_hours"].to_numpy(float)]
    )
    times = np.unique(times[times >= after])
    cleared = np.nonzero(backlog_at(variant, times) <= backlog_at(baseline, times))[0]
    return float(times[cleared[0]] - after) if len(cleared) else math.nan


def outage_effect(
    baseline: EventTables | Path | str,
    variant: EventTables | Path | str,
    outage: tuple[float, float],
    labels: tuple[str, str] = ("baseline", "gateway outage"),
) -> pd.DataFrame:
    """What an outage did to the desk's work: one row per run.

    Parameters
    ----------
    baseline, variant : EventTables or path
        The runs without and with the outage, on the same seed.
    outage : (float, float)
        The outage window, hours since the start (`outage_hours`).
    labels : (str, str)
        The runs' names.

    Returns
    -------
    pandas.DataFrame
        Indexed by run: ``raised_in_outage`` (exceptions raised in the window),
        ``raised_payment`` (Payment exceptions in the run), ``peak_backlog``,
        ``peak_day`` (days since the start of the first peak), ``open_at_end`` and
        ``hours_to_clear`` (variant only: from the outage's end until its backlog is no
        larger than the baseline's, `hours_to_clear`; NaN if not before the end).
    """
    begin, end = outage
    rows = []
    frames = [exception_frames(baseline), exception_frames(variant)]
    for (life, backlog, _), name in zip(frames, labels, strict=True):
        raised = life["raised_hours"]
        peak_at = backlog["backlog"].idxmax() if len(backlog) else None
        rows.append(
            {
                "run": name,
                "raised_in_outage": int(((raised >= begin) & (raised < end)).sum()),
                "raised_payment": int((life["category"] == "Payment").sum()),
                "peak_backlog": int(backlog["backlog"].max()) if len(backlog) else 0,
                "peak_day": (
                    float(backlog.loc[peak_at, "time_hours"]) / 24.0
                    if peak_at is not None
                    else math.nan
                ),
                "open_at_end": int(life["closed_hours"].isna().sum()),
                "hours_to_clear": math.nan,
            }
        )
    rows[1]["hours_to_clear"] = hours_to_clear(frames[0][1], frames[1][1], end)
    return pd.DataFrame(rows).set_index("run")


def fig_backlog_compare(
    baseline: EventTables | Path | str,
    variant: EventTables | Path | str,
    *,
    outages: Sequence[tuple[float, float]] = (),
    labels: tuple[str, str] = ("baseline", "gateway outage"),
    scenario: Scenario | None = None,
    desk_hours: bool = False,
    horizon_hours: float | None = None,
    title: str = "Active process exceptions: baseline and gateway outage, same seed",
) -> go.Figure:
    """Two runs' backlogs overlaid, the outage window shaded.

    Parameters
    ----------
    baseline, variant : EventTables or path
        The runs without and with the fault, on the same seed (e.g. a `compare` with
        ``keep_runs``, ``ExperimentResult.run_folders(0)``).
    outages : sequence of (float, float)
        Windows to shade, hours since the start (`outage_hours`).
    labels : (str, str)
        The runs' names in the legend.
    scenario : Scenario, optional
        Gives the horizon and, with ``desk_hours``, the desk's hours.
    desk_hours : bool
        Shade the desk's open hours too.
    horizon_hours : float, optional
        Where the lines end (default: the scenario's horizon, else the later last event).
    title : str

    Returns
    -------
    plotly.graph_objects.Figure
        Traces 0 and 1, named by ``labels``: step functions as in `fig_exception_backlog`
        (x days, y active exceptions); a legend entry "Gateway outage" when windows are given
        and one shaded rectangle per window (layout shapes, outages first).
    """
    (_, before, last0), (_, after, last1) = exception_frames(baseline), exception_frames(variant)
    horizon = _horizon(scenario, horizon_hours, max(last0, last1))
    fig = go.Figure()
    for backlog, name, color in ((before, labels[0], _COLORS[0]), (after, labels[1], _COLORS[1])):
        x, y = _steps(backlog, horizon)
        fig.add_trace(
            go.Scatter(
                x=x,
                y=y,
                mode="lines",
                line_shape="hv",
                name=name,
                line={"color": color},
                hovertemplate=f"{name}<br>day %{{x:.2f}}: %{{y}} active<extra></extra>",
            )
        )
    if outages:
        _vrects(fig, outages, _OUTAGE_FILL)
        _legend_swatch(fig, "Gateway outage", _OUTAGE_FILL.replace("0.18", "0.6"))
    if desk_hours and scenario is not None:
        desk = _desk(scenario, None, None, None)
        if desk is not None:
            _vrects(fig, desk_open_windows(desk[0], desk[1], horizon, desk[2]), _DESK_FILL)
            _legend_swatch(fig, "Service desk open", _DESK_FILL.replace("0.12", "0.5"))
    fig.update_layout(
        title=title,
        xaxis_title="Days since the scenario start",
        yaxis_title="Active process exceptions (count)",
    )
    fig.update_xaxes(range=[0, horizon / 24.0])
    return fig
