"""The WSGI application: route -> authenticate -> decode -> handle -> encode.

Everything a request can get wrong becomes an ApiError answered in the spec's error shape
with its HTTP status; anything else is logged with its traceback and answered as a plain
500 InternalError, so no input ever shows a traceback to a client.
"""

from __future__ import annotations

import logging
import uuid
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any, Callable, Iterable
from urllib.parse import quote

from ..api.errors import (
    AccessDenied, ApiError, IncompleteBody, InternalError, InvalidAction, MissingAction,
    RequestTooLarge, ServiceUnavailable,
)
from ..api.shapes import Operation, Service
from ..store.database import Database
from ..store.migrations import token_secret
from ..warehouse.context import Caller, Context
from ..warehouse.network import FulfillmentNetwork
from ..warehouse.paging import TokenCodec
from ..warehouse.simulation import WAREHOUSE_MODES, Delays, Simulation  # noqa: F401 (the service's modes)
from ..wire.form import parse_form
from ..wire.query import decode_request_spelled, format_datetime, one_value, respell
from ..wire.signatures import IncomingRequest, verify_request
from ..wire.xml import write_error, write_response
from . import health
from .body import (
    FORM, BodyIncomplete, BodyTooLarge, content_length, is_query_form, media_type, read_body,
    werkzeug_body, whole_body,
)
from .headers import LazyHeaders
from .keys import KeyCache
from .routing import service_at, service_of_version
from .scheduler import DEFAULT_INTERVAL, Scheduler

if TYPE_CHECKING:
    from werkzeug.wrappers import Request

    from .throttle import Throttle  # the embedded service, unthrottled, never loads it

log = logging.getLogger(__name__)

MAX_REQUEST_BYTES = 1024 * 1024  # the largest legal request (250 order items) is ~150 KB
# Steps a request applies before it is served; the scheduler (or the next requests) take
# the rest, so one request never pays for a long backlog.
REQUEST_TICK_LIMIT = 100
Clock = Callable[[], datetime]


def utc_now() -> datetime:
    return datetime.now(timezone.utc)


class FwsApp:
    """The FWS-compatible service as a WSGI callable.

    `throttle` None serves every request unthrottled (the embedded service's single user
    gains nothing from it); `warehouse_mode` says who moves orders and shipments along:
    operators ("manual") or the simulation clock ("auto", after `delays`). `clock` is real
    time (signatures are checked against it); the warehouse runs on it plus the simulation
    clock's offset, kept in the database.
    """

    def __init__(self, db: Database, *, region: str = "us-east-1",
                 network: FulfillmentNetwork | None = None, clock: Clock = utc_now,
                 max_request_bytes: int = MAX_REQUEST_BYTES, throttle: Throttle | None = None,
                 warehouse_mode: str = "auto", delays: Delays | None = None):
        self.db = db
        self.region = region
        self.throttle = throttle
        self.warehouse_mode = warehouse_mode
        self.simulation = Simulation(warehouse_mode, delays or Delays())
        self.scheduler: Scheduler | None = None
        self.network = network or FulfillmentNetwork.default()
        self.clock = clock
        self.max_request_bytes = max_request_bytes
        self.tokens = TokenCodec(token_secret(db), clock=lambda: self.clock())
        self.keys = KeyCache(db)

    def __call__(self, environ: dict, start_response: Callable) -> Iterable[bytes]:
        if environ.get("PATH_INFO") == health.PATH:
            return health.answer(self.db, environ, start_response)
        # werkzeug's view of the request is built only for what a Query form does not say
        # itself (~5% of a GetFulfillmentOrder): another binding, or no Version to route by.
        # Nor is werkzeug loaded before then (~13 ms of every embedded `fws` command).
        request: Request | None = None
        if not is_query_form(environ):
            from . import soap_binding

            request = self._werkzeug_request(environ)
            if soap_binding.handles(request):  # SOAP envelopes and WSDL downloads
                return soap_binding.serve(self, request, start_response)
        request_id = str(uuid.uuid4())
        service: Service | None = None
        extra_headers: dict[str, str] = {}
        try:
            params, body = self._read_params(environ, request)
            version = _single(params, "Version")
            if version:
                service = service_of_version(version)
            else:
                request = request or self._werkzeug_request(environ)
                service = service_at(request.path, request.host)
            status, payload = 200, self._dispatch(service, environ, params, body, request_id)
        except ApiError as error:
            error.request_id = request_id
            status, payload = error.status, write_error(service, error, request_id)
            extra_headers = error.headers
            log.info("request %s failed: %s %s", request_id, error.code, error.message)
        except Exception as failure:
            error = internal_error(self.db, failure, request_id)
            status, payload = error.status, write_error(service, error, request_id)
            extra_headers = error.headers
        return _reply(environ, start_response, status, payload, request_id, extra_headers)

    def _dispatch(self, service: Service, environ: dict, params: list[tuple[str, str]],
                  body: bytes, request_id: str) -> bytes:
        action = _single(params, "Action")
        if not action:
            raise MissingAction("The request must contain the parameter Action.")
        operation = service.find(action)
        if operation is None:
            raise InvalidAction(f"The action {action} is not valid for the {service.title} "
                                f"service version {service.version}.")
        now = self.clock()
        caller, scheme = self._authenticate(environ, params, body, now)
        self.admit(service, operation, caller, now)
        _check_operator_scheme(service, operation, scheme)
        decoded, spelled = decode_request_spelled(operation, params, action=action)
        try:
            result = self.execute(service, operation, caller, decoded, now=now, request_id=request_id)
        except ApiError as error:
            # The warehouse names a list's item by its position (`Item.2.MerchantSKU`); the
            # client may have sent it as `Item.7.…`, un-indexed or with the action prefix.
            if error.parameter:
                raise error.naming(respell(error.parameter, spelled)) from None
            raise
        return write_response(service, operation, result, request_id)

    def admit(self, service: Service, operation: Operation, caller: Caller, now: datetime) -> None:
        """Let an authenticated caller's request in, or refuse it: every binding calls this
        right after the signature is verified, before decoding the request. A merchant
        key learns nothing of the operator service's inputs; and an invalid request takes
        its token as a valid one does, or a merchant could keep the service busy decoding
        megabyte requests that fail at their last parameter, throttled never."""
        _authorize(service, operation, caller)
        if self.throttle is not None:
            self.throttle.take(caller, operation, now)

    def execute(self, service: Service, operation: Operation, caller: Caller,
                request: dict[str, Any], *, now: datetime, request_id: str) -> dict[str, Any] | None:
        """Run one authenticated, admitted (see admit), decoded request; every binding
        (Query, SOAP) ends here.

        `now` is real time; the warehouse first catches up with what fell due by then.
        """
        _authorize(service, operation, caller)
        if operation.name == "GetServiceStatus":
            return {"Status": f"{format_datetime(now)} service available [Version: {service.version}]"}
        # Imported at the first request that needs them: the handlers and the tick load most
        # of the warehouse (~15 ms), which `fws status` (GetServiceStatus only) never uses.
        from ..warehouse.tick import catch_up
        from .handlers import handlers_of

        warehouse_now, behind = catch_up(self.db, now, self.simulation, limit=REQUEST_TICK_LIMIT)
        context = Context(db=self.db, caller=caller, now=warehouse_now, network=self.network,
                          tokens=self.tokens, request_id=request_id, simulation=self.simulation,
                          behind=behind)
        return handlers_of(service.name)[operation.name](context, request)

    def start_scheduler(self, interval: float = DEFAULT_INTERVAL) -> Scheduler:
        """Tick the warehouse every `interval` seconds in a thread of this process (once:
        later calls return the running scheduler). Call it after any fork."""
        if self.scheduler is None:
            self.scheduler = Scheduler(self, interval)
            self.scheduler.start()
        return self.scheduler

    def _authenticate(self, environ: dict, params: list[tuple[str, str]], body: bytes,
                      now: datetime) -> tuple[Caller, str]:
        """Who signed the request, and with which scheme (VerifiedCaller.scheme)."""
        found: dict[str, Caller] = {}

        def secret_for(access_key_id: str) -> str | None:
            key = self.keys.find(access_key_id)
            if key is None:
                return None
            found["caller"] = key[1]
            return key[0]

        incoming = IncomingRequest(
            method=_method(environ),
            host=environ.get("HTTP_HOST", ""),  # what werkzeug's headers.get("Host") reads
            path=environ.get("RAW_URI", "").split("?", 1)[0] or _raw_path(environ),
            query_string=environ.get("QUERY_STRING", ""),
            headers=LazyHeaders(environ),
            body=body,
            params=params,
        )
        verified = verify_request(incoming, secret_for, now=now, region=self.region)
        return found["caller"], verified.scheme

    def _werkzeug_request(self, environ: dict) -> Request:
        from werkzeug.wrappers import Request

        request = Request(environ)
        request.max_content_length = self.max_request_bytes
        return request

    def _read_params(self, environ: dict, request: Request | None) -> tuple[list[tuple[str, str]], bytes]:
        """Every Query parameter, query string first then form body, and the raw body.
        `request`: werkzeug's Request if one was made, which may have read the body already."""
        limit = self.max_request_bytes
        length = content_length(environ)
        try:
            body = whole_body(lambda: read_body(environ, limit) if request is None else werkzeug_body(request),
                              length, limit)
        except BodyTooLarge as error:
            raise RequestTooLarge(limit, error.declared) from None
        except BodyIncomplete as error:  # the client's doing, not ours: no traceback, no retry
            raise IncompleteBody(length, error.received) from None
        # Both `+` (PHP urlencode) and `%20` (RFC 3986) are a space.
        params = parse_form(environ.get("QUERY_STRING", ""))
        if _method(environ) == "POST" and _is_form(environ):
            params += parse_form(body.decode("utf-8", "surrogateescape"))  # see parse_form
        return params, body


def _authorize(service: Service, operation: Operation, caller: Caller) -> None:
    if caller.role != service.caller_role:
        raise AccessDenied(f"{operation.name} is an operation of the {service.title} service, "
                           f"for {service.caller_role} keys; {caller.role} keys cannot call it.")


def _check_operator_scheme(service: Service, operation: Operation, scheme: str) -> None:
    """The operator service takes SigV4 in the Authorization header only, as `fws` signs.
    The legacy schemes exist for the FWS client libraries, which never call it, and would
    hand out its powers: SigV0 signs only Action and Timestamp, so whoever saw one signed
    CreateAccessKey could send it for any MerchantId within 15 minutes and read the new
    secret; a presigned URL (or V1/V2 with Expires) can be replayed for a week."""
    if service.caller_role == "operator" and scheme != "v4":
        raise AccessDenied(f"{operation.name} is an operation of the {service.title} service, "
                           "which takes requests signed with SigV4 in the Authorization header "
                           f"only, not with the {_SCHEME_NAMES[scheme]}.")


_SCHEME_NAMES = {"v0": "legacy SignatureVersion 0", "v1": "legacy SignatureVersion 1",
                 "v2": "legacy SignatureVersion 2", "v4-presigned": "SigV4 presigned query string"}


def _method(environ: dict) -> str:
    return environ.get("REQUEST_METHOD", "GET").upper()  # as werkzeug's Request.method


def _is_form(environ: dict) -> bool:
    # The PHP libraries send the form type; a bare POST body is read as a form too.
    return media_type(environ) in (FORM, "")


def internal_error(db: Database, failure: Exception, request_id: str) -> ApiError:
    """The answer to an unexpected `failure` of a request, logged: 503 ServiceUnavailable
    for an outage of PostgreSQL, else 500 InternalError with its traceback."""
    outage = db.outage(failure)
    if outage is None:
        log.exception("request %s failed with an internal error", request_id)
        return InternalError("We encountered an internal error. Please try again.")
    # PostgreSQL restarting, shutting down or out of reach: not a bug of ours, so no
    # traceback, and the client may come back.
    log.warning("request %s failed: the database is unavailable: %s", request_id, outage)
    return database_unavailable()


def database_unavailable(retry_after: int = 1) -> ServiceUnavailable:
    """The answer while the database does not answer: a 503 the client may retry."""
    error = ServiceUnavailable("The service cannot reach its database. Please try again.")
    error.headers["Retry-After"] = str(retry_after)
    return error


def answer_error(environ: dict, start_response: Callable, error: ApiError) -> Iterable[bytes]:
    """`error` as the answer to a request no app serves (a worker whose database does not
    answer yet), logged as FwsApp logs its errors: a SOAP call gets it as a SOAP fault (and
    a WSDL download its WSDL, which needs no database), any other request in the Query
    error shape."""
    if not is_query_form(environ):
        from werkzeug.wrappers import Request

        from . import soap_binding

        request = Request(environ)
        request.max_content_length = MAX_REQUEST_BYTES
        if soap_binding.handles(request):
            return soap_binding.serve_without_app(request, start_response, error)
    request_id = str(uuid.uuid4())
    error.request_id = request_id
    log.info("request %s failed: %s %s", request_id, error.code, error.message)
    return _reply(environ, start_response, error.status, write_error(None, error, request_id),
                  request_id, error.headers)


def _reply(environ: dict, start_response: Callable, status: int, payload: bytes, request_id: str,
           extra_headers: dict[str, str]) -> Iterable[bytes]:
    headers = [
        ("Content-Type", "text/xml; charset=utf-8"),
        ("Content-Length", str(len(payload))),
        ("x-amzn-RequestId", request_id),
        *extra_headers.items(),
    ]
    if environ.get("SERVER_PROTOCOL") == "HTTP/1.0":
        # HTTP/1.0 clients (the PHP libraries) read until the server closes.
        headers.append(("Connection", "close"))
    start_response(f"{status} {_REASONS.get(status, 'Error')}", headers)
    # A HEAD gets the headers alone (as SOAP's answers do): gunicorn warned of every body it dropped.
    return [b"" if environ.get("REQUEST_METHOD") == "HEAD" else payload]


def _single(params: list[tuple[str, str]], name: str) -> str | None:
    """The value of Action or Version; sent twice, it must be the same (which service or
    operation is meant may not depend on which copy is read)."""
    values = [value for key, value in params if key == name and value]
    return one_value(name, values) if values else None


def _raw_path(environ: dict) -> str:
    # WSGI decodes PATH_INFO; re-encode it the way a client would have sent it.
    path = (environ.get("SCRIPT_NAME", "") + environ.get("PATH_INFO", "")).encode("latin-1")
    return quote(path.decode("utf-8", "replace"), safe="/-_.~!$&'()*+,;=:@") or "/"


_REASONS = {200: "OK", 400: "Bad Request", 403: "Forbidden", 404: "Not Found",
            413: "Request Entity Too Large", 500: "Internal Server Error",
            503: "Service Unavailable"}
