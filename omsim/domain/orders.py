"""The Order: immutable history of what the customer bought, and change orders holding deltas.

Mirrors Salesforce ``Order``, ``OrderItem`` and ``OrderDeliveryGroup``. An original Order is
activated once and never edited; every later financial change (cancel, return, adjustment, fee) is
a *change order*: an Order whose items hold the deltas, related to the original through
``related_order_id``. An OrderSummary's values are the original plus all its change orders.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from omsim.domain.picklists import ChangeType, FulfillmentPhase, ItemType


@dataclass(frozen=True, slots=True)
class OrderDeliveryGroup:
    """Items sharing a delivery method and recipient (``OrderDeliveryGroup``).

    Attributes
    ----------
    delivery_method : str
        ``"Standard"``, ``"Express"`` or ``"Pickup"`` (buy online, pick up in store).
    deliver_to_postal_code, deliver_to_zone_id : str
        Recipient; the zone id ties the recipient to the network's customer zone.
    pickup_location_id : str or None
        The store chosen at checkout, for ``Pickup``.
    promised_delivery_at : float or None
        Promised delivery time, hours since the scenario start.
    """

    id: str
    order_id: str
    delivery_method: str
    deliver_to_postal_code: str = ""
    deliver_to_zone_id: str = ""
    pickup_location_id: str | None = None
    promised_delivery_at: float | None = None


@dataclass(frozen=True, slots=True)
class OrderAdjustmentGroup:
    """An order-level ("Header") adjustment of an Order, such as a coupon for the whole order.

    Mirrors ``OrderAdjustmentGroup`` with ``Type`` Header: ``amount_cents`` (negative, pre-tax)
    is distributed over the order's product lines at capture, each line's share in its
    ``total_adjustment_dist_amount_cents`` (`omsim.domain.capture.create_order` says how).
    """

    id: str
    order_id: str
    amount_cents: int
    type: str = "Header"
    description: str = ""


@dataclass(frozen=True, slots=True)
class OrderItem:
    """One product, delivery charge or fee line of an Order, or the delta of a change order.

    On a change order ``quantity`` and the amounts are deltas (negative for a cancel or return)
    and ``original_order_item_id`` points at the original line.

    Attributes
    ----------
    quantity : int
        Units (Salesforce stores doubles; omsim sells whole units).
    unit_price_cents : int
        Price per unit before tax.
    total_line_amount_cents : int
        ``quantity * unit_price_cents`` (a delta on change orders).
    total_adjustment_amount_cents : int
        Discounts and appeasements on this line (negative reduces the price).
    total_tax_amount_cents : int
        Tax on ``total_line_amount + total_adjustment_amount``.
    tax_rate : Decimal
        Tax as a fraction of the taxable amount.
    total_adjustment_dist_amount_cents : int
        The part of ``total_adjustment_amount_cents`` that is this line's share of the order's
        header adjustments (``TotalAdjustmentDistAmount``); the rest is line-level.
    """

    id: str
    order_id: str
    order_delivery_group_id: str
    type: ItemType
    stock_keeping_unit: str
    quantity: int
    unit_price_cents: int
    total_line_amount_cents: int
    total_adjustment_amount_cents: int
    total_tax_amount_cents: int
    tax_rate: Decimal
    original_order_item_id: str | None = None
    change_type: ChangeType | None = None
    total_adjustment_dist_amount_cents: int = 0

    @property
    def total_price_cents(self) -> int:
        """Line amount after adjustments, before tax (``TotalPrice``)."""
        return self.total_line_amount_cents + self.total_adjustment_amount_cents

    @property
    def total_amt_with_tax_cents(self) -> int:
        """``TotalAmtWithTax`` = ``TotalPrice`` + tax."""
        return self.total_price_cents + self.total_tax_amount_cents


@dataclass(frozen=True, slots=True)
class Order:
    """An activated Order (``Status`` Activated) or a change order.

    Attributes
    ----------
    order_number : str
        ``OrderNumber``.
    activated_at : float
        Hours since the scenario start.
    related_order_id : str or None
        For a change order, the original Order.
    fulfillment_phase : FulfillmentPhase or None
        For a change order: whether it covers pre-, in- or post-fulfillment quantities.
    reason : str
        For a change order: the reason passed to the action.
    """

    id: str
    order_number: str
    activated_at: float
    sales_channel: str
    currency_iso_code: str
    items: tuple[OrderItem, ...]
    delivery_groups: tuple[OrderDeliveryGroup, ...]
    status: str = "Activated"
    related_order_id: str | None = None
    fulfillment_phase: FulfillmentPhase | None = None
    reason: str = ""
    adjustment_groups: tuple[OrderAdjustmentGroup, ...] = ()

    @property
    def is_change_order(self) -> bool:
        return self.related_order_id is not None

    @property
    def total_amount_cents(self) -> int:
        """Pre-tax total of all lines (``TotalAmount``)."""
        return sum(i.total_price_cents for i in self.items)

    @property
    def total_tax_amount_cents(self) -> int:
        return sum(i.total_tax_amount_cents for i in self.items)

    @property
    def grand_total_amount_cents(self) -> int:
        """``GrandTotalAmount`` = ``TotalAmount`` + ``TotalTaxAmount``."""
        return self.total_amount_cents + self.total_tax_amount_cents
