"""Server processes checkpoint SQLite's WAL from a thread, never inside a writer's commit."""

from __future__ import annotations

import os
import time

import pytest
from sqlalchemy import insert

from fwscli.store.checkpoints import Checkpointer
from fwscli.store.migrations import open_database
from fwscli.store.schema import settings

PAGE = 4096


def _write_pages(db, pages: int) -> None:
    """About `pages` pages of new rows, one transaction each, as requests write them."""
    for n in range(pages):
        with db.write() as conn:
            conn.execute(insert(settings).values(name=f"row-{n}", value="x" * 3000))


def _sizes(path) -> tuple[int, int]:
    return os.path.getsize(path), os.path.getsize(f"{path}-wal")


def test_writers_leave_the_checkpoint_to_the_thread(tmp_path):
    path = tmp_path / "fws.db"
    db = open_database(f"sqlite:///{path}", background_checkpoints=True)
    database_before, _ = _sizes(path)
    _write_pages(db, 1500)  # past SQLite's own 1,000-page checkpoint
    database_after, wal = _sizes(path)
    assert wal > 1400 * PAGE and database_after == database_before  # no writer copied back

    checkpointer = Checkpointer(db, interval=0.05)
    checkpointer.start()
    try:
        deadline = time.monotonic() + 30
        while _sizes(path)[0] < database_before + 1400 * PAGE:  # the thread copies them back
            assert time.monotonic() < deadline, "the checkpoint thread did not checkpoint"
            time.sleep(0.05)
    finally:
        checkpointer.stop(5)
    db.dispose()


def test_without_the_thread_writers_checkpoint_as_sqlite_does(tmp_path):
    path = tmp_path / "fws.db"
    db = open_database(f"sqlite:///{path}")
    database_before, _ = _sizes(path)
    _write_pages(db, 1500)
    assert _sizes(path)[0] > database_before + 500 * PAGE
    with pytest.raises(ValueError, match="background_checkpoints=True"):
        Checkpointer(db)
    db.dispose()
