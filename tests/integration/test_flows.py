"""Each lifecycle behaviour of the starter flows, observed in a small run with it switched on."""

from __future__ import annotations

import json
import sys
import textwrap

import pandas as pd
import pytest

from omsim.scenario import ScenarioError, load_scenario
from omsim.scenario.service import NO_SERVICE_BEHAVIOUR
from omsim.sim.run import run

DC, COLUMBUS, CINCINNATI = "DC-groveport", "ST-columbus", "ST-cincinnati"
SHIP_ONLY = {"Standard": 1, "Express": 0, "Pickup": 0}  # mappings merge key by key: zero the rest


def simulate(seed: int = 5, **overrides):
    """A 3-day tutorial run; customer service behaviour is off unless a test turns it on."""
    settings = {"horizon_days": 3, "service": NO_SERVICE_BEHAVIOUR, **overrides}
    return run(load_scenario("tutorial", **settings), seed=seed)


def activities(result) -> pd.Series:
    return result.log.events()["activity"].astype(str).value_counts()


def attribute(result, activity: str, name: str) -> pd.Series:
    events = result.log.events()
    chosen = events[events["activity"] == activity]
    return chosen["attributes"].map(lambda text: json.loads(text).get(name))


def test_fraud_review_holds_every_order_then_approves_it() -> None:
    result = simulate(
        capture={"fraud_review_share": 1.0, "fraud_review_hours": {"dist": "constant", "value": 2}}
    )
    counts = activities(result)
    managed = [s for s in result.summaries if s.is_managed]
    assert counts["Fraud Review Started"] == len(managed)
    events = result.log.events()
    created = (
        events[events["activity"] == "Order Summary Created"]
        .groupby("order_summary_id")["time_hours"]
        .min()
    )
    routed = (
        events[events["activity"] == "Fulfillment Order Created"]
        .groupby("order_summary_id")["time_hours"]
        .min()
    )
    assert ((routed - created.loc[routed.index]) >= 2.0 - 1e-9).all()
    reviewed = [s for s in managed if s.ordered_at < 3 * 24 - 2]
    assert reviewed and all(s.status != "Created" for s in reviewed)


def test_inaccurate_stores_reject_and_units_are_rerouted_elsewhere() -> None:
    result = simulate(
        fulfillment={"store": {"inventory_accuracy": 0.0}},
        demand={"delivery_methods": SHIP_ONLY},
        routing={"strategy": "ship_from_store"},
    )
    rejected = [
        fo for s in result.summaries for fo in s.fulfillment_orders if fo.status == "Rejected"
    ]
    assert rejected and {fo.fulfilled_from_location_id for fo in rejected} <= {COLUMBUS, CINCINNATI}
    assert all(
        ln.reject_reason == "Out of Stock"
        for fo in rejected
        for ln in fo.lines
        if ln.rejected_quantity
    )
    for fo in rejected:
        summary = next(s for s in result.summaries if s.id == fo.order_summary_id)
        others = [f for f in summary.fulfillment_orders if f.id != fo.id]
        assert all(f.fulfilled_from_location_id != fo.fulfilled_from_location_id for f in others)
        assert (
            summary.routing_attempts >= 2 or summary.active_process_exception_count
        )  # desk pending
    fulfilled_at_stores = [
        fo
        for s in result.summaries
        for fo in s.fulfillment_orders
        if fo.status == "Fulfilled"
        and fo.fulfilled_from_location_id != DC
        and fo.type != "In Store Pickup"
    ]
    assert not fulfilled_at_stores


def test_stop_outage_pauses_work_at_the_location() -> None:
    outage = {
        "location": DC,
        "start": "2026-09-07T00:00:00",
        "end": "2026-09-09T00:00:00",
        "mode": "stop",
    }
    result = simulate(fulfillment={"outages": [outage]}, routing={"strategy": "nearest_warehouse"})
    events = result.log.events()
    changes = result.log.object_changes()
    picks = changes[(changes["field"] == "Status") & (changes["new"] == '"Pickpack"')]
    at_dc = {
        fo.id
        for s in result.summaries
        for fo in s.fulfillment_orders
        if fo.fulfilled_from_location_id == DC
    }
    times = events.set_index("event_id").loc[
        picks[picks["object_id"].isin(at_dc)]["event_id"], "time_hours"
    ]
    assert len(times) > 0 and times.min() >= 48.0


def test_reject_outage_rejects_everything_routed_there() -> None:
    outage = {
        "location": DC,
        "start": "2026-09-07T00:00:00",
        "end": "2026-09-08T00:00:00",
        "mode": "reject",
    }
    result = simulate(
        fulfillment={"outages": [outage]},
        routing={"strategy": "nearest_warehouse", "max_attempts": 1},
    )
    reasons = {
        ln.reject_reason
        for s in result.summaries
        for fo in s.fulfillment_orders
        if fo.fulfilled_from_location_id == DC
        for ln in fo.lines
        if ln.rejected_quantity
    }
    assert reasons == {"Other"}


def test_expired_authorizations_are_renewed_or_raise_payment_exceptions() -> None:
    renewed = simulate(
        payments={"authorization_valid_days": 0.01, "reauthorization_success_rate": 1.0}
    )
    assert (attribute(renewed, "Payment Authorized", "reason") == "reauthorization").sum() > 0
    assert "Payment" not in set(attribute(renewed, "Process Exception Raised", "category"))
    failed = simulate(
        payments={"authorization_valid_days": 0.01, "reauthorization_success_rate": 0.0}
    )
    categories = attribute(failed, "Process Exception Raised", "category")
    assert "Payment" in set(categories)
    assert failed.state_counts.get("Open: Exception", 0) > 0
    assert any("expired" in pe.message for s in failed.summaries for pe in s.process_exceptions)


def test_unroutable_orders_raise_a_fulfillment_exception_after_max_attempts() -> None:
    result = simulate(
        demand={"delivery_methods": SHIP_ONLY},
        routing={
            "excluded_locations": [DC, COLUMBUS, CINCINNATI],
            "max_attempts": 2,
            "retry_delay_hours": 1,
        },
    )
    stuck = [s for s in result.summaries if s.is_managed and s.process_exceptions]
    assert stuck
    for summary in stuck:
        pe = summary.process_exceptions[0]
        assert (pe.category, pe.description) == ("Fulfillment", "no route")
        assert "No route after 2 attempts" in pe.message
        if pe.status == "Resolved":  # the desk routed by hand once more, then canceled
            assert summary.routing_attempts == 3
            assert {i.status for i in summary.product_items} == {"CANCELED"}
    states = set(result.order_states.values())
    assert states <= {"Open: Exception", "Open: Awaiting Routing", "Canceled"}
    assert "Canceled" in states


def test_pickup_orders_go_to_their_store_and_are_fulfilled_at_pickup() -> None:
    result = simulate(demand={"delivery_methods": {"Standard": 0, "Express": 0, "Pickup": 1}})
    pickup = [s for s in result.summaries if s.delivery_groups[0].delivery_method == "Pickup"]
    assert pickup
    for summary in pickup:
        store = summary.delivery_groups[0].pickup_location_id
        assert {fo.type for fo in summary.fulfillment_orders} <= {"In Store Pickup"}
        assert {fo.fulfilled_from_location_id for fo in summary.fulfillment_orders} <= {store}
        assert summary.routing_attempts == 0  # no routing: straight to the chosen store
    counts = activities(result)
    assert counts["Ready for Pickup"] >= counts["Order Picked Up"] > 0
    # customers with no store nearby (or a store out of stock) had their order shipped
    shipped = [s for s in result.summaries if s.delivery_groups[0].delivery_method == "Standard"]
    assert all(fo.type != "In Store Pickup" for s in shipped for fo in s.fulfillment_orders)


def test_unmanaged_orders_are_recorded_but_not_processed() -> None:
    result = simulate(demand={"managed_share": 0.0})
    assert result.summaries and all(not s.is_managed for s in result.summaries)
    assert set(result.order_states.values()) == {"External"}
    assert "Fulfillment Order Created" not in activities(result)


def test_a_scenario_can_replace_a_starter_flow(tmp_path, monkeypatch) -> None:
    module = tmp_path / "custom_flows.py"
    module.write_text(
        textwrap.dedent('''
        def hold_at_location(env, model, fo):
            """A replacement fulfilment flow that parks every fulfillment order."""
            model.note("Held For Audit", [(fo.id, "FulfillmentOrder", "fulfillment order")])
            yield env.timeout(0)
    ''')
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    result = simulate(flows={"fulfillment_order_created": "custom_flows:hold_at_location"})
    counts = activities(result)
    assert counts["Held For Audit"] == counts["Fulfillment Order Created"] > 0
    assert "Fulfillment Order Fulfilled" not in counts
    sys.modules.pop("custom_flows", None)


def test_unknown_trigger_or_flow_is_a_clear_error() -> None:
    with pytest.raises(
        ScenarioError, match="unknown trigger 'order_shipped'; triggers: order_arrived"
    ):
        simulate(flows={"order_shipped": "x:y"})
    with pytest.raises(ScenarioError, match="cannot load 'nowhere_module:flow'"):
        simulate(flows={"fulfillment_order_created": "nowhere_module:flow"})


def test_units_a_pickup_store_cannot_hand_over_are_canceled_not_rerouted() -> None:
    result = simulate(
        demand={"delivery_methods": {"Standard": 0, "Express": 0, "Pickup": 1}},
        fulfillment={"store": {"inventory_accuracy": 0.0}},
    )
    pickup = [s for s in result.summaries if s.delivery_groups[0].delivery_method == "Pickup"]
    rejected = [s for s in pickup if any(fo.status == "Rejected" for fo in s.fulfillment_orders)]
    assert rejected
    for summary in rejected:
        assert len(summary.fulfillment_orders) == 1
        assert {i.status for i in summary.product_items} == {"CANCELED"}
        assert result.order_states[summary.id] == "Canceled"
