"""Fulfillment orders: create (validated, idempotent), cancel, get and list.

Decisions where the spec is silent:
* A repeated CreateFulfillmentOrder is compared by a sha256 fingerprint of the normalised
  request (defaults filled in, FulfillmentNetworkSKU dropped — it is fixed by the SKU —,
  items ordered by their MerchantFulfillmentOrderItemId, e-mails as a set, declared values
  to the cent). Same fingerprint: success, nothing changes; otherwise the id is in use.
* DisplayableOrderDateTime is the merchant's date for the packing slip: it is kept as the
  instant (UTC) and the offset it was sent in, and reads back in that offset. The offset
  counts in the fingerprint when it is not UTC (a UTC date's fingerprint is what it was
  before offsets were kept); an order stored before then (no offset kept: it reads back in
  UTC) is repeated by the same instant in any offset, as it was.
* The lines of one SKU may not add up past xs:int (the type of every quantity), as on the
  inbound side: InvalidParameterValue on the line's Quantity that goes past it.
* A missing City (outside JP) or US PostalCode is MissingParameter on
  `DestinationAddress.<field>`; every other fault is InvalidParameterValue naming the
  member (`DestinationAddress.PostalCode`, `Item.N.MerchantSKU`, ...) and the value.
* An order is created `Received` and planned (`planning.py`) after the simulation's `plan`
  delay: by the warehouse tick, or at once in the create's own transaction when the delay
  is zero (the default) — the same step at the same simulated time, without a second
  transaction re-reading what the create just wrote, once every step due by then is
  applied. The rest of its lifecycle is in `shipping.py`.
* Cancelling: Pending shipments become CancelledByMerchant, every unshipped unit is
  cancelled and its reservation released. The order ends `Cancelled`, or
  `CompletePartialled` when some units had already shipped. Cancelling a Cancelled or
  CompletePartialled order again is a harmless no-op (so retries are safe); a Complete,
  Unfulfillable or Invalid order, or one with nothing left unshipped, cannot be cancelled.
  CancelledQuantity = Quantity − shipped − UnfulfillableQuantity.
* Reservations for an order are ledger movements with document ORDER_DOCUMENT and the
  MerchantFulfillmentOrderId.
* ListAllFulfillmentOrders answers once every warehouse step due by now has been applied. An
  order whose status change committed after an earlier listing that did not see it counts
  as changed at that listing's time (`visible_at`, store/sequencing.py): a poller from then
  misses none. StatusUpdatedDateTime stays when the status changed.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from decimal import Decimal
from functools import lru_cache
from typing import Any, NamedTuple

from sqlalchemy import Connection, bindparam, exists, func, insert, or_, select, update
from sqlalchemy.exc import IntegrityError

from ..api.emails import NOT_AN_EMAIL, is_email
from ..api.errors import InvalidParameterValue
from ..api.outbound import OUTBOUND
from ..api.quantities import sku_total_problem
from ..store.schema import (
    UtcDateTime, fulfillment_items, fulfillment_order_items, fulfillment_orders, fulfillment_shipment_items,
    fulfillment_shipment_packages, fulfillment_shipments,
)
from ..store.prepared import Prepared
from ..store.sequencing import begin_create, settle_changes, stamp
from . import ledger, paging, planning, tick
from .context import Context
from .order_state import (
    ORDER_DOCUMENT, Line, check_line_ids, estimate_from_shipments, not_found, settle, state_of,
)
from .paging import Page
from .catalog import items_by_sku
from .delivery import DeliveryWindow, address_error, delivery_window

IN_PROGRESS_STATUSES = ("New", "Received", "Planning", "Processing")
TERMINAL_STATUSES = ("Cancelled", "Complete", "CompletePartialled", "Unfulfillable", "Invalid")
DEFAULT_POLICY = "FillOrKill"
DEFAULT_METHOD = "Consumer"
DEFAULT_DISPOSITION = "Sellable"
DEFAULT_LOOKBACK = timedelta(hours=72)
LIST_OPERATION = "ListAllFulfillmentOrders"
_PAGING = OUTBOUND.operation(LIST_OPERATION).page_size
_CURRENCY = re.compile(r"[A-Z]{3}")
_CENT = Decimal("0.01")
_MINUTE = timedelta(minutes=1)
_MAX_DECLARED_VALUE = Decimal("1e12")

_orders = fulfillment_orders.c
_lines = fulfillment_order_items.c


# --- what the reads return ----------------------------------------------------------------

class Order(NamedTuple):
    """A named tuple, not a frozen dataclass like the others: a listing makes one per row,
    and a tuple is made from the row's values in one step, where a dataclass's __init__
    sets its twelve fields one by one through object.__setattr__."""

    merchant_order_id: str
    displayable_order_id: str
    displayable_order_datetime: datetime  # in the merchant's offset, as it was sent
    displayable_order_comment: str
    shipping_speed: str
    destination_address: dict[str, Any]
    fulfillment_policy: str
    fulfillment_method: str
    received_at: datetime
    status: str
    status_updated_at: datetime
    notification_emails: tuple[str, ...]


@dataclass(frozen=True)
class OrderItem:
    merchant_sku: str
    merchant_order_item_id: str
    quantity: int
    gift_message: str | None
    displayable_comment: str | None
    fnsku: str
    disposition: str | None
    cancelled_quantity: int
    unfulfillable_quantity: int
    estimated_ship_at: datetime | None
    estimated_arrival_at: datetime | None
    declared_value: tuple[str, Decimal] | None  # (currency code, amount)


@dataclass(frozen=True)
class ShipmentItem:
    merchant_sku: str
    merchant_order_item_id: str
    quantity: int
    package_number: int | None


@dataclass(frozen=True)
class Package:
    package_number: int
    carrier_code: str
    tracking_number: str | None
    estimated_arrival_at: datetime | None


@dataclass(frozen=True)
class Shipment:
    amazon_shipment_id: str
    fulfillment_center_id: str
    status: str
    shipping_at: datetime | None
    estimated_arrival_at: datetime | None
    items: tuple[ShipmentItem, ...]
    packages: tuple[Package, ...]


@dataclass(frozen=True)
class OrderDetail:
    order: Order
    items: tuple[OrderItem, ...]
    shipments: tuple[Shipment, ...]


# --- CreateFulfillmentOrder ---------------------------------------------------------------

def create_order(ctx: Context, request: dict[str, Any]) -> None:
    """Validate and store a new order, received (and planned, when the plan delay is zero);
    a repeat of it is a no-op."""
    order, lines = _normalised(request)
    fingerprint = _fingerprint(order, lines)
    window = delivery_window(order["shipping_speed"], ctx.now)
    # The SKUs are read before the write transaction, which on SQLite holds the one
    # writer's lock: items are never deleted, so the create is simply ordered before any
    # change to them that commits meanwhile.
    with ctx.db.read_autocommit() as conn:
        try:
            items = _resolve_items(conn, ctx.merchant_id, request["Item"], order["fulfillment_method"])
        except InvalidParameterValue:
            if _is_repeat(conn, ctx.merchant_id, order, lines, fingerprint):
                return  # a repeat stays a success after its SKU changed
            raise
    rows = _rows(ctx, order, lines, items, window, fingerprint)
    if ctx.simulation.system("plan", ctx.now) <= ctx.now:
        # Planned at once, on the stock of now: a FillOrKill order planned on the stock of
        # some steps ago (units received by now missing) is Unfulfillable for good.
        tick.apply_backlog(ctx)

    def insert(conn: Connection) -> None:
        begin_create(conn, ctx.merchant_id)  # before the order's id is drawn: see sequencing
        _insert(conn, ctx, rows)

    try:
        ctx.db.write_grouped(insert)
    except IntegrityError:
        # The id exists (a repeat, or a concurrent create that committed first): the unique
        # constraint decided, and nothing of this attempt was written. Inserting first and
        # asking afterwards saves new orders, the common case, a query.
        with ctx.db.read_autocommit() as conn:
            repeat = _is_repeat(conn, ctx.merchant_id, order, lines, fingerprint)
        if not repeat:
            raise


def _normalised(request: dict[str, Any]) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """The order and its lines as stored, after the rules that need no database."""
    problem = address_error(request["DestinationAddress"], "DestinationAddress")
    if problem is not None:
        raise problem
    emails = list(dict.fromkeys(request.get("NotificationEmailList", [])))
    for n, email in enumerate(request.get("NotificationEmailList", []), start=1):
        if not is_email(email):
            raise InvalidParameterValue(f"NotificationEmailList.{n}", email, NOT_AN_EMAIL)
    method = request.get("FulfillmentMethod", DEFAULT_METHOD)
    order_date = request["DisplayableOrderDateTime"]  # in the merchant's offset (Scalar.zoned)
    order = {
        "merchant_order_id": request["MerchantFulfillmentOrderId"],
        "displayable_order_id": request["DisplayableOrderId"],
        "displayable_order_datetime": order_date,
        "displayable_order_utc_offset": order_date.utcoffset() // _MINUTE,
        "displayable_order_comment": request["DisplayableOrderComment"],
        "shipping_speed": request["ShippingSpeedCategory"],
        "destination_address": {name: value for name, value in request["DestinationAddress"].items()
                                if value is not None},
        "fulfillment_policy": request.get("FulfillmentPolicy", DEFAULT_POLICY),
        "fulfillment_method": method,
        "notification_emails": emails,
    }
    check_line_ids(request["Item"], "Item")
    lines = []
    units: dict[str, int] = {}
    for n, item in enumerate(request["Item"], start=1):
        sku = item["MerchantSKU"]
        units[sku] = units.get(sku, 0) + item["Quantity"]
        too_many = sku_total_problem(sku, units[sku])
        if too_many is not None:
            raise InvalidParameterValue(f"Item.{n}.Quantity", item["Quantity"], too_many)
        disposition = item.get("OrderItemDisposition", DEFAULT_DISPOSITION)
        if disposition == "Unsellable" and method != "Removal":
            raise InvalidParameterValue(f"Item.{n}.OrderItemDisposition", disposition,
                                        "Unsellable is allowed only in Removal orders")
        currency, amount = _declared_value(item.get("PerUnitDeclaredValue"), n)
        lines.append({
            "merchant_sku": item["MerchantSKU"],
            "merchant_order_item_id": item["MerchantFulfillmentOrderItemId"],
            "quantity": item["Quantity"],
            "gift_message": item.get("GiftMessage"),
            "displayable_comment": item.get("DisplayableComment"),
            "order_item_disposition": disposition,
            "declared_value_currency": currency,
            "declared_value_amount": amount,
        })
    return order, lines


def _declared_value(value: dict[str, Any] | None, n: int) -> tuple[str | None, Decimal | None]:
    if value is None:
        return None, None
    currency, amount = value["CurrencyCode"], value["Value"]
    if not _CURRENCY.fullmatch(currency):
        raise InvalidParameterValue(f"Item.{n}.PerUnitDeclaredValue.CurrencyCode", currency,
                                    "it must be three upper-case letters (ISO 4217)")
    if not Decimal(0) <= amount < _MAX_DECLARED_VALUE or amount != amount.quantize(_CENT):
        raise InvalidParameterValue(f"Item.{n}.PerUnitDeclaredValue.Value", amount,
                                    "it must be an amount of at least 0 with at most two decimals")
    return currency, amount.quantize(_CENT)


def _fingerprint(order: dict[str, Any], lines: list[dict[str, Any]], *, with_offset: bool = True) -> str:
    """The request's fingerprint; `with_offset=False`: as fws made it before it kept the
    order date's offset (the date as its UTC instant alone)."""
    canonical = {
        **order,
        "displayable_order_datetime": order["displayable_order_datetime"].astimezone(timezone.utc).isoformat(),
        "notification_emails": sorted(order["notification_emails"]),
        "items": sorted(lines, key=lambda line: line["merchant_order_item_id"]),
    }
    if not (with_offset and canonical["displayable_order_utc_offset"]):
        del canonical["displayable_order_utc_offset"]  # UTC: the fingerprint it always had
    text = json.dumps(canonical, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(text.encode()).hexdigest()


def _is_repeat(conn: Connection, merchant_id: int, order: dict[str, Any], lines: list[dict[str, Any]],
               fingerprint: str) -> bool:
    """True when this very order exists already; an error when the id holds another one."""
    order_id = order["merchant_order_id"]
    stored = _FINGERPRINT.execute(conn, {"merchant_id": merchant_id, "order_id": order_id}).first()
    if stored is None:
        return False
    if stored.request_fingerprint != fingerprint and not (
            # Stored before offsets were kept: fingerprinted by the instant alone.
            stored.displayable_order_utc_offset is None
            and stored.request_fingerprint == _fingerprint(order, lines, with_offset=False)):
        raise InvalidParameterValue("MerchantFulfillmentOrderId", order_id,
                                    "the id is already used by a different order")
    return True


def _resolve_items(conn: Connection, merchant_id: int, items: list[dict[str, Any]],
                   method: str) -> list[int]:
    """The fulfillment item id of each order item, checking SKUs (and Removal FNSKUs)."""
    known = items_by_sku(conn, merchant_id, [item["MerchantSKU"] for item in items])
    ids = []
    for n, item in enumerate(items, start=1):
        sku = item["MerchantSKU"]
        found = known.get(sku)
        if found is None:
            raise InvalidParameterValue(f"Item.{n}.MerchantSKU", sku,
                                        "it is not a registered SKU of this merchant")
        if not found.is_active:
            raise InvalidParameterValue(f"Item.{n}.MerchantSKU", sku,
                                        "the item is not active for fulfillment")
        fnsku = item.get("FulfillmentNetworkSKU")
        # Only Removal orders name the FNSKU to take back; elsewhere it is ignored.
        if method == "Removal" and fnsku is not None and fnsku != found.fnsku:
            raise InvalidParameterValue(f"Item.{n}.FulfillmentNetworkSKU", fnsku,
                                        f"it is not the FNSKU of MerchantSKU {sku}")
        ids.append(found.id)
    return ids


@dataclass(frozen=True)
class _NewOrder:
    """What planning reads of an order, for one whose rows are not written yet."""

    merchant_id: int
    merchant_order_id: str
    fulfillment_policy: str
    status: str = "Received"


@dataclass(frozen=True)
class _Rows:
    """A new order's rows as the driver takes them, less what planning decides: made
    before the write transaction, so that the writers' lock is held for the writing alone."""

    order: _NewOrder
    lines: list[Line]  # until the rows exist, a line's id is its position in the order
    order_row: dict[str, Any]  # all but the state columns (`state_of`'s)
    lines_row: dict[str, Any]  # every line's columns in one row of `_insert_lines`, but order_pk


def _rows(ctx: Context, order: dict[str, Any], lines: list[dict[str, Any]], item_ids: list[int],
          window: DeliveryWindow, fingerprint: str) -> _Rows:
    dialect = ctx.db.engine.dialect
    order_row = _INSERT_ORDER.bind(dialect, {
        **order, "merchant_id": ctx.merchant_id, "request_fingerprint": fingerprint,
        "received_at": ctx.now,
    })
    line_columns = [
        {key: value for key, value in line.items() if key != "merchant_sku"} | {
            "item_id": item_id, "cancelled_quantity": 0, "unfulfillable_quantity": 0,
            "estimated_ship_at": window.latest_ship, "estimated_arrival_at": window.latest_arrival}
        for line, item_id in zip(lines, item_ids)
    ]
    lines_row = _insert_lines(len(lines)).bind(dialect, {
        f"{key}_{n}": value for n, columns in enumerate(line_columns) for key, value in columns.items()})
    new_lines = [Line(id=n, item_id=item_id, disposition=line["order_item_disposition"],
                      quantity=line["quantity"], cancelled=0, unfulfillable=0, shipped=0, pending=0)
                 for n, (line, item_id) in enumerate(zip(lines, item_ids))]
    new_order = _NewOrder(ctx.merchant_id, order["merchant_order_id"], order["fulfillment_policy"])
    return _Rows(new_order, new_lines, order_row, lines_row)


def _insert(conn: Connection, ctx: Context, rows: _Rows) -> None:
    """Write the order and its lines; IntegrityError when the merchant already has an order
    of this id. When planning is due at once it runs first, so that the rows are written
    once, as planned (the transaction undoes its reservations if the insert then fails)."""
    plan_at = ctx.simulation.system("plan", ctx.now)
    state: dict[str, Any] = {"status": "Received", "due_at": plan_at}
    unfulfillable: dict[int, int] = {}
    if plan_at <= ctx.now:
        reservation = planning.reserve(conn, rows.order, ctx.now, rows.lines, holding={})
        state = state_of(conn, rows.order, ctx.now, ctx.simulation,
                         order_lines=reservation.applied_to(rows.lines), held_units=reservation.reserved)
        unfulfillable = reservation.unfulfillable
    dialect = conn.dialect
    state["status_updated_at"] = ctx.now
    state["visible_from"] = ctx.now  # under begin_create's lock: see sequencing
    state["stamp_merchant_id"] = ctx.merchant_id
    order_pk = _INSERT_ORDER.execute(conn, {**rows.order_row, **_INSERT_ORDER.bind(dialect, state)},
                                     bound=True).scalar_one()
    insert_lines = _insert_lines(len(rows.lines))
    insert_lines.execute(conn, {
        **rows.lines_row,
        **insert_lines.bind(dialect, {"order_pk": order_pk, **{
            f"unfulfillable_quantity_{n}": units for n, units in unfulfillable.items() if units}}),
    }, bound=True)


# CreateFulfillmentOrder's statements, built once, at first use (as GetFulfillmentOrder's
# below): a listing imports this module and runs none of them.
_FINGERPRINT = Prepared(lambda: select(_orders.request_fingerprint, _orders.displayable_order_utc_offset).where(
    _orders.merchant_id == bindparam("merchant_id"), _orders.merchant_order_id == bindparam("order_id")))
_INSERT_ORDER = Prepared(lambda: insert(fulfillment_orders).values(
    visible_at=stamp(bindparam("visible_from", type_=UtcDateTime()), bindparam("stamp_merchant_id")),
).returning(_orders.id))
_LINE_COLUMNS = [column for column in fulfillment_order_items.c if column.key != "id"]


@lru_cache(maxsize=None)  # an order has at most 250 lines
def _insert_lines(count: int) -> Prepared:
    """One INSERT of an order's `count` lines (parameters `<column>_<n>`, and one order_pk):
    one statement in the writers' lock however many lines the order has."""
    return Prepared(insert(fulfillment_order_items).values([
        {column.key: bindparam("order_pk" if column.key == "order_pk" else f"{column.key}_{n}",
                               type_=column.type)
         for column in _LINE_COLUMNS}
        for n in range(count)
    ]))


# --- CancelFulfillmentOrder ---------------------------------------------------------------

def cancel_order(ctx: Context, order_id: str) -> None:
    """Stop everything of the order that has not shipped, releasing its reservations."""
    with ctx.db.write() as conn:
        order = tick.lock_current_order(conn, ctx, order_id)
        if order.status in ("Cancelled", "CompletePartialled"):
            return
        if order.status in TERMINAL_STATUSES:
            raise InvalidParameterValue("MerchantFulfillmentOrderId", order_id,
                                        f"the order is {order.status} and can no longer be cancelled")
        lines = conn.execute(
            select(_lines.id, _lines.quantity, _lines.unfulfillable_quantity)
            .where(_lines.order_pk == order.id)
        ).all()
        shipped = _shipped_quantities(conn, order.id)
        cancelled = {line.id: max(0, line.quantity - shipped.get(line.id, 0) - line.unfulfillable_quantity)
                     for line in lines}
        if shipped and not any(cancelled.values()):
            raise InvalidParameterValue("MerchantFulfillmentOrderId", order_id,
                                        "nothing of the order is left to cancel: it has shipped")
        for line_id, quantity in cancelled.items():
            conn.execute(update(fulfillment_order_items).where(_lines.id == line_id)
                         .values(cancelled_quantity=quantity))
        conn.execute(
            update(fulfillment_shipments)
            .where(fulfillment_shipments.c.order_pk == order.id,
                   fulfillment_shipments.c.status == "Pending")
            # A cancelled shipment has neither a departure nor an arrival date (spec §6.2).
            .values(status="CancelledByMerchant", shipping_at=None, estimated_arrival_at=None)
        )
        estimate_from_shipments(conn, order.id)
        ledger.release_document(conn, merchant_id=ctx.merchant_id, document_type=ORDER_DOCUMENT,
                                document_id=order_id, now=ctx.now, reason="order cancelled")
        settle(conn, order, ctx.now, ctx.simulation)


def _shipped_quantities(conn: Connection, order_pk: int) -> dict[int, int]:
    """Units of each order line in shipments that have left the fulfillment center."""
    shipment_items = fulfillment_shipment_items.c
    rows = conn.execute(
        select(shipment_items.order_item_pk, func.sum(shipment_items.quantity))
        .join(fulfillment_shipments, fulfillment_shipments.c.id == shipment_items.shipment_pk)
        .where(fulfillment_shipments.c.order_pk == order_pk,
               fulfillment_shipments.c.status == "Shipped")
        .group_by(shipment_items.order_item_pk)
    )
    return {line_id: int(quantity) for line_id, quantity in rows if quantity}


# --- GetFulfillmentOrder ------------------------------------------------------------------

def get_order(ctx: Context, order_id: str) -> OrderDetail:
    """One order of this merchant with its items, shipments and packages, as of one moment:
    now, once its own due steps are applied (`tick.lock_current_order`)."""
    keys = {"merchant_id": ctx.merchant_id, "order_id": order_id}
    with ctx.db.snapshot() as conn:
        rows = _ORDER_WITH_ITEMS.execute(conn, keys).all()
        if not (rows and tick.is_due(rows[0], ctx.now)):
            return _detail(conn, order_id, rows)
    with ctx.db.write() as conn:
        tick.lock_current_order(conn, ctx, order_id)
        return _detail(conn, order_id, _ORDER_WITH_ITEMS.execute(conn, keys).all())


def _detail(conn: Connection, order_id: str, rows: list) -> OrderDetail:
    """The order of `rows` (`_ORDER_WITH_ITEMS`'s) with its shipments."""
    if not rows:
        raise not_found(order_id)
    order = rows[0]
    return OrderDetail(_order(order), tuple(_order_item(row) for row in rows if row.line_id is not None),
                       _shipments(conn, order.id) if order.has_shipments else ())


# GetFulfillmentOrder's statements, built once: building them per request cost more than
# running them.
# Whether the order has shipments comes with its row: an order that has none yet (most of
# those in progress) is read in two statements, not three.
# The order and its items come in one statement, a row per item (the order's columns
# repeated: an order has a few items), the item columns prefixed `line_`.
# visible_at is the listings' alone: not read (nor converted) here.
_ORDER_WITH_ITEMS = Prepared(lambda:
    select(
        *(column for column in fulfillment_orders.c if column.key != "visible_at"),
        exists().where(fulfillment_shipments.c.order_pk == _orders.id).label("has_shipments"),
        *(column.label(f"line_{column.key}") for column in fulfillment_order_items.c),
        fulfillment_items.c.merchant_sku.label("line_merchant_sku"), fulfillment_items.c.fnsku.label("line_fnsku"),
    )
    .select_from(fulfillment_orders
                 .outerjoin(fulfillment_order_items, _lines.order_pk == _orders.id)
                 .outerjoin(fulfillment_items, fulfillment_items.c.id == _lines.item_id))
    .where(_orders.merchant_id == bindparam("merchant_id"), _orders.merchant_order_id == bindparam("order_id"))
    .order_by(_lines.id)
)
_SHIPMENTS = Prepared(lambda: select(fulfillment_shipments)
                              .where(fulfillment_shipments.c.order_pk == bindparam("order_pk"))
                              .order_by(fulfillment_shipments.c.id))
_SHIPMENT_ITEMS = Prepared(lambda:
    select(fulfillment_shipment_items.c.shipment_pk, fulfillment_shipment_items.c.quantity,
           fulfillment_shipment_items.c.package_number, _lines.merchant_order_item_id,
           fulfillment_items.c.merchant_sku)
    .join(fulfillment_order_items, _lines.id == fulfillment_shipment_items.c.order_item_pk)
    .join(fulfillment_items, fulfillment_items.c.id == _lines.item_id)
    .where(_lines.order_pk == bindparam("order_pk"))
    .order_by(fulfillment_shipment_items.c.id)
)
_PACKAGES = Prepared(lambda:
    select(fulfillment_shipment_packages)
    .join(fulfillment_shipments, fulfillment_shipments.c.id == fulfillment_shipment_packages.c.shipment_pk)
    .where(fulfillment_shipments.c.order_pk == bindparam("order_pk"))
    .order_by(fulfillment_shipment_packages.c.shipment_pk,
              fulfillment_shipment_packages.c.package_number)
)


def _order(row) -> Order:
    return Order(
        merchant_order_id=row.merchant_order_id,
        displayable_order_id=row.displayable_order_id,
        displayable_order_datetime=_in_offset(row.displayable_order_datetime, row.displayable_order_utc_offset),
        displayable_order_comment=row.displayable_order_comment,
        shipping_speed=row.shipping_speed,
        destination_address=dict(row.destination_address),
        fulfillment_policy=row.fulfillment_policy,
        fulfillment_method=row.fulfillment_method,
        received_at=row.received_at,
        status=row.status,
        status_updated_at=row.status_updated_at,
        notification_emails=tuple(row.notification_emails),
    )


def _in_offset(moment: datetime, minutes: int | None) -> datetime:
    """An order date (kept in UTC) in the merchant's offset; in UTC when it has none."""
    return moment.astimezone(_zone(minutes)) if minutes else moment


@lru_cache(maxsize=None)  # offsets are whole minutes within a day
def _zone(minutes: int) -> timezone:
    return timezone(timedelta(minutes=minutes))


def _order_item(row) -> OrderItem:
    # An item none of whose units can still leave (every one cancelled or unfulfillable)
    # has no estimated dates, like a cancelled shipment (spec §6.2): an item's dates are
    # made at the create, and only its shipments' steps (estimate_from_shipments) replaced
    # them, so one cancelled or found unfulfillable before it was picked kept them.
    gone = row.line_cancelled_quantity + row.line_unfulfillable_quantity >= row.line_quantity
    return OrderItem(
        merchant_sku=row.line_merchant_sku,
        merchant_order_item_id=row.line_merchant_order_item_id,
        quantity=row.line_quantity,
        gift_message=row.line_gift_message,
        displayable_comment=row.line_displayable_comment,
        fnsku=row.line_fnsku,
        disposition=row.line_order_item_disposition,
        cancelled_quantity=row.line_cancelled_quantity,
        unfulfillable_quantity=row.line_unfulfillable_quantity,
        estimated_ship_at=None if gone else row.line_estimated_ship_at,
        estimated_arrival_at=None if gone else row.line_estimated_arrival_at,
        declared_value=(None if row.line_declared_value_currency is None
                        else (row.line_declared_value_currency, row.line_declared_value_amount)),
    )


def _shipments(conn: Connection, order_pk: int) -> tuple[Shipment, ...]:
    rows = _SHIPMENTS.execute(conn, {"order_pk": order_pk}).all()
    if not rows:
        return ()
    ids = [row.id for row in rows]
    items: dict[int, list[ShipmentItem]] = {pk: [] for pk in ids}
    for row in _SHIPMENT_ITEMS.execute(conn, {"order_pk": order_pk}):
        items[row.shipment_pk].append(ShipmentItem(row.merchant_sku, row.merchant_order_item_id,
                                                   row.quantity, row.package_number))
    packages: dict[int, list[Package]] = {pk: [] for pk in ids}
    for row in _PACKAGES.execute(conn, {"order_pk": order_pk}):
        packages[row.shipment_pk].append(Package(row.package_number, row.carrier_code,
                                                 row.tracking_number, row.estimated_arrival_at))
    return tuple(
        Shipment(row.amazon_shipment_id, row.fulfillment_center_id, row.status, row.shipping_at,
                 row.estimated_arrival_at, tuple(items[row.id]), tuple(packages[row.id]))
        for row in rows
    )


# --- ListAllFulfillmentOrders (+ ByNextToken) ----------------------------------------------

def list_orders(ctx: Context, *, page_size: int | None = None, start: datetime | None = None,
                methods: list[str] | None = None) -> Page:
    """The first page: orders in progress plus those changed since `start` (default 72 h ago)."""
    since = start if start is not None else ctx.now - DEFAULT_LOOKBACK
    filters = {"start": since.isoformat(), "methods": sorted(set(methods or []))}
    tick.apply_backlog(ctx)  # an order completed late would carry a time before this answer
    return _page(ctx, filters, paging.page_size(_PAGING, page_size), after=0)


def list_orders_next(ctx: Context, token: str) -> Page:
    cursor = paging.resume(ctx, LIST_OPERATION, token)
    return _page(ctx, cursor.filters, cursor.page_size, after=cursor.after[0])


def _page(ctx: Context, filters: dict[str, Any], size: int, after: int) -> Page:
    """Rows of a page are `Order`s."""
    params = {"merchant_id": ctx.merchant_id, "after": after, "limit": size + 1,
              "start": datetime.fromisoformat(filters["start"])}
    methods = filters["methods"]
    params.update((f"method_{n}", method) for n, method in enumerate(methods))
    # A write: it waits for the merchant's writers in flight and makes the next ones stamp
    # their changes no earlier than now, so the next poll, from now, misses none of them;
    # and no order still being created falls behind the cursor (store/sequencing.py).
    with ctx.db.write() as conn:
        settle_changes(conn, ctx.merchant_id, ctx.now)
        rows = _listing(len(methods)).execute(conn, params).all()
    page = paging.finish_page(ctx, LIST_OPERATION, filters, size, rows)
    return paging.Page([_listed_order(row) for row in page.rows], page.next_token, page.has_next)


# A listing's statements, prepared once: selecting the key, an Order's columns in its
# fields' order, and the order date's offset. Through Core's `execute` a page of 100 spent
# as long in SQLAlchemy's result handling as in SQLite and the columns' conversions together.
_ORDER_FIELDS = Order._fields
_LIST = (
    select(_orders.id, *(_orders[name] for name in _ORDER_FIELDS), _orders.displayable_order_utc_offset)
    .where(_orders.merchant_id == bindparam("merchant_id"), _orders.id > bindparam("after"),
           # visible_at, not status_updated_at: a change that committed after the last poll
           # is listed although its status changed before that poll (store/sequencing.py).
           or_(_orders.status.in_(IN_PROGRESS_STATUSES),
               _orders.visible_at >= bindparam("start")))
    .order_by(_orders.id)
    .limit(bindparam("limit"))
)


@lru_cache(maxsize=None)  # as many as there are methods
def _listing(method_count: int) -> Prepared:
    """The listing of orders of any method (0), or of one of `method_count` methods, given
    as parameters method_0, method_1, ... (a prepared statement takes no list)."""
    if not method_count:
        return Prepared(_LIST)
    return Prepared(_LIST.where(_orders.fulfillment_method.in_(
        [bindparam(f"method_{n}") for n in range(method_count)])))


def _listed_order(row) -> Order:
    """`_order` for a listed row: its values after the key are Order's fields in order, the
    e-mail list (the last) made a tuple; fresh from the database (the address a new dict).
    Then the order date's offset: most dates are UTC, and are taken as they are."""
    offset = row[-1]
    if offset:
        date = _in_offset(row[_LISTED_DATE], offset)
        return _new_order(Order, (*row[1:_LISTED_DATE], date, *row[_LISTED_DATE + 1:-2], tuple(row[-2])))
    return _new_order(Order, (*row[1:-2], tuple(row[-2])))


_LISTED_DATE = 1 + _ORDER_FIELDS.index("displayable_order_datetime")  # its place in a listed row


_new_order = tuple.__new__  # Order's own __new__ takes its fields one by one, in Python
