"""A list page never passes a row that is still being created.

Lists page with keyset cursors on row ids (warehouse/paging.py): a page resumes after the
last id it returned. On PostgreSQL an id is drawn when a row is inserted, but the row is
seen only once its transaction commits, and transactions commit in any order: a row that
commits after a list already went past a higher id would be behind that cursor for good.

So the merchant's row works as a readers-writer lock, held until each transaction ends:
* a create takes it FOR KEY SHARE (`begin_create`) before it draws any id; creates share it
  and never wait for each other;
* a list takes it FOR UPDATE (`settle_creates`), the one mode that waits for those, before
  its query: every id drawn by then has committed or rolled back, and a create arriving
  meanwhile waits and draws a higher id. The list's query runs in READ COMMITTED, so its
  snapshot is taken after the wait.
SQLite needs neither: its one writer at a time commits ids in order.
"""

from __future__ import annotations

from sqlalchemy import Connection, bindparam, select

from .prepared import Prepared
from .schema import merchants

_MERCHANT_ROW = select(merchants.c.id).where(merchants.c.id == bindparam("merchant_id"))
_CREATING = Prepared(_MERCHANT_ROW.with_for_update(read=True, key_share=True))
_LISTING = Prepared(_MERCHANT_ROW.with_for_update())


def begin_create(conn: Connection, merchant_id: int) -> None:
    """Call in a transaction that creates listed rows of this merchant, before the insert."""
    if conn.dialect.name != "sqlite":
        _CREATING.execute(conn, {"merchant_id": merchant_id})


def settle_creates(conn: Connection, merchant_id: int) -> None:
    """Call in a list's transaction before its query: wait for the merchant's creates."""
    if conn.dialect.name != "sqlite":
        _LISTING.execute(conn, {"merchant_id": merchant_id})
