"""Replications per minute with each executor: ``serial``, ``processes`` and ``dask``.

Runs the same experiment (``replicate(scenario, n, seed)``, the default scenario and 8
replications unless told otherwise) once per executor, checks that every executor returned the
same KPIs (the seeds are fixed before dispatch), and prints wall time, the speed-up of
``processes`` over ``serial`` (the issue's target: at least 1.9x on 2 cores) and the ratio of
``dask`` (a ``LocalCluster`` of single-threaded worker processes, started and closed inside
the timing) to ``processes`` (target: within 10%).

Run: ``.venv/bin/python benchmarks/bench_experiments.py [--scenario regional_retailer] [-n 8]
[--workers W] [--horizon-days D] [--executors serial processes dask] [--seed S]``.
"""

from __future__ import annotations

import argparse
import os
import time

import pandas as pd

from omsim.experiments import replicate
from omsim.experiments.executors import EXECUTORS, default_workers
from omsim.scenario import load_scenario


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n")[0])
    parser.add_argument("--scenario", default="regional_retailer")
    parser.add_argument("-n", type=int, default=8, help="replications (default 8)")
    parser.add_argument("--workers", type=int, default=None, help="default: the CPUs")
    parser.add_argument("--horizon-days", type=float, default=None)
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--executors", nargs="+", choices=EXECUTORS, default=list(EXECUTORS))
    args = parser.parse_args()

    overrides = {} if args.horizon_days is None else {"horizon_days": args.horizon_days}
    scenario = load_scenario(args.scenario, **overrides)
    workers = args.workers or default_workers()
    print(
        f"experiment: {scenario.name}, {scenario.horizon_days:g} days, {args.n} replications, "
        f"seed {args.seed}; {workers} worker(s) on {os.cpu_count()} CPU(s)"
    )
    walls: dict[str, float] = {}
    frames: dict[str, pd.DataFrame] = {}
    for executor in args.executors:
        started = time.perf_counter()
        result = replicate(
            scenario,
            args.n,
            args.seed,
            executor=executor,
            workers=None if executor == "serial" else workers,
            progress=False,
        )
        walls[executor] = time.perf_counter() - started
        frames[executor] = result.replications.drop(columns="wall_seconds")
        per_run = result.replications["wall_seconds"].mean()
        print(
            f"{executor:<10} {walls[executor]:8.1f} s wall  {60 * args.n / walls[executor]:7.2f} "
            f"replications/min  mean {per_run:.1f} s per replication  "
            f"{result.n_failed} failed"
        )
    reference = next(iter(frames.values()))
    same = all(frame.equals(reference) for frame in frames.values())
    print(f"identical KPIs across executors: {'yes' if same else 'NO'}")
    if "serial" in walls and "processes" in walls:
        print(f"speed-up processes/serial: {walls['serial'] / walls['processes']:.2f}x")
    if "processes" in walls and "dask" in walls:
        print(f"dask/processes wall time: {walls['dask'] / walls['processes']:.3f}")


if __name__ == "__main__":
    main()
