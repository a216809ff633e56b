"""GetFulfillmentPreview: fulfillability, dates, fees and weight of a would-be order.

Dates and address rules come from `delivery.py`, as an order's do, so a preview and the
order created from it always agree.

Decisions where the spec is silent:
* An item is fulfillable when its SKU is registered, active, and has enough available stock
  (in stock − reserved, summed over every fulfillment center) — the same "available" as the
  inventory service's InStockSupplyQuantity. Items are served in request order; repeated
  SKUs draw on the same stock. Otherwise the item is unfulfillable with
  `InventoryUnavailable` (unknown, inactive or short SKUs alike: the merchant's fix is stock).
* IsFulfillable: the address is deliverable and every item is fulfillable. The fulfillable
  items still form a shipment (useful for FillAllAvailable orders); fees and weight cover
  them only. An undeliverable address gives OrderUnfulfillableReasons
  `InvalidDestinationAddress` and no shipment — a preview never fails on an address — and
  every item is then an unfulfillable item (with InventoryUnavailable too when short).
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

from dataclasses import dataclass
from datetime import datetime
from decimal import ROUND_CEILING, Decimal
from typing import Any

from ..api.outbound import SHIPPING_SPEEDS
from . import ledger, tick
from .catalog import Item, items_by_sku
from .context import Context
from .delivery import DeliveryWindow, address_error, delivery_window
from .order_state import check_line_ids

UNIT_WEIGHT = Decimal("0.5")
WEIGHT_UNIT = "LB"
WEIGHT_METHOD = "Package"
CURRENCY = "USD"
INVENTORY_UNAVAILABLE = "InventoryUnavailable"
INVALID_DESTINATION = "InvalidDestinationAddress"


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
    check_line_ids(items, "Items")
    skus = [item["MerchantSKU"] for item in items]
    tick.apply_backlog(ctx)  # the stock of now, as GetInventorySupply reads it
    with ctx.db.read() as conn:
        known = items_by_sku(conn, ctx.merchant_id, skus)
        stock = ledger.balances(conn, ctx.merchant_id, [item.id for item in known.values()])
    lines = _allocate(items, known, {sku: stock[item.id].available for sku, item in known.items()})
    deliverable = address_error(address, "Address") is None
    return [_preview(speed, ctx.now, deliverable, lines)
            for speed in dict.fromkeys(speeds or SHIPPING_SPEEDS)]


def _allocate(items: list[dict[str, Any]], known: dict[str, Item],
              available: dict[str, int]) -> list[PreviewLine]:
    """Every item, in request order; one the stock cannot serve carries its reason."""
    remaining = dict(available)
    lines = []
    for item in items:
        sku, quantity = item["MerchantSKU"], item["Quantity"]
        line_id = item["MerchantFulfillmentOrderItemId"]
        registered = known.get(sku)
        if registered is not None and registered.is_active and remaining[sku] >= quantity:
            remaining[sku] -= quantity
            lines.append(PreviewLine(sku, quantity, line_id))
        else:
            lines.append(PreviewLine(sku, quantity, line_id, (INVENTORY_UNAVAILABLE,)))
    return lines


def _preview(speed: str, now: datetime, deliverable: bool, lines: list[PreviewLine]) -> Preview:
    if not deliverable:
        # Nothing ships there: every item is unfulfillable, the order's reason says why.
        return Preview(speed, False, None, (), tuple(lines), (), None, (INVALID_DESTINATION,))
    shipped = [line for line in lines if not line.reasons]
    unfulfillable = [line for line in lines if line.reasons]
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
