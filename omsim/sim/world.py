"""The static world a run happens in: network graph, matrix, catalog, stock and policies.

Built from the scenario before the clock starts; the SimPy processes only read it and move stock.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import networkx as nx
import numpy as np

from omsim.network.graph import build_network, network_locations, network_zones
from omsim.network.inventory import Inventory
from omsim.network.locations import CustomerZone, Location, LocationType
from omsim.network.matrix import NetworkMatrix
from omsim.network.national import ONLINE_GROUP, generate_national_network
from omsim.network.replenishment import MinMaxPolicy, PeriodicReviewPolicy, ReplenishmentPolicy
from omsim.scenario.schema import Scenario, StockPolicySpec
from omsim.sim.catalog import Catalog, Product, build_catalog
from omsim.sim.distributions import sample

TYPE_KEYS = {
    LocationType.WAREHOUSE: "warehouse",
    LocationType.STORE: "store",
    LocationType.RETURN_CENTER: "return_center",
}
"""Location type -> the scenario key holding its settings."""


@dataclass(frozen=True, eq=False)
class World:
    """Everything static about a run.

    Attributes
    ----------
    graph : networkx.Graph
        The network of record.
    matrix : NetworkMatrix
        Location x zone arrays derived from the graph.
    locations : dict of str to Location
    zones : tuple of CustomerZone
        In the matrix's column order.
    zone_cdf : numpy.ndarray
        Cumulative demand weight of the zones, for drawing a customer's zone.
    catalog : Catalog
    reservation_group : str
        The location group checkout reserves at (``Online``).
    policies : dict of (location id, sku) to ReplenishmentPolicy
    """

    graph: nx.Graph
    matrix: NetworkMatrix
    locations: dict[str, Location]
    zones: tuple[CustomerZone, ...]
    zone_cdf: np.ndarray
    catalog: Catalog
    reservation_group: str
    policies: dict[tuple[str, str], ReplenishmentPolicy]

    def type_key(self, location_id: str) -> str:
        """``warehouse``, ``store`` or ``return_center``."""
        return TYPE_KEYS[self.locations[location_id].type]

    def stores_within(self, zone_id: str, radius_km: float) -> list[str]:
        """The stores within ``radius_km`` of a zone, nearest first (ties by matrix order)."""
        m = self.matrix
        column = m.distance_km[:, m.zone_index[zone_id]]
        rows = [
            row
            for row, loc_type in enumerate(m.location_types)
            if loc_type is LocationType.STORE and column[row] <= radius_km
        ]
        rows.sort(key=lambda row: (float(column[row]), row))
        return [m.location_ids[row] for row in rows]

    def nearest_store(self, zone_id: str, radius_km: float) -> str | None:
        """The store closest to a zone within ``radius_km``, or None."""
        m = self.matrix
        column = m.distance_km[:, m.zone_index[zone_id]]
        best, best_km = None, radius_km
        for row, loc_type in enumerate(m.location_types):
            if loc_type is LocationType.STORE and column[row] <= best_km:
                best, best_km = m.location_ids[row], float(column[row])
        return best


def build_graph(scenario: Scenario) -> nx.Graph:
    """The network graph: generated from city data, or from the scenario's explicit lists."""
    spec = scenario.network
    if spec.generate is not None:
        g = spec.generate
        return generate_national_network(
            country=g.country,
            n_zones=g.n_zones,
            n_warehouses=g.n_warehouses,
            n_stores=g.n_stores,
            warehouse_cities=g.warehouse_cities,
            store_cities=g.store_cities,
            return_center_cities=g.return_center_cities,
            seed=g.seed,
        )
    locations = [
        Location(
            id=s.id,
            name=s.name or s.id,
            type=LocationType.parse(s.type.replace("_", " ")),
            latitude=s.latitude,
            longitude=s.longitude,
            postal_code=s.postal_code,
            groups=tuple(s.groups),
            handling_cost_cents=s.handling_cost_cents,
        )
        for s in spec.locations
    ]
    zones = [
        CustomerZone(z.id, z.name or z.id, z.latitude, z.longitude, z.postal_code, z.demand_weight)
        for z in spec.zones
    ]
    return build_network(locations, zones)


def build_world(
    scenario: Scenario,
    rng: np.random.Generator,
    *,
    assortment: np.random.Generator | None = None,
) -> tuple[World, Inventory]:
    """The world and its opening stock; ``rng`` is the catalog stream, ``assortment`` the
    stream of the shares of the range drawn per location (only drawn from when a scenario
    gives ``assortment_share`` as a distribution; default: a stream seeded 0)."""
    graph = build_graph(scenario)
    matrix = NetworkMatrix.from_graph(graph)
    locations = {loc.id: loc for loc in network_locations(graph)}
    by_id = {z.id: z for z in network_zones(graph)}
    zones = tuple(by_id[z] for z in matrix.zone_ids)
    weights = np.array([z.demand_weight for z in zones], dtype=float)
    catalog = build_catalog(scenario.catalog, rng)
    groups: dict[str, list[str]] = {}
    for loc in locations.values():
        for group in loc.groups:
            groups.setdefault(group, []).append(loc.id)
    if ONLINE_GROUP not in groups:
        groups[ONLINE_GROUP] = [
            loc.id for loc in locations.values() if loc.type is not LocationType.RETURN_CENTER
        ]
    inventory = Inventory(list(locations), groups)
    shares = demand_shares(scenario, locations, matrix, weights)
    ranges = assortments(scenario, locations, catalog, assortment or np.random.default_rng(0))
    policies = _stock(scenario, locations, catalog, inventory, shares, ranges)
    world = World(
        graph=graph,
        matrix=matrix,
        locations=locations,
        zones=zones,
        zone_cdf=np.cumsum(weights / weights.sum()),
        catalog=catalog,
        reservation_group=ONLINE_GROUP,
        policies=policies,
    )
    return world, inventory


def units_per_order(scenario: Scenario) -> float:
    """Expected units in one order (mean lines x mean units per line, caps ignored)."""
    return scenario.demand.lines_per_order_mean * scenario.demand.units_per_line_mean


def demand_shares(
    scenario: Scenario,
    locations: dict[str, Location],
    matrix: NetworkMatrix,
    zone_weights: np.ndarray,
) -> dict[str, float]:
    """Each location's share of its type's expected demand.

    Stores are stocked for the demand of the zones they are the nearest store to (within the
    pickup radius), with a floor of a tenth of an even split so that no store is empty.
    Warehouses and return centers get an even split here, but `_stock` does not use it: it
    splits their share of each SKU over the locations of the type that carry the SKU.
    """
    shares: dict[str, float] = {}
    by_type: dict[LocationType, list[str]] = {}
    for loc in locations.values():
        by_type.setdefault(loc.type, []).append(loc.id)
    stores = by_type.get(LocationType.STORE, [])
    if stores:
        rows = [matrix.loc(s) for s in stores]
        distance = matrix.distance_km[rows, :]
        nearest = distance.argmin(axis=0)
        weight = np.zeros(len(stores))
        for z, row in enumerate(nearest):
            if distance[row, z] <= scenario.demand.pickup_radius_km:
                weight[row] += zone_weights[z]
        weight = (
            weight / weight.sum() if weight.sum() > 0 else np.full(len(stores), 1 / len(stores))
        )
        weight = np.maximum(weight, 0.1 / len(stores))
        shares.update(zip(stores, weight / weight.sum(), strict=True))
    for loc_type, ids in by_type.items():
        if loc_type is not LocationType.STORE:
            shares.update({i: 1.0 / len(ids) for i in ids})
    return shares


def assortments(
    scenario: Scenario,
    locations: dict[str, Location],
    catalog: Catalog,
    rng: np.random.Generator,
) -> dict[str, tuple[Product, ...]]:
    """The SKUs each location carries, most popular first.

    A location carries the ``assortment_share`` most popular SKUs of the categories it stocks
    (`omsim.scenario.schema.LocationSpec.categories`, default all). A share given as a
    distribution is drawn once per location, in the order the locations are listed, from
    ``rng`` (the ``assortment`` stream, so no other stream's draws move).
    """
    stocked = {s.id: s.categories for s in scenario.network.locations}
    ranges: dict[str, tuple[Product, ...]] = {}
    for loc in locations.values():
        spec: StockPolicySpec = getattr(scenario.inventory, TYPE_KEYS[loc.type])
        share = spec.assortment_share
        fraction = share if isinstance(share, float | int) else sample(share, rng)
        categories = stocked.get(loc.id)
        products = [p for p in catalog.products if categories is None or p.category in categories]
        ranges[loc.id] = tuple(products[: math.ceil(len(products) * fraction)])
    return ranges


def _carriers(
    locations: dict[str, Location], ranges: dict[str, tuple[Product, ...]]
) -> dict[tuple[LocationType, str], int]:
    """How many locations of each type carry each SKU."""
    counts: dict[tuple[LocationType, str], int] = {}
    for loc in locations.values():
        for product in ranges[loc.id]:
            key = (loc.type, product.sku)
            counts[key] = counts.get(key, 0) + 1
    return counts


def _stock(
    scenario: Scenario,
    locations: dict[str, Location],
    catalog: Catalog,
    inventory: Inventory,
    shares: dict[str, float],
    ranges: dict[str, tuple[Product, ...]],
) -> dict[tuple[str, str], ReplenishmentPolicy]:
    """Set opening stock and build each (location, SKU) replenishment policy.

    Stores are stocked for their catchment's demand (``shares``); every other type splits its
    expected share of a SKU's demand evenly over the locations of the type that carry it.
    """
    daily_units = scenario.demand.orders_per_day * units_per_order(scenario)
    carriers = _carriers(locations, ranges)
    policies: dict[tuple[str, str], ReplenishmentPolicy] = {}
    for loc in locations.values():
        spec: StockPolicySpec = getattr(scenario.inventory, TYPE_KEYS[loc.type])
        for product in ranges[loc.id]:
            if loc.type is LocationType.STORE:
                share = spec.expected_share * shares[loc.id]
            else:
                # written as the old even split was (share x 1/n): the same floats, the same stock
                share = spec.expected_share * (1.0 / carriers[(loc.type, product.sku)])
            per_day = daily_units * product.popularity * share
            on_hand = max(spec.min_units, math.ceil(per_day * spec.initial_days_of_cover))
            inventory.set_stock(
                loc.id,
                product.sku,
                on_hand=on_hand + spec.safety_stock_units,
                safety_stock=spec.safety_stock_units,
            )
            policy = _policy(spec, per_day)
            if policy is not None:
                policies[(loc.id, product.sku)] = policy
    return policies


def _policy(spec: StockPolicySpec, per_day: float) -> ReplenishmentPolicy | None:
    """Policy in units from a policy in days of the location's expected demand ``per_day``."""
    r = spec.replenishment
    if r is None:
        return None
    safety = spec.safety_stock_units
    up_to = max(1, spec.min_units, math.ceil(per_day * r.order_up_to_days)) + safety
    if r.policy == "periodic_review":
        return PeriodicReviewPolicy(r.review_period_days, up_to, r.lead_time_days)
    reorder_point = min(up_to - 1, math.floor(per_day * r.reorder_point_days) + safety)
    return MinMaxPolicy(reorder_point, up_to, r.lead_time_days)
