"""Object-centric process mining of a run with pm4py: the OCEL 2.0 export read, summarised,
its object-centric directly-follows graph (OC-DFG) drawn and the lifecycle variants counted.

pm4py is the optional ``mining`` extra (``pip install -e '.[mining]'``) and is imported only
when a function needs it, so omsim imports without it: `pm4py_available` says whether it can be
used and `PM4PY_MISSING` is the message to show when it cannot.

The log read is the run folder's ``ocel.json`` (`omsim.eventlog_ocel`; a run written with
``ocel="json"``, ``omsim run --ocel``). In pm4py's terms each Salesforce record (Order Summary,
Fulfillment Order, Invoice, ...) is an *object* of an *object type* (its sObject name), each
logged action an *event* of an *activity*; an event relates to every record it touched.

* `read_ocel`, `summary_text`, `object_type_summary`, `activity_summary`: the log and its size;
* `discover_ocdfg`, `ocdfg_edges`, `activity_layout`, `fig_ocdfg`: the OC-DFG, one directly-follows
  graph per object type over shared activity nodes (an edge A -> B of a type: some object of that
  type had B as its next event after A);
* `fulfillment_order_variants`, `fig_variants`: the distinct sequences of activities (variants)
  of the Fulfillment Orders' lifecycles, from the log flattened on that object type.

Times are in hours where a time appears; frequencies are counts of the run's events.
"""

from __future__ import annotations

import heapq
import math
import re
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
import plotly.colors
import plotly.graph_objects as go
import pyarrow.parquet as pq

from omsim.eventlog_ocel import OCEL_FILES

if TYPE_CHECKING:  # pm4py is optional: only its type is needed here
    from pm4py.objects.ocel.obj import OCEL

__all__ = [
    "EDGE_MEASURES",
    "MAIN_OBJECT_TYPES",
    "PM4PY_MISSING",
    "activity_layout",
    "activity_summary",
    "discover_ocdfg",
    "fig_ocdfg",
    "fig_variants",
    "fulfillment_order_variants",
    "object_type_summary",
    "ocdfg_edges",
    "pm4py_available",
    "read_ocel",
    "summary_text",
]

PM4PY_MISSING = (
    "pm4py is not installed: install omsim[mining] (pip install -e '.[mining]') to see this section"
)
"""What to show instead of a process-mining section when pm4py cannot be imported."""

EDGE_MEASURES: dict[str, str] = {
    "event_couples": "pairs of events",
    "unique_objects": "objects",
    "total_objects": "object passages",
}
"""pm4py's OC-DFG edge measures, and what an edge's frequency counts under each: distinct
(event, next event) pairs; distinct objects that took the edge; (event, next event, object)
triples (an edge two objects of the type took together counts twice)."""

MAIN_OBJECT_TYPES: tuple[str, ...] = (
    "OrderSummary",
    "FulfillmentOrder",
    "OrderItemSummary",
    "PaymentAuthorization",
    "Invoice",
    "ReturnOrder",
    "ProcessException",
)
"""The object types (sObjects) whose directly-follows edges tell the order lifecycle: the summary,
its fulfillment orders and items, the payment hold, invoices, returns and process exceptions
(the order's other records, e.g. delivery groups, take one or two events each)."""

_COLOURS = plotly.colors.qualitative.D3 + plotly.colors.qualitative.Dark24
_NODE_COLOUR = "rgb(60, 60, 60)"


# --- pm4py, imported lazily ----------------------------------------------------------------------


def _pm4py() -> Any:
    """The pm4py module; `ImportError` with `PM4PY_MISSING` when it cannot be imported."""
    try:
        import pm4py
    except ImportError as exc:
        raise ImportError(PM4PY_MISSING) from exc
    return pm4py


def pm4py_available() -> bool:
    """Whether pm4py (the ``mining`` extra) can be imported; imports it when it can.

    Returns
    -------
    bool
        True when the functions of this module that mine the log can run.
    """
    try:
        _pm4py()
    except ImportError:
        return False
    return True


# --- the log ---------------------------------------------------------------------------------------


def _empty_log(path: Path) -> ValueError:
    return ValueError(
        f"{path}: the OCEL log has no events (the run made no checkout); pm4py cannot read an "
        "empty log: simulate a longer horizon_days or another seed"
    )


def _ocel_path(source: Path | str) -> Path:
    path = Path(source)
    if path.is_dir():
        path = path / OCEL_FILES["json"]
        if not path.exists():
            raise FileNotFoundError(
                f"{path}: no OCEL JSON export in this run folder; write the run with "
                "ocel='json' (omsim run --ocel)"
            )
    return path


def _no_events(path: Path) -> bool:
    """Whether an OCEL JSON file holds no events, without parsing it: from the run folder's
    ``events.parquet`` beside it when there is one, else from the end of the file (omsim writes
    ``"events"`` last, so an empty log ends ``"events":[]}``)."""
    events = path.parent / "events.parquet"
    if events.exists():
        return bool(pq.ParquetFile(events).metadata.num_rows == 0)
    with path.open("rb") as f:
        f.seek(max(0, path.stat().st_size - 64))
        tail = re.sub(rb"\s+", b"", f.read())
    return tail.endswith(b'"events":[]}')


def read_ocel(source: Path | str) -> OCEL:
    """Read a run's OCEL 2.0 JSON export with ``pm4py.read_ocel2_json``.

    Parameters
    ----------
    source : Path or str
        A run folder holding ``ocel.json`` (written with ``ocel="json"``), or the file itself.

    Returns
    -------
    pm4py.objects.ocel.obj.OCEL
        The log: ``events`` (one row per event, ``ocel:activity``, ``ocel:timestamp`` and the
        event attributes), ``objects`` (one row per record, ``ocel:type`` its sObject name),
        ``relations`` (one row per event and record it touched). pm4py drops events and records
        without any relation.

    Raises
    ------
    ImportError
        pm4py is not installed (the message is `PM4PY_MISSING`).
    FileNotFoundError
        A run folder without ``ocel.json``.
    ValueError
        The log has no events: pm4py cannot read an empty log (it fails with a ``KeyError``).
    """
    pm4py = _pm4py()
    path = _ocel_path(source)
    if _no_events(path):
        raise _empty_log(path)
    ocel = pm4py.read_ocel2_json(str(path))
    if len(ocel.events) == 0:
        raise _empty_log(path)
    return ocel


def summary_text(ocel: OCEL) -> str:
    """pm4py's own summary of the log (``OCEL.get_summary``), without its closing usage hint.

    Parameters
    ----------
    ocel : OCEL
        A log from `read_ocel`.

    Returns
    -------
    str
        Counts of events, objects, activities, object types and relations, then the events per
        activity, the objects per type and the distinct activities per type.
    """
    lines = ocel.get_summary().splitlines()
    return "\n".join(line for line in lines if not line.startswith("Please use"))


def object_type_summary(ocel: OCEL) -> pd.DataFrame:
    """One row per object type (sObject): how many records, events and activities it has.

    Parameters
    ----------
    ocel : OCEL
        A log from `read_ocel`.

    Returns
    -------
    pandas.DataFrame
        Columns ``object_type``, ``objects`` (records of the type), ``events`` (distinct events
        touching one), ``activities`` (distinct activities of those events), ``relations``
        (event-record pairs), ``events_per_object`` (relations / objects); most records first.
    """
    objects = ocel.objects[ocel.object_type_column].value_counts()
    rel = ocel.relations.groupby(ocel.object_type_column)
    frame = pd.DataFrame(
        {
            "objects": objects,
            "events": rel[ocel.event_id_column].nunique(),
            "activities": rel[ocel.event_activity].nunique(),
            "relations": rel.size(),
        }
    ).fillna(0)
    frame = frame.astype("int64").rename_axis("object_type").reset_index()
    frame["events_per_object"] = frame["relations"] / frame["objects"].where(frame["objects"] > 0)
    return frame.sort_values(["objects", "object_type"], ascending=[False, True], ignore_index=True)


def activity_summary(ocel: OCEL) -> pd.DataFrame:
    """One row per activity: its events and the records they touched.

    Parameters
    ----------
    ocel : OCEL
        A log from `read_ocel`.

    Returns
    -------
    pandas.DataFrame
        Columns ``activity``, ``events``, ``object_types`` (distinct types touched, as text,
        sorted), ``relations`` (event-record pairs); most events first.
    """
    events = ocel.events[ocel.event_activity].value_counts()
    rel = ocel.relations.groupby(ocel.event_activity)
    types = rel[ocel.object_type_column].agg(lambda s: ", ".join(sorted(set(s))))
    frame = pd.DataFrame({"events": events, "object_types": types, "relations": rel.size()})
    frame = frame.rename_axis("activity").reset_index()
    frame["events"] = frame["events"].fillna(0).astype("int64")
    frame["relations"] = frame["relations"].fillna(0).astype("int64")
    frame["object_types"] = frame["object_types"].fillna("")
    return frame.sort_values(["events", "activity"], ascending=[False, True], ignore_index=True)


# --- the object-centric directly-follows graph -----------------------------------------------------


def discover_ocdfg(ocel: OCEL) -> dict[str, Any]:
    """pm4py's OC-DFG of the log (``pm4py.discover_ocdfg``, without edge durations).

    Parameters
    ----------
    ocel : OCEL
        A log from `read_ocel`.

    Returns
    -------
    dict
        pm4py's graph: ``edges[measure][object_type][(source, target)]`` the set of what the
        measure counts (see `EDGE_MEASURES`), ``activities_ot["events"][object_type]`` the
        events of each activity per type, ``activities_indep["events"]`` per activity.
    """
    pm4py = _pm4py()
    result: dict[str, Any] = pm4py.discover_ocdfg(ocel, compute_edges_performance=False)
    return result


def ocdfg_edges(
    ocdfg: dict[str, Any],
    measure: str = "event_couples",
    *,
    object_types: Sequence[str] | None = None,
    top: int | None = None,
) -> pd.DataFrame:
    """The OC-DFG's edges as a tidy table.

    Parameters
    ----------
    ocdfg : dict
        From `discover_ocdfg` (or ``pm4py.discover_ocdfg``).
    measure : str
        One of `EDGE_MEASURES`: what an edge's frequency counts (pm4py's default view uses
        ``event_couples``).
    object_types : sequence of str, optional
        Keep these object types only, in this order; all when None.
    top : int, optional
        Keep each type's ``top`` most frequent edges; all when None.

    Returns
    -------
    pandas.DataFrame
        Columns ``object_type``, ``source``, ``target`` (activities; ``source == target`` when an
        object had the same activity twice in a row), ``frequency`` and ``share`` (of the
        type's frequencies); by type, then most frequent first.
    """
    if measure not in EDGE_MEASURES:
        raise ValueError(
            f"unknown edge measure {measure!r}: choose {', '.join(map(repr, EDGE_MEASURES))}"
        )
    rows = [
        (object_type, source, target, len(members))
        for object_type, edges in ocdfg["edges"][measure].items()
        for (source, target), members in edges.items()
    ]
    frame = pd.DataFrame(rows, columns=["object_type", "source", "target", "frequency"])
    frame["frequency"] = frame["frequency"].astype("int64")
    total = frame.groupby("object_type")["frequency"].transform("sum")
    frame["share"] = frame["frequency"] / total
    frame = frame.sort_values(
        ["object_type", "frequency", "source", "target"],
        ascending=[True, False, True, True],
        ignore_index=True,
    )
    if object_types is not None:
        rank = {t: i for i, t in enumerate(object_types)}
        frame = frame[frame["object_type"].isin(list(rank))]
        frame = frame.sort_values("object_type", key=lambda c: c.map(rank), kind="stable")
    if top is not None:
        frame = frame.groupby("object_type", sort=False).head(top)
    return frame.reset_index(drop=True)


def _mean_positions(relations: pd.DataFrame, ocel: OCEL) -> pd.Series:
    """Each activity's mean position in the lifecycles of the records its events touched,
    every lifecycle starting at the position of its first activity (so a Fulfillment Order's
    lifecycle starts where its creation sits in the Order Summary's, not at 0). ``relations``
    are in time order, as pm4py keeps them (by timestamp, then as the file lists them)."""
    act, oid = ocel.event_activity, ocel.object_id_column
    by_object = relations.groupby(oid, sort=False)
    index = by_object.cumcount().to_numpy(dtype=float)
    names = np.array(sorted(relations[act].unique()))
    at = np.searchsorted(names, relations[act].to_numpy())
    start = np.searchsorted(names, by_object[act].transform("first").to_numpy())
    n = len(names)
    count = np.bincount(at, minlength=n).astype(float)
    own = np.bincount(at, weights=index, minlength=n) / count
    starts = np.zeros((n, n))
    np.add.at(starts, (at, start), 1.0)
    starts /= count[:, None]
    position = np.zeros(n)
    for _ in range(200):  # position = own + starts @ position, a contraction but for roots
        nxt = own + starts @ position
        if np.abs(nxt - position).max() < 1e-9:
            break
        position = nxt
    return pd.Series(position, index=names, name="mean_position")


def _acyclic(nodes: list[str], weights: dict[tuple[str, str], int]) -> dict[str, set[str]]:
    """The edges kept heaviest first, each unless it closes a cycle with those kept already
    (a greedy maximum acyclic subgraph); self-loops are left out. ``{source: {targets}}``."""
    after: dict[str, set[str]] = {v: set() for v in nodes}

    def reaches(u: str, v: str) -> bool:
        seen, stack = {u}, [u]
        while stack:
            for t in after[stack.pop()]:
                if t == v:
                    return True
                if t not in seen:
                    seen.add(t)
                    stack.append(t)
        return False

    for (u, v), _ in sorted(weights.items(), key=lambda e: (-e[1], e[0])):
        if u != v and not reaches(v, u):
            after[u].add(v)
    return after


def _topological(nodes: list[str], after: dict[str, set[str]], position: pd.Series) -> list[str]:
    """``nodes`` sorted topologically on the acyclic ``after``, the lowest position first."""
    waiting = dict.fromkeys(nodes, 0)
    for u in nodes:
        for v in after[u]:
            waiting[v] += 1
    ready = [(float(position[v]), v) for v in nodes if waiting[v] == 0]
    heapq.heapify(ready)
    order: list[str] = []
    while ready:
        _, u = heapq.heappop(ready)
        order.append(u)
        for v in sorted(after[u]):
            waiting[v] -= 1
            if waiting[v] == 0:
                heapq.heappush(ready, (float(position[v]), v))
    return order


def activity_layout(
    ocel: OCEL,
    edges: pd.DataFrame,
    object_types: Sequence[str] | None = None,
    *,
    min_share: float = 0.0,
) -> pd.DataFrame:
    """A layered layout of the OC-DFG's activities, left to right along the lifecycles.

    Each activity's place is its mean position in the lifecycles of the records it touches (how
    many events into the record's life it happens, a record's life starting at the position of
    the activity that created it, so a Fulfillment Order's starts where its creation sits in
    the Order Summary's). It is pushed right to one layer past its predecessors on the busy
    edges (share at least ``min_share``), kept heaviest first unless they close a cycle; its
    layer is that place rounded, empty layers closed up. Activities of a layer are ordered by
    the mean row of their neighbours (barycentres, weighted by frequency), which keeps
    crossings few; each layer's busiest activity is then set level with its neighbours on the
    left and the others at least one row apart, so the busiest path runs straight.

    Parameters
    ----------
    ocel : OCEL
        A log from `read_ocel`.
    edges : pandas.DataFrame
        The OC-DFG's edges (from `ocdfg_edges`).
    object_types : sequence of str, optional
        The object types drawn; all when None. Their activities are the nodes, their edges
        place them.
    min_share : float
        Edges below this share of their type's frequencies do not push their target right.

    Returns
    -------
    pandas.DataFrame
        Columns ``activity``, ``mean_position`` (events into a lifecycle), ``place`` (after the
        push), ``layer`` and ``row`` (integers, row 0 on top), ``x`` (the layer) and ``y``
        (the height, rows of a layer at least 1 apart); in layer then row order.
    """
    relations = ocel.relations
    if object_types is not None:
        relations = relations[relations[ocel.object_type_column].isin(list(object_types))]
        edges = edges[edges["object_type"].isin(list(object_types))]
    columns = ["activity", "mean_position", "place", "layer", "row", "x", "y"]
    if relations.empty:
        return pd.DataFrame(columns=columns)
    position = _mean_positions(relations, ocel)
    nodes = sorted(position.index, key=lambda a: (position[a], a))
    known = edges["source"].isin(position.index) & edges["target"].isin(position.index)
    edges = edges[known]
    weights = edges.groupby(["source", "target"])["frequency"].sum().to_dict()
    busy = edges[edges["share"] >= min_share].groupby(["source", "target"])["frequency"].sum()
    after = _acyclic(nodes, busy.to_dict())
    order = _topological(nodes, after, position)
    place = {v: float(position[v]) for v in order}
    for u in order:  # topological: a predecessor's place is final before its successors'
        for v in after[u]:
            place[v] = max(place[v], place[u] + 1.0)
    rounded = {v: math.floor(place[v] + 0.5) for v in order}
    dense = {r: k for k, r in enumerate(sorted(set(rounded.values())))}  # no empty layers
    layer = {v: dense[rounded[v]] for v in order}
    layers: dict[int, list[str]] = {}
    for v in sorted(order, key=lambda v: (place[v], v)):
        layers.setdefault(layer[v], []).append(v)
    links = [(u, v, w) for (u, v), w in weights.items() if layer[u] != layer[v]]
    row = {v: float(i) for members in layers.values() for i, v in enumerate(members)}
    for sweep in range(6):  # barycentres: forward on the left neighbours, back on the right
        ahead = sweep % 2 == 0
        for k in sorted(layers, reverse=not ahead):
            centre = {}
            for v in layers[k]:
                near = [
                    (row[b], w)
                    for u, t, w in links
                    for a, b in ((u, t), (t, u))
                    if a == v and (layer[b] < k if ahead else layer[b] > k)
                ]
                total = sum(w for _, w in near)
                centre[v] = sum(r * w for r, w in near) / total if total else row[v]
            layers[k].sort(key=lambda v: (centre[v], place[v], v))
            for i, v in enumerate(layers[k]):
                row[v] = float(i)
    y = _heights(layers, links, layer)
    ordered = [v for k in sorted(layers) for v in layers[k]]
    frame = pd.DataFrame(
        {
            "activity": ordered,
            "mean_position": [float(position[v]) for v in ordered],
            "place": [place[v] for v in ordered],
            "layer": [layer[v] for v in ordered],
            "row": [int(row[v]) for v in ordered],
        }
    )
    frame["x"] = frame["layer"].astype(float)
    frame["y"] = [y[v] for v in ordered]
    return frame


def _heights(
    layers: dict[int, list[str]], links: list[tuple[str, str, int]], layer: dict[str, int]
) -> dict[str, float]:
    """Each activity's height, layer by layer from the left (the priority method): the busiest
    activity of a layer sits at the weighted mean height of its neighbours in earlier layers
    (the first layer's at 0) and the others keep their order, at least 1 apart, each as near
    its own mean as that allows. The busiest path so runs straight."""
    busy: dict[str, int] = {}
    for u, v, w in links:
        busy[u] = busy.get(u, 0) + w
        busy[v] = busy.get(v, 0) + w
    y: dict[str, float] = {}
    for k in sorted(layers):
        members = layers[k]  # top to bottom
        wanted: list[float | None] = []
        for v in members:
            near = [
                (y[b], w)
                for u, t, w in links
                for a, b in ((u, t), (t, u))
                if a == v and layer[b] < k and b in y
            ]
            total = sum(w for _, w in near)
            wanted.append(sum(h * w for h, w in near) / total if total else None)
        top = max(range(len(members)), key=lambda i: (busy.get(members[i], 0), -i))
        first = wanted[top]
        if first is None:  # no neighbour on the left: centred in the first layer, else level
            first = (len(members) - 1) / 2 - top if k == min(layers) else 0.0
        heights = [0.0] * len(members)
        heights[top] = first
        for i in range(top - 1, -1, -1):  # above the busiest: higher, by at least 1
            want = wanted[i]
            heights[i] = max(heights[i + 1] + 1.0, want if want is not None else -math.inf)
        for i in range(top + 1, len(members)):  # below it: lower, by at least 1
            want = wanted[i]
            heights[i] = min(heights[i - 1] - 1.0, want if want is not None else math.inf)
        for v, h in zip(members, heights, strict=True):
            y[v] = h
    return y


def _curve(
    start: tuple[float, float],
    end: tuple[float, float],
    bend: float,
    gap: float = 0.2,
    up: bool = True,
) -> tuple[np.ndarray, np.ndarray]:
    """Points of an edge: a quadratic Bezier from ``start`` to ``end``, its control point
    ``bend`` (axis units) left of the straight line, cut ``gap`` short of ``end`` so that the
    arrow at its last point shows beside the node; when they are equal a loop of radius
    growing with ``bend``, above the node (``up``) or below."""
    t = np.linspace(0.0, 1.0, 41)
    (x0, y0), (x1, y1) = start, end
    if (x0, y0) == (x1, y1):  # self-loop: a circle standing on the node, ending beside it
        radius = 0.16 + bend
        sign = 1.0 if up else -1.0
        angle = -np.pi / 2 + 2 * np.pi * (0.08 + 0.8 * t)
        return x0 + 0.8 * radius * np.cos(angle), y0 + sign * radius * (1 + np.sin(angle))
    dx, dy = x1 - x0, y1 - y0
    length = math.hypot(dx, dy)
    cx, cy = (x0 + x1) / 2 - dy / length * bend, (y0 + y1) / 2 + dx / length * bend
    x = (1 - t) ** 2 * x0 + 2 * (1 - t) * t * cx + t**2 * x1
    y = (1 - t) ** 2 * y0 + 2 * (1 - t) * t * cy + t**2 * y1
    keep = np.hypot(x - x1, y - y1) >= min(gap, length / 3)
    keep[:2] = True
    return x[keep], y[keep]


def _wrap(text: str, width: int = 16) -> str:
    words, lines, line = text.split(), [], ""
    for word in words:
        if line and len(line) + 1 + len(word) > width:
            lines.append(line)
            line = word
        else:
            line = f"{line} {word}".strip()
    lines.append(line)
    return "<br>".join(lines)


def fig_ocdfg(
    ocel: OCEL,
    ocdfg: dict[str, Any] | None = None,
    *,
    object_types: Sequence[str] | None = None,
    min_share: float = 0.01,
    measure: str = "event_couples",
    labels: bool = True,
    title: str = "Object-centric directly-follows graph",
) -> go.Figure:
    """The object-centric directly-follows graph as a plotly figure, without graphviz.

    Nodes are activities (marker area by events); each object type's directly-follows edges
    are drawn in its colour, as curves ending in an arrow, their width growing with the square
    root of the frequency and their frequency written at the middle. Forward edges bend one way
    and edges back to an earlier layer the other; an activity that follows itself on an object
    is a loop on its node, on the side away from its label. The layout is `activity_layout`.

    Parameters
    ----------
    ocel : OCEL
        A log from `read_ocel`.
    ocdfg : dict, optional
        Its OC-DFG from `discover_ocdfg`; discovered when None.
    object_types : sequence of str, optional
        Object types (sObject names) to draw, in legend order; all types with edges when None.
        Types the log does not hold are left out.
    min_share : float
        Edges below this share of their type's frequencies are left out (0 keeps every edge).
    measure : str
        What the frequency counts, one of `EDGE_MEASURES`.
    labels : bool
        Write each edge's frequency at its middle.
    title : str
        Figure title.

    Returns
    -------
    plotly.graph_objects.Figure
        One ``lines+markers`` trace per edge, named by its object type (legend group of the
        type; ``meta`` holds ``object_type``, ``source``, ``target``, ``frequency``, ``share``),
        then per type a ``text`` trace of the frequencies (named ``"<type> frequencies"``,
        ``customdata`` rows ``[source, target, frequency]``), then the ``"Activities"`` markers
        (``customdata`` rows ``[events, mean_position]``).
    """
    if ocdfg is None:
        ocdfg = discover_ocdfg(ocel)
    edges = ocdfg_edges(ocdfg, measure)
    present = list(edges["object_type"].unique())
    types = present if object_types is None else [t for t in object_types if t in present]
    colour = {t: _COLOURS[i % len(_COLOURS)] for i, t in enumerate(types)}
    drawn = edges[edges["object_type"].isin(types)]
    shown = drawn[drawn["share"] >= min_share]
    layout = activity_layout(ocel, drawn, types, min_share=min_share).set_index("activity")
    events = ocdfg["activities_indep"]["events"]
    top = max(shown["frequency"].max() if len(shown) else 1, 1)

    fig = go.Figure()
    pair_types: dict[frozenset[str], list[str]] = {}
    for row in shown.itertuples(index=False):
        pair_types.setdefault(frozenset((row.source, row.target)), []).append(row.object_type)
    mid: dict[str, list[tuple[float, float, str, str, int, float]]] = {t: [] for t in types}
    for object_type in types:
        first = True
        for row in shown[shown["object_type"] == object_type].itertuples(index=False):
            a, b = layout.loc[row.source], layout.loc[row.target]
            parallel = pair_types[frozenset((row.source, row.target))]
            fan = parallel.index(object_type) - (len(parallel) - 1) / 2
            span = abs(b["x"] - a["x"])
            backward = b["layer"] < a["layer"] or (b["layer"] == a["layer"] and b["row"] < a["row"])
            bend = 0.12 * span + 0.22 * fan + (0.35 if backward else 0.0)
            if row.source == row.target:
                bend = 0.08 * parallel.index(object_type)
            up = a["layer"] % 2 == 1  # the loop on the side away from the node's label
            xs, ys = _curve((a["x"], a["y"]), (b["x"], b["y"]), bend, up=up)
            width = 1.0 + 7.0 * math.sqrt(row.frequency / top)
            hover = (
                f"{object_type}: {row.source} → {row.target}<br>"
                f"{row.frequency:,} {EDGE_MEASURES[measure]} ({row.share:.1%} of the type's)"
            )
            sizes = [0.0] * (len(xs) - 1) + [8.0 + 2.0 * width]
            fig.add_trace(
                go.Scatter(
                    x=xs,
                    y=ys,
                    mode="lines+markers",
                    name=object_type,
                    legendgroup=object_type,
                    showlegend=first,
                    line={"color": colour[object_type], "width": width},
                    marker={
                        "size": sizes,
                        "symbol": "arrow",
                        "angleref": "previous",
                        "color": colour[object_type],
                    },
                    opacity=0.75,
                    hoverinfo="text",
                    text=[hover] * len(xs),
                    meta={
                        "object_type": object_type,
                        "source": row.source,
                        "target": row.target,
                        "frequency": int(row.frequency),
                        "share": float(row.share),
                    },
                )
            )
            first = False
            half = len(xs) // 2
            mid[object_type].append(
                (xs[half], ys[half], row.source, row.target, int(row.frequency), float(row.share))
            )
    for object_type in types:
        points = mid[object_type]
        if not points:
            continue
        fig.add_trace(
            go.Scatter(
                x=[p[0] for p in points],
                y=[p[1] for p in points],
                mode="text",
                name=f"{object_type} frequencies",
                legendgroup=object_type,
                showlegend=False,
                visible=True if labels else "legendonly",
                text=[f"{p[4]:,}" for p in points],
                textfont={"color": colour[object_type], "size": 10},
                customdata=[[p[2], p[3], p[4]] for p in points],
                hovertext=[f"{object_type}: {p[2]} → {p[3]}<br>{p[4]:,}" for p in points],
                hoverinfo="text",
            )
        )
    counts = [len(events.get(a, ())) for a in layout.index]
    biggest = max(counts, default=1) or 1
    fig.add_trace(
        go.Scatter(
            x=layout["x"],
            y=layout["y"],
            mode="markers+text",
            name="Activities",
            text=[_wrap(a) for a in layout.index],
            textposition=["top center" if k % 2 == 0 else "bottom center" for k in layout["layer"]],
            textfont={"size": 10},
            marker={
                "size": [10 + 22 * math.sqrt(c / biggest) for c in counts],
                "color": _NODE_COLOUR,
                "line": {"color": "white", "width": 1.5},
            },
            customdata=[[c, p] for c, p in zip(counts, layout["mean_position"], strict=True)],
            hovertext=[
                f"{a}<br>{c:,} events<br>mean position in a lifecycle {p:.1f}"
                for a, c, p in zip(layout.index, counts, layout["mean_position"], strict=True)
            ],
            hoverinfo="text",
        )
    )
    rows = int(layout.groupby("layer").size().max()) if len(layout) else 1
    fig.update_layout(
        title=title,
        height=max(450, 140 + 95 * rows),
        plot_bgcolor="white",
        legend={"title": {"text": "object type"}, "itemsizing": "constant"},
        margin={"l": 20, "r": 20, "t": 60, "b": 40},
        hovermode="closest",
    )
    fig.update_xaxes(
        title_text="lifecycle stage (layers, left to right along the busiest flows)",
        showticklabels=False,
        showgrid=False,
        zeroline=False,
    )
    low, high = (float(layout["y"].min()), float(layout["y"].max())) if len(layout) else (0, 0)
    fig.update_yaxes(
        title_text="activities of a stage",
        showticklabels=False,
        showgrid=False,
        zeroline=False,
        range=[low - 0.9, high + 0.9],
    )
    return fig


# --- lifecycle variants ---------------------------------------------------------------------------


def _type_words(object_type: str) -> str:
    """``FulfillmentOrder`` -> ``Fulfillment Order``."""
    return re.sub(r"(?<=[a-z])(?=[A-Z])", " ", object_type)


def _compact(steps: Sequence[str], prefix: str, per_line: int = 3) -> str:
    """A variant for an axis: the type's name dropped from its steps, repeats as ``×n``."""
    runs: list[list[Any]] = []
    for step in steps:
        short = step.removeprefix(prefix) if step != prefix.strip() else step
        short = short[:1].upper() + short[1:]
        if runs and runs[-1][0] == short:
            runs[-1][1] += 1
        else:
            runs.append([short, 1])
    parts = [s if n == 1 else f"{s} ×{n}" for s, n in runs]
    lines = [" → ".join(parts[i : i + per_line]) for i in range(0, len(parts), per_line)]
    return "<br>→ ".join(lines)


def fulfillment_order_variants(
    ocel: OCEL, object_type: str = "FulfillmentOrder", attribute: str | None = "status"
) -> pd.DataFrame:
    """The lifecycle variants of one object type, Fulfillment Orders by default.

    The log is flattened on the type (``pm4py.ocel_flattening``: each record a case, its events
    in time order) and its variants counted with ``pm4py.get_variants``. The flattened log is
    sorted by case first, keeping time order (and the log's order within an instant): pm4py
    counts a DataFrame's variants assuming each case's events are consecutive (pm4py issue
    #546), and the flattened log is in time order, which would mix the cases.

    Parameters
    ----------
    ocel : OCEL
        A log from `read_ocel`.
    object_type : str
        The object type (sObject) whose records are the cases.
    attribute : str or None
        An event attribute appended to the activity name when the event has it (``"status"``:
        ``Fulfillment Order Status Changed: Pickpack``); None for activity names alone.

    Returns
    -------
    pandas.DataFrame
        One row per variant, most frequent first: ``rank`` (1 = most frequent), ``variant``
        (the steps joined by " → "), ``steps`` (their number), ``objects`` (records that took
        it), ``share`` (of the type's records), ``cumulative_share``, ``label`` (compact, for a
        figure's axis) and ``activities`` (the steps, a tuple).
    """
    pm4py = _pm4py()
    columns = ["rank", "variant", "steps", "objects", "share", "cumulative_share", "label"]
    flat = pm4py.ocel_flattening(ocel, object_type)
    if flat.empty:
        return pd.DataFrame(columns=[*columns, "activities"])
    case, activity = "case:concept:name", "concept:name"
    flat = flat.sort_values(case, kind="stable")  # rows are in time order; keep it per case
    key = activity
    if attribute is not None and attribute in flat.columns:
        key = "omsim:step"
        detail = flat[attribute]
        flat[key] = flat[activity].where(detail.isna(), flat[activity] + ": " + detail.astype(str))
    counts = pm4py.get_variants(flat, activity_key=key, case_id_key=case)
    frame = pd.DataFrame({"activities": list(counts), "objects": [int(n) for n in counts.values()]})
    frame["variant"] = [" → ".join(steps) for steps in frame["activities"]]
    frame = frame.sort_values(["objects", "variant"], ascending=[False, True], ignore_index=True)
    frame["rank"] = np.arange(1, len(frame) + 1)
    frame["steps"] = [len(steps) for steps in frame["activities"]]
    frame["share"] = frame["objects"] / frame["objects"].sum()
    frame["cumulative_share"] = frame["share"].cumsum()
    prefix = _type_words(object_type) + " "
    frame["label"] = [_compact(steps, prefix) for steps in frame["activities"]]
    return frame[[*columns, "activities"]]


def fig_variants(
    variants: pd.DataFrame,
    top: int = 10,
    *,
    title: str = "Fulfillment Order lifecycle variants",
) -> go.Figure:
    """Horizontal bars of the most frequent lifecycle variants and their share of the records.

    Parameters
    ----------
    variants : pandas.DataFrame
        From `fulfillment_order_variants`.
    top : int
        How many variants to draw, most frequent on top.
    title : str
        Figure title; the share of the records the drawn variants cover is appended.

    Returns
    -------
    plotly.graph_objects.Figure
        One ``Bar`` trace named ``"variants"``: ``x`` the shares in percent, ``y`` the compact
        labels, ``customdata`` rows ``[rank, objects, variant]``.
    """
    shown = variants.head(top)
    covered = float(shown["share"].sum()) if len(shown) else 0.0
    fig = go.Figure(
        go.Bar(
            name="variants",
            x=(shown["share"] * 100).tolist(),
            y=[f"#{r}: {label}" for r, label in zip(shown["rank"], shown["label"], strict=True)],
            orientation="h",
            text=[
                f"{s:.1%} ({n:,})" for s, n in zip(shown["share"], shown["objects"], strict=True)
            ],
            textposition="auto",
            customdata=shown[["rank", "objects", "variant"]].to_numpy().tolist(),
            hovertemplate="variant %{customdata[0]}: %{customdata[1]:,} records "
            "(%{x:.1f}%)<br>%{customdata[2]}<extra></extra>",
            marker={"color": _COLOURS[0]},
        )
    )
    fig.update_layout(
        title=f"{title}: the top {len(shown)} cover {covered:.1%} of the records",
        height=max(320, 140 + 62 * len(shown)),
        margin={"l": 20, "r": 20, "t": 60, "b": 50},
        plot_bgcolor="white",
    )
    fig.update_xaxes(title_text="share of the records (%)", gridcolor="rgb(230, 230, 230)")
    fig.update_yaxes(title_text="variant (steps in order)", autorange="reversed", automargin=True)
    return fig
