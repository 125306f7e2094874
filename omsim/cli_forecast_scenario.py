"""``omsim forecast SCENARIO``: the Monte Carlo forecast of a scenario's demand, on the command line.

``omsim forecast SCENARIO [--horizon-months N] [--growth-sd F] [--channel C] [--prices FILE.yaml]
[--out DIR] [--paths N] [--seed S]`` forecasts the managed Order Summaries created and their GMV
per month from the scenario's own demand process (`omsim.forecast.scenario.forecast_scenario`:
no discrete-event run), prints the monthly table (mean, P10, P50, P90 per channel and measure),
and with ``--prices`` prices the first contract year under both licensing models on the same
paths (count and GMV are one joint draw per path here): the first 12 whole calendar months, so
after the start month when the scenario starts within it (the horizon is then 13 months unless
given, else 12). The table is written as ``forecast.csv`` and ``forecast.parquet`` (and
``costs.*`` with ``--prices``) into ``--out``. ``--simulate N`` also runs the discrete-event
model over the scenario's horizon (N replications, seeded ``SeedSequence(--seed).spawn(N)`` as
``omsim replicate --seed`` seeds them) and prints and writes (``simulated.*``) its monthly
counts and GMV with 95% intervals beside the Monte Carlo. The same ``--seed`` prints and writes
the same numbers. Bad input: ``error: ...``, exit status 2, nothing written. When stdout's
reader leaves early (``| head``), the printing stops quietly and the tables are still written.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import pandas as pd

    from omsim.analysis.license_prices import PriceTable
    from omsim.forecast.costs import ForecastCosts
    from omsim.forecast.scenario import ScenarioForecast

MAX_MONTHS = 36
"""The longest forecast (months), as for a history."""


def scenario_forecast_command(args: argparse.Namespace, out: Path) -> int:
    """Run the scenario branch of ``omsim forecast``: 0 on success, 2 for bad input."""
    from omsim.analysis.license_prices import PriceTableError, load_price_table, require_currency
    from omsim.cli_forecast_text import costs_frame, costs_text
    from omsim.forecast import ALL_CHANNELS, ForecastError
    from omsim.forecast.costs import CONTRACT_MONTHS
    from omsim.forecast.scenario import forecast_scenario
    from omsim.scenario import ScenarioError, load_scenario
    from omsim.scenario.validation import seed_problem

    try:
        months = args.horizon_months
        if (problem := seed_problem(args.seed)) is not None:
            raise ForecastError(f"command line --seed: {problem}")
        if args.prices is not None and months is not None and months < CONTRACT_MONTHS:
            raise ForecastError(
                f"command line --horizon-months: got {months}: pricing with --prices needs a "
                f"contract year, {CONTRACT_MONTHS} months or more"
            )
        if months is not None and not 1 <= months <= MAX_MONTHS:
            raise ForecastError(
                f"command line --horizon-months: got {months}: calendar months to forecast "
                f"from the scenario's start, a whole number from 1 to {MAX_MONTHS}"
            )
        if args.simulate is not None and args.simulate < 2:
            raise ForecastError(
                f"command line --simulate: got {args.simulate}: replications of the "
                "discrete-event model, 2 or more (for an interval)"
            )
        if args.growth_sd < 0:
            raise ForecastError(
                f"command line --growth-sd: got {args.growth_sd}: the standard deviation of "
                "the yearly growth rate, a fraction >= 0"
            )
        scenario = load_scenario(args.scenario)
        skip = _partial_start_months(scenario)
        if months is None and args.prices is not None:
            months = CONTRACT_MONTHS + skip  # a price is annual: forecast the contract year
        if args.prices is not None and months is not None and months - skip < CONTRACT_MONTHS:
            raise ForecastError(
                f"command line --horizon-months: got {months}: scenario {scenario.name} starts "
                f"within a month ({scenario.start:%Y-%m-%d}), so pricing with --prices needs "
                f"its partial month and a contract year of {CONTRACT_MONTHS} whole months after "
                f"it, {CONTRACT_MONTHS + skip} or more"
            )
        prices = None
        if args.prices is not None:
            prices = load_price_table(args.prices)
            require_currency(prices, scenario.currency, what=f"scenario {scenario.name}'s GMV")
        forecast = forecast_scenario(
            scenario,
            months=months,
            n_paths=args.paths,
            seed=args.seed,
            growth_sd_per_year=args.growth_sd,
        )
        known = sorted({c for c, _ in forecast.paths})
        channel = args.channel
        if channel is None:  # the sum over channels, or a scenario's only channel
            channel = ALL_CHANNELS if ALL_CHANNELS in known else known[0]
        if (channel, "order_summaries") not in forecast.paths:
            raise ForecastError(
                f"command line --channel: scenario {scenario.name} has no channel "
                f"{args.channel!r}; it has: {', '.join(known)}"
            )
        costs = None
        if prices is not None:
            costs = _costs(forecast, prices, channel, scenario.currency, scenario.name, skip)
    except (ForecastError, ScenarioError, PriceTableError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    table = forecast.table
    if args.channel is not None:
        table = table[table["channel"] == channel]
    first, last = forecast.months[0], forecast.months[-1]
    many = f"{len(forecast.months)} months ({first} to {last})"
    span = f"1 month ({first})" if first == last else many
    _say(
        f"scenario {scenario.name}: Monte Carlo of its demand process, {span}, {args.paths} "
        f"paths, seed {args.seed}, growth sd {args.growth_sd:g} a year; money in "
        f"{scenario.currency}\n\n"
        f"{_monthly_text(table)}"
    )
    tables = {"forecast": table}
    if args.simulate is not None:
        try:
            simulated = _simulate(
                scenario, args.simulate, seed=args.seed, progress=not args.no_progress
            )
        except RuntimeError as error:
            print(f"error: {error}", file=sys.stderr)
            return 1
        _say(
            f"\ndiscrete-event model: {args.simulate} replications over the scenario's horizon "
            f"({scenario.horizon_days:g} days), seeds spawned from seed {args.seed}, mean and "
            "95% interval (each replication draws its catalog's prices from its own seed, so "
            "GMV varies more than in the Monte Carlo, which prices at the catalog of the "
            f"scenario's seed, {scenario.seed})\n"
            f"{_simulated_text(simulated)}"
        )
        tables["simulated"] = simulated
    if costs is not None:
        _say("\n" + costs_text(costs, assumed=False, joint=True))
        tables["costs"] = costs_frame(costs)
    from omsim.cli_forecast import write_and_list

    return write_and_list(out, tables)


def _say(text: str) -> None:
    """Print ``text``; when stdout's reader has gone (``| head``), print nothing more, quietly
    (the tables are still written, as `omsim.cli_forecast.forecast_command` does)."""
    from omsim.cli_forecast import stdout_to_devnull

    try:
        print(text)
    except BrokenPipeError:
        stdout_to_devnull()


def _partial_start_months(scenario: Any) -> int:
    """1 when the scenario starts after the first instant of its month (that month is only
    partly forecast, so no contract year starts in it), else 0."""
    start = scenario.start
    return int(start != start.replace(day=1, hour=0, minute=0, second=0, microsecond=0))


def _costs(
    forecast: ScenarioForecast,
    prices: PriceTable,
    channel: str,
    currency: str,
    name: str,
    skip: int,
) -> ForecastCosts:
    """The first contract year priced on the same paths: the first 12 whole calendar months
    forecast, after the ``skip`` (0 or 1) partial month the scenario starts in."""
    import pandas as pd

    from omsim.forecast.costs import CONTRACT_MONTHS, price_volumes

    year = slice(skip, skip + CONTRACT_MONTHS)
    counts = forecast.paths[channel, "order_summaries"][:, year].sum(axis=1)
    gmv = forecast.paths[channel, "gmv_cents"][:, year].sum(axis=1)
    return price_volumes(
        prices,
        counts,
        gmv,
        channel=channel,
        months=pd.PeriodIndex(forecast.months[year], freq="M"),
        currency=currency,
        source=f"scenario {name}",
    )


def _monthly_text(table: pd.DataFrame) -> str:
    """Per channel and measure: each month's mean and P10, P50, P90."""
    lines = []
    for (channel, measure), rows in table.groupby(["channel", "measure"], sort=False):
        gmv = measure == "gmv_cents"
        unit = "GMV per month, currency units" if gmv else "Order Summaries created per month"
        lines.append(f"{channel}: {unit}")
        lines.append(f"{'month':<9}" + "".join(f"{h:>16}" for h in ("mean", "P10", "P50", "P90")))
        for row in rows.itertuples(index=False):
            values = [row.mean, row.p10, row.p50, row.p90]
            shown = [f"{v / 100:,.2f}" if gmv else f"{v:,.0f}" for v in values]
            partial = "" if row.complete else "  (partial month)"
            lines.append(f"{row.month:<9}" + "".join(f"{v:>16}" for v in shown) + partial)
        lines.append("")
    return "\n".join(lines).rstrip()


def _simulate(scenario: Any, n: int, *, seed: int, progress: bool) -> pd.DataFrame:
    """``n`` replications of the discrete-event model: monthly Order Summaries and GMV counted
    as licensing counts them (`omsim.analysis.licensing_replications.replicated_volume`).

    Replication ``i`` runs with ``replication_seeds(seed, n)[i]``
    (`omsim.experiments.design.replication_seeds`, as ``omsim replicate --seed`` derives them),
    so ``--seed`` fixes the replications as it fixes the Monte Carlo."""
    import tempfile

    from omsim.analysis.licensing_replications import replicated_volume
    from omsim.experiments import replicate

    with tempfile.TemporaryDirectory(prefix="omsim-forecast-") as runs:
        result = replicate(scenario, n, seed=seed, keep_runs=Path(runs), progress=progress)
        if result.n_failed:
            raise RuntimeError(f"{result.n_failed} replication(s) failed: {result.failures}")
        return replicated_volume(result)


def _simulated_text(table: pd.DataFrame) -> str:
    """Per month and channel: managed Order Summaries and GMV at creation, mean (95% interval)."""
    lines = [
        f"{'month':<9}{'channel':<16}{'Order Summaries':>30}{'GMV, currency units':>44}",
    ]
    for row in table.itertuples(index=False):
        count = (
            f"{row.order_summaries_mean:,.1f} ({row.order_summaries_ci_low:,.1f} to "
            f"{row.order_summaries_ci_high:,.1f})"
        )
        gmv = (
            f"{row.gmv_cents_mean / 100:,.2f} ({row.gmv_cents_ci_low / 100:,.2f} to "
            f"{row.gmv_cents_ci_high / 100:,.2f})"
        )
        partial = "" if row.complete else "  (partial month)"
        lines.append(f"{row.month!s:<9}{row.sales_channel:<16}{count:>30}{gmv:>44}{partial}")
    return "\n".join(lines)
