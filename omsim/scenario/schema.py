"""The scenario schema: every parameter of a run, typed and validated (pydantic).

Units are in the field names: ``_hours``, ``_days``, ``_minutes``, ``_cents``, ``_km``, ``_kg``;
shares and probabilities are fractions in [0, 1]. Random quantities are `Dist` objects
(``{dist: lognormal, mean: 8, sd: 3}``). Unknown keys are rejected everywhere. Loading from YAML,
``extends`` and readable error messages live in `omsim.scenario.loading`.
"""

from __future__ import annotations

import datetime as dt
import difflib
import math
import re
from decimal import Decimal
from typing import Annotated, Literal

from pydantic import Field, field_validator, model_validator

from omsim.scenario.common import Dist, Strict, WindowSpec, WorkingHours, constant
from omsim.scenario.currencies import ISO_4217
from omsim.scenario.service import FaultsSpec, ServiceSpec

DELIVERY_METHODS = ("Standard", "Express", "Pickup")
LOCATION_TYPES = ("warehouse", "store", "return_center")
SAFE_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]*")
"""A scenario name names its run folder: letters, digits, ``_``, ``.``, ``-``; no ``..``."""
SEED_LIMIT = 2**63


# --- network ----------------------------------------------------------------------------------


class GeneratedNetworkSpec(Strict):
    """A national network from GeoNames city data (see `omsim.network.national`)."""

    country: str = "US"
    n_zones: int = Field(default=40, ge=1)
    n_warehouses: int = Field(default=2, ge=1)
    n_stores: int = Field(default=25, ge=0)
    warehouse_cities: list[str] | None = None
    store_cities: list[str] | None = None
    return_center_cities: list[str] = []
    seed: int = Field(default=0, ge=0, lt=SEED_LIMIT)


class LocationSpec(Strict):
    """One warehouse, store or return center (an OCI location)."""

    id: str
    name: str = ""
    type: Literal["warehouse", "store", "return_center"]
    latitude: float = Field(ge=-90, le=90)
    longitude: float = Field(ge=-180, le=180)
    postal_code: str | None = None
    groups: list[str] = ["Online"]
    handling_cost_cents: int = Field(default=300, ge=0)
    categories: list[str] | None = Field(default=None, min_length=1)
    """Product categories the location stocks (default: all), e.g. a DC for bulky goods."""


class ZoneSpec(Strict):
    """A customer zone: where demand comes from, weighted."""

    id: str
    name: str = ""
    latitude: float = Field(ge=-90, le=90)
    longitude: float = Field(ge=-180, le=180)
    demand_weight: float = Field(gt=0)
    postal_code: str | None = None


class NetworkSpec(Strict):
    """Either ``generate`` a national network or list ``locations`` and ``zones``."""

    generate: GeneratedNetworkSpec | None = None
    locations: list[LocationSpec] = []
    zones: list[ZoneSpec] = []

    @model_validator(mode="after")
    def _one_source(self) -> NetworkSpec:
        explicit = bool(self.locations or self.zones)
        if (self.generate is None) == (not explicit):
            raise ValueError("give either 'generate' or both 'locations' and 'zones'")
        if explicit and not (self.locations and self.zones):
            raise ValueError("an explicit network needs both 'locations' and 'zones'")
        ids = [loc.id for loc in self.locations] + [z.id for z in self.zones]
        duplicates = sorted({i for i in ids if ids.count(i) > 1})
        if duplicates:
            raise ValueError(f"duplicate location or zone ids: {', '.join(duplicates)}")
        return self


# --- catalog and inventory ----------------------------------------------------------------------


class CategorySpec(Strict):
    """A product category: its share of SKUs, price and weight distributions.

    Every price the distribution can draw is > 0 and every weight >= 0: a constant or the
    ``low`` of a range at or below that is refused, not clamped. Draws are rounded to whole
    cents (at least 1) and to 10 g (at least 50 g, the packaging) by `omsim.sim.catalog`.
    """

    name: str
    share: float = Field(gt=0)
    price_cents: Dist
    weight_kg: Dist

    @field_validator("price_cents")
    @classmethod
    def _price(cls, value: Dist) -> Dist:
        lowest = value.lowest
        if lowest is not None and lowest <= 0:
            raise ValueError(f"unit prices must be > 0 cents; this distribution can give {lowest}")
        return value

    @field_validator("weight_kg")
    @classmethod
    def _weight(cls, value: Dist) -> Dist:
        lowest = value.lowest
        if lowest is not None and lowest < 0:
            raise ValueError(f"weights must be >= 0 kg; this distribution can give {lowest}")
        return value


class CatalogSpec(Strict):
    """SKUs with Zipf-like popularity: the k-th most popular sells in proportion to 1/k^s."""

    n_skus: int = Field(ge=1)
    zipf_exponent: float = Field(default=1.0, ge=0)
    categories: list[CategorySpec] = Field(min_length=1)


class ReplenishmentSpec(Strict):
    """When and how much a location reorders, in days of its expected demand.

    ``min_max``: when the inventory position falls to ``reorder_point_days`` of demand, order
    up to ``order_up_to_days``. ``periodic_review``: every ``review_period_days``, order up to
    ``order_up_to_days``. Orders arrive after ``lead_time_days``.
    """

    policy: Literal["min_max", "periodic_review"] = "min_max"
    reorder_point_days: float = Field(default=7, ge=0)
    order_up_to_days: float = Field(default=21, gt=0)
    review_period_days: float = Field(default=7, gt=0)
    lead_time_days: float = Field(default=5, ge=0)


Share = Annotated[float, Field(ge=0, le=1)]
"""A fraction in [0, 1]."""


class StockPolicySpec(Strict):
    """Initial stock and replenishment for one location type.

    A location's expected daily demand for a SKU is the SKU's network demand times
    ``expected_share``, split over the locations of the type: stores by the demand of the zones
    they are nearest to, other types evenly over the locations of the type that carry the SKU
    (its category stocked and within their ``assortment_share``).
    Stock is that demand times days of cover, at least ``min_units``, for the
    ``assortment_share`` most popular SKUs of the categories the location stocks: deep on the
    head of the popularity curve (stock follows demand), thin on the tail (``min_units``).
    ``assortment_share`` is one share for every location of the type, or a distribution
    (``constant``, ``uniform`` or ``triangular`` within [0, 1]) drawn once per location from
    its own random stream: stores of different sizes carrying different shares of the range.
    """

    expected_share: float = Field(default=1.0, ge=0, le=1)
    initial_days_of_cover: float = Field(default=21, ge=0)
    min_units: int = Field(default=0, ge=0)
    safety_stock_units: int = Field(default=0, ge=0)
    assortment_share: Share | Dist = 1.0
    replenishment: ReplenishmentSpec | None = ReplenishmentSpec()

    @field_validator("assortment_share")
    @classmethod
    def _share_of_range(cls, value: float | Dist) -> float | Dist:
        if isinstance(value, Dist):
            highest = value.value if value.dist == "constant" else value.high
            if value.dist not in ("constant", "uniform", "triangular") or not (
                (value.lowest or 0) >= 0 and highest is not None and highest <= 1
            ):
                raise ValueError(
                    "a share of the range drawn per location is a constant, uniform or "
                    "triangular distribution within [0, 1]"
                )
        return value


class InventorySpec(Strict):
    warehouse: StockPolicySpec = StockPolicySpec(expected_share=0.85)
    store: StockPolicySpec = StockPolicySpec(
        expected_share=0.15, initial_days_of_cover=14, min_units=2, assortment_share=0.5
    )
    return_center: StockPolicySpec = StockPolicySpec(
        expected_share=0.0, initial_days_of_cover=0, replenishment=None
    )


# --- demand ----------------------------------------------------------------------------------


class PeakSpec(Strict):
    """A dated peak: the day's arrival rate is multiplied by ``multiplier``."""

    name: str
    date: dt.date
    multiplier: float = Field(gt=0)


def _unit_mean(values: list[float], n: int, what: str) -> list[float]:
    if len(values) != n or any(v < 0 for v in values) or sum(values) <= 0:
        raise ValueError(f"{what} needs {n} non-negative numbers with a positive sum")
    mean = sum(values) / n
    if math.isclose(mean, 1.0, rel_tol=1e-9):
        return [float(v) for v in values]  # already normalised: re-validating is exact
    return [v / mean for v in values]


class DemandSpec(Strict):
    """Order arrivals (a non-homogeneous Poisson process) and what each order holds.

    The rate at time t is ``orders_per_day`` x (1 + ``trend_per_year`` x years since start) x
    day-of-week factor x hour-of-day factor x peak multiplier, per day; both profiles are
    normalised to mean 1. ``day_of_week[0]`` is Monday; ``hour_of_day[0]`` is 00:00-01:00.
    Simplification: the clock has no time zone; profiles, site hours and peak dates are read on
    the scenario's own clock, so write them in the retailer's local time.
    """

    orders_per_day: float = Field(gt=0)
    trend_per_year: float = Field(default=0.0, ge=-0.99)
    day_of_week: list[float] = [1.0] * 7
    hour_of_day: list[float] = [1.0] * 24
    peaks: list[PeakSpec] = []
    sales_channels: dict[str, float] = {"Web": 1.0}
    managed_share: float = Field(default=1.0, ge=0, le=1)
    lines_per_order_mean: float = Field(default=1.5, ge=1)
    max_lines_per_order: int = Field(default=6, ge=1)
    units_per_line_mean: float = Field(default=1.2, ge=1)
    max_units_per_line: int = Field(default=5, ge=1)
    delivery_methods: dict[str, float] = {"Standard": 1.0}
    delivery_charge_cents: dict[str, int] = {"Standard": 599, "Express": 1499, "Pickup": 0}
    free_shipping_threshold_cents: int | None = None
    promised_days: dict[str, float] = {"Standard": 5, "Express": 2, "Pickup": 1}
    tax_rate: Decimal = Decimal("0.0825")
    pickup_radius_km: float = Field(default=40, gt=0)
    pickup_store: Literal["nearest", "nearest_with_stock"] = "nearest"
    """Which store a Pickup checkout reserves at: the nearest within the radius, or the nearest
    within the radius that has every line (a storefront showing store availability)."""

    _dow = field_validator("day_of_week")(lambda v: _unit_mean(v, 7, "day_of_week"))
    _hod = field_validator("hour_of_day")(lambda v: _unit_mean(v, 24, "hour_of_day"))

    @field_validator("delivery_methods", "delivery_charge_cents", "promised_days")
    @classmethod
    def _methods(cls, value: dict[str, float]) -> dict[str, float]:
        unknown = [k for k in value if k not in DELIVERY_METHODS]
        if unknown:
            raise ValueError(
                f"unknown delivery method {unknown[0]!r}; allowed: {', '.join(DELIVERY_METHODS)}"
            )
        if any(v < 0 for v in value.values()):
            raise ValueError("values must be >= 0")
        return value

    @field_validator("sales_channels", "delivery_methods")
    @classmethod
    def _shares(cls, value: dict[str, float]) -> dict[str, float]:
        if not value or sum(value.values()) <= 0:
            raise ValueError("shares need at least one positive value")
        return value

    @field_validator("tax_rate")
    @classmethod
    def _rate(cls, value: Decimal) -> Decimal:
        if not Decimal(0) <= value < Decimal(1):
            raise ValueError("tax_rate must be in [0, 1)")
        return value


# --- operations ------------------------------------------------------------------------------


class PaymentSpec(Strict):
    """Card authorization at checkout and capture on shipment."""

    decline_rate: float = Field(default=0.02, ge=0, le=1)
    authorization_valid_days: float = Field(default=7, gt=0)
    reauthorization_success_rate: float = Field(default=0.9, ge=0, le=1)


class CaptureSpec(Strict):
    """Order capture: an optional fraud-review hold before routing."""

    fraud_review_share: float = Field(default=0.0, ge=0, le=1)
    fraud_review_hours: Dist = constant(4)


class RoutingSpec(Strict):
    """How and when orders are routed (Salesforce routing schedule and strategy)."""

    strategy: str = "fewest_splits"
    max_splits: int = Field(default=2, ge=0)
    allowed_location_types: list[Literal["warehouse", "store", "return_center"]] | None = None
    excluded_locations: list[str] = []
    split_penalty_cents: int = Field(default=500, ge=0)
    lateness_penalty_cents_per_day: int = Field(default=1000, ge=0)
    store_protection_units: int = Field(default=0, ge=0)
    batch_interval_minutes: float = Field(default=15, ge=0)
    retry_delay_hours: float = Field(default=4, gt=0)
    max_attempts: int = Field(default=3, ge=1)


class SiteSpec(WorkingHours):
    """Work at one kind of location: associates, hours, pick-and-pack time, carrier cut-off."""

    associates: int = Field(default=10, ge=1)
    pick_pack_minutes: Dist = Dist(dist="lognormal", mean=12, sd=6)
    carrier_cutoff_hour: float | None = Field(default=None, ge=0, lt=24)
    inventory_accuracy: float = Field(default=1.0, ge=0, le=1)


class OutageSpec(WindowSpec):
    """A window when a location stops working (``stop``) or rejects what it gets (``reject``)."""

    location: str
    mode: Literal["stop", "reject"] = "stop"


class FulfillmentSpec(Strict):
    warehouse: SiteSpec = SiteSpec(
        associates=20, open_hour=6, close_hour=22, carrier_cutoff_hour=18
    )
    store: SiteSpec = SiteSpec(
        associates=2, open_hour=9, close_hour=21, carrier_cutoff_hour=16, inventory_accuracy=0.97
    )
    return_center: SiteSpec = SiteSpec(associates=5, open_hour=8, close_hour=18)
    outages: list[OutageSpec] = []


class CarrierSpec(Strict):
    """Carrier transit: the zone chart's days, plus variability (sd in days, never negative)."""

    transit_sd_days: float = Field(default=0.5, ge=0)


class PickupSpec(Strict):
    """Buy online, pick up in store: how long customers take to come."""

    pickup_delay_hours: Dist = Dist(dist="lognormal", mean=20, sd=16)


class Scenario(Strict):
    """A complete, validated scenario. Times are hours since ``start`` (UTC)."""

    name: str
    description: str = ""
    start: dt.datetime
    horizon_days: float = Field(gt=0, allow_inf_nan=False)
    currency: str = "USD"
    seed: int = Field(default=0, ge=0, lt=SEED_LIMIT)
    network: NetworkSpec
    catalog: CatalogSpec
    inventory: InventorySpec = InventorySpec()
    demand: DemandSpec
    payments: PaymentSpec = PaymentSpec()
    capture: CaptureSpec = CaptureSpec()
    routing: RoutingSpec = RoutingSpec()
    fulfillment: FulfillmentSpec = FulfillmentSpec()
    carrier: CarrierSpec = CarrierSpec()
    pickup: PickupSpec = PickupSpec()
    service: ServiceSpec = ServiceSpec()
    faults: FaultsSpec = FaultsSpec()
    flows: dict[str, str] = {}

    @field_validator("name")
    @classmethod
    def _slug(cls, value: str) -> str:
        # the name names the run folder (reports/runs/<name>-seed<N>): no way out of it
        if not SAFE_NAME.fullmatch(value) or ".." in value:
            raise ValueError(
                "a name is letters, digits, '_', '.' and '-', starting with a letter or digit, "
                "without '..' or '/' (it names the run folder)"
            )
        return value

    @field_validator("currency")
    @classmethod
    def _iso_4217(cls, value: str) -> str:
        if value not in ISO_4217:
            hint = difflib.get_close_matches(value.upper(), sorted(ISO_4217), n=1)
            near = f"; did you mean {hint[0]!r}?" if hint else ""
            raise ValueError(
                f"not an ISO 4217 currency code (three capital letters such as USD, EUR, GBP, "
                f"JPY){near}"
            )
        return value

    @field_validator("start")
    @classmethod
    def _utc(cls, value: dt.datetime) -> dt.datetime:
        return value.replace(tzinfo=dt.UTC) if value.tzinfo is None else value.astimezone(dt.UTC)

    @model_validator(mode="after")
    def _stocked_categories(self) -> Scenario:
        known = [c.name for c in self.catalog.categories]
        for i, location in enumerate(self.network.locations):
            for category in location.categories or ():
                if category not in known:
                    hint = difflib.get_close_matches(category, known, n=1)
                    near = f"; did you mean {hint[0]!r}?" if hint else ""
                    raise ValueError(
                        f"network.locations.{i}.categories: unknown category {category!r}"
                        f"{near} (catalog categories: {', '.join(known)})"
                    )
        return self

    @field_validator("flows")
    @classmethod
    def _dotted(cls, value: dict[str, str]) -> dict[str, str]:
        for trigger, path in value.items():
            if ":" not in path:
                raise ValueError(f"flow {trigger!r}: {path!r} is not 'package.module:function'")
        return value

    @property
    def horizon_hours(self) -> float:
        return self.horizon_days * 24.0

    def hours_since_start(self, moment: dt.datetime | dt.date) -> float:
        """Hours from ``start`` to a datetime (UTC if naive) or to midnight UTC of a date."""
        if not isinstance(moment, dt.datetime):
            moment = dt.datetime.combine(moment, dt.time(), dt.UTC)
        elif moment.tzinfo is None:
            moment = moment.replace(tzinfo=dt.UTC)
        return (moment - self.start).total_seconds() / 3600.0
