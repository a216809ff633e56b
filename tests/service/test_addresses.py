"""The address rules over HTTP, as legacy clients see them: the code and the exact message
of each, for orders, order previews, shipments and shipment previews (api/addresses.py)."""

from __future__ import annotations

import pytest

from fwscli.api.errors import ApiError

from .samples import DESTINATION, SHIP_FROM, order, register, shipment


def without(address: dict, member: str) -> dict:
    return {key: value for key, value in address.items() if key != member}


def refusal(call) -> tuple[str, str]:
    with pytest.raises(ApiError) as refused:
        call()
    assert refused.value.status == 400
    return refused.value.code, refused.value.message


@pytest.mark.parametrize("address, code, message", [
    (without(DESTINATION, "City"), "MissingParameter",
     "The request must contain the parameter DestinationAddress.City."),
    (without(DESTINATION, "PostalCode"), "MissingParameter",
     "The request must contain the parameter DestinationAddress.PostalCode."),
    ({**DESTINATION, "PostalCode": "9810"}, "InvalidParameterValue",
     "Value 9810 for parameter DestinationAddress.PostalCode is invalid. "
     "Reason: a US postal code has at least 5 digits."),
    ({**DESTINATION, "CountryCode": "us"}, "InvalidParameterValue",
     "Value us for parameter DestinationAddress.CountryCode is invalid. "
     "Reason: it must be two upper-case letters (ISO 3166-1 alpha-2)."),
])
def test_an_order_to_an_undeliverable_address_is_refused(client, address, code, message):
    register(client, "SKU-A")
    request = order("ORDER-1", ("SKU-A", 1))
    assert refusal(lambda: client.call("outbound", "CreateFulfillmentOrder",
                                       {**request, "DestinationAddress": address})) == (code, message)


def test_an_order_to_japan_needs_no_city(client):
    register(client, "SKU-A")
    japan = {**without(DESTINATION, "City"), "CountryCode": "JP", "PostalCode": "150-0002"}
    client.call("outbound", "CreateFulfillmentOrder",
                {**order("ORDER-JP", ("SKU-A", 1)), "DestinationAddress": japan})


def test_a_preview_to_an_undeliverable_address_is_not_fulfillable(client):
    register(client, "SKU-A")
    items = [{"MerchantSKU": "SKU-A", "Quantity": 1, "MerchantFulfillmentOrderItemId": "1"}]
    previews = client.call("outbound", "GetFulfillmentPreview",
                           {"Address": without(DESTINATION, "City"), "Items": items})
    assert not any(preview["IsFulfillable"] for preview in previews["FulfillmentPreviews"])


@pytest.mark.parametrize("address, code, message", [
    (without(SHIP_FROM, "PostalCode"), "MissingParameter",
     "The request must contain the parameter ShipFromAddress.PostalCode."),
    ({**SHIP_FROM, "PostalCode": "981"}, "InvalidParameterValue",
     "Value 981 for parameter ShipFromAddress.PostalCode is invalid. "
     "Reason: a US postal code has at least 5 digits."),
    ({**SHIP_FROM, "CountryCode": "U1"}, "InvalidParameterValue",
     "Value U1 for parameter ShipFromAddress.CountryCode is invalid. "
     "Reason: it must be two letters (ISO 3166-1 alpha-2)."),
])
def test_a_shipment_from_a_refused_address_is_refused(client, address, code, message):
    register(client, "SKU-A")
    put = {**shipment("FBA000001", ("SKU-A", 1)), "ShipFromAddress": address}
    assert refusal(lambda: client.call("inbound", "PutInboundShipment", put)) == (code, message)
    preview = {"ShipFromAddress": address, "MerchantSKUQuantityItem": put["MerchantSKUQuantityItem"]}
    assert refusal(lambda: client.call("inbound", "GetInboundShipmentPreview", preview)) == (code, message)


def test_a_ship_from_country_may_be_lower_case(client):
    register(client, "SKU-A")
    client.call("inbound", "PutInboundShipment",
                {**shipment("FBA000002", ("SKU-A", 1)), "ShipFromAddress": {**SHIP_FROM, "CountryCode": "us"}})
