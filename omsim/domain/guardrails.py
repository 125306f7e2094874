"""Guardrail checks shared by the actions; each raises `ActionRejected` before any change."""

from __future__ import annotations

from omsim.domain.errors import ActionRejected
from omsim.domain.picklists import ItemType
from omsim.domain.summary import OrderItemSummary, OrderSummary


def require_managed(summary: OrderSummary, action: str) -> None:
    if not summary.is_managed:
        raise ActionRejected(
            f"OrderSummary {summary.id}: {action} requires a MANAGED order summary, "
            f"OrderLifeCycleType is {summary.order_life_cycle_type.value}"
        )


def require_positive(quantity: int, record_id: str, what: str) -> None:
    if not isinstance(quantity, int) or quantity <= 0:
        raise ActionRejected(
            f"{record_id}: {what} must be a positive whole number, got {quantity!r}"
        )


def require_product(item: OrderItemSummary, action: str) -> None:
    if item.type is not ItemType.PRODUCT:
        raise ActionRejected(
            f"OrderItemSummary {item.id}: cannot {action} a {item.type.value} line; "
            "only Order Product lines allow it"
        )


def require_within(
    item_id: str,
    action: str,
    asked: int,
    available: int,
    bucket: str,
    object_type: str = "OrderItemSummary",
) -> None:
    if asked > available:
        raise ActionRejected(
            f"{object_type} {item_id}: cannot {action} {asked}, {bucket} is {available}"
        )


def require_choice(
    value: str, allowed: tuple[str, ...] | dict[str, str], what: str, record_id: str
) -> None:
    if value not in allowed:
        raise ActionRejected(
            f"{record_id}: {what} {value!r} is not allowed; allowed: {', '.join(allowed)}"
        )


def merge_quantities(
    summary: OrderSummary, pairs: list[tuple[str, int]], what: str
) -> dict[str, int]:
    """Sum requested units per line id, checking each id exists and each quantity is positive."""
    merged: dict[str, int] = {}
    for item_id, quantity in pairs:
        summary.item(item_id)
        require_positive(quantity, f"OrderItemSummary {item_id}", what)
        merged[item_id] = merged.get(item_id, 0) + quantity
    if not merged:
        raise ActionRejected(f"OrderSummary {summary.id}: {what}: no lines given")
    return merged
