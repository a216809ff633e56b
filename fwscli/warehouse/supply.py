"""The inventory service: supply of merchant SKUs, read from the ledger's balances.

Decisions where the spec is silent:
* InStockSupplyQuantity is the *available* stock: in stock − reserved, summed over every
  fulfillment center. Reserved units are promised to orders and are no longer supply; this
  is the same figure GetFulfillmentPreview fulfils from.
* TotalSupplyQuantity = InStockSupplyQuantity + inbound (no transfers are modelled).
* A quantity beyond the schema's xs:int (summed over many centers) is reported as its
  largest value, 2147483647.
* EarliestAvailability: absent when the total is 0; `Immediately` when some stock is
  available; otherwise (inbound only) `Unknown`, since inbound shipments carry no arrival date.
* Detailed adds one SupplyDetail per supply type with a non-zero quantity: `InStock`
  (pickable `Immediately`) and `Inbound` (`Unknown` both ways).
* A SKU the merchant never registered is answered with zeros and no FNSKU, ASIN or Condition.
* ListUpdatedInventorySupply lists the SKUs whose balance at any fulfillment center changed
  at or after QueryStartDateTime, by item id (a keyset cursor); a change that committed
  after an earlier listing that did not see it counts as changed at that listing's time
  (store/sequencing.py), so a poller misses none. It and GetInventorySupply
  answer once every warehouse step due by now has been applied.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import exists, select

from ..api.inventory import INVENTORY
from ..store.schema import fulfillment_items, inventory_balances
from ..store.sequencing import settle_changes
from . import ledger, paging, tick
from .context import Context
from .paging import Page

LIST_OPERATION = "ListUpdatedInventorySupply"
_PAGING = INVENTORY.operation(LIST_OPERATION).page_size
_items = fulfillment_items.c


@dataclass(frozen=True)
class Timepoint:
    type: str                    # Immediately | DateTime | Unknown
    at: datetime | None = None   # only with DateTime


IMMEDIATELY = Timepoint("Immediately")
UNKNOWN = Timepoint("Unknown")


@dataclass(frozen=True)
class SupplyDetail:
    supply_type: str             # InStock | Inbound
    quantity: int
    earliest: Timepoint
    latest: Timepoint


@dataclass(frozen=True)
class SkuSupply:
    merchant_sku: str
    fnsku: str | None
    asin: str | None
    condition: str | None
    total: int
    in_stock: int
    earliest_availability: Timepoint | None
    details: tuple[SupplyDetail, ...]


def get_supply(ctx: Context, skus: list[str], *, detailed: bool = False) -> list[SkuSupply]:
    """GetInventorySupply: one supply per requested SKU, in request order."""
    tick.apply_backlog(ctx)  # the supply of now, not of some steps ago
    with ctx.db.read() as conn:
        rows = conn.execute(_select_items(ctx.merchant_id)
                            .where(_items.merchant_sku.in_(set(skus)))).all()
        found = {row.merchant_sku: row for row in rows}
        totals = ledger.balances(conn, ctx.merchant_id, [row.id for row in rows])
    return [_supply(found[sku], totals[found[sku].id], detailed) if sku in found
            else SkuSupply(sku, None, None, None, 0, 0, None, ())
            for sku in skus]


def list_updated_supply(ctx: Context, *, start: datetime, page_size: int | None = None,
                        detailed: bool = False) -> Page:
    """The first page of SKUs whose supply changed at or after `start`."""
    # Larger page sizes are clamped, not refused: Axis asks for 100 of the 50 allowed.
    size = paging.page_size(_PAGING, page_size)
    tick.apply_backlog(ctx)  # a change applied late would carry a time before this answer
    return _page(ctx, {"start": start.isoformat(), "detailed": detailed}, size, after=0)


def list_updated_supply_next(ctx: Context, token: str) -> Page:
    cursor = paging.resume(ctx, LIST_OPERATION, token)
    return _page(ctx, cursor.filters, cursor.page_size, after=cursor.after[0])


def _page(ctx: Context, filters: dict[str, Any], size: int, after: int) -> Page:
    """Rows of a page are `SkuSupply`s."""
    balances = inventory_balances.c
    # visible_at, not updated_at: a change that committed after the last poll is listed
    # although it was made before that poll (store/sequencing.py).
    changed = exists().where(balances.item_id == _items.id,
                             balances.visible_at >= datetime.fromisoformat(filters["start"]))
    query = (_select_items(ctx.merchant_id)
             .where(_items.id > after, changed)
             .order_by(_items.id)
             .limit(size + 1))
    # A write, as orders' listing: it waits for the merchant's writers in flight and makes
    # the next ones stamp their changes no earlier than now (store/sequencing.py).
    with ctx.db.write() as conn:
        settle_changes(conn, ctx.merchant_id, ctx.now)
        page = paging.finish_page(ctx, LIST_OPERATION, filters, size, conn.execute(query).all())
        totals = ledger.balances(conn, ctx.merchant_id, [row.id for row in page.rows])
    supplies = [_supply(row, totals[row.id], filters["detailed"]) for row in page.rows]
    return Page(supplies, page.next_token, page.has_next)


def _select_items(merchant_id: int):
    return (select(_items.id, _items.merchant_sku, _items.fnsku, _items.asin, _items.condition)
            .where(_items.merchant_id == merchant_id))


def _supply(item, balance: ledger.Balance, detailed: bool) -> SkuSupply:
    # Each balance stays within an xs:int (ledger.MOST), their sums over the centers may
    # not: the schema cannot say more than MOST, so that is what is reported.
    in_stock, inbound = min(balance.available, ledger.MOST), min(balance.inbound, ledger.MOST)
    total = min(in_stock + inbound, ledger.MOST)
    earliest = None if total == 0 else IMMEDIATELY if in_stock else UNKNOWN
    details: tuple[SupplyDetail, ...] = ()
    if detailed:
        details = tuple(
            detail for detail in (
                SupplyDetail("InStock", in_stock, IMMEDIATELY, IMMEDIATELY),
                SupplyDetail("Inbound", inbound, UNKNOWN, UNKNOWN),
            ) if detail.quantity > 0
        )
    return SkuSupply(item.merchant_sku, item.fnsku, item.asin, item.condition, total, in_stock,
                     earliest, details)
