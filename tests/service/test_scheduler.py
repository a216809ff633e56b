"""Who runs the tick: every request (reading only, when nothing is due) and the server's
scheduler thread (with nobody asking)."""

from __future__ import annotations

import time
from dataclasses import replace
from datetime import datetime, timedelta, timezone

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
