"""The tick: applies every warehouse transition that is due, oldest first.

Orders and inbound shipments carry `due_at`, the time their next automatic step is due
(indexed; NULL when nothing happens by itself). A tick first asks, in one read-only
statement, whether any row is due at all: two index probes, so the request path stays a
read when nothing is due. Then it takes the rows one at a time, each in its own write
transaction: the earliest due order and the earliest due shipment are locked (`SKIP
LOCKED` on PostgreSQL, so processes ticking at once share the work; SQLite serialises
writers), and the earlier of the two moves on.

The check is one prebuilt statement (the clock's offset and the two earliest due times,
each an index probe): it runs before every request, where building and compiling its
three queries anew cost more than running them.

A step is applied as of its due time, not the tick's: an order due to ship at 10:05 has
shipped at 10:05 whenever the tick ran, so what clients see does not depend on when
anyone looked, and a tick after a long pause replays the steps in the order they fell due.
Planning reads the stock of now, so it is taken no earlier than that stock last changed
(planning.py); and a look for stock that found none is not repeated while nothing can
change the stock, i.e. before the next step of any other row or `now` (order_state.py).
In manual mode a physical step that fell due under auto mode is left to the operators.

A step that fails (a bug, never a client's input) is logged and retried `RETRY_AFTER`
later, so one bad row never blocks the others nor fails the request that ticked.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from sqlalchemy import Connection, bindparam, func, select, update

from ..store.database import Database
from ..store.prepared import Prepared
from ..store.schema import fulfillment_orders, inbound_shipments
from . import clock
from .context import Context
from .order_state import lock_order, waiting_for_stock
from .simulation import AUTO, Simulation

log = logging.getLogger(__name__)

RETRY_AFTER = timedelta(minutes=5)
# A row's own steps applied for a request that names it. An order's planning, picking and
# shipping take three; a FillAll order short of stock looks again as often as steps of
# other rows fall due, and cannot find the stock they bring before they are applied: a few
# looks do. An inbound shipment takes at most four (three carrier states, receiving).
ROW_STEPS_AT_MOST = 8
_orders = fulfillment_orders.c
_shipments = inbound_shipments.c


def _earliest_due(table):
    return select(func.min(table.c.due_at)).scalar_subquery()


_EARLIEST_DUE = (_earliest_due(fulfillment_orders), _earliest_due(inbound_shipments))
_DUE_CHECK = Prepared(select(clock.OFFSET_QUERY.scalar_subquery(), *_EARLIEST_DUE))


def _is_due(earliest: tuple[datetime | None, ...], now: datetime) -> bool:
    return any(due is not None and due <= now for due in earliest)


def catch_up(db: Database, real_now: datetime, simulation: Simulation, *,
             limit: int | None = None) -> tuple[datetime, bool]:
    """The simulated time at `real_now`, once the steps due by then are applied (at most
    `limit` of them), and whether the limit left some undone (the warehouse is behind).
    One read-only statement when nothing is due, none when nothing has committed since the
    last check (SQLite)."""
    offset_seconds, earliest = _due_check(db)
    now = real_now + clock.as_offset(offset_seconds)
    behind = False
    if _is_due(earliest, now):
        behind = _apply(db, now, simulation, limit) == limit
    return now, behind


def _due_check(db: Database) -> tuple[str | None, tuple[datetime | None, ...]]:
    """The clock's offset and the earliest due times. They change only by commits: while
    nothing has committed, the last answer holds (store/changes.py)."""
    def query() -> tuple[str | None, tuple[datetime | None, ...]]:
        with db.read_autocommit() as conn:
            offset_seconds, *earliest = _DUE_CHECK.execute(conn).one()
        return offset_seconds, tuple(earliest)

    return db.unless_changed(_DUE_CHECK, query)


def run(db: Database, now: datetime, simulation: Simulation, *, limit: int | None = None) -> int:
    """Apply the transitions due at simulated time `now` (at most `limit`); returns how
    many were applied. After a request's catch_up found nothing more due, and nothing has
    committed since, the check costs no statement either (SQLite)."""
    _, earliest = _due_check(db)
    if not _is_due(earliest, now):
        return 0
    return _apply(db, now, simulation, limit)


def apply_backlog(ctx: Context) -> None:
    """Every step due by `ctx.now` applied, when the request's catch-up stopped at its share
    of a backlog (`ctx.behind`; service/app.py REQUEST_TICK_LIMIT). What plans on stock,
    reads it or lists the changes since a time must not see the warehouse of some steps
    ago: a step applied later carries its due time, before this answer, and a poller asking
    for the changes since now would never see it. Otherwise the catch-up left nothing due,
    and asking again would cost a statement (PostgreSQL; SQLite after any commit)."""
    if ctx.behind:
        run(ctx.db, ctx.now, ctx.simulation)


def is_due(row, now: datetime) -> bool:
    """Whether the order's or shipment's next step is due by `now`."""
    return row.due_at is not None and row.due_at <= now


def _apply(db: Database, now: datetime, simulation: Simulation, limit: int | None) -> int:
    applied = 0
    while (limit is None or applied < limit) and _step(db, now, simulation):
        applied += 1
    return applied


def _step(db: Database, now: datetime, simulation: Simulation) -> bool:
    """Apply the earliest due step; False when none is due (or all are being applied)."""
    with db.write() as conn:
        order = _EARLIEST_ORDER.execute(conn, {"now": now}).first()
        shipment = _EARLIEST_SHIPMENT.execute(conn, {"now": now}).first()
        if order is None and shipment is None:
            return False
        if shipment is None or (order is not None and order.due_at <= shipment.due_at):
            _apply_step(conn, fulfillment_orders, order, _step_order, simulation, now)
        else:
            _apply_step(conn, inbound_shipments, shipment, _step_shipment, simulation, now)
    return True


def _apply_step(conn: Connection, table, row, step, simulation: Simulation, now: datetime) -> None:
    """Apply a row's due step; one that fails is logged and postponed `RETRY_AFTER`."""
    try:
        with conn.begin_nested():
            step(conn, row, simulation, now)
    except Exception:
        log.exception("warehouse step of %s %s failed; retrying in %s", table.name, row.id, RETRY_AFTER)
        conn.execute(update(table).where(table.c.id == row.id).values(due_at=now + RETRY_AFTER))


def lock_current_order(conn: Connection, ctx: Context, order_id: str):
    """The merchant's order row, locked (`order_state.lock_order`), once its own steps due
    by now are applied (`_current`): a request that names an order (to read, cancel, pick,
    ship or fail it) would otherwise see it, and change it, as it was some steps ago (a
    cancel undoing a shipment that had left)."""
    return _current(conn, ctx, lambda: lock_order(conn, ctx.merchant_id, order_id),
                    fulfillment_orders, _step_order)


def lock_current_shipment(conn: Connection, ctx: Context, shipment_id: str):
    """The merchant's inbound shipment row, locked (`receiving.lock_shipment`), once its own
    steps due by now are applied (`_current`): a request that names a shipment (to read,
    ship, cancel, move or receive it) would otherwise see it, and change it, as it was some
    steps ago (a cancel of a shipment that had been Closed)."""
    from .receiving import lock_shipment  # the inbound requests' module, imported by them

    return _current(conn, ctx, lambda: lock_shipment(conn, ctx.merchant_id, shipment_id),
                    inbound_shipments, _step_shipment)


def _current(conn: Connection, ctx: Context, lock, table, step):
    """The row `lock()` returns once its steps due by `ctx.now` are applied, each as of its
    due time as the tick applies them. A request applies only so many due steps of the
    whole warehouse, the earliest first, so a row it names may still have some. Nothing is
    due (the usual case): the lock is the only statement."""
    row = lock()
    for _ in range(ROW_STEPS_AT_MOST):
        if not is_due(row, ctx.now):
            break
        _apply_step(conn, table, row, step, ctx.simulation, ctx.now)
        row = lock()
    return row


def resume_stranded(db: Database, real_now: datetime, simulation: Simulation) -> int:
    """In auto mode, make due now the orders and inbound shipments that manual mode left for
    operators (in progress, nothing due): a server started in auto mode on a database a
    manual one ran would otherwise never move them. Returns how many rows it woke."""
    if simulation.mode != AUTO:
        return 0
    from .receiving import RECEIVABLE  # what the tick steps import, imported when needed

    with db.write() as conn:
        now = real_now + clock.offset(conn)
        woken = conn.execute(update(fulfillment_orders)
                             .where(_orders.due_at.is_(None), _orders.status.in_(("Planning", "Processing")))
                             .values(due_at=now)).rowcount
        woken += conn.execute(update(inbound_shipments)
                              .where(_shipments.due_at.is_(None), _shipments.status.in_(RECEIVABLE))
                              .values(due_at=now)).rowcount
    return woken


def _earliest(table):
    """The earliest row due by :now, locked (rows other ticks hold are skipped)."""
    return (select(table).where(table.c.due_at <= bindparam("now")).order_by(table.c.due_at, table.c.id)
            .limit(1).with_for_update(skip_locked=True))


# Built once, like the check: in auto mode requests apply due steps all the time.
_EARLIEST_ORDER = Prepared(_earliest(fulfillment_orders))
_EARLIEST_SHIPMENT = Prepared(_earliest(inbound_shipments))
# The next due time of another order and of any inbound shipment (index order, first row).
_NEXT_OTHER_DUE = Prepared(select(
    select(_orders.due_at).where(_orders.due_at.is_not(None), _orders.id != bindparam("order_pk"))
    .order_by(_orders.due_at).limit(1).scalar_subquery(),
    select(_shipments.due_at).where(_shipments.due_at.is_not(None))
    .order_by(_shipments.due_at).limit(1).scalar_subquery(),
))


# The steps' modules are imported when a step is due: every request ticks, and most find
# nothing due (a listing then never needed shipping's and receiving's ~3 ms of imports).

def _step_order(conn: Connection, order, simulation: Simulation, now: datetime) -> None:
    from . import planning, shipping

    at = order.due_at
    if order.status == "Received":
        planning.plan(conn, order, at, simulation, quiet_until=_quiet_until(conn, order, now))
    elif order.status == "Planning" and waiting_for_stock(conn, order):
        planning.plan(conn, order, at, simulation, quiet_until=_quiet_until(conn, order, now))
    elif order.status == "Planning" and simulation.mode == AUTO:
        shipping.pick(conn, order, at, simulation)
    elif order.status == "Processing" and simulation.mode == AUTO:
        shipping.ship(conn, order, at, simulation)
    else:  # finished meanwhile, or a physical step due from auto mode that operators now take
        conn.execute(update(fulfillment_orders).where(_orders.id == order.id).values(due_at=None))


def _quiet_until(conn: Connection, order, now: datetime) -> datetime:
    """Until when nothing changes the order's stock: this tick applies no other step before
    the next one due (of any row), and requests come after `now`."""
    due = _NEXT_OTHER_DUE.execute(conn, {"order_pk": order.id}).one()
    return min([now, *(at for at in due if at is not None)])


def _step_shipment(conn: Connection, shipment, simulation: Simulation, now: datetime) -> None:
    from . import receiving

    # Every inbound step is physical: one due from auto mode is the operators' in manual mode.
    if shipment.status in receiving.RECEIVABLE and simulation.mode == AUTO:
        receiving.advance(conn, shipment, shipment.due_at, simulation)
    else:
        conn.execute(update(inbound_shipments).where(_shipments.id == shipment.id).values(due_at=None))
