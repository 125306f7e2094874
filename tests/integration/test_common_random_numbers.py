"""Common random numbers: paired replications compare two routing strategies more precisely.

`omsim.experiments.compare` runs every variant on the same replication seeds by default
(``common_random_numbers=True``): replication ``i`` of each variant sees the same customers,
baskets and customer behaviour, because the random streams are split by purpose
(`omsim.sim.streams`), and the difference of a KPI is taken pair by pair, so the seed-to-seed
noise shared by both variants cancels. With ``common_random_numbers=False`` each variant gets
seeds of its own and the difference is Welch's independent-samples interval.

Here the shipped ``tutorial`` scenario (7 days, about 300 checkouts a run) is compared under
``routing.strategy`` nearest_warehouse (the baseline) and ship_from_store, 20 replications per
variant, on the KPI ``mean_hours_to_delivery``: both designs, 80 runs, about 20 s on 2 worker
processes (about 45 s of CPU in all).

Measured by hand (experiment seeds 1-9, 20 replications per variant): the width of the 95%
interval for the difference in mean delivery hours, stores minus warehouse, was

    seed   paired   independent   paired / independent   difference: paired / independent
    1      1.027    1.754         0.59                   -6.59 / -6.29   (the seed used)
    2      1.030    1.656         0.62                   -7.04 / -6.83
    3      0.916    1.490         0.61                   -6.43 / -6.47
    4      0.831    1.388         0.60                   -6.89 / -6.57
    5      0.989    2.092         0.47                   -6.34 / -5.45
    6      1.196    1.688         0.71                   -6.67 / -5.95
    7      0.769    1.820         0.42                   -6.38 / -5.65
    8      1.111    1.491         0.75                   -7.07 / -6.95
    9      1.400    1.894         0.74                   -6.47 / -6.63

so common random numbers cut the interval to about 0.6 of the independent one (0.42 to 0.75;
the ratio of two estimated widths from 20 replications is itself noisy). The test asserts the
paired width is below ``WIDTH_RATIO`` = 0.8 of the independent width for the seed used (0.59
there, a margin of a quarter of the bound); it held on all 9 seeds, but with 0.05 to spare on
the worst, so after a change to the random streams look at several seeds before concluding.
The reason is the correlation the pairing removes: for the seed used, the two variants' mean
delivery hours correlate 0.65 across the 20 replications (asserted above 0.3).

The common random numbers are also checked directly: routing does not change demand, so in each
replication both variants saw the same number of checkouts (``checkouts_attempted``) on the same
seed; without common random numbers the seeds differ, and the baseline's replications are the
very runs of the paired design (variant 0 keeps the common seeds), so its KPIs are equal.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from omsim.experiments import ExperimentResult, compare
from omsim.network.routing import STRATEGIES
from omsim.scenario import load_scenario

pytestmark = pytest.mark.slow(
    cpu_seconds=30
)  # replications of four strategies, on two seed designs

KPI = "mean_hours_to_delivery"
REPLICATIONS = 20
SEED = 1
WIDTH_RATIO = 0.8  # paired width < WIDTH_RATIO x independent width; measured about 0.6
VARIANTS = {
    "warehouse": {"routing.strategy": "nearest_warehouse"},
    "stores": {"routing.strategy": "ship_from_store"},
}


def run_compare(common_random_numbers: bool) -> ExperimentResult:
    return compare(
        load_scenario("tutorial"),
        VARIANTS,
        REPLICATIONS,
        SEED,
        baseline="warehouse",
        common_random_numbers=common_random_numbers,
        executor="processes",
        workers=2,
        progress=False,
    )


@pytest.fixture(scope="module")
def paired() -> ExperimentResult:
    return run_compare(common_random_numbers=True)


@pytest.fixture(scope="module")
def independent() -> ExperimentResult:
    return run_compare(common_random_numbers=False)


def difference(result: ExperimentResult) -> pd.Series:
    """The row of ``result.differences`` for stores against warehouse on `KPI`."""
    rows = result.differences
    row = rows[(rows["variant"] == "stores") & (rows["kpi"] == KPI)]
    assert len(row) == 1
    return row.iloc[0]


def per_replication(result: ExperimentResult, column: str) -> pd.DataFrame:
    """One column of the replications as replication x variant."""
    return result.replications.pivot(index="replication", columns="variant", values=column)


def test_the_variants_are_strategies_omsim_has() -> None:
    for overrides in VARIANTS.values():
        assert overrides["routing.strategy"] in STRATEGIES


def test_paired_interval_is_narrower_than_independent(paired, independent) -> None:
    for result in (paired, independent):
        assert result.n_failed == 0, result.failures
        assert result.n_finished == 2 * REPLICATIONS
    assert paired.settings["common_random_numbers"] is True
    assert independent.settings["common_random_numbers"] is False
    same, apart = difference(paired), difference(independent)
    assert same["n_pairs"] == REPLICATIONS
    assert apart["n_baseline"] == apart["n_variant"] == REPLICATIONS
    paired_width = same["ci_high"] - same["ci_low"]
    independent_width = apart["ci_high"] - apart["ci_low"]
    assert 0.0 < paired_width < WIDTH_RATIO * independent_width, (paired_width, independent_width)
    # Both designs estimate the same difference: the wider interval holds the paired estimate
    # (it did on all 9 seeds measured; the converse failed on seed 5).
    assert apart["ci_low"] <= same["difference"] <= apart["ci_high"]
    # Why pairing helps: the variants' KPI moves together from replication to replication.
    hours = per_replication(paired, KPI)
    assert hours["warehouse"].corr(hours["stores"]) > 0.3


def test_with_common_random_numbers_both_variants_saw_the_same_checkouts(
    paired, independent
) -> None:
    seeds = per_replication(paired, "seed")
    assert (seeds["warehouse"] == seeds["stores"]).all()
    checkouts = per_replication(paired, "checkouts_attempted")
    assert checkouts["warehouse"].gt(0).all()
    assert (checkouts["warehouse"] == checkouts["stores"]).all()
    # The routing differs, so the delivery times differ in every replication.
    hours = per_replication(paired, KPI)
    assert (hours["warehouse"] != hours["stores"]).all()

    # Without common random numbers the variants run on seeds of their own; the baseline keeps
    # the common seeds, so its replications are the paired design's baseline runs, KPI for KPI.
    apart = per_replication(independent, "seed")
    assert not set(apart["warehouse"]) & set(apart["stores"])
    assert (apart["warehouse"] == seeds["warehouse"]).all()
    for column in ("checkouts_attempted", KPI):
        np.testing.assert_array_equal(
            per_replication(independent, column)["warehouse"],
            per_replication(paired, column)["warehouse"],
        )
    other_checkouts = per_replication(independent, "checkouts_attempted")["stores"]
    assert (other_checkouts != checkouts["stores"]).any()
