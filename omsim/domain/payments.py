"""Payment records: authorizations, their reversals, captures and refunds, per payment method.

Mirrors Salesforce ``OrderPaymentSummary``, ``PaymentAuthorization``, ``PaymentAuthAdjustment``
(Type Reversal), ``Payment`` (Type Capture) and ``Refund``. Money is integer cents; times are
hours since the scenario start.
"""

from __future__ import annotations

from dataclasses import dataclass, field

EXCHANGE_CREDIT = "Exchange Credit"
"""Payment method (and refund type on the original) carrying an exchange's returned value."""


@dataclass(slots=True, eq=False)
class PaymentAuthorization:
    """Funds reserved on the customer's payment method at checkout.

    Attributes
    ----------
    amount_cents : int
        Authorized amount (``Amount``).
    captured_cents : int
        Captured against it so far (``TotalPaymentCaptureAmount``).
    total_auth_reversal_amount_cents : int
        Reversed so far (``TotalAuthReversalAmount``): the sum of its processed
        `PaymentAuthAdjustment` reversals (`omsim.domain.reversals`). ``Amount`` is unchanged
        by a reversal, as in Salesforce; only ``Balance`` drops.
    expires_at : float or None
        ``ExpirationDate``: it cannot be captured after this time; ``None`` never expires.
    """

    id: str
    order_payment_summary_id: str
    amount_cents: int
    authorized_at: float
    expires_at: float | None
    status: str = "Processed"
    sf_result_code: str = "Success"
    processing_mode: str = "External"
    captured_cents: int = 0
    total_auth_reversal_amount_cents: int = 0

    @property
    def balance_cents(self) -> int:
        """``Balance`` = amount minus processed captures minus processed reversals."""
        return self.amount_cents - self.captured_cents - self.total_auth_reversal_amount_cents

    def is_expired(self, at: float) -> bool:
        """Whether ``at`` (hours) is after the expiration date."""
        return self.expires_at is not None and at > self.expires_at


@dataclass(slots=True, eq=False)
class PaymentAuthAdjustment:
    """An adjustment of an authorization: here always a reversal of its unused part.

    Mirrors ``PaymentAuthAdjustment`` (``Type`` Reversal, the record the authorization reversal
    service creates): ``Amount`` comes off the authorization's ``Balance`` and adds to its
    ``TotalAuthReversalAmount`` and to the payment summary's ``AuthorizationReversalAmount``.

    Attributes
    ----------
    payment_auth_adjustment_number : str
        ``PaymentAuthAdjustmentNumber`` (the id, as omsim numbers invoices).
    order_payment_summary_id : str
        The payment summary that keeps it. Not a standard field of the object (Salesforce
        reaches the summary through the authorization): omsim's, as on its other payment
        records.
    payment_authorization_id : str
        ``PaymentAuthorizationId``: the authorization reversed.
    amount_cents : int
        ``Amount`` reversed, positive.
    adjusted_at : float
        ``Date`` (hours): when the reversal was made; it takes effect at once
        (``EffectiveDate`` is the same instant).
    type : str
        ``Type`` (Adjustment Type; picklist ``Capture``, ``Reversal``, ``Sale``): omsim
        creates ``Reversal`` only.
    """

    id: str
    payment_auth_adjustment_number: str
    order_payment_summary_id: str
    payment_authorization_id: str
    amount_cents: int
    adjusted_at: float
    type: str = "Reversal"
    status: str = "Processed"
    sf_result_code: str = "Success"
    processing_mode: str = "External"


@dataclass(slots=True, eq=False)
class Payment:
    """A capture against an authorization (``Payment`` with ``Type`` Capture).

    Attributes
    ----------
    net_applied_cents : int
        Applied to invoices (``NetApplied``).
    excess_refunded_cents : int
        Refunded as excess funds, i.e. never applied to an invoice.
    refunded_cents : int
        All refunds against this payment (``TotalRefundApplied``).
    """

    id: str
    order_payment_summary_id: str
    payment_authorization_id: str | None
    amount_cents: int
    captured_at: float
    type: str = "Capture"
    status: str = "Processed"
    net_applied_cents: int = 0
    excess_refunded_cents: int = 0
    refunded_cents: int = 0

    @property
    def balance_cents(self) -> int:
        """Captured funds not yet applied to an invoice nor refunded as excess (``Balance``)."""
        return self.amount_cents - self.net_applied_cents - self.excess_refunded_cents

    @property
    def refundable_cents(self) -> int:
        return self.amount_cents - self.refunded_cents


@dataclass(slots=True, eq=False)
class Refund:
    """Money returned to the customer against one payment.

    Attributes
    ----------
    source_id : str or None
        The credit memo refunded, or ``None`` for excess funds.
    type : str
        ``Referenced`` (to the original payment method) or ``Exchange Credit`` (value carried
        to an exchange Order Summary instead of the card; an omsim label, UNCONFIRMED), or,
        on an exchange Order Summary, ``Exchange Credit Withdrawn`` (credit taken back because
        the returned units did not come; no money reaches a card).
    """

    id: str
    order_payment_summary_id: str
    payment_id: str
    amount_cents: int
    refunded_at: float
    source_id: str | None
    type: str = "Referenced"
    status: str = "Processed"


@dataclass(slots=True, eq=False)
class OrderPaymentSummary:
    """Everything one payment method did for one Order Summary.

    Attributes
    ----------
    method : str
        ``Visa``, ``Mastercard``, ``Gift Card``, ``Exchange Credit`` ...
    reserved_balance_cents : int
        Funds held back for an exchange (``ReservedBalanceTotalAmount``).
    auth_adjustments : list of PaymentAuthAdjustment
        Reversals of this summary's authorizations.
    """

    id: str
    order_summary_id: str
    method: str
    type: str = "Card"
    reserved_balance_cents: int = 0
    authorizations: list[PaymentAuthorization] = field(default_factory=list, repr=False)
    payments: list[Payment] = field(default_factory=list, repr=False)
    refunds: list[Refund] = field(default_factory=list, repr=False)
    auth_adjustments: list[PaymentAuthAdjustment] = field(default_factory=list, repr=False)

    @property
    def authorization_amount_cents(self) -> int:
        """``AuthorizationAmount``: processed authorizations."""
        return sum(a.amount_cents for a in self.authorizations if a.status == "Processed")

    @property
    def authorization_reversal_amount_cents(self) -> int:
        """``AuthorizationReversalAmount``: processed reversals of its authorizations."""
        return sum(
            a.amount_cents
            for a in self.auth_adjustments
            if a.type == "Reversal" and a.status == "Processed"
        )

    @property
    def captured_amount_cents(self) -> int:
        """``CapturedAmount``."""
        return sum(p.amount_cents for p in self.payments)

    @property
    def refunded_amount_cents(self) -> int:
        """``RefundedAmount``."""
        return sum(r.amount_cents for r in self.refunds)

    @property
    def balance_amount_cents(self) -> int:
        """``BalanceAmount``: captured funds not yet applied to invoices."""
        return sum(p.balance_cents for p in self.payments)

    @property
    def available_to_refund_cents(self) -> int:
        """``AvailableToRefundAmount`` = max(0, captured - refunded)."""
        return max(0, self.captured_amount_cents - self.refunded_amount_cents)

    def available_to_capture_cents(self, at: float) -> int:
        """``AvailableToCaptureAmount``, counting only authorizations not expired at ``at``.

        The sum of their ``Balance``, so captures and reversals both come off it: Salesforce's
        ``max(0, AuthorizationAmount - (CapturedAmount + AuthorizationReversalAmount))`` when
        nothing has expired (nothing is pending in omsim).
        """
        return sum(
            a.balance_cents
            for a in self.authorizations
            if a.status == "Processed" and not a.is_expired(at)
        )
