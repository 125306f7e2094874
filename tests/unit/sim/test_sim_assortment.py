"""Assortments: the share of the range each location carries, categories per location, and the
store a Pickup checkout reserves at."""

from __future__ import annotations

import numpy as np
import pytest

from omsim.network.locations import LocationType
from omsim.scenario import ScenarioError, load_scenario
from omsim.sim.flows.capture import reserve_stock
from omsim.sim.model import build_model
from omsim.sim.streams import STREAM_NAMES
from omsim.sim.world import build_world

UNIFORM = {"dist": "uniform", "low": 0.2, "high": 0.6}


def carried(inventory, location_id: str, skus) -> set[str]:
    return {sku for sku in skus if inventory.stock(location_id, sku).on_hand > 0}


def test_a_share_drawn_per_store_gives_each_store_its_own_range() -> None:
    scenario = load_scenario(
        "regional_retailer", inventory={"store": {"assortment_share": UNIFORM}}
    )
    world, inventory = build_world(
        scenario, np.random.default_rng(1), assortment=np.random.default_rng(2)
    )
    skus = [p.sku for p in world.catalog.products]
    stores = [i for i, loc in world.locations.items() if loc.type is LocationType.STORE]
    sizes = {len(carried(inventory, s, skus)) for s in stores}
    assert len(sizes) > 5  # stores of different sizes
    assert min(sizes) >= 0.2 * len(skus) and max(sizes) <= 0.6 * len(skus) + 1
    for store in stores:  # the most popular SKUs, never a hole in the head
        held = carried(inventory, store, skus)
        assert held == set(skus[: len(held)])
    _, stock = build_world(scenario, np.random.default_rng(1), assortment=np.random.default_rng(2))
    assert [len(carried(stock, s, skus)) for s in stores] == [
        len(carried(inventory, s, skus)) for s in stores
    ]


def test_the_assortment_stream_is_new_and_last() -> None:
    """Drawing the shares moves no other stream: the new stream is added at the end."""
    assert STREAM_NAMES[-1] == "assortment"
    assert STREAM_NAMES.index("assortment") == len(STREAM_NAMES) - 1


def test_a_dc_stocks_only_its_categories_and_carries_their_whole_demand() -> None:
    base = load_scenario("regional_retailer")
    world, inventory = build_world(base, np.random.default_rng(1))
    by_category = {p.sku: p.category for p in world.catalog.products}
    apparel = [s for s, c in by_category.items() if c == "apparel"]
    home = [s for s, c in by_category.items() if c == "home"]
    assert carried(inventory, "DC-groveport-oh", by_category) == set(apparel)
    assert carried(inventory, "DC-joliet-il", by_category) & set(apparel) == set()
    assert set(home) <= carried(inventory, "DC-joliet-il", by_category)
    # one DC carries apparel: it holds what two DCs sharing it would hold together
    shared = load_scenario(
        "regional_retailer",
        network={
            "locations": [
                {**loc.model_dump(), "categories": None} for loc in base.network.locations
            ]
        },
    )
    _, both = build_world(shared, np.random.default_rng(1))
    top = apparel[0]
    alone = inventory.stock("DC-groveport-oh", top).on_hand
    split = both.stock("DC-groveport-oh", top).on_hand + both.stock("DC-joliet-il", top).on_hand
    assert alone == pytest.approx(split, rel=0.02)


def test_shares_and_categories_are_validated() -> None:
    for bad in ({"dist": "uniform", "low": 0.2, "high": 1.5}, {"dist": "exponential", "mean": 0.5}):
        with pytest.raises(ScenarioError, match="within \\[0, 1\\]"):
            load_scenario("tutorial", inventory={"store": {"assortment_share": bad}})
    locations = load_scenario("tutorial").network.locations
    wrong = [{**loc.model_dump(), "categories": ["aparel"]} for loc in locations]
    with pytest.raises(ScenarioError, match="did you mean 'apparel'"):
        load_scenario("tutorial", network={"locations": wrong})


def _pickup_draft(model, zone_id: str):
    """A Pickup draft at the nearest store of ``zone_id``, for its most popular SKU."""
    from omsim.sim.demand import OrderDraft

    sku = model.world.catalog.products[0]
    store = model.world.nearest_store(zone_id, model.scenario.demand.pickup_radius_km)
    return OrderDraft(
        zone_id, "Web", True, ((sku.sku, 1, sku.unit_price_cents),), "Pickup", store, 1.0, False
    )


@pytest.mark.parametrize("choice", ["nearest", "nearest_with_stock"])
def test_a_pickup_goes_to_the_nearest_store_with_every_line(choice: str) -> None:
    scenario = load_scenario("regional_retailer", demand={"pickup_store": choice})
    model = build_model(scenario, 1)
    draft = _pickup_draft(model, "Z-chicago-il")
    nearest = draft.pickup_location_id
    sku = draft.lines[0][0]
    model.inventory.set_stock(nearest, sku, on_hand=0, safety_stock=0)  # the nearest is empty
    placed = reserve_stock(model, draft)
    assert placed is not None
    if choice == "nearest":
        assert (placed.delivery_method, placed.pickup_fallback) == (
            "Standard",
            "store short of stock",
        )
        return
    within = model.world.stores_within("Z-chicago-il", scenario.demand.pickup_radius_km)
    assert placed.delivery_method == "Pickup" and placed.pickup_location_id == within[1]
    assert within[0] == nearest and placed.pickup_fallback is None


@pytest.mark.parametrize("choice", ["nearest", "nearest_with_stock"])
def test_a_closed_nearest_store_sends_the_pickup_to_the_next_open_one(choice: str) -> None:
    closed = {
        "store_closures": [
            {
                "location": "ST-chicago-il",
                "start": "2026-09-01T00:00:00",
                "end": "2026-09-30T00:00:00",
            }
        ]
    }
    scenario = load_scenario("regional_retailer", demand={"pickup_store": choice}, faults=closed)
    model = build_model(scenario, 1)
    draft = _pickup_draft(model, "Z-chicago-il")
    assert draft.pickup_location_id == "ST-chicago-il"
    placed = reserve_stock(model, draft)
    assert placed is not None
    if choice == "nearest":
        assert (placed.delivery_method, placed.pickup_fallback) == ("Standard", "store closed")
    else:
        assert placed.delivery_method == "Pickup"
        assert placed.pickup_location_id not in (None, "ST-chicago-il")
