"""Baskets for the scenario forecast: checkouts drawn as the model draws them, with their totals
and the exchanges they lead to.

`draw_pool` draws a pool of checkouts the way `omsim.sim.demand.draft_order` does (zone, lines,
units, SKUs by popularity at catalog prices, delivery method with Pickup falling back to
Standard where no store is in range), each one's grand total at creation as the capture flow
forms it (per-line tax, the delivery charge with the free-shipping rule and its tax), and the
exchanges its lines lead to (the category's return rate times the exchange share) with their
delay after checkout. Money in integer cents; time in hours. Used by `omsim.forecast.scenario`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from decimal import Decimal

import numpy as np

from omsim.network.locations import LocationType, ServiceLevel
from omsim.scenario.common import Dist
from omsim.scenario.schema import Scenario
from omsim.sim.world import World

SHIP_LAG_HOURS = 6.0
"""Assumed time from checkout to the parcel leaving (or a Pickup being ready), hours."""


@dataclass(frozen=True)
class BasketPool:
    """Pooled checkouts: each one's grand total, and the exchanges they lead to.

    ``order_values``: grand total at creation, cents, one per basket; ``exchange_values``:
    grand total of each exchange Order Summary, cents; ``exchange_delay_hours``: hours from the
    original's checkout to the exchange's creation.
    """

    order_values: np.ndarray
    exchange_values: np.ndarray
    exchange_delay_hours: np.ndarray


def draw_pool(scenario: Scenario, world: World, rng: np.random.Generator, n: int) -> BasketPool:
    """``n`` baskets as `omsim.sim.demand.draft_order` draws them, with their exchanges."""
    demand, catalog = scenario.demand, world.catalog
    products = catalog.products
    prices = np.array([p.unit_price_cents for p in products], dtype=np.int64)
    cdf = np.cumsum([p.popularity for p in products])
    zone = np.searchsorted(world.zone_cdf, rng.random(n), side="right").clip(
        0, len(world.zones) - 1
    )
    n_lines = _geometric(demand.lines_per_order_mean, demand.max_lines_per_order, rng, (n,))
    width = demand.max_lines_per_order
    drawn = np.searchsorted(cdf, rng.random((n, width)) * cdf[-1], side="right")
    drawn = drawn.clip(0, len(products) - 1)
    qty = _geometric(demand.units_per_line_mean, demand.max_units_per_line, rng, (n, width))
    used = np.arange(width)[None, :] < n_lines[:, None]
    key, line_units = np.unique(
        (np.repeat(np.arange(n), width) * len(products) + drawn.ravel())[used.ravel()],
        return_inverse=True,
    )
    units = np.bincount(line_units, weights=qty.ravel()[used.ravel()]).astype(np.int64)
    order, sku = key // len(products), key % len(products)
    amount = units * prices[sku]
    tax = tax_cents_array(amount, demand.tax_rate)
    merchandise = np.bincount(order, weights=amount, minlength=n).astype(np.int64)
    methods = list(demand.delivery_methods)
    weights = np.array([demand.delivery_methods[m] for m in methods], dtype=float)
    method = np.searchsorted(np.cumsum(weights / weights.sum()), rng.random(n), side="right")
    method = np.asarray(methods, dtype=object)[method.clip(0, len(methods) - 1)]
    no_store = np.array(
        [world.nearest_store(z.id, demand.pickup_radius_km) is None for z in world.zones]
    )
    method[(method == "Pickup") & no_store[zone]] = "Standard"
    charge = np.array([demand.delivery_charge_cents.get(m, 0) for m in method], dtype=np.int64)
    threshold = demand.free_shipping_threshold_cents
    if threshold is not None:
        charge[(method != "Express") & (merchandise >= threshold)] = 0
    values = (
        merchandise
        + np.bincount(order, weights=tax, minlength=n).astype(np.int64)
        + charge
        + tax_cents_array(charge, demand.tax_rate)
    )
    x_values, x_delay = _exchanges_of(scenario, world, rng, order, sku, units, prices, method, zone)
    return BasketPool(values.astype(float), x_values.astype(float), x_delay)


def _exchanges_of(
    scenario: Scenario,
    world: World,
    rng: np.random.Generator,
    order: np.ndarray,
    sku: np.ndarray,
    units: np.ndarray,
    prices: np.ndarray,
    method: np.ndarray,
    zone: np.ndarray,
) -> tuple[np.ndarray, np.ndarray]:
    """Exchange values (cents) and delays from checkout (hours) of pooled merged lines."""
    service = scenario.service
    if not service.behaviour:
        return np.zeros(0, dtype=np.int64), np.zeros(0)
    n, r = len(method), service.returns
    rates = np.array(
        [r.rate_by_category.get(p.category, r.default_rate) for p in world.catalog.products]
    )
    returned = rng.binomial(units, rates[sku])
    exchanged = (returned > 0) & (rng.random(len(sku)) < r.exchange_share)
    cancel = service.cancellations
    cancels = rng.random(n) < cancel.probability
    whole = rng.random(n) < cancel.whole_order_share
    lines_of = np.bincount(order, minlength=n)
    first = np.cumsum(lines_of) - lines_of
    one = first + np.minimum((rng.random(n) * lines_of).astype(np.int64), lines_of - 1)
    canceled = (cancels & whole)[order]
    canceled[one[cancels & ~whole]] = True
    no_show = (method == "Pickup") & (rng.random(n) < service.pickup_no_shows.probability)
    keep = exchanged & ~canceled & ~no_show[order]
    lag = _delivery_hours(scenario, world, rng, method, zone)
    delay = lag[order[keep]] + 24.0 * _draw(r.days_after_delivery, rng, int(keep.sum()))
    amount = returned[keep] * prices[sku[keep]]
    return amount + tax_cents_array(amount, scenario.demand.tax_rate), delay


def _delivery_hours(
    scenario: Scenario, world: World, rng: np.random.Generator, method: np.ndarray, zone: np.ndarray
) -> np.ndarray:
    """Hours from checkout to delivery (or collection) per basket (see the module's
    approximations)."""
    m = world.matrix
    warehouses = [i for i, t in enumerate(m.location_types) if t is LocationType.WAREHOUSE]
    rows = warehouses or list(range(len(m.location_ids)))
    columns = [m.zone_index[z.id] for z in world.zones]
    nearest = [rows[int(np.argmin(m.distance_km[rows, c]))] for c in columns]
    hours = np.empty(len(method))
    sd = scenario.carrier.transit_sd_days
    for name, level in (("Standard", ServiceLevel.STANDARD), ("Express", ServiceLevel.EXPRESS)):
        chart = np.array(
            [float(m.transit_days[level][r, c]) for r, c in zip(nearest, columns, strict=True)]
        )
        mask = method == name
        days = chart[zone[mask]]
        noisy = days + (rng.normal(0.0, sd, int(mask.sum())) if sd > 0 else 0.0)
        hours[mask] = SHIP_LAG_HOURS + 24.0 * np.maximum(0.25 * days, noisy)
    pickup = method == "Pickup"
    hours[pickup] = SHIP_LAG_HOURS + _draw(
        scenario.pickup.pickup_delay_hours, rng, int(pickup.sum())
    )
    return hours


def tax_cents_array(amount_cents: np.ndarray, rate: Decimal) -> np.ndarray:
    """`omsim.domain.money.tax_cents` on an array: ``amount x rate`` rounded half-even, exact."""
    num, den = rate.as_integer_ratio()
    amount = np.asarray(amount_cents, dtype=np.int64)
    largest = int(np.abs(amount).max(initial=0))
    if largest * num < 2**62 and den < 2**62:
        q, r = np.divmod(amount * num, den)
    else:  # exact in Python integers when the products would overflow 64 bits
        exact = amount.astype(object) * num
        q, r = exact // den, exact % den
    up = (2 * r > den) | ((2 * r == den) & (q % 2 == 1))
    return (q + up).astype(np.int64)


def _geometric(
    mean: float, cap: int, rng: np.random.Generator, shape: tuple[int, ...]
) -> np.ndarray:
    """`omsim.sim.distributions.geometric_at_least_one`, vectorised."""
    if mean <= 1:
        return np.ones(shape, dtype=np.int64)
    return np.minimum(cap, rng.geometric(1.0 / mean, shape)).astype(np.int64)


def _draw(dist: Dist, rng: np.random.Generator, size: int) -> np.ndarray:
    """`omsim.sim.distributions.sample`, vectorised: ``size`` draws of ``dist``."""
    value, mean, sd = dist.value or 0.0, dist.mean or 0.0, dist.sd or 0.0
    low, mode, high = dist.low or 0.0, dist.mode or 0.0, dist.high or 0.0
    if dist.dist == "constant":
        return np.full(size, float(value))
    if dist.dist == "exponential":
        return rng.exponential(mean, size)
    if dist.dist == "uniform":
        return rng.uniform(low, high, size)
    if dist.dist == "triangular":
        return np.full(size, low) if low == high else rng.triangular(low, mode, high, size)
    if sd == 0:
        return np.full(size, mean)
    if dist.dist == "lognormal":
        sigma2 = math.log1p((sd / mean) ** 2)
        return rng.lognormal(math.log(mean) - sigma2 / 2, math.sqrt(sigma2), size)
    shape = (mean / sd) ** 2
    return rng.gamma(shape, mean / shape, size)
