"""Inbound shipments: planning, creating and editing them, and the merchant's status moves.

A shipment is keyed by (merchant, ShipmentId). The merchant may change it only while it is
`Working`; afterwards the only move left is `Cancelled` (spec §8, §12), until the warehouse
has finished with it (`Closed`, `Error`): the WSDL lets a shipment be cancelled after it
was shipped and sidelines the units that arrive later, so a shipment the carrier already
took (or the warehouse is receiving) can be cancelled too. Becoming `Shipped` puts the
shipment's quantities on the ledger as expected inbound stock at its destination FC, and
cancelling takes off what is still expected (units received stay in stock), in the same
transaction. From `Shipped` on, the warehouse moves the shipment (`receiving.py`).

Decisions where the spec is silent:
* A SKU listed more than once in one request counts as one line with the summed quantity,
  which must stay an xs:int like any quantity.
* Every SKU on a shipment or a preview must be registered by this merchant (active or not).
* A shipment goes to a fulfillment center in its ship-from country, as a preview plans it:
  inbound stock never crosses a border (network.py), so a mistyped FC code is refused.
* A ship-from address meets api/addresses.py's rules (a two-letter country, in the US a
  postal code of at least 5 digits; spec §6.1).
* PutInboundShipment replaces the items by updating lines in place and deleting the rest,
  so an unchanged line keeps its place in a ListInboundShipmentItems being paged.
* CreatedBefore / CreatedAfter are strict bounds on the shipment's creation time; for
  CreatedAfter, a shipment whose create committed after an earlier listing that did not see
  it counts as created at that listing's time (`visible_at`, store/sequencing.py), so a
  poller asking for the shipments created since its last poll misses none.
* A shipment with no items cannot become Shipped: nothing would leave the merchant, and
  the warehouse would close it having received nothing.
* Marking a shipment Shipped again once it has left (Shipped up to Closed) succeeds and
  changes nothing, as cancelling a Cancelled one does: a client retries a request whose
  answer was lost (a timeout after the commit), and that retry must not report a failure.
* A preview's ShipmentIds are fresh (`FBA` + 6 upper-case hex digits) and not used by any
  shipment of the merchant yet; previews are not stored.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime
from typing import Iterable

from sqlalchemy import Connection, and_, bindparam, delete, insert, or_, select, update
from sqlalchemy.exc import IntegrityError

from ..api.addresses import ship_from_problems
from ..api.errors import InvalidParameterValue
from ..api.quantities import sku_total_problem
from ..store.schema import UtcDateTime, fulfillment_items, inbound_shipment_items, inbound_shipments
from ..store.sequencing import begin_create, settle_changes, settle_creates, stamp
from . import ledger, tick
from .catalog import Item, items_by_sku, sku_of
from .context import Context
from .network import FulfillmentCenter, removed_center_address
from .receiving import DOCUMENT_TYPE, RECEIVABLE, clear_expected, next_due, shipment_not_found

WORKING, SHIPPED, CANCELLED = "Working", "Shipped", "Cancelled"
# The statuses a shipment reaches by having been shipped (Error aside: that one is news).
HAS_LEFT = RECEIVABLE + ("Closed",)
LABEL_PREP_TYPES = {
    "MERCHANT_LABEL": "MERCHANT_LABEL",
    "AMAZON_LABEL_ONLY": "AMAZON_LABEL",
    "AMAZON_LABEL_PREFERRED": "AMAZON_LABEL",
}


@dataclass(frozen=True)
class Shipment:
    id: int
    shipment_id: str
    name: str
    status: str
    destination_fc: str
    ship_to: dict
    ship_from: dict
    created_at: datetime
    label_prep_type: str | None


@dataclass(frozen=True)
class ShipmentLine:
    id: int
    merchant_sku: str
    fnsku: str
    quantity_shipped: int
    quantity_received: int


@dataclass(frozen=True)
class PlannedShipment:
    shipment_id: str
    center: FulfillmentCenter
    label_prep_type: str | None
    items: list[tuple[str, int]]  # (merchant SKU, quantity)


def preview_shipments(ctx: Context, ship_from: dict, lines: list[dict],
                      label_prep_preference: str | None) -> list[PlannedShipment]:
    """GetInboundShipmentPreview: split the items between FCs (FulfillmentNetwork.plan)."""
    _check_ship_from(ship_from)
    with ctx.db.read() as conn:
        quantities = _quantities(conn, ctx.merchant_id, lines)
        plan = ctx.network.plan(ship_from, [(sku, item.fnsku, quantity)
                                            for sku, (item, quantity) in quantities.items()])
        shipment_ids = _fresh_shipment_ids(conn, ctx.merchant_id, len(plan))
    label_prep_type = LABEL_PREP_TYPES.get(label_prep_preference or "")
    return [
        PlannedShipment(shipment_id, center, label_prep_type,
                        [(sku, quantity) for sku, _, quantity in group])
        for shipment_id, (center, group) in zip(shipment_ids, plan)
    ]


def put_shipment(ctx: Context, header: dict, lines: list[dict] | None) -> None:
    """PutInboundShipment (header and all items) or, with lines None, PutInboundShipmentData."""
    code = header["DestinationFulfillmentCenter"]
    center = ctx.network.get(code)
    if center is None:
        raise InvalidParameterValue("DestinationFulfillmentCenter", code, "no such fulfillment center")
    _check_ship_from(header["ShipFromAddress"])
    country = header["ShipFromAddress"]["CountryCode"].upper()
    if center.country != country:
        raise InvalidParameterValue(
            "DestinationFulfillmentCenter", code,
            f"{code} is in {center.country}; a shipment from {country} goes to a fulfillment "
            f"center in {country}")
    with ctx.db.write() as conn:
        quantities = _quantities(conn, ctx.merchant_id, lines) if lines is not None else None
        shipment_pk = _upsert_header(conn, ctx, header)
        if quantities is not None:
            _write_lines(conn, shipment_pk, quantities.values())
            kept = [item.id for item, _ in quantities.values()]
            conn.execute(delete(inbound_shipment_items).where(
                inbound_shipment_items.c.shipment_pk == shipment_pk,
                inbound_shipment_items.c.item_id.not_in(kept),
            ))


def put_items(ctx: Context, shipment_id: str, lines: list[dict]) -> None:
    """PutInboundShipmentItems: add lines; a SKU already on the shipment gets the new quantity."""
    with ctx.db.write() as conn:
        row = _working_shipment(conn, ctx.merchant_id, shipment_id)
        _write_lines(conn, row.id, _quantities(conn, ctx.merchant_id, lines).values())


def delete_items(ctx: Context, shipment_id: str, skus: list[str]) -> None:
    """DeleteInboundShipmentItems: remove the lines of these SKUs; others are ignored."""
    with ctx.db.write() as conn:
        row = _working_shipment(conn, ctx.merchant_id, shipment_id)
        item_ids = [item.id for item in items_by_sku(conn, ctx.merchant_id, skus).values()]
        conn.execute(delete(inbound_shipment_items).where(
            inbound_shipment_items.c.shipment_pk == row.id,
            inbound_shipment_items.c.item_id.in_(item_ids),
        ))


def get_shipment(ctx: Context, shipment_id: str) -> Shipment:
    """GetInboundShipmentData: the shipment as of now, once its own due steps are applied
    (`tick.lock_current_shipment`)."""
    with ctx.db.read() as conn:
        row = conn.execute(_select_shipments(ctx.merchant_id)
                           .where(inbound_shipments.c.shipment_id == shipment_id)).first()
    if row is None:
        raise shipment_not_found(shipment_id)
    if tick.is_due(row, ctx.now):
        with ctx.db.write() as conn:
            row = tick.lock_current_shipment(conn, ctx, shipment_id)
    return _shipment(ctx, row)


def list_shipments(ctx: Context, *, statuses: list[str], created_before: datetime | None,
                   created_after: datetime | None, after_id: int | None,
                   limit: int) -> list[Shipment]:
    """ListInboundShipments: up to `limit` shipments with row id > after_id, by id."""
    query = _select_shipments(ctx.merchant_id).order_by(inbound_shipments.c.id).limit(limit)
    if statuses:
        query = query.where(inbound_shipments.c.status.in_(statuses))
    if created_before is not None:
        query = query.where(inbound_shipments.c.created_at < created_before)
    if created_after is not None:
        shipments = inbound_shipments.c
        # Created after it, or made visible at or after it by a listing at that time which
        # could not see the create (see the docstring).
        query = query.where(or_(shipments.created_at > created_after,
                                and_(shipments.visible_at > shipments.created_at,
                                     shipments.visible_at >= created_after)))
    if after_id is not None:
        query = query.where(inbound_shipments.c.id > after_id)
    tick.apply_backlog(ctx)  # statuses of now, not of some steps ago
    if created_after is None:
        with ctx.db.read() as conn:
            settle_creates(conn, ctx.merchant_id)  # no shipment still being created behind the cursor
            return [_shipment(ctx, row) for row in conn.execute(query)]
    # Polled for what was created since a time: a write, as orders' listing (sequencing).
    with ctx.db.write() as conn:
        settle_changes(conn, ctx.merchant_id, ctx.now)
        return [_shipment(ctx, row) for row in conn.execute(query)]


def list_shipment_items(ctx: Context, shipment_id: str, *, after_id: int | None,
                        limit: int) -> list[ShipmentLine]:
    """ListInboundShipmentItems: up to `limit` lines with id > after_id, by id."""
    lines = inbound_shipment_items.c
    query = (
        select(lines.id, fulfillment_items.c.merchant_sku, fulfillment_items.c.fnsku,
               lines.quantity_shipped, lines.quantity_received)
        .join(fulfillment_items, fulfillment_items.c.id == lines.item_id)
        .order_by(lines.id).limit(limit)
    )
    if after_id is not None:
        query = query.where(lines.id > after_id)
    with ctx.db.read() as conn:
        row = _find_shipment(conn, ctx.merchant_id, shipment_id)
        if not tick.is_due(row, ctx.now):
            return _shipment_lines(conn.execute(query.where(lines.shipment_pk == row.id)))
    with ctx.db.write() as conn:  # received quantities of now: the shipment's due steps first
        row = tick.lock_current_shipment(conn, ctx, shipment_id)
        return _shipment_lines(conn.execute(query.where(lines.shipment_pk == row.id)))


def _shipment_lines(rows) -> list[ShipmentLine]:
    return [ShipmentLine(r.id, r.merchant_sku, r.fnsku, r.quantity_shipped, r.quantity_received)
            for r in rows]


def set_status(ctx: Context, shipment_id: str, status: str) -> None:
    """SetInboundShipmentStatus: Working -> Shipped; Working, or shipped and not yet Closed
    or Error, -> Cancelled."""
    with ctx.db.write() as conn:
        row = tick.lock_current_shipment(conn, ctx, shipment_id)
        if row.status == status == CANCELLED or (status == SHIPPED and row.status in HAS_LEFT):
            return  # already done: a repeat (a retry whose answer was lost) changes nothing
        allowed = {SHIPPED: (WORKING,), CANCELLED: (WORKING,) + RECEIVABLE}[status]
        if row.status not in allowed:
            raise InvalidParameterValue(
                "ShipmentStatus", status,
                f"shipment {shipment_id} is {row.status}; only a shipment that is "
                f"{', '.join(allowed[:-1])}{' or ' if len(allowed) > 1 else ''}{allowed[-1]} "
                f"can become {status}")
        if status == SHIPPED and not _has_items(conn, row.id):
            raise InvalidParameterValue(
                "ShipmentStatus", status,
                f"shipment {shipment_id} has no items; add them (PutInboundShipmentItems) "
                f"before marking it Shipped")
        conn.execute(update(inbound_shipments).where(inbound_shipments.c.id == row.id)
                     .values(status=status, status_updated_at=ctx.now, updated_at=ctx.now,
                             due_at=next_due(status, ctx.now, ctx.simulation)))
        if status == SHIPPED:
            try:
                _record_expected(conn, ctx, row)
            except ledger.BalanceLimit as error:
                sku = sku_of(conn, error.item_id)
                raise InvalidParameterValue(
                    "ShipmentStatus", status,
                    f"more than {ledger.MOST} units of {sku} would be inbound to "
                    f"{row.destination_fc}") from None
        elif row.status in RECEIVABLE:
            clear_expected(conn, row, ctx.now, "shipment cancelled by the merchant")


def _has_items(conn: Connection, shipment_pk: int) -> bool:
    return conn.execute(select(inbound_shipment_items.c.id).where(
        inbound_shipment_items.c.shipment_pk == shipment_pk).limit(1)).first() is not None


def _record_expected(conn: Connection, ctx: Context, row) -> None:
    """Put the shipment's quantities on the ledger as inbound stock."""
    lines = conn.execute(
        select(inbound_shipment_items.c.item_id, inbound_shipment_items.c.quantity_shipped)
        .where(inbound_shipment_items.c.shipment_pk == row.id,
               inbound_shipment_items.c.quantity_shipped > 0)
        .order_by(inbound_shipment_items.c.item_id)
    ).all()
    ledger.lock_items(conn, ctx.merchant_id, (line.item_id for line in lines))
    for line in lines:
        ledger.record_movement(
            conn, merchant_id=ctx.merchant_id, item_id=line.item_id,
            fulfillment_center_id=row.destination_fc, kind="inbound_expected",
            quantity=line.quantity_shipped, now=ctx.now,
            document_type=DOCUMENT_TYPE, document_id=row.shipment_id,
        )


def _upsert_header(conn: Connection, ctx: Context, header: dict) -> int:
    """Create the shipment in Working, or replace the header of a Working one; its row id."""
    values = {
        "shipment_name": header["ShipmentName"],
        "destination_fc": header["DestinationFulfillmentCenter"],
        "ship_from_address": header["ShipFromAddress"],
        "label_prep_preference": header.get("LabelPrepPreference"),
        "updated_at": ctx.now,
    }
    shipment_id = header["ShipmentId"]
    row = _find_shipment(conn, ctx.merchant_id, shipment_id, lock=True, missing_ok=True)
    if row is None:
        begin_create(conn, ctx.merchant_id)  # before the shipment's id is drawn: see sequencing
        try:
            with conn.begin_nested():
                return conn.execute(insert(inbound_shipments).values(
                    merchant_id=ctx.merchant_id, shipment_id=shipment_id, status=WORKING,
                    created_at=ctx.now, status_updated_at=ctx.now, **values,
                    visible_at=stamp(bindparam("visible_from", ctx.now, type_=UtcDateTime()),
                                     ctx.merchant_id),
                ).returning(inbound_shipments.c.id)).scalar_one()
        except IntegrityError:
            # A racing Put created it first: replace its header like any existing one.
            row = _find_shipment(conn, ctx.merchant_id, shipment_id, lock=True)
    _require_working(row)
    conn.execute(update(inbound_shipments).where(inbound_shipments.c.id == row.id).values(**values))
    return row.id


def _write_lines(conn: Connection, shipment_pk: int, lines: Iterable[tuple[Item, int]]) -> None:
    """Set each item's quantity on the shipment, adding the lines that are new."""
    existing = set(conn.execute(
        select(inbound_shipment_items.c.item_id)
        .where(inbound_shipment_items.c.shipment_pk == shipment_pk)
    ).scalars())
    for item, quantity in lines:
        if item.id in existing:
            conn.execute(update(inbound_shipment_items).where(
                inbound_shipment_items.c.shipment_pk == shipment_pk,
                inbound_shipment_items.c.item_id == item.id,
            ).values(quantity_shipped=quantity))
        else:
            conn.execute(insert(inbound_shipment_items).values(
                shipment_pk=shipment_pk, item_id=item.id, quantity_shipped=quantity,
                quantity_received=0))


def _quantities(conn: Connection, merchant_id: int,
                lines: list[dict]) -> dict[str, tuple[Item, int]]:
    """Each SKU's registered item and total quantity, in first-seen order."""
    items = items_by_sku(conn, merchant_id, [line["MerchantSKU"] for line in lines])
    totals: dict[str, tuple[Item, int]] = {}
    for n, line in enumerate(lines, start=1):
        sku = line["MerchantSKU"]
        if sku not in items:
            raise InvalidParameterValue(
                f"MerchantSKUQuantityItem.{n}.MerchantSKU", sku,
                "the SKU is not registered; register it with GetFulfillmentIdentifier first")
        total = totals.get(sku, (items[sku], 0))[1] + line["Quantity"]
        too_many = sku_total_problem(sku, total)
        if too_many is not None:
            raise InvalidParameterValue(f"MerchantSKUQuantityItem.{n}.Quantity", line["Quantity"], too_many)
        totals[sku] = (items[sku], total)
    return totals


def _check_ship_from(address: dict) -> None:
    problems = ship_from_problems(address)
    if problems:
        raise problems[0].api_error("ShipFromAddress")


def _fresh_shipment_ids(conn: Connection, merchant_id: int, count: int) -> list[str]:
    """`count` distinct new ShipmentIds that no shipment of the merchant uses."""
    chosen: list[str] = []
    while len(chosen) < count:
        candidates = {"FBA" + secrets.token_hex(3).upper() for _ in range(count - len(chosen))}
        taken = set(conn.execute(select(inbound_shipments.c.shipment_id).where(
            inbound_shipments.c.merchant_id == merchant_id,
            inbound_shipments.c.shipment_id.in_(candidates),
        )).scalars())
        chosen += sorted(candidates - taken - set(chosen))
    return chosen


def _working_shipment(conn: Connection, merchant_id: int, shipment_id: str):
    row = _find_shipment(conn, merchant_id, shipment_id, lock=True)
    _require_working(row)
    return row


def _require_working(row) -> None:
    if row.status != WORKING:
        raise InvalidParameterValue(
            "ShipmentId", row.shipment_id,
            f"the shipment is {row.status}; only a Working shipment can be changed")


def _find_shipment(conn: Connection, merchant_id: int, shipment_id: str, *,
                   lock: bool = False, missing_ok: bool = False):
    """The merchant's shipment row (locked for update on PostgreSQL when `lock`)."""
    query = _select_shipments(merchant_id).where(inbound_shipments.c.shipment_id == shipment_id)
    row = conn.execute(query.with_for_update() if lock else query).first()
    if row is None and not missing_ok:
        raise shipment_not_found(shipment_id)
    return row


def _select_shipments(merchant_id: int):
    return select(inbound_shipments).where(inbound_shipments.c.merchant_id == merchant_id)


def _shipment(ctx: Context, row) -> Shipment:
    center = ctx.network.get(row.destination_fc)
    # A center taken out of the configuration leaves its shipments valid: only its address
    # is unknown now.
    ship_to = (center.ship_to_address() if center is not None
               else removed_center_address(row.destination_fc, row.ship_from_address["CountryCode"]))
    return Shipment(
        id=row.id, shipment_id=row.shipment_id, name=row.shipment_name, status=row.status,
        destination_fc=row.destination_fc, ship_to=ship_to,
        ship_from=dict(row.ship_from_address), created_at=row.created_at,
        label_prep_type=LABEL_PREP_TYPES.get(row.label_prep_preference or ""),
    )
