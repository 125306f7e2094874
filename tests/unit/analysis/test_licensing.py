"""Licensing volume: managed Order Summaries and GMV per month and channel, checked by hand."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from omsim.analysis import licensing as lic
from omsim.analysis import licensing_replications as reps
from omsim.experiments import replicate
from omsim.experiments.stats import t_interval
from omsim.runfolder import run_to_folder
from omsim.scenario import load_scenario

BILLING = {"Web": lic.GMV, "Store": lic.ORDER_SUMMARIES}


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """36 days from 28 September: a partial September, a whole October, 2 days of November;
    half the orders unmanaged, two channels, return fees and appeasements on."""
    scenario = load_scenario(
        "tutorial",
        start="2026-09-28T00:00:00Z",
        horizon_days=36,
        demand={
            "orders_per_day": 20,
            "managed_share": 0.5,
            "sales_channels": {"Web": 0.7, "Store": 0.3},
        },
        service={"returns": {"return_fee_cents": 200}, "appeasements": {"discount_share": 0.5}},
    )
    _, folder = run_to_folder(scenario, tmp_path_factory.mktemp("licensing") / "run")
    return folder


@pytest.fixture(scope="module")
def records(run: Path) -> pd.DataFrame:
    return pd.read_parquet(run / "records" / "OrderSummary.parquet")


@pytest.fixture(scope="module")
def volume(run: Path) -> pd.DataFrame:
    return lic.monthly_volume(run, BILLING)


def test_totals_are_the_managed_records(
    run: Path, records: pd.DataFrame, volume: pd.DataFrame
) -> None:
    managed = records[records["OrderLifeCycleType"] == "MANAGED"]
    assert volume["order_summaries"].sum() == len(managed)
    assert volume["exchanges"].sum() == (managed["SourceProcess"] == "Exchange").sum() > 0
    assert volume["unmanaged_order_summaries"].sum() == len(records) - len(managed) > 0
    assert volume["net_gmv_cents"].sum() == managed["GrandTotalAmount"].sum()
    kpis = json.loads((run / "kpis.json").read_text())
    assert volume["order_summaries"].sum() == kpis["managed_order_summaries_incl_exchanges"]
    assert volume["gmv_cents"].sum() == kpis["managed_gmv_cents"]
    assert volume["currency"].unique().tolist() == ["USD"]


def test_counts_by_hand_per_month_and_channel(
    run: Path, records: pd.DataFrame, volume: pd.DataFrame
) -> None:
    events = pd.read_parquet(run / "events.parquet")
    created = events[events["activity"] == "Order Summary Created"].set_index("order_summary_id")
    frame = records.set_index("Id").join(created["amount_cents"])
    frame["month"] = frame["OrderedDate"].dt.tz_convert("UTC").dt.strftime("%Y-%m")
    managed = frame[frame["OrderLifeCycleType"] == "MANAGED"]
    unmanaged = frame[frame["OrderLifeCycleType"] == "UNMANAGED"]
    table = volume.set_index(["month", "sales_channel"])
    by_hand = managed.groupby(["month", "SalesChannel"])
    for key, count in by_hand.size().items():
        assert table.loc[key, "order_summaries"] == count
    for key, gmv in by_hand["amount_cents"].sum().items():
        assert table.loc[key, "gmv_cents"] == gmv
    for key, count in unmanaged.groupby(["month", "SalesChannel"]).size().items():
        assert table.loc[key, "unmanaged_order_summaries"] == count
    exchanges = managed[managed["SourceProcess"] == "Exchange"]
    for key, count in exchanges.groupby(["month", "SalesChannel"]).size().items():
        assert table.loc[key, "exchanges"] == count


def test_an_unmanaged_summary_is_left_out(run: Path, records: pd.DataFrame) -> None:
    per_summary = lic.order_summary_volume(run).set_index("order_summary_id")
    one = records[records["OrderLifeCycleType"] == "UNMANAGED"].iloc[0]
    row = per_summary.loc[one["Id"]]
    assert not row["counted"] and pd.isna(row["net_gmv_cents"])
    volume = lic.monthly_volume(run)
    managed_only = per_summary[per_summary["counted"]]
    assert volume["gmv_cents"].sum() == managed_only["gmv_cents"].sum()
    left_out = per_summary[~per_summary["counted"]]["gmv_cents"].sum()
    assert volume["unmanaged_gmv_cents"].sum() == left_out > 0


def test_net_gmv_is_the_change_orders_off_the_gross(run: Path, volume: pd.DataFrame) -> None:
    """The final GrandTotalAmount (records) agrees with the event amounts, row by row."""
    by_events = (
        volume["gmv_cents"]
        - volume["canceled_cents"]
        - volume["returned_cents"]
        - volume["adjusted_cents"]
        + volume["return_fee_cents"]
    )
    assert (by_events == volume["net_gmv_cents"]).all()
    assert (volume["net_gmv_cents"] <= volume["gmv_cents"]).all()
    assert volume["canceled_cents"].sum() > 0 and volume["returned_cents"].sum() > 0
    assert volume["adjusted_cents"].sum() > 0 and volume["return_fee_cents"].sum() > 0
    per_summary = lic.order_summary_volume(run)
    managed = per_summary[per_summary["counted"]]
    untouched = managed[(managed[lic.COMPONENTS] == 0).all(axis=1)]
    assert len(untouched) and (untouched["net_gmv_cents"] == untouched["gmv_cents"]).all()
    changed = managed[(managed[lic.COMPONENTS] != 0).any(axis=1)]
    assert len(changed) and (changed["net_gmv_cents"] < changed["gmv_cents"]).any()


def test_months_cross_the_boundary_and_partial_months_are_marked(
    run: Path, records: pd.DataFrame, volume: pd.DataFrame
) -> None:
    assert volume["month"].unique().tolist() == ["2026-09", "2026-10", "2026-11"]
    assert volume.groupby("month")["complete"].first().tolist() == [False, True, False]
    assert len(volume) == 3 * 2  # every month of the horizon for both channels
    per_summary = lic.order_summary_volume(run).set_index("order_summary_id")
    ordered = records.set_index("Id")["OrderedDate"].dt.tz_convert("UTC")
    assert (per_summary["month"] == ordered.reindex(per_summary.index).dt.strftime("%Y-%m")).all()
    last_of_september = per_summary[
        per_summary["ordered_at"] < pd.Timestamp("2026-10-01", tz="UTC")
    ]
    assert set(last_of_september["month"]) == {"2026-09"}


def test_calendar_of_the_horizon() -> None:
    start = pd.Timestamp("2026-09-28", tz="UTC")
    to_october = lic.RunCalendar(start, 3 * 24.0, "USD")  # ends 1 Oct 00:00, exclusive
    assert to_october.months() == ["2026-09"] and not to_october.complete("2026-09")
    october = lic.RunCalendar(pd.Timestamp("2026-10-01", tz="UTC"), 31 * 24.0, "USD")
    assert october.months() == ["2026-10"] and october.complete("2026-10")
    assert not october.complete("2026-11")
    assert lic.RunCalendar(start, 0.0, "USD").months() == []


def test_billing_type_per_channel(run: Path, volume: pd.DataFrame) -> None:
    kinds = dict(zip(volume["sales_channel"], volume["billing_type"], strict=True))
    assert kinds == {"Web": "GMV", "Store": "Order Summaries"}
    default = lic.monthly_volume(run)
    assert set(default["billing_type"]) == {lic.ORDER_SUMMARIES}
    figures = [c for c in volume.columns if c != "billing_type"]
    pd.testing.assert_frame_equal(default[figures], volume[figures])


@pytest.mark.parametrize(
    ("billing", "message"),
    [
        (
            {"Web": "GMV"},
            r"sales channel 'Store' .* has no billing type .*'GMV' or 'Order Summaries'",
        ),
        ({"Web": "GMV", "Store": "PPO"}, r"billing_types\['Store'\] is 'PPO'.*Salesforce's PPO"),
        ({"Web": "gmv", "Store": "GMV"}, r"billing_types\['Web'\] is 'gmv': not a billing type"),
    ],
)
def test_bad_billing_types_are_refused(run: Path, billing: dict[str, str], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        lic.monthly_volume(run, billing)


# --- hand-built run folders ---------------------------------------------------------------------

START = "2026-09-28T00:00:00+00:00"


def write_folder(
    folder: Path,
    summaries: list[tuple[str, float, str, str, int, int]],
    changes: Sequence[tuple[str, str, int]] = (),
    *,
    start: str = START,
    horizon_days: float = 7.0,
) -> Path:
    """A minimal run folder: summaries as (id, hours since start, channel, life cycle type,
    grand total at creation, final grand total); changes as (activity, id, amount_cents)."""
    begin = pd.Timestamp(start)
    created = [
        ("Order Summary Created", s[0], s[4], begin + pd.Timedelta(hours=s[1])) for s in summaries
    ]
    last = begin + pd.Timedelta(hours=horizon_days * 24 - 1)
    events = created + [(a, i, amount, last) for a, i, amount in changes]
    (folder / "records").mkdir(parents=True)
    pd.DataFrame(
        {
            "activity": pd.array([e[0] for e in events], dtype="string"),
            "order_summary_id": pd.array([e[1] for e in events], dtype="string"),
            "amount_cents": pd.array([e[2] for e in events], dtype="Int64"),
            "timestamp": pd.to_datetime([e[3] for e in events], utc=True),
        }
    ).to_parquet(folder / "events.parquet")
    pd.DataFrame(
        {
            "Id": [s[0] for s in summaries],
            "SalesChannel": [s[2] for s in summaries],
            "OrderLifeCycleType": [s[3] for s in summaries],
            "SourceProcess": [
                "Exchange" if s[0].startswith("EX") else "Standard" for s in summaries
            ],
            "GrandTotalAmount": pd.array([s[5] for s in summaries], dtype="int64"),
            "CurrencyIsoCode": ["EUR"] * len(summaries),
        }
    ).to_parquet(folder / "records" / "OrderSummary.parquet")
    metadata: dict[str, Any] = {
        "start": start,
        "horizon_days": horizon_days,
        "scenario_settings": {
            "currency": "EUR",
            "demand": {"sales_channels": {"Web": 1, "Store": 1}},
        },
    }
    (folder / "metadata.json").write_text(json.dumps(metadata))
    return folder


@pytest.fixture
def replications(tmp_path: Path) -> list[Path]:
    """Two replications: Web in September 2 (one canceled in part) vs 4, in October 0 vs 1
    (an exchange); Store: one unmanaged in the first only."""
    first = write_folder(
        tmp_path / "r0",
        [
            ("OS-1", 1.0, "Web", "MANAGED", 1000, 600),
            ("OS-2", 70.0, "Web", "MANAGED", 500, 500),
            ("OS-3", 2.0, "Store", "UNMANAGED", 900, 0),
        ],
        [("Order Items Canceled", "OS-1", 400)],
    )
    second = write_folder(
        tmp_path / "r1",
        [(f"OS-{i}", 10.0 * i, "Web", "MANAGED", 100, 100) for i in range(1, 5)]
        + [("EX-5", 75.0, "Web", "MANAGED", 300, 300)],
    )
    return [first, second]


def test_replication_intervals_by_hand(replications: list[Path]) -> None:
    out = reps.replicated_volume(replications, BILLING).set_index(["month", "sales_channel"])
    assert out.index.tolist() == [
        ("2026-09", "Web"),
        ("2026-09", "Store"),
        ("2026-10", "Web"),
        ("2026-10", "Store"),
    ]
    web_sep, web_oct = out.loc[("2026-09", "Web")], out.loc[("2026-10", "Web")]
    expected = t_interval([2, 4])
    assert web_sep["order_summaries_mean"] == 3.0
    assert web_sep["order_summaries_ci_low"] == pytest.approx(expected.low)
    assert web_sep["order_summaries_ci_high"] == pytest.approx(expected.high)
    assert web_sep["gmv_cents_mean"] == (1500 + 400) / 2
    assert web_sep["net_gmv_cents_mean"] == (1100 + 400) / 2
    assert web_oct["order_summaries_mean"] == 0.5  # missing from the first: 0 there
    assert web_oct["exchanges_ci_high"] == pytest.approx(t_interval([0, 1]).high)
    store_sep = out.loc[("2026-09", "Store")]
    assert store_sep["order_summaries_mean"] == 0.0
    assert store_sep["unmanaged_order_summaries_mean"] == 0.5
    assert (out["n_replications"] == 2).all() and not out["complete"].any()
    assert set(out["currency"]) == {"EUR"} and web_sep["billing_type"] == "GMV"


def test_replications_summed_per_billing_type(replications: list[Path]) -> None:
    everything = {"Web": lic.GMV, "Store": lic.GMV}
    out = reps.replicated_volume(replications, everything, per_channel=False)
    assert "sales_channel" not in out.columns
    assert out[["month", "billing_type"]].values.tolist() == [
        ["2026-09", "GMV"],
        ["2026-10", "GMV"],
    ]
    assert out["unmanaged_gmv_cents_mean"].tolist() == [450.0, 0.0]
    stacked = reps.replication_volumes(replications, everything)
    assert stacked["replication"].unique().tolist() == [0, 1] and len(stacked) == 2 * 4


def test_replications_must_share_the_calendar(tmp_path: Path, replications: list[Path]) -> None:
    other = write_folder(tmp_path / "late", [], start="2026-10-05T00:00:00+00:00")
    with pytest.raises(ValueError, match=r"start .* differs .*not replications of one scenario"):
        reps.replicated_volume([*replications, other])
    with pytest.raises(TypeError, match="list of run folders"):
        reps.replicated_volume(replications[0])
    with pytest.raises(ValueError, match="at least one"):
        reps.replicated_volume([])


def test_inconsistent_folders_are_refused(tmp_path: Path) -> None:
    folder = write_folder(tmp_path / "bad", [("OS-1", 1.0, "Web", "MANAGED", 100, 100)])
    meta = json.loads((folder / "metadata.json").read_text())
    (folder / "metadata.json").write_text(json.dumps({"start": meta["start"]}))
    with pytest.raises(ValueError, match=r"metadata.json: missing field\(s\) horizon_days"):
        lic.monthly_volume(folder)
    orphan = write_folder(tmp_path / "orphan", [("OS-1", 1.0, "Web", "MANAGED", 100, 100)])
    records = pd.read_parquet(orphan / "records" / "OrderSummary.parquet")
    pd.concat([records, records.assign(Id="OS-9")]).to_parquet(
        orphan / "records" / "OrderSummary.parquet"
    )
    with pytest.raises(
        ValueError, match=r"OrderSummary\.parquet: OS-9 has no 'Order Summary Created' event"
    ):
        lic.monthly_volume(orphan)


def test_a_run_without_order_summaries_is_all_zeros(tmp_path: Path) -> None:
    volume = lic.monthly_volume(write_folder(tmp_path / "empty", []))
    assert volume[["month", "sales_channel"]].values.tolist() == [
        ["2026-09", "Web"],
        ["2026-09", "Store"],
        ["2026-10", "Web"],
        ["2026-10", "Store"],
    ]
    assert (volume[lic.MEASURES] == 0).all().all() and not volume["complete"].any()


def test_an_experiment_result_is_read(tmp_path: Path) -> None:
    result = replicate(
        load_scenario("tutorial", horizon_days=1),
        2,
        seed=3,
        executor="serial",
        keep_runs=tmp_path / "runs",
        progress=False,
    )
    out = reps.replicated_volume(result)
    assert (out["n_replications"] == 2).all()
    per_run = result.replications["managed_order_summaries_incl_exchanges"]
    assert out["order_summaries_mean"].sum() == pytest.approx(per_run.mean())
    with pytest.raises(ValueError, match="variant 'other': choose one of \\['base'\\]"):
        reps.replicated_volume(result, variant="other")


# --- property: the monthly table conserves every summary ----------------------------------------

summary_rows = st.lists(
    st.tuples(
        st.floats(0.0, 40 * 24.0 - 1e-3),  # hours since start
        st.sampled_from(["Web", "Store", "Phone"]),
        st.booleans(),  # managed
        st.booleans(),  # exchange
        st.integers(0, 10_000),  # gmv
        st.integers(0, 10_000),  # canceled
    ),
    max_size=30,
)


@settings(max_examples=40, deadline=None)
@given(rows=summary_rows, start_day=st.integers(1, 28))
def test_monthly_table_conserves_summaries(
    rows: list[tuple[float, str, bool, bool, int, int]], start_day: int
) -> None:
    start = pd.Timestamp(f"2027-01-{start_day:02d}", tz="UTC")
    calendar = lic.RunCalendar(start, 40 * 24.0, "USD", ("Web",))
    ordered_at = pd.to_datetime([start + pd.Timedelta(hours=r[0]) for r in rows], utc=True)
    canceled = [min(r[5], r[4]) for r in rows]
    summaries = pd.DataFrame(
        {
            "month": ordered_at.strftime("%Y-%m"),
            "sales_channel": [r[1] for r in rows],
            "counted": [r[2] for r in rows],
            "exchange": [r[3] for r in rows],
            "gmv_cents": [r[4] for r in rows],
            "net_gmv_cents": [r[4] - c for r, c in zip(rows, canceled, strict=True)],
            "canceled_cents": canceled,
            "returned_cents": 0,
            "adjusted_cents": 0,
            "return_fee_cents": 0,
        }
    )
    table = lic.monthly_table(summaries, calendar)
    managed = summaries[summaries["counted"].astype(bool)]
    assert table["order_summaries"].sum() == len(managed)
    assert table["unmanaged_order_summaries"].sum() == len(rows) - len(managed)
    assert table["exchanges"].sum() == managed["exchange"].sum()
    assert table["gmv_cents"].sum() == managed["gmv_cents"].sum()
    assert (table["net_gmv_cents"] <= table["gmv_cents"]).all()
    assert (
        table["unmanaged_gmv_cents"].sum()
        == summaries["gmv_cents"].sum() - managed["gmv_cents"].sum()
    )
    channels = {"Web", *summaries["sales_channel"]}
    assert len(table) == len(calendar.months()) * len(channels)
    assert table["month"].is_monotonic_increasing
    assert table.groupby("month")["complete"].first().sum() <= 1  # 40 days hold one whole month


def test_a_simple_return_lowers_net_gmv_as_returned_cents(tmp_path: Path) -> None:
    """``submitReturn`` (no RMA) logs ``Order Items Returned``: its credit is a return too, so
    the components still add up to the final grand total (docs/licensing.md)."""
    folder = write_folder(
        tmp_path / "simple",
        [("OS-1", 1.0, "Web", "MANAGED", 1000, 550), ("OS-2", 2.0, "Web", "MANAGED", 800, 500)],
        [
            ("Order Items Returned", "OS-1", 300),  # a simple return
            ("Return Fee Charged", "OS-1", 50),
            ("Return Order Items Returned", "OS-1", 200),  # and one with an RMA
            ("Order Items Returned", "OS-2", 300),
        ],
    )
    per_summary = lic.order_summary_volume(folder).set_index("order_summary_id")
    assert per_summary["returned_cents"].to_dict() == {"OS-1": 500, "OS-2": 300}
    assert lic.COMPONENTS == [
        "canceled_cents",
        "returned_cents",
        "adjusted_cents",
        "return_fee_cents",
    ]
    volume = lic.monthly_volume(folder)
    sep = volume[(volume["month"] == "2026-09") & (volume["sales_channel"] == "Web")].iloc[0]
    assert sep["returned_cents"] == 800 and sep["net_gmv_cents"] == 1050
    assert sep["gmv_cents"] - sep["returned_cents"] + sep["return_fee_cents"] == 1050
