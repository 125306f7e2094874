"""Omnichannel-Inventory availability and reservations, by hand-computable cases."""

import pytest

from omsim.network.inventory import Inventory, InventoryError, StockLevel, TransferFailure


def stocked() -> Inventory:
    inv = Inventory(["DC1", "S1", "S2"], {"Online": ["DC1", "S1", "S2"], "Stores": ["S1", "S2"]})
    inv.set_stock("DC1", "A", on_hand=10, safety_stock=1, futures=2)
    inv.set_stock("S1", "A", on_hand=3)
    inv.set_stock("S2", "A", on_hand=2, safety_stock=4)  # ATF -2: counts as 0 in groups
    return inv


def test_reference_worked_example_atf_4_ato_6() -> None:
    # Reference section 4.1: on hand 10, futures 2, safety 1, reserved 5 -> ATF 4, ATO 6.
    inv = Inventory(["L"])
    inv.set_stock("L", "SKU", on_hand=10, safety_stock=1, futures=2)
    inv.create_reservation("L", {"SKU": 5})
    assert inv.atf("L", "SKU") == 4
    assert inv.ato("L", "SKU") == 6
    assert inv.stock("L", "SKU") == StockLevel(10, 5, 1, 2, 4, 6)


def test_group_aggregates_floored_member_atf() -> None:
    inv = stocked()
    assert inv.atf("S2", "A") == -2
    assert inv.atf("Online", "A") == 9 + 3 + 0
    assert inv.ato("Online", "A") == 11 + 3 + 0
    assert inv.atf("Stores", "A") == 3
    assert inv.atf("DC1", "unknown-sku") == 0
    assert inv.availability(["DC1", "S2"], ["A"]) == {"DC1": {"A": 9}, "S2": {"A": 0}}


def test_group_reservation_lowers_group_not_members() -> None:
    inv = stocked()
    inv.create_reservation("Online", {"A": 5})
    assert inv.atf("Online", "A") == 7
    assert inv.atf("DC1", "A") == 9
    assert inv.stock("Online", "A").reserved == 5


def test_over_reserving_a_group_fails_with_clear_error() -> None:
    inv = stocked()
    with pytest.raises(InventoryError, match="at 'Online' for SKU 'A': asked 13, ATF is 12") as e:
        inv.create_reservation("Online", {"A": 13})
    assert (e.value.location_id, e.value.sku, e.value.asked, e.value.available) == (
        "Online",
        "A",
        13,
        12,
    )


def test_location_reservation_respects_group_promises() -> None:
    inv = stocked()
    inv.create_reservation("Stores", {"A": 3})
    # S1 has ATF 3 but all of it is promised to the Stores group.
    with pytest.raises(InventoryError, match="'Stores' for SKU 'A': asked 1, group ATF is 0"):
        inv.create_reservation("S1", {"A": 1})
    assert inv.atf("S1", "A") == 3


def test_create_is_all_or_nothing_across_lines() -> None:
    inv = stocked()
    inv.set_stock("DC1", "B", on_hand=1)
    with pytest.raises(InventoryError, match="SKU 'B'"):
        inv.create_reservation("DC1", {"A": 2, "B": 5})
    assert inv.stock("DC1", "A").reserved == 0


def test_transfer_from_group_to_locations() -> None:
    inv = stocked()
    inv.create_reservation("Online", {"A": 6})
    failures = inv.transfer_reservation("Online", {"DC1": {"A": 4}, "S1": {"A": 2}})
    assert failures == ()
    assert inv.stock("Online", "A").reserved == 6  # now held at the members
    assert inv.stock("DC1", "A").reserved == 4
    assert inv.stock("S1", "A").reserved == 2
    assert inv.atf("Online", "A") == 12 - 6


def test_transfer_all_or_nothing_changes_nothing_on_failure() -> None:
    inv = stocked()
    inv.create_reservation("Online", {"A": 6})
    with pytest.raises(InventoryError, match="at 'S1' for SKU 'A': asked 4, ATF is 3"):
        inv.transfer_reservation("Online", {"DC1": {"A": 2}, "S1": {"A": 4}})
    assert inv.stock("DC1", "A").reserved == 0
    assert inv.atf("Online", "A") == 6


def test_transfer_partial_returns_failures() -> None:
    inv = stocked()
    inv.create_reservation("Online", {"A": 6})
    failures = inv.transfer_reservation(
        "Online", {"DC1": {"A": 2}, "S1": {"A": 4}}, all_or_nothing=False
    )
    assert [(f.location_id, f.sku, f.quantity) for f in failures] == [("S1", "A", 4)]
    assert isinstance(failures[0], TransferFailure)
    assert inv.stock("DC1", "A").reserved == 2
    assert inv.atf("Online", "A") == 6  # 2 moved; 4 still held at the group


def test_transfer_more_than_held_fails() -> None:
    inv = stocked()
    inv.create_reservation("Online", {"A": 1})
    with pytest.raises(InventoryError, match="asked 2, reserved is 1"):
        inv.transfer_reservation("Online", {"DC1": {"A": 2}})


def test_release_and_fulfil() -> None:
    inv = stocked()
    inv.create_reservation("DC1", {"A": 5})
    inv.release_reservation("DC1", {"A": 2})
    assert inv.stock("DC1", "A").reserved == 3
    inv.fulfil_reservation("DC1", {"A": 3})
    assert inv.stock("DC1", "A") == StockLevel(7, 0, 1, 2, 6, 8)
    with pytest.raises(InventoryError, match=r"fulfil_reservation at 'DC1'.*reserved is 0"):
        inv.fulfil_reservation("DC1", {"A": 1})
    with pytest.raises(InventoryError, match="release_reservation"):
        inv.release_reservation("Online", {"A": 1})


def test_receipts_and_position() -> None:
    inv = stocked()
    inv.create_reservation("DC1", {"A": 4})
    assert inv.inventory_position("DC1", "A") == 10 + 2 - 4
    inv.receive("DC1", "A", 2)
    assert inv.stock("DC1", "A").futures == 0
    assert inv.stock("DC1", "A").on_hand == 12
    inv.add_future_receipt("DC1", "A", 5)
    assert inv.ato("DC1", "A") == 12 + 5 - 4 - 1


def test_bad_arguments_are_named() -> None:
    inv = stocked()
    with pytest.raises(ValueError, match=r"lines\['A'\] must be > 0"):
        inv.create_reservation("DC1", {"A": 0})
    with pytest.raises(TypeError, match="on_hand must be an int"):
        inv.set_stock("DC1", "A", on_hand=1.5)  # type: ignore[arg-type]
    with pytest.raises(KeyError, match="'X' is neither a location nor a group"):
        inv.atf("X", "A")
    with pytest.raises(KeyError, match="'Online' is a group"):
        inv.fulfil_reservation("Online", {"A": 1})
    with pytest.raises(ValueError, match="unknown locations"):
        Inventory(["L"], {"G": ["M"]})
