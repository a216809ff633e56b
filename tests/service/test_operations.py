"""Every one of the 29 operations over real HTTP, signed by botocore's SigV4, each response
checked against the WSDL schema."""

from __future__ import annotations

from datetime import timedelta

import pytest

from fwscli.api import SERVICES, SERVICES_BY_NAME
from fwscli.warehouse import ledger

from ..conftest import NOW
from ..wsdl import assert_valid_if_available as assert_valid
from .samples import DESTINATION, SHIP_FROM, order, shipment

EXERCISED: set[tuple[str, str]] = set()


@pytest.fixture
def call(client):
    """client.call that also checks the raw body's bytes and validates it against the WSDL."""

    def invoke(service, action, request=None):
        result = client.call(service, action, request)
        body = client.last_reply.body
        assert body.startswith(b'<?xml version="1.0"?>\n<ns1:')
        assert_valid(service, body)
        EXERCISED.add((service, SERVICES_BY_NAME[service].operation(action).name))
        return result

    return invoke


def add_stock(db, merchant, sku, quantity, fc="PHL1"):
    from sqlalchemy import select
    from fwscli.store.schema import fulfillment_items
    with db.write() as conn:
        item_id = conn.execute(select(fulfillment_items.c.id).where(
            fulfillment_items.c.merchant_id == merchant.merchant_id,
            fulfillment_items.c.merchant_sku == sku)).scalar_one()
        ledger.record_movement(conn, merchant_id=merchant.merchant_id, item_id=item_id,
                               fulfillment_center_id=fc, kind="adjusted_in", quantity=quantity,
                               now=NOW, reason="test stock")


@pytest.mark.parametrize("service", [s.name for s in SERVICES])
def test_service_status(call, service):
    status = call(service, "GetServiceStatus")["Status"]
    version = {s.name: s.version for s in SERVICES}[service]
    assert status.endswith(f"service available [Version: {version}]")


def test_what_cannot_be_a_sku_or_an_fnsku_is_skipped_like_any_unknown_one(call):
    # Spec 3.6, 3.7: SKUs without an FNSKU and invalid FNSKUs are skipped, the rest answered;
    # 3.11: SKUs not in the shipment are ignored, the others still removed.
    fnsku = register_via(call, "SKU-A", "SKU-B")["SKU-A"]
    found = call("inbound", "GetFulfillmentItemByMSKU", {"MerchantSKU": ["S" * 41, "SKU-A"]})
    assert [i["MerchantSKU"] for i in found["FulfillmentItem"]] == ["SKU-A"]
    found = call("inbound", "GetFulfillmentItemByFNSKU", {"FulfillmentNetworkSKU": [fnsku + "0", fnsku]})
    assert [i["FulfillmentNetworkSKU"] for i in found["FulfillmentItem"]] == [fnsku]
    call("inbound", "PutInboundShipment", shipment("FBA-1", ("SKU-A", 1), ("SKU-B", 2)))
    call("inbound", "DeleteInboundShipmentItems", {"ShipmentId": "FBA-1", "MerchantSKU": ["S" * 41, "SKU-A"]})
    rows = call("inbound", "ListInboundShipmentItems", {"ShipmentId": "FBA-1"})["ShipmentItem"]
    assert [row["MerchantSKU"] for row in rows] == ["SKU-B"]


def test_inbound_operations(call):
    fnskus = register_via(call, "SKU-A", "SKU-B")
    assert set(fnskus) == {"SKU-A", "SKU-B"}
    again = call("inbound", "GetFulfillmentIdentifier", {"MerchantItem": [
        {"ASIN": "B000000000", "Condition": "NewItem", "MerchantSKU": "SKU-A"}]})
    assert again["FulfillmentItem"][0]["FulfillmentNetworkSKU"] == fnskus["SKU-A"]

    by_msku = call("inbound", "GetFulfillmentIdentifierForMSKU", {"MerchantSKU": ["SKU-A", "SKU-C"]})
    assert [i["MerchantSKU"] for i in by_msku["FulfillmentItem"]] == ["SKU-A", "SKU-C"]

    first = call("inbound", "ListAllFulfillmentItems", {"MaxCount": 2})
    assert first["HasNext"] is True and len(first["FulfillmentItem"]) == 2
    rest = call("inbound", "ListAllFulfillmentItemsByNextToken", {"NextToken": first["NextToken"]})
    assert rest["HasNext"] is False and rest["NextToken"] == ""
    assert len(first["FulfillmentItem"]) + len(rest["FulfillmentItem"]) == 3

    found = call("inbound", "GetFulfillmentItemByMSKU", {"MerchantSKU": ["SKU-B", "NOPE"]})
    assert [i["MerchantSKU"] for i in found["FulfillmentItem"]] == ["SKU-B"]
    found = call("inbound", "GetFulfillmentItemByFNSKU", {"FulfillmentNetworkSKU": [fnskus["SKU-A"], "X000000000"]})
    assert [i["FulfillmentNetworkSKU"] for i in found["FulfillmentItem"]] == [fnskus["SKU-A"]]

    preview = call("inbound", "GetInboundShipmentPreview", {
        "ShipFromAddress": SHIP_FROM,
        "MerchantSKUQuantityItem": [{"MerchantSKU": "SKU-A", "Quantity": 10}, {"MerchantSKU": "SKU-B", "Quantity": 5}],
    })["ShipmentPreview"]
    planned = {i["MerchantSKU"]: i["Quantity"] for p in preview for i in p["MerchantSKUQuantityItem"]}
    assert planned == {"SKU-A": 10, "SKU-B": 5}

    plan = preview[0]
    # Both SKUs on one shipment, however the preview split them, so its items take two pages.
    items = [(i["MerchantSKU"], i["Quantity"]) for p in preview for i in p["MerchantSKUQuantityItem"]]
    call("inbound", "PutInboundShipment", shipment(plan["ShipmentId"], *items, fc=plan["DestinationFulfillmentCenter"]))
    call("inbound", "PutInboundShipmentItems", {"ShipmentId": plan["ShipmentId"],
         "MerchantSKUQuantityItem": [{"MerchantSKU": "SKU-C", "Quantity": 4}]})
    call("inbound", "DeleteInboundShipmentItems", {"ShipmentId": plan["ShipmentId"], "MerchantSKU": ["SKU-C", "NOT-THERE"]})
    header = shipment(plan["ShipmentId"], fc=plan["DestinationFulfillmentCenter"])
    header.pop("MerchantSKUQuantityItem")
    call("inbound", "PutInboundShipmentData", {**header, "ShipmentName": "Renamed"})

    data = call("inbound", "GetInboundShipmentData", {"ShipmentId": plan["ShipmentId"]})["ShipmentData"]
    assert data["ShipmentName"] == "Renamed" and data["ShipmentStatus"] == "Working"
    alias = call("inbound", "GetInboundShipment", {"ShipmentId": plan["ShipmentId"]})["ShipmentData"]
    assert alias == data

    call("inbound", "PutInboundShipment", shipment("FBA-SECOND", ("SKU-B", 1)))
    listed = call("inbound", "ListInboundShipments", {"ShipmentStatus": ["Working"], "MaxCount": 1})
    assert listed["HasNext"] is True and len(listed["ShipmentData"]) == 1
    more = call("inbound", "ListInboundShipmentsByNextToken", {"NextToken": listed["NextToken"]})
    assert more["HasNext"] is False and len(more["ShipmentData"]) == 1

    items_page = call("inbound", "ListInboundShipmentItems", {"ShipmentId": plan["ShipmentId"], "MaxCount": 1})
    rows = items_page["ShipmentItem"]
    while items_page["HasNext"]:
        items_page = call("inbound", "ListInboundShipmentItemsByNextToken", {"NextToken": items_page["NextToken"]})
        rows += items_page["ShipmentItem"]
    assert sorted((r["MerchantSKU"], r["QuantityShipped"], r["QuantityReceived"]) for r in rows) == sorted(
        (sku, qty, 0) for sku, qty in items)

    call("inbound", "SetInboundShipmentStatus", {"ShipmentId": plan["ShipmentId"], "ShipmentStatus": "Shipped"})
    shipped = call("inbound", "GetInboundShipmentData", {"ShipmentId": plan["ShipmentId"]})["ShipmentData"]
    assert shipped["ShipmentStatus"] == "Shipped"
    empty = call("inbound", "ListInboundShipments", {"ShipmentStatus": ["Closed"]})
    assert empty == {"NextToken": "", "HasNext": False, "ShipmentData": []}


def register_via(call, *skus):
    result = call("inbound", "GetFulfillmentIdentifier", {"MerchantItem": [
        {"ASIN": f"B00000{n:04d}", "Condition": "NewItem", "MerchantSKU": sku} for n, sku in enumerate(skus)]})
    return {i["MerchantSKU"]: i["FulfillmentNetworkSKU"] for i in result["FulfillmentItem"]}


def test_outbound_operations(call, db, merchant):
    register_via(call, "SKU-A", "SKU-B")
    add_stock(db, merchant, "SKU-A", 5)

    previews = call("outbound", "GetFulfillmentPreview", {
        "Address": DESTINATION,
        "Items": [{"MerchantSKU": "SKU-A", "Quantity": 2, "MerchantFulfillmentOrderItemId": "1"}],
    })["FulfillmentPreviews"]
    assert {p["ShippingSpeedCategory"] for p in previews} == {"Standard", "Expedited", "Priority"}
    assert all(p["IsFulfillable"] for p in previews)
    short = call("outbound", "GetFulfillmentPreview", {
        "Address": DESTINATION, "ShippingSpeedCategories": ["Priority"],
        "Items": [{"MerchantSKU": "SKU-B", "Quantity": 1, "MerchantFulfillmentOrderItemId": "1"}],
    })["FulfillmentPreviews"]
    assert [p["IsFulfillable"] for p in short] == [False]

    request = order("ORDER-1", ("SKU-A", 1), ("SKU-B", 2), NotificationEmailList=["ops@example.com"])
    call("outbound", "CreateFulfillmentOrder", request)
    call("outbound", "CreateFulfillmentOrder", request)  # the same order again: harmless
    call("outbound", "CreateFulfillmentOrder", order("ORDER-2", ("SKU-A", 1), speed="Priority"))

    got = call("outbound", "GetFulfillmentOrder", {"MerchantFulfillmentOrderId": "ORDER-1"})
    assert got["FulfillmentOrder"]["MerchantFulfillmentOrderId"] == "ORDER-1"
    assert got["FulfillmentOrder"]["NotificationEmailList"] == ["ops@example.com"]
    assert [i["Quantity"] for i in got["FulfillmentOrderItem"]] == [1, 2]

    page = call("outbound", "ListAllFulfillmentOrders", {"NumberOfResultsRequested": 1})
    assert page["HasNext"] is True and len(page["FulfillmentOrder"]) == 1
    last = call("outbound", "ListAllFulfillmentOrdersByNextToken", {"NextToken": page["NextToken"]})
    assert last["HasNext"] is False and last["NextToken"] == ""
    ids = {o["MerchantFulfillmentOrderId"] for o in page["FulfillmentOrder"] + last["FulfillmentOrder"]}
    assert ids == {"ORDER-1", "ORDER-2"}

    call("outbound", "CancelFulfillmentOrder", {"MerchantFulfillmentOrderId": "ORDER-2"})
    cancelled = call("outbound", "GetFulfillmentOrder", {"MerchantFulfillmentOrderId": "ORDER-2"})
    assert cancelled["FulfillmentOrder"]["FulfillmentOrderStatus"] == "Cancelled"
    assert cancelled["FulfillmentOrderItem"][0]["CancelledQuantity"] == 1


def test_inventory_operations(call, db, merchant):
    register_via(call, "SKU-A", "SKU-B", "SKU-C")
    add_stock(db, merchant, "SKU-A", 7)
    add_stock(db, merchant, "SKU-B", 3)

    supply = call("inventory", "GetInventorySupply", {"MerchantSKU": ["SKU-A", "SKU-C"], "ResponseGroup": "Detailed"})
    rows = {r["MerchantSKU"]: r for r in supply["MerchantSKUSupply"]}
    assert rows["SKU-A"]["InStockSupplyQuantity"] == 7 and rows["SKU-A"]["TotalSupplyQuantity"] == 7
    assert rows["SKU-C"]["TotalSupplyQuantity"] == 0

    since = (NOW - timedelta(days=1)).strftime("%Y-%m-%dT%H:%M:%SZ")
    page = call("inventory", "ListUpdatedInventorySupply", {"NumberOfResultsRequested": 1, "QueryStartDateTime": since})
    assert page["HasNext"] is True and len(page["MerchantSKUSupply"]) == 1
    rest = call("inventory", "ListUpdatedInventorySupplyByNextToken", {"NextToken": page["NextToken"]})
    assert rest["HasNext"] is False and rest["NextToken"] == ""
    assert {r["MerchantSKU"] for r in page["MerchantSKUSupply"] + rest["MerchantSKUSupply"]} == {"SKU-A", "SKU-B"}


def test_every_operation_was_exercised():
    """Runs last in this module: the tests above together called all 29 operations."""
    expected = {(s.name, op.name) for s in SERVICES for op in s.operations}
    assert len(expected) == 29
    missing = expected - EXERCISED
    assert not missing, f"operations never called over HTTP: {sorted(missing)}"


def test_a_date_before_year_1000_is_written_with_four_year_digits(client):
    from .samples import register
    register(client, "SKU-1")
    client.call("outbound", "CreateFulfillmentOrder",
                order("OLD-1", ("SKU-1", 1), DisplayableOrderDateTime="0999-01-02T03:04:05Z"))
    client.call("outbound", "GetFulfillmentOrder", {"MerchantFulfillmentOrderId": "OLD-1"})
    assert (b"<ns1:DisplayableOrderDateTime>0999-01-02T03:04:05Z</ns1:DisplayableOrderDateTime>"
            in client.last_reply.body)
