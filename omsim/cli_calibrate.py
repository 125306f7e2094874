"""``omsim calibrate``: replications of the shipped scenarios against the published figures.

``omsim calibrate [SCENARIO ...] -n N [--seed S] [--executor ...] [--workers W]
[--horizon-days D] [--quiet] [--write-docs docs/calibration.md]`` runs ``n`` replications of
each scenario (default: regional_retailer and peak_season) and prints, per scenario, every
band of `omsim.calibration.BANDS` that applies: omsim's mean and 95% interval, the band, the
verdict and the source. ``--write-docs`` also writes the Markdown page (``make calibration``
writes docs/calibration.md). As for the other commands, every mistake in the input is reported
before the first replication starts, as ``error: ...`` with exit status 2; 1 when some
replications failed (the table of the others is printed all the same).
"""

from __future__ import annotations

import argparse
import os
import shlex
import sys
import tempfile
import warnings
from pathlib import Path
from typing import Any

from omsim.scenario import ScenarioError, ScenarioWarning

__all__ = ["DEFAULT_SCENARIOS", "add_calibrate_command", "calibrate_command"]

DEFAULT_SCENARIOS = ("regional_retailer", "peak_season")


def add_calibrate_command(commands: Any) -> None:
    """Add ``omsim calibrate`` to the ``omsim`` parser's subparsers."""
    from omsim.cli_experiments import add_executor_options

    parser = commands.add_parser(
        "calibrate", help="replications of scenarios against the published figures"
    )
    parser.add_argument(
        "scenarios",
        nargs="*",
        metavar="SCENARIO",
        help="scenario files or names of shipped ones (default: "
        + " and ".join(DEFAULT_SCENARIOS)
        + ")",
    )
    parser.add_argument(
        "-n", type=int, default=10, help="replications per scenario, >= 2 (default 10)"
    )
    parser.add_argument(
        "--seed",
        type=int,
        default=None,
        help="experiment seed; replication seeds are SeedSequence(seed).spawn(n) "
        "(default: each scenario's)",
    )
    add_executor_options(parser)
    parser.add_argument(
        "--horizon-days", type=float, default=None, help="override the scenarios' horizon"
    )
    parser.add_argument("--quiet", action="store_true", help="no progress bar")
    parser.add_argument(
        "--write-docs",
        default=None,
        metavar="FILE",
        help="also write the Markdown page (make calibration: docs/calibration.md)",
    )


def _check_docs_path(text: str) -> Path:
    """Refuse, before anything runs, a docs file that cannot be written."""
    from omsim.cli import InputError

    path = Path(text)
    if path.is_dir():
        raise InputError(f"--write-docs {text}: a folder; give a file name (docs/calibration.md)")
    parent = path.absolute().parent
    if not parent.is_dir():
        raise InputError(f"--write-docs {text}: no folder {parent} to write it in")
    try:  # a real write: permissions and read-only file systems show here
        with tempfile.NamedTemporaryFile(dir=parent, prefix=".omsim-write-check-"):
            pass
    except OSError as error:
        raise InputError(
            f"--write-docs {text}: cannot write in {parent} ({error.strerror})"
        ) from None
    return path


def _write_text(path: Path, text: str) -> None:
    """Write beside the target and rename into place: never a half-written page."""
    with tempfile.NamedTemporaryFile(
        "w", dir=path.absolute().parent, prefix=f".{path.name}.", delete=False, encoding="utf-8"
    ) as handle:
        handle.write(text)
    try:
        os.replace(handle.name, path)
    except OSError:
        os.unlink(handle.name)
        raise


def calibrate_command(args: argparse.Namespace) -> int:
    """Run ``omsim calibrate``: 0 when every replication finished, 1 when some failed, 2 for
    bad input."""
    from omsim.calibration import bands_for, calibration_table, format_table, markdown
    from omsim.cli import InputError, check_options, scenario_with_horizon
    from omsim.experiments import replicate
    from omsim.experiments.executors import ExecutorError, check_executor
    from omsim.scenario import Scenario

    names = list(args.scenarios) or list(DEFAULT_SCENARIOS)
    try:
        check_options(args)
        if args.n < 2:
            raise InputError(
                f"command line -n: got {args.n}: a band verdict needs a 95% interval, so at "
                "least 2 replications"
            )
        check_executor(args.executor, workers=args.workers, address=args.address)
        scenarios: dict[str, Scenario] = {}
        for name in names:
            one = argparse.Namespace(scenario=name, horizon_days=args.horizon_days)
            scenario = scenario_with_horizon(one)
            if scenario.name in scenarios:
                raise InputError(f"scenario {scenario.name!r} is given twice ({name})")
            scenarios[scenario.name] = scenario
        docs = _check_docs_path(args.write_docs) if args.write_docs else None
    except (ScenarioError, InputError, ExecutorError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    options: dict[str, Any] = {
        "executor": args.executor,
        "workers": args.workers,
        "address": args.address,
        "progress": not args.quiet,
    }
    shown: set[str] = set()
    show = warnings.showwarning

    def show_once(message: Any, category: Any, *rest: Any, **kwargs: Any) -> None:
        """A scenario warning as ``warning: ...``, once; any other warning as Python shows it."""
        if not issubclass(category, ScenarioWarning):
            show(message, category, *rest, **kwargs)
        elif str(message) not in shown:
            shown.add(str(message))
            print(f"warning: {message}", file=sys.stderr)

    frames = {}
    seeds: dict[str, int] = {}
    failed = 0
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("always", ScenarioWarning)
            warnings.showwarning = show_once
            # validate every scenario before the first replication of any runs
            from omsim.scenario import validate_for_run

            for name, scenario in scenarios.items():
                validate_for_run(scenario, f"scenario {name!r}")
            for name, scenario in scenarios.items():
                seed = scenario.seed if args.seed is None else args.seed
                seeds[name] = seed
                result = replicate(scenario, args.n, seed, **options)
                failed += result.n_failed
                frame = calibration_table(result, bands_for(name), scenario)
                frames[name] = frame
                print(f"{name}: {result.n_finished} of {args.n} replications (seed {seed})")
                print(format_table(frame))
                print()
    except (ScenarioError, InputError, ExecutorError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("\ninterrupted" + (": no page written" if docs else ""), file=sys.stderr)
        return 130
    if docs is not None:
        command = "omsim calibrate " + shlex.join(_argv(args, names))
        horizons = (
            {name: args.horizon_days for name in frames} if args.horizon_days is not None else None
        )
        seed_shown: int | dict[str, int] = args.seed if args.seed is not None else seeds
        try:
            _write_text(
                docs, markdown(frames, args.n, seed_shown, command=command, horizon_days=horizons)
            )
        except OSError as error:
            print(f"error: writing {docs}: {error}", file=sys.stderr)
            return 2
        print(f"wrote {docs}")
    return 1 if failed else 0


def _argv(args: argparse.Namespace, names: list[str]) -> list[str]:
    """The command line, as it matters for the page (no executor or progress options)."""
    argv = [*names, "-n", str(args.n)]
    if args.seed is not None:
        argv += ["--seed", str(args.seed)]
    if args.horizon_days is not None:
        argv += ["--horizon-days", f"{args.horizon_days:g}"]
    argv += ["--write-docs", str(args.write_docs)]
    return argv
