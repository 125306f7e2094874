"""The domain layer: Salesforce Order Management records, rules and service actions.

Pure Python: no SimPy, no random numbers, no I/O. Every action checks its guardrail, raises
`ActionRejected` (changing nothing) when it does not hold, and otherwise returns the
`DomainEvent` list describing what it did. `check_invariants` states every rule.
"""

from omsim.domain.adjustments import adjust
from omsim.domain.allocation import (
    cancel_fulfillment_order_lines,
    create_fulfillment_orders,
    create_reshipment,
    fulfil_fulfillment_order,
    record_routing_attempt,
    reject_fulfillment_order_lines,
    set_fulfillment_order_status,
)
from omsim.domain.billing import CreditMemo, Invoice
from omsim.domain.cancellations import submit_cancel
from omsim.domain.capture import (
    DeliveryGroupInput,
    OrderLineInput,
    authorize_payment,
    create_order,
    create_order_summary,
    set_order_summary_status,
)
from omsim.domain.errors import ActionRejected, InvariantViolation
from omsim.domain.events import DomainEvent, FieldChange, Related
from omsim.domain.exception_desk import (
    ignore_process_exception,
    raise_process_exception,
    resolve_process_exception,
    triage_process_exception,
)
from omsim.domain.exchange_credit import exchange_credit_cents, withdraw_exchange_credit
from omsim.domain.exchanges import exchange
from omsim.domain.fulfillment import FulfillmentOrder, FulfillmentOrderLineItem
from omsim.domain.funds import (
    capture_authorized_funds,
    create_credit_memo,
    create_invoice,
    ensure_funds,
)
from omsim.domain.ids import IdFactory
from omsim.domain.invariants import (
    check_exchange_invariants,
    check_invariants,
    exchange_invariant_violations,
    invariant_violations,
)
from omsim.domain.orders import Order, OrderAdjustmentGroup, OrderDeliveryGroup, OrderItem
from omsim.domain.payments import (
    OrderPaymentSummary,
    Payment,
    PaymentAuthAdjustment,
    PaymentAuthorization,
    Refund,
)
from omsim.domain.picklists import ItemStatus, ItemType, LifeCycleType, SourceProcess
from omsim.domain.previews import (
    ChangeBalances,
    preview_adjust,
    preview_cancel,
    preview_submit_return,
)
from omsim.domain.process_exceptions import ProcessException
from omsim.domain.refunds import apply_credit_memo, ensure_refunds, total_excess_funds_cents
from omsim.domain.return_orders import ReturnOrder, ReturnOrderLineItem
from omsim.domain.returns import (
    ReturnItemInput,
    ReturnLineInput,
    create_return_order,
    preview_return,
    return_items,
)
from omsim.domain.reversals import (
    authorization_reversal_violations,
    reverse_authorization,
    reverse_unused_authorizations,
    still_to_capture_cents,
)
from omsim.domain.simple_returns import submit_return
from omsim.domain.summary import (
    OrderAdjustmentGroupSummary,
    OrderDeliveryGroupSummary,
    OrderItemSummary,
    OrderItemSummaryChange,
    OrderItemSummaryRelationship,
    OrderSummary,
)
from omsim.domain.write_offs import write_off_invoice, written_off_cents

__all__ = [
    "ActionRejected",
    "ChangeBalances",
    "CreditMemo",
    "DeliveryGroupInput",
    "DomainEvent",
    "FieldChange",
    "FulfillmentOrder",
    "FulfillmentOrderLineItem",
    "IdFactory",
    "InvariantViolation",
    "Invoice",
    "ItemStatus",
    "ItemType",
    "LifeCycleType",
    "Order",
    "OrderAdjustmentGroup",
    "OrderAdjustmentGroupSummary",
    "OrderDeliveryGroup",
    "OrderDeliveryGroupSummary",
    "OrderItem",
    "OrderItemSummary",
    "OrderItemSummaryChange",
    "OrderItemSummaryRelationship",
    "OrderLineInput",
    "OrderPaymentSummary",
    "OrderSummary",
    "Payment",
    "PaymentAuthAdjustment",
    "PaymentAuthorization",
    "ProcessException",
    "Refund",
    "Related",
    "ReturnItemInput",
    "ReturnLineInput",
    "ReturnOrder",
    "ReturnOrderLineItem",
    "SourceProcess",
    "adjust",
    "apply_credit_memo",
    "authorization_reversal_violations",
    "authorize_payment",
    "cancel_fulfillment_order_lines",
    "capture_authorized_funds",
    "check_exchange_invariants",
    "check_invariants",
    "create_credit_memo",
    "create_fulfillment_orders",
    "create_invoice",
    "create_order",
    "create_order_summary",
    "create_reshipment",
    "create_return_order",
    "ensure_funds",
    "ensure_refunds",
    "exchange",
    "exchange_credit_cents",
    "exchange_invariant_violations",
    "fulfil_fulfillment_order",
    "ignore_process_exception",
    "invariant_violations",
    "preview_adjust",
    "preview_cancel",
    "preview_return",
    "preview_submit_return",
    "raise_process_exception",
    "record_routing_attempt",
    "reject_fulfillment_order_lines",
    "resolve_process_exception",
    "return_items",
    "reverse_authorization",
    "reverse_unused_authorizations",
    "set_fulfillment_order_status",
    "set_order_summary_status",
    "still_to_capture_cents",
    "submit_cancel",
    "submit_return",
    "total_excess_funds_cents",
    "triage_process_exception",
    "withdraw_exchange_credit",
    "write_off_invoice",
    "written_off_cents",
]
