"""Group availability is kept current as stock moves; it must equal the OCI sum at every step."""

from __future__ import annotations

from collections import Counter

from hypothesis import event, given, settings
from hypothesis import strategies as st

from omsim.network.inventory import Inventory, InventoryError

LOCATIONS = ("DC1", "S1", "S2")
SKUS = ("A", "B")
GROUPS = {"Online": ("DC1", "S1", "S2"), "Stores": ("S1", "S2")}

action = st.tuples(
    st.sampled_from(
        ["set", "receive", "reserve", "reserve_group", "release", "transfer", "fulfil"]
    ),
    st.sampled_from(LOCATIONS),
    st.sampled_from(SKUS),
    st.integers(min_value=1, max_value=6),
    st.sampled_from(tuple(GROUPS)),
)


def summed_atf(inv: Inventory, group: str, sku: str) -> int:
    """Group ATF as the module docstring defines it, recomputed from the members."""
    members = sum(max(0, inv.stock(m, sku).atf) for m in GROUPS[group])
    return members - (
        inv.stock(group, sku).reserved - sum(inv.stock(m, sku).reserved for m in GROUPS[group])
    )


@settings(max_examples=200, deadline=None)
@given(st.lists(action, max_size=40))
def test_group_atf_equals_the_sum_over_members(actions: list) -> None:
    inv = Inventory(LOCATIONS, GROUPS)
    for loc in LOCATIONS:
        for sku in SKUS:
            inv.set_stock(loc, sku, on_hand=5, safety_stock=1)
        inv.create_reservation(loc, {sku: 2 for sku in SKUS})  # held units to release or ship
    for group in GROUPS:
        inv.create_reservation(group, {sku: 1 for sku in SKUS})  # and to transfer
    done: Counter[str] = Counter()
    for kind, loc, sku, qty, group in actions:
        held = inv.stock(group if kind == "transfer" else loc, sku).reserved
        if kind in ("release", "transfer", "fulfil") and held and qty % 2:
            qty = min(qty, held)  # half the time within what is held: the path that moves stock
        try:
            if kind == "set":
                inv.set_stock(loc, sku, on_hand=qty, safety_stock=qty % 3)
            elif kind == "receive":
                inv.receive(loc, sku, qty, from_futures=False)
            elif kind == "reserve":
                inv.create_reservation(loc, {sku: qty})
            elif kind == "reserve_group":
                other = "B" if sku == "A" else "A"  # all-or-nothing, always two lines
                inv.create_reservation(group, {sku: qty, other: 1})
            elif kind == "release":
                inv.release_reservation(loc, {sku: qty})
            elif kind == "transfer":
                inv.transfer_reservation(group, {loc: {sku: qty}})
            else:
                inv.fulfil_reservation(loc, {sku: qty})
            done[kind] += 1
        except InventoryError:
            pass  # refused: nothing changed, which the check below also covers
        for g in GROUPS:
            for s in SKUS:
                assert inv.atf(g, s) == summed_atf(inv, g, s)
    for kind in ("release", "transfer", "fulfil"):
        event(f"{kind} succeeded" if done[kind] else f"no {kind} succeeded")
