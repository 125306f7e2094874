"""Service KPIs: cancellations, returns, exchanges, reshipments, appeasements, exceptions.

Computed from the event log tables only (see `omsim.analysis.kpis`). Money in cents, durations in
hours, rates as fractions.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import numpy as np
import pandas as pd

from omsim.eventlog import EventTables


def _of(tables: EventTables, activity: str) -> pd.DataFrame:
    return tables.of(activity)


def _attrs(frame: pd.DataFrame) -> pd.Series:
    """Each event's attributes as a dict (built by hand: pandas may coerce mapped dicts)."""
    return pd.Series([json.loads(t) for t in frame["attributes"]], index=frame.index, dtype=object)


def _each(frame: pd.DataFrame) -> Iterator[dict[str, Any]]:
    """Each event's attributes, parsed one at a time (a million dicts at once would not fit
    beside a large run's tables)."""
    for text in frame["attributes"]:
        yield json.loads(text)


def _rate(numerator: float, denominator: float) -> float:
    return float(numerator) / denominator if denominator else 0.0


def _first_hours(tables: EventTables) -> float:
    """Start of the observed window (hours): ``tables.first_hours()``, 0.0 for tables without
    it (the method is optional in `EventTables`; a warm-up view starts after its warm-up)."""
    first = getattr(tables, "first_hours", None)
    return float(first()) if callable(first) else 0.0


def _managed(tables: EventTables) -> int:
    created = _each(_of(tables, "Order Summary Created"))
    return int(
        sum(
            a.get("life_cycle_type") == "MANAGED" and a.get("source_process") != "Exchange"
            for a in created
        )
    )


def _refused_picked(requests: pd.DataFrame, refusals: pd.DataFrame) -> int:
    """Cancel requests refused, in whole or in part, because units asked for were picked.

    A request is refused in part when a ``Cancel Refused`` follows it (same order, same instant:
    units being picked, packed or awaiting the carrier or the customer), or when some of the
    units it named had already been fulfilled, shipped or collected (``units_fulfilled``).
    """
    refused = set(
        zip(
            refusals["order_summary_id"].astype(str),
            refusals["time_hours"].astype(float),
            strict=True,
        )
    )
    keys = zip(
        requests["order_summary_id"].astype(str), requests["time_hours"].astype(float), strict=True
    )
    return sum(
        (key in refused) or int(a.get("units_fulfilled") or 0) > 0
        for key, a in zip(keys, _each(requests), strict=True)
    )


def cancellation_kpis(tables: EventTables) -> dict[str, Any]:
    """Customer cancel requests, what was canceled and what was refused (units)."""
    canceled = _of(tables, "Order Items Canceled")
    reasons = _attrs(canceled).map(lambda a: a.get("reason"))
    by_customer = canceled[reasons == "Customer Request"]
    refusals = _of(tables, "Cancel Refused")
    refused = _attrs(refusals).map(lambda a: a.get("units", 0))
    requests = _of(tables, "Cancel Requested")
    return {
        "cancel_requests": len(requests),
        "orders_canceled_by_customer": int(by_customer["order_summary_id"].nunique()),
        "customer_cancel_rate": _rate(by_customer["order_summary_id"].nunique(), _managed(tables)),
        "cancel_requests_refused_picked_share": _rate(
            _refused_picked(requests, refusals), len(requests)
        ),
        "cancel_refused_units": int(refused.sum()) if len(refused) else 0,
        "canceled_units_by_reason": {
            str(r): int(sum(a.get("units", 0) for a in _attrs(canceled[reasons == r])))
            for r in sorted(set(reasons.dropna()))
        },
        "pickup_no_shows": len(_of(tables, "Pickup No-Show")),
    }


def delivered_units_by_category(tables: EventTables) -> dict[str, int]:
    """Units that reached customers (delivered or picked up), by product category."""
    totals: dict[str, int] = {}
    for activity in ("Parcel Delivered", "Order Picked Up"):
        for attrs in _each(_of(tables, activity)):
            for category, units in (attrs.get("units_by_category") or {}).items():
                totals[category] = totals.get(category, 0) + int(units)
    return dict(sorted(totals.items()))


def matured_return_rate(tables: EventTables, maturity_days: float = 30.0) -> dict[str, float]:
    """Return rate of the orders delivered at least ``maturity_days`` before the log ends.

    The to-date rate understates returns: units delivered near the end have not had time to
    come back. This cohort rate (returned / delivered units of orders whose deliveries all
    happened before the cut-off) is the one to compare with published return rates. Returns
    in {"overall": rate, <category>: rate, ...}.
    """
    end = tables.last_hours()
    if end == 0.0:
        return {"overall": 0.0}
    cutoff = end - 24.0 * maturity_days
    arrivals = tables.of("Parcel Delivered", "Order Picked Up")
    last = arrivals.groupby("order_summary_id", observed=True)["time_hours"].max()
    cohort = set(last[last <= cutoff].index)
    delivered: dict[str, int] = {}
    for oid, attrs in zip(arrivals["order_summary_id"], _each(arrivals), strict=True):
        if oid in cohort:
            for category, units in (attrs.get("units_by_category") or {}).items():
                delivered[category] = delivered.get(category, 0) + int(units)
    inspected = _of(tables, "Return Inspected")
    returned: dict[str, int] = {}
    for oid, attrs in zip(inspected["order_summary_id"], _each(inspected), strict=True):
        if oid in cohort:
            category = attrs.get("category", "")
            returned[category] = returned.get(category, 0) + int(attrs.get("units", 0))
    rates = {"overall": _rate(sum(returned.values()), sum(delivered.values()))}
    rates.update({c: _rate(returned.get(c, 0), n) for c, n in sorted(delivered.items())})
    return rates


def return_kpis(tables: EventTables) -> dict[str, Any]:
    """Returned / delivered units, overall and by category; refunds; lost and damaged parcels.

    Units returned count both paths, with an RMA and simple returns (``submitReturn``, no
    ``ReturnOrder``): each inspected parcel line (``Return Inspected``).
    ``return_orders_created`` counts the RMAs, ``simple_returns`` the returns without one.

    ``refunds_to_customer_cents + refunds_exchange_credit_cents`` is every Refund processed
    (``refunds_processed_cents`` in `omsim.analysis.kpis.money_kpis`);
    ``refunds_exchange_credit_withdrawn_cents`` is the exchange credit an exchange summary had
    captured and gave back because the old items never came back (its own Refund records).
    """
    delivered = delivered_units_by_category(tables)
    returned: dict[str, int] = {}
    for attrs in _each(_of(tables, "Return Inspected")):
        category = attrs.get("category", "")
        returned[category] = returned.get(category, 0) + int(attrs.get("units", 0))
    refunds = _each(_of(tables, "Refund Processed"))
    exchange_credit = int(sum(a.get("exchange_credit_cents", 0) for a in refunds))
    refunded = int(_of(tables, "Refund Processed")["amount_cents"].fillna(0).sum())
    return {
        "units_delivered": sum(delivered.values()),
        "units_returned": sum(returned.values()),
        "unit_return_rate": _rate(sum(returned.values()), sum(delivered.values())),
        "unit_return_rate_by_category": {
            c: _rate(returned.get(c, 0), n) for c, n in delivered.items()
        },
        "matured_unit_return_rate": matured_return_rate(tables),
        "return_orders_created": len(_of(tables, "Return Order Created")),
        "simple_returns": len(_of(tables, "Order Items Returned")),
        "refunds_to_customer_cents": refunded - exchange_credit,
        "refunds_exchange_credit_cents": exchange_credit,
        "refunds_exchange_credit_withdrawn_cents": int(
            sum(a.get("refunded_cents", 0) for a in _each(_of(tables, "Exchange Credit Withdrawn")))
        ),
        "parcels_lost": len(_of(tables, "Parcel Lost")),
        "parcels_damaged": len(_of(tables, "Parcel Damaged")),
        "reshipments_created": len(_of(tables, "Reshipment Created")),
    }


def appeasement_kpis(tables: EventTables) -> dict[str, Any]:
    """Appeasements given for late deliveries, and their cost (cents, tax included)."""
    adjusted = _of(tables, "Order Items Adjusted")
    reasons = _attrs(adjusted).map(lambda a: a.get("reason"))
    appeased = adjusted[reasons == "Appeasement"]
    return {
        "service_contacts": len(_of(tables, "Customer Contacted Service")),
        "appeasements": len(appeased),
        "appeasement_cost_cents": int(appeased["amount_cents"].fillna(0).sum()),
    }


PROCESS_EXCEPTION_ACTIVITIES = (
    "Process Exception Raised",
    "Process Exception Resolved",
    "Process Exception Ignored",
)
"""The events that open and close a process exception."""


def exception_lifecycles(tables: EventTables) -> pd.DataFrame:
    """One row per process exception: order, category, kind, location, raised and closed.

    Times in hours; ``raised_event_id`` and ``closed_event_id`` keep the log's order for events
    at the same instant.
    """
    relations = tables.event_objects
    pe = relations[relations["object_type"] == "ProcessException"][["event_id", "object_id"]]
    columns = ["event_id", "time_hours", "activity", "attributes", "order_summary_id"]
    events = tables.of(*PROCESS_EXCEPTION_ACTIVITIES)[columns]
    joined = pe.merge(events, on="event_id").sort_values("event_id", kind="stable")
    raised = joined[joined["activity"] == "Process Exception Raised"].drop_duplicates("object_id")
    attrs = _attrs(raised)
    closing = joined[
        joined["activity"].isin(["Process Exception Resolved", "Process Exception Ignored"])
    ].drop_duplicates("object_id")
    closed = closing.set_index("object_id")
    ids = raised["object_id"].astype(str)
    frame = pd.DataFrame(
        {
            "process_exception_id": ids.to_numpy(),
            "order_summary_id": raised["order_summary_id"].astype(str).to_numpy(),
            "category": attrs.map(lambda a: a.get("category")).to_numpy(),
            "kind": attrs.map(lambda a: a.get("kind") or "").to_numpy(),
            "location_id": attrs.map(lambda a: a.get("location_id")).to_numpy(),
            "raised_hours": raised["time_hours"].to_numpy(),
            "raised_event_id": raised["event_id"].to_numpy(),
        }
    )
    frame["closed_hours"] = ids.map(closed["time_hours"]).astype(float).to_numpy()
    frame["closed_event_id"] = ids.map(closed["event_id"]).astype("Int64").to_numpy()
    frame["hours_to_resolve"] = frame["closed_hours"] - frame["raised_hours"]
    return frame


def exception_backlog(tables: EventTables) -> pd.DataFrame:
    """Active process exceptions over time: a step function (time_hours, backlog).

    Steps at the same instant follow the log's event order, so a close logged before a raise
    never counts both at once.
    """
    life = exception_lifecycles(tables)
    done = life.dropna(subset=["closed_hours"])
    steps = pd.concat(
        [
            pd.DataFrame(
                {
                    "time_hours": life["raised_hours"],
                    "event_id": life["raised_event_id"],
                    "delta": 1,
                }
            ),
            pd.DataFrame(
                {
                    "time_hours": done["closed_hours"],
                    "event_id": done["closed_event_id"].astype("int64"),
                    "delta": -1,
                }
            ),
        ]
    ).sort_values(["time_hours", "event_id"], kind="stable")
    steps["backlog"] = steps["delta"].cumsum()
    return steps[["time_hours", "backlog"]].reset_index(drop=True)


def _exception_rates(tables: EventTables, life: pd.DataFrame) -> dict[str, Any]:
    """Exceptions per managed Order Summary by category; per fulfillment order by location."""
    created = _each(_of(tables, "Order Summary Created"))
    managed = int(sum(a.get("life_cycle_type") == "MANAGED" for a in created))
    by_category = {
        str(c): _rate(group["order_summary_id"].nunique(), managed)
        for c, group in life.groupby("category", sort=True)
    }
    fos = _of(tables, "Fulfillment Order Created")["location_id"].value_counts()
    by_location = {
        str(loc): _rate(n, int(fos.get(loc, 0)))
        for loc, n in life["location_id"].dropna().value_counts().sort_index().items()
    }
    return {
        "order_summaries_with_exception_rate": _rate(life["order_summary_id"].nunique(), managed),
        "order_summaries_with_exception_rate_by_category": by_category,
        "exceptions_per_fulfillment_order_by_location": by_location,
    }


def exception_kpis(tables: EventTables) -> dict[str, Any]:
    """Exceptions by category, kind and location; time to resolve; backlog (peak, mean);
    invoices written off when their exception ended the collection (count and cents).

    ``mean_exception_backlog`` is time-weighted over the observed window
    [``first_hours()``, ``last_hours()``] (see `EventTables`): [0, last event] for a whole log.
    """
    life = exception_lifecycles(tables)
    written_off = _of(tables, "Invoice Written Off")
    hours = life["hours_to_resolve"].dropna()
    backlog = exception_backlog(tables)
    # time-weighted over the observed window [start, horizon]: steps before its start count
    # from the start (clipping is a no-op for the whole log, start 0.0)
    start, horizon = _first_hours(tables), tables.last_hours()
    if len(backlog) and horizon > start:
        times = np.clip(np.append(backlog["time_hours"].to_numpy(), horizon), start, None)
        mean_backlog = float(
            np.sum(backlog["backlog"].to_numpy() * np.diff(times)) / (horizon - start)
        )
    else:
        mean_backlog = 0.0

    def counts(column: str) -> dict[str, int]:
        return {
            str(k): int(v) for k, v in life[column].dropna().value_counts().sort_index().items()
        }

    return {
        "process_exceptions_raised": len(life),
        "process_exceptions_by_category": counts("category"),
        "process_exceptions_by_kind": counts("kind"),
        "process_exceptions_by_location": counts("location_id"),
        **_exception_rates(tables, life),
        "process_exceptions_open_at_end": int(life["closed_hours"].isna().sum()),
        "mean_hours_to_resolve": float(hours.mean()) if len(hours) else 0.0,
        "p90_hours_to_resolve": float(np.quantile(hours, 0.9)) if len(hours) else 0.0,
        "peak_exception_backlog": int(backlog["backlog"].max()) if len(backlog) else 0,
        "mean_exception_backlog": mean_backlog,
        "invoices_written_off": len(written_off),
        "invoices_written_off_cents": int(written_off["amount_cents"].fillna(0).sum()),
    }
