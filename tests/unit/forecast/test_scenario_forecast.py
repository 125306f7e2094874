"""The Monte Carlo forecast from a scenario: its arrival process, its agreement with the model."""

from __future__ import annotations

import json
import subprocess
import sys
from decimal import Decimal

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from omsim.domain.money import tax_cents
from omsim.experiments.stats import t_interval
from omsim.forecast.baskets import tax_cents_array
from omsim.forecast.history import ALL_CHANNELS, ForecastError
from omsim.forecast.scenario import (
    COLUMNS,
    STEP_HOURS,
    forecast_scenario,
    month_window,
    rate_grid,
)
from omsim.scenario.loading import load_scenario
from omsim.sim.arrivals import ArrivalRate
from omsim.sim.run import run

SEEDS = range(1, 9)


def _total(forecast, measure: str, channel: str = "Web") -> float:
    t = forecast.table
    return float(t[(t.measure == measure) & (t.channel == channel)]["mean"].sum())


@pytest.fixture(scope="module")
def tutorial():
    return load_scenario("tutorial")


@pytest.fixture(scope="module")
def replications(tutorial):
    """Managed Order Summaries created and their GMV at creation, per run of the model."""
    counts, gmv = [], []
    for seed in SEEDS:
        events = run(tutorial, seed=seed).log.events()
        created = events[events.activity == "Order Summary Created"]
        managed = created.attributes.map(lambda a: json.loads(a)["life_cycle_type"] == "MANAGED")
        counts.append(int(managed.sum()))
        gmv.append(int(created.amount_cents[managed.to_numpy()].sum()))
    return counts, gmv


def test_the_rate_is_the_arrival_rate_of_the_model():
    scenario = load_scenario(
        "tutorial",
        start="2026-09-07T05:30:00",
        horizon_days=40,
        demand={
            "trend_per_year": 0.35,
            "peaks": [{"name": "sale", "date": "2026-09-20", "multiplier": 2.5}],
        },
    )
    rate = ArrivalRate(scenario)
    t, base = rate_grid(scenario, scenario.horizon_hours)
    trended = base * (1 + 0.35 * t / (24 * 365.0))
    sample = np.arange(0, len(t), 37)
    assert trended[sample] == pytest.approx([rate(float(x)) for x in t[sample]], rel=1e-12)
    assert trended.sum() * STEP_HOURS == pytest.approx(
        rate.expected_orders(scenario.horizon_hours), rel=1e-9
    )


def test_months_of_the_horizon_and_partial_months(tutorial):
    labels, _, end = month_window(tutorial, None)
    assert labels == ("2026-09",) and end == 7 * 24
    long = load_scenario("tutorial", horizon_days=30)
    assert month_window(long, None)[0] == ("2026-09", "2026-10")
    forecast = forecast_scenario(tutorial, months=3, n_paths=50)
    assert forecast.months == ("2026-09", "2026-10", "2026-11")
    complete = forecast.table.drop_duplicates("month").set_index("month").complete
    assert complete.to_dict() == {"2026-09": False, "2026-10": True, "2026-11": True}
    assert tuple(forecast.table.columns[: len(COLUMNS)]) == COLUMNS


def test_order_summaries_agree_with_the_model(tutorial, replications):
    counts, _ = replications
    interval = t_interval(counts)
    forecast = forecast_scenario(tutorial, n_paths=2000)
    expected = _total(forecast, "order_summaries")
    assert interval.low <= expected <= interval.high, (expected, interval)


def test_gmv_at_creation_agrees_with_the_model(tutorial, replications):
    # each run builds its catalog (its prices) from its own seed: the forecast uses the same ones
    _, gmv = replications
    expected = [
        _total(forecast_scenario(tutorial, n_paths=300, catalog_seed=s), "gmv_cents") for s in SEEDS
    ]
    interval = t_interval(gmv)
    assert interval.low <= np.mean(expected) <= interval.high, (np.mean(expected), interval)
    # paired by catalog, without the spread of prices between catalogs: a sharper check
    ratio = t_interval(np.array(gmv) / np.array(expected))
    assert ratio.low <= 1.0 <= ratio.high, ratio


def test_a_seed_reproduces_the_forecast(tutorial):
    a = forecast_scenario(tutorial, n_paths=100, seed=3, growth_sd_per_year=0.1)
    b = forecast_scenario(tutorial, n_paths=100, seed=3, growth_sd_per_year=0.1)
    c = forecast_scenario(tutorial, n_paths=100, seed=4, growth_sd_per_year=0.1)
    for key, paths in a.paths.items():
        assert np.array_equal(paths, b.paths[key])
    assert not np.array_equal(a.paths["Web", "gmv_cents"], c.paths["Web", "gmv_cents"])


def test_growth_uncertainty_widens_the_band(tutorial):
    def band(sd: float) -> float:
        t = forecast_scenario(tutorial, months=24, n_paths=1000, growth_sd_per_year=sd).table
        last = t[(t.measure == "order_summaries")].iloc[-1]
        return float(last.p90 - last.p10)

    assert band(0.25) > 2 * band(0.0)


def test_growth_per_path_is_a_distribution_of_the_trend():
    scenario = load_scenario("tutorial", demand={"trend_per_year": 0.2})
    forecast = forecast_scenario(scenario, n_paths=4000, growth_sd_per_year=0.05)
    assert forecast.growth_per_year.mean() == pytest.approx(0.2, abs=0.005)
    assert forecast.growth_per_year.std() == pytest.approx(0.05, rel=0.05)


def test_two_channels_split_by_share():
    scenario = load_scenario("tutorial", demand={"sales_channels": {"Web": 3.0, "Store": 1.0}})
    forecast = forecast_scenario(scenario, months=2, n_paths=500)
    web, store = (_total(forecast, "order_summaries", c) for c in ("Web", "Store"))
    assert web / store == pytest.approx(3.0, rel=0.05)
    for measure in ("order_summaries", "gmv_cents"):
        both = forecast.paths["Web", measure] + forecast.paths["Store", measure]
        assert np.array_equal(forecast.paths[ALL_CHANNELS, measure], both)


def test_unmanaged_summaries_are_reported_apart():
    scenario = load_scenario("tutorial", demand={"managed_share": 0.25})
    forecast = forecast_scenario(scenario, months=2, n_paths=500)
    t = forecast.unmanaged_table
    unmanaged = float(t[t.measure == "order_summaries"]["mean"].sum())
    originals = _total(forecast, "order_summaries") - float(
        forecast.exchange_paths["Web", "order_summaries"].sum(axis=1).mean()
    )
    assert unmanaged / originals == pytest.approx(3.0, rel=0.05)


def test_declines_and_gateway_outages_stop_checkouts():
    open_all_week = forecast_scenario(
        load_scenario("tutorial", payments={"decline_rate": 0.0}), n_paths=500
    )
    outage = {"gateway_outages": [{"start": "2026-09-07T00:00:00", "end": "2026-09-14T00:00:00"}]}
    down_all_week = forecast_scenario(load_scenario("tutorial", faults=outage), n_paths=50)
    declined = forecast_scenario(load_scenario("tutorial", payments={"decline_rate": 0.5}))
    assert _total(down_all_week, "order_summaries") == 0
    ratio = _total(declined, "order_summaries") / _total(open_all_week, "order_summaries")
    assert ratio == pytest.approx(0.5, rel=0.05)


def test_exchanges_are_counted_where_returns_mature(tutorial):
    forecast = forecast_scenario(tutorial, months=4, n_paths=300)
    exchanges = forecast.exchange_paths["Web", "order_summaries"].mean(axis=0)
    assert exchanges[0] > 0 and exchanges[2] > exchanges[0]  # the first month is part of one
    share = exchanges[2] / forecast.paths["Web", "order_summaries"].mean(axis=0)[2]
    assert 0.02 < share < 0.15
    assert (forecast.exchange_paths["Web", "gmv_cents"] >= 0).all()
    quiet = load_scenario("tutorial", service={"behaviour": False})
    assert _total(forecast_scenario(quiet, months=4, n_paths=50), "order_summaries") > 0
    assert (
        forecast_scenario(quiet, months=4, n_paths=50)
        .exchange_paths["Web", "order_summaries"]
        .sum()
        == 0
    )


def test_percentiles_are_ordered(tutorial):
    t = forecast_scenario(tutorial, months=3, n_paths=300, growth_sd_per_year=0.1).table
    assert ((t.p10 <= t.p50) & (t.p50 <= t.p90)).all()
    assert (t.p10 >= 0).all() and (t.method == "monte_carlo").all()


@pytest.mark.parametrize(
    "options",
    [{"months": 0}, {"n_paths": 0}, {"growth_sd_per_year": -0.1}, {"pool_orders": 0}],
)
def test_bad_options_are_refused(tutorial, options):
    with pytest.raises(ForecastError, match=next(iter(options))):
        forecast_scenario(tutorial, **options)


@settings(max_examples=200, deadline=None)
@given(
    amounts=st.lists(st.integers(0, 10**9), min_size=1, max_size=20),
    rate=st.decimals(min_value=0, max_value=Decimal("0.999999"), places=6),
)
def test_tax_on_arrays_is_the_tax_of_each_line(amounts, rate):
    assert tax_cents_array(np.array(amounts), rate).tolist() == [
        tax_cents(a, rate) for a in amounts
    ]


def test_the_forecast_runs_without_the_model():
    code = (
        "import sys, omsim.forecast.scenario; "
        "assert 'simpy' not in sys.modules and 'omsim.sim.model' not in sys.modules"
    )
    subprocess.run([sys.executable, "-c", code], check=True)
