"""Order arrivals: a non-homogeneous Poisson process, sampled by thinning.

The rate (orders per hour) combines the base daily volume, a linear trend, a day-of-week and an
hour-of-day profile (each of mean 1) and dated peaks. Thinning (Lewis and Shedler, 1979) draws
candidate arrivals at the maximum rate and keeps each with probability rate(t) / max rate, which
is exact for any bounded rate function.
"""

from __future__ import annotations

import math
from collections.abc import Iterator

import numpy as np

from omsim.scenario.schema import Scenario


class ArrivalRate:
    """Orders per hour at time t (hours since the scenario start)."""

    def __init__(self, scenario: Scenario) -> None:
        demand = scenario.demand
        self._per_hour = demand.orders_per_day / 24.0
        self._trend = demand.trend_per_year
        self._dow = demand.day_of_week
        self._hod = demand.hour_of_day
        self._start_weekday = scenario.start.weekday()
        self._start_hour = scenario.start.hour + scenario.start.minute / 60
        self._peaks = {
            math.floor(scenario.hours_since_start(p.date) / 24): p.multiplier for p in demand.peaks
        }
        self.max_rate = (
            self._per_hour
            * max(1.0, 1.0 + self._trend * scenario.horizon_days / 365.0)
            * max(self._dow)
            * max(self._hod)
            * max([1.0, *self._peaks.values()])
        )

    def __call__(self, t: float) -> float:
        clock = t + self._start_hour
        day = math.floor(clock / 24)
        weekday = (self._start_weekday + day) % 7
        hour = int(clock % 24)
        scenario_day = math.floor(t / 24)
        return (
            self._per_hour
            * (1.0 + self._trend * t / (24 * 365.0))
            * self._dow[weekday]
            * self._hod[hour]
            * self._peaks.get(scenario_day, 1.0)
        )

    def expected_orders(self, until_hours: float, step_hours: float = 0.25) -> float:
        """Expected arrivals in [0, until_hours): the integral of the rate (midpoint rule)."""
        n = math.ceil(until_hours / step_hours)
        return sum(self((i + 0.5) * step_hours) for i in range(n)) * step_hours


def arrival_times(
    rate: ArrivalRate, horizon_hours: float, rng: np.random.Generator
) -> Iterator[float]:
    """Arrival times in [0, horizon_hours), increasing."""
    t = 0.0
    while True:
        t += rng.exponential(1.0 / rate.max_rate)
        if t >= horizon_hours:
            return
        if rng.random() * rate.max_rate <= rate(t):
            yield t
