"""What each customer will do after checkout, decided when the order is placed.

Drawn from the customer stream with a fixed number of draws per order line, whatever the
outcomes, so the same seed gives the same customers (and the same later draws) whatever strategy
routes their orders: two strategies compared on one seed see the same cancellations, returns,
contacts and no-shows.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from omsim.scenario.schema import Scenario
from omsim.sim.catalog import Catalog
from omsim.sim.distributions import sample


@dataclass(frozen=True, slots=True)
class LineReturn:
    """A customer's plan to send back units of one line after it arrives.

    Attributes
    ----------
    units : int
        Units to return (part or all of the line).
    days_after_delivery : float
        When the parcel goes back, days after delivery or pickup.
    reason : str
        ``ReasonForReturn``.
    exchange : bool
        The customer wants the same SKU again instead of a refund.
    short_units : int
        Units the customer says are in the parcel but are missing (a return mismatch).
    """

    sku: str
    units: int
    days_after_delivery: float
    reason: str
    exchange: bool
    short_units: int


@dataclass(frozen=True, slots=True)
class CustomerBehaviour:
    """Everything the customer will do, decided at checkout.

    Attributes
    ----------
    cancel_after_hours : float or None
        When the customer asks to cancel (hours after the order), or None.
    cancel_skus : tuple of str
        What they ask to cancel: every line, or one.
    returns : tuple of LineReturn
    contacts_if_late : bool
        Whether they contact service when a parcel arrives late.
    contact_delay_hours : float
    pickup_no_show : bool
        For a pickup order: the customer never comes.
    """

    cancel_after_hours: float | None = None
    cancel_skus: tuple[str, ...] = ()
    returns: tuple[LineReturn, ...] = ()
    contacts_if_late: bool = False
    contact_delay_hours: float = 0.0
    pickup_no_show: bool = False


def _choice(options: dict[str, float], u: float) -> str:
    names = list(options)
    weights = np.array([options[n] for n in names], dtype=float)
    cdf = np.cumsum(weights / weights.sum())
    return names[min(int(np.searchsorted(cdf, u, side="right")), len(names) - 1)]


def draw_behaviour(
    scenario: Scenario,
    catalog: Catalog,
    lines: tuple[tuple[str, int, int], ...],
    rng: np.random.Generator,
) -> CustomerBehaviour:
    """Draw one customer's behaviour for an order with ``lines`` (sku, units, unit price)."""
    service = scenario.service
    cancel = service.cancellations
    u_cancel, u_whole, u_line = rng.random(3)
    cancel_hours = sample(cancel.hours_after_order, rng)
    cancels = u_cancel < cancel.probability
    if u_whole < cancel.whole_order_share:
        cancel_skus = tuple(sku for sku, _, _ in lines)
    else:
        cancel_skus = (lines[min(int(u_line * len(lines)), len(lines) - 1)][0],)
    returns = []
    r = service.returns
    for sku, units, _ in lines:
        rate = r.rate_by_category.get(catalog[sku].category, r.default_rate)
        n = int(rng.binomial(units, rate))
        days = sample(r.days_after_delivery, rng)
        u_reason, u_exchange, u_mismatch = rng.random(3)
        short = 1 if (u_mismatch < r.mismatch_probability and n > 0) else 0
        if n > 0:
            returns.append(
                LineReturn(
                    sku,
                    n,
                    days,
                    _choice(r.reasons, u_reason),
                    bool(u_exchange < r.exchange_share),
                    short,
                )
            )
    appease = service.appeasements
    u_contact, u_no_show = rng.random(2)
    contact_delay = sample(appease.contact_hours_after_delivery, rng)
    return CustomerBehaviour(
        cancel_after_hours=cancel_hours if cancels else None,
        cancel_skus=cancel_skus if cancels else (),
        returns=tuple(returns),
        contacts_if_late=bool(u_contact < appease.contact_share),
        contact_delay_hours=contact_delay,
        pickup_no_show=bool(u_no_show < service.pickup_no_shows.probability),
    )
