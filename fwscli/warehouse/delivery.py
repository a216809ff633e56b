"""What the network promises a destination: delivery windows by shipping speed, and the
rules an address must meet to be delivered to. Orders and previews both take them from
here, so a preview and the order created from it always agree.

Decisions where the spec is silent:
* Speeds (business days, Saturday and Sunday skipped): Standard ships within 1 and is
  3–5 in transit, Expedited ships within 1 and is 2 in transit, Priority ships the same
  day and is 1 in transit. A speed is the time in transit once shipped (the WSDL's words),
  so the earliest arrival counts from the earliest departure and the latest from the
  latest: a shipment that leaves on time arrives in the window. A request made at a
  weekend counts from the next Monday. One table for every destination.

What an address must be to be delivered to is not decided here: api/addresses.py states
those rules once for the service, the CLI and the importer.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from datetime import datetime, timedelta
from typing import Any

from ..api.addresses import destination_problems
from ..api.errors import ApiError


@dataclass(frozen=True)
class Speed:
    ship_within: int             # business days until the latest departure
    transit: tuple[int, int]     # business days in transit, at the fastest and the slowest


SPEEDS: dict[str, Speed] = {
    "Standard": Speed(ship_within=1, transit=(3, 5)),
    "Expedited": Speed(ship_within=1, transit=(2, 2)),
    "Priority": Speed(ship_within=0, transit=(1, 1)),
}


@dataclass(frozen=True)
class DeliveryWindow:
    earliest_ship: datetime
    latest_ship: datetime
    earliest_arrival: datetime
    latest_arrival: datetime


def add_business_days(start: datetime, days: int) -> datetime:
    """`start` moved `days` weekdays on (a weekend start first moves to Monday)."""
    return start + timedelta(days=_calendar_days(start.weekday(), days))


@lru_cache(maxsize=None)
def _calendar_days(weekday: int, business_days: int) -> int:
    """Calendar days from a day of `weekday` (Monday 0) to `business_days` weekdays on: the
    same for every such day, so counted once (every create asks four times)."""
    days = 0
    while (weekday + days) % 7 >= 5:
        days += 1
    for _ in range(business_days):
        days += 1
        while (weekday + days) % 7 >= 5:
            days += 1
    return days


def delivery_window(speed: str, now: datetime) -> DeliveryWindow:
    """When units asked for `now` leave and arrive (business days add up: counting from
    the departure is counting the sum from `now`)."""
    rule = SPEEDS[speed]
    return DeliveryWindow(
        earliest_ship=add_business_days(now, 0),
        latest_ship=add_business_days(now, rule.ship_within),
        earliest_arrival=add_business_days(now, rule.transit[0]),
        latest_arrival=add_business_days(now, rule.ship_within + rule.transit[1]),
    )


def arrival_after_shipping(speed: str, shipped_at: datetime) -> datetime:
    """The latest arrival of a shipment that left at `shipped_at`."""
    return add_business_days(shipped_at, SPEEDS[speed].transit[1])


def address_error(address: dict[str, Any], parameter: str) -> ApiError | None:
    """Why an outbound Address cannot be delivered to, as the error naming the field
    (`<parameter>.City`); or None. The first of api.addresses' problems, as the service
    has always reported one."""
    problems = destination_problems(address)
    return problems[0].api_error(parameter) if problems else None
