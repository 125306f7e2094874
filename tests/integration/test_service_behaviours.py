"""Service after the sale: each customer and carrier behaviour, switched off (0) and on (1).

Small tutorial runs, one behaviour switched on at a time, checked three ways: the final records
(``result.summaries``), the event log, and the KPI functions of `omsim.analysis.service_kpis`.
Every run already passes the run's accounting (`omsim.sim.run.account`); tests that change money
call `check_invariants` on every summary as well, to say so where it matters.
"""

from __future__ import annotations

import functools
import json
from collections import Counter

import pandas as pd
import pytest

from omsim.analysis.kpis import kpis as all_kpis
from omsim.analysis.service_kpis import (
    appeasement_kpis,
    cancellation_kpis,
    exception_kpis,
    return_kpis,
)
from omsim.domain import check_invariants
from omsim.domain.money import tax_cents
from omsim.domain.picklists import FULFILLMENT_ORDER_STATUS_CATEGORY, ItemType, SourceProcess
from omsim.scenario import deep_merge, load_scenario
from omsim.sim.model import build_model
from omsim.sim.run import run

SHIP_ONLY = {"Standard": 1, "Express": 0, "Pickup": 0}  # mappings merge key by key: zero the rest
PICKUP_ONLY = {"Standard": 0, "Express": 0, "Pickup": 1}
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
"""Every behaviour off for the tutorial, naming its categories and methods one by one: a
mapping merges key by key, so an empty mapping (as in ``NO_SERVICE_BEHAVIOUR``) leaves the
tutorial's own ``rate_by_category`` and lost-parcel ``probability`` in force."""
FAST_DESK = {
    "agents": 4,
    "triage_minutes": {"dist": "constant", "value": 5},
    "resolution_minutes": {"dist": "constant", "value": 10},
}


def constant(value: float) -> dict[str, object]:
    return {"dist": "constant", "value": value}


def simulate(seed: int = 5, *, service: dict | None = None, horizon_days: float = 3, **overrides):
    """A small tutorial run with every behaviour off except those ``service`` switches on."""
    scenario = load_scenario(
        "tutorial",
        horizon_days=horizon_days,
        service=deep_merge(QUIET, service or {}),
        **overrides,
    )
    return run(scenario, seed=seed)


def of(result, activity: str) -> pd.DataFrame:
    """Events of one activity, with their attributes parsed into an ``attrs`` column."""
    events = result.log.events()
    chosen = events[events["activity"] == activity].copy()
    chosen["attrs"] = [json.loads(text) for text in chosen["attributes"]]
    return chosen


def related(result, activity: str, object_type: str) -> pd.DataFrame:
    """Events of one activity joined to the objects of one type they involve."""
    relations = result.log.event_objects()
    relations = relations[relations["object_type"] == object_type][["event_id", "object_id"]]
    return of(result, activity).merge(relations, on="event_id")


def counts(result) -> Counter:
    return Counter(result.log.events()["activity"].astype(str))


def by_id(result) -> dict:
    return {s.id: s for s in result.summaries}


def fo_status_before(result):
    """``status(fo_id, event_id)``: a fulfillment order's Status just before an event."""
    changes = result.log.object_changes()
    status = changes[
        (changes["object_type"] == "FulfillmentOrder") & (changes["field"] == "Status")
    ]
    timeline: dict[str, list[tuple[int, str]]] = {}
    for fo_id, event_id, new in zip(
        status["object_id"], status["event_id"], status["new"], strict=True
    ):
        timeline.setdefault(str(fo_id), []).append((int(event_id), json.loads(new)))

    def status_at(fo_id: str, event_id: int) -> str | None:
        earlier = [s for e, s in timeline.get(fo_id, []) if e < event_id]
        return earlier[-1] if earlier else None

    return status_at


def pairs(events: pd.DataFrame) -> list[tuple[str, str]]:
    return list(zip(events["order_summary_id"], events["object_id"], strict=True))


def product_units(summary, fo) -> Counter:
    """Units per OrderItemSummary on a fulfillment order's product lines."""
    return Counter(
        {
            ln.order_item_summary_id: ln.quantity
            for ln in fo.lines
            if ln.type is ItemType.PRODUCT and ln.quantity
        }
    )


def location_reservations_match_open_fulfillment_orders(result) -> None:
    """Each location holds exactly the units of its open (allocated or in-work) FO lines."""
    inventory = result.model.inventory
    held: Counter = Counter()
    for s in result.summaries:
        for fo in s.fulfillment_orders:
            if fo.status_category in ("ACTIVATED", "FULFILLING"):
                for ln in fo.lines:
                    if ln.type is ItemType.PRODUCT:
                        held[fo.fulfilled_from_location_id, ln.stock_keeping_unit] += ln.quantity
    for location in inventory.locations:
        for sku in inventory.skus:
            assert inventory.stock(location, sku).reserved == held[location, sku], (location, sku)


# --- cancellations ------------------------------------------------------------------------------


def test_no_cancel_requests_when_the_probability_is_zero() -> None:
    result = simulate()
    assert "Cancel Requested" not in counts(result)
    kpis = cancellation_kpis(result.log.tables())
    assert kpis["cancel_requests"] == kpis["orders_canceled_by_customer"] == 0
    assert kpis["customer_cancel_rate"] == 0.0
    assert "Customer Request" not in kpis["canceled_units_by_reason"]


def test_cancel_requests_before_routing_cancel_almost_every_order() -> None:
    result = simulate(
        service={
            "cancellations": {
                "probability": 1.0,
                "hours_after_order": constant(0.01),
                "whole_order_share": 1.0,
            }
        },
        demand={"delivery_methods": SHIP_ONLY},
    )
    managed = [s for s in result.summaries if s.is_managed]
    kpis = cancellation_kpis(result.log.tables())
    assert kpis["cancel_requests"] == len(managed)
    assert kpis["customer_cancel_rate"] > 0.9
    canceled = [s for s in managed if result.order_states[s.id] == "Canceled"]
    assert len(canceled) >= 0.9 * len(managed)
    for s in canceled:
        assert {i.status for i in s.product_items} == {"CANCELED"}
        assert not s.invoices  # nothing shipped, nothing invoiced or captured
    # the units held at the location group for the canceled orders were released
    inventory, group = result.model.inventory, result.model.world.reservation_group
    for sku in inventory.skus:
        group_only = inventory.stock(group, sku).reserved - sum(
            inventory.stock(loc, sku).reserved for loc in inventory.groups[group]
        )
        unrouted = sum(
            i.quantity_available_to_fulfill
            for s in managed
            for i in s.product_items
            if i.stock_keeping_unit == sku
        )
        assert group_only == unrouted, sku
    location_reservations_match_open_fulfillment_orders(result)


def test_cancel_after_allocation_cancels_fo_lines_first_and_refuses_picked_units() -> None:
    """An hour after checkout, orders placed at night sit allocated at a closed location (their
    fulfillment order lines are canceled, then the items); daytime orders are being picked or
    packed: the request for those units is refused."""
    result = simulate(
        service={
            "cancellations": {
                "probability": 1.0,
                "hours_after_order": constant(1.0),
                "whole_order_share": 1.0,
            }
        },
        demand={"delivery_methods": SHIP_ONLY},
        fulfillment={"store": {"inventory_accuracy": 1.0}},
    )
    summaries = by_id(result)
    status_at = fo_status_before(result)
    requested = of(result, "Cancel Requested").set_index("order_summary_id")
    item_cancels = of(result, "Order Items Canceled").groupby("order_summary_id")["event_id"].min()

    # Allocated, not picked: the FO lines are canceled first, at the request, then the items.
    line_cancels = related(result, "Fulfillment Order Lines Canceled", "FulfillmentOrder")
    assert len(line_cancels) >= 5
    for _, event in line_cancels.iterrows():
        order = event["order_summary_id"]
        assert event["time_hours"] == requested.loc[order, "time_hours"]
        assert status_at(event["object_id"], event["event_id"]) == "Allocated"
        assert summaries[order].fulfillment_order(event["object_id"]).status == "Cancelled"
        assert event["event_id"] < item_cancels[order]

    # Picked or packed: refused, exactly the units on fulfillment orders being worked.
    refused = of(result, "Cancel Refused")
    assert len(refused) >= 5
    for _, event in refused.iterrows():
        s = summaries[event["order_summary_id"]]
        in_work = sum(
            ln.quantity
            for fo in s.fulfillment_orders
            if FULFILLMENT_ORDER_STATUS_CATEGORY.get(status_at(fo.id, event["event_id"]) or "")
            == "FULFILLING"
            for ln in fo.lines
            if ln.type is ItemType.PRODUCT
        )
        assert event["attrs"]["units"] == in_work > 0
    kpis = cancellation_kpis(result.log.tables())
    assert kpis["cancel_refused_units"] == sum(a["units"] for a in refused["attrs"])
    assert 0 < kpis["customer_cancel_rate"] < 1
    location_reservations_match_open_fulfillment_orders(result)


# --- returns --------------------------------------------------------------------------------------

RETURN_EVERYTHING = {
    "rate_by_category": {"apparel": 1.0, "home": 1.0},
    "default_rate": 1.0,
    "days_after_delivery": constant(0.1),
    "inspection_hours": constant(1.0),
    "exchange_share": 0.0,
}
RETURN_FEE = 500


def test_no_returns_when_the_rates_are_zero() -> None:
    result = simulate(horizon_days=5, demand={"delivery_methods": SHIP_ONLY})
    kpis = return_kpis(result.log.tables())
    assert kpis["units_delivered"] > 0
    assert kpis["return_orders_created"] == kpis["units_returned"] == 0
    assert kpis["unit_return_rate"] == 0.0
    assert set(kpis["unit_return_rate_by_category"].values()) == {0.0}
    assert not any(s.return_orders for s in result.summaries)


@functools.cache
def returns_run():
    """Every delivered unit comes back 0.1 days later, for a restockable reason or not, and
    each RMA is charged a $5 return fee."""
    returns = {
        **RETURN_EVERYTHING,
        "reasons": {"Damaged": 0.5, "Not Satisfied": 0.5},
        "return_fee_cents": RETURN_FEE,
    }
    return simulate(
        service={"returns": returns}, horizon_days=5, demand={"delivery_methods": SHIP_ONLY}
    )


def test_returns_get_an_rma_then_are_received_inspected_and_returned() -> None:
    result = returns_run()
    summaries = by_id(result)

    # Every delivered unit gets an RMA 0.1 days after its parcel arrives.
    delivered = of(result, "Parcel Delivered")
    first_delivery = delivered.groupby("order_summary_id")["time_hours"].min()
    created = of(result, "Return Order Created")
    assert len(created) > 50
    for order, t in created.groupby("order_summary_id")["time_hours"].min().items():
        assert t == pytest.approx(first_delivery[order] + 2.4)
    parcels = related(result, "Parcel Delivered", "FulfillmentOrder")
    due = parcels[parcels["time_hours"] < result.scenario.horizon_hours - 2.4]
    expected: Counter = Counter()
    for order, fo_id in pairs(due):
        expected.update(product_units(summaries[order], summaries[order].fulfillment_order(fo_id)))
    initiated = Counter(
        {
            i.id: i.quantity_return_initiated
            for s in result.summaries
            for i in s.product_items
            if i.quantity_return_initiated
        }
    )
    assert initiated == expected

    # The parcel reaches the return location, is inspected an hour later, items returned.
    received = related(result, "Return Parcel Received", "ReturnOrder").set_index("object_id")
    inspected = related(result, "Return Inspected", "ReturnOrder").set_index("object_id")
    assert len(inspected) > 30
    for ro_id, event in inspected.iterrows():
        assert event["time_hours"] == pytest.approx(received.loc[ro_id, "time_hours"] + 1.0)
        assert event["location_id"] == received.loc[ro_id, "location_id"]
    n = counts(result)
    assert n["Return Order Items Returned"] == n["Return Inspected"] == len(inspected)
    closed = [ro for s in result.summaries for ro in s.return_orders if ro.status == "Closed"]
    assert sorted(ro.id for ro in closed) == sorted(inspected.index)
    for ro in closed:
        (line,) = ro.lines
        assert line.quantity_returned == line.quantity_received == line.quantity_expected

    # KPIs: units returned by category over units delivered.
    kpis = return_kpis(result.log.tables())
    attrs = inspected["attrs"]
    assert kpis["return_orders_created"] == len(created)
    assert kpis["units_returned"] == sum(a["units"] for a in attrs)
    assert set(kpis["unit_return_rate_by_category"]) == {"apparel", "home"}
    for category, rate in kpis["unit_return_rate_by_category"].items():
        back = sum(a["units"] for a in attrs if a["category"] == category)
        sent = sum(a["units_by_category"].get(category, 0) for a in delivered["attrs"])
        assert rate == pytest.approx(back / sent)
    exceptions = exception_kpis(result.log.tables())["process_exceptions_by_category"]
    assert "Returns" not in exceptions  # mismatch probability 0


def test_returned_items_are_credited_and_refunded_net_of_the_return_fee() -> None:
    result = returns_run()
    for s in result.summaries:
        check_invariants(s)
    n = counts(result)
    assert n["Credit Memo Created"] == n["Refund Processed"] == n["Return Fee Charged"] > 30
    assert n["Credit Memo Applied"] == n["Return Inspected"]  # the fee netted from each credit
    closed = [(s, ro) for s in result.summaries for ro in s.return_orders if ro.status == "Closed"]
    for s, ro in closed:
        (line,) = ro.lines
        item = s.item(line.order_item_summary_id)
        memo = next(m for m in s.credit_memos if m.reference_entity_id == line.change_order_id)
        credit = memo.total_amount_cents + memo.total_tax_amount_cents
        price = line.quantity_returned * item.unit_price_cents
        assert credit == price + tax_cents(price, item.tax_rate)
        fee = RETURN_FEE + tax_cents(RETURN_FEE, item.tax_rate)
        assert memo.applied_to_invoices_cents == fee and memo.balance_cents == 0
        refunds = [r for ops in s.payment_summaries for r in ops.refunds if r.source_id == memo.id]
        assert {r.type for r in refunds} == {"Referenced"}
        assert sum(r.amount_cents for r in refunds) == credit - fee
    fees = of(result, "Return Fee Charged")["amount_cents"]
    assert set(fees) == {RETURN_FEE + tax_cents(RETURN_FEE, result.scenario.demand.tax_rate)}
    kpis = all_kpis(result.log.tables())
    refunded = int(of(result, "Refund Processed")["amount_cents"].sum())
    assert kpis["refunds_to_customer_cents"] == refunded == kpis["refunds_processed_cents"]
    assert kpis["refunds_exchange_credit_cents"] == kpis["exchange_order_summaries"] == 0


def test_returned_units_are_restocked_or_disposed_of_by_reason() -> None:
    result = returns_run()
    inspected = of(result, "Return Inspected")
    restock_reasons = set(result.scenario.service.returns.restock_reasons)
    pairs = {(a["reason"], a["restocked"]) for a in inspected["attrs"]}
    assert pairs == {("Damaged", False), ("Not Satisfied", True)}
    assert "Damaged" not in restock_reasons and "Not Satisfied" in restock_reasons
    restocked = Counter()
    for location, a in zip(inspected["location_id"], inspected["attrs"], strict=True):
        restocked[str(location)] += a["units"] if a["restocked"] else 0
    assert sum(restocked.values()) > 0
    # opening + replenished + restocked - shipped - written off = closing, at each location
    replenished = Counter()
    receipts = of(result, "Replenishment Received")
    for location, a in zip(receipts["location_id"], receipts["attrs"], strict=True):
        replenished[str(location)] += a["units"]
    shipped: Counter = Counter()
    written_off: Counter = Counter()
    for s in result.summaries:
        for fo in s.fulfillment_orders:
            for ln in fo.lines:
                if ln.type is ItemType.PRODUCT and fo.status == "Fulfilled":
                    shipped[fo.fulfilled_from_location_id] += ln.quantity
                if ln.reject_reason == "Out of Stock":
                    written_off[fo.fulfilled_from_location_id] += ln.rejected_quantity
    opening, closing = build_model(result.scenario, result.seed).inventory, result.model.inventory
    for location in closing.locations:
        before = sum(opening.stock(location, sku).on_hand for sku in opening.skus)
        after = sum(closing.stock(location, sku).on_hand for sku in closing.skus)
        flows = replenished[location] + restocked[location]
        assert before + flows - shipped[location] - written_off[location] == after, location


# --- exchanges ----------------------------------------------------------------------------------


def test_exchange_share_zero_refunds_every_return_to_the_card() -> None:
    result = simulate(
        service={"returns": RETURN_EVERYTHING},
        horizon_days=5,
        demand={"delivery_methods": SHIP_ONLY},
    )
    assert "Exchange Submitted" not in counts(result)
    assert all(s.source_process != SourceProcess.EXCHANGE for s in result.summaries)
    refunds = [r for s in result.summaries for ops in s.payment_summaries for r in ops.refunds]
    assert refunds and {r.type for r in refunds} == {"Referenced"}
    kpis = all_kpis(result.log.tables())
    assert kpis["exchange_order_summaries"] == kpis["refunds_exchange_credit_cents"] == 0
    assert kpis["refunds_to_customer_cents"] == sum(r.amount_cents for r in refunds)


def test_even_exchanges_are_new_order_summaries_routed_fulfilled_and_paid_by_credit() -> None:
    returns = {**RETURN_EVERYTHING, "exchange_share": 1.0, "reasons": {"Wrong Item": 1.0}}
    result = simulate(
        service={"returns": returns}, horizon_days=5, demand={"delivery_methods": SHIP_ONLY}
    )
    summaries = by_id(result)
    for s in result.summaries:
        check_invariants(s)
    exchanges = [s for s in result.summaries if s.source_process == SourceProcess.EXCHANGE]
    assert len(exchanges) > 30

    # Linked both ways, same SKU and units as the RMA line, routed like any order.
    for new in exchanges:
        source = summaries[new.source_order_summary_id]
        (ro,) = [r for r in source.return_orders if r.exchange_order_summary_id == new.id]
        (item,) = new.product_items
        assert item.stock_keeping_unit == ro.lines[0].stock_keeping_unit
        assert item.quantity_ordered == sum(ln.quantity_expected for ln in ro.lines)
        assert new.is_managed and new.ordered_at == ro.created_at
        if new.ordered_at < result.scenario.horizon_hours - 0.25:  # routed every 15 minutes
            assert new.routing_attempts >= 1 and new.fulfillment_orders
    fulfilled = [
        s for s in exchanges if any(fo.status == "Fulfilled" for fo in s.fulfillment_orders)
    ]
    assert len(fulfilled) >= len(exchanges) / 2
    exchange_ids = {s.id for s in exchanges}
    assert set(of(result, "Parcel Delivered")["order_summary_id"]) & exchange_ids

    # An even exchange: no card money moves. The new summary is paid by Exchange Credit only;
    # the original refunds the returned units as Exchange Credit, never to the card.
    submitted = of(result, "Exchange Submitted")
    assert len(submitted) == len(exchanges)
    assert all(a["returned_value_cents"] == a["new_total_cents"] for a in submitted["attrs"])
    for new in exchanges:
        assert {ops.method for ops in new.payment_summaries} == {"Exchange Credit"}
    originals = {s.source_order_summary_id for s in exchanges}
    card = [summaries[o] for o in originals]
    refunds = [r for s in card for ops in s.payment_summaries for r in ops.refunds]
    assert refunds and {r.type for r in refunds} == {"Exchange Credit"}
    for s in card:
        assert all(len(ops.authorizations) == 1 for ops in s.payment_summaries)  # checkout only
    kpis = all_kpis(result.log.tables())
    assert kpis["exchange_order_summaries"] == len(exchanges)
    assert kpis["refunds_to_customer_cents"] == 0
    assert kpis["refunds_exchange_credit_cents"] == sum(r.amount_cents for r in refunds) > 0


# --- lost parcels -------------------------------------------------------------------------------

LOSE_STANDARD = {"Standard": 1.0, "Express": 0.0}
INCIDENT_REFUND = "Lost or damaged parcel refund"  # the RMA description of a refunded parcel
LOST_RUN = {
    "horizon_days": 5,
    "demand": {
        "delivery_methods": {"Standard": 0.5, "Express": 0.5, "Pickup": 0},
        "promised_days": {"Standard": 1, "Express": 1},
    },
    "fulfillment": {"store": {"inventory_accuracy": 1.0}},
}


def test_no_parcel_is_lost_when_the_probability_is_zero() -> None:
    result = simulate(service={"desk": FAST_DESK}, **LOST_RUN)
    n = counts(result)
    assert "Parcel Lost" not in n and "Reshipment Created" not in n
    assert n["Parcel Delivered"] > 50
    assert return_kpis(result.log.tables())["parcels_lost"] == 0


def method_of(summaries: dict, order: str, fo_id: str) -> str:
    s = summaries[order]
    return s.delivery_group(
        s.fulfillment_order(fo_id).order_delivery_group_summary_id
    ).delivery_method


@pytest.mark.parametrize(
    ("damaged_share", "incident", "reason"),
    [(0.0, "Parcel Lost", "Lost"), (1.0, "Parcel Damaged", "Damaged")],
    ids=["lost", "damaged"],
)
def test_lost_or_damaged_parcels_are_reshipped_at_no_charge(damaged_share, incident, reason):
    lost = {
        "probability": LOSE_STANDARD,
        "damaged_share": damaged_share,
        "remedy": "reship",
        "report_days_after_promise": 0,
    }
    result = simulate(service={"lost_parcels": lost, "desk": FAST_DESK}, **LOST_RUN)
    summaries = by_id(result)
    for s in result.summaries:
        check_invariants(s)
    kind = reason.lower() + " parcel"
    # Every Standard parcel is lost or damaged (reshipments too), no Express parcel is.
    other = "Parcel Damaged" if incident == "Parcel Lost" else "Parcel Lost"
    assert other not in counts(result)
    lost_events = related(result, incident, "FulfillmentOrder")
    delivered = related(result, "Parcel Delivered", "FulfillmentOrder")
    assert len(lost_events) > 20 and len(delivered) > 20
    assert {method_of(summaries, o, fo) for o, fo in pairs(lost_events)} == {"Standard"}
    assert {method_of(summaries, o, fo) for o, fo in pairs(delivered)} == {"Express"}

    reships = [(s, fo) for s in result.summaries for fo in s.fulfillment_orders if fo.is_reship]
    assert len(reships) > 10
    invoiced = {inv.reference_entity_id for s in result.summaries for inv in s.invoices}
    for _, fo in reships:
        assert fo.invoice_id is None and fo.id not in invoiced
        assert {(ln.is_reship, ln.reship_reason) for ln in fo.lines} == {(True, reason)}
    for s in {s.id: s for s, _ in reships}.values():
        for item in s.product_items:
            live = sum(
                ln.quantity
                for fo in s.fulfillment_orders
                if fo.is_reship
                for ln in fo.lines
                if ln.order_item_summary_id == item.id
            )
            assert item.quantity_reshipped == live
    # Each incident on an original shipment, once the desk resolved it, was reshipped whole;
    # a reshipment lost or damaged in turn cannot be reshipped again: its units are refunded.
    resolved = [
        (s, pe)
        for s in result.summaries
        for pe in s.process_exceptions
        if pe.description == kind and pe.status == "Resolved"
    ]
    assert len(resolved) > 10
    for s, pe in resolved:
        lost = s.fulfillment_order(pe.attached_to_id)
        if lost.is_reship:
            assert any(ro.description == INCIDENT_REFUND for ro in s.return_orders)
            continue
        sent = Counter()
        for fo in s.fulfillment_orders:
            if fo.is_reship and fo.created_at == pe.resolved_at:
                for ln in fo.lines:
                    sent[ln.order_item_summary_id] += ln.quantity
        assert sent == product_units(s, lost)
    kpis = return_kpis(result.log.tables())
    assert kpis["reshipments_created"] == len(reships) == counts(result)["Reshipment Created"]
    key = "parcels_lost" if reason == "Lost" else "parcels_damaged"
    assert kpis[key] == len(lost_events)


def test_lost_parcels_are_refunded_when_the_remedy_is_refund() -> None:
    lost = {
        "probability": LOSE_STANDARD,
        "damaged_share": 0.0,
        "remedy": "refund",
        "report_days_after_promise": 0,
    }
    result = simulate(service={"lost_parcels": lost, "desk": FAST_DESK}, **LOST_RUN)
    for s in result.summaries:
        check_invariants(s)
    assert not any(fo.is_reship for s in result.summaries for fo in s.fulfillment_orders)
    resolved = [
        (s, pe)
        for s in result.summaries
        for pe in s.process_exceptions
        if pe.description == "lost parcel" and pe.status == "Resolved"
    ]
    assert len(resolved) > 10
    for s, pe in resolved:
        rmas = [
            ro
            for ro in s.return_orders
            if ro.description == INCIDENT_REFUND and ro.created_at == pe.resolved_at
        ]
        returned: Counter = Counter()
        for ro in rmas:
            assert ro.status == "Closed"
            for ln in ro.lines:
                assert ln.quantity_received == 0 and ln.reason_for_return == "Other"
                returned[ln.order_item_summary_id] += ln.quantity_returned
        assert returned == product_units(s, s.fulfillment_order(pe.attached_to_id))
        memos = {m.id for m in s.credit_memos if m.credit_date == pe.resolved_at}
        refunded = [r for ops in s.payment_summaries for r in ops.refunds if r.source_id in memos]
        assert refunded and sum(r.amount_cents for r in refunded) == sum(
            m.total_amount_cents + m.total_tax_amount_cents for m in s.credit_memos if m.id in memos
        )
    # nothing came back to a return location: no parcel received, nothing inspected or restocked
    n = counts(result)
    assert "Return Parcel Received" not in n and "Return Inspected" not in n
    kpis = return_kpis(result.log.tables())
    assert kpis["reshipments_created"] == 0 and kpis["units_returned"] == 0
    assert kpis["refunds_to_customer_cents"] > 0


# --- appeasements -------------------------------------------------------------------------------

LATE = {"delivery_methods": SHIP_ONLY, "promised_days": {"Standard": 0.01}}


def test_no_appeasement_when_nobody_contacts_service() -> None:
    result = simulate(horizon_days=4, demand=LATE)
    late = [a["late"] for a in of(result, "Parcel Delivered")["attrs"]]
    assert late and all(late)
    assert appeasement_kpis(result.log.tables()) == {
        "service_contacts": 0,
        "appeasements": 0,
        "appeasement_cost_cents": 0,
    }


def test_late_parcels_earn_a_post_fulfillment_appeasement_refunded_to_the_card() -> None:
    share = 0.1
    appease = {
        "contact_share": 1.0,
        "discount_share": share,
        "contact_hours_after_delivery": constant(1.0),
    }
    result = simulate(service={"appeasements": appease}, horizon_days=4, demand=LATE)
    summaries = by_id(result)
    for s in result.summaries:
        check_invariants(s)
    delivered = of(result, "Parcel Delivered")
    first = delivered.groupby("order_summary_id")["time_hours"].min()
    contacts = of(result, "Customer Contacted Service")
    assert contacts["order_summary_id"].is_unique  # one contact per order, however many parcels
    contacted = contacts.set_index("order_summary_id")["time_hours"]
    due = first[first < result.scenario.horizon_hours - 1.0]
    assert len(due) > 50 and set(contacted.index) == set(due.index)
    for order, t in contacted.items():
        assert t == pytest.approx(first[order] + 1.0)

    adjusted = of(result, "Order Items Adjusted")
    assert {a["reason"] for a in adjusted["attrs"]} == {"Appeasement"}
    assert len(adjusted) == len(contacts)
    for _, event in adjusted.iterrows():
        s = summaries[event["order_summary_id"]]
        (change,) = [co for co in s.change_orders if co.reason == "Appeasement"]
        assert change.fulfillment_phase == "PostFulfillment"
        for line in change.items:  # a whole-cent discount per delivered unit
            item = next(
                i
                for i in s.product_items
                if i.original_order_item_id == line.original_order_item_id
            )
            per_unit = max(1, round(item.unit_price_cents * share))
            units, rest = divmod(-line.total_adjustment_amount_cents, per_unit)
            assert rest == 0 and 0 < units <= item.quantity_fulfilled
        (memo,) = [m for m in s.credit_memos if m.reference_entity_id == change.id]
        cost = memo.total_amount_cents + memo.total_tax_amount_cents
        assert cost == event["amount_cents"] > 0
        refunds = [r for ops in s.payment_summaries for r in ops.refunds if r.source_id == memo.id]
        assert sum(r.amount_cents for r in refunds) == cost
        assert {r.type for r in refunds} == {"Referenced"}
    kpis = appeasement_kpis(result.log.tables())
    assert kpis["service_contacts"] == len(contacts)
    assert kpis["appeasements"] == len(adjusted)
    assert kpis["appeasement_cost_cents"] == int(adjusted["amount_cents"].sum())


def test_on_time_parcels_bring_no_contact_even_when_every_customer_would_complain() -> None:
    result = simulate(
        service={"appeasements": {"contact_share": 1.0}},
        horizon_days=4,
        demand={"delivery_methods": SHIP_ONLY, "promised_days": {"Standard": 30}},
    )
    assert not any(a["late"] for a in of(result, "Parcel Delivered")["attrs"])
    assert appeasement_kpis(result.log.tables())["service_contacts"] == 0


# --- pickup no-shows ----------------------------------------------------------------------------


def test_pickup_customers_all_come_when_the_no_show_probability_is_zero() -> None:
    result = simulate(
        service={"pickup_no_shows": {"probability": 0.0, "cancel_after_days": 0.5}},
        demand={"delivery_methods": PICKUP_ONLY},
    )
    n = counts(result)
    assert "Pickup No-Show" not in n and n["Order Picked Up"] > 20
    assert cancellation_kpis(result.log.tables())["pickup_no_shows"] == 0


def test_pickup_no_shows_are_canceled_and_their_units_go_back_to_store_stock() -> None:
    result = simulate(
        service={"pickup_no_shows": {"probability": 1.0, "cancel_after_days": 0.5}},
        demand={"delivery_methods": PICKUP_ONLY},
        fulfillment={"store": {"inventory_accuracy": 1.0}},  # every unit is on the shelf
    )
    summaries = by_id(result)
    n = counts(result)
    assert "Order Picked Up" not in n
    ready = related(result, "Ready for Pickup", "FulfillmentOrder").set_index("object_id")
    no_shows = related(result, "Pickup No-Show", "FulfillmentOrder").set_index("object_id")
    assert len(no_shows) > 20
    for fo_id, event in no_shows.iterrows():
        assert event["time_hours"] == pytest.approx(ready.loc[fo_id, "time_hours"] + 12.0)
        s = summaries[event["order_summary_id"]]
        assert s.fulfillment_order(fo_id).status == "Cancelled"
        assert result.order_states[s.id] == "Canceled"
        assert not s.invoices  # nothing handed over, nothing charged
    waiting = ready.index.difference(no_shows.index)
    assert (ready.loc[waiting, "time_hours"] > result.scenario.horizon_hours - 12.0).all()
    canceled = of(result, "Order Items Canceled")
    no_show_units = sum(a["units"] for a in canceled["attrs"] if a["reason"] == "Pickup No-Show")
    kpis = cancellation_kpis(result.log.tables())
    assert kpis["pickup_no_shows"] == len(no_shows)
    assert kpis["canceled_units_by_reason"]["Pickup No-Show"] == no_show_units > 0
    assert kpis["customer_cancel_rate"] == 0.0  # not a customer cancel request
    # the stores hold exactly the units of pickups still in work or waiting
    location_reservations_match_open_fulfillment_orders(result)


# --- return mismatch ----------------------------------------------------------------------------


def test_a_short_return_parcel_raises_a_returns_exception_the_desk_settles() -> None:
    returns = {**RETURN_EVERYTHING, "mismatch_probability": 1.0, "reasons": {"Not Satisfied": 1.0}}
    result = simulate(
        service={"returns": returns, "desk": FAST_DESK},
        horizon_days=5,
        demand={"delivery_methods": SHIP_ONLY},
    )
    for s in result.summaries:
        check_invariants(s)
    received = related(result, "Return Parcel Received", "ReturnOrder").set_index("object_id")
    exceptions = [
        (s, pe) for s in result.summaries for pe in s.process_exceptions if pe.category == "Returns"
    ]
    assert {pe.description for _, pe in exceptions} == {"return mismatch"}
    inspected_by_now = received["time_hours"] < result.scenario.horizon_hours - 1.0
    assert len(exceptions) == int(inspected_by_now.sum())  # every parcel came one unit short
    inspected = related(result, "Return Inspected", "ReturnOrder").set_index("object_id")
    settled = [(s, pe) for s, pe in exceptions if pe.status == "Resolved"]
    assert len(settled) > 30
    for s, pe in settled:
        ro = s.return_order(pe.attached_to_id)
        assert ro.status == "Closed" and ro.closed_at == pe.resolved_at
        (line,) = ro.lines
        assert line.quantity_canceled == 1
        assert line.quantity_returned == line.quantity_received == line.quantity_expected - 1
        assert inspected.loc[ro.id, "time_hours"] == pe.resolved_at
        assert inspected.loc[ro.id, "attrs"]["units"] == line.quantity_returned
        credited = [m for m in s.credit_memos if m.reference_entity_id == line.change_order_id]
        assert len(credited) == (1 if line.quantity_returned else 0)
    for s, pe in exceptions:
        if pe.is_active:  # the desk has not reached it: the RMA waits, nothing refunded
            ro = s.return_order(pe.attached_to_id)
            assert ro.status == "Submitted" and ro.id not in inspected.index
            assert result.order_states[s.id] == "Open: Exception"
    raised = related(result, "Process Exception Raised", "ProcessException")
    raised = raised.set_index("object_id")
    for _, pe in exceptions:  # raised where the parcel arrived
        where = received.loc[pe.attached_to_id, "location_id"]
        assert raised.loc[pe.id, "location_id"] == where
    kpis = exception_kpis(result.log.tables())
    assert kpis["process_exceptions_by_category"]["Returns"] == len(exceptions)
    assert kpis["process_exceptions_by_kind"]["return mismatch"] == len(exceptions)
