"""Fault scenarios: a payment gateway outage, a carrier delay surge, a store closure.

Each fault is switched on in a small tutorial run and checked against the same run without it
(same seed) or against the window it covers. The tutorial starts Monday 2026-09-07 at local
midnight, so a window on Tuesday 08:00-20:00 is hours 32-44 of the run.
"""

from __future__ import annotations

import functools

import numpy as np
import pandas as pd

from omsim.analysis.kpis import delivery_kpis, money_kpis
from omsim.analysis.service_kpis import exception_kpis, exception_lifecycles
from omsim.domain import check_invariants
from omsim.scenario import deep_merge, load_scenario
from omsim.sim.run import FINAL_STATES, OPEN_STATES, run

SHIP_ONLY = {"Standard": 1, "Express": 0, "Pickup": 0}  # mappings merge key by key: zero the rest
QUIET = {
    "cancellations": {"probability": 0.0},
    "returns": {
        "rate_by_category": {"apparel": 0.0, "home": 0.0},
        "default_rate": 0.0,
        "mismatch_probability": 0.0,
    },
    "lost_parcels": {"probability": {"Standard": 0.0, "Express": 0.0}},
    "appeasements": {"contact_share": 0.0},
    "pickup_no_shows": {"probability": 0.0},
}
"""Customer and carrier behaviour off, named one by one (an empty mapping would merge away)."""
OUTAGE = {"start": "2026-09-08T08:00:00", "end": "2026-09-08T20:00:00"}
OUTAGE_START, OUTAGE_END = 32.0, 44.0
DAY_TWO = {"start": "2026-09-08T00:00:00", "end": "2026-09-09T00:00:00"}
DAY_TWO_START, DAY_TWO_END = 24.0, 48.0
CLOSED_STORE = "ST-columbus"


def simulate(seed: int = 5, *, horizon_days: float = 4, service: dict | None = None, **overrides):
    scenario = load_scenario(
        "tutorial",
        horizon_days=horizon_days,
        service=deep_merge(QUIET, service or {}),
        **overrides,
    )
    return run(scenario, seed=seed)


def of(result, activity: str) -> pd.DataFrame:
    events = result.log.events()
    return events[events["activity"] == activity]


def related(result, activities, object_type: str) -> pd.DataFrame:
    """Events of the given activities joined to the objects of one type they involve."""
    events, relations = result.log.events(), result.log.event_objects()
    relations = relations[relations["object_type"] == object_type][["event_id", "object_id"]]
    return events[events["activity"].isin(list(activities))].merge(relations, on="event_id")


def in_window(times: pd.Series, start: float, end: float) -> pd.Series:
    return (times >= start) & (times < end)


# --- payment gateway outage ---------------------------------------------------------------------


@functools.cache
def outage_run(horizon_days: float):
    """Tuesday 08:00-20:00 the gateway is down; two desk agents work the exceptions."""
    return simulate(
        horizon_days=horizon_days,
        faults={"gateway_outages": [OUTAGE]},
        service={"desk": {"agents": 2}},
    )


def test_capture_failures_pile_up_during_a_gateway_outage_then_drain() -> None:
    result = outage_run(4)
    life = exception_lifecycles(result.log.tables())
    failed = life[life["kind"] == "capture failed"]
    assert len(failed) > 10
    assert set(failed["category"]) == {"Payment"}
    # Raised only while the gateway is down, closed only once it is back: they pile up ...
    assert in_window(failed["raised_hours"], OUTAGE_START, OUTAGE_END).all()
    assert (failed["closed_hours"] >= OUTAGE_END).all()
    # ... one per invoice created in the window whose order was not already held by the desk.
    invoices = related(result, ["Invoice Created"], "Invoice")
    during = invoices[in_window(invoices["time_hours"], OUTAGE_START, OUTAGE_END)]
    records = {pe.id: pe for s in result.summaries for pe in s.process_exceptions}
    attached = {records[pe_id].attached_to_id for pe_id in failed["process_exception_id"]}
    assert attached <= set(during["object_id"])
    summaries = {s.id: s for s in result.summaries}
    for invoice_id, order in zip(during["object_id"], during["order_summary_id"], strict=True):
        if invoice_id not in attached:  # held: another exception was active on the order
            t = invoices.set_index("object_id").loc[invoice_id, "time_hours"]
            assert any(
                pe.created_at <= t and (pe.resolved_at is None or pe.resolved_at >= t)
                for pe in summaries[order].process_exceptions
            )
    # ... the backlog of capture failures peaks when the gateway comes back, then drains.
    steps = pd.concat(
        [
            pd.DataFrame({"t": failed["raised_hours"], "d": 1}),
            pd.DataFrame({"t": failed["closed_hours"], "d": -1}),
        ]
    ).sort_values("t", kind="stable")
    level = steps["d"].cumsum()
    assert level.max() == len(failed)
    assert steps["t"].to_numpy()[int(np.argmax(level.to_numpy()))] < OUTAGE_END
    assert level.iloc[-1] == 0 and failed["closed_hours"].notna().all()
    kpis = exception_kpis(result.log.tables())
    assert kpis["process_exceptions_by_kind"]["capture failed"] == len(failed)
    assert kpis["peak_exception_backlog"] >= len(failed)
    assert kpis["process_exceptions_open_at_end"] == life["closed_hours"].isna().sum()


def test_every_capture_delayed_by_the_outage_happens_after_it() -> None:
    result = outage_run(4)
    invoices = related(result, ["Invoice Created"], "Invoice")
    during = invoices[in_window(invoices["time_hours"], OUTAGE_START, OUTAGE_END)]
    captured = related(result, ["Payment Captured", "Payment Applied"], "Invoice")
    assert len(during) > 10
    late = captured[captured["object_id"].isin(during["object_id"])]
    assert set(late["object_id"]) == set(during["object_id"])  # all captured by the end
    assert (late["time_hours"] >= OUTAGE_END).all()
    # Nothing is captured while the gateway is down.
    payments = of(result, "Payment Captured")
    assert not in_window(payments["time_hours"], OUTAGE_START, OUTAGE_END).any()
    assert not in_window(captured["time_hours"], OUTAGE_START, OUTAGE_END).any()


def test_a_gateway_outage_loses_no_order_and_no_money() -> None:
    """Stopped while the backlog still drains (hour 60), then four days on: every checkout is
    accounted for, every summary passes its invariants and captured = invoiced - still open."""
    for horizon_days, draining in ((2.5, True), (4, False)):
        result = outage_run(horizon_days)
        c = result.counters
        originals = [s for s in result.summaries if s.source_order_summary_id is None]
        assert c.arrivals == c.declined + c.stocked_out + len(originals)
        assert set(result.order_states.values()) <= set(FINAL_STATES + OPEN_STATES)
        for s in result.summaries:
            check_invariants(s)
        invoices = [inv for s in result.summaries for inv in s.invoices]
        open_balance = sum(inv.balance_cents for inv in invoices)
        money = money_kpis(result.log.tables())
        assert money["invoiced_cents"] == sum(inv.total_amount_with_tax_cents for inv in invoices)
        assert money["captured_cents"] + money["payments_applied_cents"] == (
            money["invoiced_cents"] - open_balance
        )
        assert (open_balance > 0) == draining
        unpaid = {inv.order_summary_id for inv in invoices if inv.balance_cents}
        assert all(result.order_states[o] == "Open: Exception" for o in unpaid)


def test_refunds_during_a_gateway_outage_fail_queue_and_are_paid_after_it() -> None:
    """Returns and appeasements refund while the gateway is down: each refund fails (a
    ``refund failed`` Payment exception, Salesforce's ``OM Refund Failed``) and the desk pays it
    once the gateway is back; no card money moves in the window. The outage is on Thursday
    08:00-20:00 (hours 80-92), when returns come back."""
    start, end = 80.0, 92.0
    result = simulate(
        horizon_days=6,
        faults={
            "gateway_outages": [{"start": "2026-09-10T08:00:00", "end": "2026-09-10T20:00:00"}]
        },
        service={
            "desk": {"agents": 2},
            "returns": {
                "rate_by_category": {"apparel": 0.5, "home": 0.5},
                "default_rate": 0.5,
                "days_after_delivery": {"dist": "exponential", "mean": 0.3},
                "inspection_hours": {"dist": "exponential", "mean": 4},
            },
            "appeasements": {
                "contact_share": 0.8,
                "contact_hours_after_delivery": {"dist": "exponential", "mean": 4},
            },
        },
    )
    life = exception_lifecycles(result.log.tables())
    failed = life[life["kind"] == "refund failed"]
    assert len(failed) > 0
    assert in_window(failed["raised_hours"], start, end).all()
    assert (failed["closed_hours"] >= end).all()
    card = related(result, ["Refund Processed"], "Refund")
    kinds = {
        r.id: r.type for s in result.summaries for ops in s.payment_summaries for r in ops.refunds
    }
    card = card[card["object_id"].map(kinds) == "Referenced"]
    assert len(card) > 0
    assert not in_window(card["time_hours"], start, end).any()
    orders = set(failed["order_summary_id"])
    paid_later = set(card[card["time_hours"] >= end]["order_summary_id"].astype(str))
    assert orders <= paid_later
    for s in result.summaries:
        check_invariants(s)
        if s.id in orders:
            assert all(m.balance_cents == 0 for m in s.credit_memos), s.id


# --- carrier delay surge ------------------------------------------------------------------------


def transit_hours(result) -> pd.DataFrame:
    """Per parcel shipped: when it left and when it was delivered (NaN: still in transit)."""
    shipped = related(result, ["Parcel Shipped"], "FulfillmentOrder").set_index("object_id")
    delivered = related(result, ["Parcel Delivered"], "FulfillmentOrder").set_index("object_id")
    return pd.DataFrame(
        {"shipped": shipped["time_hours"], "delivered": delivered["time_hours"]}
    ).sort_index()


def test_parcels_shipped_in_a_carrier_surge_take_longer_and_only_those() -> None:
    surge = {**DAY_TWO, "extra_days": {"dist": "constant", "value": 2}}
    base = simulate(horizon_days=7)
    hit = simulate(horizon_days=7, faults={"carrier_delay_surges": [surge]})
    before, after = transit_hours(base), transit_hours(hit)
    # Same seed, same fulfilment: the same parcels leave at the same times.
    assert before["shipped"].equals(after["shipped"])
    common = before.dropna().index.intersection(after.dropna().index)
    extra = (after.loc[common, "delivered"] - after.loc[common, "shipped"]) - (
        before.loc[common, "delivered"] - before.loc[common, "shipped"]
    )
    surged = in_window(before.loc[common, "shipped"], DAY_TWO_START, DAY_TWO_END)
    assert surged.sum() > 10 and (~surged).sum() > 10
    assert np.allclose(extra[surged], 48.0)
    assert np.allclose(extra[~surged], 0.0)
    # The delivery KPIs see it: a longer mean time to delivery and more late deliveries.
    mean_base = delivery_kpis(base.log.tables())["mean_hours_to_delivery"]
    mean_hit = delivery_kpis(hit.log.tables())["mean_hours_to_delivery"]
    assert mean_hit > mean_base
    late_base = delivery_kpis(base.log.tables())["late_parcel_rate"]
    assert delivery_kpis(hit.log.tables())["late_parcel_rate"] > late_base


# --- store closure ------------------------------------------------------------------------------


def closure() -> dict:
    return {"store_closures": [{**DAY_TWO, "location": CLOSED_STORE}]}


def test_routing_avoids_a_closed_store_during_its_closure() -> None:
    result = simulate(
        horizon_days=3,
        faults=closure(),
        demand={"delivery_methods": SHIP_ONLY},
        routing={"strategy": "ship_from_store"},
    )
    created = of(result, "Fulfillment Order Created")
    at_store = created[created["location_id"] == CLOSED_STORE]
    assert not in_window(at_store["time_hours"], DAY_TWO_START, DAY_TWO_END).any()
    # the store is used before and after the closure: routing avoided it only while closed
    assert (at_store["time_hours"] < DAY_TWO_START).sum() > 5
    assert (at_store["time_hours"] >= DAY_TWO_END).sum() > 5
    assert in_window(created["time_hours"], DAY_TWO_START, DAY_TWO_END).sum() > 20


def test_a_closed_store_picks_and_packs_nothing_during_its_closure() -> None:
    result = simulate(horizon_days=3, faults=closure())
    fos = {fo.id: fo for s in result.summaries for fo in s.fulfillment_orders}
    changes = result.log.object_changes()
    picks = changes[(changes["field"] == "Status") & (changes["new"] == '"Pickpack"')]
    at_store = picks[
        picks["object_id"].map(lambda i: fos[i].fulfilled_from_location_id == CLOSED_STORE)
    ]
    assert len(at_store) > 5
    assert not in_window(at_store["time_hours"], DAY_TWO_START, DAY_TWO_END).any()
    # work waiting at the closure resumes when the store reopens at 09:00 the next day
    assert (at_store["time_hours"] >= DAY_TWO_END + 9.0 - 1e-9).any()
