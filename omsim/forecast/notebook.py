"""The parameters of ``notebooks/04-order-summary-volume-forecast.ipynb``, checked up front.

papermill injects parameters as given on its command line (``-p paths lots`` gives the string
``"lots"``), so a wrong type or value would otherwise surface as a ``TypeError`` deep inside the
model. `check_parameters` refuses each one before any work, naming the parameter, what it got
and what it allows; `with_committed_order_summaries` replaces a price table's committed count of
Order Summaries, and says so when the table has no entitlement to replace it in.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

from omsim.forecast.history import ForecastError
from omsim.forecast.models import HORIZON_MONTHS, whole_number

if TYPE_CHECKING:
    from omsim.analysis.license_prices import PriceTable

__all__ = ["MIN_PATHS", "check_parameters", "with_committed_order_summaries"]

MIN_PATHS = 100
"""The fewest simulated paths: enough for the 2.5% and 97.5% quantiles."""


def _got(value: object) -> str:
    return f"got {value!r} ({type(value).__name__})"


def check_parameters(
    *,
    history: object,
    horizon_months: object,
    prices: object,
    channel: object,
    currency: object,
    committed_order_summaries: object,
    holdout_months: object,
    coverage: object,
    paths: object,
    seed: object,
) -> None:
    """Refuse a notebook parameter of the wrong type or out of range.

    Parameters are as the notebook's parameters cell declares them: ``history``, ``prices``,
    ``channel`` and ``currency`` strings (empty: the default); ``horizon_months`` a whole number
    of calendar months in `omsim.forecast.HORIZON_MONTHS`; ``committed_order_summaries`` a
    whole number >= 0 (0: the price table's own); ``holdout_months`` a whole number >= 1;
    ``coverage`` a fraction in (0, 1); ``paths`` a whole number >= `MIN_PATHS`; ``seed`` an
    integer in [0, 2**63). What depends on the files (a channel the history lacks, a holdout
    longer than the history allows, a currency not the price table's) is checked where they are
    read.

    Raises
    ------
    ForecastError
        Naming the first wrong parameter, what it got and the values allowed.

    Examples
    --------
    >>> check_parameters(history="", horizon_months=24, prices="", channel="", currency="",
    ...                  committed_order_summaries=0, holdout_months=12, coverage=0.8,
    ...                  paths="lots", seed=0)
    Traceback (most recent call last):
    ...
    omsim.forecast.history.ForecastError: parameter paths: got 'lots' (str); simulated paths, a whole number 100 or more
    """
    from omsim.scenario.validation import seed_problem

    for name, value in (
        ("history", history),
        ("prices", prices),
        ("channel", channel),
        ("currency", currency),
    ):
        if not isinstance(value, str):
            raise ForecastError(f"parameter {name}: {_got(value)}; a string, '' for the default")
    low, high = HORIZON_MONTHS
    wholes = (
        (
            "horizon_months",
            horizon_months,
            low,
            high,
            f"calendar months to forecast, a whole number from {low} to {high}",
        ),
        (
            "committed_order_summaries",
            committed_order_summaries,
            0,
            None,
            "Order Summaries a year the entitlement commits to, a whole number >= 0 (0: the "
            "price table's own)",
        ),
        (
            "holdout_months",
            holdout_months,
            1,
            None,
            "complete months the backtest holds out, a whole number >= 1",
        ),
        ("paths", paths, MIN_PATHS, None, f"simulated paths, a whole number {MIN_PATHS} or more"),
    )
    for name, value, least, most, allowed in wholes:
        if not (
            whole_number(value)
            and value >= least  # type: ignore[operator]
            and (most is None or value <= most)  # type: ignore[operator]
        ):
            raise ForecastError(f"parameter {name}: {_got(value)}; {allowed}")
    if not (
        isinstance(coverage, int | float)
        and not isinstance(coverage, bool)
        and math.isfinite(coverage)
        and 0 < coverage < 1
    ):
        raise ForecastError(
            f"parameter coverage: {_got(coverage)}; the share of the simulated years each cost "
            "interval holds, a fraction in (0, 1) (0.8 gives P10-P90)"
        )
    if (problem := seed_problem(seed)) is not None:
        raise ForecastError(f"parameter seed: {problem}")


def with_committed_order_summaries(
    table: PriceTable, committed_order_summaries: int, *, source: str
) -> PriceTable:
    """``table`` with its Order Summary entitlement committing ``committed_order_summaries`` a
    year (its committed price and overage price kept).

    Raises
    ------
    ForecastError
        The table has no Order Summary entitlement (no committed price or overage to keep), or
        the count is not a whole number > 0.
    """
    from omsim.analysis.license_prices import price_table_from_dict

    if not (whole_number(committed_order_summaries) and committed_order_summaries > 0):
        raise ForecastError(
            f"parameter committed_order_summaries: {_got(committed_order_summaries)}; a whole "
            "number > 0"
        )
    if table.order_summary.entitlement is None:
        raise ForecastError(
            f"parameter committed_order_summaries {committed_order_summaries}: the price table "
            f"{source} has no Order Summary entitlement to commit it in; committing a count "
            "needs a table with order_summary.entitlement (committed_order_summaries, "
            "committed_price_cents, overage_cents_per_order_summary), or give 0 to keep the "
            "table's own"
        )
    data = table.model_dump()
    data["order_summary"]["entitlement"]["committed_order_summaries"] = committed_order_summaries
    return price_table_from_dict(
        data, source=f"{source} with committed_order_summaries {committed_order_summaries}"
    )
