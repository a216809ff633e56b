"""Calling an operation: encode from the model, send signed, retry what is worth retrying,
decode the answer through the model.

Retried: connection failures and timeouts, HTTP 500/502/503/504 and throttling, up to the
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

import logging
import math
import random
import time
from datetime import datetime, timezone
from decimal import InvalidOperation
from email.utils import parsedate_to_datetime
from typing import Any, Callable, Mapping

import requests
from urllib3.exceptions import ConnectTimeoutError

from ..api import SERVICES_BY_NAME
from ..api.errors import ApiError
from ..api.shapes import Operation, Service
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
        return _decode(model, operation, label, response)

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
                raise EndpointUnreachable(self.transport.url, attempt, str(error),
                                          maybe_sent=maybe_sent) from error
            except _NETWORK_ERRORS as error:
                maybe_sent = maybe_sent or not _not_connected(error)
                if not (idempotent or _not_connected(error)):
                    raise EndpointUnreachable(
                        self.transport.url, attempt,
                        f"{error} (not sent again: {label} may have been done)") from error
                if attempt == attempts:
                    raise EndpointUnreachable(self.transport.url, attempts, str(error),
                                              maybe_sent=maybe_sent) from error
                self._wait(label, attempt, attempts, type(error).__name__, self._backoff(attempt))
                continue
            if attempt < attempts and _retryable(response, idempotent):
                maybe_sent = maybe_sent or not _throttled(response)  # a 5xx may have done it
                delay = _retry_after(response)
                self._wait(label, attempt, attempts, f"HTTP {response.status_code}",
                           self._backoff(attempt) if delay is None else delay)
                continue
            return response
        raise AssertionError("the loop returns or raises")

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
    """Whether the answer is throttling: refused before anything was done."""
    error = read_error(response.content)
    return error is not None and error.code in THROTTLING_CODES


def _not_connected(error: Exception) -> bool:
    """Whether the request never left: no connection was made (refused, unknown host,
    connect timeout). requests wraps urllib3's reason in its first argument."""
    if isinstance(error, requests.ConnectTimeout):
        return True
    reason = getattr(error.args[0] if error.args else None, "reason", None)
    return isinstance(reason, ConnectTimeoutError)  # NewConnectionError is one too


def _retry_after(response: requests.Response) -> float | None:
    """The wait a Retry-After header asks for (seconds or an HTTP date), capped."""
    value = response.headers.get("Retry-After")
    if not value:
        return None
    try:
        seconds = float(value)
        if math.isnan(seconds):  # float() reads "nan", and time.sleep refuses it
            return None
    except ValueError:
        try:
            when = parsedate_to_datetime(value)
        except (TypeError, ValueError):
            return None
        if when.tzinfo is None:
            when = when.replace(tzinfo=timezone.utc)
        seconds = (when - datetime.now(timezone.utc)).total_seconds()
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
