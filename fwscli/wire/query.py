"""The Query API codec: flat `Name.N.Field=value` parameters <-> request dicts.

Decoding accepts the three list conventions legacy clients use (spec §2):
  A  `Item.1.Quantity`, and simple lists prefixed by the action: `GetX.MerchantSKU.1`
  B  the same without the action prefix: `MerchantSKU.1`
  C  un-indexed, one struct or repeated simple keys: `Item.Quantity`, `MerchantSKU`
Encoding writes convention A. Both walk the operation's members from the API model, and
validation (required, types, enums, lengths, limits) happens here, so handlers receive
clean, typed dicts and every error names the parameter as the client spelled it.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone
from decimal import Decimal, InvalidOperation
from typing import Any, Iterable, Sequence

from ..api.errors import InvalidParameterValue, MissingParameter
from ..api.shapes import INT_RANGE, Member, Operation, Scalar, Structure
from .timestamps import parse_timestamp

# Parameters of the transport (routing and signatures), not of any operation.
COMMON_PARAMETERS = frozenset({
    "Action", "AWSAccessKeyId", "Timestamp", "Expires", "Version", "SignatureVersion",
    "SignatureMethod", "Signature",
})
# XML 1.0 cannot carry these, so a value holding one could never be answered faithfully.
# Lone surrogates are how Python reads bytes that are not UTF-8 (a Latin-1 command line):
# they cannot even be sent.
FORBIDDEN_CHARACTERS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
_INTEGER = re.compile(r"[+-]?\d+", re.ASCII)  # 0-9 only: int() reads every script's digits
_TRUE, _FALSE = frozenset({"true", "1"}), frozenset({"false", "0"})
# The deepest name of the model is `Item.N.PerUnitDeclaredValue.Value` (3 dots); with room.
_MAX_DOTS = 8


def decode_request(operation: Operation, params: Iterable[tuple[str, str]],
                   action: str | None = None) -> dict[str, Any]:
    """Decode and validate the parameters of one request to `operation`.

    Empty values mean "absent" (one legacy client sends every unset field empty).
    Unknown parameters are ignored, as AWS Query services of the era did.
    """
    return decode_request_spelled(operation, params, action)[0]


def decode_request_spelled(operation: Operation, params: Iterable[tuple[str, str]],
                           action: str | None = None) -> tuple[dict[str, Any], dict[str, list[str]]]:
    """decode_request, and the name each item of a top-level list was sent as, in order:
    `{"Item": ["Item.1", "Item.7"], "NotificationEmailList": ["NotificationEmailList"]}` (a
    gap, convention C). The service names an item by its position (`Item.2.MerchantSKU`);
    respell() turns that back into the name sent."""
    values: dict[str, list[str]] = {}
    for name, value in params:
        if value == "" or name in COMMON_PARAMETERS or name.startswith("X-Amz-"):
            continue
        values.setdefault(name, []).append(value)
    action_prefixes = {f"{operation.name}.", f"{action or operation.name}."}
    reader = _ParamReader(values, action_prefixes)
    return reader.members(operation.input, ""), reader.spelled


def respell(parameter: str, spelled: dict[str, list[str]]) -> str:
    """`parameter` (`Item.2.Quantity`, an item named by its position) as the client spelled
    it (`Item.7.Quantity`), by decode_request_spelled's `spelled`."""
    head, _, rest = parameter.partition(".")
    names = spelled.get(head)
    if not names:
        return parameter
    index, dot, rest = rest.partition(".")
    position = int(index) if index.isascii() and index.isdigit() and len(index) < 7 else 0
    if not 1 <= position <= len(names) or index != str(position):
        return parameter
    return names[position - 1] + dot + rest


class _ParamReader:
    def __init__(self, values: dict[str, list[str]], action_prefixes: set[str]):
        self.values = values
        self.action_prefixes = action_prefixes
        self.spelled: dict[str, list[str]] = {}  # see decode_request_spelled
        # Every path that a name continues past a dot, and the segments that follow it:
        # `Item.1.Quantity` gives `Item` -> {"1"} and `Item.1` -> {"Quantity"}. Made once,
        # so that asking for a structure's or a list's parameters is a lookup, not a scan
        # of every name (a third of decoding a CreateFulfillmentOrder).
        self.children: dict[str, set[str]] = {}
        for name in values:
            if name.count(".") > _MAX_DOTS:
                continue  # deeper than any member: unknown; indexing it is quadratic in its length
            dot = name.find(".")
            while dot >= 0:
                following = name.find(".", dot + 1)
                segment = name[dot + 1:following] if following >= 0 else name[dot + 1:]
                self.children.setdefault(name[:dot], set()).add(segment)
                dot = following

    def members(self, members: Sequence[Member], prefix: str) -> dict[str, Any]:
        decoded: dict[str, Any] = {}
        for member in members:
            path = prefix + member.name
            if member.repeated:
                value = self.repeated(member, path, top_level=not prefix)
                present = bool(value)
            elif isinstance(member.shape, Structure):
                value = self.members(member.shape.members, path + ".") if path in self.children else None
                present = value is not None
            else:
                raw = self.single(path)
                value = None if raw is None else decode_scalar(member.shape, raw, path)
                present = value is not None
            if present:
                decoded[member.name] = value
            elif member.required:
                raise MissingParameter(path)
        return decoded

    def repeated(self, member: Member, path: str, top_level: bool) -> list[Any]:
        sent: list[str] = []  # each item's name as sent
        if isinstance(member.shape, Structure):
            indices = self.indices(path)
            self.check_indices(path, member.shape, len(indices))
            sent = [f"{path}.{index}" for index in indices]
            items = [self.members(member.shape.members, name + ".") for name in sent]
            if not items and self.has_named_child(path):  # convention C: one un-indexed struct
                sent = [path]
                items = [self.members(member.shape.members, path + ".")]
            elif items and self.has_member_child(path, member.shape):
                # Indexed items and an un-indexed one too: all are taken, as a simple list
                # takes its bare values after its indexed ones (dropping it lost a line).
                sent.append(path)
                items.append(self.members(member.shape.members, path + "."))
        else:
            prefixes = [path]
            if top_level:
                prefixes = [action + path for action in sorted(self.action_prefixes)] + prefixes
            items = []
            for base in prefixes:
                indices = self.indices(base)
                self.check_indices(base, None, len(indices))
                for index in indices:
                    name = f"{base}.{index}"
                    raw = self.single(name)
                    if raw is not None:  # else only `base.N.…` names: unknown, ignored
                        items.append(decode_scalar(member.shape, raw, name))
                        sent.append(name)
                # Convention C: the bare name, possibly repeated.
                for raw in self.values.get(base, ()):
                    items.append(decode_scalar(member.shape, raw, base))
                    sent.append(base)
        check_item_count(member, path, len(items))
        if top_level and items:
            self.spelled[path] = sent
        return items

    def check_indices(self, base: str, shape: Structure | None, indexed: int) -> None:
        """Refuse an item of the list at `base` whose index is not a whole number:
        `Item.-2.MerchantSKU` (a member of the list's structure after it) or `MerchantSKU.x`
        (a value of a simple list). It reads as an item the client meant to send, and was
        dropped unseen as an unknown name: an order went out without that line. Any other
        name below `base` stays an unknown one, ignored. `indexed`: how many segments below
        `base` are whole numbers (when all are, there is nothing to look at)."""
        segments = self.children.get(base, ())
        if len(segments) == indexed:
            return
        for segment in segments:
            if segment.isdecimal():
                continue
            name = f"{base}.{segment}"
            if shape is None:
                found = name if name in self.values else None
            elif any(member.name == segment for member in shape.members):
                continue  # convention C: the one un-indexed item's member
            else:
                following = self.children.get(name, ())
                found = next((f"{name}.{member.name}" for member in shape.members
                              if member.name in following), None)
                if found is not None and found not in self.values:  # a structure: its first value
                    found = min(key for key in self.values if key.startswith(found + "."))
            if found is not None:
                raise InvalidParameterValue(found, _shorten(self.values[found][0]),
                                            "the index of a list item must be a whole number such as 1")

    def single(self, name: str) -> str | None:
        raws = self.values.get(name)
        return one_value(name, raws) if raws else None

    def indices(self, base: str) -> list[str]:
        """The N of every `base.N` and `base.N.…` name, in numeric order, as spelled: `01`
        and `1` are two names (read as one, either would be dropped unseen). Ordered
        without int(), which refuses an N of over 4,300 digits."""
        segments = [segment for segment in self.children.get(base, ()) if segment.isdecimal()]
        return sorted(segments, key=_numeric_order)

    def has_named_child(self, path: str) -> bool:
        """Whether some `path.…` name goes on with anything but a digit."""
        return any(not segment[:1].isdigit() for segment in self.children.get(path, ()))

    def has_member_child(self, path: str, shape: Structure) -> bool:
        """Whether some `path.Member` name is a member of `shape` (not an unknown name)."""
        names = self.children.get(path, ())
        return any(member.name in names for member in shape.members)


def _numeric_order(digits: str) -> tuple[int, str, str]:
    significant = digits.lstrip("0")
    return len(significant), significant, digits


def check_item_count(member: Member, path: str, count: int) -> None:
    """Refuse more values of a repeated member than the operation allows."""
    if member.max_items is not None and count > member.max_items:
        raise InvalidParameterValue(
            path, f"{count} values",
            f"at most {member.max_items} {member.name} values are allowed in one request")


def one_value(name: str, raws: Sequence[str]) -> str:
    """The value of a single-valued member sent one or more times (the same each time)."""
    # The comparison only for a name sent twice (rare): a generator and a slice per value
    # cost a tenth of decoding a request.
    if len(raws) > 1 and any(raw != raws[0] for raw in raws[1:]):
        raise InvalidParameterValue(name, " / ".join(raws), "the parameter is given more than once with different values")
    return raws[0]


def decode_scalar(shape: Scalar, raw: str, name: str) -> Any:
    """One wire value as the model's type; None for a lenient value that does not parse."""
    kind = shape.kind
    if kind == "string":
        if len(raw) > shape.max_length:
            raise InvalidParameterValue(name, _shorten(raw), f"it is longer than {shape.max_length} characters")
        # Every forbidden character is unprintable: the pattern runs only on the rare value
        # that has one (isprintable is a C loop without the regex engine's set-up).
        if not raw.isprintable() and FORBIDDEN_CHARACTERS.search(raw):
            raise InvalidParameterValue(name, _shorten(raw), "it contains control characters or "
                                                             "bytes that are not UTF-8")
        if shape.enum is not None and raw not in shape.enum:
            raise InvalidParameterValue(name, _shorten(raw), "it must be one of " + ", ".join(shape.enum))
        return raw
    if kind == "int":
        digits = raw.strip()
        if not _INTEGER.fullmatch(digits):
            raise InvalidParameterValue(name, _shorten(raw), "it is not a whole number")
        # Past 12 significant digits it is out of range anyway; int() of thousands of
        # digits is slow, and past 4,300 refused, leading zeros counted (a ValueError: a
        # MaxCount of 5,000 zeros and a 1 was a 500), so it reads the significant ones.
        significant = digits.lstrip("+-").lstrip("0")
        if len(significant) > 12:
            raise InvalidParameterValue(name, _shorten(raw), "it is out of range")
        number = int(significant or "0") * (-1 if digits[0] == "-" else 1)
        if not INT_RANGE[0] <= number <= INT_RANGE[1]:
            raise InvalidParameterValue(name, _shorten(raw), "it is out of range")
        if shape.min_value is not None and number < shape.min_value:
            raise InvalidParameterValue(name, _shorten(raw), f"it must be at least {shape.min_value}")
        return number
    if kind == "boolean":
        folded = raw.strip().lower()
        if folded in _TRUE:
            return True
        if folded in _FALSE:
            return False
        raise InvalidParameterValue(name, _shorten(raw), "it must be true or false")
    if kind == "datetime":
        try:
            return parse_timestamp(raw, keep_offset=shape.zoned)
        except ValueError:
            if shape.lenient:
                return None
            raise InvalidParameterValue(name, _shorten(raw), "it is not an ISO 8601 date-time such as 2009-06-05T18:30:19Z") from None
    if kind == "decimal":
        # Decimal() reads every script's digits and `_` between them (`٥`, `1_000`), which
        # no xs:decimal holds: 0-9 only, as for an int.
        try:
            number = Decimal(raw) if raw.isascii() and "_" not in raw else None
        except InvalidOperation:
            number = None
        if number is None or not number.is_finite() or len(raw) > 40:
            raise InvalidParameterValue(name, _shorten(raw), "it is not a decimal number")
        return number
    raise AssertionError(f"unknown scalar kind {kind}")


def _shorten(raw: str, limit: int = 60) -> str:
    return raw if len(raw) <= limit else raw[: limit - 3] + "..."


# --- encoding (the client's side) --------------------------------------------------------

def encode_request(operation: Operation, request: dict[str, Any]) -> list[tuple[str, str]]:
    """The request as Query parameters, convention A, in model order (without Action)."""
    params: list[tuple[str, str]] = []
    _encode_members(operation.input, request, "", operation.name, params)
    return params


def _encode_members(members: Sequence[Member], data: dict[str, Any], prefix: str, action: str,
                    params: list[tuple[str, str]]) -> None:
    for member in members:
        value = data.get(member.name)
        if value is None:
            continue
        path = prefix + member.name
        if member.repeated:
            for index, item in enumerate(value, start=1):
                if isinstance(member.shape, Structure):
                    _encode_members(member.shape.members, item, f"{path}.{index}.", action, params)
                else:
                    name = f"{action}.{path}.{index}" if not prefix else f"{path}.{index}"
                    params.append((name, encode_scalar(member.shape, item)))
        elif isinstance(member.shape, Structure):
            _encode_members(member.shape.members, value, path + ".", action, params)
        else:
            params.append((path, encode_scalar(member.shape, value)))


def encode_scalar(shape: Scalar, value: Any) -> str:
    # A boolean given as text goes as written, for the decoder's rules to read or refuse:
    # by its truth value, the text "false" would be sent as true.
    if shape.kind == "boolean" and not isinstance(value, str):
        return "true" if value else "false"
    if shape.kind == "datetime" and isinstance(value, datetime):
        return format_zoned_datetime(value) if shape.zoned else format_datetime(value)
    return str(value)


def format_datetime(value: datetime) -> str:
    """The one date-time form we write: UTC, seconds, `Z` (as real FWS responses did)."""
    if value.tzinfo is None:
        value = value.replace(tzinfo=timezone.utc)
    value = value.astimezone(timezone.utc)
    # strftime's %Y gives "999", not xs:dateTime's "0999", before year 1000.
    return f"{value.year:04d}" + value.strftime("-%m-%dT%H:%M:%SZ")


def format_zoned_datetime(value: datetime) -> str:
    """A zoned date-time (see Scalar) in the offset it carries: `2026-11-27T12:00:00-08:00`,
    whole seconds; a UTC one (or a naive one, taken as UTC) as format_datetime writes it."""
    offset = value.utcoffset()
    if not offset:
        return format_datetime(value)
    minutes = offset // _MINUTE
    sign = "-" if minutes < 0 else "+"
    hours, minutes = divmod(abs(minutes), 60)
    return f"{value.year:04d}" + value.strftime("-%m-%dT%H:%M:%S") + f"{sign}{hours:02d}:{minutes:02d}"


_MINUTE = timedelta(minutes=1)
