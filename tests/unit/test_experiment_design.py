"""The design of an experiment (`omsim.experiments.design`): seeds, overrides, grids."""

from __future__ import annotations

import numpy as np
import pytest

from omsim.experiments.design import (
    apply_overrides,
    grid_variants,
    nest,
    parse_assignment,
    parse_grid,
    replication_seeds,
    scalar_kpis,
    variant_seeds,
)
from omsim.experiments.worker import flatten
from omsim.scenario import ScenarioError, load_scenario


@pytest.fixture(scope="module")
def tutorial():
    return load_scenario("tutorial", horizon_days=2)


# --- seeds ---------------------------------------------------------------------------------


def test_replication_seeds_come_from_seed_sequence_spawn() -> None:
    children = np.random.SeedSequence(2026).spawn(4)
    expected = [int(c.generate_state(1, np.uint64)[0]) >> 1 for c in children]
    assert replication_seeds(2026, 4) == expected


def test_replication_seeds_are_prefix_stable_distinct_and_in_range() -> None:
    long = replication_seeds(11, 50)
    assert replication_seeds(11, 5) == long[:5]
    assert len(set(long)) == 50
    assert all(isinstance(s, int) and 0 <= s < 2**63 for s in long)
    assert replication_seeds(12, 5) != long[:5]
    assert 11 not in long  # the experiment seed is not itself a replication seed


@pytest.mark.parametrize("n", [0, -3])
def test_replication_seeds_need_one_or_more(n: int) -> None:
    with pytest.raises(ValueError, match="integer >= 1"):
        replication_seeds(1, n)


def test_variant_seeds_common_share_one_list() -> None:
    seeds = variant_seeds(7, 3, 4)
    assert len(seeds) == 4
    assert all(s == replication_seeds(7, 3) for s in seeds)


def test_variant_seeds_independent_are_disjoint() -> None:
    a, b, c = variant_seeds(7, 3, 3, common=False)
    assert a == replication_seeds(7, 3)
    assert a + b + c == replication_seeds(7, 9)
    assert len(set(a) | set(b) | set(c)) == 9


# --- parsing ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("routing.strategy=lowest_cost", ("routing.strategy", "lowest_cost")),
        ("fulfillment.store.associates=4", ("fulfillment.store.associates", 4)),
        ("fulfillment.store.inventory_accuracy=0.9", ("fulfillment.store.inventory_accuracy", 0.9)),
        ("routing.excluded_locations=[a, b]", ("routing.excluded_locations", ["a", "b"])),
        ("routing.max_splits=null", ("routing.max_splits", None)),
        ("flag=true", ("flag", True)),
        ("x=", ("x", "")),
        (" a.b = 1", ("a.b", 1)),
        ("a={mean: 3, sd: 1}", ("a", {"mean": 3, "sd": 1})),
        ("a=b=c", ("a", "b=c")),
    ],
)
def test_parse_assignment_reads_yaml(text: str, expected: tuple) -> None:
    assert parse_assignment(text) == expected


@pytest.mark.parametrize("text", ["routing.strategy", "=3", " =3", ""])
def test_parse_assignment_needs_key_and_equals(text: str) -> None:
    with pytest.raises(ScenarioError, match=r"myvariant: got .*write KEY=VALUE"):
        parse_assignment(text, "myvariant")


def test_parse_assignment_unreadable_yaml() -> None:
    with pytest.raises(ScenarioError, match=r"v: a\.b: got '\[1, 2': not a readable value"):
        parse_assignment("a.b=[1, 2", "v")


def test_parse_grid_types_every_value() -> None:
    assert parse_grid("a.b=0.9,0.95,1") == ("a.b", [0.9, 0.95, 1])
    assert parse_grid("routing.strategy=lowest_cost,ship_from_store") == (
        "routing.strategy",
        ["lowest_cost", "ship_from_store"],
    )
    assert parse_grid("a=[1, 2]") == ("a", [1, 2])
    assert parse_grid("a=5") == ("a", [5])
    _, values = parse_grid("a=true,3")
    assert values == [True, 3] and isinstance(values[1], int)


@pytest.mark.parametrize("text", ["a=", "a=1,,2", "a=1,", "a=null", "a"])
def test_parse_grid_errors(text: str) -> None:
    with pytest.raises(ScenarioError, match="--grid"):
        parse_grid(text)


# --- nesting and overrides ---------------------------------------------------------------------


def test_nest_builds_nested_mappings() -> None:
    assert nest({"a.b.c": 1, "a.b.d": 2, "a.e": 3, "f": 4}) == {
        "a": {"b": {"c": 1, "d": 2}, "e": 3},
        "f": 4,
    }


@pytest.mark.parametrize(
    "overrides",
    [
        {"a.b": 1, "a.b.c": 2},  # a value, then a key inside it
        {"a.b.c": 2, "a.b": 1},  # a key inside, then the value
        {"a": 1, "a.b": 2},
    ],
)
def test_nest_conflicts(overrides: dict) -> None:
    with pytest.raises(ScenarioError, match="variant 'x'"):
        nest(overrides, "variant 'x'")


@pytest.mark.parametrize("key", ["a..b", ".a", "a."])
def test_nest_empty_parts(key: str) -> None:
    with pytest.raises(ScenarioError, match="dotted field names"):
        nest({key: 1})


def test_apply_overrides_merges_one_field_and_keeps_the_rest(tutorial) -> None:
    changed = apply_overrides(
        tutorial, {"fulfillment.store.pick_pack_minutes.mean": 30.0}, "variant 'slow'"
    )
    assert changed.fulfillment.store.pick_pack_minutes.mean == 30.0
    assert (
        changed.fulfillment.store.pick_pack_minutes.sd
        == tutorial.fulfillment.store.pick_pack_minutes.sd
    )
    assert changed.fulfillment.store.pick_pack_minutes.dist == "lognormal"
    assert tutorial.fulfillment.store.pick_pack_minutes.mean != 30.0  # the original untouched
    before, after = tutorial.model_dump(), changed.model_dump()
    before["fulfillment"]["store"]["pick_pack_minutes"]["mean"] = 30.0
    assert before == after


def test_apply_overrides_replaces_a_distribution(tutorial) -> None:
    changed = apply_overrides(
        tutorial,
        {"fulfillment.store.pick_pack_minutes": {"dist": "constant", "value": 5}},
        "variant 'c'",
    )
    dist = changed.fulfillment.store.pick_pack_minutes
    assert dist.dist == "constant" and dist.value == 5


def test_apply_overrides_without_overrides_is_the_scenario(tutorial) -> None:
    assert apply_overrides(tutorial, {}, "variant 'same'") is tutorial


def test_apply_overrides_unknown_key_names_variant_and_suggests(tutorial) -> None:
    with pytest.raises(ScenarioError) as caught:
        apply_overrides(tutorial, {"routing.stratgy": "lowest_cost"}, "variant 'stores'")
    message = str(caught.value)
    assert "variant 'stores'" in message
    assert "routing.stratgy" in message and "did you mean 'strategy'" in message


def test_apply_overrides_bad_value_names_the_field(tutorial) -> None:
    with pytest.raises(ScenarioError) as caught:
        apply_overrides(tutorial, {"fulfillment.store.associates": "lots"}, "variant 'v'")
    message = str(caught.value)
    assert "variant 'v'" in message
    assert "fulfillment.store.associates: got 'lots'" in message


# --- grids, KPIs, flatten ----------------------------------------------------------------------


def test_grid_variants_first_key_slowest() -> None:
    cells = grid_variants({"a.x": [1, 2], "b": ["p", "q", "r"]})
    assert [name for name, _ in cells] == [
        "a.x=1,b=p",
        "a.x=1,b=q",
        "a.x=1,b=r",
        "a.x=2,b=p",
        "a.x=2,b=q",
        "a.x=2,b=r",
    ]
    assert cells[4][1] == {"a.x": 2, "b": "q"}


def test_grid_variants_refuse_a_cell_twice() -> None:
    with pytest.raises(ScenarioError, match=r"grid: the cell 'a=1,b=p' appears more than once"):
        grid_variants({"a": [1, "1"], "b": ["p"]})
    with pytest.raises(ScenarioError, match="more than once"):
        grid_variants({"a": [0.5, 0.5]})


@pytest.mark.parametrize("grid", [{}, {"a": []}, {"a": "12"}, {"a": [1], "b": []}])
def test_grid_variants_errors(grid: dict) -> None:
    with pytest.raises(ScenarioError, match="grid"):
        grid_variants(grid)


def test_scalar_kpis_leave_out_breakdowns() -> None:
    names = scalar_kpis()
    assert "mean_hours_to_delivery" in names and "order_summaries_created" in names
    assert "process_exceptions_by_kind" not in names
    assert len(names) == len(set(names))


def test_flatten_nested_breakdowns() -> None:
    assert flatten({"n": 1, "by": {"x": 2, "deep": {"y": None}}, "z": 0.5}) == {
        "n": 1,
        "by.x": 2,
        "by.deep.y": None,
        "z": 0.5,
    }
    assert flatten({}) == {}
