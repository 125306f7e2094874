"""Background processes that are not triggered by a record: arrivals, routing schedule, stock."""

from __future__ import annotations

import math
from collections.abc import Generator
from typing import TYPE_CHECKING, Any

import simpy

from omsim.network.replenishment import is_review_day, order_quantity, receipt_day
from omsim.sim.arrivals import ArrivalRate, arrival_times
from omsim.sim.demand import draft_order

if TYPE_CHECKING:
    from omsim.sim.model import Model


def order_arrivals(env: simpy.Environment, model: Model) -> Generator[Any, Any, None]:
    """Customers arrive (non-homogeneous Poisson) and each checks out."""
    streams = model.streams
    rate = ArrivalRate(model.scenario)
    for t in arrival_times(rate, model.scenario.horizon_hours, streams.demand):
        yield env.timeout(t - env.now)
        model.counters.arrivals += 1
        draft = draft_order(
            model.scenario,
            model.world,
            basket=streams.basket,
            customer=streams.customer,
            payments=streams.payments,
        )
        model.trigger("order_arrived", draft)


def replenishment(env: simpy.Environment, model: Model) -> Generator[Any, Any, None]:
    """Each midnight: receive what arrives today, then review every (location, SKU) policy."""
    inventory = model.inventory
    due: dict[int, list[tuple[str, str, int]]] = {}
    day = 0
    while True:
        received: dict[str, int] = {}
        for loc, sku, qty in due.pop(day, []):
            inventory.receive(loc, sku, qty)
            received[loc] = received.get(loc, 0) + qty
        for loc, units in sorted(received.items()):
            model.note(
                "Replenishment Received",
                [(loc, "Location", "location")],
                location_id=loc,
                units=units,
            )
        ordered: dict[str, int] = {}
        for (loc, sku), policy in model.world.policies.items():
            if not is_review_day(policy, day):
                continue
            qty = order_quantity(policy, inventory.inventory_position(loc, sku))
            if qty > 0:
                inventory.add_future_receipt(loc, sku, qty)
                due.setdefault(max(day + 1, math.ceil(receipt_day(policy, day))), []).append(
                    (loc, sku, qty)
                )
                ordered[loc] = ordered.get(loc, 0) + qty
        for loc, units in sorted(ordered.items()):
            model.note(
                "Replenishment Ordered",
                [(loc, "Location", "location")],
                location_id=loc,
                units=units,
            )
        day += 1
        yield env.timeout(24.0)
