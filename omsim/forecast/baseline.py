"""The seasonal-naive baseline every forecast is compared with.

Each month is forecast as the same calendar month of the last complete year; its intervals
widen with each year ahead, from the root mean square of the history's year-on-year log changes
(Hyndman and Athanasopoulos, *Forecasting: Principles and Practice*, 3rd ed., section 5.5).
"""

from __future__ import annotations

from statistics import NormalDist

import numpy as np
import pandas as pd

from omsim.forecast.history import ForecastError

QUANTILES = {"p2_5": 0.025, "p10": 0.10, "p90": 0.90, "p97_5": 0.975}
"""Interval bounds reported: p10-p90 is the 80% prediction interval, p2_5-p97_5 the 95%."""


def seasonal_naive(totals: pd.DataFrame, months: pd.PeriodIndex) -> pd.DataFrame:
    """Each month as the same calendar month of the last complete year, with 80%/95% intervals.

    Parameters
    ----------
    totals : pandas.DataFrame
        `OrderHistory.monthly_totals`: only complete months are used.
    months : pandas.PeriodIndex
        Consecutive months to forecast, the first right after the last complete month.

    Returns
    -------
    pandas.DataFrame
        Indexed by month: ``forecast`` and the `QUANTILES` bounds, in the measure's unit.
    """
    complete = totals.loc[totals["complete"], "value"]
    needed = pd.period_range(months[0] - 12, periods=12, freq="M")
    if not needed.isin(complete.index).all():
        raise ForecastError(
            f"the seasonal-naive baseline needs the 12 complete months {needed[0]} to "
            f"{needed[-1]} before the first month forecast ({months[0]})"
        )
    logs = np.log1p(complete)
    year_ago = logs.reindex(logs.index - 12).to_numpy()
    changes = (logs.to_numpy() - year_ago)[~np.isnan(year_ago)]
    if len(changes) == 0:
        raise ForecastError("the seasonal-naive baseline needs two years of complete months")
    scale = float(np.sqrt(np.mean(changes**2)))  # no drift: the point forecast has none
    steps = np.arange(len(months))
    years_ahead = steps // 12 + 1
    point = complete.loc[months - 12 * years_ahead].to_numpy()
    frame = pd.DataFrame({"forecast": point}, index=months)
    for name, q in QUANTILES.items():
        z = NormalDist().inv_cdf(q)
        frame[name] = np.expm1(np.log1p(point) + z * scale * np.sqrt(years_ahead))
    return frame
