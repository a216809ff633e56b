"""No oversell under real concurrency: 4 processes, each its own server on one database (as
gunicorn workers are), each creating 250 single-unit FillOrKill orders for one SKU that
holds 500 units. Every request ticks the warehouse, so the orders are planned by whichever
process gets there first, all at once. Exactly 500 orders are planned and 500 are
unfulfillable; while it runs, reserved + shipped never exceeds what was received, and no
balance goes negative."""

from __future__ import annotations

import multiprocessing
import threading
import time
from collections import Counter

import pytest
from sqlalchemy import func, select

from fwscli.store.database import Database
from fwscli.store.schema import fulfillment_orders, inventory_balances, inventory_movements
from fwscli.warehouse import ledger

from ..audit import assert_ledger_balanced
from ..conftest import NOW
from ..warehouse.helpers import register_item

PROCESSES = 4
ORDERS_EACH = 250
STOCK = 500


def _create_orders(url: str, schema: str | None, key: str, secret: str, prefix: str,
                   start, results) -> None:
    """One worker process: its own app and HTTP server; puts how many creates failed."""
    from fwscli.service.app import FwsApp

    from ..http import LiveServer, SignedClient
    from .samples import order

    db = Database(url, schema=schema)
    failures = 0
    with LiveServer(FwsApp(db, warehouse_mode="manual")) as server:
        client = SignedClient(server.url, key, secret)
        start.wait()
        for n in range(ORDERS_EACH):
            try:
                client.call("outbound", "CreateFulfillmentOrder", order(f"{prefix}-{n:03d}", ("SKU-1", 1)))
            except Exception:  # counted: every create must succeed
                failures += 1
    db.dispose()
    results.put(failures)


def _received_shipped_reserved(db: Database, item_id: int) -> tuple[int, int, int]:
    with db.read() as conn:
        moved = dict(conn.execute(select(inventory_movements.c.kind, func.sum(inventory_movements.c.quantity))
                                  .where(inventory_movements.c.item_id == item_id)
                                  .group_by(inventory_movements.c.kind)).all())
        reserved, in_stock = conn.execute(select(inventory_balances.c.reserved, inventory_balances.c.in_stock)
                                          .where(inventory_balances.c.item_id == item_id)).one()
    assert min(reserved, in_stock) >= 0
    return int(moved.get("received", 0)), int(moved.get("shipped", 0)), reserved


@pytest.mark.slow
def test_four_processes_never_oversell(db, merchant):
    item_id, _ = register_item(db, merchant.merchant_id, "SKU-1")
    with db.write() as conn:
        for kind in ("inbound_expected", "received"):
            ledger.record_movement(conn, merchant_id=merchant.merchant_id, item_id=item_id,
                                   fulfillment_center_id="PHL1", kind=kind, quantity=STOCK, now=NOW,
                                   document_type="inbound_shipment", document_id="FBA-STOCK")

    samples: list[tuple[int, int, int]] = []
    done = threading.Event()

    def watch() -> None:
        while not done.is_set():
            samples.append(_received_shipped_reserved(db, item_id))
            time.sleep(0.01)

    context = multiprocessing.get_context("spawn")
    start, results = context.Event(), context.Queue()
    workers = [context.Process(target=_create_orders, args=(
        db.url, db.schema, merchant.access_key_id, merchant.secret_access_key, f"P{p}", start, results))
        for p in range(PROCESSES)]
    for worker in workers:
        worker.start()
    watcher = threading.Thread(target=watch)
    watcher.start()
    start.set()
    try:
        failures = [results.get(timeout=600) for _ in workers]
    finally:
        for worker in workers:
            worker.join(10)
        done.set()
        watcher.join()

    from fwscli.warehouse import tick
    from fwscli.warehouse.simulation import Simulation
    tick.run(db, NOW.replace(year=2100), Simulation("manual"))  # orders created after the last tick

    assert failures == [0] * PROCESSES
    with db.read() as conn:
        statuses = Counter(dict(conn.execute(select(fulfillment_orders.c.status, func.count())
                                             .group_by(fulfillment_orders.c.status)).all()))
    assert statuses == {"Planning": 500, "Unfulfillable": 500}
    assert _received_shipped_reserved(db, item_id) == (STOCK, 0, 500)
    assert len(samples) > 10
    assert all(reserved + shipped <= received for received, shipped, reserved in samples)
    assert_ledger_balanced(db)
