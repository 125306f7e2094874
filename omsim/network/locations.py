"""Fulfillment locations, customer zones and carrier service levels.

Mirrors the Salesforce ``Location`` record as Omnichannel Inventory and routing use it: a
``LocationType`` (exact picklist values "Warehouse", "Retail Store", plus "Return Center"), a
Visitor Address reduced to coordinates and postal code, and membership of ``LocationGroup`` records
(``LocationGroupAssignment``). A customer zone stands for the recipients of one area (a city), with
the share of demand it carries.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from enum import Enum


class LocationType(Enum):
    """Salesforce ``Location.LocationType`` values omsim uses."""

    WAREHOUSE = "Warehouse"
    STORE = "Retail Store"
    RETURN_CENTER = "Return Center"

    @classmethod
    def parse(cls, value: LocationType | str) -> LocationType:
        """Read a type from an enum member, its value or its name (case-insensitive).

        Examples
        --------
        >>> LocationType.parse("retail store")
        <LocationType.STORE: 'Retail Store'>
        """
        if isinstance(value, cls):
            return value
        text = str(value).strip().lower()
        for member in cls:
            if text in (member.value.lower(), member.name.lower()):
                return member
        allowed = ", ".join(repr(m.value) for m in cls)
        raise ValueError(f"location type {value!r} is not one of {allowed}")


class ServiceLevel(Enum):
    """Carrier service level of a delivery group (its ``DeliveryMethod``)."""

    STANDARD = "standard"
    EXPRESS = "express"

    @classmethod
    def parse(cls, value: ServiceLevel | str) -> ServiceLevel:
        """Read a service level from an enum member or its value/name (case-insensitive).

        Examples
        --------
        >>> ServiceLevel.parse("EXPRESS")
        <ServiceLevel.EXPRESS: 'express'>
        """
        if isinstance(value, cls):
            return value
        text = str(value).strip().lower()
        for member in cls:
            if text in (member.value, member.name.lower()):
                return member
        allowed = ", ".join(repr(m.value) for m in cls)
        raise ValueError(f"service level {value!r} is not one of {allowed}")


def _check_coordinates(kind: str, record_id: str, latitude: float, longitude: float) -> None:
    if not record_id:
        raise ValueError(f"{kind} id must be a non-empty string")
    if not (math.isfinite(latitude) and -90.0 <= latitude <= 90.0):
        raise ValueError(f"{kind} {record_id!r}: latitude {latitude} must be in [-90, 90] degrees")
    if not (math.isfinite(longitude) and -180.0 <= longitude <= 180.0):
        raise ValueError(
            f"{kind} {record_id!r}: longitude {longitude} must be in [-180, 180] degrees"
        )


@dataclass(frozen=True)
class Location:
    """A place that holds inventory and ships orders (Salesforce ``Location``).

    Attributes
    ----------
    id : str
        External reference, the identifier routing and Omnichannel Inventory use.
    name : str
        Display name.
    type : LocationType
        Warehouse, retail store or return center.
    latitude, longitude : float
        Visitor Address coordinates, decimal degrees.
    postal_code : str or None
        Visitor Address postal code; None when unknown (generated networks).
    groups : tuple of str
        Location groups the location belongs to (``LocationGroupAssignment``).
    handling_cost_cents : int
        Pick, pack and label cost of one shipment from here, cents.
    """

    id: str
    name: str
    type: LocationType
    latitude: float
    longitude: float
    postal_code: str | None = None
    groups: tuple[str, ...] = ()
    handling_cost_cents: int = 0

    def __post_init__(self) -> None:
        object.__setattr__(self, "type", LocationType.parse(self.type))
        object.__setattr__(self, "groups", tuple(self.groups))
        _check_coordinates("location", self.id, self.latitude, self.longitude)
        if self.handling_cost_cents < 0:
            raise ValueError(
                f"location {self.id!r}: handling_cost_cents must be >= 0, "
                f"got {self.handling_cost_cents}"
            )


@dataclass(frozen=True)
class CustomerZone:
    """An area whose recipients are treated as one delivery point.

    Attributes
    ----------
    id : str
        Zone identifier.
    name : str
        Display name (usually the city).
    latitude, longitude : float
        Zone centre, decimal degrees.
    postal_code : str or None
        Representative recipient postal code; None when unknown.
    demand_weight : float
        Relative share of orders from this zone (non-negative; need not sum to one).
    """

    id: str
    name: str
    latitude: float
    longitude: float
    postal_code: str | None = None
    demand_weight: float = 1.0

    def __post_init__(self) -> None:
        _check_coordinates("zone", self.id, self.latitude, self.longitude)
        if not (math.isfinite(self.demand_weight) and self.demand_weight >= 0):
            raise ValueError(
                f"zone {self.id!r}: demand_weight must be a finite number >= 0, "
                f"got {self.demand_weight}"
            )
