"""The SOAP 1.1 document/literal binding's codec (spec §1.4, §1.5, §1.7, §1.8, §13).

In: detect a SOAP request, parse its envelope safely, route it by the Body element's
namespace (the service) and local name (the operation), decode the element's children
through the API model into the same request dict the Query decoder produces, and verify the
AWS security header (SigV0 over operation name + Timestamp).
Out: the Query API's `ns1:` response element inside an `env:Envelope`, or an `env:Fault`.

Decisions where the spec is silent:
* Children are matched by local name in the service namespace (or none), in any order;
  unknown children are ignored, as unknown Query parameters are.
* An element with neither children nor text, or with xsi:nil="true", is absent, like an
  empty Query parameter. A simple member's text is its value as sent, spaces and all, as a
  Query value is (`<MerchantSKU> </MerchantSKU>` is the SKU " "); only a structure of
  nothing but whitespace (layout) is absent.
* Errors name members by their Query path (`Item.2.Quantity`, 1-based), so a SOAP fault
  reads exactly like the Query error for the same mistake.
* The SOAPAction header is not consulted: the Body says what is asked, and Ruby sends none.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Callable, Mapping, Sequence
from xml.etree.ElementTree import Element, ParseError
from xml.sax.saxutils import escape

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import fromstring

from ..api import SERVICES
from ..api.errors import (
    ApiError, InvalidAction, InvalidParameterValue, MissingAuthenticationToken, MissingParameter,
    SenderError, SignatureDoesNotMatch,
)
from ..api.shapes import Member, Operation, Service, Structure
from .query import check_item_count, decode_scalar, one_value
from .signatures import IncomingRequest, SecretLookup, VerifiedCaller, verify_request
from .xml import DECLARATION, message_text

SOAP_ENV = "http://schemas.xmlsoap.org/soap/envelope/"
SECURITY_NS = "http://security.amazonaws.com/doc/2007-01-01/"
FAULT_NS = "http://webservices.amazon.com/AWSFault/2005-15-09"
XSI_NS = "http://www.w3.org/2001/XMLSchema-instance"
# Axis sends text/xml; ActiveFulfillment sends application/soap+xml with a SOAP 1.1 envelope.
SOAP_CONTENT_TYPES = frozenset({"text/xml", "application/soap+xml"})
SECURITY_FIELDS = ("AWSAccessKeyId", "Timestamp", "Signature")
# The one known signing mistake of a real client (spec §13): Axis signs
# PutInboundShipmentData as if it were PutInboundShipment. Accepted for that case only.
SIGNED_AS = {("inbound", "PutInboundShipmentData"): "PutInboundShipment"}

_SERVICES_BY_NAMESPACE = {service.namespace: service for service in SERVICES}
_ENVELOPE_START = re.compile(rb"^\s*(<\?xml[^>]*>\s*)?(<!--.*?-->\s*)*<([\w.-]+:)?Envelope[\s>/]", re.S)


class InvalidSOAPRequest(SenderError):
    """The body is not a SOAP 1.1 envelope we can read."""

    code = "InvalidSOAPRequest"


@dataclass(frozen=True)
class SoapRequest:
    service: Service
    operation: Operation
    security: Mapping[str, str]  # the security header's fields that were sent
    body: Element  # the operation element


# --- detection and parsing ---------------------------------------------------------------

def is_soap_request(method: str, mimetype: str, soap_action: str | None,
                    read_body: Callable[[], bytes]) -> bool:
    """Whether a request speaks SOAP: by its Content-Type or SOAPAction header, else (for a
    POST that is not a form) by a body that starts as an Envelope. `read_body` is called
    only in that last case."""
    if method != "POST":
        return False
    if mimetype in SOAP_CONTENT_TYPES or soap_action is not None:
        return True
    if mimetype == "application/x-www-form-urlencoded":
        return False
    return bool(_ENVELOPE_START.match(read_body()[:1024].lstrip(b"\xef\xbb\xbf")))


def parse_request(body: bytes) -> SoapRequest:
    """Parse an envelope (no DTDs, no entities) and find what it asks of which service."""
    try:
        root = fromstring(body, forbid_dtd=True)
    except DefusedXmlException:
        raise InvalidSOAPRequest("The request body may not declare a DTD or entities.") from None
    except (ParseError, ValueError) as exc:
        raise InvalidSOAPRequest(f"The request body is not well-formed XML: {exc}") from None
    if root.tag != f"{{{SOAP_ENV}}}Envelope":
        raise InvalidSOAPRequest(f"The root element must be the SOAP 1.1 Envelope "
                                 f"({{{SOAP_ENV}}}Envelope), not {root.tag}.")
    body_node = root.find(f"{{{SOAP_ENV}}}Body")
    if body_node is None or len(body_node) == 0:
        raise InvalidSOAPRequest("The SOAP Body must contain the operation element.")
    if len(body_node) > 1:  # document/literal: one operation; a second would go undone unseen
        names = ", ".join(_split(child.tag)[1] for child in body_node[:3]) + (", ..." if len(body_node) > 3 else "")
        raise InvalidSOAPRequest(f"The SOAP Body must contain one operation element, "
                                 f"not {len(body_node)} ({names}).")
    element = body_node[0]
    namespace, name = _split(element.tag)
    service = _SERVICES_BY_NAMESPACE.get(namespace)
    if service is None:
        known = ", ".join(s.namespace for s in SERVICES)
        raise InvalidAction(f"The Body element {name} is in the namespace {namespace or '(none)'}, "
                            f"which no service here speaks; use one of {known}.")
    operation = service.find(name)
    if operation is None:
        raise InvalidAction(f"The action {name} is not valid for the {service.title} service "
                            f"version {service.version}.")
    return SoapRequest(service, operation, _security_header(root), element)


def _security_header(root: Element) -> dict[str, str]:
    header = root.find(f"{{{SOAP_ENV}}}Header")
    found: dict[str, str] = {}
    for field in SECURITY_FIELDS:
        node = header.find(f"{{{SECURITY_NS}}}{field}") if header is not None else None
        if node is not None and (node.text or "").strip():
            found[field] = node.text.strip()
    return found


def _split(tag: str) -> tuple[str, str]:
    if tag.startswith("{"):
        namespace, _, name = tag[1:].partition("}")
        return namespace, name
    return "", tag


# --- decoding the operation element ----------------------------------------------------------

def decode_request(request: SoapRequest) -> dict[str, Any]:
    """The operation element's children as the request dict handlers take, validated."""
    return _members(request.operation.input, request.body, "", request.service.namespace)


def _members(members: Sequence[Member], node: Element, prefix: str, namespace: str) -> dict[str, Any]:
    children: dict[str, list[Element]] = {}
    for child in node:
        child_namespace, name = _split(child.tag)
        if child_namespace in (namespace, "") and not _is_empty(child):
            children.setdefault(name, []).append(child)
    decoded: dict[str, Any] = {}
    for member in members:
        path = prefix + member.name
        nodes = children.get(member.name, [])
        if isinstance(member.shape, Structure):
            nodes = [element for element in nodes if not _is_layout(element)]
        value = _value(member, nodes, path, namespace)
        if value is not None and value != []:
            decoded[member.name] = value
        elif member.required:
            raise MissingParameter(path)
    return decoded


def _value(member: Member, nodes: list[Element], path: str, namespace: str) -> Any:
    shape = member.shape
    if member.repeated:
        check_item_count(member, path, len(nodes))
        if isinstance(shape, Structure):
            return [_members(shape.members, node, f"{path}.{index}.", namespace)
                    for index, node in enumerate(nodes, start=1)]
        items = [decode_scalar(shape, _text(node, f"{path}.{index}"), f"{path}.{index}")
                 for index, node in enumerate(nodes, start=1)]
        return [item for item in items if item is not None]
    if not nodes:
        return None
    if isinstance(shape, Structure):
        if len(nodes) > 1:
            raise InvalidParameterValue(path, f"{len(nodes)} elements", "it may appear only once")
        return _members(shape.members, nodes[0], path + ".", namespace)
    return decode_scalar(shape, one_value(path, [_text(node, path) for node in nodes]), path)


def _text(node: Element, path: str) -> str:
    """A simple member's text. Child elements are refused: read as text they would give ""
    (an empty id, absent over the Query API) or drop whatever follows them."""
    if len(node):
        raise InvalidParameterValue(path, f"<{_split(node[0].tag)[1]}>", "it must be text, not elements")
    return node.text or ""


def _is_empty(node: Element) -> bool:
    if node.get(f"{{{XSI_NS}}}nil") in ("true", "1"):
        return True
    return len(node) == 0 and not node.text


def _is_layout(node: Element) -> bool:
    """A structure's element holding only whitespace: formatting, no member."""
    return len(node) == 0 and not (node.text or "").strip()


# --- the security header ---------------------------------------------------------------

def verify_security(request: SoapRequest, secret_for: SecretLookup, *, now: datetime) -> VerifiedCaller:
    """Check the aws security header: SigV0 over the operation name + Timestamp, within the
    Query API's time window, by the same verifier (so the same errors and messages)."""
    missing = [field for field in SECURITY_FIELDS if field not in request.security]
    if missing:
        raise MissingAuthenticationToken(
            f"The SOAP Header must carry {', '.join(missing)} in the namespace {SECURITY_NS}.")
    signed_as = request.operation.name
    try:
        return _verify_v0(request.security, signed_as, secret_for, now)
    except SignatureDoesNotMatch:
        quirk = SIGNED_AS.get((request.service.name, signed_as))
        if quirk is None:
            raise
        return _verify_v0(request.security, quirk, secret_for, now)


def _verify_v0(security: Mapping[str, str], action: str, secret_for: SecretLookup,
               now: datetime) -> VerifiedCaller:
    # The header is exactly a SigV0 Query signature with the operation as its Action.
    params = [("Action", action), ("SignatureVersion", "0")]
    params += [(field, security[field]) for field in SECURITY_FIELDS]
    incoming = IncomingRequest(method="POST", host="", path="/", query_string="", headers={},
                               body=b"", params=params)
    return verify_request(incoming, secret_for, now=now)


# --- responses ---------------------------------------------------------------------------

_ENVELOPE_OPEN = f'<env:Envelope xmlns:env="{SOAP_ENV}"><env:Body>'
_ENVELOPE_CLOSE = "</env:Body></env:Envelope>"


def write_envelope(response: bytes) -> bytes:
    """Wrap the Query API's response document (xml.write_response) as a SOAP envelope."""
    element = response.decode("utf-8").removeprefix(DECLARATION)
    return (DECLARATION + _ENVELOPE_OPEN + element + _ENVELOPE_CLOSE).encode("utf-8")


def write_fault(error: ApiError, request_id: str) -> bytes:
    """An env:Fault as real FWS sent them (spec §1.8): `aws:Client.<Code>` for the caller's
    mistakes, `aws:Server.<Code>` for ours, the message, and the RequestId in the detail."""
    side = "Client" if error.sender else "Server"
    return (
        f'{DECLARATION}<env:Envelope xmlns:env="{SOAP_ENV}" xmlns:aws="{FAULT_NS}"><env:Body>'
        f"<env:Fault><faultcode>aws:{side}.{escape(error.code)}</faultcode>"
        f"<faultstring>{message_text(error.message)}</faultstring>"
        f'<detail><aws:RequestId xmlns:aws="{FAULT_NS}">{escape(request_id)}</aws:RequestId></detail>'
        f"</env:Fault>{_ENVELOPE_CLOSE}"
    ).encode("utf-8")
