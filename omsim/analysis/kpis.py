"""Key performance indicators, computed from the event log tables only.

Every KPI reads `EventTables` (a log in memory, or a run folder read an activity at a time), never the SimPy
model, so the same functions work on a run from last week or on another system's export that
uses the same activities. Money in cents, durations in hours, rates as fractions.
"""

from __future__ import annotations

import json
from typing import Any

import numpy as np
import pandas as pd

from omsim.analysis.service_kpis import (
    appeasement_kpis,
    cancellation_kpis,
    exception_kpis,
    return_kpis,
)
from omsim.eventlog import EventTables


def _of(tables: EventTables, activity: str) -> pd.DataFrame:
    return tables.of(activity)


def _attribute(frame: pd.DataFrame, name: str) -> pd.Series:
    values = [json.loads(text).get(name) for text in frame["attributes"]]
    return pd.Series(values, index=frame.index, dtype=object)


def _numbers(frame: pd.DataFrame, name: str) -> pd.Series:
    """A numeric attribute (missing as NaN)."""
    return pd.to_numeric(_attribute(frame, name), errors="coerce").astype(float)


def _rate(numerator: float, denominator: float) -> float:
    return float(numerator) / denominator if denominator else 0.0


def _quantile(values: pd.Series, q: float) -> float:
    return float(np.quantile(values.to_numpy(dtype=float), q)) if len(values) else 0.0


def order_kpis(tables: EventTables) -> dict[str, Any]:
    """Checkouts, Order Summaries (managed, unmanaged, exchange) and GMV.

    A checkout ends declined, stocked out or placed (an original Order Summary); exchanges
    create Order Summaries without a checkout, so ``order_summaries_created`` is
    ``checkouts_placed + exchange_order_summaries``. GMV is the grand total (tax and delivery
    included) of managed Order Summaries, exchanges included, when created: with the number of
    managed Order Summaries, the bases Salesforce licenses Order Management by.
    """
    created = _of(tables, "Order Summary Created")
    kind = _attribute(created, "life_cycle_type")
    source = _attribute(created, "source_process")
    managed = created[kind == "MANAGED"]
    declined = len(_of(tables, "Checkout Declined"))
    stocked_out = len(_of(tables, "Checkout Stocked Out"))
    originals = int((source != "Exchange").sum())
    checkouts = declined + stocked_out + originals
    return {
        "checkouts_attempted": checkouts,
        "checkouts_placed": originals,
        "checkouts_declined": declined,
        "checkouts_stocked_out": stocked_out,
        "checkout_decline_rate": _rate(declined, checkouts),
        "checkout_stockout_rate": _rate(stocked_out, checkouts),
        "order_summaries_created": len(created),
        "managed_order_summaries_incl_exchanges": len(managed),
        "unmanaged_order_summaries": int((kind == "UNMANAGED").sum()),
        "exchange_order_summaries": int((source == "Exchange").sum()),
        "managed_gmv_cents": int(managed["amount_cents"].fillna(0).sum()),
    }


def split_causes(tables: EventTables) -> pd.DataFrame:
    """Per routed Order Summary: fulfillment orders created, and those of its first decision.

    A routing decision is a ``Routing Attempted`` event and the ``Fulfillment Order Created``
    events that follow it for the same order (one per location of the plan); fulfillment orders
    before any attempt (pickups, sent straight to their store) are a decision of their own. The
    first decision is what routing planned; later ones re-route units a location rejected (or
    that an agent routed by hand). Orders with one delivery group, as omsim's, are assumed: a
    second group's routing would count as a later decision. Columns ``fulfillment_orders`` and
    ``first_decision``, indexed by Order Summary id.
    """
    events = tables.of("Routing Attempted", "Fulfillment Order Created")
    # integer codes, not a Python string per row: at a million orders these are millions of rows
    codes, ids = pd.factorize(events["order_summary_id"])
    attempt = (events["activity"] == "Routing Attempted").to_numpy()
    decision = pd.Series(np.where(attempt, events["event_id"].to_numpy(dtype=float), np.nan))
    decision = decision.groupby(codes).ffill().fillna(-1.0)
    fos = pd.DataFrame({"order": codes[~attempt], "decision": decision.to_numpy()[~attempt]})
    fos = fos[fos["order"] >= 0]
    first = fos.groupby("order")["decision"].transform("min")
    frame = pd.DataFrame(
        {
            "fulfillment_orders": fos.groupby("order").size(),
            "first_decision": (fos["decision"] == first).groupby(fos["order"]).sum(),
        }
    )
    frame.index = pd.Index(np.asarray(ids, dtype=object)[frame.index.to_numpy()], dtype=object)
    return frame


def _parcels(tables: EventTables) -> pd.DataFrame:
    """Parcels shipped for fulfillment orders routed from the Order Summary (reshipments left
    out): order and origin location (integer codes), units and the fulfillment order's
    ``Type``."""
    shipped = _of(tables, "Parcel Shipped")
    units, types, reship = [], [], []
    for text in shipped["attributes"]:
        attrs = json.loads(text)
        units.append(attrs.get("units"))
        types.append(attrs.get("fulfillment_type"))
        reship.append(bool(attrs.get("reship")))
    frame = pd.DataFrame(
        {
            "order": pd.factorize(shipped["order_summary_id"])[0],  # codes: -1 for none
            "location": pd.factorize(shipped["location_id"])[0],
            "units": pd.to_numeric(pd.Series(units, dtype=object), errors="coerce").to_numpy(),
            "type": pd.Series(types, dtype=object).to_numpy(),
        }
    )
    return frame[~np.array(reship, dtype=bool) & (frame["order"] >= 0)]


def origin_kpis(tables: EventTables) -> dict[str, Any]:
    """Origins per shipped multi-unit order, and units per parcel by origin type."""
    return _origin_kpis(_parcels(tables))


def _origin_kpis(parcels: pd.DataFrame) -> dict[str, Any]:
    """`origin_kpis` of the parcels of `_parcels`."""
    per_order = parcels.groupby("order").agg(
        units=("units", "sum"), origins=("location", "nunique")
    )
    multi = per_order[per_order["units"] >= 2]
    origins = multi["origins"]

    def per_package(fulfillment_type: str) -> float:
        chosen = parcels[parcels["type"] == fulfillment_type]["units"].dropna()
        return _rate(float(chosen.sum()), len(chosen))

    return {
        "multi_unit_orders_shipped": len(multi),
        "orders_with_1_origin_rate": _rate(int((origins == 1).sum()), len(multi)),
        "orders_with_2_origins_rate": _rate(int((origins == 2).sum()), len(multi)),
        "orders_with_3plus_origins_rate": _rate(int((origins >= 3).sum()), len(multi)),
        "multi_unit_order_split_rate": _rate(int((origins >= 2).sum()), len(multi)),
        "units_per_package_store": per_package("Retail Store"),
        "units_per_package_warehouse": per_package("Warehouse"),
    }


def fulfillment_kpis(tables: EventTables) -> dict[str, Any]:
    """Fulfillment orders, splits (and why), rejections, routing attempts and shipping cost."""
    created = _of(tables, "Fulfillment Order Created")
    per_order = created.groupby("order_summary_id", observed=True).size()
    shipped = _of(tables, "Parcel Shipped")
    attempts = _of(tables, "Routing Attempted")
    outcome = _attribute(attempts, "outcome").fillna("")
    orders = len(per_order)
    causes = split_causes(tables)
    parcels = _parcels(tables)
    units = parcels["units"].dropna()
    planned = int((causes["first_decision"] >= 2).sum())
    rerouted = int(((causes["first_decision"] == 1) & (causes["fulfillment_orders"] >= 2)).sum())
    return {
        "fulfillment_orders_created": len(created),
        "order_summaries_routed": orders,
        "fulfillment_orders_per_routed_order": _rate(len(created), orders),
        "split_order_rate": _rate(int((per_order >= 2).sum()), orders),
        "planned_split_order_rate": _rate(planned, orders),
        "reroute_split_order_rate": _rate(rerouted, orders),
        **_origin_kpis(parcels),
        "units_per_package": _rate(float(units.sum()), len(units)),
        "routing_attempts": len(attempts),
        "routing_attempts_no_route": int(outcome.str.startswith("no route").sum()),
        "fulfillment_order_lines_rejected_events": len(
            _of(tables, "Fulfillment Order Lines Rejected")
        ),
        "fulfillment_orders_fulfilled": len(_of(tables, "Fulfillment Order Fulfilled")),
        "parcels_shipped": len(shipped),
        "shipping_cost_cents": int(_numbers(shipped, "shipping_cost_cents").fillna(0).sum()),
        "handling_cost_cents": int(_numbers(shipped, "handling_cost_cents").fillna(0).sum()),
    }


def pickup_kpis(tables: EventTables) -> dict[str, Any]:
    """Pickup chosen at checkout, placed as pickup, and collected in store.

    Over managed Order Summaries from checkouts (exchanges left out: they always ship). A
    customer who chose Pickup ships Standard when no store is within the pickup radius, or the
    store is closed or short of any line at checkout (``pickup_fallback`` on ``Order Summary
    Created``); a pickup placed is realised when collected (``Order Picked Up``).
    """
    created = _of(tables, "Order Summary Created")
    picked = set(_of(tables, "Order Picked Up")["order_summary_id"].dropna().astype(str))
    orders = chosen = placed = realised = 0
    fallbacks: dict[str, int] = {}
    for order, text in zip(created["order_summary_id"], created["attributes"], strict=True):
        attrs = json.loads(text)
        if attrs.get("life_cycle_type") != "MANAGED" or attrs.get("source_process") == "Exchange":
            continue
        orders += 1
        fallback = attrs.get("pickup_fallback")
        is_placed = "Pickup" in str(attrs.get("delivery_method") or "").split(";")
        placed += is_placed
        chosen += is_placed or fallback is not None
        realised += str(order) in picked
        if fallback is not None:
            fallbacks[str(fallback)] = fallbacks.get(str(fallback), 0) + 1
    return {
        "pickup_chosen_share": _rate(chosen, orders),
        "pickup_placed_share": _rate(placed, orders),
        "pickup_realised_share": _rate(realised, orders),
        "pickups_shipped_instead_by_reason": dict(sorted(fallbacks.items())),
    }


def delivery_kpis(tables: EventTables) -> dict[str, Any]:
    """Time from order to delivery or pickup (hours), the share delivered late, and pickups
    chosen, placed and realised (`pickup_kpis`)."""
    delivered = _of(tables, "Parcel Delivered")
    hours = _numbers(delivered, "hours_after_order")
    late = _attribute(delivered, "late") == True  # noqa: E712 (missing values count as on time)
    picked = _of(tables, "Order Picked Up")
    pickup_hours = _numbers(picked, "hours_after_order")
    return {
        "parcels_delivered": len(delivered),
        "mean_hours_to_delivery": float(hours.mean()) if len(hours) else 0.0,
        "p90_hours_to_delivery": _quantile(hours, 0.9),
        "late_parcel_rate": _rate(int(late.sum()), len(delivered)),
        "fulfillment_orders_picked_up": len(picked),
        "mean_hours_to_pickup": float(pickup_hours.mean()) if len(pickup_hours) else 0.0,
        **pickup_kpis(tables),
    }


def money_kpis(tables: EventTables) -> dict[str, Any]:
    """Money invoiced, captured, applied, credited and refunded (cents).

    ``refunds_processed_cents`` is every Refund (the ``Amount`` total of ``Refund.parquet``),
    Exchange Credit included; `return_kpis` splits it into money back to customers and credit
    carried to exchanges.
    """

    def total(activity: str) -> int:
        return int(_of(tables, activity)["amount_cents"].fillna(0).sum())

    return {
        "invoiced_cents": total("Invoice Created"),
        "captured_cents": total("Payment Captured"),
        "payments_applied_cents": total("Payment Applied"),
        "credit_memos_created_cents": total("Credit Memo Created"),
        "refunds_processed_cents": total("Refund Processed"),
        "reauthorizations": int(
            (_attribute(_of(tables, "Payment Authorized"), "reason") == "reauthorization").sum()
        ),
    }


def derived_kpis(figures: dict[str, Any]) -> dict[str, Any]:
    """KPIs derived from other KPIs of the same log: cost per routed order, on-time parcels,
    exceptions per 1,000 managed Order Summaries and units canceled.

    ``figures`` holds the KPIs of the other groups (`kpis` passes them), so these too are
    functions of the event log alone. Costs are cents per routed Order Summary (a mean, so
    fractional cents): the carrier and handling cost of every parcel shipped, reshipments
    included, over ``order_summaries_routed`` (pickups included, at no shipping cost).

    >>> derived = derived_kpis({"shipping_cost_cents": 900, "handling_cost_cents": 300,
    ...     "order_summaries_routed": 4, "parcels_delivered": 5, "late_parcel_rate": 0.2,
    ...     "process_exceptions_raised": 3, "managed_order_summaries_incl_exchanges": 1500,
    ...     "canceled_units_by_reason": {"No Inventory": 2, "Customer Request": 5}})
    >>> derived["shipping_and_handling_cost_per_routed_order_cents"], derived["on_time_parcel_rate"]
    (300.0, 0.8)
    >>> derived["process_exceptions_per_1000_managed_order_summaries"], derived["units_canceled"]
    (2.0, 7)
    """
    routed = figures["order_summaries_routed"]
    shipping, handling = figures["shipping_cost_cents"], figures["handling_cost_cents"]
    delivered = figures["parcels_delivered"]
    canceled = figures["canceled_units_by_reason"]
    return {
        "shipping_cost_per_routed_order_cents": _rate(shipping, routed),
        "handling_cost_per_routed_order_cents": _rate(handling, routed),
        "shipping_and_handling_cost_per_routed_order_cents": _rate(shipping + handling, routed),
        "on_time_parcel_rate": 1.0 - figures["late_parcel_rate"] if delivered else 0.0,
        "process_exceptions_per_1000_managed_order_summaries": 1000.0
        * _rate(
            figures["process_exceptions_raised"], figures["managed_order_summaries_incl_exchanges"]
        ),
        "units_canceled": int(sum(canceled.values())),
        "units_canceled_no_inventory": int(canceled.get("No Inventory", 0)),
    }


def kpis(tables: EventTables) -> dict[str, Any]:
    """Every KPI group, flattened into one mapping (what ``kpis.json`` holds)."""
    out: dict[str, Any] = {}
    groups = (
        order_kpis,
        fulfillment_kpis,
        delivery_kpis,
        money_kpis,
        cancellation_kpis,
        return_kpis,
        appeasement_kpis,
        exception_kpis,
    )
    for group in groups:
        out.update(group(tables))
    out.update(derived_kpis(out))
    return out


HEADLINE_KPIS = (
    "checkouts_attempted",
    "managed_order_summaries_incl_exchanges",
    "managed_gmv_cents",
    "fulfillment_orders_created",
    "split_order_rate",
    "parcels_delivered",
    "mean_hours_to_delivery",
    "late_parcel_rate",
    "fulfillment_orders_picked_up",
    "captured_cents",
    "shipping_cost_cents",
    "checkouts_declined",
    "checkouts_stocked_out",
    "customer_cancel_rate",
    "unit_return_rate",
    "exchange_order_summaries",
    "reshipments_created",
    "refunds_to_customer_cents",
    "appeasement_cost_cents",
    "process_exceptions_raised",
    "mean_hours_to_resolve",
    "peak_exception_backlog",
)
"""The KPIs `omsim run` prints and the experiment tables show first, in that order."""
