"""The generated WSDLs, as a SOAP tool-kit uses them: zeep loads each one from a live server
and calls every operation through it, signing with the aws security header (added by a zeep
plugin, as Axis and ActiveFulfillment add it by hand). zeep parses each answer against our
WSDL; the raw body is also checked against Amazon's (tests/wsdl.py)."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
import requests
import zeep
from lxml import etree
from zeep.exceptions import Fault
from zeep.plugins import Plugin
from zeep.transports import Transport

from fwscli.api import SERVICES, SERVICES_BY_NAME
from fwscli.wire.timestamps import format_timestamp

from ..conftest import NOW
from ..service.samples import DESTINATION, SHIP_FROM
from ..service.test_operations import add_stock
from ..wsdl import assert_valid_if_available as assert_valid
from .envelopes import SECURITY_NS, SOAP_ENV, response_element, sign

EXERCISED: set[tuple[str, str]] = set()


class AwsSecurityHeader(Plugin):
    """Adds AWSAccessKeyId, Timestamp and Signature (SigV0 over operation + Timestamp)."""

    def __init__(self, key: str, secret: str):
        self.key, self.secret = key, secret

    def egress(self, envelope, http_headers, operation, binding_options):
        timestamp = format_timestamp(datetime.now(timezone.utc))
        header = envelope.find(f"{{{SOAP_ENV}}}Header")
        if header is None:
            header = etree.Element(f"{{{SOAP_ENV}}}Header")
            envelope.insert(0, header)
        for name, value in (("AWSAccessKeyId", self.key), ("Timestamp", timestamp),
                            ("Signature", sign(operation.name, timestamp, self.secret))):
            etree.SubElement(header, f"{{{SECURITY_NS}}}{name}").text = value
        return envelope, http_headers


class RecordingTransport(Transport):
    """Keeps the last HTTP response, to check its raw bytes."""

    last: requests.Response

    def post(self, address, message, headers):
        self.last = super().post(address, message, headers)
        return self.last


class Caller:
    def __init__(self, server, merchant):
        self.transport = RecordingTransport()
        self.clients = {
            s.name: zeep.Client(f"{server.url}{s.name}?wsdl", transport=self.transport,
                                plugins=[AwsSecurityHeader(merchant.access_key_id, merchant.secret_access_key)])
            for s in SERVICES}

    def __call__(self, service: str, operation: str, **request):
        try:
            result = getattr(self.clients[service].service, operation)(**request)
        finally:
            EXERCISED.add((service, operation))
        response = self.transport.last
        assert response.status_code == 200, response.text
        assert_valid(service, response_element(response.content))
        if SERVICES_BY_NAME[service].operation(operation).result is None:
            return result  # zeep unwraps the lone ResponseMetadata
        return result[f"{operation}Result"]


@pytest.fixture
def call(server, merchant):
    return Caller(server, merchant)


def _register(call, *skus):
    result = call("inbound", "GetFulfillmentIdentifier", MerchantItem=[
        {"ASIN": f"B00000{n:04d}", "Condition": "NewItem", "MerchantSKU": sku} for n, sku in enumerate(skus)])
    return {item.MerchantSKU: item.FulfillmentNetworkSKU for item in result.FulfillmentItem}


@pytest.mark.parametrize("service", [s.name for s in SERVICES])
def test_service_status(call, service):
    status = call(service, "GetServiceStatus").Status
    assert "service available" in status


def test_inbound_operations(call):
    fnskus = _register(call, "SKU-A", "SKU-B")
    assert [i.MerchantSKU for i in call("inbound", "GetFulfillmentIdentifierForMSKU",
                                        MerchantSKU=["SKU-A", "SKU-C"]).FulfillmentItem] == ["SKU-A", "SKU-C"]
    first = call("inbound", "ListAllFulfillmentItems", IncludeInactive=False, MaxCount=2)
    assert first.HasNext is True and len(first.FulfillmentItem) == 2
    rest = call("inbound", "ListAllFulfillmentItemsByNextToken", NextToken=first.NextToken)
    assert rest.HasNext is False and not rest.NextToken and len(rest.FulfillmentItem) == 1
    assert call("inbound", "GetFulfillmentItemByMSKU", MerchantSKU=["SKU-B", "NOPE"]).FulfillmentItem[0].MerchantSKU == "SKU-B"
    by_fnsku = call("inbound", "GetFulfillmentItemByFNSKU", FulfillmentNetworkSKU=[fnskus["SKU-A"]])
    assert by_fnsku.FulfillmentItem[0].FulfillmentNetworkSKU == fnskus["SKU-A"]

    items = [{"MerchantSKU": "SKU-A", "Quantity": 10}, {"MerchantSKU": "SKU-B", "Quantity": 5}]
    previews = call("inbound", "GetInboundShipmentPreview", ShipFromAddress=SHIP_FROM,
                    MerchantSKUQuantityItem=items, LabelPrepPreference="MERCHANT_LABEL").ShipmentPreview
    plan = previews[0]
    header = {"ShipmentId": plan.ShipmentId, "ShipmentName": "First", "ShipFromAddress": SHIP_FROM,
              "DestinationFulfillmentCenter": plan.DestinationFulfillmentCenter}
    call("inbound", "PutInboundShipment", **header, MerchantSKUQuantityItem=items)
    call("inbound", "PutInboundShipmentItems", ShipmentId=plan.ShipmentId,
         MerchantSKUQuantityItem=[{"MerchantSKU": "SKU-C", "Quantity": 4}])
    call("inbound", "DeleteInboundShipmentItems", ShipmentId=plan.ShipmentId, MerchantSKU=["SKU-C"])
    call("inbound", "PutInboundShipmentData", **{**header, "ShipmentName": "Renamed"})
    data = call("inbound", "GetInboundShipmentData", ShipmentId=plan.ShipmentId).ShipmentData
    assert (data.ShipmentName, data.ShipmentStatus) == ("Renamed", "Working")

    call("inbound", "PutInboundShipment", **{**header, "ShipmentId": "FBA-SECOND"},
         MerchantSKUQuantityItem=[{"MerchantSKU": "SKU-B", "Quantity": 1}])
    listed = call("inbound", "ListInboundShipments", ShipmentStatus=["Working"], MaxCount=1,
                  CreatedAfter=NOW - timedelta(days=3650))
    assert listed.HasNext is True and len(listed.ShipmentData) == 1
    more = call("inbound", "ListInboundShipmentsByNextToken", NextToken=listed.NextToken)
    assert more.HasNext is False and len(more.ShipmentData) == 1
    page = call("inbound", "ListInboundShipmentItems", ShipmentId=plan.ShipmentId, MaxCount=1)
    last = call("inbound", "ListInboundShipmentItemsByNextToken", NextToken=page.NextToken)
    assert sorted(i.MerchantSKU for i in page.ShipmentItem + last.ShipmentItem) == ["SKU-A", "SKU-B"]
    call("inbound", "SetInboundShipmentStatus", ShipmentId=plan.ShipmentId, ShipmentStatus="Shipped")
    assert call("inbound", "GetInboundShipmentData", ShipmentId=plan.ShipmentId).ShipmentData.ShipmentStatus == "Shipped"


def test_outbound_operations(call, db, merchant):
    _register(call, "SKU-A", "SKU-B")
    add_stock(db, merchant, "SKU-A", 5)
    previews = call("outbound", "GetFulfillmentPreview", Address=DESTINATION, ShippingSpeedCategories=["Standard"],
                    Items=[{"MerchantSKU": "SKU-A", "Quantity": 2, "MerchantFulfillmentOrderItemId": "0"}])
    assert [p.IsFulfillable for p in previews.FulfillmentPreviews] == [True]

    order = {"DisplayableOrderDateTime": "2026-11-27T20:00:00Z", "DisplayableOrderComment": "Thanks",
             "ShippingSpeedCategory": "Standard", "DestinationAddress": DESTINATION,
             "FulfillmentPolicy": "FillOrKill", "NotificationEmailList": ["ops@example.com"]}
    for order_id, sku in (("ORDER-1", "SKU-A"), ("ORDER-2", "SKU-B")):
        call("outbound", "CreateFulfillmentOrder", MerchantFulfillmentOrderId=order_id, DisplayableOrderId=order_id,
             **order, Item=[{"MerchantSKU": sku, "MerchantFulfillmentOrderItemId": "0", "Quantity": 1,
                             "PerUnitDeclaredValue": {"CurrencyCode": "USD", "Value": "5.00"}}])
    got = call("outbound", "GetFulfillmentOrder", MerchantFulfillmentOrderId="ORDER-1")
    assert got.FulfillmentOrder.NotificationEmailList == ["ops@example.com"]
    assert got.FulfillmentOrderItem[0].MerchantFulfillmentOrderItemId == "0"

    page = call("outbound", "ListAllFulfillmentOrders", NumberOfResultsRequested=1, FulfillmentMethod=["Consumer"])
    assert page.HasNext is True
    last = call("outbound", "ListAllFulfillmentOrdersByNextToken", NextToken=page.NextToken)
    assert {o.MerchantFulfillmentOrderId for o in page.FulfillmentOrder + last.FulfillmentOrder} == {"ORDER-1", "ORDER-2"}
    # ORDER-2's SKU has no stock (FillOrKill: Unfulfillable); ORDER-1 is planned, so cancellable.
    call("outbound", "CancelFulfillmentOrder", MerchantFulfillmentOrderId="ORDER-1")
    cancelled = call("outbound", "GetFulfillmentOrder", MerchantFulfillmentOrderId="ORDER-1")
    assert cancelled.FulfillmentOrder.FulfillmentOrderStatus == "Cancelled"


def test_inventory_operations(call, db, merchant):
    _register(call, "SKU-A", "SKU-B")
    add_stock(db, merchant, "SKU-A", 7)
    add_stock(db, merchant, "SKU-B", 3)
    supply = call("inventory", "GetInventorySupply", MerchantSKU=["SKU-A"], ResponseGroup="Detailed")
    assert supply.MerchantSKUSupply[0].InStockSupplyQuantity == 7
    page = call("inventory", "ListUpdatedInventorySupply", NumberOfResultsRequested=1,
                QueryStartDateTime=NOW - timedelta(days=1), ResponseGroup="Basic")
    rest = call("inventory", "ListUpdatedInventorySupplyByNextToken", NextToken=page.NextToken)
    assert {s.MerchantSKU for s in page.MerchantSKUSupply + rest.MerchantSKUSupply} == {"SKU-A", "SKU-B"}


def test_faults_reach_the_toolkit(call):
    with pytest.raises(Fault) as caught:
        call("outbound", "GetFulfillmentOrder", MerchantFulfillmentOrderId="NOPE")
    assert caught.value.code == "aws:Client.InvalidParameterValue"
    assert caught.value.message.endswith("Reason: requested order not found.")
    assert call.transport.last.status_code == 500


def test_every_operation_was_called_through_zeep():
    """Runs last in this module: the tests above together called every operation."""
    expected = {(s.name, op.name) for s in SERVICES for op in s.operations}
    assert not expected - EXERCISED, sorted(expected - EXERCISED)
