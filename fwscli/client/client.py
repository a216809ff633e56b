"""Calling an operation: encode from the model, send signed, retry what is worth retrying,
decode the answer through the model.

Retried: connection failures and timeouts, HTTP 500/502/503/504 and throttling (and 429), up to the
session's `max_attempts` (retry_mode "standard"; "off" sends once). An operation the model
marks not idempotent (one that adds stock, makes a key...) is sent again only when it cannot
have been done: throttled, or no connection made; after a timeout or a 5xx the service may
have done it, and a second send would do it twice. The wait before retry
k is "full jitter" — uniform in [0, min(20 s, 0.5 s × 2^(k-1))] — so many clients throttled
together do not come back together; a `Retry-After` header, when sent, sets the wait instead
(at most a minute). Every signed request and every retry is logged at DEBUG on the
"fwscli.client" logger, secrets redacted; the CLI's --debug shows that logger.
"""

from __future__ import annotations

import http.client
import logging
import random
import re
import socket
import ssl
import time
from datetime import datetime, timezone
from decimal import InvalidOperation
from email.utils import parsedate_to_datetime
from typing import Any, Callable, Mapping
from urllib.parse import urlsplit

import requests
from urllib3.exceptions import ConnectTimeoutError

from ..api import SERVICES_BY_NAME
from ..api.errors import ApiError
from ..api.shapes import Operation, Service
from ..digits import ascii_whole_number
from ..wire.query import encode_request
from ..wire.xml import read_error, read_response
from .errors import EndpointUnreachable, ResponseError, ServiceError
from .session import Session
from .transport import Transport, connect

log = logging.getLogger("fwscli.client")

RETRY_STATUSES = frozenset({500, 502, 503, 504})
THROTTLING_CODES = frozenset({"RequestThrottled", "Throttling"})
BACKOFF_BASE = 0.5
BACKOFF_CAP = 20.0
RETRY_AFTER_CAP = 60.0
# Failures before any answer came back. SSL errors are ConnectionErrors to requests, but a
# certificate problem does not go away by asking again.
_NETWORK_ERRORS = (requests.ConnectionError, requests.Timeout, requests.exceptions.ChunkedEncodingError)


class Client:
    """Calls operations of every service through one session.

    `sleep` and `rand` (uniform in [0, 1)) are injectable so tests (and benchmarks) need not wait.
    Safe to share between threads.
    """

    def __init__(self, session: Session, *, transport: Transport | None = None,
                 sleep: Callable[[float], None] = time.sleep,
                 rand: Callable[[], float] = random.random):
        self.session = session
        self.transport = transport if transport is not None else connect(session)
        self._sleep = sleep
        self._rand = rand

    @property
    def provisioned(self) -> bool:
        """True when this client's embedded service just created a merchant and saved its keys."""
        return self.transport.provisioned

    def call(self, service: str, action: str, request: Mapping[str, Any] | None = None) -> dict[str, Any]:
        """The operation's Result as a dict typed by the model ({} for operations that return
        none). Raises ServiceError, EndpointUnreachable or ResponseError."""
        model, operation = find_operation(service, action)
        params = [("Action", operation.name), ("Version", model.version)]
        params += encode_request(operation, dict(request or {}))
        label = f"{model.name}.{operation.name}"
        response = self._send(label, params, operation.idempotent)
        try:
            return _decode(model, operation, label, response)
        except ServiceError as error:
            if error.code == "InvalidClientTokenId" and self.transport.database:
                raise self._unknown_embedded_keys(error) from None
            raise

    def _unknown_embedded_keys(self, error: ServiceError) -> ServiceError:
        """The embedded service's "no such key", with its likely cause and the way out: the
        profile keeps keys of a database that is gone (its file deleted to start afresh) or
        another (FWS_DATABASE_URL changed); the service's own message sent the merchant
        looking for a typo in a key fws itself had written."""
        key = self.transport.credentials.access_key_id
        message = (f"{error.message} The embedded database {self.transport.database} does not "
                   f"know key {key}: was it made in another (a file since deleted, another "
                   f"FWS_DATABASE_URL)? Then point FWS_DATABASE_URL at that one, or clear the "
                   f"keys of profile {self.session.profile!r} (fws configure set access_key_id '' "
                   f"and secret_access_key '') to have a new merchant made here.")
        return ServiceError(error.operation, error.code, message, error.request_id, error.status,
                            error.sender)

    def close(self) -> None:
        self.transport.close()

    def __enter__(self) -> "Client":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _send(self, label: str, params: list[tuple[str, str]], idempotent: bool) -> requests.Response:
        attempts = self.session.attempts
        maybe_sent = False  # whether an attempt so far may have reached the service
        for attempt in range(1, attempts + 1):
            try:
                response = self.transport.send(params)
            except requests.exceptions.SSLError as error:
                raise EndpointUnreachable(self.transport.url, attempt, self._reason(error),
                                          maybe_sent=maybe_sent, operation=label) from error
            except requests.exceptions.ContentDecodingError as error:
                # A body its Content-Encoding does not describe (a proxy's doing): an
                # answer came, unreadable; it was an "unexpected failure" (255, traceback).
                raise ResponseError(label, 0, f"its body is not the {_cause_text(error)}",
                                    b"") from error
            except _NETWORK_ERRORS as error:
                log.debug("%s: %s", label, error)
                maybe_sent = maybe_sent or not _not_connected(error)
                if not (idempotent or _not_connected(error)):
                    raise EndpointUnreachable(
                        self.transport.url, attempt,
                        f"{self._reason(error)} (not sent again: {label} may have been done)",
                        operation=label) from error
                if attempt == attempts:
                    raise EndpointUnreachable(self.transport.url, attempts, self._reason(error),
                                              maybe_sent=maybe_sent, operation=label) from error
                self._wait(label, attempt, attempts, type(error).__name__, self._backoff(attempt))
                continue
            if attempt < attempts and _retryable(response, idempotent):
                maybe_sent = maybe_sent or not _throttled(response)  # a 5xx may have done it
                # No wait (Retry-After: 0, or a date gone by) is backed off from as if not
                # sent: retried at once, clients throttled together came back together, and
                # a batch import, which resends what stays throttled, spun against the service.
                delay = _retry_after(response)
                self._wait(label, attempt, attempts, f"HTTP {response.status_code}",
                           delay or self._backoff(attempt))
                continue
            return response
        raise AssertionError("the loop returns or raises")

    def _reason(self, error: Exception) -> str:
        """Why no answer came, in words: requests' text is urllib3's pool, its retries and
        the nested causes' reprs ("HTTPConnectionPool(host=..., port=...): Max retries
        exceeded with url: / (Caused by NewConnectionError(...))") around the few words that
        matter, and names no setting to change."""
        if isinstance(error, requests.ConnectTimeout):  # not NewConnectionError, a subclass
            return f"no connection within {self.session.connect_timeout:g} s (connect_timeout)"
        if isinstance(error, requests.ReadTimeout):
            return f"no answer within {self.session.read_timeout:g} s (read_timeout)"
        for cause in reversed(_causes(error)):  # the innermost first
            if isinstance(cause, ssl.SSLError):  # "[SSL: CODE] what (_ssl.c:1006)": the what
                text = str(cause.args[1] if len(cause.args) > 1 else cause)
                return "TLS: " + re.sub(r"^\[[^]]*\]\s*|\s*\(_ssl\.c:\d+\)$", "", text)
            if isinstance(cause, socket.gaierror):
                return f"cannot resolve the host name {urlsplit(self.transport.url).hostname} ({cause.strerror})"
            if isinstance(cause, ConnectionRefusedError):
                return "connection refused (is the server running, on that port?)"
            if isinstance(cause, http.client.RemoteDisconnected):
                return "the server closed the connection without answering"
            if isinstance(cause, http.client.BadStatusLine):
                return "the answer is not HTTP"
            if isinstance(cause, http.client.IncompleteRead):  # urllib3's, and bad chunks
                return "the connection broke in the middle of the answer"
            if isinstance(cause, OSError) and cause.strerror:
                return cause.strerror[:1].lower() + cause.strerror[1:]
        return " ".join(str(error).split())

    def _backoff(self, attempt: int) -> float:
        return self._rand() * min(BACKOFF_CAP, BACKOFF_BASE * 2 ** (attempt - 1))

    def _wait(self, label: str, attempt: int, attempts: int, why: str, delay: float) -> None:
        log.debug("%s: attempt %d of %d failed (%s); retrying in %.2f s",
                  label, attempt, attempts, why, delay)
        self._sleep(delay)


def find_operation(service: str, action: str) -> tuple[Service, Operation]:
    model = SERVICES_BY_NAME.get(service)
    if model is None:
        raise ValueError(f"Unknown service {service!r}: one of {', '.join(SERVICES_BY_NAME)}.")
    operation = model.find(action)
    if operation is None:
        raise ValueError(f"The {service} service has no operation {action!r}.")
    return model, operation


def _retryable(response: requests.Response, idempotent: bool) -> bool:
    """Whether to send again: a failure of the server, or throttling; for an operation
    that is not idempotent, throttling alone (refused before anything was done)."""
    if idempotent and response.status_code in RETRY_STATUSES:
        return True
    return response.status_code != 200 and _throttled(response)


def _throttled(response: requests.Response) -> bool:
    """Whether the answer is throttling: refused before anything was done. HTTP 429 is
    throttling whatever its body: a proxy or load balancer in front of `fws server` limits
    with it (nginx's limit_req, an API gateway), and it was an unreadable answer at once."""
    if response.status_code == 429:
        return True
    error = read_error(response.content)
    return error is not None and error.code in THROTTLING_CODES


def _not_connected(error: Exception) -> bool:
    """Whether the request never left: no connection was made (refused, unknown host,
    connect timeout). requests wraps urllib3's reason in its first argument."""
    if isinstance(error, requests.ConnectTimeout):
        return True
    reason = getattr(error.args[0] if error.args else None, "reason", None)
    return isinstance(reason, ConnectTimeoutError)  # NewConnectionError is one too


def _cause_text(error: requests.exceptions.ContentDecodingError) -> str:
    """'content-encoding: gzip' from requests' message, which names it."""
    text = str(error.args[0]) if error.args else ""
    found = re.search(r"content-encoding: ([\w-]+)", text)
    return f"{found.group(1)} its Content-Encoding says" if found else "encoding it says"


def _causes(error: BaseException) -> list[BaseException]:
    """`error` and what it wraps, outermost first: its cause or context, urllib3's
    MaxRetryError.reason, and the exceptions in its args (ProtocolError holds its cause there)."""
    found: list[BaseException] = []
    todo = [error]
    while todo and len(found) < 20:
        current = todo.pop(0)
        if any(current is seen for seen in found):
            continue
        found.append(current)
        todo += [inner for inner in (getattr(current, "reason", None), current.__cause__,
                                     current.__context__, *current.args)
                 if isinstance(inner, BaseException)]
    return found


def _retry_after(response: requests.Response) -> float | None:
    """The wait a Retry-After header asks for, capped; None (back off instead) when it is
    neither of RFC 9110's forms: whole seconds in ASCII digits, or an HTTP date. float()
    read '-5', '-inf' and '1e400' too: a negative wait was a retry at once, with no backoff,
    against a service that had just refused for load, and 'inf' a minute's wait."""
    value = (response.headers.get("Retry-After") or "").strip()
    if not value:
        return None
    seconds: float | None = ascii_whole_number(value)
    if seconds is None:
        try:
            when = parsedate_to_datetime(value)
        except (TypeError, ValueError, IndexError, OverflowError):
            return None
        if when.tzinfo is None:
            when = when.replace(tzinfo=timezone.utc)
        seconds = (when - datetime.now(timezone.utc)).total_seconds()  # past: now
    return min(max(seconds, 0.0), RETRY_AFTER_CAP)


def _decode(model: Service, operation: Operation, label: str,
            response: requests.Response) -> dict[str, Any]:
    body, status = response.content, response.status_code
    if status == 200:
        try:
            result, request_id = read_response(model, operation, body)
        except (ApiError, ValueError, InvalidOperation) as error:
            raise ResponseError(label, status, str(error), body) from None
        if not request_id:
            raise ResponseError(label, status, f"no {operation.name}Response with a RequestId", body)
        log.debug("%s: HTTP 200, RequestId %s", label, request_id)
        return result
    if 300 <= status < 400:
        raise ResponseError(label, status, f"the endpoint redirects to "
                            f"{response.headers.get('Location') or 'another URL'}: set "
                            f"endpoint_url to the URL that answers", body)
    error = read_error(body)
    if error is None:
        raise ResponseError(label, status, "not an FWS error response", body)
    request_id = error.request_id or response.headers.get("x-amzn-RequestId", "")
    log.debug("%s: HTTP %d %s, RequestId %s", label, status, error.code, request_id)
    raise ServiceError(label, error.code, error.message, request_id, status, error.sender)
