"""Group commit (store/group_commit.py): writes queued by a process's threads while one of
them waits for the writers' lock commit together, and each write still succeeds or fails
exactly as it would have alone."""

from __future__ import annotations

import threading
from contextlib import contextmanager

import pytest
from sqlalchemy import insert, select
from sqlalchemy.exc import IntegrityError

from fwscli.store.group_commit import CommitGroups
from fwscli.store.migrations import TOKEN_SECRET
from fwscli.store.schema import settings


def _names(db) -> list[str]:
    """The settings these tests wrote (not the schema's own token secret)."""
    with db.read() as conn:
        return sorted(conn.execute(select(settings.c.name).where(settings.c.name != TOKEN_SECRET)).scalars())


def _insert(name: str):
    def work(conn):
        conn.execute(insert(settings).values(name=name, value="v"))
        return name.upper()
    return work


def test_a_lone_write_commits_and_returns_its_result(db):
    assert db.write_grouped(_insert("a")) == "A"
    assert _names(db) == ["a"]


def test_a_lone_failing_write_raises_its_error_and_leaves_nothing(db):
    def fails(conn):
        conn.execute(insert(settings).values(name="half", value="v"))
        raise ValueError("no")

    with pytest.raises(ValueError, match="no"):
        db.write_grouped(fails)
    assert _names(db) == []


class _HeldTransactions:
    """`db.write` whose first transaction waits at the gate once it holds the lock, so
    that the writes of other threads queue behind it; records each transaction's writes."""

    def __init__(self, db):
        self.db = db
        self.gate = threading.Event()
        self.entered = threading.Event()
        self.transactions = 0

    @contextmanager
    def transaction(self):
        with self.db.write() as conn:
            self.transactions += 1
            if self.transactions == 1:
                self.entered.set()
                assert self.gate.wait(10)
            yield conn


def _in_threads(groups: CommitGroups, held: _HeldTransactions, works: dict) -> dict:
    """Run the first work, which leads and is held in its transaction before it takes the
    queue; queue the others meanwhile; then let it go on."""
    outcomes: dict = {}

    def run(name, work):
        try:
            outcomes[name] = groups.run(work)
        except Exception as error:  # noqa: BLE001 - the outcome under test
            outcomes[name] = error

    (first_name, first), *others = works.items()
    threads = [threading.Thread(target=run, args=(first_name, first))]
    threads[0].start()
    assert held.entered.wait(10)
    for name, work in others:
        threads.append(threading.Thread(target=run, args=(name, work)))
        threads[-1].start()
    # Let the others queue behind the leader's own write, held until every one of them waits.
    while len(groups._queued) < 1 + len(others):
        threading.Event().wait(0.001)
    held.gate.set()
    for thread in threads:
        thread.join(10)
    return outcomes


def test_writes_queued_while_the_leader_waits_commit_in_one_transaction(db):
    held = _HeldTransactions(db)
    groups = CommitGroups(held.transaction)
    outcomes = _in_threads(groups, held, {"lead": _insert("lead"), **{f"w{n}": _insert(f"w{n}") for n in range(5)}})
    assert outcomes == {"lead": "LEAD", **{f"w{n}": f"W{n}" for n in range(5)}}
    assert _names(db) == ["lead", "w0", "w1", "w2", "w3", "w4"]
    # The leader took the queue once it held the lock: its own write and the five behind it.
    assert held.transactions == 1


def test_a_failing_write_fails_alone_and_the_rest_of_its_group_commits(db):
    with db.write() as conn:
        conn.execute(insert(settings).values(name="taken", value="v"))
    held = _HeldTransactions(db)
    groups = CommitGroups(held.transaction)
    outcomes = _in_threads(groups, held, {
        "lead": _insert("lead"), "before": _insert("before"), "repeat": _insert("taken"),
        "after": _insert("after"),
    })
    assert isinstance(outcomes["repeat"], IntegrityError)
    assert {name: outcomes[name] for name in ("lead", "before", "after")} == {
        "lead": "LEAD", "before": "BEFORE", "after": "AFTER"}
    assert _names(db) == ["after", "before", "lead", "taken"]
    assert held.transactions == 1 + 4  # the failed group, then each of its writes alone


def test_many_threads_writing_at_once_lose_nothing(db):
    names = [f"t{thread}-{n}" for thread in range(8) for n in range(40)]
    start = threading.Barrier(8)

    def writer(thread: int) -> None:
        start.wait()
        for n in range(40):
            assert db.write_grouped(_insert(f"t{thread}-{n}")) == f"T{thread}-{n}"

    threads = [threading.Thread(target=writer, args=(thread,)) for thread in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert _names(db) == sorted(names)


def test_a_grouped_write_that_starts_another_fails_instead_of_waiting_forever(db):
    groups = CommitGroups(db.write)

    def nested(conn):
        return groups.run(_insert("inner"))

    with pytest.raises(RuntimeError, match="cannot start another grouped write"):
        groups.run(nested)
    assert _names(db) == []
    assert groups.run(_insert("after")) == "AFTER"  # the groups still work


def test_a_transaction_that_cannot_begin_fails_its_leader_and_runs_nothing_later(db):
    attempts = []

    @contextmanager
    def locked_then_free():
        attempts.append(1)
        if len(attempts) == 1:
            raise OSError("the writers' lock is unavailable")
        with db.write() as conn:
            yield conn

    groups = CommitGroups(locked_then_free)
    with pytest.raises(OSError, match="unavailable"):
        groups.run(_insert("refused"))
    assert groups.run(_insert("next")) == "NEXT"
    assert _names(db) == ["next"]  # the refused write was not left queued for a later group
