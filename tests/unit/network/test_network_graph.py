"""The network graph built from explicit lists."""

import pytest

from omsim.network.carrier import CarrierRates
from omsim.network.graph import (
    build_network,
    network_carrier,
    network_groups,
    network_locations,
    network_zones,
)
from omsim.network.locations import CustomerZone, Location, LocationType, ServiceLevel


def small_network():
    locations = [
        Location("DC1", "DC", LocationType.WAREHOUSE, 0.0, 0.0, "10001", ("Online",), 300),
        Location("S1", "Store", LocationType.STORE, 0.0, 1.0, "10002", ("Online", "Stores"), 500),
    ]
    zones = [CustomerZone("Z1", "Zone", 0.0, 2.0, "10003", 3.0)]
    return build_network(locations, zones)


def test_nodes_and_kinds() -> None:
    g = small_network()
    kinds = {n: d["kind"] for n, d in g.nodes(data=True)}
    assert kinds == {
        "DC1": "location",
        "S1": "location",
        "Z1": "zone",
        "Online": "group",
        "Stores": "group",
    }
    assert network_groups(g) == {"Online": ("DC1", "S1"), "Stores": ("S1",)}
    assert [loc.id for loc in network_locations(g)] == ["DC1", "S1"]
    assert [z.id for z in network_zones(g)] == ["Z1"]
    assert isinstance(network_carrier(g), CarrierRates)


def test_ships_to_edge_attributes() -> None:
    g = small_network()
    edge = g.edges["S1", "Z1"]
    assert edge["kind"] == "ships_to"
    # One degree of longitude on the equator: 111.2 km, carrier band 1 (80-240 km).
    assert edge["distance_km"] == pytest.approx(111.195, abs=0.01)
    assert edge["band"] == 1
    assert edge["transit_days"] == {ServiceLevel.STANDARD: 2, ServiceLevel.EXPRESS: 1}
    assert edge["base_cents"][ServiceLevel.STANDARD] == 900
    assert edge["per_kg_cents"][ServiceLevel.EXPRESS] == 200
    assert g.edges["DC1", "Online"]["kind"] == "member_of"


def test_duplicate_ids_are_rejected() -> None:
    loc = Location("X", "X", LocationType.WAREHOUSE, 0.0, 0.0)
    with pytest.raises(ValueError, match="'X' is used twice"):
        build_network([loc], [CustomerZone("X", "X", 0.0, 0.0)])


def test_group_clashing_with_zone_is_rejected() -> None:
    loc = Location("L", "L", LocationType.WAREHOUSE, 0.0, 0.0, groups=("Z",))
    with pytest.raises(ValueError, match="group 'Z' clashes"):
        build_network([loc], [CustomerZone("Z", "Z", 0.0, 0.0)])


def test_empty_inputs_are_rejected() -> None:
    with pytest.raises(ValueError, match="locations"):
        build_network([], [CustomerZone("Z", "Z", 0.0, 0.0)])
    with pytest.raises(ValueError, match="zones"):
        build_network([Location("L", "L", LocationType.WAREHOUSE, 0.0, 0.0)], [])
