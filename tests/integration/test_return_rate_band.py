"""The default scenario lands in the industry bands it is calibrated to (issue 5).

One run of ``regional_retailer`` as shipped (its full 8-week horizon, its own seed), shared by
every test of the module. The bands come from the published figures in docs/figures.md, each
test naming its source; where a bound is omsim's own reasoning rather than a published figure,
the test says so.

Left out on purpose:

* the apparel band 0.30-0.40 (AlixPartners, 2017): the scenario sets apparel's return chance to 0.30, the band's
  floor, and a matured cohort sees slightly less than the per-unit chance (returns sent more than
  ~26 days after delivery fall outside the 30-day window, and mismatched parcels hold a unit
  fewer than the RMA), so a correct run lands just below 0.30. Only the ordering (apparel above
  the other categories) is checked.
* "orders with 2+ fulfillment orders: tens of percent in a store-enabled network with dispersed
  stock": this network's stock is not dispersed (every location carries the full range), so
  ``fewest_splits`` never splits at first routing; every split comes from a store rejection.
"""

from __future__ import annotations

import json
from typing import Any

import pandas as pd
import pytest

from omsim.analysis.kpis import kpis
from omsim.analysis.service_kpis import matured_return_rate
from omsim.eventlog import EventLogTables
from omsim.scenario import load_scenario
from omsim.scenario.schema import Scenario
from omsim.sim.run import run

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def default_run() -> tuple[Scenario, EventLogTables, dict[str, Any]]:
    """The default scenario's run: scenario, event log tables and KPIs (built once)."""
    scenario = load_scenario("regional_retailer")
    tables = run(scenario).log.tables()
    return scenario, tables, kpis(tables)


def of(events: pd.DataFrame, activity: str) -> pd.DataFrame:
    return events[events["activity"] == activity]


def attribute(frame: pd.DataFrame, name: str) -> pd.Series:
    return frame["attributes"].map(lambda text: json.loads(text).get(name))


def original_orders(events: pd.DataFrame) -> pd.Index:
    """Order Summaries created at checkout (exchange summaries excluded)."""
    created = of(events, "Order Summary Created")
    originals = created[attribute(created, "source_process") != "Exchange"]
    return pd.Index(originals["order_summary_id"].astype(str).unique())


def test_matured_return_rate_is_in_the_published_band(default_run) -> None:
    """Returned / delivered units of the matured cohort in 0.15-0.21.

    17.6% of online sales returned (NRF and Appriss Retail, 2023); 16.9% of annual sales (NRF
    and Happy Returns, 2024): a default run's band is 0.15-0.21.
    """
    _, tables, k = default_run
    rates = matured_return_rate(tables)
    assert k["units_delivered"] > 10_000  # a cohort large enough for a rate to mean something
    assert 0.15 <= rates["overall"] <= 0.21, rates


def test_apparel_returns_more_than_the_other_categories(default_run) -> None:
    """30-40% of apparel bought online is returned (AlixPartners, 2017), against 15-21% overall."""
    rates = matured_return_rate(default_run[1])
    others = {c: r for c, r in rates.items() if c not in ("overall", "apparel")}
    assert others
    assert rates["apparel"] > max(others.values()), rates
    assert rates["apparel"] > rates["overall"], rates


def test_the_to_date_return_rate_understates_the_matured_one(default_run) -> None:
    """The to-date ratio is below (or near) the matured cohort's.

    The to-date ratio divides every unit returned so far by every unit delivered so far, but
    units delivered in the last weeks have not had time to come back (customers send returns
    about 10 days after delivery, plus transit and inspection), so its numerator lags its
    denominator. The matured rate counts only orders delivered at least 30 days before the log
    ends, whose returns have nearly all arrived.
    """
    _, tables, k = default_run
    matured = matured_return_rate(tables)["overall"]
    assert k["matured_unit_return_rate"]["overall"] == matured
    assert k["unit_return_rate"] <= matured + 0.005, (k["unit_return_rate"], matured)


def test_pickup_share_of_orders_is_plausible(default_run) -> None:
    """Orders sent to a store for pickup: 5-20% of checkouts.

    15.9% (Nov 2024) and 17.5% (2023) of online orders among retailers offering pickup (Adobe
    Analytics). The scenario draws Pickup for 16% of checkouts, but a Pickup customer with no
    store within ``pickup_radius_km`` (about 9% of demand weight) or whose store lacks a line
    ships Standard instead, so the realised share is lower: 5% is the floor, 20% the published
    top plus slack.
    """
    _, tables, _ = default_run
    events = tables.events
    orders = original_orders(events)
    pickup = of(events, "Ready for Pickup")["order_summary_id"].astype(str).unique()
    share = len(set(pickup) & set(orders)) / len(orders)
    assert 0.05 <= share <= 0.20, share


def test_some_orders_ship_from_more_than_one_location(default_run) -> None:
    """Split orders: 0 < orders shipped from 2+ origins <= split_order_rate < 38%.

    Lower bound: stores find only 97% of their stock, and a partly rejected fulfillment order
    is re-routed elsewhere, so some orders leave from two locations. Upper bound: 38% of
    multi-item orders split at peak in networks built for it (Kurt Salmon and StellaService,
    holiday 2014); a non-peak run routed for fewest
    splits must be well below. ``split_order_rate`` counts orders with 2+ fulfillment orders
    created, which includes a whole fulfillment order rejected and re-routed to one location,
    so it is at least the share of orders that actually left from 2+ origins.
    """
    _, tables, k = default_run
    events = tables.events
    departed = pd.concat([of(events, "Parcel Shipped"), of(events, "Order Picked Up")])
    origins = departed.groupby("order_summary_id", observed=True)["location_id"].nunique()
    shipped_split = float((origins >= 2).sum()) / k["order_summaries_routed"]
    assert 0 < shipped_split <= k["split_order_rate"] < 0.38, (shipped_split, k)


def test_exception_rate_is_low(default_run) -> None:
    """Orders with a process exception: under 10% of managed orders.

    Not a published figure: omsim's bound from the scenario's own failure sources (store
    inventory accuracy 0.97 on store-fulfilled lines, lost parcels 0.4%, return mismatches 2%
    of returned lines, authorization expiry rare with 7-day holds and 1-3 day shipping), which
    add up to a few percent; 10% leaves room for re-routing cascades.
    """
    _, _, k = default_run
    rate = k["order_summaries_with_exception_rate"]
    assert 0 < rate < 0.10, rate


def test_authorization_expiry_needs_a_late_shipment(default_run) -> None:
    """Auth-expiry exceptions are about P(first shipment later than the hold's validity).

    Read as an inclusion: an order re-authorized or with an ``authorization expired``
    exception was invoiced more than ``authorization_valid_days`` (7 days, the card networks'
    card-not-present rule) after its checkout authorization, since capture happens at
    invoicing.
    """
    scenario, tables, _ = default_run
    events = tables.events
    authorized = of(events, "Payment Authorized")
    checkout = authorized[attribute(authorized, "reason") == "checkout"]
    held_at = checkout.groupby("order_summary_id", observed=True)["time_hours"].min()
    invoiced = of(events, "Invoice Created")
    last_invoice = invoiced.groupby("order_summary_id", observed=True)["time_hours"].max()
    valid_hours = 24.0 * scenario.payments.authorization_valid_days
    waited = last_invoice - held_at.reindex(last_invoice.index)
    late = set(waited[waited > valid_hours].index.astype(str))
    raised = of(events, "Process Exception Raised")
    expired = raised[attribute(raised, "kind") == "authorization expired"]
    reauthorized = authorized[attribute(authorized, "reason") == "reauthorization"]
    needing = set(expired["order_summary_id"].astype(str)) | set(
        reauthorized["order_summary_id"].astype(str)
    )
    # An exchange whose old items never came back lost its exchange credit and is paid by a
    # card authorized then, whenever it shipped.
    withdrawn = set(of(events, "Exchange Credit Withdrawn")["order_summary_id"].astype(str))
    assert needing - withdrawn <= late
    assert len(late) <= 0.01 * len(held_at)  # shipments leave within days of a 7-day hold
