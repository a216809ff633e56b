"""The inventory ledger: every change of stock is a movement, balances are its running sums.

A movement and its effect on the `inventory_balances` row of (item, fulfillment center,
disposition) are written in the caller's transaction. Each effect is a single guarded
UPDATE (`... WHERE in_stock - reserved >= :q`): the database re-checks the guard against the row as it is when
the update runs, so concurrent writers can never drive a balance negative or reserve more
than is in stock. The table's CHECK constraints are only the backstop. The same guard keeps
every balance within an xs:int (`MOST`): a movement past it is refused (`BalanceLimit`).

Every kind's effect is linear, so for any balance the signed sum of its movements is the
balance (`EFFECTS[kind].signs`; the audit tests replay it):

    in_stock = received + received_unexpected + adjusted_in - shipped - adjusted_out
    inbound  = inbound_expected - inbound_cancelled - received
    reserved = reserved - released - shipped

Stock is `Sellable` (what orders draw on and the inventory service reports) or
`Unsellable` (damaged, defective...: it leaves only by a Removal order).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from functools import partial
from typing import Callable, Iterable

from sqlalchemy import Connection, ColumnElement, bindparam, case, func, insert, select, update

from ..api.shapes import INT_RANGE
from ..store.prepared import Prepared
from ..store.schema import UtcDateTime, inventory_balances, inventory_movements
from ..store.sequencing import begin_change, stamp

_b = inventory_balances.c
# A balance is reported as an xs:int (InStockSupplyQuantity, InStockQuantity...) and stored
# in a 32-bit column on PostgreSQL: no movement takes it further.
MOST = INT_RANGE[1]


class MovementRefused(ValueError):
    """A movement the balance cannot take; nothing was changed."""

    def __init__(self, kind: str, item_id: int, fulfillment_center_id: str, quantity: int, why: str):
        super().__init__(f"cannot record {kind} of {quantity} for item {item_id} at "
                         f"{fulfillment_center_id}: {why}")
        self.kind = kind
        self.item_id = item_id
        self.fulfillment_center_id = fulfillment_center_id
        self.quantity = quantity


class InsufficientStock(MovementRefused):
    """A movement asked for more than the balance holds."""


class BalanceLimit(MovementRefused):
    """A movement would take a balance past MOST."""

    def __init__(self, kind: str, item_id: int, fulfillment_center_id: str, quantity: int,
                 column: str):
        super().__init__(kind, item_id, fulfillment_center_id, quantity, f"{column} would go past {MOST}")
        self.column = column


SELLABLE, UNSELLABLE = "Sellable", "Unsellable"
DISPOSITIONS = (SELLABLE, UNSELLABLE)

_AVAILABLE = _b.in_stock - _b.reserved


@dataclass(frozen=True)
class _Effect:
    # The sign of the quantity in each balance column this kind changes; quantities are
    # always positive. This is also the ledger audit's replay rule.
    signs: dict[str, int]
    # What must hold of the balance before the movement, for a quantity q.
    guard: Callable[[ColumnElement[int]], ColumnElement[bool]] | None = None
    shortfall: str = ""


EFFECTS: dict[str, _Effect] = {
    "inbound_expected": _Effect({"inbound": 1}),
    "inbound_cancelled": _Effect({"inbound": -1}, lambda q: _b.inbound >= q, "not that much is inbound"),
    "received": _Effect({"inbound": -1, "in_stock": 1}, lambda q: _b.inbound >= q,
                        "not that much is inbound"),
    # Units beyond what was announced arrive too: straight into stock.
    "received_unexpected": _Effect({"in_stock": 1}),
    "reserved": _Effect({"reserved": 1}, lambda q: _AVAILABLE >= q, "not that much is available"),
    "released": _Effect({"reserved": -1}, lambda q: _b.reserved >= q, "not that much is reserved"),
    "shipped": _Effect({"reserved": -1, "in_stock": -1}, lambda q: _b.reserved >= q,
                       "not that much is reserved"),
    "adjusted_in": _Effect({"in_stock": 1}),
    # Reserved units are promised to orders: only available stock can be adjusted out.
    "adjusted_out": _Effect({"in_stock": -1}, lambda q: _AVAILABLE >= q, "not that much is available"),
}
KINDS = tuple(EFFECTS)


@dataclass(frozen=True)
class Balance:
    in_stock: int = 0
    inbound: int = 0
    reserved: int = 0

    @property
    def available(self) -> int:
        """Units in stock that no order has claimed yet."""
        return self.in_stock - self.reserved


def record_movement(conn: Connection, *, merchant_id: int, item_id: int,
                    fulfillment_center_id: str, kind: str, quantity: int, now: datetime,
                    reason: str | None = None, document_type: str | None = None,
                    document_id: str | None = None, disposition: str = SELLABLE) -> None:
    """Record one movement and apply it to its balance, or raise InsufficientStock."""
    effect = EFFECTS.get(kind)
    if effect is None:
        raise ValueError(f"unknown movement kind {kind!r}; expected one of {', '.join(KINDS)}")
    if quantity <= 0:
        raise ValueError(f"a movement quantity must be positive, not {quantity}")
    if disposition not in DISPOSITIONS:
        raise ValueError(f"unknown disposition {disposition!r}")
    if quantity > MOST:
        # No balance holds that much or can take it in: refused as such, before PostgreSQL
        # sees a number out of its 32-bit columns' range (an error, where SQLite compared).
        if effect.guard is not None:
            raise InsufficientStock(kind, item_id, fulfillment_center_id, quantity, effect.shortfall)
        grown = next(column for column, sign in effect.signs.items() if sign > 0)
        raise BalanceLimit(kind, item_id, fulfillment_center_id, quantity, grown)

    begin_change(conn, merchant_id)  # before a balance is stamped for pollers: see sequencing
    # Guarded kinds need stock that already exists: no row means nothing to take from, and
    # creating an empty one would only mark the SKU as "updated".
    if effect.guard is None:
        _ensure_balance_row(conn, merchant_id, item_id, fulfillment_center_id, disposition, now)
    row = {"b_merchant_id": merchant_id, "b_item_id": item_id, "b_center": fulfillment_center_id,
           "b_disposition": disposition}
    changed = _APPLY[kind].execute(conn, {**row, "quantity": quantity, "now": now}).rowcount
    if changed != 1:
        full = _full_columns(conn, row, effect, quantity)
        if full:
            raise BalanceLimit(kind, item_id, fulfillment_center_id, quantity, full[0])
        raise InsufficientStock(kind, item_id, fulfillment_center_id, quantity,
                                effect.shortfall or "no balance row")

    _RECORD.execute(conn, {
        "merchant_id": merchant_id, "item_id": item_id, "fulfillment_center_id": fulfillment_center_id,
        "disposition": disposition, "kind": kind, "quantity": quantity, "reason": reason,
        "document_type": document_type, "document_id": document_id, "created_at": now,
    })


def _full_columns(conn: Connection, row: dict, effect: _Effect, quantity: int) -> list[str]:
    """The columns this movement would take past MOST (why a guarded UPDATE changed nothing,
    when it is not a shortfall)."""
    balance = _BALANCE_ROW.execute(conn, row).first()
    if balance is None:
        return []
    return [column for column, sign in effect.signs.items()
            if sign > 0 and getattr(balance, column) > MOST - quantity]


def _row_where() -> list:
    return [_b.item_id == bindparam("b_item_id"), _b.fulfillment_center_id == bindparam("b_center"),
            _b.disposition == bindparam("b_disposition"), _b.merchant_id == bindparam("b_merchant_id")]


# A balance changed at :now is visible to pollers from then, or from the merchant's last
# listing if later (store/sequencing.py).
_NOW = bindparam("now", type_=UtcDateTime())
_VISIBLE = stamp(_NOW, _b.merchant_id)


def _apply_statement(effect: _Effect):
    """The guarded UPDATE of one balance row for a movement of this kind."""
    quantity = bindparam("quantity", type_=inventory_balances.c.in_stock.type)
    where = _row_where()
    if effect.guard is not None:
        where.append(effect.guard(quantity))
    where += [getattr(_b, column) <= MOST - quantity for column, sign in effect.signs.items() if sign > 0]
    changes = {column: getattr(_b, column) + quantity if sign > 0 else getattr(_b, column) - quantity
               for column, sign in effect.signs.items()}
    return (update(inventory_balances).where(*where)
            .values(**changes, updated_at=_NOW, visible_at=_VISIBLE))


# Built once per kind: a movement runs in every reservation, shipment and receipt, where
# building its statements cost more than running them. Built at the first movement of the
# kind, not at import: a command that only reads (`fws outbound list`, 23 M instructions of
# imports in this module) imports the ledger through the order states and moves nothing.
_APPLY = {kind: Prepared(partial(_apply_statement, effect)) for kind, effect in EFFECTS.items()}
_RECORD = Prepared(lambda: insert(inventory_movements))
_BALANCE_ROW = Prepared(lambda: select(_b.in_stock, _b.inbound, _b.reserved).where(*_row_where()))


def _ensure_balance_row(conn: Connection, merchant_id: int, item_id: int,
                        fulfillment_center_id: str, disposition: str, now: datetime) -> None:
    # ON CONFLICT DO NOTHING: two writers creating the same row both succeed, and the
    # UPDATE that follows then locks the one row that exists.
    # Only the dialect in use is imported: PostgreSQL's costs ~15 ms of every embedded start.
    if conn.dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as dialect_insert
    else:
        from sqlalchemy.dialects.sqlite import insert as dialect_insert
    conn.execute(
        dialect_insert(inventory_balances)
        .values(merchant_id=merchant_id, item_id=item_id,
                fulfillment_center_id=fulfillment_center_id, disposition=disposition,
                in_stock=0, inbound=0, reserved=0, updated_at=now,
                visible_at=stamp(bindparam("visible_from", now, type_=UtcDateTime()),
                                 bindparam("stamp_merchant_id", merchant_id)))
        .on_conflict_do_nothing(index_elements=["item_id", "fulfillment_center_id", "disposition"])
    )


def balances(conn: Connection, merchant_id: int, item_ids: Iterable[int], *,
             disposition: str = SELLABLE) -> dict[int, Balance]:
    """Totals over every fulfillment center, for each item asked (zero when it has none)."""
    wanted = list(dict.fromkeys(item_ids))
    totals = {item_id: Balance() for item_id in wanted}
    if not wanted:
        return totals
    rows = conn.execute(
        select(_b.item_id, func.sum(_b.in_stock), func.sum(_b.inbound), func.sum(_b.reserved))
        .where(_b.merchant_id == merchant_id, _b.item_id.in_(wanted), _b.disposition == disposition)
        .group_by(_b.item_id)
    )
    for item_id, in_stock, inbound, reserved in rows:
        totals[item_id] = Balance(int(in_stock), int(inbound), int(reserved))
    return totals


def last_change(conn: Connection, merchant_id: int, item_ids: Iterable[int]) -> datetime | None:
    """When a movement last changed any balance of these items (None: they have none)."""
    wanted = sorted(set(item_ids))
    if not wanted:
        return None
    return conn.execute(select(func.max(_b.updated_at))
                        .where(_b.merchant_id == merchant_id, _b.item_id.in_(wanted))).scalar_one()


def lock_items(conn: Connection, merchant_id: int, item_ids: Iterable[int]) -> None:
    """Lock every balance row of these items until the transaction ends.

    A transaction that moves several balances takes all their locks first, in one order
    (item id, then row id), so two such transactions never deadlock on PostgreSQL. SQLite
    ignores FOR UPDATE: its writers are serialised already.
    """
    wanted = sorted(set(item_ids))
    if wanted and conn.dialect.name != "sqlite":  # nothing to lock: writers are serialised
        conn.execute(_LOCK_ITEMS, {"merchant_id": merchant_id, "item_ids": wanted}).all()


def lock_available(conn: Connection, *, merchant_id: int, item_id: int,
                   disposition: str = SELLABLE) -> dict[str, int]:
    """Available units per fulfillment center, the rows locked until the transaction ends,
    so a decision taken on these figures still holds when the reservations are written."""
    rows = _LOCK_AVAILABLE.execute(conn, {"merchant_id": merchant_id, "item_id": item_id,
                                          "disposition": disposition})
    return {center: available for center, available in rows}


_LOCK_ITEMS = (select(_b.id)
               .where(_b.merchant_id == bindparam("merchant_id"),
                      _b.item_id.in_(bindparam("item_ids", expanding=True)))
               .order_by(_b.item_id, _b.id).with_for_update())
_LOCK_AVAILABLE = Prepared(lambda: (
    select(_b.fulfillment_center_id, _AVAILABLE.label("available"))
    .where(_b.merchant_id == bindparam("merchant_id"), _b.item_id == bindparam("item_id"),
           _b.disposition == bindparam("disposition"))
    .order_by(_b.id).with_for_update()))


def reserve_from(conn: Connection, available: dict[str, int], *, merchant_id: int, item_id: int,
                 quantity: int, now: datetime, disposition: str = SELLABLE,
                 document_type: str | None = None, document_id: str | None = None) -> dict[str, int]:
    """Reserve up to `quantity` units from centers with `available` units (as locked by
    `lock_available`), the centers with the most first; `available` is updated. Returns
    the units reserved per center (empty when nothing is available)."""
    taken: dict[str, int] = {}
    remaining = quantity
    for center in sorted(available, key=lambda code: (-available[code], code)):
        if remaining == 0 or available[center] <= 0:
            break
        share = min(available[center], remaining)
        record_movement(conn, merchant_id=merchant_id, item_id=item_id,
                        fulfillment_center_id=center, kind="reserved", quantity=share, now=now,
                        disposition=disposition, document_type=document_type,
                        document_id=document_id)
        available[center] -= share
        taken[center] = share
        remaining -= share
    return taken


def reserve_at_one_center(conn: Connection, *, merchant_id: int, item_id: int, quantity: int,
                          now: datetime, disposition: str = SELLABLE,
                          document_type: str | None = None,
                          document_id: str | None = None) -> str | None:
    """Reserve all `quantity` units at the center with the most available, if it has them
    all, and return that center; None (nothing changed) if no center has them all.

    It is what `reserve_from` does whenever the fullest center has enough — the common
    case — but chooses the center and reserves in one guarded UPDATE instead of a locking
    read and an UPDATE: one statement less while the writers' lock is held. The balance
    rows must be locked already (`lock_items`) where the database has row locks."""
    if quantity <= 0:
        raise ValueError(f"a movement quantity must be positive, not {quantity}")
    begin_change(conn, merchant_id)  # before a balance is stamped for pollers: see sequencing
    center = _RESERVE_AT_FULLEST.execute(conn, {
        "b_merchant_id": merchant_id, "b_item_id": item_id, "b_disposition": disposition,
        "quantity": quantity, "now": now,
    }).scalar_one_or_none()
    if center is not None:
        _RECORD.execute(conn, {
            "merchant_id": merchant_id, "item_id": item_id, "fulfillment_center_id": center,
            "disposition": disposition, "kind": "reserved", "quantity": quantity, "reason": None,
            "document_type": document_type, "document_id": document_id, "created_at": now,
        })
    return center


def _reserve_at_fullest():
    """The "reserved" movement's guarded UPDATE (`_APPLY`), on the row of the center with
    the most available — in `reserve_from`'s order: most available first, then by code."""
    fullest = inventory_balances.alias("fullest")
    quantity = bindparam("quantity", type_=_b.in_stock.type)
    fullest_id = (select(fullest.c.id)
                  .where(fullest.c.merchant_id == bindparam("b_merchant_id"),
                         fullest.c.item_id == bindparam("b_item_id"),
                         fullest.c.disposition == bindparam("b_disposition"))
                  .order_by((fullest.c.in_stock - fullest.c.reserved).desc(),
                            fullest.c.fulfillment_center_id)
                  .limit(1).scalar_subquery())
    return (update(inventory_balances).where(_b.id == fullest_id, EFFECTS["reserved"].guard(quantity))
            .values(reserved=_b.reserved + quantity, updated_at=_NOW, visible_at=_VISIBLE)
            .returning(_b.fulfillment_center_id))


_RESERVE_AT_FULLEST = Prepared(_reserve_at_fullest)


def reserve_available(conn: Connection, *, merchant_id: int, item_id: int, quantity: int,
                      now: datetime, disposition: str = SELLABLE, document_type: str | None = None,
                      document_id: str | None = None) -> dict[str, int]:
    """Reserve up to `quantity` units of available stock, taking from the fulfillment
    centers with the most available first. Returns the units reserved per center (empty
    when nothing is available)."""
    available = lock_available(conn, merchant_id=merchant_id, item_id=item_id, disposition=disposition)
    return reserve_from(conn, available, merchant_id=merchant_id, item_id=item_id,
                        quantity=quantity, now=now, disposition=disposition,
                        document_type=document_type, document_id=document_id)


# (item id, fulfillment center, disposition): where a document's units are held.
Hold = tuple[int, str, str]


def document_reservations(conn: Connection, *, merchant_id: int, document_type: str,
                          document_id: str) -> dict[Hold, int]:
    """Units still reserved for a document, per (item, fulfillment center, disposition)."""
    rows = _DOCUMENT_RESERVATIONS.execute(conn, {"merchant_id": merchant_id,
                                                 "document_type": document_type,
                                                 "document_id": document_id})
    return {(item_id, center, disposition): int(held)
            for item_id, center, disposition, held in rows if held > 0}


_m = inventory_movements.c
_DOCUMENT_RESERVATIONS = Prepared(lambda: (
    select(_m.item_id, _m.fulfillment_center_id, _m.disposition,
           func.sum(case((_m.kind == "reserved", _m.quantity),
                         (_m.kind.in_(("released", "shipped")), -_m.quantity),
                         else_=0)))
    .where(_m.merchant_id == bindparam("merchant_id"), _m.document_type == bindparam("document_type"),
           _m.document_id == bindparam("document_id"))
    .group_by(_m.item_id, _m.fulfillment_center_id, _m.disposition)
))


def release_document(conn: Connection, *, merchant_id: int, document_type: str,
                     document_id: str, now: datetime, reason: str | None = None) -> int:
    """Release everything still reserved for a document; returns the units released."""
    held = document_reservations(conn, merchant_id=merchant_id, document_type=document_type,
                                 document_id=document_id)
    lock_items(conn, merchant_id, (item_id for item_id, _, _ in held))
    for (item_id, center, disposition), quantity in sorted(held.items()):
        record_movement(conn, merchant_id=merchant_id, item_id=item_id,
                        fulfillment_center_id=center, kind="released", quantity=quantity,
                        now=now, reason=reason, disposition=disposition,
                        document_type=document_type, document_id=document_id)
    return sum(held.values())
