"""The trainer's actions: each is the batch model's flow or domain action, run at the admin's
request (see `omsim.sandbox.session` for the clock and the holds)."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import pandas as pd

from omsim.domain import OrderSummary, adjust
from omsim.domain.guardrails import require_within
from omsim.domain.picklists import REASONS_FOR_RETURN, RESHIP_REASONS, ItemType
from omsim.sandbox import explain
from omsim.sandbox.session import (
    PAYMENT_REMEDIES,
    OrderRef,
    Refused,
    SandboxBase,
    positive_hours,
)
from omsim.sandbox.view import StepResult
from omsim.sim.behaviour import LineReturn
from omsim.sim.demand import OrderDraft
from omsim.sim.flows.carrier_incidents import reship
from omsim.sim.flows.customer_service import (
    cancel_on_fulfillment_order,
    cancel_units,
    submit_exchange,
)
from omsim.sim.flows.exception_desk import gateway_up, queue_refund
from omsim.sim.flows.returns import return_destination, settle_return
from omsim.sim.flows.routing import open_units, route_summary


class Sandbox(SandboxBase):
    """One org, one order at a time: ``sb = Sandbox("tutorial")``.

    Every action returns a `StepResult` (rendered in Jupyter as the record page, the changes
    and the new records). An order is named by its Order Summary id, OrderNumber, record or
    the `StepResult` that created it; a fulfillment order, return order or process exception
    by its id or record. Lines are given as ``{sku or OrderItemSummary id: units}``. Money is
    in integer cents of the scenario's currency, time in hours.
    """

    # capture and routing ----------------------------------------------------------------

    def place_order(
        self,
        lines: list[tuple[str, int]],
        *,
        delivery: str = "Standard",
        zone: str | None = None,
        pickup_store: str | None = None,
        channel: str | None = None,
        pickup_after_hours: float = 2.0,
    ) -> StepResult:
        """Check out like a storefront: reserve the stock, create the Order and its Order
        Summary, authorize the card for the grand total (`omsim.sim.flows.capture`).

        ``lines``: (SKU, units) pairs at catalog prices. ``delivery``: ``Standard``,
        ``Express`` or ``Pickup`` (at ``pickup_store``, default the nearest store within the
        scenario's pickup radius of ``zone``; the customer collects ``pickup_after_hours``
        after it is ready). ``zone``: a customer zone id, default the scenario's first. The
        Order Summary then waits for `route`.
        """
        known = set(self.model.summaries)

        def do() -> tuple[str, str | None]:
            draft = explain.draft(self, lines, delivery, zone, pickup_store, channel)
            draft = _with_pickup_delay(draft, pickup_after_hours)
            model = self.model
            model.counters.arrivals += 1
            self._placing = draft.behaviour
            try:
                model.trigger("order_arrived", draft)
                self._settle_now()
            finally:
                self._placing = None
            created = [i for i in model.summaries if i not in known]
            if not created:
                reason = explain.last_checkout_failure(model.log)
                raise explain.LostSale(f"checkout failed: {reason}")
            summary = model.summaries[created[0]]
            fallback = model.tracks[summary.id].draft.pickup_fallback
            shipped = (
                ""
                if fallback is None
                else f"; Pickup was not possible ({fallback}), so it ships Standard"
            )
            return (
                f"Order {summary.original_order_id} captured as Order Summary {summary.id} "
                f"(OrderNumber {summary.order_number}), "
                f"{summary.grand_total_amount_cents} cents authorized{shipped}; it waits for "
                "routing",
                summary.id,
            )

        return self._step("place_order", None, do)

    def route(self, ref: OrderRef) -> StepResult:
        """Run the routing flow for the order now (as its scheduled batch would): the
        strategy picks locations, reservations move there, fulfillment orders are created."""

        def do() -> tuple[str, str | None]:
            summary = self.order(ref)
            hold = self._routing_holds.pop(summary.id, None)
            fos = len(summary.fulfillment_orders)
            if hold is not None and not any(
                i.quantity_available_to_fulfill for i in summary.product_items
            ):
                self._routing_holds[summary.id] = hold  # canceled whole: nothing to route
                raise Refused(
                    f"OrderSummary {summary.id}: no units to route "
                    "(QuantityAvailableToFulfill is 0 on every line)"
                )
            if hold is not None:
                hold.succeed()
                self._settle_now()
            else:
                self._route_again(summary)
            made = summary.fulfillment_orders[fos:]
            if not made and summary.active_process_exception_count:
                return (
                    f"no route after {summary.routing_attempts} attempts (RoutingAttempts): "
                    "a Fulfillment process exception was raised",
                    summary.id,
                )
            if not made:
                return (
                    f"no route on attempt {summary.routing_attempts} (RoutingAttempts); the "
                    f"routing flow retries in {self.scenario.routing.retry_delay_hours:g} hours",
                    summary.id,
                )
            where = ", ".join(f"{fo.id} at {fo.fulfilled_from_location_id}" for fo in made)
            return f"routed: {len(made)} fulfillment order(s): {where}", summary.id

        return self._step("route", ref, do)

    def _route_again(self, summary: OrderSummary) -> None:
        """Route units given back to the summary (a canceled fulfillment order line) now."""
        model, track = self.model, self.model.tracks[summary.id]
        if summary.active_process_exception_count:
            raise Refused(
                f"OrderSummary {summary.id}: ActiveProcessExceptionCount is "
                f"{summary.active_process_exception_count}; routing waits for it",
                "Resolve the process exception first",
            )
        if not any(
            open_units(summary, g.id)
            for g in summary.delivery_groups
            if g.delivery_method != "Pickup"
        ):
            raise Refused(
                f"OrderSummary {summary.id}: no units to route "
                "(QuantityAvailableToFulfill is 0 on every shipping line)",
                explain.fulfillment_orders(summary),
            )
        if summary.id in model.routing_queue:
            model.routing_queue.remove(summary.id)
        elif track.routing_scheduled:
            raise Refused(
                f"OrderSummary {summary.id}: the routing flow already retries it "
                f"(RoutingAttempts {summary.routing_attempts})",
                f"Advance the clock: it retries every "
                f"{self.scenario.routing.retry_delay_hours:g} hours",
            )
        route_summary(model, summary)

    # cancellations ------------------------------------------------------------------------

    def cancel(
        self, ref: OrderRef, lines: dict[str, int], *, reason: str = "Customer Request"
    ) -> StepResult:
        """``submitCancel`` on units not yet allocated to a fulfillment order; the refund
        goes to the card at once (or waits for the desk while the gateway is down)."""

        def do() -> tuple[str, str | None]:
            summary = self.order(ref)
            explain.refuse_exchange_cancel(summary)
            units = self._product_lines(summary, lines, "cancel")
            held_at_store = self._pickup_units_held(summary, units)
            cancel_units(self.model, summary, units, reason)
            for store, skus in held_at_store.items():
                self.model.inventory.release_reservation(store, skus)
            return f"canceled {sum(units.values())} unit(s) ({reason})", summary.id

        return self._step("cancel", ref, do, lambda e: explain.cancel_hint(self.order(ref), lines))

    def _pickup_units_held(
        self, summary: OrderSummary, units: dict[str, int]
    ) -> dict[str, dict[str, int]]:
        """Store -> SKU -> units of ``units`` a Pickup checkout reserved at its store and no
        fulfillment order holds yet: before its routing only (`reserve_stock` holds a
        pickup basket at the store, not at the location group)."""
        if summary.id not in self._routing_holds:
            return {}
        held: dict[str, dict[str, int]] = {}
        for item_id, n in units.items():
            item = summary.item(item_id)
            group = summary.delivery_group(item.order_delivery_group_summary_id)
            if group.delivery_method == "Pickup" and group.pickup_location_id:
                skus = held.setdefault(group.pickup_location_id, {})
                skus[item.stock_keeping_unit] = skus.get(item.stock_keeping_unit, 0) + n
        return held

    def cancel_fulfillment_order(
        self, fulfillment_order: Any, lines: dict[str, int] | None = None
    ) -> StepResult:
        """Cancel units on a fulfillment order not yet picked (all of its units by default):
        they go back to the Order Summary, available to cancel or to route again."""
        fulfillment_order_id = record_id(fulfillment_order)
        summary = self._owner_of(fulfillment_order_id)

        def do() -> tuple[str, str | None]:
            if summary is None:
                raise Refused(
                    f"no FulfillmentOrder {fulfillment_order_id!r} on your orders",
                    explain.all_fulfillment_orders(self._summaries()),
                )
            fo = summary.fulfillment_order(fulfillment_order_id)
            if fo.is_reship or fo.status_category != "ACTIVATED":
                raise Refused(
                    f"FulfillmentOrder {fo.id} is {fo.status} (StatusCategory "
                    f"{fo.status_category}): only a fulfillment order not yet picked "
                    "(Allocated) can give its units back",
                    explain.fulfillment_orders(summary),
                )
            if lines is None:
                units = {
                    ln.order_item_summary_id: ln.quantity
                    for ln in fo.lines
                    if ln.type is ItemType.PRODUCT and ln.quantity
                }
            else:
                units = self._product_lines(summary, lines, "cancel")
            cancel_on_fulfillment_order(self.model, summary, fo, units)
            again = "" if fo.type == "In Store Pickup" else " or route again"
            return (
                f"{sum(units.values())} unit(s) canceled on {fo.id} (now {fo.status}); "
                f"they are available to cancel{again}",
                summary.id,
            )

        return self._step(
            "cancel_fulfillment_order",
            summary,
            do,
            lambda e: "" if summary is None else explain.fulfillment_orders(summary),
        )

    # returns and exchanges --------------------------------------------------------------------

    def return_items(
        self, ref: OrderRef, lines: dict[str, int], *, reason: str = "Not Satisfied"
    ) -> StepResult:
        """``createReturnOrder``: an RMA for delivered units, to the scenario's return
        location. Nothing is credited until `receive_return`."""

        def do() -> tuple[str, str | None]:
            from omsim.domain import ReturnLineInput, create_return_order

            summary = self.order(ref)
            _check_reason(reason, REASONS_FOR_RETURN, "reason")
            units = self._product_lines(summary, lines, "return")
            destination = return_destination(
                self.model, self.model.tracks[summary.id].draft.zone_id
            )
            ro, events = create_return_order(
                summary,
                [ReturnLineInput(i, q, reason) for i, q in units.items()],
                at=self.now,
                destination_location_id=destination,
            )
            self.model.record(events)
            self.model.tracks[summary.id].returns_out += 1
            return (
                f"Return Order {ro.id} (RMA) for {sum(units.values())} unit(s), "
                f"to be sent to {destination}",
                summary.id,
            )

        return self._step("return_items", ref, do, lambda e: explain.return_hint(self.order(ref)))

    def exchange(
        self, ref: OrderRef, sku: str, units: int = 1, *, reason: str = "Wrong Item"
    ) -> StepResult:
        """Exchange delivered units for the same SKU: an RMA and a new Order Summary
        (SourceProcess Exchange) paid by the returned units' credit; it waits for `route`."""

        def do() -> tuple[str, str | None]:
            summary = self.order(ref)
            _check_reason(reason, REASONS_FOR_RETURN, "reason")
            ((item_id, n),) = self._product_lines(summary, {sku: units}, "exchange").items()
            plan = LineReturn(summary.item(item_id).stock_keeping_unit, n, 0.0, reason, True, 0)
            destination = return_destination(
                self.model, self.model.tracks[summary.id].draft.zone_id
            )
            ro_id = submit_exchange(self.model, summary, item_id, plan, destination)
            self.model.tracks[summary.id].returns_out += 1
            new = summary.return_order(ro_id).exchange_order_summary_id
            return (
                f"exchange: Return Order {ro_id} for {n} unit(s) and a new Order Summary {new} "
                "(SourceProcess Exchange), which waits for routing",
                summary.id,
            )

        return self._step("exchange", ref, do, lambda e: explain.return_hint(self.order(ref)))

    def receive_return(
        self, return_order: Any, received: dict[str, int] | None = None
    ) -> StepResult:
        """The return parcel arrives and is inspected: ``returnItems`` for what came back
        (every expected unit by default; ``received`` as ``{sku or line id: units}``), the
        credit memo and the refund (or the exchange's credit); restockable units go back on
        the shelf. Expected units that did not arrive are canceled from the RMA."""
        return_order_id = record_id(return_order)
        summary = self._owner_of(return_order_id)

        def do() -> tuple[str, str | None]:
            if summary is None:
                raise Refused(
                    f"no ReturnOrder {return_order_id!r} on your orders",
                    explain.open_return_orders(self._summaries()),
                )
            ro = summary.return_order(return_order_id)
            if not ro.open_lines:
                raise Refused(f"ReturnOrder {ro.id} is {ro.status}: nothing left to receive")
            arrived = explain.received_lines(summary, ro, received)
            related = [
                (ro.id, "ReturnOrder", "return order"),
                (summary.id, "OrderSummary", "order summary"),
            ]
            reason = ro.open_lines[0].reason_for_return
            self.model.note(
                "Return Parcel Received", related, location_id=ro.destination_location_id
            )
            settle_return(
                self.model,
                summary,
                ro_id=ro.id,
                received=arrived,
                reason=reason,
                destination=ro.destination_location_id or "",
            )
            return (
                f"Return Order {ro.id} received: {sum(arrived.values())} unit(s) returned",
                summary.id,
            )

        return self._step("receive_return", summary, do)

    # money and reshipments -----------------------------------------------------------------

    def discount(
        self, ref: OrderRef, cents_per_unit: dict[str, int], *, reason: str = "Discount"
    ) -> StepResult:
        """``adjustItems``: take cents off each unit of the given lines (pre-tax); billed
        units are credited by a credit memo and refunded."""

        def do() -> tuple[str, str | None]:
            summary = self.order(ref)
            off = self._product_lines(summary, cents_per_unit, "discount")
            up = gateway_up(self.model)
            self.model.record(adjust(summary, off, at=self.now, reason=reason, refund=up))
            if not up:
                queue_refund(self.model, summary)
            each = ", ".join(
                f"{cents} cents off each {summary.item(i).stock_keeping_unit}"
                for i, cents in off.items()
            )
            return f"discount: {each} ({reason})", summary.id

        return self._step("discount", ref, do)

    def reship(
        self, ref: OrderRef, lines: dict[str, int], *, reason: str = "Damaged"
    ) -> StepResult:
        """A reshipment fulfillment order (``IsReship``) for delivered units, routed like an
        order and shipped at no charge (the carrier-incident flow's reship)."""

        def do() -> tuple[str, str | None]:
            summary = self.order(ref)
            _check_reason(reason, RESHIP_REASONS, "reason")
            explain.refuse_reship_during_parcel_exception(summary)
            units = self._product_lines(summary, lines, "reship")
            for item_id, n in units.items():
                available = summary.item(item_id).quantity_available_to_reship
                require_within(item_id, "reship", n, available, "QuantityAvailableToReship")
            group = summary.item(next(iter(units))).order_delivery_group_summary_id
            fos = len(summary.fulfillment_orders)
            if not reship(self.model, summary, group, units, reason):
                raise Refused(
                    "no location has the units to reship now",
                    "Wait for replenishment (advance) or refund them with a return",
                )
            made = ", ".join(fo.id for fo in summary.fulfillment_orders[fos:])
            return f"reshipment {made} ({reason})", summary.id

        return self._step("reship", ref, do, lambda e: explain.return_hint(self.order(ref)))

    # process exceptions and faults ------------------------------------------------------------

    def payment_gateway_outage(self, hours: float) -> StepResult:
        """The payment gateway stops answering for ``hours`` from now (a fault): captures and
        refunds in that window fail and raise Payment process exceptions."""

        def do() -> tuple[str, str | None]:
            if not positive_hours(hours):
                raise Refused(f"hours must be a positive number, got {hours!r}")
            self.model.gateway_outages.append((self.now, self.now + hours))
            return f"the payment gateway is down for {hours:g} hours", None

        return self._step("payment_gateway_outage", None, do)

    def resolve(self, process_exception: Any) -> StepResult:
        """Work a process exception as the desk would: triage, its remedy (capture what waits,
        route again, reship or refund a lost parcel ...), then Resolved (or Ignored when the
        remedy cannot succeed); held routing and captures then go ahead."""
        process_exception_id = record_id(process_exception)
        held = self._desk_holds.get(process_exception_id)
        summary = None if held is None else self.model.summaries[held[2]]

        def do() -> tuple[str, str | None]:
            if held is None or summary is None:
                raise Refused(
                    f"no active process exception {process_exception_id!r} on your orders",
                    "Active: " + (", ".join(self._desk_holds) or "none"),
                )
            pe = summary.process_exception(process_exception_id)
            back = self.model.gateway_up_at(self.now)
            if pe.description in PAYMENT_REMEDIES and back > self.now:
                raise Refused(
                    f"ProcessException {pe.id}: the payment gateway is unavailable until "
                    f"{self.when(back)}",
                    f"Advance the clock {math.ceil((back - self.now) * 10) / 10:g} hours, "
                    "then resolve it",
                )
            event, process, _ = held
            event.succeed()
            self.env.run(until=process)
            return (
                f"ProcessException {pe.id} ({pe.category}: {pe.message}) is {pe.status}",
                summary.id,
            )

        return self._step("resolve", summary, do)

    # reading --------------------------------------------------------------------------------

    def _owner_of(self, record_id: str) -> OrderSummary | None:
        for summary in self._summaries():
            ids = [fo.id for fo in summary.fulfillment_orders]
            ids += [ro.id for ro in summary.return_orders]
            if record_id in ids:
                return summary
        return None

    def stock(self, skus: list[str] | None = None) -> pd.DataFrame:
        """Units available to fulfill (ATF: on hand - reserved - safety stock, as Omnichannel
        Inventory reports it) per location (rows, with its type) and SKU (columns; default
        every SKU), now. Routing reads these."""
        world, inventory = self.model.world, self.model.inventory
        known = [p.sku for p in world.catalog.products]
        wanted = known if skus is None else list(skus)
        unknown = [sku for sku in wanted if sku not in known]
        if unknown:
            raise ValueError(f"stock: unknown SKU {', '.join(unknown)}; SKUs: {', '.join(known)}")
        rows = {
            loc_id: {"type": loc.type.value, **{sku: inventory.atf(loc_id, sku) for sku in wanted}}
            for loc_id, loc in world.locations.items()
        }
        return pd.DataFrame.from_dict(rows, orient="index").rename_axis("location")

    def timeline(self, ref: OrderRef) -> Any:
        """Every event that touched the order, as a table and a status-over-time figure."""
        from omsim.sandbox.timeline import Timeline

        return Timeline.of(self, self.order(ref))

    def export(
        self, folder: Path | str, *, ocel: bool | str | None = "json", force: bool = False
    ) -> Path:
        """Write the session's event log and records as a run folder (``omsim run``'s layout),
        so the analysis and the OCEL export read a training session too. An existing folder
        is replaced only with ``force``."""
        from omsim.sandbox.timeline import export

        return export(self, Path(folder), ocel=ocel, force=force)

    def allowed_actions(self, ref: OrderRef) -> dict[str, Any]:
        """What the guardrails allow on the order now (see `omsim.sandbox.allowed`)."""
        from omsim.sandbox.allowed import allowed_actions

        return allowed_actions(self, self.order(ref))

    def stepper(self) -> Any:
        """An ipywidgets stepper over the sandbox (see `omsim.sandbox.stepper`)."""
        from omsim.sandbox.stepper import Stepper

        return Stepper(self).widget


def record_id(record: Any) -> Any:
    """A record's id from the record itself or its id (other values are kept, and refused
    by the action as unknown)."""
    return getattr(record, "id", record)


def _check_reason(value: str, allowed: tuple[str, ...], what: str) -> None:
    if value not in allowed:
        raise Refused(f"{what} {value!r} is not allowed", "Allowed: " + ", ".join(allowed))


def _with_pickup_delay(draft: OrderDraft, hours: Any) -> OrderDraft:
    from dataclasses import replace

    if not isinstance(hours, int | float) or isinstance(hours, bool) or not 0 <= hours < math.inf:
        raise Refused(f"pickup_after_hours must be a finite number >= 0, got {hours!r}")
    return replace(draft, pickup_delay_hours=float(hours))


__all__ = ["Sandbox", "StepResult"]
