"""Return Orders: the RMA authorising a customer to send items back.

Mirrors Salesforce ``ReturnOrder`` and ``ReturnOrderLineItem``. Under an Order Management license a
return order is created in the Activated category (``Submitted`` or ``Approved``). When items are
returned, each processed line becomes read-only and any quantity still expected moves to a new
line, as ``returnItems`` does.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import ClassVar

from omsim.domain.picklists import RETURN_ORDER_STATUS_CATEGORY


@dataclass(slots=True, eq=False)
class ReturnOrderLineItem:
    """Units of one order item summary expected back.

    Attributes
    ----------
    quantity_expected : int
        Units the customer said they would return.
    quantity_received, quantity_rejected : int
        Informational, as in Salesforce: units received and units rejected at inspection.
    quantity_returned : int
        Units returned (refunded) when the line was processed.
    quantity_canceled : int
        Expected units no longer coming back (``quantityToCancel``).
    is_processed : bool
        True once ``returnItems`` processed the line; it is read-only afterwards.
    reason_for_rejection : str or None
        ``ReasonForRejection`` of the units rejected at inspection (a value of
        `REASONS_FOR_REJECTION`; ``Missing Item or Part`` when units are rejected without one).
    order_item_id : str
        The original ``OrderItem`` (``OrderItemId``).
    unit_price_cents : int
        ``UnitPrice`` of the order item summary.
    total_adjustment_amount_cents, total_tax_amount_cents : int
        The share of the line's adjustments and tax that goes with the line's units: while
        open, what returning the expected units would credit (recomputed after every change);
        once processed, what the change order credited for the units returned.
    """

    ROLL_UPS: ClassVar[frozenset[str]] = frozenset(
        {"total_adjustment_amount_cents", "total_tax_amount_cents"}
    )

    id: str
    return_order_id: str
    order_item_summary_id: str
    stock_keeping_unit: str
    quantity_expected: int
    reason_for_return: str
    quantity_received: int = 0
    quantity_rejected: int = 0
    quantity_returned: int = 0
    quantity_canceled: int = 0
    is_processed: bool = False
    change_order_id: str | None = None
    reason_for_rejection: str | None = None
    order_item_id: str = ""
    unit_price_cents: int = 0
    total_adjustment_amount_cents: int = 0
    total_tax_amount_cents: int = 0

    @property
    def quantity_valued(self) -> int:
        """Units the money fields value: returned once processed, else expected."""
        return self.quantity_returned if self.is_processed else self.quantity_expected

    @property
    def total_line_amount_cents(self) -> int:
        """``TotalLineAmount`` = ``UnitPrice`` x the units valued (before adjustments, tax)."""
        return self.unit_price_cents * self.quantity_valued

    @property
    def total_price_cents(self) -> int:
        """``TotalPrice``: ``TotalLineAmount`` plus adjustments, before tax."""
        return self.total_line_amount_cents + self.total_adjustment_amount_cents

    @property
    def total_amount_cents(self) -> int:
        """``TotalAmount``: ``TotalPrice`` plus ``TotalTaxAmount``, what the units credit."""
        return self.total_price_cents + self.total_tax_amount_cents


@dataclass(slots=True, eq=False)
class ReturnOrder:
    """An RMA on an Order Summary.

    Attributes
    ----------
    destination_location_id : str or None
        Where the parcel goes (a return center or store).
    exchange_order_summary_id : str or None
        For an exchange, the new Order Summary the returned value pays for (omsim's link; in
        Salesforce the exchange cart references the return order).
    exchange_credit_cents : int
        For an exchange, the part of the source's ``ReservedBalanceTotalAmount`` still held for
        it: reserved when the exchange is submitted, given as ``Exchange Credit`` as the items
        come back, released for items that will not (omsim's field).
    description : str
        Why the RMA exists beyond the line reasons, e.g. ``Lost parcel refund``.
    """

    id: str
    return_order_number: str
    order_summary_id: str
    status: str
    created_at: float
    destination_location_id: str | None = None
    exchange_order_summary_id: str | None = None
    exchange_credit_cents: int = 0
    description: str = ""
    closed_at: float | None = None
    lines: list[ReturnOrderLineItem] = field(default_factory=list, repr=False)

    @property
    def status_category(self) -> str:
        return RETURN_ORDER_STATUS_CATEGORY[self.status]

    @property
    def open_lines(self) -> list[ReturnOrderLineItem]:
        """Lines not yet processed by ``returnItems``."""
        return [ln for ln in self.lines if not ln.is_processed]
