"""The tick on an injected clock: only due rows move, in due order, as of their due time;
nothing due costs one read; a failing step is postponed; racing ticks apply a step once."""

from __future__ import annotations

import threading
from dataclasses import replace
from datetime import timedelta

import pytest
from sqlalchemy import func, select, text

from fwscli.store.database import Database
from fwscli.store.schema import fulfillment_orders, inventory_movements
from fwscli.warehouse import inbound, orders, planning, tick
from fwscli.warehouse.simulation import Delays, Simulation

from ..audit import assert_ledger_balanced
from ..conftest import NOW
from .helpers import add_stock, register_item
from .test_orders import order_request

AUTO = Simulation("auto", Delays())
SLOW_PLANNING = Simulation("auto", Delays(plan=timedelta(minutes=10)))


@pytest.fixture
def sku(db, merchant):
    return register_item(db, merchant.merchant_id, "SKU-1")


def create(make_context, merchant, order_id: str, *, at=NOW, simulation=AUTO, quantity: int = 1) -> None:
    ctx = replace(make_context(merchant, now=at), simulation=simulation)
    orders.create_order(ctx, order_request(order_id, items=[
        {"MerchantSKU": "SKU-1", "MerchantFulfillmentOrderItemId": "1", "Quantity": quantity}]))


def status(db, order_id: str) -> tuple[str, object]:
    with db.read() as conn:
        row = conn.execute(select(fulfillment_orders.c.status, fulfillment_orders.c.status_updated_at)
                           .where(fulfillment_orders.c.merchant_order_id == order_id)).one()
    return row.status, row.status_updated_at


def test_nothing_due_costs_one_read_and_no_write(db, make_context, merchant, sku, monkeypatch):
    create(make_context, merchant, "O-1", simulation=SLOW_PLANNING)
    writes = []
    real_write = db.write
    monkeypatch.setattr(db, "write", lambda: writes.append(1) or real_write())
    assert tick.catch_up(db, NOW + timedelta(minutes=5), AUTO) == (NOW + timedelta(minutes=5), False)
    assert writes == [] and status(db, "O-1")[0] == "Received"


def test_nothing_committed_since_the_last_check_costs_no_read(db, make_context, merchant, sku, monkeypatch):
    create(make_context, merchant, "O-1", simulation=SLOW_PLANNING)
    tick.catch_up(db, NOW, AUTO)
    checks = []
    real_read = db.read_autocommit  # the check's: one statement
    monkeypatch.setattr(db, "read_autocommit", lambda: checks.append(1) or real_read())
    assert tick.catch_up(db, NOW + timedelta(minutes=5), AUTO) == (NOW + timedelta(minutes=5), False)
    # Time alone makes the order due: its plan runs without a new check.
    tick.catch_up(db, NOW + timedelta(minutes=10), AUTO)
    assert status(db, "O-1")[0] == "Unfulfillable"  # planned: no stock
    expected_checks = 0 if db.is_sqlite else 2  # PostgreSQL cannot tell: it checks each time
    assert len(checks) == expected_checks


def test_a_commit_by_another_process_is_seen_by_the_next_check(db, make_context, merchant, sku):
    """Another server process (here another Database on the same file) creates an order
    due soon: the next check of this one must not answer from what it saw before."""
    tick.catch_up(db, NOW, AUTO)  # remembers: nothing due
    other = Database(db.url, schema=db.schema)
    try:
        other_context = replace(make_context(merchant, now=NOW), db=other, simulation=SLOW_PLANNING)
        orders.create_order(other_context, order_request("ELSEWHERE", items=[
            {"MerchantSKU": "SKU-1", "MerchantFulfillmentOrderItemId": "1", "Quantity": 1}]))
    finally:
        other.dispose()
    tick.catch_up(db, NOW + timedelta(minutes=10), AUTO)
    assert status(db, "ELSEWHERE")[0] == "Unfulfillable"  # planned (no stock) by this check


def test_only_due_rows_move_and_as_of_their_due_time(db, make_context, merchant, sku):
    add_stock(db, merchant.merchant_id, sku[0], 5)
    create(make_context, merchant, "EARLY", simulation=SLOW_PLANNING)
    create(make_context, merchant, "LATE", at=NOW + timedelta(minutes=30), simulation=SLOW_PLANNING)
    applied = tick.run(db, NOW + timedelta(hours=1, minutes=5), SLOW_PLANNING)
    # EARLY: planned at 0:10, picked 0:10:30, shipped 0:11; LATE's plan is due at 0:40.
    assert status(db, "EARLY") == ("Complete", NOW + timedelta(minutes=11))
    assert status(db, "LATE") == ("Complete", NOW + timedelta(minutes=41))
    assert applied == 6
    assert tick.run(db, NOW + timedelta(days=1), AUTO) == 0  # nothing left due
    assert_ledger_balanced(db)


def test_a_zero_plan_delay_plans_in_the_create_as_the_tick_would(db, make_context, merchant, sku):
    add_stock(db, merchant.merchant_id, sku[0], 5)
    create(make_context, merchant, "AT-ONCE", simulation=AUTO, quantity=3)
    create(make_context, merchant, "BY-TICK", simulation=SLOW_PLANNING, quantity=2)
    create(make_context, merchant, "TOO-MANY", simulation=AUTO, quantity=4)  # FillOrKill, 2 left
    assert status(db, "AT-ONCE") == ("Planning", NOW)  # reserved, waiting to be picked
    assert status(db, "TOO-MANY") == ("Unfulfillable", NOW)
    assert status(db, "BY-TICK") == ("Received", NOW)
    assert tick.run(db, NOW + SLOW_PLANNING.delays.plan, SLOW_PLANNING) >= 1
    assert status(db, "BY-TICK") == ("Planning", NOW + SLOW_PLANNING.delays.plan)
    with db.read() as conn:
        reserved = dict(conn.execute(
            select(inventory_movements.c.document_id, func.sum(inventory_movements.c.quantity))
            .where(inventory_movements.c.kind == "reserved")
            .group_by(inventory_movements.c.document_id)).all())
    assert reserved == {"AT-ONCE": 3, "BY-TICK": 2}
    assert_ledger_balanced(db)


def test_a_create_reserves_across_centers_when_no_one_center_has_it_all(db, make_context, merchant, sku):
    add_stock(db, merchant.merchant_id, sku[0], 3, center="PHL1")
    add_stock(db, merchant.merchant_id, sku[0], 2, center="RNO1")

    def create_by(policy: str, order_id: str, quantity: int) -> None:
        ctx = replace(make_context(merchant), simulation=AUTO)
        orders.create_order(ctx, order_request(order_id, FulfillmentPolicy=policy, items=[
            {"MerchantSKU": "SKU-1", "MerchantFulfillmentOrderItemId": "1", "Quantity": quantity}]))

    create_by("FillOrKill", "SPLIT", 4)  # 3 + 1: at no one center
    create_by("FillOrKill", "KILLED", 2)  # 1 left
    create_by("FillAllAvailable", "PARTLY", 2)
    with db.read() as conn:
        reserved = conn.execute(
            select(inventory_movements.c.document_id, inventory_movements.c.fulfillment_center_id,
                   inventory_movements.c.quantity)
            .where(inventory_movements.c.kind == "reserved").order_by(inventory_movements.c.id)).all()
    assert [tuple(row) for row in reserved] == [("SPLIT", "PHL1", 3), ("SPLIT", "RNO1", 1),
                                                ("PARTLY", "RNO1", 1)]
    assert status(db, "KILLED")[0] == "Unfulfillable"
    assert orders.get_order(make_context(merchant), "PARTLY").items[0].unfulfillable_quantity == 1
    assert_ledger_balanced(db)


def test_an_order_of_the_most_lines_is_written_line_by_line_as_planned(db, make_context, merchant, sku):
    """Its 250 lines are one INSERT: each keeps its own values, in line order."""
    add_stock(db, merchant.merchant_id, sku[0], 200)
    ctx = replace(make_context(merchant), simulation=AUTO)
    orders.create_order(ctx, order_request("MANY", FulfillmentPolicy="FillAllAvailable", items=[
        {"MerchantSKU": "SKU-1", "MerchantFulfillmentOrderItemId": f"L{n:03d}", "Quantity": 1,
         "GiftMessage": f"gift {n}"} for n in range(250)]))
    items = orders.get_order(ctx, "MANY").items
    assert [(item.merchant_order_item_id, item.gift_message) for item in items] == \
        [(f"L{n:03d}", f"gift {n}") for n in range(250)]
    # Stock for 200: the last 50 lines are the unfulfillable ones.
    assert [item.unfulfillable_quantity for item in items] == [0] * 200 + [1] * 50
    assert_ledger_balanced(db)


def ship_inbound(ctx, shipment_id: str, *, quantity: int) -> None:
    """An inbound shipment of SKU-1 to PHL1, marked Shipped."""
    inbound.put_shipment(ctx, {"ShipmentId": shipment_id, "ShipmentName": "s", "DestinationFulfillmentCenter": "PHL1",
                               "ShipFromAddress": {"Name": "n", "AddressLine1": "l", "City": "c",
                                                   "StateOrProvinceCode": "WA", "CountryCode": "US",
                                                   "PostalCode": "98101"}},
                         [{"MerchantSKU": "SKU-1", "Quantity": quantity}])
    inbound.set_status(ctx, shipment_id, "Shipped")


def test_steps_fall_in_due_order_across_shipments_and_orders(db, make_context, merchant, sku):
    """Stock received at 0:01:30 is there for an order planned at 0:10, however late the tick."""
    ctx = replace(make_context(merchant), simulation=AUTO)
    ship_inbound(ctx, "FBA-1", quantity=3)
    create(make_context, merchant, "O-1", simulation=SLOW_PLANNING, quantity=3)
    tick.run(db, NOW + timedelta(days=2), AUTO)
    assert inbound.get_shipment(ctx, "FBA-1").status == "Closed"
    assert status(db, "O-1")[0] == "Complete"  # not Unfulfillable: the stock came first
    assert_ledger_balanced(db)


def create_fill_all(make_context, merchant, order_id: str, quantity: int) -> None:
    ctx = replace(make_context(merchant), simulation=AUTO)
    orders.create_order(ctx, order_request(order_id, FulfillmentPolicy="FillAll", items=[
        {"MerchantSKU": "SKU-1", "MerchantFulfillmentOrderItemId": "1", "Quantity": quantity}]))


def test_a_fill_all_order_waiting_a_week_is_not_looked_at_every_30_seconds(db, make_context, merchant, sku):
    """While nothing can change its stock, every look would find what the last one found:
    a week's clock advance costs a step or two, not 20,160 write transactions."""
    create_fill_all(make_context, merchant, "WAITING", 2)
    week = NOW + timedelta(days=7)
    assert tick.run(db, week, AUTO) <= 2
    assert status(db, "WAITING") == ("Planning", NOW)

    add_stock(db, merchant.merchant_id, sku[0], 5, now=week)  # an operator's stocktake
    tick.run(db, week + timedelta(minutes=5), AUTO)
    assert status(db, "WAITING") == ("Complete", week + AUTO.delays.replan + AUTO.delays.pick + AUTO.delays.ship)
    assert_ledger_balanced(db)


def test_a_waiting_fill_all_order_still_sees_stock_received_on_the_way(db, make_context, merchant, sku):
    """The looks it skips are only those before the next step of anything else: stock an
    inbound shipment brings at 0:01:30 is reserved at the look after, however late the tick."""
    ctx = replace(make_context(merchant), simulation=AUTO)
    ship_inbound(ctx, "FBA-1", quantity=3)
    create_fill_all(make_context, merchant, "WAITING", 3)
    tick.run(db, NOW + timedelta(days=2), AUTO)
    # Received at 0:01:30 (the look due then went first); reserved at 0:02, picked, shipped.
    assert status(db, "WAITING") == ("Complete", NOW + timedelta(minutes=3))
    assert_ledger_balanced(db)


MANUAL = Simulation("manual", Delays())


def test_a_server_restarted_in_manual_mode_leaves_the_physical_steps_to_operators(db, make_context, merchant, sku):
    """An order planned while the warehouse ran in auto mode is due to be picked: once the
    mode is manual, nobody but an operator picks it (and its look for stock still runs)."""
    add_stock(db, merchant.merchant_id, sku[0], 5)
    create(make_context, merchant, "PLANNED")             # auto: due to be picked at 0:00:30
    create_fill_all(make_context, merchant, "WAITING", 9)  # looks for stock every 30 s
    tick.run(db, NOW + timedelta(hours=1), MANUAL)
    assert status(db, "PLANNED") == ("Planning", NOW)
    assert status(db, "WAITING")[0] == "Planning"
    add_stock(db, merchant.merchant_id, sku[0], 20, now=NOW + timedelta(hours=1))
    tick.run(db, NOW + timedelta(hours=2), MANUAL)
    with db.read() as conn:
        reserved = dict(conn.execute(
            select(inventory_movements.c.document_id, func.sum(inventory_movements.c.quantity))
            .where(inventory_movements.c.kind == "reserved")
            .group_by(inventory_movements.c.document_id)).all())
    assert reserved == {"PLANNED": 1, "WAITING": 9}  # planning is the system's, in both modes
    assert status(db, "WAITING")[0] == "Planning"      # but nobody picked it
    assert tick.run(db, NOW + timedelta(days=1), MANUAL) == 0
    assert_ledger_balanced(db)


def test_a_server_started_in_auto_mode_moves_what_manual_mode_left_to_operators(db, make_context, merchant, sku):
    add_stock(db, merchant.merchant_id, sku[0], 5)
    ctx = replace(make_context(merchant), simulation=MANUAL)
    orders.create_order(ctx, order_request("MANUAL-1", items=[
        {"MerchantSKU": "SKU-1", "MerchantFulfillmentOrderItemId": "1", "Quantity": 2}]))
    later = NOW + timedelta(hours=1)
    assert tick.run(db, later, AUTO) == 0  # nothing is due: it waits for an operator
    assert tick.resume_stranded(db, later, AUTO) == 1
    tick.run(db, later + timedelta(minutes=5), AUTO)
    assert status(db, "MANUAL-1") == ("Complete", later + AUTO.delays.ship)
    assert tick.resume_stranded(db, later, MANUAL) == 0  # manual mode wants them left alone
    assert_ledger_balanced(db)


def test_the_due_lookup_uses_the_index(db):
    if not db.is_sqlite:
        pytest.skip("SQLite's plan is deterministic; PostgreSQL picks by table statistics")
    for table in ("fulfillment_orders", "inbound_shipments"):
        with db.read() as conn:
            plan = " ".join(str(row[-1]) for row in conn.execute(text(
                f"EXPLAIN QUERY PLAN SELECT id FROM {table} WHERE due_at <= :now LIMIT 1"), {"now": NOW}))
        assert f"ix_{table}_due_at" in plan, plan


def test_a_failing_step_is_postponed_and_the_others_go_on(db, make_context, merchant, sku, monkeypatch):
    add_stock(db, merchant.merchant_id, sku[0], 5)
    create(make_context, merchant, "BROKEN", simulation=SLOW_PLANNING)
    create(make_context, merchant, "FINE", simulation=SLOW_PLANNING)
    real_plan = planning.plan

    def plan(conn, order, at, simulation, **options):
        if order.merchant_order_id == "BROKEN":
            raise RuntimeError("a bug")
        return real_plan(conn, order, at, simulation, **options)

    monkeypatch.setattr(planning, "plan", plan)
    later = NOW + SLOW_PLANNING.delays.plan + timedelta(seconds=5)
    tick.run(db, later, Simulation("manual"))
    assert status(db, "FINE")[0] == "Planning"
    assert status(db, "BROKEN")[0] == "Received"
    with db.read() as conn:
        due = conn.execute(select(fulfillment_orders.c.due_at)
                           .where(fulfillment_orders.c.merchant_order_id == "BROKEN")).scalar_one()
    assert due == later + tick.RETRY_AFTER


def test_racing_ticks_apply_each_step_once(db, make_context, merchant, sku):
    add_stock(db, merchant.merchant_id, sku[0], 30)
    for n in range(20):
        create(make_context, merchant, f"O-{n}")
    errors: list[BaseException] = []
    barrier = threading.Barrier(4)

    def run() -> None:
        barrier.wait()
        try:
            tick.run(db, NOW + timedelta(hours=1), AUTO)
        except BaseException as error:  # noqa: BLE001 - collected for the assertion
            errors.append(error)

    threads = [threading.Thread(target=run) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    with db.read() as conn:
        kinds = dict(conn.execute(select(inventory_movements.c.kind, func.count())
                                  .group_by(inventory_movements.c.kind)).all())
    assert (kinds["reserved"], kinds["shipped"]) == (20, 20)
    assert all(status(db, f"O-{n}")[0] == "Complete" for n in range(20))
    assert_ledger_balanced(db)
