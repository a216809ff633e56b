"""The catalog: a merchant's items and their FNSKUs (fulfillment network SKUs).

An FNSKU is `X` + 9 random upper-case letters/digits, made once per (merchant, merchant SKU)
and never changed. Registration is idempotent and safe under racing writers: the unique
constraints decide, and a loser re-reads the winner's row (see `_insert_or_get`).

Decisions where the spec is silent:
* Registering an existing SKU keeps its FNSKU, takes the new ASIN and Condition and makes
  the item active again.
* `GetFulfillmentIdentifierForMSKU` of an unknown SKU creates an active item with no ASIN
  (written out as "") and Condition `Unknown`; of a known SKU it changes nothing.
* A SKU repeated within one request counts once: its first occurrence decides.
* Inside one transaction SKUs are written in sorted order, so two requests touching the
  same SKUs lock them in the same order and cannot deadlock on PostgreSQL.
"""

from __future__ import annotations

import secrets
import string
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache

from sqlalchemy import Connection, bindparam, insert, select, update
from sqlalchemy.exc import IntegrityError

from ..api.errors import InvalidParameterValue
from ..api.inbound import UNKNOWN_CONDITION, UNKNOWN_CONDITION_REASON
from ..store.prepared import Prepared
from ..store.schema import fulfillment_items
from ..store.sequencing import begin_create, settle_creates
from .context import Context

_FNSKU_ALPHABET = string.ascii_uppercase + string.digits
_FNSKU_ATTEMPTS = 8


@dataclass(frozen=True)
class Item:
    id: int
    merchant_sku: str
    fnsku: str
    asin: str | None
    condition: str
    is_active: bool


def new_fnsku() -> str:
    return "X" + "".join(secrets.choice(_FNSKU_ALPHABET) for _ in range(9))


def register_items(ctx: Context, merchant_items: list[dict]) -> list[Item]:
    """GetFulfillmentIdentifier: create or update each (ASIN, Condition, MerchantSKU)."""
    wanted: dict[str, dict] = {}
    for n, merchant_item in enumerate(merchant_items, start=1):
        if merchant_item["Condition"] == UNKNOWN_CONDITION:
            raise InvalidParameterValue(f"MerchantItem.{n}.Condition", UNKNOWN_CONDITION,
                                        UNKNOWN_CONDITION_REASON)
        wanted.setdefault(merchant_item["MerchantSKU"], merchant_item)
    registered: dict[str, Item] = {}
    with ctx.db.write() as conn:
        begin_create(conn, ctx.merchant_id)  # before any item's id is drawn: see sequencing
        for sku in sorted(wanted):
            asin, condition = wanted[sku]["ASIN"], wanted[sku]["Condition"]
            fields = {"asin": asin, "condition": condition, "is_active": True}
            item = _insert_or_get(conn, ctx.merchant_id, sku, fields, ctx.now)
            if (item.asin, item.condition, item.is_active) != (asin, condition, True):
                conn.execute(update(fulfillment_items).where(fulfillment_items.c.id == item.id)
                             .values(**fields, updated_at=ctx.now))
                item = Item(item.id, sku, item.fnsku, asin, condition, True)
            registered[sku] = item
    return [registered[sku] for sku in wanted]


def identify_skus(ctx: Context, skus: list[str]) -> list[Item]:
    """GetFulfillmentIdentifierForMSKU: the item of each SKU, created when missing."""
    wanted = list(dict.fromkeys(skus))
    fields = {"asin": None, "condition": UNKNOWN_CONDITION, "is_active": True}
    with ctx.db.write() as conn:
        begin_create(conn, ctx.merchant_id)
        found = {sku: _insert_or_get(conn, ctx.merchant_id, sku, fields, ctx.now)
                 for sku in sorted(wanted)}
    return [found[sku] for sku in wanted]


def items_by_sku(conn: Connection, merchant_id: int, skus: list[str]) -> dict[str, Item]:
    """The merchant's registered items among `skus`, keyed by SKU (unknown ones absent)."""
    wanted = sorted(set(skus))
    rows = _items_by_sku(len(wanted)).execute(
        conn, {"merchant_id": merchant_id, **{f"sku_{n}": sku for n, sku in enumerate(wanted)}})
    return {row.merchant_sku: _item(row) for row in rows}


def sku_of(conn: Connection, item_id: int) -> str:
    """The merchant SKU of an item (for messages about a ledger row, which knows only ids)."""
    return conn.execute(select(fulfillment_items.c.merchant_sku)
                        .where(fulfillment_items.c.id == item_id)).scalar_one()


def get_items_by_sku(ctx: Context, skus: list[str]) -> list[Item]:
    """GetFulfillmentItemByMSKU: known SKUs in request order, each once."""
    wanted = list(dict.fromkeys(skus))
    with ctx.db.read() as conn:
        found = items_by_sku(conn, ctx.merchant_id, wanted)
    return [found[sku] for sku in wanted if sku in found]


def get_items_by_fnsku(ctx: Context, fnskus: list[str]) -> list[Item]:
    """GetFulfillmentItemByFNSKU: this merchant's known FNSKUs in request order, each once."""
    wanted = list(dict.fromkeys(fnskus))
    with ctx.db.read() as conn:
        rows = conn.execute(_select_items(ctx.merchant_id)
                            .where(fulfillment_items.c.fnsku.in_(set(wanted)))).all()
    found = {row.fnsku: _item(row) for row in rows}
    return [found[fnsku] for fnsku in wanted if fnsku in found]


def list_items(ctx: Context, *, include_inactive: bool, after_id: int | None,
               limit: int) -> list[Item]:
    """ListAllFulfillmentItems: up to `limit` items with id > after_id, by id."""
    query = _select_items(ctx.merchant_id).order_by(fulfillment_items.c.id).limit(limit)
    if not include_inactive:
        query = query.where(fulfillment_items.c.is_active.is_(True))
    if after_id is not None:
        query = query.where(fulfillment_items.c.id > after_id)
    with ctx.db.read() as conn:
        settle_creates(conn, ctx.merchant_id)  # no item still being created behind the cursor
        return [_item(row) for row in conn.execute(query)]


def _insert_or_get(conn: Connection, merchant_id: int, sku: str, fields: dict,
                   now: datetime) -> Item:
    """The item of `sku`, inserted with `fields` and a new FNSKU when it does not exist.

    Each insert runs in a savepoint: on a unique violation only the savepoint is rolled
    back. Re-reading then tells the two causes apart: a racing writer registered the SKU
    first (use its row) or the random FNSKU was taken (draw another).
    """
    for _ in range(_FNSKU_ATTEMPTS):
        existing = items_by_sku(conn, merchant_id, [sku]).get(sku)
        if existing is not None:
            return existing
        fnsku = new_fnsku()
        try:
            with conn.begin_nested():
                item_id = conn.execute(
                    insert(fulfillment_items).values(
                        merchant_id=merchant_id, merchant_sku=sku, fnsku=fnsku,
                        created_at=now, updated_at=now, **fields,
                    ).returning(fulfillment_items.c.id)
                ).scalar_one()
        except IntegrityError:
            continue
        return Item(item_id, sku, fnsku, fields["asin"], fields["condition"], fields["is_active"])
    raise RuntimeError(f"could not allocate an FNSKU for {sku!r} in {_FNSKU_ATTEMPTS} attempts")


def _select_items(merchant_id):  # an id, or a bindparam for a statement built once
    return select(
        fulfillment_items.c.id, fulfillment_items.c.merchant_sku, fulfillment_items.c.fnsku,
        fulfillment_items.c.asin, fulfillment_items.c.condition, fulfillment_items.c.is_active,
    ).where(fulfillment_items.c.merchant_id == merchant_id)


@lru_cache(maxsize=64)
def _items_by_sku(count: int) -> Prepared:
    """Built once per number of SKUs (an order names at most 250): every create runs it."""
    return Prepared(_select_items(bindparam("merchant_id")).where(
        fulfillment_items.c.merchant_sku.in_([bindparam(f"sku_{n}") for n in range(count)])))


def _item(row) -> Item:
    return Item(row.id, row.merchant_sku, row.fnsku, row.asin, row.condition, row.is_active)
