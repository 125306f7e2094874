"""Backtests score the model against the seasonal-naive baseline on held-out months; the model is
called better only when its sMAPE is lower; on many series from a known process its 80% interval
covers 70-90% of the held-out months; the shipped sample is the seeded generator's output."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from omsim.forecast.backtest import (
    backtest,
    coverage,
    mape,
    sample_history,
    smape,
    synthetic_daily_history,
)
from omsim.forecast.history import (
    ALL_CHANNELS,
    SAMPLE_HISTORY,
    ForecastError,
    OrderHistory,
    parse_history,
)

N_SERIES = 40
"""Synthetic series in the coverage test: 40 x 12 held-out months, about 0.06 s of CPU each."""


@pytest.fixture(scope="module")
def sample() -> OrderHistory:
    return parse_history(SAMPLE_HISTORY.read_text(), source="sample")


def test_metrics_by_hand() -> None:
    assert mape([100, 50], [90, 60]) == pytest.approx(15.0)
    assert math.isnan(mape([0, 50], [1, 50]))
    assert smape([0, 100], [0, 100]) == 0.0
    assert smape([100], [0]) == pytest.approx(200.0)
    assert coverage([1, 2, 3, 4], [1, 3, 0, 5], [1, 4, 2, 6]) == 0.25


def test_the_shipped_sample_is_the_seeded_synthetic_history() -> None:
    expected = sample_history().to_csv(index=False, lineterminator="\n")
    assert SAMPLE_HISTORY.read_text() == expected


def test_a_backtest_of_the_sample_holds_out_its_last_year(sample: OrderHistory) -> None:
    result = backtest(sample, holdout_months=12, n_paths=300)
    assert [str(m) for m in (result.months[0], result.months[-1])] == ["2025-01", "2025-12"]
    assert result.excluded_month is None and result.channel == ALL_CHANNELS
    assert list(result.metrics.index) == ["model", "seasonal_naive"]
    assert len(result.table) == 24
    actual = sample.monthly_totals().loc[result.months, "value"].to_numpy()
    naive = result.table[result.table["method"] == "seasonal_naive"]
    assert list(naive["actual"]) == list(actual)
    assert list(naive["forecast"]) == list(sample.monthly_totals()["value"].iloc[12:24])
    assert result.metrics.loc["seasonal_naive", "smape_pct"] == pytest.approx(
        smape(actual, naive["forecast"])
    )
    assert result.model_better and result.verdict.startswith("model better")


def test_gmv_is_backtested_too(sample: OrderHistory) -> None:
    result = backtest(sample, holdout_months=6, measure="gmv_cents", n_paths=200)
    assert result.measure == "gmv_cents" and len(result.months) == 6
    assert result.metrics.loc["model", "n_months"] == 6


def test_a_last_month_seen_in_part_is_neither_fitted_nor_scored(sample: OrderHistory) -> None:
    result = backtest(sample.until(pd.Timestamp("2025-12-20")), holdout_months=3, n_paths=200)
    assert result.excluded_month == "2025-12"
    assert [str(m) for m in result.months] == ["2025-09", "2025-10", "2025-11"]


def test_the_model_is_not_called_better_when_the_baseline_wins() -> None:
    # the same irregular year three times over: last year's month is exact, the model's smooth
    # seasonality cannot be
    year = [900, 1400, 700, 1300, 800, 1500, 650, 1250, 1000, 600, 1700, 1100]
    months = pd.period_range("2022-01", periods=36, freq="M").strftime("%Y-%m")
    text = "date,orders\n" + "\n".join(f"{m},{v}" for m, v in zip(months, year * 3, strict=True))
    result = backtest(parse_history(text, source="repeating.csv"), n_paths=200)
    assert result.metrics.loc["seasonal_naive", "smape_pct"] == 0.0
    assert not result.model_better
    assert result.verdict.startswith("model not better") and "report the baseline" in result.verdict


@pytest.mark.parametrize(("holdout", "match"), [(0, "1 or more"), (3.0, "1 or more")])
def test_a_bad_holdout_is_refused(sample: OrderHistory, holdout, match: str) -> None:
    with pytest.raises(ForecastError, match=match):
        backtest(sample, holdout_months=holdout)


def test_holding_out_too_much_leaves_too_little_to_fit(sample: OrderHistory) -> None:
    with pytest.raises(ForecastError, match="needs at least 24") as error:
        backtest(sample, holdout_months=13)
    assert "holdout_months 13 leaves 23 complete months to fit" in str(error.value)
    assert "hold out at most 12" in str(error.value)
    with pytest.raises(ForecastError, match="more than the history's 36 complete months"):
        backtest(sample, holdout_months=40)


def synthetic(seed: int, base: float, growth: float) -> OrderHistory:
    """Four years of days from the known process, built directly (its CSV reading is tested)."""
    frame = synthetic_daily_history(
        seed=seed, n_days=1461, base_orders=base, growth_per_year=growth
    )
    frame = pd.DataFrame(
        {
            "date": pd.to_datetime(frame["date"]),
            "channel": ALL_CHANNELS,
            "orders": frame["orders"].astype("int64"),
        }
    )
    return OrderHistory(f"synthetic-{seed}", "daily", frame, has_gmv=False)


def test_the_80_percent_interval_covers_70_to_90_percent_of_held_out_months() -> None:
    # three years fitted, the fourth held out; volumes from 50 to 3,000 orders a day (Poisson
    # noise on top of the AR(1) noise the model approximates), growth from -5% to +30% a year
    rng = np.random.default_rng(2026)
    inside_80, inside_95, better = [], [], 0
    for i in range(N_SERIES):
        base = float(np.exp(rng.uniform(np.log(50), np.log(3000))))
        history = synthetic(1000 + i, base, float(rng.uniform(-0.05, 0.3)))
        result = backtest(history, holdout_months=12, n_paths=300, seed=i)
        model = result.table[result.table["method"] == "model"]
        inside_80.extend(model["inside_80"])
        inside_95.extend(model["inside_95"])
        better += result.model_better
    assert 0.70 <= np.mean(inside_80) <= 0.90
    assert 0.85 <= np.mean(inside_95) <= 0.99
    assert better >= 0.9 * N_SERIES  # the process has a trend the baseline lacks
