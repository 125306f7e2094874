"""The trainer's sandbox: the batch model with a clock that moves only when asked.

`Sandbox` builds the same model as ``omsim run`` (`omsim.sim.model.build_model`: world, stock,
sites, starter flows, event log) and runs its SimPy clock step by step. The trainer's orders go
through the same flows and domain actions as simulated customers' orders, with two holds that
make the trainer the admin:

* an Order Summary the trainer created (or an exchange of one) waits for `Sandbox.route`
  before the routing flow runs;
* a process exception on such an order waits for `Sandbox.resolve` instead of the service
  desk's queue; resolving it runs the desk's remedy for its kind.

Nothing else is special: picking, packing, carrier collection, transit, capture on shipment and
stock all happen in the flows as the clock runs (`Sandbox.advance`, `Sandbox.advance_until`).
The trainer's customers do nothing on their own (no planned cancellation, return or complaint):
every service action is the trainer's. Background demand (simulated customers) is off by
default.

Every action returns a `omsim.sandbox.view.StepResult`; a guardrail refusal is a result with
``ok`` False, the guardrail's message and what is available instead, and no record changed.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Generator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import simpy

from omsim.domain import (
    ActionRejected,
    OrderSummary,
    ProcessException,
    exchange_invariant_violations,
    invariant_violations,
    triage_process_exception,
)
from omsim.sandbox import snapshot
from omsim.sandbox.view import StepResult
from omsim.scenario.loading import deep_merge, load_scenario, scenario_from_dict
from omsim.scenario.schema import Scenario
from omsim.sim.flows.exception_desk import close_exception, work_exception
from omsim.sim.flows.routing import open_units, route_summary, routing_scheduler
from omsim.sim.model import Model, build_model
from omsim.sim.processes import order_arrivals, replenishment
from omsim.sim.retirement import RunIntegrityError

MILESTONES: dict[str, str] = {
    "payment authorized": "Payment Authorized",
    "routing attempted": "Routing Attempted",
    "fulfillment order created": "Fulfillment Order Created",
    "fulfillment order status changed": "Fulfillment Order Status Changed",
    "fulfillment order fulfilled": "Fulfillment Order Fulfilled",
    "invoice created": "Invoice Created",
    "payment captured": "Payment Captured",
    "parcel shipped": "Parcel Shipped",
    "parcel delivered": "Parcel Delivered",
    "ready for pickup": "Ready for Pickup",
    "order picked up": "Order Picked Up",
    "return parcel received": "Return Parcel Received",
    "process exception raised": "Process Exception Raised",
    "refund processed": "Refund Processed",
}
"""`Sandbox.advance_until` milestones (lower case) -> the event-log activity that marks them."""

PAYMENT_REMEDIES = ("refund failed", "authorization expired", "funds not covered", "capture failed")
"""Process exception kinds whose remedy needs the payment gateway (`omsim.sim.flows.exception_desk`)."""

OrderRef = Any
"""An Order Summary: its id (``OS-000001``), its OrderNumber, the `OrderSummary` or the
`StepResult` of the step that created it."""


class Refused(ActionRejected):
    """An action the sandbox refuses before any change, with what is available instead."""

    def __init__(self, message: str, hint: str = "") -> None:
        super().__init__(message)
        self.hint = hint


def as_mapping(lines: Any, what: str) -> dict[Any, Any]:
    """``{key: units}`` from a mapping or (key, units) pairs, as `place_order` takes them."""
    if lines is None or isinstance(lines, dict):
        return dict(lines or {})
    pairs = list(lines) if isinstance(lines, list | tuple) else None
    if pairs is None or not all(isinstance(p, list | tuple) and len(p) == 2 for p in pairs):
        raise Refused(f"{what}: lines must be {{sku: units}} or [(sku, units), ...], got {lines!r}")
    merged: dict[Any, Any] = {}
    for key, units in pairs:
        merged[key] = units if key not in merged else (merged[key], units)
    if any(isinstance(v, tuple) for v in merged.values()):
        raise Refused(f"{what}: a line is given twice in {lines!r}; give each once")
    return merged


class SandboxBase:
    """The model, the holds and the step machinery; the actions are in `Sandbox`."""

    def __init__(
        self,
        scenario: Scenario | str | Path = "tutorial",
        *,
        seed: int | None = None,
        background_demand: bool = False,
        **overrides: Any,
    ) -> None:
        """``scenario``: a shipped scenario's name, a file, or a `Scenario`; ``overrides`` are
        merged on top as in `omsim.scenario.loading.load_scenario`. A bad scenario raises
        `omsim.scenario.ScenarioError` here, before the clock starts."""
        if not isinstance(scenario, Scenario):
            scenario = load_scenario(scenario, **overrides)
        elif overrides:
            data = deep_merge(scenario.model_dump(mode="json"), overrides)
            scenario = scenario_from_dict(data, source=f"scenario {scenario.name} with overrides")
        self.scenario = scenario
        self.model: Model = build_model(scenario, seed)
        self.env: simpy.Environment = self.model.env
        self.background_demand = background_demand
        self.mine: list[str] = []
        """Ids of the trainer's Order Summaries (and their exchanges), in creation order."""
        self._routing_flow = self.model.flows["order_summary_created"]
        self.model.flows["order_summary_created"] = self._held_for_routing
        self.model.flows["process_exception_raised"] = self._held_for_admin
        self._routing_holds: dict[str, simpy.Event] = {}
        self._desk_holds: dict[str, tuple[simpy.Event, simpy.Process, str]] = {}
        """Process exception id -> (the admin's go, the waiting flow, its Order Summary id)."""
        self._kept_open = self.env.event()  # never fires: the trainer's orders stay open
        if background_demand:
            self.env.process(order_arrivals(self.env, self.model))
        self.env.process(routing_scheduler(self.env, self.model))
        self.env.process(replenishment(self.env, self.model))
        self._last: snapshot.Snapshot = {}
        self._current: str | None = None  # the Order Summary the last step acted on
        self._placing: Any = None
        """The customer behaviour of the checkout `place_order` is running (it tells the
        trainer's new Order Summary from a simulated customer's at the same instant)."""
        self._settle_now()

    # the clock --------------------------------------------------------------------------

    @property
    def now(self) -> float:
        """The clock, hours since the scenario start."""
        return float(self.env.now)

    @property
    def clock(self) -> datetime:
        """The clock as the scenario's local wall time."""
        return self.scenario.start + timedelta(hours=self.now)

    def when(self, hours: float) -> str:
        """An instant as the admin reads it: local wall time, and hours since the start."""
        at = self.scenario.start + timedelta(hours=hours)
        return f"{at:%a %Y-%m-%d %H:%M} (hour {hours:.1f})"

    def _settle_now(self) -> None:
        """Run everything due at the current instant (flows started by the last action)."""
        env = self.env
        while env.peek() <= env.now:
            env.step()

    # holds: the trainer is the router and the exception desk -------------------------------

    def _is_mine(self, summary: OrderSummary) -> bool:
        return summary.id in self.mine or summary.source_order_summary_id in self.mine

    def _adopt(self, summary: OrderSummary) -> None:
        """Keep the order open (never retired) while the sandbox lives: the trainer may act on
        it at any time, as an admin can on any Order Summary."""
        if summary.id in self.mine:
            return
        self.mine.append(summary.id)
        self.model.start(summary.id, self._keep_open())

    def _keep_open(self) -> Generator[Any, Any, None]:
        yield self._kept_open

    def _held_for_routing(
        self, env: simpy.Environment, model: Model, summary: OrderSummary
    ) -> Generator[Any, Any, None]:
        """``order_summary_created`` for the trainer's orders: wait for `Sandbox.route`."""
        placing = (
            self._placing is not None and model.tracks[summary.id].draft.behaviour is self._placing
        )
        if placing or self._is_mine(summary):
            self._adopt(summary)
            hold = self._routing_holds[summary.id] = env.event()
            yield hold
        yield from self._routing_flow(env, model, summary)
        if summary.id in model.routing_queue and self._is_mine(summary):
            model.routing_queue.remove(summary.id)  # the trainer routes now, not at the batch
            route_summary(model, summary)

    def _held_for_admin(
        self, env: simpy.Environment, model: Model, pe: ProcessException
    ) -> Generator[Any, Any, None]:
        """``process_exception_raised`` for the trainer's orders: wait for `Sandbox.resolve`."""
        summary = model.summaries[pe.order_summary_id]
        if not self._is_mine(summary):
            yield from work_exception(env, model, pe)
            return
        hold = env.event()
        process = env.active_process
        assert process is not None
        self._desk_holds[pe.id] = (hold, process, summary.id)
        yield hold
        del self._desk_holds[pe.id]
        model.record(triage_process_exception(summary, pe.id, at=env.now))
        yield from close_exception(env, model, summary, pe)

    # looking things up ----------------------------------------------------------------------

    def order(self, ref: OrderRef) -> OrderSummary:
        """The Order Summary ``ref`` names (id, OrderNumber, record or step result)."""
        if isinstance(ref, StepResult):
            ref = ref.order_summary_id
        if isinstance(ref, OrderSummary):
            ref = ref.id
        summaries = self.model.summaries
        if isinstance(ref, str):
            for summary_id in self.mine:
                if ref in (summary_id, summaries[summary_id].order_number):
                    return summaries[summary_id]
        yours = ", ".join(self.mine) or "none yet: place_order first"
        if isinstance(ref, str) and ref in summaries:
            raise Refused(
                f"Order Summary {ref} is a simulated customer's (background demand), not one "
                "of yours: the flows and the service desk work it",
                f"Your Order Summaries: {yours}",
            )
        raise Refused(f"no Order Summary {ref!r}", f"Your Order Summaries: {yours}")

    def _product_lines(
        self, summary: OrderSummary, lines: dict[str, int] | None, what: str
    ) -> dict[str, int]:
        """OrderItemSummary id -> units from ``{sku or OrderItemSummary id: units}``."""
        products = summary.product_items
        by_key = {i.stock_keeping_unit: i.id for i in products} | {i.id: i.id for i in products}
        lines = as_mapping(lines, what)
        if not lines:
            raise Refused(
                f"OrderSummary {summary.id}: {what}: no lines given",
                "Lines: " + ", ".join(f"{i.stock_keeping_unit} ({i.id})" for i in products),
            )
        out: dict[str, int] = {}
        for key, units in lines.items():
            if key not in by_key:
                raise Refused(
                    f"OrderSummary {summary.id}: no product line {key!r}",
                    "Lines: " + ", ".join(f"{i.stock_keeping_unit} ({i.id})" for i in products),
                )
            if not isinstance(units, int) or isinstance(units, bool) or units <= 0:
                amount = "cents per unit" if what == "discount" else f"units to {what}"
                raise Refused(f"{key}: {amount} must be a positive whole number, got {units!r}")
            out[by_key[key]] = out.get(by_key[key], 0) + units
        return out

    # steps ------------------------------------------------------------------------------

    def _summaries(self) -> list[OrderSummary]:
        return [self.model.summaries[i] for i in self.mine]

    def _step(
        self,
        action: str,
        ref: OrderRef | None,
        do: Callable[[], tuple[str, str | None]],
        hint: Callable[[ActionRejected], str] | None = None,
    ) -> StepResult:
        """Run one action: its outcome, the record page, and what changed since the last step.

        ``do`` returns (message, Order Summary id). A refusal (`ActionRejected`) must leave
        every record as it was; the sandbox checks it, and checks every invariant after a step.
        """
        mark = len(self.model.log)
        try:
            message, summary_id = do()
        except ActionRejected as refusal:
            if snapshot.take(self._summaries()) != self._last:
                raise RunIntegrityError(f"{action} was refused but changed records") from refusal
            summary_id = ref if isinstance(ref, str) else getattr(ref, "order_summary_id", None)
            if isinstance(ref, OrderSummary):
                summary_id = ref.id
            extra = getattr(refusal, "hint", "")
            if not extra and hint is not None:
                try:
                    extra = hint(refusal)
                except ActionRejected:  # e.g. the order itself is unknown: no more to say
                    extra = ""
            return StepResult(
                action, False, str(refusal), self.now, self.clock, summary_id, hint=extra
            )
        self._settle_now()
        self._check()
        if summary_id is not None:
            self._current = summary_id
        before, after = self._last, snapshot.take(self._summaries())
        self._last = after
        page = ""
        if summary_id is not None:
            page = self.model.summaries[summary_id]._repr_html_()
        activities = [
            activity
            for activity, summary in self.model.log.activities_since(mark)
            if summary in self.mine
        ]
        return StepResult(
            action,
            True,
            message,
            self.now,
            self.clock,
            summary_id,
            page_html=page,
            changes=snapshot.changes(before, after),
            new_records=snapshot.new_records(before, after),
            activities=activities,
        )

    def _check(self) -> None:
        """Every invariant of the trainer's orders (and exchange pairs) after every step."""
        problems: list[str] = []
        for summary in self._summaries():
            problems += invariant_violations(summary)
            source = self.model.summaries.get(summary.source_order_summary_id or "")
            if source is not None:
                problems += exchange_invariant_violations(source, summary)
        if problems:
            raise RunIntegrityError("the sandbox broke an invariant:\n  " + "\n  ".join(problems))

    # moving the clock -----------------------------------------------------------------------

    def advance(self, hours: float) -> StepResult:
        """Let ``hours`` pass: the flows pick, pack, ship, deliver and capture meanwhile."""

        def do() -> tuple[str, str | None]:
            if not positive_hours(hours):
                raise Refused(f"hours must be a positive number, got {hours!r}")
            self.env.run(until=self.env.now + hours)
            return f"{hours:g} hours passed", self._current

        return self._step("advance", None, do)

    def advance_until(
        self, ref: OrderRef, milestone: str, *, within_hours: float = 30 * 24.0
    ) -> StepResult:
        """Run the clock until ``milestone`` happens to the order (`MILESTONES`).

        Stops right after the first such event (everything else due at that instant runs
        too). Refused when the milestone is unknown or nothing is scheduled that could make it
        happen; when it has not happened after ``within_hours`` the clock stops there and the
        result says so (``ok`` False, records may have changed meanwhile).
        """
        key = milestone.lower().strip() if isinstance(milestone, str) else None
        reached = [False]

        def do() -> tuple[str, str | None]:
            summary = self.order(ref)
            if key not in MILESTONES:
                raise Refused(
                    f"unknown milestone {milestone!r}", "Milestones: " + ", ".join(MILESTONES)
                )
            if not positive_hours(within_hours):
                raise Refused(f"within_hours must be a positive number, got {within_hours!r}")
            if self._idle(summary):
                raise Refused(
                    f"nothing is under way on {summary.id}: {milestone!r} cannot happen "
                    "until you act",
                    _waiting_hint(self, summary),
                )
            activity, env, log = MILESTONES[key], self.env, self.model.log
            limit = env.now + within_hours
            mark = len(log)
            while not reached[0]:
                if env.peek() > limit:
                    if limit > env.now:
                        env.run(until=limit)
                    return (
                        f"{milestone!r} did not happen to {summary.id} within "
                        f"{within_hours:g} hours",
                        summary.id,
                    )
                env.step()
                reached[0] = any(
                    name == activity and summary_id == summary.id
                    for name, summary_id in log.activities_since(mark)
                )
                mark = len(log)
                if not reached[0] and self._idle(summary):
                    self._settle_now()
                    return (
                        f"{milestone!r} did not happen: nothing more is under way on "
                        f"{summary.id}. {_waiting_hint(self, summary)}",
                        summary.id,
                    )
            return f"{milestone} ({activity})", summary.id

        result = self._step("advance_until", ref, do)
        if result.ok and not reached[0]:
            result.ok, result.stopped = False, True
        return result

    def _idle(self, summary: OrderSummary) -> bool:
        """Whether no flow is working on the order and it waits on no schedule: only the
        trainer can make something happen to it (route, resolve, act)."""
        track = self.model.tracks[summary.id]
        waiting = 1 + (summary.id in self._routing_holds)
        waiting += sum(held[2] == summary.id for held in self._desk_holds.values())
        ro = summary.exchange_return_order
        if ro is not None and ro.status_category == "Activated":
            waiting += 1  # the exchange waits for the old units' return (it polls daily)
        return track.active <= waiting and not track.routing_scheduled


def positive_hours(hours: Any) -> bool:
    """A finite number of hours above 0 (not a bool)."""
    return (
        isinstance(hours, int | float)
        and not isinstance(hours, bool)
        and math.isfinite(hours)
        and hours > 0
    )


def _waiting_hint(sb: SandboxBase, summary: OrderSummary) -> str:
    """What the order waits for when nothing is scheduled."""
    if all(i.quantity_net_ordered == 0 for i in summary.product_items):
        return f"every unit of {summary.id} is canceled: nothing is left to happen to it"
    if summary.id in sb._routing_holds:
        return f"{summary.id} waits for routing: route it"
    if summary.active_process_exception_count:
        return f"{summary.id} has an active process exception: resolve it"
    groups = {g.id: g.delivery_method for g in summary.delivery_groups}
    if any(open_units(summary, g) for g, method in groups.items() if method != "Pickup"):
        return f"{summary.id} has units to route: route it"
    if any(open_units(summary, g) for g, method in groups.items() if method == "Pickup"):
        return f"{summary.id} has pickup units on no fulfillment order: cancel them (cancel)"
    returns = [ro.id for ro in summary.return_orders if ro.open_lines]
    if returns:
        return f"return order {', '.join(returns)} waits for its parcel: receive_return it"
    return (
        "Every fulfillment order has finished: return, exchange or reship units, or place an order"
    )
