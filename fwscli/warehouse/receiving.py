"""The warehouse's side of inbound shipments: carrier states, receiving, closing.

After the merchant marks a shipment Shipped, the carrier and the fulfillment center move it:
`Shipped -> InTransit -> Delivered -> CheckedIn`, then `Receiving` (some units received)
and `Closed` (everything received). An operator may skip carrier states forward, close a
shipment short or put it in `Error`; auto mode takes each step after its delay and
receives everything still expected.

Decisions where the spec is silent:
* Receiving is possible from Shipped on (a box may be scanned before its carrier updates
  arrive); it moves the shipment to Receiving, or Closed once every line has received at
  least what was shipped.
* Units within what a line announced are `received` (inbound -> in stock); units beyond it
  are `received_unexpected` (straight into stock). A SKU not on the shipment is refused.
* Closing short or failing (Error) takes what is still expected off the inbound balance.
* Units arriving on a Cancelled or Error shipment are problem receives: recorded with the
  shipment and SKU, never put into stock, never lost. QuantityReceived does not change.
* Working shipments (never shipped) and Closed ones cannot be received.
* A move to the status the shipment is in already succeeds and changes nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection, func, insert, select, update

from ..api.errors import InvalidParameterValue
from ..store.schema import (
    fulfillment_items, inbound_shipment_items, inbound_shipments, problem_receives,
)
from . import ledger, tick
from .catalog import sku_of
from .context import Context
from .simulation import Simulation

DOCUMENT_TYPE = "inbound_shipment"
CARRIER_STATES = ("Shipped", "InTransit", "Delivered", "CheckedIn")
RECEIVABLE = CARRIER_STATES + ("Receiving",)
PROBLEM_STATES = ("Cancelled", "Error")
# The auto-mode delay that runs out in each state, moving the shipment on.
_STEP_FROM = {"Shipped": "in_transit", "InTransit": "deliver", "Delivered": "check_in",
              "CheckedIn": "receive", "Receiving": "receive"}

_shipments = inbound_shipments.c
_lines = inbound_shipment_items.c


@dataclass(frozen=True)
class ReceivedLine:
    merchant_sku: str
    fnsku: str
    quantity_shipped: int
    quantity_received: int
    problem_quantity: int


def next_due(status: str, at: datetime, simulation: Simulation) -> datetime | None:
    """When a shipment that entered `status` at `at` moves on by itself."""
    step = _STEP_FROM.get(status)
    return simulation.physical(step, at) if step else None


def advance(conn: Connection, shipment, at: datetime, simulation: Simulation) -> str:
    """Take the shipment's next step (the tick's move); returns its new status."""
    if shipment.status in ("CheckedIn", "Receiving"):
        return receive(conn, shipment, None, at, simulation)
    following = CARRIER_STATES[CARRIER_STATES.index(shipment.status) + 1]
    return move(conn, shipment, following, at, simulation)


def move(conn: Connection, shipment, status: str, at: datetime, simulation: Simulation) -> str:
    """An operator's move: a later carrier state, Closed (short) or Error."""
    if shipment.status == status:
        # Already there: the client retries a move whose answer was lost (a timeout after
        # the commit), and the retry must neither fail nor clear anything twice.
        return status
    if status in CARRIER_STATES:
        allowed = CARRIER_STATES[:CARRIER_STATES.index(status)]
    else:  # Closed or Error: from anywhere the shipment is still expected or being received
        allowed = RECEIVABLE
    if shipment.status not in allowed:
        raise InvalidParameterValue(
            "ShipmentStatus", status,
            f"shipment {shipment.shipment_id} is {shipment.status}; it can become {status} "
            f"only from {', '.join(allowed)}")
    if status not in CARRIER_STATES:
        reason = "shipment closed short" if status == "Closed" else "shipment failed (Error)"
        clear_expected(conn, shipment, at, reason)
    _set_status(conn, shipment, status, at, simulation)
    return status


def receive(conn: Connection, shipment, units: dict[int, int] | None, at: datetime,
            simulation: Simulation) -> str:
    """Receive units per item id (None: everything still expected); returns the status."""
    if shipment.status not in RECEIVABLE + PROBLEM_STATES:
        # Working or Closed: "only a shipped one can be received" misled about a Closed one.
        why = ("it has not been shipped yet" if shipment.status == "Working"
               else "it is finished: every unit was received or it was closed short")
        raise InvalidParameterValue(
            "ShipmentId", shipment.shipment_id,
            f"the shipment is {shipment.status}; {why}, so nothing more can be received on it")
    lines = {row.item_id: row for row in conn.execute(
        select(inbound_shipment_items).where(_lines.shipment_pk == shipment.id).order_by(_lines.item_id))}
    if units is None:
        units = _still_expected(conn, shipment, lines)
    if shipment.status in PROBLEM_STATES:
        _problem_receive(conn, shipment, units, at)
        return shipment.status

    ledger.lock_items(conn, shipment.merchant_id, units)
    for item_id, quantity in sorted(units.items()):
        line = lines[item_id]
        expected = max(0, line.quantity_shipped - line.quantity_received)
        for kind, part in (("received", min(quantity, expected)),
                           ("received_unexpected", quantity - min(quantity, expected))):
            if part:
                ledger.record_movement(conn, merchant_id=shipment.merchant_id, item_id=item_id,
                                       fulfillment_center_id=shipment.destination_fc, kind=kind,
                                       quantity=part, now=at, document_type=DOCUMENT_TYPE,
                                       document_id=shipment.shipment_id)
        conn.execute(update(inbound_shipment_items).where(_lines.id == line.id)
                     .values(quantity_received=_lines.quantity_received + quantity))
    complete = conn.execute(
        select(func.count()).select_from(inbound_shipment_items)
        .where(_lines.shipment_pk == shipment.id, _lines.quantity_received < _lines.quantity_shipped)
    ).scalar_one() == 0
    status = "Closed" if complete else "Receiving"
    _set_status(conn, shipment, status, at, simulation)
    return status


def shipment_lines(conn: Connection, shipment_pk: int) -> list[ReceivedLine]:
    """Each line's shipped and received units, and its problem receives."""
    problems = _set_aside(conn, shipment_pk)
    rows = conn.execute(
        select(fulfillment_items.c.merchant_sku, fulfillment_items.c.fnsku, _lines.item_id,
               _lines.quantity_shipped, _lines.quantity_received)
        .join(fulfillment_items, fulfillment_items.c.id == _lines.item_id)
        .where(_lines.shipment_pk == shipment_pk)
        .order_by(_lines.id)
    )
    return [ReceivedLine(row.merchant_sku, row.fnsku, row.quantity_shipped, row.quantity_received,
                         problems.get(row.item_id, 0))
            for row in rows]


def _set_aside(conn: Connection, shipment_pk: int) -> dict[int, int]:
    """Units of each item of the shipment received as problem receives."""
    return {item_id: int(quantity) for item_id, quantity in conn.execute(
        select(problem_receives.c.item_id, func.sum(problem_receives.c.quantity))
        .where(problem_receives.c.shipment_pk == shipment_pk)
        .group_by(problem_receives.c.item_id)
    )}


def _still_expected(conn: Connection, shipment, lines: dict) -> dict[int, int]:
    """Units of each line not accounted for yet: neither received nor set aside already,
    so that receiving everything twice does not set the same units aside twice."""
    set_aside = _set_aside(conn, shipment.id) if shipment.status in PROBLEM_STATES else {}
    outstanding = {item_id: line.quantity_shipped - line.quantity_received - set_aside.get(item_id, 0)
                   for item_id, line in lines.items()}
    return {item_id: units for item_id, units in outstanding.items() if units > 0}


def _problem_receive(conn: Connection, shipment, units: dict[int, int], at: datetime) -> None:
    reason = f"arrived on a shipment that is {shipment.status}"
    rows = [{"merchant_id": shipment.merchant_id, "shipment_pk": shipment.id, "item_id": item_id,
             "quantity": quantity, "reason": reason, "received_at": at}
            for item_id, quantity in sorted(units.items()) if quantity > 0]
    if rows:
        conn.execute(insert(problem_receives), rows)


def clear_expected(conn: Connection, shipment, at: datetime, reason: str) -> None:
    """Take the units still expected off the inbound balance."""
    rows = conn.execute(
        select(_lines.item_id, (_lines.quantity_shipped - _lines.quantity_received).label("expected"))
        .where(_lines.shipment_pk == shipment.id, _lines.quantity_shipped > _lines.quantity_received)
        .order_by(_lines.item_id)
    ).all()
    ledger.lock_items(conn, shipment.merchant_id, (row.item_id for row in rows))
    for row in rows:
        ledger.record_movement(conn, merchant_id=shipment.merchant_id, item_id=row.item_id,
                               fulfillment_center_id=shipment.destination_fc,
                               kind="inbound_cancelled", quantity=row.expected, now=at,
                               reason=reason, document_type=DOCUMENT_TYPE,
                               document_id=shipment.shipment_id)


def _set_status(conn: Connection, shipment, status: str, at: datetime, simulation: Simulation) -> None:
    values = {"status": status, "due_at": next_due(status, at, simulation), "updated_at": at}
    if status != shipment.status:
        values["status_updated_at"] = at
    conn.execute(update(inbound_shipments).where(_shipments.id == shipment.id).values(**values))


# --- an operator's calls, for one merchant's shipment -------------------------------------

@dataclass(frozen=True)
class ShipmentState:
    shipment_id: str
    status: str
    lines: list[ReceivedLine]


def shipment_not_found(shipment_id: str) -> InvalidParameterValue:
    # The same answer whether the id is unknown or another merchant's: nothing leaks.
    return InvalidParameterValue("ShipmentId", shipment_id, "shipment not found")


def move_shipment(ctx: Context, shipment_id: str, status: str) -> ShipmentState:
    with ctx.db.write() as conn:
        shipment = tick.lock_current_shipment(conn, ctx, shipment_id)
        status = move(conn, shipment, status, ctx.now, ctx.simulation)
        return ShipmentState(shipment_id, status, shipment_lines(conn, shipment.id))


def receive_shipment(ctx: Context, shipment_id: str, items: list[tuple[str, int]] | None) -> ShipmentState:
    """Receive SKU quantities (None: everything still expected)."""
    with ctx.db.write() as conn:
        shipment = tick.lock_current_shipment(conn, ctx, shipment_id)
        units = None if items is None else _units_by_item(conn, shipment, items)
        try:
            status = receive(conn, shipment, units, ctx.now, ctx.simulation)
        except ledger.BalanceLimit as error:
            sku = sku_of(conn, error.item_id)
            raise InvalidParameterValue(
                "ShipmentId", shipment_id, f"{shipment.destination_fc} would hold more than "
                                           f"{ledger.MOST} units of {sku} in stock") from None
        return ShipmentState(shipment_id, status, shipment_lines(conn, shipment.id))


def lock_shipment(conn: Connection, merchant_id: int, shipment_id: str):
    """The merchant's shipment row, locked for the rest of the transaction (PostgreSQL;
    SQLite's writers are serialised already)."""
    row = conn.execute(select(inbound_shipments)
                       .where(_shipments.merchant_id == merchant_id, _shipments.shipment_id == shipment_id)
                       .with_for_update()).first()
    if row is None:
        raise shipment_not_found(shipment_id)
    return row


def _units_by_item(conn: Connection, shipment, items: list[tuple[str, int]]) -> dict[int, int]:
    """Item id -> units for SKUs on the shipment; a repeated SKU counts once, summed. What
    the units add to (QuantityReceived, or ProblemQuantity on a Cancelled or Error
    shipment) stays within xs:int, the schema's type of both."""
    on_shipment = {row.merchant_sku: row for row in conn.execute(
        select(fulfillment_items.c.merchant_sku, _lines.item_id, _lines.quantity_received)
        .join(fulfillment_items, fulfillment_items.c.id == _lines.item_id)
        .where(_lines.shipment_pk == shipment.id)
    )}
    set_aside = _set_aside(conn, shipment.id) if shipment.status in PROBLEM_STATES else None
    units: dict[int, int] = {}
    for n, (sku, quantity) in enumerate(items, start=1):
        line = on_shipment.get(sku)
        if line is None:
            raise InvalidParameterValue(f"Item.{n}.MerchantSKU", sku,
                                        f"the SKU is not on shipment {shipment.shipment_id}")
        units[line.item_id] = units.get(line.item_id, 0) + quantity
        counted, before = ("QuantityReceived", line.quantity_received) if set_aside is None else \
            ("ProblemQuantity", set_aside.get(line.item_id, 0))
        if before + units[line.item_id] > ledger.MOST:
            raise InvalidParameterValue(f"Item.{n}.Quantity", quantity,
                                        f"{counted} of {sku} would go past {ledger.MOST}")
    return units
