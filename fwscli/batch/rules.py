"""The service's checks that the API model cannot express, made before anything is sent
(by the importers, and by `fws outbound create` for its one order).

Each mirrors a rule of the warehouse (named in its docstring) and is tested against it
(tests/batch/test_rules.py), so a row is refused here for what the service would refuse.
The address rules are not mirrored but shared: api/addresses.py states them for both.
They take a request part already typed by the model — members whose value was refused are
absent, and a rule says nothing about what is absent — and return (member path, value,
reason) for each fault, paths relative to the part, as the file's columns are.
"""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

from ..api.addresses import Problem, destination_problems, ship_from_problems
from ..api.emails import NOT_AN_EMAIL, is_email
from ..api.inbound import UNKNOWN_CONDITION, UNKNOWN_CONDITION_REASON
from ..api.quantities import MAX_SKU_UNITS, sku_total_problem

Fault = tuple[str, Any, str]

_CURRENCY = re.compile(r"[A-Z]{3}")
_CENT = Decimal("0.01")
_MAX_DECLARED_VALUE = Decimal("1e12")


def destination_address(address: dict[str, Any], parameter: str) -> list[Fault]:
    """warehouse.delivery.address_error: api.addresses' rules for an outbound Address, every
    problem rather than the first."""
    return _address_faults(destination_problems(address), parameter)


def ship_from_address(address: dict[str, Any], parameter: str) -> list[Fault]:
    """warehouse.inbound._check_ship_from: api.addresses' rules for a ship-from Address."""
    return _address_faults(ship_from_problems(address), parameter)


def _address_faults(problems: list[Problem], parameter: str) -> list[Fault]:
    return [(f"{parameter}.{problem.member}", problem.value, problem.reason) for problem in problems]


def order(unit: dict[str, Any]) -> list[Fault]:
    """warehouse.orders._normalised, for an order's own members."""
    faults = destination_address(unit["DestinationAddress"], "DestinationAddress") \
        if "DestinationAddress" in unit else []
    faults += [("NotificationEmailList", email, NOT_AN_EMAIL)
               for email in unit.get("NotificationEmailList", ()) if not is_email(email)]
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


def sku_units(item: dict[str, Any], total: int) -> list[Fault]:
    """api.quantities: the lines of one SKU add up to at most xs:int. `total` is the SKU's
    units in the unit's lines so far, this one's included; the fault is on the line that
    takes them past the limit, as the service names it. (A shipment's lines have one SKU
    each, its line key: warehouse.inbound's like sum has nothing to add up.)"""
    if total - item["Quantity"] > MAX_SKU_UNITS:  # an earlier line went past: reported there
        return []
    too_many = sku_total_problem(item["MerchantSKU"], total)
    return [("Quantity", item["Quantity"], too_many)] if too_many is not None else []


def shipment(unit: dict[str, Any]) -> list[Fault]:
    return ship_from_address(unit["ShipFromAddress"], "ShipFromAddress") \
        if "ShipFromAddress" in unit else []


def registered_item(unit: dict[str, Any]) -> list[Fault]:
    """warehouse.catalog.register_items: an item is registered in a known condition."""
    if unit.get("Condition") == UNKNOWN_CONDITION:
        return [("Condition", UNKNOWN_CONDITION, UNKNOWN_CONDITION_REASON)]
    return []
