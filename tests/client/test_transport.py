"""The transport's prepared-once request: what it sends is what requests' general way
(Session.prepare_request per call) would send, header for header; with cookies in the
session it takes that general way."""

from __future__ import annotations

import datetime as real_datetime

import pytest
import requests
import requests_auth_aws_sigv4

from fwscli.client.session import Credentials
from fwscli.client.transport import Transport

PARAMS = [("Action", "ListAllFulfillmentOrders"), ("Version", "2007-08-02"),
          ("NumberOfResultsRequested", "1000"), ("Note", "a b&c=d é")]


class _FrozenDatetime(real_datetime.datetime):
    @classmethod
    def utcnow(cls):
        return real_datetime.datetime(2026, 11, 28, 12, 0, 0)


@pytest.fixture(autouse=True)
def frozen_signing_time(monkeypatch):
    """Both ways sign at the same moment, so their signatures can be compared."""
    monkeypatch.setattr(requests_auth_aws_sigv4.datetime, "datetime", _FrozenDatetime)


def _transport(url: str = "http://fws.test:8080/") -> Transport:
    return Transport(requests.Session(), url, Credentials("AKFMTEST", "secret"), "us-east-1",
                     (1.0, 1.0))


def _general(transport: Transport, params) -> requests.PreparedRequest:
    """The request as requests' general way prepares it, as the transport once did."""
    from urllib.parse import quote, urlencode

    body = urlencode(params, quote_via=quote).encode("ascii")
    return transport.http.prepare_request(transport._request(body, transport._auth()))


def _sent(request: requests.PreparedRequest):
    return (request.method, request.url, list(request.headers.items()), request.body,
            request.hooks, dict(request._cookies or {}))


@pytest.mark.parametrize("url", ["http://fws.test:8080/", "https://fws.test/base/", "http://[::1]:80/"])
def test_prepared_once_sends_what_the_general_way_sends(url):
    transport = _transport(url)
    for params in (PARAMS, [], PARAMS[:1]):  # the template is reused: every call the same
        fast, general = transport.prepare(params), _general(transport, params)
        assert _sent(fast) == _sent(general)
        assert fast.headers["Authorization"].startswith("AWS4-HMAC-SHA256 Credential=AKFMTEST/")


def test_each_call_gets_its_own_headers_and_body():
    transport = _transport()
    first = transport.prepare(PARAMS)
    first.headers["X-Changed"] = "1"
    second = transport.prepare(PARAMS[:2])
    assert "X-Changed" not in second.headers
    assert second.body != first.body and second.headers["Content-Length"] == str(len(second.body))


def test_with_cookies_in_the_session_the_general_way_is_taken():
    transport = _transport()
    transport.prepare(PARAMS)  # the template exists, without cookies
    transport.http.cookies.set("session", "abc", domain="fws.test", path="/")
    prepared = transport.prepare(PARAMS)
    assert prepared.headers["Cookie"] == "session=abc"
    assert _sent(prepared) == _sent(_general(transport, PARAMS))


def test_a_netrc_login_is_never_sent(tmp_path, monkeypatch):
    netrc = tmp_path / ".netrc"
    netrc.write_text("machine fws.test login user password pass\n")
    netrc.chmod(0o600)
    monkeypatch.setenv("NETRC", str(netrc))
    transport = _transport()
    assert _sent(transport.prepare(PARAMS)) == _sent(_general(transport, PARAMS))
    assert transport.prepare(PARAMS).headers["Authorization"].startswith("AWS4-HMAC-SHA256")
