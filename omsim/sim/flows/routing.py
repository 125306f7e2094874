"""Routing: the routing schedule, the strategy call, reservation transfer, fulfillment orders.

Mirrors the DOM starter flows: BOPIS delivery groups go straight to their store; shipping
groups join the routing schedule, which routes in batches every ``batch_interval_minutes``
(immediately when 0). No route: ``RoutingAttempts`` rises and the order is retried after
``retry_delay_hours``; after ``max_attempts`` a Fulfillment process exception is raised.
"""

from __future__ import annotations

from collections.abc import Generator
from typing import TYPE_CHECKING, Any

import simpy

from omsim.domain import (
    OrderSummary,
    create_fulfillment_orders,
    raise_process_exception,
    record_routing_attempt,
)
from omsim.domain.picklists import ItemType
from omsim.network.locations import LocationType, ServiceLevel
from omsim.network.routing.plan import AllocationPlan, NoRoute, RoutingRequest

if TYPE_CHECKING:
    from omsim.sim.model import Model

FULFILLMENT_TYPES = {
    LocationType.WAREHOUSE: "Warehouse",
    LocationType.STORE: "Retail Store",
    LocationType.RETURN_CENTER: "Warehouse",
}
SERVICE_LEVELS = {"Standard": ServiceLevel.STANDARD, "Express": ServiceLevel.EXPRESS}


def schedule_routing(
    env: simpy.Environment, model: Model, summary: OrderSummary
) -> Generator[Any, Any, None]:
    """Routing step 1: pickup groups to their store now; shipping groups to the schedule."""
    yield env.timeout(0)
    for group in summary.delivery_groups:
        if group.delivery_method == "Pickup":
            store = group.pickup_location_id or ""  # always set for Pickup (create_order checks)
            units = open_units(summary, group.id)
            plan = {store: {i.id: q for i, q in units}}
            fos, events = create_fulfillment_orders(
                summary, group.id, plan, at=env.now, fulfillment_types={store: "In Store Pickup"}
            )
            model.record(events)
            for fo in fos:
                model.trigger("fulfillment_order_created", fo)
    enqueue(model, summary)


def enqueue(model: Model, summary: OrderSummary) -> None:
    """Put an order with unrouted shipping units on the routing schedule."""
    track = model.tracks[summary.id]
    if track.routing_scheduled or not any(
        open_units(summary, g.id) for g in summary.delivery_groups if g.delivery_method != "Pickup"
    ):
        return
    track.routing_scheduled = True
    if model.scenario.routing.batch_interval_minutes == 0:
        route_summary(model, summary)
    else:
        model.routing_queue.append(summary.id)


def routing_scheduler(env: simpy.Environment, model: Model) -> Generator[Any, Any, None]:
    """The routing schedule: every batch interval, route every order waiting on it."""
    interval = model.scenario.routing.batch_interval_minutes / 60.0
    if interval == 0:
        return
    while True:
        yield env.timeout(interval)
        batch, model.routing_queue = model.routing_queue, []
        for summary_id in batch:
            route_summary(model, model.summaries[summary_id])
            model.retire_if_done(summary_id)  # e.g. canceled while it waited on the schedule


def open_units(summary: OrderSummary, group_id: str) -> list[tuple[Any, int]]:
    return [
        (i, i.quantity_available_to_fulfill)
        for i in summary.items_in_group(group_id)
        if i.type is ItemType.PRODUCT and i.quantity_available_to_fulfill > 0
    ]


def route_summary(model: Model, summary: OrderSummary) -> None:
    """One routing attempt for every shipping group with unallocated units.

    Gated like Salesforce's routing jobs on ``ActiveProcessExceptionCount = 0``: an order with an
    active exception waits for the exception desk, which puts it back on the schedule.
    """
    track = model.tracks[summary.id]
    track.routing_scheduled = False
    if summary.active_process_exception_count:
        track.waiting_for_desk = True
        return
    for group in summary.delivery_groups:
        units = open_units(summary, group.id)
        if group.delivery_method == "Pickup" or not units:
            continue
        result = attempt_route(model, summary, group, units)
        if isinstance(result, NoRoute):
            _no_route(model, summary, result)


def attempt_route(
    model: Model, summary: OrderSummary, group: Any, units: list[tuple[Any, int]]
) -> AllocationPlan | NoRoute:
    """Call the strategy; when it finds a plan, reserve, create the fulfillment orders and start
    their flows. Either way ``RoutingAttempts`` goes up by one."""
    env, world, track = model.env, model.world, model.tracks[summary.id]
    by_sku = {item.stock_keeping_unit: item for item, _ in units}
    lines = {item.stock_keeping_unit: q for item, q in units}
    result = model.strategy(
        routing_request(model, group, lines),
        model.inventory.availability(eligible_locations(model, track.excluded_locations), lines),
        world.matrix,
        model.routing_options,
    )
    if isinstance(result, NoRoute):
        model.record(
            record_routing_attempt(summary, at=env.now, outcome=f"no route: {result.reason}")
        )
        return result
    _reserve(model, summary.id, result.allocations)
    plan = {
        loc: {by_sku[sku].id: q for sku, q in skus.items()}
        for loc, skus in result.allocations.items()
    }
    types = {loc: FULFILLMENT_TYPES[world.locations[loc].type] for loc in plan}
    model.record(record_routing_attempt(summary, at=env.now, outcome="routed"))
    fos, events = create_fulfillment_orders(
        summary, group.id, plan, at=env.now, fulfillment_types=types
    )
    model.record(events)
    for fo in fos:
        model.trigger("fulfillment_order_created", fo)
    return result


def routing_request(model: Model, group: Any, lines: dict[str, int]) -> RoutingRequest:
    """The strategy's view of a delivery group: lines, recipient, service level, promise."""
    promised = group.promised_delivery_at
    return RoutingRequest(
        lines=lines,
        zone_id=group.deliver_to_zone_id,
        service_level=SERVICE_LEVELS.get(group.delivery_method, ServiceLevel.STANDARD),
        weights_kg={sku: model.world.catalog[sku].weight_kg for sku in lines},
        promised_days=None if promised is None else max(0.0, (promised - model.env.now) / 24.0),
    )


def eligible_locations(model: Model, excluded: set[str]) -> list[str]:
    """Locations that may ship now: not return centers, not excluded, not closed."""
    now = model.env.now
    return [
        loc.id
        for loc in model.world.locations.values()
        if loc.type is not LocationType.RETURN_CENTER
        and loc.id not in excluded
        and not model.is_closed(loc.id, now)
    ]


def _no_route(model: Model, summary: OrderSummary, result: NoRoute) -> None:
    """Retry after a delay, or raise a Fulfillment exception after the maximum attempts."""
    env, routing = model.env, model.scenario.routing
    if summary.routing_attempts >= routing.max_attempts:
        model.record(
            raise_process_exception(
                summary,
                category="Fulfillment",
                attached_to_id=summary.id,
                message=f"No route after {summary.routing_attempts} attempts: {result.reason}",
                at=env.now,
                description="no route",
            )
        )
        return
    model.tracks[summary.id].routing_scheduled = True
    model.start(summary.id, _retry(env, model, summary, routing.retry_delay_hours))


def _retry(
    env: simpy.Environment, model: Model, summary: OrderSummary, delay: float
) -> Generator[Any, Any, None]:
    yield env.timeout(delay)
    track = model.tracks[summary.id]
    track.routing_scheduled = False
    enqueue(model, summary)


def _reserve(model: Model, summary_id: str, allocations: dict[str, dict[str, int]]) -> None:
    """Move the order's group reservation to the chosen locations (OCI ``transferReservation``).

    Units no longer held at the group (after a rejection) are reserved at the location directly.
    """
    track, inventory, group = (
        model.tracks[summary_id],
        model.inventory,
        model.world.reservation_group,
    )
    for loc, skus in allocations.items():
        for sku, qty in skus.items():
            moved = min(qty, track.group_reserved.get(sku, 0))
            if moved:
                inventory.transfer_reservation(group, {loc: {sku: moved}})
                track.group_reserved[sku] -= moved
            if qty > moved:  # the order's claim was released by a rejection: hold it here
                inventory.create_reservation(loc, {sku: qty - moved}, check_groups=False)
