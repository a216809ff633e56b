"""Pollers under concurrent writes: a poller asks for what changed since its last poll
(ListAllFulfillmentOrders, ListUpdatedInventorySupply), so a change must either be seen by
a listing or be listed by the next poll, from the time of that listing. A change is stamped
before it commits: one that commits after a listing that did not see it, stamped before that
listing, was never listed again (store/sequencing.py). Each test holds a write between its
stamp and its commit, or a listing inside its transaction, while the other runs."""

from __future__ import annotations

import threading
from dataclasses import replace
from datetime import timedelta

from fwscli.warehouse import inbound, ledger, orders, planning, stock, supply, tick
from fwscli.warehouse.simulation import Delays, Simulation

from ..conftest import NOW
from .helpers import add_stock, register_item
from .test_keyset_races import ADDRESS, create_shipment

PAUSED_LISTING_WAIT = 0.5  # seconds a listing may take while it does not wait for a writer


def create_order(ctx, name: str, policy: str = "FillOrKill") -> None:
    orders.create_order(ctx, {
        "MerchantFulfillmentOrderId": name, "DisplayableOrderId": name,
        "DisplayableOrderDateTime": NOW, "DisplayableOrderComment": "-",
        "ShippingSpeedCategory": "Standard", "DestinationAddress": ADDRESS, "FulfillmentPolicy": policy,
        "Item": [{"MerchantSKU": "SKU-1", "MerchantFulfillmentOrderItemId": "1", "Quantity": 1}]})


def poll_orders(ctx, start) -> dict[str, str]:
    """Every page of a ListAllFulfillmentOrders from `start`: order id -> status."""
    return _walk(orders.list_orders(ctx, start=start, page_size=1), orders.list_orders_next, ctx,
                 lambda order: (order.merchant_order_id, order.status))


def poll_supply(ctx, start) -> dict[str, int]:
    """Every page of a ListUpdatedInventorySupply from `start`: SKU -> in stock."""
    return _walk(supply.list_updated_supply(ctx, start=start, page_size=1), supply.list_updated_supply_next,
                 ctx, lambda row: (row.merchant_sku, row.in_stock))


def _walk(page, next_page, ctx, pair) -> dict:
    seen: dict = {}
    while True:
        seen.update(pair(row) for row in page.rows)
        if not page.has_next:
            return seen
        page = next_page(ctx, page.next_token)


def held_after(monkeypatch, module, name: str):
    """Make `module.name` pause after it ran in the thread named "writer" (before its
    transaction commits): returns (ran, release) events."""
    ran, release = threading.Event(), threading.Event()
    real = getattr(module, name)

    def held(*args, **kwargs):
        result = real(*args, **kwargs)
        if threading.current_thread().name == "writer":
            ran.set()
            release.wait(10)
        return result

    monkeypatch.setattr(module, name, held)
    return ran, release


class _HeldBefore:
    """A prepared statement that pauses before it runs in the thread named "writer"."""

    def __init__(self, prepared, ran: threading.Event, release: threading.Event):
        self.prepared, self.ran, self.release = prepared, ran, release

    def execute(self, conn, *args, **kwargs):
        if threading.current_thread().name == "writer":
            self.ran.set()
            self.release.wait(10)
        return self.prepared.execute(conn, *args, **kwargs)


def race(write, listing, ran: threading.Event, release: threading.Event) -> dict:
    """Run `write` until it is held (stamped, not committed), then `listing` while it is held
    (a listing that waits for the write goes on once it is released); the listing's answer."""
    answer: dict = {}
    writer = threading.Thread(target=write, name="writer")
    writer.start()
    assert ran.wait(10), "the write never reached its pause"
    lister = threading.Thread(target=lambda: answer.update(listing()), name="lister")
    lister.start()
    lister.join(PAUSED_LISTING_WAIT)  # done unless it waits for the writer
    release.set()
    for thread in (lister, writer):
        thread.join(10)
        assert not thread.is_alive()
    return answer


def race_behind_listing(listing, write, paused: threading.Event, release: threading.Event,
                        unpause) -> dict:
    """Run `listing` until it is paused inside its transaction, `unpause()` (so the next
    listing runs plainly), then `write` (a write that waits for the listing goes on once it
    is released); the paused listing's answer."""
    answer: dict = {}
    lister = threading.Thread(target=lambda: answer.update(listing()), name="lister")
    lister.start()
    assert paused.wait(10), "the listing never reached its pause"
    unpause()
    writer = threading.Thread(target=write, name="behind")
    writer.start()
    writer.join(PAUSED_LISTING_WAIT)  # done unless it waits for the listing
    release.set()
    for thread in (lister, writer):
        thread.join(10)
        assert not thread.is_alive()
    return answer


def test_an_order_change_committed_after_a_listing_reaches_the_next_poll(db, merchant, make_context,
                                                                         monkeypatch):
    register_item(db, merchant.merchant_id, "SKU-1")
    # Planning (in progress), waiting for stock: its cancel releases nothing, and so
    # inserts no movement (whose foreign key would lock the merchant's row on PostgreSQL).
    create_order(make_context(merchant, NOW), "A", "FillAll")
    ran, release = held_after(monkeypatch, orders, "settle")

    # Cancelled at 20:30:10, committed after a poll at 20:30:20 that did not see it.
    first = race(lambda: orders.cancel_order(make_context(merchant, NOW + timedelta(seconds=10)), "A"),
                 lambda: poll_orders(make_context(merchant, NOW + timedelta(seconds=20)), NOW),
                 ran, release)
    second = poll_orders(make_context(merchant, NOW + timedelta(seconds=30)), NOW + timedelta(seconds=20))
    assert {**first, **second} == {"A": "Cancelled"}, (first, second)
    got = orders.get_order(make_context(merchant, NOW + timedelta(seconds=30)), "A").order
    assert got.status_updated_at == NOW + timedelta(seconds=10)  # still when the status changed


def test_a_supply_change_committed_after_a_listing_reaches_the_next_poll(db, merchant, make_context,
                                                                         monkeypatch):
    item, _ = register_item(db, merchant.merchant_id, "SKU-1")
    add_stock(db, merchant.merchant_id, item, 5)
    # Held after the balance is stamped, before the movement's insert: its foreign key
    # locks the merchant's row on PostgreSQL, as a listing's wait needs, but only then.
    ran, release = threading.Event(), threading.Event()
    monkeypatch.setattr(ledger, "_RECORD", _HeldBefore(ledger._RECORD, ran, release))

    first = race(lambda: stock.adjust(make_context(merchant, NOW + timedelta(seconds=10)), "SKU-1", "PHL1",
                                      3, "found in a count"),
                 lambda: poll_supply(make_context(merchant, NOW + timedelta(seconds=20)), NOW),
                 ran, release)
    second = poll_supply(make_context(merchant, NOW + timedelta(seconds=30)), NOW + timedelta(seconds=20))
    assert {**first, **second} == {"SKU-1": 8}, (first, second)


def test_a_change_that_waited_for_a_listing_is_stamped_no_earlier_than_it(db, merchant, make_context,
                                                                         monkeypatch):
    """The writer's time was taken before the listing's, and it writes after the listing:
    its change cannot be stamped with that time, which the next poll starts after."""
    register_item(db, merchant.merchant_id, "SKU-1")
    create_order(make_context(merchant, NOW), "A", "FillAll")
    listing, release = threading.Event(), threading.Event()
    real_listing = orders._listing

    class Held:
        def __init__(self, prepared):
            self.prepared = prepared

        def execute(self, conn, params):
            listing.set()  # inside the listing's transaction, before its query
            release.wait(10)
            return self.prepared.execute(conn, params)

    monkeypatch.setattr(orders, "_listing", lambda count: Held(real_listing(count)))
    first = race_behind_listing(
        lambda: poll_orders(make_context(merchant, NOW + timedelta(seconds=20)), NOW),
        lambda: orders.cancel_order(make_context(merchant, NOW + timedelta(seconds=10)), "A"),
        listing, release, lambda: monkeypatch.setattr(orders, "_listing", real_listing))
    second = poll_orders(make_context(merchant, NOW + timedelta(seconds=30)), NOW + timedelta(seconds=20))
    assert {**first, **second} == {"A": "Cancelled"}, (first, second)


def test_a_due_step_another_process_applies_reaches_the_next_poll(db, merchant, make_context, monkeypatch):
    """A listing applies the steps due by its time, but skips those another process is
    applying (PostgreSQL: SKIP LOCKED); those are stamped with their due time, before it."""
    register_item(db, merchant.merchant_id, "SKU-1")
    simulation = Simulation(delays=Delays(plan=timedelta(minutes=1)))

    def at(moment):
        return replace(make_context(merchant, moment), simulation=simulation)

    create_order(at(NOW), "A")  # Received; planned at 20:31, Unfulfillable (no stock, no movement)
    ran, release = held_after(monkeypatch, planning, "settle")
    listed_at = NOW + timedelta(minutes=2)

    first = race(lambda: tick.run(db, listed_at, simulation),
                 lambda: poll_orders(replace(at(listed_at), behind=True), NOW),
                 ran, release)
    second = poll_orders(at(NOW + timedelta(minutes=3)), listed_at)
    assert {**first, **second} == {"A": "Unfulfillable"}, (first, second)
    got = orders.get_order(at(NOW + timedelta(minutes=3)), "A").order
    assert got.status_updated_at == NOW + timedelta(minutes=1)  # its due time, as before


def test_an_order_is_listed_from_when_its_status_changed_when_no_listing_came_between(
        db, merchant, make_context):
    """visible_at is the status change's own time when no listing ran after it: a poll from
    a later time does not list it again."""
    register_item(db, merchant.merchant_id, "SKU-1")
    create_order(make_context(merchant, NOW), "A", "FillAll")
    orders.cancel_order(make_context(merchant, NOW + timedelta(seconds=10)), "A")
    assert poll_orders(make_context(merchant, NOW + timedelta(seconds=30)), NOW + timedelta(seconds=10)) == \
        {"A": "Cancelled"}
    assert poll_orders(make_context(merchant, NOW + timedelta(seconds=30)), NOW + timedelta(seconds=11)) == {}


def poll_shipments(ctx, created_after) -> set[str]:
    """ListInboundShipments of the shipments created after `created_after`."""
    return {row.shipment_id for row in inbound.list_shipments(
        ctx, statuses=[], created_before=None, created_after=created_after, after_id=None, limit=100)}


def test_an_inbound_shipment_created_after_a_listing_reaches_the_next_poll(db, merchant, make_context,
                                                                         monkeypatch):
    ran, release = held_after(monkeypatch, inbound, "_upsert_header")
    first = race(lambda: create_shipment(make_context(merchant, NOW + timedelta(seconds=10)), "FBA-A"),
                 lambda: {"seen": poll_shipments(make_context(merchant, NOW + timedelta(seconds=20)), NOW)},
                 ran, release)
    second = poll_shipments(make_context(merchant, NOW + timedelta(seconds=30)), NOW + timedelta(seconds=20))
    assert first["seen"] | second == {"FBA-A"}, (first, second)


def test_an_inbound_shipment_that_waited_for_a_listing_is_stamped_no_earlier_than_it(
        db, merchant, make_context, monkeypatch):
    listing, release = threading.Event(), threading.Event()
    real_settle = inbound.settle_changes

    def held(*args):
        real_settle(*args)
        listing.set()  # inside the listing's transaction, before its query
        release.wait(10)

    monkeypatch.setattr(inbound, "settle_changes", held)
    first = race_behind_listing(
        lambda: {"seen": poll_shipments(make_context(merchant, NOW + timedelta(seconds=20)), NOW)},
        lambda: create_shipment(make_context(merchant, NOW + timedelta(seconds=10)), "FBA-A"),
        listing, release, lambda: monkeypatch.setattr(inbound, "settle_changes", real_settle))
    second = poll_shipments(make_context(merchant, NOW + timedelta(seconds=30)), NOW + timedelta(seconds=20))
    assert first["seen"] | second == {"FBA-A"}, (first, second)
    (shipment,) = inbound.list_shipments(make_context(merchant, NOW + timedelta(seconds=30)), statuses=[],
                                         created_before=None, created_after=None, after_id=None, limit=1)
    assert shipment.created_at == NOW + timedelta(seconds=10)  # CreateDate: still when it was created
