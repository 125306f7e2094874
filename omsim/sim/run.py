"""Run a scenario: build the model, run the clock to the horizon, account for every order.

Every arrival ends as declined, stocked out, or an Order Summary; every Order Summary ends in a
final state (Completed, Canceled, External) or is explicitly open (with what it waits for), and
passes `check_invariants`. A run that breaks this fails loudly, naming the order.
"""

from __future__ import annotations

import time
from collections import Counter
from dataclasses import dataclass, field

from tqdm.auto import tqdm

from omsim.domain import OrderSummary, invariant_violations
from omsim.domain.picklists import ItemType
from omsim.eventlog import EventLog
from omsim.scenario_schema import Scenario
from omsim.sim.flows.routing import routing_scheduler
from omsim.sim.model import Counters, Model, OrderTrack, build_model
from omsim.sim.processes import order_arrivals, replenishment

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


@dataclass
class RunResult:
    """What a run produced: the event log, the final records and the accounting.

    Attributes
    ----------
    order_states : dict of str to str
        Order Summary id -> one of `FINAL_STATES` or `OPEN_STATES`.
    wall_seconds : float
        Wall-clock duration of the run (reported in metadata, never in the event log).
    """

    scenario: Scenario
    seed: int
    log: EventLog
    summaries: list[OrderSummary]
    counters: Counters
    order_states: dict[str, str]
    wall_seconds: float
    model: Model = field(repr=False)

    @property
    def state_counts(self) -> dict[str, int]:
        return dict(sorted(Counter(self.order_states.values()).items()))


def order_state(summary: OrderSummary, track: OrderTrack) -> str:
    """Where an order stands at the end of the run."""
    if not summary.is_managed:
        return "External"
    products = summary.product_items
    if summary.active_process_exception_count:
        return "Open: Exception"
    if track.returns_out:
        return "Open: Return In Progress"
    if all(i.quantity_net_ordered == 0 for i in products):
        return "Canceled"
    if (
        all(i.quantity_net_ordered <= i.quantity_fulfilled for i in products)
        and track.parcels_out == 0
    ):
        return "Completed"
    if any(i.quantity_available_to_fulfill for i in products):
        return "Open: Awaiting Routing"
    if any(i.quantity_in_fulfillment for i in products):
        return "Open: In Fulfillment"
    pickup = any(g.delivery_method == "Pickup" for g in summary.delivery_groups)
    return "Open: Awaiting Pickup" if pickup else "Open: In Transit"


def run(scenario: Scenario, seed: int | None = None, *, progress: bool = False) -> RunResult:
    """Simulate ``scenario`` to its horizon with ``seed`` (default: the scenario's)."""
    started = time.perf_counter()
    model = build_model(scenario, seed)
    env = model.env
    env.process(order_arrivals(env, model))
    env.process(routing_scheduler(env, model))
    env.process(replenishment(env, model))
    horizon = scenario.horizon_hours
    if progress:
        with tqdm(total=round(scenario.horizon_days), unit="day", desc=scenario.name) as bar:
            for day in range(1, int(scenario.horizon_days) + 1):
                env.run(until=min(horizon, day * 24.0))
                bar.update(1)
    if env.now < horizon:
        env.run(until=horizon)
    result = RunResult(
        scenario=scenario,
        seed=model.seed,
        log=model.log,
        summaries=list(model.summaries.values()),
        counters=model.counters,
        order_states={s.id: order_state(s, model.tracks[s.id]) for s in model.summaries.values()},
        wall_seconds=time.perf_counter() - started,
        model=model,
    )
    account(result)
    return result


def account(result: RunResult) -> None:
    """Check that no order was lost and every Order Summary holds its invariants."""
    c = result.counters
    originals = [s for s in result.summaries if s.source_order_summary_id is None]
    if c.arrivals != c.declined + c.stocked_out + len(originals):
        raise RunIntegrityError(
            f"{c.arrivals} checkouts but {c.declined} declined + {c.stocked_out} stocked out + "
            f"{len(originals)} order summaries"
        )
    problems = []
    for summary in result.summaries:
        state = result.order_states.get(summary.id)
        if state not in FINAL_STATES + OPEN_STATES:
            problems.append(f"OrderSummary {summary.id}: no final or open state ({state!r})")
        problems += [f"OrderSummary {summary.id}: {p}" for p in invariant_violations(summary)]
    if problems:
        raise RunIntegrityError("run broke its accounting:\n  " + "\n  ".join(problems[:50]))


def unit_balance(summaries: list[OrderSummary]) -> dict[str, int]:
    """Units ordered, canceled, fulfilled and still open, over managed product lines."""
    totals: Counter[str] = Counter()
    for s in summaries:
        if not s.is_managed:
            continue
        for i in s.items:
            if i.type is ItemType.PRODUCT:
                totals["ordered"] += i.quantity_ordered
                totals["canceled"] += i.quantity_canceled
                totals["fulfilled"] += i.quantity_fulfilled
                totals["open"] += i.quantity_net_ordered - i.quantity_fulfilled
    return dict(totals)
