"""The forecast model's regressors from the calendar: trend, Fourier seasonality, Cyber Week.

Time is counted in years (365.25 days) from the history's first day; yearly seasonality is
Fourier terms of that, weekly seasonality Fourier terms of the day of the week (daily data
only), and Cyber Week (US Thanksgiving, the fourth Thursday of November, to Cyber Monday) three
indicator regressors (daily data only). Used by `omsim.forecast.models`.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import numpy as np
import pandas as pd

from omsim.forecast.history import Frequency

_DAYS_PER_YEAR = 365.25
_HARMONICS = {"daily": (3, 10), "monthly": (0, 4)}  # (weekly, yearly) Fourier harmonics


def thanksgiving(year: int) -> dt.date:
    """US Thanksgiving: the fourth Thursday of November.

    >>> thanksgiving(2025)
    datetime.date(2025, 11, 27)
    """
    first = dt.date(year, 11, 1)
    return first + dt.timedelta(days=(3 - first.weekday()) % 7 + 21)


def cyber_week(year: int) -> tuple[dt.date, dt.date]:
    """Cyber Week: Thanksgiving Thursday to Cyber Monday (five days, both ends included).

    >>> cyber_week(2026)
    (datetime.date(2026, 11, 26), datetime.date(2026, 11, 30))
    """
    start = thanksgiving(year)
    return start, start + dt.timedelta(days=4)


def design_matrix(
    dates: pd.DatetimeIndex, origin: pd.Timestamp, frequency: Frequency
) -> pd.DataFrame:
    """The model's regressors on given days (or month starts), time counted from ``origin``."""
    if frequency == "daily":
        days = np.asarray((dates - origin).days, dtype=float)
        years = days / _DAYS_PER_YEAR
        weekday = np.asarray(dates.day_of_week, dtype=float)
    else:
        months = (dates.year - origin.year) * 12 + (dates.month - origin.month)
        years = np.asarray(months, dtype=float) / 12
    columns: dict[str, Any] = {"const": np.ones(len(dates)), "trend_years": years}
    weekly, yearly = _HARMONICS[frequency]
    for k in range(1, weekly + 1):
        columns[f"week_sin{k}"] = np.sin(2 * np.pi * k * weekday / 7)
        columns[f"week_cos{k}"] = np.cos(2 * np.pi * k * weekday / 7)
    for k in range(1, yearly + 1):
        columns[f"year_sin{k}"] = np.sin(2 * np.pi * k * years)
        columns[f"year_cos{k}"] = np.cos(2 * np.pi * k * years)
    if frequency == "daily":
        columns.update(_cyber_week_regressors(dates))
    return pd.DataFrame(columns, index=dates)


def _cyber_week_regressors(dates: pd.DatetimeIndex) -> dict[str, np.ndarray]:
    offset = days_from_thanksgiving(dates)
    return {
        "cyber_week": ((offset >= 0) & (offset <= 4)).astype(float),
        "black_friday": (offset == 1).astype(float),
        "cyber_monday": (offset == 4).astype(float),
    }


def days_from_thanksgiving(dates: pd.DatetimeIndex) -> np.ndarray:
    """Days from each date's own year's Thanksgiving (negative before it)."""
    years = np.asarray(dates.year)
    unique = np.unique(years)
    day_numbers = np.array([np.datetime64(thanksgiving(int(y)), "D") for y in unique])
    start = day_numbers[np.searchsorted(unique, years)]
    return (dates.normalize().to_numpy().astype("datetime64[D]") - start).astype(int)
