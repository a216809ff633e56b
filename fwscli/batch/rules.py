"""The service's checks that the API model cannot express, made before anything is sent.

Each mirrors a rule of the warehouse (named in its docstring) and is tested against it
(tests/batch/test_rules.py), so a row is refused here for what the service would refuse.
They take a request part already typed by the model — members whose value was refused are
absent, and a rule says nothing about what is absent — and return (member path, value,
reason) for each fault, paths relative to the part, as the file's columns are.
"""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

Fault = tuple[str, Any, str]

_COUNTRY = re.compile(r"[A-Z]{2}")
_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")
_CURRENCY = re.compile(r"[A-Z]{3}")
_CENT = Decimal("0.01")
_MAX_DECLARED_VALUE = Decimal("1e12")
_US_POSTAL_DIGITS = 5
MISSING = "a value is required"


def destination_address(address: dict[str, Any], parameter: str) -> list[Fault]:
    """warehouse.delivery.address_error: a country code, a City except in Japan (its
    addresses carry the city in their lines), a US postal code of at least 5 digits."""
    country = address.get("CountryCode")
    if country is None:
        return []
    if not _COUNTRY.fullmatch(country):
        return [(f"{parameter}.CountryCode", country,
                 "it must be two upper-case letters (ISO 3166-1 alpha-2)")]
    faults: list[Fault] = []
    if country != "JP" and not address.get("City"):
        faults.append((f"{parameter}.City", None, MISSING + " outside JP"))
    if country == "US":
        faults += _us_postal_code(address, parameter)
    return faults


def ship_from_address(address: dict[str, Any], parameter: str) -> list[Fault]:
    """warehouse.inbound._check_ship_from: a US ship-from address needs a postal code of at
    least 5 digits."""
    if address.get("CountryCode", "").upper() != "US":
        return []
    return _us_postal_code(address, parameter)


def _us_postal_code(address: dict[str, Any], parameter: str) -> list[Fault]:
    postal = address.get("PostalCode")
    if postal is None:
        return [(f"{parameter}.PostalCode", None, MISSING + " in the US")]
    if sum(character.isdigit() for character in postal) < _US_POSTAL_DIGITS:
        return [(f"{parameter}.PostalCode", postal, "a US postal code has at least 5 digits")]
    return []


def order(unit: dict[str, Any]) -> list[Fault]:
    """warehouse.orders._normalised, for an order's own members."""
    faults = destination_address(unit["DestinationAddress"], "DestinationAddress") \
        if "DestinationAddress" in unit else []
    faults += [("NotificationEmailList", email, "it is not an e-mail address")
               for email in unit.get("NotificationEmailList", ()) if not _EMAIL.fullmatch(email)]
    return faults


def order_item(unit: dict[str, Any], item: dict[str, Any]) -> list[Fault]:
    """warehouse.orders._normalised, for one item: Unsellable units only leave in Removal
    orders; a declared value is in an ISO 4217 currency, in cents, below 10^12."""
    faults: list[Fault] = []
    if (item.get("OrderItemDisposition") == "Unsellable"
            and unit.get("FulfillmentMethod", "Consumer") != "Removal"):
        faults.append(("OrderItemDisposition", "Unsellable",
                       "Unsellable is allowed only in Removal orders"))
    value = item.get("PerUnitDeclaredValue")
    if value is not None:
        currency, amount = value.get("CurrencyCode"), value.get("Value")
        if currency is not None and not _CURRENCY.fullmatch(currency):
            faults.append(("PerUnitDeclaredValue.CurrencyCode", currency,
                           "it must be three upper-case letters (ISO 4217)"))
        if amount is not None and not (Decimal(0) <= amount < _MAX_DECLARED_VALUE
                                       and amount == amount.quantize(_CENT)):
            faults.append(("PerUnitDeclaredValue.Value", amount,
                           "it must be an amount of at least 0 with at most two decimals"))
    return faults


def shipment(unit: dict[str, Any]) -> list[Fault]:
    return ship_from_address(unit["ShipFromAddress"], "ShipFromAddress") \
        if "ShipFromAddress" in unit else []


def registered_item(unit: dict[str, Any]) -> list[Fault]:
    """warehouse.catalog.register_items: an item is registered in a known condition."""
    if unit.get("Condition") == "Unknown":
        return [("Condition", "Unknown", "Unknown is not a valid condition for registering an item")]
    return []
