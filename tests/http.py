"""A real HTTP server on a free port, and a client that signs like an AWS SDK would.

The client signs with botocore's SigV4Auth — an independent implementation of SigV4 —
so these tests cross-check our verifier against it.
"""

from __future__ import annotations

import threading
from contextlib import nullcontext
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any, Callable
from unittest import mock
from urllib.parse import quote, urlencode

import botocore.auth
import requests
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials
from werkzeug.serving import make_server

from fwscli.api import SERVICES_BY_NAME
from fwscli.api.errors import ApiError
from fwscli.wire.query import encode_request
from fwscli.wire.xml import read_error, read_response


class LiveServer:
    def __init__(self, app):
        self.server = make_server("127.0.0.1", 0, app, threaded=True)
        self.url = f"http://127.0.0.1:{self.server.server_port}/"
        self.thread = threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.02},
                                       daemon=True)

    def __enter__(self) -> "LiveServer":
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.server.shutdown()
        self.thread.join(5)


@dataclass
class Reply:
    status: int
    body: bytes
    headers: Any

    @property
    def text(self) -> str:
        return self.body.decode("utf-8")


class SignedClient:
    """Sends Query requests (form POST) signed with SigV4 by botocore.

    With a `clock`, requests are signed at that clock's time instead of the real one, for
    tests that drive the service's injected clock across hours or days.
    """

    def __init__(self, url: str, access_key_id: str, secret: str, region: str = "us-east-1",
                 clock: Callable[[], datetime] | None = None):
        self.url = url
        self.credentials = Credentials(access_key_id, secret)
        self.region = region
        self.clock = clock
        self.session = requests.Session()
        self.last_reply: Reply | None = None

    def send(self, service: str, params: list[tuple[str, str]], *, method: str = "POST",
             tamper=None) -> Reply:
        version = SERVICES_BY_NAME[service].version
        params = list(params) + [("Version", version)]
        # RFC 3986 (space as %20), as AWS SDKs encode: SigV4 signs the query as sent.
        body = urlencode(params, quote_via=quote, safe="-_.~")
        url = self.url if method == "POST" else f"{self.url}?{body}"
        request = AWSRequest(
            method=method, url=url, data=body if method == "POST" else b"",
            headers={"Content-Type": "application/x-www-form-urlencoded; charset=utf-8"}
            if method == "POST" else {},
        )
        with self._signing_time():
            SigV4Auth(self.credentials, "fws", self.region).add_auth(request)
        prepared = request.prepare()
        headers, data = dict(prepared.headers), prepared.body or b""
        if isinstance(data, str):
            data = data.encode("utf-8")
        if tamper is not None:
            url, headers, data = tamper(url, headers, data)
        response = self.session.request(method, url, data=data, headers=headers)
        return Reply(response.status_code, response.content, response.headers)

    def _signing_time(self):
        if self.clock is None:
            return nullcontext()
        at = self.clock().astimezone(timezone.utc).replace(tzinfo=None)
        return mock.patch.object(botocore.auth, "get_current_datetime", lambda remove_tzinfo=True: at)

    def call(self, service: str, action: str, request: dict[str, Any] | None = None) -> dict[str, Any]:
        """Call an operation with a request dict; return the decoded Result or raise ApiError."""
        operation = SERVICES_BY_NAME[service].operation(action)
        params = [("Action", action)] + encode_request(operation, request or {})
        reply = self.last_reply = self.send(service, params)
        if reply.status != 200:
            error = read_error(reply.body)
            assert error is not None, f"unreadable error body: {reply.text}"
            error.status = reply.status
            raise error
        result, request_id = read_response(SERVICES_BY_NAME[service], operation, reply.body)
        assert request_id
        return result

    def raw(self, service: str, action: str, params: list[tuple[str, str]]) -> Reply:
        return self.send(service, [("Action", action)] + list(params))


__all__ = ["LiveServer", "SignedClient", "Reply", "ApiError"]
