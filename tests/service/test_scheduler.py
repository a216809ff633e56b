"""Who runs the tick: every request (reading only, when nothing is due) and the server's
scheduler thread (with nobody asking)."""

from __future__ import annotations

import time
from dataclasses import replace
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import select

from fwscli.service.app import FwsApp
from fwscli.store.schema import fulfillment_orders
from fwscli.warehouse import orders

from ..lifecycle.conftest import FakeClock
from ..warehouse.helpers import add_stock, register_item
from ..warehouse.test_orders import order_request
from .samples import order, register


def test_a_request_with_nothing_due_writes_nothing(client, db, monkeypatch):
    register(client, "SKU-1")
    client.call("outbound", "CreateFulfillmentOrder", order("ORDER-1", ("SKU-1", 1)))
    client.call("outbound", "GetFulfillmentOrder", {"MerchantFulfillmentOrderId": "ORDER-1"})  # planned
    writes = []
    real_write = db.write
    monkeypatch.setattr(db, "write", lambda: writes.append(1) or real_write())
    for _ in range(3):
        client.call("outbound", "GetFulfillmentOrder", {"MerchantFulfillmentOrderId": "ORDER-1"})
    assert writes == []


def test_the_scheduler_moves_orders_with_nobody_asking(db, merchant, make_context):
    clock = FakeClock(datetime.now(timezone.utc))
    app = FwsApp(db, clock=clock)
    item_id, _ = register_item(db, merchant.merchant_id, "SKU-1")
    add_stock(db, merchant.merchant_id, item_id, 3)
    orders.create_order(replace(make_context(merchant, now=clock.now), simulation=app.simulation),
                        order_request("ORDER-1"))
    clock.advance(timedelta(minutes=10))

    scheduler = app.start_scheduler(interval=0.02)
    try:
        assert app.start_scheduler() is scheduler  # one per app
        deadline = time.monotonic() + 10
        while _status(db, "ORDER-1") != "Complete" and time.monotonic() < deadline:
            time.sleep(0.02)
    finally:
        scheduler.stop(timeout=5)
    assert _status(db, "ORDER-1") == "Complete"


def _status(db, order_id: str) -> str:
    with db.read() as conn:
        return conn.execute(select(fulfillment_orders.c.status)
                            .where(fulfillment_orders.c.merchant_order_id == order_id)).scalar_one()


def test_the_scheduler_says_once_that_postgresql_does_not_answer_and_when_it_does_again(db, caplog):
    # It logged an ERROR with a traceback at every tick (every 5 s, in each worker) for as
    # long as the outage lasted.
    import logging

    from fwscli.store.database import Database

    from ..production import free_port

    if db.is_sqlite:
        pytest.skip("a database server to lose: PostgreSQL")
    caplog.set_level(logging.INFO, logger="fwscli")
    app = FwsApp(db)
    app.db = Database(f"postgresql+psycopg://postgres@127.0.0.1:{free_port()}/fws")  # nothing listens
    scheduler = app.start_scheduler(interval=0.02)
    try:
        _wait_for(lambda: _connection_attempts(caplog))
        time.sleep(0.2)  # some ten ticks more, in vain
        app.db.dispose()
        app.db = db
        _wait_for(lambda: "the warehouse scheduler reaches the database again" in caplog.text)
    finally:
        scheduler.stop(timeout=5)
    assert not [record for record in caplog.records if record.levelname == "ERROR"], caplog.text
    [warning] = _connection_attempts(caplog)
    assert "cannot reach the database (connection failed" in warning.getMessage()
    assert not warning.exc_info


def _connection_attempts(caplog) -> list:
    return [record for record in caplog.records if record.name == "fwscli.service.scheduler"
            and record.levelname == "WARNING"]


def _wait_for(condition, timeout: float = 10) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline
        time.sleep(0.02)
