"""The inventory ledger: every change of stock is a movement, balances are its running sums.

A movement and its effect on the `inventory_balances` row of (item, fulfillment center) are
written in the caller's transaction. Each effect is a single guarded UPDATE (`... WHERE
in_stock - reserved >= :q`): the database re-checks the guard against the row as it is when
the update runs, so concurrent writers can never drive a balance negative or reserve more
than is in stock. The table's CHECK constraints are only the backstop.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Callable, Iterable

from sqlalchemy import Connection, ColumnElement, case, func, insert, select, update
from sqlalchemy.dialects import postgresql, sqlite

from ..store.schema import inventory_balances, inventory_movements

_b = inventory_balances.c


class InsufficientStock(ValueError):
    """A movement asked for more than the balance holds; nothing was changed."""

    def __init__(self, kind: str, item_id: int, fulfillment_center_id: str, quantity: int,
                 shortfall: str):
        super().__init__(
            f"cannot record {kind} of {quantity} for item {item_id} at "
            f"{fulfillment_center_id}: {shortfall}"
        )
        self.kind = kind
        self.item_id = item_id
        self.fulfillment_center_id = fulfillment_center_id
        self.quantity = quantity


@dataclass(frozen=True)
class _Effect:
    changes: Callable[[int], dict[str, Any]]
    guard: Callable[[int], ColumnElement[bool]] | None = None
    shortfall: str = ""


# What each kind of movement does to a balance; quantities are always positive.
EFFECTS: dict[str, _Effect] = {
    "inbound_expected": _Effect(lambda q: {"inbound": _b.inbound + q}),
    "inbound_cancelled": _Effect(lambda q: {"inbound": _b.inbound - q},
                                 lambda q: _b.inbound >= q, "not that much is inbound"),
    # More may arrive than was announced: inbound drops by at most what it holds.
    "received": _Effect(lambda q: {"inbound": case((_b.inbound > q, _b.inbound - q), else_=0),
                                   "in_stock": _b.in_stock + q}),
    "reserved": _Effect(lambda q: {"reserved": _b.reserved + q},
                        lambda q: _b.in_stock - _b.reserved >= q, "not that much is available"),
    "released": _Effect(lambda q: {"reserved": _b.reserved - q},
                        lambda q: _b.reserved >= q, "not that much is reserved"),
    "shipped": _Effect(lambda q: {"reserved": _b.reserved - q, "in_stock": _b.in_stock - q},
                       lambda q: _b.reserved >= q, "not that much is reserved"),
    "adjusted_in": _Effect(lambda q: {"in_stock": _b.in_stock + q}),
    # Reserved units are promised to orders: only available stock can be adjusted out.
    "adjusted_out": _Effect(lambda q: {"in_stock": _b.in_stock - q},
                            lambda q: _b.in_stock - _b.reserved >= q, "not that much is available"),
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
                    document_id: str | None = None) -> None:
    """Record one movement and apply it to its balance, or raise InsufficientStock."""
    effect = EFFECTS.get(kind)
    if effect is None:
        raise ValueError(f"unknown movement kind {kind!r}; expected one of {', '.join(KINDS)}")
    if quantity <= 0:
        raise ValueError(f"a movement quantity must be positive, not {quantity}")

    # Guarded kinds need stock that already exists: no row means nothing to take from, and
    # creating an empty one would only mark the SKU as "updated".
    if effect.guard is None:
        _ensure_balance_row(conn, merchant_id, item_id, fulfillment_center_id, now)
    where = [_b.item_id == item_id, _b.fulfillment_center_id == fulfillment_center_id,
             _b.merchant_id == merchant_id]
    if effect.guard is not None:
        where.append(effect.guard(quantity))
    changed = conn.execute(
        update(inventory_balances).where(*where).values(**effect.changes(quantity), updated_at=now)
    ).rowcount
    if changed != 1:
        raise InsufficientStock(kind, item_id, fulfillment_center_id, quantity,
                                effect.shortfall or "no balance row")

    conn.execute(insert(inventory_movements).values(
        merchant_id=merchant_id, item_id=item_id, fulfillment_center_id=fulfillment_center_id,
        kind=kind, quantity=quantity, reason=reason, document_type=document_type,
        document_id=document_id, created_at=now,
    ))


def _ensure_balance_row(conn: Connection, merchant_id: int, item_id: int,
                        fulfillment_center_id: str, now: datetime) -> None:
    # ON CONFLICT DO NOTHING: two writers creating the same row both succeed, and the
    # UPDATE that follows then locks the one row that exists.
    dialect_insert = postgresql.insert if conn.dialect.name == "postgresql" else sqlite.insert
    conn.execute(
        dialect_insert(inventory_balances)
        .values(merchant_id=merchant_id, item_id=item_id,
                fulfillment_center_id=fulfillment_center_id,
                in_stock=0, inbound=0, reserved=0, updated_at=now)
        .on_conflict_do_nothing(index_elements=["item_id", "fulfillment_center_id"])
    )


def balances(conn: Connection, merchant_id: int, item_ids: Iterable[int]) -> dict[int, Balance]:
    """Totals over every fulfillment center, for each item asked (zero when it has none)."""
    wanted = list(dict.fromkeys(item_ids))
    totals = {item_id: Balance() for item_id in wanted}
    if not wanted:
        return totals
    rows = conn.execute(
        select(_b.item_id, func.sum(_b.in_stock), func.sum(_b.inbound), func.sum(_b.reserved))
        .where(_b.merchant_id == merchant_id, _b.item_id.in_(wanted))
        .group_by(_b.item_id)
    )
    for item_id, in_stock, inbound, reserved in rows:
        totals[item_id] = Balance(int(in_stock), int(inbound), int(reserved))
    return totals


def reserve_available(conn: Connection, *, merchant_id: int, item_id: int, quantity: int,
                      now: datetime, document_type: str | None = None,
                      document_id: str | None = None) -> dict[str, int]:
    """Reserve up to `quantity` units of available stock, taking from the fulfillment
    centers with the most available first. Returns the units reserved per center (empty
    when nothing is available)."""
    # FOR UPDATE (ignored by SQLite, whose writers are already serialised) keeps the rows
    # as read until commit; locking in id order keeps concurrent reservers from deadlocking.
    rows = conn.execute(
        select(_b.fulfillment_center_id, (_b.in_stock - _b.reserved).label("available"))
        .where(_b.merchant_id == merchant_id, _b.item_id == item_id)
        .order_by(_b.id)
        .with_for_update()
    ).all()
    taken: dict[str, int] = {}
    remaining = quantity
    for center, available in sorted(rows, key=lambda row: (-row.available, row.fulfillment_center_id)):
        if remaining == 0 or available <= 0:
            break
        share = min(available, remaining)
        record_movement(conn, merchant_id=merchant_id, item_id=item_id,
                        fulfillment_center_id=center, kind="reserved", quantity=share, now=now,
                        document_type=document_type, document_id=document_id)
        taken[center] = share
        remaining -= share
    return taken


def document_reservations(conn: Connection, *, merchant_id: int, document_type: str,
                          document_id: str) -> dict[tuple[int, str], int]:
    """Units still reserved for a document, per (item, fulfillment center)."""
    signed = case(
        (inventory_movements.c.kind == "reserved", inventory_movements.c.quantity),
        (inventory_movements.c.kind.in_(("released", "shipped")), -inventory_movements.c.quantity),
        else_=0,
    )
    rows = conn.execute(
        select(inventory_movements.c.item_id, inventory_movements.c.fulfillment_center_id,
               func.sum(signed))
        .where(inventory_movements.c.merchant_id == merchant_id,
               inventory_movements.c.document_type == document_type,
               inventory_movements.c.document_id == document_id)
        .group_by(inventory_movements.c.item_id, inventory_movements.c.fulfillment_center_id)
    )
    return {(item_id, center): int(held) for item_id, center, held in rows if held > 0}


def release_document(conn: Connection, *, merchant_id: int, document_type: str,
                     document_id: str, now: datetime, reason: str | None = None) -> int:
    """Release everything still reserved for a document; returns the units released."""
    held = document_reservations(conn, merchant_id=merchant_id, document_type=document_type,
                                 document_id=document_id)
    for (item_id, center), quantity in held.items():
        record_movement(conn, merchant_id=merchant_id, item_id=item_id,
                        fulfillment_center_id=center, kind="released", quantity=quantity,
                        now=now, reason=reason, document_type=document_type,
                        document_id=document_id)
    return sum(held.values())
