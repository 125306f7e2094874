"""Licensing costs over a forecast contract year: volumes summed per path, both models priced,
the break-even at the mean order value, and refusals (no GMV, another currency, no channel)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from omsim.analysis.license_costs import annual_cost_cents, break_even
from omsim.analysis.license_prices import (
    EXAMPLE_PRICES,
    PriceTableError,
    load_price_table,
    price_table_from_dict,
)
from omsim.forecast.costs import COST_COLUMNS, check_pricing, forecast_costs
from omsim.forecast.history import (
    ALL_CHANNELS,
    SAMPLE_HISTORY,
    ForecastError,
    parse_history,
    read_history,
)
from omsim.forecast.models import HistoryForecast, SeriesForecast, forecast_history

PRICES = load_price_table(EXAMPLE_PRICES)  # USD; entitlements 250,000 OS and $15M of GMV


def series(channel: str, measure: str, paths: np.ndarray) -> SeriesForecast:
    months = pd.period_range("2026-01", periods=paths.shape[1], freq="M")
    return SeriesForecast(
        channel=channel,
        measure=measure,
        months=months,
        paths=np.asarray(paths, dtype=float),
        n_observed_days=np.zeros(paths.shape[1], dtype=int),
        baseline=pd.DataFrame(),
        model=None,  # type: ignore[arg-type]  # not used by the costs
    )


def fake(*items: SeriesForecast, horizon: int = 12) -> HistoryForecast:
    return HistoryForecast("fake.csv", "daily", horizon, tuple(items))


def spread(annual: list[float], n_months: int = 12) -> np.ndarray:
    """Paths whose first 12 months sum to ``annual`` (equal months), later months 10x bigger."""
    per_month = np.asarray(annual, dtype=float)[:, None] / 12
    paths = np.repeat(per_month, n_months, axis=1)
    paths[:, 12:] *= 10
    return paths


ANNUAL_COUNTS = [200_000, 300_000, 400_000, 500_000]
ANNUAL_GMV = [1.0e9, 1.5e9, 2.0e9, 3.0e9]


def test_the_contract_year_is_priced_by_hand() -> None:
    forecast = fake(
        series("Web", "orders", spread(ANNUAL_COUNTS, 24)),
        series("Web", "gmv_cents", spread(ANNUAL_GMV, 24)),
        horizon=24,
    )
    costs = forecast_costs(forecast, PRICES)
    np.testing.assert_allclose(costs.order_summaries, ANNUAL_COUNTS)
    np.testing.assert_allclose(costs.gmv_cents, ANNUAL_GMV)
    assert costs.channel == "Web" and costs.currency == "USD"
    assert list(costs.months.strftime("%Y-%m")) == [f"2026-{m:02d}" for m in range(1, 13)]
    # $90,000 committed, 45 cents above 250,000: 9.0M, 11.25M, 15.75M, 20.25M cents
    by_count = costs.comparison.order_summary
    assert by_count.expected_cents == pytest.approx(14_062_500)
    assert by_count.p_exceeds_entitlement == 0.75
    # $100,000 committed, 0.9% above $15M of GMV: 10M, 10M, 14.5M, 23.5M cents
    by_gmv = costs.comparison.gmv
    assert by_gmv.expected_cents == pytest.approx(14_500_000)
    assert by_gmv.p_exceeds_entitlement == 0.5  # 1.5e9 is not above the commitment
    aov = 1.875e9 / 350_000  # mean GMV over mean count, not the mean of the ratios
    assert costs.average_order_value_cents == pytest.approx(aov)
    assert costs.break_even == break_even(PRICES, costs.average_order_value_cents)


def test_the_table_has_a_row_per_model() -> None:
    forecast = fake(
        series(ALL_CHANNELS, "orders", spread(ANNUAL_COUNTS)),
        series(ALL_CHANNELS, "gmv_cents", spread(ANNUAL_GMV)),
    )
    table = forecast_costs(forecast, PRICES, coverage=0.5).table
    assert list(table.columns) == COST_COLUMNS
    assert list(table["model"]) == ["order_summary", "gmv"]
    assert list(table["committed_volume"]) == [250_000, 1_500_000_000]
    assert list(table["p_exceeds_entitlement"]) == [0.75, 0.5]
    assert list(table["coverage"]) == [0.5, 0.5]
    row = table.iloc[0]
    costs = np.array([9.0e6, 11.25e6, 15.75e6, 20.25e6])
    assert row["low_cents"] == pytest.approx(np.quantile(costs, 0.25))
    assert row["high_cents"] == pytest.approx(np.quantile(costs, 0.75))
    assert row["p50_cents"] == pytest.approx(np.median(costs))
    assert row["expected_volume"] == pytest.approx(350_000)


def test_a_table_without_entitlements_leaves_them_missing() -> None:
    data = PRICES.model_dump()
    data["order_summary"]["entitlement"] = None
    data["gmv"]["entitlement"] = None
    list_prices = price_table_from_dict(data)
    forecast = fake(
        series("Web", "orders", spread(ANNUAL_COUNTS)),
        series("Web", "gmv_cents", spread(ANNUAL_GMV)),
    )
    table = forecast_costs(forecast, list_prices).table
    assert table["committed_volume"].isna().all()
    assert table["p_exceeds_entitlement"].isna().all()
    # tiers: 50 cents to 100,000, 30 to 500,000: 200,000 cost 5.0M + 3.0M
    assert table.loc[0, "p10_cents"] >= 8_000_000


def test_fewer_months_sum_only_those() -> None:
    paths = np.arange(1, 13, dtype=float)[None, :] * np.array([[1.0], [2.0]])
    forecast = fake(series("Web", "orders", paths * 1000), series("Web", "gmv_cents", paths * 1e6))
    costs = forecast_costs(forecast, PRICES, months=3)
    np.testing.assert_allclose(costs.order_summaries, [6000, 12000])
    np.testing.assert_allclose(costs.gmv_cents, [6e6, 12e6])
    assert len(costs.months) == 3


def test_channels_are_chosen_by_name_and_none_is_the_sum() -> None:
    items = [
        series(name, measure, spread([scale * v for v in values]))
        for name, scale in (("Web", 1.0), ("Stores", 2.0), (ALL_CHANNELS, 3.0))
        for measure, values in (("orders", ANNUAL_COUNTS), ("gmv_cents", ANNUAL_GMV))
    ]
    forecast = fake(*items)
    assert forecast_costs(forecast, PRICES).channel == ALL_CHANNELS
    np.testing.assert_allclose(
        forecast_costs(forecast, PRICES).order_summaries, [3 * v for v in ANNUAL_COUNTS]
    )
    stores = forecast_costs(forecast, PRICES, channel="Stores")
    np.testing.assert_allclose(stores.gmv_cents, [2 * v for v in ANNUAL_GMV])
    with pytest.raises(ForecastError, match=r"channel 'Mobile'.*Web, Stores, All channels"):
        forecast_costs(forecast, PRICES, channel="Mobile")


def test_without_gmv_the_gmv_model_cannot_be_priced() -> None:
    forecast = fake(series("Web", "orders", spread(ANNUAL_COUNTS)))
    with pytest.raises(ForecastError, match=r"no GMV forecast.*'gmv'.*'gmv_cents'"):
        forecast_costs(forecast, PRICES)


@pytest.mark.parametrize("months", [0, 13, 2.0, True])
def test_months_outside_the_horizon_are_refused(months: object) -> None:
    forecast = fake(
        series("Web", "orders", spread(ANNUAL_COUNTS)),
        series("Web", "gmv_cents", spread(ANNUAL_GMV)),
    )
    with pytest.raises(ForecastError, match=r"from 1 to 12"):
        forecast_costs(forecast, PRICES, months=months)  # type: ignore[arg-type]


def test_another_currency_is_refused() -> None:
    forecast = fake(
        series("Web", "orders", spread(ANNUAL_COUNTS)),
        series("Web", "gmv_cents", spread(ANNUAL_GMV)),
    )
    with pytest.raises(PriceTableError, match=r"in USD but the GMV of fake.csv are in EUR"):
        forecast_costs(forecast, PRICES, currency="EUR")
    assert forecast_costs(forecast, PRICES, currency="USD").currency == "USD"


def test_a_negative_simulated_year_is_an_error_not_clamped() -> None:
    forecast = fake(
        series("Web", "orders", spread([-12.0, 100.0])),
        series("Web", "gmv_cents", spread([1e6, 2e6])),
    )
    with pytest.raises(ForecastError, match=r"cannot be priced.*>= 0"):
        forecast_costs(forecast, PRICES)


def test_a_year_without_orders_has_no_order_value() -> None:
    forecast = fake(
        series("Web", "orders", np.zeros((3, 12))), series("Web", "gmv_cents", np.zeros((3, 12)))
    )
    with pytest.raises(ForecastError, match=r"no average order value"):
        forecast_costs(forecast, PRICES)


def test_check_pricing_before_the_forecast() -> None:
    counts_only = parse_history("date,orders\n2025-01,10\n2025-02,12\n", source="counts.csv")
    with pytest.raises(ForecastError, match=r"counts.csv: no GMV"):
        check_pricing(counts_only, PRICES)
    history = read_history(SAMPLE_HISTORY)
    assert check_pricing(history, PRICES) == "USD"
    with pytest.raises(PriceTableError, match=r"in USD but .* in GBP"):
        check_pricing(history, PRICES, currency="GBP")


@settings(max_examples=30, deadline=None)
@given(
    counts=arrays(float, (5, 12), elements=st.floats(1, 60_000)),
    aov=st.floats(500, 50_000),
)
def test_each_model_is_priced_on_the_sum_of_its_months(counts: np.ndarray, aov: float) -> None:
    gmv = counts[::-1] * aov  # another path order: the pairing is by index only
    forecast = fake(series("Web", "orders", counts), series("Web", "gmv_cents", gmv))
    costs = forecast_costs(forecast, PRICES)
    annual = counts.sum(axis=1)
    np.testing.assert_allclose(costs.order_summaries, annual)
    expected = annual_cost_cents(PRICES, "order_summary", annual).mean()
    assert costs.comparison.order_summary.expected_cents == pytest.approx(expected, abs=0.5)
    expected_gmv = annual_cost_cents(PRICES, "gmv", gmv.sum(axis=1)).mean()
    assert costs.comparison.gmv.expected_cents == pytest.approx(expected_gmv, abs=0.5)
    table = costs.table
    assert (table["low_cents"] <= table["p50_cents"]).all()
    assert (table["p50_cents"] <= table["high_cents"]).all()


@pytest.fixture(scope="module")
def sample_forecast() -> HistoryForecast:
    return forecast_history(read_history(SAMPLE_HISTORY), 12, n_paths=200, seed=3)


def test_the_sample_history_year(sample_forecast: HistoryForecast) -> None:
    costs = forecast_costs(sample_forecast, PRICES)
    orders = next(s for s in sample_forecast.series if s.measure == "orders")
    np.testing.assert_allclose(costs.order_summaries, orders.paths.sum(axis=1))
    assert costs.channel == "Web Store" and costs.order_summaries.shape == (200,)
    # the synthetic history's order value is about $84.50 (8% lower in Cyber Week)
    assert 8_000 < costs.average_order_value_cents < 8_700
    assert costs.break_even.average_order_value_cents == costs.average_order_value_cents
    table = costs.table
    assert (table["expected_cents"] > 0).all()
    assert table["p_exceeds_entitlement"].between(0, 1).all()
