"""The load balancer's health check: /ping answers without keys, and 503 once the database
stops answering."""

from __future__ import annotations

import io
import os
import time
import uuid
from pathlib import Path

import pytest
import requests
from sqlalchemy import text
from sqlalchemy.engine import make_url

from fwscli.service import health
from fwscli.store.database import Database
from fwscli.store.migrations import create_schema
from fwscli.wire.xml import read_error


def test_ping_answers_ok_without_keys(server):
    reply = requests.get(server.url + "ping")
    assert (reply.status_code, reply.text) == (200, "OK")
    assert reply.headers["Cache-Control"] == "no-store"


def _call(app, method: str, path: str) -> tuple[str, dict[str, str], bytes]:
    answered = {}

    def start_response(status, headers):
        answered.update(status=status, headers=dict(headers))

    body = b"".join(app({"REQUEST_METHOD": method, "PATH_INFO": path, "SERVER_PROTOCOL": "HTTP/1.1",
                         "QUERY_STRING": "", "wsgi.input": io.BytesIO()}, start_response))
    return answered["status"], answered["headers"], body


def test_ping_answers_with_a_request_id_and_a_head_with_the_headers_alone(app):
    # The access log showed `RequestId=-` for every check, and gunicorn warned at every
    # HEAD check (a load balancer's usual) of the body the app sent and it dropped.
    status, headers, body = _call(app, "GET", "/ping")
    assert (status, body) == ("200 OK", b"OK") and uuid.UUID(headers["x-amzn-RequestId"])
    status, head_headers, body = _call(app, "HEAD", "/ping")
    assert (status, body) == ("200 OK", b"")
    assert head_headers["Content-Length"] == "2"  # the GET's, as HTTP says a HEAD's is
    assert head_headers["x-amzn-RequestId"] != headers["x-amzn-RequestId"]


def test_a_head_request_to_the_query_api_gets_the_headers_alone(app):
    status, headers, body = _call(app, "HEAD", "/")
    assert status.startswith("400") and body == b"" and int(headers["Content-Length"]) > 0


def test_ping_answers_503_when_the_database_is_gone(app, server, tmp_path, caplog):
    healthy = app.db
    # Nothing listens on port 1: every connection attempt fails at once.
    app.db = Database("postgresql+psycopg://postgres@127.0.0.1:1/fws")
    try:
        reply = requests.get(server.url + "ping")
    finally:
        app.db.dispose()
        app.db = healthy
    assert reply.status_code == 503
    assert reply.text == "database unavailable: it does not answer"
    # One line per check (a load balancer asks every few seconds), without SQLAlchemy's
    # "Background on this error" link on a second one.
    [warning] = [record for record in caplog.records if record.name == "fwscli.service.health"]
    assert "Connection refused" in warning.getMessage()
    assert reply.headers["x-amzn-RequestId"] in warning.getMessage()  # which check it was
    assert len(warning.getMessage().splitlines()) == 1, warning.getMessage()


def test_ping_answers_503_in_bounded_time_while_a_lock_holds_its_table(db, server, caplog):
    # A lock someone holds on the table the check reads (an ALTER TABLE, a LOCK TABLE) held
    # each check, and the worker thread answering it, for as long as the lock was held.
    if db.is_sqlite:
        pytest.skip("a table lock that holds readers: PostgreSQL (SQLite's WAL readers wait for no one)")
    with db.engine.connect() as locker, locker.begin():
        locker.execute(text("LOCK TABLE settings IN ACCESS EXCLUSIVE MODE"))
        started = time.monotonic()
        reply = requests.get(server.url + "ping", timeout=30)
        took = time.monotonic() - started
    assert (reply.status_code, reply.text) == (503, "database unavailable: it does not answer")
    assert health.TIMEOUT_MS / 1000 <= took < health.TIMEOUT_MS / 1000 + 3, took
    assert any("statement timeout" in record.getMessage() for record in caplog.records
               if record.name == "fwscli.service.health")
    assert requests.get(server.url + "ping", timeout=30).status_code == 200  # SET LOCAL: gone with the check


def _sqlite_file(db: Database) -> Path:
    if not db.is_sqlite:
        pytest.skip("a SQLite file only")
    return Path(make_url(db.url).database)


def test_ping_answers_503_when_the_sqlite_file_is_deleted(app, db, server):
    path = _sqlite_file(db)
    assert requests.get(server.url + "ping").status_code == 200  # its connection stays open
    for name in (path.name, path.name + "-wal", path.name + "-shm"):
        (path.parent / name).unlink(missing_ok=True)
    reply = requests.get(server.url + "ping")
    # The open connection still reads the deleted file, but nothing new will ever reach it.
    assert (reply.status_code, reply.text) == (503, "database unavailable: its file was deleted")
    assert not path.exists()  # the check did not make a new, empty one


def test_ping_answers_503_when_the_sqlite_file_is_replaced(app, db, server, tmp_path):
    path = _sqlite_file(db)
    assert requests.get(server.url + "ping").status_code == 200
    other = Database(str(tmp_path / "other.db"))
    create_schema(other)
    other.dispose()
    os.replace(tmp_path / "other.db", path)
    reply = requests.get(server.url + "ping")
    assert (reply.status_code, reply.text) == (503, "database unavailable: its file was replaced")


def test_a_request_while_postgresql_does_not_answer_is_a_503_to_retry(app, client, caplog):
    """A worker already serving when the database goes (a restart, an outage): its requests
    answer 503 ServiceUnavailable with Retry-After, as a worker that boots meanwhile does,
    not 500 InternalError with a traceback in the log for every request."""
    client.call("outbound", "ListAllFulfillmentOrders")  # the merchant's key is now known
    healthy = app.db
    app.db = Database("postgresql+psycopg://postgres@127.0.0.1:1/fws")  # nothing listens
    try:
        reply = client.send("outbound", [("Action", "ListAllFulfillmentOrders")])
    finally:
        app.db.dispose()
        app.db = healthy
    assert reply.status == 503 and reply.headers["Retry-After"] == "1"
    assert read_error(reply.body).code == "ServiceUnavailable"
    assert not [record for record in caplog.records if record.levelname == "ERROR"]
