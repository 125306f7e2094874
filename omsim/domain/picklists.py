"""Picklist values and status-to-category maps, exactly as Salesforce documents them.

Status fields that Salesforce lets admins customise (FulfillmentOrder, ReturnOrder,
ProcessException, OrderSummary) are plain strings mapped to a fixed category; the category is the
state machine, the status a label. The maps below are the documented defaults (API v67).
"""

from enum import StrEnum


class ItemType(StrEnum):
    """OrderItem / OrderItemSummary ``Type``."""

    PRODUCT = "Order Product"
    DELIVERY_CHARGE = "Delivery Charge"
    FEE = "Fee"

    @property
    def type_code(self) -> str:
        """``TypeCode``: ``Product`` for products, ``Charge`` for delivery charges and fees."""
        return "Product" if self is ItemType.PRODUCT else "Charge"


class LifeCycleType(StrEnum):
    """``OrderSummary.OrderLifeCycleType``."""

    MANAGED = "MANAGED"
    UNMANAGED = "UNMANAGED"


class SourceProcess(StrEnum):
    """``OrderSummary.SourceProcess``."""

    STANDARD = "Standard"
    EXCHANGE = "Exchange"
    ORDER_ON_BEHALF = "OrderOnBehalf"


class ItemStatus(StrEnum):
    """``OrderItemSummary.Status``, computed from the quantity buckets (see `summary`)."""

    ORDERED = "ORDERED"
    PARTIALLY_ALLOCATED = "PARTIALLYALLOCATED"
    ALLOCATED = "ALLOCATED"
    PARTIALLY_FULFILLED = "PARTIALLYFULFILLED"
    FULFILLED = "FULFILLED"
    CANCELED = "CANCELED"
    RETURNED = "RETURNED"
    RESHIPPED = "RESHIPPED"
    RETURN_INITIATED = "RETURNINITIATED"
    PAID = "PAID"


class ChangeType(StrEnum):
    """``OrderItemSummaryChange.ChangeType``."""

    ADD = "Add"
    CANCEL = "Cancel"
    DELIVERY_CHARGE_ADJUSTMENT = "DeliveryChargeAdjustment"
    PRODUCT_ADJUSTMENT = "ProductAdjustment"
    RETURN = "Return"


class FulfillmentPhase(StrEnum):
    """Which quantity group a change order covers (adjustments and cancels)."""

    PRE = "PreFulfillment"
    IN = "InFulfillment"
    POST = "PostFulfillment"


FULFILLMENT_ORDER_STATUS_CATEGORY: dict[str, str] = {
    "Draft": "DRAFT",
    "Allocated": "ACTIVATED",
    "Assigned": "FULFILLING",
    "Pickpack": "FULFILLING",
    "Printed": "FULFILLING",
    "Pick Complete": "FULFILLING",
    "Fulfilled": "CLOSED",
    "Cancelled": "CANCELLED",
    "Rejected": "REJECTED",
}
"""``FulfillmentOrder.Status`` -> ``StatusCategory`` (v67 defaults)."""

FULFILLMENT_ORDER_TYPES: dict[str, str] = {
    "Warehouse": "PHYSICAL",
    "Retail Store": "PHYSICAL",
    "In Store Pickup": "PHYSICAL",
    "Supplier": "DROPSHIP",
    "Download": "DIGITAL",
    "Email": "DIGITAL",
}
"""``FulfillmentOrder.Type`` -> ``TypeCategory``."""

REJECT_REASONS = ("Damaged", "Just Sold", "Other", "Out of Packing Supplies", "Out of Stock")
"""``FulfillmentOrderLineItem.RejectReason``."""

RESHIP_REASONS = ("Damaged", "Lost", "Unknown", "Wrong Item")
"""``FulfillmentOrderLineItem.ReshipReason``."""

RETURN_ORDER_STATUS_CATEGORY: dict[str, str] = {
    "Draft": "Draft",
    "Submitted": "Activated",
    "Approved": "Activated",
    "Canceled": "Canceled",
    "Closed": "Closed",
}
"""``ReturnOrder.Status`` -> ``StatusCategory``."""

REASONS_FOR_RETURN = (
    "Damaged",
    "Defective",
    "Duplicate Order",
    "Wrong Item",
    "Wrong Quantity",
    "Not Satisfied",
    "Outdated",
    "Other",
)
"""``ReturnOrderLineItem.ReasonForReturn``."""

REASONS_FOR_REJECTION = ("Damaged Item", "Expired Warranty", "Missing Item or Part", "Wrong Item")
"""``ReturnOrderLineItem.ReasonForRejection`` (default ``Missing Item or Part``)."""

PROCESS_EXCEPTION_STATUS_CATEGORY: dict[str, str] = {
    "New": "ACTIVE",
    "Triaged": "ACTIVE",
    "Paused": "INACTIVE",
    "Ignored": "INACTIVE",
    "Voided": "INACTIVE",
    "Resolved": "RESOLVED",
}
"""``ProcessException.Status`` -> ``StatusCategory``."""

PROCESS_EXCEPTION_CATEGORIES = (
    "Fulfillment",
    "Invoicing",
    "Order Activation",
    "Order Approval",
    "Order To Asset",
    "Order Item Summary To Asset",
    "Order To Billing Schedule",
    "Payment",
    "Returns",
)
"""``ProcessException.Category``: Salesforce's default values plus ``Returns``.

The picklist is customizable in Salesforce; omsim adds ``Returns`` for return processing (return
processing, as Salesforce's process exception documentation names the stage), e.g. a parcel that does not match its RMA.
"""

PROCESS_EXCEPTION_SEVERITIES = ("High", "Low")
"""``ProcessException.Severity``."""

ORDER_SUMMARY_STATUSES = (
    "Created",
    "Approved",
    "Waiting to Fulfill",
    "Partially Fulfilled",
    "Fulfilled",
    "Canceled",
    "Closed",
)
"""Default ``OrderSummary.Status`` picklist.

UNCONFIRMED: Salesforce documents no standard values (the picklist is customer-defined); these are
the values sample orgs commonly use. An `OrderSummary` can carry its own picklist.
"""


def check_choice(value: str, allowed: tuple[str, ...] | dict[str, str], what: str) -> None:
    """Raise `ValueError` naming the field and the allowed values when ``value`` is not one."""
    if value not in allowed:
        raise ValueError(f"{what} {value!r} is not allowed; allowed: {', '.join(allowed)}")
