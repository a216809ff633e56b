"""SQLite's WAL checkpoints, taken off the writers' path in server processes.

In WAL mode a commit appends the pages it changed to the `-wal` file; by default the commit
that takes the WAL past 1,000 pages then copies them all back into the database file and
syncs both, still inside the writers' lock. An order create changes ~13 pages, so every
~76th create held all writers up for the ~20–25 ms that copy takes here (ckpt: 3,000 pages
in 58–85 ms): ~300 µs per create, as long as a create's own write.

A server process instead checkpoints from a thread of its own, PASSIVE (it waits for no
reader or writer, and none waits for it), every `interval`. Its connections still check
point by themselves past `BACKSTOP_PAGES` (~40 MB), which happens only if the thread falls
that far behind. Short-lived processes (the embedded service of each `fws` command) keep
SQLite's default: the last connection to close checkpoints anyway.
"""

from __future__ import annotations

from ..periodic import Periodic
from .database import Database

BACKSTOP_PAGES = 10_000
DEFAULT_INTERVAL = 0.2  # seconds


class Checkpointer(Periodic):
    """The thread that checkpoints one SQLite database (start it after any fork)."""

    def __init__(self, db: Database, interval: float = DEFAULT_INTERVAL):
        if not db.background_checkpoints:
            raise ValueError("open the database with background_checkpoints=True: its connections "
                             "would otherwise checkpoint inside the writers' lock as well")
        super().__init__(self.checkpoint, interval, name="fws-wal-checkpoints")
        self.db = db

    def checkpoint(self) -> tuple[int, int, int]:
        """One PASSIVE checkpoint: (1 if it could not run, WAL pages, pages copied back)."""
        # On a driver connection outside any transaction (a checkpoint cannot run in one);
        # the driver is in autocommit mode (store/database.py).
        pooled = self.db.engine.raw_connection()
        try:
            return tuple(pooled.driver_connection.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchone())
        finally:
            pooled.close()
