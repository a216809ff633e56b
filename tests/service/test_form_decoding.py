"""A form POST is read as the legacy clients encode it, through the HTTP API: `+` and `%20`
both a space, an invalid %-escape kept as sent, bytes that are not UTF-8 refused by name, and
the query string's parameters read along with the body's."""

from __future__ import annotations

from urllib.parse import urlencode

import pytest
import requests

from ..legacy_signer import php_timestamp, sign_v0
from .samples import DESTINATION, SHIP_FROM, register, shipment


def test_values_are_decoded_as_sent(server, merchant, client):
    register(client, "SKU-1")
    params = [("Action", "CreateFulfillmentOrder"), ("Version", "2007-08-02"),
              ("MerchantFulfillmentOrderId", "ORDER-1"), ("DisplayableOrderDateTime", "2026-11-27T20:00:00Z"),
              ("ShippingSpeedCategory", "Standard"),
              *((f"DestinationAddress.{name}", value) for name, value in DESTINATION.items()),
              ("Item.1.MerchantSKU", "SKU-1"), ("Item.1.MerchantFulfillmentOrderItemId", "1"),
              ("Item.1.Quantity", "1")]
    signed = urlencode(sign_v0(params, merchant.access_key_id, merchant.secret_access_key)).encode()
    # Bytes that are not UTF-8, escaped or raw, are refused, not stored as U+FFFD.
    for bad in (b"%FF", b"\xfe"):
        reply = requests.post(server.url + "?DisplayableOrderId=Q", data=signed + b"&DisplayableOrderComment=a" + bad, headers={
            "Content-Type": "application/x-www-form-urlencoded; charset=utf-8"})
        assert reply.status_code == 400 and b"parameter DisplayableOrderComment" in reply.content, reply.text
    body = signed + b"&DisplayableOrderComment=a+b%20c%zz%C3%A9+%2B"
    reply = requests.post(server.url + "?DisplayableOrderId=Q+1%2F%41", data=body, headers={
        "Content-Type": "application/x-www-form-urlencoded; charset=utf-8"})
    assert reply.status_code == 200, reply.text

    got = client.call("outbound", "GetFulfillmentOrder", {"MerchantFulfillmentOrderId": "ORDER-1"})
    order = got["FulfillmentOrder"]
    assert order["DisplayableOrderComment"] == "a b c%zzé +"
    assert order["DisplayableOrderId"] == "Q 1/A"


def _status_params(merchant) -> list[tuple[str, str]]:
    return sign_v0([("Action", "GetServiceStatus"), ("Version", "2007-08-02")],
                   merchant.access_key_id, merchant.secret_access_key)


def test_a_post_without_a_content_type_is_read_as_a_form(server, merchant):
    reply = requests.post(server.url, data=urlencode(_status_params(merchant)).encode(), timeout=10)
    assert "Content-Type" not in reply.request.headers
    assert reply.status_code == 200, reply.text
    assert b"service available" in reply.content


def test_a_post_of_another_type_is_answered_from_its_query_string(server, merchant):
    # Its body is read (a SigV4 signature would cover it) but not as a form.
    reply = requests.post(server.url + "?" + urlencode(_status_params(merchant)), data=b"Action=Nonsense",
                          headers={"Content-Type": "text/plain"}, timeout=10)
    assert reply.status_code == 200, reply.text
    assert b"service available" in reply.content


def test_a_simple_list_index_with_only_sub_fields_is_an_unknown_parameter(client):
    # `MerchantSKU.1.X` continues a simple list's index; like any unknown name it is ignored.
    reply = client.raw("inbound", "GetFulfillmentIdentifierForMSKU",
                       [("GetFulfillmentIdentifierForMSKU.MerchantSKU.1.X", "abc")])
    assert reply.status == 400, reply.text
    assert b"<Code>MissingParameter</Code>" in reply.body
    assert b"the parameter MerchantSKU." in reply.body

    reply = client.raw("inbound", "GetFulfillmentIdentifierForMSKU",
                       [("MerchantSKU.1.X", "abc"), ("MerchantSKU.2", "SKU-2")])
    assert reply.status == 200, reply.text
    assert reply.body.count(b"<ns1:MerchantSKU>") == 1 and b"SKU-2" in reply.body


@pytest.mark.parametrize("name, second", [("Version", "2007-08-02"), ("Action", "CreateFulfillmentOrder")])
def test_action_or_version_given_twice_with_different_values_is_refused(client, name, second):
    # Which service or operation would be served is ambiguous: refused as any other
    # single-valued parameter sent twice with different values, whatever signs the request.
    params = [("Action", "GetServiceStatus"), (name, second)]
    if name == "Version":
        params.append(("Version", "2007-05-10"))
    reply = client.send("inbound", params)
    assert reply.status == 400, reply.text
    assert b"<Code>InvalidParameterValue</Code>" in reply.body
    assert f"for parameter {name} is invalid".encode() in reply.body

    same = client.send("inbound", [("Action", "GetServiceStatus"), ("Action", "GetServiceStatus")])
    assert same.status == 200, same.text


def test_an_index_is_read_as_the_client_spelled_it(client):
    # `MerchantSKU.01` is another name than `MerchantSKU.1`: neither is dropped, and an
    # error names the one that was sent.
    reply = client.raw("inbound", "GetFulfillmentIdentifierForMSKU",
                       [("MerchantSKU.1", "SKU-A"), ("MerchantSKU.01", "SKU-B")])
    assert reply.status == 200, reply.text
    assert b"SKU-A" in reply.body and b"SKU-B" in reply.body

    reply = client.raw("inbound", "PutInboundShipmentItems", [
        ("ShipmentId", "S1"), ("MerchantSKUQuantityItem.01.MerchantSKU", "SKU-A"),
        ("MerchantSKUQuantityItem.01.Quantity", "x")])
    assert reply.status == 400, reply.text
    assert b"for parameter MerchantSKUQuantityItem.01.Quantity is invalid" in reply.body


def test_an_unindexed_line_beside_indexed_ones_is_not_dropped(client):
    """Convention C's one un-indexed struct and convention A's indexed ones in one request:
    the shipment gets every line (the un-indexed one was dropped without a word)."""
    register(client, "SKU-A", "SKU-B")
    client.call("inbound", "PutInboundShipment", shipment("S1", ("SKU-B", 1)))
    reply = client.raw("inbound", "PutInboundShipmentItems", [
        ("ShipmentId", "S1"), ("MerchantSKUQuantityItem.MerchantSKU", "SKU-A"),
        ("MerchantSKUQuantityItem.Quantity", "4"), ("MerchantSKUQuantityItem.1.MerchantSKU", "SKU-B"),
        ("MerchantSKUQuantityItem.1.Quantity", "2")])
    assert reply.status == 200, reply.text
    items = client.call("inbound", "ListInboundShipmentItems", {"ShipmentId": "S1"})["ShipmentItem"]
    assert {item["MerchantSKU"]: item["QuantityShipped"] for item in items} == {"SKU-A": 4, "SKU-B": 2}


def test_an_index_of_thousands_of_digits_is_just_a_name(client):
    reply = client.raw("inbound", "GetFulfillmentIdentifierForMSKU", [("MerchantSKU." + "9" * 5000, "SKU-A")])
    assert reply.status == 200, reply.text
    reply = client.raw("inbound", "GetFulfillmentIdentifier", [(f"MerchantItem.{'9' * 5000}.ASIN", "B000000001")])
    assert reply.status == 400, reply.text
    assert b"<Code>MissingParameter</Code>" in reply.body


def test_a_name_of_many_dots_is_ignored_in_linear_time(client):
    # No member is more than a few segments deep; indexing every prefix of a name of 100,000
    # dots took time (and memory) quadratic in its length: ~20 s here, ~8 min at 1 MB.
    import time
    started = time.monotonic()
    reply = client.raw("inbound", "GetFulfillmentItemByMSKU",
                       [("MerchantSKU.1", "SKU-1"), ("x." * 100_000, "1")])
    assert reply.status == 200, reply.text
    assert time.monotonic() - started < 5


@pytest.mark.parametrize("version, method", [("1", "HmacSHA1"), ("2", "HmacSHA256"), ("2", "HmacSHA1")])
def test_a_latin1_value_of_a_signed_request_is_refused_by_name(server, merchant, version, method):
    # PHP's urlencode of a Latin-1 string: "M%FCller". The signature covers the bytes sent
    # (it was a 403 SignatureDoesNotMatch over U+FFFD), then the value is refused by name.
    import base64
    import hashlib
    import hmac
    from urllib.parse import quote


    params = [(b"Action", b"GetFulfillmentIdentifierForMSKU"), (b"Version", b"2007-05-10"),
              (b"MerchantSKU.1", b"M\xfcller"), (b"AWSAccessKeyId", merchant.access_key_id.encode()),
              (b"Timestamp", php_timestamp().encode()), (b"SignatureVersion", version.encode())]
    if version == "1":
        message = b"".join(name + value for name, value in sorted(params, key=lambda p: p[0].lower()))
    else:
        params.append((b"SignatureMethod", method.encode()))
        query = "&".join(f"{quote(n, safe='-_.~')}={quote(v, safe='-_.~')}" for n, v in sorted(params))
        message = f"POST\n127.0.0.1\n/\n{query}".encode()
    digest = hashlib.sha256 if method == "HmacSHA256" else hashlib.sha1
    signature = base64.b64encode(hmac.digest(merchant.secret_access_key.encode(), message, digest))
    body = "&".join(f"{quote(n, safe='')}={quote(v, safe='')}" for n, v in [*params, (b"Signature", signature)])
    reply = requests.post(server.url, data=body, timeout=10, headers={
        "Content-Type": "application/x-www-form-urlencoded; charset=utf-8"})
    assert reply.status_code == 400, reply.text
    assert b"<Code>InvalidParameterValue</Code>" in reply.content
    assert b"for parameter MerchantSKU.1 is invalid" in reply.content
    assert b"bytes that are not UTF-8" in reply.content


def test_an_access_key_id_that_is_not_utf8_is_unknown_not_an_internal_error(server):
    # No key holds such bytes; looking them up failed in the database driver.
    body = (b"Action=GetServiceStatus&Version=2007-05-10&AWSAccessKeyId=K%FF&SignatureVersion=1"
            b"&Timestamp=" + php_timestamp().encode() + b"&Signature=x")
    reply = requests.post(server.url, data=body, timeout=10, headers={
        "Content-Type": "application/x-www-form-urlencoded; charset=utf-8"})
    assert reply.status_code == 403 and b"<Code>InvalidClientTokenId</Code>" in reply.content, reply.text


def test_an_error_about_a_list_item_names_it_as_it_was_sent(client):
    """The warehouse names a line by its position; the client may number its lines from 0,
    leave gaps, send one un-indexed line (the Mule client) or prefix a simple list with the
    action (the 2008 PHP library). Each error named `….2.…` or `….1` instead: a parameter
    the client never sent."""
    register(client, "SKU-A")
    header = [("ShipmentId", "S1"), ("ShipmentName", "S1"), ("DestinationFulfillmentCenter", "PHL1"),
              *((f"ShipFromAddress.{name}", value) for name, value in SHIP_FROM.items())]
    cases = [
        ("inbound", "PutInboundShipment", header + [
            ("MerchantSKUQuantityItem.MerchantSKU", "SKU-NONE"), ("MerchantSKUQuantityItem.Quantity", "1")],
         "MerchantSKUQuantityItem.MerchantSKU"),
        ("inbound", "PutInboundShipment", header + [
            ("MerchantSKUQuantityItem.1.MerchantSKU", "SKU-A"), ("MerchantSKUQuantityItem.1.Quantity", "1"),
            ("MerchantSKUQuantityItem.3.MerchantSKU", "SKU-NONE"), ("MerchantSKUQuantityItem.3.Quantity", "1")],
         "MerchantSKUQuantityItem.3.MerchantSKU"),
    ]
    order = [("MerchantFulfillmentOrderId", "O-1"), ("DisplayableOrderId", "O-1"),
             ("DisplayableOrderDateTime", "2026-11-27T20:00:00Z"), ("DisplayableOrderComment", "Thanks"),
             ("ShippingSpeedCategory", "Standard"),
             *((f"DestinationAddress.{name}", value) for name, value in DESTINATION.items())]
    line = [("Item.0.MerchantSKU", "SKU-A"), ("Item.0.MerchantFulfillmentOrderItemId", "0"), ("Item.0.Quantity", "1")]
    cases += [
        ("outbound", "CreateFulfillmentOrder", order + line + [
            ("Item.7.MerchantSKU", "SKU-NONE"), ("Item.7.MerchantFulfillmentOrderItemId", "7"), ("Item.7.Quantity", "1")],
         "Item.7.MerchantSKU"),
        ("outbound", "CreateFulfillmentOrder", order + line + [
            ("CreateFulfillmentOrder.NotificationEmailList.1", "nobody")],
         "CreateFulfillmentOrder.NotificationEmailList.1"),
    ]
    for service, action, params, named in cases:
        reply = client.raw(service, action, params)
        assert reply.status == 400, reply.text
        assert f"for parameter {named} is invalid".encode() in reply.body, (named, reply.text)


def test_an_order_line_with_a_negative_index_is_refused_not_dropped(client):
    """`Item.-2.…` read as an unknown name: the order was accepted without that line."""
    register(client, "SKU-A", "SKU-B")
    params = [("MerchantFulfillmentOrderId", "O-1"), ("DisplayableOrderId", "O-1"),
              ("DisplayableOrderDateTime", "2026-11-27T20:00:00Z"), ("DisplayableOrderComment", "Thanks"),
              ("ShippingSpeedCategory", "Standard"),
              *((f"DestinationAddress.{name}", value) for name, value in DESTINATION.items()),
              ("Item.1.MerchantSKU", "SKU-A"), ("Item.1.MerchantFulfillmentOrderItemId", "1"), ("Item.1.Quantity", "1"),
              ("Item.-2.MerchantSKU", "SKU-B"), ("Item.-2.MerchantFulfillmentOrderItemId", "2"), ("Item.-2.Quantity", "1")]
    reply = client.raw("outbound", "CreateFulfillmentOrder", params)
    assert reply.status == 400, reply.text
    assert b"<Code>InvalidParameterValue</Code>" in reply.body
    assert b"for parameter Item.-2.MerchantSKU is invalid" in reply.body
    assert b"<Code>InvalidParameterValue</Code>" in client.raw(
        "outbound", "GetFulfillmentOrder", [("MerchantFulfillmentOrderId", "O-1")]).body


def test_a_count_of_thousands_of_leading_zeros_is_read_over_http(client):
    # int() refuses over 4,300 digits, leading zeros included: this was a 500 InternalError.
    reply = client.raw("inbound", "ListAllFulfillmentItems", [("MaxCount", "0" * 5000 + "1")])
    assert reply.status == 200, reply.text
    reply = client.raw("inbound", "ListAllFulfillmentItems", [("MaxCount", "-" + "0" * 5000 + "1")])
    assert reply.status == 400 and b"is invalid. Reason: it must be at least 1." in reply.body, reply.text


def test_a_declared_value_in_other_digits_than_0_to_9_is_refused(client):
    # Decimal() reads Arabic-Indic digits and underscores; an xs:decimal holds neither.
    register(client, "SKU-A")
    params = [("MerchantFulfillmentOrderId", "O-1"), ("DisplayableOrderId", "O-1"),
              ("DisplayableOrderDateTime", "2026-11-27T20:00:00Z"), ("DisplayableOrderComment", "Thanks"),
              ("ShippingSpeedCategory", "Standard"),
              *((f"DestinationAddress.{name}", value) for name, value in DESTINATION.items()),
              ("Item.1.MerchantSKU", "SKU-A"), ("Item.1.MerchantFulfillmentOrderItemId", "1"), ("Item.1.Quantity", "1"),
              ("Item.1.PerUnitDeclaredValue.CurrencyCode", "USD")]
    for value in ("٥.٠٠", "1_000"):
        reply = client.raw("outbound", "CreateFulfillmentOrder", params + [("Item.1.PerUnitDeclaredValue.Value", value)])
        assert reply.status == 400, reply.text
        assert "for parameter Item.1.PerUnitDeclaredValue.Value is invalid. Reason: it is not a decimal number".encode() \
            in reply.body, reply.text
