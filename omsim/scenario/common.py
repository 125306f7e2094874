"""Building blocks of the scenario schema: the strict base model and random quantities."""

from __future__ import annotations

import datetime as dt
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator


class Strict(BaseModel):
    """Base: unknown keys are errors, values are validated on assignment too."""

    model_config = ConfigDict(extra="forbid", validate_assignment=True, frozen=True)


class Dist(Strict):
    """A random quantity; the unit is the one of the field holding it.

    ``constant`` (value), ``exponential`` (mean), ``lognormal`` (mean, sd of the variable
    itself), ``uniform`` (low, high), ``triangular`` (low, mode, high), ``gamma`` (mean, sd).
    """

    dist: Literal["constant", "exponential", "lognormal", "uniform", "triangular", "gamma"]
    value: float | None = None
    mean: float | None = Field(default=None, gt=0)
    sd: float | None = Field(default=None, ge=0)
    low: float | None = Field(default=None, ge=0)
    high: float | None = Field(default=None, ge=0)
    mode: float | None = Field(default=None, ge=0)

    @model_validator(mode="after")
    def _parameters(self) -> Dist:
        needed = {
            "constant": ("value",),
            "exponential": ("mean",),
            "lognormal": ("mean", "sd"),
            "gamma": ("mean", "sd"),
            "uniform": ("low", "high"),
            "triangular": ("low", "mode", "high"),
        }[self.dist]
        missing = [name for name in needed if getattr(self, name) is None]
        if missing:
            raise ValueError(f"{self.dist} needs {', '.join(needed)}; missing {', '.join(missing)}")
        if self.low is not None and self.high is not None and self.low > self.high:
            raise ValueError(f"low {self.low} > high {self.high}")
        if self.dist == "triangular" and not (self.low <= self.mode <= self.high):  # type: ignore[operator]
            raise ValueError("triangular needs low <= mode <= high")
        return self

    @property
    def lowest(self) -> float | None:
        """The smallest value it can draw; None when it draws only values > 0.

        >>> Dist(dist="uniform", low=2, high=5).lowest, Dist(dist="exponential", mean=3).lowest
        (2.0, None)
        """
        if self.dist == "constant":
            return self.value
        if self.dist in ("uniform", "triangular"):
            return self.low
        return None  # exponential, lognormal and gamma draw from (0, inf)

    @property
    def expected(self) -> float:
        """The distribution's mean."""
        if self.dist == "constant":
            return float(self.value)  # type: ignore[arg-type]
        if self.dist in ("exponential", "lognormal", "gamma"):
            return float(self.mean)  # type: ignore[arg-type]
        if self.dist == "uniform":
            return (self.low + self.high) / 2  # type: ignore[operator]
        return (self.low + self.mode + self.high) / 3  # type: ignore[operator]


def constant(value: float) -> Dist:
    return Dist(dist="constant", value=value)


class WorkingHours(Strict):
    """Daily hours a team works, local clock: open from ``open_hour`` until ``close_hour``."""

    open_hour: float = Field(default=0, ge=0, le=24)
    close_hour: float = Field(default=24, ge=0, le=24)

    @model_validator(mode="after")
    def _hours(self) -> WorkingHours:
        if self.open_hour >= self.close_hour:
            raise ValueError(
                f"open_hour {self.open_hour} must be before close_hour {self.close_hour}"
            )
        return self


class WindowSpec(Strict):
    """A time window [start, end)."""

    start: dt.datetime
    end: dt.datetime

    @model_validator(mode="after")
    def _window(self) -> WindowSpec:
        if self.end <= self.start:
            raise ValueError(f"end {self.end} must be after its start {self.start}")
        return self
