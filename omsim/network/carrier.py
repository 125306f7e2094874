"""A carrier's zone chart: distance bands, transit days and shipping cost per service level.

Parcel carriers price and promise by zone, a band of distance between origin and destination.
``CarrierRates`` holds such a chart as data. The defaults are US-parcel-like (ground and a
two-day-style express, zones 2 to 8); they are illustrative assumptions, not a carrier's tariff.
"""

from __future__ import annotations

import bisect
import itertools
import math
from dataclasses import dataclass, field

from omsim.network.locations import ServiceLevel

_BILLABLE_WEIGHT_TOLERANCE_KG = 1e-9


@dataclass(frozen=True)
class ServiceRates:
    """Transit and price of one service level, one entry per distance band.

    Attributes
    ----------
    transit_days : tuple of int
        Business days in transit, per band.
    base_cents : tuple of int
        Fixed price of a parcel, per band, cents.
    per_kg_cents : tuple of int
        Price per billable kg, per band, cents.
    """

    transit_days: tuple[int, ...]
    base_cents: tuple[int, ...]
    per_kg_cents: tuple[int, ...]


def _default_services() -> dict[ServiceLevel, ServiceRates]:
    return {
        ServiceLevel.STANDARD: ServiceRates(
            transit_days=(1, 2, 2, 3, 4, 5, 5),
            base_cents=(850, 900, 950, 1050, 1150, 1250, 1350),
            per_kg_cents=(60, 80, 100, 130, 160, 190, 220),
        ),
        ServiceLevel.EXPRESS: ServiceRates(
            transit_days=(1, 1, 1, 2, 2, 2, 2),
            base_cents=(1800, 2100, 2400, 2900, 3400, 3900, 4400),
            per_kg_cents=(150, 200, 250, 320, 400, 480, 560),
        ),
    }


@dataclass(frozen=True)
class CarrierRates:
    """A configurable zone chart.

    Attributes
    ----------
    band_upper_km : tuple of float
        Upper bound (inclusive) of each distance band, km, strictly increasing; the last bound
        may be ``math.inf``. A distance beyond the last bound falls in the last band.
    services : dict of ServiceLevel to ServiceRates
        Transit and price per service level; each tuple has one entry per band.

    Notes
    -----
    Billable weight is the actual weight rounded up to a whole kg, at least 1 kg, as parcel
    carriers bill. Default bands approximate US parcel zones 2-8 (50, 150, 300, 600, 1000,
    1800 miles and beyond).

    Examples
    --------
    >>> rates = CarrierRates()
    >>> rates.band(100.0), rates.transit_days(100.0, ServiceLevel.STANDARD)
    (1, 2)
    >>> rates.shipping_cost_cents(100.0, 2.5, ServiceLevel.STANDARD)
    1140
    """

    band_upper_km: tuple[float, ...] = (80.0, 240.0, 480.0, 970.0, 1600.0, 2900.0, math.inf)
    services: dict[ServiceLevel, ServiceRates] = field(default_factory=_default_services)

    def __post_init__(self) -> None:
        bands = tuple(float(b) for b in self.band_upper_km)
        object.__setattr__(self, "band_upper_km", bands)
        if not bands:
            raise ValueError("band_upper_km must list at least one band")
        if any(b <= a for a, b in itertools.pairwise(bands)) or bands[0] <= 0:
            raise ValueError(f"band_upper_km must be positive and strictly increasing, got {bands}")
        missing = [s.value for s in ServiceLevel if s not in self.services]
        if missing:
            raise ValueError(f"services is missing service levels {missing}")
        for level, rates in self.services.items():
            for name in ("transit_days", "base_cents", "per_kg_cents"):
                values = getattr(rates, name)
                if len(values) != len(bands):
                    raise ValueError(
                        f"services[{level.value!r}].{name} has {len(values)} entries; "
                        f"band_upper_km has {len(bands)} bands"
                    )
                if any(v < 0 for v in values):
                    raise ValueError(f"services[{level.value!r}].{name} must be >= 0, got {values}")

    @property
    def n_bands(self) -> int:
        """Number of distance bands."""
        return len(self.band_upper_km)

    def band(self, distance_km: float) -> int:
        """Index of the band a distance (km) falls in."""
        if distance_km < 0 or not math.isfinite(distance_km):
            raise ValueError(f"distance_km must be a finite number >= 0, got {distance_km}")
        return min(bisect.bisect_left(self.band_upper_km, distance_km), self.n_bands - 1)

    def transit_days(self, distance_km: float, service: ServiceLevel) -> int:
        """Days in transit for a distance (km) at a service level."""
        return self.services[ServiceLevel.parse(service)].transit_days[self.band(distance_km)]

    def shipping_cost_cents(
        self, distance_km: float, weight_kg: float, service: ServiceLevel
    ) -> int:
        """Price of one parcel: band base plus per-kg rate times billable weight, cents."""
        rates = self.services[ServiceLevel.parse(service)]
        band = self.band(distance_km)
        return rates.base_cents[band] + rates.per_kg_cents[band] * billable_kg(weight_kg)


def billable_kg(weight_kg: float) -> int:
    """Billable weight: actual weight rounded up to a whole kg, at least 1 kg.

    Examples
    --------
    >>> billable_kg(0.2), billable_kg(2.0), billable_kg(2.01)
    (1, 2, 3)
    """
    if weight_kg < 0 or not math.isfinite(weight_kg):
        raise ValueError(f"weight_kg must be a finite number >= 0, got {weight_kg}")
    return max(1, math.ceil(weight_kg - _BILLABLE_WEIGHT_TOLERANCE_KG))
