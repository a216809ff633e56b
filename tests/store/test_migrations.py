"""Migrations: the head constant the fast schema check uses, and a migrated database that
matches the tables the code describes (no drift between schema.py and versions/)."""

from __future__ import annotations

import multiprocessing
import uuid

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import insert, inspect, select, text
from sqlalchemy.exc import IntegrityError

from fwscli.store.database import Database
from fwscli.store.migrations import (
    HEAD_REVISION, NotAnFwsDatabase, current_revision, drop_schema, known_revisions, open_database,
    script_head, token_secret, upgrade,
)
from fwscli.store.schema import inbound_shipment_items, metadata
from fwscli.warehouse import accounts
from fwscli.warehouse.context import Caller, Context
from fwscli.warehouse.network import FulfillmentNetwork
from fwscli.warehouse.paging import TokenCodec

from ..conftest import NOW, TEST_DATABASE_URL
from ..production import database_at, served_url
from ..warehouse.test_inbound import call, lines, register


def test_head_constant_is_the_newest_revision_file():
    assert HEAD_REVISION == script_head(), "bump HEAD_REVISION in fwscli/store/migrations/__init__.py"


def test_known_revisions_are_alembics():
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    from fwscli.store.migrations import HERE

    config = Config()
    config.set_main_option("script_location", str(HERE))
    assert known_revisions() == {script.revision for script in ScriptDirectory.from_config(config).walk_revisions()}


def test_migrated_schema_matches_the_tables_in_code(db):
    assert current_revision(db) == HEAD_REVISION
    with db.engine.connect() as conn:
        differences = compare_metadata(MigrationContext.configure(conn), metadata)
    assert differences == []


@pytest.fixture
def fresh_urls(db, tmp_path):
    """fresh_urls(n): URLs of n new, empty databases of this test's kind."""
    made: list[Database] = []

    def make(count: int) -> list[str]:
        urls = []
        for n in range(count):
            if db.is_sqlite:
                urls.append(f"sqlite:///{tmp_path / f'fresh-{n}.db'}")
                continue
            fresh = Database(TEST_DATABASE_URL, schema=f"fresh_{uuid.uuid4().hex[:12]}")
            with fresh.engine.begin() as conn:
                conn.execute(text(f'CREATE SCHEMA "{fresh.schema}"'))
            made.append(fresh)
            urls.append(served_url(fresh))
        return urls

    yield make
    for fresh in made:
        drop_schema(fresh)
        fresh.dispose()


def _open_when_ready(url: str, ready, failures) -> None:
    """In a process of its own: what a server's start does to its database."""
    ready.wait()
    try:
        opened = open_database(url, create=True)
        try:
            token_secret(opened)
        finally:
            opened.dispose()
    except Exception as error:  # noqa: BLE001 - reported by the test
        failures.put(f"{type(error).__name__}: {str(error).splitlines()[0]}")


@pytest.mark.slow
def test_processes_opening_a_new_database_at_once_all_get_it_whole(fresh_urls):
    # Two servers first started together on a new database (or `fws server init` beside a
    # start): the losers of the race failed. On SQLite "database is locked", in the
    # migration or in making the new file WAL; on PostgreSQL on a duplicate table, or
    # without the token secret the winner had not written yet.
    processes = multiprocessing.get_context("spawn")
    for url in fresh_urls(5):
        ready, failures = processes.Barrier(5), processes.Queue()
        openers = [processes.Process(target=_open_when_ready, args=(url, ready, failures))
                   for _ in range(5)]
        for opener in openers:
            opener.start()
        for opener in openers:
            opener.join(120)
        assert [opener.exitcode for opener in openers] == [0] * 5
        assert [failures.get() for _ in range(failures.qsize())] == []


@pytest.mark.parametrize("tables", [["users"], ["settings", "users"]])
def test_a_database_of_another_application_is_left_alone(fresh_urls, tables):
    # fws created its tables beside another application's (a mistyped --database) or, on a
    # table name both use, failed half-way: "relation settings already exists".
    [url] = fresh_urls(1)
    other = Database(url)
    try:
        with other.engine.begin() as conn:
            for table in tables:
                conn.execute(text(f"CREATE TABLE {table} (id INTEGER)"))
        with pytest.raises(NotAnFwsDatabase, match=f"holds {len(tables)} tables \\({', '.join(tables)}\\)"):
            open_database(url, create=True)
        with pytest.raises(NotAnFwsDatabase):
            upgrade(other)
        assert sorted(inspect(other.engine).get_table_names()) == tables
    finally:
        other.dispose()


# --- 0005: the order date keeps the merchant's UTC offset -----------------------------------

# The fingerprint fws wrote for OLD_ORDER before 0005 (its date as the UTC instant alone).
OLD_FINGERPRINT = "22d38f7f2bae710b1723f3470aa6a4aa5f494500c2367ad91258265231430d04"


@pytest.fixture
def database_at_0004(db, tmp_path):
    """A database of this test's kind at revision 0004: before order dates kept offsets (0005)
    and before inbound lines' ids were AUTOINCREMENT on SQLite (0006)."""
    with database_at(db, tmp_path, "0004") as old:
        yield old


def test_orders_written_before_0005_read_back_and_repeat_after_the_upgrade(database_at_0004):
    from datetime import datetime, timezone

    from sqlalchemy import insert

    from fwscli.service.app import FwsApp
    from fwscli.store.schema import fulfillment_order_items, fulfillment_orders
    from fwscli.warehouse import accounts

    from ..conftest import NOW
    from ..http import LiveServer, SignedClient
    from ..service.samples import DESTINATION, order
    from ..warehouse.helpers import register_item

    old = database_at_0004
    with old.write() as conn:
        merchant = accounts.create_merchant(conn, "Old Merchant", NOW)
    item_id, _ = register_item(old, merchant.merchant_id, "SKU-1")
    # OLD-1 as fws wrote it before 0005, sent as 2026-11-27T12:00:00-08:00.
    with old.write() as conn:
        order_pk = conn.execute(insert(fulfillment_orders).values(
            merchant_id=merchant.merchant_id, merchant_order_id="OLD-1", displayable_order_id="OLD-1",
            displayable_order_datetime=datetime(2026, 11, 27, 20, 0, tzinfo=timezone.utc),
            displayable_order_comment="Thank you for your order", shipping_speed="Standard",
            destination_address=DESTINATION, fulfillment_policy="FillOrKill",
            fulfillment_method="Consumer", notification_emails=[], status="Unfulfillable",
            request_fingerprint=OLD_FINGERPRINT, received_at=NOW, status_updated_at=NOW,
        ).returning(fulfillment_orders.c.id)).scalar_one()
        conn.execute(insert(fulfillment_order_items).values(
            order_pk=order_pk, item_id=item_id, merchant_order_item_id="1", quantity=2,
            order_item_disposition="Sellable", cancelled_quantity=0, unfulfillable_quantity=2))

    upgrade(old)
    assert current_revision(old) == HEAD_REVISION
    with LiveServer(FwsApp(old)) as server:
        client = SignedClient(server.url, merchant.access_key_id, merchant.secret_access_key)
        old_order = order("OLD-1", ("SKU-1", 2), DisplayableOrderDateTime="2026-11-27T12:00:00-08:00")
        client.call("outbound", "CreateFulfillmentOrder", old_order)  # still its repeat
        got = client.call("outbound", "GetFulfillmentOrder", {"MerchantFulfillmentOrderId": "OLD-1"})
        # Its offset was never kept: the same instant, in UTC, as before.
        assert got["FulfillmentOrder"]["DisplayableOrderDateTime"] == "2026-11-27T20:00:00Z"
        assert got["FulfillmentOrder"]["FulfillmentOrderStatus"] == "Unfulfillable"
        assert len(got["FulfillmentOrderItem"]) == 1
        with pytest.raises(Exception, match="already used by a different order"):
            client.call("outbound", "CreateFulfillmentOrder", order("OLD-1", ("SKU-1", 3)))
        client.call("outbound", "CreateFulfillmentOrder",
                    order("NEW-1", ("SKU-1", 2), DisplayableOrderDateTime="2026-11-27T12:00:00-08:00"))
        listed = client.call("outbound", "ListAllFulfillmentOrders", {"QueryStartDateTime": "2000-01-01T00:00:00Z"})
        assert {row["MerchantFulfillmentOrderId"]: row["DisplayableOrderDateTime"]
                for row in listed["FulfillmentOrder"]} == {"OLD-1": "2026-11-27T20:00:00Z",
                                                            "NEW-1": "2026-11-27T12:00:00-08:00"}


# --- 0006: SQLite never gives a deleted inbound line's id again ---------------------------

def _shipment_at_0004(db: Database, merchant_id: int, quantities: dict[str, int]) -> None:
    """FBA000001 with a line per SKU, written as at 0004 (today's code writes columns that
    later revisions added)."""
    from fwscli.store.schema import fulfillment_items, inbound_shipments

    from ..service.samples import SHIP_FROM

    with db.write() as conn:
        items = dict(conn.execute(select(fulfillment_items.c.merchant_sku, fulfillment_items.c.id)
                                  .where(fulfillment_items.c.merchant_id == merchant_id)).all())
        shipment_pk = conn.execute(insert(inbound_shipments).values(
            merchant_id=merchant_id, shipment_id="FBA000001", shipment_name="Shipment 1", status="Working",
            destination_fc="PHL1", ship_from_address=SHIP_FROM, created_at=NOW, updated_at=NOW,
            status_updated_at=NOW).returning(inbound_shipments.c.id)).scalar_one()
        for sku, quantity in quantities.items():
            conn.execute(insert(inbound_shipment_items).values(
                shipment_pk=shipment_pk, item_id=items[sku], quantity_shipped=quantity, quantity_received=0))


def _lines(db: Database) -> list[tuple]:
    lines = inbound_shipment_items.c
    with db.read() as conn:
        return [tuple(row) for row in conn.execute(
            select(lines.id, lines.shipment_pk, lines.item_id, lines.quantity_shipped,
                   lines.quantity_received).order_by(lines.id))]


def test_0006_keeps_inbound_lines_and_never_gives_their_ids_again(database_at_0004):
    old = database_at_0004
    with old.write() as conn:
        merchant = accounts.create_merchant(conn, "Old Merchant", NOW)
    ctx = Context(db=old, caller=Caller(merchant.access_key_id, "merchant", merchant.merchant_id),
                  now=NOW, network=FulfillmentNetwork.default(), tokens=TokenCodec(b"secret"),
                  request_id=str(uuid.uuid4()))
    register(ctx, "SKU-A", "SKU-B", "SKU-C", "SKU-D")
    _shipment_at_0004(old, merchant.merchant_id, {"SKU-A": 1, "SKU-B": 2, "SKU-C": 3})
    before = _lines(old)
    upgrade(old)
    assert current_revision(old) == HEAD_REVISION
    assert _lines(old) == before
    # The lines with the largest ids deleted, a new one gets a new id all the same.
    call(ctx, "DeleteInboundShipmentItems", ShipmentId="FBA000001", MerchantSKU=["SKU-B", "SKU-C"])
    call(ctx, "PutInboundShipmentItems", ShipmentId="FBA000001", MerchantSKUQuantityItem=lines(SKU_D=4))
    after = _lines(old)
    assert after[0] == before[0] and after[1][0] > before[-1][0]
    # The rebuilt table kept its constraints and index.
    shipment_pk, item_id = before[0][1], before[0][2]
    for values in ({"shipment_pk": shipment_pk, "item_id": item_id, "quantity_shipped": 1},
                   {"shipment_pk": shipment_pk, "item_id": after[1][2] + 1000, "quantity_shipped": 1},
                   {"shipment_pk": shipment_pk, "item_id": before[1][2], "quantity_shipped": -1}):
        with pytest.raises(IntegrityError), old.write() as conn:
            conn.execute(insert(inbound_shipment_items).values(quantity_received=0, **values))
    with old.engine.connect() as conn:
        indexes = {index["name"] for index in inspect(conn).get_indexes("inbound_shipment_items")}
    assert "ix_inbound_shipment_items_shipment_pk_id" in indexes


# --- 0007: what was in progress before 0003 moved things ----------------------------------

@pytest.mark.parametrize("revision", ["0002", "0006"])
def test_orders_and_shipments_in_progress_before_0003_move_on_after_the_upgrade(db, tmp_path, revision):
    # 0003 gave orders and inbound shipments a due time, but left NULL the ones already
    # waiting: a Received order was then never planned, in either mode, nor a Shipped
    # shipment ever received by an auto-mode warehouse (the embedded service's). 0007 makes
    # them due, whether the database comes from before 0003 or was upgraded past it (0006).
    from datetime import timedelta

    from fwscli.store.schema import (
        fulfillment_order_items, fulfillment_orders, inbound_shipment_items, inbound_shipments,
    )
    from fwscli.warehouse import tick
    from fwscli.warehouse.simulation import Simulation

    from ..audit import assert_ledger_balanced
    from ..service.samples import DESTINATION, SHIP_FROM
    from ..warehouse.helpers import add_stock, register_item

    with database_at(db, tmp_path, revision) as old:
        with old.write() as conn:
            merchant = accounts.create_merchant(conn, "Old Merchant", NOW)
        item_id, _ = register_item(old, merchant.merchant_id, "SKU-1")
        with old.write() as conn:  # as fws wrote them then: no due time, no ledger rows
            order_pk = conn.execute(insert(fulfillment_orders).values(
                merchant_id=merchant.merchant_id, merchant_order_id="OLD-1", displayable_order_id="OLD-1",
                displayable_order_datetime=NOW, displayable_order_comment="Thanks", shipping_speed="Standard",
                destination_address=DESTINATION, fulfillment_policy="FillOrKill", fulfillment_method="Consumer",
                notification_emails=[], status="Received", request_fingerprint="0" * 64, received_at=NOW,
                status_updated_at=NOW).returning(fulfillment_orders.c.id)).scalar_one()
            conn.execute(insert(fulfillment_order_items).values(
                order_pk=order_pk, item_id=item_id, merchant_order_item_id="1", quantity=2,
                cancelled_quantity=0, unfulfillable_quantity=0))
            shipment_pk = conn.execute(insert(inbound_shipments).values(
                merchant_id=merchant.merchant_id, shipment_id="FBA-OLD", shipment_name="Old", status="Shipped",
                destination_fc="PHL1", ship_from_address=SHIP_FROM, created_at=NOW, updated_at=NOW,
                status_updated_at=NOW).returning(inbound_shipments.c.id)).scalar_one()
            conn.execute(insert(inbound_shipment_items).values(
                shipment_pk=shipment_pk, item_id=item_id, quantity_shipped=3, quantity_received=0))
        upgrade(old)
        # The shipment's expected units, as SetInboundShipmentStatus puts them on the ledger now.
        add_stock(old, merchant.merchant_id, item_id, 3, kind="inbound_expected")
        add_stock(old, merchant.merchant_id, item_id, 2)
        tick.run(old, NOW + timedelta(days=1), Simulation("auto"))
        with old.read() as conn:
            assert conn.execute(select(fulfillment_orders.c.status)).scalar_one() == "Complete"
            assert conn.execute(select(inbound_shipments.c.status)).scalar_one() == "Closed"
        assert_ledger_balanced(old)


# --- 0008: what changed before the upgrade is listed as changed then ----------------------

def test_changes_written_before_0008_are_listed_from_their_own_time(db, tmp_path):
    from datetime import timedelta

    from fwscli.store.schema import fulfillment_orders, inbound_shipments, inventory_balances
    from fwscli.warehouse import inbound, orders, supply

    from ..service.samples import DESTINATION, SHIP_FROM
    from ..warehouse.helpers import register_item

    with database_at(db, tmp_path, "0007") as old:
        with old.write() as conn:
            merchant = accounts.create_merchant(conn, "Old Merchant", NOW)
        item_id, _ = register_item(old, merchant.merchant_id, "SKU-1")
        with old.write() as conn:  # as fws wrote them then: no visible_at
            conn.execute(insert(fulfillment_orders).values(
                merchant_id=merchant.merchant_id, merchant_order_id="OLD-1", displayable_order_id="OLD-1",
                displayable_order_datetime=NOW, displayable_order_comment="Thanks", shipping_speed="Standard",
                destination_address=DESTINATION, fulfillment_policy="FillOrKill", fulfillment_method="Consumer",
                notification_emails=[], status="Cancelled", request_fingerprint="0" * 64, received_at=NOW,
                status_updated_at=NOW))
            conn.execute(insert(inventory_balances).values(
                merchant_id=merchant.merchant_id, item_id=item_id, fulfillment_center_id="PHL1",
                disposition="Sellable", in_stock=4, inbound=0, reserved=0, updated_at=NOW))
            conn.execute(insert(inbound_shipments).values(
                merchant_id=merchant.merchant_id, shipment_id="FBA-OLD", shipment_name="Old", status="Working",
                destination_fc="PHL1", ship_from_address=SHIP_FROM, created_at=NOW, updated_at=NOW,
                status_updated_at=NOW))
        upgrade(old)
        ctx = Context(db=old, caller=Caller(merchant.access_key_id, "merchant", merchant.merchant_id),
                      now=NOW + timedelta(hours=1), network=FulfillmentNetwork.default(),
                      tokens=TokenCodec(b"secret"), request_id=str(uuid.uuid4()))
        assert [o.merchant_order_id for o in orders.list_orders(ctx, start=NOW).rows] == ["OLD-1"]
        assert orders.list_orders(ctx, start=NOW + timedelta(seconds=1)).rows == []
        assert [s.merchant_sku for s in supply.list_updated_supply(ctx, start=NOW).rows] == ["SKU-1"]
        assert supply.list_updated_supply(ctx, start=NOW + timedelta(seconds=1)).rows == []

        def created_after(moment):
            return [s.shipment_id for s in inbound.list_shipments(
                ctx, statuses=[], created_before=None, created_after=moment, after_id=None, limit=10)]

        assert created_after(NOW - timedelta(seconds=1)) == ["FBA-OLD"]
        assert created_after(NOW) == []
