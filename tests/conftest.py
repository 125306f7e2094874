"""Shared builders for tests: small orders built through the domain's own actions."""

from __future__ import annotations

import copy
from collections.abc import Callable
from dataclasses import fields, is_dataclass
from typing import Any

import pytest

from omsim.domain import (
    DeliveryGroupInput,
    IdFactory,
    OrderLineInput,
    OrderSummary,
    authorize_payment,
    create_order,
    create_order_summary,
)
from omsim.domain.picklists import LifeCycleType


def record_snapshot(value: Any) -> Any:
    """A structural dump of a record graph (dataclasses, lists, scalars), ids factory left out."""
    if is_dataclass(value) and not isinstance(value, type):
        return (
            type(value).__name__,
            tuple(
                (f.name, record_snapshot(getattr(value, f.name)))
                for f in fields(value)
                if f.name != "ids"
            ),
        )
    if isinstance(value, list | tuple):
        return tuple(record_snapshot(v) for v in value)
    if isinstance(value, dict):
        return tuple(sorted((k, record_snapshot(v)) for k, v in value.items()))
    return copy.copy(value)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Tests marked ``slow`` first, the most CPU first (``slow(cpu_seconds=N)``), each file's
    tests kept together and in order.

    ``make test`` runs two xdist workers, a file at a time each, handed out in this order: the
    few files that run replications for a minute or more start first, instead of one of them
    starting last and running on alone.
    """

    def cost(item: pytest.Item) -> float:
        marker = item.get_closest_marker("slow")
        return -1.0 if marker is None else float(marker.kwargs.get("cpu_seconds", 0))

    items.sort(key=cost, reverse=True)


@pytest.fixture
def snapshot() -> Callable[[Any], Any]:
    return record_snapshot


@pytest.fixture
def make_summary() -> Callable[..., OrderSummary]:
    """Build an authorized managed summary: ``make_summary([("A", 2, 1000), ...], charge=500)``."""

    def build(
        lines: list[tuple[str, int, int]] | None = None,
        *,
        charge: int = 0,
        tax: str = "0",
        authorize: bool = True,
        valid_hours: float | None = 168,
        life_cycle_type: LifeCycleType = LifeCycleType.MANAGED,
    ) -> OrderSummary:
        ids = IdFactory()
        lines = lines or [("A", 2, 1000), ("B", 1, 500)]
        order = create_order(
            ids,
            lines=[OrderLineInput(sku, q, p, tax) for sku, q, p in lines],
            delivery_groups=[
                DeliveryGroupInput("default", delivery_charge_cents=charge, charge_tax_rate=tax)
            ],
            at=0.0,
        )
        summary, _ = create_order_summary(ids, order, at=0.0, life_cycle_type=life_cycle_type)
        if authorize and summary.is_managed:
            authorize_payment(
                summary,
                amount_cents=summary.grand_total_amount_cents,
                at=0.0,
                valid_hours=valid_hours,
            )
        return summary

    return build


def ship_units(summary: OrderSummary, units: dict[str, int], at: float = 2.0) -> Any:
    """Allocate ``units`` (OrderItemSummary id -> units) to one location, fulfil, invoice and
    capture them; returns the fulfillment order."""
    from omsim.domain import (
        create_fulfillment_orders,
        create_invoice,
        ensure_funds,
        fulfil_fulfillment_order,
    )

    group = summary.delivery_groups[0].id
    (fo,), _ = create_fulfillment_orders(summary, group, {"W1": units}, at=at)
    fulfil_fulfillment_order(summary, fo.id, at=at)
    invoice, _ = create_invoice(summary, fo.id, at=at)
    ensure_funds(summary, invoice.id, at=at)
    return fo


@pytest.fixture
def ship() -> Callable[..., Any]:
    """`ship_units`: ``ship(summary, {item_id: units}, at=2.0)`` ships and bills the units."""
    return ship_units
