"""The trainer's sandbox: one order, one action at a time, as an admin sees it.

>>> from omsim.sandbox import Sandbox
>>> sb = Sandbox("tutorial")                                    # doctest: +SKIP
>>> order = sb.place_order([("SKU-0001", 2), ("SKU-0003", 1)])  # doctest: +SKIP
>>> sb.route(order)                                             # doctest: +SKIP
>>> sb.advance_until(order, "fulfillment order fulfilled")      # doctest: +SKIP

The same model, flows and domain actions as ``omsim run`` (`omsim.sandbox.session`), a step
result that renders the record page and what changed (`omsim.sandbox.view`), the order's
timeline and an export as a run folder (`omsim.sandbox.timeline`), the actions the guardrails
allow (`omsim.sandbox.allowed`) and an ipywidgets stepper (`omsim.sandbox.stepper`).
"""

from omsim.sandbox.actions import Sandbox
from omsim.sandbox.session import MILESTONES, Refused
from omsim.sandbox.view import StepResult

__all__ = ["MILESTONES", "Refused", "Sandbox", "StepResult"]
