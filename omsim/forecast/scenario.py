"""Monthly Order Summaries and GMV from a scenario: a fast Monte Carlo of its demand process.

No discrete-event run: each path draws the scenario's own arrival process, month by month, with
numpy. What it mirrors, and how:

* **Arrivals.** The rate of `omsim.sim.arrivals.ArrivalRate` (orders per hour: base volume x
  (1 + trend x years since start) x day-of-week x hour-of-day x dated peaks), integrated over
  each calendar month by the same midpoint rule on a quarter-hour grid as
  `ArrivalRate.expected_orders`, so the two agree to rounding. A month's arrivals are Poisson
  with that integral as mean (a non-homogeneous Poisson process).
* **Growth uncertainty.** The trend is a distribution: each path draws its growth per year
  from ``demand.trend_per_year + Normal(0, growth_sd_per_year)`` (``growth_sd_per_year`` 0: the
  scenario's trend exactly). The base volume and the profiles are not uncertain. A path whose
  drawn trend would make a month's rate negative has that month's rate floored at zero.
* **Checkout.** As `omsim.sim.flows.capture`: a card declined (``payments.decline_rate``) or a
  checkout during a payment-gateway outage (``faults.gateway_outages``) never becomes an order;
  the rest become Order Summaries, managed with probability ``demand.managed_share``. Only
  managed ones are counted (the licensing rule); unmanaged ones are forecast apart
  (`ScenarioForecast.unmanaged_table`). Thinning a Poisson process keeps it Poisson, so managed
  and unmanaged counts per sales channel (``demand.sales_channels``) are independent Poisson
  draws.
* **GMV at creation.** The grand total of each Order Summary, formed as capture forms it: every
  line's units x unit price plus its tax (half-even to the cent, ``demand.tax_rate``), plus the
  delivery charge (waived at the free-shipping threshold except for Express) and its tax.
  Baskets are drawn as `omsim.sim.demand.draft_order` draws them (zone by demand weight; lines
  and units geometric with their caps; SKUs by the catalog's Zipf popularity, lines of one SKU
  merged; the delivery method by share; Pickup ships Standard from a zone with no store within
  ``demand.pickup_radius_km``) from the catalog a run builds: `omsim.sim.world.build_world`
  with the ``catalog`` stream of `omsim.sim.streams.Streams` (``catalog_seed``, default the
  scenario's seed; a run's catalog, and so its prices, depends on its seed). A pool of
  ``pool_orders`` baskets is drawn once; a month's GMV is the sum of its orders' values drawn
  from the pool, or, for more than `EXACT_SUM_LIMIT` orders, the normal law of that sum (mean
  and variance exact for the pool).
* **Exchanges.** An exchange creates a managed Order Summary (SourceProcess Exchange) on the
  original's channel for the returned units of one line, Standard delivery, no delivery charge:
  units x price plus tax. Per line of a pooled basket, as `omsim.sim.behaviour.draw_behaviour`
  draws it: returned units Binomial(units, the category's return rate), an exchange with
  probability ``service.returns.exchange_share``; none for lines the customer cancels
  (``service.cancellations``, whole order or one line) or for a Pickup no-show, none at all
  with ``service.behaviour: false``. It is created when the customer sends the parcel back:
  checkout + time to delivery + ``returns.days_after_delivery``. An exchange created after the
  forecast window's end is not counted, as a run stops at its horizon.

Approximations (each could make the forecast differ from a run of the model):

* Stock-outs are not modelled: the scenario's stock is assumed to cover demand (a run counts a
  stocked-out checkout as lost: ``Checkout Stocked Out``; on the tutorial scenario, seeds 1-8,
  none occurred). Store closures and outages do not turn Pickup into Standard here.
* Time to delivery: `SHIP_LAG_HOURS` to leave the site (routing batches, picking in opening
  hours, carrier cut-offs are not modelled; in a 30-day tutorial run, seed 7, checkout to
  delivery or collection took 45 hours on average, median 43, most of it the zone chart's
  1-2 days), then the zone chart's transit days from the
  zone's nearest warehouse with the carrier's noise (``carrier.transit_sd_days``); for Pickup,
  the same lag to be ready, then ``pickup.pickup_delay_hours``. Lost parcels, reships and
  refused exchanges (an order with nothing captured) are ignored; a line split over two
  shipments gives one exchange here, one per shipment in a run.
* Exchanges per month are Poisson given the originals of each month (an order rarely makes
  two), landing in later months by the pooled delay; the within-month timing of originals
  follows the scenario's trend, not each path's drawn trend.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from omsim.forecast.baskets import draw_pool
from omsim.forecast.history import ALL_CHANNELS, ForecastError
from omsim.scenario.schema import Scenario
from omsim.scenario.validation import seed_problem
from omsim.sim.streams import Streams
from omsim.sim.world import build_world

MEASURES = ("order_summaries", "gmv_cents")
"""Managed Order Summaries created (count) and their grand total at creation (cents)."""
METHOD = "monte_carlo"
STEP_HOURS = 0.25
"""The integration step of the arrival rate, as `ArrivalRate.expected_orders` uses."""
HOURS_PER_YEAR = 24 * 365.0
EXACT_SUM_LIMIT = 400
"""A cell (path, month, channel) with at most this many orders sums pooled values one by one."""
COLUMNS = ("channel", "measure", "month", "method", "mean", "p10", "p50", "p90", "complete")


@dataclass(frozen=True)
class ScenarioForecast:
    """A scenario's monthly forecast of managed Order Summaries and GMV.

    Attributes
    ----------
    table : pandas.DataFrame
        One row per channel (and ``All channels``), measure and month: columns `COLUMNS`
        (``mean``, ``p10``, ``p50``, ``p90`` in the measure's unit; ``complete`` False for a month
        the window covers only in part) plus ``exchanges_mean``, the part of ``mean`` created by
        exchanges.
    paths : dict of (channel, measure) to numpy.ndarray
        Simulated monthly totals, shape (n_paths, months), originals and exchanges together.
    exchange_paths : dict of (channel, measure) to numpy.ndarray
        The part of ``paths`` created by exchanges.
    unmanaged_table : pandas.DataFrame
        The same table for unmanaged Order Summaries (not counted for licensing).
    months : tuple of str
        ``YYYY-MM``, the columns of the paths.
    growth_per_year : numpy.ndarray
        Each path's drawn trend (fraction per year).
    """

    table: pd.DataFrame
    paths: dict[tuple[str, str], np.ndarray]
    exchange_paths: dict[tuple[str, str], np.ndarray]
    unmanaged_table: pd.DataFrame
    months: tuple[str, ...]
    growth_per_year: np.ndarray = field(repr=False)


def forecast_scenario(
    scenario: Scenario,
    *,
    months: int | None = None,
    n_paths: int = 2000,
    seed: int = 0,
    growth_sd_per_year: float = 0.0,
    catalog_seed: int | None = None,
    pool_orders: int = 20_000,
) -> ScenarioForecast:
    """P10/P50/P90 per month of a scenario's managed Order Summaries and GMV at creation.

    Parameters
    ----------
    scenario : Scenario
    months : int, optional
        Calendar months to forecast from the scenario's start month; the window runs from the
        scenario's start to the end of the last. Default: the scenario's horizon, and the months
        it touches.
    n_paths : int
        Monte Carlo paths.
    seed : int
        Seed of the Monte Carlo draws, an integer in [0, 2**63) (the same seed gives the same
        forecast).
    growth_sd_per_year : float
        Standard deviation of the trend per year (a fraction: 0.05 is five points), >= 0.
    catalog_seed : int, optional
        The run seed whose catalog (prices, categories) the baskets use; default the scenario's.
    pool_orders : int
        Baskets drawn once for order and exchange values.

    Returns
    -------
    ScenarioForecast
    """
    if (problem := seed_problem(seed)) is not None:
        raise ForecastError(f"seed: {problem}")
    counts = {"months": months, "n_paths": n_paths, "pool_orders": pool_orders}
    for name, count in counts.items():
        if name == "months" and count is None:  # the scenario's horizon
            continue
        if isinstance(count, bool) or not isinstance(count, int) or count < 1:
            raise ForecastError(f"{name} must be a whole number >= 1, got {count!r}")
    if not (growth_sd_per_year >= 0 and math.isfinite(growth_sd_per_year)):
        raise ForecastError(f"growth_sd_per_year must be >= 0, got {growth_sd_per_year!r}")
    labels, bounds, end = month_window(scenario, months)
    t, base = rate_grid(scenario, end)
    accept = checkout_share(scenario, t)
    month_of = np.searchsorted(bounds, t, side="right") - 1
    k = len(labels)
    weight = base * accept * STEP_HOURS
    level = np.bincount(month_of, weights=weight, minlength=k)
    slope = np.bincount(month_of, weights=weight * t / HOURS_PER_YEAR, minlength=k)

    rng = np.random.default_rng(seed)
    growth = np.full(n_paths, scenario.demand.trend_per_year)
    if growth_sd_per_year > 0:
        growth = growth + rng.normal(0.0, growth_sd_per_year, n_paths)
    mu = np.maximum(level[None, :] + growth[:, None] * slope[None, :], 0.0)

    world, _ = build_world(
        scenario, Streams(scenario.seed if catalog_seed is None else catalog_seed).catalog
    )
    pool = draw_pool(scenario, world, np.random.default_rng([seed, 1]), pool_orders)
    landing = _landing(bounds, end, month_of, weight, pool.exchange_delay_hours)
    per_order = len(pool.exchange_values) / pool_orders

    demand = scenario.demand
    total = sum(demand.sales_channels.values())
    shares = {c: w / total for c, w in demand.sales_channels.items() if w > 0}
    managed: dict[tuple[str, str], np.ndarray] = {}
    exchanges: dict[tuple[str, str], np.ndarray] = {}
    unmanaged: dict[tuple[str, str], np.ndarray] = {}
    for channel, share in shares.items():
        n = rng.poisson(mu * share * demand.managed_share)
        x = _exchanges(n, per_order, landing, rng)
        gmv_x = _sum_draws(x, pool.exchange_values, rng)
        managed[channel, "order_summaries"] = n + x
        managed[channel, "gmv_cents"] = _sum_draws(n, pool.order_values, rng) + gmv_x
        exchanges[channel, "order_summaries"] = x
        exchanges[channel, "gmv_cents"] = gmv_x
        u = rng.poisson(mu * share * (1.0 - demand.managed_share))
        unmanaged[channel, "order_summaries"] = u
        unmanaged[channel, "gmv_cents"] = _sum_draws(u, pool.order_values, rng)
    for paths in (managed, exchanges, unmanaged):
        if len(shares) > 1:
            for measure in MEASURES:
                paths[ALL_CHANNELS, measure] = np.sum([paths[c, measure] for c in shares], axis=0)
    complete = (bounds[:-1] >= 0) & (bounds[1:] <= end + 1e-9)
    return ScenarioForecast(
        table=_table(managed, exchanges, labels, complete),
        paths=managed,
        exchange_paths=exchanges,
        unmanaged_table=_table(unmanaged, None, labels, complete),
        months=labels,
        growth_per_year=growth,
    )


# --- the arrival process ------------------------------------------------------------------------


def month_window(
    scenario: Scenario, months: int | None
) -> tuple[tuple[str, ...], np.ndarray, float]:
    """Month labels, their bounds in hours since the start (months + 1), and the window's end.

    The first bound is the start month's first midnight (<= 0 when the scenario starts later).
    """
    start = scenario.start
    count = months
    if count is None:
        last = start + dt.timedelta(hours=scenario.horizon_hours) - dt.timedelta(microseconds=1)
        count = (last.year - start.year) * 12 + last.month - start.month + 1
    firsts = [
        dt.datetime(start.year + (start.month - 1 + i) // 12, (start.month - 1 + i) % 12 + 1, 1)
        for i in range(count + 1)
    ]
    bounds = np.array([scenario.hours_since_start(d) for d in firsts])
    end = scenario.horizon_hours if months is None else float(bounds[-1])
    return tuple(f"{d:%Y-%m}" for d in firsts[:-1]), bounds, float(end)


def rate_grid(scenario: Scenario, end_hours: float) -> tuple[np.ndarray, np.ndarray]:
    """Midpoints of the quarter-hour steps in [0, end_hours) and the rate there without trend.

    The rate is `omsim.sim.arrivals.ArrivalRate` (orders per hour) with ``trend_per_year`` 0;
    the trend multiplies it by ``1 + trend x t / 8760``.
    """
    demand = scenario.demand
    n = math.ceil(end_hours / STEP_HOURS)
    t = (np.arange(n) + 0.5) * STEP_HOURS
    clock = t + scenario.start.hour + scenario.start.minute / 60
    weekday = (scenario.start.weekday() + np.floor(clock / 24).astype(np.int64)) % 7
    hour = (clock % 24).astype(np.int64)
    peak = np.ones(n)
    day = np.floor(t / 24)
    for p in demand.peaks:
        peak[day == math.floor(scenario.hours_since_start(p.date) / 24)] = p.multiplier
    rate = demand.orders_per_day / 24.0 * np.asarray(demand.day_of_week)[weekday]
    return t, rate * np.asarray(demand.hour_of_day)[hour] * peak


def checkout_share(scenario: Scenario, t: np.ndarray) -> np.ndarray:
    """The share of checkouts at each time that become Order Summaries: not declined, and the
    payment gateway up (`omsim.sim.flows.capture`); stock-outs are not modelled."""
    share = np.full(len(t), 1.0 - scenario.payments.decline_rate)
    for w in scenario.faults.gateway_outages:
        down = (t >= scenario.hours_since_start(w.start)) & (t < scenario.hours_since_start(w.end))
        share[down] = 0.0
    return share


# --- monthly paths --------------------------------------------------------------------------------


def _landing(
    bounds: np.ndarray, end: float, month_of: np.ndarray, weight: np.ndarray, delay: np.ndarray
) -> np.ndarray:
    """(months, months + 1): the chance an exchange from an original of month j is created in
    month m, the last column after the window's end."""
    k = len(bounds) - 1
    out = np.zeros((k, k + 1))
    if len(delay) == 0:
        out[:, k] = 1.0
        return out
    ordered = np.sort(delay)
    edges = np.minimum(bounds, end)
    for j in range(k):
        here = month_of == j
        t, w = (np.arange(len(weight)) + 0.5)[here] * STEP_HOURS, weight[here]
        if w.sum() <= 0:
            out[j, k] = 1.0
            continue
        cdf = np.searchsorted(ordered, edges[None, :] - t[:, None]) / len(ordered)
        inside = (w[:, None] * np.diff(cdf, axis=1)).sum(axis=0) / w.sum()
        out[j, :k] = inside
        out[j, k] = max(0.0, 1.0 - inside.sum())
    return out


def _exchanges(
    originals: np.ndarray, per_order: float, landing: np.ndarray, rng: np.random.Generator
) -> np.ndarray:
    """Exchange Order Summaries per path and month from each month's originals."""
    n_paths, k = originals.shape
    out = np.zeros((n_paths, k), dtype=np.int64)
    for j in range(k):
        made = rng.poisson(originals[:, j] * per_order)
        out += rng.multinomial(made, landing[j])[:, :k]
    return out


def _sum_draws(counts: np.ndarray, values: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Per cell, the sum of ``counts`` values drawn from ``values`` (cents, rounded to whole
    cents): one by one up to `EXACT_SUM_LIMIT`, else from the sum's normal law."""
    flat = counts.ravel()
    sums = np.zeros(flat.shape)
    if len(values) == 0:
        return sums.reshape(counts.shape)
    small = flat <= EXACT_SUM_LIMIT
    n_small = flat[small]
    drawn = values[rng.integers(len(values), size=int(n_small.sum()))]
    running = np.concatenate([[0.0], np.cumsum(drawn)])
    ends = np.cumsum(n_small)
    sums[small] = running[ends] - running[ends - n_small]
    big = flat[~small]
    sums[~small] = big * values.mean() + np.sqrt(big) * values.std() * rng.standard_normal(len(big))
    return np.rint(np.maximum(sums, 0.0)).reshape(counts.shape)


def _table(
    paths: dict[tuple[str, str], np.ndarray],
    parts: dict[tuple[str, str], np.ndarray] | None,
    labels: tuple[str, ...],
    complete: np.ndarray,
) -> pd.DataFrame:
    frames = []
    for (channel, measure), values in paths.items():
        p10, p50, p90 = np.percentile(values, [10, 50, 90], axis=0)
        columns: dict[str, object] = {"channel": channel, "measure": measure, "month": labels}
        columns["method"] = METHOD
        columns |= {"mean": values.mean(axis=0), "p10": p10, "p50": p50, "p90": p90}
        columns["complete"] = complete
        if parts is not None:
            columns["exchanges_mean"] = parts[channel, measure].mean(axis=0)
        frames.append(pd.DataFrame(columns))
    return pd.concat(frames, ignore_index=True)
