"""fig_network draws zones sized by demand and one trace per location type, offline."""

import plotly.graph_objects as go

from omsim.analysis.network_map import fig_network
from omsim.network.graph import network_locations
from omsim.network.locations import LocationType
from omsim.network.national import generate_national_network


def test_fig_network_traces() -> None:
    g = generate_national_network(
        n_zones=6, n_warehouses=2, n_stores=3, return_center_cities=["Memphis"], seed=0
    )
    fig = fig_network(g, title="t")
    assert isinstance(fig, go.Figure)
    assert [t.name for t in fig.data] == [
        "Customer zones",
        "Warehouse",
        "Retail Store",
        "Return Center",
    ]
    assert all(isinstance(t, go.Scatter) for t in fig.data)  # no Scattergeo: it needs a CDN
    zones, warehouses = fig.data[0], fig.data[1]
    assert len(zones.y) == 6 and len(warehouses.y) == 2
    locations = network_locations(g)
    assert list(warehouses.x) == [
        loc.longitude for loc in locations if loc.type is LocationType.WAREHOUSE
    ]
    assert fig.layout.yaxis.scaleanchor == "x" and fig.layout.yaxis.scaleratio > 1
    sizes = list(zones.marker.size)
    assert max(sizes) == 40.0 and min(sizes) > 0
    assert fig.layout.title.text == "t"
