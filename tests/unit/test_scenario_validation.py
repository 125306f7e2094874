"""The checks before the clock starts (`omsim.scenario.validation`) and the schema's value checks.

Each bad input fails with a `ScenarioError` naming the field, the value and what is allowed.
"""

from __future__ import annotations

import warnings
from pathlib import Path

import pytest

from omsim.runfolder import run_to_folder
from omsim.scenario import (
    ScenarioError,
    ScenarioWarning,
    load_scenario,
    scenario_source,
    validate_for_run,
)
from omsim.scenario.currencies import ISO_4217
from omsim.scenario.validation import load_dotted, seed_problem, windows_outside_horizon
from omsim.sim.model import build_model

DAY = {"start": "2026-09-08T00:00:00", "end": "2026-09-09T00:00:00"}


def tutorial(**overrides):
    return load_scenario("tutorial", **overrides)


def problem(**overrides) -> str:
    """The message `validate_for_run` gives for the tutorial with ``overrides``."""
    with pytest.raises(ScenarioError) as caught:
        validate_for_run(tutorial(**overrides), "tutorial.yaml")
    message = str(caught.value)
    assert message.startswith("tutorial.yaml: ")
    return message


def schema_problem(**overrides) -> str:
    with pytest.raises(ScenarioError) as caught:
        tutorial(**overrides)
    return str(caught.value)


def test_the_shipped_tutorial_passes() -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        validate_for_run(tutorial())


def test_generated_network_is_built_to_check_location_ids() -> None:
    scenario = load_scenario(
        "national_year", faults={"store_closures": [{"location": "ST-atlantis", **DAY}]}
    )
    with pytest.raises(ScenarioError, match=r"store_closures\[0\]\.location: got 'ST-atlantis'"):
        validate_for_run(scenario)


def test_strategy_registered_or_dotted() -> None:
    message = problem(routing={"strategy": "fewest_split"})
    assert "routing.strategy: got 'fewest_split': not a registered strategy" in message
    assert "did you mean 'fewest_splits'?" in message and "'lowest_cost'" in message
    validate_for_run(
        tutorial(routing={"strategy": "omsim.network.routing.lowest_cost:lowest_cost"})
    )
    assert "No module named 'nosuch'" in problem(routing={"strategy": "nosuch.mod:fn"})
    assert "omsim.network has no 'nope'" in problem(routing={"strategy": "omsim.network:nope"})
    assert "its signature is (x, /)" in problem(routing={"strategy": "math:sqrt"})


def test_flows_known_trigger_importable_right_arity() -> None:
    message = problem(flows={"parcel_delivred": "math:hypot"})
    assert "flows.parcel_delivred: unknown trigger" in message
    assert "did you mean 'parcel_delivered'?" in message and "return_requested" in message
    assert "(env, model, record)" in problem(flows={"parcel_delivered": "math:sqrt"})
    assert "is not a function" in problem(flows={"parcel_delivered": "math:pi"})


def test_every_problem_is_listed_at_once() -> None:
    message = problem(
        routing={"strategy": "fastest", "excluded_locations": ["ST-dayton"]},
        flows={"nope": "a:b"},
        fulfillment={"outages": [{"location": "X", **DAY}]},
    )
    assert message.splitlines()[0] == "tutorial.yaml: 4 problem(s)"
    assert "routing.excluded_locations[0]: got 'ST-dayton': no such location" in message
    assert "fulfillment.outages[0].location: got 'X'" in message


def test_seed_must_be_a_non_negative_64_bit_integer() -> None:
    assert seed_problem(0) is None and seed_problem(2**63 - 1) is None
    for bad in (-1, 2**63, 1.5, True):
        assert seed_problem(bad) is not None
    with pytest.raises(
        ScenarioError, match=r"seed: got -1: a seed is an integer in \[0, 2\*\*63\)"
    ):
        validate_for_run(tutorial(), seed=-1)
    assert "seed: got -3" in schema_problem(seed=-3)


def test_model_build_fails_before_the_world_is_built() -> None:
    scenario = tutorial(faults={"store_closures": [{"location": "ST-nowhere", **DAY}]})
    with pytest.raises(ScenarioError, match="locations: DC-groveport, ST-cincinnati, ST-columbus"):
        build_model(scenario)
    with pytest.raises(ScenarioError, match="seed: got -1"):
        build_model(tutorial(), seed=-1)


def test_fault_window_outside_the_horizon_warns() -> None:
    scenario = tutorial(
        horizon_days=2,
        faults={
            "gateway_outages": [DAY, {"start": "2026-09-09T00:00:00", "end": "2026-09-10"}],
            "carrier_delay_surges": [{"start": "2026-01-01", "end": "2026-09-07T00:00:00"}],
        },
    )
    lines = windows_outside_horizon(scenario)
    assert [line.split(":")[0] for line in lines] == [
        "faults.gateway_outages[1]",  # begins at the horizon: [start, start + horizon)
        "faults.carrier_delay_surges[0]",  # ends at the start
    ]
    with pytest.warns(ScenarioWarning) as caught:
        validate_for_run(scenario, "tutorial.yaml")
    assert [str(w.message) for w in caught] == [f"tutorial.yaml: {line}" for line in lines]


def test_load_dotted() -> None:
    assert load_dotted("os.path:join").__name__ == "join"
    with pytest.raises(ScenarioError, match="not a dotted path"):
        load_dotted("os.path")


# --- schema ------------------------------------------------------------------------------------


def category(price: dict, weight: dict) -> dict:
    return {"categories": [{"name": "a", "share": 1, "price_cents": price, "weight_kg": weight}]}


@pytest.mark.parametrize(
    "price",
    [
        {"dist": "constant", "value": 0},
        {"dist": "constant", "value": -100},
        {"dist": "uniform", "low": 0, "high": 100},
        {"dist": "triangular", "low": 0, "mode": 5, "high": 10},
    ],
)
def test_price_that_can_be_zero_is_refused(price: dict) -> None:
    message = schema_problem(catalog=category(price, {"dist": "constant", "value": 1}))
    assert "catalog.categories.0.price_cents" in message and "unit prices must be > 0" in message


def test_weight_that_can_be_negative_is_refused_zero_is_allowed() -> None:
    one = {"dist": "constant", "value": 100}
    message = schema_problem(catalog=category(one, {"dist": "constant", "value": -1}))
    assert "catalog.categories.0.weight_kg" in message and "weights must be >= 0 kg" in message
    tutorial(catalog=category(one, {"dist": "constant", "value": 0}))
    tutorial(
        catalog=category(
            {"dist": "exponential", "mean": 500}, {"dist": "gamma", "mean": 1, "sd": 1}
        )
    )


def test_currency_is_an_iso_4217_code() -> None:
    assert {"USD", "EUR", "GBP", "JPY", "CHF", "XOF"} <= ISO_4217 and "HRK" not in ISO_4217
    assert tutorial(currency="EUR").currency == "EUR"
    message = schema_problem(currency="EURO")
    assert "currency: got 'EURO': not an ISO 4217 currency code" in message
    assert "did you mean 'EUR'?" in message
    assert "not an ISO 4217" in schema_problem(currency="XAU")  # gold is not a price currency


@pytest.mark.parametrize("name", ["../../escape", "a/b", "a\\b", "..", ".hidden", "-x", "", "a..b"])
def test_unsafe_names_are_refused(name: str) -> None:
    assert f"name: got {name!r}: a name is letters, digits" in schema_problem(name=name)


def test_safe_names_pass() -> None:
    for name in ("tutorial", "peak_season-2.v1", "A1"):
        assert tutorial(name=name).name == name


def test_horizon_must_be_finite() -> None:
    for days in (float("inf"), float("nan")):
        assert "horizon_days: got" in schema_problem(horizon_days=days)


def test_scenario_source_names_the_chain() -> None:
    assert scenario_source("peak_season").endswith(
        "peak_season.yaml (extends regional_retailer.yaml)"
    )


def test_run_to_folder_without_force_refuses_before_the_run(tmp_path: Path) -> None:
    folder = tmp_path / "run"
    folder.mkdir()
    (folder / "keep.txt").write_text("x")
    with pytest.raises(FileExistsError, match="already exists; give force=True"):
        run_to_folder(tutorial(horizon_days=0.5), folder, force=False)
    assert [p.name for p in tmp_path.iterdir()] == ["run"]
    assert (folder / "keep.txt").read_text() == "x"


def test_a_category_no_location_stocks_is_warned_about() -> None:
    import warnings

    from omsim.scenario import ScenarioWarning, load_scenario, validate_for_run

    base = load_scenario("tutorial")
    only_home = [{**loc.model_dump(), "categories": ["home"]} for loc in base.network.locations]
    scenario = load_scenario("tutorial", network={"locations": only_home})
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", ScenarioWarning)
        validate_for_run(scenario)
    messages = [str(w.message) for w in caught if issubclass(w.category, ScenarioWarning)]
    assert any("'apparel' is stocked by no warehouse or store" in m for m in messages)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", ScenarioWarning)
        validate_for_run(base)
    assert not [w for w in caught if "stocked by no" in str(w.message)]
