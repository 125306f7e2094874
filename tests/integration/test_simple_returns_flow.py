"""The service desk's simple returns (``submitReturn``, no RMA) beside returns with an RMA.

Small tutorial runs with ``service.returns.simple_return_share`` at 0 (the default: the event
log as before the field existed), 1 (every return but exchanges without an RMA) and between.
"""

from __future__ import annotations

import functools
import json
from collections import Counter
from pathlib import Path

import pandas as pd
import pytest

from omsim.analysis import licensing as lic
from omsim.analysis.service_kpis import return_kpis
from omsim.domain import check_invariants
from omsim.domain.simple_returns import return_initiated_violations
from omsim.runfolder import run_to_folder
from omsim.scenario import load_scenario
from omsim.scenario.loading import ScenarioError
from omsim.sim.run import run

SHIP_ONLY = {"Standard": 1, "Express": 0, "Pickup": 0}
RETURNS = {
    "rate_by_category": {"apparel": 0.8, "home": 0.5},
    "default_rate": 0.5,
    "days_after_delivery": {"dist": "constant", "value": 0.2},
    "inspection_hours": {"dist": "constant", "value": 2.0},
    "mismatch_probability": 0.2,
    "exchange_share": 0.25,
    "return_fee_cents": 300,
    "shipping_reduction": True,
}
"""Many returns soon after delivery, some short parcels, exchanges and a return fee."""


def scenario(share: float | None, **overrides):
    returns = dict(RETURNS)
    if share is not None:
        returns["simple_return_share"] = share
    return load_scenario(
        "tutorial",
        horizon_days=6,
        demand={"delivery_methods": SHIP_ONLY},
        service={"returns": returns},
        **overrides,
    )


@functools.cache
def simulate(share: float | None, seed: int = 3):
    return run(scenario(share), seed=seed)


def events(result) -> pd.DataFrame:
    frame = result.log.events().copy()
    frame["attrs"] = [json.loads(text) for text in frame["attributes"]]
    return frame


def of(result, activity: str) -> pd.DataFrame:
    frame = events(result)
    return frame[frame["activity"] == activity]


def related_ids(result, activity: str, object_type: str) -> set[str]:
    relations = result.log.event_objects()
    chosen = of(result, activity)["event_id"]
    rows = relations[relations["event_id"].isin(chosen) & (relations["object_type"] == object_type)]
    return set(rows["event_id"])


def test_a_share_of_zero_leaves_the_event_log_as_without_the_field() -> None:
    absent, zero = simulate(None), simulate(0.0)
    for table in ("events", "event_objects", "object_changes"):
        pd.testing.assert_frame_equal(getattr(absent.log, table)(), getattr(zero.log, table)())
    n = Counter(absent.log.events()["activity"].astype(str))
    assert n["Return Order Created"] > 20 and n["Return Order Items Returned"] > 10
    assert n["Order Items Returned"] == 0


def test_the_share_is_a_fraction() -> None:
    for bad, bound in ((-0.1, "greater than or equal to 0"), (1.5, "less than or equal to 1")):
        with pytest.raises(
            ScenarioError, match=f"service.returns.simple_return_share: got {bad}: .*{bound}"
        ):
            scenario(bad)


def test_at_one_every_return_but_exchanges_goes_without_an_rma() -> None:
    result = simulate(1.0)
    n = Counter(result.log.events()["activity"].astype(str))
    assert n["Order Items Returned"] > 10
    ros = [ro for s in result.summaries for ro in s.return_orders]
    assert n["Return Order Created"] == len(ros) > 0
    # exchanges keep their RMA; a failed exchange (nothing captured) falls back to one too
    assert sum(ro.exchange_order_summary_id is not None for ro in ros) >= len(ros) - 2
    # a simple return's inspection involves the Order Summary and no return order; each with
    # units in the parcel is one submitReturn (a parcel short of its only unit is only inspected)
    inspected = of(result, "Return Inspected")
    with_rma = related_ids(result, "Return Inspected", "ReturnOrder")
    simple = [
        a
        for e, a in zip(inspected["event_id"], inspected["attrs"], strict=True)
        if e not in with_rma
    ]
    assert sum(a["units"] > 0 for a in simple) == n["Order Items Returned"]
    # each simple return is credited at once: a credit memo for the same summary, same instant
    credited = of(result, "Credit Memo Created")
    memos = set(zip(credited["order_summary_id"], credited["time_hours"], strict=True))
    returned = of(result, "Order Items Returned")
    assert all(
        key in memos
        for key in zip(returned["order_summary_id"], returned["time_hours"], strict=True)
    )
    for summary in result.summaries:
        check_invariants(summary)
        assert return_initiated_violations(summary) == []


@pytest.mark.parametrize("share", [0.0, 1.0, 0.5])
def test_returned_units_agree_across_events_kpis_and_records(share: float) -> None:
    """Units: ``Return Inspected`` (the KPI) = the two return events = QuantityReturned."""
    result = simulate(share)
    kpis = return_kpis(result.log.tables())
    by_events = sum(
        a["units"]
        for activity in ("Order Items Returned", "Return Order Items Returned")
        for a in of(result, activity)["attrs"]
    )
    in_records = sum(i.quantity_returned for s in result.summaries for i in s.product_items)
    assert kpis["units_returned"] == by_events == in_records > 0
    assert kpis["simple_returns"] == len(of(result, "Order Items Returned"))
    assert kpis["return_orders_created"] == len(of(result, "Return Order Created"))
    if share == 0.5:  # both paths taken
        assert kpis["simple_returns"] > 0
        assert len(of(result, "Return Order Items Returned")) > len(
            [s for s in result.summaries if s.source_process == "Exchange"]
        )


def test_the_same_seed_gives_the_same_log_with_a_share() -> None:
    pd.testing.assert_frame_equal(
        simulate(0.5).log.events(), run(scenario(0.5), seed=3).log.events()
    )


def test_the_gateway_down_leaves_simple_return_refunds_to_the_desk() -> None:
    result = run(
        load_scenario(
            "tutorial",
            horizon_days=6,
            demand={"delivery_methods": SHIP_ONLY},
            service={"returns": {**RETURNS, "simple_return_share": 1.0, "exchange_share": 0.0}},
            faults={
                "gateway_outages": [{"start": "2026-09-10T00:00:00", "end": "2026-09-14T00:00:00"}]
            },
        ),
        seed=3,
    )
    failed = [
        a for a in of(result, "Process Exception Raised")["attrs"] if "refund" in json.dumps(a)
    ]
    assert len(of(result, "Order Items Returned")) > 0 and failed
    for summary in result.summaries:
        check_invariants(summary)


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    _, path = run_to_folder(scenario(1.0), tmp_path_factory.mktemp("simple") / "run", seed=3)
    return path


def test_licensing_net_gmv_takes_the_simple_returns_off(folder: Path) -> None:
    """net = gross - canceled - returned - adjusted + fees, summary by summary."""
    volume = lic.order_summary_volume(folder)
    assert lic.COMPONENTS == [
        "canceled_cents",
        "returned_cents",
        "adjusted_cents",
        "return_fee_cents",
    ]
    managed = volume[volume["counted"]]
    by_events = (
        managed["gmv_cents"]
        - managed["canceled_cents"].fillna(0)
        - managed["returned_cents"].fillna(0)
        - managed["adjusted_cents"].fillna(0)
        + managed["return_fee_cents"].fillna(0)
    )
    assert (by_events == managed["net_gmv_cents"]).all()
    events = pd.read_parquet(folder / "events.parquet")
    simple = events[events["activity"] == "Order Items Returned"]
    assert len(simple) > 0
    assert managed["returned_cents"].fillna(0).sum() == (
        simple["amount_cents"].sum()
        + events.loc[events["activity"] == "Return Order Items Returned", "amount_cents"].sum()
    )
