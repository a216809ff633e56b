"""The rules an address must meet that the model's Address shapes cannot say, stated once.

The model says which members an Address has, which are required and how long each may be;
these rules depend on the country. Everything that checks an address asks here — the
service (warehouse.delivery for orders and previews, warehouse.inbound for shipments), the
CLI before it sends, the importer for every row — and turns the problems into its own
error: the service's MissingParameter / InvalidParameterValue, the CLI's one-line message
(exit 252), the importer's (line, column, reason) list.

A rule says nothing about a member that is absent because the model already refused it
(a CountryCode that is not there); it reports a member the rule itself requires (a City
outside Japan, a US PostalCode) as a Problem whose value is None.

Decisions (spec §6.1, §6.2 are the facts):
* CountryCode is ISO 3166-1 alpha-2. An outbound address must spell it in upper case, as
  the service has always required; a ship-from address may use either case, as the service
  has always taken it (FC matching compares countries in upper case).
* City is required for an outbound address except in Japan, whose addresses carry the city
  in their lines. (The inbound model requires City everywhere.)
* In the US, PostalCode is required and has at least 5 digits, however they are separated
  (`98101`, `98101-1234`, `98 101`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Callable, Mapping

from .errors import ApiError, InvalidParameterValue, MissingParameter

US_POSTAL_DIGITS = 5
CITYLESS_COUNTRIES = frozenset({"JP"})

# ISO 3166-1 alpha-2: the 249 officially assigned codes. Only the fulfillment network's own
# centers are held to it (warehouse/network.py); requests keep the two-letter rule above.
COUNTRY_CODES = frozenset("""
    AD AE AF AG AI AL AM AO AQ AR AS AT AU AW AX AZ BA BB BD BE BF BG BH BI BJ BL BM BN BO BQ
    BR BS BT BV BW BY BZ CA CC CD CF CG CH CI CK CL CM CN CO CR CU CV CW CX CY CZ DE DJ DK DM
    DO DZ EC EE EG EH ER ES ET FI FJ FK FM FO FR GA GB GD GE GF GG GH GI GL GM GN GP GQ GR GS
    GT GU GW GY HK HM HN HR HT HU ID IE IL IM IN IO IQ IR IS IT JE JM JO JP KE KG KH KI KM KN
    KP KR KW KY KZ LA LB LC LI LK LR LS LT LU LV LY MA MC MD ME MF MG MH MK ML MM MN MO MP MQ
    MR MS MT MU MV MW MX MY MZ NA NC NE NF NG NI NL NO NP NR NU NZ OM PA PE PF PG PH PK PL PM
    PN PR PS PT PW PY QA RE RO RS RU RW SA SB SC SD SE SG SH SI SJ SK SL SM SN SO SR SS ST SV
    SX SY SZ TC TD TF TG TH TJ TK TL TM TN TO TR TT TV TW TZ UA UG UM US UY UZ VA VC VE VG VI
    VN VU WF WS YE YT ZA ZM ZW
""".split())

_UPPER_COUNTRY = re.compile(r"[A-Z]{2}")
_ANY_CASE_COUNTRY = re.compile(r"[A-Za-z]{2}")
UPPER_COUNTRY_REASON = "it must be two upper-case letters (ISO 3166-1 alpha-2)"
COUNTRY_REASON = "it must be two letters (ISO 3166-1 alpha-2)"
CITY_REQUIRED = "a value is required outside JP"
POSTAL_CODE_REQUIRED = "a value is required in the US"
POSTAL_CODE_DIGITS = f"a US postal code has at least {US_POSTAL_DIGITS} digits"


@dataclass(frozen=True)
class Problem:
    """Why one member of an address is refused."""

    member: str         # the Address member: CountryCode, City, PostalCode
    value: str | None   # what it holds; None when the member is absent but required here
    reason: str

    @property
    def missing(self) -> bool:
        return self.value is None

    def api_error(self, parameter: str) -> ApiError:
        """As the service answers it; `parameter` is where the address sits in the request
        (`DestinationAddress`), so the error names `DestinationAddress.City`."""
        path = f"{parameter}.{self.member}"
        if self.value is None:
            return MissingParameter(path)
        return InvalidParameterValue(path, self.value, self.reason)


AddressRules = Callable[[Mapping[str, Any]], list[Problem]]


def destination_problems(address: Mapping[str, Any]) -> list[Problem]:
    """An outbound Address (CreateFulfillmentOrder's DestinationAddress, GetFulfillmentPreview's
    Address): every problem, or none. A bad CountryCode is the only one reported, as the
    other rules depend on the country."""
    country = address.get("CountryCode")
    if country is None:
        return []
    if not _UPPER_COUNTRY.fullmatch(country):
        return [Problem("CountryCode", country, UPPER_COUNTRY_REASON)]
    problems = []
    if country not in CITYLESS_COUNTRIES and not address.get("City"):
        problems.append(Problem("City", None, CITY_REQUIRED))
    return problems + _postal_code_problems(address, country)


def ship_from_problems(address: Mapping[str, Any]) -> list[Problem]:
    """An inbound Address (the ShipFromAddress of a shipment or a shipment preview)."""
    country = address.get("CountryCode")
    if country is None:
        return []
    if not _ANY_CASE_COUNTRY.fullmatch(country):
        return [Problem("CountryCode", country, COUNTRY_REASON)]
    return _postal_code_problems(address, country.upper())


# Each service's Address shape -> its rules.
RULES: dict[str, AddressRules] = {
    "inbound": ship_from_problems,
    "outbound": destination_problems,
}


def _postal_code_problems(address: Mapping[str, Any], country: str) -> list[Problem]:
    if country != "US":
        return []
    postal = address.get("PostalCode")
    if postal is None:
        return [Problem("PostalCode", None, POSTAL_CODE_REQUIRED)]
    # Decimal digits (Unicode Nd, as `\d`): a superscript or circled digit is not one.
    if sum(character.isdecimal() for character in postal) < US_POSTAL_DIGITS:
        return [Problem("PostalCode", postal, POSTAL_CODE_DIGITS)]
    return []
