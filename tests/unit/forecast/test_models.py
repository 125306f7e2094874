"""The seasonal model recovers a known process; the seasonal-naive baseline is hand-computable;
forecasts state months, ordered intervals, whole cents, observed days, and refuse bad options."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest

from omsim.forecast.backtest import synthetic_daily_history
from omsim.forecast.baseline import QUANTILES, seasonal_naive
from omsim.forecast.calendar import cyber_week, design_matrix, thanksgiving
from omsim.forecast.history import (
    ALL_CHANNELS,
    SAMPLE_HISTORY,
    ForecastError,
    OrderHistory,
    parse_history,
    read_history,
)
from omsim.forecast.models import (
    TABLE_COLUMNS,
    fit_seasonal_model,
    forecast_history,
    forecast_series,
)

BOUNDS = ["p2_5", "p10", "forecast", "p90", "p97_5"]


@pytest.fixture(scope="module")
def sample() -> OrderHistory:
    return read_history(SAMPLE_HISTORY)


def monthly_history(values: list[int], start: str = "2022-01") -> OrderHistory:
    months = pd.period_range(start, periods=len(values), freq="M").strftime("%Y-%m")
    rows = [f"{m},{v}" for m, v in zip(months, values, strict=True)]
    return parse_history("date,orders\n" + "\n".join(rows) + "\n", source="monthly.csv")


@pytest.mark.parametrize(
    ("year", "day"), [(2023, 23), (2024, 28), (2025, 27), (2026, 26), (2029, 22), (2030, 28)]
)
def test_thanksgiving_is_the_fourth_thursday_of_november(year: int, day: int) -> None:
    assert thanksgiving(year) == dt.date(year, 11, day)
    start, end = cyber_week(year)
    assert start.weekday() == 3 and end.weekday() == 0 and (end - start).days == 4


def test_cyber_week_regressors_cross_into_december() -> None:
    dates = pd.date_range("2024-11-27", "2024-12-03")  # Thanksgiving 28 Nov, Cyber Monday 2 Dec
    x = design_matrix(dates, dates[0], "daily")
    assert list(x["cyber_week"]) == [0, 1, 1, 1, 1, 1, 0]
    assert list(x["black_friday"]) == [0, 0, 1, 0, 0, 0, 0]
    assert list(x["cyber_monday"]) == [0, 0, 0, 0, 0, 1, 0]
    assert x.shape[1] == 2 + 6 + 20 + 3  # const, trend, weekly, yearly, Cyber Week
    assert (
        design_matrix(pd.date_range("2024-01", periods=3, freq="MS"), dates[0], "monthly").shape[1]
        == 2 + 8
    )


def test_the_fit_recovers_a_known_trend_and_cyber_week_lift() -> None:
    frame = synthetic_daily_history(
        seed=5, n_days=1096, base_orders=20_000, growth_per_year=0.2, ar=0.5, sigma=0.02
    )
    series = pd.Series(
        frame["orders"].to_numpy(dtype=float),
        index=pd.DatetimeIndex(frame["date"], freq="D"),
    )
    model = fit_seasonal_model(series, "daily")
    params = dict(zip(model.columns, model.params, strict=True))
    assert params["trend_years"] == pytest.approx(0.2, abs=0.02)
    assert params["cyber_week"] + params["black_friday"] == pytest.approx(0.85, abs=0.1)
    assert 0.3 < sum(model.ar) < 0.7 and model.sigma == pytest.approx(0.02, rel=0.25)


def test_persistent_errors_are_estimated_without_the_residual_fit_bias() -> None:
    # AR coefficients estimated from residuals of the 31-regressor fit average 0.86 here;
    # restricted maximum likelihood recovers the true 0.9 (0.89)
    persistence = []
    for seed in range(500, 508):
        frame = synthetic_daily_history(seed=seed, base_orders=1e5, ar=0.9, sigma=0.03)
        series = pd.Series(
            frame["orders"].to_numpy(dtype=float), index=pd.DatetimeIndex(frame["date"], freq="D")
        )
        persistence.append(sum(fit_seasonal_model(series, "daily").ar))
    assert np.mean(persistence) > 0.88


def test_seasonal_naive_repeats_last_year_and_widens_each_year_ahead() -> None:
    # every month 10% above the same month a year before: the year-on-year log change is constant
    first = [100 + 10 * m for m in range(12)]
    history = monthly_history(first + [round(v * 1.1) for v in first])
    totals = history.monthly_totals()
    months = pd.period_range("2024-01", periods=24, freq="M")
    naive = seasonal_naive(totals, months)
    assert list(naive["forecast"][:12]) == list(totals["value"].iloc[12:])
    assert list(naive["forecast"][12:]) == list(totals["value"].iloc[12:])
    change = np.log1p(totals["value"].iloc[12:].to_numpy()) - np.log1p(np.array(first))
    scale = np.sqrt(np.mean(change**2))
    half_80 = np.log1p(naive["p90"]) - np.log1p(naive["forecast"])
    assert half_80.iloc[0] == pytest.approx(1.2815516 * scale)
    assert half_80.iloc[12] == pytest.approx(half_80.iloc[0] * np.sqrt(2))


def test_the_baseline_needs_the_twelve_months_before_the_forecast() -> None:
    totals = monthly_history([100] * 24).monthly_totals()
    with pytest.raises(ForecastError, match="12 complete months 2024-02 to 2025-01"):
        seasonal_naive(totals, pd.period_range("2025-02", periods=12, freq="M"))


def test_a_forecast_table_has_ordered_intervals_and_whole_cents(sample: OrderHistory) -> None:
    result = forecast_history(sample, 24, n_paths=300, seed=3)
    table = result.table
    assert list(table.columns) == TABLE_COLUMNS
    assert [(s.channel, s.measure) for s in result.series] == [
        ("Web Store", "orders"),
        ("Web Store", "gmv_cents"),
    ]
    assert len(table) == 2 * 2 * 24
    assert table["month"].iloc[0] == "2026-01" and table["month"].iloc[23] == "2027-12"
    assert (table[BOUNDS].diff(axis=1).iloc[:, 1:] >= 0).all().all()
    gmv = table[table["measure"] == "gmv_cents"][BOUNDS]
    assert (gmv == gmv.round(0)).all().all()
    assert (table["n_observed_days"] == 0).all()
    assert result.series[0].paths.shape == (300, 24)
    again = forecast_history(sample, 24, n_paths=300, seed=3).table
    pd.testing.assert_frame_equal(table, again)


def test_the_model_follows_the_sample_closer_than_the_baseline(sample: OrderHistory) -> None:
    fc = forecast_series(sample, horizon_months=12, n_paths=300, rng=np.random.default_rng(0))
    model = np.median(fc.paths, axis=0)
    # the sample grows 12% a year: the baseline, which has no trend, falls short each month
    assert (model > fc.baseline["forecast"].to_numpy()).all()
    width_80 = np.quantile(fc.paths, 0.9, axis=0) / np.quantile(fc.paths, 0.1, axis=0)
    assert width_80.min() > 1.02 and width_80.max() < 1.3


def test_a_history_ending_mid_month_forecasts_the_rest_of_it(sample: OrderHistory) -> None:
    cut = sample.until(pd.Timestamp("2025-12-15"))
    fc = forecast_series(cut, horizon_months=12, n_paths=200, rng=np.random.default_rng(1))
    assert str(fc.months[0]) == "2025-12" and len(fc.months) == 12
    assert list(fc.n_observed_days) == [15] + [0] * 11
    observed = cut.monthly_totals().loc[pd.Period("2025-12"), "value"]
    assert (fc.paths[:, 0] > observed).all()
    actual = sample.monthly_totals().loc[pd.Period("2025-12"), "value"]
    assert np.quantile(fc.paths[:, 0], 0.025) < actual < np.quantile(fc.paths[:, 0], 0.975)


def test_a_monthly_history_is_forecast_monthly(sample: OrderHistory) -> None:
    totals = sample.monthly_totals()
    history = monthly_history([int(v) for v in totals["value"]], start="2023-01")
    result = forecast_history(history, 12, n_paths=200, seed=0)
    assert result.frequency == "monthly"
    model = result.table[result.table["method"] == "model"]
    assert len(model) == 12 and model["month"].iloc[0] == "2026-01"
    assert (model["p10"] < model["p90"]).all()
    assert result.series[0].model.columns[:2] == ("const", "trend_years")


def test_several_channels_are_forecast_each_and_summed() -> None:
    frames = []
    for seed, channel in ((1, "Web"), (2, "Store")):
        frames.append(synthetic_daily_history(seed=seed, n_days=760, channel=channel))
    text = pd.concat(frames).to_csv(index=False)
    history = parse_history(text, source="two.csv")
    result = forecast_history(history, 12, n_paths=100, seed=0)
    assert [s.channel for s in result.series] == ["Store", "Web", ALL_CHANNELS]


@pytest.mark.parametrize("horizon", [11, 37, 12.0, "24"])
def test_a_horizon_outside_12_to_36_months_is_refused(sample: OrderHistory, horizon) -> None:
    with pytest.raises(ForecastError, match="from 12 to 36"):
        forecast_series(sample, horizon_months=horizon, rng=np.random.default_rng(0))


def test_a_history_shorter_than_two_years_is_refused() -> None:
    with pytest.raises(ForecastError, match="23 complete months; a forecast needs at least 24"):
        forecast_history(monthly_history([100] * 23), 12)


def test_quantile_names_match_their_levels() -> None:
    assert QUANTILES == {"p2_5": 0.025, "p10": 0.10, "p90": 0.90, "p97_5": 0.975}
