"""Operators' stock corrections and the per-center view of a SKU's balances.

An adjustment is one ledger movement (`adjusted_in` / `adjusted_out`) with the operator's
reason, and the request id as its document, so every correction can be traced. Units
reserved for orders cannot be adjusted out: cancel or fail the order's shipment first.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Connection, select

from ..api.errors import InvalidParameterValue
from ..store.schema import inventory_balances
from . import ledger
from .catalog import items_by_sku
from .context import Context

ADJUSTMENT_DOCUMENT = "adjustment"
_b = inventory_balances.c


@dataclass(frozen=True)
class CenterBalance:
    merchant_sku: str
    fulfillment_center_id: str
    disposition: str
    in_stock: int
    inbound: int
    reserved: int

    @property
    def available(self) -> int:
        return self.in_stock - self.reserved


def adjust(ctx: Context, sku: str, center: str, delta: int, reason: str,
           disposition: str = ledger.SELLABLE) -> CenterBalance:
    """Add (`delta` > 0) or remove stock of a SKU at a fulfillment center."""
    if delta == 0:
        raise InvalidParameterValue("Quantity", delta, "an adjustment adds or removes at least one unit")
    if ctx.network.get(center) is None:
        raise InvalidParameterValue("FulfillmentCenterId", center, "no such fulfillment center")
    with ctx.db.write() as conn:
        item_id = _item_id(conn, ctx.merchant_id, sku)
        try:
            ledger.record_movement(conn, merchant_id=ctx.merchant_id, item_id=item_id,
                                   fulfillment_center_id=center, disposition=disposition,
                                   kind="adjusted_in" if delta > 0 else "adjusted_out",
                                   quantity=abs(delta), now=ctx.now, reason=reason,
                                   document_type=ADJUSTMENT_DOCUMENT, document_id=ctx.request_id)
        except ledger.BalanceLimit:
            raise InvalidParameterValue(
                "Quantity", delta, f"{center} would hold more than {ledger.MOST} {disposition} units "
                                   f"of {sku}") from None
        except ledger.InsufficientStock:
            held = _balances(conn, ctx.merchant_id, sku, item_id, center, disposition)
            available = held[0].available if held else 0
            raise InvalidParameterValue(
                "Quantity", delta, f"only {available} {disposition} units are available at {center} "
                                   f"(units reserved for orders cannot be taken out)") from None
        return _balances(conn, ctx.merchant_id, sku, item_id, center, disposition)[0]


def sku_balances(ctx: Context, sku: str) -> list[CenterBalance]:
    """Every balance of a SKU, by fulfillment center and disposition."""
    with ctx.db.read() as conn:
        return _balances(conn, ctx.merchant_id, sku, _item_id(conn, ctx.merchant_id, sku))


def _item_id(conn: Connection, merchant_id: int, sku: str) -> int:
    item = items_by_sku(conn, merchant_id, [sku]).get(sku)
    if item is None:
        raise InvalidParameterValue("MerchantSKU", sku, "it is not a registered SKU of this merchant")
    return item.id


def _balances(conn: Connection, merchant_id: int, sku: str, item_id: int, center: str | None = None,
              disposition: str | None = None) -> list[CenterBalance]:
    query = (select(inventory_balances)
             .where(_b.merchant_id == merchant_id, _b.item_id == item_id)
             .order_by(_b.fulfillment_center_id, _b.disposition))
    if center is not None:
        query = query.where(_b.fulfillment_center_id == center, _b.disposition == disposition)
    return [CenterBalance(sku, row.fulfillment_center_id, row.disposition, row.in_stock, row.inbound,
                          row.reserved)
            for row in conn.execute(query)]
