"""A fulfillment center taken out of the network configuration after shipments and orders
were made to it: what was stored stays readable (its address is simply unknown now), and
new work no longer goes there."""

from __future__ import annotations

import pytest

from fwscli.api.errors import ApiError
from fwscli.warehouse.network import FulfillmentNetwork

from ..wsdl import assert_valid_if_available as assert_valid
from .samples import DESTINATION, order, register, shipment
from .test_operations import add_stock

GONE = "PHL1"


@pytest.fixture
def operations(app, client, operator_client, db, merchant):
    """A shipment, received stock and an order at GONE, made while it was in the network;
    then GONE is taken out (as a restart with a new configuration would)."""
    register(client, "SKU-A", "SKU-B")
    client.call("inbound", "PutInboundShipment", shipment("FBA-WORKING", ("SKU-A", 3), fc=GONE))
    client.call("inbound", "PutInboundShipment", shipment("FBA-SHIPPED", ("SKU-A", 2), fc=GONE))
    client.call("inbound", "SetInboundShipmentStatus", {"ShipmentId": "FBA-SHIPPED", "ShipmentStatus": "Shipped"})
    add_stock(db, merchant, "SKU-B", 5, fc=GONE)
    client.call("outbound", "CreateFulfillmentOrder", order("ORDER-1", ("SKU-B", 1)))
    app.network = FulfillmentNetwork([c for c in app.network.centers if c.code != GONE])
    return client


def checked(client, service, action, request):
    result = client.call(service, action, request)
    assert_valid(service, client.last_reply.body)
    return result


def test_inbound_shipments_to_a_removed_center_stay_readable(operations):
    client = operations
    listed = checked(client, "inbound", "ListInboundShipments", {"MaxCount": 1})
    more = checked(client, "inbound", "ListInboundShipmentsByNextToken", {"NextToken": listed["NextToken"]})
    shipments = listed["ShipmentData"] + more["ShipmentData"]
    assert [s["ShipmentId"] for s in shipments] == ["FBA-WORKING", "FBA-SHIPPED"]
    data = checked(client, "inbound", "GetInboundShipmentData", {"ShipmentId": "FBA-WORKING"})["ShipmentData"]
    assert data == shipments[0]
    assert data["DestinationFulfillmentCenter"] == GONE
    # Only its code and country (that of the ship-from address) are known now.
    assert data["ShipToAddress"]["Name"] == f"{GONE} (no longer in the fulfillment network)"
    assert data["ShipToAddress"]["CountryCode"] == "US"
    items = checked(client, "inbound", "ListInboundShipmentItems", {"ShipmentId": "FBA-WORKING"})
    assert [(i["MerchantSKU"], i["QuantityShipped"]) for i in items["ShipmentItem"]] == [("SKU-A", 3)]


def test_orders_and_stock_at_a_removed_center_stay_readable(operations):
    client = operations
    got = checked(client, "outbound", "GetFulfillmentOrder", {"MerchantFulfillmentOrderId": "ORDER-1"})
    assert got["FulfillmentOrder"]["MerchantFulfillmentOrderId"] == "ORDER-1"
    listed = checked(client, "outbound", "ListAllFulfillmentOrders", {})
    assert [o["MerchantFulfillmentOrderId"] for o in listed["FulfillmentOrder"]] == ["ORDER-1"]
    supply = checked(client, "inventory", "GetInventorySupply", {"MerchantSKU": ["SKU-B"], "ResponseGroup": "Detailed"})
    assert supply["MerchantSKUSupply"][0]["TotalSupplyQuantity"] == 4  # one reserved
    checked(client, "inventory", "ListUpdatedInventorySupply", {"QueryStartDateTime": "2000-01-01T00:00:00Z"})
    checked(client, "outbound", "GetFulfillmentPreview", {
        "Address": DESTINATION,
        "Items": [{"MerchantSKU": "SKU-B", "Quantity": 1, "MerchantFulfillmentOrderItemId": "1"}]})


def test_changes_to_shipments_at_a_removed_center(operations, operator_client, merchant):
    client = operations
    # The header names its center again: refused as any unknown center is.
    header = shipment("FBA-WORKING", fc=GONE)
    header.pop("MerchantSKUQuantityItem")
    with pytest.raises(ApiError) as refused:
        client.call("inbound", "PutInboundShipmentData", header)
    assert refused.value.code == "InvalidParameterValue"
    client.call("inbound", "SetInboundShipmentStatus", {"ShipmentId": "FBA-WORKING", "ShipmentStatus": "Cancelled"})
    for status in ("InTransit", "Delivered", "CheckedIn"):
        operator_client.call("operator", "MoveInboundShipment", {
            "MerchantId": merchant.merchant_id, "ShipmentId": "FBA-SHIPPED", "ShipmentStatus": status})
    operator_client.call("operator", "ReceiveInboundShipmentItems", {
        "MerchantId": merchant.merchant_id, "ShipmentId": "FBA-SHIPPED", "ReceiveAll": True})
