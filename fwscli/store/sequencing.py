"""Each merchant's new rows become visible in the order of their ids.

Lists page with keyset cursors on row ids (warehouse/paging.py): a page resumes after the
last id it returned. On PostgreSQL an id is drawn when a row is inserted, but the row is
seen only once its transaction commits, and transactions commit in any order: a row that
commits after a list already went past a higher id is behind that cursor, skipped for good.

`sequence_creates` locks the merchant's row until the transaction ends, so that merchant's
creates draw their ids and commit one after another. Take it first in the transaction,
before any other row lock (one order of locks, no deadlock). FOR NO KEY UPDATE leaves the
foreign-key checks of other writers (FOR KEY SHARE) free. SQLite needs nothing:
BEGIN IMMEDIATE already admits one writer at a time.
"""

from __future__ import annotations

from sqlalchemy import Connection, select

from .schema import merchants


def sequence_creates(conn: Connection, merchant_id: int) -> None:
    if conn.dialect.name == "sqlite":
        return
    conn.execute(select(merchants.c.id).where(merchants.c.id == merchant_id)
                 .with_for_update(key_share=True))
