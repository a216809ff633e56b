"""The errors the API answers with: one class per code of spec §12.

Every layer raises these; the service maps them onto the wire (Query error body or, later,
a SOAP fault), the client rebuilds them from a response. A message always names what was
wrong: the parameter and the value where there is one.
"""

from __future__ import annotations


class ApiError(Exception):
    """An error the API reports to its caller (never a traceback)."""

    code = "InternalError"
    status = 500
    sender = False  # Error/Type: Sender (the caller's fault) or Receiver (ours)

    def __init__(self, message: str, *, parameter: str | None = None, value: object = None):
        super().__init__(message)
        self.message = message
        self.parameter = parameter
        self.value = value
        self.request_id: str | None = None  # set once the error is tied to a request
        self.headers: dict[str, str] = {}  # extra HTTP response headers, e.g. Retry-After

    @property
    def error_type(self) -> str:
        return "Sender" if self.sender else "Receiver"

    def naming(self, parameter: str) -> "ApiError":
        """The same error about `parameter` instead (the name a client sent for the one
        this error names); an error that names no parameter is itself."""
        return self


class SenderError(ApiError):
    status = 400
    sender = True


class MissingParameter(SenderError):
    code = "MissingParameter"

    def __init__(self, parameter: str):
        super().__init__(f"The request must contain the parameter {parameter}.", parameter=parameter)

    def naming(self, parameter: str) -> "ApiError":
        return self if parameter == self.parameter else MissingParameter(parameter)


class InvalidParameterValue(SenderError):
    code = "InvalidParameterValue"

    def __init__(self, parameter: str, value: object, reason: str):
        reason = reason.rstrip(".")
        super().__init__(
            f"Value {value} for parameter {parameter} is invalid. Reason: {reason}.",
            parameter=parameter,
            value=value,
        )
        self.reason = reason

    def naming(self, parameter: str) -> "ApiError":
        if parameter == self.parameter:
            return self
        return InvalidParameterValue(parameter, self.value, self.reason)


class InvalidParameterCombination(SenderError):
    code = "InvalidParameterCombination"


class InvalidAction(SenderError):
    code = "InvalidAction"


class MissingAction(SenderError):
    code = "MissingAction"


class RequestTooLarge(SenderError):
    """The body is over `limit` bytes: by its Content-Length (`declared`), or as it was read.
    The one message for every binding (the Query API's 413, a SOAP fault)."""

    code = "RequestEntityTooLarge"
    status = 413

    def __init__(self, limit: int, declared: int | None = None):
        if declared is None:
            super().__init__(f"The request body exceeds {limit} bytes.")
            return
        super().__init__(f"The request body is {declared} bytes; the limit is {limit} bytes.")


class IncompleteBody(SenderError):
    """The body ended before its Content-Length (`received` bytes, if the stream ended
    without an error), or failed while a streamed body (no `length`) was read."""

    code = "IncompleteBody"

    def __init__(self, length: int | None, received: int | None = None):
        if length is None:
            super().__init__("The request body was cut short: the connection failed while it was read.")
            return
        ended = "before" if received is None else f"after {received} of"
        super().__init__(f"The request body ended {ended} the {length} bytes its Content-Length declares.")


class AuthFailure(SenderError):
    status = 403


class InvalidClientTokenId(AuthFailure):
    code = "InvalidClientTokenId"

    def __init__(self, message: str = "The AWS Access Key Id you provided does not exist in our records."):
        super().__init__(message)


class SignatureDoesNotMatch(AuthFailure):
    code = "SignatureDoesNotMatch"


class RequestExpired(AuthFailure):
    code = "RequestExpired"


class MissingAuthenticationToken(AuthFailure):
    code = "MissingAuthenticationToken"


class AccessDenied(AuthFailure):
    code = "AccessDenied"


class RequestThrottled(ApiError):
    code = "RequestThrottled"
    status = 503
    sender = False


class ServiceUnavailable(ApiError):
    code = "ServiceUnavailable"
    status = 503


class InternalError(ApiError):
    code = "InternalError"
    status = 500


ERRORS_BY_CODE: dict[str, type[ApiError]] = {
    cls.code: cls
    for cls in (
        MissingParameter, InvalidParameterValue, InvalidParameterCombination, InvalidAction,
        MissingAction, RequestTooLarge, IncompleteBody, InvalidClientTokenId, SignatureDoesNotMatch,
        RequestExpired, MissingAuthenticationToken, AccessDenied, RequestThrottled, ServiceUnavailable,
        InternalError,
    )
}


def error_from_wire(code: str, message: str, error_type: str, request_id: str) -> ApiError:
    """Rebuild an error a service answered with, as its class when the code is known."""
    cls = ERRORS_BY_CODE.get(code, ApiError)
    error = cls.__new__(cls)
    ApiError.__init__(error, message)  # the subclasses' own __init__ build messages; this one is given
    error.code = code
    error.sender = error_type == "Sender"
    error.request_id = request_id
    return error
