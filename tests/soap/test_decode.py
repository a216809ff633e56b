"""The SOAP body decoder against the Query decoder: for every operation, the same request
gives the same dict, and the same mistake the same error and message (both read the one API
model). Plus what real SOAP clients send that a Query client never does."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest

from fwscli.api import SERVICES, SERVICES_BY_NAME
from fwscli.api.errors import ApiError, InvalidAction, MissingParameter
from fwscli.wire import query, soap

from ..service.generated import bad_values, full_params, minimal_params, required_paths
from .envelopes import envelope, params_to_xml

OPERATIONS = [(s, op) for s in SERVICES for op in s.operations]
IDS = [f"{s.name}.{op.name}" for s, op in OPERATIONS]


def _soap_decode(service, operation_name: str, children: str) -> dict:
    body = envelope(service, operation_name, children, key="AKID", secret="s",
                    timestamp="2026-11-27T20:30:00Z")
    request = soap.parse_request(body)
    assert (request.service, request.operation.name) == (service, operation_name)
    return soap.decode_request(request)


def _error(decode) -> ApiError:
    with pytest.raises(ApiError) as caught:
        decode()
    return caught.value


@pytest.mark.parametrize("service, operation", OPERATIONS, ids=IDS)
def test_every_member_decodes_as_the_query_decoder_does(service, operation):
    for params in (minimal_params(operation), full_params(operation)):
        expected = query.decode_request(operation, params)
        assert _soap_decode(service, operation.name, params_to_xml(params)) == expected


@pytest.mark.parametrize("service, operation", OPERATIONS, ids=IDS)
def test_each_missing_member_is_the_same_error(service, operation):
    params = minimal_params(operation)
    for prefix, name in required_paths(operation):
        kept = [(k, v) for k, v in params if k != prefix and not k.startswith(prefix + ".")]
        error = _error(lambda: _soap_decode(service, operation.name, params_to_xml(kept)))
        assert isinstance(error, MissingParameter)
        assert error.message == f"The request must contain the parameter {name}."


@pytest.mark.parametrize("service, operation", OPERATIONS, ids=IDS)
def test_each_bad_value_is_the_same_error(service, operation):
    params = full_params(operation)
    for name, bad in bad_values(operation):
        attempt = [(k, v) for k, v in params if k != name] + [(name, bad)]
        by_query = _error(lambda: query.decode_request(operation, attempt))
        by_soap = _error(lambda: _soap_decode(service, operation.name, params_to_xml(attempt)))
        assert (by_soap.code, by_soap.message) == (by_query.code, by_query.message)


OUTBOUND = SERVICES_BY_NAME["outbound"]
INBOUND = SERVICES_BY_NAME["inbound"]
ADDRESS = ("<DestinationAddress><Name>Jane</Name><Line1>410 Terry Ave N</Line1><Line2/>"
           "<City>Seattle</City><StateOrProvinceCode>WA</StateOrProvinceCode>"
           "<CountryCode>US</CountryCode></DestinationAddress>")


def _order(items: str, extra: str = "") -> str:
    return ("<MerchantFulfillmentOrderId>O-1</MerchantFulfillmentOrderId>"
            "<DisplayableOrderId>O-1</DisplayableOrderId>"
            '<DisplayableOrderDateTime xsi:type="xsd:dateTime" '
            'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">2026-11-27T12:29:50.123-08:00'
            "</DisplayableOrderDateTime>"
            "<DisplayableOrderComment>Thanks</DisplayableOrderComment>"
            f"<ShippingSpeedCategory>Standard</ShippingSpeedCategory>{ADDRESS}{extra}{items}")


def _item(item_id: str, sku: str = "SKU-A", quantity: str = "1") -> str:
    return (f"<Item><MerchantSKU>{sku}</MerchantSKU><MerchantFulfillmentOrderItemId>{item_id}"
            f"</MerchantFulfillmentOrderItemId><Quantity>{quantity}</Quantity></Item>")


def test_lists_are_repeated_elements_and_item_ids_may_start_at_zero():
    decoded = _soap_decode(OUTBOUND, "CreateFulfillmentOrder", _order(_item("0") + _item("1", "SKU-B", "2")))
    assert [(i["MerchantFulfillmentOrderItemId"], i["MerchantSKU"], i["Quantity"]) for i in decoded["Item"]] == [
        ("0", "SKU-A", 1), ("1", "SKU-B", 2)]


def test_xsi_type_is_ignored_and_times_are_read_in_any_offset():
    decoded = _soap_decode(OUTBOUND, "CreateFulfillmentOrder", _order(_item("0")))
    # The order date keeps the offset it was sent in (it reads back so); the instant is UTC's.
    assert decoded["DisplayableOrderDateTime"].isoformat() == "2026-11-27T12:29:50.123000-08:00"
    assert decoded["DisplayableOrderDateTime"] == datetime(2026, 11, 27, 20, 29, 50, 123000, tzinfo=timezone.utc)


def test_empty_and_nil_elements_are_absent():
    nil = '<FulfillmentPolicy xsi:nil="true" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"/>'
    decoded = _soap_decode(OUTBOUND, "CreateFulfillmentOrder", _order(_item("0"), nil + "<FulfillmentMethod></FulfillmentMethod>"))
    assert "Line2" not in decoded["DestinationAddress"]
    assert "FulfillmentPolicy" not in decoded and "FulfillmentMethod" not in decoded
    error = _error(lambda: _soap_decode(OUTBOUND, "CreateFulfillmentOrder", _order("<Item/><Item>  </Item>")))
    assert error.message == "The request must contain the parameter Item."


def test_order_of_children_unknown_children_and_prefixes_do_not_matter():
    reordered = ("<ns1:GetFulfillmentPreview xmlns:ns1=\"http://fba-outbound.amazonaws.com/doc/2007-08-02/\">"
                 "<ns1:Items><ns1:Quantity>2</ns1:Quantity><ns1:MerchantFulfillmentOrderItemId>1"
                 "</ns1:MerchantFulfillmentOrderItemId><ns1:MerchantSKU>SKU-A</ns1:MerchantSKU></ns1:Items>"
                 "<ns1:Surprise>ignored</ns1:Surprise>"
                 "<ns1:Address><ns1:Name>J</ns1:Name><ns1:Line1>L</ns1:Line1>"
                 "<ns1:StateOrProvinceCode>WA</ns1:StateOrProvinceCode><ns1:CountryCode>US</ns1:CountryCode>"
                 "</ns1:Address></ns1:GetFulfillmentPreview>")
    body = (b'<env:Envelope xmlns:env="http://schemas.xmlsoap.org/soap/envelope/"><env:Body>'
            + reordered.encode() + b"</env:Body></env:Envelope>")
    decoded = soap.decode_request(soap.parse_request(body))
    assert decoded == {"Address": {"Name": "J", "Line1": "L", "StateOrProvinceCode": "WA", "CountryCode": "US"},
                       "Items": [{"MerchantSKU": "SKU-A", "Quantity": 2, "MerchantFulfillmentOrderItemId": "1"}]}


def test_too_many_items_is_the_query_api_error():
    operation = OUTBOUND.operation("CreateFulfillmentOrder")
    params = [(k, v) for k, v in minimal_params(operation) if not k.startswith("Item.")]
    params += [(f"Item.{n}.{field}", value) for n in range(1, 252)
               for field, value in (("MerchantSKU", "SKU-A"), ("MerchantFulfillmentOrderItemId", str(n)),
                                    ("Quantity", "1"))]
    by_query = _error(lambda: query.decode_request(operation, params))
    by_soap = _error(lambda: _soap_decode(OUTBOUND, operation.name, params_to_xml(params)))
    assert by_query.code == "InvalidParameterValue"
    assert (by_soap.code, by_soap.message) == (by_query.code, by_query.message)


def test_a_single_member_given_twice():
    error = _error(lambda: _soap_decode(INBOUND, "GetInboundShipmentData",
                                        "<ShipmentId>A</ShipmentId><ShipmentId>B</ShipmentId>"))
    assert error.message.startswith("Value A / B for parameter ShipmentId is invalid")


def test_the_operation_is_named_by_the_body_element():
    error = _error(lambda: _soap_decode(INBOUND, "CreateFulfillmentOrder", ""))
    assert isinstance(error, InvalidAction)
    assert "FWS Inbound service version 2007-05-10" in error.message
    stranger = (b'<env:Envelope xmlns:env="http://schemas.xmlsoap.org/soap/envelope/"><env:Body>'
                b'<GetServiceStatus xmlns="http://example.com/other/"/></env:Body></env:Envelope>')
    error = _error(lambda: soap.parse_request(stranger))
    assert isinstance(error, InvalidAction) and "http://example.com/other/" in error.message


@pytest.mark.parametrize("body, reason", [
    (b"not xml at all", "not well-formed"),
    (b'<?xml version="1.0"?><!DOCTYPE lol [<!ENTITY lol "lol">]>'
     b'<env:Envelope xmlns:env="http://schemas.xmlsoap.org/soap/envelope/"><env:Body/></env:Envelope>',
     "may not declare a DTD"),
    (b'<env:Envelope xmlns:env="http://www.w3.org/2003/05/soap-envelope"><env:Body/></env:Envelope>',
     "SOAP 1.1 Envelope"),
    (b'<env:Envelope xmlns:env="http://schemas.xmlsoap.org/soap/envelope/"><env:Body/></env:Envelope>',
     "must contain the operation element"),
])
def test_what_is_not_a_soap_request(body, reason):
    error = _error(lambda: soap.parse_request(body))
    assert error.code == "InvalidSOAPRequest" and error.sender
    assert reason in error.message


@pytest.mark.parametrize("method, mimetype, action, body, expected", [
    ("POST", "text/xml", '"GetServiceStatus"', b"", True),          # Axis
    ("POST", "application/soap+xml", None, b"", True),              # ActiveFulfillment
    ("POST", "", None, b'\n<?xml version="1.0"?>\n<soapenv:Envelope xmlns:soapenv="x">', True),
    ("POST", "application/xml", None, b"<Envelope>", True),
    ("POST", "", None, b"Action=GetServiceStatus&Version=2007-08-02", False),
    ("POST", "application/x-www-form-urlencoded", None, b"<Envelope>", False),
    ("GET", "", None, b"", False),
])
def test_detection(method, mimetype, action, body, expected):
    assert soap.is_soap_request(method, mimetype, action, lambda: body) is expected
