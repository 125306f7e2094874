"""Stateful property test of the trainer's sandbox: random sessions on the tutorial scenario.

A hypothesis `RuleBasedStateMachine` drives a `omsim.sandbox.Sandbox` with random actions, valid
and not: orders (sometimes with an unknown SKU or zero units), routing, the clock, milestones,
cancellations on the summary and on fulfillment orders, returns and their parcels, exchanges,
reshipments, discounts, payment gateway outages and resolving exceptions, on the trainer's
orders and on records that do not exist.

After every step:

* nothing raised: the sandbox checks every invariant of the trainer's orders after an accepted
  step (and that a refusal changed nothing) and raises `RunIntegrityError` otherwise, so an
  error here is a real bug;
* a refused action changed no record, no event and not the clock (an ``advance_until`` stopped
  short is not a refusal: the clock ran);
* an action `Sandbox.allowed_actions` enables, run on its first choice with 1 unit, succeeds.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from hypothesis import HealthCheck, Phase, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule

from omsim.domain.picklists import REASONS_FOR_RETURN, RESHIP_REASONS
from omsim.sandbox import MILESTONES, Sandbox, StepResult, snapshot

SKUS = ["SKU-0001", "SKU-0002", "SKU-0003", "SKU-0004", "SKU-0005"]
ZONES = ["Z-columbus", "Z-cleveland", "Z-cincinnati", "Z-dayton", "Z-toledo"]

units = st.integers(min_value=-1, max_value=3)
pick = st.integers(min_value=0, max_value=1_000)


class SandboxSession(RuleBasedStateMachine):
    sb: Sandbox

    @initialize()
    def start(self) -> None:
        self.sb = Sandbox("tutorial")
        self.sb.advance(8)
        self.results: list[StepResult] = []

    # helpers -----------------------------------------------------------------------------

    def step(self, call: Callable[[], StepResult]) -> StepResult:
        sb = self.sb
        before, events, clock = snapshot.take(sb._summaries()), len(sb.model.log), sb.now
        result = call()
        assert isinstance(result, StepResult)
        if not result.ok and not result.stopped:
            assert snapshot.take(sb._summaries()) == before, f"refused but changed: {result}"
            if "Checkout Declined" not in result.message:  # a lost sale is logged, as in a run
                assert len(sb.model.log) == events, f"refused but logged events: {result}"
            assert sb.now == clock
        self.results.append(result)
        return result

    def order(self, i: int) -> str:
        mine = self.sb.mine
        return mine[i % len(mine)] if mine else "OS-999999"

    def record(self, i: int, kind: str) -> str:
        summaries = self.sb._summaries()
        ids = [
            r.id
            for s in summaries
            for r in {
                "fo": s.fulfillment_orders,
                "ro": s.return_orders,
                "pe": s.process_exceptions,
            }[kind]
        ]
        return ids[i % len(ids)] if ids and i % 7 else f"{kind.upper()}-999999"

    # actions -----------------------------------------------------------------------------

    @rule(
        lines=st.lists(
            st.tuples(st.sampled_from([*SKUS, "SKU-9999"]), units), min_size=1, max_size=3
        ),
        delivery=st.sampled_from(["Standard", "Standard", "Express", "Pickup"]),
        zone=st.sampled_from(ZONES),
    )
    def place_order(self, lines: list[tuple[str, int]], delivery: str, zone: str) -> None:
        self.step(lambda: self.sb.place_order(lines, delivery=delivery, zone=zone))

    @rule(i=pick)
    def route(self, i: int) -> None:
        self.step(lambda: self.sb.route(self.order(i)))

    @rule(hours=st.sampled_from([0.5, 2.0, 7.0, 24.0]))
    def advance(self, hours: float) -> None:
        self.step(lambda: self.sb.advance(hours))

    @rule(
        i=pick,
        milestone=st.sampled_from(list(MILESTONES)),
        within=st.sampled_from([1.0, 6.0, 48.0]),
    )
    def advance_until(self, i: int, milestone: str, within: float) -> None:
        self.step(lambda: self.sb.advance_until(self.order(i), milestone, within_hours=within))

    @rule(i=pick, sku=st.sampled_from(SKUS), n=units)
    def cancel(self, i: int, sku: str, n: int) -> None:
        self.step(lambda: self.sb.cancel(self.order(i), {sku: n}))

    @rule(i=pick, whole=st.booleans(), sku=st.sampled_from(SKUS), n=units)
    def cancel_fulfillment_order(self, i: int, whole: bool, sku: str, n: int) -> None:
        lines = None if whole else {sku: n}
        self.step(lambda: self.sb.cancel_fulfillment_order(self.record(i, "fo"), lines))

    @rule(i=pick, sku=st.sampled_from(SKUS), n=units, reason=st.sampled_from(REASONS_FOR_RETURN))
    def return_items(self, i: int, sku: str, n: int, reason: str) -> None:
        self.step(lambda: self.sb.return_items(self.order(i), {sku: n}, reason=reason))

    @rule(i=pick, partial=st.booleans())
    def receive_return(self, i: int, partial: bool) -> None:
        ro_id = self.record(i, "ro")
        received = None
        if partial:
            owner = self.sb._owner_of(ro_id)
            open_lines = [] if owner is None else owner.return_order(ro_id).open_lines
            if open_lines:
                received = {open_lines[0].id: max(0, open_lines[0].quantity_expected - 1)}
        self.step(lambda: self.sb.receive_return(ro_id, received))

    @rule(i=pick, sku=st.sampled_from(SKUS), n=units)
    def exchange(self, i: int, sku: str, n: int) -> None:
        self.step(lambda: self.sb.exchange(self.order(i), sku, n))

    @rule(i=pick, sku=st.sampled_from(SKUS), n=units, reason=st.sampled_from(RESHIP_REASONS))
    def reship(self, i: int, sku: str, n: int, reason: str) -> None:
        self.step(lambda: self.sb.reship(self.order(i), {sku: n}, reason=reason))

    @rule(i=pick, sku=st.sampled_from(SKUS), cents=st.sampled_from([0, 1, 250, 4000, 10**6]))
    def discount(self, i: int, sku: str, cents: int) -> None:
        self.step(lambda: self.sb.discount(self.order(i), {sku: cents}))

    @rule(hours=st.sampled_from([1.0, 6.0, 30.0]))
    def payment_gateway_outage(self, hours: float) -> None:
        self.step(lambda: self.sb.payment_gateway_outage(hours))

    @rule(i=pick)
    def resolve(self, i: int) -> None:
        self.step(lambda: self.sb.resolve(self.record(i, "pe")))

    @rule(i=pick, j=pick)
    def an_allowed_action(self, i: int, j: int) -> None:
        """An enabled action on its first choice with 1 unit must work."""
        if not self.sb.mine:
            return
        order = self.order(i)
        enabled = [(n, a) for n, a in self.sb.allowed_actions(order).items() if a.enabled]
        if not enabled:
            return
        name, allowed = enabled[j % len(enabled)]
        key = next(iter(allowed.choices), "")
        calls: dict[str, Callable[[], StepResult]] = {
            "route": lambda: self.sb.route(order),
            "cancel": lambda: self.sb.cancel(order, {key: 1}),
            "cancel_fulfillment_order": lambda: self.sb.cancel_fulfillment_order(key),
            "return_items": lambda: self.sb.return_items(order, {key: 1}),
            "exchange": lambda: self.sb.exchange(order, key, 1),
            "receive_return": lambda: self.sb.receive_return(key),
            "reship": lambda: self.sb.reship(order, {key: 1}),
            "discount": lambda: self.sb.discount(order, {key: 1}),
            "resolve": lambda: self.sb.resolve(key),
        }
        result = self.step(calls[name])
        assert result.ok, f"{name} on {key} was enabled ({allowed.why}) but: {result.message}"

    @rule(i=pick, j=pick)
    def a_disabled_action(self, i: int, j: int) -> None:
        """An action `allowed_actions` disables is refused on every record it could name."""
        if not self.sb.mine:
            return
        sb, order = self.sb, self.order(i)
        disabled = [n for n, a in sb.allowed_actions(order).items() if not a.enabled]
        if not disabled:
            return
        name = disabled[j % len(disabled)]
        summary = sb.order(order)
        skus = [it.stock_keeping_unit for it in summary.product_items]
        calls: list[Callable[[], StepResult]] = {
            "route": [lambda: sb.route(order)],
            "cancel": [lambda s=s: sb.cancel(order, {s: 1}) for s in skus],
            "cancel_fulfillment_order": [
                lambda f=f.id: sb.cancel_fulfillment_order(f) for f in summary.fulfillment_orders
            ],
            "return_items": [lambda s=s: sb.return_items(order, {s: 1}) for s in skus],
            "exchange": [lambda s=s: sb.exchange(order, s, 1) for s in skus],
            "receive_return": [lambda r=r.id: sb.receive_return(r) for r in summary.return_orders],
            "reship": [lambda s=s: sb.reship(order, {s: 1}) for s in skus],
            "discount": [lambda s=s: sb.discount(order, {s: 1}) for s in skus],
            "resolve": [lambda p=p.id: sb.resolve(p) for p in summary.process_exceptions],
        }[name]
        for call in calls:
            result = self.step(call)
            assert not result.ok, f"{name} was disabled but worked: {result.message}"

    # after every step --------------------------------------------------------------------

    @invariant()
    def the_trainers_orders_are_known(self) -> None:
        sb: Any = getattr(self, "sb", None)
        if sb is None:
            return
        assert all(i in sb.model.summaries for i in sb.mine)
        assert len(set(sb.mine)) == len(sb.mine)


TestSandboxSession = SandboxSession.TestCase
TestSandboxSession.settings = settings(
    max_examples=100,
    stateful_step_count=40,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
    derandomize=True,
    # no shrinking: a failing session is printed as generated (shrinking one can take minutes)
    phases=[Phase.explicit, Phase.reuse, Phase.generate],
)
