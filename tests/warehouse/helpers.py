"""Test helpers for the warehouse: register items directly in `fulfillment_items` and put
stock on them through the ledger, without going through the catalog service."""

from __future__ import annotations

import itertools
from datetime import datetime

from sqlalchemy import insert

from fwscli.store.database import Database
from fwscli.store.schema import fulfillment_items
from fwscli.warehouse import ledger

from ..conftest import NOW

_fnsku_numbers = itertools.count(1)


def register_item(db: Database, merchant_id: int, sku: str, *, active: bool = True,
                  asin: str | None = "B000000001", condition: str = "NewItem",
                  now: datetime = NOW) -> tuple[int, str]:
    """Insert an item for `merchant_id`; returns (item id, FNSKU)."""
    fnsku = f"XT{next(_fnsku_numbers):08d}"
    with db.write() as conn:
        item_id = conn.execute(
            insert(fulfillment_items).values(
                merchant_id=merchant_id, merchant_sku=sku, fnsku=fnsku, asin=asin,
                condition=condition, is_active=active, created_at=now, updated_at=now,
            ).returning(fulfillment_items.c.id)
        ).scalar_one()
    return item_id, fnsku


def add_stock(db: Database, merchant_id: int, item_id: int, quantity: int, *,
              center: str = "PHL1", kind: str = "adjusted_in", now: datetime = NOW) -> None:
    with db.write() as conn:
        ledger.record_movement(conn, merchant_id=merchant_id, item_id=item_id,
                               fulfillment_center_id=center, kind=kind, quantity=quantity,
                               now=now)
