"""The run folder: what `omsim run` writes, readable without omsim's simulation code.

Layout (DESIGN.md): ``events.parquet``, ``event_objects.parquet``, ``objects.parquet``,
``object_changes.parquet`` (the event log), ``records/<Object>.parquet`` (final state of every
Salesforce-shaped record, columns named by API field), ``kpis.json``, ``metadata.json`` and, on
request, ``ocel.json`` (OCEL 2.0).
"""

from __future__ import annotations

import json
import platform
import subprocess
from collections import defaultdict
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pandas as pd

import omsim
from omsim.analysis.kpis import kpis
from omsim.domain import OrderSummary
from omsim.domain.events import scalar_fields
from omsim.scenario import scenario_hash
from omsim.sim.run import RunResult

DERIVED_FIELDS: dict[str, tuple[str, ...]] = {
    "OrderSummary": ("active_process_exception_count", "original_order_id"),
    "OrderItemSummary": (
        "type_code",
        "quantity",
        "quantity_net_ordered",
        "quantity_available_to_fulfill",
        "quantity_available_to_cancel",
        "quantity_available_to_return",
        "quantity_available_to_reship",
        "total_price_cents",
        "total_amt_with_tax_cents",
    ),
    "FulfillmentOrder": ("status_category", "item_count"),
    "ReturnOrder": ("status_category",),
    "ProcessException": ("status_category",),
    "OrderPaymentSummary": (
        "authorization_amount_cents",
        "captured_amount_cents",
        "refunded_amount_cents",
        "balance_amount_cents",
        "available_to_refund_cents",
    ),
    "PaymentAuthorization": ("balance_cents",),
    "Payment": ("balance_cents",),
    "Invoice": ("total_amount_with_tax_cents",),
    "CreditMemo": ("total_amount_with_tax_cents",),
    "Order": ("total_amount_cents", "total_tax_amount_cents", "grand_total_amount_cents"),
    "OrderItem": ("total_price_cents",),
}
"""Formula fields exported beside the stored ones, as an org's data export shows them."""


def _records(summary: OrderSummary) -> Iterator[Any]:
    yield summary
    yield from summary.items
    yield from summary.delivery_groups
    yield from summary.item_changes
    for order in (summary.original_order, *summary.change_orders):
        yield order
        yield from order.items
        yield from order.delivery_groups
    for fo in summary.fulfillment_orders:
        yield fo
        yield from fo.lines
    for ro in summary.return_orders:
        yield ro
        yield from ro.lines
    for ops in summary.payment_summaries:
        yield ops
        yield from ops.authorizations
        yield from ops.payments
        yield from ops.refunds
    yield from summary.invoices
    yield from summary.credit_memos
    yield from summary.process_exceptions


def record_tables(summaries: list[OrderSummary]) -> dict[str, pd.DataFrame]:
    """Every record by Salesforce object, one DataFrame each, columns by API field name."""
    from omsim.domain.events import api_name

    rows: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for summary in summaries:
        for record in _records(summary):
            name = type(record).__name__
            row = scalar_fields(record)
            for attribute in DERIVED_FIELDS.get(name, ()):
                row[api_name(attribute)] = getattr(record, attribute)
            if name == "OrderSummary":
                row["OrderLifeCycleType"] = str(record.order_life_cycle_type)
                row["SourceProcess"] = str(record.source_process)
            rows[name].append({k: (str(v) if hasattr(v, "value") else v) for k, v in row.items()})
    return {name: pd.DataFrame(found) for name, found in sorted(rows.items())}


def git_commit() -> str | None:
    """The commit of the working tree omsim runs from, when it is a git checkout."""
    try:
        out = subprocess.run(
            ["git", "rev-parse", "HEAD"],
            cwd=Path(__file__).parent,
            capture_output=True,
            text=True,
            timeout=5,
            check=True,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    return out.stdout.strip() or None


def metadata(result: RunResult) -> dict[str, Any]:
    """Provenance of a run: seed, scenario and its hash, version, commit, wall time."""
    return {
        "scenario": result.scenario.name,
        "scenario_hash": scenario_hash(result.scenario),
        "seed": result.seed,
        "omsim_version": omsim.__version__,
        "git_commit": git_commit(),
        "python": platform.python_version(),
        "wall_seconds": round(result.wall_seconds, 3),
        "horizon_days": result.scenario.horizon_days,
        "start": result.scenario.start.isoformat(),
        "events": len(result.log),
        "order_states": result.state_counts,
        "scenario_settings": result.scenario.model_dump(mode="json"),
    }


def write_run_folder(result: RunResult, folder: Path | str, *, ocel: bool = False) -> Path:
    """Write the run folder and return its path."""
    folder = Path(folder)
    (folder / "records").mkdir(parents=True, exist_ok=True)
    result.log.write_parquet(folder)
    for name, table in record_tables(result.summaries).items():
        table.to_parquet(folder / "records" / f"{name}.parquet", index=False)
    states = pd.DataFrame(sorted(result.order_states.items()), columns=["OrderSummaryId", "State"])
    states.to_parquet(folder / "records" / "OrderState.parquet", index=False)
    figures = kpis(result.log.tables())
    (folder / "kpis.json").write_text(json.dumps(figures, indent=2, sort_keys=True) + "\n")
    (folder / "metadata.json").write_text(json.dumps(metadata(result), indent=2) + "\n")
    if ocel:
        result.log.write_ocel_json(folder / "ocel.json")
    return folder
