"""Dense location x zone arrays for the routing hot path, derived from the network graph.

Routing runs once per order; reading networkx edge dictionaries per decision is slow. A
``NetworkMatrix`` is read from the graph once and answers distance, transit and price lookups by
integer index. The graph stays the model of record: rebuild the matrix when the graph changes.
"""

from __future__ import annotations

from dataclasses import dataclass

import networkx as nx
import numpy as np
from numpy.typing import NDArray

from omsim.network.carrier import CarrierRates, billable_kg
from omsim.network.geo import pairwise_distance_km
from omsim.network.graph import network_carrier, network_locations, network_zones
from omsim.network.locations import LocationType, ServiceLevel


@dataclass(frozen=True, eq=False)
class NetworkMatrix:
    """Location x zone distance, transit and price arrays.

    Attributes
    ----------
    location_ids : tuple of str
        Location ids in row order (sorted).
    zone_ids : tuple of str
        Zone ids in column order (sorted).
    location_index, zone_index : dict of str to int
        Row and column of each id.
    location_types : tuple of LocationType
        Type of each row's location.
    handling_cost_cents : numpy.ndarray
        Shape ``(L,)``, handling cost per shipment of each location, cents.
    distance_km : numpy.ndarray
        Shape ``(L, Z)``, great-circle distance, km.
    band : numpy.ndarray
        Shape ``(L, Z)``, carrier band index.
    transit_days : dict of ServiceLevel to numpy.ndarray
        Shape ``(L, Z)`` each, days in transit.
    base_cents, per_kg_cents : dict of ServiceLevel to numpy.ndarray
        Shape ``(L, Z)`` each, parcel base price and per-billable-kg price, cents.
    location_distance_km : numpy.ndarray
        Shape ``(L, L)``, distance between locations, km (for pickup and returns).
    carrier : CarrierRates
        The zone chart the arrays come from.
    """

    location_ids: tuple[str, ...]
    zone_ids: tuple[str, ...]
    location_index: dict[str, int]
    zone_index: dict[str, int]
    location_types: tuple[LocationType, ...]
    handling_cost_cents: NDArray[np.int64]
    distance_km: NDArray[np.float64]
    band: NDArray[np.int64]
    transit_days: dict[ServiceLevel, NDArray[np.int64]]
    base_cents: dict[ServiceLevel, NDArray[np.int64]]
    per_kg_cents: dict[ServiceLevel, NDArray[np.int64]]
    location_distance_km: NDArray[np.float64]
    carrier: CarrierRates

    @classmethod
    def from_graph(cls, graph: nx.Graph) -> NetworkMatrix:
        """Read the arrays from a network graph's ``ships_to`` edges.

        Examples
        --------
        >>> from omsim.network.graph import build_network
        >>> from omsim.network.locations import CustomerZone, Location
        >>> g = build_network(
        ...     [Location("DC1", "DC 1", "Warehouse", 40.0, -75.0, handling_cost_cents=300)],
        ...     [CustomerZone("Z1", "Zone 1", 40.0, -74.0)],
        ... )
        >>> m = NetworkMatrix.from_graph(g)
        >>> m.cost_cents(0, 0, 2.5, ServiceLevel.STANDARD)
        1140
        >>> int(m.transit_days[ServiceLevel.STANDARD][0, 0])
        2
        """
        locations = network_locations(graph)
        zones = network_zones(graph)
        carrier = network_carrier(graph)
        shape = (len(locations), len(zones))
        distance = np.empty(shape)
        band = np.empty(shape, dtype=np.int64)
        transit = {s: np.empty(shape, dtype=np.int64) for s in carrier.services}
        base = {s: np.empty(shape, dtype=np.int64) for s in carrier.services}
        per_kg = {s: np.empty(shape, dtype=np.int64) for s in carrier.services}
        for i, location in enumerate(locations):
            for j, zone in enumerate(zones):
                edge = graph.edges[location.id, zone.id]
                distance[i, j] = edge["distance_km"]
                band[i, j] = edge["band"]
                for s in carrier.services:
                    transit[s][i, j] = edge["transit_days"][s]
                    base[s][i, j] = edge["base_cents"][s]
                    per_kg[s][i, j] = edge["per_kg_cents"][s]
        lat = [loc.latitude for loc in locations]
        lon = [loc.longitude for loc in locations]
        return cls(
            location_ids=tuple(loc.id for loc in locations),
            zone_ids=tuple(z.id for z in zones),
            location_index={loc.id: i for i, loc in enumerate(locations)},
            zone_index={z.id: j for j, z in enumerate(zones)},
            location_types=tuple(loc.type for loc in locations),
            handling_cost_cents=np.array(
                [loc.handling_cost_cents for loc in locations], dtype=np.int64
            ),
            distance_km=distance,
            band=band,
            transit_days=_readonly(transit),
            base_cents=_readonly(base),
            per_kg_cents=_readonly(per_kg),
            location_distance_km=pairwise_distance_km(lat, lon, lat, lon),
            carrier=carrier,
        )

    def __post_init__(self) -> None:
        for array in (self.handling_cost_cents, self.distance_km, self.band):
            array.setflags(write=False)

    def loc(self, location_id: str) -> int:
        """Row of a location id; raises ``KeyError`` naming the known ids if absent."""
        try:
            return self.location_index[location_id]
        except KeyError:
            raise KeyError(
                f"location_id {location_id!r} is not in the network; known: {self.location_ids}"
            ) from None

    def zone(self, zone_id: str) -> int:
        """Column of a zone id; raises ``KeyError`` naming the known ids if absent."""
        try:
            return self.zone_index[zone_id]
        except KeyError:
            raise KeyError(
                f"zone_id {zone_id!r} is not in the network; known: {self.zone_ids}"
            ) from None

    def cost_cents(
        self, loc_idx: int, zone_idx: int, weight_kg: float, service: ServiceLevel | str
    ) -> int:
        """Price of one parcel of ``weight_kg`` (kg) from a location row to a zone column, cents."""
        level = ServiceLevel.parse(service)
        return int(self.base_cents[level][loc_idx, zone_idx]) + int(
            self.per_kg_cents[level][loc_idx, zone_idx]
        ) * billable_kg(weight_kg)


def _readonly(
    table: dict[ServiceLevel, NDArray[np.int64]],
) -> dict[ServiceLevel, NDArray[np.int64]]:
    for array in table.values():
        array.setflags(write=False)
    return table
