"""Service KPIs on small hand-built event logs, each with an answer worked out by hand."""

from __future__ import annotations

import datetime

import numpy as np
import pandas as pd
import pytest

from omsim.analysis.kpis import kpis as all_kpis
from omsim.analysis.service_kpis import (
    appeasement_kpis,
    cancellation_kpis,
    delivered_units_by_category,
    exception_backlog,
    exception_kpis,
    exception_lifecycles,
    matured_return_rate,
    return_kpis,
)
from omsim.domain import (
    ignore_process_exception,
    raise_process_exception,
    resolve_process_exception,
    triage_process_exception,
)
from omsim.eventlog import EventLog

START = datetime.datetime(2026, 9, 7, tzinfo=datetime.UTC)


def order(order_id: str) -> list[tuple[str, str, str]]:
    return [(order_id, "OrderSummary", "order summary")]


def summary_created(
    log: EventLog, order_id: str, *, managed: bool = True, exchange: bool = False
) -> None:
    log.note(
        "Order Summary Created",
        0.0,
        [(order_id, "OrderSummary", "created")],
        life_cycle_type="MANAGED" if managed else "UNMANAGED",
        source_process="Exchange" if exchange else "Standard",
    )


def four_managed_orders(log: EventLog) -> None:
    """OS-1..OS-4 managed, OS-5 unmanaged, OS-6 an exchange: four count as orders."""
    for i in range(1, 5):
        summary_created(log, f"OS-{i}")
    summary_created(log, "OS-5", managed=False)
    summary_created(log, "OS-6", exchange=True)


# --- cancellations ------------------------------------------------------------------------------


def test_cancel_rate_counts_orders_canceled_on_request_over_managed_orders() -> None:
    log = EventLog(START)
    four_managed_orders(log)
    for o in ("OS-1", "OS-2", "OS-3"):
        log.note("Cancel Requested", 1.0, order(o), units=2)
    # OS-1 is canceled in two steps: one order, three units
    log.note("Order Items Canceled", 1.0, order("OS-1"), reason="Customer Request", units=2)
    log.note("Order Items Canceled", 2.0, order("OS-1"), reason="Customer Request", units=1)
    log.note("Order Items Canceled", 1.0, order("OS-2"), reason="Customer Request", units=1)
    log.note("Cancel Refused", 1.0, order("OS-3"), units=3)
    # a no-show is canceled too, but not at the customer's request
    log.note("Order Items Canceled", 9.0, order("OS-4"), reason="Pickup No-Show", units=2)
    log.note("Pickup No-Show", 9.0, order("OS-4"))

    assert cancellation_kpis(log.tables()) == {
        "cancel_requests": 3,
        "orders_canceled_by_customer": 2,
        "customer_cancel_rate": 2 / 4,
        "cancel_requests_refused_picked_share": 1 / 3,  # OS-3
        "cancel_refused_units": 3,
        "canceled_units_by_reason": {"Customer Request": 4, "Pickup No-Show": 2},
        "pickup_no_shows": 1,
    }


def test_cancellation_kpis_of_an_empty_log_are_zero() -> None:
    kpis = cancellation_kpis(EventLog(START).tables())
    assert kpis["cancel_requests"] == kpis["cancel_refused_units"] == 0
    assert kpis["customer_cancel_rate"] == 0.0 and kpis["canceled_units_by_reason"] == {}


# --- returns ------------------------------------------------------------------------------------


def delivered(log: EventLog, order_id: str, at: float, units: dict[str, int], pickup=False):
    activity = "Order Picked Up" if pickup else "Parcel Delivered"
    log.note(activity, at, order(order_id), units_by_category=units)


def inspected(log: EventLog, order_id: str, at: float, category: str, units: int) -> None:
    log.note("Return Inspected", at, order(order_id), category=category, units=units)


def test_return_rate_is_units_inspected_over_units_delivered_by_category() -> None:
    log = EventLog(START)
    four_managed_orders(log)
    delivered(log, "OS-1", 10.0, {"apparel": 2, "home": 1})
    delivered(log, "OS-2", 12.0, {"apparel": 1}, pickup=True)
    delivered(log, "OS-3", 15.0, {"home": 3})
    for o in ("OS-1", "OS-2", "OS-3"):
        log.note("Return Order Created", 20.0, order(o), units=1)
    inspected(log, "OS-1", 40.0, "apparel", 1)
    inspected(log, "OS-2", 41.0, "apparel", 1)
    inspected(log, "OS-3", 42.0, "home", 1)
    tables = log.tables()

    assert delivered_units_by_category(tables) == {"apparel": 3, "home": 4}
    kpis = return_kpis(tables)
    assert (kpis["units_delivered"], kpis["units_returned"]) == (7, 3)
    assert kpis["unit_return_rate"] == pytest.approx(3 / 7)
    assert kpis["unit_return_rate_by_category"] == pytest.approx({"apparel": 2 / 3, "home": 1 / 4})
    assert kpis["return_orders_created"] == 3


def test_matured_return_rate_keeps_orders_whose_last_delivery_is_before_the_cutoff() -> None:
    """The log ends at hour 100; one day of maturity puts the cut-off at hour 76.

    OS-1 (delivered at 10, one unit back at 90: a late return still counts) and OS-3 (picked up
    at 70) are in the cohort; OS-2 is not, its second parcel came at 80.
    """
    log = EventLog(START)
    delivered(log, "OS-1", 10.0, {"apparel": 2})
    delivered(log, "OS-2", 20.0, {"home": 1})
    delivered(log, "OS-3", 70.0, {"apparel": 1}, pickup=True)
    delivered(log, "OS-2", 80.0, {"home": 1})
    inspected(log, "OS-2", 85.0, "home", 2)
    inspected(log, "OS-1", 90.0, "apparel", 1)
    log.note("Replenishment Received", 100.0, [("DC", "Location", "location")], units=5)
    tables = log.tables()

    assert matured_return_rate(tables, maturity_days=1) == pytest.approx(
        {"overall": 1 / 3, "apparel": 1 / 3}
    )
    # the to-date rate mixes in OS-2, whose returns came before its deliveries matured
    assert return_kpis(tables)["unit_return_rate"] == pytest.approx(3 / 5)
    # thirty days of maturity: nothing in this log is old enough
    assert matured_return_rate(tables) == {"overall": 0.0}
    assert matured_return_rate(EventLog(START).tables()) == {"overall": 0.0}


def test_refunds_split_into_card_refunds_and_exchange_credit() -> None:
    log = EventLog(START)
    four_managed_orders(log)  # OS-6 is an exchange
    log.note("Refund Processed", 5.0, order("OS-1"), amount_cents=1000, exchange_credit_cents=0)
    log.note("Refund Processed", 6.0, order("OS-2"), amount_cents=500, exchange_credit_cents=500)
    log.note("Refund Processed", 7.0, order("OS-3"), amount_cents=300, exchange_credit_cents=100)
    log.note("Parcel Lost", 8.0, order("OS-4"))
    log.note("Parcel Lost", 9.0, order("OS-4"))
    log.note("Reshipment Created", 10.0, order("OS-4"), reason="Lost")
    # the exchange OS-6 gives back 250 of captured credit (150 more was only reserved)
    log.note("Exchange Credit Withdrawn", 11.0, order("OS-6"), amount_cents=400, refunded_cents=250)
    kpis = all_kpis(log.tables())
    assert kpis["refunds_exchange_credit_withdrawn_cents"] == 250
    assert (kpis["refunds_to_customer_cents"], kpis["refunds_exchange_credit_cents"]) == (1200, 600)
    assert kpis["refunds_processed_cents"] == 1800  # every Refund record, exchange credit included
    assert kpis["exchange_order_summaries"] == 1
    assert (kpis["parcels_lost"], kpis["reshipments_created"]) == (2, 1)


def test_checkouts_and_order_summaries_add_up() -> None:
    log = EventLog(START)
    four_managed_orders(log)  # five checkouts placed (one unmanaged), one exchange
    log.note("Checkout Declined", 0.5, [])
    log.note("Checkout Stocked Out", 0.6, [])
    kpis = all_kpis(log.tables())
    assert (kpis["checkouts_placed"], kpis["exchange_order_summaries"]) == (5, 1)
    assert kpis["checkouts_attempted"] == 5 + 1 + 1
    assert kpis["order_summaries_created"] == kpis["checkouts_placed"] + 1 == 6
    assert kpis["managed_order_summaries_incl_exchanges"] == 5
    assert kpis["checkout_decline_rate"] == pytest.approx(1 / 7)


# --- appeasements -------------------------------------------------------------------------------


def test_appeasement_cost_sums_the_appeasement_adjustments_only() -> None:
    log = EventLog(START)
    for o in ("OS-1", "OS-2", "OS-3"):
        log.note("Customer Contacted Service", 30.0, order(o), reason="late delivery")
    log.note("Order Items Adjusted", 31.0, order("OS-1"), reason="Appeasement", amount_cents=150)
    log.note("Order Items Adjusted", 32.0, order("OS-2"), reason="Appeasement", amount_cents=250)
    log.note("Order Items Adjusted", 33.0, order("OS-3"), reason="Discount", amount_cents=999)
    assert appeasement_kpis(log.tables()) == {
        "service_contacts": 3,
        "appeasements": 2,
        "appeasement_cost_cents": 400,
    }


# --- process exceptions -------------------------------------------------------------------------


def pe_note(log: EventLog, activity: str, at: float, pe_id: str, order_id: str, **attrs) -> None:
    qualifier = "created" if activity == "Process Exception Raised" else "updated"
    log.note(activity, at, [(pe_id, "ProcessException", qualifier), *order(order_id)], **attrs)


def three_exceptions() -> EventLog:
    """PE-1 (Payment) open 1-3 h, PE-2 (Fulfillment, ST-a) open 2-6 h then Ignored, PE-3
    (Returns, RC-1) raised at 5 h and still open when the log ends at 10 h."""
    log = EventLog(START)
    four_managed_orders(log)
    raised = "Process Exception Raised"
    pe_note(log, raised, 1.0, "PE-1", "OS-1", category="Payment", kind="capture failed")
    pe_note(log, "Process Exception Triaged", 1.5, "PE-1", "OS-1", category="Payment")
    pe_note(
        log,
        raised,
        2.0,
        "PE-2",
        "OS-1",
        category="Fulfillment",
        kind="store rejection",
        location_id="ST-a",
    )
    pe_note(log, "Process Exception Resolved", 3.0, "PE-1", "OS-1", category="Payment")
    pe_note(
        log,
        raised,
        5.0,
        "PE-3",
        "OS-2",
        category="Returns",
        kind="return mismatch",
        location_id="RC-1",
    )
    pe_note(log, "Process Exception Ignored", 6.0, "PE-2", "OS-1", category="Fulfillment")
    log.note("Parcel Delivered", 10.0, order("OS-3"), units_by_category={"home": 1})
    return log


def test_exception_lifecycles_have_one_row_per_exception() -> None:
    life = exception_lifecycles(three_exceptions().tables())
    assert life["process_exception_id"].tolist() == ["PE-1", "PE-2", "PE-3"]
    assert life["category"].tolist() == ["Payment", "Fulfillment", "Returns"]
    assert life["kind"].tolist() == ["capture failed", "store rejection", "return mismatch"]
    assert pd.isna(life["location_id"][0]) and life["location_id"].tolist()[1:] == ["ST-a", "RC-1"]
    assert life["raised_hours"].tolist() == [1.0, 2.0, 5.0]
    assert life["closed_hours"].tolist()[:2] == [3.0, 6.0] and np.isnan(life["closed_hours"][2])
    assert life["hours_to_resolve"].tolist()[:2] == [2.0, 4.0]


def test_exception_backlog_is_a_step_function_of_raised_and_closed() -> None:
    backlog = exception_backlog(three_exceptions().tables())
    assert backlog.to_dict("list") == {
        "time_hours": [1.0, 2.0, 3.0, 5.0, 6.0],
        "backlog": [1, 2, 1, 2, 1],
    }


def test_exception_kpis_by_hand() -> None:
    """Time to resolve 2 h and 4 h: mean 3, p90 2 + 0.9 * (4 - 2) = 3.8. Backlog over the
    ten hours: 0 (0-1), 1 (1-2), 2 (2-3), 1 (3-5), 2 (5-6), 1 (6-10): area 11, mean 1.1."""
    kpis = exception_kpis(three_exceptions().tables())
    assert kpis == {
        "process_exceptions_raised": 3,
        "process_exceptions_by_category": {"Fulfillment": 1, "Payment": 1, "Returns": 1},
        "process_exceptions_by_kind": {
            "capture failed": 1,
            "return mismatch": 1,
            "store rejection": 1,
        },
        "process_exceptions_by_location": {"RC-1": 1, "ST-a": 1},
        # OS-1 and OS-2 of five managed Order Summaries (the exchange OS-6 counts: it can
        # raise exceptions too)
        "order_summaries_with_exception_rate": 2 / 5,
        "order_summaries_with_exception_rate_by_category": {
            "Fulfillment": 1 / 5,
            "Payment": 1 / 5,
            "Returns": 1 / 5,
        },
        # no "Fulfillment Order Created" events in this log: no rate per fulfillment order
        "exceptions_per_fulfillment_order_by_location": {"RC-1": 0.0, "ST-a": 0.0},
        "process_exceptions_open_at_end": 1,
        "mean_hours_to_resolve": 3.0,
        "p90_hours_to_resolve": pytest.approx(3.8),
        "peak_exception_backlog": 2,
        "mean_exception_backlog": pytest.approx(1.1),
        "invoices_written_off": 0,
        "invoices_written_off_cents": 0,
    }


@pytest.mark.parametrize(
    ("hours", "mean", "p90"),
    [
        ([5.0], 5.0, 5.0),
        ([1.0, 2.0, 3.0, 4.0, 10.0], 4.0, 4.0 + 0.6 * 6.0),  # rank 0.9 * 4 = 3.6
    ],
)
def test_time_to_resolve_mean_and_p90(hours, mean, p90) -> None:
    log = EventLog(START)
    for i, h in enumerate(hours):
        pe_id = f"PE-{i}"
        pe_note(log, "Process Exception Raised", float(i), pe_id, "OS-1", category="Payment")
        pe_note(log, "Process Exception Resolved", float(i) + h, pe_id, "OS-1", category="Payment")
    kpis = exception_kpis(log.tables())
    assert kpis["mean_hours_to_resolve"] == pytest.approx(mean)
    assert kpis["p90_hours_to_resolve"] == pytest.approx(p90)


def orders_without_exceptions() -> EventLog:
    log = EventLog(START)
    four_managed_orders(log)
    log.note("Parcel Delivered", 10.0, order("OS-1"), units_by_category={"home": 1})
    return log


def test_exception_kpis_of_a_log_without_exceptions_are_zero() -> None:
    for log in (EventLog(START), orders_without_exceptions()):
        kpis = exception_kpis(log.tables())
        assert kpis["process_exceptions_raised"] == kpis["peak_exception_backlog"] == 0
        assert kpis["mean_hours_to_resolve"] == kpis["p90_hours_to_resolve"] == 0.0
        assert kpis["mean_exception_backlog"] == kpis["order_summaries_with_exception_rate"] == 0.0
        assert kpis["process_exceptions_by_category"] == {}
    assert exception_backlog(EventLog(START).tables()).empty


def test_exception_kpis_read_what_the_domain_actions_record(make_summary) -> None:
    """The desk's actions on a real Order Summary: the KPIs see kind, location and times."""
    summary = make_summary()
    log = EventLog(START)
    events = raise_process_exception(
        summary,
        category="Fulfillment",
        attached_to_id="FO-000001",
        message="FulfillmentOrder FO-000001: 1 units rejected (Out of Stock)",
        at=2.0,
        severity="Low",
        description="store rejection",
        location_id="ST-a",
    )
    first = events[0].object_ids("created")[0]
    events += raise_process_exception(
        summary,
        category="Payment",
        attached_to_id="INV-000001",
        message="Payment capture failed",
        at=3.0,
        description="capture failed",
    )
    second = events[-1].object_ids("created")[0]
    events += triage_process_exception(summary, first, at=4.0)
    events += resolve_process_exception(summary, first, at=5.5)
    events += triage_process_exception(summary, second, at=6.0)
    events += ignore_process_exception(summary, second, at=7.0)
    log.record_all(events)
    tables = log.tables()

    life = exception_lifecycles(tables).set_index("process_exception_id")
    assert life.loc[first, ["category", "kind", "location_id"]].tolist() == [
        "Fulfillment",
        "store rejection",
        "ST-a",
    ]
    assert life.loc[second, "kind"] == "capture failed"
    assert life["hours_to_resolve"].to_dict() == {first: 3.5, second: 4.0}
    backlog = exception_backlog(tables)
    assert backlog["backlog"].tolist() == [1, 2, 1, 0]
    kpis = exception_kpis(tables)
    assert kpis["mean_hours_to_resolve"] == pytest.approx(3.75)
    assert kpis["peak_exception_backlog"] == 2
    # the log ends at 7 h: 1 (2-3) + 2 (3-5.5) + 1 (5.5-7) = 7.5 exception-hours over 7 hours
    assert kpis["mean_exception_backlog"] == pytest.approx(7.5 / 7)
    assert kpis["process_exceptions_open_at_end"] == 0
