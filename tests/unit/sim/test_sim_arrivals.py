"""Arrival rate profiles, peaks and the thinning sampler."""

import datetime as dt

import numpy as np
import pytest

from omsim.scenario import load_scenario
from omsim.sim.arrivals import ArrivalRate, arrival_times


@pytest.fixture
def scenario():
    return load_scenario(
        "tutorial",
        start="2026-11-23T00:00:00",  # a Monday
        horizon_days=14,
        demand={
            "orders_per_day": 240,
            "day_of_week": [2, 1, 1, 1, 1, 1, 1],
            "hour_of_day": [0] * 12 + [2] * 12,
            "peaks": [{"name": "Cyber Monday", "date": "2026-11-30", "multiplier": 3.4}],
        },
    )


def test_rate_combines_profiles_and_peaks(scenario) -> None:
    rate = ArrivalRate(scenario)
    per_hour = 240 / 24
    dow_monday = 2 / (8 / 7)  # normalised to mean 1
    assert rate(3.0) == 0.0  # 03:00, the hour profile is zero
    assert rate(13.0) == pytest.approx(per_hour * dow_monday * 2)
    assert rate(24 + 13.0) == pytest.approx(per_hour * (7 / 8) * 2)  # Tuesday
    assert rate(7 * 24 + 13.0) == pytest.approx(per_hour * dow_monday * 2 * 3.4)  # Cyber Monday
    assert rate.max_rate == pytest.approx(per_hour * dow_monday * 2 * 3.4)


def test_trend_raises_the_rate_linearly() -> None:
    scenario = load_scenario("tutorial", horizon_days=365, demand={"trend_per_year": 0.5})
    rate = ArrivalRate(scenario)
    start_rate = rate(12.0)
    assert rate(12.0 + 364 * 24) == pytest.approx(start_rate * (1 + 0.5 * 364 / 365), rel=0.02)


def test_thinning_matches_the_expected_count(scenario) -> None:
    rate = ArrivalRate(scenario)
    horizon = scenario.horizon_hours
    counts = [
        sum(1 for _ in arrival_times(rate, horizon, np.random.default_rng(s))) for s in range(20)
    ]
    expected = rate.expected_orders(horizon)
    assert abs(np.mean(counts) - expected) < 3 * np.sqrt(expected / len(counts))
    times = list(arrival_times(rate, horizon, np.random.default_rng(0)))
    assert times == sorted(times) and all(0 <= t < horizon for t in times)
    assert not any(int(t) % 24 < 12 for t in times)  # nothing arrives when the rate is zero


def test_peak_day_is_busier(scenario) -> None:
    rate = ArrivalRate(scenario)
    times = np.array(list(arrival_times(rate, scenario.horizon_hours, np.random.default_rng(1))))
    monday = ((times >= 0) & (times < 24)).sum()
    cyber_monday = ((times >= 7 * 24) & (times < 8 * 24)).sum()
    assert 2.5 < cyber_monday / monday < 4.5


def test_hours_since_start(scenario) -> None:
    assert scenario.hours_since_start(dt.date(2026, 11, 24)) == 24.0
    assert scenario.hours_since_start(dt.datetime(2026, 11, 23, 6, 30)) == 6.5
