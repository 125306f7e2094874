"""Returns: the RMA, the parcel back to a return location, inspection, refund and restock.

Mirrors ``createReturnOrder`` then ``returnItems``: the customer's parcel travels to the nearest
return center (or store, per the scenario), is inspected, and its units are returned (credit
memo, refund net of any return fee). Units returned for a restockable reason go back to
available stock at that location; the others are disposed of. A parcel holding fewer units than
the RMA expects raises a Returns process exception, and the desk settles the RMA.

A share of the returns (``service.returns.simple_return_share``, never an exchange) goes
without an RMA: nothing is created when the customer asks, and when the parcel has been
inspected the desk calls ``submitReturn`` for the units that arrived (`settle_simple_return`),
then restocks as for an RMA.
"""

from __future__ import annotations

from collections.abc import Generator
from functools import partial
from typing import TYPE_CHECKING, Any

import simpy

from omsim.domain import (
    ActionRejected,
    OrderSummary,
    ProcessException,
    ReturnItemInput,
    exchange_invariant_violations,
    preview_return,
    raise_process_exception,
    return_items,
    submit_return,
)
from omsim.domain.money import tax_cents
from omsim.network.locations import LocationType, ServiceLevel
from omsim.sim.behaviour import LineReturn
from omsim.sim.distributions import sample
from omsim.sim.flows.customer_service import plan_line_return
from omsim.sim.flows.exception_desk import gateway_up, queue_refund
from omsim.sim.retirement import RunIntegrityError

if TYPE_CHECKING:
    from omsim.sim.model import Model

DESTINATION_TYPES = {
    "nearest_return_center": (LocationType.RETURN_CENTER,),
    "nearest_store": (LocationType.STORE,),
    "nearest_location": tuple(LocationType),
}


def return_destination(model: Model, zone_id: str) -> str:
    """The scenario's return location for a customer zone; falls back to any nearest location."""
    m = model.world.matrix
    column = m.distance_km[:, m.zone(zone_id)]
    wanted = DESTINATION_TYPES[model.scenario.service.returns.destination]
    for types in (wanted, tuple(LocationType)):
        rows = [r for r, t in enumerate(m.location_types) if t in types]
        if rows:
            return m.location_ids[min(rows, key=lambda r: (column[r], r))]
    raise ValueError("the network has no location to return to")


def process_return(
    env: simpy.Environment, model: Model, request: tuple[OrderSummary, str, LineReturn]
) -> Generator[Any, Any, None]:
    """From the customer's request to the refund (or the exchange's credit).

    An exchange always gets an RMA; another return gets one unless the desk takes it as a
    simple return (`takes_simple_return`).
    """
    summary, item_id, plan = request
    item = summary.item(item_id)
    units = min(plan.units, item.quantity_available_to_return)
    if units <= 0:
        return
    plan = LineReturn(
        plan.sku,
        units,
        plan.days_after_delivery,
        plan.reason,
        plan.exchange,
        min(plan.short_units, units),
    )
    zone = model.tracks[summary.id].draft.zone_id
    destination = return_destination(model, zone)
    if not plan.exchange and takes_simple_return(model):
        model.tracks[summary.id].returns_out += 1
        related = [(summary.id, "OrderSummary", "order summary")]
        yield from _parcel_back(env, model, zone, destination, related)
        settle_simple_return(
            model,
            summary,
            item_id=item_id,
            units=units - plan.short_units,
            reason=plan.reason,
            destination=destination,
        )
        return
    ro_id = plan_line_return(model, summary, item_id, plan, destination)
    track = model.tracks[summary.id]
    track.returns_out += 1
    related = [
        (ro_id, "ReturnOrder", "return order"),
        (summary.id, "OrderSummary", "order summary"),
    ]
    yield from _parcel_back(env, model, zone, destination, related)
    received = units - plan.short_units
    settle = partial(
        settle_return,
        ro_id=ro_id,
        received={summary.return_order(ro_id).open_lines[0].id: received},
        reason=plan.reason,
        destination=destination,
    )
    if plan.short_units:
        events = raise_process_exception(
            summary,
            category="Returns",
            attached_to_id=ro_id,
            message=f"ReturnOrder {ro_id}: {received} of {units} expected units received",
            at=env.now,
            severity="Low",
            description="return mismatch",
            location_id=destination,
        )
        pe_id = events[0].object_ids("created")[0]
        model.remedies[pe_id] = partial(_settle_by_desk, settle=settle)
        model.record(events)
        return
    settle(model, summary)


def takes_simple_return(model: Model) -> bool:
    """Whether the desk takes this return without an RMA (``simple_return_share``).

    Drawn from the service stream only for a share strictly between 0 and 1, so a share of 0
    (the default) leaves every later draw, and the event log, as they were without the field.
    """
    share = model.scenario.service.returns.simple_return_share
    if share <= 0.0 or share >= 1.0:
        return share >= 1.0
    return bool(model.streams.service.random() < share)


def _parcel_back(
    env: simpy.Environment,
    model: Model,
    zone: str,
    destination: str,
    related: list[tuple[str, str, str]],
) -> Generator[Any, Any, None]:
    """The parcel travels to the return location by Standard service and is inspected there."""
    m = model.world.matrix
    days = float(m.transit_days[ServiceLevel.STANDARD][m.loc(destination), m.zone(zone)])
    yield env.timeout(24.0 * days)
    model.note("Return Parcel Received", related, location_id=destination)
    yield env.timeout(
        sample(model.scenario.service.returns.inspection_hours, model.streams.service)
    )


def settle_simple_return(
    model: Model,
    summary: OrderSummary,
    *,
    item_id: str,
    units: int,
    reason: str,
    destination: str,
) -> None:
    """``submitReturn`` for the ``units`` of one line that arrived, then restock or dispose.

    No RMA says what to expect: the desk returns what is in the parcel, at most what the line
    still has available to return (another parcel of the same line may have come first), with
    the scenario's return fee (waived when it would exceed the credit) and shipping reduction.
    The refund waits for the desk while the payment gateway is down. A parcel with nothing
    returnable in it is only inspected.
    """
    returns = model.scenario.service.returns
    item = summary.item(item_id)
    units = max(0, min(units, item.quantity_available_to_return))
    if units:
        up = gateway_up(model)
        model.record(
            submit_return(
                summary,
                {item_id: units},
                at=model.env.now,
                shipping_reduction_flag=returns.shipping_reduction,
                reason=reason,
                return_fee_cents=_fee(summary, {item_id: units}, returns.return_fee_cents),
                fee_tax_rate=item.tax_rate,
                refund=up,
            )
        )
        if not up:
            queue_refund(model, summary)
    _inspected(
        model,
        [(item.stock_keeping_unit, units)],
        reason=reason,
        destination=destination,
        related=[(summary.id, "OrderSummary", "order summary")],
        exchange=False,
    )
    model.tracks[summary.id].returns_out -= 1


def _inspected(
    model: Model,
    skus: list[tuple[str, int]],
    *,
    reason: str,
    destination: str,
    related: list[tuple[str, str, str]],
    exchange: bool,
) -> None:
    """Restock the returned units (sku, units) for a restockable reason, and note each line."""
    restocked = reason in model.scenario.service.returns.restock_reasons
    for sku, units in skus:
        if restocked and units:
            model.inventory.receive(destination, sku, units, from_futures=False)
        model.note(
            "Return Inspected",
            related,
            location_id=destination,
            sku=sku,
            category=model.world.catalog[sku].category,
            units=units,
            reason=reason,
            restocked=restocked,
            exchange=exchange,
        )


def _settle_by_desk(
    env: simpy.Environment, model: Model, summary: OrderSummary, pe: ProcessException, settle: Any
) -> Generator[Any, Any, bool]:
    """The agent confirms what arrived: the missing units are canceled from the RMA."""
    yield env.timeout(0)
    settle(model, summary)
    return True


def settle_return(
    model: Model,
    summary: OrderSummary,
    *,
    ro_id: str,
    received: dict[str, int],
    reason: str,
    destination: str,
) -> None:
    """``returnItems`` for what arrived, then restock or dispose of it.

    ``received``: ReturnOrderLineItem id -> units that arrived (the rest of each line's expected
    units are canceled from the RMA). One return fee per return order, waived when it would
    exceed the credit. Raises `ActionRejected` (nothing changed) when the lines cannot be
    processed.
    """
    returns = model.scenario.service.returns
    ro = summary.return_order(ro_id)
    exchange = (
        model.summaries[ro.exchange_order_summary_id] if ro.exchange_order_summary_id else None
    )
    lines = {ln.id: ln for ln in ro.open_lines}
    unknown = [line_id for line_id in received if line_id not in lines]
    if unknown or not received:
        raise ActionRejected(
            f"ReturnOrder {ro_id}: no open line {', '.join(unknown) or '(none given)'}; "
            f"open lines: {', '.join(lines) or 'none'}"
        )
    processed = [lines[line_id] for line_id in received]
    by_item: dict[str, int] = {}
    for ln in processed:
        by_item[ln.order_item_summary_id] = (
            by_item.get(ln.order_item_summary_id, 0) + received[ln.id]
        )
    first_item = processed[0].order_item_summary_id
    up = gateway_up(model)
    fee = _fee(summary, by_item, returns.return_fee_cents)
    model.record(
        return_items(
            summary,
            ro_id,
            [
                ReturnItemInput(
                    ln.id,
                    received[ln.id],
                    quantity_to_cancel=ln.quantity_expected - received[ln.id],
                    quantity_received=received[ln.id],
                )
                for ln in processed
            ],
            at=model.env.now,
            reason=reason,
            shipping_reduction_flag=returns.shipping_reduction,
            return_fee_cents=fee,
            fee_tax_rate=summary.item(first_item).tax_rate,
            exchange_summary=exchange,
            refund=up,
        )
    )
    if not up:
        queue_refund(model, summary)
    if exchange is not None:
        _after_exchange_return(model, summary, exchange)
    _inspected(
        model,
        [
            (summary.item(ln.order_item_summary_id).stock_keeping_unit, received[ln.id])
            for ln in processed
        ],
        reason=reason,
        destination=destination,
        related=[
            (ro_id, "ReturnOrder", "return order"),
            (summary.id, "OrderSummary", "order summary"),
        ],
        exchange=ro.exchange_order_summary_id is not None,
    )
    model.tracks[summary.id].returns_out -= 1


def _after_exchange_return(model: Model, summary: OrderSummary, exchange: OrderSummary) -> None:
    """Check the pair's money, and collect by card what withdrawn exchange credit left unpaid."""
    from omsim.sim.flows.delivery import capture

    problems = exchange_invariant_violations(summary, exchange)
    if problems:
        raise RunIntegrityError(
            f"OrderSummary {summary.id} and its exchange {exchange.id}:\n  " + "\n  ".join(problems)
        )
    waiting = model.tracks[exchange.id].uncaptured_invoices
    for invoice in exchange.invoices:
        if invoice.balance_cents and invoice.id not in waiting:
            capture(model, exchange, invoice)


def _fee(summary: OrderSummary, units: dict[str, int], fee: int) -> int:
    """The scenario's return fee (taxed at the first line's rate), waived when it would exceed
    the credit for ``units`` (OrderItemSummary id -> units)."""
    units = {item: n for item, n in units.items() if n}
    if not fee or not units:
        return 0
    rate = summary.item(next(iter(units))).tax_rate
    return (
        fee
        if fee + tax_cents(fee, rate)
        <= preview_return(summary, units, shipping_reduction_flag=False)
        else 0
    )
