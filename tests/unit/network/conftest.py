"""A hand-computable network: one zone at (0, 0) and four locations east of it on the equator."""

import math

import pytest

from omsim.network.carrier import CarrierRates, ServiceRates
from omsim.network.graph import build_network
from omsim.network.locations import CustomerZone, Location, LocationType, ServiceLevel
from omsim.network.matrix import NetworkMatrix

# Two bands: up to 150 km (1 day, 500 + 100/kg) and beyond (3 days, 800 + 200/kg), cents.
HAND_CARRIER = CarrierRates(
    band_upper_km=(150.0, math.inf),
    services={
        ServiceLevel.STANDARD: ServiceRates((1, 3), (500, 800), (100, 200)),
        ServiceLevel.EXPRESS: ServiceRates((1, 1), (900, 1500), (150, 300)),
    },
)


@pytest.fixture(scope="session")
def hand_matrix() -> NetworkMatrix:
    """S1 55.6 km, W1 111.2 km, S2 222.4 km, W2 333.6 km from zone Z (and Z2 far west)."""
    w, s = LocationType.WAREHOUSE, LocationType.STORE
    locations = [
        Location("S1", "Store 1", s, 0.0, 0.5, groups=("Online",), handling_cost_cents=300),
        Location("W1", "Warehouse 1", w, 0.0, 1.0, groups=("Online",), handling_cost_cents=100),
        Location("S2", "Store 2", s, 0.0, 2.0, groups=("Online",), handling_cost_cents=300),
        Location("W2", "Warehouse 2", w, 0.0, 3.0, groups=("Online",), handling_cost_cents=100),
    ]
    zones = [CustomerZone("Z", "Zone", 0.0, 0.0), CustomerZone("Z2", "West", 0.0, -10.0)]
    return NetworkMatrix.from_graph(build_network(locations, zones, HAND_CARRIER))
