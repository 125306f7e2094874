"""Locations, zones and service levels validate their fields."""

import pytest

from omsim.network.locations import CustomerZone, Location, LocationType, ServiceLevel


def test_location_type_values_are_salesforce_picklist() -> None:
    assert [t.value for t in LocationType] == ["Warehouse", "Retail Store", "Return Center"]


@pytest.mark.parametrize("text", ["Warehouse", "warehouse", "WAREHOUSE"])
def test_location_type_parse(text: str) -> None:
    assert LocationType.parse(text) is LocationType.WAREHOUSE


def test_bad_location_type_names_allowed_values() -> None:
    with pytest.raises(ValueError, match="'Warehouse', 'Retail Store', 'Return Center'"):
        LocationType.parse("depot")


def test_bad_service_level_names_allowed_values() -> None:
    with pytest.raises(ValueError, match="'standard', 'express'"):
        ServiceLevel.parse("overnight")


def test_location_accepts_type_text_and_list_groups() -> None:
    loc = Location("S1", "Store 1", "Retail Store", 1.0, 2.0, groups=["Online"])  # type: ignore[arg-type]
    assert loc.type is LocationType.STORE
    assert loc.groups == ("Online",)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"latitude": 91.0}, "latitude"),
        ({"longitude": -181.0}, "longitude"),
        ({"handling_cost_cents": -1}, "handling_cost_cents"),
        ({"id": ""}, "id"),
    ],
)
def test_location_rejects_bad_fields(kwargs: dict, message: str) -> None:
    fields = {
        "id": "L1",
        "name": "L",
        "type": LocationType.WAREHOUSE,
        "latitude": 0.0,
        "longitude": 0.0,
    }
    fields.update(kwargs)
    with pytest.raises(ValueError, match=message):
        Location(**fields)


def test_zone_rejects_negative_demand() -> None:
    with pytest.raises(ValueError, match="demand_weight"):
        CustomerZone("Z", "Z", 0.0, 0.0, demand_weight=-1.0)
