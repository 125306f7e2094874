"""``omsim forecast --history FILE.csv``: the monthly forecast of orders and GMV, on the command line.

``omsim forecast --history FILE.csv [--horizon-months N] [--channel C] [--prices FILE.yaml]
[--currency CODE] [--out DIR] [--paths N] [--seed S] [--no-progress]`` reads and validates the
history (`omsim.forecast.read_history`), forecasts every series (each channel's orders and GMV,
and their sum over channels) 12 to 36 months ahead beside the seasonal-naive baseline
(`omsim.forecast.forecast_history`, series by series), backtests each series on its last 12
complete months (fewer when the history is shorter; `omsim.forecast.backtest`) and prints:

* the monthly table: per series, a model row (the median path) and a seasonal-naive row per
  month with the 80% (P10-P90) and 95% (P2.5-P97.5) intervals; counts as whole numbers, GMV in
  the currency's units with two decimals (the files keep cents);
* per series, the backtest's verdict: the model is reported as better only where its sMAPE on
  the held-out months beats the baseline's, with each method's interval coverage;
* with ``--prices``: each licensing model's expected cost of the first contract year (the first
  12 months forecast) with its interval, the probability of exceeding the entitlement and the
  break-even volume (`omsim.forecast.costs.forecast_costs`).

The tables are written into ``--out`` (default ``reports/forecast-<UTC time>/``) as
``forecast.csv`` and ``forecast.parquet``, the backtest verdicts as ``backtest.csv`` and
``backtest.parquet`` (a row per series and method: MAPE, sMAPE, coverage, whether the model beat
the baseline, the verdict; `omsim.cli_forecast_text.backtest_frame`), and with ``--prices``
``costs.csv`` and ``costs.parquet``; money in integer cents. Every mistake in the input (the history file, an option,
the price table, the folder) is found before the forecast starts and reported as ``error: ...``
on stderr with exit status 2, no traceback and nothing written. Exit status 0 on success. When
stdout's reader leaves early (``omsim forecast --history FILE.csv | head``), the printing stops
quietly and the tables are still written.

``omsim forecast SCENARIO`` forecasts from a scenario instead (`omsim.cli_forecast_scenario`).
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import pandas as pd

    from omsim.analysis.license_prices import PriceTable
    from omsim.forecast import BacktestResult, HistoryForecast, OrderHistory
    from omsim.forecast.costs import ForecastCosts

from omsim.cli_forecast_text import backtest_frame, costs_frame, costs_text, monthly_table

__all__ = ["add_forecast_command", "costs_frame", "forecast_command"]

DEFAULT_OUT = Path("reports")
HOLDOUT_MONTHS = 12
"""Months a backtest holds out when the history is long enough (fewer when it is not)."""

DEFAULT_PATHS = 2000


class ForecastInputError(ValueError):
    """A command-line option of ``omsim forecast`` cannot be used."""


def add_forecast_command(commands: Any) -> None:
    """Add ``omsim forecast`` to the ``omsim`` parser's subparsers."""
    from omsim.forecast.models import HORIZON_MONTHS

    low, high = HORIZON_MONTHS
    parser = commands.add_parser(
        "forecast",
        help="forecast monthly orders and GMV from a history CSV, and the licensing cost",
        description="Forecast monthly Order Summaries created and GMV from an order history "
        "CSV (beside a seasonal-naive baseline, backtested) or from a scenario's demand "
        "process (a Monte Carlo, no discrete-event run); with --prices, what each licensing "
        "model would cost.",
    )
    parser.add_argument(
        "scenario",
        nargs="?",
        default=None,
        help="a shipped scenario's name or a scenario file: forecast its demand by Monte Carlo "
        "(give this or --history)",
    )
    parser.add_argument(
        "--history",
        default=None,
        metavar="FILE.csv",
        help="daily or monthly orders (date, orders, optional gmv or gmv_cents, channel); "
        "see docs/forecasting.md",
    )
    parser.add_argument(
        "--horizon-months",
        type=int,
        default=None,
        metavar="N",
        help=f"calendar months to forecast: from a history {low} to {high} (default {low}); "
        "from a scenario 1 to 36 from its start month (default: the months its horizon "
        "touches; with --prices a contract year of 12 whole months: 12, or 13 for a scenario "
        "starting within its month, and no fewer)",
    )
    parser.add_argument(
        "--growth-sd",
        type=float,
        default=0.0,
        metavar="F",
        help="scenario only: the standard deviation of the yearly growth rate around the "
        "scenario's trend_per_year, a fraction (default 0: the trend as given)",
    )
    parser.add_argument(
        "--channel",
        default=None,
        help="forecast only this sales channel (or 'All channels', the sum); default: every "
        "channel and their sum; the licensing cost prices this channel (default: the sum)",
    )
    parser.add_argument(
        "--prices",
        default=None,
        metavar="FILE.yaml",
        help="a licensing price table (e.g. omsim/data/prices/example-prices.yaml): "
        "price the first contract year under both licensing models",
    )
    parser.add_argument(
        "--currency",
        default=None,
        metavar="CODE",
        help="the ISO 4217 currency of the history's GMV, checked against the price table's "
        "(default: assumed to be the price table's; the history names none)",
    )
    parser.add_argument(
        "--out",
        default=None,
        metavar="DIR",
        help="folder for the tables, new or empty (default: reports/forecast-<UTC time>)",
    )
    parser.add_argument(
        "--paths",
        type=int,
        default=DEFAULT_PATHS,
        metavar="N",
        help=f"simulated paths per series, 100 or more (default {DEFAULT_PATHS})",
    )
    parser.add_argument(
        "--seed",
        type=int,
        default=0,
        help="random seed, an integer in [0, 2**63) (default 0); it fixes every number "
        "printed: the simulated paths, the backtests, and from a SCENARIO the --simulate "
        "replications (their seeds SeedSequence(seed).spawn(N), as omsim replicate --seed)",
    )
    parser.add_argument(
        "--simulate",
        type=int,
        default=None,
        metavar="N",
        help="scenario only: also run the discrete-event model over the scenario's horizon, "
        "N replications (2 or more, seeded from --seed), and print its monthly Order "
        "Summaries and GMV with 95%% intervals beside the Monte Carlo",
    )
    parser.add_argument("--no-progress", action="store_true", help="no progress bar")


@dataclass(frozen=True)
class _Plan:
    """Everything checked before the forecast starts."""

    history: OrderHistory
    pairs: tuple[tuple[str | None, str], ...]  # (channel, measure) forecast, None the sum
    priced_channel: str | None
    prices: PriceTable | None
    currency: str | None
    holdout_months: int
    out: Path


def _check(args: argparse.Namespace) -> _Plan:
    """Read the inputs and refuse every problem before any long work starts."""
    from omsim.analysis.license_prices import load_price_table
    from omsim.forecast import read_history
    from omsim.forecast.costs import check_pricing
    from omsim.forecast.models import HORIZON_MONTHS, MIN_HISTORY_MONTHS
    from omsim.scenario.validation import seed_problem

    low, high = HORIZON_MONTHS
    if args.horizon_months is None:
        args.horizon_months = low
    if args.growth_sd:
        raise ForecastInputError("command line --growth-sd: only with a SCENARIO")
    if args.simulate is not None:
        raise ForecastInputError("command line --simulate: only with a SCENARIO")
    if not low <= args.horizon_months <= high:
        raise ForecastInputError(
            f"command line --horizon-months: got {args.horizon_months}: calendar months to "
            f"forecast, a whole number from {low} to {high}"
        )
    if args.paths < 100:
        raise ForecastInputError(
            f"command line --paths: got {args.paths}: simulated paths, 100 or more (for the "
            "2.5% and 97.5% quantiles)"
        )
    if (problem := seed_problem(args.seed)) is not None:
        raise ForecastInputError(f"command line --seed: {problem}")
    if args.currency is not None and args.prices is None:
        raise ForecastInputError(
            "command line --currency: only with --prices (it is checked against the price "
            "table's currency)"
        )
    out = out_folder(args)
    history = read_history(args.history)
    months = history.monthly_totals()
    n_complete = int(months["complete"].sum())
    if n_complete < MIN_HISTORY_MONTHS:
        raise ForecastInputError(
            f"{history.source}: {n_complete} complete months; a forecast needs at least "
            f"{MIN_HISTORY_MONTHS} (two of each calendar month, for yearly seasonality)"
        )
    channels = _channels(history)
    chosen: list[str | None] = channels
    if args.channel is not None:
        names = {_name(c): c for c in channels}
        if args.channel not in names:
            raise ForecastInputError(
                f"command line --channel: {history.source} has no channel {args.channel!r}; "
                f"it has: {', '.join(names)}"
            )
        chosen = [names[args.channel]]
    pairs = tuple((c, m) for c in channels for m in history.measures)
    wanted = tuple(pair for pair in pairs if pair[0] in chosen)
    prices, currency = None, None
    if args.prices is not None:
        prices = load_price_table(args.prices)
        currency = check_pricing(history, prices, currency=args.currency)
    # a backtest keeps at least the months a forecast needs to fit on
    holdout = min(HOLDOUT_MONTHS, n_complete - MIN_HISTORY_MONTHS)
    return _Plan(
        history=history,
        pairs=wanted,
        priced_channel=chosen[0] if args.channel is not None else None,
        prices=prices,
        currency=currency,
        holdout_months=holdout,
        out=out,
    )


def out_folder(args: argparse.Namespace) -> Path:
    """The folder the tables go to: ``--out``, new or empty and writable, or a new default."""
    from omsim.folders import unwritable_folder

    out = Path(args.out) if args.out else _default_out()
    label = "--out" if args.out else "output folder"
    if out.exists() and (not out.is_dir() or any(out.iterdir())):
        kind = "an existing folder that is not empty" if out.is_dir() else "an existing file"
        raise ForecastInputError(f"{label} {out}: {kind}; give a new or empty folder")
    if (problem := unwritable_folder(out)) is not None:
        raise ForecastInputError(f"{label} {out}: {problem}")
    return out


def _default_out() -> Path:
    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%SZ")
    return DEFAULT_OUT / f"forecast-{stamp}"


def _channels(history: OrderHistory) -> list[str | None]:
    """The channels `forecast_history` forecasts, in its order; None is the sum over channels
    (a history with one channel forecasts only that one; one without channels, only the sum)."""
    from omsim.forecast import ALL_CHANNELS

    channels: list[str | None] = list(history.channels)
    if len(channels) > 1:
        channels.append(None)
    elif channels == [ALL_CHANNELS]:
        channels = [None]
    return channels


def forecast_command(args: argparse.Namespace) -> int:
    """Run ``omsim forecast``: 0 on success, 2 for bad input (nothing written)."""
    from omsim.analysis.license_prices import PriceTableError
    from omsim.forecast import ForecastError, HistoryError

    if (args.scenario is None) == (args.history is None):
        print(
            "error: command line: give a SCENARIO (the Monte Carlo of its demand) or "
            "--history FILE.csv (a forecast from history), one of the two",
            file=sys.stderr,
        )
        return 2
    if args.scenario is not None:
        from omsim.cli_forecast_scenario import scenario_forecast_command

        if args.currency is not None:
            print("error: command line --currency: with --history only", file=sys.stderr)
            return 2
        try:
            out = out_folder(args)
        except ForecastInputError as error:
            print(f"error: {error}", file=sys.stderr)
            return 2
        if args.paths < 100:
            print(f"error: command line --paths: got {args.paths}: 100 or more", file=sys.stderr)
            return 2
        return scenario_forecast_command(args, out)
    try:
        plan = _check(args)
    except (ForecastInputError, HistoryError, PriceTableError, ForecastError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    try:
        forecast, backtests, costs = _run(plan, args)
    except ForecastError as error:  # the history's data cannot be fitted (found while fitting)
        print(f"error: {error}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("\ninterrupted: nothing written", file=sys.stderr)
        return 130
    tables = {"forecast": forecast.table, "backtest": backtest_frame(backtests)}
    if costs is not None:
        tables["costs"] = costs_frame(costs)
    try:
        print(_heading(plan, forecast, args))
        print()
        print(monthly_table(forecast, backtests))
        if costs is not None:
            print()
            print(costs_text(costs, assumed=args.currency is None))
    except BrokenPipeError:  # ``omsim forecast ... | head``: the tables are still written
        stdout_to_devnull()
    return write_and_list(plan.out, tables)


def stdout_to_devnull() -> None:
    """Send the rest of stdout nowhere: its reader has gone (a closed pipe, as ``| head``).

    Python's advice for a closed pipe: without it, the text left in stdout's buffer fails again
    at exit, with a traceback on stderr.
    """
    devnull = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):  # no file descriptor behind stdout: nothing to redirect
        pass
    finally:
        os.close(devnull)


def write_and_list(out: Path, tables: dict[str, pd.DataFrame]) -> int:
    """Write the tables into ``out`` and print each path: 0, or 2 when writing fails."""
    try:
        written = write_tables(out, tables)
    except (OSError, ValueError, TypeError) as error:  # pyarrow's errors are the latter two
        print(f"error: writing {out}: {error}", file=sys.stderr)
        return 2
    try:
        print()
        for path in written:
            print(f"wrote {path.resolve()}")
    except BrokenPipeError:  # the tables are written: only the list of them is lost
        stdout_to_devnull()
    return 0


def _run(
    plan: _Plan, args: argparse.Namespace
) -> tuple[HistoryForecast, dict[tuple[str, str], BacktestResult | str], ForecastCosts | None]:
    """Fit and simulate each series, backtest it, price the year: the stages a bar follows."""
    import numpy as np
    from tqdm import tqdm

    from omsim.forecast import ForecastError, HistoryForecast, backtest, forecast_series
    from omsim.forecast.costs import forecast_costs

    history = plan.history
    all_pairs = tuple((c, m) for c in _channels(history) for m in history.measures)
    # the streams forecast_history spawns, so a series is the same whichever are forecast
    spawned = np.random.SeedSequence(args.seed).spawn(len(all_pairs))
    streams = dict(zip(all_pairs, spawned, strict=True))
    n_stages = len(plan.pairs) * (2 if plan.holdout_months >= 1 else 1)
    disable = args.no_progress or not sys.stderr.isatty()
    series = []
    backtests: dict[tuple[str, str], BacktestResult | str] = {}
    with tqdm(total=n_stages, unit="stage", file=sys.stderr, disable=disable) as bar:
        for channel, measure in plan.pairs:
            bar.set_description(f"forecast {_name(channel)} {measure}")
            rng = np.random.default_rng(streams[(channel, measure)])
            series.append(
                forecast_series(
                    history, measure, channel, args.horizon_months, n_paths=args.paths, rng=rng
                )
            )
            bar.update()
        for channel, measure in plan.pairs:
            key = (_name(channel), measure)
            if plan.holdout_months < 1:
                backtests[key] = (
                    "no backtest: every complete month is needed to fit; the model is not "
                    "shown better than the baseline, report the baseline"
                )
                continue
            bar.set_description(f"backtest {key[0]} {measure}")
            try:
                backtests[key] = backtest(
                    history,
                    holdout_months=plan.holdout_months,
                    measure=measure,
                    channel=channel,
                    n_paths=args.paths,
                    seed=args.seed,
                )
            except ForecastError as error:  # the training part cannot be fitted
                backtests[key] = f"no backtest ({error}); report the baseline"
            bar.update()
    forecast = HistoryForecast(
        history.source, history.frequency, args.horizon_months, tuple(series)
    )
    costs = None
    if plan.prices is not None:
        costs = forecast_costs(
            forecast, plan.prices, channel=plan.priced_channel, currency=plan.currency
        )
    return forecast, backtests, costs


def _name(channel: str | None) -> str:
    from omsim.forecast import ALL_CHANNELS

    return ALL_CHANNELS if channel is None else channel


# --- printing --------------------------------------------------------------------------------


def _heading(plan: _Plan, forecast: HistoryForecast, args: argparse.Namespace) -> str:
    from omsim.forecast import ALL_CHANNELS

    history = plan.history
    months = forecast.series[0].months
    channels = (
        "no channel column"
        if history.channels == (ALL_CHANNELS,)
        else f"channels {', '.join(history.channels)}"
    )
    return (
        f"history {history.source}: {history.frequency}, {history.first_date.date()} to "
        f"{history.last_date.date()}, {channels}\n"
        f"forecast {len(months)} months ({months[0]} to {months[-1]}), {args.paths} simulated "
        f"paths, seed {args.seed}"
    )


def write_tables(out: Path, tables: dict[str, pd.DataFrame]) -> list[Path]:
    """Each table as ``NAME.csv`` and ``NAME.parquet`` in ``out``; on a failure, the files
    written so far are removed (and the folder, when this made it)."""
    made = not out.exists()
    out.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    try:
        for name, frame in tables.items():
            csv, parquet = out / f"{name}.csv", out / f"{name}.parquet"
            written.append(csv)
            frame.to_csv(csv, index=False)
            written.append(parquet)
            frame.to_parquet(parquet, index=False)
    except BaseException:
        for path in written:
            path.unlink(missing_ok=True)
        if made:
            out.rmdir()
        raise
    return written
