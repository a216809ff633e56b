"""The fulfillment-center network: where inbound shipments go.

A `FulfillmentNetwork` is a list of fulfillment centers (FCs) in a configured order plus a
`split_width`. It is plain data and pure logic; the only I/O is `from_file`.

The preview rule (`FulfillmentNetwork.plan`), deterministic by construction:

1. Candidates are the FCs in the ship-from address's country (CountryCode, compared
   case-insensitively). A country with no FC is refused with InvalidParameterValue on
   `ShipFromAddress.CountryCode`: inbound stock never crosses a border, so there is no
   fallback to another country's FCs.
2. Candidates are ranked: FCs that serve the ship-from state/province (StateOrProvinceCode,
   case-insensitive) first, then the others; each group keeps the configured order.
3. The top `split_width` candidates (fewer if the country has fewer FCs) share the items:
   an item goes to candidate number `sha256(FNSKU) mod width`. So the same SKU always goes
   to the same FC for the same ship-from region, and a SKU is never split between FCs.
4. The plan lists one entry per FC that received at least one item, in rank order; each
   entry keeps the items in the order they were given.

A center may leave the configuration after shipments were made to it. What was stored
stays valid and readable: those shipments keep its code, and their ShipToAddress says the
center is no longer in the network (`removed_center_address`); stock held there and orders
shipped from it do not depend on the configuration at all. Only new shipments (the preview,
PutInboundShipment, PutInboundShipmentData) and adjustments need a center in it.

Network file format (`from_file`, `fws server start --network`), JSON:

    {
      "split_width": 2,                       # optional, default 2, at least 1
      "centers": [                            # at least one; the order is the ranking order
        {
          "code": "PHL1",                     # 4 upper-case letters/digits, unique
          "address": {                        # an inbound Address (spec §6.1)
            "Name": "...", "AddressLine1": "...", "AddressLine2": "...",   # Line2 optional
            "City": "...", "StateOrProvinceCode": "PA", "CountryCode": "US",
            "PostalCode": "17015"             # optional outside the US
          },
          "serves": ["PA", "NJ", "NY"]        # optional: ship-from regions it ranks first for
        }
      ]
    }

The file is checked whole before anything uses it, and the first problem is a
`NetworkFileError` that names the file, the place (a JSON syntax error's line and column, or
a path such as `centers[2].address.CountryCode`) and what is wrong. Beyond the shape above:
no key may be unknown or given twice; an address meets the inbound Address shape (required
members present and not blank, strings within their lengths) and the ship-from rules of
api/addresses.py (a US PostalCode of 5 digits), and its CountryCode is an assigned
ISO 3166-1 alpha-2 code in upper case, as it is written back in every ShipToAddress.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable

from ..api.addresses import COUNTRY_CODES, UPPER_COUNTRY_REASON, ship_from_problems
from ..api.errors import InvalidParameterValue
from ..api.inbound import Address

DEFAULT_SPLIT_WIDTH = 2
_CODE = re.compile(r"[A-Z0-9]{4}")
_NETWORK_KEYS = ("centers", "split_width")
_CENTER_KEYS = ("code", "address", "serves")

# (merchant SKU, FNSKU, quantity)
PlanItem = tuple[str, str, int]


class NetworkFileError(ValueError):
    """A network file that cannot be used: the message names the file, the place in it and
    the problem, for an operator to fix it from that one line."""


class _Misfit(ValueError):
    """A value of the document that does not fit, at `where` (`centers[0].code`)."""

    def __init__(self, where: str, reason: str):
        super().__init__(f"{where}: {reason}" if where else reason)


@dataclass(frozen=True)
class FulfillmentCenter:
    code: str
    address: dict[str, str] = field(hash=False, compare=False)
    serves: frozenset[str] = frozenset()  # upper-case ship-from region codes

    @property
    def country(self) -> str:
        return self.address["CountryCode"].upper()

    def ship_to_address(self) -> dict[str, str]:
        """The FC's address as an inbound Address dict (a copy: callers may change it)."""
        return dict(self.address)


def removed_center_address(code: str, country: str) -> dict[str, str]:
    """The ship-to address of a center that has left the network configuration since
    shipments were made to it: its code and country (that of the shipment's ship-from
    address, which put_shipment required to match) are all that is still known. The inbound
    Address's required elements stay present (a strict client rejects a response without
    them), empty where nothing is known."""
    return {"Name": f"{code} (no longer in the fulfillment network)", "AddressLine1": "",
            "City": "", "StateOrProvinceCode": "", "CountryCode": country.upper()}


class FulfillmentNetwork:
    def __init__(self, centers: Iterable[FulfillmentCenter],
                 split_width: int = DEFAULT_SPLIT_WIDTH):
        self._centers = tuple(centers)
        if not self._centers:
            raise ValueError("a fulfillment network needs at least one center")
        if split_width < 1:
            raise ValueError(f"split_width must be at least 1, not {split_width}")
        codes = [center.code for center in self._centers]
        duplicates = sorted({code for code in codes if codes.count(code) > 1})
        if duplicates:
            raise ValueError(f"duplicate fulfillment center codes: {', '.join(duplicates)}")
        self.split_width = split_width
        self._by_code = {center.code: center for center in self._centers}

    @property
    def centers(self) -> tuple[FulfillmentCenter, ...]:
        return self._centers

    def get(self, code: str) -> FulfillmentCenter | None:
        return self._by_code.get(code)

    def plan(self, ship_from: dict[str, Any],
             items: list[PlanItem]) -> list[tuple[FulfillmentCenter, list[PlanItem]]]:
        """Split `items` between FCs for a shipment from `ship_from` (rule in the module doc)."""
        country = str(ship_from.get("CountryCode", "")).upper()
        candidates = [center for center in self._centers if center.country == country]
        if not candidates:
            raise InvalidParameterValue("ShipFromAddress.CountryCode", ship_from.get("CountryCode"),
                                        "no fulfillment center receives shipments from this country")
        region = str(ship_from.get("StateOrProvinceCode", "")).upper()
        # sorted() is stable: each group keeps the configured order.
        ranked = sorted(candidates, key=lambda center: region not in center.serves)
        chosen = ranked[:self.split_width]
        assigned: dict[str, list[PlanItem]] = {center.code: [] for center in chosen}
        for item in items:
            assigned[chosen[_bucket(item[1], len(chosen))].code].append(item)
        return [(center, assigned[center.code]) for center in chosen if assigned[center.code]]

    @classmethod
    def from_file(cls, path: str | Path) -> "FulfillmentNetwork":
        """Load a network from the JSON format in the module docstring, checked whole:
        anything wrong is a NetworkFileError (rules in the module docstring)."""
        try:
            text = Path(path).read_text(encoding="utf-8-sig")  # a byte-order mark is harmless
        except OSError as error:
            raise NetworkFileError(f"{path}: cannot read it: {error.strerror or error}") from None
        except UnicodeDecodeError as error:
            raise NetworkFileError(f"{path}: not UTF-8 text (byte {error.start + 1} is "
                                   f"{error.object[error.start:error.start + 1]!r})") from None
        try:
            return _network_from_json(json.loads(text, object_pairs_hook=_object))
        except json.JSONDecodeError as error:
            raise NetworkFileError(f"{path}: line {error.lineno}, column {error.colno}: "
                                   f"{error.msg}") from None
        except _Misfit as error:
            raise NetworkFileError(f"{path}: {error}") from None

    @classmethod
    def default(cls) -> "FulfillmentNetwork":
        """A small realistic network: four US FCs, one each in GB, DE and JP."""
        return cls(_DEFAULT_CENTERS)


def _bucket(fnsku: str, width: int) -> int:
    # sha256, not hash(): Python's string hash changes with every process.
    return int.from_bytes(hashlib.sha256(fnsku.encode()).digest()[:8], "big") % width


def _object(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    # json's default keeps the last of a key given twice: a setting silently ignored.
    names = [name for name, _ in pairs]
    twice = next((name for name in names if names.count(name) > 1), None)
    if twice is not None:
        raise _Misfit("", f"{twice!r} is given twice in one object")
    return dict(pairs)


def _network_from_json(document: Any) -> FulfillmentNetwork:
    if not isinstance(document, dict):
        raise _Misfit("", 'expected a JSON object with a "centers" list')
    _refuse_unknown_keys(document, _NETWORK_KEYS, "")
    split_width = document.get("split_width", DEFAULT_SPLIT_WIDTH)
    # bool is an int to Python, and 1.5 would be truncated: neither is what was meant.
    if type(split_width) is not int or split_width < 1:
        raise _Misfit("split_width", f"must be a whole number of at least 1, not {split_width!r}")
    entries = document.get("centers")
    if entries is None:
        raise _Misfit("centers", "missing: the list of fulfillment centers")
    if not isinstance(entries, list):
        raise _Misfit("centers", f"must be a list of centers, not {entries!r}")
    if not entries:
        raise _Misfit("centers", "must list at least one center")
    centers: list[FulfillmentCenter] = []
    first_with: dict[str, int] = {}
    for n, entry in enumerate(entries):
        center = _center_from_json(entry, f"centers[{n}]")
        if center.code in first_with:
            raise _Misfit(f"centers[{n}].code",
                          f"{center.code} is also the code of centers[{first_with[center.code]}]")
        first_with[center.code] = n
        centers.append(center)
    return FulfillmentNetwork(centers, split_width)


def _center_from_json(entry: Any, where: str) -> FulfillmentCenter:
    if not isinstance(entry, dict):
        raise _Misfit(where, f"expected an object with a code and an address, not {entry!r}")
    _refuse_unknown_keys(entry, _CENTER_KEYS, where)
    code = entry.get("code")
    if code is None:
        raise _Misfit(f"{where}.code", "missing")
    if not isinstance(code, str) or not _CODE.fullmatch(code):
        raise _Misfit(f"{where}.code", f"must be 4 upper-case letters or digits, not {code!r}")
    address = _address_from_json(entry.get("address"), f"{where}.address")
    serves = entry.get("serves", [])
    if not isinstance(serves, list):
        raise _Misfit(f"{where}.serves", f"must be a list of region codes, not {serves!r}")
    for n, region in enumerate(serves):
        if not isinstance(region, str) or not region.strip():
            raise _Misfit(f"{where}.serves[{n}]",
                          f"must be a region code (a StateOrProvinceCode), not {region!r}")
    return _center(code, address, serves)


def _address_from_json(address: Any, where: str) -> dict[str, str]:
    """An inbound Address (the model's shape, then the ship-from rules; module docstring)."""
    if address is None:
        raise _Misfit(where, "missing: the center's address")
    if not isinstance(address, dict):
        raise _Misfit(where, f"expected an object (an inbound Address), not {address!r}")
    members = [member.name for member in Address.members]
    for name in address:
        if name not in members:
            raise _Misfit(f"{where}.{name}", f"unknown field (an address has {', '.join(members)})")
    checked: dict[str, str] = {}
    for member in Address.members:
        value = address.get(member.name)
        if value is None:
            if member.required:
                raise _Misfit(f"{where}.{member.name}", "missing")
            continue
        if not isinstance(value, str):
            raise _Misfit(f"{where}.{member.name}", f"must be a string, not {value!r}")
        if member.required and not value.strip():
            raise _Misfit(f"{where}.{member.name}", f"missing (it is {value!r})")
        if len(value) > member.shape.max_length:
            raise _Misfit(f"{where}.{member.name}",
                          f"{value!r} is longer than {member.shape.max_length} characters")
        checked[member.name] = value
    for problem in ship_from_problems(checked):
        reason = problem.reason if problem.missing else f"{problem.value!r} is invalid: {problem.reason}"
        raise _Misfit(f"{where}.{problem.member}", reason)
    country = checked["CountryCode"]
    if country != country.upper():
        raise _Misfit(f"{where}.CountryCode", f"{country!r} is invalid: {UPPER_COUNTRY_REASON}")
    if country not in COUNTRY_CODES:
        raise _Misfit(f"{where}.CountryCode", f"{country!r} is not an assigned ISO 3166-1 alpha-2 code")
    return checked


def _refuse_unknown_keys(document: dict[str, Any], known: tuple[str, ...], where: str) -> None:
    for name in document:
        if name not in known:
            raise _Misfit(f"{where}.{name}" if where else name,
                          f"unknown key (the keys here are {', '.join(known)})")


def _center(code: str, address: dict[str, str], serves: Iterable[str] = ()) -> FulfillmentCenter:
    return FulfillmentCenter(code, address, frozenset(region.upper() for region in serves))


def _us(name: str, line1: str, city: str, state: str, postal: str) -> dict[str, str]:
    return {"Name": name, "AddressLine1": line1, "City": city, "StateOrProvinceCode": state,
            "CountryCode": "US", "PostalCode": postal}


_DEFAULT_CENTERS = (
    _center("PHL1", _us("Amazon.com PHL1", "675 Allen Road", "Carlisle", "PA", "17015"),
            ("PA", "NJ", "NY", "DE", "MD", "DC", "VA", "WV", "CT", "RI", "MA", "VT", "NH", "ME")),
    _center("SDF1", _us("Amazon.com SDF1", "1050 South Columbia Avenue", "Campbellsville", "KY", "42718"),
            ("KY", "OH", "IN", "IL", "MI", "WI", "MN", "IA", "MO", "TN", "NC", "SC", "GA", "FL",
             "AL", "MS", "AR", "LA", "TX", "OK", "KS", "NE", "SD", "ND")),
    _center("RNO1", _us("Amazon.com RNO1", "1600 East Newlands Drive", "Fernley", "NV", "89408"),
            ("NV", "CA", "OR", "WA", "ID", "MT", "WY", "UT", "CO", "AK", "HI")),
    _center("ONT2", _us("Amazon.com ONT2", "1910 East Central Avenue", "San Bernardino", "CA", "92408"),
            ("CA", "AZ", "NM")),
    _center("LTN1", {"Name": "Amazon.co.uk LTN1", "AddressLine1": "Marston Gate, Badminton Road",
                     "City": "Ridgmont", "StateOrProvinceCode": "Bedfordshire",
                     "CountryCode": "GB", "PostalCode": "MK43 0ZA"}),
    _center("LEJ1", {"Name": "Amazon.de LEJ1", "AddressLine1": "Amazonstrasse 1",
                     "City": "Leipzig", "StateOrProvinceCode": "SN",
                     "CountryCode": "DE", "PostalCode": "04347"}),
    _center("NRT1", {"Name": "Amazon.co.jp NRT1", "AddressLine1": "2-13-1 Shiohama",
                     "City": "Ichikawa-shi", "StateOrProvinceCode": "Chiba",
                     "CountryCode": "JP", "PostalCode": "272-0127"}),
)
