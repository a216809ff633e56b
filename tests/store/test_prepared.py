"""Prepared statements read and write exactly what SQLAlchemy's own execution does, in
the caller's transaction, and fail with SQLAlchemy's exceptions."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from decimal import Decimal

import pytest
from sqlalchemy import bindparam, exc, insert, select, update

from fwscli.store.prepared import Prepared
from fwscli.store.schema import fulfillment_items, fulfillment_order_items, fulfillment_orders, merchants

_o = fulfillment_orders.c
NOW = datetime(2026, 11, 28, 12, 30, 15, 123456, tzinfo=timezone.utc)
ORDER = {
    "displayable_order_id": "D-1", "displayable_order_datetime": NOW - timedelta(days=1),
    "displayable_order_comment": "thanks", "shipping_speed": "Standard",
    "destination_address": {"Name": "Ada", "City": "Seattle", "Line2": None},
    "fulfillment_policy": "FillOrKill", "fulfillment_method": "Consumer",
    "notification_emails": ["a@example.com"], "status": "Received",
    "request_fingerprint": "f" * 64, "received_at": NOW, "status_updated_at": NOW,
}
INSERT_ORDER = Prepared(insert(fulfillment_orders).returning(_o.id))
ORDER_BY_ID = Prepared(select(fulfillment_orders).where(_o.merchant_id == bindparam("merchant_id"),
                                                        _o.merchant_order_id == bindparam("order_id")))
IN_FIXED_LIST = Prepared(select(_o.merchant_order_id).where(_o.status.in_(("Received", "Planning")))
                         .order_by(_o.id))


@pytest.fixture
def merchant_id(db, merchant) -> int:
    with db.read() as conn:
        return conn.execute(select(merchants.c.id)).scalar_one()


def test_rows_read_as_sqlalchemy_reads_them(db, merchant_id):
    with db.write() as conn:
        INSERT_ORDER.execute(conn, {**ORDER, "merchant_id": merchant_id, "merchant_order_id": "A"})
    with db.read() as conn:
        prepared = ORDER_BY_ID.execute(conn, {"merchant_id": merchant_id, "order_id": "A"}).one()
        plain = conn.execute(ORDER_BY_ID.statement, {"merchant_id": merchant_id, "order_id": "A"}).one()
    assert tuple(prepared) == tuple(plain)
    assert prepared._asdict() == dict(plain._mapping)
    assert prepared.received_at == NOW  # aware UTC, microseconds kept
    assert prepared.destination_address == ORDER["destination_address"]  # JSON


def test_writes_read_back_through_sqlalchemy(db, merchant_id):
    with db.write() as conn:
        order_pk = INSERT_ORDER.execute(conn, {**ORDER, "merchant_id": merchant_id,
                                               "merchant_order_id": "A"}).scalar_one()
        item_id = conn.execute(insert(fulfillment_items).returning(fulfillment_items.c.id).values(
            merchant_id=merchant_id, merchant_sku="SKU", fnsku="X000000001", condition="NewItem",
            is_active=True, created_at=NOW, updated_at=NOW)).scalar_one()
        lines = [{"order_pk": order_pk, "item_id": item_id, "merchant_order_item_id": f"L{n}",
                  "quantity": n, "order_item_disposition": "Sellable", "cancelled_quantity": 0,
                  "unfulfillable_quantity": 0, "declared_value_currency": "USD",
                  "declared_value_amount": Decimal("12.50")} for n in (1, 2)]
        Prepared(insert(fulfillment_order_items)).execute(conn, lines)  # executemany
    with db.read() as conn:
        stored = conn.execute(select(fulfillment_order_items.c.merchant_order_item_id,
                                     fulfillment_order_items.c.quantity,
                                     fulfillment_order_items.c.declared_value_amount)
                              .order_by(fulfillment_order_items.c.id)).all()
        assert [tuple(row) for row in stored] == [("L1", 1, Decimal("12.50")), ("L2", 2, Decimal("12.50"))]
        assert conn.execute(select(_o.received_at)).scalar_one() == NOW


def test_parameters_bound_ahead_write_what_plain_ones_write(db, merchant_id):
    """`bind` does the types' processing (times, JSON) before the transaction; run with
    bound=True, a statement takes the values as they are, and the rows are the same."""
    bound = INSERT_ORDER.bind(db.engine.dialect, {**ORDER, "merchant_id": merchant_id,
                                                  "merchant_order_id": "B"})
    with db.write() as conn:
        INSERT_ORDER.execute(conn, {**ORDER, "merchant_id": merchant_id, "merchant_order_id": "A"})
        # Some values bound ahead, others (a status, here) only once in the transaction.
        INSERT_ORDER.execute(conn, {**bound, **INSERT_ORDER.bind(conn.dialect, {"status": "Planning"})},
                             bound=True)
    with db.read() as conn:
        plain, ahead = (ORDER_BY_ID.execute(conn, {"merchant_id": merchant_id, "order_id": order_id}).one()
                        for order_id in ("A", "B"))
    assert ahead.status == "Planning"
    assert ahead._replace(id=plain.id, merchant_order_id="A", status="Received") == plain


def test_an_update_sets_the_columns_it_is_given(db, merchant_id):
    settle = Prepared(update(fulfillment_orders).where(_o.id == bindparam("order_pk")))
    with db.write() as conn:
        order_pk = INSERT_ORDER.execute(conn, {**ORDER, "merchant_id": merchant_id,
                                               "merchant_order_id": "A"}).scalar_one()
        assert settle.execute(conn, {"order_pk": order_pk, "status": "Planning"}).rowcount == 1
        settle.execute(conn, {"order_pk": order_pk, "due_at": NOW, "status_updated_at": NOW + timedelta(1)})
        assert settle.execute(conn, {"order_pk": order_pk + 1, "status": "Complete"}).rowcount == 0
    with db.read() as conn:
        row = conn.execute(select(_o.status, _o.due_at, _o.status_updated_at)).one()
    assert tuple(row) == ("Planning", NOW, NOW + timedelta(1))


def test_a_fixed_in_list_is_part_of_the_statement(db, merchant_id):
    with db.write() as conn:
        for order_id, status in (("A", "Received"), ("B", "Complete"), ("C", "Planning")):
            INSERT_ORDER.execute(conn, {**ORDER, "merchant_id": merchant_id, "merchant_order_id": order_id,
                                        "status": status, "request_fingerprint": order_id * 64})
    with db.read() as conn:
        assert [row.merchant_order_id for row in IN_FIXED_LIST.execute(conn)] == ["A", "C"]


def test_it_runs_in_the_callers_transaction(db, merchant_id):
    with pytest.raises(RuntimeError):
        with db.write() as conn:
            INSERT_ORDER.execute(conn, {**ORDER, "merchant_id": merchant_id, "merchant_order_id": "A"})
            raise RuntimeError("roll back")
    with db.read() as conn:
        assert ORDER_BY_ID.execute(conn, {"merchant_id": merchant_id, "order_id": "A"}).first() is None


def test_driver_errors_are_sqlalchemys(db, merchant_id):
    with db.write() as conn:
        INSERT_ORDER.execute(conn, {**ORDER, "merchant_id": merchant_id, "merchant_order_id": "A"})
    with pytest.raises(exc.IntegrityError):  # what create_order catches to detect a repeat
        with db.write() as conn:
            INSERT_ORDER.execute(conn, {**ORDER, "merchant_id": merchant_id, "merchant_order_id": "A"})


def test_a_missing_parameter_is_named(db):
    with db.read() as conn, pytest.raises(exc.ArgumentError, match="'order_id'"):
        ORDER_BY_ID.execute(conn, {"merchant_id": 1})


def test_a_list_the_caller_gives_is_refused_with_the_way_out(db):
    statement = Prepared(select(_o.id).where(_o.status.in_(bindparam("statuses", expanding=True))))
    with db.read() as conn, pytest.raises(exc.ArgumentError, match="one statement per list length"):
        statement.execute(conn, {"statuses": ["Received"]})


def test_the_statement_is_rewritten_once_on_first_use(db, merchant_id):
    statement = Prepared(select(_o.merchant_order_id).where(_o.status.in_(("Received",))))
    assert statement._statement is None  # building one at import costs nothing
    assert statement.statement is statement.statement
    with db.read() as conn:
        assert statement.execute(conn).all() == []


def test_a_statement_given_as_its_builder_is_built_at_first_use_once(db, merchant_id):
    built = []

    def build():
        built.append(1)
        return insert(fulfillment_orders).returning(_o.id)

    insert_order = Prepared(build)
    assert built == []  # importing a module that declares it builds nothing
    with db.write() as conn:
        for order_id in ("A", "B"):
            insert_order.execute(conn, {**ORDER, "merchant_id": merchant_id, "merchant_order_id": order_id})
    assert built == [1]
    with db.read() as conn:  # an INSERT's columns are the parameters given, as for a statement
        assert [row.merchant_order_id for row in conn.execute(select(_o.merchant_order_id))] == ["A", "B"]
