"""The licensing cost figure: each licensing model's annual cost over the forecast's draws.

Salesforce licenses Order Management by the number of managed Order Summaries created or by a
share of their GMV. `fig_license_costs` draws each model's expected annual cost with its
interval, and the simulated year's volumes against each committed entitlement with the
probability of exceeding it; `cost_table` is the same in a table, money in the currency's
major units. Pure functions of `omsim.forecast.costs.ForecastCosts`: no SimPy, no model.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from omsim.analysis.forecast_figures import BASELINE_COLOR, HISTORY_COLOR, MODEL_COLOR, _rgba
from omsim.analysis.license_costs import CostSummary
from omsim.forecast.costs import ForecastCosts

__all__ = ["LICENSE_LABELS", "cost_table", "fig_license_costs"]

_CENTS = 100.0  # integer cents -> the currency's major units
LICENSE_LABELS = {"order_summary": "By Order Summary count", "gmv": "By share of GMV"}
"""How each licensing model (`omsim.analysis.license_prices.MODELS`) is named in the figures."""


def cost_table(costs: ForecastCosts) -> pd.DataFrame:
    """Each licensing model's annual cost over the forecast year, in the currency's major units,
    for printing beside `fig_license_costs`.

    Parameters
    ----------
    costs : omsim.forecast.costs.ForecastCosts

    Returns
    -------
    pandas.DataFrame
        Indexed by `LICENSE_LABELS` (Order Summary count first, then GMV), columns
        ``expected_volume`` (text: Order Summaries, or GMV in ``currency``), ``expected_cost``,
        ``low``, ``high`` (the central interval holding ``coverage`` of the simulated years'
        costs), ``p50``, all four in major units of ``currency`` (cents / 100),
        ``entitlement`` (text: the committed volume, or "none") and ``p_exceeds_entitlement``
        (a share of the simulated years, NaN without an entitlement).
    """
    comparison = costs.comparison
    rows = {}
    for summary in (comparison.order_summary, comparison.gmv):
        factor, unit = 1.0, "Order Summaries"
        if summary.model == "gmv":  # GMV cents, shown in major units
            factor, unit = 1.0 / _CENTS, costs.currency
        committed = summary.committed_volume
        volume = f"{summary.expected_volume * factor:,.0f} {unit}"
        entitlement = "none" if committed is None else f"{committed * factor:,.0f} {unit}"
        rows[LICENSE_LABELS[summary.model]] = {
            "expected_volume": volume,
            "expected_cost": summary.expected_cents / _CENTS,
            "low": summary.low_cents / _CENTS,
            "high": summary.high_cents / _CENTS,
            "p50": summary.p50_cents / _CENTS,
            "entitlement": entitlement,
            "p_exceeds_entitlement": (
                np.nan if summary.p_exceeds_entitlement is None else summary.p_exceeds_entitlement
            ),
        }
    frame = pd.DataFrame.from_dict(rows, orient="index")
    frame.index.name = (
        f"annual cost ({costs.currency}, {comparison.order_summary.coverage:.0%} interval)"
    )
    return frame


def _exceedance(summary: CostSummary, unit: str, factor: float) -> str:
    """The entitlement of one model and the share of simulated years above it, in words."""
    if summary.committed_volume is None or summary.p_exceeds_entitlement is None:
        return "no entitlement in the price table"
    above = round(summary.p_exceeds_entitlement * summary.n_draws)
    return (
        f"entitlement {summary.committed_volume * factor:,.0f}{unit}: P(exceed) "
        f"{summary.p_exceeds_entitlement:.1%} ({above:,} of {summary.n_draws:,} years)"
    )


def fig_license_costs(costs: ForecastCosts, *, title: str | None = None) -> go.Figure:
    """Each licensing model's annual cost over the forecast contract year, and the year's
    simulated volumes against each model's committed entitlement.

    Parameters
    ----------
    costs : omsim.forecast.costs.ForecastCosts
        `omsim.forecast.costs.forecast_costs` of a forecast and a price table.
    title : str, optional
        Default names the contract year's months and the channel.

    Returns
    -------
    plotly.graph_objects.Figure
        Three panels. Left, one trace per licensing model (named by `LICENSE_LABELS`): the
        expected annual cost (``y``, in major units of ``costs.currency``) with its interval at
        the comparison's coverage as ``error_y`` (``array`` up to ``high_cents``,
        ``arrayminus`` down to ``low_cents``); ``customdata`` holds P10, P50 and P90. Middle,
        ``"Order Summaries a year"``: a histogram of the simulated annual counts; right, ``"GMV
        a year"``: of the simulated annual GMV in major units. Each volume panel has a dashed
        vertical line at its model's committed volume (a layout shape, when the price table
        has an entitlement), and its x axis title gives the committed volume and the
        probability of exceeding it, or says there is no entitlement.
    """
    comparison = costs.comparison
    currency = costs.currency
    money = 1.0 / _CENTS
    summaries = (comparison.order_summary, comparison.gmv)
    fig = make_subplots(
        rows=1,
        cols=3,
        column_widths=[0.34, 0.33, 0.33],
        horizontal_spacing=0.08,
        subplot_titles=[
            f"Annual cost ({currency})",
            "Order Summaries a year",
            f"GMV a year ({currency})",
        ],
    )
    coverage = comparison.order_summary.coverage
    for summary, color in zip(summaries, (MODEL_COLOR, BASELINE_COLOR), strict=True):
        label = LICENSE_LABELS[summary.model]
        fig.add_trace(
            go.Scatter(
                name=label,
                x=[label],
                y=[summary.expected_cents * money],
                mode="markers",
                marker={"size": 13, "color": color, "symbol": "diamond"},
                error_y={
                    "type": "data",
                    "symmetric": False,
                    "array": [(summary.high_cents - summary.expected_cents) * money],
                    "arrayminus": [(summary.expected_cents - summary.low_cents) * money],
                    "color": color,
                    "thickness": 2,
                    "width": 8,
                },
                customdata=[
                    [
                        summary.p10_cents * money,
                        summary.p50_cents * money,
                        summary.p90_cents * money,
                    ]
                ],
                hovertemplate=(
                    f"{label}<br>expected %{{y:,.0f}} {currency} a year<br>P10 "
                    f"%{{customdata[0]:,.0f}}, P50 %{{customdata[1]:,.0f}}, P90 "
                    f"%{{customdata[2]:,.0f}}<extra></extra>"
                ),
            ),
            row=1,
            col=1,
        )
    volumes = (
        (
            "Order Summaries a year",
            "Order Summaries created in the year",
            costs.order_summaries,
            1.0,
            "",
            MODEL_COLOR,
        ),
        (
            "GMV a year",
            f"GMV of the year ({currency})",
            costs.gmv_cents * money,
            money,
            f" {currency}",
            BASELINE_COLOR,
        ),
    )
    for col, (summary, (name, axis_title, values, factor, unit, color)) in enumerate(
        zip(summaries, volumes, strict=True), start=2
    ):
        fig.add_trace(
            go.Histogram(
                name=name,
                x=values,
                nbinsx=40,
                marker={"color": _rgba(color, 0.6)},
                hovertemplate=f"%{{x}}{unit}: %{{y}} simulated years<extra></extra>",
                showlegend=False,
            ),
            row=1,
            col=col,
        )
        if summary.committed_volume is not None:
            fig.add_vline(
                x=summary.committed_volume * factor,
                line={"dash": "dash", "color": HISTORY_COLOR, "width": 1.5},
                row=1,
                col=col,
            )
        fig.update_xaxes(
            title_text=f"{axis_title}<br><sup>{_exceedance(summary, unit, factor)}</sup>",
            row=1,
            col=col,
        )
        fig.update_yaxes(title_text="simulated years", row=1, col=col)
    fig.update_yaxes(title_text=f"annual cost ({currency})", rangemode="tozero", row=1, col=1)
    first, last = costs.months[0], costs.months[-1]
    fig.update_layout(
        title=(title or f"Licensing cost of {first} to {last}, {costs.channel}")
        + f"<br><sup>diamond: expected annual cost; bar: where {coverage:.0%} of the simulated "
        "years' costs fall; right: the simulated years' volumes, dashed at each entitlement</sup>",
        showlegend=False,
        bargap=0.05,
        width=1100,
        height=500,
        margin={"l": 80, "r": 20, "t": 100, "b": 90},
    )
    return fig
