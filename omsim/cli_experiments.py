"""``omsim replicate``, ``omsim compare`` and ``omsim sweep``: experiments on the command line.

Each prints a table (mean ± 95% half-width per KPI; for a comparison, the paired differences
from the baseline) and writes a results folder: ``replications``, ``summary`` (and
``differences``, ``series``) as Parquet and CSV, and ``summary.json`` with the provenance of
every replication. As for ``omsim run``, every mistake in the input is reported before the
first replication starts, as ``error: ...`` with exit status 2.
"""

from __future__ import annotations

import argparse
import difflib
import math
import sys
import warnings
from pathlib import Path
from typing import Any

from omsim.scenario import ScenarioError, ScenarioWarning

__all__ = ["add_executor_options", "add_experiment_commands", "experiment_command"]

DEFAULT_OUT = Path("reports") / "experiments"


def add_executor_options(parser: argparse.ArgumentParser) -> None:
    """``--executor``, ``--workers`` and ``--address``, as every experiment command takes them."""
    from omsim.experiments.executors import EXECUTORS

    parser.add_argument(
        "--executor", choices=EXECUTORS, default="processes", help="default: processes"
    )
    parser.add_argument(
        "--workers", type=int, default=None, help="worker processes (default: the CPUs)"
    )
    parser.add_argument(
        "--address", default=None, help="dask scheduler, tcp://host:8786 (--executor dask)"
    )


def add_experiment_commands(commands: Any) -> None:
    """Add the three experiment subcommands to the ``omsim`` parser's subparsers."""

    def common(parser: argparse.ArgumentParser) -> None:
        parser.add_argument("scenario", help="a scenario file, or the name of a shipped one")
        parser.add_argument(
            "-n", type=int, default=10, help="replications per variant or cell (default 10)"
        )
        parser.add_argument(
            "--seed",
            type=int,
            default=None,
            help="experiment seed; replication seeds are SeedSequence(seed).spawn(n) "
            "(default: the scenario's)",
        )
        add_executor_options(parser)
        parser.add_argument(
            "--warmup-days",
            type=float,
            default=0.0,
            help="leave the orders created in the first D days out of the KPIs",
        )
        parser.add_argument(
            "--horizon-days", type=float, default=None, help="override the scenario's horizon"
        )
        parser.add_argument(
            "--series",
            action="append",
            default=[],
            metavar="MEASURE",
            help="keep a KPI series per day for Welch's warm-up plot (repeatable)",
        )
        parser.add_argument(
            "--target",
            action="append",
            default=[],
            metavar="KPI=REL",
            help="print the replications needed for a 95%% half-width of REL x the mean "
            "(e.g. mean_hours_to_delivery=0.02), from these replications as a pilot",
        )
        parser.add_argument(
            "--kpi", action="append", default=None, help="KPIs to print (default: the headline)"
        )
        parser.add_argument(
            "--out", default=None, help="results folder (default: reports/experiments/...)"
        )
        parser.add_argument(
            "--keep-runs", default=None, metavar="DIR", help="keep every run folder under DIR"
        )
        parser.add_argument("--force", action="store_true", help="replace the results folder")
        parser.add_argument("--quiet", action="store_true", help="no progress bar")

    replicate = commands.add_parser("replicate", help="n independent replications of a scenario")
    common(replicate)
    compare = commands.add_parser(
        "compare", help="variants on common random numbers, paired differences from a baseline"
    )
    common(compare)
    compare.add_argument(
        "--variant",
        nargs="+",
        action="append",
        required=True,
        metavar=("NAME", "KEY=VALUE"),
        help="a named variant and its overrides (dotted keys); repeat for each variant",
    )
    compare.add_argument("--baseline", default=None, help="default: the first variant")
    compare.add_argument("--correction", choices=("holm", "bonferroni"), default="holm")
    sweep = commands.add_parser("sweep", help="a grid over scenario fields, on the same seeds")
    common(sweep)
    sweep.add_argument(
        "--grid",
        action="append",
        required=True,
        metavar="KEY=V1,V2",
        help="one axis of the grid (repeat for more axes)",
    )


def _targets(texts: list[str]) -> list[tuple[str, float]]:
    out = []
    for text in texts:
        key, sep, raw = text.partition("=")
        try:
            value = float(raw)
        except ValueError:
            value = math.nan
        if not sep or not key or not (math.isfinite(value) and value > 0):
            raise ScenarioError(
                f"--target: got {text!r}: write KPI=REL, REL a fraction > 0 of the mean "
                "(0.02 for 2%)"
            )
        out.append((key, value))
    return out


def _variants(groups: list[list[str]]) -> dict[str, dict[str, Any]]:
    from omsim.experiments.design import parse_assignment

    variants: dict[str, dict[str, Any]] = {}
    for name, *assignments in groups:
        if "=" in name:
            raise ScenarioError(
                f"--variant: got {name!r} where a name was expected: --variant NAME KEY=VALUE ..."
            )
        if name in variants:
            raise ScenarioError(f"--variant: {name!r} is given twice")
        overrides: dict[str, Any] = {}
        for text in assignments:
            key, value = parse_assignment(text, f"variant {name!r}")
            if key in overrides:  # the later one would silently win
                raise ScenarioError(f"--variant {name!r}: {key} is given twice")
            overrides[key] = value
        variants[name] = overrides
    return variants


def _grid(texts: list[str]) -> dict[str, list[Any]]:
    from omsim.experiments.design import parse_grid

    grid: dict[str, list[Any]] = {}
    for text in texts:
        key, values = parse_grid(text)
        if key in grid:  # the later axis would silently replace the earlier one
            raise ScenarioError(f"--grid: {key} is given twice; give its values in one --grid")
        grid[key] = values
    return grid


def _check_kpis(names: list[str], option: str) -> None:
    """KPI names on the command line must be scalar KPIs of ``kpis.json``."""
    from omsim.experiments.design import scalar_kpis

    known = scalar_kpis()
    for name in names:
        if name not in known:
            hint = difflib.get_close_matches(name, known, n=1)
            suggestion = f"; did you mean {hint[0]!r}?" if hint else ""
            raise ScenarioError(
                f"{option}: no KPI {name!r}{suggestion} (the KPIs are listed in docs/kpis.md)"
            )


def _out(args: argparse.Namespace, name: str, seed: int) -> Path:
    if args.out:
        return Path(args.out)
    return DEFAULT_OUT / f"{name}-{args.command}-seed{seed}"


def experiment_command(args: argparse.Namespace) -> int:
    """Run ``omsim replicate|compare|sweep``: 0 when every replication finished, 1 when some
    failed (the results of the others are printed and written all the same), 2 for bad input."""
    from omsim.cli import InputError, check_options, check_run_folder, scenario_with_horizon
    from omsim.experiments import compare, replicate, sweep
    from omsim.experiments.executors import ExecutorError, check_executor

    try:
        check_options(args)
        if args.n < 1:
            raise InputError(f"command line -n: got {args.n}: replications, an integer >= 1")
        scenario = scenario_with_horizon(args)
        seed = scenario.seed if args.seed is None else args.seed
        targets = _targets(args.target)
        _check_kpis([k for k, _ in targets], "--target")
        _check_kpis(args.kpi or [], "--kpi")
        check_executor(args.executor, workers=args.workers, address=args.address)
        out = _out(args, scenario.name, seed)
        label = "--out" if args.out else "results folder"
        check_run_folder(out, force=args.force, label=label, marker="summary.json")
        if args.keep_runs is not None:
            keep, results = Path(args.keep_runs).resolve(), out.resolve()
            if keep == results or results in keep.parents:  # written first, then replaced
                raise InputError(
                    f"--keep-runs {args.keep_runs}: inside the {label} {out}, which is replaced "
                    "when the results are written; give a folder outside it"
                )
        options: dict[str, Any] = {
            "executor": args.executor,
            "workers": args.workers,
            "address": args.address,
            "warmup_days": args.warmup_days,
            "series": tuple(args.series),
            "keep_runs": args.keep_runs,
            "progress": not args.quiet,
        }
        shown: set[str] = set()
        show = warnings.showwarning

        def show_once(message: Any, category: Any, *rest: Any, **options: Any) -> None:
            """A scenario warning as ``warning: ...``, once, when it is found (before the
            replications run); any other warning as Python shows it."""
            if not issubclass(category, ScenarioWarning):
                show(message, category, *rest, **options)
            elif str(message) not in shown:
                shown.add(str(message))
                print(f"warning: {message}", file=sys.stderr)

        with warnings.catch_warnings():
            warnings.simplefilter("always", ScenarioWarning)
            warnings.showwarning = show_once
            if args.command == "replicate":
                result = replicate(scenario, args.n, seed, **options)
            elif args.command == "compare":
                result = compare(
                    scenario,
                    _variants(args.variant),
                    args.n,
                    seed,
                    baseline=args.baseline,
                    correction=args.correction,
                    **options,
                )
            else:
                result = sweep(scenario, _grid(args.grid), args.n, seed, **options)
    except (ScenarioError, InputError, ExecutorError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("\ninterrupted: no results folder written", file=sys.stderr)
        return 130
    print(result.table(args.kpi))
    for kpi, relative in targets:
        try:
            print(result.precision_report(kpi, relative))
        except ValueError as error:
            print(f"--target {kpi}: {error}", file=sys.stderr)
    try:
        folder = result.write(out, force=args.force)
    except (OSError, ValueError, TypeError) as error:  # pyarrow's errors are the latter two
        print(f"error: writing the results folder {out}: {error}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:  # the half-written folder is removed by `write`
        print("\ninterrupted: no results folder written", file=sys.stderr)
        return 130
    print(f"\nresults folder: {folder.resolve()}")
    return 1 if result.n_failed else 0
