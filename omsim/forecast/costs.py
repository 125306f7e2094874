"""What each Order Management licensing model would cost over a forecast contract year.

Salesforce licenses Order Management either by the number of managed Order Summaries created or
by a share of their GMV (gross merchandise value), the billing type set per sales channel.
`forecast_costs` takes a `HistoryForecast` (``omsim.forecast.models``) and a `PriceTable`
(``omsim.analysis.license_prices``) and prices one contract year under both models:

* the annual volumes are, per simulated path, the sum of the first ``months`` (12: one
  contract year) forecast months of the channel's ``orders`` and ``gmv_cents`` paths. For a
  daily history that ends mid-month the first of those months includes its observed days (it
  is a calendar month's total), so the contract year is the calendar months from the one the
  history ends in;
* both models are priced on those volumes by `omsim.analysis.license_costs.compare_costs`:
  expected annual cost, its P10/P50/P90, the central interval holding ``coverage`` of the
  draws, and the probability of exceeding each model's committed entitlement;
* the break-even Order Summary count between the models (`break_even`), at the forecast's mean
  average order value: the expected annual GMV over the expected annual count.

Orders forecast from a history stand for managed Order Summaries created (the history's
``orders`` column, in Salesforce terms the Order Summaries created), and the history's GMV for
their grand totals. Money is in integer cents of the order currency (floats where a mean or a
quantile of cents is not whole); volumes are counts or GMV cents per contract year.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from omsim.analysis.license_costs import (
    BreakEven,
    CostComparison,
    CostSummary,
    break_even,
    compare_costs,
)
from omsim.analysis.license_prices import PriceTable, require_currency
from omsim.forecast.history import ALL_CHANNELS, ForecastError, OrderHistory
from omsim.forecast.models import HistoryForecast, SeriesForecast

__all__ = [
    "CONTRACT_MONTHS",
    "COST_COLUMNS",
    "ForecastCosts",
    "check_pricing",
    "forecast_costs",
    "price_volumes",
]

CONTRACT_MONTHS = 12
"""Months in one contract year: a price table's prices are annual."""

COST_COLUMNS = [
    "model",
    "currency",
    "coverage",
    "expected_volume",
    "expected_cents",
    "low_cents",
    "high_cents",
    "p10_cents",
    "p50_cents",
    "p90_cents",
    "committed_volume",
    "p_exceeds_entitlement",
]
"""Columns of `ForecastCosts.table`, one row per licensing model."""


@dataclass(frozen=True)
class ForecastCosts:
    """Both licensing models priced over the simulated volumes of a forecast contract year.

    Attributes
    ----------
    channel : str
        The sales channel priced, or ``"All channels"`` (every channel under one model).
    months : pandas.PeriodIndex
        The forecast calendar months summed into the year.
    currency : str
        The ISO 4217 code of the GMV and of every cost.
    order_summaries : numpy.ndarray
        Per simulated path, the year's Order Summaries created (float: simulated totals).
    gmv_cents : numpy.ndarray
        Per simulated path, the year's GMV in cents. From a history forecast path ``i`` is
        NOT drawn jointly with ``order_summaries[i]`` (see `forecast_costs`); from the
        scenario Monte Carlo it is.
    comparison : CostComparison
        Each model's `CostSummary` and the paired difference per path.
    break_even : BreakEven
        Where the models cost the same, at ``average_order_value_cents``.
    average_order_value_cents : float
        Mean annual GMV over mean annual count: the forecast's mean average order value.
    """

    channel: str
    months: pd.PeriodIndex
    currency: str
    order_summaries: np.ndarray
    gmv_cents: np.ndarray
    comparison: CostComparison
    break_even: BreakEven
    average_order_value_cents: float

    @property
    def table(self) -> pd.DataFrame:
        """One row per model (``order_summary``, ``gmv``), `COST_COLUMNS`, for printing.

        Volumes in the model's unit (Order Summaries, or GMV cents); costs in cents of
        ``currency``. ``committed_volume`` and ``p_exceeds_entitlement`` are missing (``<NA>``,
        NaN) for a model without an entitlement.
        """
        summaries: tuple[CostSummary, ...] = (self.comparison.order_summary, self.comparison.gmv)
        frame = pd.DataFrame(
            [
                {
                    "model": s.model,
                    "currency": s.currency,
                    "coverage": s.coverage,
                    "expected_volume": s.expected_volume,
                    "expected_cents": s.expected_cents,
                    "low_cents": s.low_cents,
                    "high_cents": s.high_cents,
                    "p10_cents": s.p10_cents,
                    "p50_cents": s.p50_cents,
                    "p90_cents": s.p90_cents,
                    "committed_volume": s.committed_volume,
                    "p_exceeds_entitlement": s.p_exceeds_entitlement,
                }
                for s in summaries
            ],
            columns=COST_COLUMNS,
        )
        frame["committed_volume"] = frame["committed_volume"].astype("Int64")
        frame["p_exceeds_entitlement"] = frame["p_exceeds_entitlement"].astype(float)
        return frame


def check_pricing(history: OrderHistory, prices: PriceTable, *, currency: str | None = None) -> str:
    """Refuse, before any forecast, a history and price table that cannot be priced together.

    An `OrderHistory` records no currency (its CSV gives GMV in major units, or cents, of an
    unnamed currency), so ``currency`` names it; None takes the price table's, i.e. trusts
    that the history is in the table's currency.

    Returns
    -------
    str
        The currency of the history's GMV.

    Raises
    ------
    ForecastError
        The history has no GMV (the GMV model prices it).
    omsim.analysis.license_prices.PriceTableError
        ``currency`` is not the price table's (no conversion is made).
    """
    if not history.has_gmv:
        raise ForecastError(
            f"{history.source}: no GMV; licensing by GMV prices it: add a 'gmv' (major units) "
            "or 'gmv_cents' column to the history"
        )
    currency = prices.currency if currency is None else currency
    require_currency(prices, currency, what=f"the GMV of {history.source}")
    return currency


def forecast_costs(
    forecast: HistoryForecast,
    prices: PriceTable,
    *,
    channel: str | None = None,
    months: int = CONTRACT_MONTHS,
    coverage: float = 0.8,
    currency: str | None = None,
) -> ForecastCosts:
    """Price a forecast's first contract year under both licensing models.

    Parameters
    ----------
    forecast : HistoryForecast
        From `omsim.forecast.forecast_history` on a history with GMV.
    prices : PriceTable
        Annual prices of both models, in cents of ``prices.currency``.
    channel : str, optional
        The sales channel to price; None prices the forecast of the sum over channels
        (``"All channels"``), or a history's only channel.
    months : int
        Forecast months summed into the year, 1 to the forecast's horizon; 12 (one contract
        year) is what annual prices mean, another value prices that many months as a year.
    coverage : float
        Share of the paths each cost interval holds, in (0, 1); 0.8 gives P10-P90.
    currency : str, optional
        The currency of the history's GMV. An `OrderHistory` records none, so None takes the
        price table's (the history is trusted to be in it); a different code is refused.

    Returns
    -------
    ForecastCosts

    Notes
    -----
    The volumes of path ``i`` are ``orders`` path ``i`` and ``gmv_cents`` path ``i``, but
    `forecast_history` draws each series' paths from its own random stream: the two are
    independent draws, not a joint draw of one year's count and its GMV. Each model's cost
    summary (expected cost, interval, P10/P50/P90, probability of exceeding its entitlement)
    depends only on its own volume and is exact for the forecast; the comparison's expected
    difference is too (a mean of differences is the difference of means). The paired
    difference's interval and ``p_gmv_cheaper`` treat count and GMV as independent, while a
    real year's GMV rises with its count: read them as wider (more uncertain) than a joint
    forecast would give.

    Raises
    ------
    ForecastError
        The forecast has no GMV or no such channel, or ``months`` is out of range.
    omsim.analysis.license_prices.PriceTableError
        ``currency`` is not the price table's.
    """
    low, high = 1, forecast.horizon_months
    if not (isinstance(months, int) and not isinstance(months, bool) and low <= months <= high):
        raise ForecastError(
            f"months {months!r}: a whole number from {low} to {high} (the forecast's horizon)"
        )
    orders = _series(forecast, channel, "orders")
    gmv = _series(forecast, channel, "gmv_cents")
    currency = prices.currency if currency is None else currency
    require_currency(prices, currency, what=f"the GMV of {forecast.source}")
    return price_volumes(
        prices,
        orders.paths[:, :months].sum(axis=1),
        gmv.paths[:, :months].sum(axis=1),
        channel=orders.channel,
        months=orders.months[:months],
        currency=currency,
        coverage=coverage,
        source=forecast.source,
    )


def price_volumes(
    prices: PriceTable,
    order_summaries: np.ndarray,
    gmv_cents: np.ndarray,
    *,
    channel: str,
    months: pd.PeriodIndex,
    currency: str,
    coverage: float = 0.8,
    source: str = "the forecast",
) -> ForecastCosts:
    """Both licensing models priced over simulated annual volumes (one value per path).

    ``order_summaries[i]`` and ``gmv_cents[i]`` are path ``i``'s year; whether they are one
    joint draw depends on the forecast (`forecast_costs` explains the history forecast's case;
    the scenario Monte Carlo draws them jointly). Raises `ForecastError` for volumes that
    cannot be priced (negative), a year with no orders or GMV on average, or a ``coverage``
    outside (0, 1).
    """
    if not 0 < coverage < 1:  # before the volumes, so the message names what is wrong
        raise ForecastError(
            f"{source}: coverage: got {coverage!r}; the share of the simulated years each cost "
            "interval holds, in (0, 1) (0.8 gives P10-P90)"
        )
    try:
        comparison = compare_costs(prices, order_summaries, gmv_cents, coverage=coverage)
    except ValueError as exc:  # a simulated year below 0 (expm1 of a near-empty series)
        raise ForecastError(
            f"{source}, {channel}: the simulated annual volumes cannot be priced: {exc}"
        ) from None
    mean_count = float(np.mean(order_summaries))
    aov = float(np.mean(gmv_cents) / mean_count) if mean_count > 0 else float("nan")
    if not (np.isfinite(aov) and aov > 0):
        raise ForecastError(
            f"{source}, {channel}: the forecast year has no orders or no GMV on average, so "
            "no average order value for the break-even"
        )
    return ForecastCosts(
        channel=channel,
        months=months,
        currency=currency,
        order_summaries=order_summaries,
        gmv_cents=gmv_cents,
        comparison=comparison,
        break_even=break_even(prices, aov),
        average_order_value_cents=aov,
    )


def _series(forecast: HistoryForecast, channel: str | None, measure: str) -> SeriesForecast:
    """The forecast of one measure of ``channel`` (None: the sum, or the only channel)."""
    channels = list(dict.fromkeys(s.channel for s in forecast.series))
    if channel is None:
        channel = ALL_CHANNELS if ALL_CHANNELS in channels else channels[0]
        if len(channels) > 1 and channel != ALL_CHANNELS:  # not made by forecast_history
            raise ForecastError(
                f"{forecast.source}: several channels ({', '.join(channels)}); name one"
            )
    if channel not in channels:
        raise ForecastError(
            f"channel {channel!r}: the forecast of {forecast.source} has {', '.join(channels)}"
        )
    for series in forecast.series:
        if series.channel == channel and series.measure == measure:
            return series
    raise ForecastError(
        f"{forecast.source}: no GMV forecast; licensing by GMV prices it: the history needs a "
        "'gmv' (major units) or 'gmv_cents' column"
    )
