"""The journal (what a run had confirmed, across processes; old entries dropped) and the
projection of a GetFulfillmentOrder answer onto the request that makes the order."""

from __future__ import annotations

import sqlite3
from datetime import datetime, timezone
from decimal import Decimal

from fwscli.batch import kinds
from fwscli.batch.export import order_lines, order_request
from fwscli.batch.journal import Journal, journal_path, run_key


def test_confirmations_outlive_the_process_and_stay_with_their_run(tmp_path):
    path = tmp_path / "journal.sqlite3"
    first = Journal(run_key("order", "http://a/", "default", "AK", "hash-1"), path)
    first.confirm(["A", "B"], "request-1")
    first.close()
    again = Journal(run_key("order", "http://a/", "default", "AK", "hash-1"), path)
    assert again.confirmed("A") == "request-1" and again.confirmed("C") is None
    other_file = Journal(run_key("order", "http://a/", "default", "AK", "hash-2"), path)
    assert other_file.confirmed("A") is None


def test_old_confirmations_are_dropped(tmp_path):
    path = tmp_path / "journal.sqlite3"
    Journal("run", path).close()
    with sqlite3.connect(path) as db:
        db.execute("INSERT INTO confirmed VALUES ('run', 'OLD', 'r', '2020-01-01T00:00:00.000000Z')")
    assert Journal("run", path).confirmed("OLD") is None


def test_the_journal_lives_in_the_state_directory(monkeypatch, tmp_path):
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path))
    assert journal_path() == tmp_path / "fws" / "journal" / "journal.sqlite3"


DETAIL = {
    "FulfillmentOrder": {
        "MerchantFulfillmentOrderId": "R-1", "DisplayableOrderId": "R-1",
        "DisplayableOrderDateTime": datetime(2026, 11, 27, 20, tzinfo=timezone.utc),
        "DisplayableOrderComment": "c", "ShippingSpeedCategory": "Standard",
        "DestinationAddress": {"Name": "J", "Line1": "1", "City": "S", "StateOrProvinceCode": "WA",
                               "CountryCode": "US", "PostalCode": "98101"},
        "FulfillmentPolicy": "FillOrKill", "FulfillmentMethod": "Removal",
        "ReceivedDateTime": datetime(2026, 11, 27, 21, tzinfo=timezone.utc),
        "FulfillmentOrderStatus": "Received", "NotificationEmailList": [],
    },
    "FulfillmentOrderItem": [{
        "MerchantSKU": "S", "MerchantFulfillmentOrderItemId": "1", "Quantity": 2,
        "FulfillmentNetworkSKU": "X000000001", "OrderItemDisposition": "Unsellable",
        "CancelledQuantity": 0, "UnfulfillableQuantity": 0,
        "PerUnitDeclaredValue": {"CurrencyCode": "USD", "Value": Decimal("1.50")},
    }],
}


def test_an_order_becomes_its_create_request():
    kind = kinds.orders()
    request = order_request(DETAIL, kind)
    assert "ReceivedDateTime" not in request and "NotificationEmailList" not in request
    assert request["Item"] == [{"MerchantSKU": "S", "MerchantFulfillmentOrderItemId": "1",
                                "Quantity": 2, "FulfillmentNetworkSKU": "X000000001",
                                "OrderItemDisposition": "Unsellable",
                                "PerUnitDeclaredValue": {"CurrencyCode": "USD", "Value": Decimal("1.50")}}]
    consumer = {**DETAIL, "FulfillmentOrder": {**DETAIL["FulfillmentOrder"], "FulfillmentMethod": "Consumer"}}
    assert "FulfillmentNetworkSKU" not in order_request(consumer, kind)["Item"][0]
    [line] = order_lines(request, "Item")
    assert line["Item"]["Quantity"] == 2 and line["DestinationAddress"]["City"] == "S"
