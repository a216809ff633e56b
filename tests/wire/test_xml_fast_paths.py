"""The XML writer's and reader's fast paths (strings, UTC date-times and plain-text leaves
handled inline) give exactly what the general path gives: the same bytes written, the same
values read, for every member type and for values of another type than the model says."""

from __future__ import annotations

import random
import re
from datetime import datetime, timedelta, timezone
from decimal import Decimal
from typing import Any
from xml.etree.ElementTree import fromstring
from xml.sax.saxutils import escape

import pytest

from fwscli.api import SERVICES_BY_NAME
from fwscli.api.shapes import Member, Structure
from fwscli.wire.query import format_datetime, format_zoned_datetime
from fwscli.wire.xml import read_response, write_response

TEXTS = ["", " ", "plain", "  padded  ", 'a<b>&c"d\'e', "&amp;", "]]>", "é ü ß", "😀 emoji",
         "line\nbreak", "tab\there", "true", "42"]
DATETIMES = [
    datetime(2026, 1, 2, 3, 4, 5, tzinfo=timezone.utc),
    datetime(2026, 12, 31, 23, 59, 59, 999999, tzinfo=timezone.utc),  # fraction dropped
    datetime(2026, 1, 2, 3, 4, 5, tzinfo=timezone(timedelta(hours=2))),  # other zones: UTC (zoned members: their own)
    datetime(2026, 1, 1, 0, 30, tzinfo=timezone(timedelta(hours=-5, minutes=-30))),
    datetime(2026, 1, 2, 3, 4, 5),  # naive: taken as UTC
    datetime(999, 1, 2, 3, 4, 5, tzinfo=timezone.utc),  # before year 1000: the general path
    datetime(1, 1, 1, tzinfo=timezone.utc),
]
# A value of another type than the model says still takes the general path.
STRAYS = [7, True, False, Decimal("1.50"), datetime(2026, 5, 6, 7, 8, 9, tzinfo=timezone.utc), "x<y"]


def _general_text(value: Any, zoned: bool = False) -> str:
    """The general path's text of one value, spelled out independently of the writer; a
    zoned member's date-time (Scalar.zoned) in its own offset."""
    if value is True or value is False:
        return "true" if value else "false"
    if isinstance(value, datetime):
        return format_zoned_datetime(value) if zoned else format_datetime(value)
    if isinstance(value, Decimal):
        return format(value, "f")
    return escape(str(value))


def _general_write(members, data: dict[str, Any]) -> str:
    parts = []
    for member in members:
        value = data.get(member.name)
        if value is None:
            continue
        for item in (value if member.repeated else [value]):
            inner = (_general_write(member.shape.members, item)
                     if isinstance(member.shape, Structure) else _general_text(item, member.shape.zoned))
            parts.append(f"<ns1:{member.name}>{inner}</ns1:{member.name}>")
    return "".join(parts)


def _value(member: Member, rng: random.Random, strays: bool) -> Any:
    if isinstance(member.shape, Structure):
        return _result(member.shape.members, rng, strays)
    if strays and rng.random() < 0.1:
        return rng.choice(STRAYS)
    kind = member.shape.kind
    if kind == "datetime":
        return rng.choice(DATETIMES)
    if kind == "int":
        return rng.choice([0, -3, 10**12])
    if kind == "boolean":
        return rng.choice([True, False])
    if kind == "decimal":
        return rng.choice([Decimal("12.50"), Decimal("-1.005"), Decimal("1E+2")])
    return rng.choice(TEXTS)


def _result(members, rng: random.Random, strays: bool = True) -> dict[str, Any]:
    data: dict[str, Any] = {}
    for member in members:
        if rng.random() < 0.2:
            continue
        data[member.name] = ([_value(member, rng, strays) for _ in range(rng.randint(0, 3))]
                             if member.repeated else _value(member, rng, strays))
    return data


@pytest.mark.parametrize("service", list(SERVICES_BY_NAME.values()), ids=lambda s: s.name)
def test_the_writer_writes_the_general_paths_bytes(service):
    rng = random.Random(f"writer {service.name}")
    for operation in service.operations:
        if operation.result is None:
            continue
        for _ in range(30):
            result = _result(operation.result, rng)
            body = write_response(service, operation, result, "rid")
            name = operation.name
            expected = (f'<?xml version="1.0"?>\n<ns1:{name}Response xmlns:ns1="{service.namespace}">'
                        f"<ns1:{name}Result>{_general_write(operation.result, result)}</ns1:{name}Result>"
                        f"<ns1:ResponseMetadata><ns1:RequestId>rid</ns1:RequestId>"
                        f"</ns1:ResponseMetadata></ns1:{name}Response>").encode("utf-8")
            assert body == expected, name


def test_every_member_type_is_tried():
    kinds = {member.shape.kind for service in SERVICES_BY_NAME.values()
             for operation in service.operations for member in _leaves(operation.result or ())}
    assert {"string", "datetime", "int", "boolean"} <= kinds


def _leaves(members):
    for member in members:
        if isinstance(member.shape, Structure):
            yield from _leaves(member.shape.members)
        else:
            yield member


# --- reading ---------------------------------------------------------------------------

_LEAF = re.compile(rb"<ns1:(\w+)>([^<]*)</ns1:\1>")


def _quirks(body: bytes, rng: random.Random) -> bytes:
    """Leaves padded with whitespace, emptied, given a child, or sent twice."""
    def change(match: re.Match) -> bytes:
        tag, text = match.group(1), match.group(2)
        roll = rng.random()
        if roll < 0.2:
            return b"<ns1:%s> \n\t%s  </ns1:%s>" % (tag, text, tag)
        if roll < 0.3:
            return b"<ns1:%s/>" % tag
        if roll < 0.4:
            return b"<ns1:%s>%s<ns1:Inner>x</ns1:Inner></ns1:%s>" % (tag, text, tag)
        if roll < 0.5:
            return match.group(0) * 2
        return match.group(0)
    return _LEAF.sub(change, body)


def _general_read(members, element, namespace: str) -> dict[str, Any]:
    """What the reader's general path makes of an element, spelled out independently."""
    by_tag = {f"{{{namespace}}}{member.name}": member for member in members}
    found: dict[str, Any] = {}
    for child in element:
        member = by_tag.get(child.tag)
        if member is None:
            continue
        if isinstance(member.shape, Structure):
            value = _general_read(member.shape.members, child, namespace) if len(child) else {}
        else:
            value = _convert(member, "" if len(child) else (child.text or ""))
        if member.repeated:
            found.setdefault(member.name, []).append(value)
        elif member.name in found:
            found[member.name] = {} if isinstance(member.shape, Structure) else _convert(member, "")
        else:
            found[member.name] = value
    return {member.name: found.get(member.name, []) for member in members
            if member.name in found or member.repeated}


def _convert(member: Member, text: str) -> Any:
    """Text as written; a number or a boolean past surrounding whitespace."""
    kind = member.shape.kind
    if kind == "int":
        return int(text) if text.strip() else None
    if kind == "boolean":
        return text.strip().lower() == "true"
    if kind == "decimal":
        return Decimal(text) if text.strip() else None
    return text


@pytest.mark.parametrize("service", list(SERVICES_BY_NAME.values()), ids=lambda s: s.name)
def test_the_reader_reads_what_the_general_path_reads(service):
    rng = random.Random(f"reader {service.name}")
    for operation in service.operations:
        if operation.result is None:
            continue
        for _ in range(30):
            result = _result(operation.result, rng, strays=False)  # readable by the model
            body = _quirks(write_response(service, operation, result, "rid"), rng)
            node = fromstring(body).find(f"{{{service.namespace}}}{operation.name}Result")
            if node is None or len(node) == 0:
                continue
            expected = _general_read(operation.result, node, service.namespace)
            read, _ = read_response(service, operation, body)
            assert repr(read) == repr(expected), (operation.name, body)
