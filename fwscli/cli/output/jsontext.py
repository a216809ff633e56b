"""JSON text for API values.

Written by hand for one reason: Decimal. The standard encoder can write a Decimal only as a
float (losing digits) or as a quoted string; an amount such as 12.50 must reach `jq` as the
number 12.50, exactly as the service sent it. The output is otherwise what
`json.dumps(value, indent=…, ensure_ascii=False)` writes; the compact form has no spaces.
"""

from __future__ import annotations

import math
from datetime import date, datetime, timedelta
from decimal import Decimal
from json.encoder import c_make_encoder, encode_basestring  # the stdlib's C encoder and escaper
from typing import Any


def dumps(value: Any, indent: int | None = None, level: int = 0) -> str:
    """`value` as JSON: compact on one line when `indent` is None, else pretty.
    `level` is the depth it is written at, for pretty items inside an enclosing array."""
    out: list[str] = []
    _write(value, out, indent, level)
    return "".join(out)


class _Unsupported(Exception):
    """A value the standard encoder cannot write as `_write` does (a Decimal, a date)."""


def _unsupported(value: Any) -> Any:
    raise _Unsupported


# The standard library's C encoder writes what `_write` writes for str, int, float (finite),
# bool, None, lists, tuples and dicts with str keys — the values of nearly every row — several
# times faster. Anything else (a Decimal, a date, NaN) makes it give up, and `_write` writes
# the value instead. Made once: json.dumps would build it again for every row. (Keys True,
# False and None it would write true/false/null, not as str() does; no row has such keys:
# the API's and JMESPath's are strings.)
_c_encoder = (c_make_encoder(None, _unsupported, encode_basestring, None, ":", ",", False, False, False)
              if c_make_encoder is not None else None)


def compact(value: Any) -> str:
    """`dumps(value)`, the one-line form; faster when the standard encoder can write it."""
    if _c_encoder is not None:
        try:
            return "".join(_c_encoder(value, 0))
        except (_Unsupported, TypeError, ValueError):
            pass
    return dumps(value)


def item_separator(number: int, indent: int | None, level: int) -> str:
    """What precedes the `number`-th item of a container at depth `level`: a comma after
    the first, and in pretty output a new line indented one step deeper."""
    comma = "," if number else ""
    return comma if indent is None else comma + "\n" + " " * (indent * (level + 1))


def closing(bracket: str, indent: int | None, level: int) -> str:
    """The end of a non-empty container at depth `level`."""
    return bracket if indent is None else "\n" + " " * (indent * level) + bracket


def iso(value: date) -> str:
    """A date or datetime as ISO-8601; UTC is written `Z`, as the API writes it."""
    text = value.isoformat()
    if isinstance(value, datetime) and value.utcoffset() == timedelta(0):
        text = text.removesuffix("+00:00") + "Z"
    return text


def _write(value: Any, out: list[str], indent: int | None, level: int) -> None:
    if isinstance(value, str):
        out.append(encode_basestring(value))
    elif value is None:
        out.append("null")
    elif value is True:
        out.append("true")
    elif value is False:
        out.append("false")
    elif isinstance(value, int):
        out.append(int.__repr__(value))  # not repr(): an IntEnum's repr is not a number
    elif isinstance(value, Decimal):
        out.append(str(value) if value.is_finite() else encode_basestring(str(value)))
    elif isinstance(value, float):
        out.append(float.__repr__(value) if math.isfinite(value) else "null")
    elif isinstance(value, dict):
        _write_dict(value, out, indent, level)
    elif isinstance(value, (list, tuple)):
        _write_list(value, out, indent, level)
    elif isinstance(value, date):
        out.append(encode_basestring(iso(value)))
    else:
        raise TypeError(f"cannot write a {type(value).__name__} as JSON: {value!r}")


def _write_dict(value: dict, out: list[str], indent: int | None, level: int) -> None:
    if not value:
        out.append("{}")
        return
    colon = ":" if indent is None else ": "
    out.append("{")
    for number, (key, item) in enumerate(value.items()):
        out.append(item_separator(number, indent, level) + encode_basestring(str(key)) + colon)
        _write(item, out, indent, level + 1)
    out.append(closing("}", indent, level))


def _write_list(value: list | tuple, out: list[str], indent: int | None, level: int) -> None:
    if not value:
        out.append("[]")
        return
    out.append("[")
    for number, item in enumerate(value):
        out.append(item_separator(number, indent, level))
        _write(item, out, indent, level + 1)
    out.append(closing("]", indent, level))
