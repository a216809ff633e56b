"""Keyset cursors under concurrent creates: a row that commits after rows with higher ids
were listed would fall behind a cursor already past it, skipped for good. On PostgreSQL ids
are drawn at insert and transactions commit in any order, so a list first waits for the
merchant's creates in flight (store/sequencing.py); SQLite's single writer commits in order."""

from __future__ import annotations

import threading
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Callable

import pytest

from fwscli.warehouse import catalog, inbound, orders

from .helpers import register_item

ADDRESS = {"Name": "Jane Doe", "Line1": "1 Main St", "City": "Seattle",
           "StateOrProvinceCode": "WA", "CountryCode": "US", "PostalCode": "98101"}
SHIP_FROM = {"Name": "Acme", "AddressLine1": "1 Main St", "City": "Seattle",
             "StateOrProvinceCode": "WA", "CountryCode": "US", "PostalCode": "98101"}


def create_order(ctx, name: str) -> None:
    orders.create_order(ctx, {
        "MerchantFulfillmentOrderId": name, "DisplayableOrderId": name,
        "DisplayableOrderDateTime": datetime(2026, 11, 26, tzinfo=timezone.utc),
        "DisplayableOrderComment": "-", "ShippingSpeedCategory": "Standard",
        "DestinationAddress": ADDRESS,
        "Item": [{"MerchantSKU": "SKU-1", "MerchantFulfillmentOrderItemId": "1", "Quantity": 1}]})


def order_names(ctx, after: str | None) -> tuple[list[str], str | None]:
    page = orders.list_orders_next(ctx, after) if after else orders.list_orders(ctx, page_size=1)
    return [order.merchant_order_id for order in page.rows], page.next_token or None


def item_names(ctx, after: int | None) -> tuple[list[str], int | None]:
    rows = catalog.list_items(ctx, include_inactive=True, after_id=after, limit=1)
    return [row.merchant_sku for row in rows], rows[-1].id if rows else None


def create_shipment(ctx, name: str) -> None:
    inbound.put_shipment(ctx, {"ShipmentId": name, "ShipmentName": name,
                               "DestinationFulfillmentCenter": "PHL1",
                               "ShipFromAddress": SHIP_FROM}, None)


def shipment_names(ctx, after: int | None) -> tuple[list[str], int | None]:
    rows = inbound.list_shipments(ctx, statuses=[], created_before=None, created_after=None,
                                  after_id=after, limit=1)
    return [row.shipment_id for row in rows], rows[-1].id if rows else None


@dataclass(frozen=True)
class Case:
    module: object
    inserting: str                          # the function whose insert is held uncommitted
    create: Callable[[object, str], None]
    page: Callable                          # (ctx, cursor) -> (names, next cursor)
    name_of: Callable[[tuple, dict], str]   # which create a call to `inserting` belongs to


CASES = {
    "orders": Case(orders, "_insert", create_order, order_names,
                   lambda args, kwargs: args[2].order.merchant_order_id),
    "items": Case(catalog, "_insert_or_get", lambda ctx, name: catalog.identify_skus(ctx, [name]),
                  item_names, lambda args, kwargs: args[2]),
    "shipments": Case(inbound, "_upsert_header", create_shipment, shipment_names,
                      lambda args, kwargs: args[2]["ShipmentId"]),
}


@pytest.mark.parametrize("case", list(CASES.values()), ids=list(CASES))
def test_a_create_that_commits_late_is_not_behind_a_cursor(db, merchant, make_context,
                                                           monkeypatch, case):
    if case is CASES["orders"]:
        register_item(db, merchant.merchant_id, "SKU-1")
    ctx = make_context(merchant)
    inserted, release = threading.Event(), threading.Event()
    real = getattr(case.module, case.inserting)

    def held(*args, **kwargs):
        result = real(*args, **kwargs)
        if case.name_of(args, kwargs) == "A":
            inserted.set()
            release.wait(10)
        return result

    monkeypatch.setattr(case.module, case.inserting, held)
    # A draws its id first and stays uncommitted while B and C try to follow it.
    creates = [threading.Thread(target=case.create, args=(ctx, name)) for name in "ABC"]
    creates[0].start()
    assert inserted.wait(10)
    for thread in creates[1:]:
        thread.start()
        thread.join(1.0)  # done at once unless sequenced behind A
    # The first page is asked while A is in flight; it may wait for A, which goes on soon.
    first: list = []
    lister = threading.Thread(target=lambda: first.append(case.page(ctx, None)))
    lister.start()
    lister.join(0.5)
    release.set()
    for thread in [lister, *creates]:
        thread.join(10)
    seen, cursor = first[0]
    while cursor is not None:
        names, cursor = case.page(ctx, cursor)
        seen += names

    everything: list[str] = []
    cursor = None
    while True:
        names, cursor = case.page(ctx, cursor)
        everything += names
        if cursor is None or not names:
            break
    assert set(everything) == {"A", "B", "C"}
    # Whatever the paging missed must still lie ahead of where it stopped.
    last = everything.index(seen[-1]) if seen else -1
    missed = [name for name in everything if name not in seen]
    assert all(everything.index(name) > last for name in missed), (everything, seen)
