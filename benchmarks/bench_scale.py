"""Memory and scale of whole runs, each in a fresh process so that peaks do not mix.

memory
    regional_retailer stretched to N checkouts (default 100,000 and 1,000,000; the horizon is
    stretched as in bench_lifecycle.py), run and its run folder written, in a child process
    that reports its own resident set: the RSS after imports and a model build (a warm-up run
    of a few seconds of simulated time and its run folder, then dropped), the peak after the run and the peak after
    the run folder is written (``VmHWM`` in ``/proc/self/status``). Bytes per order are (peak RSS
    - RSS after imports and model build) / checkouts.
scale
    ``scenarios/national_year.yaml`` end to end, as a user runs it: ``python -m omsim.cli run``
    in a child process, once per ``--ocel`` mode (``none``, ``json``, ``sqlite``). Wall time
    is the child's, imports included; peak RSS is the child's own maximum, from ``os.wait4``.
    When the scenario file is missing, the part is skipped with a message.

Run: ``.venv/bin/python benchmarks/bench_scale.py [--only memory|scale] [--orders N ...]
[--ocel none json sqlite] [--national PATH] [--national-days D] [--tmp DIR]``.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
NATIONAL_YEAR = REPO / "scenarios" / "national_year.yaml"
CHILD_MARK = "bench-scale-child: "
"""Prefix of the one line of JSON a memory child prints."""

WARM_UP_DAYS = 1e-4
"""Horizon of the warm-up run that builds a model before the baseline RSS is read."""

MB = 1024 * 1024


def rss_kib(field: str) -> int:
    """``VmRSS`` (now) or ``VmHWM`` (peak) of this process, in KiB; ru_maxrss without /proc."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith(field + ":"):
                return int(line.split()[1])
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def memory_child(scenario_name: str, n_orders: int, seed: int | None, folder: Path) -> None:
    """In the child: warm up, read the baseline, run, write, and print the figures as JSON."""
    from bench_lifecycle import sized_scenario

    from omsim.runfolder import run_to_folder
    from omsim.scenario import load_scenario

    scenario = sized_scenario(scenario_name, n_orders)
    seed = scenario.seed if seed is None else seed
    # the warm-up writes its run folder too, so that the Parquet writer is loaded before the base
    warm_up = load_scenario(scenario_name, horizon_days=WARM_UP_DAYS)
    run_to_folder(warm_up, folder.with_name("warm-up"), seed)
    gc.collect()
    base_kib = rss_kib("VmRSS")
    started = time.perf_counter()
    result, folder = run_to_folder(scenario, folder, seed)  # streams: the production path
    run_seconds = result.wall_seconds
    write_seconds = time.perf_counter() - started - run_seconds
    peak_run_kib = rss_kib("VmHWM")
    figures = {
        "checkouts": result.counters.arrivals,
        "order_summaries": json.loads((folder / "kpis.json").read_text())[
            "order_summaries_created"
        ],
        "run_seconds": run_seconds,
        "write_seconds": write_seconds,
        "base_kib": base_kib,
        "peak_run_kib": peak_run_kib,
        "peak_kib": rss_kib("VmHWM"),
    }
    print(CHILD_MARK + json.dumps(figures), flush=True)


@dataclass
class Child:
    """A finished child process: exit code, wall seconds, peak RSS, output."""

    returncode: int
    seconds: float
    peak_kib: int
    stdout: str
    stderr: str


def run_child(argv: list[str], workdir: Path) -> Child:
    """Run ``argv`` to its end; its own peak RSS comes from ``os.wait4`` (KiB on Linux)."""
    out, err = workdir / "stdout.txt", workdir / "stderr.txt"
    with out.open("w") as stdout, err.open("w") as stderr:
        started = time.perf_counter()
        process = subprocess.Popen(argv, stdout=stdout, stderr=stderr, cwd=REPO)
        _, status, usage = os.wait4(process.pid, 0)
        seconds = time.perf_counter() - started
    process.returncode = os.waitstatus_to_exitcode(status)
    return Child(process.returncode, seconds, usage.ru_maxrss, out.read_text(), err.read_text())


def failure(child: Child) -> str:
    """The last lines of a failed child's error output."""
    tail = child.stderr.strip().splitlines()[-5:]
    return f"exit {child.returncode}: " + " | ".join(tail)


def measure_memory(args: argparse.Namespace, n_orders: int) -> dict[str, Any] | None:
    """One memory child at ``n_orders``; its figures, or None (reported) when it failed."""
    with tempfile.TemporaryDirectory(prefix="bench-scale-", dir=args.tmp) as tmp:
        argv = [sys.executable, __file__, "--child", str(Path(tmp) / "run"), "--orders"]
        argv += [str(n_orders), "--scenario", args.scenario]
        argv += [] if args.seed is None else ["--seed", str(args.seed)]
        child = run_child(argv, Path(tmp))
    lines = [line for line in child.stdout.splitlines() if line.startswith(CHILD_MARK)]
    if child.returncode != 0 or not lines:
        print(f"memory: {n_orders:,} orders failed ({failure(child)})")
        return None
    figures: dict[str, Any] = json.loads(lines[-1][len(CHILD_MARK) :])
    figures["child_peak_kib"] = child.peak_kib
    return figures


def report_memory(args: argparse.Namespace) -> None:
    """The memory table: one fresh child per size."""
    print(f"memory: {args.scenario}, each size in a fresh process (RSS in MB, 1 MB = 2^20 B)")
    header = ("checkouts", "run s", "write s", "base", "peak run", "peak", "B/order run")
    print(f"{header[0]:>10}{header[1]:>9}{header[2]:>9}{header[3]:>8}{header[4]:>10}", end="")
    print(f"{header[5]:>8}{header[6]:>13}{'B/order all':>13}")
    for n_orders in args.orders:
        f = measure_memory(args, n_orders)
        if f is None:
            continue
        n = f["checkouts"]
        per_run = (f["peak_run_kib"] - f["base_kib"]) * 1024 / n
        per_all = (f["peak_kib"] - f["base_kib"]) * 1024 / n
        print(
            f"{n:>10,}{f['run_seconds']:>9.1f}{f['write_seconds']:>9.1f}"
            f"{f['base_kib'] / 1024:>8.0f}{f['peak_run_kib'] / 1024:>10.0f}"
            f"{f['peak_kib'] / 1024:>8.0f}{per_run:>13,.0f}{per_all:>13,.0f}"
        )


def cli_argv(args: argparse.Namespace, folder: Path, ocel: list[str]) -> list[str]:
    """``python -m omsim.cli run`` on the national scenario into ``folder``."""
    argv = [sys.executable, "-m", "omsim.cli", "run", str(args.national), "--out", str(folder)]
    argv += ["--quiet", *ocel]
    argv += [] if args.seed is None else ["--seed", str(args.seed)]
    return argv + (
        [] if args.national_days is None else ["--horizon-days", str(args.national_days)]
    )


def run_end_to_end(args: argparse.Namespace, mode: str, tmp: Path) -> tuple[Child, Path]:
    """One end-to-end run with ``--ocel mode``, falling back to the older bare ``--ocel`` flag."""
    folder = tmp / "run"
    ocel = [] if mode == "none" else ["--ocel", mode]
    child = run_child(cli_argv(args, folder, ocel), tmp)
    if child.returncode == 2 and "unrecognized arguments" in child.stderr and mode == "json":
        child = run_child(cli_argv(args, folder, ["--ocel"]), tmp)
    return child, folder


def folder_mb(folder: Path, pattern: str = "**/*") -> float:
    """Size on disk of the files under ``folder`` matching ``pattern``, in MB."""
    return sum(p.stat().st_size for p in folder.glob(pattern) if p.is_file()) / MB


def report_scale(args: argparse.Namespace) -> None:
    """The scale table: the national scenario end to end, once per OCEL mode."""
    if not args.national.exists():
        print(f"scale: skipped: {args.national} not found (the national scenario is not written)")
        return
    days = "the scenario's" if args.national_days is None else f"{args.national_days:g}"
    print(f"scale: {args.national.name} end to end (omsim run, horizon {days} days)")
    print(f"{'ocel':<8}{'wall s':>9}{'peak MB':>9}{'checkouts':>11}{'orders/s':>10}", end="")
    print(f"{'summaries':>11}{'folder MB':>11}{'ocel MB':>9}")
    for mode in args.ocel:
        with tempfile.TemporaryDirectory(prefix="bench-scale-", dir=args.tmp) as tmp:
            child, folder = run_end_to_end(args, mode, Path(tmp))
            if child.returncode == 2 and "unrecognized arguments" in child.stderr:
                print(f"{mode:<8}skipped: this omsim run has no --ocel {mode}")
                continue
            if child.returncode != 0:
                print(f"{mode:<8}failed ({failure(child)})")
                continue
            kpis = json.loads((folder / "kpis.json").read_text())
            n = kpis["checkouts_attempted"]
            print(
                f"{mode:<8}{child.seconds:>9.1f}{child.peak_kib / 1024:>9.0f}{n:>11,}"
                f"{n / child.seconds:>10,.0f}{kpis['order_summaries_created']:>11,}"
                f"{folder_mb(folder):>11.1f}{folder_mb(folder, 'ocel*'):>9.1f}"
            )


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", choices=("memory", "scale"), default=None, help="one part")
    parser.add_argument(
        "--orders", type=int, nargs="+", default=[100_000, 1_000_000], help="memory sizes"
    )
    parser.add_argument("--scenario", default="regional_retailer", help="memory part's scenario")
    parser.add_argument("--seed", type=int, default=None, help="default: the scenario's")
    parser.add_argument("--national", type=Path, default=NATIONAL_YEAR, help="scale scenario")
    parser.add_argument(
        "--national-days", type=float, default=None, help="override its horizon (days)"
    )
    parser.add_argument(
        "--ocel", nargs="+", choices=("none", "json", "sqlite"), default=["none"], help="modes"
    )
    parser.add_argument("--tmp", default=None, help="where run folders go (default: system temp)")
    parser.add_argument("--child", type=Path, default=None, help=argparse.SUPPRESS)
    args = parser.parse_args()
    # children run from the repository root
    args.national = args.national.resolve()
    args.tmp = None if args.tmp is None else str(Path(args.tmp).resolve())
    return args


def main() -> None:
    args = parse_args()
    if args.child is not None:
        memory_child(args.scenario, args.orders[0], args.seed, args.child)
        return
    if args.only in (None, "memory"):
        report_memory(args)
    if args.only in (None, "scale"):
        report_scale(args)


if __name__ == "__main__":
    main()
