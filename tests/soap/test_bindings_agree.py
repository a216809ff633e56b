"""The same request over the Query API and over SOAP, to the same app, gets the same answer:
the same result, or the same error code and message (the fault `aws:Client.<Code>`)."""

from __future__ import annotations

from urllib.parse import urlencode

import pytest

from fwscli.api import SERVICES_BY_NAME
from fwscli.wire.timestamps import format_timestamp
from fwscli.wire.xml import read_error

from .envelopes import read_fault, response_element, sign


@pytest.fixture
def query(soap):
    """Posts a Query form to the SOAP caller's app, signed with SigV0 by the same key."""

    def post(service: str, action: str, params: list[tuple[str, str]]):
        timestamp = format_timestamp(soap.clock.now)
        form = [("Action", action), ("Version", SERVICES_BY_NAME[service].version),
                ("AWSAccessKeyId", soap.key), ("Timestamp", timestamp), ("SignatureVersion", "0"),
                ("Signature", sign(action, timestamp, soap.secret)), *params]
        return soap.client.post("/", data=urlencode(form),
                                content_type="application/x-www-form-urlencoded")

    return post


def _query_error(response) -> tuple[str, str]:
    assert response.status_code != 200, response.get_data(as_text=True)
    error = read_error(response.get_data())
    return error.code, error.message


def _soap_error(response) -> tuple[str, str]:
    assert response.status_code == 500, response.get_data(as_text=True)
    fault = read_fault(response.get_data())
    return fault.code.split(".", 1)[1], fault.string


def _result(response) -> str:
    """The response element without its RequestId (the one part that differs)."""
    assert response.status_code == 200, response.get_data(as_text=True)
    body = response.get_data(as_text=True)
    if body.startswith("<?xml"):
        body = body.split("\n", 1)[1]
    if "<env:Body>" in body:
        body = response_element(response.get_data()).decode()
    request_id = response.headers["x-amzn-RequestId"]
    assert request_id in body
    return body.replace(request_id, "")


def test_a_whitespace_sku_is_a_sku_over_both_bindings(soap, query):
    # Query keeps a value as sent (only an empty one is absent); SOAP read an element of
    # spaces as absent, so GetInventorySupply failed with MissingParameter over SOAP only.
    by_query = query("inventory", "GetInventorySupply", [("MerchantSKU.1", "  ")])
    by_soap = soap.call("inventory", "GetInventorySupply", "<MerchantSKU>  </MerchantSKU>")
    assert _result(by_soap) == _result(by_query)
    assert "<ns1:MerchantSKU>  </ns1:MerchantSKU>" in _result(by_soap)


def test_a_whitespace_boolean_is_the_same_error_over_both_bindings(soap, query):
    by_query = query("inbound", "ListAllFulfillmentItems", [("IncludeInactive", " ")])
    by_soap = soap.call("inbound", "ListAllFulfillmentItems", "<IncludeInactive> </IncludeInactive>")
    assert _soap_error(by_soap) == _query_error(by_query) == (
        "InvalidParameterValue", "Value   for parameter IncludeInactive is invalid. Reason: it must be true or false.")


def test_a_whitespace_structure_is_still_absent(soap):
    # Whitespace between a structure's elements is layout, not a value (pretty-printed XML).
    fault = read_fault(soap.call("inbound", "GetInboundShipmentPreview",
                                 "<ShipFromAddress>\n  </ShipFromAddress>").get_data())
    assert (fault.code, fault.string) == ("aws:Client.MissingParameter",
                                          "The request must contain the parameter ShipFromAddress.")


def test_a_body_over_the_size_limit_is_the_same_error_over_both_bindings(soap, query, frozen_app):
    # Both declare their Content-Length; SOAP said "exceeds N bytes" without the length.
    frozen_app.max_request_bytes = 1000
    by_query = query("inventory", "GetInventorySupply", [("MerchantSKU.1", "y" * 2000)])
    by_soap = soap.call("inventory", "GetInventorySupply", "<MerchantSKU>" + "y" * 2000 + "</MerchantSKU>")
    assert by_query.status_code == 413
    code, message = _soap_error(by_soap)
    assert code == "RequestEntityTooLarge"
    assert message == f"The request body is {len(by_soap.request.get_data())} bytes; the limit is 1000 bytes."
    assert _query_error(by_query)[1] == (f"The request body is {len(by_query.request.get_data())} bytes; "
                                         "the limit is 1000 bytes.")


def test_soap_looks_keys_up_through_the_apps_key_cache(soap, query, monkeypatch):
    # SOAP read the key from the database at every request, the Query API from its cache:
    # a revoked key stopped working on the two bindings at different times.
    from fwscli.warehouse import accounts

    reads = []
    find_key = accounts.find_key
    monkeypatch.setattr(accounts, "find_key", lambda conn, key: reads.append(key) or find_key(conn, key))
    assert query("inbound", "GetServiceStatus", []).status_code == 200
    for _ in range(2):
        assert soap.call("inbound", "GetServiceStatus").status_code == 200
    assert reads == [soap.key]
