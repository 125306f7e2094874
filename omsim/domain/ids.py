"""Deterministic record ids.

Salesforce ids are opaque 18-character keys; omsim uses readable ones (``OS-000001``) so that a
trainer can follow records by eye. One `IdFactory` is shared by every record of a run, so ids are
unique within the run and identical across runs with the same seed.
"""

PREFIXES: dict[str, str] = {
    "Order": "ORD",
    "OrderItem": "OI",
    "OrderDeliveryGroup": "ODG",
    "OrderAdjustmentGroup": "OAG",
    "OrderSummary": "OS",
    "OrderItemSummary": "OIS",
    "OrderDeliveryGroupSummary": "ODGS",
    "OrderItemSummaryChange": "OISC",
    "OrderItemSummaryRelationship": "OISR",
    "OrderAdjustmentGroupSummary": "OAGS",
    "FulfillmentOrder": "FO",
    "FulfillmentOrderLineItem": "FOLI",
    "ReturnOrder": "RO",
    "ReturnOrderLineItem": "ROLI",
    "OrderPaymentSummary": "OPS",
    "PaymentAuthorization": "PA",
    "PaymentAuthAdjustment": "PAA",
    "Payment": "PAY",
    "Refund": "RFND",
    "Invoice": "INV",
    "CreditMemo": "CM",
    "ProcessException": "PE",
    "OrderSummaryRoutingSchedule": "ORS",
}


class IdFactory:
    """Hands out ids per Salesforce object type, counting from 1.

    >>> ids = IdFactory()
    >>> ids.next("OrderSummary"), ids.next("OrderSummary"), ids.next("FulfillmentOrder")
    ('OS-000001', 'OS-000002', 'FO-000001')
    """

    def __init__(self) -> None:
        self._counters: dict[str, int] = {}

    def next(self, object_type: str) -> str:
        try:
            prefix = PREFIXES[object_type]
        except KeyError:
            allowed = ", ".join(sorted(PREFIXES))
            raise ValueError(f"unknown object type {object_type!r}; allowed: {allowed}") from None
        n = self._counters.get(prefix, 0) + 1
        self._counters[prefix] = n
        return f"{prefix}-{n:06d}"
