"""Has anything committed since? — answered without a query, on a SQLite file.

`PRAGMA data_version` of a connection changes whenever another connection, of this
process or any other, commits a change to the file (SQLite reads it from the WAL index in
shared memory: ~4 µs here). A connection of our own that never writes therefore sees
every commit. A reader that derived something from the database may keep it for as long
as the number stays the same, provided it read the number *before* the database.

PostgreSQL has no such number: `version()` is None there, and callers query as before.
"""

from __future__ import annotations

import os
import sqlite3
import threading


class ChangeCounter:
    """The data version of one SQLite file, through a connection of its own per process."""

    def __init__(self, path: str):
        self._path = path
        self._lock = threading.Lock()  # one connection, shared by the process's threads
        self._conn: sqlite3.Connection | None = None
        self._pid = 0

    def version(self) -> int:
        with self._lock:
            if self._conn is None or self._pid != os.getpid():  # none survives a fork
                self._conn = sqlite3.connect(self._path, isolation_level=None, check_same_thread=False)
                self._pid = os.getpid()
            return self._conn.execute("PRAGMA data_version").fetchone()[0]

    def close(self) -> None:
        with self._lock:
            if self._conn is not None and self._pid == os.getpid():
                self._conn.close()
            self._conn = None
