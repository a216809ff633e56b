"""Signatures and isolation over real HTTP: tampering with any signed part is refused,
legacy signatures work, and one merchant can never see or touch another's data."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from urllib.parse import quote, urlencode

import pytest
import requests

from ..legacy_signer import sign_v0, sign_v1, sign_v2
from .samples import order, register, shipment


def _error(reply):
    from fwscli.wire.xml import read_error
    return read_error(reply.body)


def _replace_in_body(old: bytes, new: bytes):
    def tamper(url, headers, data):
        assert old in data
        return url, headers, data.replace(old, new, 1)
    return tamper


@pytest.mark.parametrize("tamper, code", [
    (_replace_in_body(b"MerchantSKU.1=SKU-1", b"MerchantSKU.1=SKU-2"), "SignatureDoesNotMatch"),
    (lambda url, h, d: (url, h, d + b"&Extra=1"), "SignatureDoesNotMatch"),
    (lambda url, h, d: (url, {**h, "X-Amz-Date": "20261127T000000Z"}, d), "SignatureDoesNotMatch"),
    (lambda url, h, d: (url, {**h, "Host": "fba-outbound.example.com"}, d), "SignatureDoesNotMatch"),
    (lambda url, h, d: (url, {**h, "X-Amz-Content-SHA256": "0" * 64}, d), "SignatureDoesNotMatch"),
    (lambda url, h, d: (url, {k: v for k, v in h.items() if k != "Authorization"}, d), "MissingAuthenticationToken"),
])
def test_tampering_is_refused(client, tamper, code):
    reply = client.send("inbound", [("Action", "GetFulfillmentItemByMSKU"), ("MerchantSKU.1", "SKU-1")], tamper=tamper)
    assert reply.status == 403, reply.text
    assert _error(reply).code in (code, "RequestExpired")
    if code != "SignatureDoesNotMatch":
        assert _error(reply).code == code


def test_sigv4_get_with_query_string(client):
    reply = client.send("inbound", [("Action", "GetFulfillmentItemByMSKU"), ("MerchantSKU.1", "a b+c~")], method="GET")
    assert reply.status == 200, reply.text


def test_unknown_key(server):
    from ..http import SignedClient
    stranger = SignedClient(server.url, "AKIDNOSUCHKEY0000000", "secret")
    reply = stranger.send("outbound", [("Action", "GetServiceStatus")])
    assert reply.status == 403
    error = _error(reply)
    assert error.code == "InvalidClientTokenId"
    assert error.message == "The AWS Access Key Id you provided does not exist in our records."


def _legacy_post(server, merchant, signer, when, **kwargs):
    params = [("Action", "GetServiceStatus"), ("Version", "2007-08-02")]
    signed = signer(params, merchant.access_key_id, merchant.secret_access_key,
                    timestamp=when.strftime("%Y-%m-%dT%H:%M:%S.000Z"), **kwargs)
    return requests.post(server.url, data=urlencode(signed), headers={
        "Content-Type": "application/x-www-form-urlencoded; charset=utf-8"})


@pytest.mark.parametrize("signer, kwargs", [
    (sign_v0, {}), (sign_v1, {}),
    (sign_v2, {"host": "127.0.0.1", "algorithm": "HmacSHA256"}),
    (sign_v2, {"host": "127.0.0.1", "algorithm": "HmacSHA1"}),
])
def test_legacy_signatures_and_their_clock_window(server, merchant, signer, kwargs):
    now = datetime.now(timezone.utc)
    assert _legacy_post(server, merchant, signer, now, **kwargs).status_code == 200
    for skew in (timedelta(minutes=-20), timedelta(minutes=20)):
        reply = _legacy_post(server, merchant, signer, now + skew, **kwargs)
        assert reply.status_code == 403
        assert b"<Code>RequestExpired</Code>" in reply.content


def test_second_merchant_cannot_see_or_touch_the_first(client, other_client):
    register(client, "SKU-1")
    client.call("inbound", "PutInboundShipment", shipment("FBA-MINE", ("SKU-1", 3)))
    client.call("outbound", "CreateFulfillmentOrder", order("MINE-1", ("SKU-1", 1)))
    my_order = {"MerchantFulfillmentOrderId": "MINE-1"}
    # Planned by now (no stock: FillOrKill makes it Unfulfillable); nothing below may change it.
    before = client.call("outbound", "GetFulfillmentOrder", my_order)["FulfillmentOrder"]

    def refused(service, action, request, parameter):
        with pytest.raises(Exception) as caught:
            other_client.call(service, action, request)
        assert caught.value.code == "InvalidParameterValue"
        assert f"for parameter {parameter} is invalid" in caught.value.message
        return caught.value.message

    leak = refused("inbound", "GetInboundShipmentData", {"ShipmentId": "FBA-MINE"}, "ShipmentId")
    absent = refused("inbound", "GetInboundShipmentData", {"ShipmentId": "FBA-NONE"}, "ShipmentId")
    assert leak.replace("FBA-MINE", "?") == absent.replace("FBA-NONE", "?")  # no existence leak
    refused("inbound", "SetInboundShipmentStatus", {"ShipmentId": "FBA-MINE", "ShipmentStatus": "Cancelled"}, "ShipmentId")
    refused("inbound", "ListInboundShipmentItems", {"ShipmentId": "FBA-MINE"}, "ShipmentId")
    refused("outbound", "GetFulfillmentOrder", {"MerchantFulfillmentOrderId": "MINE-1"}, "MerchantFulfillmentOrderId")
    refused("outbound", "CancelFulfillmentOrder", {"MerchantFulfillmentOrderId": "MINE-1"}, "MerchantFulfillmentOrderId")

    assert other_client.call("inbound", "ListAllFulfillmentItems")["FulfillmentItem"] == []
    assert other_client.call("inbound", "ListInboundShipments")["ShipmentData"] == []
    assert other_client.call("outbound", "ListAllFulfillmentOrders")["FulfillmentOrder"] == []
    assert other_client.call("inbound", "GetFulfillmentItemByMSKU", {"MerchantSKU": ["SKU-1"]})["FulfillmentItem"] == []

    # Its token for my list is refused, and the first merchant's data is unchanged.
    mine = client.call("inbound", "ListAllFulfillmentItems", {"MaxCount": 1})
    with pytest.raises(Exception) as caught:
        other_client.call("inbound", "ListAllFulfillmentItemsByNextToken", {"NextToken": mine["NextToken"] or "x"})
    assert caught.value.code == "InvalidParameterValue"
    status = client.call("inbound", "GetInboundShipmentData", {"ShipmentId": "FBA-MINE"})["ShipmentData"]["ShipmentStatus"]
    assert status == "Working"
    assert client.call("outbound", "GetFulfillmentOrder", my_order)["FulfillmentOrder"] == before


@pytest.mark.parametrize("name, when", [
    ("Timestamp", "0001-01-01T00:00:00+01:00"),  # in UTC: before year 1
    ("Expires", "9999-12-31T23:59:59-01:00"),  # in UTC: after year 9999
])
def test_a_legal_time_beyond_the_calendar_in_utc_is_refused_not_a_500(server, merchant, name, when):
    params = [("Action", "GetServiceStatus"), ("Version", "2007-08-02"), (name, when)]
    signed = sign_v1(params, merchant.access_key_id, merchant.secret_access_key)
    reply = requests.post(server.url, data=urlencode(signed), headers={
        "Content-Type": "application/x-www-form-urlencoded; charset=utf-8"})
    assert reply.status_code == 400, reply.text
    assert b"<Code>InvalidParameterValue</Code>" in reply.content
    assert f"Value {when} for parameter {name} is invalid" in reply.text


@pytest.mark.parametrize("expires", ["\u00b2", "9" * 5000])
def test_a_presigned_expiry_that_is_no_number_is_invalid_not_a_500(server, merchant, expires):
    # "²" passes str.isdigit() but not int(); 5,000 digits pass neither int() nor the limit.
    from botocore.auth import SigV4QueryAuth
    from botocore.awsrequest import AWSRequest
    from botocore.credentials import Credentials

    request = AWSRequest(method="GET", url=server.url,
                         params=[("Action", "GetServiceStatus"), ("Version", "2007-08-02")])
    SigV4QueryAuth(Credentials(merchant.access_key_id, merchant.secret_access_key), "fws",
                   "us-east-1", expires=300).add_auth(request)
    url = request.prepare().url.replace("X-Amz-Expires=300", "X-Amz-Expires=" + quote(expires))
    reply = requests.get(url, timeout=10)
    assert reply.status_code == 400, reply.text
    assert b"<Code>InvalidParameterValue</Code>" in reply.content
    assert "for parameter X-Amz-Expires is invalid" in reply.text


def test_a_sigv4_date_header_beyond_the_calendar_in_utc_is_invalid_not_a_500(client):
    def http_date(url, headers, data):
        headers = {name: value for name, value in headers.items() if name.lower() != "x-amz-date"}
        return url, {**headers, "Date": "Fri, 31 Dec 9999 23:59:59 -0100"}, data

    reply = client.send("outbound", [("Action", "GetServiceStatus")], tamper=http_date)
    assert reply.status == 400, reply.text
    assert _error(reply).code == "InvalidParameterValue"
    assert "for parameter Date is invalid" in _error(reply).message
