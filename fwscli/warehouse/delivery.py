"""What the network promises a destination: delivery windows by shipping speed, and the
rules an address must meet to be delivered to. Orders and previews both take them from
here, so a preview and the order created from it always agree.

Decisions where the spec is silent:
* Speeds (business days, Saturday and Sunday skipped, counted from the request):
  Standard ships within 1 and arrives in 3–5, Expedited ships within 1 and arrives in 2,
  Priority ships the same day and arrives in 1. A request made at a weekend counts from
  the next Monday. One table for every destination.
* An address needs a two-letter country code, a City (except in Japan, whose addresses
  carry it in their lines) and, in the US, a postal code of at least 5 digits.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from ..api.errors import ApiError, InvalidParameterValue, MissingParameter

_COUNTRY = re.compile(r"[A-Z]{2}")


@dataclass(frozen=True)
class Speed:
    ship_within: int             # business days until the latest departure
    arrival: tuple[int, int]     # business days until the earliest and the latest arrival


SPEEDS: dict[str, Speed] = {
    "Standard": Speed(ship_within=1, arrival=(3, 5)),
    "Expedited": Speed(ship_within=1, arrival=(2, 2)),
    "Priority": Speed(ship_within=0, arrival=(1, 1)),
}


@dataclass(frozen=True)
class DeliveryWindow:
    earliest_ship: datetime
    latest_ship: datetime
    earliest_arrival: datetime
    latest_arrival: datetime


def add_business_days(start: datetime, days: int) -> datetime:
    """`start` moved `days` weekdays on (a weekend start first moves to Monday)."""
    day = start
    while day.weekday() >= 5:
        day += timedelta(days=1)
    for _ in range(days):
        day += timedelta(days=1)
        while day.weekday() >= 5:
            day += timedelta(days=1)
    return day


def delivery_window(speed: str, now: datetime) -> DeliveryWindow:
    rule = SPEEDS[speed]
    return DeliveryWindow(
        earliest_ship=add_business_days(now, 0),
        latest_ship=add_business_days(now, rule.ship_within),
        earliest_arrival=add_business_days(now, rule.arrival[0]),
        latest_arrival=add_business_days(now, rule.arrival[1]),
    )


def address_error(address: dict[str, Any], parameter: str) -> ApiError | None:
    """Why an outbound Address cannot be delivered to, as the error naming the field; or None."""
    country = address["CountryCode"]
    if not _COUNTRY.fullmatch(country):
        return InvalidParameterValue(f"{parameter}.CountryCode", country,
                                     "it must be two upper-case letters (ISO 3166-1 alpha-2)")
    # Japanese addresses carry the city in their lines; everywhere else it is required.
    if country != "JP" and not address.get("City"):
        return MissingParameter(f"{parameter}.City")
    if country == "US":
        postal = address.get("PostalCode")
        if postal is None:
            return MissingParameter(f"{parameter}.PostalCode")
        if sum(character.isdigit() for character in postal) < 5:
            return InvalidParameterValue(f"{parameter}.PostalCode", postal,
                                         "a US postal code has at least 5 digits")
    return None
