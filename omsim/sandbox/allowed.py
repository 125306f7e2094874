"""Which actions the guardrails allow on an Order Summary now, and on what.

Each action is enabled exactly when its guardrail would let at least one request through, read
from the same quantities the domain's guardrails check (``QuantityAvailableToCancel``,
``QuantityAvailableToReturn``, ``QuantityAvailableToReship``, a fulfillment order's status
category, a return order's open lines, an exception's status) and, for a discount and an
exchange, by trying the domain action on a copy of the records. The stepper enables its
buttons from this; the tests check that every enabled choice succeeds and every disabled
action is refused.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from omsim.domain import ActionRejected, OrderSummary, adjust, preview_return
from omsim.domain.picklists import ItemType
from omsim.sandbox.explain import PARCEL_EXCEPTIONS
from omsim.sandbox.session import PAYMENT_REMEDIES

if TYPE_CHECKING:
    from omsim.sandbox.session import SandboxBase


@dataclass
class Allowed:
    """One action on one Order Summary.

    Attributes
    ----------
    enabled : bool
    why : str
        Why it is disabled (the guardrail's quantity), or what it would act on.
    choices : dict of str to int
        What it can act on and the most it can take: SKU -> units (cancel, return, exchange,
        reship), SKU -> cents off per unit (discount), record id -> units (a fulfillment
        order's units to cancel, a return order's units expected), process exception id -> 1.
    """

    enabled: bool
    why: str = ""
    choices: dict[str, int] = field(default_factory=dict)


def _by_sku(summary: OrderSummary, bucket: str) -> dict[str, int]:
    return {
        i.stock_keeping_unit: getattr(i, bucket)
        for i in summary.product_items
        if getattr(i, bucket) > 0
    }


def _from(choices: dict[str, int], none: str) -> Allowed:
    if choices:
        return Allowed(True, ", ".join(f"{k}: {v}" for k, v in choices.items()), choices)
    return Allowed(False, none)


def _accepts(summary: OrderSummary, item_id: str, cents: int) -> bool:
    """Whether the discount guardrail takes ``cents`` off each unit of a line (on a copy)."""
    try:
        adjust(copy.deepcopy(summary), {item_id: cents}, at=0.0, refund=False)
    except ActionRejected:
        return False
    return True


def _discountable(summary: OrderSummary) -> dict[str, int]:
    """SKU -> the most cents per unit the discount guardrail accepts now (at least 1)."""
    out: dict[str, int] = {}
    for item in summary.product_items:
        if item.quantity <= 0 or not _accepts(summary, item.id, 1):
            continue
        low, high = 1, item.unit_price_cents  # accepted, and an upper bound
        while low < high:  # the largest accepted value: acceptance falls as cents rise
            middle = (low + high + 1) // 2
            if _accepts(summary, item.id, middle):
                low = middle
            else:
                high = middle - 1
        out[item.stock_keeping_unit] = low
    return out


def _exchangeable(summary: OrderSummary) -> dict[str, int]:
    """SKU -> units the exchange could take: returnable units whose credit is captured."""
    out: dict[str, int] = {}
    for sku, units in _by_sku(summary, "quantity_available_to_return").items():
        item = next(i for i in summary.product_items if i.stock_keeping_unit == sku)
        try:
            if preview_return(summary, {item.id: 1}, shipping_reduction_flag=False) <= 0:
                continue
        except ActionRejected:
            continue
        if any(p.captured_amount_cents > 0 for p in summary.payment_summaries):
            out[sku] = units
    return out


def allowed_actions(sb: SandboxBase, summary: OrderSummary) -> dict[str, Allowed]:
    """Action name (a `omsim.sandbox.Sandbox` method) -> whether and on what it is allowed."""
    track = sb.model.tracks[summary.id]
    held = summary.id in sb._routing_holds
    left = any(i.quantity_available_to_fulfill for i in summary.product_items)
    queued = summary.id in sb.model.routing_queue
    routable = (held and left) or (
        not held
        and not summary.active_process_exception_count
        and (queued or not track.routing_scheduled)
        and any(
            i.quantity_available_to_fulfill
            for i in summary.product_items
            if summary.delivery_group(i.order_delivery_group_summary_id).delivery_method != "Pickup"
        )
    )
    activated = {
        fo.id: sum(ln.quantity for ln in fo.lines if ln.type is ItemType.PRODUCT)
        for fo in summary.fulfillment_orders
        if fo.status_category == "ACTIVATED" and not fo.is_reship
    }
    returns = {
        ro.id: sum(ln.quantity_expected for ln in ro.open_lines)
        for ro in summary.return_orders
        if ro.open_lines
    }
    exceptions = {pe_id: 1 for pe_id, held_pe in sb._desk_holds.items() if held_pe[2] == summary.id}
    gateway_back = sb.model.gateway_up_at(sb.now)
    resolve = _from(exceptions, "no active process exception on this order")
    if resolve.enabled and gateway_back > sb.now:
        payment = [
            pe_id
            for pe_id in exceptions
            if summary.process_exception(pe_id).description in PAYMENT_REMEDIES
        ]
        for pe_id in payment:
            del resolve.choices[pe_id]
        resolve = _from(
            resolve.choices, f"the payment gateway is down until {sb.when(gateway_back)}"
        )
    return {
        "route": Allowed(True, "routing waits for you")
        if routable
        else Allowed(False, "no units to route (QuantityAvailableToFulfill 0, or routing waits)"),
        "cancel": Allowed(False, "canceling an exchange's replacement is not modelled")
        if summary.source_process.value == "Exchange"
        else _from(
            _by_sku(summary, "quantity_available_to_cancel"), "QuantityAvailableToCancel is 0"
        ),
        "cancel_fulfillment_order": _from(
            {k: v for k, v in activated.items() if v}, "no fulfillment order waits to be picked"
        ),
        "return_items": _from(
            _by_sku(summary, "quantity_available_to_return"), "QuantityAvailableToReturn is 0"
        ),
        "exchange": _from(_exchangeable(summary), "nothing delivered and paid to exchange"),
        "receive_return": _from(returns, "no return order waits for its parcel"),
        "reship": Allowed(False, "a lost or damaged parcel's exception is active: resolve it")
        if any(
            p.is_active and p.description in PARCEL_EXCEPTIONS for p in summary.process_exceptions
        )
        else _from(
            _by_sku(summary, "quantity_available_to_reship"), "QuantityAvailableToReship is 0"
        ),
        "discount": _from(
            _discountable(summary),
            "units being fulfilled cannot be adjusted (allocatedItemsChangeOrderType "
            "Disallowed), and nothing else is left to discount"
            if any(i.quantity_in_fulfillment for i in summary.product_items)
            else "nothing left to discount",
        ),
        "resolve": resolve,
    }
