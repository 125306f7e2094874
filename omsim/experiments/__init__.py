"""Experiments: replications, variants on common random numbers, sweeps, warm-up and precision.

`replicate`, `compare` and `sweep` (`omsim.experiments.experiment`) fix every seed and validate
every variant before dispatch, run the replications on an executor (`executors`: ``serial``,
``processes`` or ``dask``) and return an `ExperimentResult` of tidy frames. `stats` holds the
confidence intervals, paired differences and corrections; `warmup` the warm-up view of a log and
Welch's moving average; `design` the seeds, overrides and grids.
"""

from __future__ import annotations

from omsim.experiments.design import replication_seeds
from omsim.experiments.experiment import ExperimentResult, compare, replicate, sweep
from omsim.experiments.warmup import SERIES, fig_welch, kpi_series, welch

__all__ = [
    "SERIES",
    "ExperimentResult",
    "compare",
    "fig_welch",
    "kpi_series",
    "replicate",
    "replication_seeds",
    "sweep",
    "welch",
]
