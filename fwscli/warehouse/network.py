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

Network file format (`from_file`), JSON:

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
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable

from ..api.errors import InvalidParameterValue

DEFAULT_SPLIT_WIDTH = 2
_CODE = re.compile(r"[A-Z0-9]{4}")
_REQUIRED_ADDRESS = ("Name", "AddressLine1", "City", "StateOrProvinceCode", "CountryCode")
_ADDRESS_FIELDS = _REQUIRED_ADDRESS + ("AddressLine2", "PostalCode")

# (merchant SKU, FNSKU, quantity)
PlanItem = tuple[str, str, int]


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
        """Load a network from the JSON format in the module docstring."""
        data = json.loads(Path(path).read_text(encoding="utf-8"))
        if not isinstance(data, dict) or not isinstance(data.get("centers"), list):
            raise ValueError(f"{path}: expected an object with a 'centers' list")
        centers = [_center_from_json(entry, f"{path}: centers[{n}]")
                   for n, entry in enumerate(data["centers"])]
        return cls(centers, split_width=int(data.get("split_width", DEFAULT_SPLIT_WIDTH)))

    @classmethod
    def default(cls) -> "FulfillmentNetwork":
        """A small realistic network: four US FCs, one each in GB, DE and JP."""
        return cls(_DEFAULT_CENTERS)


def _bucket(fnsku: str, width: int) -> int:
    # sha256, not hash(): Python's string hash changes with every process.
    return int.from_bytes(hashlib.sha256(fnsku.encode()).digest()[:8], "big") % width


def _center_from_json(entry: Any, where: str) -> FulfillmentCenter:
    if not isinstance(entry, dict):
        raise ValueError(f"{where}: expected an object")
    code = entry.get("code")
    if not isinstance(code, str) or not _CODE.fullmatch(code):
        raise ValueError(f"{where}: code must be 4 upper-case letters or digits, not {code!r}")
    address = entry.get("address")
    if not isinstance(address, dict):
        raise ValueError(f"{where}: address must be an object")
    missing = [name for name in _REQUIRED_ADDRESS if not address.get(name)]
    unknown = sorted(set(address) - set(_ADDRESS_FIELDS))
    if missing or unknown:
        raise ValueError(f"{where}: address missing {missing or 'nothing'}, unknown {unknown or 'nothing'}")
    serves = entry.get("serves", [])
    if not isinstance(serves, list) or not all(isinstance(region, str) for region in serves):
        raise ValueError(f"{where}: serves must be a list of region codes")
    return _center(code, {name: str(value) for name, value in address.items()}, serves)


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
