"""XML bodies: the service's writer and the client's reader, both driven by the model.

Written responses reproduce the real service's bytes (spec §1.7): the XML declaration and a
newline, every element prefixed `ns1:`, no whitespace between elements, members in schema
order, and no Result element for operations that return no data.
"""

from __future__ import annotations

import re
from datetime import datetime, timezone
from decimal import Decimal
from typing import Any, Callable, Sequence
from xml.etree.ElementTree import Element, ParseError, fromstring
from xml.sax.saxutils import escape

from ..api.errors import ApiError, InternalError, error_from_wire
from ..api.shapes import Member, Operation, Service, Structure
from .query import FORBIDDEN_CHARACTERS, format_datetime, format_zoned_datetime

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
# cost most of the time of writing a 1,000-order page). Each member's kind is decided here,
# once: single strings and UTC date-times, nearly every value of a listing, are written
# inline, without _scalar_text's dispatch on the value's type (a 1,000-order page 110 -> 76
# M instructions, the same bytes). A value of another type than the model says, a list's
# item and a date-time in another zone take the general path, _scalar_text; a zoned
# date-time (Scalar.zoned) in UTC, nearly every order date, is written inline too, and in
# another offset in its own (format_zoned_datetime).
_Writer = Callable[[dict[str, Any], Callable[[str], None]], None]
_writers: dict[int, tuple[Sequence[Member], _Writer]] = {}
_TEXT, _DATETIME, _ZONED, _OTHER, _LIST = range(5)
# format_datetime's text for years >= 1000, its two-digit fields from a table: half the
# instructions of formatting them with "%02d" (three date-times per listed order).
_TWO = tuple(f"{number:02d}" for number in range(60))
_UTC = timezone.utc


def _writer(members: Sequence[Member]) -> _Writer:
    cached = _writers.get(id(members))
    if cached is not None and cached[0] is members:
        return cached[1]
    steps = [(member.name, f"<ns1:{member.name}>", f"</ns1:{member.name}>", _member_kind(member),
              _writer(member.shape.members) if isinstance(member.shape, Structure) else None)
             for member in members]

    def write(data: dict[str, Any], emit: Callable[[str], None]) -> None:
        get = data.get
        for name, start, end, kind, structure in steps:
            value = get(name)
            if value is None:
                continue
            if kind is _TEXT and type(value) is str:
                if "&" in value or "<" in value or ">" in value or "\r" in value:
                    value = _escaped(value)
                emit(f"{start}{value}{end}")
            elif ((kind is _DATETIME or kind is _ZONED) and type(value) is datetime
                  and value.tzinfo is _UTC and value.year >= 1000):
                emit(f"{start}{value.year}-{_TWO[value.month]}-{_TWO[value.day]}T"
                     f"{_TWO[value.hour]}:{_TWO[value.minute]}:{_TWO[value.second]}Z{end}")
            elif kind is _LIST:
                for item in value:
                    _write_item(item, start, end, structure, emit)
            elif kind is _ZONED and isinstance(value, datetime):
                emit(f"{start}{format_zoned_datetime(value)}{end}")
            else:
                _write_item(value, start, end, structure, emit)

    _writers[id(members)] = (members, write)
    return write


def _write_item(value: Any, start: str, end: str, structure: _Writer | None,
                emit: Callable[[str], None]) -> None:
    """An item of a list, or a value the inline cases of the writer do not take."""
    if structure is not None:
        emit(start)
        structure(value, emit)
        emit(end)
    else:
        emit(start + _scalar_text(value) + end)


def _member_kind(member: Member) -> int:
    """How the writer takes the member: a list, inline text or date-time, or the general
    path (_write_item, which also writes a structure)."""
    shape = member.shape
    if member.repeated:
        return _LIST
    if isinstance(shape, Structure):
        return _OTHER
    if shape.zoned:
        return _ZONED
    return {"string": _TEXT, "datetime": _DATETIME}.get(shape.kind, _OTHER)


def _scalar_text(value: Any) -> str:
    """Any value's text, whatever the model said its type is (the writers' general path)."""
    kind = type(value)
    if kind is str:
        return _escaped(value)
    if value is True:
        return "true"
    if value is False:
        return "false"
    if isinstance(value, datetime):
        return format_datetime(value)
    if isinstance(value, Decimal):
        return format(value, "f")
    return escape(str(value))


def _escaped(text: str) -> str:
    """Text as XML character data that reads back the same: a reader turns a raw carriage
    return into a line feed (XML 1.0 §2.11), so a gift message's CRLF is written `&#13;`."""
    return (text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
            .replace("\r", "&#13;"))


_DASH_PAIR = re.compile("-(?=-)")


def message_text(message: str) -> str:
    """An error message as XML text. It quotes the value sent, which may hold characters
    XML 1.0 cannot carry (the very reason it was refused): each is written as `\\u` and
    four hex digits. A line feed is written `&#10;`: the error body is two lines, and the
    2008 PHP library reads the first one's code and message only when they sit on it."""
    if FORBIDDEN_CHARACTERS.search(message):
        message = FORBIDDEN_CHARACTERS.sub(lambda match: f"\\u{ord(match.group()):04x}", message)
    return _escaped(message).replace("\n", "&#10;")


def write_error(service: Service | None, error: ApiError, request_id: str) -> bytes:
    """The two-line Query error body of spec §12.

    Line 1 is a comment the 2008 PHP library's first pattern reads (its pattern for the
    schema's own shape has a bug); line 2 is the schema's ErrorResponse, unprefixed. No XML
    declaration: the comment must be the first byte.
    """
    code, message, rid = escape(error.code), message_text(error.message), escape(request_id)
    namespace = service.namespace if service else "http://fba-outbound.amazonaws.com/doc/2007-08-02/"
    # "--" may not appear inside a comment: a space after every "-" that another follows
    # (replacing "--" pairs alone leaves one in "---").
    comment = _DASH_PAIR.sub("- ", f"<RequestId>{rid}</RequestId><Error><Code>{code}</Code>"
                                   f"<Message>{message}</Message></Error>")
    return (
        f"<!--{comment}-->\n"
        f'<ErrorResponse xmlns="{namespace}"><Error><Type>{error.error_type}</Type>'
        f"<Code>{code}</Code><Message>{message}</Message><Detail/></Error>"
        f"<RequestId>{rid}</RequestId></ErrorResponse>"
    ).encode("utf-8")


# --- reading (the client's side) ---------------------------------------------------------
#
# ElementTree's C parser builds a page's tree without calling Python once per element, which
# xmltodict cannot avoid (its SAX handlers are Python): on a page of 1,000 orders xmltodict
# took 31 ms at its fastest settings, ElementTree 7 ms, with 50 us per order the whole
# budget of `fws outbound list` (issue 3). The tree is then read by readers made from the
# model, which decide every list and type; what the reader returns is what the xmltodict
# reader returned, key order (the model's) included, an empty element read as empty, unknown
# elements ignored; but text is read as sent, not stripped: the service keeps a SKU's or a
# gift message's leading and trailing whitespace and line breaks, so ' A ' and 'A' are two
# SKUs (only numbers and booleans are read past surrounding whitespace).

def read_response(service: Service, operation: Operation, body: bytes) -> tuple[dict[str, Any], str]:
    """The Result of a success body as a typed dict (lists and types from the model),
    and the RequestId.

    The response element's namespace (whatever prefix carries it, or none) is the
    namespace of every element below it.
    """
    root = _parse(body)
    namespace, name = _split(root.tag)
    if name != f"{operation.name}Response":
        raise InternalError(f"the service answered {operation.name} with {name!r}, "
                            f"not {operation.name}Response")
    prefix = f"{{{namespace}}}" if namespace else ""
    request_id = _text(root.find(f"{prefix}ResponseMetadata/{prefix}RequestId"))
    node = root.find(f"{prefix}{operation.name}Result")
    read = _reader(operation.result or (), prefix)
    if node is None or (len(node) == 0 and not _text(node)):
        result = read(())  # absent or empty: every list member present, empty
    elif len(node) == 0:
        result = {}
    else:
        result = read(node)
    return result, request_id


def read_error(body: bytes) -> ApiError | None:
    """The first error of an ErrorResponse body as its ApiError class, else None."""
    text = body.decode("utf-8", "replace")
    start = text.find("<ErrorResponse")
    if start < 0:
        return None
    try:
        response = _parse(text[start:])
    except InternalError:
        return None
    fields = _children_text(response)
    error = next((child for child in response if _split(child.tag)[1] == "Error"), None)
    first = _children_text(error) if error is not None else {}
    return error_from_wire(first.get("Code") or "InternalError", first.get("Message") or "",
                           first.get("Type") or "Receiver", fields.get("RequestId") or "")


def _parse(body: bytes | str) -> Element:
    """Parse safely: no DTD, hence no entities (a DTD is the only place one is declared, and
    ElementTree's C parser cannot be told to refuse them). `<!DOCTYPE` is looked for in the
    text, so a UTF-16 body (the one encoding expat reads that is not a superset of ASCII) is
    decoded first."""
    if isinstance(body, bytes) and b"\x00" in body[:4]:
        body = body.decode("utf-16" if body[:2] in (b"\xff\xfe", b"\xfe\xff")
                           else "utf-16-le" if body[:1] == b"<" else "utf-16-be", "replace")
    if ("<!DOCTYPE" if isinstance(body, str) else b"<!DOCTYPE") in body:
        raise InternalError("the service sent a response with a DTD (entities are disabled)")
    try:
        return fromstring(body)
    except ParseError as exc:
        raise InternalError(f"the service sent a response that is not XML: {exc}") from None


def _split(tag: str) -> tuple[str, str]:
    if tag[:1] == "{":
        namespace, _, name = tag[1:].partition("}")
        return namespace, name
    return "", tag


def _text(element: Element | None) -> str:
    if element is None or len(element):
        return ""
    return (element.text or "").strip()


def _children_text(element: Element) -> dict[str, str]:
    """Local name -> text of an element's children (the first of each name)."""
    found: dict[str, str] = {}
    for child in element:
        found.setdefault(_split(child.tag)[1], _text(child))
    return found


# A reader per member list and namespace, made from the model on first use: element tag ->
# (member, repeated, reader or converter). A structure's element with no children reads as
# {}; a member that is not repeated but comes twice reads as empty (what xmltodict's list of
# both made of it).
_Reader = Callable[[Any], dict[str, Any]]
_readers: dict[tuple[int, str], tuple[Sequence[Member], _Reader]] = {}
_MAX_READERS = 1000


def _reader(members: Sequence[Member], prefix: str) -> _Reader:
    cached = _readers.get((id(members), prefix))
    if cached is not None and cached[0] is members:
        return cached[1]
    steps: dict[str, tuple[str, bool, Callable[[Any], Any], bool]] = {}
    for member in members:
        if isinstance(member.shape, Structure):
            steps[prefix + member.name] = (member.name, member.repeated,
                                           _reader(member.shape.members, prefix), True)
        else:
            steps[prefix + member.name] = (member.name, member.repeated,
                                           _SCALAR_READERS.get(member.shape.kind, _read_string), False)
    # Plain-text leaves (single strings and date-times, which stay strings), most elements
    # of a listing, are read inline, without the general step's unpacking and conversion
    # (a 1,000-order page 50 -> 40 M instructions besides the parser's 102); a second one
    # of a name takes the general step, which reads it as empty.
    plain = {prefix + member.name: member.name for member in members
             if not member.repeated and not isinstance(member.shape, Structure)
             and _SCALAR_READERS.get(member.shape.kind, _read_string) is _read_string}
    plain_name = plain.get
    order = [(member.name, member.repeated) for member in members]
    position = {member.name: number for number, member in enumerate(members)}
    lists = [member.name for member in members if member.repeated]
    lookup = steps.get

    def missing_lists(keys: tuple[str, ...]) -> tuple[str, ...] | None:
        """The list members absent from `keys`, when `keys` are in the model's order and
        those come after them (so appending them keeps it); else None."""
        numbers = [position[key] for key in keys]
        if numbers != sorted(numbers):
            return None
        absent = tuple(name for name in lists if name not in keys)
        if absent and numbers and position[absent[0]] < numbers[-1]:
            return None
        return absent

    # Rows of a list almost all have the same members present: the last pattern seen and
    # its answer are kept (a pair replaced at once, so threads may share the reader).
    memo: list[tuple[tuple[str, ...], tuple[str, ...] | None]] = [((), None)]

    def read(element: Any) -> dict[str, Any]:
        found: dict[str, Any] = {}
        for child in element:
            name = plain_name(child.tag)
            if name is not None and name not in found:
                text = child.text
                found[name] = "" if text is None or len(child) else text
                continue
            step = lookup(child.tag)
            if step is None:
                continue
            name, repeated, convert, structure = step
            if structure:
                value = convert(child) if len(child) else {}
            else:
                text = child.text
                value = "" if text is None or len(child) else text
                if convert is not _read_string:
                    value = convert(value)
            if repeated:
                if name in found:
                    found[name].append(value)
                else:
                    found[name] = [value]
            elif name in found:
                found[name] = {} if structure else convert("")
            else:
                found[name] = value
        keys = tuple(found)
        seen, absent = memo[0]
        if keys != seen:
            absent = missing_lists(keys)
            memo[0] = (keys, absent)
        if absent is not None:  # in the model's order already: the usual row
            for name in absent:
                found[name] = []
            return found
        data: dict[str, Any] = {}
        for name, repeated in order:
            if name in found:
                data[name] = found[name]
            elif repeated:
                data[name] = []
        return data

    if len(_readers) < _MAX_READERS:  # a server inventing namespaces cannot grow it forever
        _readers[(id(members), prefix)] = (members, read)
    return read


def _read_int(text: str) -> int | None:
    text = text.strip()
    return int(text) if text else None


def _read_boolean(text: str) -> bool:
    return text.strip().lower() == "true"


def _read_decimal(text: str) -> Decimal | None:
    text = text.strip()
    return Decimal(text) if text else None


def _read_string(text: str) -> str:
    # Date-times stay strings on the client: they print and serialise as received.
    return text


_SCALAR_READERS: dict[str, Callable[[str], Any]] = {
    "int": _read_int, "boolean": _read_boolean, "decimal": _read_decimal,
    "string": _read_string, "datetime": _read_string,
}
