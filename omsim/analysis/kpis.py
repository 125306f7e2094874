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


def fulfillment_kpis(tables: EventTables) -> dict[str, Any]:
    """Fulfillment orders, splits, rejections, routing attempts and shipping cost."""
    created = _of(tables, "Fulfillment Order Created")
    per_order = created.groupby("order_summary_id", observed=True).size()
    shipped = _of(tables, "Parcel Shipped")
    attempts = _of(tables, "Routing Attempted")
    outcome = _attribute(attempts, "outcome").fillna("")
    orders = len(per_order)
    return {
        "fulfillment_orders_created": len(created),
        "order_summaries_routed": orders,
        "fulfillment_orders_per_routed_order": _rate(len(created), orders),
        "split_order_rate": _rate(int((per_order >= 2).sum()), orders),
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


def delivery_kpis(tables: EventTables) -> dict[str, Any]:
    """Time from order to delivery or pickup (hours) and the share delivered late."""
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
