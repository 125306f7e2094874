"""Errors raised by the domain layer."""


class ActionRejected(Exception):
    """A service action's guardrail refused the request; no record was changed.

    The message names the record, what was asked and what is available, the way Salesforce's
    Connect API errors do (for example "OrderItemSummary OIS-000002: cannot cancel 3,
    QuantityAvailableToCancel is 1").
    """


class InvariantViolation(AssertionError):
    """A rule of `check_invariants` does not hold; the message lists every broken rule."""
