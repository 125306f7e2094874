"""Licensing cost: price tables read and refused with clear errors, costs computed by hand,
simulated volumes summarised, and the break-even volume checked against both cost functions."""

from __future__ import annotations

import copy
import itertools
from fractions import Fraction
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from omsim.analysis import license_costs as lc
from omsim.analysis.license_costs import (
    EXAMPLE_PRICES,
    PriceTableError,
    annual_cost_cents,
    break_even,
    compare_costs,
    cost_curve,
    cost_summary,
    load_price_table,
    price_table_from_dict,
)

# 10 cents each up to 1,000; 6 cents each from 1,001 to 5,000; 4 cents each above 5,000
THREE_TIERS: dict[str, Any] = {
    "currency": "USD",
    "order_summary": {
        "tiers": [
            {"up_to": 1000, "price_cents_per_order_summary": 10},
            {"up_to": 5000, "price_cents_per_order_summary": 6},
            {"up_to": None, "price_cents_per_order_summary": 4},
        ]
    },
    "gmv": {"share_of_gmv": 0.02, "minimum_annual_fee_cents": 50_000},
}


def table(**changes: Any) -> lc.PriceTable:
    data = copy.deepcopy(THREE_TIERS)
    for path, value in changes.items():
        *parents, key = path.split("__")
        node = data
        for part in parents:
            node = node[part]
        node[key] = value
    return price_table_from_dict(data)


@pytest.mark.parametrize(
    ("count", "cents"),
    [
        (0, 0),
        (500, 5_000),  # inside the first tier
        (1000, 10_000),  # at the first break
        (3000, 10_000 + 2000 * 6),  # inside the second
        (5000, 10_000 + 4000 * 6),  # at the last break
        (8000, 34_000 + 3000 * 4),  # above it
        (1000.5, 10_003),  # a forecast mean, pro rata
    ],
)
def test_graduated_tiers_by_hand(count: float, cents: int) -> None:
    assert annual_cost_cents(table(), "order_summary", count) == cents


def test_vectorised_equals_one_at_a_time() -> None:
    counts = np.array([0, 500, 1000, 3000, 5000, 8000])
    costs = annual_cost_cents(table(), "order_summary", counts)
    assert costs.dtype == np.int64
    assert costs.tolist() == [annual_cost_cents(table(), "order_summary", c) for c in counts]


@pytest.mark.parametrize(
    ("gmv_cents", "cents"),
    [(0, 50_000), (1_000_000, 50_000), (2_500_000, 50_000), (10_000_000, 200_000)],
)
def test_gmv_share_with_minimum_fee(gmv_cents: int, cents: int) -> None:
    assert annual_cost_cents(table(), "gmv", gmv_cents) == cents


def test_gmv_share_rounds_to_whole_cents() -> None:
    no_minimum = table(gmv__minimum_annual_fee_cents=0)
    assert annual_cost_cents(no_minimum, "gmv", 1_234_567) == 24_691  # 24,691.34 cents


def test_entitlements_replace_the_list_price() -> None:
    deal = table(
        order_summary__entitlement={
            "committed_order_summaries": 2000,
            "committed_price_cents": 15_000,
            "overage_cents_per_order_summary": 8,
        },
        gmv__entitlement={
            "committed_gmv_cents": 1_000_000,
            "committed_price_cents": 30_000,
            "overage_share_of_gmv": 0.03,
        },
    )
    counts = np.array([0, 2000, 2500])
    assert annual_cost_cents(deal, "order_summary", counts).tolist() == [15_000, 15_000, 19_000]
    assert annual_cost_cents(deal, "gmv", 1_500_000) == 30_000 + 15_000
    assert annual_cost_cents(deal, "order_summary", 2500, use_entitlement=False) == 10_000 + 9_000
    assert annual_cost_cents(deal, "gmv", 1_500_000, use_entitlement=False) == 50_000

    summary = cost_summary(deal, "order_summary", [1000, 2000, 2001, 3000, 1999])
    assert summary.committed_volume == 2000
    assert summary.p_exceeds_entitlement == pytest.approx(2 / 5)  # strictly above 2,000
    gmv = cost_summary(deal, "gmv", [999_999, 1_000_001, 4_000_000, 1_000_000])
    assert gmv.p_exceeds_entitlement == pytest.approx(2 / 4)
    assert cost_summary(deal, "gmv", [2e6], use_entitlement=False).p_exceeds_entitlement is None


def test_cost_summary_on_a_known_sample() -> None:
    counts = [500, 1000, 3000, 5000, 8000]
    costs = np.array([5_000, 10_000, 22_000, 34_000, 46_000], dtype=float)
    summary = cost_summary(table(), "order_summary", counts, coverage=0.95)
    assert summary.n_draws == 5 and summary.currency == "USD"
    assert summary.expected_volume == pytest.approx(3500)
    assert summary.expected_cents == pytest.approx(costs.mean())
    assert [summary.p10_cents, summary.p50_cents, summary.p90_cents] == pytest.approx(
        np.quantile(costs, [0.1, 0.5, 0.9])
    )
    assert (summary.low_cents, summary.high_cents) == pytest.approx(
        (np.quantile(costs, 0.025), np.quantile(costs, 0.975))
    )
    assert summary.p_exceeds_entitlement is None and summary.committed_volume is None


def test_compare_costs_pairs_the_draws() -> None:
    # per count: 10,000 and 34,000 + 4 x 15,000 = 94,000; by GMV (2%, at least 50,000): the
    # minimum 50,000, then 2% of 3,000,000 = 60,000
    compared = compare_costs(table(), [1000, 20_000], [1_000_000, 3_000_000], coverage=0.5)
    assert compared.order_summary.expected_cents == pytest.approx(52_000)
    assert compared.gmv.expected_cents == pytest.approx(55_000)
    assert compared.expected_difference_cents == pytest.approx((-40_000 + 34_000) / 2)
    assert compared.p_gmv_cheaper == pytest.approx(0.5)
    assert (compared.difference_low_cents, compared.difference_high_cents) == pytest.approx(
        tuple(np.quantile([-40_000, 34_000], [0.25, 0.75]))
    )
    with pytest.raises(ValueError, match="2 and 1 draws"):
        compare_costs(table(), [1000, 8000], [1_000_000])


@pytest.mark.parametrize(
    ("volumes", "message"),
    [([-1.0], r"finite and >= 0; got -1.0 \(1 of 1 bad\)"), ([np.nan], "finite"), ([], "no draws")],
)
def test_bad_volumes_are_refused(volumes: list[float], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        cost_summary(table(), "order_summary", volumes)
    with pytest.raises(ValueError, match="coverage"):
        cost_summary(table(), "gmv", [1.0], coverage=1.0)


def test_break_even_by_hand() -> None:
    # 1% of a 600-cent order is 6 cents an Order Summary: dearer per count below 5,000, then
    # the 4-cent tier closes the gap of 4,000 cents at 2 cents an Order Summary
    result = break_even(table(gmv__minimum_annual_fee_cents=0, gmv__share_of_gmv=0.01), 600)
    assert result.crossings == (7000.0,)
    assert (result.order_summaries, result.gmv_cents) == (7000.0, 4_200_000.0)
    assert result.cheaper_below == "gmv"
    assert annual_cost_cents(table(), "order_summary", 7000) == 42_000


def test_break_even_at_the_start_of_a_stretch_of_equal_costs() -> None:
    tiers = [
        {"up_to": 1000, "price_cents_per_order_summary": 0},
        {"up_to": 2000, "price_cents_per_order_summary": 12},
        {"up_to": 3000, "price_cents_per_order_summary": 6},  # equal to the GMV model here
        {"up_to": None, "price_cents_per_order_summary": 12},
    ]
    gmv = {"gmv__share_of_gmv": 0.01, "gmv__minimum_annual_fee_cents": 0}
    result = break_even(table(order_summary__tiers=tiers, **gmv), 600)
    assert result.crossings == (2000.0,) and result.cheaper_below == "order_summary"
    # the same stretch followed by a break (the change seen at a breakpoint, not beyond)
    tiers.insert(3, {"up_to": 4000, "price_cents_per_order_summary": 12})
    assert break_even(table(order_summary__tiers=tiers, **gmv), 600).crossings == (2000.0,)


def test_no_break_even_says_why() -> None:
    cheap_gmv = break_even(table(gmv__minimum_annual_fee_cents=0, gmv__share_of_gmv=0.001), 600)
    assert cheap_gmv.order_summaries is None and cheap_gmv.gmv_cents is None
    assert cheap_gmv.cheaper_below == "gmv"
    assert "gmv model never costs more than the order_summary model" in cheap_gmv.reason
    flat = [{"up_to": None, "price_cents_per_order_summary": 6}]
    same = break_even(
        table(order_summary__tiers=flat, gmv__share_of_gmv=0.01, gmv__minimum_annual_fee_cents=0),
        600,
    )
    assert same.crossings == () and same.cheaper_below is None
    assert same.reason == "the two models cost the same at every volume"
    with pytest.raises(ValueError, match="average_order_value_cents"):
        break_even(table(), 0)


def test_example_price_table_loads_and_says_its_figures_are_illustrative() -> None:
    example = load_price_table(EXAMPLE_PRICES)
    assert example.order_summary.entitlement is not None and example.gmv.entitlement is not None
    assert "ILLUSTRATIVE INPUT, NOT A SALESFORCE PRICE" in EXAMPLE_PRICES.read_text()


def test_currency_must_match() -> None:
    lc.require_currency(table(), "USD")
    with pytest.raises(PriceTableError, match="in USD but the volumes are in EUR"):
        lc.require_currency(table(), "EUR")


# --- bad price tables ------------------------------------------------------------------------


def _write(tmp_path: Path, data: Any) -> Path:
    path = tmp_path / "prices.yaml"
    path.write_text(yaml.safe_dump(data) if not isinstance(data, str) else data)
    return path


def _broken(change: Any) -> dict[str, Any]:
    data = copy.deepcopy(THREE_TIERS)
    change(data)
    return data


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (
            lambda d: d["order_summary"]["tiers"][1].pop("price_cents_per_order_summary"),
            "order_summary.tiers.1.price_cents_per_order_summary: required but missing: "
            "cents per Order Summary in this band, an integer >= 0",
        ),
        (
            lambda d: d["order_summary"]["tiers"][0].update(price_cents_per_order_summary=-5),
            "order_summary.tiers.0.price_cents_per_order_summary: got -5: Input should be "
            "greater than or equal to 0; allowed: cents per Order Summary",
        ),
        (
            lambda d: d["order_summary"]["tiers"][1].update(up_to=1000),
            "order_summary.tiers: 'up_to' breaks must be strictly increasing; got [1000, 1000]",
        ),
        (
            lambda d: d["order_summary"]["tiers"][2].update(up_to=9000),
            "order_summary.tiers: the last tier must have 'up_to: null'",
        ),
        (
            lambda d: d["gmv"].update(share_of_gvm=0.01),
            "gmv.share_of_gvm: unknown key; did you mean 'share_of_gmv'? allowed: "
            "share_of_gmv, minimum_annual_fee_cents, entitlement",
        ),
        (
            lambda d: d["gmv"].update(share_of_gmv=2),
            "gmv.share_of_gmv: got 2: a fraction in [0, 1]; as a percent, 2% is 0.02",
        ),
        (lambda d: d.update(currency="usd"), "currency: got 'usd': not an ISO 4217"),
    ],
)
def test_bad_price_table_names_file_and_field(tmp_path: Path, change: Any, expected: str) -> None:
    path = _write(tmp_path, _broken(change))
    with pytest.raises(PriceTableError) as caught:
        load_price_table(path)
    message = str(caught.value)
    assert message.startswith(f"{path}: 1 problem(s)")
    assert expected in message


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("currency: [USD\n", "not valid YAML"),
        ("currency: USD\ncurrency: EUR\n", "duplicate key 'currency'"),
        ("- 1\n- 2\n", "a price table is a mapping"),
    ],
)
def test_unreadable_price_table(tmp_path: Path, text: str, expected: str) -> None:
    path = _write(tmp_path, text)
    with pytest.raises(PriceTableError, match=expected) as caught:
        load_price_table(path)
    assert str(path) in str(caught.value)
    with pytest.raises(PriceTableError, match="no such price table file"):
        load_price_table(tmp_path / "missing.yaml")


# --- properties ------------------------------------------------------------------------------

shares = st.integers(0, 500).map(lambda k: k / 10_000)  # 0 to 5%, as a user would write them


@st.composite
def price_tables(draw: st.DrawFn) -> lc.PriceTable:
    breaks = sorted(draw(st.sets(st.integers(1, 100_000), max_size=3)))
    prices = draw(st.lists(st.integers(0, 60), min_size=len(breaks) + 1, max_size=len(breaks) + 1))
    order_summary: dict[str, Any] = {
        "tiers": [
            {"up_to": up_to, "price_cents_per_order_summary": price}
            for up_to, price in zip([*breaks, None], prices, strict=True)
        ]
    }
    gmv: dict[str, Any] = {
        "share_of_gmv": draw(shares),
        "minimum_annual_fee_cents": draw(st.integers(0, 2_000_000)),
    }
    if draw(st.booleans()):
        order_summary["entitlement"] = {
            "committed_order_summaries": draw(st.integers(1, 100_000)),
            "committed_price_cents": draw(st.integers(0, 3_000_000)),
            "overage_cents_per_order_summary": draw(st.integers(0, 60)),
        }
    if draw(st.booleans()):
        gmv["entitlement"] = {
            "committed_gmv_cents": draw(st.integers(1, 10**9)),
            "committed_price_cents": draw(st.integers(0, 3_000_000)),
            "overage_share_of_gmv": draw(shares),
        }
    return price_table_from_dict({"currency": "EUR", "order_summary": order_summary, "gmv": gmv})


@settings(max_examples=60, deadline=None)
@given(
    price_tables(),
    st.lists(st.floats(0, 1e10, allow_nan=False), min_size=2, max_size=20),
    st.booleans(),
)
def test_costs_never_fall_as_volume_grows(
    priced: lc.PriceTable, volumes: list[float], use_entitlement: bool
) -> None:
    ordered = np.sort(np.array(volumes))
    for model in lc.MODELS:
        costs = annual_cost_cents(priced, model, ordered, use_entitlement=use_entitlement)
        assert (np.diff(costs) >= 0).all()
        assert (costs >= 0).all()


@settings(max_examples=120, deadline=None)
@given(price_tables(), st.integers(100, 50_000), st.booleans())
def test_break_even_is_where_both_models_cost_the_same(
    priced: lc.PriceTable, aov: int, use_entitlement: bool
) -> None:
    result = break_even(priced, aov, use_entitlement=use_entitlement)
    by_count = cost_curve(priced, "order_summary", use_entitlement=use_entitlement)
    by_gmv = cost_curve(priced, "gmv", use_entitlement=use_entitlement)

    def gap(count: Fraction) -> int:  # the sign of (per-count cost - GMV cost), exactly
        difference = by_count.at(count) - by_gmv.at(count * aov)
        return (difference > 0) - (difference < 0)

    for count in result.crossings:
        os_cents = annual_cost_cents(
            priced, "order_summary", count, use_entitlement=use_entitlement
        )
        gmv_cents = annual_cost_cents(priced, "gmv", count * aov, use_entitlement=use_entitlement)
        assert abs(os_cents - gmv_cents) <= 1
    # between crossings the same model is never dearer, and it alternates
    bounds = [Fraction(0), *(Fraction(c) for c in result.crossings)]
    probes = [(a + b) / 2 for a, b in itertools.pairwise(bounds)]
    probes.append(bounds[-1] * 2 + 10**7)
    expected = {"gmv": 1, "order_summary": -1, None: 0}[result.cheaper_below]
    for probe in probes:
        assert gap(probe) in (0, expected)
        expected = -expected
    # and no change of the cheaper model is missed on a grid
    grid = [Fraction(k * 1000) for k in range(0, 400)]
    signs = [(x, gap(x)) for x in grid if gap(x) != 0]
    for (x0, s0), (x1, s1) in itertools.pairwise(signs):
        if s0 != s1:
            assert any(x0 < Fraction(c) <= x1 for c in result.crossings), (x0, x1)
