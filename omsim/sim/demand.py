"""What each arriving customer orders: a pure function of the scenario, the world and the streams.

Everything about the customer is drawn here, at arrival, from the demand-side streams (basket,
customer, payments), so the same seed gives the same customers whatever strategy routes them.
"""

from __future__ import annotations

from bisect import bisect_right
from dataclasses import dataclass, field, replace
from functools import lru_cache

import numpy as np

from omsim.scenario.schema import Scenario
from omsim.sim.behaviour import CustomerBehaviour, draw_behaviour
from omsim.sim.distributions import geometric_at_least_one, sample
from omsim.sim.world import World


@dataclass(frozen=True, slots=True)
class OrderDraft:
    """A checkout about to happen.

    Attributes
    ----------
    zone_id : str
        The customer's zone.
    lines : tuple of (sku, units, unit price cents)
    delivery_method : str
        ``Standard``, ``Express`` or ``Pickup``.
    pickup_location_id : str or None
        The store for ``Pickup``.
    pickup_delay_hours : float
        How long after "ready for pickup" the customer comes (used for Pickup only).
    declined : bool
        The card authorization is declined: the checkout never becomes an order.
    review_hours : float
        Length of the fraud-review hold before routing; 0 when the order is not reviewed.
    behaviour : CustomerBehaviour
        What the customer will do after checkout (cancel, return, contact service, not show up).
    pickup_fallback : str or None
        Why a customer who chose Pickup at checkout ships Standard instead (``no store in
        radius``, ``store closed``, ``store short of stock``); None when the chosen method stands.
    """

    zone_id: str
    channel: str
    managed: bool
    lines: tuple[tuple[str, int, int], ...]
    delivery_method: str
    pickup_location_id: str | None
    pickup_delay_hours: float
    declined: bool
    review_hours: float = 0.0
    behaviour: CustomerBehaviour = field(default_factory=CustomerBehaviour)
    pickup_fallback: str | None = None

    def as_shipped(self, reason: str) -> OrderDraft:
        """The same order delivered Standard instead of picked up, and why."""
        return replace(
            self, delivery_method="Standard", pickup_location_id=None, pickup_fallback=reason
        )

    def at_store(self, store_id: str) -> OrderDraft:
        """The same Pickup order at another store (the nearest had not every line)."""
        return replace(self, pickup_location_id=store_id)

    @property
    def units(self) -> dict[str, int]:
        return {sku: units for sku, units, _ in self.lines}

    @property
    def merchandise_cents(self) -> int:
        return sum(units * price for _, units, price in self.lines)


@lru_cache(maxsize=64)
def _cdf(options: tuple[tuple[str, float], ...]) -> tuple[tuple[str, ...], list[float]]:
    """Names and cumulative probabilities, computed as ``Generator.choice`` computes them."""
    weights = np.array([w for _, w in options], dtype=float)
    cdf = (weights / weights.sum()).cumsum()
    cdf /= cdf[-1]
    return tuple(n for n, _ in options), cdf.tolist()


def _choice(options: dict[str, float], rng: np.random.Generator) -> str:
    """One name drawn with probability proportional to its weight.

    Draws exactly what ``rng.choice(len(options), p=weights / weights.sum())`` draws (one
    uniform, searched in the same cumulative sums), without building arrays per draw.
    """
    names, cdf = _cdf(tuple(options.items()))
    return names[bisect_right(cdf, rng.random())]


def draft_order(
    scenario: Scenario,
    world: World,
    *,
    basket: np.random.Generator,
    customer: np.random.Generator,
    payments: np.random.Generator,
) -> OrderDraft:
    """Draw one customer's order."""
    demand = scenario.demand
    zone = world.zones[
        int(
            np.searchsorted(world.zone_cdf, basket.random(), side="right").clip(
                0, len(world.zones) - 1
            )
        )
    ]
    n_lines = geometric_at_least_one(
        demand.lines_per_order_mean, demand.max_lines_per_order, basket
    )
    units: dict[str, int] = {}
    for _ in range(n_lines):
        product = world.catalog.draw(basket)
        qty = geometric_at_least_one(demand.units_per_line_mean, demand.max_units_per_line, basket)
        units[product.sku] = units.get(product.sku, 0) + qty
    lines = tuple((sku, q, world.catalog[sku].unit_price_cents) for sku, q in units.items())
    method = _choice(demand.delivery_methods, basket)
    store = None
    fallback = None
    if method == "Pickup":
        store = world.nearest_store(zone.id, demand.pickup_radius_km)
        if store is None:
            method, fallback = "Standard", "no store in radius"
    channel = _choice(demand.sales_channels, basket)
    managed = bool(basket.random() < demand.managed_share)
    pickup_delay = sample(scenario.pickup.pickup_delay_hours, customer)
    capture = scenario.capture
    reviewed = customer.random() < capture.fraud_review_share
    review_hours = sample(capture.fraud_review_hours, customer) if reviewed else 0.0
    declined = bool(payments.random() < scenario.payments.decline_rate)
    behaviour = draw_behaviour(scenario, world.catalog, lines, customer)
    if not scenario.service.behaviour:
        behaviour = CustomerBehaviour()  # drawn anyway, so the streams stay aligned
    return OrderDraft(
        zone.id,
        channel,
        managed,
        lines,
        method,
        store,
        pickup_delay,
        declined,
        review_hours,
        behaviour,
        fallback,
    )


def delivery_charge_cents(scenario: Scenario, method: str, merchandise_cents: int) -> int:
    """The delivery charge for a method, waived above the free-shipping threshold."""
    threshold = scenario.demand.free_shipping_threshold_cents
    if method != "Express" and threshold is not None and merchandise_cents >= threshold:
        return 0
    return scenario.demand.delivery_charge_cents.get(method, 0)
