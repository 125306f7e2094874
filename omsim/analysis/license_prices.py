"""The licensing price table, as data: a small YAML validated like a scenario.

Salesforce licenses Order Management either by the number of managed Order Summaries created or
by a share of their GMV (gross merchandise value). A `PriceTable` (see
``omsim/data/prices/example-prices.yaml``) holds both models' prices: graduated per-Order-
Summary tiers with volume breaks, a share of GMV with an optional minimum annual fee, and on
either model an optional committed annual entitlement with its overage price. No price is
written in the code: every figure is an input. Money is in integer cents of the table's
currency. `load_price_table` refuses a bad file before any work starts, naming the file, the
field and what is allowed; `omsim.analysis.license_costs` prices volumes with it.
"""

from __future__ import annotations

import difflib
import itertools
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
)

from omsim.scenario.currencies import ISO_4217
from omsim.scenario.loading import allowed_keys, model_at, read_yaml

__all__ = [
    "EXAMPLE_PRICES",
    "MODELS",
    "GmvEntitlement",
    "GmvPricing",
    "LicenseModel",
    "OrderSummaryEntitlement",
    "OrderSummaryPricing",
    "PriceTable",
    "PriceTableError",
    "Tier",
    "load_price_table",
    "price_table_from_dict",
    "require_currency",
]

LicenseModel = Literal["order_summary", "gmv"]
MODELS: tuple[LicenseModel, ...] = ("order_summary", "gmv")
EXAMPLE_PRICES = Path(__file__).resolve().parents[1] / "data" / "prices" / "example-prices.yaml"
"""An example price table; every figure in it is illustrative, not a Salesforce price."""


def _fraction(value: float) -> float:
    """A share above 1 is most likely a percent: say what it would be as a fraction."""
    if value > 1:
        raise ValueError(f"a fraction in [0, 1]; as a percent, {value:g}% is {value / 100:g}")
    return value


Share = Annotated[float, Field(ge=0, allow_inf_nan=False), AfterValidator(_fraction)]
"""A share of GMV, a fraction in [0, 1] (0.008 is 0.8%)."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Tier(_Strict):
    """One band of the per-Order-Summary price list.

    Each Order Summary counted above the previous band's ``up_to`` (0 for the first band) and
    up to this ``up_to`` costs ``price_cents_per_order_summary``; ``up_to: null`` (the last
    band only) has no upper break.
    """

    up_to: Annotated[int, Field(gt=0)] | None = Field(
        description="the annual count this band ends at, an integer > 0, or null for the last"
    )
    price_cents_per_order_summary: int = Field(
        ge=0, description="cents per Order Summary in this band, an integer >= 0"
    )


class OrderSummaryEntitlement(_Strict):
    """A committed annual number of managed Order Summaries, its price, and the overage."""

    committed_order_summaries: int = Field(
        gt=0, description="Order Summaries a year the commitment covers, an integer > 0"
    )
    committed_price_cents: int = Field(
        ge=0, description="cents a year owed whatever the volume, an integer >= 0"
    )
    overage_cents_per_order_summary: int = Field(
        ge=0, description="cents per Order Summary above the commitment, an integer >= 0"
    )


class GmvEntitlement(_Strict):
    """A committed annual GMV, its price, and the overage as a share of the GMV above it."""

    committed_gmv_cents: int = Field(
        gt=0, description="GMV in cents a year the commitment covers, an integer > 0"
    )
    committed_price_cents: int = Field(
        ge=0, description="cents a year owed whatever the GMV, an integer >= 0"
    )
    overage_share_of_gmv: Share = Field(
        description="share of the GMV above the commitment, a fraction in [0, 1]"
    )


class OrderSummaryPricing(_Strict):
    """Licensing by managed Order Summaries created: graduated tiers over the annual count."""

    tiers: list[Tier] = Field(
        min_length=1,
        description="a list of {up_to, price_cents_per_order_summary}, breaks increasing, "
        "the last with up_to: null",
    )
    entitlement: OrderSummaryEntitlement | None = None

    @field_validator("tiers")
    @classmethod
    def _breaks(cls, tiers: list[Tier]) -> list[Tier]:
        if tiers[-1].up_to is not None:
            raise ValueError("the last tier must have 'up_to: null' (no upper break)")
        breaks = [tier.up_to for tier in tiers[:-1]]
        if None in breaks:
            raise ValueError("only the last tier may have 'up_to: null'")
        if any(b >= c for b, c in itertools.pairwise(breaks)):  # type: ignore[operator]
            raise ValueError(f"'up_to' breaks must be strictly increasing; got {breaks}")
        return tiers


class GmvPricing(_Strict):
    """Licensing by GMV: a share of the annual GMV, at least a minimum annual fee."""

    share_of_gmv: Share = Field(description="share of the annual GMV, a fraction in [0, 1]")
    minimum_annual_fee_cents: int = Field(
        default=0, ge=0, description="the least owed a year, cents, an integer >= 0"
    )
    entitlement: GmvEntitlement | None = None


class PriceTable(_Strict):
    """Prices of the two Order Management licensing models, in cents of ``currency``."""

    currency: str = Field(description="the ISO 4217 code of the prices, such as USD")
    description: str = ""
    order_summary: OrderSummaryPricing = Field(
        description="a mapping of tiers and an optional entitlement"
    )
    gmv: GmvPricing = Field(
        description="a mapping of share_of_gmv, minimum_annual_fee_cents and an optional "
        "entitlement"
    )

    @field_validator("currency")
    @classmethod
    def _iso_4217(cls, value: str) -> str:
        if value not in ISO_4217:
            hint = difflib.get_close_matches(value.upper(), sorted(ISO_4217), n=1)
            near = f"; did you mean {hint[0]!r}?" if hint else ""
            raise ValueError(f"not an ISO 4217 currency code (such as USD, EUR, GBP){near}")
        return value


class PriceTableError(ValueError):
    """A price table cannot be loaded; the message names the file, the field and what is allowed."""


def load_price_table(path: str | Path) -> PriceTable:
    """Read and validate a price table from a YAML file.

    Raises
    ------
    PriceTableError
        The file is missing or not YAML, or a field is missing, unknown or out of range; the
        message names the file and each field with what it allows.

    Examples
    --------
    >>> load_price_table(EXAMPLE_PRICES).currency
    'USD'
    """
    path = Path(path)
    data = read_yaml(path, "price table", PriceTableError)
    return price_table_from_dict(data, source=str(path))


def price_table_from_dict(data: Any, source: str = "<price table>") -> PriceTable:
    """Validate a price table given as a mapping (a notebook's overrides); ``source`` names it."""
    if not isinstance(data, dict):
        raise PriceTableError(f"{source}: a price table is a mapping of keys to values")
    try:
        return PriceTable.model_validate(data)
    except ValidationError as error:
        raise PriceTableError(_explain(error, source)) from None


def _explain(error: ValidationError, source: str) -> str:
    lines = [f"{source}: {error.error_count()} problem(s)"]
    for problem in error.errors():
        loc = problem["loc"]
        where = ".".join(str(part) for part in loc) or "(top level)"
        if problem["type"] == "extra_forbidden":
            allowed = allowed_keys(PriceTable, loc[:-1])
            hint = difflib.get_close_matches(str(loc[-1]), allowed, n=1)
            near = f"; did you mean {hint[0]!r}?" if hint else ""
            lines.append(f"  {where}: unknown key{near} allowed: {', '.join(allowed)}")
        elif problem["type"] == "missing":
            lines.append(f"  {where}: required but missing: {_described(loc)}")
        elif problem["type"] == "value_error":  # the schema's own checks say what they want
            value = problem.get("input")
            got = "" if isinstance(value, list | dict) else f"got {value!r}: "
            lines.append(f"  {where}: {got}{problem['msg'].removeprefix('Value error, ')}")
        else:
            shown = repr(problem.get("input"))
            shown = shown if len(shown) <= 60 else shown[:57] + "..."
            lines.append(f"  {where}: got {shown}: {problem['msg']}; allowed: {_described(loc)}")
    return "\n".join(lines)


def _described(loc: tuple[Any, ...]) -> str:
    """What a field takes, from its description in the schema."""
    model = model_at(PriceTable, loc[:-1])
    field = model.model_fields.get(str(loc[-1])) if model is not None else None
    return field.description if field is not None and field.description else "see the example"


def require_currency(table: PriceTable, currency: str, what: str = "the volumes") -> None:
    """Refuse to price GMV in one currency with a table in another (no conversion is made)."""
    if table.currency != currency:
        raise PriceTableError(
            f"the price table is in {table.currency} but {what} are in {currency}; "
            "give a price table in the volumes' currency"
        )
