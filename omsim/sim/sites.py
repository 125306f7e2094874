"""A fulfillment site in the simulation: associates (a SimPy resource), hours, cut-off, outages.

Clock arithmetic only; the decisions of what to do at a site live in the flows.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import simpy

from omsim.scenario.schema import SiteSpec


@dataclass(frozen=True, slots=True)
class Outage:
    """A window [start, end) in hours when the site stops or rejects."""

    start: float
    end: float
    mode: str


class Site:
    """One location's capacity and calendar.

    Parameters
    ----------
    env : simpy.Environment
    location_id : str
    spec : SiteSpec
        Associates, opening hours, pick-and-pack time, carrier cut-off, inventory accuracy.
    start_hour : float
        Hour of day at simulation time 0, so that hours of day line up with the calendar.
    outages : list of Outage
    """

    def __init__(
        self,
        env: simpy.Environment,
        location_id: str,
        spec: SiteSpec,
        start_hour: float = 0.0,
        outages: list[Outage] | None = None,
    ) -> None:
        self.location_id = location_id
        self.spec = spec
        self.associates = simpy.Resource(env, capacity=spec.associates)
        self._offset = start_hour
        self.outages = sorted(outages or [], key=lambda o: o.start)

    def hour_of_day(self, t: float) -> float:
        return (t + self._offset) % 24.0

    def next_open(self, t: float) -> float:
        """The first time >= t when the site is open (t itself when open now)."""
        spec = self.spec
        if spec.open_hour == 0 and spec.close_hour == 24:
            return t
        hour = self.hour_of_day(t)
        if spec.open_hour <= hour < spec.close_hour:
            return t
        wait = (spec.open_hour - hour) % 24.0
        return t + wait

    def next_carrier_pickup(self, t: float) -> float:
        """When a parcel packed at ``t`` leaves with the carrier: the next cut-off, or ``t``."""
        cutoff = self.spec.carrier_cutoff_hour
        if cutoff is None:
            return t
        wait = (cutoff - self.hour_of_day(t)) % 24.0
        return t + wait

    def next_collection(self, t: float) -> float:
        """When the carrier collects a parcel packed at ``t``: the next cut-off not in a stop."""
        collect = self.next_carrier_pickup(t)
        for _ in range(1000):
            outage = self.outage_at(collect)
            if outage is None or outage.mode != "stop":
                return collect
            collect = self.next_carrier_pickup(outage.end)
        return math.inf

    def outage_at(self, t: float) -> Outage | None:
        for outage in self.outages:
            if outage.start <= t < outage.end:
                return outage
        return None

    def ready_at(self, t: float) -> float:
        """The first time >= t when the site is open and not stopped by an outage."""
        for _ in range(1000):
            opened = self.next_open(t)
            outage = self.outage_at(opened)
            if outage is None or outage.mode != "stop":
                return opened
            t = outage.end
        return math.inf
