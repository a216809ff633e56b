"""The tables, in SQLAlchemy Core. One metadata for SQLite and PostgreSQL.

Invariants live here as constraints (unique ids per merchant, non-negative balances) so that
they hold however many server processes write at once; the code relies on them rather than
on checks made in memory.
"""

from __future__ import annotations

import json
from datetime import datetime, timezone

from sqlalchemy import (
    JSON, BigInteger, Boolean, CheckConstraint, Column, DateTime, Float, ForeignKey, Index,
    Integer, MetaData, Numeric, String, Table, Text, TypeDecorator, UniqueConstraint,
)

# Naming convention so Alembic migrations name constraints the same on every database.
metadata = MetaData(naming_convention={
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
})

# SQLite only makes INTEGER PRIMARY KEY an alias of the rowid (auto-increment);
# PostgreSQL gets a 64-bit identity.
Id = BigInteger().with_variant(Integer(), "sqlite")

class UtcDateTime(TypeDecorator):
    """Aware UTC datetimes in and out, on SQLite (which keeps no zone) as on PostgreSQL."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect) -> datetime | None:
        if value is None:
            return None
        value = value.astimezone(timezone.utc)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=timezone.utc)
        return value.astimezone(timezone.utc)

    # On SQLite, each value in one step instead of two (SQLAlchemy's DATETIME string
    # processing, then the methods above): a listed order has three, and this halves
    # their cost. The text is the one SQLAlchemy writes: microseconds always present,
    # so that stored times compare in SQL as text in time order.
    def bind_processor(self, dialect):
        if dialect.name != "sqlite":
            return super().bind_processor(dialect)
        return _sqlite_text

    def result_processor(self, dialect, coltype):
        if dialect.name != "sqlite":
            return super().result_processor(dialect, coltype)
        return _sqlite_datetime


def _sqlite_text(value: datetime | None) -> str | None:
    if value is None:
        return None
    return value.astimezone(timezone.utc).isoformat(" ", "microseconds")[:26]


def _sqlite_datetime(value: str | None) -> datetime | None:
    if value is None:
        return None
    # The text the store writes has no zone: read as UTC in the parse itself ("Z" gives
    # timezone.utc), at under half the cost of parsing then attaching the zone. Text with
    # a zone of its own fails that parse and is read below.
    try:
        return _from_iso(value + "Z")
    except ValueError:
        pass
    parsed = _from_iso(value)
    if parsed.tzinfo is None:
        # The same as parsed.replace(tzinfo=timezone.utc) at a quarter of its cost (its
        # keyword argument): three per listed order.
        return datetime.combine(parsed.date(), parsed.time(), timezone.utc)
    return parsed.astimezone(timezone.utc)


_from_iso = datetime.fromisoformat


class Json(TypeDecorator):
    """JSON documents, read on SQLite straight through json.loads."""

    impl = JSON
    cache_ok = True

    # SQLAlchemy's SQLite JSON reads each value through two processors of its own before
    # json.loads; a listed order has two documents, and its e-mail list is mostly empty.
    def result_processor(self, dialect, coltype):
        if dialect.name != "sqlite":
            return super().result_processor(dialect, coltype)
        return _sqlite_json


def _sqlite_json(text: str | int | float | None):
    if not isinstance(text, str):
        return text  # NULL, or a bare number, which the column's numeric affinity stores as one
    if text == "[]":
        return []
    # The decoder's C scanner itself: json.loads spends as long again around it (two regex
    # matches for the surrounding whitespace, two calls), and a listed order's address is
    # decoded on every row. What the store wrote has no surrounding whitespace; anything
    # else, and every error, is json.loads's.
    try:
        value, end = _scan_json(text, 0)
    except StopIteration:
        return json.loads(text)
    return value if end == len(text) else json.loads(text)


_scan_json = json.JSONDecoder().scan_once


def _ts(name: str, **kw) -> Column:
    return Column(name, UtcDateTime(), **kw)


settings = Table(
    "settings", metadata,
    Column("name", String(64), primary_key=True),
    Column("value", Text, nullable=False),
)

merchants = Table(
    "merchants", metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("name", String(200), nullable=False),
    _ts("created_at", nullable=False),
    # The latest time a listing of what changed since a time (orders, supply, new inbound
    # shipments) answered at: changes written after it are stamped no earlier (sequencing.py).
    _ts("listed_at", nullable=True),
)

access_keys = Table(
    "access_keys", metadata,
    Column("access_key_id", String(32), primary_key=True),
    Column("secret_access_key", String(64), nullable=False),
    Column("role", String(16), nullable=False),
    # NULL for operator keys: they belong to the warehouse, not to a merchant.
    Column("merchant_id", Id, ForeignKey("merchants.id"), nullable=True, index=True),
    _ts("created_at", nullable=False),
    _ts("revoked_at", nullable=True),
    CheckConstraint("role IN ('merchant', 'operator')", name="role"),
    CheckConstraint("role = 'operator' OR merchant_id IS NOT NULL", name="merchant_key_owner"),
)

fulfillment_items = Table(
    "fulfillment_items", metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("merchant_id", Id, ForeignKey("merchants.id"), nullable=False),
    Column("merchant_sku", String(40), nullable=False),
    Column("fnsku", String(10), nullable=False, unique=True),
    Column("asin", String(10), nullable=True),
    Column("condition", String(32), nullable=False),
    Column("is_active", Boolean, nullable=False),
    _ts("created_at", nullable=False),
    _ts("updated_at", nullable=False),
    UniqueConstraint("merchant_id", "merchant_sku"),
    # Keyset pages (merchant, id > cursor, ORDER BY id) walk this instead of sorting.
    Index("ix_fulfillment_items_merchant_id_id", "merchant_id", "id"),
)

inbound_shipments = Table(
    "inbound_shipments", metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("merchant_id", Id, ForeignKey("merchants.id"), nullable=False),
    Column("shipment_id", String(40), nullable=False),
    Column("shipment_name", String(200), nullable=False),
    Column("status", String(16), nullable=False),
    Column("destination_fc", String(8), nullable=False),
    Column("ship_from_address", Json, nullable=False),
    Column("label_prep_preference", String(32), nullable=True),
    _ts("created_at", nullable=False),
    _ts("updated_at", nullable=False),
    _ts("status_updated_at", nullable=False),
    # When the warehouse simulation next moves this shipment on by itself (NULL: never).
    _ts("due_at", nullable=True),
    # created_at as pollers see it (as fulfillment_orders.visible_at): what CreatedAfter filters.
    _ts("visible_at", nullable=True),
    UniqueConstraint("merchant_id", "shipment_id"),
    Index("ix_inbound_shipments_due_at", "due_at"),
    Index("ix_inbound_shipments_merchant_id_id", "merchant_id", "id"),
)

inbound_shipment_items = Table(
    "inbound_shipment_items", metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("shipment_pk", Id, ForeignKey("inbound_shipments.id", ondelete="CASCADE"), nullable=False),
    Column("item_id", Id, ForeignKey("fulfillment_items.id"), nullable=False),
    Column("quantity_shipped", Integer, nullable=False),
    Column("quantity_received", Integer, nullable=False, default=0),
    UniqueConstraint("shipment_pk", "item_id"),
    Index("ix_inbound_shipment_items_shipment_pk_id", "shipment_pk", "id"),
    CheckConstraint("quantity_shipped >= 0", name="quantity_shipped"),
    CheckConstraint("quantity_received >= 0", name="quantity_received"),
    # The only rows the service deletes: AUTOINCREMENT keeps SQLite from giving a deleted
    # line's id to a new one, which a paging token past it would skip (migration 0006).
    sqlite_autoincrement=True,
)

fulfillment_orders = Table(
    "fulfillment_orders", metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("merchant_id", Id, ForeignKey("merchants.id"), nullable=False),
    Column("merchant_order_id", String(40), nullable=False),
    Column("displayable_order_id", String(40), nullable=False),
    _ts("displayable_order_datetime", nullable=False),
    # The merchant's UTC offset of that date, in minutes, so that it reads back as sent
    # (it is printed on the packing slip); NULL for orders stored before fws kept it (0005).
    Column("displayable_order_utc_offset", Integer, nullable=True),
    Column("displayable_order_comment", Text, nullable=False),
    Column("shipping_speed", String(16), nullable=False),
    Column("destination_address", Json, nullable=False),
    Column("fulfillment_policy", String(20), nullable=False),
    Column("fulfillment_method", String(16), nullable=False),
    Column("notification_emails", Json, nullable=False),
    Column("status", String(20), nullable=False),
    # sha256 of the normalised create request: a repeated create compares this to decide
    # between "same order again" (success) and "id already used" (error).
    Column("request_fingerprint", String(64), nullable=False),
    _ts("received_at", nullable=False),
    _ts("status_updated_at", nullable=False),
    # When the warehouse next moves this order on by itself (NULL: waits for an operator).
    _ts("due_at", nullable=True),
    # The status change as pollers see it: status_updated_at, or the time of a listing that
    # could not see the change if later (store/sequencing.py); what listings filter by.
    _ts("visible_at", nullable=True),
    UniqueConstraint("merchant_id", "merchant_order_id"),
    Index("ix_fulfillment_orders_merchant_visible", "merchant_id", "visible_at"),
    Index("ix_fulfillment_orders_due_at", "due_at"),
    Index("ix_fulfillment_orders_merchant_id_id", "merchant_id", "id"),
)

fulfillment_order_items = Table(
    "fulfillment_order_items", metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("order_pk", Id, ForeignKey("fulfillment_orders.id", ondelete="CASCADE"), nullable=False),
    Column("item_id", Id, ForeignKey("fulfillment_items.id"), nullable=False),
    Column("merchant_order_item_id", String(80), nullable=False),
    Column("quantity", Integer, nullable=False),
    Column("gift_message", String(512), nullable=True),
    Column("displayable_comment", String(250), nullable=True),
    Column("order_item_disposition", String(16), nullable=True),
    Column("declared_value_currency", String(3), nullable=True),
    Column("declared_value_amount", Numeric(18, 2), nullable=True),
    Column("cancelled_quantity", Integer, nullable=False, default=0),
    Column("unfulfillable_quantity", Integer, nullable=False, default=0),
    _ts("estimated_ship_at", nullable=True),
    _ts("estimated_arrival_at", nullable=True),
    UniqueConstraint("order_pk", "merchant_order_item_id"),
    CheckConstraint("quantity > 0", name="quantity"),
)

fulfillment_shipments = Table(
    "fulfillment_shipments", metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("order_pk", Id, ForeignKey("fulfillment_orders.id", ondelete="CASCADE"), nullable=False, index=True),
    Column("amazon_shipment_id", String(40), nullable=False, unique=True),
    Column("fulfillment_center_id", String(8), nullable=False),
    Column("status", String(24), nullable=False),
    _ts("shipping_at", nullable=True),
    _ts("estimated_arrival_at", nullable=True),
    _ts("created_at", nullable=False),
)

fulfillment_shipment_items = Table(
    "fulfillment_shipment_items", metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("shipment_pk", Id, ForeignKey("fulfillment_shipments.id", ondelete="CASCADE"), nullable=False, index=True),
    Column("order_item_pk", Id, ForeignKey("fulfillment_order_items.id"), nullable=False),
    Column("quantity", Integer, nullable=False),
    Column("package_number", Integer, nullable=True),
)

fulfillment_shipment_packages = Table(
    "fulfillment_shipment_packages", metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("shipment_pk", Id, ForeignKey("fulfillment_shipments.id", ondelete="CASCADE"), nullable=False),
    Column("package_number", Integer, nullable=False),
    Column("carrier_code", String(40), nullable=False),
    Column("tracking_number", String(80), nullable=True),
    _ts("estimated_arrival_at", nullable=True),
    UniqueConstraint("shipment_pk", "package_number"),
)

# The ledger: every change of stock is a movement; balances are its running sums per
# merchant item, fulfillment center and disposition (Sellable stock is what orders draw on;
# Unsellable stock only leaves by Removal), updated in the same transaction as the movement.
inventory_movements = Table(
    "inventory_movements", metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("merchant_id", Id, ForeignKey("merchants.id"), nullable=False),
    Column("item_id", Id, ForeignKey("fulfillment_items.id"), nullable=False),
    Column("fulfillment_center_id", String(8), nullable=False),
    Column("disposition", String(16), nullable=False, server_default="Sellable"),
    Column("kind", String(24), nullable=False),
    Column("quantity", Integer, nullable=False),
    Column("reason", String(200), nullable=True),
    Column("document_type", String(32), nullable=True),
    Column("document_id", String(80), nullable=True),
    _ts("created_at", nullable=False),
    Index("ix_inventory_movements_item", "item_id", "fulfillment_center_id"),
    # What a document (an order) still holds is summed from its movements.
    Index("ix_inventory_movements_document", "merchant_id", "document_type", "document_id"),
)

inventory_balances = Table(
    "inventory_balances", metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("merchant_id", Id, ForeignKey("merchants.id"), nullable=False),
    Column("item_id", Id, ForeignKey("fulfillment_items.id"), nullable=False),
    Column("fulfillment_center_id", String(8), nullable=False),
    Column("disposition", String(16), nullable=False, server_default="Sellable"),
    Column("in_stock", Integer, nullable=False, default=0),
    Column("inbound", Integer, nullable=False, default=0),
    Column("reserved", Integer, nullable=False, default=0),
    _ts("updated_at", nullable=False),
    # updated_at as pollers see it (as fulfillment_orders.visible_at): what listings filter by.
    _ts("visible_at", nullable=True),
    UniqueConstraint("item_id", "fulfillment_center_id", "disposition"),
    Index("ix_inventory_balances_merchant_updated", "merchant_id", "updated_at"),
    CheckConstraint("in_stock >= 0", name="in_stock"),
    CheckConstraint("inbound >= 0", name="inbound"),
    CheckConstraint("reserved >= 0 AND reserved <= in_stock", name="reserved"),
)

# Units that arrived on an inbound shipment that no longer expected them (Cancelled or
# Error): set aside for the merchant to sort out, never put into stock, never lost.
problem_receives = Table(
    "problem_receives", metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("merchant_id", Id, ForeignKey("merchants.id"), nullable=False),
    Column("shipment_pk", Id, ForeignKey("inbound_shipments.id", ondelete="CASCADE"), nullable=False, index=True),
    Column("item_id", Id, ForeignKey("fulfillment_items.id"), nullable=False),
    Column("quantity", Integer, nullable=False),
    Column("reason", String(200), nullable=False),
    _ts("received_at", nullable=False),
    CheckConstraint("quantity > 0", name="quantity"),
)

# Token buckets for throttling, one per caller and operation class, shared by every server
# process. A bucket is stored as the moment it will be full again (epoch seconds): the
# tokens at any time follow from it, so taking one is a single conditional upsert.
throttle_buckets = Table(
    "throttle_buckets", metadata,
    Column("subject", String(48), primary_key=True),
    Column("operation_class", String(16), primary_key=True),
    Column("full_at", Float(precision=53), nullable=False),
)
