"""The Order Summary: the living system of record of an order.

Mirrors Salesforce ``OrderSummary``, ``OrderItemSummary``, ``OrderDeliveryGroupSummary`` and
``OrderItemSummaryChange``. Its values are the original Order plus every change order; line state
lives in the quantity buckets of each OrderItemSummary, whose ``Status`` is computed by the ordered
formula list Salesforce documents.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, ClassVar, TypeVar

from omsim.domain.billing import CreditMemo, Invoice
from omsim.domain.fulfillment import FulfillmentOrder
from omsim.domain.ids import IdFactory
from omsim.domain.money import tax_cents
from omsim.domain.orders import Order
from omsim.domain.payments import OrderPaymentSummary
from omsim.domain.picklists import (
    ORDER_SUMMARY_STATUSES,
    ChangeType,
    ItemStatus,
    ItemType,
    LifeCycleType,
    SourceProcess,
)
from omsim.domain.process_exceptions import ProcessException
from omsim.domain.return_orders import ReturnOrder

_R = TypeVar("_R", bound=Any)

QUANTITY_BUCKETS = (
    "quantity_ordered",
    "quantity_canceled",
    "quantity_allocated",
    "quantity_fulfilled",
    "quantity_return_initiated",
    "quantity_returned",
    "quantity_reshipped",
)
"""The stored quantity fields of an OrderItemSummary, in the order the record page shows them."""


@dataclass(slots=True, eq=False)
class OrderItemSummary:
    """Current state of one product, delivery charge or fee line.

    The stored buckets are whole units (Salesforce stores doubles). Money fields hold the original
    line plus every change-order delta: ``total_line_amount_cents`` (unit price x units still
    bought), ``total_adjustment_amount_cents`` (discounts, negative) and ``total_tax_amount_cents``
    (tax on ``TotalPrice``, rounded half-even). Of the adjustments,
    ``total_adjustment_dist_amount_cents`` is the line's share of the order's header
    adjustments (``TotalAdjustmentDistAmount``), kept apart from the line-level ones
    (``TotalLineAdjustmentAmount``); a cancel or return takes back the removed units' share of
    each.
    """

    id: str
    order_summary_id: str
    original_order_item_id: str
    order_delivery_group_summary_id: str
    type: ItemType
    stock_keeping_unit: str
    unit_price_cents: int
    tax_rate: Decimal
    quantity_ordered: int
    total_line_amount_cents: int
    total_adjustment_amount_cents: int
    total_tax_amount_cents: int
    quantity_canceled: int = 0
    quantity_allocated: int = 0
    quantity_fulfilled: int = 0
    quantity_return_initiated: int = 0
    quantity_returned: int = 0
    quantity_reshipped: int = 0
    quantity_shipped: int = 0
    status: str = ItemStatus.ORDERED
    total_adjustment_dist_amount_cents: int = 0

    @property
    def type_code(self) -> str:
        return self.type.type_code

    @property
    def quantity(self) -> int:
        """``Quantity`` = Ordered - Canceled - Returned."""
        return self.quantity_ordered - self.quantity_canceled - self.quantity_returned

    @property
    def quantity_net_ordered(self) -> int:
        """``QuantityNetOrdered`` = Ordered - Canceled."""
        return self.quantity_ordered - self.quantity_canceled

    @property
    def quantity_available_to_fulfill(self) -> int:
        """``QuantityAvailableToFulfill`` = Ordered - Canceled - Allocated."""
        return self.quantity_net_ordered - self.quantity_allocated

    @property
    def quantity_available_to_cancel(self) -> int:
        """``QuantityAvailableToCancel``, identical to available-to-fulfill by definition."""
        return self.quantity_available_to_fulfill

    @property
    def quantity_available_to_return(self) -> int:
        """``QuantityAvailableToReturn`` = Fulfilled - ReturnInitiated."""
        return self.quantity_fulfilled - self.quantity_return_initiated

    @property
    def quantity_available_to_reship(self) -> int:
        """``QuantityAvailableToReship`` = Fulfilled - (Reshipped + ReturnInitiated), at least 0.

        A unit reshipped and then returned counts in both terms; the documented formula would
        then give -1, and no unit is left to reship, so omsim floors it at 0.
        """
        return max(
            0, self.quantity_fulfilled - self.quantity_reshipped - self.quantity_return_initiated
        )

    @property
    def quantity_in_fulfillment(self) -> int:
        """Allocated but not yet fulfilled: the adjustment's in-fulfillment group."""
        return self.quantity_allocated - self.quantity_fulfilled

    @property
    def total_line_adjustment_amount_cents(self) -> int:
        """``TotalLineAdjustmentAmount``: line-level adjustments, without the distributed
        header ones (``TotalAdjustmentDistAmount``, ``total_adjustment_dist_amount_cents``)."""
        return self.total_adjustment_amount_cents - self.total_adjustment_dist_amount_cents

    @property
    def total_price_cents(self) -> int:
        """``TotalPrice``: line amount plus adjustments, before tax."""
        return self.total_line_amount_cents + self.total_adjustment_amount_cents

    @property
    def total_amt_with_tax_cents(self) -> int:
        """``TotalAmtWithTax``."""
        return self.total_price_cents + self.total_tax_amount_cents

    @property
    def total_line_tax_amount_cents(self) -> int:
        """``TotalLineTaxAmount``: tax on the unadjusted ``TotalLineAmount``.

        omsim keeps one tax figure per line (``TotalTaxAmount``, on ``TotalPrice``); the
        unadjusted line's tax is the line's rate on ``TotalLineAmount``, rounded half-even
        (UNCONFIRMED how Salesforce's tax engine splits line and adjustment tax).
        """
        return tax_cents(self.total_line_amount_cents, self.tax_rate)

    def computed_status(self) -> ItemStatus:
        """``Status`` by the documented formula list; the first true formula wins."""
        q = self.quantity
        net = self.quantity_net_ordered
        if (
            q > 0
            and self.quantity_return_initiated == self.quantity_fulfilled
            and self.quantity_returned < self.quantity_return_initiated
        ):
            return ItemStatus.RETURN_INITIATED
        if (
            self.quantity_reshipped == self.quantity_fulfilled
            and self.quantity_fulfilled > 0
            and self.quantity_return_initiated == 0
            and self.quantity_fulfilled == self.quantity_ordered
        ):
            return ItemStatus.RESHIPPED
        if q == 0 and self.quantity_returned > 0:
            return ItemStatus.RETURNED
        if q == 0 and self.quantity_canceled > 0 and self.quantity_returned == 0:
            return ItemStatus.CANCELED
        if q > 0 and net <= self.quantity_fulfilled:
            return ItemStatus.FULFILLED
        if 0 < self.quantity_fulfilled < net:
            return ItemStatus.PARTIALLY_FULFILLED
        if q > 0 and q <= self.quantity_allocated:
            return ItemStatus.ALLOCATED
        if 0 < self.quantity_allocated < q:
            return ItemStatus.PARTIALLY_ALLOCATED
        return ItemStatus.ORDERED


@dataclass(slots=True, eq=False)
class OrderDeliveryGroupSummary:
    """Items of one Order Summary sharing a delivery method and recipient.

    The totals are its lines' (``OrderItemSummary`` of the group), stored and recomputed with
    the Order Summary's: ``TotalLineAmount`` (unadjusted), ``TotalAdjustmentAmount``, the
    adjusted product and delivery amounts and their tax, ``TotalAmount`` (pre-tax),
    ``TotalTaxAmount`` and ``GrandTotalAmount``. A return fee line sits in the first group, so
    its amount is in that group's ``TotalAmount`` (there is no fee field on the group).
    """

    ROLL_UPS: ClassVar[frozenset[str]] = frozenset(
        {
            "total_line_amount_cents",
            "total_adjustment_amount_cents",
            "total_adjusted_product_amount_cents",
            "total_adjusted_product_tax_amount_cents",
            "total_adjusted_delivery_amount_cents",
            "total_adjusted_delivery_tax_amount_cents",
            "total_amount_cents",
            "total_tax_amount_cents",
            "grand_total_amount_cents",
        }
    )

    id: str
    order_summary_id: str
    original_order_delivery_group_id: str
    delivery_method: str
    deliver_to_postal_code: str = ""
    deliver_to_zone_id: str = ""
    pickup_location_id: str | None = None
    promised_delivery_at: float | None = None
    total_line_amount_cents: int = 0
    total_adjustment_amount_cents: int = 0
    total_adjusted_product_amount_cents: int = 0
    total_adjusted_product_tax_amount_cents: int = 0
    total_adjusted_delivery_amount_cents: int = 0
    total_adjusted_delivery_tax_amount_cents: int = 0
    total_amount_cents: int = 0
    total_tax_amount_cents: int = 0
    grand_total_amount_cents: int = 0


@dataclass(slots=True, eq=False)
class OrderItemSummaryChange:
    """One change-order item's effect on a line (read-only in Salesforce)."""

    id: str
    order_summary_id: str
    order_item_summary_id: str
    change_order_id: str
    change_order_item_id: str
    change_type: ChangeType
    is_pre_fulfillment: bool
    reason: str


@dataclass(slots=True, eq=False)
class OrderAdjustmentGroupSummary:
    """An order-level ("Header") adjustment on an Order Summary (``OrderAdjustmentGroupSummary``).

    ``total_amount_cents`` (negative, pre-tax) is what the lines still carry of it: their
    ``TotalAdjustmentDistAmount``, recomputed with the summary's totals, so a cancel or a return
    gives back its share.
    """

    ROLL_UPS: ClassVar[frozenset[str]] = frozenset({"total_amount_cents"})

    id: str
    order_summary_id: str
    original_order_adjustment_group_id: str
    type: str
    description: str
    total_amount_cents: int


@dataclass(slots=True, eq=False)
class OrderItemSummaryRelationship:
    """How an item of an exchange Order Summary relates to the item it replaces.

    Mirrors ``OrderItemSummaryRelationship``: ``main_order_item_summary_id`` is the new item
    (on the exchange summary), ``associated_order_item_summary_id`` the returned one (on the
    source summary, ``associated_order_summary_id``). ``relationship_type`` is ``Exchange``
    (UNCONFIRMED picklist value). Kept on the exchange summary.
    """

    id: str
    order_summary_id: str
    main_order_item_summary_id: str
    associated_order_item_summary_id: str
    associated_order_summary_id: str
    relationship_type: str = "Exchange"


@dataclass(slots=True, eq=False)
class OrderSummary:
    """The hub record of an order: original Order plus change orders, and everything related.

    Attributes
    ----------
    order_life_cycle_type : LifeCycleType
        MANAGED summaries are processed by Order Management (and count for licensing);
        UNMANAGED ones are kept for reference and most actions refuse them.
    status : str
        A value of ``status_picklist`` (``Status``; customer-defined in Salesforce).
    routing_attempts : int
        Attempts made to route the order to locations (``RoutingAttempts``), written by flows.
    ordered_at : float
        Hours since the scenario start.
    exchange_return_order : ReturnOrder or None
        For an exchange summary, the source's return order whose returned value pays it
        (omsim's link, not a Salesforce field, not exported): the exchange credit it still
        holds is not yet this summary's money, so it is never refunded from here
        (`omsim.domain.refunds.unfunded_exchange_credit_cents`).

    The totals (``total_adjusted_product_amount_cents`` ... ``grand_total_amount_cents``) are
    stored, as in Salesforce, and recomputed after every change; `check_invariants` recomputes
    them independently from the original order and its change orders. The unadjusted totals
    ``TotalProductAmount``, ``TotalDeliveryAmount`` and ``TotalFeeAmount`` sum the lines'
    ``TotalLineAmount``; their ``...WithTax`` twins add each line's ``TotalLineTaxAmount``
    (`OrderItemSummary.total_line_tax_amount_cents`).

    An UNMANAGED summary's totals are copied from the order when it is created and then frozen,
    as Salesforce does not maintain an unmanaged summary's financial fields: every total above
    and its delivery groups' totals keep the order's captured values (no action changes an
    unmanaged summary's money: they refuse it).
    """

    id: str
    order_number: str
    original_order: Order
    ordered_at: float
    order_life_cycle_type: LifeCycleType
    source_process: SourceProcess
    status: str
    sales_channel: str
    currency_iso_code: str
    ids: IdFactory = field(repr=False)
    source_order_summary_id: str | None = None
    routing_attempts: int = 0
    is_suspended: bool = False
    status_picklist: tuple[str, ...] = field(default=ORDER_SUMMARY_STATUSES, repr=False)
    total_adjusted_product_amount_cents: int = 0
    total_adjusted_product_tax_amount_cents: int = 0
    total_adjusted_delivery_amount_cents: int = 0
    total_adjusted_delivery_tax_amount_cents: int = 0
    total_adjusted_fee_amount_cents: int = 0
    total_adjusted_fee_tax_amount_cents: int = 0
    total_amount_cents: int = 0
    total_tax_amount_cents: int = 0
    grand_total_amount_cents: int = 0
    total_product_amount_cents: int = 0
    total_product_amount_with_tax_cents: int = 0
    total_delivery_amount_cents: int = 0
    total_delivery_amount_with_tax_cents: int = 0
    total_fee_amount_cents: int = 0
    total_fee_amount_with_tax_cents: int = 0
    total_adj_dist_amount_cents: int = 0
    adjustment_groups: list[OrderAdjustmentGroupSummary] = field(default_factory=list, repr=False)
    items: list[OrderItemSummary] = field(default_factory=list, repr=False)
    delivery_groups: list[OrderDeliveryGroupSummary] = field(default_factory=list, repr=False)
    change_orders: list[Order] = field(default_factory=list, repr=False)
    item_changes: list[OrderItemSummaryChange] = field(default_factory=list, repr=False)
    item_relationships: list[OrderItemSummaryRelationship] = field(default_factory=list, repr=False)
    fulfillment_orders: list[FulfillmentOrder] = field(default_factory=list, repr=False)
    return_orders: list[ReturnOrder] = field(default_factory=list, repr=False)
    payment_summaries: list[OrderPaymentSummary] = field(default_factory=list, repr=False)
    invoices: list[Invoice] = field(default_factory=list, repr=False)
    credit_memos: list[CreditMemo] = field(default_factory=list, repr=False)
    process_exceptions: list[ProcessException] = field(default_factory=list, repr=False)
    exchange_return_order: ReturnOrder | None = field(default=None, repr=False)

    @property
    def original_order_id(self) -> str:
        return self.original_order.id

    @property
    def active_process_exception_count(self) -> int:
        """``ActiveProcessExceptionCount``: exceptions in the ACTIVE category."""
        return sum(1 for pe in self.process_exceptions if pe.is_active)

    @property
    def is_managed(self) -> bool:
        return self.order_life_cycle_type is LifeCycleType.MANAGED

    @property
    def product_items(self) -> list[OrderItemSummary]:
        return [i for i in self.items if i.type is ItemType.PRODUCT]

    def item(self, item_id: str) -> OrderItemSummary:
        return _find(self.items, item_id, "OrderItemSummary", self.id)

    def delivery_group(self, group_id: str) -> OrderDeliveryGroupSummary:
        return _find(self.delivery_groups, group_id, "OrderDeliveryGroupSummary", self.id)

    def fulfillment_order(self, fo_id: str) -> FulfillmentOrder:
        return _find(self.fulfillment_orders, fo_id, "FulfillmentOrder", self.id)

    def return_order(self, ro_id: str) -> ReturnOrder:
        return _find(self.return_orders, ro_id, "ReturnOrder", self.id)

    def invoice(self, invoice_id: str) -> Invoice:
        return _find(self.invoices, invoice_id, "Invoice", self.id)

    def credit_memo(self, credit_memo_id: str) -> CreditMemo:
        return _find(self.credit_memos, credit_memo_id, "CreditMemo", self.id)

    def process_exception(self, pe_id: str) -> ProcessException:
        return _find(self.process_exceptions, pe_id, "ProcessException", self.id)

    def items_in_group(self, group_id: str) -> list[OrderItemSummary]:
        return [i for i in self.items if i.order_delivery_group_summary_id == group_id]

    def _repr_html_(self) -> str:
        from omsim.domain.record_page import order_summary_html

        return order_summary_html(self)


def _find(records: Sequence[_R], record_id: str, object_type: str, summary_id: str) -> _R:
    for record in records:
        if record.id == record_id:
            return record
    from omsim.domain.errors import ActionRejected

    raise ActionRejected(f"OrderSummary {summary_id}: no {object_type} with Id {record_id!r}")
