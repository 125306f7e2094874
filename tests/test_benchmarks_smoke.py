"""Every benchmark in ``benchmarks/`` runs at a tiny size and prints its figure lines.

No timing is asserted: the benchmarks print figures, and a machine's speed is not a test result.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
BENCHMARKS = REPO / "benchmarks"

SMOKE_RUNS: dict[str, list[tuple[list[str], list[str]]]] = {
    "bench_ocel.py": [
        (
            ["--orders", "200", "--orders-per-group", "50"],
            ["200 orders in 4 row groups", "parquet", "json", "sqlite"],
        )
    ],
    "bench_experiments.py": [
        (
            ["--scenario", "tutorial", "-n", "2", "--horizon-days", "1", "--workers", "2"],
            [
                "experiment: tutorial",
                "serial",
                "processes",
                "dask",
                "identical KPIs across executors: yes",
                "speed-up processes/serial:",
                "dask/processes wall time:",
            ],
        )
    ],
    "bench_routing.py": [
        (
            ["--orders", "50"],
            ["decisions/s", "fewest_splits", "lowest_cost", "naive networkx nearest"],
        )
    ],
    "bench_lifecycle.py": [
        (
            ["--orders", "500"],
            [
                "omsim simulation",
                "omsim run folder",
                "omsim end to end",
                "bare SimPy",
                "ratio omsim/bare (simulation):",
                "kernel events (steps)",
                "processes",
                "timeouts",
                "resource requests",
            ],
        )
    ],
    "bench_scale.py": [
        (
            [
                "--orders",
                "300",
                "--national",
                "scenarios/peak_season.yaml",
                "--national-days",
                "0.25",
                "--ocel",
                "none",
                "json",
            ],
            ["memory: regional_retailer", "B/order run", "scale: peak_season.yaml", "none", "json"],
        ),
        (
            ["--only", "scale", "--national", "scenarios/no_such_scenario.yaml"],
            ["scale: skipped:", "no_such_scenario.yaml not found"],
        ),
    ],
}
"""Benchmark file -> runs of it: command-line arguments, lines (or parts of lines) expected."""

CASES = [
    pytest.param(script, argv, expected, id=f"{script}-{i}")
    for script, runs in SMOKE_RUNS.items()
    for i, (argv, expected) in enumerate(runs)
]


def test_every_benchmark_has_a_smoke_run() -> None:
    scripts = {p.name for p in BENCHMARKS.glob("*.py")}
    assert scripts == set(SMOKE_RUNS)


@pytest.mark.parametrize(("script", "argv", "expected"), CASES)
def test_benchmark_runs_at_a_tiny_size(script: str, argv: list[str], expected: list[str]) -> None:
    done = subprocess.run(
        [sys.executable, str(BENCHMARKS / script), *argv],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    missing = [part for part in expected if not any(part in line for line in lines)]
    assert not missing, f"{script} printed no line with {missing}:\n{done.stdout}"
