"""The client over real HTTP and over small WSGI apps: signed calls, typed errors, retries
with backoff, unreachable endpoints, and the redacted debug log."""

from __future__ import annotations

import logging
import re
import socket
import threading
from concurrent.futures import ThreadPoolExecutor
from urllib.parse import parse_qsl

import pytest
import requests
from urllib3.exceptions import MaxRetryError, NewConnectionError

from fwscli.api import INBOUND, OPERATOR
from fwscli.api.errors import InternalError, RequestThrottled
from fwscli.client.client import Client
from fwscli.client.errors import EndpointUnreachable, ResponseError, ServiceError
from fwscli.client.session import Credentials, Session
from fwscli.config import ConfigError
from fwscli.wire.xml import write_error, write_response

from .conftest import TEST_URL, client_over

STATUS = INBOUND.operation("GetServiceStatus")


def ok_app(environ, start_response):
    """Answers any inbound action; GetServiceStatus with Status "fine"."""
    form = dict(parse_qsl(environ["wsgi.input"].getvalue().decode()))
    operation = INBOUND.operation(form["Action"])
    result = {"Status": "fine"} if operation is STATUS else {}
    body = write_response(INBOUND, operation, result, "rid-ok")
    start_response("200 OK", [("Content-Type", "text/xml")])
    return [body]


class Flaky:
    """Answers `failures` times with the given status and body, then like `app`."""

    def __init__(self, failures: int, status: str = "503 Service Unavailable", body: bytes | None = None,
                 headers=(), app=ok_app):
        self.failures = failures
        self.status = status
        self.body = body if body is not None else write_error(
            INBOUND, RequestThrottled("Request rate exceeded."), "rid-throttled")
        self.headers = list(headers)
        self.app = app
        self.calls = 0
        self.environs: list[dict] = []

    def __call__(self, environ, start_response):
        self.calls += 1
        self.environs.append(environ)
        if self.calls <= self.failures:
            start_response(self.status, [("Content-Type", "text/xml")] + self.headers)
            return [self.body]
        return self.app(environ, start_response)


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


# --- over real HTTP ----------------------------------------------------------------------

def test_signed_calls_succeed_over_http(remote):
    client = remote()
    assert "service available [Version: 2007-05-10]" in client.call("inbound", "GetServiceStatus")["Status"]
    registered = client.call("inbound", "GetFulfillmentIdentifierForMSKU",
                             {"MerchantSKU": ["SKU with space", "SKU&amp;+~/"]})
    skus = [item["MerchantSKU"] for item in registered["FulfillmentItem"]]
    assert skus == ["SKU with space", "SKU&amp;+~/"]
    found = client.call("inbound", "GetFulfillmentItemByMSKU", {"MerchantSKU": ["SKU with space"]})
    assert found["FulfillmentItem"] == registered["FulfillmentItem"][:1]


def test_wrong_secret_is_a_typed_error_with_request_id(remote, merchant):
    client = remote(credentials=Credentials(merchant.access_key_id, "not-the-secret"))
    with pytest.raises(ServiceError) as caught:
        client.call("inbound", "GetServiceStatus")
    error = caught.value
    assert error.code == "SignatureDoesNotMatch"
    assert re.fullmatch(r"[0-9a-f-]{36}", error.request_id)
    assert (error.status, error.sender, error.is_auth_error) == (403, True, True)
    assert error.operation == "inbound.GetServiceStatus"
    assert error.request_id in str(error) and "SignatureDoesNotMatch" in str(error)


def test_unknown_key_is_invalid_client_token_id(remote):
    with pytest.raises(ServiceError) as caught:
        remote(credentials=Credentials("AKFMNOSUCHKEY0000000", "x")).call("inbound", "GetServiceStatus")
    assert caught.value.code == "InvalidClientTokenId"


def test_bad_parameter_is_not_retried(remote):
    sleeps: list[float] = []
    client = remote()
    client._sleep = sleeps.append
    with pytest.raises(ServiceError) as caught:
        client.call("inbound", "ListAllFulfillmentItemsByNextToken", {"NextToken": "garbage"})
    assert (caught.value.code, caught.value.status, caught.value.sender) == ("InvalidParameterValue", 400, True)
    assert "parameter NextToken" in caught.value.message
    assert sleeps == []


def test_calls_from_many_threads_share_one_client(remote):
    client = remote()
    with ThreadPoolExecutor(8) as pool:
        results = list(pool.map(lambda n: client.call("inbound", "GetFulfillmentIdentifierForMSKU",
                                                      {"MerchantSKU": [f"T-{n}"]}), range(32)))
    assert sorted(r["FulfillmentItem"][0]["MerchantSKU"] for r in results) == sorted(f"T-{n}" for n in range(32))


def test_unreachable_endpoint_after_max_attempts():
    sleeps: list[float] = []
    session = Session(endpoint_url=f"http://127.0.0.1:{closed_port()}/", max_attempts=4,
                      credentials=Credentials("AK", "S"), connect_timeout=2)
    client = Client(session, sleep=sleeps.append, rand=lambda: 1.0)
    with pytest.raises(EndpointUnreachable) as caught:
        client.call("inbound", "GetServiceStatus")
    assert caught.value.attempts == 4 and "tried 4 times" in str(caught.value)
    assert sleeps == [0.5, 1.0, 2.0]


def test_unknown_host_is_unreachable():
    session = Session(endpoint_url="http://no-such-host.invalid/", retry_mode="off",
                      credentials=Credentials("AK", "S"))
    with pytest.raises(EndpointUnreachable, match="tried once"):
        Client(session).call("inbound", "GetServiceStatus")


# --- the request on the wire ---------------------------------------------------------------

def test_every_parameter_is_in_the_signed_form_body():
    app = Flaky(0)
    client_over(app).call("inbound", "GetFulfillmentIdentifierForMSKU", {"MerchantSKU": ["a b", "a b"]})
    environ = app.environs[0]
    assert environ["REQUEST_METHOD"] == "POST" and environ["QUERY_STRING"] == ""
    assert environ["CONTENT_TYPE"] == "application/x-www-form-urlencoded; charset=utf-8"
    body = environ["wsgi.input"].getvalue().decode()
    assert parse_qsl(body) == [
        ("Action", "GetFulfillmentIdentifierForMSKU"), ("Version", "2007-05-10"),
        ("GetFulfillmentIdentifierForMSKU.MerchantSKU.1", "a b"),
        ("GetFulfillmentIdentifierForMSKU.MerchantSKU.2", "a b")]
    assert environ["HTTP_AUTHORIZATION"].startswith(
        "AWS4-HMAC-SHA256 Credential=AKFMTEST/") and "/us-east-1/fws/aws4_request" in environ["HTTP_AUTHORIZATION"]
    assert environ["HTTP_HOST"] == "fws.test"


def test_host_header_carries_a_non_default_port(remote, server):
    prepared = remote().transport.prepare([("Action", "GetServiceStatus")])
    assert prepared.headers["Host"] == server.url.split("/")[2]


@pytest.mark.parametrize("url", ["ftp://host/", "http:///", "http://host/?a=b"])
def test_unusable_endpoint_urls_are_config_errors(url):
    with pytest.raises(ConfigError, match="endpoint_url"):
        Client(Session(endpoint_url=url, credentials=Credentials("AK", "S")))


@pytest.mark.parametrize("path", ["fws//", "a//b", "a%20b/", "v1:x/", "x@y/"])
def test_an_endpoint_path_the_signature_cannot_cover_is_a_config_error(server, merchant, path):
    # The signing library signs the path as sent, the service (as SigV4 says) its
    # canonical form: with a doubled slash or a character to escape, every request was
    # SignatureDoesNotMatch, "check your secret key".
    credentials = Credentials(merchant.access_key_id, merchant.secret_access_key)
    with pytest.raises(ConfigError, match="endpoint_url .* path"):
        Client(Session(endpoint_url=server.url + path, credentials=credentials))


@pytest.mark.parametrize("path", ["", "fws", "fws/", "tools/fws-v1.2_~x/", "a/../fws/", "%7Efws/"])
def test_an_endpoint_path_of_plain_segments_is_signed(server, merchant, path):
    credentials = Credentials(merchant.access_key_id, merchant.secret_access_key)
    with Client(Session(endpoint_url=server.url + path, credentials=credentials)) as client:
        assert "service available" in client.call("inbound", "GetServiceStatus")["Status"]


def test_remote_endpoint_without_credentials_is_a_config_error():
    with pytest.raises(ConfigError, match="No credentials for profile 'default'"):
        Client(Session(endpoint_url="http://localhost:1/"))


# --- retries -------------------------------------------------------------------------------

def test_retries_a_503_with_full_jitter_backoff():
    sleeps: list[float] = []
    app = Flaky(2)
    client = client_over(app, sleep=sleeps.append, rand=lambda: 0.5)
    assert client.call("inbound", "GetServiceStatus") == {"Status": "fine"}
    assert app.calls == 3
    assert sleeps == [0.25, 0.5]  # 0.5 × uniform(0, 0.5 s × 2^(k-1))
    dates = {environ["HTTP_X_AMZ_DATE"] for environ in app.environs}
    assert all(dates)  # every attempt is signed afresh


@pytest.mark.parametrize("status", ["500 Internal Server Error", "502 Bad Gateway", "504 Gateway Timeout"])
def test_retries_server_failures(status):
    app = Flaky(1, status=status, body=write_error(INBOUND, InternalError("boom"), "rid-500"))
    assert client_over(app).call("inbound", "GetServiceStatus") == {"Status": "fine"}
    assert app.calls == 2


def test_throttling_answered_with_another_status_is_retried():
    app = Flaky(1, status="400 Bad Request")
    assert client_over(app).call("inbound", "GetServiceStatus") == {"Status": "fine"}
    assert app.calls == 2


def test_gives_up_after_max_attempts_with_the_last_error():
    sleeps: list[float] = []
    app = Flaky(10)
    with pytest.raises(ServiceError) as caught:
        client_over(app, sleep=sleeps.append, max_attempts=5).call("inbound", "GetServiceStatus")
    assert (caught.value.code, caught.value.status, caught.value.request_id) == \
        ("RequestThrottled", 503, "rid-throttled")
    assert app.calls == 5 and sleeps == [0.5, 1.0, 2.0, 4.0]


def test_backoff_is_capped():
    sleeps: list[float] = []
    with pytest.raises(ServiceError):
        client_over(Flaky(20), sleep=sleeps.append, max_attempts=10).call("inbound", "GetServiceStatus")
    assert max(sleeps) == 20.0


def test_retry_mode_off_sends_once():
    app = Flaky(1)
    with pytest.raises(ServiceError):
        client_over(app, retry_mode="off").call("inbound", "GetServiceStatus")
    assert app.calls == 1


@pytest.mark.parametrize("header, expected", [("3", 3.0), ("0", 0.0), ("3600", 60.0),
                                              ("nan", 0.5), ("garbage", 0.5)])
def test_retry_after_sets_the_wait(header, expected):
    sleeps: list[float] = []
    client_over(Flaky(1, headers=[("Retry-After", header)]), sleep=sleeps.append).call(
        "inbound", "GetServiceStatus")
    assert sleeps == [expected]


def fail_first(client, *errors: Exception):
    """Make the client's sends raise `errors`, one each, then send for real; returns what
    is left of them."""
    real_send = client.transport.http.send
    failures = iter(errors)

    def send(prepared, **kwargs):
        error = next(failures, None)
        if error is not None:
            raise error
        return real_send(prepared, **kwargs)

    client.transport.http.send = send
    return failures


def test_connection_errors_are_retried():
    sleeps: list[float] = []
    client = client_over(ok_app, sleep=sleeps.append)
    fail_first(client, requests.ConnectionError("reset by peer"))
    assert client.call("inbound", "GetServiceStatus") == {"Status": "fine"}
    assert sleeps == [0.5]


def test_non_xml_answers_are_response_errors():
    html = b"<html><body>502 Bad Gateway</body></html>"
    app = Flaky(5, status="502 Bad Gateway", body=html)
    with pytest.raises(ResponseError) as caught:
        client_over(app).call("inbound", "GetServiceStatus")
    assert caught.value.status == 502 and "Bad Gateway" in str(caught.value)
    assert app.calls == 3


@pytest.mark.parametrize("status", ["301 Moved Permanently", "302 Found", "307 Temporary Redirect",
                                    "308 Permanent Redirect"])
def test_a_redirect_is_reported_not_followed(status):
    # Followed, a POST became a GET without its form (the service then asked for Version)
    # or lost its signature on the way (MissingAuthenticationToken): both sent the user
    # looking for a fault that is not there. Typical: http:// redirected to https://.
    calls = []

    def redirecting(environ, start_response):
        calls.append(environ["REQUEST_METHOD"])
        start_response(status, [("Location", "https://fws.test/"), ("Content-Length", "0")])
        return [b""]

    with pytest.raises(ResponseError) as caught:
        client_over(redirecting).call("inbound", "GetServiceStatus")
    assert caught.value.status == int(status[:3]) and calls == ["POST"]
    assert "redirects to https://fws.test/" in str(caught.value) and "endpoint_url" in str(caught.value)


def test_a_200_that_is_not_the_operation_answer_is_a_response_error():
    def wrong(environ, start_response):
        start_response("200 OK", [("Content-Type", "text/plain")])
        return [b"hello"]

    with pytest.raises(ResponseError, match="inbound.GetServiceStatus"):
        client_over(wrong).call("inbound", "GetServiceStatus")


def test_unknown_operation_is_a_value_error():
    with pytest.raises(ValueError, match="no operation 'Nope'"):
        client_over(ok_app).call("inbound", "Nope")
    with pytest.raises(ValueError, match="Unknown service"):
        client_over(ok_app).call("shipping", "GetServiceStatus")


# --- debug log -----------------------------------------------------------------------------

def test_debug_log_shows_signed_requests_and_retries_redacted(caplog):
    caplog.set_level(logging.DEBUG)
    secret = "the-secret-key"
    client = client_over(Flaky(1), credentials=Credentials("AKFMDEBUG", secret))
    client.call("inbound", "GetServiceStatus")
    text = caplog.text
    assert "POST http://fws.test/" in text
    assert "Credential=AKFMDEBUG/" in text and "Signature=REDACTED" in text
    assert "Action=GetServiceStatus&Version=2007-05-10" in text
    assert "attempt 1 of 3 failed (HTTP 503); retrying in" in text
    assert "RequestId rid-ok" in text
    assert secret not in text
    assert not re.search(r"Signature=[0-9a-f]{64}", text)
    assert not re.search(r"Signature: [0-9a-f]{64}", text)  # the signing library's own log


def test_debug_log_redacts_secret_parameters():
    from fwscli.client.transport import describe_request

    prepared = requests.Request("POST", TEST_URL, data=b"Action=X&SecretAccessKey=abc&Other=1").prepare()
    assert describe_request(prepared).endswith("Action=X&SecretAccessKey=REDACTED&Other=1")


def test_one_signer_per_thread():
    client = client_over(ok_app)
    signers = []

    def sign():
        signers.append(client.transport._auth())

    threads = [threading.Thread(target=sign) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    sign()
    sign()
    assert len({id(signer) for signer in signers}) == 4


# --- values as stored ------------------------------------------------------------------------

def test_text_values_read_back_exactly_as_the_service_holds_them(remote):
    """The service keeps a SKU's or a gift message's surrounding whitespace and line breaks;
    the client shows them as kept: ' A ' and 'A' are two SKUs, not two rows both 'A'."""
    client = remote()
    skus = [" PAD ", "PAD", "tail\r\n"]
    registered = client.call("inbound", "GetFulfillmentIdentifierForMSKU", {"MerchantSKU": skus})
    assert [item["MerchantSKU"] for item in registered["FulfillmentItem"]] == skus
    listed = client.call("inbound", "ListAllFulfillmentItems", {})
    assert sorted(item["MerchantSKU"] for item in listed["FulfillmentItem"]) == sorted(skus)
    client.call("outbound", "CreateFulfillmentOrder", {
        "MerchantFulfillmentOrderId": "PADDED-1", "DisplayableOrderId": "PADDED-1",
        "DisplayableOrderDateTime": "2026-11-27T20:00:00Z",
        "DisplayableOrderComment": "  Thanks!\r\n", "ShippingSpeedCategory": "Standard",
        "DestinationAddress": {"Name": " Zoë ", "Line1": "1 Main St", "City": "Seattle",
                               "StateOrProvinceCode": "WA", "CountryCode": "US",
                               "PostalCode": "98101"},
        "Item": [{"MerchantSKU": " PAD ", "MerchantFulfillmentOrderItemId": "1", "Quantity": 1,
                  "GiftMessage": "  Happy\r\nbirthday!\n"}]})
    order = client.call("outbound", "GetFulfillmentOrder", {"MerchantFulfillmentOrderId": "PADDED-1"})
    assert order["FulfillmentOrder"]["DisplayableOrderComment"] == "  Thanks!\r\n"
    assert order["FulfillmentOrder"]["DestinationAddress"]["Name"] == " Zoë "
    item = order["FulfillmentOrderItem"][0]
    assert (item["MerchantSKU"], item["GiftMessage"]) == (" PAD ", "  Happy\r\nbirthday!\n")


# --- operations that add to what is there ----------------------------------------------------

ADJUST = {"MerchantId": 1, "MerchantSKU": "SKU-1", "FulfillmentCenterId": "PHL1", "Quantity": 5,
          "Reason": "found behind a shelf"}


def operator_app(environ, start_response):
    form = dict(parse_qsl(environ["wsgi.input"].getvalue().decode()))
    body = write_response(OPERATOR, OPERATOR.operation(form["Action"]), {}, "rid-ok")
    start_response("200 OK", [("Content-Type", "text/xml")])
    return [body]


@pytest.mark.parametrize("status", ["500 Internal Server Error", "502 Bad Gateway", "504 Gateway Timeout"])
def test_an_operation_that_adds_is_not_resent_after_an_answer_that_may_hide_it_done(status):
    # A proxy's 502 or 504 may come after the service adjusted the stock: sent again, the
    # five units would be added twice.
    app = Flaky(1, status=status, body=b"<html><body>Bad Gateway</body></html>", app=operator_app)
    with pytest.raises(ResponseError):
        client_over(app).call("operator", "AdjustInventory", ADJUST)
    assert app.calls == 1


def test_an_operation_that_adds_is_not_resent_after_a_read_timeout():
    client = client_over(operator_app)
    sent = []

    def send(prepared, **kwargs):
        sent.append(prepared)
        raise requests.ReadTimeout("Read timed out.")

    client.transport.http.send = send
    with pytest.raises(EndpointUnreachable, match="may have been done"):
        client.call("operator", "ReceiveInboundShipmentItems",
                    {"MerchantId": 1, "ShipmentId": "FBA1", "ReceiveAll": True})
    assert len(sent) == 1


def test_an_operation_that_adds_is_resent_when_it_cannot_have_been_done():
    throttled = Flaky(1, app=operator_app)  # 503 RequestThrottled: refused before anything
    assert client_over(throttled).call("operator", "AdjustInventory", ADJUST) == {}
    assert throttled.calls == 2

    client = client_over(operator_app)
    refused = requests.ConnectionError(MaxRetryError(None, TEST_URL, NewConnectionError(None, "refused")))
    failures = fail_first(client, refused, requests.ConnectTimeout("connect timed out"))
    client.call("operator", "AdvanceSimulationClock", {"Seconds": 60})
    assert next(failures, None) is None  # both failures met, then sent a third time


@pytest.mark.parametrize("value, sent", [(True, "true"), (False, "false"), ("false", "false"),
                                         ("0", "0"), ("true", "true")])
def test_a_boolean_given_as_text_is_sent_as_written(value, sent):
    # Encoded by truth value, the text "false" (from JSON or CSV made elsewhere) was sent
    # as true: IncludeInactive=false listed the inactive items too.
    app = Flaky(0)
    client_over(app).call("inbound", "ListAllFulfillmentItems", {"IncludeInactive": value})
    form = dict(parse_qsl(app.environs[0]["wsgi.input"].getvalue().decode()))
    assert form["IncludeInactive"] == sent


def refused_connection() -> requests.ConnectionError:
    return requests.ConnectionError(MaxRetryError(None, TEST_URL, NewConnectionError(None, "refused")))


@pytest.mark.parametrize("failures, maybe_sent", [
    ([refused_connection()] * 3, False),                                      # never connected
    ([requests.ConnectTimeout("connect timed out")] * 3, False),
    ([requests.ReadTimeout("Read timed out.")] + [refused_connection()] * 2, True),  # sent, then refused
    ([refused_connection()] * 2 + [requests.ConnectionError("reset by peer")], True),
])
def test_unreachable_says_whether_an_attempt_may_have_reached_the_service(failures, maybe_sent):
    """An import reports a unit `not-sent` or `unconfirmed` by it: one attempt that may
    have been sent (its answer lost) is enough for "may have been done"."""
    client = client_over(ok_app, sleep=lambda _: None, max_attempts=3)
    fail_first(client, *failures)
    with pytest.raises(EndpointUnreachable) as caught:
        client.call("inbound", "GetServiceStatus")
    assert caught.value.maybe_sent is maybe_sent


def test_a_server_error_then_no_connection_may_have_been_done():
    client = client_over(Flaky(1, status="500 Internal Server Error",
                               body=write_error(INBOUND, InternalError("boom"), "rid-500")),
                         sleep=lambda _: None, max_attempts=3)
    fail_first(client, None, refused_connection(), refused_connection())
    with pytest.raises(EndpointUnreachable) as caught:
        client.call("inbound", "GetServiceStatus")
    assert caught.value.maybe_sent is True

    throttled = client_over(Flaky(1), sleep=lambda _: None, max_attempts=3)  # refused before anything
    fail_first(throttled, None, refused_connection(), refused_connection())
    with pytest.raises(EndpointUnreachable) as caught:
        throttled.call("inbound", "GetServiceStatus")
    assert caught.value.maybe_sent is False


def test_the_model_resends_only_operator_operations_a_repeat_leaves_unchanged():
    # A resent operator request must either change nothing more (a repeat of a pick, a ship
    # with the same packages, a move, a revocation: tests/lifecycle) or never be resent.
    resent = {operation.name for operation in OPERATOR.operations
              if operation.idempotent and not operation.read_only}
    assert resent == {"RevokeAccessKey", "MoveInboundShipment", "PickFulfillmentOrder", "ShipFulfillmentOrder"}
