"""The national_year scale scenario: its volume, its peaks and its capacity, as its comments say."""

from __future__ import annotations

import datetime as dt

import pytest

from omsim.network.geo import haversine_km
from omsim.network.graph import network_locations, network_zones
from omsim.network.locations import LocationType
from omsim.scenario import Scenario, load_scenario
from omsim.sim.arrivals import ArrivalRate
from omsim.sim.world import build_graph

CYBER_MONDAY = dt.date(2026, 11, 30)
CYBER_WEEK = [dt.date(2026, 11, 26) + dt.timedelta(days=i) for i in range(5)]


@pytest.fixture(scope="module")
def scenario() -> Scenario:
    return load_scenario("national_year")


@pytest.fixture(scope="module")
def rate(scenario: Scenario) -> ArrivalRate:
    return ArrivalRate(scenario)


def day_orders(scenario: Scenario, rate: ArrivalRate, day: dt.date) -> float:
    """Expected checkouts on a calendar day: the arrival rate integrated over its 24 hours."""
    t0 = scenario.hours_since_start(day)
    return sum(rate(t0 + (i + 0.5) * 0.25) for i in range(96)) * 0.25


def test_national_year_loads_as_a_year_on_a_generated_network(scenario: Scenario) -> None:
    assert scenario.name == "national_year"
    assert load_scenario("national_year.yaml") == scenario
    assert scenario.start == dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
    assert scenario.horizon_days == 365
    spec = scenario.network.generate
    assert spec is not None
    assert (scenario.network.locations, scenario.network.zones) == ([], [])
    assert len(spec.warehouse_cities or []) == 6
    assert len(spec.store_cities or []) == 40
    assert spec.n_zones == 100


def test_national_year_extends_the_regional_retailer(scenario: Scenario) -> None:
    regional = load_scenario("regional_retailer")
    assert scenario.catalog == regional.catalog
    assert scenario.payments == regional.payments
    assert scenario.service.returns == regional.service.returns  # annual rates, not holiday ones
    # its own delivery mix: the sites are sized for 16% pickups at the nearest store
    assert scenario.demand.delivery_methods == {"Standard": 0.72, "Express": 0.12, "Pickup": 0.16}
    assert scenario.demand.pickup_store == "nearest"


def test_expected_checkouts_over_the_year_are_about_a_million(
    scenario: Scenario, rate: ArrivalRate
) -> None:
    expected = rate.expected_orders(scenario.horizon_hours)
    assert expected == pytest.approx(1_000_000, rel=0.05)
    assert expected == pytest.approx(1_003_455, abs=1)  # the figure the scenario's comment states


def test_peaks_are_peak_seasons(scenario: Scenario) -> None:
    assert scenario.demand.peaks == load_scenario("peak_season").demand.peaks
    assert {p.date for p in scenario.demand.peaks} == set(CYBER_WEEK)


def test_cyber_monday_relative_to_the_years_mean_day(scenario: Scenario, rate: ArrivalRate) -> None:
    mean_day = rate.expected_orders(scenario.horizon_hours) / scenario.horizon_days
    assert mean_day == pytest.approx(2_749, abs=1)
    cyber_monday = day_orders(scenario, rate, CYBER_MONDAY)
    assert cyber_monday == pytest.approx(10_217, abs=1)
    assert cyber_monday / mean_day == pytest.approx(3.72, abs=0.005)
    week = sum(day_orders(scenario, rate, d) for d in CYBER_WEEK) / 5
    assert week / mean_day == pytest.approx(2.27, abs=0.005)


def test_november_december_keeps_adobes_season_ratios(
    scenario: Scenario, rate: ArrivalRate
) -> None:
    season = [dt.date(2026, 11, 1) + dt.timedelta(days=i) for i in range(61)]
    season_mean = sum(day_orders(scenario, rate, d) for d in season) / 61
    assert day_orders(scenario, rate, CYBER_MONDAY) / season_mean == pytest.approx(3.4, abs=0.05)
    week = sum(day_orders(scenario, rate, d) for d in CYBER_WEEK) / 5
    assert week / season_mean == pytest.approx(2.1, abs=0.05)


def test_cyber_monday_utilisation_of_the_busiest_dc_and_store(
    scenario: Scenario, rate: ArrivalRate
) -> None:
    """The comment's arithmetic: parcels go to the nearest DC, pickups to the nearest store."""
    graph = build_graph(scenario)
    zones = network_zones(graph)
    locations = network_locations(graph)
    total_weight = sum(z.demand_weight for z in zones)

    def shares(kind: LocationType, radius_km: float = float("inf")) -> dict[str, float]:
        """Each site's share of the demand weight of the zones it is nearest to (within reach)."""
        sites = [loc for loc in locations if loc.type is kind]
        out: dict[str, float] = {}
        for z in zones:
            km, site = min(
                (haversine_km(s.latitude, s.longitude, z.latitude, z.longitude), s.id)
                for s in sites
            )
            if km <= radius_km:
                out[site] = out.get(site, 0.0) + z.demand_weight / total_weight
        return out

    demand = scenario.demand
    orders = day_orders(scenario, rate, CYBER_MONDAY) * (1 - scenario.payments.decline_rate)
    pickup_drawn = demand.delivery_methods["Pickup"] / sum(demand.delivery_methods.values())
    store_shares = shares(LocationType.STORE, demand.pickup_radius_km)
    pickup = pickup_drawn * sum(store_shares.values())
    assert sum(store_shares.values()) == pytest.approx(0.79, abs=0.005)
    assert len(store_shares) == 40  # every store has customers who pick up there

    def utilisation(site_orders: float, kind: str) -> float:
        spec = getattr(scenario.fulfillment, kind)
        work_hours = site_orders * spec.pick_pack_minutes.expected / 60
        return work_hours / (spec.associates * (spec.close_hour - spec.open_hour))

    dc_shares = shares(LocationType.WAREHOUSE)
    assert max(dc_shares.values()) == pytest.approx(0.293, abs=0.001)
    dc = utilisation(orders * (1 - pickup) * max(dc_shares.values()), "warehouse")
    store = utilisation(orders * pickup_drawn * max(store_shares.values()), "store")
    assert dc == pytest.approx(0.80, abs=0.01)
    assert store == pytest.approx(0.76, abs=0.01)
    assert max(dc, store) < 0.9
