"""Fulfillment Orders: the work one location does for one delivery group.

Mirrors Salesforce ``FulfillmentOrder`` and ``FulfillmentOrderLineItem``. The status is a label
mapped to a fixed ``StatusCategory`` (DRAFT, ACTIVATED, FULFILLING, CLOSED, CANCELLED, REJECTED);
processing keys off the category.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from omsim.domain.picklists import FULFILLMENT_ORDER_STATUS_CATEGORY, ItemType

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
    """

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

    def line_for(self, order_item_summary_id: str) -> FulfillmentOrderLineItem | None:
        return next(
            (ln for ln in self.lines if ln.order_item_summary_id == order_item_summary_id), None
        )
