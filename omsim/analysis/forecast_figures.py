"""Figures of the licensing forecast notebook: the fan chart and the backtest.

Salesforce licenses Order Management by the number of managed Order Summaries created or by their
GMV. `omsim.forecast` forecasts both per calendar month from an order history (a seasonal model
beside a seasonal-naive baseline) and backtests them; these builders draw what an analyst reads:

- `fig_fan_chart`: the history's complete months, then the model's median forecast inside its 80%
  and 95% prediction intervals (a fan), and the seasonal-naive baseline dashed beside it;
- `fig_backtest`: held-out months, their actual values against the model and the baseline with
  each one's 80% interval, and the backtest's scores in the title;
(`omsim.analysis.license_figures.fig_license_costs` draws the licensing costs.)

Pure functions of forecast results: no SimPy, no model. Values stay in their units in the
results (Order Summaries, GMV in integer cents); the figures show counts as counts and money in
the currency's major units (cents / 100), labelled with its ISO 4217 code (a history records no
currency: the caller names it, usually the price table's).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from omsim.forecast.backtest import BacktestResult
from omsim.forecast.history import ALL_CHANNELS, MEASURES, OrderHistory
from omsim.forecast.models import HistoryForecast, SeriesForecast

__all__ = [
    "BASELINE_COLOR",
    "HISTORY_COLOR",
    "MODEL_COLOR",
    "fig_backtest",
    "fig_fan_chart",
    "history_months",
    "measure_display",
    "series_of",
]

HISTORY_COLOR = "#222222"
"""Observed months: the history, and a backtest's held-out actuals."""
MODEL_COLOR = "#1f77b4"
"""The seasonal model's forecast and its intervals."""
BASELINE_COLOR = "#ff7f0e"
"""The seasonal-naive baseline."""

_CENTS = 100.0  # integer cents -> the currency's major units
_NAMES = {"orders": "Order Summaries created", "gmv_cents": "GMV"}


def _rgba(color: str, alpha: float) -> str:
    red, green, blue = (int(color[i : i + 2], 16) for i in (1, 3, 5))
    return f"rgba({red}, {green}, {blue}, {alpha})"


def measure_display(measure: str, currency: str | None = None) -> tuple[str, float]:
    """The axis label of a measure and the factor from its unit to the one shown.

    Parameters
    ----------
    measure : {"orders", "gmv_cents"}
        Order Summaries created (a count), or their GMV in integer cents.
    currency : str, optional
        The ISO 4217 code of the GMV (required for ``gmv_cents``): GMV is shown in its major
        units, cents / 100.

    Returns
    -------
    tuple of (str, float)
        The label (with the unit) and the factor: 1 for orders, 0.01 for GMV.

    Examples
    --------
    >>> measure_display("gmv_cents", "EUR")
    ('GMV per month (EUR)', 0.01)
    """
    if measure == "orders":
        return f"{_NAMES[measure]} per month", 1.0
    if measure == "gmv_cents":
        if not currency:
            raise ValueError(
                "currency: required to show GMV; give the ISO 4217 code of the history's "
                "amounts (the price table's currency, such as USD)"
            )
        return f"GMV per month ({currency})", 1.0 / _CENTS
    raise ValueError(f"measure {measure!r}: allowed {', '.join(MEASURES)}")


def series_of(
    forecast: HistoryForecast, measure: str = "orders", channel: str | None = None
) -> SeriesForecast:
    """One channel's forecast of one measure, from a `HistoryForecast`.

    Parameters
    ----------
    forecast : omsim.forecast.HistoryForecast
    measure : {"orders", "gmv_cents"}
    channel : str, optional
        A sales channel (Salesforce ``SalesChannel``) of the history; None: every channel
        summed (``"All channels"``), which for a history of one channel is that channel.

    Raises
    ------
    ValueError
        The forecast has no such measure or channel; the message lists those it has.
    """
    if measure not in MEASURES:
        raise ValueError(f"measure {measure!r}: allowed {', '.join(MEASURES)}")
    of_measure = [s for s in forecast.series if s.measure == measure]
    if not of_measure:
        held = ", ".join(dict.fromkeys(s.measure for s in forecast.series))
        raise ValueError(f"measure {measure!r}: {forecast.source} has only {held} (no GMV column)")
    wanted = ALL_CHANNELS if channel is None else channel
    for series in of_measure:
        if series.channel == wanted:
            return series
    if channel is None and len(of_measure) == 1:
        return of_measure[0]
    channels = ", ".join(s.channel for s in of_measure)
    raise ValueError(f"channel {channel!r}: the forecast has {channels}")


def history_months(
    history: OrderHistory, measure: str = "orders", channel: str | None = None
) -> pd.DataFrame:
    """The history's complete calendar months of one measure, as the fan chart draws them.

    Returns
    -------
    pandas.DataFrame
        ``month`` ("YYYY-MM"), ``start`` (the month's first day, a Timestamp) and ``value``
        (the month's total: Order Summaries, or GMV cents). A month the history covers only in
        part (a daily history starting or ending mid-month) is left out: its total is not a
        month's.
    """
    totals = history.monthly_totals(measure, channel)
    complete = totals[totals["complete"]]
    index = pd.PeriodIndex(complete.index)
    return pd.DataFrame(
        {
            "month": index.strftime("%Y-%m"),
            "start": index.to_timestamp(),
            "value": complete["value"].to_numpy(dtype=float),
        }
    )


def _band(
    name: str,
    x: Sequence[pd.Timestamp],
    low: np.ndarray,
    high: np.ndarray,
    color: str,
    alpha: float,
    legendgroup: str,
) -> go.Scatter:
    """A filled interval as one closed polygon: along the upper bound, back along the lower."""
    return go.Scatter(
        name=name,
        x=[*x, *reversed(list(x))],
        y=[*high, *low[::-1]],
        fill="toself",
        fillcolor=_rgba(color, alpha),
        line={"width": 0},
        mode="lines",
        hoverinfo="skip",
        legendgroup=legendgroup,
    )


def fig_fan_chart(
    history: OrderHistory,
    forecast: HistoryForecast,
    measure: str = "orders",
    channel: str | None = None,
    *,
    currency: str | None = None,
    title: str | None = None,
) -> go.Figure:
    """A fan chart: the monthly history, then the model's forecast inside its 80% and 95%
    prediction intervals, and the seasonal-naive baseline dashed.

    Parameters
    ----------
    history : omsim.forecast.OrderHistory
        The history the forecast was made from (its complete months are drawn).
    forecast : omsim.forecast.HistoryForecast
        `omsim.forecast.forecast_history` of ``history``.
    measure : {"orders", "gmv_cents"}
        Managed Order Summaries created, or their GMV (shown in major units of ``currency``).
    channel : str, optional
        A sales channel; None: every channel summed.
    currency : str, optional
        ISO 4217 code of the GMV, required for ``gmv_cents``.
    title : str, optional
        Default names the measure and the channel.

    Returns
    -------
    plotly.graph_objects.Figure
        Traces, in order: ``"History"`` (complete months), ``"95% interval"`` and ``"80%
        interval"`` (closed polygons: ``y`` runs along the upper bound, p97.5 or p90, then back
        along the lower, p2.5 or p10), ``"Model forecast (median)"`` and ``"Seasonal-naive
        baseline"`` (dashed); ``x`` the months' first days, ``y`` in the display unit.
        A dotted vertical line marks where the forecast starts.
    """
    label, factor = measure_display(measure, currency)
    series = series_of(forecast, measure, channel)
    past = history_months(history, measure, channel)
    table = series.table()
    model = table[table["method"] == "model"].reset_index(drop=True)
    naive = table[table["method"] == "seasonal_naive"].reset_index(drop=True)
    months = list(series.months.to_timestamp())
    unit = f" {currency}" if measure == "gmv_cents" else ""
    number = ",.0f"
    fig = go.Figure()
    fig.add_trace(
        go.Scatter(
            name="History",
            x=past["start"],
            y=past["value"] * factor,
            mode="lines+markers",
            marker={"size": 4, "color": HISTORY_COLOR},
            line={"color": HISTORY_COLOR, "width": 1.5},
            hovertemplate=f"%{{x|%b %Y}}: %{{y:{number}}}{unit}<extra>history</extra>",
        )
    )
    for name, low, high, alpha in (
        ("95% interval", "p2_5", "p97_5", 0.15),
        ("80% interval", "p10", "p90", 0.3),
    ):
        fig.add_trace(
            _band(
                name,
                months,
                model[low].to_numpy() * factor,
                model[high].to_numpy() * factor,
                MODEL_COLOR,
                alpha,
                "model",
            )
        )
    bounds = np.column_stack(
        [model[q].to_numpy() * factor for q in ("p10", "p90", "p2_5", "p97_5")]
    )
    fig.add_trace(
        go.Scatter(
            name="Model forecast (median)",
            x=months,
            y=model["forecast"] * factor,
            mode="lines",
            line={"color": MODEL_COLOR, "width": 2.5},
            customdata=bounds,
            hovertemplate=(
                f"%{{x|%b %Y}}: %{{y:{number}}}{unit}<br>80%: %{{customdata[0]:{number}}} to "
                f"%{{customdata[1]:{number}}}<br>95%: %{{customdata[2]:{number}}} to "
                f"%{{customdata[3]:{number}}}<extra>model</extra>"
            ),
            legendgroup="model",
        )
    )
    fig.add_trace(
        go.Scatter(
            name="Seasonal-naive baseline",
            x=months,
            y=naive["forecast"] * factor,
            mode="lines",
            line={"color": BASELINE_COLOR, "width": 2, "dash": "dash"},
            hovertemplate=f"%{{x|%b %Y}}: %{{y:{number}}}{unit}<extra>same month last year</extra>",
        )
    )
    fig.add_shape(
        type="line",
        xref="x",
        yref="paper",
        x0=months[0],
        x1=months[0],
        y0=0,
        y1=1,
        line={"dash": "dot", "color": "grey", "width": 1},
    )
    fig.add_annotation(
        x=months[0],
        y=1,
        xref="x",
        yref="paper",
        text="forecast",
        showarrow=False,
        xanchor="left",
        yanchor="bottom",
        font={"color": "grey"},
    )
    fig.update_layout(
        title=title
        or (
            f"{_NAMES[measure]} per month, {series.channel}: history and {len(months)}-month forecast"
            "<br><sup>shaded: the model's 80% (dark) and 95% (light) prediction intervals; "
            "dashed: the same month of the last complete year</sup>"
        ),
        xaxis_title="month",
        yaxis_title=label,
        yaxis_rangemode="tozero",
        hovermode="x unified",
        legend={"orientation": "h", "y": -0.18},
        width=1000,
        height=520,
        margin={"l": 80, "r": 20, "t": 90, "b": 90},
    )
    return fig


def fig_backtest(
    result: BacktestResult, *, currency: str | None = None, title: str | None = None
) -> go.Figure:
    """Held-out months: the actual values against the model and the seasonal-naive baseline,
    each with its 80% prediction interval, and the backtest's scores in the title.

    Parameters
    ----------
    result : omsim.forecast.BacktestResult
        `omsim.forecast.backtest` of a history.
    currency : str, optional
        ISO 4217 code of the GMV, required when the backtest is of ``gmv_cents``.
    title : str, optional
        Default names the measure and channel; the scores are added below it either way.

    Returns
    -------
    plotly.graph_objects.Figure
        Traces, in order: ``"Model 80% interval"`` and ``"Baseline 80% interval"`` (closed
        polygons, upper bound p90 then back along p10), ``"Model forecast (median)"``,
        ``"Seasonal-naive baseline"`` (dashed) and ``"Actual (held out)"``; ``x`` the months'
        first days, ``y`` in the display unit. The subtitle gives each method's MAPE, sMAPE and
        the held-out months inside its 80% interval, and which forecast to report.
    """
    label, factor = measure_display(result.measure, currency)
    table = result.table
    months = list(pd.PeriodIndex(result.months).to_timestamp())
    model = table[table["method"] == "model"].reset_index(drop=True)
    naive = table[table["method"] == "seasonal_naive"].reset_index(drop=True)
    fig = go.Figure()
    for name, frame, color in (
        ("Model 80% interval", model, MODEL_COLOR),
        ("Baseline 80% interval", naive, BASELINE_COLOR),
    ):
        fig.add_trace(
            _band(
                name,
                months,
                frame["p10"].to_numpy() * factor,
                frame["p90"].to_numpy() * factor,
                color,
                0.2,
                name.split()[0].lower(),
            )
        )
    fig.add_trace(
        go.Scatter(
            name="Model forecast (median)",
            x=months,
            y=model["forecast"] * factor,
            mode="lines+markers",
            line={"color": MODEL_COLOR, "width": 2.5},
            marker={"size": 5},
            legendgroup="model",
        )
    )
    fig.add_trace(
        go.Scatter(
            name="Seasonal-naive baseline",
            x=months,
            y=naive["forecast"] * factor,
            mode="lines+markers",
            line={"color": BASELINE_COLOR, "width": 2, "dash": "dash"},
            marker={"size": 5},
            legendgroup="baseline",
        )
    )
    fig.add_trace(
        go.Scatter(
            name="Actual (held out)",
            x=months,
            y=model["actual"] * factor,
            mode="markers",
            marker={"size": 9, "color": HISTORY_COLOR, "symbol": "diamond"},
        )
    )
    n = len(months)
    scores = []
    for method, shown in (("model", "model"), ("seasonal_naive", "baseline")):
        row = result.metrics.loc[method]
        inside = int(table.loc[table["method"] == method, "inside_80"].sum())
        mape = "n/a" if np.isnan(row["mape_pct"]) else f"{row['mape_pct']:.1f}%"
        scores.append(
            f"{shown}: sMAPE {row['smape_pct']:.1f}%, MAPE {mape}, "
            f"{inside} of {n} months inside its 80% interval"
        )
    verdict = (
        "the model is better: report it"
        if result.model_better
        else "the model is not better: report the baseline"
    )
    fig.update_layout(
        title=(
            title or f"Backtest of {_NAMES[result.measure]}, {result.channel}: {n} held-out months"
        )
        + "".join(f"<br><sup>{line}</sup>" for line in [*scores, verdict]),
        xaxis_title="held-out month",
        yaxis_title=label,
        hovermode="x unified",
        legend={"orientation": "h", "y": -0.18},
        width=1000,
        height=540,
        margin={"l": 80, "r": 20, "t": 130, "b": 90},
    )
    return fig
