"""`kpis`: every key of ``kpis.json`` is documented in docs/kpis.md."""

from __future__ import annotations

import datetime
import re
from pathlib import Path

import pytest

from omsim.analysis.kpis import derived_kpis, kpis
from omsim.eventlog import EventLog

DOC = Path(__file__).parents[2] / "docs" / "kpis.md"


def _documented() -> set[str]:
    """Keys named in the first column of the doc's tables."""
    rows = [line for line in DOC.read_text().splitlines() if line.startswith("| `")]
    return {key for row in rows for key in re.findall(r"`([a-z0-9_]+)`", row.split("|")[1])}


def test_every_kpi_is_documented_and_every_documented_kpi_exists() -> None:
    keys = set(kpis(EventLog(datetime.datetime(2026, 1, 1)).tables()))
    assert keys == _documented()


def test_kpis_of_an_empty_log_are_zero() -> None:
    figures = kpis(EventLog(datetime.datetime(2026, 1, 1)).tables())
    assert all(v in (0, 0.0, {}, {"overall": 0.0}) for v in figures.values()), figures


# --- derived KPIs: cost per routed order, units per package, on time, exceptions per 1,000 -------

START = datetime.datetime(2026, 9, 7, tzinfo=datetime.UTC)


def _order(order_id: str) -> list[tuple[str, str, str]]:
    return [(order_id, "OrderSummary", "order summary")]


def routed_log() -> EventLog:
    """Three routed orders (OS-3 a pickup, never shipped) and four parcels.

    OS-1: two parcels from DC-1 (2 units, $8.00 + $2.50; 1 unit, $6.00 + $2.50).
    OS-2: one parcel from ST-1 (3 units, $5.00 + $1.00) and a reshipment of one unit from DC-1
    ($7.00 + $2.50): the reshipment's cost counts, its units do not count per package.
    Three parcels delivered, one of them late.
    """
    log = EventLog(START)
    for order_id, fo_id, location in [
        ("OS-1", "FO-1", "DC-1"),
        ("OS-1", "FO-2", "DC-1"),
        ("OS-2", "FO-3", "ST-1"),
        ("OS-3", "FO-4", "ST-1"),
    ]:
        log.note(
            "Fulfillment Order Created",
            1.0,
            [(fo_id, "FulfillmentOrder", "created"), *_order(order_id)],
            location_id=location,
        )
    for order_id, location, units, shipping, handling, reship in [
        ("OS-1", "DC-1", 2, 800, 250, False),
        ("OS-1", "DC-1", 1, 600, 250, False),
        ("OS-2", "ST-1", 3, 500, 100, False),
        ("OS-2", "DC-1", 1, 700, 250, True),
    ]:
        log.note(
            "Parcel Shipped",
            10.0,
            _order(order_id),
            location_id=location,
            units=units,
            fulfillment_type="Retail Store" if location.startswith("ST") else "Warehouse",
            reship=reship,
            shipping_cost_cents=shipping,
            handling_cost_cents=handling,
        )
    for order_id, late in [("OS-1", False), ("OS-1", True), ("OS-2", False)]:
        log.note("Parcel Delivered", 40.0, _order(order_id), late=late, hours_after_order=39.0)
    return log


def test_cost_per_routed_order_units_per_package_and_on_time_by_hand() -> None:
    figures = kpis(routed_log().tables())
    assert figures["order_summaries_routed"] == 3
    # shipping 800 + 600 + 500 + 700 = 2600 cents, handling 250 + 250 + 100 + 250 = 850
    assert figures["shipping_cost_per_routed_order_cents"] == pytest.approx(2600 / 3)
    assert figures["handling_cost_per_routed_order_cents"] == pytest.approx(850 / 3)
    assert figures["shipping_and_handling_cost_per_routed_order_cents"] == pytest.approx(3450 / 3)
    # units 2 + 1 + 3 in three parcels (the reshipment left out)
    assert figures["units_per_package"] == pytest.approx(6 / 3)
    # two of three delivered parcels on time
    assert figures["on_time_parcel_rate"] == pytest.approx(2 / 3)
    assert figures["on_time_parcel_rate"] == pytest.approx(1 - figures["late_parcel_rate"])


def test_derived_kpis_by_hand() -> None:
    derived = derived_kpis(
        {
            "shipping_cost_cents": 1000,
            "handling_cost_cents": 250,
            "order_summaries_routed": 8,
            "parcels_delivered": 4,
            "late_parcel_rate": 0.25,
            "process_exceptions_raised": 7,
            "managed_order_summaries_incl_exchanges": 2000,
            "canceled_units_by_reason": {"Customer Request": 3, "No Inventory": 4},
        }
    )
    assert derived == pytest.approx(
        {
            "shipping_cost_per_routed_order_cents": 125.0,
            "handling_cost_per_routed_order_cents": 31.25,
            "shipping_and_handling_cost_per_routed_order_cents": 156.25,
            "on_time_parcel_rate": 0.75,
            "process_exceptions_per_1000_managed_order_summaries": 3.5,  # 7 / 2000 * 1000
            "units_canceled": 7,
            "units_canceled_no_inventory": 4,
        }
    )
