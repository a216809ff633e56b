"""The XML writer and the model-driven reader: every operation's result round-trips, the
reader reads what the earlier (xmltodict) reader read, and refuses DTDs."""

from __future__ import annotations

import random
from datetime import datetime, timezone
from decimal import Decimal
from typing import Any

import pytest

from fwscli.api import SERVICES_BY_NAME
from fwscli.api.errors import ApiError, InternalError, InvalidParameterValue
from fwscli.api.outbound import OUTBOUND
from fwscli.api.shapes import Member, Structure
from fwscli.wire.xml import read_error, read_response, write_error, write_response

LIST = OUTBOUND.operation("ListAllFulfillmentOrders")
TEXTS = ["", " ", "a", "  padded  ", "x&y<z>w", "é😀", "1\n2", "true", "42", "]]>"]


def _value(member: Member, rng: random.Random) -> Any:
    if isinstance(member.shape, Structure):
        return _result(member.shape.members, rng)
    kind = member.shape.kind
    if kind == "int":
        return rng.choice([0, 7, -3, 10**12])
    if kind == "boolean":
        return rng.choice([True, False])
    if kind == "decimal":
        return rng.choice([Decimal("12.50"), Decimal("0"), Decimal("-1.005")])
    if kind == "datetime":
        return datetime(2026, 1, 2, 3, 4, 5, 678, tzinfo=timezone.utc)
    return rng.choice(TEXTS)


def _result(members, rng: random.Random) -> dict[str, Any]:
    data = {}
    for member in members:
        if rng.random() < 0.25:
            continue
        data[member.name] = ([_value(member, rng) for _ in range(rng.randint(0, 3))]
                             if member.repeated else _value(member, rng))
    return data


def _as_read(members, data: dict[str, Any]) -> dict[str, Any]:
    """What the client reads back: the model's key order, text as written (numbers and
    booleans read past whitespace), a missing list empty, an empty structure {}, date-times
    as the wire's text."""
    read: dict[str, Any] = {}
    for member in members:
        if member.name not in data:
            if member.repeated:
                read[member.name] = []
            continue
        value = data[member.name]
        items = [_scalar_as_read(member, item) for item in (value if member.repeated else [value])]
        read[member.name] = items if member.repeated else items[0]
    return read


def _scalar_as_read(member: Member, value: Any) -> Any:
    if isinstance(member.shape, Structure):
        return _as_read(member.shape.members, value) if value else {}
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%dT%H:%M:%SZ")
    if isinstance(value, str):
        text = value.strip()
        return {"int": lambda: int(text) if text else None,
                "boolean": lambda: text.lower() == "true"}.get(member.shape.kind, lambda: value)()
    return value


@pytest.mark.parametrize("service", list(SERVICES_BY_NAME.values()), ids=lambda s: s.name)
def test_every_result_round_trips_in_the_models_order(service):
    rng = random.Random(service.name)
    for operation in service.operations:
        for _ in range(20):
            result = _result(operation.result, rng) if operation.result else None
            body = write_response(service, operation, result, " rid-1 ")
            read, request_id = read_response(service, operation, body)
            expected = _as_read(operation.result or (), result or {})
            assert read == expected and list(read) == list(expected), (operation.name, body)
            assert request_id == "rid-1"
            # A server that uses a default namespace instead of the ns1 prefix reads the same.
            unprefixed = body.replace(b"ns1:", b"").replace(b"xmlns:ns1=", b"xmlns=")
            assert read_response(service, operation, unprefixed) == (read, request_id)


def _list_body(inner: str, metadata: str = "<ns1:ResponseMetadata><ns1:RequestId>r</ns1:RequestId>"
               "</ns1:ResponseMetadata>") -> bytes:
    return (f'<?xml version="1.0"?>\n<ns1:ListAllFulfillmentOrdersResponse '
            f'xmlns:ns1="{OUTBOUND.namespace}">{inner}{metadata}'
            f'</ns1:ListAllFulfillmentOrdersResponse>').encode()


@pytest.mark.parametrize("inner, expected", [
    ("", {"FulfillmentOrder": []}),
    ("<ns1:ListAllFulfillmentOrdersResult/>", {"FulfillmentOrder": []}),
    ("<ns1:ListAllFulfillmentOrdersResult><ns1:NextToken/><ns1:HasNext> TRUE </ns1:HasNext>"
     "<ns1:Unknown>x</ns1:Unknown></ns1:ListAllFulfillmentOrdersResult>",
     {"NextToken": "", "HasNext": True, "FulfillmentOrder": []}),
    ("<ns1:ListAllFulfillmentOrdersResult><ns1:FulfillmentOrder><ns1:DestinationAddress/>"
     "<ns1:MerchantFulfillmentOrderId><![CDATA[ a<b ]]></ns1:MerchantFulfillmentOrderId>"
     "</ns1:FulfillmentOrder></ns1:ListAllFulfillmentOrdersResult>",
     {"FulfillmentOrder": [{"MerchantFulfillmentOrderId": " a<b ", "DestinationAddress": {},
                            "NotificationEmailList": []}]}),
    # Out of the model's order: read in the model's order, the absent list in its place.
    ("<ns1:ListAllFulfillmentOrdersResult><ns1:FulfillmentOrder>"
     "<ns1:FulfillmentMethod>Consumer</ns1:FulfillmentMethod>"
     "<ns1:MerchantFulfillmentOrderId>O-1</ns1:MerchantFulfillmentOrderId></ns1:FulfillmentOrder>"
     "<ns1:FulfillmentOrder><ns1:MerchantFulfillmentOrderId>O-2</ns1:MerchantFulfillmentOrderId>"
     "</ns1:FulfillmentOrder><ns1:HasNext>false</ns1:HasNext>"
     "<ns1:FulfillmentOrder><ns1:StatusUpdatedDateTime>t</ns1:StatusUpdatedDateTime>"
     "</ns1:FulfillmentOrder></ns1:ListAllFulfillmentOrdersResult>",
     {"HasNext": False, "FulfillmentOrder": [
         {"MerchantFulfillmentOrderId": "O-1", "FulfillmentMethod": "Consumer",
          "NotificationEmailList": []},
         {"MerchantFulfillmentOrderId": "O-2", "NotificationEmailList": []},
         {"StatusUpdatedDateTime": "t", "NotificationEmailList": []}]}),
    # Twice where once is allowed: read as empty, as the xmltodict reader did.
    ("<ns1:ListAllFulfillmentOrdersResult><ns1:HasNext>true</ns1:HasNext>"
     "<ns1:HasNext>true</ns1:HasNext></ns1:ListAllFulfillmentOrdersResult>",
     {"HasNext": False, "FulfillmentOrder": []}),
])
def test_reader_edge_cases(inner, expected):
    read = read_response(OUTBOUND, LIST, _list_body(inner))
    assert read == (expected, "r")
    assert repr(read) == repr((expected, "r"))  # key order too


def test_missing_request_id_reads_empty():
    assert read_response(OUTBOUND, LIST, _list_body("", metadata=""))[1] == ""


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-le", "utf-16-be"])
def test_a_utf16_body_is_read(encoding):
    text = _list_body("<ns1:ListAllFulfillmentOrdersResult><ns1:NextToken>é</ns1:NextToken>"
                      "</ns1:ListAllFulfillmentOrdersResult>").decode()
    body = text.replace('<?xml version="1.0"?>', '<?xml version="1.0" encoding="UTF-16"?>')
    assert read_response(OUTBOUND, LIST, body.encode(encoding))[0]["NextToken"] == "é"


@pytest.mark.parametrize("body, message", [
    (b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e "boom">]>'
     b'<ns1:ListAllFulfillmentOrdersResponse xmlns:ns1="u">&e;</ns1:ListAllFulfillmentOrdersResponse>',
     "DTD"),
    (b"not xml", "not XML"),
    (b'<ns1:OtherResponse xmlns:ns1="u"/>', "'OtherResponse', not ListAllFulfillmentOrdersResponse"),
])
def test_reader_refuses(body, message):
    with pytest.raises(InternalError, match=message):
        read_response(OUTBOUND, LIST, body)


@pytest.mark.parametrize("error", [InternalError("boom -- <x> & y"),
                                   InvalidParameterValue("NextToken", "a&b", "bad")])
def test_errors_round_trip(error: ApiError):
    read = read_error(write_error(OUTBOUND, error, "rid-9"))
    assert (type(read), read.code, read.message, read.request_id) == \
        (type(error), error.code, error.message, "rid-9")


def test_an_error_body_that_is_not_one():
    assert read_error(b"<html>oops</html>") is None
    assert read_error(b"<ErrorResponse><Error>") is None


def test_writer_bytes():
    result = {"NextToken": "a&b<c>", "HasNext": False, "FulfillmentOrder": [{
        "MerchantFulfillmentOrderId": "O-1",
        "DisplayableOrderDateTime": datetime(2026, 1, 2, 3, 4, 5, 999999, tzinfo=timezone.utc),
        "DestinationAddress": {"Name": "N", "Line1": None},
        "NotificationEmailList": ["a@b.c", "d@e.f"]}]}
    assert write_response(OUTBOUND, LIST, result, "r&1") == (
        '<?xml version="1.0"?>\n<ns1:ListAllFulfillmentOrdersResponse xmlns:ns1="'
        + OUTBOUND.namespace + '"><ns1:ListAllFulfillmentOrdersResult>'
        "<ns1:NextToken>a&amp;b&lt;c&gt;</ns1:NextToken><ns1:HasNext>false</ns1:HasNext>"
        "<ns1:FulfillmentOrder><ns1:MerchantFulfillmentOrderId>O-1</ns1:MerchantFulfillmentOrderId>"
        "<ns1:DisplayableOrderDateTime>2026-01-02T03:04:05Z</ns1:DisplayableOrderDateTime>"
        "<ns1:DestinationAddress><ns1:Name>N</ns1:Name></ns1:DestinationAddress>"
        "<ns1:NotificationEmailList>a@b.c</ns1:NotificationEmailList>"
        "<ns1:NotificationEmailList>d@e.f</ns1:NotificationEmailList></ns1:FulfillmentOrder>"
        "</ns1:ListAllFulfillmentOrdersResult><ns1:ResponseMetadata><ns1:RequestId>r&amp;1"
        "</ns1:RequestId></ns1:ResponseMetadata></ns1:ListAllFulfillmentOrdersResponse>").encode()


def test_carriage_returns_read_back_as_written():
    """A raw CR is read as LF by every XML reader (XML 1.0 §2.11): a gift message's CRLF
    would come back as LF."""
    result = {"NextToken": "line 1\r\nline 2", "HasNext": False, "FulfillmentOrder": []}
    body = write_response(OUTBOUND, LIST, result, "r-1")
    assert read_response(OUTBOUND, LIST, body)[0]["NextToken"] == "line 1\r\nline 2"


def test_writer_datetimes_in_other_zones_and_naive_are_utc():
    from datetime import timedelta
    result = {"FulfillmentOrder": [{
        "StatusUpdatedDateTime": datetime(2026, 1, 2, 3, 4, 5, tzinfo=timezone(timedelta(hours=2))),
        "ReceivedDateTime": datetime(2026, 1, 2, 3, 4, 5)}]}
    body = write_response(OUTBOUND, LIST, result, "r")
    assert b"<ns1:StatusUpdatedDateTime>2026-01-02T01:04:05Z<" in body
    assert b"<ns1:ReceivedDateTime>2026-01-02T03:04:05Z<" in body


def test_writer_keeps_the_offset_of_a_zoned_datetime():
    # DisplayableOrderDateTime: the merchant's order date, read back as it was sent.
    from datetime import timedelta
    written = {}
    for name, zone in (("west", timezone(timedelta(hours=-8))), ("india", timezone(timedelta(hours=5, minutes=30))),
                       ("utc", timezone.utc), ("naive", None)):
        moment = datetime(2026, 1, 2, 3, 4, 5, 678, tzinfo=zone)
        body = write_response(OUTBOUND, LIST, {"FulfillmentOrder": [{"DisplayableOrderDateTime": moment}]}, "r")
        written[name] = read_response(OUTBOUND, LIST, body)[0]["FulfillmentOrder"][0]["DisplayableOrderDateTime"]
    assert written == {"west": "2026-01-02T03:04:05-08:00", "india": "2026-01-02T03:04:05+05:30",
                       "utc": "2026-01-02T03:04:05Z", "naive": "2026-01-02T03:04:05Z"}
