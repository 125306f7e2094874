"""Conservation at the end of every run, over random seeds and scenario parameters.

Each hypothesis example is a 2-4 day run of the tutorial scenario with the service and payment
parameters drawn at random: cancellation probability, return rates, exchange share, return fee,
shipping reduction, lost parcel probability, damaged share and remedy, appeasement contact share, pickup no-show
probability, store inventory accuracy, authorization validity (hours to days) and
re-authorization success rate, an optional payment gateway outage, the routing strategy, the
delivery method mix and the managed share. The customer's clocks are compressed (returns sent
within a day or so of delivery, quick inspections, short promised dates, lost parcels reported at
once, no-shows canceled within hours) so that returns, exchanges, appeasements, lost parcels and
no-shows happen inside a few simulated days.

After every run it checks:

* accounting: arrivals = declined + stocked out + original Order Summaries; every summary has a
  final or open state and passes `check_invariants` (exchange summaries included);
* units, per SKU and in total: ordered = canceled + fulfilled + open, with fulfilled and open
  units found again on the fulfillment orders; returned <= fulfilled; reshipped <= fulfilled;
* money, per Order Summary and in total, the ledger identity derived below, exactly;
  captured <= authorized and refunded <= captured per payment summary; the exchange credit an
  original summary gives up equals what its exchange summaries were authorized;
* the event log agrees with the records ("Payment Captured", "Refund Processed",
  "Invoice Created", "Credit Memo Created", "Payment Authorized", "Return Order Items Returned").

The money identity
------------------
Every cent moves by one of five bookings (`omsim.domain.funds`, `refunds`, `billing`,
`payments`), each of which changes two records by the same amount:

1. a capture creates a Payment of amount ``a`` (captured += a);
2. applying a payment to an invoice: Payment.NetApplied += a, Invoice.NetPaymentsApplied += a,
   Invoice.Balance -= a;
3. netting a credit memo against an invoice (a return fee): CreditMemo.AppliedToInvoices += a,
   Invoice.NetCreditsApplied += a, both Balances -= a;
4. refunding a credit memo: a Refund (source the memo), CreditMemo.Refunded += a,
   CreditMemo.Balance -= a;
5. refunding excess funds: a Refund with no source, Payment.ExcessRefunded += a.

So, with Payment.Balance = amount - NetApplied - ExcessRefunded, Invoice.Balance = total -
NetPaymentsApplied - NetCreditsApplied and CreditMemo.Balance = total - AppliedToInvoices -
Refunded::

    captured - refunded
      = sum(NetApplied + ExcessRefunded + Payment.Balance) - (sum(ExcessRefunded) + sum(Refunded))
      = sum(NetPaymentsApplied) + unapplied - sum(Refunded)
      = (invoiced - open invoices - sum(NetCreditsApplied)) + unapplied
        - (credited - open credit memos - sum(AppliedToInvoices))
      = invoiced - credited - open invoices + open credit memos + unapplied payments

which holds for each Order Summary at every instant, settled or not (`check_invariants` checks
only the settled case, where the three balances are zero). An invoice written off by the
exception desk is closed by a write-off credit memo applied to it (booking 3), so it stays in
the identity. Exchange credit moves value between two summaries (an ``Exchange Credit`` refund
on the original, an ``Exchange Credit`` capture on the exchange summary), so each summary
balances on its own and the total is the sum; credit withdrawn because the old items never
came back is an ``Exchange Credit Withdrawn`` refund of the capture (booking 5) after the
payment is taken off its invoice (booking 2 reversed).
"""

from __future__ import annotations

import datetime as dt
import json
from collections import Counter, defaultdict
from typing import Any

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from omsim.domain import check_invariants, exchange_credit_cents
from omsim.domain.picklists import ItemType
from omsim.eventlog import EventLogTables
from omsim.recordtables import RECORD_TYPES, STATE_TABLE, RecordTables
from omsim.scenario import load_scenario
from omsim.sim.run import FINAL_STATES, OPEN_STATES, RunResult, run, unit_balance

START = dt.datetime(2026, 9, 7)  # the tutorial's start (a Monday, midnight)
STRATEGIES = ("fewest_splits", "nearest_warehouse", "ship_from_store", "lowest_cost")
OPEN_FO_CATEGORIES = ("DRAFT", "ACTIVATED", "FULFILLING")

share = st.floats(0.0, 1.0, allow_nan=False)


@st.composite
def scenario_parameters(draw: st.DrawFn) -> dict[str, Any]:
    """Overrides of the tutorial scenario, with the horizon (2-4 days)."""
    horizon_days = draw(st.integers(2, 4))
    methods = {m: draw(st.integers(0, 4)) for m in ("Standard", "Express", "Pickup")}
    if not any(methods.values()):
        methods["Standard"] = 1
    outages = []
    if draw(st.booleans()):
        start_hours = draw(st.floats(0.0, 24.0 * horizon_days - 1.0))
        hours = draw(st.floats(0.5, 36.0))
        begin = START + dt.timedelta(hours=start_hours)
        outages.append({"start": begin, "end": begin + dt.timedelta(hours=hours)})
    lost = draw(st.floats(0.0, 0.3))
    return {
        "horizon_days": horizon_days,
        "demand": {
            "delivery_methods": methods,
            "managed_share": draw(st.floats(0.2, 1.0)),
            # promised dates short enough for late parcels (appeasements, lost-parcel reports)
            "promised_days": {
                "Standard": draw(st.floats(0.5, 3.0)),
                "Express": draw(st.floats(0.25, 2.0)),
                "Pickup": 1,
            },
        },
        "payments": {
            "authorization_valid_days": draw(st.floats(2 / 24, 7.0)),
            "reauthorization_success_rate": draw(share),
        },
        "routing": {"strategy": draw(st.sampled_from(STRATEGIES))},
        "fulfillment": {"store": {"inventory_accuracy": draw(st.floats(0.5, 1.0))}},
        "pickup": {"pickup_delay_hours": {"dist": "exponential", "mean": 8}},
        "faults": {"gateway_outages": outages},
        "service": {
            "cancellations": {"probability": draw(st.floats(0.0, 0.3))},
            "returns": {
                "rate_by_category": {"apparel": draw(st.floats(0.0, 0.6))},
                "default_rate": draw(st.floats(0.0, 0.4)),
                "exchange_share": draw(share),
                "return_fee_cents": draw(st.sampled_from([0, 0, 299, 799, 2500])),
                "shipping_reduction": draw(st.booleans()),
                "simple_return_share": draw(st.sampled_from([0.0, 0.0, 0.5, 1.0])),
                "mismatch_probability": draw(st.floats(0.0, 0.3)),
                "destination": draw(
                    st.sampled_from(["nearest_return_center", "nearest_store", "nearest_location"])
                ),
                "days_after_delivery": {"dist": "exponential", "mean": draw(st.floats(0.1, 1))},
                "inspection_hours": {"dist": "exponential", "mean": 4},
            },
            "lost_parcels": {
                "probability": {"Standard": lost, "Express": lost},
                "damaged_share": draw(share),
                "remedy": draw(st.sampled_from(["reship", "refund"])),
                "report_days_after_promise": 0,
            },
            "appeasements": {
                "contact_share": draw(share),
                "contact_hours_after_delivery": {"dist": "exponential", "mean": 4},
            },
            "pickup_no_shows": {
                "probability": draw(st.floats(0.0, 0.5)),
                "cancel_after_days": draw(st.floats(0.25, 2.0)),
            },
        },
    }


def simulate(parameters: dict[str, Any], seed: int) -> tuple[RunResult, EventLogTables]:
    result = run(load_scenario("tutorial", **parameters), seed=seed)
    return result, result.log.tables()


# --- checks -----------------------------------------------------------------------------------


def of(events: pd.DataFrame, activity: str) -> pd.DataFrame:
    return events[events["activity"] == activity]


def attribute(frame: pd.DataFrame, name: str) -> pd.Series:
    return frame["attributes"].map(lambda text: json.loads(text).get(name))


def check_accounting(result: RunResult) -> None:
    c = result.counters
    originals = [s for s in result.summaries if s.source_order_summary_id is None]
    assert c.arrivals == c.declined + c.stocked_out + len(originals)
    assert set(result.order_states) == {s.id for s in result.summaries}
    assert set(result.order_states.values()) <= set(FINAL_STATES + OPEN_STATES)
    for summary in result.summaries:
        check_invariants(summary)


def check_units(result: RunResult) -> None:
    """Per SKU: ordered = canceled + fulfilled + open, each found on the fulfillment orders."""
    by_sku: dict[str, Counter] = defaultdict(Counter)
    for s in result.summaries:
        if not s.is_managed:
            continue
        for item in s.product_items:
            sku = by_sku[item.stock_keeping_unit]
            sku["ordered"] += item.quantity_ordered
            sku["canceled"] += item.quantity_canceled
            sku["fulfilled"] += item.quantity_fulfilled
            sku["open"] += item.quantity_net_ordered - item.quantity_fulfilled
            sku["unrouted"] += item.quantity_available_to_fulfill
            sku["returned"] += item.quantity_returned
            sku["reshipped"] += item.quantity_reshipped
            assert item.quantity_returned <= item.quantity_fulfilled, item.id
            assert item.quantity_reshipped <= item.quantity_fulfilled, item.id
        for fo in s.fulfillment_orders:
            for line in fo.lines:
                if line.type is not ItemType.PRODUCT:
                    continue
                sku = by_sku[line.stock_keeping_unit]
                if fo.is_reship:
                    sku["on reshipments"] += line.quantity
                elif fo.status == "Fulfilled":
                    sku["on fulfilled FOs"] += line.quantity
                elif fo.status_category in OPEN_FO_CATEGORIES:
                    sku["on open FOs"] += line.quantity
    total: Counter = Counter()
    for name, sku in sorted(by_sku.items()):
        assert sku["ordered"] == sku["canceled"] + sku["fulfilled"] + sku["open"], name
        assert sku["open"] >= 0, name
        assert sku["fulfilled"] == sku["on fulfilled FOs"], name
        assert sku["open"] == sku["on open FOs"] + sku["unrouted"], name
        assert sku["returned"] <= sku["fulfilled"], name
        assert sku["reshipped"] == sku["on reshipments"] <= sku["fulfilled"], name
        total.update(sku)
    assert total["ordered"] == total["canceled"] + total["fulfilled"] + total["open"]
    assert unit_balance(result.summaries) == {
        k: total[k] for k in ("ordered", "canceled", "fulfilled", "open") if k in total
    }


def ledger(summary) -> dict[str, int]:
    """The terms of the money identity for one Order Summary (cents)."""
    payments = [p for ops in summary.payment_summaries for p in ops.payments]
    return {
        "captured": sum(p.amount_cents for p in payments),
        "refunded": sum(r.amount_cents for ops in summary.payment_summaries for r in ops.refunds),
        "invoiced": sum(d.total_amount_with_tax_cents for d in summary.invoices),
        "credited": sum(d.total_amount_with_tax_cents for d in summary.credit_memos),
        "open_invoices": sum(d.balance_cents for d in summary.invoices),
        "open_credit_memos": sum(d.balance_cents for d in summary.credit_memos),
        "unapplied": sum(p.balance_cents for p in payments),
    }


def check_bookings(summary) -> None:
    """Each booking moved the same amount on both records it touches (the derivation's steps)."""
    payments = [p for ops in summary.payment_summaries for p in ops.payments]
    refunds = [r for ops in summary.payment_summaries for r in ops.refunds]
    for inv in summary.invoices:
        assert inv.balance_cents == (
            inv.total_amount_with_tax_cents
            - inv.net_payments_applied_cents
            - inv.net_credits_applied_cents
        ), inv.id
    for memo in summary.credit_memos:
        assert memo.balance_cents == (
            memo.total_amount_with_tax_cents - memo.applied_to_invoices_cents - memo.refunded_cents
        ), memo.id
        assert memo.refunded_cents == sum(r.amount_cents for r in refunds if r.source_id == memo.id)
    assert sum(p.net_applied_cents for p in payments) == sum(
        inv.net_payments_applied_cents for inv in summary.invoices
    )
    assert sum(m.applied_to_invoices_cents for m in summary.credit_memos) == sum(
        inv.net_credits_applied_cents for inv in summary.invoices
    )
    for p in payments:
        on_payment = [r for r in refunds if r.payment_id == p.id]
        assert p.refunded_cents == sum(r.amount_cents for r in on_payment), p.id
        excess = sum(r.amount_cents for r in on_payment if r.source_id is None)
        assert p.excess_refunded_cents == excess, p.id
        assert 0 <= p.refunded_cents <= p.amount_cents, p.id
    for ops in summary.payment_summaries:
        assert ops.captured_amount_cents <= ops.authorization_amount_cents, ops.id
        assert ops.refunded_amount_cents <= ops.captured_amount_cents, ops.id
        assert ops.reserved_balance_cents >= 0, ops.id


def check_money(result: RunResult) -> None:
    total: Counter = Counter()
    for s in result.summaries:
        check_bookings(s)
        m = ledger(s)
        assert m["captured"] - m["refunded"] == (
            m["invoiced"]
            - m["credited"]
            - m["open_invoices"]
            + m["open_credit_memos"]
            + m["unapplied"]
        ), (s.id, m)
        total.update(m)
    assert total["captured"] - total["refunded"] == (
        total["invoiced"]
        - total["credited"]
        - total["open_invoices"]
        + total["open_credit_memos"]
        + total["unapplied"]
    )
    # Exchange credit: what an original gives up (reserved, or refunded as Exchange Credit) is
    # what its exchange summaries were authorized to spend through the Exchange Credit method.
    given_up: Counter = Counter()
    received: Counter = Counter()
    for s in result.summaries:
        for ops in s.payment_summaries:
            given_up[s.id] += ops.reserved_balance_cents + sum(
                r.amount_cents for r in ops.refunds if r.type == "Exchange Credit"
            )
        if s.source_order_summary_id:
            received[s.source_order_summary_id] += exchange_credit_cents(s)[0]
    assert {k: v for k, v in given_up.items() if v} == {k: v for k, v in received.items() if v}


def check_log(result: RunResult, tables: EventLogTables) -> None:
    """The event log's amounts, per Order Summary, equal the final records'."""
    events = tables.events

    def per_summary(activity: str) -> dict[str, list[int]]:
        rows = of(events, activity)
        out: dict[str, list[int]] = defaultdict(list)
        for oid, amount in zip(rows["order_summary_id"], rows["amount_cents"], strict=True):
            out[str(oid)].append(int(amount))
        return {k: sorted(v) for k, v in out.items()}

    captured = per_summary("Payment Captured")
    refunded = per_summary("Refund Processed")
    withdrawn = of(events, "Exchange Credit Withdrawn")
    for oid, amount in zip(
        withdrawn["order_summary_id"], attribute(withdrawn, "refunded_cents"), strict=True
    ):
        refunded.setdefault(str(oid), []).append(int(amount))
    reduced: Counter = Counter()  # uncaptured exchange credit withdrawn: authorizations reduced
    for oid, total, refund in zip(
        withdrawn["order_summary_id"],
        withdrawn["amount_cents"],
        attribute(withdrawn, "refunded_cents"),
        strict=True,
    ):
        reduced[str(oid)] += int(total) - int(refund)
    invoices = per_summary("Invoice Created")
    memos = per_summary("Credit Memo Created")
    for oid, amounts in per_summary("Invoice Written Off").items():
        memos[oid] = sorted(memos.get(oid, []) + amounts)
    authorized = per_summary("Payment Authorized")
    for s in result.summaries:
        m = ledger(s)
        assert sum(captured.get(s.id, [])) == m["captured"], s.id
        assert sum(refunded.get(s.id, [])) == m["refunded"], s.id
        assert invoices.get(s.id, []) == sorted(
            d.total_amount_with_tax_cents for d in s.invoices
        ), s.id
        assert memos.get(s.id, []) == sorted(
            d.total_amount_with_tax_cents for d in s.credit_memos
        ), s.id
        amounts = sorted(a.amount_cents for ops in s.payment_summaries for a in ops.authorizations)
        if s.id in reduced:  # withdrawn exchange credit reduced an authorization
            assert sum(authorized.get(s.id, [])) - reduced[s.id] == sum(amounts), s.id
        else:
            assert authorized.get(s.id, []) == amounts, s.id
    totals = Counter()
    for s in result.summaries:
        totals.update(ledger(s))
    assert int(of(events, "Payment Captured")["amount_cents"].sum()) == totals["captured"]
    withdrawn_total = sum(int(a) for a in attribute(withdrawn, "refunded_cents"))
    assert (
        int(of(events, "Refund Processed")["amount_cents"].sum()) + withdrawn_total
        == totals["refunded"]
    )
    assert int(of(events, "Invoice Created")["amount_cents"].sum()) == totals["invoiced"]
    returned = pd.concat(  # with an RMA and without one (submitReturn)
        [of(events, "Return Order Items Returned"), of(events, "Order Items Returned")]
    )
    assert sum(int(u) for u in attribute(returned, "units")) == sum(
        i.quantity_returned for s in result.summaries if s.is_managed for i in s.product_items
    )


def check_record_tables(result: RunResult) -> None:
    """Every record type's table exists with its columns, whether the run made its records or
    not (a run without refunds still has its Refund table)."""
    tables = result.records.arrow()
    assert set(tables) == {t.__name__ for t in RECORD_TYPES} | {STATE_TABLE}
    empty = RecordTables(start=result.records.start).arrow()
    for name, table in tables.items():
        assert table.schema == empty[name].schema, name


def check_conservation(result: RunResult, tables: EventLogTables) -> None:
    check_accounting(result)
    check_units(result)
    check_money(result)
    check_log(result, tables)


# --- tests ------------------------------------------------------------------------------------


@settings(max_examples=20, deadline=None)
@given(parameters=scenario_parameters(), seed=st.integers(0, 2**31 - 1))
def test_money_and_units_are_conserved_at_the_end_of_every_run(
    parameters: dict[str, Any], seed: int
) -> None:
    result, tables = simulate(parameters, seed)
    check_conservation(result, tables)
    check_record_tables(result)


def everything_on(remedy: str) -> dict[str, Any]:
    """Every service path at once, often: the guard against a vacuous pass of the property."""
    outage = {"start": START + dt.timedelta(hours=39), "end": START + dt.timedelta(hours=43)}
    return {
        "horizon_days": 4,
        "demand": {
            "delivery_methods": {"Standard": 2, "Express": 1, "Pickup": 1},
            "managed_share": 0.8,
            "promised_days": {"Standard": 1.0, "Express": 0.5, "Pickup": 1},
        },
        "payments": {"authorization_valid_days": 0.5, "reauthorization_success_rate": 0.5},
        "routing": {"strategy": "ship_from_store"},
        "fulfillment": {"store": {"inventory_accuracy": 0.7}},
        "pickup": {"pickup_delay_hours": {"dist": "exponential", "mean": 8}},
        "faults": {"gateway_outages": [outage]},  # day 2, 15:00-19:00: both carrier cut-offs
        "service": {
            "cancellations": {"probability": 0.2},
            "returns": {
                "rate_by_category": {"apparel": 0.5},
                "default_rate": 0.3,
                "exchange_share": 0.4,
                "return_fee_cents": 299,
                "shipping_reduction": True,
                "simple_return_share": 0.3,
                "mismatch_probability": 0.2,
                "destination": "nearest_location",
                "days_after_delivery": {"dist": "exponential", "mean": 0.3},
                "inspection_hours": {"dist": "exponential", "mean": 4},
            },
            "lost_parcels": {
                "probability": {"Standard": 0.15, "Express": 0.15},
                "damaged_share": 0.3,
                "remedy": remedy,
                "report_days_after_promise": 0,
            },
            "appeasements": {
                "contact_share": 0.8,
                "contact_hours_after_delivery": {"dist": "exponential", "mean": 4},
            },
            "pickup_no_shows": {"probability": 0.3, "cancel_after_days": 0.5},
        },
    }


@pytest.mark.parametrize("remedy", ["reship", "refund"])
def test_the_checks_see_every_booking_path(remedy: str) -> None:
    """Three runs with every behaviour switched on: conserved, and between them each path the
    identity's terms depend on happened (so the property does not pass on runs where nothing
    moves)."""
    activities: set[str] = set()
    kinds: set[str] = set()
    reasons: set[str] = set()
    refund_types: set[str] = set()
    seen: Counter = Counter()
    for seed in (1, 2, 3):
        result, tables = simulate(everything_on(remedy), seed)
        check_conservation(result, tables)
        events = tables.events
        activities |= set(events["activity"].astype(str))
        kinds |= set(attribute(of(events, "Process Exception Raised"), "kind"))
        reasons |= set(attribute(of(events, "Payment Authorized"), "reason"))
        summaries = result.summaries
        refund_types |= {
            r.type for s in summaries for ops in s.payment_summaries for r in ops.refunds
        }
        seen["exchange credit captured"] += sum(
            len(ops.payments)
            for s in summaries
            for ops in s.payment_summaries
            if ops.method == "Exchange Credit"
        )
        seen["unmanaged"] += sum(not s.is_managed for s in summaries)
        seen["open credit memos"] += sum(
            m.balance_cents > 0 for s in summaries for m in s.credit_memos
        )
        seen["open invoices"] += sum(i.balance_cents > 0 for s in summaries for i in s.invoices)
        seen["refunded at once"] += sum(  # a lost or damaged parcel's units refunded unreceived
            ln.quantity_returned > 0 and ln.quantity_received == 0
            for s in summaries
            for ro in s.return_orders
            for ln in ro.lines
        )
        seen["reshipped"] += sum(fo.is_reship for s in summaries for fo in s.fulfillment_orders)
    assert {
        "Order Items Canceled",  # customer cancels and no-shows
        "Pickup No-Show",
        "Order Items Adjusted",  # appeasements: credit memos without a return
        "Return Order Items Returned",
        "Order Items Returned",  # a return without an RMA (submitReturn)
        "Return Fee Charged",  # fee invoices ...
        "Credit Memo Applied",  # ... netted against the return's credit memo
        "Exchange Submitted",
        "Parcel Lost",
        "Parcel Damaged",
        "Invoice Written Off",  # write-off credit memos
    } <= activities
    assert {"authorization expired", "capture failed", "refund failed"} <= kinds
    assert {"reauthorization", "exchange"} <= reasons
    assert {"Referenced", "Exchange Credit"} <= refund_types
    for what in ("exchange credit captured", "unmanaged", "open credit memos", "open invoices"):
        assert seen[what] > 0, what
    assert seen["reshipped" if remedy == "reship" else "refunded at once"] > 0
