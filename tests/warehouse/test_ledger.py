"""The inventory ledger: movement effects, invariants, and racing writers."""

from __future__ import annotations

import random
import threading
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from fwscli.store.schema import inventory_balances, inventory_movements
from fwscli.warehouse import ledger
from fwscli.warehouse.ledger import Balance, InsufficientStock

from ..conftest import NOW
from .helpers import add_stock, register_item


@pytest.fixture
def item(db, merchant):
    item_id, _ = register_item(db, merchant.merchant_id, "SKU-1")
    return item_id


def _move(db, merchant, item, kind, quantity, center="PHL1", **kw):
    with db.write() as conn:
        ledger.record_movement(conn, merchant_id=merchant.merchant_id, item_id=item,
                               fulfillment_center_id=center, kind=kind, quantity=quantity,
                               now=NOW, **kw)


def _balance(db, merchant, item) -> Balance:
    with db.read() as conn:
        return ledger.balances(conn, merchant.merchant_id, [item])[item]


def _movement_count(db) -> int:
    with db.read() as conn:
        return conn.execute(select(func.count()).select_from(inventory_movements)).scalar_one()


@pytest.mark.parametrize("moves, expected", [
    ([("inbound_expected", 10)], Balance(inbound=10)),
    ([("inbound_expected", 10), ("inbound_cancelled", 4)], Balance(inbound=6)),
    ([("inbound_expected", 10), ("received", 7)], Balance(in_stock=7, inbound=3)),
    # More arrived than announced: the announced part is received, the rest is unexpected.
    ([("inbound_expected", 5), ("received", 5), ("received_unexpected", 3)], Balance(in_stock=8)),
    ([("received_unexpected", 3)], Balance(in_stock=3)),
    ([("adjusted_in", 9), ("reserved", 4)], Balance(in_stock=9, reserved=4)),
    ([("adjusted_in", 9), ("reserved", 4), ("released", 1)], Balance(in_stock=9, reserved=3)),
    ([("adjusted_in", 9), ("reserved", 4), ("shipped", 4)], Balance(in_stock=5)),
    ([("adjusted_in", 9), ("adjusted_out", 9)], Balance()),
])
def test_each_kind_moves_the_balance(db, merchant, item, moves, expected):
    for kind, quantity in moves:
        _move(db, merchant, item, kind, quantity)
    assert _balance(db, merchant, item) == expected
    assert _movement_count(db) == len(moves)


@pytest.mark.parametrize("setup, kind, quantity", [
    ([], "inbound_cancelled", 1),
    ([("inbound_expected", 2)], "inbound_cancelled", 3),
    ([("inbound_expected", 2)], "received", 3),  # beyond what was announced: received_unexpected
    ([], "reserved", 1),
    ([("adjusted_in", 5), ("reserved", 3)], "reserved", 3),
    ([("adjusted_in", 5), ("reserved", 2)], "released", 3),
    ([("adjusted_in", 5), ("reserved", 2)], "shipped", 3),
    ([("adjusted_in", 5)], "shipped", 1),  # in stock but never reserved
    ([("adjusted_in", 5), ("reserved", 2)], "adjusted_out", 4),  # reserved units stay
    ([], "adjusted_out", 1),
])
def test_a_movement_beyond_the_balance_is_refused_and_changes_nothing(db, merchant, item, setup,
                                                                      kind, quantity):
    for setup_kind, setup_quantity in setup:
        _move(db, merchant, item, setup_kind, setup_quantity)
    before, movements = _balance(db, merchant, item), _movement_count(db)

    with pytest.raises(InsufficientStock) as caught:
        _move(db, merchant, item, kind, quantity)

    assert kind in str(caught.value) and "PHL1" in str(caught.value)
    assert _balance(db, merchant, item) == before
    assert _movement_count(db) == movements


@pytest.mark.parametrize("kind", ["inbound_expected", "received_unexpected", "adjusted_in"])
def test_a_balance_may_not_grow_past_the_schemas_int(db, merchant, item, kind):
    most = 2**31 - 1  # xs:int: what the inventory and operator services report it as
    _move(db, merchant, item, kind, most - 1)
    before, movements = _balance(db, merchant, item), _movement_count(db)
    with pytest.raises(ledger.BalanceLimit, match=f"past {most}"):
        _move(db, merchant, item, kind, 2)
    assert (_balance(db, merchant, item), _movement_count(db)) == (before, movements)
    _move(db, merchant, item, kind, 1)


def test_a_refused_movement_creates_no_balance_row(db, merchant, item):
    with pytest.raises(InsufficientStock):
        _move(db, merchant, item, "reserved", 1)
    with db.read() as conn:
        assert conn.execute(select(func.count()).select_from(inventory_balances)).scalar_one() == 0


@pytest.mark.parametrize("kind, quantity", [("stolen", 1), ("adjusted_in", 0), ("adjusted_in", -2)])
def test_unknown_kinds_and_non_positive_quantities_are_programming_errors(db, merchant, item,
                                                                         kind, quantity):
    with pytest.raises(ValueError):
        _move(db, merchant, item, kind, quantity)
    assert _movement_count(db) == 0


def test_movements_are_recorded_with_their_document(db, merchant, item):
    _move(db, merchant, item, "adjusted_in", 4, reason="cycle count", document_type="count",
          document_id="C-1")
    with db.read() as conn:
        row = conn.execute(select(inventory_movements)).one()
    assert (row.kind, row.quantity, row.reason, row.document_type, row.document_id) == \
        ("adjusted_in", 4, "cycle count", "count", "C-1")
    assert row.created_at == NOW


def test_the_balance_carries_the_time_of_its_last_movement(db, merchant, item):
    _move(db, merchant, item, "adjusted_in", 4)
    later = NOW + timedelta(hours=2)
    with db.write() as conn:
        ledger.record_movement(conn, merchant_id=merchant.merchant_id, item_id=item,
                               fulfillment_center_id="PHL1", kind="reserved", quantity=1, now=later)
    with db.read() as conn:
        assert conn.execute(select(inventory_balances.c.updated_at)).scalar_one() == later


def test_balances_total_every_center_and_default_to_zero(db, merchant, item):
    other, _ = register_item(db, merchant.merchant_id, "SKU-2")
    never, _ = register_item(db, merchant.merchant_id, "SKU-3")
    add_stock(db, merchant.merchant_id, item, 5, center="PHL1")
    add_stock(db, merchant.merchant_id, item, 7, center="RNO1")
    add_stock(db, merchant.merchant_id, other, 2, center="RNO1", kind="inbound_expected")
    with db.read() as conn:
        totals = ledger.balances(conn, merchant.merchant_id, [item, other, never])
    assert totals == {item: Balance(in_stock=12), other: Balance(inbound=2), never: Balance()}
    assert totals[item].available == 12


def test_balances_are_scoped_to_the_merchant(db, merchant, other_merchant, item):
    add_stock(db, merchant.merchant_id, item, 5)
    with db.read() as conn:
        assert ledger.balances(conn, other_merchant.merchant_id, [item]) == {item: Balance()}


def test_the_sum_of_movements_is_the_balance(db, merchant, item):
    """Random movements, some refused: replaying the recorded ones gives the balances."""
    chance = random.Random(7)
    for _ in range(150):
        kind = chance.choice(ledger.KINDS)
        center = chance.choice(["PHL1", "RNO1"])
        try:
            _move(db, merchant, item, kind, chance.randint(1, 6), center=center)
        except InsufficientStock:
            pass

    replayed: dict[str, dict[str, int]] = {}
    with db.read() as conn:
        movements = conn.execute(select(inventory_movements).order_by(inventory_movements.c.id)).all()
        stored = {row.fulfillment_center_id: row for row in conn.execute(select(inventory_balances))}
    for row in movements:
        b = replayed.setdefault(row.fulfillment_center_id, {"in_stock": 0, "inbound": 0, "reserved": 0})
        for column, sign in ledger.EFFECTS[row.kind].signs.items():
            b[column] += sign * row.quantity
        assert min(b.values()) >= 0 and b["reserved"] <= b["in_stock"]
    assert len(movements) > 50
    for center, b in replayed.items():
        row = stored[center]
        assert (row.in_stock, row.inbound, row.reserved) == (b["in_stock"], b["inbound"], b["reserved"])


def test_concurrent_reservations_never_oversell(db, merchant, item):
    add_stock(db, merchant.merchant_id, item, 50)
    granted: list[int] = []
    refused: list[int] = []
    lock = threading.Lock()

    def reserve_repeatedly() -> None:
        for _ in range(5):
            try:
                _move(db, merchant, item, "reserved", 3)
            except InsufficientStock:
                outcome = refused
            else:
                outcome = granted
            with lock:
                outcome.append(3)

    threads = [threading.Thread(target=reserve_repeatedly) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert len(granted) + len(refused) == 40
    assert sum(granted) == 48  # 16 reservations of 3 fit in 50, the 17th does not
    assert _balance(db, merchant, item) == Balance(in_stock=50, reserved=48)


def test_concurrent_reserve_available_never_oversells(db, merchant, item):
    add_stock(db, merchant.merchant_id, item, 10, center="PHL1")
    add_stock(db, merchant.merchant_id, item, 7, center="RNO1")
    results: list[int] = []
    lock = threading.Lock()

    def reserve() -> None:
        with db.write() as conn:
            taken = ledger.reserve_available(conn, merchant_id=merchant.merchant_id, item_id=item,
                                             quantity=4, now=NOW)
        with lock:
            results.append(sum(taken.values()))

    threads = [threading.Thread(target=reserve) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sum(results) == 17
    assert _balance(db, merchant, item) == Balance(in_stock=17, reserved=17)


def test_reserve_available_takes_from_the_fullest_center_first(db, merchant, item):
    add_stock(db, merchant.merchant_id, item, 3, center="PHL1")
    add_stock(db, merchant.merchant_id, item, 5, center="RNO1")
    with db.write() as conn:
        first = ledger.reserve_available(conn, merchant_id=merchant.merchant_id, item_id=item,
                                         quantity=6, now=NOW, document_type="order",
                                         document_id="O-1")
        rest = ledger.reserve_available(conn, merchant_id=merchant.merchant_id, item_id=item,
                                        quantity=6, now=NOW)
    assert first == {"RNO1": 5, "PHL1": 1}
    assert rest == {"PHL1": 2}
    with db.write() as conn:
        assert ledger.reserve_available(conn, merchant_id=merchant.merchant_id, item_id=item,
                                        quantity=1, now=NOW) == {}


def test_release_document_releases_what_the_document_still_holds(db, merchant, item):
    add_stock(db, merchant.merchant_id, item, 10, center="PHL1")
    add_stock(db, merchant.merchant_id, item, 10, center="RNO1")
    doc = {"document_type": "order", "document_id": "O-1"}
    _move(db, merchant, item, "reserved", 4, center="PHL1", **doc)
    _move(db, merchant, item, "reserved", 3, center="RNO1", **doc)
    _move(db, merchant, item, "shipped", 1, center="PHL1", **doc)
    _move(db, merchant, item, "reserved", 2, center="PHL1", document_type="order", document_id="O-2")

    with db.write() as conn:
        assert ledger.document_reservations(conn, merchant_id=merchant.merchant_id, **doc) == \
            {(item, "PHL1", "Sellable"): 3, (item, "RNO1", "Sellable"): 3}
        released = ledger.release_document(conn, merchant_id=merchant.merchant_id, now=NOW, **doc)
        assert ledger.document_reservations(conn, merchant_id=merchant.merchant_id, **doc) == {}
        assert ledger.release_document(conn, merchant_id=merchant.merchant_id, now=NOW, **doc) == 0

    assert released == 6
    assert _balance(db, merchant, item) == Balance(in_stock=19, reserved=2)


def test_reserve_at_one_center_takes_it_all_from_the_fullest_center_or_changes_nothing(db, merchant, item):
    add_stock(db, merchant.merchant_id, item, 5, center="RNO1")
    add_stock(db, merchant.merchant_id, item, 5, center="PHL1")
    doc = {"document_type": "order", "document_id": "O-1"}

    def reserve(quantity):
        with db.write() as conn:
            return ledger.reserve_at_one_center(conn, merchant_id=merchant.merchant_id, item_id=item,
                                                quantity=quantity, now=NOW, **doc)

    assert reserve(4) == "PHL1"  # as full as RNO1: the first by code, as reserve_from takes
    assert reserve(2) == "RNO1"  # now the fullest
    before, movements = _balance(db, merchant, item), _movement_count(db)
    assert reserve(4) is None  # 4 are available, but at no one center
    assert (_balance(db, merchant, item), _movement_count(db)) == (before, movements)
    with db.read() as conn:
        assert ledger.document_reservations(conn, merchant_id=merchant.merchant_id, **doc) == \
            {(item, "PHL1", "Sellable"): 4, (item, "RNO1", "Sellable"): 2}
