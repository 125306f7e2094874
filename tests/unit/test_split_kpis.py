"""KPIs that say why orders split, where pickups go and why cancel requests are refused: small
hand-built event logs, each with an answer worked out by hand, and one tutorial run."""

from __future__ import annotations

import datetime

import pytest

from omsim.analysis.kpis import fulfillment_kpis, kpis, origin_kpis, pickup_kpis, split_causes
from omsim.analysis.service_kpis import cancellation_kpis
from omsim.eventlog import EventLog
from omsim.scenario import load_scenario
from omsim.sim.run import run

START = datetime.datetime(2026, 9, 7, tzinfo=datetime.UTC)


def order(order_id: str) -> list[tuple[str, str, str]]:
    return [(order_id, "OrderSummary", "order summary")]


# --- splits: planned by routing, or made by a re-route --------------------------------------------


def attempt(log: EventLog, at: float, order_id: str, routed: bool = True) -> None:
    outcome = "routed" if routed else "no route: no location has the units"
    log.note("Routing Attempted", at, order(order_id), outcome=outcome)


def fo_created(log: EventLog, at: float, order_id: str, fo_id: str, location: str) -> None:
    log.note(
        "Fulfillment Order Created",
        at,
        [(fo_id, "FulfillmentOrder", "created"), *order(order_id)],
        location_id=location,
    )


def split_log() -> EventLog:
    """Five routed orders, their events interleaved as a run interleaves them.

    OS-1: routing chose DC-1 and ST-1 at once (planned split).
    OS-2: routed to DC-1, which rejected; no route at first, then ST-2 (a re-route split).
    OS-3: DC-1 only. OS-4: a pickup, sent to its store without routing (one decision).
    OS-5: no route, then a plan of DC-1 and DC-2 (planned: the first decision that created any).
    OS-6: never routed, not counted.
    """
    log = EventLog(START)
    attempt(log, 1.0, "OS-1")
    fo_created(log, 1.0, "OS-1", "FO-1", "DC-1")
    fo_created(log, 1.0, "OS-1", "FO-2", "ST-1")
    attempt(log, 1.0, "OS-2")
    fo_created(log, 1.0, "OS-2", "FO-3", "DC-1")
    fo_created(log, 1.5, "OS-4", "FO-4", "ST-1")
    attempt(log, 2.0, "OS-5", routed=False)
    attempt(log, 2.0, "OS-6", routed=False)
    attempt(log, 2.0, "OS-3")
    fo_created(log, 2.0, "OS-3", "FO-5", "DC-1")
    log.note("Fulfillment Order Lines Rejected", 3.0, order("OS-2"), reason="Out of Stock", units=2)
    attempt(log, 4.0, "OS-2", routed=False)
    attempt(log, 5.0, "OS-5")
    fo_created(log, 5.0, "OS-5", "FO-6", "DC-1")
    fo_created(log, 5.0, "OS-5", "FO-7", "DC-2")
    attempt(log, 6.0, "OS-2")
    fo_created(log, 6.0, "OS-2", "FO-8", "ST-2")
    return log


def test_split_causes_count_each_orders_first_decision_and_its_fulfillment_orders() -> None:
    causes = split_causes(split_log().tables())
    assert causes.sort_index().to_dict("index") == {
        "OS-1": {"fulfillment_orders": 2, "first_decision": 2},
        "OS-2": {"fulfillment_orders": 2, "first_decision": 1},
        "OS-3": {"fulfillment_orders": 1, "first_decision": 1},
        "OS-4": {"fulfillment_orders": 1, "first_decision": 1},
        "OS-5": {"fulfillment_orders": 2, "first_decision": 2},
    }


def test_planned_and_reroute_splits_add_up_to_the_split_order_rate() -> None:
    figures = fulfillment_kpis(split_log().tables())
    assert figures["order_summaries_routed"] == 5
    assert figures["split_order_rate"] == pytest.approx(3 / 5)
    assert figures["planned_split_order_rate"] == pytest.approx(2 / 5)  # OS-1, OS-5
    assert figures["reroute_split_order_rate"] == pytest.approx(1 / 5)  # OS-2


# --- origins per shipped multi-unit order, units per package --------------------------------------


def shipped(
    log: EventLog, order_id: str, location: str, units: int, *, reship: bool = False
) -> None:
    store = location.startswith("ST")
    log.note(
        "Parcel Shipped",
        10.0,
        order(order_id),
        location_id=location,
        units=units,
        fulfillment_type="Retail Store" if store else "Warehouse",
        reship=reship,
    )


def origins_log() -> EventLog:
    """OS-1: DC-1 (2 units) and ST-1 (1): two origins. OS-2: DC-1, ST-2, DC-2 (1 each): three.
    OS-3: DC-1 (3): one. OS-4: one unit, not multi-unit. OS-5: one unit and a reshipment of
    it, not multi-unit (reshipments are left out). OS-6: two parcels from ST-1 (2 and 1): one
    origin."""
    log = EventLog(START)
    shipped(log, "OS-1", "DC-1", 2)
    shipped(log, "OS-1", "ST-1", 1)
    for location in ("DC-1", "ST-2", "DC-2"):
        shipped(log, "OS-2", location, 1)
    shipped(log, "OS-3", "DC-1", 3)
    shipped(log, "OS-4", "DC-1", 1)
    shipped(log, "OS-5", "DC-1", 1)
    shipped(log, "OS-5", "ST-1", 1, reship=True)
    shipped(log, "OS-6", "ST-1", 2)
    shipped(log, "OS-6", "ST-1", 1)
    return log


def test_origins_per_shipped_multi_unit_order_and_units_per_package() -> None:
    assert origin_kpis(origins_log().tables()) == pytest.approx(
        {
            "multi_unit_orders_shipped": 4,  # OS-1, OS-2, OS-3, OS-6
            "orders_with_1_origin_rate": 2 / 4,  # OS-3, OS-6
            "orders_with_2_origins_rate": 1 / 4,  # OS-1
            "orders_with_3plus_origins_rate": 1 / 4,  # OS-2
            "multi_unit_order_split_rate": 2 / 4,
            # stores: ST-1 1, ST-2 1, ST-1 2 and 1 (the reshipment left out): 5 units, 4 parcels
            "units_per_package_store": 5 / 4,
            # warehouses: 2 + 1 + 1 + 3 + 1 + 1 units in 6 parcels
            "units_per_package_warehouse": 9 / 6,
        }
    )


# --- pickup chosen, placed, realised --------------------------------------------------------------


def created(
    log: EventLog,
    order_id: str,
    method: str,
    *,
    fallback: str | None = None,
    managed: bool = True,
    exchange: bool = False,
) -> None:
    extra = {} if fallback is None else {"pickup_fallback": fallback}
    log.note(
        "Order Summary Created",
        0.0,
        [(order_id, "OrderSummary", "created")],
        life_cycle_type="MANAGED" if managed else "UNMANAGED",
        source_process="Exchange" if exchange else "Standard",
        delivery_method=method,
        **extra,
    )


def test_pickup_chosen_placed_and_realised_over_managed_orders_from_checkouts() -> None:
    """Six managed orders from checkouts: OS-2 and OS-3 placed as pickups (OS-2 collected,
    OS-3 never), OS-4 and OS-5 chose Pickup and were shipped instead. OS-6 (unmanaged, a
    pickup) and OS-7 (an exchange) are left out."""
    log = EventLog(START)
    created(log, "OS-1", "Standard")
    created(log, "OS-2", "Pickup")
    created(log, "OS-3", "Pickup")
    created(log, "OS-4", "Standard", fallback="store short of stock")
    created(log, "OS-5", "Standard", fallback="no store in radius")
    created(log, "OS-6", "Pickup", managed=False)
    created(log, "OS-7", "Standard", exchange=True)
    created(log, "OS-8", "Express")
    log.note("Order Picked Up", 30.0, order("OS-2"), location_id="ST-1")
    log.note("Pickup No-Show", 200.0, order("OS-3"), location_id="ST-1")

    figures = pickup_kpis(log.tables())
    reasons = figures.pop("pickups_shipped_instead_by_reason")
    assert reasons == {"no store in radius": 1, "store short of stock": 1}
    assert figures == pytest.approx(
        {
            "pickup_chosen_share": 4 / 6,
            "pickup_placed_share": 2 / 6,
            "pickup_realised_share": 1 / 6,
        }
    )


# --- cancel requests refused because the units were picked ----------------------------------------


def test_cancel_requests_refused_because_units_were_picked_or_already_shipped() -> None:
    """OS-1 canceled in full; OS-2 refused in part (a unit being picked); OS-3 asked after
    everything shipped; OS-4 asked after one of its units shipped; OS-5 asked for units already
    canceled (not a refusal); OS-6's refusal is at another instant, not an answer to its
    request. Refused: OS-2, OS-3, OS-4."""
    log = EventLog(START)
    requests = {"OS-1": (2, 0), "OS-2": (3, 0), "OS-3": (0, 2), "OS-4": (1, 1), "OS-5": (0, 0)}
    for o, (units, fulfilled) in requests.items():
        log.note("Cancel Requested", 5.0, order(o), units=units, units_fulfilled=fulfilled)
    log.note("Order Items Canceled", 5.0, order("OS-1"), reason="Customer Request", units=2)
    log.note("Order Items Canceled", 5.0, order("OS-2"), reason="Customer Request", units=2)
    log.note("Cancel Refused", 5.0, order("OS-2"), units=1)
    log.note("Order Items Canceled", 5.0, order("OS-4"), reason="Customer Request", units=1)
    log.note("Cancel Requested", 6.0, order("OS-6"), units=1, units_fulfilled=0)
    log.note("Cancel Refused", 9.0, order("OS-6"), units=1)

    figures = cancellation_kpis(log.tables())
    assert figures["cancel_requests"] == 6
    assert figures["cancel_requests_refused_picked_share"] == pytest.approx(3 / 6)
    assert figures["cancel_refused_units"] == 2


def test_a_request_logged_without_units_fulfilled_counts_only_its_refusal() -> None:
    """Logs written before ``units_fulfilled`` existed: only ``Cancel Refused`` says refused."""
    log = EventLog(START)
    log.note("Cancel Requested", 1.0, order("OS-1"), units=2)
    log.note("Cancel Requested", 1.0, order("OS-2"), units=2)
    log.note("Cancel Refused", 1.0, order("OS-2"), units=2)
    assert cancellation_kpis(log.tables())["cancel_requests_refused_picked_share"] == 0.5


# --- a real run -----------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def tutorial_kpis() -> dict:
    result = run(load_scenario("tutorial", horizon_days=5), seed=7)
    return kpis(result.log.tables())


RATES = (
    "planned_split_order_rate",
    "reroute_split_order_rate",
    "orders_with_1_origin_rate",
    "orders_with_2_origins_rate",
    "orders_with_3plus_origins_rate",
    "multi_unit_order_split_rate",
    "pickup_chosen_share",
    "pickup_placed_share",
    "pickup_realised_share",
    "cancel_requests_refused_picked_share",
)


def test_the_new_kpis_of_a_tutorial_run_are_consistent(tutorial_kpis) -> None:
    k = tutorial_kpis
    assert all(0.0 <= k[name] <= 1.0 for name in RATES), {n: k[n] for n in RATES}
    assert k["planned_split_order_rate"] + k["reroute_split_order_rate"] == pytest.approx(
        k["split_order_rate"]
    )
    assert k["split_order_rate"] > 0
    assert k["multi_unit_orders_shipped"] > 0
    origins = ("orders_with_1_origin_rate", "orders_with_2_origins_rate")
    assert sum(k[n] for n in origins) + k["orders_with_3plus_origins_rate"] == pytest.approx(1.0)
    assert k["multi_unit_order_split_rate"] == pytest.approx(1.0 - k["orders_with_1_origin_rate"])
    assert k["units_per_package_store"] >= 1.0 and k["units_per_package_warehouse"] >= 1.0
    assert k["pickup_chosen_share"] >= k["pickup_placed_share"] >= k["pickup_realised_share"] > 0
    managed = k["checkouts_placed"] - k["unmanaged_order_summaries"]
    shipped_instead = sum(k["pickups_shipped_instead_by_reason"].values())
    assert shipped_instead == round((k["pickup_chosen_share"] - k["pickup_placed_share"]) * managed)
    # a customer refused every unit asked had some: refused units mean refused requests
    if k["cancel_refused_units"]:
        assert k["cancel_requests_refused_picked_share"] > 0
