"""Process mining of a run's OCEL export: the summary, the OC-DFG figure and the Fulfillment
Order variants hold pm4py's numbers; without pm4py the module still imports and says how to
install it; an empty log is refused with a clear message."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pandas as pd
import pytest

from omsim.analysis import mining
from omsim.runfolder import run_to_folder
from omsim.scenario import load_scenario

MAIN_FLOW = [
    "Order Summary Created",
    "Payment Authorized",
    "Routing Attempted",
    "Fulfillment Order Created",
    "Fulfillment Order Fulfilled",
    "Invoice Created",
    "Payment Captured",
    "Parcel Shipped",
]


@pytest.fixture(scope="module")
def pm4py():
    return pytest.importorskip("pm4py", reason="pm4py (the `mining` extra) mines the OCEL export")


@pytest.fixture(scope="module")
def folder(tmp_path_factory) -> Path:
    scenario = load_scenario("tutorial", horizon_days=2)
    _, placed = run_to_folder(scenario, tmp_path_factory.mktemp("mining") / "run", 1, ocel="json")
    return placed


@pytest.fixture(scope="module")
def ocel(pm4py, folder):
    return mining.read_ocel(folder)


@pytest.fixture(scope="module")
def ocdfg(ocel):
    return mining.discover_ocdfg(ocel)


def edge_traces(fig) -> list:
    return [t for t in fig.data if t.meta is not None]


# --- without pm4py -------------------------------------------------------------------------------


def test_the_module_imports_without_pm4py_and_says_how_to_install_it() -> None:
    code = (
        "import sys; sys.modules['pm4py'] = None\n"
        "import omsim.analysis.mining as m\n"
        "print(m.pm4py_available()); print(m.PM4PY_MISSING)"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout
    assert out.splitlines() == ["False", mining.PM4PY_MISSING]
    lazy = "import sys, omsim.analysis.mining; print('pm4py' in sys.modules)"
    imported = subprocess.run([sys.executable, "-c", lazy], capture_output=True, text=True)
    assert imported.stdout.strip() == "False"  # pm4py is imported only when a function needs it


def test_unavailable_pm4py_gives_the_install_message(monkeypatch, tmp_path) -> None:
    monkeypatch.setitem(sys.modules, "pm4py", None)  # `import pm4py` now raises ImportError
    assert mining.pm4py_available() is False
    assert "pip install -e '.[mining]'" in mining.PM4PY_MISSING
    assert mining.PM4PY_MISSING.startswith("pm4py is not installed: install omsim[mining]")
    message = re.escape(mining.PM4PY_MISSING)
    with pytest.raises(ImportError, match=message):
        mining.read_ocel(tmp_path)
    with pytest.raises(ImportError, match=message):
        mining.discover_ocdfg(object())
    with pytest.raises(ImportError, match=message):
        mining.fulfillment_order_variants(object())


def test_available_when_pm4py_imports(pm4py) -> None:
    assert mining.pm4py_available() is True


# --- reading the log -----------------------------------------------------------------------------


def test_an_empty_log_is_refused_with_a_clear_message(pm4py, tmp_path) -> None:
    scenario = load_scenario("tutorial", horizon_days=0.001)  # over before the first checkout
    _, empty = run_to_folder(scenario, tmp_path / "empty", 1, ocel="json")
    assert len(pd.read_parquet(empty / "events.parquet")) == 0
    with pytest.raises(ValueError, match=r"has no events .*pm4py cannot read an empty log"):
        mining.read_ocel(empty)
    alone = tmp_path / "alone.json"  # without its run folder: read from the file's end
    shutil.copy(empty / "ocel.json", alone)
    with pytest.raises(ValueError, match="pm4py cannot read an empty log"):
        mining.read_ocel(alone)
    with pytest.raises(KeyError):  # what pm4py itself does with it
        pm4py.read_ocel2_json(str(alone))


def test_a_run_folder_without_ocel_json_is_refused(pm4py, tmp_path) -> None:
    with pytest.raises(FileNotFoundError, match="ocel='json'"):
        mining.read_ocel(tmp_path)


def test_summaries_hold_pm4py_counts(pm4py, ocel, folder) -> None:
    text = mining.summary_text(ocel)
    assert text.startswith(f"Object-Centric Event Log (number of events: {len(ocel.events)}")
    assert "Please use" not in text
    types = mining.object_type_summary(ocel).set_index("object_type")
    counts = ocel.objects["ocel:type"].value_counts()
    assert types["objects"].to_dict() == counts.to_dict()
    activities = pm4py.ocel_object_type_activities(ocel)
    assert types["activities"].to_dict() == {t: len(a) for t, a in activities.items()}
    assert types["relations"].sum() == len(ocel.relations)
    assert types.loc["FulfillmentOrder", "events"] == len(
        set(ocel.relations.query("`ocel:type` == 'FulfillmentOrder'")["ocel:eid"])
    )
    acts = mining.activity_summary(ocel).set_index("activity")
    assert acts["events"].to_dict() == ocel.events["ocel:activity"].value_counts().to_dict()
    related = pd.read_parquet(folder / "event_objects.parquet")["event_id"].nunique()
    assert acts["events"].sum() == related  # pm4py drops events without a record (declines)
    assert acts.loc["Routing Attempted", "object_types"] == "OrderSummary"


# --- the OC-DFG ----------------------------------------------------------------------------------


def test_edges_hold_pm4py_frequencies(pm4py, ocel, ocdfg) -> None:
    theirs = pm4py.discover_ocdfg(ocel)["edges"]
    for measure in mining.EDGE_MEASURES:
        edges = mining.ocdfg_edges(ocdfg, measure)
        expected = {
            (t, a, b): len(members)
            for t, pairs in theirs[measure].items()
            for (a, b), members in pairs.items()
        }
        got = {(r.object_type, r.source, r.target): r.frequency for r in edges.itertuples()}
        assert got == expected
        assert edges.groupby("object_type")["share"].sum().round(12).eq(1.0).all()
    some = mining.ocdfg_edges(ocdfg, object_types=["OrderSummary", "FulfillmentOrder", "No"], top=2)
    assert some["object_type"].tolist() == ["OrderSummary"] * 2 + ["FulfillmentOrder"] * 2
    whole = mining.ocdfg_edges(ocdfg)
    busiest = whole[whole["object_type"] == "OrderSummary"].head(2)
    assert some.head(2)[["source", "target", "frequency"]].equals(
        busiest[["source", "target", "frequency"]].reset_index(drop=True)
    )
    with pytest.raises(ValueError, match="unknown edge measure 'events'"):
        mining.ocdfg_edges(ocdfg, "events")


def test_fig_ocdfg_draws_every_edge_with_pm4py_frequency(pm4py, ocel, ocdfg) -> None:
    fig = mining.fig_ocdfg(ocel, ocdfg, min_share=0.0, title="t")
    assert fig.layout.title.text == "t"
    theirs = pm4py.discover_ocdfg(ocel)["edges"]["event_couples"]
    expected = {(t, a, b): len(m) for t, pairs in theirs.items() for (a, b), m in pairs.items()}
    drawn = edge_traces(fig)
    got = {(t.meta["object_type"], t.meta["source"], t.meta["target"]): t for t in drawn}
    assert {k: t.meta["frequency"] for k, t in got.items()} == expected
    for (object_type, _, _), trace in got.items():
        assert trace.name == object_type and trace.legendgroup == object_type
        assert trace.marker.symbol == "arrow" and list(trace.marker.size)[-1] > 0
    by_width = sorted(drawn, key=lambda t: t.meta["frequency"])
    widths = [t.line.width for t in by_width]
    assert widths == sorted(widths) and widths[0] < widths[-1]  # wider with frequency
    legend = [t.name for t in drawn if t.showlegend]
    assert sorted(legend) == sorted(theirs)  # one legend entry per object type
    # each type's frequency labels: the same numbers, written at the edges' middles
    for object_type, pairs in theirs.items():
        (labels,) = [t for t in fig.data if t.name == f"{object_type} frequencies"]
        assert {(a, b): n for a, b, n in labels.customdata} == {
            pair: len(m) for pair, m in pairs.items()
        }
        assert list(labels.text) == [f"{n:,}" for _, _, n in labels.customdata]
    (nodes,) = [t for t in fig.data if t.name == "Activities"]
    names = [text.replace("<br>", " ") for text in nodes.text]
    assert set(names) == set(ocel.events["ocel:activity"])
    events = ocel.events["ocel:activity"].value_counts()
    assert [int(e) for e, _ in nodes.customdata] == [events[a] for a in names]


def test_fig_ocdfg_keeps_the_types_asked_for_and_the_busy_edges(ocel, ocdfg) -> None:
    fig = mining.fig_ocdfg(
        ocel, ocdfg, object_types=["FulfillmentOrder", "NoSuchType"], min_share=0.05
    )
    edges = mining.ocdfg_edges(ocdfg).query("object_type == 'FulfillmentOrder'")
    busy = edges[edges["share"] >= 0.05]
    drawn = edge_traces(fig)
    assert {t.name for t in drawn} == {"FulfillmentOrder"}
    assert sorted((t.meta["source"], t.meta["target"]) for t in drawn) == sorted(
        zip(busy["source"], busy["target"], strict=True)
    )
    assert len(busy) < len(edges)  # some rare edges left out
    (nodes,) = [t for t in fig.data if t.name == "Activities"]
    fo_activities = set(ocel.relations.query("`ocel:type` == 'FulfillmentOrder'")["ocel:activity"])
    assert {text.replace("<br>", " ") for text in nodes.text} == fo_activities


def test_layout_runs_left_to_right_along_the_main_flow(ocel, ocdfg) -> None:
    edges = mining.ocdfg_edges(ocdfg)
    layout = mining.activity_layout(ocel, edges, min_share=0.02).set_index("activity")
    layers = [layout.loc[a, "layer"] for a in MAIN_FLOW]
    assert layers == sorted(layers) and len(set(layers)) == len(layers)
    assert layout.loc["Order Summary Created", "layer"] == 0
    assert sorted(layout["layer"].unique()) == list(range(layout["layer"].max() + 1))
    assert {layout.loc[a, "y"] for a in MAIN_FLOW} == {0.0}  # the busiest path runs straight
    for _, members in layout.groupby("layer"):  # rows top to bottom, at least 1 apart
        assert members["row"].tolist() == list(range(len(members)))
        assert (members["y"].diff().dropna() <= -1.0 + 1e-9).all()


# --- variants ------------------------------------------------------------------------------------


def log_variants(folder: Path) -> Counter:
    """Each Fulfillment Order's activities in event-id order, from the Parquet tables."""
    events = pd.read_parquet(folder / "events.parquet")[["event_id", "activity"]]
    relations = pd.read_parquet(folder / "event_objects.parquet")
    fo = relations[relations["object_type"] == "FulfillmentOrder"]
    fo = fo.drop_duplicates(["event_id", "object_id"]).merge(events, on="event_id")
    fo = fo.sort_values(["object_id", "event_id"])
    return Counter(tuple(map(str, g["activity"])) for _, g in fo.groupby("object_id"))


def test_variants_hold_pm4py_counts_and_the_log(pm4py, ocel, folder) -> None:
    variants = mining.fulfillment_order_variants(ocel, attribute=None)
    flat = pm4py.ocel_flattening(ocel, "FulfillmentOrder")
    ordered = flat.sort_values("case:concept:name", kind="stable")  # pm4py needs cases together
    theirs = pm4py.get_variants(ordered)
    ours = dict(zip(variants["activities"], variants["objects"], strict=True))
    assert ours == theirs
    assert ours == dict(log_variants(folder))
    assert variants["objects"].sum() == (ocel.objects["ocel:type"] == "FulfillmentOrder").sum()
    assert variants["objects"].is_monotonic_decreasing
    assert variants["rank"].tolist() == list(range(1, len(variants) + 1))
    assert variants["share"].sum() == pytest.approx(1.0)
    assert variants["cumulative_share"].iloc[-1] == pytest.approx(1.0)
    assert (variants["steps"] == variants["activities"].map(len)).all()
    first = variants.iloc[0]
    assert first["variant"] == " → ".join(first["activities"])


def test_variants_name_the_new_status(ocel) -> None:
    plain = mining.fulfillment_order_variants(ocel, attribute=None)
    detailed = mining.fulfillment_order_variants(ocel)
    assert detailed["objects"].sum() == plain["objects"].sum()
    steps = {s for v in detailed["activities"] for s in v}
    assert "Fulfillment Order Status Changed: Pickpack" in steps
    assert "Fulfillment Order Status Changed" not in steps
    label = detailed.loc[detailed["variant"].str.contains("Pick Complete"), "label"].iloc[0]
    assert label.startswith("Created → Status Changed: Pickpack")  # the type's name dropped


def test_variants_of_a_type_the_log_lacks_are_empty(ocel) -> None:
    none = mining.fulfillment_order_variants(ocel, object_type="NoSuchType")
    assert none.empty and "share" in none.columns
    fig = mining.fig_variants(none)
    assert list(fig.data[0].x) == []


def test_fig_variants_draws_the_top_shares(ocel) -> None:
    variants = mining.fulfillment_order_variants(ocel)
    fig = mining.fig_variants(variants, top=3, title="FO")
    (bars,) = fig.data
    top = variants.head(3)
    assert list(bars.x) == pytest.approx((top["share"] * 100).tolist())
    assert [row[0] for row in bars.customdata] == [1, 2, 3]
    assert [row[1] for row in bars.customdata] == top["objects"].tolist()
    assert [row[2] for row in bars.customdata] == top["variant"].tolist()
    assert list(bars.y) == [
        f"#{r}: {lab}" for r, lab in zip(top["rank"], top["label"], strict=True)
    ]
    assert bars.text[0] == f"{top['share'].iloc[0]:.1%} ({top['objects'].iloc[0]:,})"
    assert fig.layout.title.text == f"FO: the top 3 cover {top['share'].sum():.1%} of the records"
    assert fig.layout.xaxis.title.text == "share of the records (%)"
