"""Map of a fulfillment network: locations by type, customer zones sized by demand.

Drawn as a scatter of longitude against latitude (north up, a degree of longitude shortened by
the cosine of the mean latitude), not as plotly's geographic map: ``Scattergeo`` fetches its
coast and border outlines from a CDN, so a page holding it would not draw offline.
"""

from __future__ import annotations

import math

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
    """Plotly map of a network (longitude across, latitude up; no basemap, so it works offline).

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
        One ``Scatter`` trace for customer zones (named "Customer zones", x longitude, y
        latitude) and one per location type present (named by the Salesforce ``LocationType``
        value).
    """
    zones = network_zones(graph)
    top = max((z.demand_weight for z in zones), default=0.0) or 1.0
    fig = go.Figure()
    fig.add_trace(
        go.Scatter(
            name="Customer zones",
            mode="markers",
            x=[z.longitude for z in zones],
            y=[z.latitude for z in zones],
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
            go.Scatter(
                name=location_type.value,
                mode="markers",
                x=[loc.longitude for loc in members],
                y=[loc.latitude for loc in members],
                text=[
                    f"{loc.name}<br>{loc.id}<br>handling {loc.handling_cost_cents / 100:.2f}"
                    for loc in members
                ],
                hoverinfo="text",
                marker={"size": 9, "symbol": _SYMBOLS[location_type], "line": {"width": 1}},
            )
        )
    latitudes = [z.latitude for z in zones] + [loc.latitude for loc in locations]
    mid = math.radians(sum(latitudes) / len(latitudes)) if latitudes else 0.0
    fig.update_layout(
        title=title,
        xaxis={"title": "longitude (degrees)", "showgrid": False},
        # a degree of latitude is 1 / cos(latitude) times as long as one of longitude
        yaxis={
            "title": "latitude (degrees)",
            "showgrid": False,
            "scaleanchor": "x",
            "scaleratio": 1.0 / math.cos(mid),
        },
        legend={"itemsizing": "constant"},
        margin={"l": 60, "r": 10, "t": 40, "b": 50},
        plot_bgcolor="rgba(240, 244, 248, 1)",
    )
    return fig
