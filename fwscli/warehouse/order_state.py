"""Where an order stands: its units counted by fate, and the status and next due time that
follow from them.

Every step of the outbound lifecycle (planning, picking, shipping, a failed shipment, a
cancel) changes quantities and then calls `settle`, so the status rule lives in one place:

* some units in a Pending shipment                      -> Processing
* else some units neither shipped, cancelled nor unfulfillable -> Planning
* else everything shipped                                -> Complete
* else some shipped (the rest cancelled or unfulfillable) -> CompletePartialled
* else some cancelled                                    -> Cancelled
* else (all unfulfillable)                               -> Unfulfillable
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, bindparam, exists, func, select, update

from ..api.errors import InvalidParameterValue
from ..store.prepared import Prepared
from ..store.schema import (
    UtcDateTime, fulfillment_order_items, fulfillment_orders, fulfillment_shipment_items, fulfillment_shipments,
)
from ..store.sequencing import begin_change, stamp
from . import ledger
from .simulation import Simulation

ORDER_DOCUMENT = "fulfillment_order"
PENDING, SHIPPED = "Pending", "Shipped"

_orders = fulfillment_orders.c
_lines = fulfillment_order_items.c
_shipments = fulfillment_shipments.c
_shipment_items = fulfillment_shipment_items.c


@dataclass(frozen=True)
class Line:
    """One order line and the fate of its units."""

    id: int
    item_id: int
    disposition: str
    quantity: int
    cancelled: int
    unfulfillable: int
    shipped: int
    pending: int

    @property
    def open(self) -> int:
        """Units still to ship: not shipped, cancelled or unfulfillable (pending included)."""
        return self.quantity - self.cancelled - self.unfulfillable - self.shipped

    @property
    def unallocated(self) -> int:
        """Open units in no shipment yet."""
        return self.open - self.pending


def not_found(order_id: str) -> InvalidParameterValue:
    # Exactly this text: ActiveFulfillment matches it. Another merchant's order is "not found" too.
    return InvalidParameterValue("MerchantFulfillmentOrderId", order_id, "requested order not found")


def check_line_ids(items: list[dict[str, Any]], parameter: str) -> None:
    """Refuse an order's (or a preview's) items when two share a MerchantFulfillmentOrderItemId:
    the id is what relates an item of the answer to the item asked for."""
    seen: set[str] = set()
    for n, item in enumerate(items, start=1):
        line_id = item["MerchantFulfillmentOrderItemId"]
        if line_id in seen:
            raise InvalidParameterValue(f"{parameter}.{n}.MerchantFulfillmentOrderItemId", line_id,
                                        "it is used by another item of this order")
        seen.add(line_id)


def lock_order(conn: Connection, merchant_id: int, order_id: str):
    """The merchant's order row, locked for the rest of the transaction (PostgreSQL;
    SQLite's writers are serialised already). Every change to an order starts here, so
    changes to one order queue behind each other."""
    row = _LOCK_ORDER.execute(conn, {"merchant_id": merchant_id, "order_id": order_id}).first()
    if row is None:
        raise not_found(order_id)
    return row


def lines(conn: Connection, order_pk: int) -> list[Line]:
    """The order's lines in order, with their shipped and pending units."""
    in_shipments = {
        (line_pk, status): int(quantity)
        for line_pk, status, quantity in _UNITS_IN_SHIPMENTS.execute(conn, {"order_pk": order_pk})
    }
    return [
        Line(id=row.id, item_id=row.item_id,
             disposition=row.order_item_disposition or ledger.SELLABLE, quantity=row.quantity,
             cancelled=row.cancelled_quantity, unfulfillable=row.unfulfillable_quantity,
             shipped=in_shipments.get((row.id, SHIPPED), 0),
             pending=in_shipments.get((row.id, PENDING), 0))
        for row in _LINES.execute(conn, {"order_pk": order_pk})
    ]


def held(conn: Connection, order) -> dict[ledger.Hold, int]:
    """Units the ledger still reserves for the order, per (item, center, disposition)."""
    return ledger.document_reservations(conn, merchant_id=order.merchant_id,
                                        document_type=ORDER_DOCUMENT,
                                        document_id=order.merchant_order_id)


def waiting_for_stock(conn: Connection, order, order_lines: list[Line] | None = None,
                      held_units: int | None = None) -> bool:
    """True when some open units of the order are not reserved yet. `order_lines` and
    `held_units` (all units the ledger holds for it), when the caller knows them, save
    reading them again."""
    if order_lines is None:
        order_lines = lines(conn, order.id)
    if held_units is None:
        held_units = sum(held(conn, order).values())
    return sum(line.open for line in order_lines) > held_units


def estimate_from_shipments(conn: Connection, order_pk: int) -> None:
    """Set the estimated dates of the order's items that are (or were) in shipments to the
    latest ShippingDateTime and EstimatedArrivalDateTime of their Pending and Shipped ones
    (none when every one was cancelled); called by each step that changes shipments. An
    item not in any shipment yet keeps the estimate of its create."""
    _ESTIMATE_FROM_SHIPMENTS.execute(conn, {"order": order_pk})


def status_of(order_lines: list[Line]) -> str:
    ordered = sum(line.quantity for line in order_lines)
    shipped = sum(line.shipped for line in order_lines)
    if any(line.pending for line in order_lines):
        return "Processing"
    if any(line.open for line in order_lines):
        return "Planning"
    if shipped == ordered:
        return "Complete"
    if shipped:
        return "CompletePartialled"
    if any(line.cancelled for line in order_lines):
        return "Cancelled"
    return "Unfulfillable"


def settle(conn: Connection, order, at: datetime, simulation: Simulation, *,
           order_lines: list[Line] | None = None, held_units: int | None = None,
           quiet_until: datetime | None = None) -> str:
    """Set the order's status and next due time from its quantities; returns the status.
    `order_lines` and `held_units`: as in `waiting_for_stock`, when the caller knows them;
    `quiet_until`: as in `state_of`."""
    values = state_of(conn, order, at, simulation, order_lines=order_lines, held_units=held_units,
                      quiet_until=quiet_until)
    if "status_updated_at" in values:
        # A new status: stamped for pollers too, under the merchant's lock (sequencing.py).
        begin_change(conn, order.merchant_id)
        _SETTLE_STATUS.execute(conn, {"order_pk": order.id, "visible_from": at, **values})
    else:
        _SETTLE.execute(conn, {"order_pk": order.id, **values})
    return values["status"]


def state_of(conn: Connection, order, at: datetime, simulation: Simulation, *,
             order_lines: list[Line] | None = None, held_units: int | None = None,
             quiet_until: datetime | None = None) -> dict[str, Any]:
    """The order columns its quantities decide: status, due_at, and status_updated_at
    (which moves only when the status changes). `quiet_until`, from a look for stock (the
    tick's planning): nothing can change the stock before then."""
    if order_lines is None:
        order_lines = lines(conn, order.id)
    status = status_of(order_lines)
    if status == "Processing":
        due = simulation.physical("ship", at)
    elif status == "Planning":
        # Short of stock (FillAll): look again soon, in either mode. Else ready to pick.
        due = (_next_look(at, simulation, quiet_until) if waiting_for_stock(conn, order, order_lines, held_units)
               else simulation.physical("pick", at))
    else:
        due = None
    values: dict[str, Any] = {"status": status, "due_at": due}
    if status != order.status:
        values["status_updated_at"] = at
    return values


def _next_look(at: datetime, simulation: Simulation, quiet_until: datetime | None) -> datetime:
    """When an order short of stock looks again: `replan` after this look; but while
    nothing can change the stock (before `quiet_until`) each look would find what this one
    found, so the next is the first of its looks from then (one step, not one per look)."""
    due = simulation.system("replan", at)
    if quiet_until is None or due >= quiet_until:
        return due
    interval = simulation.delays.replan
    return at + interval * -((at - quiet_until) // interval)  # looks are `interval` apart


# Statements of every lifecycle step, built once (building them cost more than running them),
# at first use: a listing imports this module (through the tick) and runs none of them.
_LOCK_ORDER = Prepared(lambda: select(fulfillment_orders)
                       .where(_orders.merchant_id == bindparam("merchant_id"),
                              _orders.merchant_order_id == bindparam("order_id"))
                       .with_for_update())
_UNITS_IN_SHIPMENTS = Prepared(lambda:
    select(_shipment_items.order_item_pk, _shipments.status, func.sum(_shipment_items.quantity))
    .join(fulfillment_shipments, _shipments.id == _shipment_items.shipment_pk)
    .where(_shipments.order_pk == bindparam("order_pk"), _shipments.status.in_((PENDING, SHIPPED)))
    .group_by(_shipment_items.order_item_pk, _shipments.status)
)
_LINES = Prepared(lambda: select(fulfillment_order_items).where(_lines.order_pk == bindparam("order_pk"))
                          .order_by(_lines.id))


def _latest(column):
    """The latest `column` of the Pending and Shipped shipments carrying the line (UPDATE's row)."""
    return (select(func.max(column))
            .join(fulfillment_shipments, _shipments.id == _shipment_items.shipment_pk)
            .where(_shipment_items.order_item_pk == _lines.id, _shipments.status.in_((PENDING, SHIPPED)))
            .scalar_subquery())


_ESTIMATE_FROM_SHIPMENTS = Prepared(lambda:
    update(fulfillment_order_items)
    .where(_lines.order_pk == bindparam("order"),
           exists().where(_shipment_items.order_item_pk == _lines.id))
    .values(estimated_ship_at=_latest(_shipments.shipping_at),
            estimated_arrival_at=_latest(_shipments.estimated_arrival_at))
)

# The SET clause is whichever of status, due_at and status_updated_at the call passes; a
# new status is visible to pollers from `visible_from` or the merchant's last listing.
_SETTLE = Prepared(lambda: update(fulfillment_orders).where(_orders.id == bindparam("order_pk")))
_SETTLE_STATUS = Prepared(lambda: update(fulfillment_orders).where(_orders.id == bindparam("order_pk")).values(
    visible_at=stamp(bindparam("visible_from", type_=UtcDateTime()), _orders.merchant_id)))
