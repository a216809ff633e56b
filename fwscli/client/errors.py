"""What a call can fail with, on the client's side.

ServiceError is the service's own answer (its code, message and RequestId); the others say
the answer never came (EndpointUnreachable), could not be read (ResponseError), or that
paging went wrong (PaginationError; StartingTokenError when the caller's token is at
fault). Configuration problems are config.ConfigError.
"""

from __future__ import annotations

# Codes that mean "your keys or your clock", not "your request".
AUTH_CODES = frozenset({
    "InvalidClientTokenId", "SignatureDoesNotMatch", "RequestExpired",
    "MissingAuthenticationToken", "AccessDenied",
})


class ClientError(Exception):
    """Any failure of a call made by the client."""


class ServiceError(ClientError):
    """The service answered with an error.

    `operation` is "service.Action"; `code`, `message` and `request_id` are as answered;
    `status` is the HTTP status; `sender` is True when the service blamed the request.
    """

    def __init__(self, operation: str, code: str, message: str, request_id: str, status: int,
                 sender: bool):
        super().__init__(f"{operation} failed: {code}: {message} "
                         f"(HTTP {status}, RequestId {request_id or 'none'})")
        self.operation = operation
        self.code = code
        self.message = message
        self.request_id = request_id
        self.status = status
        self.sender = sender

    @property
    def is_auth_error(self) -> bool:
        return self.code in AUTH_CODES


class EndpointUnreachable(ClientError):
    """No answer from the endpoint (refused, unknown host, timed out) after every attempt.

    `maybe_sent` is False when no attempt can have reached the service (no connection was
    ever made), True when one may have: it was sent and its answer lost (a read timeout, a
    connection dropped), or answered with a server error and retried."""

    def __init__(self, url: str, attempts: int, reason: str, *, maybe_sent: bool = True,
                 operation: str | None = None):
        tries = "once" if attempts == 1 else f"{attempts} times"
        super().__init__(f"Could not reach {url} (tried {tries}): {reason}")
        self.url = url
        self.attempts = attempts
        self.reason = reason
        self.maybe_sent = maybe_sent
        self.operation = operation  # "service.Action", as ServiceError has it


class ResponseError(ClientError):
    """The endpoint answered with something that is not an FWS response (an HTML error
    page from a proxy, an empty body, another protocol)."""

    def __init__(self, operation: str, status: int, reason: str, body: bytes):
        excerpt = body[:200].decode("utf-8", "replace")
        http = f" (HTTP {status})" if status else ""  # 0: not known (its body was unreadable)
        super().__init__(f"{operation}: unreadable answer{http}: {reason}"
                         + (f": {excerpt!r}" if excerpt else ""))
        self.operation = operation
        self.status = status
        self.reason = reason
        self.body = body


class PaginationError(ClientError):
    """Paging cannot go on: the service sent a token twice, or HasNext without a token
    (its answers are unusable), or the caller's starting token is not usable."""


class StartingTokenError(PaginationError):
    """The caller's starting token is damaged or continues another list, or the service
    refused it (a bad parameter, where the other paging errors are the service's).
    `operation` and `request_id` are the refusing call's, when the service refused it."""

    def __init__(self, message: str, *, operation: str | None = None, request_id: str | None = None):
        super().__init__(message)
        self.operation = operation
        self.request_id = request_id
