"""Routing strategies compared: tables and figures for the architects' notebook.

Salesforce Order Management routes an order to the locations that fill it (the standard flow
ranks locations by fewest splits, then average distance; omsim ships four strategies, see
`omsim.network.routing`). These helpers turn a `omsim.experiments.compare` of strategies on
common random numbers into what an architect reads: each strategy's KPIs with 95% intervals
(`strategy_table`), the paired differences against a baseline (`difference_table`,
`fig_forest`), where the parcels left from (`origin_shares`, `variant_origin_shares`,
`fig_origin_map`) and cost against speed (`fig_cost_vs_speed`).

Pure functions of experiment results, run folders and event-log tables: no SimPy, no model.
KPIs stay in their ``kpis.json`` units (cents, hours, fractions) in the frames' ``kpi`` rows;
the ``value``-like columns are converted to the display unit named in ``unit`` (dollars, days,
percent) by the factors of `ROUTING_KPIS`.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, cast

import networkx as nx
import numpy as np
import pandas as pd
import plotly.graph_objects as go
import pyarrow.parquet as pq
from plotly.colors import qualitative
from plotly.subplots import make_subplots

from omsim.eventlog import EventTables
from omsim.network.graph import network_locations, network_zones

__all__ = [
    "ROUTING_KPIS",
    "KpiDisplay",
    "difference_table",
    "fig_cost_vs_speed",
    "fig_forest",
    "fig_origin_map",
    "location_frame",
    "origin_shares",
    "strategy_table",
    "variant_origin_shares",
    "wide_table",
    "zone_frame",
]


@dataclass(frozen=True)
class KpiDisplay:
    """How a KPI is shown: its label, the unit of a level and of a difference, and the factor
    from its ``kpis.json`` unit (cents, hours, fraction) to the shown one."""

    label: str
    unit: str
    difference_unit: str
    factor: float


_DOLLARS = 0.01  # cents -> dollars
_DAYS = 1.0 / 24.0  # hours -> days
_PERCENT = 100.0  # fraction -> percent

ROUTING_KPIS: dict[str, KpiDisplay] = {
    "shipping_cost_per_routed_order_cents": KpiDisplay(
        "Shipping cost per order", "$", "$", _DOLLARS
    ),
    "handling_cost_per_routed_order_cents": KpiDisplay(
        "Handling cost per order", "$", "$", _DOLLARS
    ),
    "shipping_and_handling_cost_per_routed_order_cents": KpiDisplay(
        "Shipping + handling per order", "$", "$", _DOLLARS
    ),
    "mean_hours_to_delivery": KpiDisplay("Mean days to delivery", "days", "days", _DAYS),
    "p90_hours_to_delivery": KpiDisplay("P90 days to delivery", "days", "days", _DAYS),
    "on_time_parcel_rate": KpiDisplay("On-time parcels", "%", "percentage points", _PERCENT),
    "planned_split_order_rate": KpiDisplay(
        "Split orders, planned", "%", "percentage points", _PERCENT
    ),
    "reroute_split_order_rate": KpiDisplay(
        "Split orders, re-routed", "%", "percentage points", _PERCENT
    ),
    "units_per_package": KpiDisplay("Units per package", "units", "units", 1.0),
    "checkouts_stocked_out": KpiDisplay("Checkouts stocked out", "count", "count", 1.0),
    "units_canceled_no_inventory": KpiDisplay(
        "Units canceled, no inventory", "units", "units", 1.0
    ),
    "customer_cancel_rate": KpiDisplay(
        "Orders canceled by customer", "%", "percentage points", _PERCENT
    ),
    "process_exceptions_per_1000_managed_order_summaries": KpiDisplay(
        "Exceptions per 1,000 orders", "per 1,000", "per 1,000", 1.0
    ),
}
"""The KPIs the notebook reports, in order, with how each is shown."""

COST_KPI = "shipping_and_handling_cost_per_routed_order_cents"
"""The y axis of `fig_cost_vs_speed`: shipping and handling cost per routed order."""
SPEED_KPI = "mean_hours_to_delivery"
"""The x axis of `fig_cost_vs_speed`: mean hours to delivery (shown in days)."""


def _display(kpi: str) -> KpiDisplay:
    return ROUTING_KPIS.get(kpi, KpiDisplay(kpi, "", "", 1.0))


_STRATEGY_COLORS = {
    "fewest_splits": qualitative.Plotly[0],
    "nearest_warehouse": qualitative.Plotly[1],
    "ship_from_store": qualitative.Plotly[2],
    "lowest_cost": qualitative.Plotly[3],
}
"""One color per shipped strategy, the same in every figure."""


def _colors(names: Sequence[str]) -> dict[str, str]:
    """A color per variant: the shipped strategies' own, then the rest of the palette."""
    palette = [c for c in qualitative.Plotly if c not in _STRATEGY_COLORS.values()]
    others = [n for n in names if n not in _STRATEGY_COLORS]
    colors = {n: _STRATEGY_COLORS[n] for n in names if n in _STRATEGY_COLORS}
    colors.update({n: palette[i % len(palette)] for i, n in enumerate(others)})
    return colors


def _kpis(kpis: Sequence[str] | None, available: Sequence[str]) -> list[str]:
    wanted = list(ROUTING_KPIS) if kpis is None else list(kpis)
    missing = [k for k in wanted if k not in available]
    if kpis is not None and missing:
        raise ValueError(f"kpis: {', '.join(missing)} not in this experiment's KPIs")
    return [k for k in wanted if k in available]


# --- tables ---------------------------------------------------------------------------------------


def strategy_table(result: Any, kpis: Sequence[str] | None = None) -> pd.DataFrame:
    """Each strategy's mean of each KPI with its 95% interval, in display units.

    Parameters
    ----------
    result : omsim.experiments.ExperimentResult
        A `compare` (or anything with a ``summary`` frame with a ``variant`` column and the
        columns of `omsim.experiments.stats.summarize`).
    kpis : sequence of str, optional
        KPI names as in ``kpis.json``; default the keys of `ROUTING_KPIS` the experiment has.

    Returns
    -------
    pandas.DataFrame
        One row per (variant, KPI), variants in experiment order, KPIs in the given order:
        ``variant``, ``kpi``, ``label``, ``unit``, ``n`` (replications), ``mean``, ``ci_low``,
        ``ci_high`` (95% t interval of the mean), all three multiplied by the KPI's display
        factor (cents -> dollars, hours -> days, fractions -> percent).
    """
    columns = ["variant", "kpi", "label", "unit", "n", "mean", "ci_low", "ci_high"]
    return _in_display_units(result.summary, kpis, columns, scaled=("mean", "ci_low", "ci_high"))


def _in_display_units(
    frame: pd.DataFrame,
    kpis: Sequence[str] | None,
    columns: Sequence[str],
    *,
    scaled: Sequence[str],
    unit: str = "unit",
) -> pd.DataFrame:
    """The rows of a per-(variant, KPI) frame for the chosen KPIs, variants in the frame's
    order and KPIs in the chosen order, with each KPI's label and unit (``unit`` names the
    `KpiDisplay` attribute) and the ``scaled`` columns times its display factor."""
    chosen = _kpis(kpis, list(dict.fromkeys(frame["kpi"])))
    variants = {v: i for i, v in enumerate(dict.fromkeys(frame["variant"]))}
    order = {k: i for i, k in enumerate(chosen)}
    rows = frame[frame["kpi"].isin(order)]
    rows = rows.iloc[
        np.lexsort((rows["kpi"].map(order).to_numpy(), rows["variant"].map(variants).to_numpy()))
    ].reset_index(drop=True)
    shown = [_display(kpi) for kpi in rows["kpi"]]
    out = rows.assign(label=[d.label for d in shown], unit=[getattr(d, unit) for d in shown])
    factors = np.array([d.factor for d in shown], dtype=float)
    for column in scaled:
        out[column] = rows[column].to_numpy(dtype=float) * factors
    for column in ("n", "n_pairs"):
        if column in out:
            out[column] = out[column].astype(int)
    if "significant" in out:
        out["significant"] = out["significant"].astype(bool)
    return out.reindex(columns=list(columns))


def difference_table(result: Any, kpis: Sequence[str] | None = None) -> pd.DataFrame:
    """Each strategy's paired difference from the baseline, per KPI, in display units.

    Parameters
    ----------
    result : omsim.experiments.ExperimentResult
        A `compare` on common random numbers (its ``differences`` frame).
    kpis : sequence of str, optional
        KPI names as in ``kpis.json``; default the keys of `ROUTING_KPIS` the experiment has.

    Returns
    -------
    pandas.DataFrame
        One row per (non-baseline variant, KPI): ``variant``, ``baseline``, ``kpi``,
        ``label``, ``unit`` (of a difference: percentage points for rates), ``n_pairs``,
        ``difference`` (mean of variant - baseline over the paired replications), ``ci_low``,
        ``ci_high`` (its 95% t interval), ``significant`` (after the experiment's Holm or
        Bonferroni correction across the variants), the first three in display units.
    """
    differences = result.differences
    if differences is None:
        raise ValueError("result: not a comparison (it has no differences); use compare(...)")
    columns = [
        "variant",
        "baseline",
        "kpi",
        "label",
        "unit",
        "n_pairs",
        "difference",
        "ci_low",
        "ci_high",
        "significant",
    ]
    table = _in_display_units(
        differences,
        kpis,
        columns,
        scaled=("difference", "ci_low", "ci_high"),
        unit="difference_unit",
    )
    table["baseline"] = result.settings.get("baseline")
    return table


def _number(value: float) -> str:
    if not math.isfinite(value):
        return "n/a"
    magnitude = abs(value)
    digits = 2 if magnitude < 10 else 1 if magnitude < 1000 else 0
    return f"{value:,.{digits}f}"


def wide_table(table: pd.DataFrame, value: str = "mean") -> pd.DataFrame:
    """`strategy_table` (or `difference_table`) as text, a row per KPI and a column per
    variant: ``"12.34 [11.90, 12.80]"``, the value and its 95% interval in display units.

    Parameters
    ----------
    table : pandas.DataFrame
        From `strategy_table` (``value="mean"``) or `difference_table`
        (``value="difference"``; a significant difference is marked ``*``).
    value : str
        The column holding the point estimate.

    Returns
    -------
    pandas.DataFrame
        Indexed by ``"label (unit)"``, one column per variant, in the table's order.
    """
    cells = table.assign(
        row=table["label"] + " (" + table["unit"] + ")",
        cell=[
            f"{_number(v)} [{_number(lo)}, {_number(hi)}]"
            + ("*" if bool(row.get("significant", False)) else "")
            for v, lo, hi, (_, row) in zip(
                table[value], table["ci_low"], table["ci_high"], table.iterrows(), strict=True
            )
        ],
    )
    wide = cells.pivot(index="row", columns="variant", values="cell")
    wide = wide.reindex(index=list(dict.fromkeys(cells["row"])))
    wide = wide[list(dict.fromkeys(cells["variant"]))]
    wide.columns.name = None
    wide.index.name = None
    return wide


# --- where parcels shipped from -------------------------------------------------------------------


def _shipped_locations(source: Path | str | EventTables) -> pd.Series:
    """``location_id`` of every ``Parcel Shipped`` event of a run folder or event-log tables."""
    if isinstance(source, str | Path):
        events = pq.read_table(Path(source) / "events.parquet", columns=["activity", "location_id"])
        frame = events.to_pandas()
        return frame.loc[frame["activity"] == "Parcel Shipped", "location_id"]
    return source.of("Parcel Shipped")["location_id"]


def origin_shares(
    run_folder_or_tables: Path | str | EventTables | Sequence[Path | str | EventTables],
) -> pd.DataFrame:
    """Each location's share of the parcels shipped, over one run or several pooled.

    Parameters
    ----------
    run_folder_or_tables : path, EventTables, or a sequence of them
        Run folders (their ``events.parquet`` is read, two columns only) or event-log tables
        (`omsim.eventlog.EventLogTables`, `omsim.eventlog_activities.ActivityLog`). Several
        are pooled: the parcels of all of them, as if one run.

    Returns
    -------
    pandas.DataFrame
        One row per location that shipped (``Parcel Shipped``, reshipments included, at the
        fulfillment order's location), most parcels first: ``location_id``, ``parcels``,
        ``share`` (parcels / all parcels shipped; the shares add up to 1).
    """
    sources: list[Path | str | EventTables] = (
        list(run_folder_or_tables)
        if isinstance(run_folder_or_tables, list | tuple)
        else [cast("Path | str | EventTables", run_folder_or_tables)]
    )
    locations = pd.concat(
        [_shipped_locations(s).astype(object) for s in sources], ignore_index=True
    ).dropna()
    counts = locations.value_counts()
    frame = pd.DataFrame(
        {"location_id": counts.index.astype(str), "parcels": counts.to_numpy(dtype="int64")}
    )
    frame = frame.sort_values(["parcels", "location_id"], ascending=[False, True])
    total = int(frame["parcels"].sum())
    frame["share"] = frame["parcels"] / total if total else 0.0
    return frame.reset_index(drop=True)


def variant_origin_shares(folders: Mapping[str, Sequence[Path | str]]) -> pd.DataFrame:
    """`origin_shares` per variant, its replications' parcels pooled.

    Parameters
    ----------
    folders : mapping of str to sequence of path
        Variant -> run folders, as ``ExperimentResult.run_folders()`` gives.

    Returns
    -------
    pandas.DataFrame
        ``variant``, ``location_id``, ``parcels``, ``share`` (of the variant's parcels).
    """
    frames = [origin_shares(list(paths)).assign(variant=name) for name, paths in folders.items()]
    columns = ["variant", "location_id", "parcels", "share"]
    if not frames:
        return pd.DataFrame(columns=columns)
    return pd.concat(frames, ignore_index=True)[columns]


def location_frame(graph: nx.Graph) -> pd.DataFrame:
    """The network's locations: ``location_id``, ``name``, ``type`` (Salesforce
    ``LocationType``), ``latitude``, ``longitude`` (degrees)."""
    return pd.DataFrame(
        [
            {
                "location_id": loc.id,
                "name": loc.name,
                "type": loc.type.value,
                "latitude": loc.latitude,
                "longitude": loc.longitude,
            }
            for loc in network_locations(graph)
        ],
        columns=["location_id", "name", "type", "latitude", "longitude"],
    )


def zone_frame(graph: nx.Graph) -> pd.DataFrame:
    """The network's customer zones: ``zone_id``, ``name``, ``latitude``, ``longitude``
    (degrees), ``demand_weight`` (relative share of orders)."""
    return pd.DataFrame(
        [
            {
                "zone_id": z.id,
                "name": z.name,
                "latitude": z.latitude,
                "longitude": z.longitude,
                "demand_weight": z.demand_weight,
            }
            for z in network_zones(graph)
        ],
        columns=["zone_id", "name", "latitude", "longitude", "demand_weight"],
    )


_TYPE_COLORS = {"Warehouse": "#d62728", "Retail Store": "#1f77b4", "Return Center": "#7f7f7f"}
_TYPE_SYMBOLS = {"Warehouse": "square", "Retail Store": "circle", "Return Center": "diamond"}


def fig_origin_map(
    shares: pd.DataFrame,
    graph: nx.Graph,
    *,
    columns: int = 2,
    max_marker_px: float = 46.0,
    title: str = "Where parcels shipped from, per strategy",
) -> go.Figure:
    """A map per strategy of each location's share of the parcels shipped.

    Drawn offline as plain scatter plots of longitude (x) against latitude (y), one subplot per
    variant, each y axis anchored to its x axis with the scale of the network's mean latitude.

    Parameters
    ----------
    shares : pandas.DataFrame
        From `variant_origin_shares`: ``variant``, ``location_id``, ``parcels``, ``share``.
    graph : networkx.Graph
        The network the runs used (`omsim.sim.world.build_graph` of the scenario): location
        and customer zone coordinates.
    columns : int
        Subplots per row.
    max_marker_px : float
        Diameter of a location shipping every parcel; marker area is proportional to share.
    title : str
        Figure title.

    Returns
    -------
    plotly.graph_objects.Figure
        Per variant, in order: a faint ``"Customer zones"`` trace, an ``"All locations"`` trace of
        every location as a small hollow mark, then one trace per location type that shipped
        (named by the ``LocationType``, legend grouped across subplots) with a marker per
        location sized by its share and the share in its hover text (``customdata`` holds
        share and parcels).
    """
    variants = list(dict.fromkeys(shares["variant"]))
    if not variants:
        raise ValueError("shares: empty; no parcel was shipped in the runs given")
    locations = location_frame(graph)
    zones = zone_frame(graph)
    rows = math.ceil(len(variants) / columns)
    cols = min(columns, len(variants))
    fig = make_subplots(
        rows=rows,
        cols=cols,
        subplot_titles=variants,
        horizontal_spacing=0.04,
        vertical_spacing=0.08,
    )
    lat = [*locations["latitude"], *zones["latitude"]]
    lon = [*locations["longitude"], *zones["longitude"]]
    mid = math.radians((max(lat) + min(lat)) / 2.0)
    pad = 0.6
    x_range = [min(lon) - pad, max(lon) + pad]
    y_range = [min(lat) - pad, max(lat) + pad]
    shown_types: set[str] = set()
    for index, variant in enumerate(variants):
        row, col = index // cols + 1, index % cols + 1
        fig.add_trace(
            go.Scatter(
                name="Customer zones",
                x=zones["longitude"],
                y=zones["latitude"],
                mode="markers",
                marker={"size": 6, "color": "rgba(120, 120, 120, 0.25)"},
                text=zones["name"],
                hoverinfo="text",
                legendgroup="zones",
                showlegend=index == 0,
            ),
            row=row,
            col=col,
        )
        fig.add_trace(
            go.Scatter(
                name="All locations",
                x=locations["longitude"],
                y=locations["latitude"],
                mode="markers",
                marker={
                    "size": 5,
                    "color": "rgba(0, 0, 0, 0)",
                    "line": {"width": 1, "color": "rgba(60, 60, 60, 0.6)"},
                },
                text=locations["name"] + " (" + locations["location_id"] + "): no parcel",
                hoverinfo="text",
                legendgroup="locations",
                showlegend=index == 0,
            ),
            row=row,
            col=col,
        )
        merged = shares[shares["variant"] == variant].merge(locations, on="location_id")
        for location_type, members in merged.groupby("type", sort=False):
            location_type = str(location_type)
            fig.add_trace(
                go.Scatter(
                    name=location_type,
                    x=members["longitude"],
                    y=members["latitude"],
                    mode="markers",
                    marker={
                        "size": (max_marker_px * np.sqrt(members["share"].to_numpy())).tolist(),
                        "sizemin": 3,
                        "color": _TYPE_COLORS.get(location_type, "#2ca02c"),
                        "symbol": _TYPE_SYMBOLS.get(location_type, "circle"),
                        "opacity": 0.75,
                        "line": {"width": 1, "color": "white"},
                    },
                    customdata=np.column_stack([members["share"], members["parcels"]]),
                    text=members["name"] + " (" + members["location_id"] + ")",
                    hovertemplate=(
                        "%{text}<br>%{customdata[0]:.1%} of parcels"
                        "<br>%{customdata[1]:,} parcels<extra>" + variant + "</extra>"
                    ),
                    legendgroup=location_type,
                    showlegend=location_type not in shown_types,
                ),
                row=row,
                col=col,
            )
            shown_types.add(location_type)
        suffix = "" if index == 0 else str(index + 1)
        fig.layout[f"xaxis{suffix}"].update(range=x_range, showticklabels=row == rows)
        fig.layout[f"yaxis{suffix}"].update(
            range=y_range,
            scaleanchor=f"x{suffix}",
            scaleratio=1.0 / math.cos(mid),
            showticklabels=col == 1,
        )
    for col in range(1, cols + 1):
        fig.update_xaxes(title_text="longitude (degrees)", row=rows, col=col)
    for row in range(1, rows + 1):
        fig.update_yaxes(title_text="latitude (degrees)", row=row, col=1)
    width = 1000
    aspect = (y_range[1] - y_range[0]) / ((x_range[1] - x_range[0]) * math.cos(mid))
    fig.update_layout(
        title=title,
        width=width,
        height=int(140 + rows * (width / cols) * min(max(aspect, 0.4), 1.2)),
        legend={"itemsizing": "constant", "orientation": "h", "y": -0.08},
        margin={"l": 60, "r": 20, "t": 80, "b": 60},
        plot_bgcolor="white",
    )
    return fig


# --- figures of the comparison --------------------------------------------------------------------


def fig_forest(
    differences: pd.DataFrame,
    *,
    columns: int = 3,
    title: str = "Paired differences from the baseline, 95% intervals",
) -> go.Figure:
    """A forest plot: per KPI (a subplot each, in its own unit) each variant's paired difference
    from the baseline with its 95% interval, and a zero line.

    Parameters
    ----------
    differences : pandas.DataFrame
        From `difference_table`.
    columns : int
        Subplots per row.
    title : str
        Figure title (the baseline is named after it).

    Returns
    -------
    plotly.graph_objects.Figure
        One trace per (KPI, variant), KPIs in the table's order and variants within: ``x`` the
        difference, ``error_x`` the distance to the interval's ends (``array`` above,
        ``arrayminus`` below), ``y`` the variant; a filled marker is significant after the
        correction, a hollow one not. A dashed vertical zero line per subplot (a layout shape).
    """
    kpis = list(dict.fromkeys(differences["kpi"]))
    if not kpis:
        raise ValueError("differences: empty; compare at least two variants")
    variants = list(dict.fromkeys(differences["variant"]))
    colors = _colors(variants)
    rows = math.ceil(len(kpis) / columns)
    cols = min(columns, len(kpis))
    titles = [str(differences[differences["kpi"] == kpi].iloc[0]["label"]) for kpi in kpis]
    fig = make_subplots(
        rows=rows,
        cols=cols,
        subplot_titles=titles,
        shared_yaxes=True,
        horizontal_spacing=0.04,
        vertical_spacing=0.45 / rows,
    )
    shown: set[str] = set()
    for index, kpi in enumerate(kpis):
        row, col = index // cols + 1, index % cols + 1
        of_kpi = differences[differences["kpi"] == kpi]
        for _, item in of_kpi.iterrows():
            variant = str(item["variant"])
            significant = bool(item["significant"])
            fig.add_trace(
                go.Scatter(
                    name=variant,
                    x=[item["difference"]],
                    y=[variant],
                    mode="markers",
                    marker={
                        "size": 10,
                        "color": colors[variant] if significant else "white",
                        "line": {"width": 2, "color": colors[variant]},
                    },
                    error_x={
                        "type": "data",
                        "symmetric": False,
                        "array": [item["ci_high"] - item["difference"]],
                        "arrayminus": [item["difference"] - item["ci_low"]],
                        "color": colors[variant],
                        "thickness": 2,
                        "width": 5,
                    },
                    customdata=[[item["ci_low"], item["ci_high"], item["n_pairs"]]],
                    hovertemplate=(
                        f"{item['label']}<br>{variant} - {item['baseline']}: "
                        "%{x:.3g} [%{customdata[0]:.3g}, %{customdata[1]:.3g}] "
                        f"{item['unit']}<br>%{{customdata[2]}} paired replications"
                        + ("<br>significant" if significant else "")
                        + "<extra></extra>"
                    ),
                    legendgroup=variant,
                    showlegend=variant not in shown,
                ),
                row=row,
                col=col,
            )
            shown.add(variant)
        fig.add_vline(x=0, line={"dash": "dash", "color": "grey", "width": 1}, row=row, col=col)
        fig.update_yaxes(
            categoryorder="array",
            categoryarray=list(reversed(variants)),
            showticklabels=col == 1,
            row=row,
            col=col,
        )
        fig.update_xaxes(zeroline=False, title_text=str(of_kpi.iloc[0]["unit"]), row=row, col=col)
    baseline = differences["baseline"].iloc[0]
    fig.update_layout(
        title=f"{title}: each strategy minus {baseline}"
        + "<br><sup>filled: significant after the correction across strategies;"
        " hollow: not</sup>",
        height=int(120 + rows * (60 + 34 * len(variants))),
        width=1000,
        legend={"title": {"text": "strategy"}},
        margin={"l": 130, "r": 20, "t": 100, "b": 40},
    )
    return fig


def fig_cost_vs_speed(
    table: pd.DataFrame,
    *,
    cost_kpi: str = COST_KPI,
    speed_kpi: str = SPEED_KPI,
    title: str = "Cost per order against delivery time, 95% intervals",
) -> go.Figure:
    """One point per strategy: mean days to delivery (x) against cost per routed order in
    dollars (y), with the 95% intervals of both means as error bars.

    Parameters
    ----------
    table : pandas.DataFrame
        From `strategy_table`, holding ``cost_kpi`` and ``speed_kpi`` for each variant.
    cost_kpi, speed_kpi : str
        The KPIs of the two axes (default shipping and handling cost per routed order, and the
        mean hours to delivery, shown in days).
    title : str
        Figure title.

    Returns
    -------
    plotly.graph_objects.Figure
        One trace per variant, named after it: ``x`` and ``y`` the two means in display
        units, ``error_x`` and ``error_y`` the distances to the interval's ends (``array``
        above, ``arrayminus`` below). Lower and to the left is cheaper and faster.
    """
    variants = list(dict.fromkeys(table["variant"]))
    colors = _colors(variants)
    indexed = table.set_index(["variant", "kpi"])
    speed_shown, cost_shown = _display(speed_kpi), _display(cost_kpi)

    def _value(axis: str, shown: KpiDisplay) -> str:
        if shown.unit == "$":
            return f"{shown.label}: $%{{{axis}:.2f}}"
        return f"{shown.label}: %{{{axis}:.2f}} {shown.unit}".rstrip()

    hover = f"<br>{_value('x', speed_shown)}<br>{_value('y', cost_shown)}<extra></extra>"
    fig = go.Figure()
    for variant in variants:
        try:
            speed = indexed.loc[(variant, speed_kpi)]
            cost = indexed.loc[(variant, cost_kpi)]
        except KeyError:
            raise ValueError(
                f"table: variant {variant!r} lacks {speed_kpi} or {cost_kpi}; pass them in "
                "strategy_table(result, kpis)"
            ) from None
        fig.add_trace(
            go.Scatter(
                name=variant,
                x=[speed["mean"]],
                y=[cost["mean"]],
                mode="markers",
                marker={"size": 13, "color": colors[variant]},
                error_x={
                    "type": "data",
                    "symmetric": False,
                    "array": [speed["ci_high"] - speed["mean"]],
                    "arrayminus": [speed["mean"] - speed["ci_low"]],
                    "color": colors[variant],
                },
                error_y={
                    "type": "data",
                    "symmetric": False,
                    "array": [cost["ci_high"] - cost["mean"]],
                    "arrayminus": [cost["mean"] - cost["ci_low"]],
                    "color": colors[variant],
                },
                hovertemplate=variant + hover,
            )
        )
    fig.update_layout(
        title=title + "<br><sup>lower left is cheaper and faster</sup>",
        xaxis_title=f"{speed_shown.label} ({speed_shown.unit})",
        yaxis_title=f"{cost_shown.label} ({cost_shown.unit})",
        yaxis_tickprefix="$" if cost_shown.unit == "$" else "",
        legend={"title": {"text": "strategy"}},
        width=800,
        height=520,
    )
    return fig
