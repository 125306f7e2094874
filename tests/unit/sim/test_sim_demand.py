"""Streams, distributions, the catalog and the order drafts."""

import numpy as np
import pytest

from omsim.scenario import load_scenario
from omsim.scenario.schema import Dist
from omsim.sim.catalog import build_catalog
from omsim.sim.demand import delivery_charge_cents, draft_order
from omsim.sim.distributions import geometric_at_least_one, sample
from omsim.sim.streams import STREAM_NAMES, Streams
from omsim.sim.world import build_world


def test_streams_are_independent_named_and_reproducible() -> None:
    a, b = Streams(3), Streams(3)
    assert [a.demand.random() for _ in range(3)] == [b.demand.random() for _ in range(3)]
    assert Streams(3).demand.random() != Streams(3).basket.random()
    assert STREAM_NAMES[:3] == ("demand", "basket", "customer")  # order is part of the contract
    with pytest.raises(AttributeError, match="no random stream 'weather'"):
        _ = a.weather


@pytest.mark.parametrize(
    ("dist", "mean"),
    [
        (Dist(dist="constant", value=3), 3),
        (Dist(dist="exponential", mean=2), 2),
        (Dist(dist="lognormal", mean=10, sd=4), 10),
        (Dist(dist="gamma", mean=5, sd=2), 5),
        (Dist(dist="uniform", low=1, high=3), 2),
        (Dist(dist="triangular", low=0, mode=1, high=5), 2),
    ],
)
def test_sample_means(dist: Dist, mean: float) -> None:
    rng = np.random.default_rng(0)
    draws = np.array([sample(dist, rng) for _ in range(20000)])
    assert dist.expected == pytest.approx(mean)
    assert draws.mean() == pytest.approx(mean, rel=0.03)
    assert (draws >= 0).all()


def test_dist_needs_its_parameters() -> None:
    with pytest.raises(ValueError, match="lognormal needs mean, sd; missing sd"):
        Dist(dist="lognormal", mean=3)


def test_geometric_counts_have_the_mean_and_cap() -> None:
    rng = np.random.default_rng(1)
    draws = [geometric_at_least_one(1.5, 100, rng) for _ in range(20000)]
    assert min(draws) == 1 and np.mean(draws) == pytest.approx(1.5, rel=0.03)
    assert max(geometric_at_least_one(3, 4, rng) for _ in range(1000)) == 4


def test_catalog_popularity_is_zipf_and_sums_to_one() -> None:
    scenario = load_scenario("tutorial")
    catalog = build_catalog(scenario.catalog, np.random.default_rng(0))
    pops = [p.popularity for p in catalog.products]
    assert sum(pops) == pytest.approx(1.0)
    assert pops[0] / pops[1] == pytest.approx(2**scenario.catalog.zipf_exponent)
    rng = np.random.default_rng(2)
    draws = [catalog.draw(rng).sku for _ in range(20000)]
    assert draws.count("SKU-0001") / len(draws) == pytest.approx(pops[0], abs=0.02)


def test_drafts_are_reproducible_and_respect_the_scenario() -> None:
    scenario = load_scenario("tutorial", demand={"managed_share": 0.5})
    world, _ = build_world(scenario, np.random.default_rng(0))

    def drafts(seed):
        s = Streams(seed)
        return [
            draft_order(scenario, world, basket=s.basket, customer=s.customer, payments=s.payments)
            for _ in range(400)
        ]

    first = drafts(4)
    assert first == drafts(4)
    assert all(1 <= len(d.lines) <= scenario.demand.max_lines_per_order for d in first)
    assert all(d.pickup_location_id for d in first if d.delivery_method == "Pickup")
    assert 0.4 < np.mean([d.managed for d in first]) < 0.6
    assert 0 < sum(d.declined for d in first) < 30


def test_free_shipping_threshold_waives_standard_but_not_express() -> None:
    scenario = load_scenario("tutorial", demand={"free_shipping_threshold_cents": 5000})
    assert delivery_charge_cents(scenario, "Standard", 4999) == 599
    assert delivery_charge_cents(scenario, "Standard", 5000) == 0
    assert delivery_charge_cents(scenario, "Express", 9000) == 1499
