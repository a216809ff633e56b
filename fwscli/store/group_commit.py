"""Group commit: the short write transactions of a process's threads, run as one.

On a SQLite file one writer at a time holds the lock (database.py), and what a small write
costs is mostly its transaction: BEGIN IMMEDIATE, the COMMIT that appends every page it
touched to the WAL (the same index and table pages again for each order), and the handover
of the lock between threads and processes. A server worker's threads therefore queue their
writes here instead: the first to arrive leads; once it holds the writers' lock it takes
every write queued by then — the ones that queued while it waited — and runs them in one
transaction. The others wait for the commit and return its results. When a write of a group
fails (a repeated order id, say: rare), the group's transaction is rolled back and each of
its writes is run again on its own, by its own thread, so that every write succeeds or fails
exactly as it would have alone. (A SAVEPOINT around each write would undo one write alone,
but it costs two more statements per write in the lock, each of them a release of the GIL
that the lock holder then waits to take back while sibling threads run.)

A write on its own (no queue) runs exactly as `Database.write()` would: the grouping costs
a lone writer one lock and one condition variable, nothing more. A write must not wait for
another request of the same process inside its transaction (it would wait for itself).
"""

from __future__ import annotations

import threading
from typing import Any, Callable, ContextManager, TypeVar

from sqlalchemy import Connection

T = TypeVar("T")
Work = Callable[[Connection], Any]


class _Write:
    __slots__ = ("work", "result", "error", "done", "alone")

    def __init__(self, work: Work):
        self.work = work
        self.result: Any = None
        self.error: BaseException | None = None
        self.done = False
        self.alone = False  # its group failed: run it again in a transaction of its own


class _GroupFailed(Exception):
    """A write of a group raised: the group's transaction must not commit."""


class CommitGroups:
    """Leader/follower group commit over `transaction()`, a context manager that opens the
    writers' transaction (it holds the lock) and yields its connection."""

    def __init__(self, transaction: Callable[[], ContextManager[Connection]]):
        self._transaction = transaction
        self._changed = threading.Condition(threading.Lock())
        self._queued: list[_Write] = []
        self._leader: int | None = None  # the leading thread's ident, while one leads

    def run(self, work: Callable[[Connection], T]) -> T:
        """Run `work(conn)` in a write transaction, grouped with other threads' writes."""
        write = _Write(work)
        with self._changed:
            if self._leader == threading.get_ident():  # it would wait for itself forever
                raise RuntimeError("a grouped write cannot start another grouped write")
            self._queued.append(write)
            while not write.done and self._leader is not None:
                self._changed.wait()
            lead = not write.done
            if lead:
                self._leader = threading.get_ident()
        if lead:
            self._lead(write)
        if write.alone:
            with self._transaction() as conn:
                return work(conn)
        if write.error is not None:
            raise write.error
        return write.result

    def _lead(self, own: _Write) -> None:
        group: list[_Write] = []
        try:
            with self._transaction() as conn:
                # Taken once the lock is held: everything queued while the leader waited.
                with self._changed:
                    group, self._queued = self._queued, []
                _run_group(conn, group)
        except _GroupFailed:
            for write in group:
                write.alone = True
        except BaseException as error:  # the transaction failed: no write of it happened
            if not group:  # it never began: the leader's own write fails, the queue waits
                with self._changed:
                    self._queued.remove(own)
                group = [own]
            for write in group:
                if write.error is None:
                    write.error = error
        finally:
            with self._changed:
                for write in group:
                    write.done = True
                self._leader = None
                self._changed.notify_all()


def _run_group(conn: Connection, group: list[_Write]) -> None:
    if len(group) == 1:  # alone: its error rolls the transaction back, as in write()
        write = group[0]
        write.result = write.work(conn)
        return
    for write in group:
        try:
            write.result = write.work(conn)
        except Exception as error:
            raise _GroupFailed() from error
