"""A list page never passes a row that is still being created.

Lists page with keyset cursors on row ids (warehouse/paging.py): a page resumes after the
last id it returned. On PostgreSQL an id is drawn when a row is inserted, but the row is
seen only once its transaction commits, and transactions commit in any order: a row that
commits after a list already went past a higher id would be behind that cursor for good.

Every row a merchant creates references the merchant's row, and inserting it takes that
row FOR KEY SHARE (the foreign-key check) until the inserting transaction ends. So a list
first takes the merchant's row FOR UPDATE, the one lock mode that waits for those: when it
has it, every row of the merchant with a drawn id has committed or rolled back, and any id
drawn later is higher than all it can see. Creates pay nothing; a list waits at most for
the merchant's writes in flight. SQLite needs nothing: its one writer at a time commits
ids in order.
"""

from __future__ import annotations

from sqlalchemy import Connection, bindparam, select

from .schema import merchants

_MERCHANT_ROW = (select(merchants.c.id).where(merchants.c.id == bindparam("merchant_id"))
                 .with_for_update())


def settle_creates(conn: Connection, merchant_id: int) -> None:
    """Wait until no transaction is creating rows of this merchant; call it before a list's
    query, in the list's transaction."""
    if conn.dialect.name != "sqlite":
        conn.execute(_MERCHANT_ROW, {"merchant_id": merchant_id})
