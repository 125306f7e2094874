"""The model: one SimPy environment with the world, stock, sites, flows and the event log.

`build_model` assembles it from a scenario and a seed; `Model.trigger` starts the flow registered
for a trigger, as a record-triggered flow does in Salesforce.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Generator, Iterable
from dataclasses import dataclass, field
from functools import partial
from typing import Any

import simpy

from omsim.domain import (
    DomainEvent,
    IdFactory,
    OrderSummary,
    exchange_invariant_violations,
    invariant_violations,
)
from omsim.eventlog import EventLog
from omsim.network.inventory import Inventory
from omsim.network.locations import LocationType
from omsim.network.routing.plan import RoutingOptions
from omsim.network.routing.registry import RoutingStrategy, get_strategy
from omsim.recordtables import RecordTables, records_of
from omsim.scenario.schema import OutageSpec, Scenario, SiteSpec
from omsim.scenario.service import StoreClosureSpec
from omsim.scenario.validation import load_dotted, validate_for_run
from omsim.sim.demand import OrderDraft
from omsim.sim.retirement import FINAL_STATES, RunIntegrityError, order_state
from omsim.sim.sites import Outage, Site
from omsim.sim.streams import Streams
from omsim.sim.world import World, build_world

Flow = Callable[..., Generator[Any, Any, Any]]
"""A flow: a SimPy generator function ``flow(env, model, record)``."""


@dataclass(slots=True)
class OrderTrack:
    """What the simulation knows about an order beyond its records.

    Attributes
    ----------
    draft : OrderDraft
        The checkout it came from (zone, customer behaviour).
    group_reserved : dict of str to int
        Units per SKU still reserved at the location group for this order.
    excluded_locations : set of str
        Locations that rejected this order's units; routing avoids them.
    parcels_out : int
        Fulfillment orders shipped or waiting for pickup, not yet delivered.
    routing_scheduled : bool
        Whether the order waits in the routing schedule.
    returns_pending : dict of str to int
        Units per SKU the customer still plans to send back once they arrive.
    returns_out : int
        Return orders opened and not yet processed.
    uncaptured_invoices : list of str
        Invoices whose capture waits for the exception desk (gated on active exceptions).
    waiting_for_desk : bool
        Routing is held until the order's active process exceptions are resolved.
    appeased : bool
        The customer was already given an appeasement for a late parcel.
    active : int
        Flows (SimPy processes) still working on the order: it can be retired only at 0.
    """

    draft: OrderDraft
    group_reserved: dict[str, int] = field(default_factory=dict)
    excluded_locations: set[str] = field(default_factory=set)
    parcels_out: int = 0
    routing_scheduled: bool = False
    returns_pending: dict[str, int] = field(default_factory=dict)
    returns_out: int = 0
    uncaptured_invoices: list[str] = field(default_factory=list)
    waiting_for_desk: bool = False
    appeased: bool = False
    active: int = 0
    """Processes of the run still working on this order; retired only at 0."""


@dataclass
class Counters:
    """Checkouts, those that never became orders, and the Order Summaries made and retired."""

    arrivals: int = 0
    declined: int = 0
    stocked_out: int = 0
    original_summaries: int = 0
    retired: int = 0


class Model:
    """Everything a flow can reach: ``model.env``, ``model.world``, ``model.inventory`` ..."""

    def __init__(
        self,
        scenario: Scenario,
        seed: int,
        flows: dict[str, Flow],
        *,
        log: EventLog | None = None,
        records: RecordTables | None = None,
        keep_retired: bool = True,
    ) -> None:
        self.scenario = scenario
        self.seed = seed
        self.env = simpy.Environment()
        self.streams = Streams(seed)
        self.world: World
        self.inventory: Inventory
        self.world, self.inventory = build_world(
            scenario, self.streams.catalog, assortment=self.streams.assortment
        )
        self.log = EventLog(scenario.start) if log is None else log
        self.records = RecordTables(start=scenario.start) if records is None else records
        self.keep_retired = keep_retired
        self.retired: set[str] = set()  # retired ids still in `summaries` (keep_retired)
        self.states: Counter[str] = Counter()  # end states of retired orders
        self.ids = IdFactory()
        self.flows = flows
        self.summaries: dict[str, OrderSummary] = {}
        self.tracks: dict[str, OrderTrack] = {}
        self.counters = Counters()
        self.routing_queue: list[str] = []
        self.remedies: dict[str, Any] = {}
        r = scenario.routing
        self.strategy: RoutingStrategy = get_strategy(r.strategy)
        self.routing_options = RoutingOptions(
            max_splits=r.max_splits,
            allowed_location_types=None
            if r.allowed_location_types is None
            else frozenset(
                LocationType.parse(t.replace("_", " ")) for t in r.allowed_location_types
            ),
            excluded_locations=frozenset(r.excluded_locations),
            split_penalty_cents=r.split_penalty_cents,
            lateness_penalty_cents_per_day=r.lateness_penalty_cents_per_day,
            store_protection_units=r.store_protection_units,
        )
        self.sites = self._sites()
        desk = scenario.service.desk
        self.desk = Site(
            self.env,
            "service-desk",
            SiteSpec(associates=desk.agents, open_hour=desk.open_hour, close_hour=desk.close_hour),
            self._start_hour,
        )
        faults = scenario.faults
        self.gateway_outages = [
            (scenario.hours_since_start(w.start), scenario.hours_since_start(w.end))
            for w in faults.gateway_outages
        ]
        self.carrier_surges = [
            (scenario.hours_since_start(w.start), scenario.hours_since_start(w.end), w.extra_days)
            for w in faults.carrier_delay_surges
        ]

    @property
    def _start_hour(self) -> float:
        return self.scenario.start.hour + self.scenario.start.minute / 60

    def _sites(self) -> dict[str, Site]:
        scenario = self.scenario
        start_hour = self._start_hour
        outages: dict[str, list[Outage]] = {}
        windows: list[tuple[OutageSpec | StoreClosureSpec, str, str]] = [
            (o, "fulfillment.outages", o.mode) for o in scenario.fulfillment.outages
        ]
        windows += [(c, "faults.store_closures", "stop") for c in scenario.faults.store_closures]
        for o, where, mode in windows:
            if o.location not in self.world.locations:
                known = ", ".join(sorted(self.world.locations))
                raise ValueError(f"{where}: location {o.location!r} unknown; locations: {known}")
            outages.setdefault(o.location, []).append(
                Outage(scenario.hours_since_start(o.start), scenario.hours_since_start(o.end), mode)
            )
        self.closures = [
            (c.location, scenario.hours_since_start(c.start), scenario.hours_since_start(c.end))
            for c in scenario.faults.store_closures
        ]
        return {
            loc_id: Site(
                self.env,
                loc_id,
                getattr(scenario.fulfillment, self.world.type_key(loc_id)),
                start_hour,
                outages.get(loc_id),
            )
            for loc_id in self.world.locations
        }

    def trigger(self, name: str, record: Any) -> simpy.Process:
        """Start the flow registered for ``name`` on ``record``."""
        return self.start(_order_id(record), self.flows[name](self.env, self, record))

    def start(self, order_id: str | None, flow: Generator[Any, Any, Any]) -> simpy.Process:
        """Run ``flow`` as a process working on the order ``order_id`` (None: on no order).

        The order is not retired while such a process runs; when its last one ends, it is
        retired if it is in a final state. A flow started on an order already retired (its
        rows written, its records perhaps gone from memory) raises `RunIntegrityError`.
        """
        if order_id is None:
            return self.env.process(flow)
        track = self.tracks.get(order_id)
        if track is None or order_id in self.retired:
            raise RunIntegrityError(
                f"OrderSummary {order_id} was retired (or is unknown): "
                f"flow {getattr(flow, '__name__', flow)!r} cannot start on it"
            )
        process = self.env.process(flow)
        track.active += 1
        process.callbacks.append(partial(self._ended, order_id))
        return process

    def _ended(self, order_id: str, _: simpy.Event) -> None:
        track = self.tracks[order_id]
        track.active -= 1
        if not track.active:
            self.retire_if_done(order_id)

    def retire_if_done(self, order_id: str) -> bool:
        """Retire the order if it can no longer change (see `omsim.sim.retirement`)."""
        track = self.tracks[order_id]
        if track.active or track.routing_scheduled or order_id in self.retired:
            return False
        summary = self.summaries[order_id]
        state = order_state(summary, parcels_out=track.parcels_out, returns_out=track.returns_out)
        if state not in FINAL_STATES:
            return False
        self.write_off(summary, state)
        if self.keep_retired:
            self.retired.add(order_id)
        else:
            del self.summaries[order_id]
            del self.tracks[order_id]
        return True

    def write_off(self, summary: OrderSummary, state: str) -> None:
        """Check an order's invariants (and those of its exchange pairs still in memory) and
        hand its final rows to the record tables."""
        problems = invariant_violations(summary)
        source = self.summaries.get(summary.source_order_summary_id or "")
        if source is not None:
            problems += exchange_invariant_violations(source, summary)
        for ro in summary.return_orders:
            exchange = self.summaries.get(ro.exchange_order_summary_id or "")
            if exchange is not None:
                problems += exchange_invariant_violations(summary, exchange)
        if problems:
            raise RunIntegrityError(
                f"OrderSummary {summary.id} ({state}) broke its invariants:\n  "
                + "\n  ".join(problems)
            )
        self.records.add(summary, state)
        self.states[state] += 1
        self.counters.retired += 1
        if self.log.streaming:
            self.log.forget(record.id for record in records_of(summary))

    def record(self, events: Iterable[DomainEvent]) -> None:
        """Append domain events to the event log; a raised process exception goes to the desk.

        This is the record-triggered flow on ProcessException: every exception is worked by the
        service team (``process_exception_raised``).
        """
        for event in events:
            self.log.record(event)
            if event.activity == "Process Exception Raised":
                summary = self.summaries[event.object_ids("order summary")[0]]
                pe = summary.process_exception(event.object_ids("created")[0])
                self.trigger("process_exception_raised", pe)

    def is_closed(self, location_id: str, t: float) -> bool:
        """Whether a store closure (a fault scenario) covers ``location_id`` at ``t``."""
        return any(loc == location_id and start <= t < end for loc, start, end in self.closures)

    def gateway_up_at(self, t: float) -> float:
        """The first time >= t when the payment gateway answers."""
        for start, end in sorted(self.gateway_outages):
            if start <= t < end:
                t = end
        return t

    def note(
        self, activity: str, objects: Iterable[tuple[str, str, str]] = (), **attributes: Any
    ) -> None:
        """Append an event the simulation observes (no domain record changed) at ``env.now``."""
        self.log.note(activity, self.env.now, objects, **attributes)


def _order_id(record: Any) -> str | None:
    """The Order Summary a flow's record belongs to (None for a checkout not yet an order)."""
    if isinstance(record, tuple):
        record = record[0]
    if isinstance(record, OrderSummary):
        return record.id
    return getattr(record, "order_summary_id", None)


def load_flow(path: str) -> Flow:
    """A user's flow from ``package.module:function``; `ScenarioError` when it cannot load."""
    return load_dotted(path)


def build_model(scenario: Scenario, seed: int | None = None, **options: Any) -> Model:
    """The model for ``scenario`` with starter flows, and any the scenario replaces.

    The scenario is checked first (`omsim.scenario.validation.validate_for_run`: strategy,
    flows, location ids in faults, seed), so a mistake fails here with a `ScenarioError`
    before the world is built or the clock starts. ``options`` go to `Model` (``log``,
    ``records``, ``keep_retired``)."""
    from omsim.sim.flows import STARTER_FLOWS

    validate_for_run(scenario, seed=seed)
    flows: dict[str, Flow] = dict(STARTER_FLOWS)
    for trigger, path in scenario.flows.items():
        flows[trigger] = load_flow(path)
    return Model(scenario, scenario.seed if seed is None else seed, flows, **options)
