"""Order Summary volume and GMV per month over replications, with intervals.

Every replication's `omsim.analysis.licensing.monthly_volume` on one grid (a month or channel
missing from a replication counts as 0 there), then the mean and t interval of each measure
(`omsim.experiments.stats.t_interval`) per month, channel and billing type, or per month and
billing type (``per_channel=False``: the volume each licence model bills). Never runs the
model: it reads run folders, or an `ExperimentResult`'s kept ones.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from omsim.analysis.licensing import (
    KEYS,
    MEASURES,
    RunCalendar,
    monthly_table,
    order_summary_volume,
    run_calendar,
)

if TYPE_CHECKING:
    from omsim.experiments.experiment import ExperimentResult

__all__ = ["replicated_volume", "replication_volumes"]


# --- replications -----------------------------------------------------------------------------


def _folders(
    result_or_folders: ExperimentResult | Sequence[Path | str], variant: str | None
) -> list[Path]:
    if isinstance(result_or_folders, str | Path):
        raise TypeError(
            "give a list of run folders or an ExperimentResult, not one folder "
            "(monthly_volume reads a single run)"
        )
    if hasattr(result_or_folders, "run_folders"):
        by_variant = result_or_folders.run_folders()
        only = next(iter(by_variant)) if len(by_variant) == 1 else None
        chosen = variant if variant is not None else only
        if chosen is None or chosen not in by_variant:
            raise ValueError(
                f"variant {chosen!r}: choose one of {list(by_variant)!r} (variant=...)"
            )
        folders = list(by_variant[chosen])
    else:
        folders = [Path(f) for f in result_or_folders]
    if not folders:
        raise ValueError("no run folder: a replicated volume needs at least one")
    return folders


def replication_volumes(
    result_or_folders: ExperimentResult | Sequence[Path | str],
    billing_types: Mapping[str, str] | None = None,
    *,
    variant: str | None = None,
) -> pd.DataFrame:
    """`monthly_volume` of each replication, stacked, on one grid of months and channels.

    A (month, channel) missing from a replication (no channel there, or a month no order fell
    in) counts as 0 in it. The replications must share ``start``, horizon and currency.
    Returns the `monthly_volume` columns with ``replication`` (0-based, in the given order)
    first.
    """
    folders = _folders(result_or_folders, variant)
    calendars = [run_calendar(f) for f in folders]
    first = calendars[0]
    for folder, calendar in zip(folders[1:], calendars[1:], strict=True):
        for field in ("start", "horizon_hours", "currency"):
            if getattr(calendar, field) != getattr(first, field):
                raise ValueError(
                    f"{folder}: {field} {getattr(calendar, field)} differs from "
                    f"{getattr(first, field)} of {folders[0]}: not replications of one scenario"
                )
    per_run = [order_summary_volume(f) for f in folders]
    seen = [c for cal in calendars for c in cal.sales_channels]
    seen += [c for run in per_run for c in run["sales_channel"]]
    channels = tuple(dict.fromkeys(seen))
    months = sorted(set().union(*(run["month"] for run in per_run)))
    shared = RunCalendar(first.start, first.horizon_hours, first.currency, channels)
    tables = []
    for index, (folder, summaries) in enumerate(zip(folders, per_run, strict=True)):
        table = monthly_table(
            summaries, shared, billing_types, source=f"in {folder}", months=months
        )
        table.insert(0, "replication", index)
        tables.append(table)
    return pd.concat(tables, ignore_index=True)


def replicated_volume(
    result_or_folders: ExperimentResult | Sequence[Path | str],
    billing_types: Mapping[str, str] | None = None,
    confidence: float = 0.95,
    *,
    variant: str | None = None,
    per_channel: bool = True,
) -> pd.DataFrame:
    """Mean and Student-t interval over replications of each monthly count and GMV.

    Parameters
    ----------
    result_or_folders : ExperimentResult or sequence of paths
        An experiment run with ``keep_runs`` (its ``run_folders()``; with several variants name
        one with ``variant``) or the run folders of independent replications of one scenario.
    billing_types : mapping of str to str, optional
        As in `monthly_volume`.
    confidence : float
        Two-sided confidence level of the intervals, in (0, 1).
    variant : str, optional
        The variant of an experiment with several.
    per_channel : bool
        True: a row per (month, channel). False: channels of one billing type summed within
        each replication, a row per (month, billing type), no ``sales_channel`` column.

    Returns
    -------
    pandas.DataFrame
        Key columns (``month``, ``sales_channel``, ``billing_type``), ``complete``,
        ``currency``, ``n_replications``, then for every measure of `monthly_volume`
        (`MEASURES`) ``<measure>_mean``, ``<measure>_ci_low``, ``<measure>_ci_high``: the mean
        over replications and its interval (`omsim.experiments.stats.t_interval`), in the
        measure's unit (counts; cents as floats). A month or channel missing from a
        replication counts as 0 there. With one replication the bounds are NaN.
    """
    from omsim.experiments.stats import t_interval  # experiments import analysis, not back

    stacked = replication_volumes(result_or_folders, billing_types, variant=variant)
    keys = KEYS if per_channel else ["month", "billing_type"]
    if not per_channel:
        stacked = stacked.groupby(
            ["replication", *keys, "complete", "currency"], as_index=False, sort=False
        )[MEASURES].sum()
    rows = []
    for key, group in stacked.groupby(keys, sort=False):
        row: dict[str, Any] = dict(zip(keys, key, strict=True))
        row["complete"] = bool(group["complete"].iloc[0])
        row["currency"] = group["currency"].iloc[0]
        row["n_replications"] = int(group["replication"].nunique())
        for measure in MEASURES:
            interval = t_interval(group[measure].to_numpy(dtype=float), confidence)
            row[f"{measure}_mean"] = interval.mean
            row[f"{measure}_ci_low"] = interval.low
            row[f"{measure}_ci_high"] = interval.high
        rows.append(row)
    columns = [*keys, "complete", "currency", "n_replications"]
    columns += [f"{m}_{s}" for m in MEASURES for s in ("mean", "ci_low", "ci_high")]
    return pd.DataFrame(rows, columns=columns)
