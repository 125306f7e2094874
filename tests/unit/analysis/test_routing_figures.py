"""Routing strategies compared: the tables and figures of notebook 02 hold the experiment's
figures, in display units (dollars, days, percent), checked against the replications by hand."""

from __future__ import annotations

import datetime
import math
from types import SimpleNamespace

import numpy as np
import pandas as pd
import plotly.graph_objects as go
import pytest

from omsim.analysis import routing_figures as rf
from omsim.eventlog import EventLog
from omsim.experiments import compare
from omsim.scenario import load_scenario
from omsim.sim.world import build_graph

STRATEGIES = ["fewest_splits", "nearest_warehouse", "lowest_cost"]


@pytest.fixture(scope="module")
def scenario():
    return load_scenario("tutorial", horizon_days=2)


@pytest.fixture(scope="module")
def result(scenario, tmp_path_factory):
    runs = tmp_path_factory.mktemp("routing") / "runs"
    return compare(
        scenario,
        {name: {"routing.strategy": name} for name in STRATEGIES},
        n=2,
        seed=7,
        baseline="fewest_splits",
        executor="serial",
        keep_runs=runs,
        progress=False,
    )


@pytest.fixture(scope="module")
def shares(result):
    return rf.variant_origin_shares(result.run_folders())


def _replication_values(result, variant: str, kpi: str) -> np.ndarray:
    frame = result.replications
    rows = frame[frame["variant"] == variant].sort_values("replication")
    return rows[kpi].to_numpy(dtype=float)


# --- tables ---------------------------------------------------------------------------------------


def test_strategy_table_holds_the_means_in_display_units(result) -> None:
    table = rf.strategy_table(result)
    assert list(dict.fromkeys(table["variant"])) == STRATEGIES
    assert list(dict.fromkeys(table["kpi"])) == list(rf.ROUTING_KPIS)
    row = table.set_index(["variant", "kpi"])
    for variant in STRATEGIES:
        cost = _replication_values(result, variant, "shipping_cost_per_routed_order_cents")
        shown = row.loc[(variant, "shipping_cost_per_routed_order_cents")]
        assert shown["unit"] == "$" and shown["n"] == 2
        assert shown["mean"] == pytest.approx(cost.mean() / 100)  # dollars
        hours = _replication_values(result, variant, "mean_hours_to_delivery")
        days = row.loc[(variant, "mean_hours_to_delivery")]
        assert days["mean"] == pytest.approx(hours.mean() / 24)
        # the 95% t interval with 1 degree of freedom: mean +- 12.706 * sd / sqrt(2)
        half = 12.7062047 * hours.std(ddof=1) / math.sqrt(2) / 24
        assert days["ci_high"] - days["mean"] == pytest.approx(half, rel=1e-6, abs=1e-12)
        on_time = _replication_values(result, variant, "on_time_parcel_rate")
        assert row.loc[(variant, "on_time_parcel_rate")]["mean"] == pytest.approx(
            on_time.mean() * 100
        )


def test_strategy_table_of_chosen_kpis_and_an_unknown_one(result) -> None:
    table = rf.strategy_table(result, ["units_per_package", "split_order_rate"])
    assert table["kpi"].tolist() == ["units_per_package", "split_order_rate"] * 3
    assert table["label"].tolist()[1] == "split_order_rate"  # not in ROUTING_KPIS: as named
    with pytest.raises(ValueError, match="no_such_kpi"):
        rf.strategy_table(result, ["no_such_kpi"])


def test_difference_table_holds_the_paired_differences_in_display_units(result) -> None:
    table = rf.difference_table(result)
    assert list(dict.fromkeys(table["variant"])) == STRATEGIES[1:]
    assert set(table["baseline"]) == {"fewest_splits"}
    row = table.set_index(["variant", "kpi"])
    for variant in STRATEGIES[1:]:
        for kpi, factor in [
            ("handling_cost_per_routed_order_cents", 0.01),
            ("p90_hours_to_delivery", 1 / 24),
            ("planned_split_order_rate", 100.0),
        ]:
            pairs = _replication_values(result, variant, kpi) - _replication_values(
                result, "fewest_splits", kpi
            )
            shown = row.loc[(variant, kpi)]
            assert shown["difference"] == pytest.approx(pairs.mean() * factor, abs=1e-9)
            assert shown["ci_low"] <= shown["difference"] <= shown["ci_high"]
            assert shown["n_pairs"] == 2
    assert row.loc[("lowest_cost", "on_time_parcel_rate")]["unit"] == "percentage points"


def test_difference_table_refuses_a_result_without_differences(result) -> None:
    with pytest.raises(ValueError, match="compare"):
        rf.difference_table(SimpleNamespace(differences=None))


def test_wide_table_writes_value_and_interval_per_variant() -> None:
    table = pd.DataFrame(
        {
            "variant": ["a", "b"],
            "kpi": ["k", "k"],
            "label": ["Cost", "Cost"],
            "unit": ["$", "$"],
            "difference": [1.234, -12.5],
            "ci_low": [0.5, -20.0],
            "ci_high": [2.0, -5.0],
            "significant": [True, False],
        }
    )
    wide = rf.wide_table(table, "difference")
    assert wide.to_dict("index") == {
        "Cost ($)": {"a": "1.23 [0.50, 2.00]*", "b": "-12.5 [-20.0, -5.00]"}
    }


# --- where parcels shipped from -------------------------------------------------------------------


def shipped_log() -> EventLog:
    """Parcels: three from DC-1, one from ST-1 (a reshipment counts: it is a parcel shipped)."""
    log = EventLog(datetime.datetime(2026, 9, 7, tzinfo=datetime.UTC))
    for i, location in enumerate(["DC-1", "ST-1", "DC-1", "DC-1"]):
        order = [(f"OS-{i}", "OrderSummary", "order summary")]
        log.note("Parcel Shipped", 1.0 + i, order, location_id=location, reship=i == 3)
    log.note("Parcel Delivered", 9.0, [("OS-0", "OrderSummary", "order summary")])
    return log


def test_origin_shares_of_a_hand_built_log() -> None:
    shares = rf.origin_shares(shipped_log().tables())
    assert shares.to_dict("list") == {
        "location_id": ["DC-1", "ST-1"],
        "parcels": [3, 1],
        "share": [0.75, 0.25],
    }
    pooled = rf.origin_shares([shipped_log().tables(), shipped_log().tables()])
    assert pooled["parcels"].tolist() == [6, 2] and pooled["share"].tolist() == [0.75, 0.25]


def test_origin_shares_of_a_run_folder_match_its_event_log(result) -> None:
    folders = result.run_folders()
    assert list(folders) == STRATEGIES and all(len(f) == 2 for f in folders.values())
    folder = folders["lowest_cost"][0]
    events = EventLog.read_parquet(folder).events
    parcels = events[events["activity"] == "Parcel Shipped"]["location_id"].value_counts()
    shares = rf.origin_shares(folder)
    assert dict(zip(shares["location_id"], shares["parcels"], strict=True)) == parcels.to_dict()
    assert shares["share"].sum() == pytest.approx(1.0)
    assert shares.equals(rf.origin_shares(str(folder)))
    assert shares.equals(rf.origin_shares(EventLog.read_parquet(folder)))


def test_variant_origin_shares_pool_the_replications(result, shares) -> None:
    folders = result.run_folders()
    for variant in STRATEGIES:
        mine = shares[shares["variant"] == variant]
        pooled = rf.origin_shares(folders[variant])
        assert mine["parcels"].tolist() == pooled["parcels"].tolist()
        assert mine["share"].sum() == pytest.approx(1.0)
    # nearest_warehouse ships from the tutorial's one distribution centre only
    nearest = shares[shares["variant"] == "nearest_warehouse"]
    assert nearest["location_id"].tolist() == ["DC-groveport"]


def test_run_folders_by_variant_and_by_replication(result) -> None:
    by_variant = result.run_folders()
    first = result.run_folders(0)
    assert list(first) == list(by_variant) == STRATEGIES
    assert all(first[v] == folders[0] for v, folders in by_variant.items())
    assert all((folder / "metadata.json").is_file() for folder in first.values())


def test_run_folders_needs_kept_runs() -> None:
    from omsim.experiments import replicate

    not_kept = replicate(
        load_scenario("tutorial", horizon_days=0.5), 1, executor="serial", progress=False
    )
    with pytest.raises(ValueError, match="keep_runs"):
        not_kept.run_folders()


def test_fig_origin_map_draws_each_variants_shares(scenario, shares) -> None:
    graph = build_graph(scenario)
    fig = rf.fig_origin_map(shares, graph)
    assert isinstance(fig, go.Figure)
    assert [a.text for a in fig.layout.annotations] == STRATEGIES
    locations = rf.location_frame(graph).set_index("location_id")
    zones = rf.zone_frame(graph)
    per_variant: dict[str, list[go.Scatter]] = {}
    for trace in fig.data:
        # each subplot's traces share its axes: group them by x axis, in subplot order
        per_variant.setdefault(trace.xaxis, []).append(trace)
    assert len(per_variant) == len(STRATEGIES)
    for variant, traces in zip(STRATEGIES, per_variant.values(), strict=True):
        assert traces[0].name == "Customer zones" and len(traces[0].x) == len(zones)
        assert traces[1].name == "All locations" and len(traces[1].x) == len(locations)
        drawn = {}
        for trace in traces[2:]:
            for text, (share, parcels), x, y, size in zip(
                trace.text, trace.customdata, trace.x, trace.y, trace.marker.size, strict=True
            ):
                location_id = text.split("(")[-1].rstrip(")")
                assert locations.loc[location_id, "type"] == trace.name
                assert (x, y) == (
                    locations.loc[location_id, "longitude"],
                    locations.loc[location_id, "latitude"],
                )
                assert size == pytest.approx(46.0 * math.sqrt(share))
                drawn[location_id] = (share, parcels)
        mine = shares[shares["variant"] == variant]
        assert drawn == {
            loc: (pytest.approx(s), p)
            for loc, s, p in zip(mine["location_id"], mine["share"], mine["parcels"], strict=True)
        }
    for axis in ("yaxis", "yaxis2", "yaxis3"):
        assert fig.layout[axis].scaleanchor == "x" + axis[5:]
    assert all(not isinstance(t, go.Scattergeo) for t in fig.data)


# --- forest plot and cost against speed -----------------------------------------------------------


def test_fig_forest_draws_each_difference_with_its_interval(result) -> None:
    table = rf.difference_table(result)
    fig = rf.fig_forest(table)
    assert len(fig.data) == len(table)
    kpis = list(dict.fromkeys(table["kpi"]))
    # a subplot per KPI, in order; within it a trace per variant
    by_kpi = table.assign(at=table["kpi"].map(kpis.index)).sort_values("at", kind="stable")
    for trace, (_, row) in zip(fig.data, by_kpi.iterrows(), strict=True):
        assert trace.name == row["variant"] and trace.y == (row["variant"],)
        assert trace.x[0] == pytest.approx(row["difference"])
        assert trace.x[0] + trace.error_x.array[0] == pytest.approx(row["ci_high"])
        assert trace.x[0] - trace.error_x.arrayminus[0] == pytest.approx(row["ci_low"])
        assert (trace.marker.color != "white") == bool(row["significant"])
    titles = [a.text for a in fig.layout.annotations]
    assert titles == [rf.ROUTING_KPIS[k].label for k in kpis]
    zero_lines = [s for s in fig.layout.shapes if s.type == "line"]
    assert len(zero_lines) == len(kpis) and {s.x0 for s in zero_lines} == {0}
    assert "fewest_splits" in fig.layout.title.text


def test_fig_cost_vs_speed_has_a_point_per_strategy(result) -> None:
    table = rf.strategy_table(result)
    fig = rf.fig_cost_vs_speed(table)
    assert [t.name for t in fig.data] == STRATEGIES
    for trace, variant in zip(fig.data, STRATEGIES, strict=True):
        hours = _replication_values(result, variant, "mean_hours_to_delivery")
        cost = _replication_values(
            result, variant, "shipping_and_handling_cost_per_routed_order_cents"
        )
        assert trace.x[0] == pytest.approx(hours.mean() / 24)
        assert trace.y[0] == pytest.approx(cost.mean() / 100)
        row = table.set_index(["variant", "kpi"]).loc[(variant, rf.COST_KPI)]
        assert trace.y[0] + trace.error_y.array[0] == pytest.approx(row["ci_high"])
        assert trace.y[0] - trace.error_y.arrayminus[0] == pytest.approx(row["ci_low"])
    assert "days" in fig.layout.xaxis.title.text and "$" in fig.layout.yaxis.title.text


def test_fig_cost_vs_speed_needs_both_kpis(result) -> None:
    with pytest.raises(ValueError, match="strategy_table"):
        rf.fig_cost_vs_speed(rf.strategy_table(result, ["units_per_package"]))


def test_fig_cost_vs_speed_hover_names_the_kpis_drawn(result) -> None:
    table = rf.strategy_table(result)
    fig = rf.fig_cost_vs_speed(
        table, speed_kpi="p90_hours_to_delivery", cost_kpi="handling_cost_per_routed_order_cents"
    )
    hover = fig.data[0].hovertemplate
    assert "P90 days to delivery: %{x:.2f} days" in hover
    assert "Handling cost per order: $%{y:.2f}" in hover
    other = rf.strategy_table(result, ["split_order_rate", "units_per_package"])
    units = rf.fig_cost_vs_speed(other, speed_kpi="split_order_rate", cost_kpi="units_per_package")
    assert "days" not in units.data[0].hovertemplate and "$" not in units.data[0].hovertemplate
