"""Map of a fulfillment network: locations by type, customer zones sized by demand."""

from __future__ import annotations

import networkx as nx
import plotly.graph_objects as go

from omsim.network.graph import network_locations, network_zones
from omsim.network.locations import LocationType

_SYMBOLS = {
    LocationType.WAREHOUSE: "square",
    LocationType.STORE: "circle",
    LocationType.RETURN_CENTER: "diamond",
}


def fig_network(
    graph: nx.Graph, *, title: str = "Fulfillment network", max_zone_marker_px: float = 40.0
) -> go.Figure:
    """Plotly geographic map of a network.

    Parameters
    ----------
    graph : networkx.Graph
        A network from :func:`omsim.network.graph.build_network` or
        :func:`omsim.network.national.generate_national_network`.
    title : str
        Figure title.
    max_zone_marker_px : float
        Marker diameter of the zone with the largest demand weight, pixels; marker area is
        proportional to demand weight.

    Returns
    -------
    plotly.graph_objects.Figure
        One ``Scattergeo`` trace for customer zones (named "Customer zones") and one per location
        type present (named by the Salesforce ``LocationType`` value).
    """
    zones = network_zones(graph)
    top = max((z.demand_weight for z in zones), default=0.0) or 1.0
    fig = go.Figure()
    fig.add_trace(
        go.Scattergeo(
            name="Customer zones",
            lat=[z.latitude for z in zones],
            lon=[z.longitude for z in zones],
            text=[f"{z.name}<br>demand weight {z.demand_weight:.3f}" for z in zones],
            hoverinfo="text",
            marker={
                "size": [max_zone_marker_px * (z.demand_weight / top) ** 0.5 for z in zones],
                "color": "rgba(99, 110, 250, 0.35)",
                "line": {"width": 0},
            },
        )
    )
    locations = network_locations(graph)
    for location_type in LocationType:
        members = [loc for loc in locations if loc.type is location_type]
        if not members:
            continue
        fig.add_trace(
            go.Scattergeo(
                name=location_type.value,
                lat=[loc.latitude for loc in members],
                lon=[loc.longitude for loc in members],
                text=[
                    f"{loc.name}<br>{loc.id}<br>handling {loc.handling_cost_cents / 100:.2f}"
                    for loc in members
                ],
                hoverinfo="text",
                marker={"size": 9, "symbol": _SYMBOLS[location_type], "line": {"width": 1}},
            )
        )
    fig.update_layout(
        title=title,
        geo={"scope": "world", "fitbounds": "locations", "showland": True},
        legend={"itemsizing": "constant"},
        margin={"l": 0, "r": 0, "t": 40, "b": 0},
    )
    return fig
