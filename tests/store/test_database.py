"""Write transactions: racing writers in several threads and engines (as in several server
processes) are serialised without losing an update."""

from __future__ import annotations

import os
import sqlite3
import stat
import threading
import time

import pytest
from sqlalchemy import insert, select, update

from fwscli.store.database import Database
from fwscli.store.migrations import create_schema
from fwscli.store.prepared import Prepared
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


def _value(conn) -> str:
    return conn.execute(select(settings.c.value).where(settings.c.name == "seen")).scalar_one()


def test_a_snapshot_does_not_see_what_commits_during_it_and_read_does(db):
    with db.write() as conn:
        conn.execute(insert(settings).values(name="seen", value="before"))

    def change(value: str) -> None:
        with db.write() as conn:
            conn.execute(update(settings).where(settings.c.name == "seen").values(value=value))

    with db.snapshot() as conn:
        assert _value(conn) == "before"
        change("during the snapshot")
        assert _value(conn) == "before"
    with db.read() as conn:
        assert _value(conn) == "during the snapshot"
        if not db.is_sqlite:  # PostgreSQL's READ COMMITTED: each statement sees the latest
            change("during the read")
            assert _value(conn) == "during the read"


def test_a_failed_transaction_leaves_its_connection_fit_for_the_next(db):
    """Connections outlive transactions (SQLite keeps them open): one that failed midway
    must hand the next transaction neither its writes nor an open transaction."""
    for attempt in range(3):
        try:
            with db.write() as conn:
                conn.execute(insert(settings).values(name=f"half-{attempt}", value="x"))
                raise RuntimeError("fails after a write")
        except RuntimeError:
            pass
    with db.write() as conn:
        conn.execute(insert(settings).values(name="whole", value="x"))
    with db.read() as conn:
        assert _written(conn) == ["whole"]
    db.dispose()
    with db.read() as conn:  # usable again after dispose: connections are opened anew
        assert _written(conn) == ["whole"]


def _written(conn) -> list[str]:
    names = select(settings.c.name).where(settings.c.value == "x").order_by(settings.c.name)
    return conn.execute(names).scalars().all()


_INSERT_SETTING = Prepared(insert(settings))


def test_writes_straight_to_the_driver_commit_and_roll_back_like_core_ones(db):
    """Prepared statements run on the driver inside the transaction that Database began;
    a Core statement after them joins it; both are undone together or kept together."""
    try:
        with db.write() as conn:
            _INSERT_SETTING.execute(conn, {"name": "prepared-undone", "value": "x"})
            conn.execute(insert(settings).values(name="core-undone", value="x"))
            raise RuntimeError("fails after both")
    except RuntimeError:
        pass
    with db.write() as conn:
        _INSERT_SETTING.execute(conn, {"name": "prepared-kept", "value": "x"})
    with db.write() as conn:
        _INSERT_SETTING.execute(conn, {"name": "mixed-kept", "value": "x"})
        conn.execute(insert(settings).values(name="core-kept", value="x"))
    with db.read() as conn:
        assert sorted(_written(conn)) == ["core-kept", "mixed-kept", "prepared-kept"]


def test_a_new_file_locked_by_another_process_is_waited_for_not_refused(tmp_path):
    # A process made a new file WAL (or read it) while another connected: the other's
    # "PRAGMA journal_mode=WAL" failed "database is locked" at once, SQLite's busy handler
    # not waiting for that lock (two servers first started together on a new database).
    path = tmp_path / "new.db"
    other = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    other.execute("CREATE TABLE t (x)")  # a rollback-journal file, as a new one is
    other.execute("BEGIN IMMEDIATE")  # writing: its lock held until the COMMIT below
    other.execute("INSERT INTO t VALUES (1)")
    commit = threading.Timer(0.3, other.execute, ["COMMIT"])
    commit.start()
    db = Database(str(path))
    try:
        with db.read() as conn:
            assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
            assert conn.exec_driver_sql("SELECT x FROM t").scalar() == 1  # after the COMMIT
    finally:
        commit.join()
        db.dispose()
        other.close()


def test_a_pooled_connection_its_server_ended_is_replaced_before_use(db):
    """A PostgreSQL restart ends every connection of the pool: the next transaction of each
    kind must get a live one, not fail (pg_terminate_backend ends one as a restart does)."""
    if db.is_sqlite:
        pytest.skip("SQLite has no server to end a connection")
    import psycopg

    kinds = (db.read, db.read_autocommit, db.snapshot, db.write)
    for begin in kinds:
        # Each kind's connection is the one the last returned to the pool: end it first.
        with db.read() as conn:
            backend = conn.exec_driver_sql("SELECT pg_backend_pid()").scalar_one()
        with psycopg.connect(db.url.replace("+psycopg", ""), autocommit=True) as admin:
            admin.execute("SELECT pg_terminate_backend(%s)", (backend,))
            deadline = time.monotonic() + 10
            while admin.execute("SELECT 1 FROM pg_stat_activity WHERE pid = %s", (backend,)).fetchone():
                assert time.monotonic() < deadline, "the backend did not end"
                time.sleep(0.01)
        with begin() as conn:
            assert conn.exec_driver_sql("SELECT pg_backend_pid()").scalar_one() != backend


def test_an_autocommit_read_sees_each_commit_and_holds_no_transaction_open(db):
    with db.write() as conn:
        conn.execute(insert(settings).values(name="seen", value="before"))
    with db.read_autocommit() as conn:
        assert _value(conn) == "before"
        with db.write() as other:
            other.execute(update(settings).where(settings.c.name == "seen").values(value="after"))
        if not db.is_sqlite:  # SQLite's is read(): one snapshot, no round trip to save
            assert _value(conn) == "after"
            # No BEGIN was sent: nothing (no lock, no snapshot) outlives a statement.
            assert conn.connection.driver_connection.info.transaction_status.name == "IDLE"


def test_a_new_file_is_its_owners_alone(tmp_path):
    # It holds every merchant's secret key and the paging tokens' secret: it was made
    # readable by everyone (0644 under the usual umask), where the credentials file is 0600.
    # SQLite gives its -wal and -shm files the database's mode.
    path = tmp_path / "new" / "fws.db"
    db = Database(str(path))
    try:
        create_schema(db)
        with db.write() as conn:
            conn.execute(insert(settings).values(name="probe", value="x"))
        for made in (path, path.with_name("fws.db-wal"), path.with_name("fws.db-shm")):
            assert stat.S_IMODE(os.stat(made).st_mode) == 0o600, made
    finally:
        db.dispose()
    path.chmod(0o640)  # an operator's own choice for a file that exists is kept
    Database(str(path)).dispose()
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o640


def _socket_options(db: Database) -> tuple[int, int, int, int, int]:
    """SO_KEEPALIVE, TCP_KEEPIDLE, TCP_KEEPINTVL, TCP_KEEPCNT, TCP_USER_TIMEOUT of a pooled
    PostgreSQL connection's socket."""
    import socket

    with db.read() as conn:
        sock = socket.socket(fileno=os.dup(conn.connection.driver_connection.fileno()))
    with sock:
        return (sock.getsockopt(socket.SOL_SOCKET, socket.SO_KEEPALIVE),
                *(sock.getsockopt(socket.IPPROTO_TCP, option) for option in
                  (socket.TCP_KEEPIDLE, socket.TCP_KEEPINTVL, socket.TCP_KEEPCNT, socket.TCP_USER_TIMEOUT)))


def test_postgresql_connections_notice_a_host_gone_silent_and_the_url_says_otherwise(db):
    """A host gone from the network without a word: an idle connection is probed and found
    dead, a statement sent into the void fails after 10 s (it waited ~15 minutes for TCP to
    give up), a connection attempt after 5 s (130 s); parameters the URL sets win."""
    if db.is_sqlite:
        pytest.skip("SQLite has no server to lose")
    import socket

    if not hasattr(socket, "TCP_USER_TIMEOUT"):
        pytest.skip("TCP_USER_TIMEOUT: Linux")
    assert _socket_options(db) == (1, 10, 5, 3, 10_000)
    separator = "&" if "?" in db.url else "?"
    own = Database(f"{db.url}{separator}keepalives_idle=60&tcp_user_timeout=20000", schema=db.schema)
    try:
        assert _socket_options(own) == (1, 60, 5, 3, 20_000)
        off = Database(f"{db.url}{separator}keepalives=0", schema=db.schema)
        try:
            assert _socket_options(off)[0] == 0
        finally:
            off.dispose()
    finally:
        own.dispose()


def test_a_postgresql_connect_timeout_is_set_unless_the_url_or_the_environment_sets_one(monkeypatch):
    from fwscli.store.database import postgresql_connect_defaults

    monkeypatch.delenv("PGCONNECT_TIMEOUT", raising=False)
    url = "postgresql+psycopg://fws@db.example/fws"
    assert postgresql_connect_defaults(url) == {
        "connect_timeout": 5, "keepalives": 1, "keepalives_idle": 10, "keepalives_interval": 5,
        "keepalives_count": 3, "tcp_user_timeout": 10_000}
    assert "connect_timeout" not in postgresql_connect_defaults(url + "?connect_timeout=30")
    monkeypatch.setenv("PGCONNECT_TIMEOUT", "30")
    assert "connect_timeout" not in postgresql_connect_defaults(url)


def test_connecting_to_a_postgresql_server_that_never_answers_gives_up_after_5_s(monkeypatch):
    # A listener that never accepts: the kernel completes the handshake, nothing answers
    # the startup message, as a host gone silent behind a proxy. psycopg waited 130 s.
    import socket

    from sqlalchemy.exc import OperationalError

    monkeypatch.delenv("PGCONNECT_TIMEOUT", raising=False)
    with socket.create_server(("127.0.0.1", 0)) as silent:
        db = Database(f"postgresql+psycopg://postgres@127.0.0.1:{silent.getsockname()[1]}/fws")
        started = time.monotonic()
        with pytest.raises(OperationalError, match="timeout"):
            with db.read():
                pass
        db.dispose()
    assert 4 < time.monotonic() - started < 10


def test_a_malformed_url_is_named_with_its_password_masked():
    from fwscli.store.database import malformed, shown_url

    assert malformed("postgresql://u:pw@h:5432/d") is None and malformed("/srv/fws.db") is None
    assert malformed("postgresql://u:pw@h:54x/d") == "its port '54x' is not a number"
    assert "Could not parse" in malformed("://x")
    # SQLAlchemy cannot parse it to mask it: the password is masked all the same.
    assert shown_url("postgresql://u:p@ss:w/rd@h:54x/d") == "postgresql://u:***@h:54x/d"
    assert shown_url("postgresql://h:54x/d") == "postgresql://h:54x/d"
