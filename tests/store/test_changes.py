"""Values kept until the next commit (store/changes.py): recomputed after any commit, by
this Database or another process's, and kept per thread."""

from __future__ import annotations

import threading

from sqlalchemy import insert

from fwscli.store.database import Database
from fwscli.store.schema import settings


def test_a_value_is_kept_until_something_commits(db):
    calls = []

    def compute():
        calls.append(1)
        return len(calls)

    if not db.is_sqlite:  # PostgreSQL cannot tell: it computes every time
        assert [db.unless_changed("k", compute) for _ in range(2)] == [1, 2]
        return
    assert [db.unless_changed("k", compute) for _ in range(2)] == [1, 1]
    with db.write() as conn:
        conn.execute(insert(settings).values(name="a", value="1"))
    assert db.unless_changed("k", compute) == 2
    other = Database(db.url, schema=db.schema)  # another server process on the same file
    with other.write() as conn:
        conn.execute(insert(settings).values(name="b", value="1"))
    other.dispose()
    assert [db.unless_changed("k", compute) for _ in range(2)] == [3, 3]


def test_each_thread_keeps_its_own(db):
    computed_in = []

    def compute():
        computed_in.append(threading.current_thread().name)
        return threading.current_thread().name

    assert db.unless_changed("k", compute) == "MainThread"
    seen = []
    thread = threading.Thread(target=lambda: seen.append(db.unless_changed("k", compute)), name="other")
    thread.start()
    thread.join()
    assert seen == ["other"]
    assert db.unless_changed("k", compute) == "MainThread"
    assert computed_in == ["MainThread", "other"] + ([] if db.is_sqlite else ["MainThread"])
