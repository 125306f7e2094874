"""What ``omsim forecast`` prints: the monthly table, the backtest verdicts, the licensing costs.

Counts are printed as whole numbers and GMV in the currency's units with two decimals (the
written tables keep integer cents). Used by `omsim.cli_forecast`, which also writes the backtest
verdicts (`backtest_frame`) and the costs (`costs_frame`) as tables.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import pandas as pd

    from omsim.forecast import BacktestResult, HistoryForecast
    from omsim.forecast.costs import ForecastCosts

__all__ = ["BACKTEST_COLUMNS", "backtest_frame", "costs_frame", "costs_text", "monthly_table"]


BACKTEST_COLUMNS = [
    "channel",
    "measure",
    "method",
    "n_months",
    "first_month",
    "last_month",
    "mape_pct",
    "smape_pct",
    "coverage_80",
    "coverage_95",
    "model_better",
    "verdict",
]
"""Columns of `backtest_frame`: no money, percentages and shares only."""

_BOUNDS = {"p2_5": "P2.5", "p10": "P10", "forecast": "forecast", "p90": "P90", "p97_5": "P97.5"}
"""Printed columns of a forecast table, lowest bound first, and their headings."""
_METHODS = {"model": "model", "seasonal_naive": "seasonal naive"}
_MEASURES = {
    "orders": "Order Summaries created per month",
    "gmv_cents": "GMV per month, currency units",
}


def _shown(value: float, measure: str) -> str:
    """A count as a whole number, GMV cents as currency units with two decimals."""
    if measure == "gmv_cents":
        return f"{value / 100:,.2f}"
    return f"{round(value):,}"


def monthly_table(
    forecast: HistoryForecast, backtests: dict[tuple[str, str], BacktestResult | str]
) -> str:
    """Per series: its months (model and baseline rows), then its backtest's verdict."""
    blocks = []
    for series in forecast.series:
        table = series.table().sort_values("month", kind="stable")  # both methods per month
        longest = max(len(_shown(v, series.measure)) for v in table[list(_BOUNDS)].to_numpy().flat)
        width = max(16 if series.measure == "gmv_cents" else 10, longest + 2)  # a gap of two
        head = f"{'month':<9}{'method':<16}" + "".join(f"{h:>{width}}" for h in _BOUNDS.values())
        lines = [
            f"{series.channel}: {_MEASURES[series.measure]}",
            "(model: median of the simulated paths; seasonal naive: the same month a year "
            "before; P10-P90 is the 80% interval, P2.5-P97.5 the 95%)",
            head,
            "-" * len(head),
        ]
        for row in table.itertuples(index=False):
            values = "".join(
                f"{_shown(getattr(row, column), series.measure):>{width}}" for column in _BOUNDS
            )
            lines.append(f"{row.month:<9}{_METHODS[str(row.method)]:<16}{values}")
        lines.append(_verdict(backtests[(series.channel, series.measure)]))
        blocks.append("\n".join(lines))
    return "\n\n".join(blocks)


def _verdict(result: BacktestResult | str) -> str:
    if isinstance(result, str):
        return f"backtest: {result}"
    model, naive = result.metrics.loc["model"], result.metrics.loc["seasonal_naive"]
    return (
        f"backtest: {result.verdict}; share of held-out months inside the 80% interval: "
        f"model {model['coverage_80']:.0%}, seasonal naive {naive['coverage_80']:.0%}; "
        f"the 95%: {model['coverage_95']:.0%}, {naive['coverage_95']:.0%}"
    )


def backtest_frame(backtests: dict[tuple[str, str], BacktestResult | str]) -> pd.DataFrame:
    """The backtest verdicts as a table: a row per series (channel, measure) and method.

    ``n_months`` held-out months from ``first_month`` to ``last_month`` ("YYYY-MM");
    ``mape_pct`` and ``smape_pct`` in percent, ``coverage_80`` and ``coverage_95`` the shares
    (0 to 1) of held-out months inside each interval (`omsim.forecast.backtest`);
    ``model_better`` whether the model's sMAPE beat the baseline's; ``verdict`` the sentence
    printed. A series without a backtest has ``n_months`` 0, missing metrics, ``model_better``
    False and the reason as its verdict.
    """
    import pandas as pd

    rows = []
    for (channel, measure), result in backtests.items():
        for method in _METHODS:
            row: dict[str, object] = {"channel": channel, "measure": measure, "method": method}
            if isinstance(result, str):
                row |= {"n_months": 0, "model_better": False, "verdict": result}
            else:
                metrics = result.metrics.loc[method]
                row |= {
                    "n_months": int(metrics["n_months"]),
                    "first_month": str(result.months[0]),
                    "last_month": str(result.months[-1]),
                    **{k: float(metrics[k]) for k in BACKTEST_COLUMNS[6:10]},
                    "model_better": result.model_better,
                    "verdict": result.verdict,
                }
            rows.append(row)
    frame = pd.DataFrame(rows, columns=BACKTEST_COLUMNS)
    frame["n_months"] = frame["n_months"].astype("int64")
    frame["model_better"] = frame["model_better"].astype(bool)
    for column in BACKTEST_COLUMNS[6:10]:
        frame[column] = frame[column].astype(float)
    return frame


def _money(cents: float, currency: str) -> str:
    return f"{currency} {cents / 100:,.2f}"


def costs_text(costs: ForecastCosts, *, assumed: bool, joint: bool = False) -> str:
    """Each licensing model's cost of the contract year, its interval, the entitlement, and
    the break-even; ``joint``: each path's count and GMV are one draw (the scenario Monte
    Carlo), so the share of paths where GMV licensing is cheaper is exact for the forecast."""
    cur = costs.currency
    comparison = costs.comparison
    first, last = costs.months[0], costs.months[-1]
    share = f"{comparison.order_summary.coverage:.0%}"
    head = (
        f"{'licensing model':<18}{'expected':>20}{share + ' interval':>44}"
        f"{'P(above entitlement)':>22}  entitlement"
    )
    lines = [
        f"Licensing cost of one contract year ({first} to {last}), {costs.channel}, {cur}",
    ]
    if assumed:
        lines.append(
            f"(the history names no currency: its GMV is taken to be in {cur}, the price "
            "table's; give --currency to check it)"
        )
    lines += [head, "-" * len(head)]
    for summary, label in ((comparison.order_summary, "Order Summaries"), (comparison.gmv, "GMV")):
        interval = f"{_money(summary.low_cents, cur)} to {_money(summary.high_cents, cur)}"
        if summary.committed_volume is None or summary.p_exceeds_entitlement is None:
            p_above, committed = "-", "none"
        elif summary.model == "order_summary":
            p_above = f"{summary.p_exceeds_entitlement:.1%}"
            committed = f"{summary.committed_volume:,} Order Summaries"
        else:
            p_above = f"{summary.p_exceeds_entitlement:.1%}"
            committed = f"{_money(summary.committed_volume, cur)} of GMV"
        lines.append(
            f"{label:<18}{_money(summary.expected_cents, cur):>20}{interval:>44}"
            f"{p_above:>22}  {committed}"
        )
    aov = _money(costs.average_order_value_cents, cur)
    lines.append(
        f"expected volume: {comparison.order_summary.expected_volume:,.0f} Order Summaries, "
        f"{_money(comparison.gmv.expected_volume, cur)} of GMV (average order value {aov})"
    )
    even = costs.break_even
    if even.order_summaries is None or even.gmv_cents is None:
        lines.append(f"break-even: none; {even.reason}")
    else:
        by = "Order Summaries" if even.cheaper_below == "order_summary" else "GMV"
        cheaper = f"licensing by {by}"
        more = ""
        if len(even.crossings) > 1:
            again = ", ".join(f"{x:,.0f}" for x in even.crossings[1:])
            more = f" (the cheaper model changes again at {again})"
        lines.append(
            f"break-even: {even.order_summaries:,.0f} Order Summaries a year "
            f"({_money(even.gmv_cents, cur)} of GMV) at an average order value of {aov}; "
            f"below it {cheaper} is cheaper{more}"
        )
    caveat = (
        ""
        if joint
        else " (the count's and the GMV's paths are drawn independently, so this share is "
        "approximate)"
    )
    lines.append(f"licensing by GMV cheaper on {comparison.p_gmv_cheaper:.0%} of the paths{caveat}")
    return "\n".join(lines)


def costs_frame(costs: ForecastCosts) -> pd.DataFrame:
    """`ForecastCosts.table` with the channel, the year's months and the break-even, to write."""
    frame = costs.table
    frame.insert(0, "last_month", str(costs.months[-1]))
    frame.insert(0, "first_month", str(costs.months[0]))
    frame.insert(0, "channel", costs.channel)
    frame["average_order_value_cents"] = costs.average_order_value_cents
    even = costs.break_even.order_summaries
    frame["break_even_order_summaries"] = float("nan") if even is None else even
    return frame
