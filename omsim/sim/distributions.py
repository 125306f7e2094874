"""Sampling the scenario's `Dist` parameters with an explicit generator."""

from __future__ import annotations

import math

import numpy as np

from omsim.scenario.schema import Dist


def sample(dist: Dist, rng: np.random.Generator) -> float:
    """One draw of ``dist`` (never negative), in the unit of the field that holds it.

    Lognormal and gamma are parameterised by the mean and standard deviation of the variable.
    """
    kind = dist.dist
    # the schema guarantees each kind's parameters are set; `or 0.0` only narrows the type
    value, mean, sd = dist.value or 0.0, dist.mean or 0.0, dist.sd or 0.0
    low, mode, high = dist.low or 0.0, dist.mode or 0.0, dist.high or 0.0
    if kind == "constant":
        return float(value)
    if kind == "exponential":
        return float(rng.exponential(mean))
    if kind == "uniform":
        return float(rng.uniform(low, high))
    if kind == "triangular":
        if low == high:
            return float(low)
        return float(rng.triangular(low, mode, high))
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
