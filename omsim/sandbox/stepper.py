"""An ipywidgets stepper over a sandbox: pick an allowed action, fill its fields, press Next.

The action list holds only what the guardrails allow on the chosen order now
(`omsim.sandbox.allowed`), plus what is always possible (place an order, move the clock, a
payment gateway outage). Next runs the action on the sandbox, exactly as calling its method
would, and redraws the step (record page, changes, new records) and the choices.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import ipywidgets as w
from IPython.display import HTML, display

from omsim.domain.picklists import REASONS_FOR_RETURN, RESHIP_REASONS
from omsim.sandbox.allowed import allowed_actions
from omsim.sandbox.session import MILESTONES
from omsim.sandbox.view import StepResult

if TYPE_CHECKING:
    from omsim.sandbox.actions import Sandbox

ALWAYS = ("place_order", "advance", "advance_until", "payment_gateway_outage")
"""Actions with no guardrail on an order (``advance_until`` needs an order)."""

LABELS = {
    "place_order": "Place an order",
    "route": "Route the order",
    "advance": "Let time pass",
    "advance_until": "Advance until a milestone",
    "cancel": "Cancel units (submitCancel)",
    "cancel_fulfillment_order": "Cancel a fulfillment order's units",
    "return_items": "Create a return order (RMA)",
    "exchange": "Exchange units",
    "receive_return": "Receive a return parcel",
    "reship": "Reship units",
    "discount": "Discount units",
    "resolve": "Resolve a process exception",
    "payment_gateway_outage": "Payment gateway outage",
}

_REASONS = {
    "return_items": REASONS_FOR_RETURN,
    "exchange": REASONS_FOR_RETURN,
    "reship": RESHIP_REASONS,
    "cancel": ("Customer Request", "No Inventory", "Other"),
    "discount": ("Discount", "Appeasement"),
}
_UNITS = {"cancel", "return_items", "exchange", "reship", "discount"}
_HOURS = {"advance", "payment_gateway_outage"}


class Stepper:
    """The widgets and their wiring; ``Stepper(sb).widget`` is what a notebook displays.

    Attributes
    ----------
    last : StepResult or None
        The result of the last Next.
    """

    def __init__(self, sb: Sandbox) -> None:
        self.sb = sb
        self.last: StepResult | None = None
        skus = [p.sku for p in sb.model.world.catalog.products]
        self.order = w.Dropdown(description="Order")
        self.action = w.Dropdown(description="Action")
        self.target = w.Dropdown(description="On")
        self.units = w.BoundedIntText(value=1, min=1, max=1, description="Units")
        self.reason = w.Dropdown(description="Reason")
        self.hours = w.BoundedFloatText(value=4.0, min=0.25, max=24 * 60, description="Hours")
        self.milestone = w.Dropdown(options=list(MILESTONES), description="Milestone")
        self.sku = w.Dropdown(options=skus, description="SKU")
        self.quantity = w.BoundedIntText(value=1, min=1, max=999, description="Quantity")
        self.delivery = w.Dropdown(
            options=list(sb.scenario.demand.delivery_methods), description="Delivery"
        )
        self.zone = w.Dropdown(options=[z.id for z in sb.model.world.zones], description="Zone")
        self.next = w.Button(description="Next", button_style="primary")
        self.status = w.HTML()
        self.output = w.Output()
        self.fields: dict[str, w.Widget] = {
            "target": self.target,
            "units": self.units,
            "reason": self.reason,
            "hours": self.hours,
            "milestone": self.milestone,
            "sku": self.sku,
            "quantity": self.quantity,
            "delivery": self.delivery,
            "zone": self.zone,
        }
        self.order.observe(lambda _: self.refresh(), names="value")
        self.action.observe(lambda _: self._show_fields(), names="value")
        self.target.observe(lambda _: self._limit_units(), names="value")
        self.next.on_click(lambda _: self.step())
        self.widget = w.VBox(
            [
                w.HBox([self.order, self.action]),
                *self.fields.values(),
                self.next,
                self.status,
                self.output,
            ]
        )
        self.refresh()

    def enabled(self) -> list[str]:
        """The actions offered now: the always-possible ones and those the guardrails allow."""
        ref = self.order.value
        if ref is None:
            return ["place_order", "advance", "payment_gateway_outage"]
        allowed = allowed_actions(self.sb, self.sb.order(ref))
        return list(ALWAYS) + [name for name, a in allowed.items() if a.enabled]

    def refresh(self) -> None:
        """Re-read the orders and the allowed actions (after every step)."""
        mine = list(self.sb.mine)
        if list(self.order.options) != mine:
            keep = self.order.value if self.order.value in mine else (mine[-1] if mine else None)
            self.order.options = mine
            self.order.value = keep
        enabled = self.enabled()
        current = self.action.value
        self.action.options = [(LABELS[a], a) for a in enabled]
        self.action.value = current if current in enabled else enabled[0]
        self._show_fields()

    def _choices(self) -> dict[str, int]:
        if self.order.value is None or self.action.value not in LABELS:
            return {}
        allowed = allowed_actions(self.sb, self.sb.order(self.order.value))
        entry = allowed.get(self.action.value)
        return {} if entry is None else entry.choices

    def _show_fields(self) -> None:
        action = self.action.value
        visible = set()
        if action == "place_order":
            visible = {"sku", "quantity", "delivery", "zone"}
        elif action in _HOURS:
            visible = {"hours"}
        elif action == "advance_until":
            visible = {"milestone"}
        else:
            choices = self._choices()
            _offer(self.target, list(choices))
            visible = {"target"}
            if action in _UNITS:
                visible.add("units")
                self.units.description = "Cents off" if action == "discount" else "Units"
                self._limit_units()
            if action in _REASONS:
                _offer(self.reason, list(_REASONS[action]))
                visible.add("reason")
        for name, widget in self.fields.items():
            widget.layout.display = None if name in visible else "none"

    def _limit_units(self) -> None:
        choices = self._choices()
        top = choices.get(self.target.value or "", 1)
        self.units.max = max(1, top)
        self.units.value = min(max(1, self.units.value), self.units.max)

    def step(self) -> StepResult:
        """Run the chosen action with the fields' values; redraw the step and the choices."""
        result = self._run(self.action.value)
        self.last = result
        self.status.value = f"<b>{'Done' if result.ok else 'Refused'}:</b> {result.message}"
        self.output.clear_output(wait=True)
        with self.output:
            display(HTML(result._repr_html_()))
        self.refresh()
        return result

    def _run(self, action: str) -> StepResult:
        sb, ref, target = self.sb, self.order.value, self.target.value
        calls: dict[str, Any] = {
            "place_order": lambda: sb.place_order(
                [(self.sku.value, self.quantity.value)],
                delivery=self.delivery.value,
                zone=self.zone.value,
            ),
            "advance": lambda: sb.advance(self.hours.value),
            "payment_gateway_outage": lambda: sb.payment_gateway_outage(self.hours.value),
            "advance_until": lambda: sb.advance_until(ref, self.milestone.value),
            "route": lambda: sb.route(ref),
            "cancel": lambda: sb.cancel(ref, {target: self.units.value}, reason=self.reason.value),
            "cancel_fulfillment_order": lambda: sb.cancel_fulfillment_order(target),
            "return_items": lambda: sb.return_items(
                ref, {target: self.units.value}, reason=self.reason.value
            ),
            "exchange": lambda: sb.exchange(
                ref, target, self.units.value, reason=self.reason.value
            ),
            "receive_return": lambda: sb.receive_return(target),
            "reship": lambda: sb.reship(ref, {target: self.units.value}, reason=self.reason.value),
            "discount": lambda: sb.discount(
                ref, {target: self.units.value}, reason=self.reason.value
            ),
            "resolve": lambda: sb.resolve(target),
        }
        return calls[action]()


def _offer(dropdown: w.Dropdown, options: list[str]) -> None:
    """New options for a dropdown, keeping its value when still offered, else the first."""
    keep = dropdown.value
    if list(dropdown.options) != options:
        dropdown.options = options
    dropdown.value = keep if keep in options else (options[0] if options else None)
