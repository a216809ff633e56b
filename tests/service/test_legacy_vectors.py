"""Replay the Query-API requests that real legacy clients sent (../shared/vectors/), byte
for byte, against the app with its clock frozen at each request's Timestamp.

Two substitutions, both forced by the vectors being captured against another server: a
NextToken issued by that server is replaced by the one ours issued for the same list (and
the request re-signed with the client's own signature version and timestamp), and the
ShipmentIds and FNSKUs it invented are simply used as they are (PutInboundShipment creates
whatever id the merchant names; unknown FNSKUs are skipped, as the spec says).

The stand-in kept no stock, but ours plans orders: before each recorded order, its SKUs get
the stock the session's merchant would have had, so the order is live when it is cancelled.
"""

from __future__ import annotations

import io
import json
from datetime import datetime, timezone
from urllib.parse import unquote, quote

import pytest

from sqlalchemy import select

from fwscli.service.app import FwsApp
from fwscli.store.schema import fulfillment_items
from fwscli.warehouse import accounts, ledger
from fwscli.wire.timestamps import parse_timestamp
from fwscli.wire.xml import read_error

from ..legacy_signer import encode_params, sign_v1
from ..paths import LEGACY_VECTORS_DIR
from ..wsdl import WSDL_DIR, assert_valid

QUERY_CLIENTS = ("php-amazon-2008", "java-mule-module-fws")


def _vectors(client: str) -> list[dict]:
    folder = LEGACY_VECTORS_DIR / client
    if not folder.is_dir():
        pytest.skip(f"no legacy request vectors at {folder}")
    return [json.loads(path.read_text()) for path in sorted(folder.glob("*.json"))]


def _param(vector: dict, name: str) -> str | None:
    return next((v for k, v in vector["decoded_params"] if k == name), None)


def _environ(vector: dict, path: str, body: bytes) -> dict:
    raw_path, _, query = path.partition("?")
    environ = {
        "REQUEST_METHOD": vector["method"],
        "SCRIPT_NAME": "",
        "PATH_INFO": unquote(raw_path),
        "QUERY_STRING": query,
        "SERVER_PROTOCOL": vector["http_version"],
        "SERVER_NAME": "127.0.0.1", "SERVER_PORT": "80",
        "wsgi.input": io.BytesIO(body), "wsgi.url_scheme": "http",
        "wsgi.errors": io.StringIO(), "wsgi.multithread": False, "wsgi.multiprocess": False,
        "wsgi.run_once": False, "wsgi.version": (1, 0),
        "CONTENT_LENGTH": str(len(body)),
    }
    for name, value in vector["headers"]:
        key = name.upper().replace("-", "_")
        if key == "CONTENT_TYPE":
            environ["CONTENT_TYPE"] = value
        elif key != "CONTENT_LENGTH":
            environ["HTTP_" + key] = value
    return environ


class Replayer:
    def __init__(self, db):
        self.db = db
        self.clock_at = datetime.now(timezone.utc)
        self.app = FwsApp(db, clock=lambda: self.clock_at)
        self.tokens: dict[str, str] = {}  # list operation -> our last NextToken

    def replay(self, vector: dict) -> tuple[int, dict, bytes]:
        self.clock_at = parse_timestamp(_param(vector, "Timestamp"))
        if vector["operation"] == "CreateFulfillmentOrder":
            self.stock([v for k, v in vector["decoded_params"] if k.endswith(".MerchantSKU")])
        path, body = vector["path"], vector["body"].encode("utf-8")
        action = _param(vector, "Action")
        theirs = _param(vector, "NextToken")
        if theirs is not None:
            path, body = self._with_our_token(vector, action, theirs, path, body)
        captured: dict = {}

        def start_response(status, headers):
            captured["status"], captured["headers"] = int(status.split()[0]), dict(headers)

        payload = b"".join(self.app(_environ(vector, path, body), start_response))
        if captured["status"] == 200 and b"<ns1:NextToken>" in payload:
            token = payload.split(b"<ns1:NextToken>")[1].split(b"</ns1:NextToken>")[0].decode()
            self.tokens[action.replace("ByNextToken", "")] = token
        return captured["status"], captured["headers"], payload

    def stock(self, skus: list[str]) -> None:
        """Give these SKUs (if registered) stock to fulfil an order from."""
        with self.db.write() as conn:
            for item in conn.execute(select(fulfillment_items).where(fulfillment_items.c.merchant_sku.in_(skus))):
                ledger.record_movement(conn, merchant_id=item.merchant_id, item_id=item.id,
                                       fulfillment_center_id="PHL1", kind="adjusted_in", quantity=10,
                                       now=self.clock_at, reason="the recorded session's stock")

    def _with_our_token(self, vector, action, theirs, path, body):
        ours = self.tokens[action.replace("ByNextToken", "")]
        if vector["method"] == "GET":
            # SigV0 (Action + Timestamp) does not cover NextToken: swap it in place.
            return path.replace(quote(theirs, safe="/"), quote(ours, safe="")).replace(theirs, ours), body
        params = [(k, ours if k == "NextToken" else v) for k, v in vector["decoded_params"]
                  if k not in ("Signature", "AWSAccessKeyId", "SignatureVersion", "Timestamp")]
        capture = vector["capture"]
        signed = sign_v1(params, capture["access_key"], capture["secret_key"],
                         timestamp=_param(vector, "Timestamp"))
        return path, encode_params(signed, php=True).encode()


@pytest.mark.parametrize("client_name", QUERY_CLIENTS)
def test_legacy_client_requests_replay(db, client_name):
    vectors = _vectors(client_name)
    capture = vectors[0]["capture"]
    with db.write() as conn:
        merchant = accounts.create_merchant(conn, "Legacy", parse_timestamp(capture["recorded_at"]))
        accounts.add_key(conn, role="merchant", merchant_id=merchant.merchant_id,
                         now=parse_timestamp(capture["recorded_at"]),
                         access_key_id=capture["access_key"], secret=capture["secret_key"])
    index = {entry["file"]: entry for entry in json.loads((LEGACY_VECTORS_DIR / "index.json").read_text())}
    replayer = Replayer(db)
    for vector in vectors:
        name = f"{client_name}/{vector['operation']}"
        status, headers, payload = replayer.replay(vector)
        expected = next(e["recorder_status"] for f, e in index.items()
                        if f.startswith(client_name + "/") and e["operation"] == vector["operation"]
                        and json.loads((LEGACY_VECTORS_DIR / f).read_text())["capture"] == vector["capture"])
        assert status == expected, (name, payload.decode())
        if status == 200:
            assert payload.startswith(b'<?xml version="1.0"?>\n<ns1:')
            if WSDL_DIR.is_dir():
                assert_valid(vector["service"], payload)
        else:
            error = read_error(payload)
            code = {400: "InvalidParameterValue", 403: "InvalidClientTokenId"}[status]
            assert error.code == code, payload
        if vector["http_version"] == "HTTP/1.0":
            assert headers.get("Connection") == "close"
            assert headers["Content-Length"] == str(len(payload))


def test_php_2008_retry_with_the_same_signature_is_accepted(db):
    """The 2008 library resends a 500/503 with the same Timestamp and Signature."""
    vectors = _vectors("php-amazon-2008")
    capture = vectors[0]["capture"]
    with db.write() as conn:
        merchant = accounts.create_merchant(conn, "Legacy", parse_timestamp(capture["recorded_at"]))
        accounts.add_key(conn, role="merchant", merchant_id=merchant.merchant_id,
                         now=parse_timestamp(capture["recorded_at"]),
                         access_key_id=capture["access_key"], secret=capture["secret_key"])
    replayer = Replayer(db)
    status_vector = next(v for v in vectors if v["operation"] == "GetServiceStatus"
                         and _param(v, "AWSAccessKeyId") == capture["access_key"])
    assert replayer.replay(status_vector)[0] == 200
    assert replayer.replay(status_vector)[0] == 200
