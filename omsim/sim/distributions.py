"""Sampling the scenario's `Dist` parameters with an explicit generator."""

from __future__ import annotations

import math

import numpy as np

from omsim.scenario_schema import Dist


def sample(dist: Dist, rng: np.random.Generator) -> float:
    """One draw of ``dist`` (never negative), in the unit of the field that holds it.

    Lognormal and gamma are parameterised by the mean and standard deviation of the variable.
    """
    kind = dist.dist
    if kind == "constant":
        return float(dist.value)  # type: ignore[arg-type]
    if kind == "exponential":
        return float(rng.exponential(dist.mean))
    if kind == "uniform":
        return float(rng.uniform(dist.low, dist.high))
    if kind == "triangular":
        if dist.low == dist.high:
            return float(dist.low)  # type: ignore[arg-type]
        return float(rng.triangular(dist.low, dist.mode, dist.high))
    mean, sd = float(dist.mean), float(dist.sd)  # type: ignore[arg-type]
    if sd == 0:
        return mean
    if kind == "lognormal":
        sigma2 = math.log1p((sd / mean) ** 2)
        return float(rng.lognormal(math.log(mean) - sigma2 / 2, math.sqrt(sigma2)))
    shape = (mean / sd) ** 2
    return float(rng.gamma(shape, mean / shape))


def geometric_at_least_one(mean: float, cap: int, rng: np.random.Generator) -> int:
    """A count 1, 2, ... with the given mean (before the cap), at most ``cap``."""
    if mean <= 1:
        return 1
    return int(min(cap, rng.geometric(1.0 / mean)))
