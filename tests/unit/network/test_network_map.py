"""fig_network draws zones sized by demand and one trace per location type."""

import plotly.graph_objects as go

from omsim.analysis.network_map import fig_network
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
    zones, warehouses = fig.data[0], fig.data[1]
    assert len(zones.lat) == 6 and len(warehouses.lat) == 2
    sizes = list(zones.marker.size)
    assert max(sizes) == 40.0 and min(sizes) > 0
    assert fig.layout.title.text == "t"
