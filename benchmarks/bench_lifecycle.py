"""Orders per second through omsim's full lifecycle, against a bare SimPy program of equal work.

What is timed
    The simulation phase (``omsim.sim.run.run``: model build, clock to the horizon, accounting)
    and, separately, the run-folder phase (``omsim.runfolder.run_to_folder`` into a temporary
    directory). Orders per second are checkouts (``result.counters.arrivals``, declined ones
    included: each is an order the model handled) over the seconds of the phase.

How the scenario reaches N orders
    The horizon is stretched, the daily rate kept: the horizon is the time at which the integral
    of the scenario's arrival rate (``omsim.sim.arrivals.ArrivalRate``, with its day-of-week and
    hour-of-day profiles, trend and peaks) reaches N. Raising ``orders_per_day`` instead would
    overload the sites: regional_retailer's 5 associates per distribution centre are "about half
    busy on a mean day" and its 3 service agents are sized for 450 orders a day, so at 8x the rate
    the queues would grow without bound and the benchmark would measure a backlog (ever more
    orders in flight, waiting) instead of the lifecycle the scenario describes. A longer
    horizon keeps every site's load, and so every order's path, as designed.

How SimPy work is counted
    In a separate counting run, not the timed one: SimPy's ``Environment.step``,
    ``Process.__init__``, ``Timeout.__init__`` and the resource ``Request.__init__`` are wrapped
    by a counter for the length of that run only, then restored. By default the counting run
    repeats the timed run (same scenario, same seed, so the same simulation event for event;
    the report checks the checkouts, and the events scheduled where the result exposes its
    environment); ``--count-orders`` makes it smaller to save time, and the counts are then
    per-order estimates from that run. Counting by wrapping costs a Python call per event, which
    is why the timed run is left untouched (the project's rule against monkey-patching is about
    models monitoring themselves; this patch lives only inside the benchmark's counting run).

The bare SimPy program
    The same number of orders, processes, timeouts and resource requests as omsim's run, with
    no business logic: one arrival process (Poisson arrivals over the same horizon, one timeout
    each) starts one process per order; an order's remaining timeouts and requests are split
    over a chain of processes (a process starting the next when it ends, as omsim's flows
    trigger the next flow), requests go to a handful of resources sized for about half
    utilisation, and each request holds its resource through one of the order's timeouts.
    Per-order counts are fractional; each total is rounded and spread exactly over the orders
    (every order gets the floor or the ceiling, seeded), so the totals match omsim's. Timeout
    delays are set so that the bare event queue holds about as many pending events as omsim's
    did (Little's law: order lifetime = mean pending events / arrival rate), since the heap's
    depth is part of SimPy's cost. Plans are drawn before the clock starts; the timed part is
    building the environment and running it to the last event.

Run: ``.venv/bin/python benchmarks/bench_lifecycle.py [--orders N] [--scenario NAME] [--seed S]``.
"""

from __future__ import annotations

import argparse
import json
import math
import tempfile
import time
from collections.abc import Generator, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import simpy
from simpy import core, events
from simpy.resources import resource

from omsim.runfolder import run_to_folder
from omsim.scenario import Scenario, load_scenario
from omsim.sim.arrivals import ArrivalRate
from omsim.sim.run import RunResult, run

TARGET_RATIO = 0.2
"""The issue's goal: omsim at least a fifth of the bare SimPy rate."""

BARE_RESOURCES = 5
BARE_HOLD_HOURS = 0.25
"""A bare request holds its resource this long, about a pick-and-pack."""

QUEUE_SAMPLE_EVERY = 1024
"""The counting run samples the event queue's length every this many steps."""


def horizon_days_for_orders(scenario: Scenario, n_orders: int, step_hours: float = 0.25) -> float:
    """Days from the start until the scenario's expected arrivals reach ``n_orders``.

    The arrival rate is integrated with the midpoint rule, as ``ArrivalRate.expected_orders``
    does, and the last step is interpolated linearly.
    """
    rate = ArrivalRate(scenario)
    if rate.max_rate <= 0:
        raise ValueError(f"{scenario.name}: arrival rate is zero; no horizon reaches any order")
    expected, t = 0.0, 0.0
    while True:
        step = rate(t + step_hours / 2) * step_hours
        if expected + step >= n_orders:
            return (t + step_hours * (n_orders - expected) / step) / 24.0
        expected += step
        t += step_hours


def sized_scenario(name: str, n_orders: int) -> Scenario:
    """The scenario ``name`` with its horizon stretched to about ``n_orders`` checkouts."""
    return load_scenario(name, horizon_days=horizon_days_for_orders(load_scenario(name), n_orders))


@dataclass
class SimpyWork:
    """SimPy work counted during a run."""

    steps: int = 0
    processes: int = 0
    timeouts: int = 0
    requests: int = 0
    queue_sum: int = 0
    queue_samples: int = 0

    @property
    def mean_pending(self) -> float:
        """Mean length of the event queue (pending events), sampled every few steps."""
        return self.queue_sum / self.queue_samples if self.queue_samples else 0.0

    def per_order(self, n_orders: int) -> dict[str, float]:
        """Kernel events, processes, timeouts and requests per order."""
        return {
            "kernel events (steps)": self.steps / n_orders,
            "processes": self.processes / n_orders,
            "timeouts": self.timeouts / n_orders,
            "resource requests": self.requests / n_orders,
        }


def _wrap_init(cls: type, work: SimpyWork, field: str) -> Any:
    """Replace ``cls.__init__`` by one that counts into ``work.<field>``; return the original."""
    had_own = "__init__" in cls.__dict__
    original = cls.__init__  # type: ignore[misc]

    def counted(self: Any, *args: Any, **kwargs: Any) -> None:
        setattr(work, field, getattr(work, field) + 1)
        original(self, *args, **kwargs)

    cls.__init__ = counted  # type: ignore[misc]
    return original if had_own else None


@contextmanager
def counting_simpy_work() -> Iterator[SimpyWork]:
    """Count SimPy steps, processes, timeouts and resource requests made inside the block."""
    work = SimpyWork()
    classes = {
        events.Process: "processes",
        events.Timeout: "timeouts",
        resource.Request: "requests",
    }
    originals = {cls: _wrap_init(cls, work, field) for cls, field in classes.items()}
    original_step = core.Environment.step

    def counted_step(self: simpy.Environment) -> None:
        work.steps += 1
        if work.steps % QUEUE_SAMPLE_EVERY == 0:
            work.queue_sum += len(getattr(self, "_queue", ()))
            work.queue_samples += 1
        original_step(self)

    core.Environment.step = counted_step  # type: ignore[method-assign]
    try:
        yield work
    finally:
        core.Environment.step = original_step  # type: ignore[method-assign]
        for cls, original in originals.items():
            if original is None:
                del cls.__init__  # type: ignore[misc]
            else:
                cls.__init__ = original  # type: ignore[misc]


def events_scheduled(result: RunResult) -> int | None:
    """Events the run's environment scheduled, when the result still exposes it (a cheap count)."""
    env = getattr(getattr(result, "model", None), "env", None)
    eid = getattr(env, "_eid", None)
    # itertools.count's repr is "count(n)": reading it does not advance it
    return int(repr(eid)[6:-1]) if eid is not None and repr(eid).startswith("count(") else None


@dataclass
class OmsimTiming:
    """omsim's timed run: seconds per phase and what it produced."""

    run_seconds: float
    write_seconds: float
    checkouts: int
    order_summaries: int
    scheduled: int | None


def time_omsim(scenario: Scenario, seed: int) -> OmsimTiming:
    """Run ``scenario`` as ``omsim run`` does (streaming into a run folder in a temporary
    directory), timing the simulation (streamed writes included) and the folder's finish
    (KPIs from the written tables, metadata)."""
    with tempfile.TemporaryDirectory(prefix="bench-lifecycle-") as tmp:
        started = time.perf_counter()
        result, folder = run_to_folder(scenario, Path(tmp) / "run", seed)
        total = time.perf_counter() - started
        kpis = json.loads((folder / "kpis.json").read_text())
    checkouts, scheduled = result.counters.arrivals, events_scheduled(result)
    return OmsimTiming(
        result.wall_seconds,
        total - result.wall_seconds,
        checkouts,
        int(kpis["order_summaries_created"]),
        scheduled,
    )


def count_omsim(scenario: Scenario, seed: int) -> tuple[SimpyWork, int, int | None]:
    """SimPy work of a run, its checkouts and events scheduled (the counting run, untimed)."""
    with counting_simpy_work() as work:
        result = run(scenario, seed)
    return work, result.counters.arrivals, events_scheduled(result)


@dataclass
class BarePlan:
    """What the bare SimPy program does, drawn before its clock starts."""

    gaps: list[float]
    """Hours between arrivals, one per order."""
    stages: list[int]
    """Processes per order (the order's own, then the chain it starts)."""
    timeouts: list[int]
    """Timeouts per order, besides its arrival timeout."""
    requests: list[int]
    delays: list[float]
    """Hours of each timeout of an order that holds no resource."""
    capacity: int


def spread(total: int, n: int, rng: np.random.Generator) -> list[int]:
    """``total`` split over ``n`` orders: each gets the floor or the ceiling of the mean."""
    total = max(0, total)
    counts = np.full(n, total // n, dtype=np.int64)
    counts[rng.choice(n, size=total - int(counts.sum()), replace=False)] += 1
    return counts.tolist()  # type: ignore[no-any-return]


def plan_bare(
    n_orders: int, horizon_hours: float, totals: dict[str, int], mean_pending: float, seed: int
) -> BarePlan:
    """A bare program with the given totals of processes, timeouts and requests."""
    rng = np.random.default_rng(seed)
    # one arrival process and one process per order; the rest chain within orders
    stages = [1 + k for k in spread(totals["processes"] - 1 - n_orders, n_orders, rng)]
    timeouts = spread(totals["timeouts"] - n_orders, n_orders, rng)
    requests = spread(totals["requests"], n_orders, rng)
    arrival_rate = n_orders / horizon_hours
    lifetime_hours = max(mean_pending, 1.0) / arrival_rate
    free_per_order = max((sum(timeouts) - sum(requests)) / n_orders, 1.0)
    delays = rng.exponential(lifetime_hours / free_per_order, size=n_orders).tolist()
    offered = sum(requests) / horizon_hours * BARE_HOLD_HOURS
    capacity = max(1, math.ceil(2 * offered / BARE_RESOURCES))
    gaps = rng.exponential(1 / arrival_rate, size=n_orders).tolist()
    return BarePlan(gaps, stages, timeouts, requests, delays, capacity)


def bare_stage(
    env: simpy.Environment,
    resources: list[simpy.Resource],
    order: int,
    n_timeouts: int,
    n_requests: int,
    stages_left: int,
    delay: float,
) -> Generator[simpy.Event, Any, None]:
    """One process of order number ``order``: its share of timeouts and requests, then the next."""
    here_t = -(-n_timeouts // stages_left)
    here_r = -(-n_requests // stages_left)
    for j in range(max(here_t, here_r)):
        if j < here_r:
            with resources[(order + j) % len(resources)].request() as slot:
                yield slot
                if j < here_t:
                    yield env.timeout(BARE_HOLD_HOURS)
        else:
            yield env.timeout(delay)
    if stages_left > 1:
        left_t, left_r = n_timeouts - here_t, n_requests - here_r
        env.process(bare_stage(env, resources, order, left_t, left_r, stages_left - 1, delay))


def bare_arrivals(
    env: simpy.Environment, resources: list[simpy.Resource], plan: BarePlan
) -> Generator[simpy.Event, Any, None]:
    """Orders arrive after the planned gaps; each starts its first process."""
    for i, gap in enumerate(plan.gaps):
        yield env.timeout(gap)
        t, r, stages, delay = plan.timeouts[i], plan.requests[i], plan.stages[i], plan.delays[i]
        env.process(bare_stage(env, resources, i, t, r, stages, delay))


def run_bare(plan: BarePlan) -> float:
    """Seconds to build the bare environment and run it until no event is left."""
    started = time.perf_counter()
    env = simpy.Environment()
    resources = [simpy.Resource(env, capacity=plan.capacity) for _ in range(BARE_RESOURCES)]
    env.process(bare_arrivals(env, resources, plan))
    env.run()
    return time.perf_counter() - started


def count_bare(plan: BarePlan) -> SimpyWork:
    """The bare program's SimPy work, counted in an untimed repeat."""
    with counting_simpy_work() as work:
        run_bare(plan)
    return work


def counting_run(timing: OmsimTiming, counted: tuple[SimpyWork, int, int | None]) -> str:
    """Which run the counts come from, and whether it repeated the timed run exactly."""
    _, checkouts, scheduled = counted
    if checkouts != timing.checkouts:
        return f"a separate run of {checkouts:,} checkouts"
    if scheduled is None or timing.scheduled is None:
        return "the timed run repeated, same checkouts"
    if scheduled != timing.scheduled:
        return "the timed run repeated, but it scheduled OTHER events: not deterministic?"
    return "the timed run repeated, same checkouts and events scheduled"


def print_report(
    scenario: Scenario,
    seed: int,
    timing: OmsimTiming,
    bare_seconds: float,
    counted: tuple[SimpyWork, int, int | None],
    bare_work: SimpyWork,
) -> None:
    """The figures: rates per phase, the ratio to bare SimPy, SimPy work per order."""
    work, count_checkouts, _ = counted
    n = timing.checkouts
    print(
        f"scenario {scenario.name}, seed {seed}, horizon {scenario.horizon_days:,.1f} days: "
        f"{n:,} checkouts, {timing.order_summaries:,} Order Summaries"
    )
    rows = [
        ("omsim simulation", timing.run_seconds),
        ("omsim run folder", timing.write_seconds),
        ("omsim end to end", timing.run_seconds + timing.write_seconds),
        ("bare SimPy", bare_seconds),
    ]
    print(f"{'phase':<24}{'seconds':>10}{'orders/s':>12}")
    for label, seconds in rows:
        print(f"{label:<24}{seconds:>10.2f}{n / seconds:>12,.0f}")
    ratio = bare_seconds / timing.run_seconds
    verdict = "meets" if ratio >= TARGET_RATIO else "below"
    print(f"ratio omsim/bare (simulation): {ratio:.3f} ({verdict} the target {TARGET_RATIO})")
    print(f"\nSimPy work per order (counting run: {counting_run(timing, counted)})")
    print(f"{'count':<24}{'omsim':>10}{'bare':>10}")
    ours, theirs = work.per_order(count_checkouts), bare_work.per_order(n)
    for key, value in ours.items():
        print(f"{key:<24}{value:>10.3f}{theirs[key]:>10.3f}")
    print(f"{'mean pending events':<24}{work.mean_pending:>10,.0f}{bare_work.mean_pending:>10,.0f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--orders", type=int, default=200_000, help="expected checkouts")
    parser.add_argument("--scenario", default="regional_retailer", help="scenario name or file")
    parser.add_argument("--seed", type=int, default=None, help="default: the scenario's")
    parser.add_argument(
        "--count-orders",
        type=int,
        default=None,
        help="expected checkouts of the counting run (default: --orders, a repeat of the timed run)",
    )
    args = parser.parse_args()

    scenario = sized_scenario(args.scenario, args.orders)
    seed = scenario.seed if args.seed is None else args.seed
    timing = time_omsim(scenario, seed)
    if timing.checkouts == 0:
        raise SystemExit(f"no checkouts in {scenario.horizon_days:g} days: raise --orders")
    count_scenario = (
        scenario
        if args.count_orders in (None, args.orders)
        else sized_scenario(args.scenario, args.count_orders)
    )
    work, count_checkouts, count_scheduled = count_omsim(count_scenario, seed)
    # omsim's per-order work, scaled to the timed run's checkouts
    totals = {
        key: round(getattr(work, key) * timing.checkouts / count_checkouts)
        for key in ("processes", "timeouts", "requests")
    }
    plan = plan_bare(timing.checkouts, scenario.horizon_hours, totals, work.mean_pending, seed=seed)
    bare_seconds = run_bare(plan)
    counted = (work, count_checkouts, count_scheduled)
    print_report(scenario, seed, timing, bare_seconds, counted, count_bare(plan))


if __name__ == "__main__":
    main()
