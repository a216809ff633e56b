"""Planning an order: reserving its stock on the ledger by its fulfillment policy.

The balance rows of every item the order needs are locked (`ledger.lock_items`) before
availability is read, and the reservations are guarded updates: however many orders are
planned at once, by however many processes, no unit is promised twice.

The policies (spec §7):
* FillOrKill: everything is reserved, or nothing is and every unit is unfulfillable.
  Planning happens before shipping starts, so this is the all-or-nothing point.
* FillAllAvailable: what is available is reserved; the rest is unfulfillable at once.
* FillAll: what is available is reserved and held; the order waits (Planning) for the rest,
  looking again every `replan`, and is never unfulfillable. It ships once fully reserved.

Units are given to an order's lines in line order, so when stock is short the later lines
of a SKU are the ones left unfulfillable.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, replace
from datetime import datetime

from sqlalchemy import Connection, bindparam, update

from ..store.schema import fulfillment_order_items
from . import ledger
from .order_state import ORDER_DOCUMENT, Line, held, lines, settle
from .simulation import Simulation

FILL_OR_KILL, FILL_ALL, FILL_ALL_AVAILABLE = "FillOrKill", "FillAll", "FillAllAvailable"

# (item id, disposition): the stock a line draws on.
Stock = tuple[int, str]


@dataclass(frozen=True)
class Reservation:
    """What planning decided: the units of each line (by line id) that became
    unfulfillable, and how many units it reserved on the ledger."""

    unfulfillable: dict[int, int]
    reserved: int

    def applied_to(self, order_lines: list[Line]) -> list[Line]:
        """The lines as they are once the decision is written."""
        if not self.unfulfillable:
            return order_lines
        return [replace(line, unfulfillable=line.unfulfillable + self.unfulfillable.get(line.id, 0))
                for line in order_lines]


def plan(conn: Connection, order, at: datetime, simulation: Simulation, *,
         order_lines: list[Line] | None = None, holding: dict[ledger.Hold, int] | None = None,
         quiet_until: datetime | None = None) -> str:
    """Reserve what the order still needs; returns its new status. `order` is locked.
    `order_lines` and `holding` (what the ledger holds for it) save reading them when the
    caller knows them. `quiet_until`: when the next step of anything else (or of a
    request) may change the stock; an order still short looks again from then."""
    if order_lines is None:
        order_lines = lines(conn, order.id)
    if holding is None:
        holding = held(conn, order)
    # The tick applies a step as of its due time, but planning reads the stock as it is now.
    # When that stock changed after the due time (a request's adjustment or reservation,
    # while the tick was behind), the decision is taken as of that change: never before the
    # units it reserves (or finds missing) were there.
    changed_at = ledger.last_change(conn, order.merchant_id, {line.item_id for line in order_lines if line.open})
    if changed_at is not None and changed_at > at:
        at = changed_at
    reservation = reserve(conn, order, at, order_lines, holding)
    _unfulfillable(conn, reservation.unfulfillable)
    return settle(conn, order, at, simulation, order_lines=reservation.applied_to(order_lines),
                  held_units=sum(holding.values()) + reservation.reserved,
                  quiet_until=None if quiet_until is None else max(quiet_until, at))


def reserve(conn: Connection, order, at: datetime, order_lines: list[Line],
            holding: dict[ledger.Hold, int]) -> Reservation:
    """Take the order's stock on the ledger by its policy, and say which units are
    unfulfillable; the order's own rows are the caller's to write. `order` needs only
    merchant_id, merchant_order_id and fulfillment_policy: a new order is planned before
    its rows exist, so that they are written once, as planned."""
    open_lines = [line for line in order_lines if line.open]
    needed = _needed(open_lines, holding)
    ledger.lock_items(conn, order.merchant_id, (item_id for item_id, _ in needed))
    document = {"merchant_id": order.merchant_id, "now": at, "document_type": ORDER_DOCUMENT,
                "document_id": order.merchant_order_id}
    all_or_nothing = order.fulfillment_policy == FILL_OR_KILL
    if all_or_nothing and len(needed) > 1:
        short = _reserve_all_or_nothing(conn, order.merchant_id, needed, document)
    else:
        # Stocks are independent (or there is one): each is reserved as it is looked at.
        short = {stock: _reserve_stock(conn, stock, units, document, all_or_nothing)
                 for stock, units in needed.items()}
    if all_or_nothing and any(short.values()):
        return Reservation({line.id: line.open for line in open_lines}, 0)
    unfulfillable = (_shortfall_by_line(open_lines, short)
                     if order.fulfillment_policy == FILL_ALL_AVAILABLE else {})
    return Reservation(unfulfillable, sum(needed.values()) - sum(short.values()))


def _reserve_stock(conn: Connection, stock: Stock, units: int, document: dict,
                   all_or_nothing: bool) -> int:
    """Reserve what is available of `units` of one stock (nothing, when all_or_nothing and
    some are missing); returns the units short. Usually one center has them all: one
    statement."""
    item_id, disposition = stock
    if ledger.reserve_at_one_center(conn, item_id=item_id, disposition=disposition,
                                    quantity=units, **document) is not None:
        return 0
    available = ledger.lock_available(conn, merchant_id=document["merchant_id"], item_id=item_id,
                                      disposition=disposition)
    short = max(0, units - sum(available.values()))
    if not (all_or_nothing and short):
        ledger.reserve_from(conn, available, item_id=item_id, disposition=disposition,
                            quantity=units - short, **document)
    return short


def _reserve_all_or_nothing(conn: Connection, merchant_id: int, needed: dict[Stock, int],
                            document: dict) -> dict[Stock, int]:
    """All or nothing over several stocks: every one is read (locked) first, and reserved
    only when none is short; returns the units short per stock."""
    available = {stock: ledger.lock_available(conn, merchant_id=merchant_id, item_id=stock[0],
                                              disposition=stock[1])
                 for stock in sorted(needed)}
    short = {stock: max(0, units - sum(available[stock].values())) for stock, units in needed.items()}
    if not any(short.values()):
        for (item_id, disposition), units in needed.items():
            ledger.reserve_from(conn, available[(item_id, disposition)], item_id=item_id,
                                disposition=disposition, quantity=units, **document)
    return short


def _needed(order_lines: list[Line], holding: dict[ledger.Hold, int]) -> dict[Stock, int]:
    """Units still to reserve per stock: open units less what the ledger already holds."""
    needed: dict[Stock, int] = defaultdict(int)
    for line in order_lines:
        needed[(line.item_id, line.disposition)] += line.open
    for (item_id, _center, disposition), units in holding.items():
        needed[(item_id, disposition)] -= units
    return {stock: units for stock, units in needed.items() if units > 0}


def _shortfall_by_line(order_lines: list[Line], short: dict[Stock, int]) -> dict[int, int]:
    """Spread each stock's shortfall over its lines, last line first."""
    remaining = dict(short)
    shortfall: dict[int, int] = {}
    for line in reversed(order_lines):
        stock = (line.item_id, line.disposition)
        taken = min(line.open, remaining.get(stock, 0))
        if taken:
            shortfall[line.id] = taken
            remaining[stock] -= taken
    return shortfall


def _unfulfillable(conn: Connection, units_by_line: dict[int, int]) -> None:
    changes = [{"line_pk": line_id, "units": units} for line_id, units in units_by_line.items() if units]
    if changes:
        conn.execute(_ADD_UNFULFILLABLE, changes)


_lines = fulfillment_order_items.c
_ADD_UNFULFILLABLE = (update(fulfillment_order_items).where(_lines.id == bindparam("line_pk"))
                      .values(unfulfillable_quantity=_lines.unfulfillable_quantity + bindparam("units")))
