"""Experiments: replications of a scenario, variants compared on common random numbers, sweeps.

One run is an anecdote. `replicate` runs ``n`` independent replications (seeds from
``SeedSequence(seed).spawn(n)``) and reports every KPI as a mean with a 95% confidence interval
(t distribution). `compare` runs every variant on the same replication seeds, so the variants
see the same customers, baskets and customer behaviour (the random streams are split by
purpose, `omsim.sim.streams`), and reports the paired difference of each KPI against a baseline
with its interval, flagging the significant ones after a Holm (or Bonferroni) correction across
the variants. `sweep` runs every cell of a grid over scenario fields on the same seeds.

Every variant is built and validated before the first replication starts. The KPIs are the
ones of ``kpis.json`` (`omsim.analysis.kpis`), optionally leaving out the orders of a warm-up
(`omsim.experiments.warmup`).
"""

from __future__ import annotations

import datetime
import json
import math
import re
import shutil
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, overload

import numpy as np
import pandas as pd

import omsim
from omsim.experiments import stats
from omsim.experiments.design import apply_overrides, grid_variants, variant_seeds
from omsim.experiments.executors import check_executor, execute
from omsim.experiments.warmup import SERIES, fig_welch, welch
from omsim.experiments.worker import Outcome, Replication, flatten
from omsim.folders import unwritable_folder
from omsim.runfolder import git_commit
from omsim.scenario import Scenario, ScenarioError, scenario_hash, validate_for_run
from omsim.scenario.validation import seed_problem

__all__ = ["ExperimentResult", "compare", "replicate", "sweep"]

BASE = "base"
"""The variant name of a plain `replicate` (the scenario as given)."""


@dataclass
class ExperimentResult:
    """The tidy results of an experiment.

    Attributes
    ----------
    kind : {"replicate", "compare", "sweep"}
    scenario : str
        The scenario's name.
    seed : int
        The experiment's seed; replication ``i`` ran with ``replication_seeds(seed, n)[i]``.
    n : int
        Replications asked for, per variant.
    replications : pandas.DataFrame
        One row per finished replication: ``variant`` (`compare`) or ``cell`` and the grid
        fields (`sweep`), ``replication``, ``seed``, ``wall_seconds``, then the KPIs named as
        in ``kpis.json``; a breakdown such as ``process_exceptions_by_kind`` is flattened to
        ``process_exceptions_by_kind.<key>``, missing (NaN) in a replication without that key.
    summary : pandas.DataFrame
        Per variant (or cell) and scalar KPI: n, mean, sd, 95% interval, relative half-width.
    differences : pandas.DataFrame or None
        `compare` only: each variant against the baseline, per KPI (`stats.paired_differences`).
    failures : list of dict
        Replications that raised: variant, replication, seed, error, traceback.
    provenance : list of dict
        Every replication: variant, replication, seed, scenario hash, version, commit, seconds.
    series : pandas.DataFrame
        Long table of the KPI series asked for: variant, replication, measure, period, value.
    settings : dict
        How it was run: executor, warm-up, variants or grid, baseline, correction.
    kpis : list of str
        The scalar KPIs summarized, in ``kpis.json`` order.
    """

    kind: str
    scenario: str
    seed: int
    n: int
    replications: pd.DataFrame
    summary: pd.DataFrame
    failures: list[dict[str, Any]]
    provenance: list[dict[str, Any]]
    series: pd.DataFrame
    settings: dict[str, Any]
    kpis: list[str]
    differences: pd.DataFrame | None = None
    label: str | None = field(default="variant")
    """The column naming a replication's variant (``cell`` in a sweep; None in `replicate`)."""

    @property
    def n_failed(self) -> int:
        return len(self.failures)

    @property
    def n_finished(self) -> int:
        return len(self.replications)

    def values(self, kpi: str, variant: str | None = None) -> pd.Series:
        """One KPI over the finished replications (of one variant or cell, when given)."""
        frame = self._of(self.replications, variant)
        if kpi not in frame.columns:
            raise ValueError(f"kpi: got {kpi!r}; this experiment has {', '.join(self.kpis)}")
        return frame[kpi].astype(float)

    def _of(self, frame: pd.DataFrame, variant: str | None) -> pd.DataFrame:
        """The rows of one variant; all rows in `replicate`. Several variants need a name."""
        if self.label is None:
            return frame
        names = self._variants()
        if variant is None and len(names) == 1:
            variant = names[0]
        if variant not in names:
            raise ValueError(f"{self.label}: got {variant!r}; give one of {', '.join(names)}")
        return frame[frame[self.label] == variant]

    @overload
    def run_folders(self, replication: None = None) -> dict[str, list[Path]]: ...
    @overload
    def run_folders(self, replication: int) -> dict[str, Path]: ...

    def run_folders(self, replication: int | None = None) -> dict[str, Any]:
        """The run folders kept with ``keep_runs``, by variant (or cell; ``"base"`` in
        `replicate`), in the experiment's order.

        With no ``replication``: each variant's finished replications' folders, in replication
        order. With ``replication`` (0-based): that replication's folder per variant; a variant
        whose replication failed is missing. Raises ValueError when no folder was kept.
        """
        label = self.label or "variant"
        folders: dict[str, Any] = {}
        for entry in self.provenance:
            if not (entry.get("ok") and entry.get("run_folder")):
                continue
            name = str(entry.get(label, BASE))
            if replication is None:
                folders.setdefault(name, []).append(Path(entry["run_folder"]))
            elif entry["replication"] == replication:
                folders[name] = Path(entry["run_folder"])
        if not folders and not any(e.get("run_folder") for e in self.provenance):
            raise ValueError("no run folder was kept: run the experiment with keep_runs=folder")
        return folders

    def replications_needed(
        self, kpi: str, relative_half_width: float, confidence: float = stats.CONFIDENCE
    ) -> dict[str, int]:
        """Replications needed per variant for a 95% half-width of ``relative_half_width`` of
        the mean of ``kpi``, estimated from these replications as a pilot (keyed ``"base"`` in
        `replicate`)."""
        return {
            BASE if name is None else name: stats.replications_needed(
                self.values(kpi, name), relative_half_width, confidence
            )
            for name in self._variants()
        }

    def precision_report(self, kpi: str, relative_half_width: float) -> str:
        """One line per variant: the pilot's precision and the replications needed."""
        lines = []
        for name in self._variants():
            line = stats.precision_report(self.values(kpi, name), kpi, relative_half_width)
            lines.append(line if name is None else f"{name}: {line}")
        return "\n".join(lines)

    def series_frame(self, measure: str, variant: str | None = None) -> pd.DataFrame:
        """One measure as periods x replications (the input of `welch`)."""
        rows = self.series[self.series["measure"] == measure]
        if rows.empty:
            asked = sorted(set(self.series["measure"])) or ["none"]
            raise ValueError(
                f"measure: got {measure!r}; this experiment kept the series of {', '.join(asked)}"
                " (ask for them with series=...)"
            )
        rows = self._of(rows, variant)
        return rows.pivot(index="period", columns="replication", values="value")

    def welch(self, measure: str, window: int, variant: str | None = None) -> pd.DataFrame:
        """Welch's moving average of a KPI series across the replications."""
        return welch(self.series_frame(measure, variant), window)

    def fig_welch(
        self,
        measure: str,
        window: int,
        variant: str | None = None,
        warmup_days: float | None = None,
    ) -> Any:
        """The plotly figure of `welch`, with the warm-up marked when given."""
        return fig_welch(
            self.welch(measure, window, variant),
            measure,
            period_hours=self.settings["period_hours"],
            warmup_days=warmup_days,
        )

    def _variants(self) -> list[Any]:
        """Variant (or cell) names in order; ``[None]`` in `replicate`."""
        if self.label is None:
            return [None]
        return list(dict.fromkeys(self.replications[self.label]))

    def table(self, kpis: Sequence[str] | None = None) -> str:
        """A plain-text table of the results (what the command line prints)."""
        from omsim.experiments.report import experiment_table

        return experiment_table(self, kpis)

    def summary_json(self) -> dict[str, Any]:
        """What ``summary.json`` holds: settings, summary, differences, failures, provenance."""
        return {
            "kind": self.kind,
            "scenario": self.scenario,
            "seed": self.seed,
            "replications_per_variant": self.n,
            "replications_finished": self.n_finished,
            "replications_failed": self.n_failed,
            "confidence": stats.CONFIDENCE,
            "settings": self.settings,
            "summary": _records(self.summary),
            "differences": None if self.differences is None else _records(self.differences),
            "failures": self.failures,
            "provenance": self.provenance,
        }

    def write(self, folder: Path | str, *, force: bool = False) -> Path:
        """Write the results folder: ``replications``, ``summary`` (and ``differences``,
        ``series``) as Parquet and CSV, and ``summary.json``. Written beside and renamed into
        place; an existing folder is replaced only with ``force`` and only when it is a results
        folder (it holds ``summary.json``) or empty."""
        folder = Path(folder)
        check_results_folder(folder, force=force)
        folder.parent.mkdir(parents=True, exist_ok=True)
        work = folder.parent / f".{folder.name}.partial"
        shutil.rmtree(work, ignore_errors=True)
        work.mkdir()
        try:
            tables = {"replications": self.replications, "summary": self.summary}
            if self.differences is not None:
                tables["differences"] = self.differences
            if not self.series.empty:
                tables["series"] = self.series
            for stem, frame in tables.items():
                frame.to_parquet(work / f"{stem}.parquet", index=False)
                frame.to_csv(work / f"{stem}.csv", index=False)
            text = json.dumps(self.summary_json(), indent=2, default=_json_default)
            (work / "summary.json").write_text(text + "\n")
            if folder.exists():
                shutil.rmtree(folder)
            work.rename(folder)
        except BaseException:
            shutil.rmtree(work, ignore_errors=True)
            raise
        return folder


def check_results_folder(folder: Path, *, force: bool) -> None:
    """Refuse a results folder that exists (without ``force``) or is not one of ours."""
    if folder.is_symlink() or (folder.exists() and not folder.is_dir()):
        raise FileExistsError(f"{folder}: not a folder omsim can write results into")
    if folder.exists():
        if not force:
            raise FileExistsError(f"{folder}: already exists; give force=True (--force)")
        if not (folder / "summary.json").exists() and any(folder.iterdir()):
            raise FileExistsError(
                f"{folder}: an existing folder that is not an omsim results folder (no "
                "summary.json); it is not replaced, even with force"
            )


def _records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    return [
        {k: _json_default(v) for k, v in row.items()} for row in frame.to_dict(orient="records")
    ]


def _json_default(value: Any) -> Any:
    """NaN as null, numpy scalars as Python numbers; a value JSON has no type for (the
    datetime of an override read as YAML, a Decimal) as its text."""
    if isinstance(value, np.generic):
        value = value.item()
    if value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, datetime.date | datetime.time):
        return value.isoformat()
    if isinstance(value, set | frozenset):
        return sorted(value, key=str)
    if value is None or isinstance(value, str | int | float | list | tuple | dict):
        return value
    return str(value)  # Decimal, Path, ...: json.dumps would refuse it after the whole run


def replicate(
    scenario: Scenario,
    n: int,
    seed: int | None = None,
    **options: Any,
) -> ExperimentResult:
    """``n`` independent replications of ``scenario``.

    Parameters
    ----------
    scenario : Scenario
        As loaded by `omsim.scenario.load_scenario`.
    n : int
        Replications, >= 1 (at least 2 for an interval).
    seed : int, optional
        The experiment's seed (default: the scenario's); replication seeds are
        ``SeedSequence(seed).spawn(n)`` (`omsim.experiments.design.replication_seeds`).
    **options
        ``executor`` ("serial", "processes" (default) or "dask"), ``workers``, ``address``
        (a Dask scheduler), ``warmup_days`` (orders created before it are left out of the
        KPIs), ``series`` (KPI series to keep per period, names in
        `omsim.experiments.warmup.SERIES`), ``period_hours`` (24), ``keep_runs`` (a folder
        to keep each replication's run folder in), ``progress`` (True).

    Examples
    --------
    >>> from omsim.scenario import load_scenario
    >>> result = replicate(load_scenario("tutorial", horizon_days=2), 2, seed=1,
    ...                    executor="serial", progress=False)
    >>> result.n_finished, list(result.summary.columns[:3])
    (2, ['kpi', 'n', 'mean'])
    """
    return _experiment("replicate", scenario, {BASE: {}}, n, seed, **options)


def compare(
    scenario: Scenario,
    variants: Mapping[str, Mapping[str, Any]],
    n: int,
    seed: int | None = None,
    *,
    baseline: str | None = None,
    correction: str = "holm",
    common_random_numbers: bool = True,
    **options: Any,
) -> ExperimentResult:
    """Every variant on the same ``n`` replication seeds, and its difference from a baseline.

    Parameters
    ----------
    variants : mapping of str to mapping
        Named overrides with dotted keys, e.g. ``{"warehouse": {"routing.strategy":
        "nearest_warehouse"}, "stores": {"routing.strategy": "ship_from_store"}}``; ``{}`` is
        the scenario as given. At least two.
    baseline : str, optional
        The variant the others are compared with (default: the first).
    correction : {"holm", "bonferroni"}
        Multiple-comparison correction across the variants, per KPI.
    common_random_numbers : bool
        True (the point of the design): replication ``i`` of every variant runs on the same
        seed, and the differences are paired. False gives each variant seeds of its own and
        compares independent samples (Welch's t): only to show what common random numbers buy.
    **options
        As in `replicate`.
    """
    if len(variants) < 2:
        raise ScenarioError(
            f"variants: got {len(variants)}; a comparison needs two or more named variants"
        )
    names = list(variants)
    baseline = names[0] if baseline is None else baseline
    if baseline not in variants:
        raise ScenarioError(f"baseline: got {baseline!r}; the variants are {', '.join(names)}")
    if correction not in stats.CORRECTIONS:
        raise ScenarioError(
            f"correction: got {correction!r}; choose {' or '.join(stats.CORRECTIONS)}"
        )
    result = _experiment(
        "compare",
        scenario,
        variants,
        n,
        seed,
        common=common_random_numbers,
        settings={
            "baseline": baseline,
            "correction": correction,
            "common_random_numbers": common_random_numbers,
        },
        **options,
    )
    differ = stats.paired_differences if common_random_numbers else stats.independent_differences
    if baseline not in set(result.replications["variant"]):
        # every baseline replication failed (`failures` says why): nothing to compare with, and
        # the finished replications of the other variants are still returned
        columns = stats.DIFFERENCE_COLUMNS if common_random_numbers else stats.INDEPENDENT_COLUMNS
        result.differences = pd.DataFrame(columns=list(columns))
        return result
    result.differences = differ(
        result.replications,
        result.kpis,
        baseline=baseline,
        variant_column="variant",
        pair_column="replication",
        correction=correction,
    )
    return result


def sweep(
    scenario: Scenario,
    grid: Mapping[str, Sequence[Any]],
    n: int,
    seed: int | None = None,
    **options: Any,
) -> ExperimentResult:
    """Every cell of ``grid`` (dotted key -> values) on the same ``n`` replication seeds.

    For example ``{"fulfillment.store.inventory_accuracy": [0.9, 0.97], "fulfillment.store.
    associates": [2, 4]}`` runs four cells. The tidy results have a column per grid key (its
    value in the cell) and a ``cell`` column naming it, ready for plotting.
    """
    cells = grid_variants(grid)
    result = _experiment(
        "sweep",
        scenario,
        dict(cells),
        n,
        seed,
        settings={"grid": {k: list(v) for k, v in grid.items()}},
        label="cell",
        **options,
    )
    values = {name: overrides for name, overrides in cells}
    for frame_name in ("replications", "summary", "series"):
        frame = getattr(result, frame_name)
        # the grid's columns after ``cell``, built at once: inserting them one by one into the
        # wide replications frame fragments it (pandas' PerformanceWarning)
        keyed = pd.DataFrame(
            {key: [values[c][key] for c in frame["cell"]] for key in grid}, index=frame.index
        )
        joined = pd.concat([frame[["cell"]], keyed, frame.drop(columns="cell")], axis=1)
        setattr(result, frame_name, joined)
    return result


def _experiment(
    kind: str,
    scenario: Scenario,
    variants: Mapping[str, Mapping[str, Any]],
    n: int,
    seed: int | None,
    *,
    common: bool = True,
    settings: dict[str, Any] | None = None,
    label: str = "variant",
    executor: str = "processes",
    workers: int | None = None,
    address: str | None = None,
    warmup_days: float = 0.0,
    series: Sequence[str] = (),
    period_hours: float = 24.0,
    keep_runs: Path | str | None = None,
    progress: bool = True,
) -> ExperimentResult:
    seed = scenario.seed if seed is None else seed
    _check_design(scenario, n, seed, warmup_days, series, period_hours)
    check_executor(executor, workers=workers, address=address)
    for name, overrides in variants.items():
        if "seed" in overrides:  # it would change nothing but the scenario hash
            raise ScenarioError(
                f"{label} {name!r}: seed: the replications' seeds come from the experiment's "
                "seed (seed=..., --seed), so a variant cannot set one"
            )
    built = {
        name: apply_overrides(scenario, overrides, f"{label} {name!r}")
        for name, overrides in variants.items()
    }
    for name, variant in built.items():
        # a plain replicate has no variants to name: its messages name the scenario
        source = f"scenario {scenario.name!r}" if kind == "replicate" else f"{label} {name!r}"
        validate_for_run(variant, source)
        if warmup_days >= variant.horizon_days:  # a variant may change the horizon
            raise ScenarioError(
                f"{label} {name!r}: warmup_days: got {warmup_days!r}: between 0 and the "
                f"horizon ({variant.horizon_days:g} days), end excluded"
            )
    if keep_runs is not None:
        _check_keep_runs(Path(keep_runs))
        folders = [_run_folder(keep_runs, name, 0, 0).parent for name in built]
        if len(set(folders)) < len(folders):
            raise ScenarioError(
                f"keep_runs: the {label} names {', '.join(map(repr, built))} do not give a "
                "run folder each; rename them"
            )
    seeds = variant_seeds(seed, n, len(built), common=common)
    tasks = [
        Replication(
            scenario=variant,
            seed=run_seed,
            variant=name,
            replication=i,
            warmup_days=float(warmup_days),
            series=tuple(series),
            period_hours=float(period_hours),
            folder=None if keep_runs is None else str(_run_folder(keep_runs, name, i, run_seed)),
        )
        for (name, variant), variant_seed_list in zip(built.items(), seeds, strict=True)
        for i, run_seed in enumerate(variant_seed_list)
    ]
    outcomes = execute(tasks, executor, workers=workers, address=address, progress=progress)
    hashes = {name: scenario_hash(variant) for name, variant in built.items()}
    replications, kpi_names = _replications_frame(outcomes, label)
    summary = (
        stats.summarize(replications, kpi_names, by=[label]) if kpi_names else _empty_summary(label)
    )
    all_settings = {
        "executor": executor,
        "workers": workers,
        "address": address,
        "warmup_days": float(warmup_days),
        "series": list(series),
        "period_hours": float(period_hours),
        "variants": {name: dict(overrides) for name, overrides in variants.items()},
        "omsim_version": omsim.__version__,
        "git_commit": git_commit(),
        **(settings or {}),
    }
    result = ExperimentResult(
        kind=kind,
        scenario=scenario.name,
        seed=seed,
        n=n,
        replications=replications,
        summary=summary,
        failures=[_failure(o, label) for o in outcomes if not o.ok],
        provenance=[_provenance(o, hashes[o.variant], label) for o in outcomes],
        series=_series_frame(outcomes, label),
        settings=all_settings,
        kpis=kpi_names,
        label=label,
    )
    if kind == "replicate":
        result.replications = result.replications.drop(columns=label)
        result.summary = result.summary.drop(columns=label)
        result.series = result.series.drop(columns=label)
        result.label = None
        for entry in (*result.failures, *result.provenance):
            entry.pop(label)
    return result


def _check_design(
    scenario: Scenario,
    n: int,
    seed: int,
    warmup_days: float,
    series: Sequence[str],
    period_hours: float,
) -> None:
    if isinstance(n, bool) or not isinstance(n, int) or n < 1:
        raise ScenarioError(f"n: got {n!r}: the number of replications is an integer >= 1")
    if (problem := seed_problem(seed)) is not None:
        raise ScenarioError(f"seed: {problem}")
    if not (isinstance(warmup_days, int | float) and math.isfinite(warmup_days)):
        raise ScenarioError(f"warmup_days: got {warmup_days!r}: a number of days >= 0")
    if not 0 <= warmup_days < scenario.horizon_days:
        raise ScenarioError(
            f"warmup_days: got {warmup_days!r}: between 0 and the horizon "
            f"({scenario.horizon_days:g} days of scenario {scenario.name!r}), end excluded"
        )
    unknown = [m for m in series if m not in SERIES]
    if isinstance(series, str) or unknown:
        raise ScenarioError(
            f"series: got {list(series) if not isinstance(series, str) else series!r}; "
            f"measures: {', '.join(SERIES)}"
        )
    if not (math.isfinite(period_hours) and period_hours > 0):
        raise ScenarioError(f"period_hours: got {period_hours!r}: a number of hours > 0")


def _check_keep_runs(root: Path) -> None:
    """Refuse, before anything runs, a ``keep_runs`` folder no replication could write into
    (every one of them would fail with the same error)."""
    if root.exists() and not root.is_dir():
        raise ScenarioError(f"keep_runs: {root}: an existing file, not a folder")
    # the run folders go under root: root itself must be makeable and writable
    if (problem := unwritable_folder(root / "run")) is not None:
        raise ScenarioError(f"keep_runs: {root}: {problem}")


def _run_folder(root: Path | str, variant: str, index: int, seed: int) -> Path:
    safe = re.sub(r"[^\w.=,+-]", "_", variant)
    if not safe.strip("."):  # "", "." or "..": not a folder under root
        safe = safe.replace(".", "_") or "_"
    return Path(root) / safe / f"rep{index:03d}-seed{seed}"


def _replications_frame(outcomes: list[Outcome], label: str) -> tuple[pd.DataFrame, list[str]]:
    """The tidy frame of the finished replications, and the scalar numeric KPIs in it."""
    rows, scalars = [], []
    for outcome in outcomes:
        if outcome.kpis is None:
            continue
        for key, value in outcome.kpis.items():
            if (value is None or isinstance(value, int | float)) and key not in scalars:
                scalars.append(key)
        rows.append(
            {
                label: outcome.variant,
                "replication": outcome.replication,
                "seed": outcome.seed,
                "wall_seconds": round(outcome.wall_seconds, 3),
                **flatten(outcome.kpis),
            }
        )
    frame = pd.DataFrame(rows, columns=[label, "replication", "seed", "wall_seconds"])
    if rows:
        frame = pd.DataFrame(rows)
    frame["seed"] = frame["seed"].astype("int64")
    for key in frame.columns[4:]:
        if frame[key].map(lambda v: v is None or isinstance(v, int | float)).all():
            frame[key] = pd.to_numeric(frame[key], errors="coerce")
    return frame, scalars


def _empty_summary(label: str) -> pd.DataFrame:
    columns = [label, "kpi", "n", "mean", "sd", "ci_low", "ci_high", "half_width"]
    return pd.DataFrame(columns=[*columns, "relative_half_width"])


def _series_frame(outcomes: list[Outcome], label: str) -> pd.DataFrame:
    rows = [
        (o.variant, o.replication, o.seed, measure, period, value)
        for o in outcomes
        for measure, values in o.series.items()
        for period, value in enumerate(values)
    ]
    columns = [label, "replication", "seed", "measure", "period", "value"]
    frame = pd.DataFrame(rows, columns=columns)
    frame["seed"] = frame["seed"].astype("int64")
    frame["value"] = frame["value"].astype(float)
    return frame


def _failure(outcome: Outcome, label: str) -> dict[str, Any]:
    return {
        label: outcome.variant,
        "replication": outcome.replication,
        "seed": outcome.seed,
        "error": outcome.error,
        "traceback": outcome.trace,
    }


def _provenance(outcome: Outcome, digest: str, label: str) -> dict[str, Any]:
    return {
        label: outcome.variant,
        "replication": outcome.replication,
        "seed": outcome.seed,
        "scenario_hash": digest,
        "omsim_version": outcome.omsim_version,
        "git_commit": outcome.git_commit,
        "wall_seconds": round(outcome.wall_seconds, 3),
        "ok": outcome.ok,
        "run_folder": outcome.folder,
    }
