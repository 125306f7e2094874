"""Starter flows: one SimPy generator per lifecycle stage, registered by trigger.

Mirrors Salesforce's record-triggered starter flows that admins clone: a scenario can point any
trigger at its own function (``flows: {fulfillment_order_created: "mypkg.flows:my_fulfil"}``)
with the same signature ``flow(env, model, record)``.
"""

from collections.abc import Callable, Generator
from typing import Any

from omsim.sim.flows.capture import capture_order
from omsim.sim.flows.customer_service import after_delivery, handle_cancel_request
from omsim.sim.flows.delivery import await_pickup, invoice_capture_and_deliver
from omsim.sim.flows.exception_desk import work_exception
from omsim.sim.flows.fulfilment import fulfil_at_location
from omsim.sim.flows.returns import process_return
from omsim.sim.flows.routing import schedule_routing

STARTER_FLOWS: dict[str, Callable[..., Generator[Any, Any, Any]]] = {
    "order_arrived": capture_order,
    "order_summary_created": schedule_routing,
    "fulfillment_order_created": fulfil_at_location,
    "fulfillment_order_fulfilled": invoice_capture_and_deliver,
    "ready_for_pickup": await_pickup,
    "process_exception_raised": work_exception,
    "cancel_requested": handle_cancel_request,
    "parcel_delivered": after_delivery,
    "return_requested": process_return,
}
"""Trigger name -> starter flow."""

__all__ = ["STARTER_FLOWS"]
