"""The SOAP binding of the service: SOAP envelopes in, the shared FwsApp.execute() core,
envelopes out; and each service's WSDL on `GET …?wsdl`.

The codecs are `fwscli.wire.soap` and `fwscli.wire.wsdl`; this module only ties them to the
HTTP request and to FwsApp. Every fault is answered with HTTP 500, as real FWS did: Axis
reads a fault only from a 500 (spec §13). While the database does not answer, the fault is
`aws:Server.ServiceUnavailable` with Retry-After (the Query API's 503), still with HTTP 500.
"""

from __future__ import annotations

import logging
import uuid
from typing import TYPE_CHECKING, Callable, Iterable

from werkzeug.http import HTTP_STATUS_CODES
from werkzeug.wrappers import Request

from ..api import SERVICES
from ..api.errors import (
    ApiError, IncompleteBody, MissingParameter, RequestTooLarge,
)
from ..warehouse.context import Caller
from ..wire import soap
from ..wire.wsdl import is_wsdl_request, write_wsdl
from ..wire.xml import write_response
from .app import internal_error
from .body import BodyIncomplete, BodyTooLarge, is_query_form, werkzeug_body, whole_body
from .routing import service_at

if TYPE_CHECKING:
    from .app import FwsApp

log = logging.getLogger(__name__)

XML_CONTENT_TYPE = "text/xml; charset=utf-8"
Answer = tuple[int, str, bytes, dict[str, str]]  # status, Content-Type, body, more headers


def handles(request: Request) -> bool:
    """Whether this binding answers the request: a SOAP call or a WSDL download."""
    if is_query_form(request.environ):
        return False
    if is_wsdl_request(request.method, request.query_string.decode("latin-1")):
        return True
    return soap.is_soap_request(request.method, request.mimetype,
                                request.headers.get("SOAPAction"), lambda: _body(request))


def serve(app: "FwsApp", request: Request, start_response: Callable) -> Iterable[bytes]:
    request_id = str(uuid.uuid4())
    answer = _call(app, request, request_id) if request.method == "POST" else _wsdl(request)
    return _reply(request, request_id, answer, start_response)


def serve_without_app(request: Request, start_response: Callable, error: ApiError) -> Iterable[bytes]:
    """The answer of a worker that has no app yet (its database does not answer: serve.WorkerApp):
    a WSDL all the same (it needs no database), a call the fault of `error`."""
    request_id = str(uuid.uuid4())
    if request.method == "POST":
        answer = _fault(error, request_id)
    else:
        answer = _wsdl(request)
    return _reply(request, request_id, answer, start_response)


def _reply(request: Request, request_id: str, answer: Answer, start_response: Callable) -> Iterable[bytes]:
    status, content_type, payload, extra = answer
    headers = [("Content-Type", content_type), ("Content-Length", str(len(payload))),
               ("x-amzn-RequestId", request_id), *extra.items()]
    if request.environ.get("SERVER_PROTOCOL") == "HTTP/1.0":
        headers.append(("Connection", "close"))  # Axis speaks HTTP/1.0 and reads until close
    start_response(f"{status} {HTTP_STATUS_CODES.get(status, 'Error')}", headers)
    return [b"" if request.method == "HEAD" else payload]


def _call(app: "FwsApp", request: Request, request_id: str) -> Answer:
    try:
        call = soap.parse_request(_body(request, strict=True))
        now = app.clock()
        callers: dict[str, Caller] = {}

        def secret_for(access_key_id: str) -> str | None:
            key = app.keys.find(access_key_id)  # as the Query API looks keys up (KeyCache)
            if key is None:
                return None
            callers[access_key_id] = key[1]
            return key[0]

        verified = soap.verify_security(call, secret_for, now=now)
        caller = callers[verified.access_key_id]
        app.admit(call.service, call.operation, caller, now)
        decoded = soap.decode_request(call)
        result = app.execute(call.service, call.operation, caller, decoded, now=now,
                             request_id=request_id)
        response = write_response(call.service, call.operation, result, request_id)
        return 200, XML_CONTENT_TYPE, soap.write_envelope(response), {}
    except ApiError as error:
        return _fault(error, request_id)
    except Exception as failure:
        # Logged there: with its traceback, or on one line for an outage of the database.
        return _fault_answer(internal_error(app.db, failure, request_id), request_id)


def _fault(error: ApiError, request_id: str) -> Answer:
    log.info("SOAP request %s failed: %s %s", request_id, error.code, error.message)
    return _fault_answer(error, request_id)


def _fault_answer(error: ApiError, request_id: str) -> Answer:
    error.request_id = request_id
    return 500, XML_CONTENT_TYPE, soap.write_fault(error, request_id), error.headers


def _wsdl(request: Request) -> Answer:
    """The WSDL of the service named by the path prefix or Host, as Query routing does."""
    try:
        service = service_at(request.path, request.host)
    except MissingParameter:
        urls = "\n".join(f"  {request.host_url}{s.name}?wsdl" for s in SERVICES)
        text = f"This server speaks three services; ask for one WSDL:\n{urls}\n"
        return 400, "text/plain; charset=utf-8", text.encode("utf-8"), {}
    # The SOAP address is this very URL without its query: SOAP calls are routed by body.
    return 200, XML_CONTENT_TYPE, write_wsdl(service, request.base_url), {}


def _body(request: Request, strict: bool = False) -> bytes:
    """The request body within the size limit and whole (body.whole_body); for mere
    detection (not strict), an oversized or incomplete body is b"" and the Query path
    reports it."""
    limit = request.max_content_length or 0
    length = request.content_length
    try:
        return whole_body(lambda: werkzeug_body(request), length, limit)
    except BodyTooLarge as error:
        if strict:
            raise RequestTooLarge(limit, error.declared) from None
    except BodyIncomplete as error:  # the client's doing, not ours: no traceback
        if strict:
            raise IncompleteBody(length, error.received) from None
    return b""
