"""An on-disk index of the rows being imported, so memory stays flat in the file's size.

Rows of one unit need not be next to each other in a file, so grouping them, noticing a
repeated line id or a row that contradicts an earlier row of its unit, and later sending
each unit whole, all need every row seen so far. A temporary SQLite file holds them, with a
small page cache: the process keeps only what one row needs.

  units  key, the line it first appears on, a fingerprint and the values of its own members
         (every row of a unit must repeat them exactly), how many lines it has, whether any
         of its rows is invalid and whether its first one is, whether it came whole (a JSON line)
  lines  the values of each line of a unit, by (key, file line, position in the record),
         unique by (key, line id), and whether the line itself is invalid
  sku_units  the units of each SKU a unit's lines have asked for so far, by (key, SKU)
"""

from __future__ import annotations

import hashlib
import json
import os
import sqlite3
import tempfile
from dataclasses import dataclass
from typing import Iterator, Mapping

from .kinds import StagedUnit
from .layout import Value

CACHE_KIB = 4096
_SCHEMA = """
CREATE TABLE units (
    key TEXT PRIMARY KEY, first_line INTEGER NOT NULL, fingerprint BLOB NOT NULL,
    own TEXT NOT NULL, lines INTEGER NOT NULL DEFAULT 0, bad INTEGER NOT NULL,
    first_bad INTEGER NOT NULL, whole INTEGER NOT NULL
);
CREATE INDEX units_in_file_order ON units (first_line);
CREATE TABLE lines (
    key TEXT NOT NULL, line INTEGER NOT NULL, position INTEGER NOT NULL, line_id TEXT,
    payload TEXT, bad INTEGER NOT NULL, PRIMARY KEY (key, line, position)
) WITHOUT ROWID;
CREATE UNIQUE INDEX line_ids ON lines (key, line_id);
CREATE TABLE sku_units (
    key TEXT NOT NULL, sku TEXT NOT NULL, units INTEGER NOT NULL, PRIMARY KEY (key, sku)
) WITHOUT ROWID;
"""


@dataclass(frozen=True)
class Seen:
    """What the index holds of a unit when another row of it arrives."""

    first_line: int
    fingerprint: bytes
    own_text: str
    lines: int
    whole: bool

    @property
    def own(self) -> dict[str, Value]:
        return json.loads(self.own_text)


def dumps(values: Mapping[str, Value]) -> str:
    """Values as canonical text: equal values, equal text."""
    return json.dumps(values, sort_keys=True, ensure_ascii=False, separators=(",", ":"))


def fingerprint(text: str) -> bytes:
    return hashlib.blake2b(text.encode("utf-8"), digest_size=16).digest()


class Staging:
    """The index, in a file of its own under `directory` (default: the system's temp dir),
    removed on close."""

    def __init__(self, directory: str | None = None):
        handle, self.path = tempfile.mkstemp(prefix="fws-import-", suffix=".sqlite3", dir=directory)
        os.close(handle)
        self._db = sqlite3.connect(self.path, isolation_level=None)
        # A scratch file: no rollback journal or fsync; nothing survives the process anyway.
        for pragma in ("journal_mode = OFF", "synchronous = OFF", "temp_store = FILE",
                       f"cache_size = -{CACHE_KIB}"):
            self._db.execute(f"PRAGMA {pragma}")
        self._db.executescript(_SCHEMA)
        self._db.execute("BEGIN")

    def seen(self, key: str) -> Seen | None:
        row = self._db.execute("SELECT first_line, fingerprint, own, lines, whole FROM units "
                               "WHERE key = ?", (key,)).fetchone()
        if row is None:
            return None
        return Seen(row[0], row[1], row[2], row[3], bool(row[4]))

    def add_unit(self, key: str, line: int, own_text: str, own_print: bytes, *, whole: bool,
                 bad: bool) -> None:
        """A new unit: its own members' values as `dumps` text, and their fingerprint."""
        self._db.execute("INSERT INTO units (key, first_line, fingerprint, own, bad, first_bad, whole) "
                         "VALUES (?, ?, ?, ?, ?, ?, ?)", (key, line, own_print, own_text, bad, bad, whole))

    def add_line(self, key: str, line: int, position: int, line_id: str | None,
                 values: Mapping[str, Value] | None, *, bad: bool) -> int | None:
        """Add a line (values None: keep only where it is); if another line of the unit has
        the same id, nothing is added and that line's number is returned."""
        payload = None if values is None else dumps(values)
        try:
            self._db.execute("INSERT INTO lines (key, line, position, line_id, payload, bad) "
                             "VALUES (?, ?, ?, ?, ?, ?)",
                             (key, line, position, line_id, payload, bad))
        except sqlite3.IntegrityError:
            row = self._db.execute("SELECT line FROM lines WHERE key = ? AND line_id = ?",
                                   (key, line_id)).fetchone()
            return row[0]
        self._db.execute("UPDATE units SET lines = lines + 1 WHERE key = ?", (key,))
        return None

    def add_units(self, key: str, sku: str, units: int) -> int:
        """Add a line's units to the unit's total of its SKU; the new total."""
        self._db.execute("INSERT INTO sku_units (key, sku, units) VALUES (?, ?, ?) "
                         "ON CONFLICT (key, sku) DO UPDATE SET units = units + excluded.units",
                         (key, sku, units))
        return self._db.execute("SELECT units FROM sku_units WHERE key = ? AND sku = ?",
                                (key, sku)).fetchone()[0]

    def mark_bad(self, key: str, line: int) -> None:
        """The unit cannot be sent: its row on `line` is invalid."""
        self._db.execute("UPDATE units SET bad = 1 WHERE key = ?", (key,))
        self._db.execute("UPDATE lines SET bad = 1 WHERE key = ? AND line = ?", (key, line))

    def counts(self) -> tuple[int, int]:
        """How many units are valid, and how many are not."""
        good, bad = self._db.execute("SELECT COUNT(*) - COALESCE(SUM(bad), 0), "
                                     "COALESCE(SUM(bad), 0) FROM units").fetchone()
        return good, bad

    def units(self, after: int = 0) -> Iterator[StagedUnit]:
        """The valid units, in the order they first appear in the file; with `after`, those
        that first appear after that line."""
        query = self._db.execute(
            "SELECT u.key, u.first_line, u.own, l.line, l.payload FROM units u "
            "LEFT JOIN lines l ON l.key = u.key WHERE u.bad = 0 AND u.first_line > ? "
            "ORDER BY u.first_line, l.line, l.position", (after,))
        current: StagedUnit | None = None
        for key, first_line, own, line, payload in query:
            if current is None or current.key != key:
                if current is not None:
                    yield current
                # A unit without lines (an item) is on its first line alone.
                current = StagedUnit(key, json.loads(own), [], [first_line] if line is None else [])
            if line is not None:
                current.lines.append(json.loads(payload))
                if not current.rows or current.rows[-1] != line:
                    current.rows.append(line)
        if current is not None:
            yield current

    def valid_rows(self) -> Iterator[tuple[str, int]]:
        """(key, line) of the rows of the valid units, in file order."""
        yield from self._db.execute(
            "SELECT DISTINCT l.key, l.line FROM lines l JOIN units u ON u.key = l.key WHERE u.bad = 0 "
            "UNION SELECT u.key, u.first_line FROM units u WHERE u.bad = 0 "
            "AND NOT EXISTS (SELECT 1 FROM lines l WHERE l.key = u.key) ORDER BY 2")

    def bystanders(self) -> Iterator[tuple[str, int]]:
        """(key, line) of the valid rows of invalid units: not sent because of another row.
        A unit without lines (an item) has its one row in `units`: valid if its first was."""
        yield from self._db.execute(
            "SELECT DISTINCT l.key, l.line FROM lines l JOIN units u ON u.key = l.key "
            "WHERE u.bad = 1 AND l.bad = 0 "
            "UNION SELECT u.key, u.first_line FROM units u WHERE u.bad = 1 AND u.first_bad = 0 "
            "AND NOT EXISTS (SELECT 1 FROM lines l WHERE l.key = u.key) ORDER BY 2")

    def close(self) -> None:
        self._db.close()
        os.unlink(self.path)
