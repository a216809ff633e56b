"""Write transactions: racing writers in several threads and engines (as in several server
processes) are serialised without losing an update."""

from __future__ import annotations

import threading

from sqlalchemy import insert, select, update

from fwscli.store.database import Database
from fwscli.store.schema import settings


def test_racing_read_modify_writes_lose_nothing(db):
    with db.write() as conn:
        conn.execute(insert(settings).values(name="counter", value="0"))
    engines = [db, Database(db.url, schema=db.schema)]
    start = threading.Barrier(8)

    def bump(database: Database) -> None:
        start.wait()
        for _ in range(25):
            with database.write() as conn:
                # Read, then write: only a transaction that excludes other writers keeps this right.
                value = int(conn.execute(select(settings.c.value).where(settings.c.name == "counter")
                                         .with_for_update()).scalar_one())
                conn.execute(update(settings).where(settings.c.name == "counter").values(value=str(value + 1)))

    threads = [threading.Thread(target=bump, args=(engines[n % 2],)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    engines[1].dispose()
    with db.read() as conn:
        assert conn.execute(select(settings.c.value).where(settings.c.name == "counter")).scalar_one() == "200"
