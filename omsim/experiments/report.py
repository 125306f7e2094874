"""Plain-text tables of an experiment, as `omsim replicate`, `compare` and `sweep` print them.

Each KPI is shown as its mean and 95% confidence interval over the finished replications; a
comparison adds, per variant, the paired difference from the baseline with its interval, the
corrected p-value and a ``*`` where the difference is significant.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import pandas as pd

from omsim.analysis.kpis import HEADLINE_KPIS

if TYPE_CHECKING:
    from omsim.experiments.experiment import ExperimentResult

__all__ = ["experiment_table", "number"]


def number(value: Any) -> str:
    """A figure for a table: thousands separated, four significant digits below 1,000.

    >>> number(1234567.0), number(41.2345), number(0.0123456), number(float("nan"))
    ('1,234,567', '41.23', '0.01235', '-')
    """
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return "-"
    value = float(value)
    if abs(value) >= 1000:
        return f"{value:,.0f}"
    return f"{value:.4g}"


def _interval(row: pd.Series) -> str:
    if row["n"] < 2 or not math.isfinite(row["half_width"]):
        return number(row["mean"])
    return f"{number(row['mean'])} ± {number(row['half_width'])}"


def _shown(result: ExperimentResult, kpis: Sequence[str] | None) -> list[str]:
    if kpis is not None:
        unknown = [k for k in kpis if k not in result.kpis]
        if unknown and result.n_finished:  # with none finished, every KPI is shown as "-"
            raise ValueError(f"kpis: no such KPI {unknown}; KPIs: {', '.join(result.kpis)}")
        return list(kpis)
    return [k for k in HEADLINE_KPIS if k in result.kpis]


def _lines(header: list[str], rows: list[list[str]]) -> list[str]:
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header))]
    out = [
        "  ".join(
            h.ljust(w) if i == 0 else h.rjust(w)
            for i, (h, w) in enumerate(zip(header, widths, strict=True))
        )
    ]
    out.append("-" * len(out[0]))
    for row in rows:
        cells = zip(row, widths, strict=True)
        out.append(
            "  ".join(c.ljust(w) if i == 0 else c.rjust(w) for i, (c, w) in enumerate(cells))
        )
    return out


def _footer(result: ExperimentResult) -> list[str]:
    lines = [
        f"{result.n_finished} replication(s) finished, {result.n_failed} failed "
        f"(seed {result.seed}; mean ± 95% half-width, t distribution)"
    ]
    if result.settings.get("warmup_days"):
        lines.append(
            f"KPIs leave out the orders created in the first {result.settings['warmup_days']:g} "
            "day(s) (warm-up)"
        )
    for failure in result.failures:
        where = "" if result.label is None else f"{failure[result.label]} "
        lines.append(
            f"  failed: {where}replication {failure['replication']} "
            f"(seed {failure['seed']}): {failure['error']}"
        )
    return lines


def experiment_table(result: ExperimentResult, kpis: Sequence[str] | None = None) -> str:
    """The table for ``result``: one block, or one per compared variant."""
    shown = _shown(result, kpis)
    if result.kind == "compare" and result.differences is not None:
        body = _compare_lines(result, shown)
    else:
        body = _summary_lines(result, shown)
    return "\n".join([*body, "", *_footer(result)])


def _summary_lines(result: ExperimentResult, shown: list[str]) -> list[str]:
    summary = result.summary
    label = result.label
    if label is None:
        table = []
        for kpi in shown:
            row = summary[summary["kpi"] == kpi]
            if not len(row):  # no replication finished
                table.append([kpi, "-", "-", "0"])
                continue
            cells = _interval(row.iloc[0]).split(" ± ")
            table.append(
                [kpi, cells[0], cells[1] if len(cells) > 1 else "-", str(int(row["n"].iloc[0]))]
            )
        return _lines(["KPI", "mean", "± 95%", "n"], table)
    names = list(dict.fromkeys(summary[label]))
    header = ["KPI", *names]
    table = []
    for kpi in shown:
        cells = [kpi]
        for name in names:
            row = summary[(summary["kpi"] == kpi) & (summary[label] == name)]
            cells.append(_interval(row.iloc[0]) if len(row) else "-")
        table.append(cells)
    return _lines(header, table)


def _compare_lines(result: ExperimentResult, shown: list[str]) -> list[str]:
    assert result.differences is not None
    diffs = result.differences
    baseline = result.settings["baseline"]
    correction = result.settings["correction"]
    paired = result.settings.get("common_random_numbers", True)
    lines = _summary_lines(result, shown)
    for variant in dict.fromkeys(diffs["variant"]):
        lines += [
            "",
            f"{variant} - {baseline} ({'paired, common random numbers' if paired else 'independent samples'}; "
            f"p-values {correction}-corrected across {len(set(diffs['variant']))} variant(s); "
            "* significant at 5%)",
        ]
        table = []
        for kpi in shown:
            row = diffs[(diffs["variant"] == variant) & (diffs["kpi"] == kpi)]
            if not len(row):
                continue
            r = row.iloc[0]
            table.append(
                [
                    kpi,
                    number(r["difference"]),
                    f"[{number(r['ci_low'])}, {number(r['ci_high'])}]",
                    number(r["p_adjusted"]),
                    "*" if bool(r["significant"]) else "",
                ]
            )
        lines += _lines(["KPI", "difference", "95% interval", "p adj.", ""], table)
    return lines
