"""The fulfillment network as a networkx graph: the model of record.

Nodes are locations (``kind="location"``), customer zones (``kind="zone"``) and location groups
(``kind="group"``). A ``kind="ships_to"`` edge joins every location to every zone and carries the
great-circle distance (km), the carrier band, transit days per service level and the band's price
(base and per-kg cents per service level). A ``kind="member_of"`` edge joins a location to each
group it belongs to (Salesforce ``LocationGroupAssignment``). The carrier chart is kept in
``graph.graph["carrier"]``. :class:`omsim.network.matrix.NetworkMatrix` is derived from this graph.
"""

from __future__ import annotations

from collections.abc import Iterable

import networkx as nx

from omsim.network.carrier import CarrierRates
from omsim.network.geo import haversine_km
from omsim.network.locations import CustomerZone, Location


def build_network(
    locations: Iterable[Location],
    zones: Iterable[CustomerZone],
    carrier: CarrierRates | None = None,
) -> nx.Graph:
    """Build the network graph from explicit lists.

    Parameters
    ----------
    locations : iterable of Location
        Fulfillment locations; ids must be unique.
    zones : iterable of CustomerZone
        Customer zones; ids must be unique and distinct from location and group ids.
    carrier : CarrierRates, optional
        Zone chart for transit and price; defaults to ``CarrierRates()``.

    Returns
    -------
    networkx.Graph
        The network (see the module docstring for node and edge attributes).

    Examples
    --------
    >>> from omsim.network.locations import LocationType
    >>> g = build_network(
    ...     [Location("DC1", "DC 1", LocationType.WAREHOUSE, 40.0, -75.0, groups=("online",))],
    ...     [CustomerZone("Z1", "Zone 1", 40.0, -74.0, demand_weight=2.0)],
    ... )
    >>> round(g.edges["DC1", "Z1"]["distance_km"], 1), sorted(g.nodes)
    (85.2, ['DC1', 'Z1', 'online'])
    """
    carrier = carrier if carrier is not None else CarrierRates()
    locations = list(locations)
    zones = list(zones)
    if not locations:
        raise ValueError("locations must list at least one location")
    if not zones:
        raise ValueError("zones must list at least one customer zone")
    graph = nx.Graph(carrier=carrier)
    for location in locations:
        _add_node(graph, location.id, "location", location)
    for zone in zones:
        _add_node(graph, zone.id, "zone", zone)
    for location in locations:
        for group in location.groups:
            if group not in graph:
                _add_node(graph, group, "group", None)
            elif graph.nodes[group]["kind"] != "group":
                raise ValueError(f"group {group!r} clashes with a location or zone id")
            graph.add_edge(location.id, group, kind="member_of")
    for location in locations:
        for zone in zones:
            graph.add_edge(location.id, zone.id, **ships_to_attributes(location, zone, carrier))
    return graph


def ships_to_attributes(
    location: Location, zone: CustomerZone, carrier: CarrierRates
) -> dict[str, object]:
    """Attributes of the location-to-zone edge: distance, band, transit and price.

    Returns
    -------
    dict
        ``kind``, ``distance_km`` (km), ``band`` (index), ``transit_days`` (service level to days),
        ``base_cents`` and ``per_kg_cents`` (service level to cents).
    """
    distance_km = float(
        haversine_km(location.latitude, location.longitude, zone.latitude, zone.longitude)
    )
    band = carrier.band(distance_km)
    return {
        "kind": "ships_to",
        "distance_km": distance_km,
        "band": band,
        "transit_days": {s: r.transit_days[band] for s, r in carrier.services.items()},
        "base_cents": {s: r.base_cents[band] for s, r in carrier.services.items()},
        "per_kg_cents": {s: r.per_kg_cents[band] for s, r in carrier.services.items()},
    }


def _add_node(graph: nx.Graph, node_id: str, kind: str, record: object) -> None:
    if node_id in graph:
        raise ValueError(
            f"{kind} id {node_id!r} is used twice (ids must be unique across locations, "
            "zones and groups)"
        )
    graph.add_node(node_id, kind=kind, record=record)


def network_locations(graph: nx.Graph) -> list[Location]:
    """Locations of a network, sorted by id."""
    return sorted(
        (d["record"] for _, d in graph.nodes(data=True) if d["kind"] == "location"),
        key=lambda loc: loc.id,
    )


def network_zones(graph: nx.Graph) -> list[CustomerZone]:
    """Customer zones of a network, sorted by id."""
    return sorted(
        (d["record"] for _, d in graph.nodes(data=True) if d["kind"] == "zone"),
        key=lambda zone: zone.id,
    )


def network_groups(graph: nx.Graph) -> dict[str, tuple[str, ...]]:
    """Location groups of a network: group name to sorted member location ids."""
    return {
        node: tuple(sorted(graph.neighbors(node)))
        for node, d in sorted(graph.nodes(data=True))
        if d["kind"] == "group"
    }


def network_carrier(graph: nx.Graph) -> CarrierRates:
    """The carrier chart a network was built with."""
    carrier = graph.graph.get("carrier")
    if not isinstance(carrier, CarrierRates):
        raise ValueError("graph has no carrier chart; build it with build_network()")
    return carrier
