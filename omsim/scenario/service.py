"""The scenario schema for service after the sale and fault scenarios.

Customer and carrier behaviour (cancellations, returns, exchanges, lost parcels, appeasements,
pickup no-shows), the exception desk, and faults a user can switch on (payment gateway outages,
carrier delay surges, store closures). Defaults cite their public source (publisher, year; all
are listed in docs/figures.md) where a published figure exists; the rest are labelled
assumptions.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field, field_validator

from omsim.scenario.common import Dist, Strict, WindowSpec, WorkingHours, constant


class CancellationSpec(Strict):
    """Customers asking to cancel after checkout.

    Defaults: 3% of orders (an assumption: no published cancel rate was found), usually within
    hours.
    A request for units already allocated cancels the fulfillment order lines first when they have
    not been picked; otherwise it is refused ("Cancel Refused") and counted.
    """

    probability: float = Field(default=0.03, ge=0, le=1)
    hours_after_order: Dist = Dist(dist="exponential", mean=6)
    whole_order_share: float = Field(default=0.7, ge=0, le=1)


class ReturnsSpec(Strict):
    """Customers sending items back, with an RMA or as a simple return.

    ``rate_by_category`` is the chance a delivered unit of that category comes back (30-40% of
    apparel bought online: AlixPartners, 2017); other categories use ``default_rate``, set so
    that a default run returns 15-21% of delivered units (17.6% of online sales: NRF and Appriss
    Retail, Consumer Returns in the Retail Industry, 2023; 16.9% of annual sales: NRF and Happy
    Returns, 2024).

    ``simple_return_share`` is the share of returns (not exchanges) the service desk takes
    without an RMA, drawn per return from the service stream: no ``ReturnOrder`` is created when
    the customer asks, and ``submitReturn`` returns, credits and refunds the units that arrive at
    the return location (a short parcel is then no mismatch: only what arrived is returned). The
    others, and every exchange, use an RMA (``createReturnOrder`` when the customer asks,
    ``returnItems`` when the parcel arrives). Default 0 (an assumption: every return with an
    RMA, as before the field existed); at 0 no draw is made, so the event log is unchanged.
    """

    rate_by_category: dict[str, float] = {"apparel": 0.30}
    default_rate: float = Field(default=0.10, ge=0, le=1)
    days_after_delivery: Dist = Dist(dist="lognormal", mean=10, sd=6)
    reasons: dict[str, float] = {
        "Not Satisfied": 0.35,
        "Wrong Item": 0.10,
        "Wrong Quantity": 0.05,
        "Damaged": 0.10,
        "Defective": 0.15,
        "Duplicate Order": 0.05,
        "Outdated": 0.05,
        "Other": 0.15,
    }
    restock_reasons: list[str] = [
        "Not Satisfied",
        "Wrong Item",
        "Wrong Quantity",
        "Duplicate Order",
        "Outdated",
        "Other",
    ]
    destination: Literal["nearest_return_center", "nearest_store", "nearest_location"] = (
        "nearest_return_center"
    )
    inspection_hours: Dist = Dist(dist="lognormal", mean=24, sd=12)
    mismatch_probability: float = Field(default=0.02, ge=0, le=1)
    return_fee_cents: int = Field(default=0, ge=0)
    shipping_reduction: bool = False
    exchange_share: float = Field(default=0.15, ge=0, le=1)
    simple_return_share: float = Field(default=0.0, ge=0, le=1)

    @field_validator("reasons")
    @classmethod
    def _reasons(cls, value: dict[str, float]) -> dict[str, float]:
        from omsim.domain.picklists import REASONS_FOR_RETURN

        unknown = [k for k in value if k not in REASONS_FOR_RETURN]
        if unknown:
            raise ValueError(
                f"unknown ReasonForReturn {unknown[0]!r}; allowed: {', '.join(REASONS_FOR_RETURN)}"
            )
        if not value or sum(value.values()) <= 0:
            raise ValueError("reasons need at least one positive share")
        return value

    @field_validator("rate_by_category")
    @classmethod
    def _rates(cls, value: dict[str, float]) -> dict[str, float]:
        if any(not 0 <= v <= 1 for v in value.values()):
            raise ValueError("return rates must be in [0, 1]")
        return value


class LostParcelSpec(Strict):
    """Parcels the carrier loses or damages, reported by the customer after the promised date.

    ``probability`` is per delivery method; ``damaged_share`` of the incidents arrive damaged
    (``ReshipReason`` Damaged) rather than never (Lost).
    """

    probability: dict[str, float] = {"Standard": 0.004, "Express": 0.002}
    damaged_share: float = Field(default=0.3, ge=0, le=1)
    remedy: Literal["reship", "refund"] = "reship"
    report_days_after_promise: float = Field(default=2, ge=0)


class AppeasementSpec(Strict):
    """Late deliveries: a share of those customers contact service and get a discount."""

    contact_share: float = Field(default=0.3, ge=0, le=1)
    discount_share: float = Field(default=0.10, gt=0, le=1)
    contact_hours_after_delivery: Dist = Dist(dist="exponential", mean=24)


class PickupNoShowSpec(Strict):
    """Pickup customers who never come: the order is canceled and the units go back to stock."""

    probability: float = Field(default=0.04, ge=0, le=1)
    cancel_after_days: float = Field(default=7, gt=0)


class DeskSpec(WorkingHours):
    """The service team working process exceptions: agents, hours, triage and resolution times."""

    agents: int = Field(default=3, ge=1)
    open_hour: float = Field(default=8, ge=0, le=24)
    close_hour: float = Field(default=20, ge=0, le=24)
    triage_minutes: Dist = Dist(dist="lognormal", mean=15, sd=10)
    resolution_minutes: Dist = Dist(dist="lognormal", mean=45, sd=30)


class ServiceSpec(Strict):
    """Service after the sale: customer and carrier behaviour, and the exception desk.

    ``behaviour: false`` switches every customer and carrier behaviour off (cancellations,
    returns, exchanges, lost and damaged parcels, appeasements, no-shows) while keeping their
    settings; the desk still works the process exceptions operations raise.
    """

    behaviour: bool = True
    cancellations: CancellationSpec = CancellationSpec()
    returns: ReturnsSpec = ReturnsSpec()
    lost_parcels: LostParcelSpec = LostParcelSpec()
    appeasements: AppeasementSpec = AppeasementSpec()
    pickup_no_shows: PickupNoShowSpec = PickupNoShowSpec()
    desk: DeskSpec = DeskSpec()


class CarrierSurgeSpec(WindowSpec):
    """Parcels shipped in the window take ``extra_days`` longer in transit."""

    extra_days: Dist = constant(2)


class StoreClosureSpec(WindowSpec):
    """A location closed for the window: it stops working and routing avoids it."""

    location: str


class FaultsSpec(Strict):
    """Fault scenarios a user can switch on."""

    gateway_outages: list[WindowSpec] = []
    carrier_delay_surges: list[CarrierSurgeSpec] = []
    store_closures: list[StoreClosureSpec] = []


NO_SERVICE_BEHAVIOUR: dict[str, object] = {"behaviour": False}
"""``service`` overrides that switch every customer and carrier behaviour off.

For validation runs that isolate fulfilment (queueing checks) and for architects comparing
routing alone: ``load_scenario(name, service=NO_SERVICE_BEHAVIOUR)``.
"""
