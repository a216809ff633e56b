"""The journal: the units of a run that the service has confirmed.

A run is one file's content (its SHA-256) imported as one kind, to one endpoint, as one
profile and access key. A unit is confirmed when the service answered success for it; a
re-run of the same file skips confirmed units without asking the service again, and sends
every other unit — so a run cut short (Ctrl-C, a crash, SIGKILL) is finished by running it
again. Confirmations are committed in small groups: one lost to a crash is only sent again,
and the service's idempotent create makes that harmless.

The journal is one SQLite file, `$XDG_STATE_HOME/fws/journal/journal.sqlite3` (default
`~/.local/state/fws/…`); confirmations older than KEEP_DAYS are dropped when a run starts.
"""

from __future__ import annotations

import hashlib
import os
import sqlite3
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

KEEP_DAYS = 30
COMMIT_EVERY = 200        # confirmations
COMMIT_INTERVAL = 0.5     # seconds
_SCHEMA = """
CREATE TABLE IF NOT EXISTS confirmed (
    run TEXT NOT NULL, key TEXT NOT NULL, request_id TEXT NOT NULL, confirmed_at TEXT NOT NULL,
    PRIMARY KEY (run, key)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS confirmed_by_age ON confirmed (confirmed_at);
"""


def journal_path() -> Path:
    base = os.environ.get("XDG_STATE_HOME") or str(Path.home() / ".local" / "state")
    return Path(base) / "fws" / "journal" / "journal.sqlite3"


def run_key(*parts: str) -> str:
    """The name of a run: a hash of what makes it the same run (kind, endpoint, profile,
    access key, the file's content hash)."""
    return hashlib.sha256("\0".join(parts).encode("utf-8")).hexdigest()


class Journal:
    def __init__(self, run: str, path: Path | None = None):
        self.run = run
        path = path or journal_path()
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        self._db = sqlite3.connect(str(path), isolation_level=None, timeout=30)
        self._db.execute("PRAGMA journal_mode = WAL")
        # A commit is safe from a killed process as soon as it is in the WAL; only an OS
        # crash could lose the last ones, which are then sent again, harmlessly.
        self._db.execute("PRAGMA synchronous = NORMAL")
        self._db.executescript(_SCHEMA)
        cutoff = _stamp(datetime.now(timezone.utc) - timedelta(days=KEEP_DAYS))
        self._db.execute("DELETE FROM confirmed WHERE confirmed_at < ?", (cutoff,))
        self._pending: list[tuple[str, str, str, str]] = []
        self._committed_at = time.monotonic()

    def confirmed(self, key: str) -> str | None:
        """The RequestId the unit was confirmed with, if this run's file has been sent before."""
        row = self._db.execute("SELECT request_id FROM confirmed WHERE run = ? AND key = ?",
                               (self.run, key)).fetchone()
        return row[0] if row else None

    def confirm(self, keys: list[str], request_id: str) -> None:
        now = _stamp(datetime.now(timezone.utc))
        self._pending += [(self.run, key, request_id, now) for key in keys]
        if (len(self._pending) >= COMMIT_EVERY
                or time.monotonic() - self._committed_at >= COMMIT_INTERVAL):
            self.commit()

    def commit(self) -> None:
        if self._pending:
            with self._db:
                self._db.execute("BEGIN")
                self._db.executemany("INSERT OR REPLACE INTO confirmed VALUES (?, ?, ?, ?)",
                                     self._pending)
            self._pending = []
        self._committed_at = time.monotonic()

    def close(self) -> None:
        self.commit()
        self._db.close()


def _stamp(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%S.%fZ")
