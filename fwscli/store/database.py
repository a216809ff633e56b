"""Opening the database and running transactions on it.

`Database.write()` is the one way to change data. On SQLite it starts with
`BEGIN IMMEDIATE`: a deferred BEGIN takes the write lock only at the first write, and two
racing writers that both read first then deadlock, one failing with "database is locked"
(12–31% of racing writes here). Taking the lock up front makes writers queue behind
`busy_timeout` instead.

Queueing there is slow, though: SQLite's busy handler polls with sleeps of 1 to 100 ms, so
with eight threads writing, most of them sleep while the lock is free (about 100 writes/s
instead of thousands). Writers to a SQLite file therefore first queue on a lock of ours —
`flock` on a file beside the database — whose waiters wake the moment it is released;
BEGIN IMMEDIATE then finds SQLite's lock free.

A SQLite transaction is begun and ended on the driver itself (`_Transaction`):
SQLAlchemy's own begin and commit took ~35 µs around a BEGIN and a COMMIT of ~3 µs each,
and a request runs one to three transactions. SQLAlchemy does not
know of such a transaction; a Core statement run in it makes SQLAlchemy begin one of its
own, which the "begin" hook then leaves to the one already open (and which is ended with it).

Between transactions a SQLite connection stays open and checked out (`_IdleConnections`):
taking one from SQLAlchemy's pool and giving it back cost ~20 µs per transaction, and a
create runs three. A SQLite connection cannot go stale the way a server's can; PostgreSQL's
stay in the pool, which refuses one whose server has gone as it is checked out
(`_PoolChecks`).

On PostgreSQL every statement, BEGIN and COMMIT is a round trip, and round trips are most of
what a request costs there (each some 50 µs of this process's CPU and as much of the
server's). So a pooled connection is checked without one, and reads that need no
transaction (`read_autocommit`) are sent without BEGIN and COMMIT: GetFulfillmentOrder went
from 8 round trips to 4, CreateFulfillmentOrder from 17 to 10.
"""

from __future__ import annotations

import fcntl
import os
import re
import select
import sqlite3
import threading
import time
from contextlib import contextmanager, nullcontext
from pathlib import Path
from typing import Callable, ContextManager, Hashable, Iterator, TypeVar

from sqlalchemy import Connection, Engine, create_engine, event, exc
from sqlalchemy.engine import make_url

from .changes import ChangeCounter
from .group_commit import CommitGroups

SQLITE_BUSY_TIMEOUT_MS = 30_000
READ_ONLY_SQL_TRANSACTION = "25006"  # PostgreSQL's SQLSTATE for a write on a standby
# How soon a PostgreSQL server gone from the network without a word (no RST: a host
# powered off, a dropped route) is noticed, so that a request answers 503 instead of
# hanging: without them a connection attempt waited 130 s (psycopg's default), a statement
# sent into the void ~15 minutes (TCP's retransmissions) and an idle pooled connection was
# never found out; gunicorn's timeout ends none of these. The URL's own parameters win
# (`?connect_timeout=…`); docs/operations.md documents them and what they were measured to do.
POSTGRESQL_CONNECT_DEFAULTS = {
    "connect_timeout": 5,  # seconds to connect and log in, per address tried
    "keepalives": 1,  # a silent connection probed after 10 s, every 5 s: dead after ~15 s
    "keepalives_idle": 10,
    "keepalives_interval": 5,
    "keepalives_count": 3,
    "tcp_user_timeout": 10_000,  # ms: data sent and not acknowledged for this long: dead
}
T = TypeVar("T")


class Database:
    """An engine plus the transaction discipline the service relies on."""

    def __init__(self, url: str, *, schema: str | None = None, background_checkpoints: bool = False):
        self.url = normalise_url(url)
        self.is_sqlite = self.url.startswith("sqlite")
        # A PostgreSQL schema to work in (tests give each test its own); None: the default.
        self.schema = schema
        # SQLite: a thread of the process checkpoints the WAL, not its writers (checkpoints.py).
        self.background_checkpoints = background_checkpoints and _is_file(self.url)
        self.engine = _create_engine(self.url, schema, self.background_checkpoints)
        self._pool_checks = None if self.is_sqlite else _PoolChecks(self.engine)
        self._writers = _writer_queue(self.url)
        keep = self.is_sqlite and _is_file(self.url)
        self._reading = _IdleConnections(self.engine, keep=keep)
        self._writing = _IdleConnections(self.engine, keep=keep, fws_write=True)
        self._autocommit = _IdleConnections(self.engine, keep=False, isolation_level="AUTOCOMMIT")
        # PostgreSQL's writers lock rows, not the database: they have nothing to group.
        self._groups = CommitGroups(self.write) if keep else None
        self._changes = (ChangeCounter(make_url(self.url).database,
                                       busy_timeout=SQLITE_BUSY_TIMEOUT_MS / 1000) if keep else None)
        self._file = _OpenedFile(self.engine, make_url(self.url).database) if keep else None

    def write(self) -> ContextManager[Connection]:
        """A read-write transaction, committed on success and rolled back on any error."""
        return _Transaction(self._writing, "BEGIN IMMEDIATE", self._writers, self.is_sqlite)

    def write_grouped(self, work: Callable[[Connection], T]) -> T:
        """`work(conn)` in a read-write transaction, like `write()`, and its result; on a SQLite
        file, in one transaction with the writes other threads of this process queued
        meanwhile (group_commit.py). For short writes on hot paths: `work` runs in whichever
        thread leads the group, and must not wait for another request."""
        if self._groups is None:
            with self.write() as conn:
                return work(conn)
        return self._groups.run(work)

    def unless_changed(self, key: Hashable, compute: Callable[[], T]) -> T:
        """`compute()`, or its last result in this thread while nothing has committed to the
        database since, in any process (SQLite: changes.py). PostgreSQL computes each time."""
        if self._changes is None:
            return compute()
        return self._changes.unless_changed(key, compute)

    def lost_file(self) -> str | None:
        """On a SQLite file: "deleted" or "replaced" when the file at its path is no longer
        the one this process opened, else None. Connections opened before go on reading the
        old file undisturbed, so only the path can tell (a stat: cheap enough for every
        health check). Always None on PostgreSQL."""
        return self._file.lost() if self._file is not None else None

    def read_autocommit(self) -> ContextManager[Connection]:
        """Reads that need no transaction around them: each statement sees what had
        committed when it began, holds no lock past its own end, and need not agree with
        the others. On PostgreSQL they run in autocommit mode, without the BEGIN and COMMIT
        that are two of a one-statement read()'s three round trips; on SQLite this is
        read(), whose transaction costs no round trip."""
        if self.is_sqlite:
            return self.read()
        return _Checkout(self._autocommit)

    def read(self) -> ContextManager[Connection]:
        """A read-only transaction. On PostgreSQL it is READ COMMITTED: each statement sees
        what had committed when it began, so a list that first waits for creates to commit
        (store/sequencing.py) then sees them. Use `snapshot()` where several statements
        must agree with each other."""
        return _Transaction(self._reading, "BEGIN", _NO_LOCK, self.is_sqlite)

    def snapshot(self) -> ContextManager[Connection]:
        """A read-only transaction whose statements all see one snapshot of the database
        (an order and its items and shipments as of one moment). SQLite's read
        transactions are snapshots already; PostgreSQL's needs REPEATABLE READ."""
        return self.read() if self.is_sqlite else self._repeatable_read()

    @contextmanager
    def _repeatable_read(self) -> Iterator[Connection]:
        with self.engine.connect() as conn:
            conn = conn.execution_options(isolation_level="REPEATABLE READ")
            with conn.begin():
                yield conn

    def outage(self, failure: BaseException) -> str | None:
        """Why `failure` is a passing outage of the database, on one line (what the driver
        said), or None: a condition a client may wait out, not a bug of ours.

        PostgreSQL's OperationalErrors are all conditions of the server (a restart, a
        shutdown, a lost connection or one that timed out, a deadlock); SQLite's can be a bug
        (no such table), but "database is locked" after the busy timeout is another writer
        (a backup, a shell) holding the file. No connection free in the pool within its
        timeout is load. A read-only transaction on PostgreSQL is a failover: the server the
        pool's connections lead to is a standby now, so every one opened before is retired
        (the next checkouts connect anew, to whichever server the URL now names); without
        that, each pooled connection failed every write until the process restarted."""
        if isinstance(failure, exc.TimeoutError):
            return str(failure).splitlines()[0]
        if not isinstance(failure, exc.DBAPIError):
            return None
        driver_error = failure.orig
        said = str(driver_error or failure).splitlines()[0]
        if self.is_sqlite:
            code = getattr(driver_error, "sqlite_errorcode", 0) & 0xFF  # the primary of an extended code
            return said if code in (sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED) else None
        if getattr(driver_error, "sqlstate", None) == READ_ONLY_SQL_TRANSACTION:
            self._pool_checks.retire_opened_until_now()
            return f"the database server is read-only (a standby, or a failover under way): {said}"
        return said if isinstance(failure, exc.OperationalError) else None

    def dispose(self) -> None:
        self._reading.close()
        self._writing.close()
        if self._changes is not None:
            self._changes.close()
        self.engine.dispose()


def normalise_url(url: str) -> str:
    """Accept plain `postgresql://` and a bare file path as well as SQLAlchemy URLs."""
    if "://" not in url:
        return f"sqlite:///{Path(url).expanduser().resolve()}"
    if url.startswith("postgresql://") or url.startswith("postgres://"):
        return "postgresql+psycopg://" + url.split("://", 1)[1]
    return url


def shown_url(url: str) -> str:
    """The URL as messages show it: with its password, if any, masked."""
    try:
        parsed = make_url(url)
        # Rendered only to mask a password: rendering escapes a path's ":" (`%3Amemory%3A`).
        return url if parsed.password is None else parsed.render_as_string(hide_password=True)
    except (exc.ArgumentError, ValueError):  # not a URL, or a malformed one (port `abc`)
        return _USER_PASSWORD.sub(r"\1***@", url)


# The password of a URL that SQLAlchemy cannot parse (scheme://user:PASSWORD@…), up to the
# last @: better too much masked than a password with an @ of its own shown.
_USER_PASSWORD = re.compile(r"^([A-Za-z][\w+.-]*://[^:/@]*:).*@")


def malformed(url: str) -> str | None:
    """Why `url` (a --database value) is not a database URL SQLAlchemy can read, on one
    line, or None. make_url raised a bare ValueError for a port that is not a number
    (`postgresql://host:5432x/db`, an IPv6 host without its `]`)."""
    try:
        make_url(normalise_url(url))
    except exc.ArgumentError as error:
        return str(error)
    except ValueError as error:  # int()'s: "invalid literal for int() with base 10: 'abc'"
        return f"its port {str(error).rpartition(': ')[2]} is not a number"
    return None


def cannot_open(url: str, error: Exception) -> str:
    """Why the database at `url` could not be opened (a bad URL, a file that cannot be made,
    a server that does not answer, a driver not installed), on one line: SQLAlchemy's text
    runs on to hints and links."""
    if isinstance(error, ImportError):  # e.g. postgresql+psycopg2://, SQLAlchemy's usual driver
        return (f"{shown_url(url)} cannot be opened: its driver is not installed ({error}); "
                f"fws uses psycopg 3 for PostgreSQL: pip install 'fws[postgres]' and a postgresql:// URL")
    return f"{shown_url(url)} cannot be opened: {str(error).splitlines()[0]}"


_NO_LOCK = nullcontext()


class _Transaction:
    """One transaction on a connection of `connections`: taken, then `lock` (the writers'
    queue) entered, the transaction begun; at the end committed (rolled back on any error),
    the lock left and the connection given back, in that order. On SQLite it is begun and
    ended on the driver with `begin` (see above), together with the one SQLAlchemy began
    inside it, if any; on PostgreSQL it is SQLAlchemy's.

    A class rather than nested @contextmanager generators: every request runs one to three
    transactions, and three generators' protocol cost ~3 µs of each."""

    __slots__ = ("_connections", "_begin", "_lock", "_sqlite", "_conn", "_pg_transaction")

    def __init__(self, connections: "_IdleConnections", begin: str, lock: ContextManager[object],
                 sqlite: bool):
        self._connections = connections
        self._begin = begin
        self._lock = lock
        self._sqlite = sqlite

    def __enter__(self) -> Connection:
        conn = self._conn = self._connections.take()
        try:
            self._lock.__enter__()
            try:
                if self._sqlite:
                    _begin_sqlite_transaction(conn, self._begin)
                else:
                    self._pg_transaction = conn.begin()
                    self._pg_transaction.__enter__()
            except BaseException:
                self._lock.__exit__(None, None, None)
                raise
        except BaseException:
            self._connections.give_back(conn)
            raise
        return conn

    def __exit__(self, kind, error, traceback) -> None:
        conn = self._conn
        try:
            try:
                if self._sqlite:
                    _end_sqlite_transaction(conn, conn.connection.driver_connection, commit=kind is None)
                else:
                    self._pg_transaction.__exit__(kind, error, traceback)
            finally:
                self._lock.__exit__(None, None, None)
        finally:
            self._connections.give_back(conn)


class _Checkout:
    """A connection of `connections` for the length of a `with`, in no transaction of ours."""

    __slots__ = ("_connections", "_conn")

    def __init__(self, connections: "_IdleConnections"):
        self._connections = connections

    def __enter__(self) -> Connection:
        self._conn = self._connections.take()
        return self._conn

    def __exit__(self, *exc: object) -> None:
        self._connections.give_back(self._conn)


def _begin_sqlite_transaction(conn: Connection, begin: str) -> None:
    try:
        conn.connection.driver_connection.execute(begin)
    except _driver_errors(conn) as error:  # as SQLAlchemy would raise it ("database is locked")
        raise exc.DBAPIError.instance(begin, None, error, _driver_errors(conn),
                                      dialect=conn.dialect) from error


def _end_sqlite_transaction(conn: Connection, driver, *, commit: bool) -> None:
    if conn.in_transaction():  # SQLAlchemy's: ending it ends the driver's
        conn.commit() if commit else conn.rollback()
        return
    try:
        driver.commit() if commit else driver.rollback()
    except _driver_errors(conn) as error:  # as SQLAlchemy would raise it
        raise exc.DBAPIError.instance("COMMIT" if commit else "ROLLBACK", None, error,
                                      _driver_errors(conn), dialect=conn.dialect) from error


def _driver_errors(conn: Connection) -> type[Exception]:
    return conn.dialect.loaded_dbapi.Error


class _IdleConnections:
    """Connections kept open between transactions (`keep`), or taken from the engine's pool
    and given back each time. At most `LIMIT` are kept: more are only in use while more
    threads than a server's run transactions at once. None survives a fork."""

    LIMIT = 6

    def __init__(self, engine: Engine, *, keep: bool, **options: object):
        self._engine = engine
        self._keep = keep
        self._options = options
        self._idle: list[Connection] = []  # list.pop and append are atomic: no lock needed
        self._pid = os.getpid()

    def take(self) -> Connection:
        if self._keep and self._pid == os.getpid():
            try:
                return self._idle.pop()
            except IndexError:
                pass
        conn = self._engine.connect()
        return conn.execution_options(**self._options) if self._options else conn

    def give_back(self, conn: Connection) -> None:
        if (not self._keep or self._pid != os.getpid() or len(self._idle) >= self.LIMIT
                or conn.invalidated or conn.in_transaction()):
            conn.close()
        else:
            self._idle.append(conn)

    def close(self) -> None:
        while self._idle:
            self._idle.pop().close()


class _WriterQueue:
    """One writer at a time per SQLite file, across threads and processes (see above).

    Each thread locks through its own descriptor: flock excludes other open descriptions
    of the file, in this process as in others, so no thread lock is needed, and a writer
    holds nothing while it waits for the GIL again after unlocking.
    """

    def __init__(self, path: str):
        self._path = path + "-writers.lock"
        self._files = threading.local()  # opened on first use in each thread: after any fork

    def __enter__(self) -> None:
        fd = getattr(self._files, "fd", None)
        if fd is None:
            fd = self._files.fd = os.open(self._path, os.O_RDWR | os.O_CREAT, 0o600)
        fcntl.flock(fd, fcntl.LOCK_EX)

    def __exit__(self, *exc: object) -> None:
        fcntl.flock(self._files.fd, fcntl.LOCK_UN)


class _OpenedFile:
    """The SQLite file a Database opened (device and inode, on its first connection) and
    whether the path still names it."""

    def __init__(self, engine: Engine, path: str):
        self._path = os.path.abspath(path)
        self._identity: tuple[int, int] | None = None
        event.listen(engine, "connect", self._remember)

    def _remember(self, _dbapi_conn, _record) -> None:
        if self._identity is None:
            self._identity = self._stat()

    def _stat(self) -> tuple[int, int]:
        status = os.stat(self._path)
        return status.st_dev, status.st_ino

    def lost(self) -> str | None:
        try:
            identity = self._stat()
        except FileNotFoundError:
            return "deleted"
        if self._identity is not None and identity != self._identity:
            return "replaced"
        return None


def in_memory(url: str) -> bool:
    """Whether `url` is an in-memory SQLite database: each process (each connection, even)
    that opens it gets a new, empty one."""
    try:
        parsed = make_url(normalise_url(url))
    except (exc.ArgumentError, ValueError):
        return False  # not a URL at all, or a malformed one: opening it says why
    database = parsed.database or ""
    return parsed.get_backend_name() == "sqlite" and (
        database in ("", ":memory:") or database.startswith("file::memory:")
        or parsed.query.get("mode") == "memory")


def _is_file(url: str) -> bool:
    parsed = make_url(url)
    return parsed.get_backend_name() == "sqlite" and parsed.database not in (None, "", ":memory:")


def _writer_queue(url: str) -> ContextManager[None]:
    if not _is_file(url):
        return nullcontext()
    return _WriterQueue(os.path.abspath(make_url(url).database))


def postgresql_connect_defaults(url: str) -> dict[str, int]:
    """POSTGRESQL_CONNECT_DEFAULTS but those the URL sets (SQLAlchemy's connect_args would
    override the URL's) and a connect_timeout that PGCONNECT_TIMEOUT sets."""
    query = make_url(url).query
    defaults = {name: value for name, value in POSTGRESQL_CONNECT_DEFAULTS.items() if name not in query}
    if os.environ.get("PGCONNECT_TIMEOUT"):
        defaults.pop("connect_timeout", None)
    return defaults


class _PoolChecks:
    """What a pooled PostgreSQL connection must pass as it is checked out (SQLAlchemy
    replaces one that fails and takes another), without a round trip to the server."""

    def __init__(self, engine: Engine):
        self._retired_until = float("-inf")  # connections opened until then are not used again
        event.listen(engine, "connect", self._opened)
        event.listen(engine, "checkout", self._check)

    def retire_opened_until_now(self) -> None:
        self._retired_until = time.monotonic()

    @staticmethod
    def _opened(_dbapi_conn, record) -> None:
        record.info["fws_opened"] = time.monotonic()

    def _check(self, dbapi_conn, record, _proxy) -> None:
        """A connection whose server has gone is refused, so that a database restart fails
        no request.

        Asked of the socket, not of the server: an idle connection receives nothing unless
        its server is ending it (a restart, a shutdown, pg_terminate_backend: a last message,
        then the socket closes), so one it can read from is gone. SQLAlchemy's pool_pre_ping
        asked with a query instead, a round trip of every transaction. Neither notices a
        connection cut without a word (a host gone from the network) at once: TCP keepalives
        mark an idle one broken within ~15 s (POSTGRESQL_CONNECT_DEFAULTS), which this then
        sees, and the first statement on one not yet marked fails within tcp_user_timeout.
        A connection opened before a failover was noticed (Database.outage) is refused too."""
        if dbapi_conn.closed or dbapi_conn.broken:
            raise exc.DisconnectionError("the connection is closed")
        if record.info.get("fws_opened", float("-inf")) <= self._retired_until:
            raise exc.DisconnectionError("the connection was opened before a failover")
        waiting = select.poll()
        waiting.register(dbapi_conn.fileno(), select.POLLIN)
        if waiting.poll(0):
            raise exc.DisconnectionError("the server has ended the connection")


def _use_wal(cursor) -> None:
    """PRAGMA journal_mode=WAL. A file made WAL stays so, and the pragma then only reads;
    a new file is made WAL by the first connection, and the pragma of another process
    connecting meanwhile fails "database is locked" at once (SQLite's busy handler does not
    wait for that lock): it tries again, as a writer would wait."""
    deadline = time.monotonic() + SQLITE_BUSY_TIMEOUT_MS / 1000
    while True:
        try:
            cursor.execute("PRAGMA journal_mode=WAL")
            return
        except sqlite3.OperationalError as error:
            if "locked" not in str(error) or time.monotonic() > deadline:
                raise
            time.sleep(0.005)


def _make_private(path: str) -> None:
    """Create a new database file readable by its owner alone: it holds every merchant's
    secret key, as the credentials file (0600) does one. SQLite gives the -wal and -shm
    files the database's mode. A file that exists keeps the mode its owner chose."""
    if path.startswith("file:"):  # a URI filename: SQLite's to open
        return
    try:
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
    except FileExistsError:
        pass


def _create_engine(url: str, schema: str | None, background_checkpoints: bool) -> Engine:
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite":
        engine = create_engine(url, pool_size=10, max_overflow=20,
                               connect_args=postgresql_connect_defaults(url))
        if schema:
            @event.listens_for(engine, "connect")
            def _search_path(dbapi_conn, _record) -> None:
                with dbapi_conn.cursor() as cursor:
                    cursor.execute(f'SET search_path TO "{schema}"')
                dbapi_conn.commit()
        return engine

    database = parsed.database or ""
    if database and database != ":memory:":
        os.makedirs(os.path.dirname(os.path.abspath(database)) or ".", exist_ok=True)
        _make_private(database)
    engine = create_engine(url, connect_args={"timeout": SQLITE_BUSY_TIMEOUT_MS / 1000,
                                              "check_same_thread": False})

    @event.listens_for(engine, "connect")
    def _configure(dbapi_conn, _record) -> None:
        # Autocommit at the driver level, so that the "begin" hook below alone decides
        # how a transaction starts.
        dbapi_conn.isolation_level = None
        cursor = dbapi_conn.cursor()
        _use_wal(cursor)
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA foreign_keys=ON")
        if background_checkpoints:
            from .checkpoints import BACKSTOP_PAGES

            cursor.execute(f"PRAGMA wal_autocheckpoint={BACKSTOP_PAGES}")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _begin(conn: Connection) -> None:
        driver = conn.connection.driver_connection
        if driver.in_transaction:  # Database began it (_sqlite_transaction): join it
            return
        write = conn.get_execution_options().get("fws_write", False)
        # Straight to the driver: through SQLAlchemy's execution machinery this one
        # statement was a third of the cost of a short read transaction.
        driver.execute("BEGIN IMMEDIATE" if write else "BEGIN")

    return engine
