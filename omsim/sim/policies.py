"""Operational policies as pure functions; each random one takes its generator as ``rng``."""

from __future__ import annotations

import numpy as np

from omsim.scenario.schema import SiteSpec
from omsim.sim.distributions import sample


def pick_pack_hours(spec: SiteSpec, *, rng: np.random.Generator) -> float:
    """Time one associate spends picking and packing one fulfillment order, hours."""
    return sample(spec.pick_pack_minutes, rng) / 60.0


def rejected_lines(line_ids: list[str], accuracy: float, *, rng: np.random.Generator) -> list[str]:
    """Lines a location rejects: each independently with probability 1 - inventory accuracy.

    One draw per line, always, so the stream advances the same way whatever the outcome.
    """
    draws = rng.random(len(line_ids))
    return [line for line, u in zip(line_ids, draws, strict=True) if u >= accuracy]


def transit_hours(days: float, sd_days: float, *, rng: np.random.Generator) -> float:
    """Carrier transit, hours: the zone chart's days plus normal noise, at least a quarter of them."""
    noisy = days + (rng.normal(0.0, sd_days) if sd_days > 0 else 0.0)
    return max(0.25 * days, noisy) * 24.0


def succeeds(rate: float, *, rng: np.random.Generator) -> bool:
    """A Bernoulli trial with success probability ``rate``."""
    return bool(rng.random() < rate)
