"""Process exceptions: business failures that need a human before processing continues.

Mirrors Salesforce ``ProcessException``. ``OrderSummary.ActiveProcessExceptionCount`` counts the
exceptions whose status category is ACTIVE (New, Triaged); flows gate work on it being 0.
"""

from __future__ import annotations

from dataclasses import dataclass

from omsim.domain.picklists import PROCESS_EXCEPTION_STATUS_CATEGORY


@dataclass(slots=True, eq=False)
class ProcessException:
    """One exception on an Order Summary.

    Attributes
    ----------
    attached_to_id : str
        The record that failed (fulfillment order, invoice, payment authorization, ...).
    category : str
        One of `PROCESS_EXCEPTION_CATEGORIES` (``Payment``, ``Fulfillment``, ...).
    severity : str
        ``High`` or ``Low``.
    status : str
        A key of `PROCESS_EXCEPTION_STATUS_CATEGORY`.
    created_at, resolved_at : float
        Hours since the scenario start; ``resolved_at`` set when it leaves the ACTIVE category.
    """

    id: str
    process_exception_number: str
    order_summary_id: str
    attached_to_id: str
    category: str
    severity: str
    status: str
    message: str
    created_at: float
    description: str = ""
    priority: str = "Low"
    resolved_at: float | None = None

    @property
    def status_category(self) -> str:
        return PROCESS_EXCEPTION_STATUS_CATEGORY[self.status]

    @property
    def is_active(self) -> bool:
        return self.status_category == "ACTIVE"
