"""Scenario files: the shipped scenarios load, ``extends`` merges, errors say what to fix."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from pathlib import Path

import pytest

from omsim.network.geo import haversine_km
from omsim.network.national import country_cities, find_city
from omsim.scenario import (
    SCENARIO_DIR,
    Scenario,
    ScenarioError,
    load_scenario,
    scenario_from_dict,
    scenario_hash,
)

SHIPPED = sorted(SCENARIO_DIR.glob("*.yaml"))
TUTORIAL = SCENARIO_DIR / "tutorial.yaml"


def write(directory: Path, name: str, text: str) -> Path:
    path = directory / name
    path.write_text(text, encoding="utf-8")
    return path


def variant(directory: Path, text: str, name: str = "variant.yaml") -> Path:
    """A file extending the shipped tutorial with ``text`` on top."""
    return write(directory, name, f"extends: {TUTORIAL}\n{text}")


def load_error(path: Path) -> str:
    with pytest.raises(ScenarioError) as caught:
        load_scenario(path)
    return str(caught.value)


# --- shipped scenarios ------------------------------------------------------------------------


def test_the_three_scenarios_are_shipped() -> None:
    assert {p.stem for p in SHIPPED} >= {"tutorial", "regional_retailer", "peak_season"}


@pytest.mark.parametrize("path", SHIPPED, ids=[p.stem for p in SHIPPED])
def test_shipped_scenario_loads_and_is_named_after_its_file(path: Path) -> None:
    scenario = load_scenario(path)
    assert isinstance(scenario, Scenario)
    assert scenario.name == path.stem


def test_shipped_generated_networks_name_only_cities_the_generator_knows() -> None:
    for path in SHIPPED:
        spec = load_scenario(path).network.generate
        if spec is None:
            continue
        cities = country_cities(spec.country)
        named = [
            *(spec.warehouse_cities or []),
            *(spec.store_cities or []),
            *spec.return_center_cities,
        ]
        for query in named:
            find_city(cities, query)  # raises ValueError naming the city


@pytest.mark.parametrize("stem", ["tutorial", "tutorial.yaml", "regional_retailer", "peak_season"])
def test_shipped_scenario_found_by_stem(stem: str) -> None:
    assert load_scenario(stem).name == stem.removesuffix(".yaml")


def test_unknown_scenario_name_lists_the_shipped_ones() -> None:
    with pytest.raises(ScenarioError, match=r"no such scenario file.*regional_retailer"):
        load_scenario("regional_retialer")


def test_tutorial_is_small_and_explicit() -> None:
    s = load_scenario("tutorial")
    assert s.network.generate is None
    assert [loc.type for loc in s.network.locations] == ["warehouse", "store", "store"]
    assert 4 <= len(s.network.zones) <= 6
    assert (s.catalog.n_skus, s.horizon_days) == (5, 7)


def test_regional_retailer_carries_its_cited_values() -> None:
    s = load_scenario("regional_retailer")
    methods = s.demand.delivery_methods
    # the wish at checkout, calibrated so that about 16% of orders are picked up (Adobe, 2024;
    # docs/calibration.md measures the realised share)
    assert methods["Pickup"] / sum(methods.values()) == pytest.approx(0.33, abs=0.01)
    assert s.demand.pickup_store == "nearest_with_stock"
    assert s.payments.authorization_valid_days == 7  # card-not-present hold
    assert (s.routing.strategy, s.routing.max_splits) == ("fewest_splits", 2)
    assert s.start == dt.datetime(2026, 9, 7, tzinfo=dt.UTC)
    assert s.horizon_days == 56


def test_regional_retailer_is_one_region_with_pickup_near_most_demand() -> None:
    s = load_scenario("regional_retailer")
    locations, zones = s.network.locations, s.network.zones
    assert Counter(loc.type for loc in locations) == {"warehouse": 2, "store": 25}
    assert len(zones) == 40
    stores = [loc for loc in locations if loc.type == "store"]
    near = [
        z
        for z in zones
        if any(
            haversine_km(st.latitude, st.longitude, z.latitude, z.longitude)
            <= s.demand.pickup_radius_km
            for st in stores
        )
    ]
    share = sum(z.demand_weight for z in near) / sum(z.demand_weight for z in zones)
    assert share > 0.9  # else the published pickup share cannot be reached
    assert all(37 < z.latitude < 45 and -90 < z.longitude < -79 for z in zones)


def daily_factors(s: Scenario) -> dict[dt.date, float]:
    """Each day's rate relative to ``orders_per_day``; the hour profile integrates to 1 a day."""
    peaks = {p.date: p.multiplier for p in s.demand.peaks}
    first = s.start.date()
    days = [first + dt.timedelta(days=i) for i in range(round(s.horizon_days))]
    return {d: s.demand.day_of_week[d.weekday()] * peaks.get(d, 1.0) for d in days}


def test_peak_season_matches_c6_ratios() -> None:
    s = load_scenario("peak_season")
    factors = daily_factors(s)
    season_mean = sum(factors.values()) / len(factors)
    cyber_week = [dt.date(2026, 11, 26) + dt.timedelta(days=i) for i in range(5)]
    assert factors[dt.date(2026, 11, 30)] / season_mean == pytest.approx(3.4, abs=0.05)
    week_mean = sum(factors[d] for d in cyber_week) / 5
    assert week_mean / season_mean == pytest.approx(2.1, abs=0.05)
    assert {p.date for p in s.demand.peaks} == set(cyber_week)


def test_peak_season_extends_the_regional_retailer() -> None:
    regional, peak = load_scenario("regional_retailer"), load_scenario("peak_season")
    assert peak.catalog == regional.catalog
    assert peak.payments == regional.payments
    assert peak.start == dt.datetime(2026, 11, 1, tzinfo=dt.UTC)
    assert peak.horizon_days == 61
    assert regional.network.generate is None
    assert peak.network.generate is not None
    assert (peak.network.locations, peak.network.zones) == ([], [])
    assert peak.network.generate.n_zones > len(regional.network.zones)
    assert peak.fulfillment.store == regional.fulfillment.store


# --- extends ----------------------------------------------------------------------------------


def test_extends_merges_mappings_and_replaces_lists(tmp_path: Path) -> None:
    path = variant(
        tmp_path,
        "name: small\n"
        "demand: {orders_per_day: 5, day_of_week: [1, 1, 1, 1, 1, 1, 1]}\n"
        "network:\n"
        "  zones: [{id: Z1, latitude: 40.0, longitude: -83.0, demand_weight: 1}]\n",
    )
    base, s = load_scenario(TUTORIAL), load_scenario(path)
    assert s.name == "small"
    assert s.demand.orders_per_day == 5
    assert s.demand.tax_rate == base.demand.tax_rate  # merged: the base's sibling keys stay
    assert s.demand.day_of_week == [1.0] * 7  # replaced, not merged element-wise
    assert [z.id for z in s.network.zones] == ["Z1"]
    assert s.network.locations == base.network.locations


def test_extends_chains_through_several_files(tmp_path: Path) -> None:
    variant(tmp_path, "horizon_days: 3\n", name="middle.yaml")
    top = write(tmp_path, "top.yaml", "extends: middle.yaml\nseed: 99\n")
    s = load_scenario(top)
    assert (s.horizon_days, s.seed, s.catalog.n_skus) == (3, 99, 5)


def test_extends_cycle_is_reported(tmp_path: Path) -> None:
    write(tmp_path, "a.yaml", "extends: b.yaml\nname: a\n")
    write(tmp_path, "b.yaml", "extends: a.yaml\nname: b\n")
    message = load_error(tmp_path / "a.yaml")
    assert "cycle" in message
    assert "a.yaml -> b.yaml -> a.yaml" in message


def test_extends_missing_base_names_it_and_the_file_holding_it(tmp_path: Path) -> None:
    path = write(tmp_path, "child.yaml", "extends: nowhere.yaml\nname: child\n")
    message = load_error(path)
    assert message.startswith(f"{path.resolve()}: extends: got 'nowhere.yaml': no such file")
    assert str(tmp_path.resolve() / "nowhere.yaml") in message


def test_a_file_that_is_not_a_mapping_is_refused(tmp_path: Path) -> None:
    message = load_error(write(tmp_path, "list.yaml", "- a\n- b\n"))
    assert "list.yaml" in message and "mapping" in message


def test_invalid_yaml_names_the_file(tmp_path: Path) -> None:
    message = load_error(write(tmp_path, "broken.yaml", "name: [unclosed\n"))
    assert "broken.yaml" in message and "not valid YAML" in message


# --- errors -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "where", "suggestion"),
    [
        ("nmae: typo\n", "nmae", "name"),
        ("horizon_day: 3\n", "horizon_day", "horizon_days"),
        ("demand: {orders_per_dya: 10}\n", "demand.orders_per_dya", "orders_per_day"),
        ("fulfillment: {store: {asociates: 3}}\n", "fulfillment.store.asociates", "associates"),
        (
            "payments: {authorisation_valid_days: 5}\n",
            "payments.authorisation_valid_days",
            "authorization_valid_days",
        ),
        ("routing: {max_split: 1}\n", "routing.max_split", "max_splits"),
        (
            "network: {zones: [{id: Z1, latitude: 40, longitude: -83, demand_wieght: 1}]}\n",
            "network.zones.0.demand_wieght",
            "demand_weight",
        ),
        (
            "catalog: {categories: [{name: a, share: 1, price_cent: {dist: constant, value: 1},"
            " weight_kg: {dist: constant, value: 1}}]}\n",
            "catalog.categories.0.price_cent",
            "price_cents",
        ),
    ],
)
def test_misspelt_key_names_file_path_and_nearest_key(
    tmp_path: Path, text: str, where: str, suggestion: str
) -> None:
    path = variant(tmp_path, text)
    message = load_error(path)
    assert str(path) in message
    assert f"  {where}: unknown key" in message
    assert f"did you mean {suggestion!r}" in message


def test_misspelt_key_in_a_generated_network(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "gen.yaml",
        f"extends: {SCENARIO_DIR / 'peak_season.yaml'}\nnetwork: {{generate: {{n_zone: 5}}}}\n",
    )
    message = load_error(path)
    assert "network.generate.n_zone: unknown key; did you mean 'n_zones'" in message


@pytest.mark.parametrize(
    ("text", "where", "fragments"),
    [
        (
            "routing: {allowed_location_types: [depot]}\n",
            "routing.allowed_location_types.0",
            ["'depot'", "'warehouse'", "'store'", "'return_center'"],
        ),
        (
            "demand: {delivery_methods: {Drone: 1}}\n",
            "demand.delivery_methods",
            ["Drone", "allowed: Standard, Express, Pickup"],
        ),
        (
            "capture: {fraud_review_hours: {dist: lognormal, mean: 10}}\n",
            "capture.fraud_review_hours",
            ["lognormal needs mean, sd; missing sd"],
        ),
        (
            "fulfillment: {store: {pick_pack_minutes: {dist: normal, mean: 10, sd: 2}}}\n",
            "fulfillment.store.pick_pack_minutes.dist",
            ["'normal'", "'lognormal'", "'triangular'"],
        ),
        (
            "fulfillment: {store: {open_hour: 22, close_hour: 9}}\n",
            "fulfillment.store",
            ["open_hour 22.0 must be before close_hour 9.0"],
        ),
        (
            "fulfillment: {outages: [{location: ST-columbus, start: 2026-09-09T15:00:00,"
            " end: 2026-09-09T09:00:00}]}\n",
            "fulfillment.outages.0",
            ["must be after its start"],
        ),
        (
            "demand: {day_of_week: [1, 1, 1]}\n",
            "demand.day_of_week",
            ["[1, 1, 1]", "needs 7 non-negative numbers"],
        ),
        ("payments: {decline_rate: 1.5}\n", "payments.decline_rate", ["1.5", "less than or equal"]),
        ("horizon_days: a week\n", "horizon_days", ["'a week'", "number"]),
        ("demand: {orders_per_day: 0}\n", "demand.orders_per_day", ["0", "greater than 0"]),
    ],
)
def test_bad_value_names_path_value_and_what_is_allowed(
    tmp_path: Path, text: str, where: str, fragments: list[str]
) -> None:
    path = variant(tmp_path, text)
    message = load_error(path)
    assert str(path) in message
    line = next(x for x in message.splitlines() if x.startswith(f"  {where}: "))
    for fragment in fragments:
        assert fragment in line


def test_outage_error_shows_both_times(tmp_path: Path) -> None:
    path = variant(
        tmp_path,
        "fulfillment: {outages: [{location: ST-columbus, start: 2026-09-09T15:00:00,"
        " end: 2026-09-09T09:00:00}]}\n",
    )
    message = load_error(path)
    assert "2026-09-09 09:00:00" in message and "2026-09-09 15:00:00" in message


def test_missing_required_section_is_named(tmp_path: Path) -> None:
    path = write(tmp_path, "bare.yaml", "name: bare\nstart: 2026-09-07\nhorizon_days: 1\n")
    message = load_error(path)
    for section in ("network", "catalog", "demand"):
        assert f"  {section}: required but missing" in message


def test_every_problem_is_reported_at_once(tmp_path: Path) -> None:
    path = variant(tmp_path, "seed: x\ndemand: {orders_per_dya: 1}\n")
    assert "2 problem(s)" in load_error(path)


# --- overrides, hash, clock, profiles ---------------------------------------------------------


def test_keyword_overrides_apply() -> None:
    s = load_scenario("tutorial", horizon_days=2)
    assert s.horizon_days == 2
    assert s.horizon_hours == 48


def test_nested_keyword_overrides_merge() -> None:
    base = load_scenario("tutorial")
    s = load_scenario("tutorial", demand={"orders_per_day": 5}, seed=3)
    assert (s.demand.orders_per_day, s.seed) == (5, 3)
    assert s.demand.delivery_methods == base.demand.delivery_methods


def test_keyword_overrides_are_validated() -> None:
    with pytest.raises(
        ScenarioError, match=r"horizon_dayz: unknown key; did you mean 'horizon_days'"
    ):
        load_scenario("tutorial", horizon_dayz=2)
    with pytest.raises(ScenarioError, match=r"horizon_days: got -1"):
        load_scenario("tutorial", horizon_days=-1)


def test_scenario_hash_is_stable_for_equal_scenarios() -> None:
    a = load_scenario("tutorial")
    b = load_scenario(TUTORIAL)
    assert scenario_hash(a) == scenario_hash(b)
    assert len(scenario_hash(a)) == 64
    flat = load_scenario("tutorial", demand={"day_of_week": [1] * 7, "hour_of_day": [1] * 24})
    assert scenario_hash(flat) == scenario_hash(scenario_from_dict(flat.model_dump()))


def test_scenario_hash_survives_a_dump_and_reload() -> None:
    a = load_scenario("tutorial")
    assert scenario_hash(a) == scenario_hash(scenario_from_dict(a.model_dump(mode="json")))


@pytest.mark.parametrize(
    "overrides",
    [{"seed": 8}, {"demand": {"orders_per_day": 41}}, {"routing": {"max_splits": 1}}],
)
def test_scenario_hash_changes_with_any_value(overrides: dict[str, object]) -> None:
    assert scenario_hash(load_scenario("tutorial", **overrides)) != scenario_hash(
        load_scenario("tutorial")
    )


def test_hours_since_start_for_a_date_and_a_datetime() -> None:
    s = load_scenario("tutorial")  # starts 2026-09-07 00:00 UTC
    assert s.hours_since_start(dt.date(2026, 9, 8)) == 24.0
    assert s.hours_since_start(dt.date(2026, 9, 6)) == -24.0
    assert s.hours_since_start(dt.datetime(2026, 9, 7, 6, 30)) == 6.5  # naive is UTC
    eastern = dt.timezone(dt.timedelta(hours=-4))
    assert s.hours_since_start(dt.datetime(2026, 9, 7, 2, 0, tzinfo=eastern)) == 6.0


def test_start_is_stored_in_utc() -> None:
    s = load_scenario("tutorial", start="2026-09-07T00:00:00-04:00")
    assert s.start == dt.datetime(2026, 9, 7, 4, tzinfo=dt.UTC)
    assert s.start.tzinfo == dt.UTC


@pytest.mark.parametrize("path", SHIPPED, ids=[p.stem for p in SHIPPED])
def test_shipped_profiles_have_mean_one(path: Path) -> None:
    demand = load_scenario(path).demand
    assert sum(demand.day_of_week) / 7 == pytest.approx(1.0)
    assert sum(demand.hour_of_day) / 24 == pytest.approx(1.0)


def test_profiles_are_normalised_keeping_their_shape() -> None:
    s = load_scenario("tutorial", demand={"day_of_week": [2, 2, 2, 2, 2, 4, 0]})
    assert s.demand.day_of_week == pytest.approx([1.0] * 5 + [2.0, 0.0])
    hours = [0.0] * 12 + [3.0] * 12
    assert load_scenario("tutorial", demand={"hour_of_day": hours}).demand.hour_of_day == (
        pytest.approx([0.0] * 12 + [2.0] * 12)
    )


def test_a_distribution_override_replaces_the_base_one(tmp_path: Path) -> None:
    path = variant(tmp_path, "pickup: {pickup_delay_hours: {dist: exponential, mean: 3}}\n")
    delay = load_scenario(path).pickup.pickup_delay_hours
    assert (delay.dist, delay.mean, delay.sd) == ("exponential", 3, None)


def test_duplicate_keys_are_refused(tmp_path: Path) -> None:
    path = variant(tmp_path, "seed: 1\nseed: 2\n")
    assert "duplicate key 'seed'" in load_error(path)


def test_a_mistake_inherited_from_a_base_names_the_chain(tmp_path: Path) -> None:
    base = tmp_path / "base.yaml"
    base.write_text(f"extends: {TUTORIAL}\ndemand: {{orders_per_dya: 3}}\n")
    child = tmp_path / "child.yaml"
    child.write_text("extends: base.yaml\nseed: 3\n")
    message = load_error(child)
    assert "child.yaml (extends base.yaml, tutorial.yaml)" in message


@pytest.mark.parametrize(
    ("override", "expected"),
    [
        ({"horizon-days": 2}, "horizon-days: unknown key; did you mean 'horizon_days'?"),
        (
            {"routing": {"max splits": 2}},
            "routing.max splits: unknown key; did you mean 'max_splits'?",
        ),
        (
            {"inventory": {"store": {"assortment_share": 1.5}}},
            "inventory.store.assortment_share: got 1.5: Input should be less than or equal to 1, "
            "or Input should be a valid dictionary",
        ),
    ],
)
def test_error_paths_keep_user_keys_and_merge_only_union_members(override, expected) -> None:
    with pytest.raises(ScenarioError) as caught:
        load_scenario("tutorial", **override)
    assert expected in str(caught.value)
    assert "1 problem(s)" in str(caught.value)


def test_two_bad_values_of_a_mapping_stay_two_problems() -> None:
    reasons = {"service": {"returns": {"reasons": {"Not Satisfied": "a", "Wrong Item": "b"}}}}
    with pytest.raises(ScenarioError) as caught:
        load_scenario("tutorial", **reasons)
    message = str(caught.value)
    assert "2 problem(s)" in message
    assert "reasons.Not Satisfied: got 'a'" in message and "reasons.Wrong Item: got 'b'" in message
