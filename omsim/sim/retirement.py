"""Where an order stands, and retiring the orders that can no longer change.

An order is retired when it is in a final state (Completed, Canceled, External), no flow of the
run is still working on it (its SimPy processes have all ended) and it does not wait on the
routing schedule. Its invariants are checked then, its final-state rows go to the record
tables, and its records leave memory: what the run holds follows the orders in flight, not the
horizon. Customer behaviour is drawn at checkout and carried out by processes, so an order whose
processes have ended has nothing left to happen to it: a planned return or a late complaint is
a process still waiting.
"""

from __future__ import annotations

from omsim.domain import OrderSummary

FINAL_STATES = ("Completed", "Canceled", "External")
OPEN_STATES = (
    "Open: Exception",
    "Open: Awaiting Routing",
    "Open: In Fulfillment",
    "Open: In Transit",
    "Open: Awaiting Pickup",
    "Open: Return In Progress",
)


class RunIntegrityError(RuntimeError):
    """An order was lost or broke an invariant; the message names it."""


def order_state(summary: OrderSummary, *, parcels_out: int, returns_out: int) -> str:
    """Where an order stands: one of `FINAL_STATES` or `OPEN_STATES`.

    ``parcels_out`` counts fulfillment orders shipped or waiting for pickup and not yet
    delivered; ``returns_out`` return orders opened and not yet processed.
    """
    if not summary.is_managed:
        return "External"
    products = summary.product_items
    if summary.active_process_exception_count:
        return "Open: Exception"
    if returns_out:
        return "Open: Return In Progress"
    if all(i.quantity_net_ordered == 0 for i in products):
        return "Canceled"
    if all(i.quantity_net_ordered <= i.quantity_fulfilled for i in products) and parcels_out == 0:
        return "Completed"
    if any(i.quantity_available_to_fulfill for i in products):
        return "Open: Awaiting Routing"
    if any(i.quantity_in_fulfillment for i in products):
        return "Open: In Fulfillment"
    pickup = any(g.delivery_method == "Pickup" for g in summary.delivery_groups)
    return "Open: Awaiting Pickup" if pickup else "Open: In Transit"
