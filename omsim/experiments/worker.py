"""One replication, as a worker runs it: a scenario and a seed in, small figures out.

`run_replication` is what every executor calls, in the parent (``serial``), in a pool process
or on a Dask worker. It streams the run into a run folder of its own (a temporary one unless
the experiment keeps run folders), computes the KPIs from the written tables and returns them
with the asked-for KPI series: a few kilobytes, however large the event log. An error in the
run is returned, not raised, so that the other replications still finish.
"""

from __future__ import annotations

import functools
import tempfile
import time
import traceback
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import omsim
from omsim.analysis.kpis import kpis
from omsim.eventlog_activities import ActivityLog
from omsim.experiments.warmup import kpi_series, warmup_kpis
from omsim.runfolder import git_commit, run_to_folder
from omsim.scenario import Scenario, ScenarioWarning

__all__ = ["Outcome", "Replication", "flatten", "run_replication"]


@dataclass(frozen=True)
class Replication:
    """One run of an experiment, fixed before dispatch.

    Attributes
    ----------
    scenario : Scenario
        The variant's scenario, overrides applied and validated.
    seed : int
        The run's seed (from `omsim.experiments.design.replication_seeds`).
    variant : str
        The variant or sweep cell it belongs to (``"base"`` for `replicate`).
    replication : int
        Its index, 0-based; with common random numbers, equal indices share a seed.
    warmup_days : float
        Days at the start whose orders the KPIs leave out (`omsim.experiments.warmup`).
    series : tuple of str
        KPI series to return per period (names in `omsim.experiments.warmup.SERIES`).
    period_hours : float
        Length of a series period, hours.
    folder : str or None
        Where to keep the run folder; None runs in a temporary folder, deleted afterwards.
    """

    scenario: Scenario
    seed: int
    variant: str = "base"
    replication: int = 0
    warmup_days: float = 0.0
    series: tuple[str, ...] = ()
    period_hours: float = 24.0
    folder: str | None = None


@dataclass
class Outcome:
    """What a replication returns: its KPIs (``kpis.json``'s, warm-up applied) or its error.

    ``series`` maps a measure to its values per period; ``error`` is ``"Type: message"`` and
    ``trace`` the traceback when the run failed (``kpis`` is then None).
    """

    variant: str
    replication: int
    seed: int
    wall_seconds: float = 0.0
    kpis: dict[str, Any] | None = None
    series: dict[str, list[float]] = field(default_factory=dict)
    error: str | None = None
    trace: str | None = None
    folder: str | None = None
    omsim_version: str = omsim.__version__
    git_commit: str | None = None

    @property
    def ok(self) -> bool:
        return self.error is None


@functools.cache
def _commit() -> str | None:
    return git_commit()


def run_replication(task: Replication) -> Outcome:
    """Run one replication and return its `Outcome`; never raises for a failed run."""
    started = time.perf_counter()
    outcome = Outcome(task.variant, task.replication, task.seed, git_commit=_commit())
    with warnings.catch_warnings():
        # the experiment validated (and warned about) every variant before dispatch; each run
        # validating again must not repeat its warnings once per replication and process
        warnings.simplefilter("ignore", ScenarioWarning)
        try:
            if task.folder is None:
                with tempfile.TemporaryDirectory(prefix="omsim-replication-") as tmp:
                    _run_into(task, Path(tmp) / "run", outcome)
            else:
                _run_into(task, Path(task.folder), outcome)
                outcome.folder = task.folder
        except Exception as error:  # reported with its seed; the experiment goes on
            outcome.kpis, outcome.series = None, {}
            outcome.error = f"{type(error).__name__}: {error}"
            outcome.trace = traceback.format_exc()
    outcome.wall_seconds = time.perf_counter() - started
    return outcome


def _run_into(task: Replication, folder: Path, outcome: Outcome) -> None:
    """Run into ``folder``; the KPIs of ``kpis.json``, the warm-up KPIs and the series all
    read one split of the written event log (`ActivityLog`)."""

    def figures(written: Path) -> dict[str, Any]:
        with ActivityLog(written) as log:
            whole = kpis(log)
            outcome.kpis = warmup_kpis(log, task.warmup_days) if task.warmup_days else whole
            outcome.series = {
                measure: [float(v) for v in kpi_series(log, measure, task.period_hours)]
                for measure in task.series
            }
        return whole

    run_to_folder(task.scenario, folder, task.seed, force=True, kpis_of=figures)


def flatten(kpis: dict[str, Any], prefix: str = "") -> dict[str, Any]:
    """``kpis.json`` as one level: a breakdown ``{"a": {"x": 1}}`` becomes ``{"a.x": 1}``.

    >>> flatten({"n": 3, "by": {"x": 1, "y": None}})
    {'n': 3, 'by.x': 1, 'by.y': None}
    """
    flat: dict[str, Any] = {}
    for key, value in kpis.items():
        name = f"{prefix}{key}"
        if isinstance(value, dict):
            flat.update(flatten(value, f"{name}."))
        else:
            flat[name] = value
    return flat
