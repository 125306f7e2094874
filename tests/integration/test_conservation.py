"""Conservation: every checkout, unit, cent and unit of stock of a run is accounted for.

Two small runs of the tutorial scenario: as shipped, and a stressed variant where stores find
only 80% of their stock (rejections, re-routing and write-offs),
authorizations last 12 hours (re-authorizations and Payment process exceptions) and stock is
replenished daily with a one-day lead time (receipts within the horizon).

Each balance is checked from two independent sources where the engine keeps two: the final
records (``result.summaries``, the inventory) and the event log (``result.log``), whose tracked
field changes must replay to the final records.
"""

from __future__ import annotations

import functools
import json
from collections import Counter, defaultdict

import pandas as pd
import pytest

from omsim.domain import check_invariants, written_off_cents
from omsim.domain.picklists import ItemType
from omsim.scenario import load_scenario
from omsim.sim.model import build_model
from omsim.sim.run import FINAL_STATES, OPEN_STATES, run, unit_balance

HORIZON_DAYS = 4
STRESSED = {
    "fulfillment": {"store": {"inventory_accuracy": 0.8}},
    "payments": {"authorization_valid_days": 0.5, "reauthorization_success_rate": 0.7},
    "inventory": {
        "warehouse": {
            "replenishment": {
                "reorder_point_days": 21.5,
                "order_up_to_days": 23,
                "lead_time_days": 1,
            }
        },
        "store": {"replenishment": {"review_period_days": 1, "lead_time_days": 1}},
    },
}
OPEN_FO_CATEGORIES = ("DRAFT", "ACTIVATED", "FULFILLING")


@functools.cache
def simulate(variant: str):
    """The run of a variant, and its event log tables (each built once per session)."""
    overrides = STRESSED if variant == "stressed" else {}
    result = run(load_scenario("tutorial", horizon_days=HORIZON_DAYS, **overrides))
    return result, result.log.tables()


@pytest.fixture(scope="module", params=["tutorial", "stressed"])
def variant(request) -> str:
    return request.param


@pytest.fixture
def result(variant):
    return simulate(variant)[0]


@pytest.fixture
def tables(variant):
    return simulate(variant)[1]


def of(events: pd.DataFrame, activity: str) -> pd.DataFrame:
    return events[events["activity"] == activity]


def attribute(frame: pd.DataFrame, name: str) -> pd.Series:
    return frame["attributes"].map(lambda text: json.loads(text).get(name))


def managed_products(result):
    """(summary, OrderItemSummary) of every product line of every managed Order Summary."""
    return [(s, i) for s in result.summaries if s.is_managed for i in s.product_items]


def replayed(changes: pd.DataFrame, object_type: str, field: str) -> pd.Series:
    """Final value of a numeric field per object, replayed from the log: the sum of all deltas.

    A created record's first change has no old value (its delta is the value itself); summing
    deltas, rather than taking the last value, also checks that no change is missing.
    """
    rows = changes[(changes["object_type"] == object_type) & (changes["field"] == field)]
    old = pd.to_numeric(rows["old"].astype(object), errors="coerce").fillna(0.0)
    delta = rows["new_number"].to_numpy() - old.to_numpy()
    return pd.Series(delta, index=rows["object_id"].to_numpy()).groupby(level=0).sum()


# --- checkouts ----------------------------------------------------------------------------------


def test_every_checkout_is_declined_stocked_out_or_an_order_summary(result, tables) -> None:
    c = result.counters
    events = tables.events
    created = of(events, "Order Summary Created")
    originals = [s for s in result.summaries if s.source_order_summary_id is None]
    assert c.arrivals == c.declined + c.stocked_out + len(originals) > 100
    assert len(of(events, "Checkout Declined")) == c.declined
    assert len(of(events, "Checkout Stocked Out")) == c.stocked_out
    assert int((attribute(created, "source_process") != "Exchange").sum()) == len(originals)
    assert len(created) == len(result.summaries)
    assert set(result.order_states) == {s.id for s in result.summaries}
    assert set(result.order_states.values()) <= set(FINAL_STATES + OPEN_STATES)
    for summary in result.summaries:
        check_invariants(summary)


# --- units --------------------------------------------------------------------------------------


def test_units_ordered_are_canceled_fulfilled_or_still_open_per_sku(result) -> None:
    by_sku: dict[str, Counter] = defaultdict(Counter)
    for _, item in managed_products(result):
        sku = by_sku[item.stock_keeping_unit]
        sku["ordered"] += item.quantity_ordered
        sku["canceled"] += item.quantity_canceled
        sku["fulfilled"] += item.quantity_fulfilled
        sku["open"] += item.quantity_net_ordered - item.quantity_fulfilled
        sku["unrouted"] += item.quantity_available_to_fulfill
    # Where the units are, read from the fulfillment orders rather than the order lines.
    for summary in result.summaries:
        for fo in summary.fulfillment_orders:
            for line in fo.lines:
                if line.type is not ItemType.PRODUCT:
                    continue
                sku = by_sku[line.stock_keeping_unit]
                if fo.status == "Fulfilled":
                    sku["on fulfilled FOs"] += line.quantity
                elif fo.status_category in OPEN_FO_CATEGORIES:
                    sku["on open FOs"] += line.quantity
    total: Counter = Counter()
    for name, sku in sorted(by_sku.items()):
        assert sku["ordered"] == sku["canceled"] + sku["fulfilled"] + sku["open"], name
        assert sku["fulfilled"] == sku["on fulfilled FOs"], name
        assert sku["open"] == sku["on open FOs"] + sku["unrouted"], name
        total.update(sku)
    assert total["ordered"] == total["canceled"] + total["fulfilled"] + total["open"]
    assert unit_balance(result.summaries) == {
        k: total[k] for k in ("ordered", "canceled", "fulfilled", "open")
    }
    assert total["fulfilled"] > 0.8 * total["ordered"] > 100


def test_the_event_log_replays_to_the_final_quantities(result, tables) -> None:
    """Per SKU, ordered, canceled and fulfilled units summed from the log's field changes."""
    changes = tables.object_changes
    items = {i.id: i for _, i in managed_products(result)}
    for field, attr in (
        ("QuantityOrdered", "quantity_ordered"),
        ("QuantityCanceled", "quantity_canceled"),
        ("QuantityFulfilled", "quantity_fulfilled"),
        ("QuantityAllocated", "quantity_allocated"),
    ):
        from_log = replayed(changes, "OrderItemSummary", field)
        per_sku_log: Counter = Counter()
        per_sku_records: Counter = Counter()
        for item_id, item in items.items():
            per_sku_log[item.stock_keeping_unit] += int(from_log.get(item_id, 0))
            per_sku_records[item.stock_keeping_unit] += getattr(item, attr)
        assert per_sku_log == per_sku_records, field
    # Checkout quantities: the log's QuantityOrdered at creation is the order as placed.
    ordered = changes[
        (changes["object_type"] == "OrderItemSummary")
        & (changes["field"] == "QuantityOrdered")
        & changes["old"].isna()
    ]
    created = ordered.set_index(ordered["object_id"].astype(str))["new_number"]
    assert all(created[i] == item.quantity_ordered for i, item in items.items())


# --- money --------------------------------------------------------------------------------------


def test_money_captured_equals_what_fulfilled_orders_were_invoiced_and_paid(result, tables) -> None:
    events = tables.events
    captured = int(of(events, "Payment Captured")["amount_cents"].sum())
    invoiced = int(of(events, "Invoice Created")["amount_cents"].sum())
    managed = [s for s in result.summaries if s.is_managed]
    invoices = [inv for s in managed for inv in s.invoices]
    payments = [p for s in managed for ops in s.payment_summaries for p in ops.payments]

    # One invoice per fulfilled fulfillment order, and only for those.
    fulfilled = {
        fo.id: fo for s in managed for fo in s.fulfillment_orders if fo.status == "Fulfilled"
    }
    assert sorted(inv.reference_entity_id for inv in invoices) == sorted(fulfilled)
    assert all(fulfilled[inv.reference_entity_id].invoice_id == inv.id for inv in invoices)

    # Invoiced and still open, from the records and from the log.
    assert sum(inv.total_amount_with_tax_cents for inv in invoices) == invoiced
    open_balance = sum(inv.balance_cents for inv in invoices)
    balances = replayed(tables.object_changes, "Invoice", "Balance")
    assert int(balances.sum()) == open_balance
    assert sorted(balances.index) == sorted(inv.id for inv in invoices)

    # Captured = invoiced - written off - still open; no capture sits unapplied or was refunded.
    write_offs = of(events, "Invoice Written Off")
    written_off = int(write_offs["amount_cents"].sum())
    assert written_off == sum(written_off_cents(s) for s in managed)
    assert sum(p.amount_cents for p in payments) == captured
    assert all(p.balance_cents == 0 and p.refunded_cents == 0 for p in payments)
    assert captured == invoiced - written_off - open_balance
    assert captured == sum(inv.net_payments_applied_cents for inv in invoices)
    for s in managed:
        paid = sum(inv.net_payments_applied_cents for inv in s.invoices)
        assert sum(p.amount_cents for ops in s.payment_summaries for p in ops.payments) == paid

    # An invoice left unpaid waits for the exception desk (a Payment exception, or capture held
    # by the ActiveProcessExceptionCount gate); the desk's write-offs leave no balance open.
    for s in managed:
        if any(inv.balance_cents for inv in s.invoices):
            assert any(pe.is_active for pe in s.process_exceptions), s.id

    # A completed order was invoiced its grand total, to the cent.
    completed = [s for s in managed if result.order_states[s.id] == "Completed"]
    assert completed
    for s in completed:
        assert sum(inv.total_amount_with_tax_cents for inv in s.invoices) == (
            s.grand_total_amount_cents
        ), s.id


# --- stock --------------------------------------------------------------------------------------


def test_stock_on_hand_is_conserved_at_each_location(result, tables) -> None:
    """Opening + received - shipped - written off = closing on hand, in units per location.

    Receipts come from the log ("Replenishment Received", units per location: the log does not
    split them by SKU, so the balance is per location); shipments and write-offs from the
    fulfillment order lines, with their totals cross-checked against the log.
    """
    opening = build_model(result.scenario, result.seed).inventory  # stock before the clock runs
    closing = result.model.inventory
    events = tables.events
    receipts = of(events, "Replenishment Received")
    received = Counter()
    for location, units in zip(receipts["location_id"], attribute(receipts, "units"), strict=True):
        received[str(location)] += int(units)
    shipped: Counter = Counter()
    written_off: Counter = Counter()
    for s in result.summaries:
        for fo in s.fulfillment_orders:
            for line in fo.lines:
                if line.type is not ItemType.PRODUCT:
                    continue
                if fo.status == "Fulfilled":
                    shipped[fo.fulfilled_from_location_id] += line.quantity
                if line.reject_reason == "Out of Stock":  # not on the shelf: a cycle-count loss
                    written_off[fo.fulfilled_from_location_id] += line.rejected_quantity

    skus = sorted(set(opening.skus) | set(closing.skus))
    for location in closing.locations:
        before = sum(opening.stock(location, sku).on_hand for sku in skus)
        after = sum(closing.stock(location, sku).on_hand for sku in skus)
        assert before + received[location] - shipped[location] - written_off[location] == after, (
            location
        )

    # The same totals from the log: units fulfilled (product lines) and units rejected.
    products = {i.id for _, i in managed_products(result)}
    fulfilled = replayed(tables.object_changes, "OrderItemSummary", "QuantityFulfilled")
    assert int(fulfilled[fulfilled.index.isin(products)].sum()) == sum(shipped.values())
    rejected = of(events, "Fulfillment Order Lines Rejected")
    out_of_stock = attribute(rejected, "reason") == "Out of Stock"
    assert int(attribute(rejected[out_of_stock], "units").sum()) == sum(written_off.values())


# --- the stressed run does stress -------------------------------------------------------------


def test_the_runs_exercise_every_path_whose_accounting_is_tested() -> None:
    """Guard against a vacuous pass: rejections, re-authorizations, unpaid invoices, receipts
    and write-offs in the stressed run, and a canceled unit in one of the two runs."""
    result, tables = simulate("stressed")
    events = tables.events
    authorized = of(events, "Payment Authorized")
    raised = of(events, "Process Exception Raised")
    rejected = of(events, "Fulfillment Order Lines Rejected")
    assert int((attribute(rejected, "reason") == "Out of Stock").sum()) >= 5
    assert int((attribute(authorized, "reason") == "reauthorization").sum()) >= 5
    assert int((attribute(raised, "category") == "Payment").sum()) >= 3
    assert any(inv.balance_cents > 0 for s in result.summaries for inv in s.invoices)
    received = of(events, "Replenishment Received")
    assert received["location_id"].nunique() >= 2
    canceled = sum(
        unit_balance(simulate(variant)[0].summaries)["canceled"]
        for variant in ("tutorial", "stressed")
    )
    assert canceled > 0
