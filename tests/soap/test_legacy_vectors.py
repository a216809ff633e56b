"""Replay the SOAP requests that real legacy clients sent (Axis 1.4 and ActiveFulfillment,
../shared/vectors/), byte for byte, against the app with its clock frozen at each request's
Timestamp.

The four clients were captured one after another against one stand-in server and one
merchant, so the replay runs the whole capture in its order on one database: the Query
clients first (through the Query replayer of tests/service), then Axis, then Ruby. That gives
Axis's paging through ListAllFulfillmentOrders the four orders its three ByNextToken calls
walk.

Substitutions, all forced by the vectors being captured against another server:
* a NextToken that server issued is replaced by the one ours issued for the same list (SigV0
  over operation + Timestamp does not cover it, so the request keeps its signature);
* ActiveFulfillment never registers SKUs (a merchant does that in Seller Central), so its
  two SKUs are registered for the merchant before its turn;
* the stand-in kept no stock, but ours plans orders: an order's SKUs get stock before it is
  created, so the order is live when the client cancels it;
* where the stand-in cut a page short of the requested size (MaxCount 100, 50 supply rows)
  and so handed out a token, ours answered the whole list and ended it with an empty
  NextToken, on which these clients stop. Such a ByNextToken request is replayed with the
  stand-in's token as sent, and refused as a token this service never issued.
"""

from __future__ import annotations

import json
import re
from xml.sax.saxutils import escape

import pytest

from fwscli.api import SERVICES_BY_NAME
from fwscli.warehouse import accounts
from fwscli.wire.timestamps import parse_timestamp

from ..paths import LEGACY_VECTORS_DIR
from ..service.test_legacy_vectors import Replayer, _environ
from ..wsdl import assert_valid
from .envelopes import envelope, read_fault, response_element

SOAP_CLIENTS = ("axis-mule-fws-connector", "ruby-active_fulfillment")
# Registered in Seller Central by the merchant whose store ActiveFulfillment serves.
RUBY_CATALOG = "".join(
    f"<MerchantItem><ASIN>{asin}</ASIN><Condition>NewItem</Condition>"
    f"<MerchantSKU>{sku}</MerchantSKU></MerchantItem>"
    for asin, sku in (("B000RUBY01", "RUBY-REC1-A"), ("B000RUBY02", "RUBY-REC1-B")))
# Spec §13: clients match these fault texts, so they must be exactly those FWS sent.
FIXED_TEXT_CODES = ("aws:Client.InvalidClientTokenId", "aws:Client.MissingParameter")
ORDER_NOT_FOUND = "Reason: requested order not found."
_NEXT_TOKEN = re.compile(r"<NextToken>([^<]*)</NextToken>")
_MERCHANT_SKU = re.compile(r"<(?:\w+:)?MerchantSKU>([^<]*)</(?:\w+:)?MerchantSKU>")
_OUR_TOKEN = re.compile(rb"<ns1:NextToken>([^<]*)</ns1:NextToken>")


def _capture() -> list[dict]:
    if not LEGACY_VECTORS_DIR.is_dir():
        pytest.skip(f"no legacy request vectors at {LEGACY_VECTORS_DIR}")
    index = json.loads((LEGACY_VECTORS_DIR / "index.json").read_text())
    vectors = []
    for entry in index:
        vector = json.loads((LEGACY_VECTORS_DIR / entry["file"]).read_text())
        vectors.append({**vector, "file": entry["file"], "recorder_status": entry["recorder_status"]})
    return sorted(vectors, key=lambda v: v["capture"]["sequence_in_capture"])


class SoapReplayer:
    def __init__(self, query: Replayer):
        self.query = query  # its app and clock serve both bindings
        self.tokens: dict[str, str] = {}  # list operation -> our last NextToken ("" at the end)

    def replay(self, vector: dict) -> tuple[int, dict, bytes, bool]:
        """Status, headers and body of our answer; and whether the stand-in's token was
        replaced by ours."""
        self.query.clock_at = parse_timestamp(vector["soap_security_header"]["Timestamp"])
        body, swapped = vector["body"], False
        if vector["operation"] == "CreateFulfillmentOrder":
            self.query.stock(_MERCHANT_SKU.findall(body))
        listing = vector["operation"].removesuffix("ByNextToken")
        theirs = _NEXT_TOKEN.search(body)
        if theirs and self.tokens.get(listing):
            body = body.replace(theirs.group(0), f"<NextToken>{escape(self.tokens[listing])}</NextToken>")
            swapped = True
        elif theirs:
            assert self.tokens.get(listing) == "", f"{listing} continued before our list ended"
        status, headers, payload = self.send(vector, body.encode("utf-8"))
        ours = _OUR_TOKEN.search(payload)
        if status == 200 and ours:
            self.tokens[listing] = ours.group(1).decode()
        return status, headers, payload, swapped or not theirs

    def send(self, vector: dict, body: bytes) -> tuple[int, dict, bytes]:
        captured: dict = {}

        def start_response(status, headers):
            captured["status"], captured["headers"] = int(status.split()[0]), dict(headers)

        payload = b"".join(self.query.app(_environ(vector, vector["path"], body), start_response))
        return captured["status"], captured["headers"], payload

    def register_ruby_catalog(self, vector: dict) -> None:
        capture, timestamp = vector["capture"], vector["soap_security_header"]["Timestamp"]
        self.query.clock_at = parse_timestamp(timestamp)
        body = envelope(SERVICES_BY_NAME["inbound"], "GetFulfillmentIdentifier", RUBY_CATALOG,
                        key=capture["access_key"], secret=capture["secret_key"], timestamp=timestamp)
        status, _, payload = self.send(vector, body)
        assert status == 200, payload.decode()


@pytest.fixture
def replayer(db):
    vectors = _capture()
    capture = vectors[0]["capture"]
    with db.write() as conn:
        merchant = accounts.create_merchant(conn, "Legacy", parse_timestamp(capture["recorded_at"]))
        accounts.add_key(conn, role="merchant", merchant_id=merchant.merchant_id,
                         now=parse_timestamp(capture["recorded_at"]),
                         access_key_id=capture["access_key"], secret=capture["secret_key"])
    return vectors, SoapReplayer(Replayer(db))


def test_soap_clients_replay_in_capture_order(replayer):
    vectors, soap = replayer
    replayed: list[str] = []
    for vector in vectors:
        if vector["transport"] != "soap":
            soap.query.replay(vector)  # the Query clients' turn: state only, tested elsewhere
            continue
        if vector["file"] == "ruby-active_fulfillment/001-outbound-GetServiceStatus.json":
            soap.register_ruby_catalog(vector)
        status, headers, payload, ours = soap.replay(vector)
        _check(vector, status, headers, payload, ours)
        replayed.append(vector["file"])
    expected = sorted(str(p.relative_to(LEGACY_VECTORS_DIR)) for client in SOAP_CLIENTS
                      for p in (LEGACY_VECTORS_DIR / client).glob("*.json"))
    assert sorted(replayed) == expected


def _check(vector: dict, status: int, headers: dict, payload: bytes, token_is_ours: bool) -> None:
    name, text = vector["file"], payload.decode("utf-8")
    assert headers["Content-Type"] == "text/xml; charset=utf-8"
    assert headers["Content-Length"] == str(len(payload))
    if vector["http_version"] == "HTTP/1.0":
        assert headers.get("Connection") == "close", name
    if not token_is_ours:
        fault = read_fault(payload)
        assert (status, fault.code) == (500, "aws:Client.InvalidParameterValue"), (name, text)
        assert "for parameter NextToken is invalid" in fault.string, (name, text)
        return
    assert status == vector["recorder_status"], (name, text)
    if status == 200:
        element = response_element(payload)
        assert element.startswith(f"<ns1:{vector['operation']}Response xmlns:ns1=".encode()), (name, text)
        assert_valid(vector["service"], element)
        assert headers["x-amzn-RequestId"].encode() in element
        return
    fault, expected = read_fault(payload), read_fault(vector["recorder_response"]["body"].encode())
    assert fault.code == expected.code, (name, text)
    assert fault.request_id == headers["x-amzn-RequestId"]
    if fault.code in FIXED_TEXT_CODES or expected.string.endswith(ORDER_NOT_FOUND):
        assert fault.string == expected.string, (name, text)
