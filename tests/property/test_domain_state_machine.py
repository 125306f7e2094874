"""Stateful property test of the domain layer: random order lifecycles, valid and invalid actions.

A hypothesis `RuleBasedStateMachine` builds random orders (1-4 product lines of 1-5 units at 1 to
5,000 cents, tax rates 0 / 5 / 8.25 / 20 %, one or two delivery groups with an optional delivery
charge, optionally a Pickup group), authorizes them (one card, two cards splitting the amount, a
short authorization, authorizations that expire within hours, sometimes an upfront capture) and
keeps a few Order Summaries in a Bundle. It then drives every service action of `omsim.domain`
with requests that are sometimes valid and sometimes deliberately wrong:

* allocation plans over one to three locations (sometimes over-allocating, naming a charge line,
  a line of another group or an unknown fulfillment order type), fulfillment order status
  changes, canceling and rejecting fulfillment order lines, fulfilment, invoices;
* ensure-funds while the clock runs past authorization expiry, then re-authorizing and retrying;
  upfront captures; extra authorizations; refund retries of open credit memos and excess funds;
* ensure-funds with ``allow_partial`` (what is covered is captured, the rest stays open);
  authorization reversals called directly (valid and invalid amounts, expired authorizations,
  Exchange Credit);
* cancels with and without shipping reduction (sometimes asking more than available), return
  orders and returned items (partial, with units canceled, with a return fee, with shipping
  reduction, with rejected units and a ReasonForRejection, bogus or without rejected units),
  returns without an RMA (``submitReturn``: shipping reduction, a return fee, the gateway down),
  adjustments in each ``allocatedItemsChangeOrderType`` (all phases or some),
  reshipments, exchanges (even, cheaper, dearer, with the right and the wrong additional
  authorization), exchange items the customer keeps after all (before or after the replacement
  shipped), every unit of a delivery group canceled without shipping reduction;
* process exceptions raised, triaged, resolved and ignored; Order Summary status changes;
  routing attempts; and managed-only actions on an UNMANAGED summary, which must be refused.

After every action it checks that:

* the request was accepted exactly when the documented guardrails allow it;
* a rejected action (`ActionRejected`) changed no record (deep structural snapshot of every Order
  Summary aggregate; the id counters may move);
* a successful action returns `DomainEvent`s stamped with the time passed, each with an activity
  name, and that these events record every field the action changed, with its final value (the
  event log is the single source of truth);
* action-specific postconditions hold: units move between the right quantity buckets, captures
  come only from unexpired authorizations and only after the captured balance is used up, refunds
  complete or raise a Payment process exception, exchanges are linked and reserved; a partial
  ensure-funds leaves max(0, balance - coverable) open; a simple return credits what
  ``preview_return`` said; after a cancel the authorizations keep captured + reversed <= Amount,
  nothing reversible is left (unless the gateway was down: nothing reversed) and what the order
  still owes stays capturable;
* every cancel, simple return and adjustment is previewed first (``previewCancel``,
  ``previewReturn``, ``adjustPreview``): the preview changes nothing, refuses what the submit
  refuses (a simple return's preview: exactly the requests with wrong lines), its balances add
  up, its ``grand_total_amount_cents`` is what the submit takes off ``GrandTotalAmount`` (before
  a return fee), and with the gateway down its excess funds and refundable amounts are what the
  submit leaves;

and after every step it runs `check_invariants` on every Order Summary (exchange summaries
included) and `check_exchange_invariants` on every exchange with its original, plus
cross-checks the invariants do not cover: ``ActiveProcessExceptionCount`` against a model of
every process exception, captured - refunded >= 0, captured + reversed within each
authorization's Amount, exchange credit refunded never more than exchange credit authorized, per
line "invoiced - credited never exceeds the line's value and equals it once every unit is
invoiced", invoice/fulfillment-order links, UNMANAGED summaries untouched.

It found seven domain bugs (worthless returns, shipping reductions on charges already or not
yet invoiced, tax drift after partial invoicing, exchange credit across two cards, discounts
beyond a unit's value, bad tax rates); all are fixed and every path is explored.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import fields, is_dataclass, replace
from decimal import Decimal
from typing import Any

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    Bundle,
    RuleBasedStateMachine,
    initialize,
    invariant,
    multiple,
    precondition,
    rule,
)

from omsim.domain import (
    ActionRejected,
    ChangeBalances,
    DeliveryGroupInput,
    DomainEvent,
    FulfillmentOrder,
    IdFactory,
    Invoice,
    OrderItemSummary,
    OrderLineInput,
    OrderSummary,
    ReturnItemInput,
    ReturnLineInput,
    ReturnOrder,
    adjust,
    authorize_payment,
    cancel_fulfillment_order_lines,
    capture_authorized_funds,
    check_exchange_invariants,
    check_invariants,
    create_credit_memo,
    create_fulfillment_orders,
    create_invoice,
    create_order,
    create_order_summary,
    create_reshipment,
    create_return_order,
    ensure_funds,
    ensure_refunds,
    exchange,
    exchange_credit_cents,
    fulfil_fulfillment_order,
    ignore_process_exception,
    preview_adjust,
    preview_cancel,
    preview_return,
    preview_submit_return,
    raise_process_exception,
    record_routing_attempt,
    reject_fulfillment_order_lines,
    resolve_process_exception,
    return_items,
    reverse_authorization,
    set_fulfillment_order_status,
    set_order_summary_status,
    submit_cancel,
    submit_return,
    total_excess_funds_cents,
    triage_process_exception,
)
from omsim.domain.adjustments import _groups as _adjust_groups
from omsim.domain.bookkeeping import billing_pools
from omsim.domain.events import api_name, is_tracked_field, scalar_fields
from omsim.domain.funds import capturable_cents
from omsim.domain.money import tax_cents
from omsim.domain.picklists import (
    FULFILLMENT_ORDER_STATUS_CATEGORY,
    ORDER_SUMMARY_STATUSES,
    PROCESS_EXCEPTION_CATEGORIES,
    REASONS_FOR_REJECTION,
    REASONS_FOR_RETURN,
    REJECT_REASONS,
    RESHIP_REASONS,
    FulfillmentPhase,
    ItemType,
    LifeCycleType,
    SourceProcess,
)
from omsim.domain.reversals import reversible_cents, still_to_capture_cents

# --------------------------------------------------------------------------------------------
# Constants and helpers
# --------------------------------------------------------------------------------------------

RATES = ("0", "0.05", "0.0825", "0.2")
LOCATIONS = ("LOC-1", "LOC-2", "LOC-3")
BOGUS = "Bogus"
OPEN_CATEGORIES = ("DRAFT", "ACTIVATED", "FULFILLING")
WORKING_STATUSES = tuple(
    s for s, c in FULFILLMENT_ORDER_STATUS_CATEGORY.items() if c in ("ACTIVATED", "FULFILLING")
)
ACTIVE_PE_STATUSES = ("New", "Triaged")
PE_MOVES: dict[str, tuple[Callable[..., list[DomainEvent]], str, tuple[str, ...]]] = {
    "triage": (triage_process_exception, "Triaged", ("New",)),
    "resolve": (resolve_process_exception, "Resolved", ("New", "Triaged")),
    "ignore": (ignore_process_exception, "Ignored", ("New", "Triaged")),
}
ADJUST_MODES = ("Disallowed", "InFulfillment", "PreFulfillment")
MAX_STANDARD_ORDERS = 3
MAX_SUMMARIES = 6
UNKNOWN = {
    "fo": "FO-999999",
    "ois": "OIS-999999",
    "inv": "INV-999999",
    "ro": "RO-999999",
    "auth": "PA-999999",
}


# Every record an action creates is logged with its fields (the original Order, its items and
# delivery groups by "Order Summary Created"; change-order items by their action).


class _Rejected:
    def __repr__(self) -> str:
        return "REJECTED"


REJECTED = _Rejected()


def snapshot(value: Any) -> Any:
    """A deep structural dump of a record graph, leaving out the shared ``ids`` factory."""
    if is_dataclass(value) and not isinstance(value, type):
        return (
            type(value).__name__,
            tuple(
                (f.name, snapshot(getattr(value, f.name))) for f in fields(value) if f.name != "ids"
            ),
        )
    if isinstance(value, list | tuple):
        return tuple(snapshot(v) for v in value)
    if isinstance(value, dict):
        return tuple(sorted((k, snapshot(v)) for k, v in value.items()))
    return value


def record_rows(summaries: Sequence[OrderSummary]) -> dict[str, tuple[str, dict[str, Any]]]:
    """Every record with an id, as (object type, its event-log row of scalar fields)."""
    rows: dict[str, tuple[str, dict[str, Any]]] = {}

    def walk(value: Any) -> None:
        if is_dataclass(value) and not isinstance(value, type):
            record_id = getattr(value, "id", None)
            if isinstance(record_id, str) and record_id not in rows:
                row = scalar_fields(value)
                for roll_up in getattr(type(value), "ROLL_UPS", ()):
                    row.pop(api_name(roll_up))  # roll-ups are written without a field change
                rows[record_id] = (type(value).__name__, row)
            for f in fields(value):
                if f.name != "ids":
                    walk(getattr(value, f.name))
        elif isinstance(value, list | tuple):
            for v in value:
                walk(v)

    for s in summaries:
        walk(s)
    return rows


def check_events(name: str, events: Any, at: float) -> None:
    assert isinstance(events, list), f"{name} returned {type(events).__name__}, not a list"
    for e in events:
        assert isinstance(e, DomainEvent), f"{name} returned a {type(e).__name__} as an event"
        assert isinstance(e.activity, str) and e.activity.strip(), f"{name}: empty activity"
        assert e.at == at, f"{name}: event {e.activity!r} at {e.at}, action ran at {at}"


def check_event_log(
    name: str,
    before: dict[str, tuple[str, dict[str, Any]]],
    after: dict[str, tuple[str, dict[str, Any]]],
    events: list[DomainEvent],
) -> None:
    """The events record every changed field, and every tracked field of a created record, with
    its final value, and no other field."""
    last: dict[tuple[str, str], Any] = {}
    for e in events:
        for c in e.changes:
            last[(c.object_id, c.field)] = c.new
        for r in e.objects:
            assert r.object_id in after, f"{name}: event relates unknown record {r.object_id}"
            assert r.qualifier, f"{name}: record {r.object_id} related without a qualifier"
    for record_id, (kind, row) in after.items():
        previous = before.get(record_id)
        for field_name, value in row.items():
            if previous is None:
                if value is None or not is_tracked_field(field_name):
                    continue  # a new record's other fields are in its final-state row
            elif previous[1].get(field_name) == value:
                continue
            old = None if previous is None else previous[1].get(field_name)
            key = (record_id, field_name)
            assert key in last, (
                f"{name}: {kind} {record_id}.{field_name} went {old!r} -> {value!r} "
                "but no event records it"
            )
            assert last[key] == value, (
                f"{name}: {kind} {record_id}.{field_name} is {value!r}, "
                f"its last event change says {last[key]!r}"
            )
    for (record_id, field_name), new in last.items():
        assert after[record_id][1].get(field_name) == new, (
            f"{name}: event says {record_id}.{field_name} = {new!r}, "
            f"record holds {after[record_id][1].get(field_name)!r}"
        )


def order_grand_total(lines: Sequence[OrderLineInput], groups: Sequence[DeliveryGroupInput]) -> int:
    """GrandTotalAmount of a new order, from its inputs (tax per line, rounded half-even)."""
    total = 0
    for ln in lines:
        amount = ln.quantity * ln.unit_price_cents
        total += amount + tax_cents(amount, Decimal(str(ln.tax_rate)))
    for g in groups:
        total += g.delivery_charge_cents + tax_cents(
            g.delivery_charge_cents, Decimal(str(g.charge_tax_rate))
        )
    return total


def is_product(item: OrderItemSummary) -> bool:
    return item.type is ItemType.PRODUCT


def open_fo(fo: FulfillmentOrder) -> bool:
    return fo.status_category in OPEN_CATEGORIES and fo.item_count > 0


def invoiceable(fo: FulfillmentOrder) -> bool:
    return fo.status_category == "CLOSED" and fo.invoice_id is None and not fo.is_reship


def has_unallocated(s: OrderSummary) -> bool:
    return any(i.quantity_available_to_fulfill > 0 for i in s.product_items)


def has_open_fo(s: OrderSummary) -> bool:
    return any(open_fo(fo) for fo in s.fulfillment_orders)


def has_invoiceable(s: OrderSummary) -> bool:
    return any(invoiceable(fo) for fo in s.fulfillment_orders)


def has_unpaid_invoice(s: OrderSummary) -> bool:
    return any(inv.balance_cents > 0 for inv in s.invoices)


def has_returnable(s: OrderSummary) -> bool:
    return any(i.quantity_available_to_return > 0 for i in s.product_items)


def has_reshippable(s: OrderSummary) -> bool:
    return any(i.quantity_available_to_reship > 0 for i in s.product_items)


def has_open_return(s: OrderSummary) -> bool:
    return any(ro.open_lines and ro.status_category == "Activated" for ro in s.return_orders)


def has_refund_work(s: OrderSummary) -> bool:
    return any(m.balance_cents > 0 for m in s.credit_memos) or total_excess_funds_cents(s) > 0


def has_active_pe(s: OrderSummary) -> bool:
    return s.active_process_exception_count > 0


def adjust_cap(s: OrderSummary, item: OrderItemSummary, mode: str, phases: tuple) -> int:
    """The largest discount per unit `adjust` accepts: no group of units may be discounted below
    its value (unshipped units at what is still to bill, shipped ones at what was billed)."""
    groups = {p: n for p, n in _adjust_groups(item, mode).items() if p in phases}
    unbilled, billed = billing_pools(s, item)
    unshipped = groups.get(FulfillmentPhase.PRE, 0) + groups.get(FulfillmentPhase.IN, 0)
    caps = [
        pool.share(n)[0] // n
        for pool, n in ((unbilled, unshipped), (billed, groups.get(FulfillmentPhase.POST, 0)))
        if n
    ]
    return min(caps) if caps else 0


def adjustable_units(
    item: OrderItemSummary, mode: str, phases: Sequence[FulfillmentPhase] = tuple(FulfillmentPhase)
) -> int | None:
    """Units an adjustment touches in ``mode`` and ``phases`` (as Salesforce's adjust actions define them).

    None when ``Disallowed`` refuses the line (all its units are in fulfillment).
    """
    pre = item.quantity_available_to_fulfill
    inside = item.quantity_allocated - item.quantity_fulfilled
    post = item.quantity_fulfilled - item.quantity_return_initiated
    if mode == "Disallowed":
        if inside > 0 and pre == 0 and post == 0:
            return None
        inside = 0
    elif mode == "PreFulfillment":
        pre, inside = pre + inside, 0
    groups = {FulfillmentPhase.PRE: pre, FulfillmentPhase.IN: inside, FulfillmentPhase.POST: post}
    return sum(n for phase, n in groups.items() if phase in phases)


def exchange_room(summary: OrderSummary) -> int:
    """Captured, unrefunded funds not yet reserved for an exchange."""
    return sum(
        max(0, ops.available_to_refund_cents - ops.reserved_balance_cents)
        for ops in summary.payment_summaries
    )


def captured_by_auth(summary: OrderSummary) -> dict[str, int]:
    return {a.id: a.captured_cents for ops in summary.payment_summaries for a in ops.authorizations}


def unapplied_balance(summary: OrderSummary) -> int:
    return sum(p.balance_cents for ops in summary.payment_summaries for p in ops.payments)


def max_fee_within(credit: int, rate: str) -> int:
    """The largest return fee whose fee-plus-tax stays within ``credit``."""
    fee = int(Decimal(credit) / (1 + Decimal(rate)))
    while fee > 0 and fee + tax_cents(fee, Decimal(rate)) > credit:
        fee -= 1
    while fee + 1 + tax_cents(fee + 1, Decimal(rate)) <= credit:
        fee += 1
    return fee


# --------------------------------------------------------------------------------------------
# The state machine
# --------------------------------------------------------------------------------------------


class OrderLifecycleMachine(RuleBasedStateMachine):
    """Random order lifecycles driven through the domain's service actions."""

    summaries = Bundle("summaries")
    unmanaged = Bundle("unmanaged")

    def __init__(self) -> None:
        super().__init__()
        self.ids = IdFactory()
        self.now = 0.0
        self.managed: list[OrderSummary] = []
        self.unmanaged_list: list[OrderSummary] = []
        self.unmanaged_snapshots: dict[str, Any] = {}
        self.standard_orders = 0
        self.pe_status: dict[str, str] = {}
        """Model of every process exception: id -> status, kept from events and the PE rules."""
        self.new_pes: list[str] = []
        """Process exceptions raised by the last action."""

    # ---- running one action ------------------------------------------------------------------

    def world(self) -> list[OrderSummary]:
        return [*self.managed, *self.unmanaged_list]

    def act(self, fn: Callable[..., Any], *args: Any, expect: bool | None, **kwargs: Any) -> Any:
        """Run ``fn(*args, at=now, **kwargs)`` and check the rules every action obeys.

        ``expect`` is True when the guardrails allow the request, False when they must refuse
        it, None when either is fine. Returns the action's result or `REJECTED`.
        """
        name = fn.__name__
        world = self.world()
        before = snapshot(world)
        rows_before = record_rows(world)
        self.new_pes = []
        try:
            result = fn(*args, at=self.now, **kwargs)
        except ActionRejected as exc:
            assert snapshot(world) == before, (
                f"{name} raised ActionRejected ({exc}) after changing records"
            )
            assert expect is not True, f"{name} rejected a valid request: {exc}"
            return REJECTED
        assert expect is not False, f"{name} accepted a request it must refuse: {args} {kwargs}"
        events = result[1] if isinstance(result, tuple) else result
        created = (
            [result[0]] if isinstance(result, tuple) and isinstance(result[0], OrderSummary) else []
        )
        check_events(name, events, self.now)
        check_event_log(name, rows_before, record_rows([*world, *created]), events)
        for e in events:
            for r in e.objects:
                if r.object_type == "ProcessException" and r.qualifier == "created":
                    self.pe_status[r.object_id] = "New"
                    self.new_pes.append(r.object_id)
        return result

    def preview(
        self, fn: Callable[..., ChangeBalances], s: OrderSummary, *args: Any, **kwargs: Any
    ) -> Any:
        """Run a preview ``fn(s, *args, at=now, **kwargs)``: answered or refused, it changes no
        record, and its balances add up (grand total = amount + tax, each the sum of product,
        delivery and fee). Returns its `ChangeBalances` or `REJECTED`."""
        before = snapshot(s)  # a preview copies one summary, the only one it could touch
        balances: Any
        try:
            balances = fn(s, *args, at=self.now, **kwargs)
        except ActionRejected:
            balances = REJECTED
        assert snapshot(s) == before, f"{fn.__name__} changed records"
        if balances is REJECTED:
            return balances
        assert isinstance(balances, ChangeBalances), balances
        b = balances
        assert b.grand_total_amount_cents == b.total_amount_cents + b.total_tax_amount_cents, b
        assert b.total_amount_cents == (
            b.total_adjusted_product_amount_cents
            + b.total_adjusted_delivery_amount_cents
            + b.total_fee_amount_cents
        ), b
        assert b.total_tax_amount_cents == (
            b.total_adjusted_product_tax_amount_cents
            + b.total_adjusted_delivery_tax_amount_cents
            + b.total_fee_tax_amount_cents
        ), b
        assert 0 <= b.total_excess_funds_amount_cents <= b.total_refundable_amount_cents, b
        return balances

    def check_preview(
        self,
        name: str,
        balances: Any,
        result: Any,
        s: OrderSummary,
        grand_before: int,
        *,
        same_answer: bool = True,
        fee_total: int = 0,
    ) -> None:
        """A preview agrees with its submit: answered when the submit was accepted (and, with
        ``same_answer``, refused when it was refused), and its ``grand_total_amount_cents`` is
        what the submit took off ``GrandTotalAmount`` (before a return fee of ``fee_total``)."""
        if result is REJECTED:
            if same_answer:
                assert balances is REJECTED, f"{name} refused, its preview answered {balances}"
            return
        assert balances is not REJECTED, f"{name} accepted, its preview refused it"
        dropped = grand_before - s.grand_total_amount_cents
        assert dropped == balances.grand_total_amount_cents - fee_total, (
            f"{name}: GrandTotalAmount dropped {dropped}, the preview said "
            f"{balances.grand_total_amount_cents} (return fee {fee_total})"
        )

    def expect_refused_preview(
        self, fn: Callable[..., ChangeBalances], s: OrderSummary, *args: Any, **kwargs: Any
    ) -> None:
        assert self.preview(fn, s, *args, **kwargs) is REJECTED, f"{fn.__name__} answered"

    @staticmethod
    def check_reversals(s: OrderSummary) -> None:
        """Per authorization: 0 <= captured + reversed <= Amount."""
        for ops in s.payment_summaries:
            for a in ops.authorizations:
                used = a.captured_cents + a.total_auth_reversal_amount_cents
                assert a.total_auth_reversal_amount_cents >= 0 and 0 <= used <= a.amount_cents, (
                    f"PaymentAuthorization {a.id}: captured {a.captured_cents} + reversed "
                    f"{a.total_auth_reversal_amount_cents} outside [0, {a.amount_cents}]"
                )

    # ---- drawing -----------------------------------------------------------------------------

    @staticmethod
    def flaw(data: st.DataObject, *flaws: str) -> str | None:
        """None (a valid request) two times in three, else one of ``flaws``."""
        if data.draw(st.integers(0, 2), label="make it invalid") < 2:
            return None
        return data.draw(st.sampled_from(flaws), label="flaw")

    def focus(
        self, s: OrderSummary, data: st.DataObject, applies: Callable[[OrderSummary], bool]
    ) -> OrderSummary:
        """The drawn summary, or usually another managed one the action applies to.

        Keeps deep actions (returns of fulfilled units, FO line cancels ...) from being wasted on
        summaries that are not there yet; the drawn summary still gets the invalid requests.
        """
        if applies(s):
            return s
        others = [x for x in self.managed if applies(x)]
        if others and data.draw(st.integers(0, 3), label="switch summary"):
            return data.draw(st.sampled_from(others), label="summary")
        return s

    @staticmethod
    def pick(
        data: st.DataObject, records: Sequence[Any], prefer: Callable[[Any], bool], label: str
    ) -> Any:
        """A record, usually one satisfying ``prefer``; None when there is none."""
        if not records:
            return None
        preferred = [r for r in records if prefer(r)]
        pool = preferred if preferred and data.draw(st.integers(0, 4), label="prefer") else records
        return data.draw(st.sampled_from(pool), label=label)

    @staticmethod
    def some(data: st.DataObject, records: Sequence[Any], label: str, most: int = 3) -> list[Any]:
        """One to ``most`` distinct records (empty when there are none)."""
        if not records:
            return []
        return data.draw(
            st.lists(st.sampled_from(records), min_size=1, max_size=most, unique_by=lambda r: r.id),
            label=label,
        )

    def order_inputs(
        self, data: st.DataObject
    ) -> tuple[list[OrderLineInput], list[DeliveryGroupInput]]:
        n_lines = data.draw(st.integers(1, 4), label="product lines")
        n_groups = min(n_lines, data.draw(st.integers(1, 2), label="delivery groups"))
        pickup = data.draw(st.booleans(), label="pickup group")
        groups = []
        for k in range(n_groups):
            method = (
                "Pickup"
                if pickup and k == n_groups - 1
                else data.draw(st.sampled_from(("Standard", "Express")), label="method")
            )
            charge = (
                0
                if method == "Pickup"
                else data.draw(st.one_of(st.just(0), st.integers(1, 2000)), label="charge")
            )
            groups.append(
                DeliveryGroupInput(
                    key=f"g{k}",
                    delivery_method=method,
                    delivery_charge_cents=charge,
                    charge_tax_rate=data.draw(st.sampled_from(RATES), label="charge tax"),
                    deliver_to_postal_code="94105",
                    pickup_location_id="STORE-1" if method == "Pickup" else None,
                )
            )
        lines = []
        for k in range(n_lines):
            g = k if k < n_groups else data.draw(st.integers(0, n_groups - 1), label="group")
            lines.append(
                OrderLineInput(
                    sku=f"SKU-{k}",
                    quantity=data.draw(st.integers(1, 5), label="quantity"),
                    unit_price_cents=data.draw(st.integers(1, 5000), label="price"),
                    tax_rate=data.draw(st.sampled_from(RATES), label="tax"),
                    delivery_group=f"g{g}",
                )
            )
        return lines, groups

    def new_order(self, data: st.DataObject) -> OrderSummary:
        lines, groups = self.order_inputs(data)
        value = sum(ln.quantity * ln.unit_price_cents for ln in lines)
        discount = data.draw(  # an order-level (header) discount, now and then
            st.sampled_from((0, 0, 0, 1, value // 10, value)), label="header discount"
        )
        order = create_order(
            self.ids,
            lines=lines,
            delivery_groups=groups,
            at=self.now,
            header_discount_cents=discount,
        )
        summary, _ = self.act(create_order_summary, self.ids, order, expect=True)
        shares = [i.total_adjustment_dist_amount_cents for i in summary.product_items]
        assert sum(shares) == summary.total_adj_dist_amount_cents == -discount
        assert all(
            -share <= i.total_line_amount_cents and i.total_line_adjustment_amount_cents == 0
            for share, i in zip(shares, summary.product_items, strict=True)
        )
        if discount == 0:
            assert summary.grand_total_amount_cents == order_grand_total(lines, groups)
        else:
            assert summary.grand_total_amount_cents == sum(
                i.total_line_amount_cents
                + share
                + tax_cents(i.total_line_amount_cents + share, i.tax_rate)
                for share, i in zip(shares, summary.product_items, strict=True)
            ) + sum(
                g.delivery_charge_cents
                + tax_cents(g.delivery_charge_cents, Decimal(str(g.charge_tax_rate)))
                for g in groups
            )
        assert summary.status == "Created"
        assert all(i.status == "ORDERED" for i in summary.items)
        self.managed.append(summary)
        self.standard_orders += 1
        self.authorize_at_checkout(summary, data)
        return summary

    def authorize_at_checkout(self, summary: OrderSummary, data: st.DataObject) -> None:
        grand = summary.grand_total_amount_cents
        hours = st.sampled_from((168.0, 168.0, None, 24.0, 2.0))
        how = data.draw(st.sampled_from(("full", "full", "split", "short", "none")), label="auth")
        if grand == 0:  # a free order (a 100% header discount, no charge): nothing to authorize
            how = "none"
        if how == "split" and grand >= 2:
            first = data.draw(st.integers(1, grand - 1), label="first card")
            for method, amount in (("Visa", first), ("Mastercard", grand - first)):
                self.act(
                    authorize_payment,
                    summary,
                    amount_cents=amount,
                    valid_hours=data.draw(hours, label="valid hours"),
                    method=method,
                    expect=True,
                )
        elif how != "none":
            short = (
                data.draw(st.integers(1, min(grand - 1, 2000)), label="short")
                if how == "short" and grand >= 2
                else 0
            )
            self.act(
                authorize_payment,
                summary,
                amount_cents=grand - short,
                valid_hours=data.draw(hours, label="valid hours"),
                expect=True,
            )
        authorized = sum(ops.authorization_amount_cents for ops in summary.payment_summaries)
        if authorized and data.draw(st.booleans(), label="capture upfront"):
            self.capture(summary, data.draw(st.integers(1, authorized), label="upfront amount"))

    # ---- orders ------------------------------------------------------------------------------

    @initialize(target=summaries, data=st.data())
    def first_order(self, data: st.DataObject) -> OrderSummary:
        return self.new_order(data)

    @precondition(lambda self: self.standard_orders < MAX_STANDARD_ORDERS)
    @rule(target=summaries, data=st.data())
    def another_order(self, data: st.DataObject) -> OrderSummary:
        return self.new_order(data)

    @precondition(lambda self: not self.unmanaged_list)
    @rule(target=unmanaged, data=st.data())
    def unmanaged_order(self, data: st.DataObject) -> OrderSummary:
        lines, groups = self.order_inputs(data)
        order = create_order(self.ids, lines=lines, delivery_groups=groups, at=self.now)
        summary, _ = self.act(
            create_order_summary,
            self.ids,
            order,
            life_cycle_type=LifeCycleType.UNMANAGED,
            expect=True,
        )
        assert not summary.is_managed
        self.unmanaged_list.append(summary)
        self.unmanaged_snapshots[summary.id] = snapshot(summary.items)
        return summary

    def let_time_pass(self, data: st.DataObject) -> None:
        """Sometimes advance the clock, so that authorizations expire (2 h, 24 h, 7 days)."""
        if data.draw(st.booleans(), label="let time pass"):
            self.now += data.draw(st.sampled_from((0.5, 3.0, 12.0, 48.0, 200.0)), label="hours")

    # ---- payments ----------------------------------------------------------------------------

    def capture(self, s: OrderSummary, amount: int) -> None:
        available = sum(ops.available_to_capture_cents(self.now) for ops in s.payment_summaries)
        before = captured_by_auth(s)
        ok = 0 < amount <= available
        if self.act(capture_authorized_funds, s, amount_cents=amount, expect=ok) is REJECTED:
            return
        after = captured_by_auth(s)
        assert sum(after.values()) - sum(before.values()) == amount
        self.check_unexpired_captures(s, before)

    def check_unexpired_captures(self, s: OrderSummary, before: dict[str, int]) -> None:
        for ops in s.payment_summaries:
            for a in ops.authorizations:
                if a.captured_cents != before.get(a.id, 0):
                    assert not a.is_expired(self.now), (
                        f"captured from PaymentAuthorization {a.id}, expired at {a.expires_at}, "
                        f"now {self.now}"
                    )

    @rule(s=summaries, data=st.data())
    def capture_funds(self, s: OrderSummary, data: st.DataObject) -> None:
        self.let_time_pass(data)
        s = self.focus(
            s,
            data,
            lambda x: any(o.available_to_capture_cents(self.now) for o in x.payment_summaries),
        )
        available = sum(ops.available_to_capture_cents(self.now) for ops in s.payment_summaries)
        amount = data.draw(
            st.one_of(
                st.integers(1, max(1, available)), st.just(available + 1), st.integers(-5, 0)
            ),
            label="capture amount",
        )
        self.capture(s, amount)

    @rule(s=summaries, data=st.data())
    def authorize_more(self, s: OrderSummary, data: st.DataObject) -> None:
        amount = data.draw(st.one_of(st.integers(1, 5000), st.integers(-100, 0)), label="amount")
        method = data.draw(st.sampled_from(("Visa", "Mastercard", "Gift Card")), label="method")
        hours = data.draw(st.sampled_from((None, 2.0, 168.0)), label="valid hours")
        result = self.act(
            authorize_payment,
            s,
            amount_cents=amount,
            valid_hours=hours,
            method=method,
            expect=amount > 0,
        )
        if result is not REJECTED:
            ops = next(p for p in s.payment_summaries if p.method == method)
            auth = ops.authorizations[-1]
            assert auth.amount_cents == amount and auth.captured_cents == 0
            assert auth.expires_at == (None if hours is None else self.now + hours)

    @rule(s=summaries, data=st.data())
    def reverse_an_authorization(self, s: OrderSummary, data: st.DataObject) -> None:
        """The reversal service called directly: only a processed, unexpired card
        authorization, and 0 < amount <= its Balance."""
        self.let_time_pass(data)

        def reversible(a: Any, method: str) -> bool:
            return (
                method != "Exchange Credit" and not a.is_expired(self.now) and a.balance_cents > 0
            )

        def has_reversible(x: OrderSummary) -> bool:
            return any(
                reversible(a, o.method) for o in x.payment_summaries for a in o.authorizations
            )

        s = self.focus(s, data, has_reversible)
        if not has_reversible(s) and data.draw(st.booleans(), label="authorize first"):
            amount = data.draw(st.integers(1, 5000), label="amount")
            method = data.draw(st.sampled_from(("Visa", "Mastercard")), label="method")
            hours = data.draw(st.sampled_from((None, 2.0, 168.0)), label="valid hours")
            self.act(
                authorize_payment,
                s,
                amount_cents=amount,
                valid_hours=hours,
                method=method,
                expect=True,
            )
        pairs = [(ops, a) for ops in s.payment_summaries for a in ops.authorizations]
        if not pairs or data.draw(st.integers(0, 9), label="unknown authorization") == 0:
            self.act(reverse_authorization, s, UNKNOWN["auth"], amount_cents=1, expect=False)
            return
        ops, auth = self.pick(data, pairs, lambda p: reversible(p[1], p[0].method), "authorization")
        balance = auth.balance_cents
        amount = data.draw(
            st.one_of(
                st.integers(1, max(1, balance)),
                st.integers(1, max(1, balance)),
                st.just(balance + 1),
                st.integers(-5, 0),
            ),
            label="reversal amount",
        )
        ok = (
            ops.method != "Exchange Credit"
            and auth.status == "Processed"
            and not auth.is_expired(self.now)
            and 0 < amount <= balance
        )
        reversed_before = (
            auth.total_auth_reversal_amount_cents,
            ops.authorization_reversal_amount_cents,
        )
        kept = (auth.amount_cents, auth.captured_cents, len(ops.auth_adjustments))
        if self.act(reverse_authorization, s, auth.id, amount_cents=amount, expect=ok) is REJECTED:
            return
        assert (auth.total_auth_reversal_amount_cents, ops.authorization_reversal_amount_cents) == (
            reversed_before[0] + amount,
            reversed_before[1] + amount,
        )
        assert (auth.amount_cents, auth.captured_cents) == kept[:2]
        assert auth.balance_cents == balance - amount
        assert len(ops.auth_adjustments) == kept[2] + 1
        adjustment = ops.auth_adjustments[-1]
        assert (adjustment.payment_authorization_id, adjustment.amount_cents) == (auth.id, amount)
        self.check_reversals(s)

    def ensure(self, s: OrderSummary, invoice: Invoice, data: st.DataObject, retry: bool) -> None:
        need = invoice.balance_cents
        unapplied = unapplied_balance(s)
        available = sum(ops.available_to_capture_cents(self.now) for ops in s.payment_summaries)
        coverable = min(need, unapplied + available)
        partial = data.draw(st.integers(0, 2), label="allow partial") == 0
        before = captured_by_auth(s)
        result = self.act(ensure_funds, s, invoice.id, allow_partial=partial, expect=need > 0)
        if result is REJECTED:
            return
        captured = sum(captured_by_auth(s).values()) - sum(before.values())
        self.check_unexpired_captures(s, before)
        if partial and coverable > 0:
            # Captured balance first, then unexpired authorizations, as far as they go.
            assert invoice.balance_cents == max(0, need - coverable), (
                f"ensure_funds(allow_partial) left {invoice.balance_cents} of {need} open, "
                f"{coverable} was coverable"
            )
            assert captured == coverable - min(need, unapplied), (
                f"captured {captured}, {coverable} coverable with {unapplied} already captured"
            )
            assert bool(self.new_pes) == (coverable < need)
            if self.new_pes:
                self.after_funds_failure(s, invoice, need - coverable, data, retry)
            return
        if self.new_pes:
            # All or nothing: nothing moved, one Payment process exception explains why.
            assert invoice.balance_cents == need and captured == 0
            short = need - min(need, unapplied) - available
            assert short > 0, f"ensure_funds failed although {available} was capturable"
            self.after_funds_failure(s, invoice, short, data, retry)
            return
        assert invoice.balance_cents == 0
        assert captured == need - min(need, unapplied), (
            f"captured {captured} for an invoice of {need} with {unapplied} already captured"
        )

    def after_funds_failure(
        self, s: OrderSummary, invoice: Invoice, short: int, data: st.DataObject, retry: bool
    ) -> None:
        """One Payment process exception for the ``short`` cents not covered; sometimes a fresh
        authorization and a retry that covers the rest."""
        assert len(self.new_pes) == 1
        pe = s.process_exception(self.new_pes[0])
        assert pe.category == "Payment"
        if pe.message.startswith("Ensure funds failed"):
            assert f": {short} cents not covered" in pe.message, pe.message
        if retry and data.draw(st.booleans(), label="re-authorize and retry"):
            method = data.draw(st.sampled_from(("Visa", "Mastercard", "Gift Card")))
            self.act(
                authorize_payment,
                s,
                amount_cents=invoice.balance_cents,
                valid_hours=168.0,
                method=method,
                expect=True,
            )
            self.ensure(s, invoice, data, retry=False)
            assert not self.new_pes, "ensure_funds failed again after a fresh authorization"
            if data.draw(st.booleans(), label="resolve the exception"):
                self.act(resolve_process_exception, s, pe.id, expect=True)
                self.pe_status[pe.id] = "Resolved"

    @rule(s=summaries, data=st.data())
    def ensure_funds_for_invoice(self, s: OrderSummary, data: st.DataObject) -> None:
        s = self.focus(s, data, has_unpaid_invoice)
        self.let_time_pass(data)
        invoice = self.pick(data, s.invoices, lambda i: i.balance_cents > 0, "invoice")
        if invoice is None:
            self.act(ensure_funds, s, UNKNOWN["inv"], expect=False)
            return
        self.ensure(s, invoice, data, retry=True)

    @rule(s=summaries, data=st.data())
    def refunds(self, s: OrderSummary, data: st.DataObject) -> None:
        s = self.focus(s, data, has_refund_work)
        how = data.draw(
            st.sampled_from(("open memo", "excess", "too much excess", "nothing", "settled memo")),
            label="refund",
        )
        open_memos = [m for m in s.credit_memos if m.balance_cents > 0]
        settled = [m for m in s.credit_memos if m.balance_cents == 0]
        excess = total_excess_funds_cents(s)
        if how == "open memo" and open_memos:
            memo = data.draw(st.sampled_from(open_memos), label="memo")
            self.act(ensure_refunds, s, credit_memo_id=memo.id, expect=True)
            if not self.new_pes:
                assert memo.balance_cents == 0
        elif how == "settled memo" and settled:
            memo = data.draw(st.sampled_from(settled), label="memo")
            self.act(ensure_refunds, s, credit_memo_id=memo.id, expect=False)
        elif how == "excess" and excess > 0:
            self.act(ensure_refunds, s, excess_funds_cents=excess, expect=True)
            if not self.new_pes:
                assert total_excess_funds_cents(s) == 0
        elif how == "too much excess":
            extra = data.draw(st.integers(1, 100), label="extra")
            self.act(ensure_refunds, s, excess_funds_cents=excess + extra, expect=False)
        else:
            self.act(ensure_refunds, s, expect=False)

    # ---- fulfillment -------------------------------------------------------------------------

    @rule(s=summaries, data=st.data())
    def allocate(self, s: OrderSummary, data: st.DataObject) -> None:
        s = self.focus(s, data, has_unallocated)
        group = self.pick(
            data,
            s.delivery_groups,
            lambda g: any(
                i.quantity_available_to_fulfill for i in s.items_in_group(g.id) if is_product(i)
            ),
            "group",
        )
        in_group = s.items_in_group(group.id)
        products = [i for i in in_group if is_product(i)]
        locations = data.draw(
            st.lists(st.sampled_from(LOCATIONS), min_size=1, max_size=3, unique=True),
            label="locations",
        )
        left = {i.id: i.quantity_available_to_fulfill for i in products}
        plan: dict[str, dict[str, int]] = {}
        for loc in locations:
            lines = {}
            for i in products:
                if left[i.id] and data.draw(st.booleans(), label=f"{i.id} at {loc}"):
                    units = data.draw(st.integers(1, left[i.id]), label="units")
                    lines[i.id] = units
                    left[i.id] -= units
            if lines:
                plan[loc] = lines
        valid = bool(plan)
        types: dict[str, str] | None = None
        if plan and data.draw(st.booleans(), label="set types"):
            kind = "In Store Pickup" if group.delivery_method == "Pickup" else "Retail Store"
            types = {next(iter(plan)): kind}
        flaw = self.flaw(data, "over", "charge", "other group", "zero", "unknown", "bad type")
        loc = data.draw(st.sampled_from(LOCATIONS), label="flaw location")
        others = [i for i in s.product_items if i.order_delivery_group_summary_id != group.id]
        charges = [i for i in in_group if i.type is ItemType.DELIVERY_CHARGE]
        if flaw == "over" and products:
            item = data.draw(st.sampled_from(products), label="over-allocated")
            planned = sum(lines.get(item.id, 0) for lines in plan.values())
            extra = data.draw(st.integers(1, 3), label="extra")
            plan.setdefault(loc, {})[item.id] = (
                plan.get(loc, {}).get(item.id, 0)
                + item.quantity_available_to_fulfill
                - planned
                + extra
            )
            valid = False
        elif flaw == "charge" and charges:
            plan.setdefault(loc, {})[charges[0].id] = 1
            valid = False
        elif flaw == "other group" and others:
            plan.setdefault(loc, {})[others[0].id] = 1
            valid = False
        elif flaw == "zero" and products:
            plan.setdefault(loc, {})[products[0].id] = 0
            valid = False
        elif flaw == "unknown":
            plan.setdefault(loc, {})[UNKNOWN["ois"]] = 1
            valid = False
        elif flaw == "bad type" and plan:
            types = {next(iter(plan)): "Teleport"}
            valid = False
        allocated = {i.id: i.quantity_allocated for i in s.items}
        free_charges = {
            c.id: c.quantity_available_to_fulfill
            for c in charges
            if c.quantity_available_to_fulfill > 0
        }
        n_before = len(s.fulfillment_orders)
        result = self.act(
            create_fulfillment_orders, s, group.id, plan, fulfillment_types=types, expect=valid
        )
        if result is REJECTED:
            return
        fos, _ = result
        assert s.fulfillment_orders[n_before:] == fos
        assert [fo.fulfilled_from_location_id for fo in fos] == list(plan)
        planned: Counter[str] = Counter()
        for fo, (loc_id, lines) in zip(fos, plan.items(), strict=True):
            assert fo.status == "Allocated" and not fo.is_reship and fo.invoice_id is None
            assert fo.type == (types or {}).get(loc_id, "Warehouse")
            assert {
                ln.order_item_summary_id: ln.quantity
                for ln in fo.lines
                if ln.type is ItemType.PRODUCT
            } == lines
            planned.update(lines)
        for i in products:
            assert i.quantity_allocated == allocated[i.id] + planned[i.id]
        for charge_id, units in free_charges.items():
            line = fos[0].line_for(charge_id)
            assert line is not None and line.quantity == units, "charge not on the first FO"
            assert s.item(charge_id).quantity_allocated == allocated[charge_id] + units

    def open_fo_first(self, s: OrderSummary, data: st.DataObject) -> OrderSummary:
        """With no open fulfillment order, usually allocate one group's units first."""
        if not has_open_fo(s):
            s = self.focus(s, data, has_unallocated)
            if has_unallocated(s) and data.draw(st.integers(0, 3), label="allocate first"):
                group = next(
                    g
                    for g in s.delivery_groups
                    if any(
                        i.quantity_available_to_fulfill
                        for i in s.items_in_group(g.id)
                        if is_product(i)
                    )
                )
                lines = {
                    i.id: i.quantity_available_to_fulfill
                    for i in s.items_in_group(group.id)
                    if is_product(i) and i.quantity_available_to_fulfill
                }
                loc = data.draw(st.sampled_from(LOCATIONS), label="location")
                self.act(create_fulfillment_orders, s, group.id, {loc: lines}, expect=True)
        return s

    @rule(s=summaries, data=st.data())
    def set_fo_status(self, s: OrderSummary, data: st.DataObject) -> None:
        s = self.open_fo_first(self.focus(s, data, has_open_fo), data)
        fo = self.pick(
            data, s.fulfillment_orders, lambda f: f.status_category in OPEN_CATEGORIES, "FO"
        )
        status = data.draw(
            st.sampled_from((*FULFILLMENT_ORDER_STATUS_CATEGORY, BOGUS)), label="status"
        )
        if fo is None:
            self.act(set_fulfillment_order_status, s, UNKNOWN["fo"], status, expect=False)
            return
        ok = fo.status_category in OPEN_CATEGORIES and status in WORKING_STATUSES
        old = fo.status
        result = self.act(set_fulfillment_order_status, s, fo.id, status, expect=ok)
        if result is not REJECTED:
            assert fo.status == status
            assert (result == []) == (old == status)

    @rule(s=summaries, data=st.data())
    def cancel_or_reject_fo_lines(self, s: OrderSummary, data: st.DataObject) -> None:
        s = self.open_fo_first(self.focus(s, data, has_open_fo), data)
        fo: FulfillmentOrder | None = self.pick(
            data,
            s.fulfillment_orders,
            open_fo,
            "FO",
        )
        reject = data.draw(st.booleans(), label="reject")
        reason = data.draw(st.sampled_from((*REJECT_REASONS, BOGUS)), label="reason")
        if fo is None:
            self.act(
                cancel_fulfillment_order_lines, s, UNKNOWN["fo"], {UNKNOWN["ois"]: 1}, expect=False
            )
            return
        live = [ln for ln in fo.lines if ln.quantity > 0]
        lines = {
            ln.order_item_summary_id: data.draw(st.integers(1, ln.quantity), label="units")
            for ln in self.some(data, live, "FO lines")
        }
        valid = bool(lines) and fo.status_category in OPEN_CATEGORIES
        valid = valid and (not reject or reason in REJECT_REASONS)
        flaw = self.flaw(data, "over", "zero", "not on FO", "empty")
        if flaw == "over":
            ln = data.draw(st.sampled_from(fo.lines), label="over line")
            lines[ln.order_item_summary_id] = ln.quantity + data.draw(st.integers(1, 2))
            valid = False
        elif flaw == "zero" and fo.lines:
            lines[fo.lines[0].order_item_summary_id] = 0
            valid = False
        elif flaw == "not on FO":
            on_fo = {ln.order_item_summary_id for ln in fo.lines}
            stranger = next((i.id for i in s.items if i.id not in on_fo), UNKNOWN["ois"])
            lines[stranger] = 1
            valid = False
        elif flaw == "empty":
            lines = {}
            valid = False
        products_left = sum(
            ln.quantity - lines.get(ln.order_item_summary_id, 0)
            for ln in fo.lines
            if ln.type is ItemType.PRODUCT
        )
        if products_left and any(
            ln.type is ItemType.DELIVERY_CHARGE and ln.order_item_summary_id in lines
            for ln in fo.lines
        ):
            valid = False  # the charge leaves only with the last product units
        quantities = {ln.order_item_summary_id: ln.quantity for ln in fo.lines}
        buckets = {i.id: (i.quantity_allocated, i.quantity_reshipped) for i in s.items}
        old_status = fo.status
        if reject:
            result = self.act(reject_fulfillment_order_lines, s, fo.id, lines, reason, expect=valid)
        else:
            result = self.act(cancel_fulfillment_order_lines, s, fo.id, lines, expect=valid)
        if result is REJECTED:
            return
        released = {
            ln.order_item_summary_id: quantities[ln.order_item_summary_id] - ln.quantity
            for ln in fo.lines
        }
        if all(ln.quantity == 0 for ln in fo.lines if ln.type is ItemType.PRODUCT):
            assert all(ln.quantity == 0 for ln in fo.lines), "charge left on a closed FO"
            rejected = any(ln.rejected_quantity > 0 for ln in fo.lines)
            assert fo.status == ("Rejected" if rejected else "Cancelled")
        else:
            assert released == {k: lines.get(k, 0) for k in released}
            assert fo.status == old_status
        for item_id, units in released.items():
            allocated, reshipped = buckets[item_id]
            item = s.item(item_id)
            if fo.is_reship:
                assert (item.quantity_allocated, item.quantity_reshipped) == (
                    allocated,
                    reshipped - units,
                )
            else:
                assert (item.quantity_allocated, item.quantity_reshipped) == (
                    allocated - units,
                    reshipped,
                )
        if reject:
            for item_id in lines:
                line = fo.line_for(item_id)
                assert line is not None and line.reject_reason == reason

    @rule(s=summaries, data=st.data())
    def fulfil(self, s: OrderSummary, data: st.DataObject) -> None:
        s = self.focus(s, data, has_open_fo)
        fo = self.pick(
            data,
            s.fulfillment_orders,
            open_fo,
            "FO",
        )
        if fo is None:
            self.act(fulfil_fulfillment_order, s, UNKNOWN["fo"], expect=False)
            return
        self.fulfil_one(s, fo, fo.status_category in OPEN_CATEGORIES and fo.item_count > 0)

    def fulfil_one(self, s: OrderSummary, fo: FulfillmentOrder, ok: bool) -> None:
        fulfilled = {i.id: i.quantity_fulfilled for i in s.items}
        if self.act(fulfil_fulfillment_order, s, fo.id, expect=ok) is REJECTED:
            return
        assert fo.status == "Fulfilled" and fo.fulfilled_at == self.now
        moved = Counter({ln.order_item_summary_id: ln.quantity for ln in fo.lines})
        for i in s.items:
            expected = fulfilled[i.id] + (0 if fo.is_reship else moved[i.id])
            assert i.quantity_fulfilled == expected

    @rule(s=summaries, data=st.data())
    def invoice(self, s: OrderSummary, data: st.DataObject) -> None:
        s = self.focus(s, data, has_invoiceable)
        fo = self.pick(
            data,
            s.fulfillment_orders,
            invoiceable,
            "FO",
        )
        if fo is None:
            self.act(create_invoice, s, UNKNOWN["fo"], expect=False)
            return
        self.invoice_one(s, fo)

    def invoice_one(self, s: OrderSummary, fo: FulfillmentOrder) -> None:
        ok = fo.status_category == "CLOSED" and fo.invoice_id is None and not fo.is_reship
        result = self.act(create_invoice, s, fo.id, expect=ok)
        if result is REJECTED:
            return
        invoice, _ = result
        assert fo.invoice_id == invoice.id and invoice in s.invoices
        assert invoice.reference_entity_id == fo.id
        assert invoice.balance_cents == invoice.total_amount_with_tax_cents >= 0
        assert {ln.order_item_summary_id: ln.quantity for ln in invoice.lines} == {
            ln.order_item_summary_id: ln.quantity for ln in fo.lines if ln.quantity > 0
        }

    @rule(s=summaries, data=st.data())
    def reship(self, s: OrderSummary, data: st.DataObject) -> None:
        s = self.focus(s, data, has_reshippable)
        group = self.pick(
            data,
            s.delivery_groups,
            lambda g: any(
                i.quantity_available_to_reship for i in s.items_in_group(g.id) if is_product(i)
            ),
            "group",
        )
        candidates = [
            i
            for i in s.items_in_group(group.id)
            if is_product(i) and i.quantity_available_to_reship > 0
        ]
        lines = {
            i.id: data.draw(st.integers(1, i.quantity_available_to_reship), label="units")
            for i in self.some(data, candidates, "reship lines")
        }
        reason = data.draw(st.sampled_from(RESHIP_REASONS), label="reason")
        fo_type = "Warehouse"
        valid = bool(lines)
        flaw = self.flaw(data, "bad reason", "over", "charge", "empty", "bad type")
        if flaw == "bad reason":
            reason, valid = BOGUS, False
        elif flaw == "over":
            item = data.draw(st.sampled_from(s.items_in_group(group.id)), label="over item")
            lines[item.id] = max(1, item.quantity_available_to_reship + 1)
            valid = False
        elif flaw == "charge":
            lines = {i.id: 1 for i in s.items if i.type is not ItemType.PRODUCT} or {
                UNKNOWN["ois"]: 1
            }
            valid = False
        elif flaw == "empty":
            lines, valid = {}, False
        elif flaw == "bad type":
            fo_type, valid = "Teleport", False
        location = data.draw(st.sampled_from(LOCATIONS), label="location")
        reshipped = {i.id: i.quantity_reshipped for i in s.items}
        allocated = {i.id: i.quantity_allocated for i in s.items}
        result = self.act(
            create_reshipment,
            s,
            group.id,
            location,
            lines,
            reason,
            fulfillment_type=fo_type,
            expect=valid,
        )
        if result is REJECTED:
            return
        fo, _ = result
        assert fo.is_reship and fo.status == "Allocated" and fo in s.fulfillment_orders
        assert all(ln.is_reship and ln.reship_reason == reason for ln in fo.lines)
        for i in s.items:
            assert i.quantity_reshipped == reshipped[i.id] + lines.get(i.id, 0)
            assert i.quantity_allocated == allocated[i.id]

    @rule(s=summaries, data=st.data())
    def push_lifecycle(self, s: OrderSummary, data: st.DataObject) -> None:
        self.push(s, data, data.draw(st.integers(1, 4), label="stages"))

    def push(self, s: OrderSummary, data: st.DataObject, stages: int) -> None:
        """Allocate what is left (or part of it), fulfil, invoice, ensure funds.

        Gets orders deep quickly; allocating only part leaves units to cancel after billing.
        """
        partial = data.draw(st.booleans(), label="allocate only part")
        for group in s.delivery_groups:
            lines = {
                i.id: data.draw(st.integers(1, i.quantity_available_to_fulfill), label="units")
                if partial
                else i.quantity_available_to_fulfill
                for i in s.items_in_group(group.id)
                if is_product(i) and i.quantity_available_to_fulfill > 0
            }
            if lines:
                loc = data.draw(st.sampled_from(LOCATIONS), label="location")
                self.act(create_fulfillment_orders, s, group.id, {loc: lines}, expect=True)
        if stages >= 2:
            for fo in list(s.fulfillment_orders):
                ship = data.draw(st.integers(0, 3), label=f"ship {fo.id}") > 0
                if fo.status_category in OPEN_CATEGORIES and fo.item_count > 0 and ship:
                    self.fulfil_one(s, fo, ok=True)
        if stages >= 3:
            for fo in list(s.fulfillment_orders):
                if fo.status_category == "CLOSED" and fo.invoice_id is None and not fo.is_reship:
                    self.invoice_one(s, fo)
        if stages >= 4:
            self.let_time_pass(data)
            for invoice in list(s.invoices):
                if invoice.balance_cents > 0:
                    self.ensure(s, invoice, data, retry=True)

    # ---- service: cancel, return, adjust, exchange -------------------------------------------

    @rule(s=summaries, data=st.data())
    def cancel(self, s: OrderSummary, data: st.DataObject) -> None:
        s = self.focus(
            s, data, lambda x: any(i.quantity_available_to_cancel for i in x.product_items)
        )
        cancellable = [i for i in s.product_items if i.quantity_available_to_cancel > 0]
        lines = {
            i.id: data.draw(st.integers(1, i.quantity_available_to_cancel), label="units")
            for i in self.some(data, cancellable, "cancel lines")
        }
        valid = bool(lines)
        flaw = self.flaw(data, "more than available", "charge", "zero", "unknown", "empty")
        if flaw == "more than available":
            item = data.draw(st.sampled_from(s.product_items), label="item")
            lines[item.id] = item.quantity_available_to_cancel + data.draw(st.integers(1, 3))
            valid = False
        elif flaw == "charge":
            charges = [i for i in s.items if not is_product(i)]
            lines[charges[0].id if charges else UNKNOWN["ois"]] = 1
            valid = False
        elif flaw == "zero":
            lines[s.product_items[0].id] = 0
            valid = False
        elif flaw == "unknown":
            lines[UNKNOWN["ois"]] = 1
            valid = False
        elif flaw == "empty":
            lines, valid = {}, False
        flag = data.draw(st.booleans(), label="shipping reduction")
        self.submit_cancel_and_check(s, data, lines, flag, valid)

    @rule(s=summaries, data=st.data())
    def cancel_everything_left(self, s: OrderSummary, data: st.DataObject) -> None:
        """Cancel every unit still to fulfil in one delivery group, often without shipping
        reduction: an unshipped delivery charge must go with them (never stranded)."""
        s = self.focus(
            s, data, lambda x: any(i.quantity_available_to_cancel for i in x.product_items)
        )
        group = data.draw(st.sampled_from(s.delivery_groups), label="group")
        lines = {
            i.id: i.quantity_available_to_cancel
            for i in s.items_in_group(group.id)
            if is_product(i) and i.quantity_available_to_cancel > 0
        }
        flag = data.draw(st.sampled_from((False, False, True)), label="shipping reduction")
        self.submit_cancel_and_check(s, data, lines, flag, bool(lines))
        for i in s.items_in_group(group.id):
            if lines and i.type is ItemType.DELIVERY_CHARGE and i.quantity_allocated == 0:
                assert i.quantity == 0 and i.total_price_cents == 0, f"{i.id} stranded"

    def submit_cancel_and_check(
        self, s: OrderSummary, data: st.DataObject, lines: dict[str, int], flag: bool, valid: bool
    ) -> None:
        buckets = {i.id: (i.quantity_canceled, i.quantity_allocated) for i in s.items}
        charge_totals = {i.id: i.total_price_cents for i in s.items if not is_product(i)}
        left = Counter[str]()
        for i in s.product_items:
            left[i.order_delivery_group_summary_id] += i.quantity_available_to_fulfill - lines.get(
                i.id, 0
            )
        touched = {p.order_delivery_group_summary_id for p in s.product_items if p.id in lines}
        stranded = {
            i.id
            for i in s.items
            if i.type is ItemType.DELIVERY_CHARGE
            and i.order_delivery_group_summary_id in touched
            and left[i.order_delivery_group_summary_id] <= 0
            and i.quantity > 0
            and i.quantity_available_to_cancel == i.quantity
        }
        grand = s.grand_total_amount_cents
        reason = data.draw(st.sampled_from(("Customer Request", "Fraud")), label="reason")
        refund = self.gateway_answers(data)
        card_refunds = self.card_refunds(s)
        balances = self.preview(preview_cancel, s, lines, shipping_reduction_flag=flag)
        reversed_before = {
            a.id: a.total_auth_reversal_amount_cents
            for ops in s.payment_summaries
            for a in ops.authorizations
        }
        capacity = sum(capturable_cents(s, self.now).values())
        result = self.act(
            submit_cancel,
            s,
            lines,
            reason=reason,
            shipping_reduction_flag=flag,
            refund=refund,
            expect=valid,
        )
        self.check_preview("submit_cancel", balances, result, s, grand)
        if result is REJECTED:
            return
        self.check_reversals(s)
        reversed_after = {
            a.id: a.total_auth_reversal_amount_cents
            for ops in s.payment_summaries
            for a in ops.authorizations
        }
        if not refund:
            assert reversed_after == reversed_before, "reversed with the gateway down"
            assert total_excess_funds_cents(s) == balances.total_excess_funds_amount_cents
        else:
            # What can never be captured is reversed, and nothing the order still owes.
            assert reversible_cents(s, at=self.now) == {}, "spare authorization left"
            capturable = sum(capturable_cents(s, self.now).values())
            owed = still_to_capture_cents(s)
            assert capturable >= min(owed, capacity), (
                f"cancel left {capturable} capturable of {capacity}, {owed} still to capture"
            )
        for i in s.product_items:
            canceled, allocated = buckets[i.id]
            assert i.quantity_canceled == canceled + lines.get(i.id, 0)
            assert i.quantity_allocated == allocated
        for charge_id in stranded:
            charge = s.item(charge_id)
            assert (charge.status, charge.total_price_cents) == ("CANCELED", 0), charge_id
        if not flag:
            kept = {k: v for k, v in charge_totals.items() if k not in stranded}
            assert {k: s.item(k).total_price_cents for k in kept} == kept
        assert s.grand_total_amount_cents <= grand
        if not refund:
            assert self.card_refunds(s) == card_refunds, "refunded with the gateway down"
        elif not self.new_pes:
            assert total_excess_funds_cents(s) == 0, "excess funds left after a cancel"

    @rule(s=summaries, data=st.data())
    def create_return(self, s: OrderSummary, data: st.DataObject) -> None:
        s = self.focus(s, data, has_returnable)
        if not has_returnable(s) and data.draw(st.booleans(), label="fulfil first"):
            self.push(s, data, 2)
        self.new_return_order(s, data)

    def new_return_order(self, s: OrderSummary, data: st.DataObject) -> None:
        returnable = [i for i in s.product_items if i.quantity_available_to_return > 0]
        lines: list[ReturnLineInput] = []
        for i in self.some(data, returnable, "return lines"):
            total = data.draw(st.integers(1, i.quantity_available_to_return), label="units")
            first = total // 2 if total >= 2 and data.draw(st.booleans(), label="split") else 0
            for units in (first, total - first):
                if units:
                    reason = data.draw(st.sampled_from(REASONS_FOR_RETURN), label="reason")
                    lines.append(ReturnLineInput(i.id, units, reason))
        valid = bool(lines)
        status = data.draw(st.sampled_from(("Submitted", "Approved")), label="status")
        flaw = self.flaw(data, "more than available", "bad reason", "charge", "zero", "bad status")
        if flaw == "more than available":
            item = data.draw(st.sampled_from(s.product_items), label="item")
            asked = sum(ln.quantity for ln in lines if ln.order_item_summary_id == item.id)
            lines.append(ReturnLineInput(item.id, item.quantity_available_to_return - asked + 1))
            valid = False
        elif flaw == "bad reason" and lines:
            lines[0] = ReturnLineInput(lines[0].order_item_summary_id, lines[0].quantity, BOGUS)
            valid = False
        elif flaw == "charge":
            charges = [i for i in s.items if not is_product(i)]
            lines.append(ReturnLineInput(charges[0].id if charges else UNKNOWN["ois"], 1))
            valid = False
        elif flaw == "zero":
            lines.append(ReturnLineInput(s.product_items[0].id, 0))
            valid = False
        elif flaw == "bad status":
            status = data.draw(st.sampled_from(("Draft", "Closed", BOGUS)), label="bad status")
            valid = False
        initiated = {i.id: i.quantity_return_initiated for i in s.items}
        result = self.act(
            create_return_order,
            s,
            lines,
            status=status,
            destination_location_id=data.draw(st.sampled_from(LOCATIONS)),
            expect=valid,
        )
        if result is REJECTED:
            return
        ro, _ = result
        assert (
            ro in s.return_orders and ro.status == status and ro.exchange_order_summary_id is None
        )
        wanted: Counter[str] = Counter()
        for ln in lines:
            wanted[ln.order_item_summary_id] += ln.quantity
        for i in s.items:
            assert i.quantity_return_initiated == initiated[i.id] + wanted[i.id]
        assert [(ln.order_item_summary_id, ln.quantity_expected) for ln in ro.lines] == [
            (ln.order_item_summary_id, ln.quantity) for ln in lines
        ]

    @rule(s=summaries, data=st.data())
    def receive_return(self, s: OrderSummary, data: st.DataObject) -> None:
        s = self.focus(s, data, has_open_return)
        if not has_open_return(s):
            s = self.focus(s, data, has_returnable)
            if has_returnable(s) and data.draw(st.booleans(), label="open a return first"):
                self.new_return_order(s, data)
        ro = self.pick(data, s.return_orders, lambda r: bool(r.open_lines), "return order")
        if ro is None:
            self.act(
                return_items,
                s,
                UNKNOWN["ro"],
                [ReturnItemInput("ROLI-999999", 1)],
                shipping_reduction_flag=False,
                expect=False,
            )
            return
        items: list[ReturnItemInput] = []
        for ln in self.some(data, ro.open_lines, "returned lines"):
            returned = data.draw(st.integers(0, ln.quantity_expected), label="returned")
            to_cancel = data.draw(st.integers(0, ln.quantity_expected - returned), label="cancel")
            if returned + to_cancel == 0:
                returned = 1
            rejected = data.draw(st.integers(0, 2), label="rejected (informational)")
            why = (
                data.draw(st.sampled_from((None, *REASONS_FOR_REJECTION)), label="why rejected")
                if rejected
                else None
            )
            items.append(
                ReturnItemInput(
                    ln.id,
                    returned,
                    to_cancel,
                    quantity_rejected=rejected,
                    reason_for_rejection=why,
                )
            )
        valid = bool(items) and ro.status_category == "Activated"
        flaw = self.flaw(
            data,
            "over",
            "nothing",
            "twice",
            "processed line",
            "negative",
            "bad fee tax",
            "bogus rejection reason",
            "rejection reason, nothing rejected",
        )
        if flaw == "bogus rejection reason" and items:
            items[0] = replace(items[0], quantity_rejected=1, reason_for_rejection=BOGUS)
            valid = False
        elif flaw == "rejection reason, nothing rejected" and items:
            why = data.draw(st.sampled_from(REASONS_FOR_REJECTION), label="why rejected")
            items[0] = replace(items[0], quantity_rejected=0, reason_for_rejection=why)
            valid = False
        if flaw == "over" and ro.open_lines:
            ln = ro.open_lines[0]
            items = [ReturnItemInput(ln.id, ln.quantity_expected, 1)]
            valid = False
        elif flaw == "nothing" and ro.open_lines:
            items = [ReturnItemInput(ro.open_lines[0].id, 0, 0)]
            valid = False
        elif flaw == "twice" and items:
            items.append(items[0])
            valid = False
        elif flaw == "processed line":
            done = [ln for ln in ro.lines if ln.is_processed]
            items.append(ReturnItemInput(done[0].id if done else "ROLI-999999", 1))
            valid = False
        elif flaw == "negative" and ro.open_lines:
            items = [ReturnItemInput(ro.open_lines[0].id, 1, -1)]
            valid = False
        partner = self.exchange_of(ro)
        forget = partner is not None and flaw is None
        if forget and data.draw(st.integers(0, 9), label="forget the exchange summary") == 0:
            partner, valid = None, False
        flag = data.draw(st.booleans(), label="shipping reduction")
        lines = {ln.id: ln for ln in ro.lines}
        returned_units: Counter[str] = Counter()
        canceled_units: Counter[str] = Counter()
        if valid:
            for it in items:
                item_id = lines[it.return_order_line_item_id].order_item_summary_id
                if it.quantity_returned:
                    returned_units[item_id] += it.quantity_returned
                canceled_units[item_id] += it.quantity_to_cancel
        credit = (
            preview_return(s, dict(returned_units), shipping_reduction_flag=flag)
            if returned_units
            else 0
        )
        rate = data.draw(st.sampled_from(RATES), label="fee tax")
        if flaw == "bad fee tax":
            rate, valid = data.draw(st.sampled_from(("1.5", "-0.1", "abc")), label="bad tax"), False
        fee_mode = data.draw(st.sampled_from(("none", "none", "within", "over")), label="fee")
        fee = 0
        if fee_mode == "within" and valid and max_fee_within(credit, rate) >= 1:
            fee = data.draw(st.integers(1, max_fee_within(credit, rate)), label="fee cents")
        elif fee_mode == "over" or flaw == "bad fee tax":
            fee = credit + data.draw(st.integers(1, 500), label="fee cents")
            valid = False
        fee_total = fee + tax_cents(fee, Decimal(rate)) if valid else 0
        buckets = {i.id: (i.quantity_returned, i.quantity_return_initiated) for i in s.items}
        n_memos, n_invoices, n_items = len(s.credit_memos), len(s.invoices), len(s.items)
        refund = self.gateway_answers(data)
        card_refunds = self.card_refunds(s)
        result = self.act(
            return_items,
            s,
            ro.id,
            items,
            shipping_reduction_flag=flag,
            return_fee_cents=fee,
            fee_tax_rate=rate,
            exchange_summary=partner,
            refund=refund,
            expect=valid,
        )
        if result is REJECTED:
            return
        if not refund:
            assert self.card_refunds(s) == card_refunds, "refunded with the gateway down"
        if ro.status == "Closed":
            assert ro.exchange_credit_cents == 0, "exchange credit held by a closed return order"
        for i in s.items[:n_items]:
            returned, initiated = buckets[i.id]
            assert i.quantity_returned == returned + returned_units[i.id]
            assert i.quantity_return_initiated == initiated - canceled_units[i.id]
        assert all(lines[it.return_order_line_item_id].is_processed for it in items)
        for it in items:
            line = lines[it.return_order_line_item_id]
            assert line.quantity_rejected == it.quantity_rejected
            expected_reason = (
                (it.reason_for_rejection or "Missing Item or Part")
                if it.quantity_rejected
                else None
            )
            assert line.reason_for_rejection == expected_reason, (
                f"ReturnOrderLineItem {line.id}: ReasonForRejection {line.reason_for_rejection!r}, "
                f"{it.quantity_rejected} rejected with {it.reason_for_rejection!r}"
            )
        assert (ro.status == "Closed") == (not ro.open_lines)
        new_memos = s.credit_memos[n_memos:]
        if returned_units and credit > 0:
            assert len(new_memos) == 1, f"{len(new_memos)} credit memos for one return"
            assert new_memos[0].total_amount_with_tax_cents == credit
        else:
            assert not new_memos
        new_invoices = s.invoices[n_invoices:]
        if fee:
            fee_line = s.items[n_items]
            assert fee_line.type is ItemType.FEE and fee_line.unit_price_cents == fee
            assert [inv.total_amount_with_tax_cents for inv in new_invoices] == [fee_total]
        else:
            assert not new_invoices and len(s.items) == n_items
        if not self.new_pes:
            if refund:
                assert all(m.balance_cents == 0 for m in new_memos), "credit memo not refunded"
            assert all(inv.balance_cents == 0 for inv in new_invoices), "return fee not netted"

    @rule(s=summaries, data=st.data())
    def simple_return(self, s: OrderSummary, data: st.DataObject) -> None:
        """``submitReturn``: fulfilled units back without a return order, sometimes with a fee."""
        s = self.focus(s, data, has_returnable)
        if not has_returnable(s) and data.draw(st.integers(0, 3), label="fulfil first"):
            self.push(s, data, data.draw(st.integers(2, 4), label="stages"))
        returnable = [i for i in s.product_items if i.quantity_available_to_return > 0]
        lines = {
            i.id: data.draw(st.integers(1, i.quantity_available_to_return), label="units")
            for i in self.some(data, returnable, "returned lines")
        }
        lines_ok = bool(lines)
        reason = data.draw(st.sampled_from(REASONS_FOR_RETURN), label="reason")
        rate = data.draw(st.sampled_from(RATES), label="fee tax")
        flaw = self.flaw(
            data,
            "more than available",
            "charge",
            "zero",
            "unknown",
            "empty",
            "bad reason",
            "bad fee tax",
            "fee over credit",
            "negative fee",
        )
        if flaw == "more than available":
            item = data.draw(st.sampled_from(s.product_items), label="item")
            lines[item.id] = item.quantity_available_to_return + data.draw(st.integers(1, 3))
            lines_ok = False
        elif flaw == "charge":
            charges = sorted(
                (i for i in s.items if not is_product(i)),
                key=lambda i: i.quantity_available_to_return == 0,
            )
            lines[charges[0].id if charges else UNKNOWN["ois"]] = 1
            lines_ok = False
        elif flaw == "zero":
            lines[s.product_items[0].id] = 0
            lines_ok = False
        elif flaw == "unknown":
            lines[UNKNOWN["ois"]] = 1
            lines_ok = False
        elif flaw == "empty":
            lines, lines_ok = {}, False
        elif flaw == "bad reason":
            reason = BOGUS
        elif flaw == "bad fee tax":
            rate = data.draw(st.sampled_from(("1.5", "-0.1", "abc")), label="bad tax")
        flag = data.draw(st.booleans(), label="shipping reduction")
        credit = preview_return(s, lines, shipping_reduction_flag=flag) if lines_ok else 0
        fee = 0
        if flaw == "fee over credit":
            fee = credit + data.draw(st.integers(1, 500), label="fee cents")
        elif flaw == "negative fee":
            fee = -data.draw(st.integers(1, 100), label="fee cents")
        elif flaw != "bad fee tax" and data.draw(st.booleans(), label="return fee"):
            most = max_fee_within(credit, rate)
            fee = data.draw(st.integers(1, most), label="fee cents") if most >= 1 else 0
        valid = lines_ok and flaw not in (
            "bad reason",
            "bad fee tax",
            "fee over credit",
            "negative fee",
        )
        fee_total = fee + tax_cents(fee, Decimal(rate)) if valid else 0
        balances = self.preview(preview_submit_return, s, lines, shipping_reduction_flag=flag)
        # The preview refuses exactly the requests whose lines are wrong (it has no reason and
        # no fee), and credits what preview_return said.
        assert (balances is REJECTED) == (not lines_ok), (
            f"preview_submit_return({lines}): {balances}"
        )
        if balances is not REJECTED:
            assert balances.grand_total_amount_cents == credit, (
                f"preview_submit_return credits {balances.grand_total_amount_cents}, "
                f"preview_return {credit}"
            )
        buckets = {i.id: (i.quantity_return_initiated, i.quantity_returned) for i in s.items}
        n_memos, n_invoices, n_items = len(s.credit_memos), len(s.invoices), len(s.items)
        grand = s.grand_total_amount_cents
        refund = self.gateway_answers(data)
        card_refunds = self.card_refunds(s)
        result = self.act(
            submit_return,
            s,
            lines,
            shipping_reduction_flag=flag,
            reason=reason,
            return_fee_cents=fee,
            fee_tax_rate=rate,
            refund=refund,
            expect=valid,
        )
        self.check_preview(
            "submit_return", balances, result, s, grand, same_answer=False, fee_total=fee_total
        )
        if result is REJECTED:
            return
        for i in s.items[:n_items]:
            initiated, returned = buckets[i.id]
            units = lines.get(i.id, 0)
            assert (i.quantity_return_initiated, i.quantity_returned) == (
                initiated + units,
                returned + units,
            ), f"{i.id}: {units} returned"
        assert grand - s.grand_total_amount_cents == credit - fee_total, (
            f"GrandTotalAmount dropped {grand - s.grand_total_amount_cents}, credit {credit}, "
            f"fee {fee_total}"
        )
        (returned_event,) = [e for e in result if e.activity == "Order Items Returned"]
        assert returned_event.attributes["amount_cents"] == credit, returned_event
        new_memos = s.credit_memos[n_memos:]
        if credit > 0:
            assert [m.total_amount_with_tax_cents for m in new_memos] == [credit]
        else:
            assert not new_memos
        new_invoices = s.invoices[n_invoices:]
        if fee:
            fee_line = s.items[n_items]
            assert fee_line.type is ItemType.FEE and fee_line.unit_price_cents == fee
            assert [inv.total_amount_with_tax_cents for inv in new_invoices] == [fee_total]
        else:
            assert not new_invoices and len(s.items) == n_items
        if not refund:
            assert self.card_refunds(s) == card_refunds, "refunded with the gateway down"
            if not fee:
                assert total_excess_funds_cents(s) == balances.total_excess_funds_amount_cents
                assert (
                    total_excess_funds_cents(s) + sum(m.balance_cents for m in new_memos)
                    == balances.total_refundable_amount_cents
                )
        if not self.new_pes:
            if refund:
                assert all(m.balance_cents == 0 for m in new_memos), "credit memo not refunded"
            assert all(inv.balance_cents == 0 for inv in new_invoices), "return fee not netted"

    @staticmethod
    def gateway_answers(data: st.DataObject) -> bool:
        """Whether refunds may reach the card now (False: a gateway outage, one time in six)."""
        return data.draw(st.integers(0, 5), label="gateway answers") > 0

    @staticmethod
    def card_refunds(s: OrderSummary) -> int:
        return sum(
            r.amount_cents
            for ops in s.payment_summaries
            for r in ops.refunds
            if r.type == "Referenced"
        )

    def exchange_of(self, ro: ReturnOrder) -> OrderSummary | None:
        """The exchange Order Summary a return order pays for, if any."""
        if ro.exchange_order_summary_id is None:
            return None
        return next(x for x in self.managed if x.id == ro.exchange_order_summary_id)

    @rule(s=summaries, data=st.data())
    def exchange_items_kept(self, s: OrderSummary, data: st.DataObject) -> None:
        """The customer keeps the items an exchange was to return, before or after the
        replacement shipped: the credit they held is released and withdrawn, and the customer
        pays for the replacement like any order."""

        def open_exchange(x: OrderSummary) -> bool:
            return any(r.exchange_order_summary_id and r.open_lines for r in x.return_orders)

        s = self.focus(s, data, open_exchange)
        ro = self.pick(
            data,
            s.return_orders,
            lambda r: bool(r.exchange_order_summary_id and r.open_lines),
            "exchange return order",
        )
        if ro is None or not (ro.exchange_order_summary_id and ro.open_lines):
            return
        partner = self.exchange_of(ro)
        assert partner is not None
        if data.draw(st.booleans(), label="replacement ships first"):
            self.push(partner, data, 4)
        held = ro.exchange_credit_cents
        committed, _ = exchange_credit_cents(partner)
        open_before = sum(inv.balance_cents for inv in partner.invoices)
        items = [ReturnItemInput(ln.id, 0, ln.quantity_expected) for ln in ro.open_lines]
        self.act(
            return_items,
            s,
            ro.id,
            items,
            shipping_reduction_flag=False,
            exchange_summary=partner,
            expect=True,
        )
        assert ro.status == "Closed" and ro.exchange_credit_cents == 0
        after, _ = exchange_credit_cents(partner)
        assert after == committed - held
        reopened = sum(inv.balance_cents for inv in partner.invoices) - open_before
        assert 0 <= reopened <= held

    @rule(s=summaries, data=st.data())
    def adjust_prices(self, s: OrderSummary, data: st.DataObject) -> None:
        s = self.focus(s, data, lambda x: x.grand_total_amount_cents > 0)
        mode = data.draw(st.sampled_from(ADJUST_MODES), label="allocatedItemsChangeOrderType")
        phases = data.draw(
            st.one_of(
                st.just(tuple(FulfillmentPhase)),
                st.lists(st.sampled_from(list(FulfillmentPhase)), min_size=1, unique=True).map(
                    tuple
                ),
            ),
            label="phases",
        )
        candidates = [i for i in s.items if i.type is not ItemType.FEE]
        discounts: dict[str, int] = {}
        units_of: dict[str, int] = {}
        valid = True
        priced = [i for i in candidates if i.total_price_cents > 0]
        if priced and data.draw(st.integers(0, 4), label="prefer priced lines"):
            candidates = priced
        for i in self.some(data, candidates, "adjusted lines", most=2):
            units = adjustable_units(i, mode, phases)
            cap = adjust_cap(s, i, mode, phases) if units else 0
            if cap >= 1:
                full = data.draw(st.integers(0, 4), label="100 % off") == 0
                per_unit = cap if full else data.draw(st.integers(1, cap), label="cents off")
                units_of[i.id] = units or 0
            else:
                per_unit = data.draw(st.integers(1, 500), label="cents off per unit")
                valid = False
            discounts[i.id] = per_unit
        valid = valid and bool(discounts)
        flaw = self.flaw(data, "too much", "zero", "fee", "unknown", "bad mode")
        if flaw == "too much" and discounts:
            item_id = next(iter(discounts))
            if item_id in units_of:
                cap = adjust_cap(s, s.item(item_id), mode, phases)
                discounts[item_id] = cap + 1
                valid = False
        elif flaw == "zero" and candidates:
            discounts[candidates[0].id] = 0
            valid = False
        elif flaw == "fee":
            fees = [i.id for i in s.items if i.type is ItemType.FEE]
            if fees:
                discounts[fees[0]] = 1
                valid = False
        elif flaw == "unknown":
            discounts[UNKNOWN["ois"]] = 1
            valid = False
        elif flaw == "bad mode":
            mode, valid = BOGUS, False
        adjustments = {i.id: i.total_adjustment_amount_cents for i in s.items}
        n_memos = len(s.credit_memos)
        reason = data.draw(st.sampled_from(("Discount", "Appeasement")), label="reason")
        refund = self.gateway_answers(data)
        card_refunds = self.card_refunds(s)
        grand = s.grand_total_amount_cents
        balances = self.preview(
            preview_adjust,
            s,
            discounts,
            allocated_items_change_order_type=mode,
            phases=phases,
        )
        result = self.act(
            adjust,
            s,
            discounts,
            reason=reason,
            allocated_items_change_order_type=mode,
            phases=phases,
            refund=refund,
            expect=valid,
        )
        self.check_preview("adjust", balances, result, s, grand)
        if result is REJECTED:
            return
        if not refund:
            assert total_excess_funds_cents(s) == balances.total_excess_funds_amount_cents
            assert (
                total_excess_funds_cents(s) + sum(m.balance_cents for m in s.credit_memos[n_memos:])
                == balances.total_refundable_amount_cents
            )
        for item_id, per_unit in discounts.items():
            moved = adjustments[item_id] - s.item(item_id).total_adjustment_amount_cents
            assert moved == per_unit * units_of[item_id], (
                f"{item_id}: discounted {moved}, expected {per_unit} x {units_of[item_id]}"
            )
        if not refund:
            assert self.card_refunds(s) == card_refunds, "refunded with the gateway down"
        elif not self.new_pes:
            assert all(m.balance_cents == 0 for m in s.credit_memos[n_memos:])
            assert total_excess_funds_cents(s) == 0, "excess funds left after an adjustment"

    @precondition(lambda self: len(self.managed) < MAX_SUMMARIES)
    @rule(target=summaries, s=summaries, data=st.data())
    def exchange_items(self, s: OrderSummary, data: st.DataObject) -> Any:
        s = self.focus(s, data, lambda x: has_returnable(x) and exchange_room(x) > 0)
        if not has_returnable(s) and data.draw(st.booleans(), label="fulfil first"):
            self.push(s, data, 4)
        returnable = [i for i in s.product_items if i.quantity_available_to_return > 0]
        units = {
            i.id: data.draw(st.integers(1, i.quantity_available_to_return), label="units")
            for i in self.some(data, returnable, "exchanged lines", most=2)
        }
        return_lines = [
            ReturnLineInput(k, u, data.draw(st.sampled_from(REASONS_FOR_RETURN), label="reason"))
            for k, u in units.items()
        ]
        credit = preview_return(s, units, shipping_reduction_flag=False) if units else 0
        kind = data.draw(st.sampled_from(("even", "cheaper", "dearer")), label="exchange kind")
        if kind == "even" and credit >= 1:
            new_lines = [OrderLineInput("SKU-NEW", 1, credit, "0")]
        elif kind == "cheaper" and credit >= 2:
            price = data.draw(st.integers(1, credit - 1), label="new price")
            new_lines = [OrderLineInput("SKU-NEW", 1, price, "0")]
        else:
            price = credit + data.draw(st.integers(1, 3000), label="price difference")
            rate = data.draw(st.sampled_from(RATES), label="new tax")
            new_lines = [OrderLineInput("SKU-NEW", 1, price, rate)]
        group = None
        if data.draw(st.booleans(), label="express with a charge"):
            charge = data.draw(st.integers(1, 900), label="charge")
            group = DeliveryGroupInput("exchange", "Express", charge, "0.05", "94105")
        new_total = order_grand_total(
            new_lines, [group] if group else [DeliveryGroupInput("exchange")]
        )
        reserved = min(credit, new_total)
        additional = new_total - reserved
        valid = bool(units) and exchange_room(s) >= reserved
        flaw = self.flaw(
            data,
            "bad tax",
            "wrong authorization",
            "more than available",
            "no new lines",
            "bad reason",
            "charge",
        )
        if flaw == "wrong authorization":
            additional += data.draw(st.sampled_from((-1, 1, -100, 250, new_total)), label="off by")
            valid = valid and additional == new_total - reserved
        elif flaw == "more than available":
            item = data.draw(st.sampled_from(s.product_items), label="item")
            over = item.quantity_available_to_return - units.get(item.id, 0) + 1
            return_lines.append(ReturnLineInput(item.id, over))
            valid = False
        elif flaw == "no new lines":
            new_lines, valid = [], False
        elif flaw == "bad tax":
            bad = data.draw(st.sampled_from(("1.5", "-0.1", "abc")), label="bad tax")
            new_lines = [OrderLineInput("SKU-NEW", 1, 100, bad)]
            valid = False
        elif flaw == "bad reason" and return_lines:
            first = return_lines[0]
            return_lines[0] = ReturnLineInput(first.order_item_summary_id, first.quantity, BOGUS)
            valid = False
        elif flaw == "charge":
            fulfilled_charges = [
                i for i in s.items if not is_product(i) and i.quantity_available_to_return > 0
            ]
            if fulfilled_charges:
                return_lines.append(ReturnLineInput(fulfilled_charges[0].id, 1))
                valid = False
        reserved_before = sum(ops.reserved_balance_cents for ops in s.payment_summaries)
        initiated = {i.id: i.quantity_return_initiated for i in s.items}
        n_returns = len(s.return_orders)
        hours = data.draw(st.sampled_from((168.0, 2.0, None)), label="valid hours")
        result = self.act(
            exchange,
            s,
            return_lines,
            new_lines,
            delivery_group=group,
            additional_authorization_cents=additional,
            valid_hours=hours,
            expect=valid,
        )
        if result is REJECTED:
            return multiple()
        new, _ = result
        assert new.is_managed and new.source_process is SourceProcess.EXCHANGE
        assert new.source_order_summary_id == s.id
        assert new.grand_total_amount_cents == new_total
        auths = {
            ops.method: sum(a.amount_cents for a in ops.authorizations)
            for ops in new.payment_summaries
        }
        expected_auths = {"Exchange Credit": reserved, "Visa": additional}
        assert auths == {k: v for k, v in expected_auths.items() if v}
        reserved_after = sum(ops.reserved_balance_cents for ops in s.payment_summaries)
        assert reserved_after == reserved_before + reserved
        assert len(s.return_orders) == n_returns + 1
        ro = s.return_orders[-1]
        assert ro.exchange_order_summary_id == new.id
        assert ro.exchange_credit_cents == reserved
        for i in s.items:
            assert i.quantity_return_initiated == initiated[i.id] + units.get(i.id, 0)
        self.managed.append(new)
        return new

    # ---- process exceptions and status -------------------------------------------------------

    @rule(s=summaries, data=st.data())
    def exception_desk(self, s: OrderSummary, data: st.DataObject) -> None:
        """Raise a process exception, or triage, resolve or ignore one."""
        move = data.draw(st.sampled_from(("raise", *sorted(PE_MOVES))), label="move")
        if move == "raise":
            self.raise_exception(s, data)
        else:
            self.work_exception(self.focus(s, data, has_active_pe), data, move)

    def raise_exception(self, s: OrderSummary, data: st.DataObject) -> None:
        category = data.draw(st.sampled_from((*PROCESS_EXCEPTION_CATEGORIES, BOGUS)))
        severity = data.draw(st.sampled_from(("High", "Low", "Critical")), label="severity")
        attached = data.draw(
            st.sampled_from([s.id] + [r.id for r in (*s.fulfillment_orders, *s.invoices)]),
            label="attached to",
        )
        ok = category in PROCESS_EXCEPTION_CATEGORIES and severity in ("High", "Low")
        count = s.active_process_exception_count
        result = self.act(
            raise_process_exception,
            s,
            category=category,
            attached_to_id=attached,
            message="Raised by a test",
            severity=severity,
            expect=ok,
        )
        if result is not REJECTED:
            assert len(self.new_pes) == 1
            assert s.active_process_exception_count == count + 1
            pe = s.process_exception(self.new_pes[0])
            assert (pe.status, pe.category, pe.attached_to_id) == ("New", category, attached)

    def work_exception(self, s: OrderSummary, data: st.DataObject, move: str) -> None:
        fn, target, allowed_from = PE_MOVES[move]
        pe = self.pick(data, s.process_exceptions, lambda p: p.is_active, "process exception")
        if pe is None:
            self.act(fn, s, "PE-999999", expect=False)
            return
        result = self.act(fn, s, pe.id, expect=pe.status in allowed_from)
        if result is not REJECTED:
            self.pe_status[pe.id] = target
            assert pe.status == target
            if target not in ACTIVE_PE_STATUSES:
                assert pe.resolved_at == self.now

    @rule(
        s=summaries,
        status=st.sampled_from((*ORDER_SUMMARY_STATUSES, "Shipped", "")),
        routed=st.sampled_from((None, "Routed", "No Inventory")),
    )
    def flow_updates(self, s: OrderSummary, status: str, routed: str | None) -> None:
        """What a flow writes: a routing attempt, or the customer-defined Status."""
        if routed is not None:
            before = s.routing_attempts
            self.act(record_routing_attempt, s, outcome=routed, expect=True)
            assert s.routing_attempts == before + 1
            return
        ok = status in s.status_picklist
        if self.act(set_order_summary_status, s, status, expect=ok) is not REJECTED:
            assert s.status == status

    # ---- UNMANAGED summaries -----------------------------------------------------------------

    @rule(u=unmanaged, data=st.data())
    def managed_only_action_on_unmanaged(self, u: OrderSummary, data: st.DataObject) -> None:
        item = u.product_items[0]
        group = u.delivery_groups[0]
        attempts: dict[str, Callable[[], Any]] = {
            "authorize": lambda: self.act(authorize_payment, u, amount_cents=100, expect=False),
            "capture": lambda: self.act(capture_authorized_funds, u, amount_cents=1, expect=False),
            "allocate": lambda: self.act(
                create_fulfillment_orders, u, group.id, {"LOC-1": {item.id: 1}}, expect=False
            ),
            "cancel FO lines": lambda: self.act(
                cancel_fulfillment_order_lines, u, UNKNOWN["fo"], {item.id: 1}, expect=False
            ),
            "fulfil": lambda: self.act(fulfil_fulfillment_order, u, UNKNOWN["fo"], expect=False),
            "invoice": lambda: self.act(create_invoice, u, UNKNOWN["fo"], expect=False),
            "ensure funds": lambda: self.act(ensure_funds, u, UNKNOWN["inv"], expect=False),
            "ensure refunds": lambda: self.act(
                ensure_refunds, u, excess_funds_cents=1, expect=False
            ),
            "credit memo": lambda: self.act(create_credit_memo, u, ["ORD-999999"], expect=False),
            "cancel": lambda: self.act(
                submit_cancel, u, {item.id: 1}, shipping_reduction_flag=True, expect=False
            ),
            "return order": lambda: self.act(
                create_return_order, u, [ReturnLineInput(item.id, 1)], expect=False
            ),
            "return items": lambda: self.act(
                return_items,
                u,
                UNKNOWN["ro"],
                [ReturnItemInput("ROLI-1", 1)],
                shipping_reduction_flag=False,
                expect=False,
            ),
            "adjust": lambda: self.act(adjust, u, {item.id: 1}, expect=False),
            "submit return": lambda: self.act(
                submit_return,
                u,
                {item.id: 1},
                shipping_reduction_flag=False,
                reason=REASONS_FOR_RETURN[0],
                expect=False,
            ),
            "reverse authorization": lambda: self.act(
                reverse_authorization, u, UNKNOWN["auth"], amount_cents=1, expect=False
            ),
            "preview cancel": lambda: self.expect_refused_preview(
                preview_cancel, u, {item.id: 1}, shipping_reduction_flag=True
            ),
            "preview return": lambda: self.expect_refused_preview(
                preview_submit_return, u, {item.id: 1}, shipping_reduction_flag=False
            ),
            "preview adjust": lambda: self.expect_refused_preview(preview_adjust, u, {item.id: 1}),
            "reship": lambda: self.act(
                create_reshipment, u, group.id, "LOC-1", {item.id: 1}, "Lost", expect=False
            ),
            "exchange": lambda: self.act(
                exchange,
                u,
                [ReturnLineInput(item.id, 1)],
                [OrderLineInput("SKU-NEW", 1, 100)],
                expect=False,
            ),
        }
        name = data.draw(st.sampled_from(sorted(attempts)), label="managed-only action")
        attempts[name]()

    @rule(u=unmanaged, status=st.sampled_from(ORDER_SUMMARY_STATUSES))
    def status_on_unmanaged(self, u: OrderSummary, status: str) -> None:
        """A flow may still set the customer-defined Status of an UNMANAGED summary."""
        self.act(set_order_summary_status, u, status, expect=True)
        assert u.status == status

    # ---- after every step --------------------------------------------------------------------

    @invariant()
    def documented_invariants_hold(self) -> None:
        for s in self.world():
            check_invariants(s)

    @invariant()
    def exchange_pairs_hold(self) -> None:
        by_id = {s.id: s for s in self.managed}
        for s in self.managed:
            if s.source_process is SourceProcess.EXCHANGE:
                assert s.source_order_summary_id is not None
                check_exchange_invariants(by_id[s.source_order_summary_id], s)

    @invariant()
    def process_exceptions_match_the_model(self) -> None:
        seen = {pe.id: pe.status for s in self.world() for pe in s.process_exceptions}
        assert seen == self.pe_status
        active = sum(1 for status in self.pe_status.values() if status in ACTIVE_PE_STATUSES)
        assert sum(s.active_process_exception_count for s in self.world()) == active
        for s in self.world():
            assert all(pe.order_summary_id == s.id for pe in s.process_exceptions)

    @invariant()
    def money_cross_checks(self) -> None:
        by_id = {s.id: s for s in self.managed}
        exchange_credit: Counter[str] = Counter()
        for s in self.managed:
            if s.source_process is SourceProcess.EXCHANGE:
                assert s.source_order_summary_id in by_id
                exchange_credit[s.source_order_summary_id] += sum(
                    a.amount_cents
                    for ops in s.payment_summaries
                    if ops.method == "Exchange Credit"
                    for a in ops.authorizations
                )
        for s in self.managed:
            captured = sum(ops.captured_amount_cents for ops in s.payment_summaries)
            refunded = sum(ops.refunded_amount_cents for ops in s.payment_summaries)
            assert captured - refunded >= 0, f"{s.id}: refunded {refunded} > captured {captured}"
            carried = sum(
                r.amount_cents
                for ops in s.payment_summaries
                for r in ops.refunds
                if r.type == "Exchange Credit"
            )
            assert carried <= exchange_credit[s.id], (
                f"{s.id}: {carried} refunded as exchange credit, "
                f"{exchange_credit[s.id]} authorized on its exchanges"
            )
            for fo in s.fulfillment_orders:
                if fo.invoice_id is not None:
                    assert s.invoice(fo.invoice_id).reference_entity_id == fo.id
            fos = {fo.id for fo in s.fulfillment_orders}
            change_orders = {co.id for co in s.change_orders}
            for inv in s.invoices:
                assert inv.reference_entity_id in fos | change_orders
        for s in self.managed:
            self.check_billing(s)
            self.check_reversals(s)
        for u in self.unmanaged_list:
            assert not (u.payment_summaries or u.fulfillment_orders or u.return_orders)
            assert not (u.invoices or u.credit_memos or u.change_orders)
            assert snapshot(u.items) == self.unmanaged_snapshots[u.id]

    @staticmethod
    def check_billing(s: OrderSummary) -> None:
        """Per line: invoiced minus credited never exceeds the line's value (tax included),
        and equals it once every unit still bought is invoiced (the capture-on-invoice rule)."""
        for i in s.items:
            invoiced = [
                ln for inv in s.invoices for ln in inv.lines if ln.order_item_summary_id == i.id
            ]
            credited = [
                ln for m in s.credit_memos for ln in m.lines if ln.order_item_summary_id == i.id
            ]
            assert all(ln.amount_cents >= 0 and ln.tax_cents >= 0 for ln in invoiced + credited)
            billed = sum(ln.amount_cents + ln.tax_cents for ln in invoiced) - sum(
                ln.amount_cents + ln.tax_cents for ln in credited
            )
            value = i.total_amt_with_tax_cents
            assert billed <= value, (
                f"OrderItemSummary {i.id}: billed {billed} net of credits, worth {value}"
            )
            if sum(ln.quantity for ln in invoiced) == i.quantity_net_ordered:
                assert billed == value, (
                    f"OrderItemSummary {i.id}: every unit invoiced, billed {billed} net of "
                    f"credits, worth {value}"
                )


TestOrderLifecycle = OrderLifecycleMachine.TestCase
TestOrderLifecycle.settings = settings(
    max_examples=100,
    stateful_step_count=50,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
