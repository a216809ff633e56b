"""XML bodies: the service's writer and the client's reader, both driven by the model.

Written responses reproduce the real service's bytes (spec §1.7): the XML declaration and a
newline, every element prefixed `ns1:`, no whitespace between elements, members in schema
order, and no Result element for operations that return no data.
"""

from __future__ import annotations

from datetime import datetime, timezone
from decimal import Decimal
from collections import defaultdict
from typing import Any, Callable, Sequence
from xml.sax.saxutils import escape

import xmltodict

from ..api.errors import ApiError, InternalError, error_from_wire
from ..api.shapes import Member, Operation, Scalar, Service, Structure
from .query import format_datetime

DECLARATION = '<?xml version="1.0"?>\n'


def write_response(service: Service, operation: Operation, result: dict[str, Any] | None,
                   request_id: str) -> bytes:
    name = operation.name
    parts = [DECLARATION, f'<ns1:{name}Response xmlns:ns1="{service.namespace}">']
    if operation.result is not None:
        parts.append(f"<ns1:{name}Result>")
        _writer(operation.result)(result or {}, parts.append)
        parts.append(f"</ns1:{name}Result>")
    parts.append(f"<ns1:ResponseMetadata><ns1:RequestId>{escape(request_id)}</ns1:RequestId>"
                 f"</ns1:ResponseMetadata></ns1:{name}Response>")
    return "".join(parts).encode("utf-8")


# One writer per member list, made from the model on first use: its tags spelled out once
# and a structure's writer bound to its members' (a generic walk of the model per element
# cost most of the time of writing a 1,000-order page).
_Writer = Callable[[dict[str, Any], Callable[[str], None]], None]
_writers: dict[int, tuple[Sequence[Member], _Writer]] = {}


def _writer(members: Sequence[Member]) -> _Writer:
    cached = _writers.get(id(members))
    if cached is not None and cached[0] is members:
        return cached[1]
    steps = [(member.name, f"<ns1:{member.name}>", f"</ns1:{member.name}>", member.repeated,
              _writer(member.shape.members) if isinstance(member.shape, Structure) else None)
             for member in members]

    def write(data: dict[str, Any], emit: Callable[[str], None]) -> None:
        get = data.get
        for name, start, end, repeated, structure in steps:
            value = get(name)
            if value is None:
                continue
            for item in (value if repeated else (value,)):
                if structure is None:
                    emit(start + _scalar_text(item) + end)
                else:
                    emit(start)
                    structure(item, emit)
                    emit(end)

    _writers[id(members)] = (members, write)
    return write


def _scalar_text(value: Any) -> str:
    kind = type(value)
    if kind is str:
        return value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    if value is True:
        return "true"
    if value is False:
        return "false"
    if kind is datetime and value.tzinfo is timezone.utc and value.year >= 1000:
        # format_datetime's text, without strftime (a third of the time of a page).
        return value.isoformat(timespec="seconds")[:19] + "Z"
    if isinstance(value, datetime):
        return format_datetime(value)
    if isinstance(value, Decimal):
        return format(value, "f")
    return escape(str(value))


def write_error(service: Service | None, error: ApiError, request_id: str) -> bytes:
    """The two-line Query error body of spec §12.

    Line 1 is a comment the 2008 PHP library's first pattern reads (its pattern for the
    schema's own shape has a bug); line 2 is the schema's ErrorResponse, unprefixed. No XML
    declaration: the comment must be the first byte.
    """
    code, message, rid = escape(error.code), escape(error.message), escape(request_id)
    namespace = service.namespace if service else "http://fba-outbound.amazonaws.com/doc/2007-08-02/"
    # "--" may not appear inside a comment.
    comment = (f"<RequestId>{rid}</RequestId><Error><Code>{code}</Code>"
               f"<Message>{message}</Message></Error>").replace("--", "- -")
    return (
        f"<!--{comment}-->\n"
        f'<ErrorResponse xmlns="{namespace}"><Error><Type>{error.error_type}</Type>'
        f"<Code>{code}</Code><Message>{message}</Message><Detail/></Error>"
        f"<RequestId>{rid}</RequestId></ErrorResponse>"
    ).encode("utf-8")


# --- reading (the client's side) ---------------------------------------------------------

def read_response(service: Service, operation: Operation, body: bytes) -> tuple[dict[str, Any], str]:
    """The Result of a success body as a typed dict (lists and types from the model),
    and the RequestId.

    Parsed without xmltodict's namespace processing, which costs half again as much on a
    page of 1,000 orders: the response element's own prefix (`ns1:` from us, none from a
    server using a default namespace) is the prefix of every element below it.
    """
    document = _parse(body, namespaces=False)
    root_key = next((key for key in document if key.rsplit(":", 1)[-1] == f"{operation.name}Response"), None)
    if root_key is None:
        raise InternalError(f"the service answered {operation.name} with "
                            f"{next(iter(document), 'nothing')!r}, not {operation.name}Response")
    prefix = root_key[: -len(f"{operation.name}Response")]
    root = document[root_key] or {}
    metadata = root.get(f"{prefix}ResponseMetadata") or {}
    result_node = root.get(f"{prefix}{operation.name}Result") or {}
    result = _read_members(operation.result or (), result_node, prefix)
    return result, (metadata.get(f"{prefix}RequestId") or "")


def read_error(body: bytes) -> ApiError | None:
    """The first error of an ErrorResponse body as its ApiError class, else None."""
    text = body.decode("utf-8", "replace")
    start = text.find("<ErrorResponse")
    if start < 0:
        return None
    try:
        response = _parse(text[start:]).get("ErrorResponse") or {}
    except InternalError:
        return None
    errors = response.get("Error")
    first = (errors[0] if isinstance(errors, list) else errors) or {}
    return error_from_wire(first.get("Code") or "InternalError", first.get("Message") or "",
                           first.get("Type") or "Receiver", response.get("RequestId") or "")


def _parse(body: bytes | str, *, namespaces: bool = True) -> dict[str, Any]:
    """Parse safely (no entities); with `namespaces`, every namespace is stripped (each
    service's element names are unique in a body)."""
    try:
        if namespaces:
            return xmltodict.parse(body, process_namespaces=True,
                                   namespaces=defaultdict(type(None)), disable_entities=True)
        return xmltodict.parse(body, disable_entities=True, xml_attribs=False)
    except Exception as exc:  # expat raises several types; all mean the same to a caller
        raise InternalError(f"the service sent a response that is not XML: {exc}") from None


def _read_members(members: Sequence[Member], node: Any, prefix: str) -> dict[str, Any]:
    if not isinstance(node, dict):
        return {}
    data: dict[str, Any] = {}
    for member in members:
        key = prefix + member.name
        if key not in node:
            if member.repeated:
                data[member.name] = []
            continue
        raw = node[key]  # None for an empty element, e.g. the last page's NextToken
        if member.repeated:
            items = raw if isinstance(raw, list) else [raw]
            data[member.name] = [_read_value(member, item, prefix) for item in items]
        else:
            data[member.name] = _read_value(member, raw, prefix)
    return data


def _read_value(member: Member, raw: Any, prefix: str) -> Any:
    if isinstance(member.shape, Structure):
        return _read_members(member.shape.members, raw, prefix)
    return _read_scalar(member.shape, raw if isinstance(raw, str) else "")


def _read_scalar(shape: Scalar, text: str) -> Any:
    if shape.kind == "int":
        return int(text) if text.strip() else None
    if shape.kind == "boolean":
        return text.strip().lower() == "true"
    if shape.kind == "decimal":
        return Decimal(text) if text.strip() else None
    # Date-times stay strings on the client: they print and serialise as received.
    return text
