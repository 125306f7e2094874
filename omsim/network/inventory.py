"""Omnichannel-Inventory-style stock, availability and reservations.

Salesforce Omnichannel Inventory (OCI) keeps, per location and SKU, on hand, reserved, safety stock
and future receipts, and derives

* ATF (available to fulfill) = on hand - reserved - safety stock,
* ATO (available to order)   = on hand + futures - reserved - safety stock,

e.g. on hand 10, futures 2, safety 1, reserved 5 give ATF 4 and ATO 6. A location group gives the
aggregate view of its member locations.

Model of reservations (omsim's reading of the OCI actions; Salesforce's documentation does not fix
the bookkeeping, so this is a modelling choice):

* A reservation is held either at a location or at a group. Group-level reservations are kept
  apart from location-level ones: they do not change any member location's figures.
* Group ATF = sum over member locations of ``max(0, member ATF)`` - reserved at the group. Group ATO
  likewise with member ATO. A location in several groups counts in each.
* ``create_reservation`` at a group needs group ATF >= quantity. At a location it needs the
  location's ATF >= quantity *and* every group holding the location to keep ATF >= 0, so stock
  promised to a group's orders is not reserved twice.
* ``transfer_reservation`` moves reserved quantity from a group (or location) to locations, as
  routing does after choosing where to ship: source reserved -= q, destination reserved += q; it
  needs source reserved >= q and destination ATF >= q. With ``all_or_nothing`` one failing line
  leaves everything unchanged; without it, failing lines are skipped and returned.
* ``release_reservation`` cancels a hold; ``fulfil_reservation`` at a location, after shipment,
  lowers on hand and reserved by the quantity.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass


class InventoryError(ValueError):
    """An inventory action asked for more than is available; nothing was changed.

    Attributes
    ----------
    action : str
        The action refused, e.g. ``"create_reservation"``.
    location_id : str
        Location or group id.
    sku : str
        Stock keeping unit.
    asked : int
        Quantity asked, units.
    available : int
        Quantity that was available for the action, units.
    measure : str
        What ``available`` measures ("ATF", "reserved", "on hand").
    """

    def __init__(
        self, action: str, location_id: str, sku: str, asked: int, available: int, measure: str
    ) -> None:
        self.action, self.location_id, self.sku = action, location_id, sku
        self.asked, self.available, self.measure = asked, available, measure
        super().__init__(
            f"{action} at {location_id!r} for SKU {sku!r}: asked {asked}, {measure} is {available}"
        )


@dataclass(frozen=True)
class StockLevel:
    """Snapshot of one (location, SKU) or (group, SKU); all quantities in units."""

    on_hand: int
    reserved: int
    safety_stock: int
    futures: int
    atf: int
    ato: int


@dataclass(frozen=True)
class TransferFailure:
    """A transfer line that could not be applied (``all_or_nothing=False``)."""

    location_id: str
    sku: str
    quantity: int
    reason: str


@dataclass(slots=True)
class _Stock:
    on_hand: int = 0
    reserved: int = 0
    safety_stock: int = 0
    futures: int = 0


_NO_STOCK = _Stock()
"""What an unrecorded (location, SKU) reads as; never mutated."""


def _check_quantity(field: str, quantity: int, *, allow_zero: bool = False) -> None:
    if isinstance(quantity, bool) or not isinstance(quantity, int):
        raise TypeError(f"{field} must be an int number of units, got {quantity!r}")
    if quantity < 0 or (quantity == 0 and not allow_zero):
        bound = ">= 0" if allow_zero else "> 0"
        raise ValueError(f"{field} must be {bound}, got {quantity}")


class Inventory:
    """Stock per (location, SKU) with location groups and OCI reservations.

    Parameters
    ----------
    locations : iterable of str
        Location ids that hold stock.
    groups : mapping of str to iterable of str, optional
        Location group id to its member location ids.

    Examples
    --------
    >>> inv = Inventory(["DC1", "S1"], {"Online": ["DC1", "S1"]})
    >>> inv.set_stock("DC1", "SKU-A", on_hand=10, safety_stock=1, futures=2)
    >>> inv.create_reservation("DC1", {"SKU-A": 5})
    >>> inv.atf("DC1", "SKU-A"), inv.ato("DC1", "SKU-A")
    (4, 6)
    """

    def __init__(
        self, locations: Iterable[str], groups: Mapping[str, Iterable[str]] | None = None
    ) -> None:
        self._locations = tuple(dict.fromkeys(locations))
        self._location_set = frozenset(self._locations)
        self._groups = {g: tuple(dict.fromkeys(m)) for g, m in (groups or {}).items()}
        for group, members in self._groups.items():
            if group in self._locations:
                raise ValueError(f"group {group!r} has the same id as a location")
            unknown = [m for m in members if m not in self._locations]
            if unknown:
                raise ValueError(f"group {group!r} lists unknown locations {unknown}")
        self._groups_of = {
            loc: tuple(g for g, m in self._groups.items() if loc in m) for loc in self._locations
        }
        self._stock: dict[tuple[str, str], _Stock] = {}
        self._group_reserved: dict[tuple[str, str], int] = {}
        # sum over a group's members of max(0, member ATF), kept current as stock moves, so a
        # group's ATF is a lookup rather than a sum over its locations (checkout and routing
        # ask for it several times per order)
        self._member_atf: dict[tuple[str, str], int] = {}
        self._undo: list[Callable[[], None]] = []  # inverse of each change inside _Rollback
        self._rollback_depth = 0

    @property
    def locations(self) -> tuple[str, ...]:
        """Location ids, in the order given."""
        return self._locations

    @property
    def groups(self) -> dict[str, tuple[str, ...]]:
        """Group id to member location ids."""
        return dict(self._groups)

    @property
    def skus(self) -> tuple[str, ...]:
        """SKUs with any stock record, sorted."""
        return tuple(sorted({sku for _, sku in self._stock}))

    # -- stock -------------------------------------------------------------------------------

    def set_stock(
        self,
        location_id: str,
        sku: str,
        *,
        on_hand: int = 0,
        safety_stock: int = 0,
        futures: int = 0,
    ) -> None:
        """Set on hand, safety stock and future receipts (units); reserved is kept."""
        for field, value in (("on_hand", on_hand), ("safety_stock", safety_stock)):
            _check_quantity(field, value, allow_zero=True)
        _check_quantity("futures", futures, allow_zero=True)
        stock = self._record(location_id, sku)
        before = stock.on_hand - stock.reserved - stock.safety_stock
        stock.on_hand, stock.safety_stock, stock.futures = on_hand, safety_stock, futures
        self._member_moved(location_id, sku, before, on_hand - stock.reserved - safety_stock)

    def add_future_receipt(self, location_id: str, sku: str, quantity: int) -> None:
        """Record a replenishment on its way (units): futures += quantity."""
        _check_quantity("quantity", quantity)
        self._record(location_id, sku).futures += quantity

    def receive(
        self, location_id: str, sku: str, quantity: int, *, from_futures: bool = True
    ) -> None:
        """Put received units on hand; by default they were announced as futures."""
        _check_quantity("quantity", quantity)
        stock = self._record(location_id, sku)
        if from_futures:
            stock.futures = max(0, stock.futures - quantity)
        self._shift(location_id, sku, stock, "on_hand", quantity)

    def stock(self, location_or_group: str, sku: str) -> StockLevel:
        """Snapshot of a location's or group's figures for one SKU (units)."""
        if location_or_group in self._groups:
            members = [self.stock(m, sku) for m in self._groups[location_or_group]]
            return StockLevel(
                on_hand=sum(s.on_hand for s in members),
                reserved=sum(s.reserved for s in members)
                + self._group_reserved.get((location_or_group, sku), 0),
                safety_stock=sum(s.safety_stock for s in members),
                futures=sum(s.futures for s in members),
                atf=self.atf(location_or_group, sku),
                ato=self.ato(location_or_group, sku),
            )
        s = self._peek(location_or_group, sku)
        atf = s.on_hand - s.reserved - s.safety_stock
        return StockLevel(s.on_hand, s.reserved, s.safety_stock, s.futures, atf, atf + s.futures)

    def atf(self, location_or_group: str, sku: str) -> int:
        """Available to fulfill (units); may be negative at a location if over-committed."""
        s = self._stock.get((location_or_group, sku))
        if s is not None:
            return s.on_hand - s.reserved - s.safety_stock
        if location_or_group in self._groups:
            key = (location_or_group, sku)
            return self._member_atf.get(key, 0) - self._group_reserved.get(key, 0)
        s = self._peek(location_or_group, sku)
        return s.on_hand - s.reserved - s.safety_stock

    def ato(self, location_or_group: str, sku: str) -> int:
        """Available to order (units): ATF plus future receipts."""
        if location_or_group in self._groups:
            members = sum(max(0, self.ato(m, sku)) for m in self._groups[location_or_group])
            return members - self._group_reserved.get((location_or_group, sku), 0)
        s = self._peek(location_or_group, sku)
        return s.on_hand + s.futures - s.reserved - s.safety_stock

    def availability(
        self, location_ids: Iterable[str], skus: Iterable[str]
    ) -> dict[str, dict[str, int]]:
        """ATF per location and SKU, floored at zero: the input routing strategies read.

        Mirrors OCI ``getInventoryAvailability`` for a list of locations (or groups).
        """
        skus = tuple(skus)
        stock, atf = self._stock, self.atf
        out: dict[str, dict[str, int]] = {}
        for loc in location_ids:
            row: dict[str, int] = {}
            for sku in skus:
                s = stock.get((loc, sku))
                row[sku] = (
                    max(0, s.on_hand - s.reserved - s.safety_stock)
                    if s is not None
                    else max(0, atf(loc, sku))
                )
            out[loc] = row
        return out

    def inventory_position(self, location_id: str, sku: str) -> int:
        """On hand + futures - reserved (units): what replenishment policies compare."""
        s = self._peek(location_id, sku)
        return s.on_hand + s.futures - s.reserved

    # -- reservations ------------------------------------------------------------------------

    def create_reservation(
        self, location_or_group: str, lines: Mapping[str, int], *, check_groups: bool = True
    ) -> None:
        """Reserve SKU quantities at a location or group; all lines or none.

        ``check_groups=False`` skips the rule that a location's groups stay at ATF >= 0: for
        units an order already held a claim on (re-routing after a rejection), as a transfer does.

        Raises
        ------
        InventoryError
            A line asks for more than ATF (see the module docstring for the group rule).
        """
        with self._all_or_nothing():
            for sku, quantity in lines.items():
                _check_quantity(f"lines[{sku!r}]", quantity)
                self._reserve(
                    location_or_group,
                    sku,
                    quantity,
                    "create_reservation",
                    transfer=not check_groups,
                )

    def release_reservation(self, location_or_group: str, lines: Mapping[str, int]) -> None:
        """Cancel reserved quantities at a location or group; all lines or none."""
        with self._all_or_nothing():
            for sku, quantity in lines.items():
                _check_quantity(f"lines[{sku!r}]", quantity)
                self._unreserve(location_or_group, sku, quantity, "release_reservation")

    def transfer_reservation(
        self,
        from_id: str,
        allocations: Mapping[str, Mapping[str, int]],
        *,
        all_or_nothing: bool = True,
    ) -> tuple[TransferFailure, ...]:
        """Move reserved quantities from a group (or location) to locations.

        Parameters
        ----------
        from_id : str
            Group or location holding the reservation.
        allocations : mapping of str to mapping of str to int
            Destination location id -> SKU -> units.
        all_or_nothing : bool
            If True, any failing line raises and nothing changes (OCI's option); if False,
            failing lines are skipped and returned.

        Returns
        -------
        tuple of TransferFailure
            Lines not applied (always empty when ``all_or_nothing``).
        """
        failures: list[TransferFailure] = []
        with self._all_or_nothing():
            for location_id, lines in allocations.items():
                self._require_location(location_id)
                for sku, quantity in lines.items():
                    _check_quantity(f"allocations[{location_id!r}][{sku!r}]", quantity)
                    if location_id == from_id:
                        continue
                    try:
                        with self._all_or_nothing():
                            self._unreserve(from_id, sku, quantity, "transfer_reservation")
                            self._reserve(
                                location_id, sku, quantity, "transfer_reservation", transfer=True
                            )
                    except InventoryError as error:
                        if all_or_nothing:
                            raise
                        failures.append(TransferFailure(location_id, sku, quantity, str(error)))
        return tuple(failures)

    def fulfil_reservation(self, location_id: str, lines: Mapping[str, int]) -> None:
        """Ship reserved units from a location: on hand and reserved both drop; all or none."""
        self._require_location(location_id)
        with self._all_or_nothing():
            for sku, quantity in lines.items():
                _check_quantity(f"lines[{sku!r}]", quantity)
                stock = self._record(location_id, sku)
                if stock.reserved < quantity:
                    raise InventoryError(
                        "fulfil_reservation", location_id, sku, quantity, stock.reserved, "reserved"
                    )
                self._add(location_id, sku, "on_hand", -quantity)
                self._add(location_id, sku, "reserved", -quantity)

    # -- internals ---------------------------------------------------------------------------

    def _reserve(
        self, target: str, sku: str, quantity: int, action: str, *, transfer: bool = False
    ) -> None:
        available = self.atf(target, sku)
        if available < quantity:
            raise InventoryError(action, target, sku, quantity, available, "ATF")
        if target in self._groups:
            self._add_group_reserved(target, sku, quantity)
            return
        self._add(target, sku, "reserved", quantity)
        if transfer:
            return  # moving a hold into a member keeps every group's promise intact
        for group in self._groups_of[target]:
            if self.atf(group, sku) < 0:
                raise InventoryError(
                    action, group, sku, quantity, self.atf(group, sku) + quantity, "group ATF"
                )

    def _unreserve(self, target: str, sku: str, quantity: int, action: str) -> None:
        if target in self._groups:
            held = self._group_reserved.get((target, sku), 0)
            if held < quantity:
                raise InventoryError(action, target, sku, quantity, held, "reserved")
            self._add_group_reserved(target, sku, -quantity)
            return
        stock = self._record(target, sku)
        if stock.reserved < quantity:
            raise InventoryError(action, target, sku, quantity, stock.reserved, "reserved")
        self._add(target, sku, "reserved", -quantity)

    def _all_or_nothing(self) -> _Rollback:
        return _Rollback(self)

    def _add(self, location_id: str, sku: str, field: str, delta: int) -> None:
        stock = self._record(location_id, sku)
        self._shift(location_id, sku, stock, field, delta)
        if self._rollback_depth:
            self._undo.append(lambda: self._shift(location_id, sku, stock, field, -delta))

    def _shift(self, location_id: str, sku: str, stock: _Stock, field: str, delta: int) -> None:
        """Move ``on_hand`` or ``reserved`` by ``delta`` and keep the group sums current."""
        before = stock.on_hand - stock.reserved - stock.safety_stock
        setattr(stock, field, getattr(stock, field) + delta)
        self._member_moved(
            location_id, sku, before, stock.on_hand - stock.reserved - stock.safety_stock
        )

    def _member_moved(self, location_id: str, sku: str, before: int, after: int) -> None:
        """A member location's ATF went from ``before`` to ``after``: update its groups."""
        delta = max(0, after) - max(0, before)
        if delta:
            sums = self._member_atf
            for group in self._groups_of[location_id]:
                key = (group, sku)
                sums[key] = sums.get(key, 0) + delta

    def _add_group_reserved(self, group: str, sku: str, delta: int) -> None:
        key = (group, sku)
        self._group_reserved[key] = self._group_reserved.get(key, 0) + delta
        if self._rollback_depth:
            self._undo.append(
                lambda: self._group_reserved.__setitem__(key, self._group_reserved[key] - delta)
            )

    def _require_location(self, location_id: str) -> None:
        if location_id not in self._location_set:
            kind = "a group" if location_id in self._groups else "unknown"
            raise KeyError(
                f"location_id {location_id!r} is {kind}; locations: {list(self._locations)}"
            )

    def _record(self, location_id: str, sku: str) -> _Stock:
        stock = self._stock.get((location_id, sku))
        if stock is not None:
            return stock
        if location_id not in self._location_set and location_id not in self._groups:
            raise KeyError(
                f"{location_id!r} is neither a location nor a group; "
                f"locations: {list(self._locations)}, groups: {list(self._groups)}"
            )
        self._require_location(location_id)
        return self._stock.setdefault((location_id, sku), _Stock())

    def _peek(self, location_id: str, sku: str) -> _Stock:
        stock = self._stock.get((location_id, sku))
        if stock is not None:
            return stock
        if location_id not in self._location_set:
            self._record(location_id, sku)  # raises the naming error
        return _NO_STOCK


class _Rollback:
    """Undo an inventory's changes if the block raises: the all-or-nothing guarantee.

    Changes made inside the block are journaled as inverse operations; nesting is allowed (an
    inner block that fails undoes only its own changes).
    """

    def __init__(self, inventory: Inventory) -> None:
        self._inventory = inventory
        self._mark = 0

    def __enter__(self) -> None:
        self._mark = len(self._inventory._undo)
        self._inventory._rollback_depth += 1

    def __exit__(self, exc_type: object, exc: object, tb: object) -> None:
        inv = self._inventory
        if exc_type is not None:
            while len(inv._undo) > self._mark:
                inv._undo.pop()()
        inv._rollback_depth -= 1
        if inv._rollback_depth == 0:
            inv._undo.clear()
