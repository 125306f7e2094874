"""Fulfillment Orders: the work one location does for one delivery group.

Mirrors Salesforce ``FulfillmentOrder`` and ``FulfillmentOrderLineItem``. The status is a label
mapped to a fixed ``StatusCategory`` (DRAFT, ACTIVATED, FULFILLING, CLOSED, CANCELLED, REJECTED);
processing keys off the category. The fulfillment order's totals are roll-ups of its lines
(formula properties here, exported with the records); each line's money is stored.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import ClassVar

from omsim.domain.picklists import (
    FULFILLMENT_ORDER_STATUS_CATEGORY,
    FULFILLMENT_ORDER_TYPES,
    ItemType,
)

OPEN_CATEGORIES = ("DRAFT", "ACTIVATED", "FULFILLING")
"""Categories in which a fulfillment order's lines can still be canceled or rejected."""


@dataclass(slots=True, eq=False)
class FulfillmentOrderLineItem:
    """One order item summary's units on one fulfillment order.

    Attributes
    ----------
    original_quantity : int
        Units when the fulfillment order was created.
    quantity : int
        ``OriginalQuantity`` minus canceled units (rejected units are canceled too).
    rejected_quantity : int
        Units the location rejected (``RejectedQuantity``), with ``reject_reason``.
    is_reship, reship_reason : bool, str
        Set on the lines of a reshipment fulfillment order.
    order_item_id : str
        The original ``OrderItem`` of the line (``OrderItemId``).
    unit_price_cents : int
        ``UnitPrice``, the order item summary's; 0 on a reshipment, which carries no charge.
    total_adjustment_amount_cents, total_tax_amount_cents : int
        The units' share of the line's adjustments and tax (``TotalAdjustmentAmount``,
        ``TotalTaxAmount``): until the fulfillment order is invoiced, what its invoice will
        bill, recomputed after every change; then what the invoice billed.
    """

    ROLL_UPS: ClassVar[frozenset[str]] = frozenset(
        {"total_adjustment_amount_cents", "total_tax_amount_cents"}
    )

    id: str
    fulfillment_order_id: str
    order_item_summary_id: str
    type: ItemType
    stock_keeping_unit: str
    original_quantity: int
    quantity: int
    rejected_quantity: int = 0
    reject_reason: str | None = None
    is_reship: bool = False
    reship_reason: str | None = None
    order_item_id: str = ""
    unit_price_cents: int = 0
    total_adjustment_amount_cents: int = 0
    total_tax_amount_cents: int = 0

    @property
    def total_price_cents(self) -> int:
        """``TotalPrice`` = ``UnitPrice`` x ``Quantity`` (before adjustments and tax)."""
        return self.unit_price_cents * self.quantity

    @property
    def total_amount_cents(self) -> int:
        """``TotalPrice`` plus ``TotalAdjustmentAmount``: what the units bill before tax."""
        return self.total_price_cents + self.total_adjustment_amount_cents


@dataclass(slots=True, eq=False)
class FulfillmentOrder:
    """Products and charges of one Order Summary shipped from one location to one recipient.

    Attributes
    ----------
    fulfilled_from_location_id : str
        The location doing the work (``FulfilledFromLocationId``).
    type : str
        ``Warehouse``, ``Retail Store``, ``In Store Pickup``, ... (``Type``).
    status : str
        A key of `FULFILLMENT_ORDER_STATUS_CATEGORY` (``Status``).
    invoice_id : str or None
        The one invoice created once the fulfillment order is fulfilled.
    created_at, fulfilled_at : float
        Hours since the scenario start.
    """

    id: str
    fulfillment_order_number: str
    order_summary_id: str
    order_delivery_group_summary_id: str
    fulfilled_from_location_id: str
    type: str
    status: str
    created_at: float
    is_reship: bool = False
    invoice_id: str | None = None
    fulfilled_at: float | None = None
    lines: list[FulfillmentOrderLineItem] = field(default_factory=list, repr=False)

    @property
    def status_category(self) -> str:
        """``StatusCategory`` of the current status."""
        return FULFILLMENT_ORDER_STATUS_CATEGORY[self.status]

    @property
    def item_count(self) -> int:
        """Units on the fulfillment order's lines (``ItemCount``)."""
        return sum(line.quantity for line in self.lines)

    @property
    def type_category(self) -> str:
        """``TypeCategory`` of the ``Type``: ``PHYSICAL``, ``DROPSHIP`` or ``DIGITAL``."""
        return FULFILLMENT_ORDER_TYPES[self.type]

    def _total(self, item_type: ItemType) -> int:
        return sum(ln.total_price_cents for ln in self.lines if ln.type is item_type)

    @property
    def total_product_amount_cents(self) -> int:
        """``TotalProductAmount``: product lines' ``TotalPrice`` (unadjusted, before tax)."""
        return self._total(ItemType.PRODUCT)

    @property
    def total_delivery_amount_cents(self) -> int:
        """``TotalDeliveryAmount``: delivery charge lines' ``TotalPrice``."""
        return self._total(ItemType.DELIVERY_CHARGE)

    @property
    def total_fee_amount_cents(self) -> int:
        """``TotalFeeAmount``: fee lines' ``TotalPrice`` (a fee is on no fulfillment order, so 0)."""
        return self._total(ItemType.FEE)

    @property
    def total_adjustment_amount_cents(self) -> int:
        """``TotalAdjustmentAmount``: the lines' adjustments (discounts are negative)."""
        return sum(ln.total_adjustment_amount_cents for ln in self.lines)

    @property
    def total_amount_cents(self) -> int:
        """``TotalAmount`` (pre-tax): product, delivery and fee amounts plus adjustments."""
        return sum(ln.total_amount_cents for ln in self.lines)

    @property
    def total_tax_amount_cents(self) -> int:
        """``TotalTaxAmount``."""
        return sum(ln.total_tax_amount_cents for ln in self.lines)

    @property
    def grand_total_amount_cents(self) -> int:
        """``GrandTotalAmount`` = ``TotalAmount`` + ``TotalTaxAmount``: what the invoice bills."""
        return self.total_amount_cents + self.total_tax_amount_cents

    def line_for(self, order_item_summary_id: str) -> FulfillmentOrderLineItem | None:
        return next(
            (ln for ln in self.lines if ln.order_item_summary_id == order_item_summary_id), None
        )
