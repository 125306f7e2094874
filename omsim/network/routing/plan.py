"""What a routing strategy reads and returns: request, options, allocation plan, explanation.

A strategy is a pure function ``strategy(request, availability, matrix, options)`` returning an
:class:`AllocationPlan` (location -> SKU -> units) or a :class:`NoRoute` with its reason. Both
carry a :class:`RoutingExplanation`: the candidate location sets considered, the set chosen and
its cost parts, so a notebook can show why an order went where it went.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import Enum
from typing import Any

from omsim.network.locations import LocationType, ServiceLevel

DEFAULT_MAX_SPLITS = 2
"""Default ``maximumNumberOfSplits``: UNCONFIRMED (Salesforce documents no default; 2 is omsim's
assumption)."""

DEFAULT_UNIT_WEIGHT_KG = 1.0
"""Weight of a unit whose SKU has no entry in ``RoutingRequest.weights_kg``, kg (assumption)."""


class DeliveryMethod(Enum):
    """How the delivery group reaches the customer."""

    SHIP = "ship"
    BOPIS = "bopis"


@dataclass(frozen=True)
class RoutingRequest:
    """One delivery group to route (an ``OrderDeliveryGroupSummary`` and its lines).

    Attributes
    ----------
    lines : mapping of str to int
        SKU -> units still to route (``QuantityAvailableToFulfill``), each > 0.
    zone_id : str
        Recipient's customer zone.
    service_level : ServiceLevel
        Carrier service level of the delivery method.
    weights_kg : mapping of str to float
        SKU -> weight of one unit, kg; missing SKUs weigh ``DEFAULT_UNIT_WEIGHT_KG``.
    promised_days : float or None
        Delivery promise, days in transit; None means no lateness penalty.
    delivery_method : DeliveryMethod
        Ship to the recipient, or buy online, pick up in store (BOPIS).
    pickup_location_id : str or None
        The store chosen for BOPIS; required exactly when ``delivery_method`` is BOPIS.
    """

    lines: Mapping[str, int]
    zone_id: str
    service_level: ServiceLevel = ServiceLevel.STANDARD
    weights_kg: Mapping[str, float] = field(default_factory=dict)
    promised_days: float | None = None
    delivery_method: DeliveryMethod = DeliveryMethod.SHIP
    pickup_location_id: str | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "service_level", ServiceLevel.parse(self.service_level))
        if not isinstance(self.delivery_method, DeliveryMethod):
            try:
                object.__setattr__(self, "delivery_method", DeliveryMethod(self.delivery_method))
            except ValueError:
                allowed = ", ".join(repr(m.value) for m in DeliveryMethod)
                raise ValueError(
                    f"delivery_method {self.delivery_method!r} is not one of {allowed}"
                ) from None
        if not self.lines:
            raise ValueError("lines must hold at least one SKU to route")
        for sku, quantity in self.lines.items():
            if isinstance(quantity, bool) or not isinstance(quantity, int) or quantity <= 0:
                raise ValueError(f"lines[{sku!r}] must be an int > 0, got {quantity!r}")
        for sku, weight in self.weights_kg.items():
            if not (math.isfinite(weight) and weight >= 0):
                raise ValueError(f"weights_kg[{sku!r}] must be a finite number >= 0, got {weight}")
        is_bopis = self.delivery_method is DeliveryMethod.BOPIS
        if is_bopis != (self.pickup_location_id is not None):
            raise ValueError(
                "pickup_location_id must be given exactly when delivery_method is 'bopis'"
            )

    def unit_weight_kg(self, sku: str) -> float:
        """Weight of one unit of ``sku``, kg."""
        return self.weights_kg.get(sku, DEFAULT_UNIT_WEIGHT_KG)


@dataclass(frozen=True)
class RoutingOptions:
    """Options a strategy reads; each strategy documents the ones it uses.

    Attributes
    ----------
    max_splits : int
        Maximum extra shipments: a plan uses at most ``max_splits + 1`` locations.
    allowed_location_types : frozenset of LocationType or None
        Location types that may ship; None allows every type (``nearest_warehouse`` always
        restricts to warehouses).
    excluded_locations : frozenset of str
        Location ids that must not ship (``excludeLocations``).
    split_penalty_cents : int
        Cost of each shipment beyond the first, cents (``lowest_cost``; reported by all).
    lateness_penalty_cents_per_day : int
        Cost per shipment per day of transit beyond the promise, cents.
    store_protection_units : int
        Units per SKU each store keeps back from ship-from-store orders (``ship_from_store``).
    protection_by_location : mapping of str to int
        Per-location override of ``store_protection_units``.
    exact_limit : int
        ``lowest_cost`` searches exactly up to this many candidate locations.
    max_checks, max_results : int
        Fewest-splits search caps (Salesforce: 1,000,000 checks, 10,000 results).
    """

    max_splits: int = DEFAULT_MAX_SPLITS
    allowed_location_types: frozenset[LocationType] | None = None
    excluded_locations: frozenset[str] = frozenset()
    split_penalty_cents: int = 500
    lateness_penalty_cents_per_day: int = 1000
    store_protection_units: int = 0
    protection_by_location: Mapping[str, int] = field(default_factory=dict)
    exact_limit: int = 12
    max_checks: int = 1_000_000
    max_results: int = 10_000

    def __post_init__(self) -> None:
        if self.allowed_location_types is not None:
            types = frozenset(LocationType.parse(t) for t in self.allowed_location_types)
            object.__setattr__(self, "allowed_location_types", types)
        object.__setattr__(self, "excluded_locations", frozenset(self.excluded_locations))
        for name in (
            "max_splits",
            "split_penalty_cents",
            "lateness_penalty_cents_per_day",
            "store_protection_units",
        ):
            if getattr(self, name) < 0:
                raise ValueError(f"{name} must be >= 0, got {getattr(self, name)}")
        for name in ("exact_limit", "max_checks", "max_results"):
            if getattr(self, name) < 1:
                raise ValueError(f"{name} must be >= 1, got {getattr(self, name)}")


@dataclass(frozen=True)
class CostBreakdown:
    """Cost parts of a plan, cents."""

    shipping_cents: int = 0
    handling_cents: int = 0
    split_cents: int = 0
    lateness_cents: int = 0

    @property
    def total_cents(self) -> int:
        """Sum of the parts, cents."""
        return self.shipping_cents + self.handling_cents + self.split_cents + self.lateness_cents


@dataclass(frozen=True)
class CandidateSet:
    """A location set a strategy considered.

    Attributes
    ----------
    locations : tuple of str
        Location ids in the set.
    mean_distance_km : float
        Average distance from the set's locations to the recipient, km.
    covers : bool
        Whether the set's availability covers every line.
    cost : CostBreakdown or None
        Cost of the set's assignment, when the strategy priced it.
    """

    locations: tuple[str, ...]
    mean_distance_km: float
    covers: bool = True
    cost: CostBreakdown | None = None


@dataclass(frozen=True)
class RoutingExplanation:
    """Why a plan is what it is.

    Attributes
    ----------
    strategy : str
        Strategy name.
    candidates : tuple of CandidateSet
        Sets considered, in the strategy's ranking order (best first).
    chosen : tuple of str
        Locations of the chosen set (empty for ``NoRoute``).
    cost : CostBreakdown or None
        Cost parts of the chosen plan.
    n_checks : int
        Location sets checked for coverage.
    cap_hit : str or None
        Which search cap stopped the search ("checks" or "results"), if any.
    notes : tuple of str
        Decisions worth reading (fallbacks, heuristics, tie-breaks).
    """

    strategy: str
    candidates: tuple[CandidateSet, ...] = ()
    chosen: tuple[str, ...] = ()
    cost: CostBreakdown | None = None
    n_checks: int = 0
    cap_hit: str | None = None
    notes: tuple[str, ...] = ()

    def candidate_records(self) -> list[dict[str, Any]]:
        """One flat dict per candidate set, ready for ``pandas.DataFrame``."""
        records = []
        for rank, c in enumerate(self.candidates, start=1):
            cost = c.cost or CostBreakdown()
            records.append(
                {
                    "rank": rank,
                    "locations": ", ".join(c.locations),
                    "n_locations": len(c.locations),
                    "mean_distance_km": c.mean_distance_km,
                    "covers": c.covers,
                    "chosen": c.locations == self.chosen,
                    "shipping_cents": cost.shipping_cents if c.cost else None,
                    "handling_cents": cost.handling_cents if c.cost else None,
                    "split_cents": cost.split_cents if c.cost else None,
                    "lateness_cents": cost.lateness_cents if c.cost else None,
                    "total_cents": cost.total_cents if c.cost else None,
                }
            )
        return records


@dataclass(frozen=True)
class AllocationPlan:
    """Where each unit ships from: location id -> SKU -> units (positive entries only)."""

    allocations: dict[str, dict[str, int]]
    explanation: RoutingExplanation

    @property
    def locations(self) -> tuple[str, ...]:
        """Locations that ship, sorted."""
        return tuple(sorted(self.allocations))

    @property
    def n_shipments(self) -> int:
        """Number of shipments (fulfillment orders) the plan creates."""
        return len(self.allocations)


@dataclass(frozen=True)
class NoRoute:
    """The order cannot be routed now; ``reason`` says why."""

    reason: str
    explanation: RoutingExplanation


RoutingResult = AllocationPlan | NoRoute
