"""The dense matrix agrees with the graph it is read from."""

import numpy as np
import pytest

from omsim.network.graph import network_carrier
from omsim.network.locations import ServiceLevel
from omsim.network.matrix import NetworkMatrix
from omsim.network.national import generate_national_network


@pytest.fixture(scope="module")
def network():
    g = generate_national_network(n_zones=6, n_warehouses=2, n_stores=4, seed=2)
    return g, NetworkMatrix.from_graph(g)


def test_matrix_matches_graph_edges(network) -> None:
    g, m = network
    assert m.distance_km.shape == (6, 6)
    for loc_id, i in m.location_index.items():
        for zone_id, j in m.zone_index.items():
            edge = g.edges[loc_id, zone_id]
            assert m.distance_km[i, j] == edge["distance_km"]
            for s in ServiceLevel:
                assert m.transit_days[s][i, j] == edge["transit_days"][s]


def test_cost_matches_carrier_chart(network) -> None:
    g, m = network
    carrier = network_carrier(g)
    for i in range(len(m.location_ids)):
        for j in range(len(m.zone_ids)):
            for s in ServiceLevel:
                expected = carrier.shipping_cost_cents(float(m.distance_km[i, j]), 3.4, s)
                assert m.cost_cents(i, j, 3.4, s) == expected


def test_location_distances_and_readonly(network) -> None:
    _, m = network
    assert np.allclose(np.diag(m.location_distance_km), 0.0)
    with pytest.raises(ValueError):
        m.distance_km[0, 0] = 1.0


def test_unknown_ids_are_named(network) -> None:
    _, m = network
    with pytest.raises(KeyError, match="location_id 'nowhere'"):
        m.loc("nowhere")
    with pytest.raises(KeyError, match="zone_id 'nowhere'"):
        m.zone("nowhere")
