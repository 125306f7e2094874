"""Backtests: hold out a history's last months, forecast them, score the model and the baseline.

`backtest` refits the seasonal model on the history without its last ``k`` complete months,
forecasts those months, and scores the model and the seasonal-naive baseline on them: MAPE and
sMAPE of the point forecasts (the model's median path, the baseline's same-month-last-year) and
the share of months inside the 80% and 95% prediction intervals. The model is called better only
when its sMAPE is lower than the baseline's (`BacktestResult.model_better`); otherwise the
baseline is the forecast to report.

`synthetic_daily_history` draws a daily history from a known process (trend, weekly and yearly
seasonality, a Cyber Week peak, AR(1) noise on the log scale and Poisson counts); the tests
check the model's interval coverage on many such series, and the shipped sample history
(``omsim/data/history/sample-daily-orders.csv``, synthetic) is one of them (`sample_history`).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike

from omsim.forecast.baseline import QUANTILES
from omsim.forecast.calendar import days_from_thanksgiving
from omsim.forecast.history import ALL_CHANNELS, ForecastError, OrderHistory
from omsim.forecast.models import MIN_HISTORY_MONTHS, forecast_months, whole_number

__all__ = [
    "SAMPLE_SEED",
    "BacktestResult",
    "backtest",
    "coverage",
    "mape",
    "sample_history",
    "smape",
    "synthetic_daily_history",
]

SAMPLE_SEED = 14
"""The seed of the shipped sample history (`sample_history`)."""

_CYBER_WEEK_LIFT = (0.35, 0.85, 0.55, 0.45, 0.75)  # log lift, Thanksgiving to Cyber Monday
_WEEKDAY_LEVEL = (0.02, 0.0, -0.02, -0.03, 0.01, 0.05, 0.04)  # log level, Monday to Sunday


def mape(actual: ArrayLike, forecast: ArrayLike) -> float:
    """Mean absolute percentage error, in percent of the actual values.

    NaN when an actual value is 0 (the error is then undefined; read sMAPE).

    >>> mape([100, 200], [110, 180])
    10.0
    """
    a, f = np.asarray(actual, dtype=float), np.asarray(forecast, dtype=float)
    if np.any(a == 0):
        return float("nan")
    return float(np.mean(np.abs(f - a) / np.abs(a)) * 100)


def smape(actual: ArrayLike, forecast: ArrayLike) -> float:
    """Symmetric MAPE, in percent: mean of ``2|f - a| / (|a| + |f|)``, 0 where both are 0.

    >>> round(smape([100, 200], [110, 180]), 3)
    10.025
    """
    a, f = np.asarray(actual, dtype=float), np.asarray(forecast, dtype=float)
    denominator = np.abs(a) + np.abs(f)
    terms = np.divide(2 * np.abs(f - a), denominator, out=np.zeros_like(a), where=denominator > 0)
    return float(np.mean(terms) * 100)


def coverage(actual: ArrayLike, low: ArrayLike, high: ArrayLike) -> float:
    """The share (0 to 1) of actual values inside their interval, bounds included.

    >>> coverage([1, 5, 9], [0, 0, 0], [4, 5, 8])
    0.6666666666666666
    """
    a = np.asarray(actual, dtype=float)
    return float(np.mean((a >= np.asarray(low)) & (a <= np.asarray(high))))


@dataclass(frozen=True)
class BacktestResult:
    """A backtest of the model against the seasonal-naive baseline on held-out months.

    Attributes
    ----------
    source, measure, channel : str
        The history, ``"orders"`` or ``"gmv_cents"``, and the channel (or ``"All channels"``).
    months : pandas.PeriodIndex
        The months held out, the last complete months of the history.
    table : pandas.DataFrame
        One row per month and method (``model``, ``seasonal_naive``): ``month`` ("YYYY-MM"),
        ``method``, ``actual``, ``forecast``, the `QUANTILES` bounds, ``inside_80`` and
        ``inside_95``; values in the measure's unit.
    metrics : pandas.DataFrame
        Indexed by method: ``n_months``, ``mape_pct``, ``smape_pct``, ``coverage_80`` and
        ``coverage_95`` (shares of months, 0 to 1).
    excluded_month : str or None
        A last month the history covers only partly ("YYYY-MM"): neither fitted nor scored.
    """

    source: str
    measure: str
    channel: str
    months: pd.PeriodIndex
    table: pd.DataFrame
    metrics: pd.DataFrame
    excluded_month: str | None

    @property
    def model_better(self) -> bool:
        """Whether the model's sMAPE is lower than the baseline's on the held-out months."""
        smapes = self.metrics["smape_pct"]
        return bool(smapes["model"] < smapes["seasonal_naive"])

    @property
    def verdict(self) -> str:
        """One sentence: which forecast to report, and why."""
        model, naive = self.metrics.loc["model"], self.metrics.loc["seasonal_naive"]
        span = f"{len(self.months)} held-out months ({self.months[0]} to {self.months[-1]})"
        scores = f"sMAPE {model['smape_pct']:.1f}% against {naive['smape_pct']:.1f}%"
        if self.model_better:
            return f"model better than the seasonal-naive baseline on {span}: {scores}"
        return (
            f"model not better than the seasonal-naive baseline on {span}: {scores}; "
            "report the baseline"
        )


def backtest(
    history: OrderHistory,
    *,
    holdout_months: int = 12,
    measure: str = "orders",
    channel: str | None = None,
    n_paths: int = 1000,
    seed: int = 0,
) -> BacktestResult:
    """Hold out the last ``holdout_months`` complete months, refit, forecast and score them.

    Raises
    ------
    ForecastError
        ``holdout_months`` is not a whole number 1 or more, or the history without them has
        fewer complete months than a forecast needs.
    """
    if not (whole_number(holdout_months) and holdout_months >= 1):
        raise ForecastError(f"holdout_months {holdout_months!r}: a whole number, 1 or more")
    holdout_months = int(holdout_months)
    totals = history.monthly_totals(measure, channel)
    excluded = None
    if not totals["complete"].iloc[-1]:
        excluded = str(totals.index[-1])
        totals = totals.iloc[:-1]
    months = totals.index[-holdout_months:]
    if len(months) < holdout_months or not totals.loc[months, "complete"].all():
        raise ForecastError(
            f"{history.source}: holdout_months {holdout_months} is more than the history's "
            f"{int(totals['complete'].sum())} complete months"
        )
    left = int(totals["complete"].sum()) - holdout_months
    if left < MIN_HISTORY_MONTHS:
        most = left + holdout_months - MIN_HISTORY_MONTHS
        advice = f"hold out at most {most}" if most >= 1 else "the history is too short to backtest"
        raise ForecastError(
            f"{history.source}: holdout_months {holdout_months} leaves {left} complete months to "
            f"fit; a forecast needs at least {MIN_HISTORY_MONTHS}: {advice}"
        )
    train = history.until((months[0] - 1).end_time.normalize())
    forecast = forecast_months(
        train, measure, channel, holdout_months, n_paths=n_paths, rng=np.random.default_rng(seed)
    )
    actual = totals.loc[months, "value"].to_numpy()
    rows, metrics = [], {}
    table = forecast.table()
    for method, frame in table.groupby("method", sort=False):
        frame = frame.reset_index(drop=True)
        frame.insert(3, "actual", actual)
        frame["inside_80"] = (actual >= frame["p10"]) & (actual <= frame["p90"])
        frame["inside_95"] = (actual >= frame["p2_5"]) & (actual <= frame["p97_5"])
        rows.append(
            frame[["month", "method", "actual", "forecast", *QUANTILES, "inside_80", "inside_95"]]
        )
        metrics[method] = {
            "n_months": len(frame),
            "mape_pct": mape(actual, frame["forecast"]),
            "smape_pct": smape(actual, frame["forecast"]),
            "coverage_80": coverage(actual, frame["p10"], frame["p90"]),
            "coverage_95": coverage(actual, frame["p2_5"], frame["p97_5"]),
        }
    return BacktestResult(
        source=history.source,
        measure=measure,
        channel=channel or ALL_CHANNELS,
        months=months,
        table=pd.concat(rows, ignore_index=True),
        metrics=pd.DataFrame.from_dict(metrics, orient="index"),
        excluded_month=excluded,
    )


def synthetic_daily_history(
    *,
    seed: int,
    start: str = "2023-01-01",
    n_days: int = 1096,
    base_orders: float = 400.0,
    growth_per_year: float = 0.12,
    yearly_amplitude: float = 0.15,
    ar: float = 0.6,
    sigma: float = 0.06,
    aov_cents: int | None = None,
    channel: str | None = None,
) -> pd.DataFrame:
    """A daily order history from a known process, as a reporting tool would export it.

    Orders of a day are Poisson with log mean ``log(base_orders) + growth_per_year * years +
    weekday level + yearly_amplitude * cos(peak in mid-December) + Cyber Week lift + u``, where
    ``u`` is AR(1) with coefficient ``ar`` and innovation standard deviation ``sigma``
    (stationary from the first day). Cyber Week lifts each of its five days by its own amount
    (log 0.35 to 0.85, Black Friday highest), so the model's three Cyber Week regressors only
    approximate it. With ``aov_cents``, GMV is orders times an average order value of about
    ``aov_cents`` (8% lower in Cyber Week, 3% day-to-day noise), in major units with two
    decimals.

    Returns
    -------
    pandas.DataFrame
        Columns ``date`` ("YYYY-MM-DD"), ``channel`` (when given), ``orders`` and ``gmv`` (when
        ``aov_cents`` is given): `omsim.forecast.history.parse_history` reads its CSV.
    """
    rng = np.random.default_rng(seed)
    dates = pd.date_range(start, periods=n_days, freq="D")
    years = np.arange(n_days) / 365.25
    offset = days_from_thanksgiving(dates)
    in_cyber_week = (offset >= 0) & (offset <= 4)
    lift = np.where(in_cyber_week, np.take(_CYBER_WEEK_LIFT, np.clip(offset, 0, 4)), 0.0)
    peak = 2 * np.pi * (np.asarray(dates.day_of_year) - 350) / 365.25
    noise = rng.normal(0.0, sigma, n_days)
    u = np.empty(n_days)
    u[0] = noise[0] / np.sqrt(1 - ar**2)
    for t in range(1, n_days):
        u[t] = ar * u[t - 1] + noise[t]
    log_mean = (
        np.log(base_orders)
        + growth_per_year * years
        + np.take(_WEEKDAY_LEVEL, dates.day_of_week)
        + yearly_amplitude * np.cos(peak)
        + lift
        + u
    )
    orders = rng.poisson(np.exp(log_mean))
    frame = pd.DataFrame({"date": dates.strftime("%Y-%m-%d")})
    if channel is not None:
        frame["channel"] = channel
    frame["orders"] = orders
    if aov_cents is not None:
        aov = aov_cents * np.where(in_cyber_week, 0.92, 1.0) * np.exp(rng.normal(0, 0.03, n_days))
        cents = np.rint(orders * aov).astype(np.int64)
        frame["gmv"] = [f"{c // 100}.{c % 100:02d}" for c in cents]
    return frame


def sample_history() -> pd.DataFrame:
    """The shipped sample history, regenerated: SYNTHETIC, three years of one web channel.

    ``omsim/data/history/sample-daily-orders.csv`` is this frame written with
    ``to_csv(path, index=False, lineterminator="\\n")``; a test keeps the two equal.
    """
    return synthetic_daily_history(
        seed=SAMPLE_SEED, start="2023-01-01", n_days=1096, aov_cents=8_450, channel="Web Store"
    )
