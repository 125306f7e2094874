"""A refused action changes nothing and the sandbox stays usable; bad input is refused too.

Every refusal is a `StepResult` with ``ok`` False, the guardrail's (or the input check's) words
naming the field, and what is allowed instead: never a traceback. Before and after each refusal
every record of the trainer's orders (`omsim.sandbox.snapshot.take`) and the event log are
compared, then a valid action is run to show the sandbox still works.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import pytest

from omsim.domain.picklists import REASONS_FOR_RETURN, RESHIP_REASONS
from omsim.sandbox import MILESTONES, Sandbox, StepResult, snapshot

SKU = "SKU-0001"


@dataclass
class Org:
    """A tutorial sandbox with one order delivered and one waiting for routing."""

    sb: Sandbox
    done: str
    waiting: str


@pytest.fixture
def org() -> Org:
    sb = Sandbox("tutorial")
    done = sb.place_order([(SKU, 2), ("SKU-0003", 1)])
    sb.route(done)
    assert sb.advance_until(done, "parcel delivered").ok
    waiting = sb.place_order([("SKU-0002", 2)])
    assert waiting.ok
    return Org(sb, done.order_summary_id, waiting.order_summary_id)


def refused_unchanged(sb: Sandbox, action: Callable[[], StepResult]) -> StepResult:
    """Run ``action``; assert it was refused and that no record and no event changed."""
    before, events, clock = snapshot.take(sb._summaries()), len(sb.model.log), sb.now
    mine = list(sb.mine)
    result = action()
    assert isinstance(result, StepResult)
    assert not result.ok, f"not refused: {result.message}"
    assert result.message
    assert snapshot.take(sb._summaries()) == before
    assert len(sb.model.log) == events
    assert sb.now == clock and sb.mine == mine
    assert result.changes.empty and result.new_records.empty and result.activities == []
    assert "refused" in result._repr_html_() and "refused" in str(result)
    return result


def still_usable(org: Org) -> None:
    """A valid action right after a refusal works."""
    result = org.sb.route(org.waiting)
    assert result.ok, result.message
    assert result.related("FulfillmentOrder")


# guardrails ------------------------------------------------------------------------------------


def test_cancel_after_shipment_is_refused_and_says_return_instead(org: Org) -> None:
    r = refused_unchanged(org.sb, lambda: org.sb.cancel(org.done, {SKU: 1}))
    assert "QuantityAvailableToCancel" in r.message
    assert "return" in r.hint and org.sb.order(org.done).fulfillment_orders[0].id in r.hint
    still_usable(org)


def test_cancel_more_than_ordered_is_refused(org: Org) -> None:
    r = refused_unchanged(org.sb, lambda: org.sb.cancel(org.waiting, {"SKU-0002": 3}))
    assert "cannot cancel 3, QuantityAvailableToCancel is 2" in r.message
    assert r.hint == "SKU-0002: QuantityAvailableToCancel is 2"
    still_usable(org)


def test_return_before_delivery_is_refused(org: Org) -> None:
    r = refused_unchanged(org.sb, lambda: org.sb.return_items(org.waiting, {"SKU-0002": 1}))
    assert "QuantityAvailableToReturn" in r.message
    assert "QuantityAvailableToReturn 0" in r.hint
    still_usable(org)


def test_return_more_than_delivered_is_refused(org: Org) -> None:
    r = refused_unchanged(org.sb, lambda: org.sb.return_items(org.done, {SKU: 3}))
    assert "QuantityAvailableToReturn" in r.message
    assert f"{SKU}: QuantityAvailableToReturn 2" in r.hint
    assert org.sb.return_items(org.done, {SKU: 2}).ok


def test_reship_before_delivery_and_exchange_before_delivery_are_refused(org: Org) -> None:
    r = refused_unchanged(org.sb, lambda: org.sb.reship(org.waiting, {"SKU-0002": 1}))
    assert "QuantityAvailableToReship" in r.message
    refused_unchanged(org.sb, lambda: org.sb.exchange(org.waiting, "SKU-0002", 1))
    still_usable(org)


def test_route_twice_is_refused(org: Org) -> None:
    r = refused_unchanged(org.sb, lambda: org.sb.route(org.done))
    assert "QuantityAvailableToFulfill is 0" in r.message
    assert "FO-" in r.hint
    still_usable(org)


def test_cancel_fulfillment_order_after_it_shipped_is_refused(org: Org) -> None:
    fo = org.sb.order(org.done).fulfillment_orders[0].id
    refused_unchanged(org.sb, lambda: org.sb.cancel_fulfillment_order(fo))
    still_usable(org)


def test_resolve_and_receive_return_without_such_records_are_refused(org: Org) -> None:
    r = refused_unchanged(org.sb, lambda: org.sb.resolve("PE-000099"))
    assert "PE-000099" in r.message and "Active: none" in r.hint
    r = refused_unchanged(org.sb, lambda: org.sb.receive_return("RO-000099"))
    assert "RO-000099" in r.message and "Open return orders: none" in r.hint
    r = refused_unchanged(org.sb, lambda: org.sb.cancel_fulfillment_order("FO-000099"))
    assert "FO-000099" in r.message and "FO-000001" in r.hint
    still_usable(org)


def test_receive_more_than_expected_is_refused(org: Org) -> None:
    ro = org.sb.return_items(org.done, {SKU: 1}).related("ReturnOrder")[0]
    r = refused_unchanged(org.sb, lambda: org.sb.receive_return(ro, {SKU: 2}))
    assert "QuantityExpected" in r.message and "0 to 1" in r.message
    r = refused_unchanged(org.sb, lambda: org.sb.receive_return(ro, {"SKU-0003": 1}))
    assert "no open line" in r.message and SKU in r.hint
    assert org.sb.receive_return(ro, {SKU: 1}).ok
    refused_unchanged(org.sb, lambda: org.sb.receive_return(ro))  # nothing left to receive


def test_discount_beyond_the_value_is_refused(org: Org) -> None:
    r = refused_unchanged(org.sb, lambda: org.sb.discount(org.done, {SKU: 10**9}))
    assert "cannot discount" in r.message
    assert org.sb.discount(org.done, {SKU: 100}).ok


def test_advance_until_on_an_idle_order_is_refused(org: Org) -> None:
    r = refused_unchanged(org.sb, lambda: org.sb.advance_until(org.done, "parcel delivered"))
    assert "nothing is under way" in r.message
    r = refused_unchanged(org.sb, lambda: org.sb.advance_until(org.waiting, "parcel delivered"))
    assert "route it" in r.hint
    still_usable(org)


# bad input: a refusal naming the field and the allowed values -----------------------------------


def test_unknown_sku_is_refused_with_the_catalog(org: Org) -> None:
    sb = org.sb
    r = refused_unchanged(sb, lambda: sb.place_order([("SKU-9999", 1)]))
    assert "SKU 'SKU-9999'" in r.message
    assert r.hint.startswith("SKUs: ") and SKU in r.hint
    r = refused_unchanged(sb, lambda: sb.cancel(org.waiting, {"SKU-9999": 1}))
    assert "SKU-9999" in r.message and "SKU-0002" in r.hint
    r = refused_unchanged(sb, lambda: sb.return_items(org.done, {"SKU-9999": 1}))
    assert "SKU-9999" in r.message and SKU in r.hint
    r = refused_unchanged(sb, lambda: sb.exchange(org.done, "SKU-9999"))
    assert "SKU-9999" in r.message
    still_usable(org)


@pytest.mark.parametrize("units", [0, -1, 1.5, True, "2", None])
def test_non_positive_or_non_whole_units_are_refused(org: Org, units: object) -> None:
    sb = org.sb
    r = refused_unchanged(sb, lambda: sb.place_order([(SKU, units)]))  # type: ignore[list-item]
    assert "units" in r.message and "positive whole number" in r.message
    for action in (
        lambda: sb.cancel(org.waiting, {"SKU-0002": units}),
        lambda: sb.return_items(org.done, {SKU: units}),
        lambda: sb.reship(org.done, {SKU: units}),
        lambda: sb.exchange(org.done, SKU, units),  # type: ignore[arg-type]
        lambda: sb.discount(org.done, {SKU: units}),
    ):
        r = refused_unchanged(sb, action)  # type: ignore[arg-type]
        assert "positive whole number" in r.message, r.message
    still_usable(org)


def test_empty_lines_are_refused(org: Org) -> None:
    sb = org.sb
    r = refused_unchanged(sb, lambda: sb.place_order([]))
    assert "lines" in r.message and SKU in r.hint
    r = refused_unchanged(sb, lambda: sb.cancel(org.waiting, {}))
    assert "no lines given" in r.message and "SKU-0002" in r.hint
    r = refused_unchanged(sb, lambda: sb.place_order([("SKU-0001",)]))  # type: ignore[list-item]
    assert "(SKU, units) pair" in r.message
    still_usable(org)


def test_lines_given_as_pairs_work_as_in_place_order_and_other_shapes_are_refused(
    org: Org,
) -> None:
    """place_order takes (SKU, units) pairs, so the service actions take them too; a line
    given twice or lines of another shape are refused, naming the shapes allowed."""
    sb = org.sb
    r = refused_unchanged(sb, lambda: sb.cancel(org.waiting, "SKU-0002"))  # type: ignore[arg-type]
    assert "{sku: units} or [(sku, units), ...]" in r.message
    r = refused_unchanged(sb, lambda: sb.cancel(org.waiting, [("SKU-0002", 1), ("SKU-0002", 1)]))
    assert "given twice" in r.message
    canceled = sb.order(org.waiting).product_items[0].quantity_canceled
    assert sb.cancel(org.waiting, [("SKU-0002", 1)]).ok
    assert sb.order(org.waiting).product_items[0].quantity_canceled == canceled + 1
    still_usable(org)


def test_unknown_zone_delivery_channel_and_store_are_refused(org: Org) -> None:
    sb = org.sb
    zones = [z.id for z in sb.model.world.zones]
    r = refused_unchanged(sb, lambda: sb.place_order([(SKU, 1)], zone="Z-atlantis"))
    assert "zone 'Z-atlantis'" in r.message and r.hint == "Zones: " + ", ".join(zones)
    r = refused_unchanged(sb, lambda: sb.place_order([(SKU, 1)], delivery="Drone"))
    assert "delivery 'Drone'" in r.message
    assert r.hint == "Delivery: Standard, Express, Pickup"
    r = refused_unchanged(sb, lambda: sb.place_order([(SKU, 1)], channel="Fax"))
    assert "channel 'Fax'" in r.message and "Web" in r.hint
    r = refused_unchanged(
        sb, lambda: sb.place_order([(SKU, 1)], delivery="Pickup", pickup_store="DC-groveport")
    )
    assert "pickup_store 'DC-groveport'" in r.message
    assert "ST-columbus" in r.hint and "DC-groveport" not in r.hint
    r = refused_unchanged(sb, lambda: sb.place_order([(SKU, 1)], pickup_store="ST-columbus"))
    assert "Pickup" in r.message
    # Cleveland has no store within the pickup radius
    r = refused_unchanged(
        sb, lambda: sb.place_order([(SKU, 1)], delivery="Pickup", zone="Z-cleveland")
    )
    assert "no store within" in r.message and "ST-columbus" in r.hint
    still_usable(org)


@pytest.mark.parametrize("hours", [-1, float("nan"), "2"])
def test_bad_pickup_delay_is_refused(org: Org, hours: object) -> None:
    """Fails now for NaN: `actions._with_pickup_delay` checks ``hours < 0`` only, so NaN
    passes and the customer would collect at hour NaN."""
    sb = org.sb
    r = refused_unchanged(
        sb,
        lambda: sb.place_order([(SKU, 1)], delivery="Pickup", pickup_after_hours=hours),  # type: ignore[arg-type]
    )
    assert "pickup_after_hours" in r.message
    still_usable(org)


def test_unknown_order_reference_is_refused_with_the_trainers_orders(org: Org) -> None:
    sb = org.sb
    for action in (
        lambda: sb.route("OS-999999"),
        lambda: sb.cancel("OS-999999", {SKU: 1}),
        lambda: sb.return_items(12, {SKU: 1}),
        lambda: sb.advance_until(None, "parcel delivered"),
        lambda: sb.discount("0000999", {SKU: 1}),
    ):
        r = refused_unchanged(sb, action)
        assert "no Order Summary" in r.message
        assert r.hint == f"Your Order Summaries: {org.done}, {org.waiting}"
    # the OrderNumber and the record are references too
    number = sb.order(org.waiting).order_number
    assert sb.route(number).ok


def test_unknown_milestone_is_refused_with_the_vocabulary(org: Org) -> None:
    sb = org.sb
    sb.route(org.waiting)
    r = refused_unchanged(sb, lambda: sb.advance_until(org.waiting, "teleported"))
    assert "milestone 'teleported'" in r.message
    assert r.hint == "Milestones: " + ", ".join(MILESTONES)
    assert sb.advance_until(org.waiting, "Parcel Delivered ").ok  # case and spaces are forgiven


@pytest.mark.parametrize("within", [0, -5, float("nan")])
def test_bad_within_hours_is_refused(org: Org, within: float) -> None:
    """Fails now: `SandboxBase.advance_until` never checks ``within_hours``; 0 or a negative
    value ends in SimPy's ValueError (``env.run(until=limit)`` with limit <= now), NaN runs
    on without a limit."""
    sb = org.sb
    sb.route(org.waiting)
    r = refused_unchanged(
        sb, lambda: sb.advance_until(org.waiting, "parcel delivered", within_hours=within)
    )
    assert "within_hours" in r.message
    assert sb.advance_until(org.waiting, "parcel delivered").ok


@pytest.mark.parametrize(
    ("action", "allowed"),
    [
        ("return_items", REASONS_FOR_RETURN),
        ("exchange", REASONS_FOR_RETURN),
        ("reship", RESHIP_REASONS),
    ],
)
def test_unknown_reason_is_refused_with_the_picklist(
    org: Org, action: str, allowed: tuple[str, ...]
) -> None:
    sb = org.sb
    call = getattr(sb, action)
    args = (org.done, SKU) if action == "exchange" else (org.done, {SKU: 1})
    r = refused_unchanged(sb, lambda: call(*args, reason="Bored"))
    assert "reason 'Bored'" in r.message
    assert r.hint == "Allowed: " + ", ".join(allowed)
    assert call(*args, reason=allowed[0]).ok


@pytest.mark.parametrize("action", ["cancel", "discount"])
def test_a_cancel_or_discount_reason_is_the_orgs_own_text(org: Org, action: str) -> None:
    """An org defines its own change reasons (OrderItemSummaryChange.Reason is a picklist the
    admin edits), so cancel and discount take any text and keep it on the change record."""
    sb = org.sb
    call = getattr(sb, action)
    ref, lines = (org.waiting, {"SKU-0002": 1}) if action == "cancel" else (org.done, {SKU: 1})
    summary = sb.order(ref)
    changes = len(summary.item_changes)
    r = call(ref, lines, reason="Customer changed their mind")
    assert r.ok, r.message
    assert len(summary.item_changes) == changes + 1
    assert summary.item_changes[-1].reason == "Customer changed their mind"


@pytest.mark.parametrize("hours", [0, -2, float("nan"), float("inf"), "3", None])
def test_bad_hours_are_refused(org: Org, hours: object) -> None:
    sb = org.sb
    r = refused_unchanged(sb, lambda: sb.advance(hours))  # type: ignore[arg-type]
    assert "hours must be a positive number" in r.message
    if not (isinstance(hours, float) and math.isinf(hours)):
        r = refused_unchanged(sb, lambda: sb.payment_gateway_outage(hours))  # type: ignore[arg-type]
        assert "hours must be a positive number" in r.message
    assert sb.advance(1).ok


def test_a_checkout_during_a_gateway_outage_is_refused_and_creates_no_order(org: Org) -> None:
    sb = org.sb
    assert sb.payment_gateway_outage(5).ok
    before = snapshot.take(sb._summaries())
    r = sb.place_order([(SKU, 1)])
    assert not r.ok and "gateway unavailable" in r.message
    assert snapshot.take(sb._summaries()) == before and len(sb.mine) == 2
    assert sb.advance(6).ok
    assert sb.place_order([(SKU, 1)]).ok


def test_a_refusal_renders_without_a_record_page(org: Org) -> None:
    r = org.sb.cancel(org.done, {SKU: 1})
    html = r._repr_html_()
    assert "class='refused'" in html and "What changed" not in html
    assert r.hint and r.hint.split(":")[0] in html


# stopped short: not a refusal ------------------------------------------------------------------


def test_advance_until_stops_at_its_limit_when_an_event_falls_on_it() -> None:
    """The store opens at 9:00: from 8:00 with ``within_hours=1`` the limit is an event's time.

    Fails now: in `SandboxBase.advance_until` the loop steps the 9:00 events (the clock is then
    at the limit) and calls ``env.run(until=limit)`` with limit == now: SimPy's ValueError."""
    sb = Sandbox("tutorial")
    sb.advance(8)
    o = sb.place_order([(SKU, 1)])
    assert sb.route(o).ok
    result = sb.advance_until(o, "parcel shipped", within_hours=1)
    assert not result.ok and result.stopped
    assert "within 1 hours" in result.message
    assert sb.now == 9.0
    assert sb.advance_until(o, "parcel shipped").ok


def test_advance_until_on_an_exchange_waiting_for_routing_is_refused() -> None:
    """An exchange Order Summary waits for the trainer's route like any of theirs.

    Fails now: `SandboxBase._idle` does not count the exchange's own waiting process
    (`customer_service._await_exchange_return`, polling its return order every 24 h, started
    by `submit_exchange`), so the order never looks idle: the clock runs ``within_hours`` (30
    days by default, and then SimPy's ValueError, the poll falling on the limit)."""
    sb = Sandbox("tutorial")
    o = sb.place_order([(SKU, 2)])
    sb.route(o)
    assert sb.advance_until(o, "parcel delivered").ok
    x = sb.exchange(o, SKU, 1).related("OrderSummary")[0]
    clock = sb.now
    r = sb.advance_until(x, "parcel delivered", within_hours=100.5)
    assert not r.ok and not r.stopped, r.message
    assert "route it" in r.hint and sb.now == clock
    assert sb.route(x).ok
    assert sb.advance_until(x, "parcel delivered").ok
    clock = sb.now  # delivered; its return order still waits for the trainer's receive_return
    r = sb.advance_until(x, "parcel delivered", within_hours=100.5)
    assert not r.ok and not r.stopped and "nothing is under way" in r.message
    assert sb.now == clock
