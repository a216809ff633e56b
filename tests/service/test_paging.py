"""Paging over real HTTP: every row exactly once while rows are added between pages, and
tokens that are tampered with, or foreign, refused."""

from __future__ import annotations

import pytest

from fwscli.api.errors import ApiError


def _register(client, skus):
    for start in range(0, len(skus), 250):
        client.call("inbound", "GetFulfillmentIdentifier", {"MerchantItem": [
            {"ASIN": "B000000001", "Condition": "NewItem", "MerchantSKU": sku}
            for sku in skus[start:start + 250]]})


def test_1001_rows_by_7_with_inserts_between_pages(client):
    originals = [f"SKU-{n:05d}" for n in range(1001)]
    _register(client, originals)
    page = client.call("inbound", "ListAllFulfillmentItems", {"MaxCount": 7})
    seen: list[str] = []
    added = 0
    while True:
        rows = [item["MerchantSKU"] for item in page["FulfillmentItem"]]
        assert len(rows) == 7 or not page["HasNext"]
        seen += rows
        if not page["HasNext"]:
            assert page["NextToken"] == ""
            break
        added += 1
        _register(client, [f"NEW-{added:05d}"])
        page = client.call("inbound", "ListAllFulfillmentItemsByNextToken", {"NextToken": page["NextToken"]})
    assert len(seen) == len(set(seen)), "a row was returned twice"
    assert set(originals) <= set(seen), "a row was skipped"


def test_modified_token_is_refused(client):
    _register(client, ["A", "B", "C"])
    token = client.call("inbound", "ListAllFulfillmentItems", {"MaxCount": 1})["NextToken"]
    head, mac = token.split(".")
    flipped = head[:-2] + ("A" if head[-2] != "A" else "B") + head[-1]
    for bad in (flipped + "." + mac, token[:-1], "garbage", token + "x"):
        with pytest.raises(ApiError) as caught:
            client.call("inbound", "ListAllFulfillmentItemsByNextToken", {"NextToken": bad})
        assert caught.value.code == "InvalidParameterValue"
        assert "for parameter NextToken is invalid" in caught.value.message


def test_token_of_one_list_cannot_continue_another(client):
    _register(client, ["A", "B"])
    token = client.call("inbound", "ListAllFulfillmentItems", {"MaxCount": 1})["NextToken"]
    with pytest.raises(ApiError) as caught:
        client.call("outbound", "ListAllFulfillmentOrdersByNextToken", {"NextToken": token})
    assert caught.value.code == "InvalidParameterValue"


def test_page_size_defaults_and_caps(client):
    _register(client, [f"S{n:04d}" for n in range(1005)])
    assert len(client.call("inbound", "ListAllFulfillmentItems")["FulfillmentItem"]) == 100
    page = client.call("inbound", "ListAllFulfillmentItems", {"MaxCount": 5000})
    assert len(page["FulfillmentItem"]) == 1000 and page["HasNext"] is True


def test_inventory_page_size_is_clamped_to_50_not_refused(client):
    # Axis asks the inventory service for 100 rows; its limit is 50.
    page = client.call("inventory", "ListUpdatedInventorySupply",
                       {"NumberOfResultsRequested": 100, "QueryStartDateTime": "2020-01-01T00:00:00Z"})
    assert page["HasNext"] is False and page["NextToken"] == ""


def test_a_shipment_item_added_after_deletions_is_not_skipped(client):
    # SQLite gives a new row the largest rowid + 1 unless the table is AUTOINCREMENT: with the
    # lines after the cursor deleted, the line added next took the id the cursor had reached.
    _register(client, ["A", "B", "C", "D"])
    client.call("inbound", "PutInboundShipment", {
        "ShipmentId": "FBA-PAGED", "ShipmentName": "Paged", "DestinationFulfillmentCenter": "RNO1",
        "ShipFromAddress": {"Name": "Acme", "AddressLine1": "1 Main St", "City": "Seattle",
                            "StateOrProvinceCode": "WA", "CountryCode": "US", "PostalCode": "98144"},
        "MerchantSKUQuantityItem": [{"MerchantSKU": sku, "Quantity": 1} for sku in "ABC"]})
    page = client.call("inbound", "ListInboundShipmentItems", {"ShipmentId": "FBA-PAGED", "MaxCount": 2})
    assert [row["MerchantSKU"] for row in page["ShipmentItem"]] == ["A", "B"] and page["HasNext"]
    client.call("inbound", "DeleteInboundShipmentItems", {"ShipmentId": "FBA-PAGED", "MerchantSKU": ["B", "C"]})
    client.call("inbound", "PutInboundShipmentItems", {
        "ShipmentId": "FBA-PAGED", "MerchantSKUQuantityItem": [{"MerchantSKU": "D", "Quantity": 1}]})
    rest = client.call("inbound", "ListInboundShipmentItemsByNextToken", {"NextToken": page["NextToken"]})
    assert [row["MerchantSKU"] for row in rest["ShipmentItem"]] == ["D"]


def test_a_token_lives_in_real_time_not_in_the_simulated_time(db, merchant, operator):
    # The simulated time jumps forward with AdvanceSimulationClock: a token issued a moment
    # ago expired at once after a week's jump, though it stays valid 24 hours (spec §12).
    from datetime import datetime, timedelta, timezone

    from fwscli.service.app import FwsApp

    from ..http import LiveServer, SignedClient

    real = [datetime.now(timezone.utc)]
    with LiveServer(FwsApp(db, clock=lambda: real[0])) as server:
        client = SignedClient(server.url, merchant.access_key_id, merchant.secret_access_key,
                              clock=lambda: real[0])
        ops = SignedClient(server.url, operator.access_key_id, operator.secret_access_key,
                           clock=lambda: real[0])
        _register(client, ["A", "B", "C"])
        token = client.call("inbound", "ListAllFulfillmentItems", {"MaxCount": 1})["NextToken"]
        ops.call("operator", "AdvanceSimulationClock", {"Seconds": 8 * 86400})
        page = client.call("inbound", "ListAllFulfillmentItemsByNextToken", {"NextToken": token})
        assert [item["MerchantSKU"] for item in page["FulfillmentItem"]] == ["B"]

        real[0] += timedelta(days=8)  # a week of real time does end it
        with pytest.raises(ApiError) as caught:
            client.call("inbound", "ListAllFulfillmentItemsByNextToken", {"NextToken": page["NextToken"]})
        assert "the token has expired" in caught.value.message


def test_a_status_filter_sent_many_times_over_still_pages(client):
    """The filters travel in the NextToken: a ShipmentStatus list of 400 Working made a token
    longer than the 4,096 characters its ByNextToken takes, so the service refused the token
    it had issued itself. A status counts once, as each FulfillmentMethod of the outbound
    list does."""
    address = {"Name": "Acme", "AddressLine1": "1 Main St", "City": "Seattle",
               "StateOrProvinceCode": "WA", "CountryCode": "US", "PostalCode": "98144"}
    for shipment_id in ("FBA-1", "FBA-2", "FBA-3"):
        client.call("inbound", "PutInboundShipmentData", {
            "ShipmentId": shipment_id, "ShipmentName": shipment_id,
            "DestinationFulfillmentCenter": "RNO1", "ShipFromAddress": address})
    statuses = [(f"ListInboundShipments.ShipmentStatus.{n}", "Working") for n in range(1, 401)]
    reply = client.raw("inbound", "ListInboundShipments", [("MaxCount", "2"), *statuses])
    assert reply.status == 200, reply.text
    token = reply.body.split(b"<ns1:NextToken>")[1].split(b"</ns1:NextToken>")[0].decode()
    assert 0 < len(token) <= 4096
    rest = client.call("inbound", "ListInboundShipmentsByNextToken", {"NextToken": token})
    assert [row["ShipmentId"] for row in rest["ShipmentData"]] == ["FBA-3"]
    assert rest["HasNext"] is False
