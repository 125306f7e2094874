"""The ``omsim`` command: ``omsim run SCENARIO [--seed N] [--out DIR] [--force] [--ocel ...]``,
the experiments ``omsim replicate``, ``compare`` and ``sweep`` (`omsim.cli_experiments`), and
``omsim calibrate`` (`omsim.cli_calibrate`), ``omsim report`` (`omsim.cli_report`: the
notebooks executed into an offline HTML report) and ``omsim forecast`` (`omsim.cli_forecast`:
monthly orders and GMV forecast from a history CSV, and the licensing cost).

Every mistake in the input (the scenario file, an option, the run folder asked for) is found
before the simulation starts and reported as ``error: ...`` on stderr with exit status 2, no
traceback, and no run folder written.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
import warnings
from pathlib import Path

import omsim
from omsim.analysis.kpis import HEADLINE_KPIS
from omsim.cli_calibrate import add_calibrate_command, calibrate_command
from omsim.cli_experiments import add_experiment_commands, experiment_command
from omsim.cli_forecast import add_forecast_command, forecast_command
from omsim.cli_report import add_report_command, report_command
from omsim.folders import unwritable_folder
from omsim.scenario import (
    Scenario,
    ScenarioError,
    ScenarioWarning,
    load_scenario,
    scenario_from_dict,
    scenario_source,
    validate_for_run,
)
from omsim.scenario.validation import seed_problem

REPORTS = Path("reports")


class InputError(ValueError):
    """A command-line option or the run folder asked for cannot be used."""


def _summary_table(kpis: dict[str, object], states: dict[str, int]) -> str:
    lines = [f"{'KPI':<40}{'value':>16}", "-" * 56]
    for key in HEADLINE_KPIS:
        value = kpis.get(key)
        if value is None:  # not in this run's KPIs (none delivered yet, or no such KPI)
            shown = "-"
        else:
            shown = f"{value:,.3f}" if isinstance(value, float) else f"{value:,}"
        lines.append(f"{key:<40}{shown:>16}")
    lines.append("-" * 56)
    for state, n in states.items():
        lines.append(f"{'orders ' + state:<40}{n:>16,}")
    return "\n".join(lines)


def check_options(args: argparse.Namespace) -> None:
    """Options out of range, named as the command line's, not blamed on the scenario file."""
    if args.seed is not None and (problem := seed_problem(args.seed)) is not None:
        raise InputError(f"command line --seed: {problem}")
    horizon = args.horizon_days
    if horizon is not None and not (math.isfinite(horizon) and horizon > 0):
        raise InputError(
            f"command line --horizon-days: got {horizon!r}: a finite number of days > 0"
        )


def scenario_with_horizon(args: argparse.Namespace) -> Scenario:
    """The scenario file, then the command line's overrides on top, each blamed for its own."""
    scenario = load_scenario(args.scenario)
    if args.horizon_days is None:
        return scenario
    data = {**scenario.model_dump(), "horizon_days": args.horizon_days}
    return scenario_from_dict(data, source="command line --horizon-days")


def check_run_folder(
    out: Path, *, force: bool, label: str = "--out", marker: str = "metadata.json"
) -> None:
    """Refuse, before the run, a run folder that cannot be written or would replace something.

    An existing folder is replaced only with ``force``, and only when it is a run folder (it
    holds ``metadata.json``) or empty: ``--out reports --force`` must not delete reports.
    ``label`` names the folder in messages (``--out``, or ``run folder`` for the default one);
    ``marker`` is the file that shows a folder is omsim's (``summary.json`` for experiments).
    """
    if out.is_symlink():
        raise InputError(
            f"{label} {out}: a symbolic link; give the folder it points to, or another path"
        )
    if out.exists():
        if not out.is_dir():
            raise InputError(f"{label} {out}: an existing file, not a folder; give another path")
        kind = "run" if marker == "metadata.json" else "results"
        if not force:
            raise InputError(
                f"{label} {out}: the {kind} folder already exists; give --force to replace it, "
                "or another --out"
            )
        if not (out / marker).exists() and any(out.iterdir()):
            raise InputError(
                f"{label} {out}: an existing folder that is not an omsim {kind} folder (no "
                f"{marker}); it is not replaced, even with --force: give another --out"
            )
    if (problem := unwritable_folder(out)) is not None:
        raise InputError(f"{label} {out}: {problem}")


def run_command(args: argparse.Namespace) -> int:
    from omsim.runfolder import run_to_folder

    try:
        check_options(args)
        scenario = scenario_with_horizon(args)
        seed = scenario.seed if args.seed is None else args.seed
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always", ScenarioWarning)
            validate_for_run(scenario, scenario_source(args.scenario), seed=seed)
        for warning in caught:
            if issubclass(warning.category, ScenarioWarning):
                print(f"warning: {warning.message}", file=sys.stderr)
        out = Path(args.out) if args.out else REPORTS / "runs" / f"{scenario.name}-seed{seed}"
        check_run_folder(out, force=args.force, label="--out" if args.out else "run folder")
    except (ScenarioError, InputError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ScenarioWarning)  # printed above
            result, folder = run_to_folder(
                scenario, out, seed, ocel=args.ocel, progress=not args.quiet, force=args.force
            )
    except (ScenarioError, FileExistsError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    except OSError as error:  # the disk filled up, or the folder was taken away, mid-run
        print(f"error: writing the run folder {out}: {error}", file=sys.stderr)
        return 2
    kpis = json.loads((folder / "kpis.json").read_text())
    print(_summary_table(kpis, result.state_counts))
    print(f"\nrun folder: {folder.resolve()}")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="omsim", description=(__doc__ or "").split("\n")[0])
    parser.add_argument("--version", action="version", version=f"omsim {omsim.__version__}")
    commands = parser.add_subparsers(dest="command", required=True)
    run_parser = commands.add_parser("run", help="simulate a scenario and write its run folder")
    run_parser.add_argument("scenario", help="a scenario file, or the name of a shipped one")
    run_parser.add_argument(
        "--seed",
        type=int,
        default=None,
        help="random seed, an integer in [0, 2**63) (default: the scenario's)",
    )
    run_parser.add_argument(
        "--out", default=None, help="run folder (default: reports/runs/<name>-seed<N>)"
    )
    run_parser.add_argument(
        "--force", action="store_true", help="replace the run folder if it already exists"
    )
    run_parser.add_argument(
        "--ocel",
        nargs="?",
        const="json",
        default=None,
        choices=["json", "sqlite"],
        help="also write the OCEL 2.0 log: ocel.json (--ocel, --ocel json) or ocel.sqlite",
    )
    run_parser.add_argument(
        "--horizon-days", type=float, default=None, help="override the scenario's horizon (days)"
    )
    run_parser.add_argument("--quiet", action="store_true", help="no progress bar")
    add_experiment_commands(commands)
    add_calibrate_command(commands)
    add_report_command(commands)
    add_forecast_command(commands)
    args = parser.parse_args(argv)
    if args.command == "run":
        return run_command(args)
    if args.command == "calibrate":
        return calibrate_command(args)
    if args.command == "report":
        return report_command(args)
    if args.command == "forecast":
        return forecast_command(args)
    return experiment_command(args)


if __name__ == "__main__":
    raise SystemExit(main())
