"""Generated national networks from GeoNames city data."""

import networkx as nx
import pytest

from omsim.network.graph import network_groups, network_locations, network_zones
from omsim.network.locations import LocationType
from omsim.network.national import (
    City,
    country_cities,
    find_city,
    generate_national_network,
    merged_metro_cities,
)


def test_default_us_network_shape() -> None:
    g = generate_national_network(n_zones=10, n_warehouses=2, n_stores=5, seed=1)
    locations = network_locations(g)
    types = [loc.type for loc in locations]
    assert types.count(LocationType.WAREHOUSE) == 2
    assert types.count(LocationType.STORE) == 5
    zones = network_zones(g)
    assert len(zones) == 10
    assert sum(z.demand_weight for z in zones) == pytest.approx(1.0)
    assert max(zones, key=lambda z: z.demand_weight).name == "New York City, NY"
    assert set(network_groups(g)) == {"Online", "Stores", "Warehouses"}
    assert len(network_groups(g)["Online"]) == 7


def test_same_seed_same_network_and_seed_matters() -> None:
    a = generate_national_network(n_zones=8, n_stores=6, seed=3)
    b = generate_national_network(n_zones=8, n_stores=6, seed=3)
    c = generate_national_network(n_zones=8, n_stores=6, seed=4)
    assert nx.utils.graphs_equal(a, b)
    assert network_locations(a) == network_locations(b)
    assert network_locations(a) != network_locations(c)


def test_named_cities() -> None:
    g = generate_national_network(
        n_zones=5,
        warehouse_cities=["Memphis", "Reno, NV"],
        store_cities=["Boston"],
        return_center_cities=["Louisville"],
    )
    names = sorted(loc.name for loc in network_locations(g))
    assert names == [
        "Boston, MA (Retail Store)",
        "Louisville, KY (Return Center)",
        "Memphis, TN (Warehouse)",
        "Reno, NV (Warehouse)",
    ]
    assert network_groups(g)["Returns"] == ("RC001-louisville",)


def test_boroughs_fold_into_their_city() -> None:
    metros = merged_metro_cities(country_cities("US")[:20], 25.0)
    names = [c.name for c in metros]
    assert "Brooklyn" not in names and "New York City" in names
    nyc = next(c for c in metros if c.name == "New York City")
    assert nyc.population > find_city(country_cities("US"), "New York City").population


def test_merging_is_by_distance() -> None:
    big = City(1, "Big", "R", 0.0, 0.0, 100)
    near = City(2, "Near", "R", 0.0, 0.1, 10)
    far = City(3, "Far", "R", 0.0, 5.0, 5)
    merged = merged_metro_cities([big, near, far], 25.0)
    assert [(c.name, c.population) for c in merged] == [("Big", 110), ("Far", 5)]


def test_bad_inputs_are_named() -> None:
    with pytest.raises(ValueError, match="country 'XX'"):
        generate_national_network(country="XX")
    with pytest.raises(ValueError, match="city 'Atlantis'"):
        generate_national_network(warehouse_cities=["Atlantis"])
    with pytest.raises(ValueError, match="n_zones"):
        generate_national_network(n_zones=0)


def test_other_country() -> None:
    g = generate_national_network(country="DE", n_zones=5, n_warehouses=1, n_stores=3)
    assert max(network_zones(g), key=lambda z: z.demand_weight).name.startswith("Berlin")
