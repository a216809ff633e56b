"""What the network can promise for a destination: delivery windows by shipping speed,
destination address rules, and GetFulfillmentPreview (fulfillability, dates, fees, weight).

Orders take their estimated ship and arrival dates and their address rules from here, so a
preview and the order created from it always agree.

Decisions where the spec is silent:
* Speeds (business days, Saturday and Sunday skipped, counted from the request):
  Standard ships within 1 and arrives in 3–5, Expedited ships within 1 and arrives in 2,
  Priority ships the same day and arrives in 1. A request made at a weekend counts from
  the next Monday. One table for every destination.
* An item is fulfillable when its SKU is registered, active, and has enough available stock
  (in stock − reserved, summed over every fulfillment center) — the same "available" as the
  inventory service's InStockSupplyQuantity. Items are served in request order; repeated
  SKUs draw on the same stock. Otherwise the item is unfulfillable with
  `InventoryUnavailable` (unknown, inactive or short SKUs alike: the merchant's fix is stock).
* IsFulfillable: the address is deliverable and every item is fulfillable. The fulfillable
  items still form a shipment (useful for FillAllAvailable orders); fees and weight cover
  them only. An undeliverable address gives OrderUnfulfillableReasons
  `InvalidDestinationAddress` and no shipment — a preview never fails on an address.
* Weight: no weights are registered in this API, so every unit weighs 0.5 LB,
  ShippingWeightCalculationMethod `Package`.
* Fees, in USD (FEES below): `FBAPerOrderFulfillmentFee` once per preview,
  `FBAPerUnitFulfillmentFee` per unit, `FBAWeightBasedFee` per pound of total shipping
  weight rounded up to a whole pound; no fees when nothing is fulfillable.

      speed      per order  per unit  per pound
      Standard     4.75       0.75      0.45
      Expedited    5.75       1.50      0.55
      Priority    11.75       2.25      0.65
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import ROUND_CEILING, Decimal
from typing import Any

from sqlalchemy import Connection, bindparam, select

from ..api.errors import ApiError, InvalidParameterValue, MissingParameter
from ..api.outbound import SHIPPING_SPEEDS
from ..store.schema import fulfillment_items
from . import ledger
from .context import Context

UNIT_WEIGHT = Decimal("0.5")
WEIGHT_UNIT = "LB"
WEIGHT_METHOD = "Package"
CURRENCY = "USD"
INVENTORY_UNAVAILABLE = "InventoryUnavailable"
INVALID_DESTINATION = "InvalidDestinationAddress"
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
class FeeRates:
    per_order: Decimal
    per_unit: Decimal
    per_pound: Decimal


FEES: dict[str, FeeRates] = {
    "Standard": FeeRates(Decimal("4.75"), Decimal("0.75"), Decimal("0.45")),
    "Expedited": FeeRates(Decimal("5.75"), Decimal("1.50"), Decimal("0.55")),
    "Priority": FeeRates(Decimal("11.75"), Decimal("2.25"), Decimal("0.65")),
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


@dataclass(frozen=True)
class SkuItem:
    id: int
    fnsku: str
    is_active: bool


def items_by_sku(conn: Connection, merchant_id: int, skus: list[str]) -> dict[str, SkuItem]:
    """The merchant's registered items among `skus` (unknown SKUs are absent)."""
    rows = conn.execute(_ITEMS_BY_SKU, {"merchant_id": merchant_id, "skus": sorted(set(skus))})
    return {row.merchant_sku: SkuItem(row.id, row.fnsku, row.is_active) for row in rows}


_ITEMS_BY_SKU = select(fulfillment_items.c.merchant_sku, fulfillment_items.c.id, fulfillment_items.c.fnsku,
                       fulfillment_items.c.is_active).where(
    fulfillment_items.c.merchant_id == bindparam("merchant_id"),
    fulfillment_items.c.merchant_sku.in_(bindparam("skus", expanding=True)))


@dataclass(frozen=True)
class PreviewLine:
    sku: str
    quantity: int
    merchant_order_item_id: str
    reasons: tuple[str, ...] = ()


@dataclass(frozen=True)
class Fee:
    name: str
    amount: Decimal  # in CURRENCY


@dataclass(frozen=True)
class Preview:
    speed: str
    fulfillable: bool
    window: DeliveryWindow | None      # None: no shipment can be planned
    shipped: tuple[PreviewLine, ...]
    unfulfillable: tuple[PreviewLine, ...]
    fees: tuple[Fee, ...]
    weight: Decimal | None             # total shipping weight in WEIGHT_UNIT
    order_reasons: tuple[str, ...]


def get_preview(ctx: Context, *, address: dict[str, Any], items: list[dict[str, Any]],
                speeds: list[str] | None = None) -> list[Preview]:
    """GetFulfillmentPreview: one Preview per requested speed (every speed by default)."""
    skus = [item["MerchantSKU"] for item in items]
    with ctx.db.read() as conn:
        known = items_by_sku(conn, ctx.merchant_id, skus)
        stock = ledger.balances(conn, ctx.merchant_id, [item.id for item in known.values()])
    shipped, unfulfillable = _allocate(items, known, {sku: stock[item.id].available
                                                      for sku, item in known.items()})
    deliverable = address_error(address, "Address") is None
    return [_preview(speed, ctx.now, deliverable, shipped, unfulfillable)
            for speed in dict.fromkeys(speeds or SHIPPING_SPEEDS)]


def _allocate(items: list[dict[str, Any]], known: dict[str, SkuItem],
              available: dict[str, int]) -> tuple[list[PreviewLine], list[PreviewLine]]:
    remaining = dict(available)
    shipped, unfulfillable = [], []
    for item in items:
        sku, quantity = item["MerchantSKU"], item["Quantity"]
        line_id = item["MerchantFulfillmentOrderItemId"]
        registered = known.get(sku)
        if registered is not None and registered.is_active and remaining[sku] >= quantity:
            remaining[sku] -= quantity
            shipped.append(PreviewLine(sku, quantity, line_id))
        else:
            unfulfillable.append(PreviewLine(sku, quantity, line_id, (INVENTORY_UNAVAILABLE,)))
    return shipped, unfulfillable


def _preview(speed: str, now: datetime, deliverable: bool, shipped: list[PreviewLine],
             unfulfillable: list[PreviewLine]) -> Preview:
    if not deliverable:
        return Preview(speed, False, None, (), tuple(unfulfillable), (), None, (INVALID_DESTINATION,))
    units = sum(line.quantity for line in shipped)
    weight = UNIT_WEIGHT * units if units else None
    return Preview(
        speed=speed,
        fulfillable=bool(shipped) and not unfulfillable,
        window=delivery_window(speed, now) if shipped else None,
        shipped=tuple(shipped),
        unfulfillable=tuple(unfulfillable),
        fees=_fees(speed, units, weight) if units else (),
        weight=weight,
        order_reasons=(),
    )


def _fees(speed: str, units: int, weight: Decimal) -> tuple[Fee, ...]:
    rates = FEES[speed]
    pounds = weight.to_integral_value(rounding=ROUND_CEILING)
    cents = Decimal("0.01")
    return (
        Fee("FBAPerOrderFulfillmentFee", rates.per_order.quantize(cents)),
        Fee("FBAPerUnitFulfillmentFee", (rates.per_unit * units).quantize(cents)),
        Fee("FBAWeightBasedFee", (rates.per_pound * pounds).quantize(cents)),
    )
