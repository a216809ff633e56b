"""Has anything committed since? — answered without a query, on a SQLite file.

`PRAGMA data_version` of a connection changes whenever another connection, of this
process or any other, commits a change to the file (SQLite reads it from the WAL index in
shared memory: ~4 µs here). A connection of our own that never writes therefore sees
every commit. So a value derived from the database can be kept for as long as that number
stays the same, provided the number was read *before* the database.

The numbers of two connections cannot be compared, and a connection shared by threads
would need a lock they then queue on: each thread has its own connection and keeps its own
values. PostgreSQL has no such number; there the value is computed each time.
"""

from __future__ import annotations

import os
import sqlite3
import threading
from typing import Any, Callable, Hashable, TypeVar

T = TypeVar("T")


class _ThreadState:
    __slots__ = ("pid", "conn", "kept")

    def __init__(self, conn: sqlite3.Connection):
        self.pid = os.getpid()
        self.conn = conn
        self.kept: dict[Hashable, tuple[int, Any]] = {}  # key -> (data version, value)


class ChangeCounter:
    """Values kept per thread until the next commit to one SQLite file."""

    def __init__(self, path: str, *, busy_timeout: float):
        self._path = path
        # Waits for a lock as long as the service's connections do: a WAL recovery holds one
        # while it rebuilds the index the number is read from.
        self._busy_timeout = busy_timeout
        self._local = threading.local()
        self._opened: list[sqlite3.Connection] = []

    def unless_changed(self, key: Hashable, compute: Callable[[], T]) -> T:
        """`compute()`, or what it returned last time in this thread if nothing committed since."""
        state = self._state()
        version = state.conn.execute("PRAGMA data_version").fetchone()[0]  # before compute()
        kept = state.kept.get(key)
        if kept is not None and kept[0] == version:
            return kept[1]
        value = compute()
        state.kept[key] = (version, value)
        return value

    def _state(self) -> _ThreadState:
        state = getattr(self._local, "state", None)
        if state is None or state.pid != os.getpid():  # a forked child opens its own
            conn = sqlite3.connect(self._path, timeout=self._busy_timeout, isolation_level=None,
                                   check_same_thread=False)
            state = self._local.state = _ThreadState(conn)
            self._opened.append(conn)
        return state

    def close(self) -> None:
        while self._opened:
            self._opened.pop().close()
        self._local = threading.local()
