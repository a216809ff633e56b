"""Passing conditions of the database answer 503 ServiceUnavailable with Retry-After (a client
retries them), not 500 InternalError: a PostgreSQL failover that leaves pooled connections
on a read-only server, a SQLite file another writer holds past the busy timeout, a pool with
no free connection. A bug (no such table) stays a 500."""

from __future__ import annotations

import sqlite3

import pytest
from sqlalchemy import exc, text

from fwscli.service.app import FwsApp
from fwscli.store import database as database_module
from fwscli.store.database import Database
from fwscli.store.migrations import create_schema
from fwscli.warehouse import accounts
from fwscli.wire.xml import read_error

from ..conftest import NOW
from ..http import LiveServer, SignedClient


def _register(client: SignedClient, sku: str):
    return client.send("inbound", [("Action", "GetFulfillmentIdentifierForMSKU"), ("MerchantSKU.1", sku)])


def _assert_retryable(reply) -> None:
    assert reply.status == 503, reply.body
    assert reply.headers["Retry-After"] == "1"
    assert read_error(reply.body).code == "ServiceUnavailable"


def test_after_a_failover_a_write_on_a_read_only_server_is_a_503_and_the_next_one_reconnects(
        db, app, client, caplog):
    """The pool's connections lead to a server that turned read-only (a primary demoted to a
    standby while a new one took the URL's address): the write that finds out answers 503,
    and every connection opened before it is retired, so the next write connects anew."""
    if db.is_sqlite:
        pytest.skip("PostgreSQL's failover")
    assert _register(client, "SKU-BEFORE").status == 200
    # Several pooled connections, each made read-only for the rest of its session: what a
    # demoted server answers on connections opened before the failover.
    held = [db.engine.connect() for _ in range(4)]
    for conn in held:
        conn.execute(text("SET SESSION CHARACTERISTICS AS TRANSACTION READ ONLY"))
        conn.commit()
    for conn in held:
        conn.close()  # back to the pool, read-only

    _assert_retryable(_register(client, "SKU-DURING"))
    assert not [record for record in caplog.records if record.levelname == "ERROR"]
    assert "read-only" in caplog.text

    reply = _register(client, "SKU-AFTER")
    assert reply.status == 200, reply.body
    with db.read() as conn:
        read_only = conn.execute(text("SHOW transaction_read_only")).scalar_one()
    assert read_only == "off"


def test_a_sqlite_file_another_writer_holds_past_the_busy_timeout_is_a_503(tmp_path, monkeypatch, caplog):
    """A backup or a sqlite3 shell holding the write lock: the writer gives up after the busy
    timeout; the client may come back, and the request leaves nothing behind."""
    monkeypatch.setattr(database_module, "SQLITE_BUSY_TIMEOUT_MS", 200)
    path = tmp_path / "fws.db"
    db = Database(str(path))
    create_schema(db)
    with db.write() as conn:
        merchant = accounts.create_merchant(conn, "Test Merchant", NOW)
    shell = sqlite3.connect(path, isolation_level=None)
    try:
        with LiveServer(FwsApp(db)) as server:
            client = SignedClient(server.url, merchant.access_key_id, merchant.secret_access_key)
            assert _register(client, "SKU-1").status == 200
            shell.execute("BEGIN IMMEDIATE")
            _assert_retryable(_register(client, "SKU-2"))
            shell.execute("ROLLBACK")
            reply = _register(client, "SKU-2")
            assert reply.status == 200, reply.body
    finally:
        shell.close()
        db.dispose()
    assert not [record for record in caplog.records if record.levelname == "ERROR"]


def test_which_failures_are_outages(db):
    """No free connection in the pool is load; SQLite's "no such table" is a bug."""
    assert db.outage(exc.TimeoutError("QueuePool limit of size 10 overflow 20 reached"))
    assert db.outage(ValueError("a bug")) is None
    if db.is_sqlite:
        missing = sqlite3.OperationalError("no such table: nowhere")
        assert db.outage(exc.OperationalError("SELECT 1 FROM nowhere", {}, missing)) is None
