"""The ``omsim`` command: ``omsim run SCENARIO [--seed N] [--out DIR] [--ocel [json|sqlite]]``."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from omsim.scenario import ScenarioError, load_scenario

REPORTS = Path("reports")


def _summary_table(kpis: dict[str, object], states: dict[str, int]) -> str:
    keys = (
        "checkouts",
        "managed_order_summaries",
        "gmv_cents",
        "fulfillment_orders_created",
        "split_order_rate",
        "parcels_delivered",
        "mean_hours_to_delivery",
        "late_delivery_rate",
        "pickups",
        "captured_cents",
        "shipping_cost_cents",
        "checkouts_declined",
        "checkouts_stocked_out",
        "cancel_rate",
        "return_rate",
        "exchanges",
        "reshipments",
        "refund_cents",
        "appeasement_cost_cents",
        "process_exceptions_raised",
        "mean_hours_to_resolve",
        "peak_exception_backlog",
    )
    lines = [f"{'KPI':<32}{'value':>16}", "-" * 48]
    for key in keys:
        value = kpis.get(key)
        shown = f"{value:,.3f}" if isinstance(value, float) else f"{value:,}"
        lines.append(f"{key:<32}{shown:>16}")
    lines.append("-" * 48)
    for state, n in states.items():
        lines.append(f"{'orders ' + state:<32}{n:>16,}")
    return "\n".join(lines)


def run_command(args: argparse.Namespace) -> int:
    from omsim.runfolder import run_to_folder

    overrides = {} if args.horizon_days is None else {"horizon_days": args.horizon_days}
    try:
        scenario = load_scenario(args.scenario, **overrides)
    except ScenarioError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    seed = scenario.seed if args.seed is None else args.seed
    out = Path(args.out) if args.out else REPORTS / "runs" / f"{scenario.name}-seed{seed}"
    result, folder = run_to_folder(scenario, out, seed, ocel=args.ocel, progress=not args.quiet)
    kpis = json.loads((folder / "kpis.json").read_text())
    print(_summary_table(kpis, result.state_counts))
    print(f"\nrun folder: {folder.resolve()}")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="omsim", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    run_parser = commands.add_parser("run", help="simulate a scenario and write its run folder")
    run_parser.add_argument("scenario", help="a scenario file, or the name of a shipped one")
    run_parser.add_argument(
        "--seed", type=int, default=None, help="random seed (default: the scenario's)"
    )
    run_parser.add_argument(
        "--out", default=None, help="run folder (default: reports/runs/<name>-seed<N>)"
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
    args = parser.parse_args(argv)
    return run_command(args)


if __name__ == "__main__":
    raise SystemExit(main())
