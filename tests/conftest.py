"""Shared fixtures: a fresh database per test (SQLite always; PostgreSQL when
FWS_TEST_DATABASE_URL is set), merchants with keys, and a warehouse Context."""

from __future__ import annotations

import os
import signal
import uuid
from datetime import datetime, timezone

import pytest

from fwscli.store.database import Database
from fwscli.store.migrations import create_schema, drop_schema
from fwscli.warehouse import accounts
from fwscli.warehouse.context import Caller, Context
from fwscli.warehouse.network import FulfillmentNetwork
from fwscli.warehouse.paging import TokenCodec

NOW = datetime(2026, 11, 27, 20, 30, 0, tzinfo=timezone.utc)
# Read once at import: some suites clear every FWS_* variable for the client's sake.
TEST_DATABASE_URL = os.environ.get("FWS_TEST_DATABASE_URL")

# A suite started in the background of a shell without job control (`nohup pytest &`, a
# CI script's `cmd &`) inherits SIGINT ignored, and so would every `fws` it starts: the
# tests of Ctrl-C would then see none. Python's own handler here makes the children's the
# default again (exec resets handlers, not an ignored signal).
if signal.getsignal(signal.SIGINT) is signal.SIG_IGN:
    signal.signal(signal.SIGINT, signal.default_int_handler)


def _database_params():
    params = ["sqlite"]
    if TEST_DATABASE_URL:
        params.append("postgresql")
    return params


@pytest.fixture(params=_database_params())
def db(request, tmp_path):
    if request.param == "sqlite":
        database = Database(str(tmp_path / "fws.db"))
        create_schema(database)
        yield database
        database.dispose()
    else:
        # One PostgreSQL schema per test keeps tests independent without a new database.
        schema = "t_" + uuid.uuid4().hex[:12]
        database = Database(TEST_DATABASE_URL, schema=schema)
        create_schema(database)
        yield database
        drop_schema(database)
        database.dispose()


@pytest.fixture
def merchant(db):
    with db.write() as conn:
        return accounts.create_merchant(conn, "Test Merchant", NOW)


@pytest.fixture
def other_merchant(db):
    with db.write() as conn:
        return accounts.create_merchant(conn, "Other Merchant", NOW)


@pytest.fixture
def operator(db):
    """Credentials of a warehouse operator key."""
    with db.write() as conn:
        return accounts.create_operator_key(conn, NOW)


@pytest.fixture
def make_context(db):
    """make_context(credentials, now=NOW) -> a warehouse Context for that merchant."""

    def make(credentials, now: datetime = NOW) -> Context:
        return Context(
            db=db,
            caller=Caller(credentials.access_key_id, "merchant", credentials.merchant_id),
            now=now,
            network=FulfillmentNetwork.default(),
            tokens=TokenCodec(b"test-token-secret"),
            request_id=str(uuid.uuid4()),
        )

    return make


@pytest.fixture
def app(db):
    from fwscli.service.app import FwsApp

    return FwsApp(db)


@pytest.fixture
def server(app):
    from .http import LiveServer

    with LiveServer(app) as live:
        yield live


@pytest.fixture
def client(server, merchant):
    from .http import SignedClient

    return SignedClient(server.url, merchant.access_key_id, merchant.secret_access_key)


@pytest.fixture
def other_client(server, other_merchant):
    from .http import SignedClient

    return SignedClient(server.url, other_merchant.access_key_id, other_merchant.secret_access_key)


@pytest.fixture
def production_server(db, merchant, tmp_path):
    """`fws server start` (gunicorn, 2 workers x 4 threads) as a subprocess on this test's
    database, where `merchant` exists; see tests/production.py."""
    from .production import ServerProcess, served_url

    with ServerProcess(served_url(db), tmp_path) as server:
        yield server


@pytest.fixture
def operator_client(server, operator):
    from .http import SignedClient

    return SignedClient(server.url, operator.access_key_id, operator.secret_access_key)
