"""A listing never passes a row still being created, nor loses a change still being written.

Lists page with keyset cursors on row ids (warehouse/paging.py): a page resumes after the
last id it returned. On PostgreSQL an id is drawn when a row is inserted, but the row is
seen only once its transaction commits, and transactions commit in any order: a row that
commits after a list already went past a higher id would be behind that cursor for good.

Pollers ask for what changed since their last answer (ListAllFulfillmentOrders,
ListUpdatedInventorySupply: QueryStartDateTime; ListInboundShipments: CreatedAfter, for new
shipments). A change carries a time that is taken before it commits — the request's, or
the due time of a step a tick applies late — so a listing at 10:00.020 may not see a change stamped 10:00.000 that commits at 10:00.050, and
the next poll, from 10:00.020, passes it by. So each such change also carries a
`visible_at` (docs/lifecycle.md, "Polling for changes"): its own time, or the time of the
latest listing of the merchant if later (`merchants.listed_at`, written by every such
listing). A change is then either seen by a listing or stamped no earlier than it, however
many processes write, whatever their clocks and however late a step is applied. (A lookback
on QueryStartDateTime cannot bound a step applied days late after a clock advance; taking
the status's own time after the lock would change StatusUpdatedDateTime of late steps.)

The merchant's row works as a readers-writer lock, held until each transaction ends:
* a create, and any change of what listings filter by time (an order's status, a balance),
  takes it FOR KEY SHARE (`begin_create`, `begin_change`) before it draws an id or stamps
  `visible_at`; writers share it and never wait for each other;
* a listing takes it FOR UPDATE (`settle_changes`), the one mode that waits for those,
  and raises `listed_at` to its time: every writer in flight has committed or rolled back,
  and one arriving meanwhile waits, then reads the raised `listed_at` into its stamp (by a
  subquery of the writing statement: `stamp`) and draws a higher id. The listing's query
  runs in READ COMMITTED, so its snapshot is taken after the wait.
SQLite's writers are serialised and commit ids in order; there a listing is a write
transaction (`Database.write`), so it waits for the writer in flight, and the next writer
reads its `listed_at`.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Connection, bindparam, func, or_, select, update

from .prepared import Prepared
from .schema import merchants

_MERCHANT_ROW = select(merchants.c.id).where(merchants.c.id == bindparam("merchant_id"))
_CREATING = Prepared(_MERCHANT_ROW.with_for_update(read=True, key_share=True))
_LISTING = Prepared(_MERCHANT_ROW.with_for_update())
_LISTED = Prepared(
    update(merchants)
    .where(merchants.c.id == bindparam("merchant_id"),
           or_(merchants.c.listed_at.is_(None), merchants.c.listed_at < bindparam("now")))
    .values(listed_at=bindparam("now")))
_HELD = "fws_change_lock"  # conn.info: (transaction, merchant id) that took the lock


def _innermost(conn: Connection):
    """The transaction a lock taken now belongs to: a savepoint rolled back releases it."""
    return conn.get_nested_transaction() or conn.get_transaction()


def begin_create(conn: Connection, merchant_id: int) -> None:
    """Call in a transaction that creates listed rows of this merchant, before the insert."""
    if conn.dialect.name != "sqlite":
        _CREATING.execute(conn, {"merchant_id": merchant_id})
        conn.info[_HELD] = (_innermost(conn), merchant_id)


def begin_change(conn: Connection, merchant_id: int) -> None:
    """Call in a transaction before it stamps `visible_at` on a row of this merchant; the
    lock is taken once per transaction (a create's `begin_create` took it already)."""
    if conn.dialect.name != "sqlite" and conn.info.get(_HELD) != (_innermost(conn), merchant_id):
        begin_create(conn, merchant_id)


def settle_changes(conn: Connection, merchant_id: int, now: datetime) -> None:
    """Call in a listing's write transaction before its query: wait for the merchant's
    writers, and make those that follow stamp their changes no earlier than `now`."""
    if conn.dialect.name != "sqlite":
        _LISTING.execute(conn, {"merchant_id": merchant_id})
    _LISTED.execute(conn, {"merchant_id": merchant_id, "now": now})


def settle_creates(conn: Connection, merchant_id: int) -> None:
    """Call in a list's transaction before its query: wait for the merchant's creates (lists
    that filter by no time: items, inbound shipments)."""
    if conn.dialect.name != "sqlite":
        _LISTING.execute(conn, {"merchant_id": merchant_id})


def stamp(at, merchant_id):
    """`visible_at` of a change at `at` (a bind parameter) to a row of `merchant_id` (a
    column or a parameter): the later of `at` and the merchant's `listed_at`, read by the
    writing statement itself (no statement more), after `begin_change`."""
    later = (select(merchants.c.listed_at)
             .where(merchants.c.id == merchant_id, merchants.c.listed_at > at).scalar_subquery())
    return func.coalesce(later, at)  # one lookup of the merchant's row
