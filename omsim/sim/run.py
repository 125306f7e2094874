"""Run a scenario: build the model, run the clock to the horizon, account for every order.

Every arrival ends as declined, stocked out, or an Order Summary; every Order Summary ends in a
final state (Completed, Canceled, External) or is explicitly open (with what it waits for), and
passes `check_invariants`. A run that breaks this fails loudly, naming the order.
"""

from __future__ import annotations

import gc
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from tqdm.auto import tqdm

from omsim.domain import OrderSummary, invariant_violations
from omsim.domain.picklists import ItemType
from omsim.eventlog import EventLog
from omsim.recordtables import RecordTables
from omsim.scenario.schema import Scenario
from omsim.sim.flows.routing import routing_scheduler
from omsim.sim.model import Counters, Model, OrderTrack, build_model
from omsim.sim.processes import order_arrivals, replenishment
from omsim.sim.retirement import FINAL_STATES, OPEN_STATES, RunIntegrityError
from omsim.sim.retirement import order_state as _order_state

__all__ = [
    "FINAL_STATES",
    "OPEN_STATES",
    "RunIntegrityError",
    "RunResult",
    "account",
    "order_state",
    "run",
    "unit_balance",
]


@dataclass
class RunResult:
    """What a run produced: the event log, the final records and the accounting.

    Attributes
    ----------
    summaries : list of OrderSummary
        Every Order Summary of the run when it ran in memory; when it streamed to a folder,
        only those still open at the end (the others were retired to the record tables).
    order_states : dict of str to str
        Order Summary id -> one of `FINAL_STATES` or `OPEN_STATES`, for ``summaries``.
    states : Counter
        How many Order Summaries ended in each state, all of them.
    records : RecordTables
        The final-state record tables (in memory, or streamed to ``folder/records``).
    folder : Path or None
        Where the run streamed its tables, when it did.
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
    states: Counter[str] = field(default_factory=Counter)
    records: RecordTables = field(default_factory=RecordTables, repr=False)
    folder: Path | None = None

    @property
    def state_counts(self) -> dict[str, int]:
        return dict(sorted(self.states.items()))


def order_state(summary: OrderSummary, track: OrderTrack) -> str:
    """Where an order stands at the end of the run (see `omsim.sim.retirement.order_state`)."""
    return _order_state(summary, parcels_out=track.parcels_out, returns_out=track.returns_out)


def run(
    scenario: Scenario,
    seed: int | None = None,
    *,
    progress: bool = False,
    folder: Path | str | None = None,
    keep_retired: bool | None = None,
    rows_per_group: int = 100_000,
) -> RunResult:
    """Simulate ``scenario`` to its horizon with ``seed`` (default: the scenario's).

    In memory by default: every record stays reachable in ``result.summaries``. Given a
    ``folder``, the event log and the record tables stream to Parquet files there and retired
    orders leave memory (``keep_retired`` False unless asked), so memory follows the orders in
    flight; the files are complete when ``run`` returns. Either way every order's invariants
    are checked, when it is retired or at the end, and the run fails loudly on a broken one.
    ``rows_per_group`` sets the streamed event log's row groups (events); the record tables
    take a fifth of it (rows of one object), their rows being wider.
    """
    started = time.perf_counter()
    out = None if folder is None else Path(folder)
    options = {}
    if out is not None:
        start = scenario.start
        options = {
            "log": EventLog(start, folder=out, rows_per_group=rows_per_group),
            "records": RecordTables(
                out / "records", rows_per_group=max(1, rows_per_group // 5), start=scenario.start
            ),
            "keep_retired": bool(keep_retired),
        }
    elif keep_retired is False:
        options = {"keep_retired": False}
    model = build_model(scenario, seed, **options)
    env = model.env
    env.process(order_arrivals(env, model))
    env.process(routing_scheduler(env, model))
    env.process(replenishment(env, model))
    with _collector_for_long_runs():
        _advance(model, progress)
    states: dict[str, str] = {}
    for summary in model.summaries.values():
        state = order_state(summary, model.tracks[summary.id])
        states[summary.id] = state
        if summary.id not in model.retired:
            if state in FINAL_STATES + OPEN_STATES:
                model.write_off(summary, state)
        elif state not in FINAL_STATES:
            raise RunIntegrityError(
                f"OrderSummary {summary.id} changed after it was retired: now {state!r}"
            )
    model.records.close()
    model.log.close()
    result = RunResult(
        scenario=scenario,
        seed=model.seed,
        log=model.log,
        summaries=list(model.summaries.values()),
        counters=model.counters,
        order_states=states,
        wall_seconds=time.perf_counter() - started,
        model=model,
        states=model.states,
        records=model.records,
        folder=out,
    )
    account(result, invariants=False)  # each was checked when written off
    return result


@contextmanager
def _collector_for_long_runs() -> Iterator[None]:
    """Fewer cyclic garbage collections while the clock runs, restored afterwards.

    Almost everything a run allocates is freed by reference counting; the cyclic collector's
    frequent passes over every live record cost about a tenth of a run. The objects built
    before the clock starts (network, scenario, stock) are frozen out of its scans.
    """
    thresholds = gc.get_threshold()
    gc.freeze()
    gc.set_threshold(50_000, 20, 100)
    try:
        yield
    finally:
        gc.set_threshold(*thresholds)
        gc.unfreeze()


def _advance(model: Model, progress: bool) -> None:
    """Run the clock to the horizon, with a progress bar by simulated day when asked."""
    env, scenario = model.env, model.scenario
    horizon = scenario.horizon_hours
    if progress:
        with tqdm(total=round(scenario.horizon_days), unit="day", desc=scenario.name) as bar:
            for day in range(1, int(scenario.horizon_days) + 1):
                env.run(until=min(horizon, day * 24.0))
                bar.update(1)
    if env.now < horizon:
        env.run(until=horizon)


def account(result: RunResult, *, invariants: bool = True) -> None:
    """Check that no order was lost and every Order Summary holds its invariants.

    ``invariants`` False skips the last check: `run` passes it, because every Order Summary's
    invariants were checked when it was written off (`Model.write_off`, at retirement or at
    the end) and a retired order that changed afterwards already failed the run.
    """
    c = result.counters
    if c.arrivals != c.declined + c.stocked_out + c.original_summaries:
        raise RunIntegrityError(
            f"{c.arrivals} checkouts but {c.declined} declined + {c.stocked_out} stocked out + "
            f"{c.original_summaries} order summaries"
        )
    originals = sum(s.source_order_summary_id is None for s in result.summaries)
    if result.model.keep_retired and originals != c.original_summaries:
        raise RunIntegrityError(
            f"{c.original_summaries} order summaries were created but the run holds {originals}"
        )
    if sum(result.states.values()) != c.retired:
        raise RunIntegrityError(
            f"{c.retired} order summaries written but {sum(result.states.values())} have a state"
        )
    problems = []
    for summary in result.summaries:
        state = result.order_states.get(summary.id)
        if state not in FINAL_STATES + OPEN_STATES:
            problems.append(f"OrderSummary {summary.id}: no final or open state ({state!r})")
        if invariants:
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
