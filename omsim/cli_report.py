"""``omsim report``: every notebook executed by papermill and rendered as offline HTML.

``omsim report [--scenario S] [--quick] [--out DIR] [--notebooks DIR]`` runs the notebooks of
`omsim.reports.NOTEBOOKS` into ``reports/<scenario>-<UTC timestamp>/`` and prints the path of
its ``index.html``. Exit status 0 when every notebook ran, 1 when one or more failed (each is
reported with its cell and error, and the others still ran), 2 for a bad input found before
any notebook starts (the scenario, the folder), 130 when interrupted (the index then lists the
notebooks that ran, the one interrupted and those not run).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

__all__ = ["add_report_command", "report_command"]


def add_report_command(commands: Any) -> None:
    """Add ``omsim report`` to the ``omsim`` parser's subparsers."""
    parser = commands.add_parser(
        "report", help="execute the notebooks and write an offline HTML report"
    )
    parser.add_argument(
        "--scenario",
        default="regional_retailer",
        help="a scenario file, or the name of a shipped one (default: regional_retailer)",
    )
    parser.add_argument(
        "--quick",
        action="store_true",
        help="small parameters: a smoke run of every notebook in a minute or two",
    )
    parser.add_argument(
        "--out", default=None, help="report folder, new (default: reports/<scenario>-<time>)"
    )
    parser.add_argument(
        "--notebooks",
        default=None,
        help="folder holding the notebooks (default: the repository's notebooks/)",
    )


def report_command(args: argparse.Namespace) -> int:
    from omsim.reports import NOTEBOOKS_DIR, ReportError, ReportInterrupted, run_report
    from omsim.scenario import ScenarioError

    try:
        result = run_report(
            args.scenario,
            quick=args.quick,
            out=args.out,
            notebooks_dir=Path(args.notebooks) if args.notebooks else NOTEBOOKS_DIR,
            echo=print,
        )
    except (ScenarioError, ReportError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    except ReportInterrupted as stop:
        print(
            f"interrupted: {stop.result.index.resolve()} lists the notebooks that ran",
            file=sys.stderr,
        )
        return 130
    except KeyboardInterrupt:
        print("interrupted before the report was written", file=sys.stderr)
        return 130
    for outcome in result.failed:
        print(f"error: {outcome.notebook} failed at {outcome.where}", file=sys.stderr)
    print(f"\nreport: {result.index.resolve()}")
    return 1 if result.failed else 0
