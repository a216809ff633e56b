"""Picking, packing and shipping orders, and shipments a fulfillment center cannot ship.

* Pick: the order's reserved units that are in no shipment yet go into one Pending shipment
  per fulfillment center holding them. ShippingDateTime is the estimated departure and
  EstimatedArrivalDateTime the latest arrival of the order's shipping speed (spec §6.2).
* Ship: a Pending shipment leaves with its packages (carrier, tracking number, estimated
  arrival): its units go out of stock on the ledger (`shipped`) and ShippingDateTime
  becomes the actual departure. Without packages given, one package goes by UPS with a
  generated tracking number; several packages share the shipment's lines in turn, a line
  split over packages when there are fewer lines than packages (none is left empty). A
  package's given estimated arrival may not be before the departure.
* Fail: a Pending shipment becomes CancelledByFulfiller and its reservations are released.
  FillAll orders then wait for stock again (never unfulfillable); under FillOrKill (whose
  shipping has started) and FillAllAvailable the units become unfulfillable.
* Repeats: the client resends a pick or a ship whose answer was lost (the model marks them
  idempotent). Picking a Processing order (picked already) succeeds and changes nothing; so
  does shipping a shipment (named, or the order's last, nothing being left to ship) that
  left with the very packages asked for. A ship with other packages is still refused. A
  fail is never resent (api/operator.py).
* An item's EstimatedShipDateTime and EstimatedArrivalDateTime are made at the create, from
  its speed; once its units are in shipments they are its shipments' (the latest of them):
  each step that changes shipments sets them (`order_state.estimate_from_shipments`). An
  item that can no longer ship at all (all cancelled or unfulfillable) has none
  (`orders._order_item`).

Each ends with `order_state.settle`, which sets the order's status and next due time.
"""

from __future__ import annotations

import secrets
import string
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timezone

from sqlalchemy import Connection, func, insert, select, update

from ..api.errors import InvalidParameterCombination, InvalidParameterValue
from ..store.schema import (
    fulfillment_order_items, fulfillment_shipment_items, fulfillment_shipment_packages,
    fulfillment_shipments,
)
from . import ledger, tick
from .context import Context
from .order_state import (
    ORDER_DOCUMENT, PENDING, SHIPPED, estimate_from_shipments, held, lines, lock_order, settle,
    waiting_for_stock,
)
from .planning import FILL_ALL
from .delivery import arrival_after_shipping, delivery_window
from .simulation import Simulation

DEFAULT_CARRIER = "UPS"
_SHIPMENT_ALPHABET = string.ascii_letters + string.digits
_TRACKING_ALPHABET = string.ascii_uppercase + string.digits

_shipments = fulfillment_shipments.c
_items = fulfillment_shipment_items.c
_lines = fulfillment_order_items.c


@dataclass(frozen=True)
class PackageSpec:
    carrier_code: str = DEFAULT_CARRIER
    tracking_number: str | None = None          # None: one is generated
    estimated_arrival: datetime | None = None   # None: from the order's shipping speed


@dataclass(frozen=True)
class _ShipmentLine:
    id: int
    line_id: int
    item_id: int
    disposition: str
    quantity: int


def pick(conn: Connection, order, at: datetime, simulation: Simulation) -> str:
    """Put the order's reserved, unshipped units into Pending shipments; returns the status."""
    order_lines = lines(conn, order.id)
    in_shipments = _pending_by_hold(conn, order.id)
    free = {hold: units - in_shipments.get(hold, 0)
            for hold, units in held(conn, order).items() if units > in_shipments.get(hold, 0)}
    unallocated = {line.id: line.unallocated for line in order_lines}
    window = delivery_window(order.shipping_speed, at)
    for center in sorted({center for _, center, _ in free}):
        rows = []
        for line in order_lines:
            hold = (line.item_id, center, line.disposition)
            taken = min(free.get(hold, 0), unallocated[line.id])
            if taken:
                rows.append({"order_item_pk": line.id, "quantity": taken})
                free[hold] -= taken
                unallocated[line.id] -= taken
        if rows:
            shipment_pk = conn.execute(insert(fulfillment_shipments).values(
                order_pk=order.id, amazon_shipment_id=_new_shipment_id(),
                fulfillment_center_id=center, status=PENDING, shipping_at=window.latest_ship,
                estimated_arrival_at=window.latest_arrival, created_at=at,
            ).returning(_shipments.id)).scalar_one()
            conn.execute(insert(fulfillment_shipment_items),
                         [{**row, "shipment_pk": shipment_pk} for row in rows])
    estimate_from_shipments(conn, order.id)
    return settle(conn, order, at, simulation)


def ship(conn: Connection, order, at: datetime, simulation: Simulation, *,
         packages: list[PackageSpec] | None = None, shipment_id: str | None = None) -> str:
    """Ship the order's Pending shipments (or the one named); returns the order's status."""
    shipments = _pending(conn, order, shipment_id)
    specs = packages or [PackageSpec()]
    if len(shipments) > 1 and any(spec.tracking_number for spec in specs):
        # The specs go to every shipment: the same tracking number on boxes of several centers.
        raise InvalidParameterCombination(
            f"A TrackingNumber names one package, but order {order.merchant_order_id} has "
            f"{len(shipments)} shipments to ship: ship them one at a time, naming each by "
            f"AmazonShipmentId (PickFulfillmentOrder starts and lists them).")
    for number, spec in enumerate(specs, start=1):
        if spec.estimated_arrival is not None and spec.estimated_arrival < at:
            # The merchant would read an arrival before the departure (ShippingDateTime).
            raise InvalidParameterValue(f"Package.{number}.EstimatedArrivalDateTime", _utc(spec.estimated_arrival),
                                        f"a package cannot arrive before it leaves ({_utc(at)})")
    shipment_lines = _shipment_lines(conn, [shipment.id for shipment in shipments])
    ledger.lock_items(conn, order.merchant_id,
                      (line.item_id for group in shipment_lines.values() for line in group))
    # Decided for every shipment before anything moves: a refusal leaves nothing half-shipped.
    contents = {shipment.id: _packed(shipment, shipment_lines[shipment.id], len(specs))
                for shipment in shipments}
    arrival_by_speed = arrival_after_shipping(order.shipping_speed, at)
    for shipment in shipments:
        group = shipment_lines[shipment.id]
        for (item_id, disposition), units in sorted(_units_by_stock(group).items()):
            ledger.record_movement(conn, merchant_id=order.merchant_id, item_id=item_id,
                                   fulfillment_center_id=shipment.fulfillment_center_id,
                                   disposition=disposition, kind="shipped", quantity=units, now=at,
                                   document_type=ORDER_DOCUMENT, document_id=order.merchant_order_id)
        arrivals = []
        for number, spec in enumerate(specs, start=1):
            arrival = spec.estimated_arrival or arrival_by_speed
            arrivals.append(arrival)
            conn.execute(insert(fulfillment_shipment_packages).values(
                shipment_pk=shipment.id, package_number=number, carrier_code=spec.carrier_code,
                tracking_number=spec.tracking_number or _new_tracking_number(),
                estimated_arrival_at=arrival))
        packed_lines: set[int] = set()
        for line, number, units in contents[shipment.id]:
            if line.id in packed_lines:  # a line split over packages: a row per package
                conn.execute(insert(fulfillment_shipment_items).values(
                    shipment_pk=shipment.id, order_item_pk=line.line_id, quantity=units,
                    package_number=number))
            else:
                packed_lines.add(line.id)
                conn.execute(update(fulfillment_shipment_items).where(_items.id == line.id)
                             .values(quantity=units, package_number=number))
        conn.execute(update(fulfillment_shipments).where(_shipments.id == shipment.id)
                     .values(status=SHIPPED, shipping_at=at, estimated_arrival_at=max(arrivals)))
    estimate_from_shipments(conn, order.id)
    return settle(conn, order, at, simulation)


def _packed(shipment, group: list[_ShipmentLine], packages: int) -> list[tuple[_ShipmentLine, int, int]]:
    """(line, package number, units): what goes in each package, none left empty. Whole
    lines in turn when there are as many lines as packages; else the lines are split and
    the units shared out evenly."""
    if len(group) >= packages:
        return [(line, index % packages + 1, line.quantity) for index, line in enumerate(group)]
    units = sum(line.quantity for line in group)
    if units < packages:
        raise InvalidParameterValue("Package", packages, f"shipment {shipment.amazon_shipment_id} "
                                                         f"holds {units} units: each package needs at least one")
    sizes = [units // packages + (number < units % packages) for number in range(packages)]
    packed, number, room = [], 0, sizes[0]
    for line in group:
        left = line.quantity
        while left:
            if not room:
                number += 1
                room = sizes[number]
            taken = min(left, room)
            packed.append((line, number + 1, taken))
            left -= taken
            room -= taken
    return packed


def fail(conn: Connection, order, at: datetime, simulation: Simulation, *,
         shipment_id: str | None = None) -> str:
    """The fulfillment center cannot ship the Pending shipments (or the one named)."""
    shipments = _pending(conn, order, shipment_id)
    shipment_lines = _shipment_lines(conn, [shipment.id for shipment in shipments])
    ledger.lock_items(conn, order.merchant_id,
                      (line.item_id for group in shipment_lines.values() for line in group))
    unfulfillable: dict[int, int] = defaultdict(int)
    for shipment in shipments:
        group = shipment_lines[shipment.id]
        for (item_id, disposition), units in sorted(_units_by_stock(group).items()):
            ledger.record_movement(conn, merchant_id=order.merchant_id, item_id=item_id,
                                   fulfillment_center_id=shipment.fulfillment_center_id,
                                   disposition=disposition, kind="released", quantity=units,
                                   now=at, reason="shipment cancelled by the fulfillment center",
                                   document_type=ORDER_DOCUMENT, document_id=order.merchant_order_id)
        for line in group:
            unfulfillable[line.line_id] += line.quantity
        # A cancelled shipment has neither a departure nor an arrival date (spec §6.2).
        conn.execute(update(fulfillment_shipments).where(_shipments.id == shipment.id)
                     .values(status="CancelledByFulfiller", shipping_at=None, estimated_arrival_at=None))
    if order.fulfillment_policy != FILL_ALL:
        for line_id, units in unfulfillable.items():
            conn.execute(update(fulfillment_order_items).where(_lines.id == line_id)
                         .values(unfulfillable_quantity=_lines.unfulfillable_quantity + units))
    estimate_from_shipments(conn, order.id)
    return settle(conn, order, at, simulation)


def _pending(conn: Connection, order, shipment_id: str | None) -> list:
    query = (select(fulfillment_shipments)
             .where(_shipments.order_pk == order.id, _shipments.status == PENDING)
             .order_by(_shipments.id))
    if shipment_id is not None:
        query = query.where(_shipments.amazon_shipment_id == shipment_id)
    shipments = conn.execute(query).all()
    if not shipments:
        if shipment_id is not None:
            raise InvalidParameterValue("AmazonShipmentId", shipment_id,
                                        f"order {order.merchant_order_id} has no pending shipment with this id")
        raise InvalidParameterValue("MerchantFulfillmentOrderId", order.merchant_order_id,
                                    f"the order is {order.status} and has no pending shipment")
    return shipments


def _shipment_lines(conn: Connection, shipment_pks: list[int]) -> dict[int, list[_ShipmentLine]]:
    grouped: dict[int, list[_ShipmentLine]] = {pk: [] for pk in shipment_pks}
    for row in conn.execute(
        select(_items.id, _items.shipment_pk, _items.order_item_pk, _items.quantity,
               _lines.item_id, _lines.order_item_disposition)
        .join(fulfillment_order_items, _lines.id == _items.order_item_pk)
        .where(_items.shipment_pk.in_(shipment_pks))
        .order_by(_items.id)
    ):
        grouped[row.shipment_pk].append(_ShipmentLine(
            row.id, row.order_item_pk, row.item_id,
            row.order_item_disposition or ledger.SELLABLE, row.quantity))
    return grouped


def _units_by_stock(group: list[_ShipmentLine]) -> dict[tuple[int, str], int]:
    units: dict[tuple[int, str], int] = defaultdict(int)
    for line in group:
        units[(line.item_id, line.disposition)] += line.quantity
    return units


def _pending_by_hold(conn: Connection, order_pk: int) -> dict[ledger.Hold, int]:
    """Units already in Pending shipments, per (item, center, disposition)."""
    rows = conn.execute(
        select(_lines.item_id, _shipments.fulfillment_center_id, _lines.order_item_disposition,
               func.sum(_items.quantity))
        .join(fulfillment_shipments, _shipments.id == _items.shipment_pk)
        .join(fulfillment_order_items, _lines.id == _items.order_item_pk)
        .where(_shipments.order_pk == order_pk, _shipments.status == PENDING)
        .group_by(_lines.item_id, _shipments.fulfillment_center_id, _lines.order_item_disposition)
    )
    return {(item_id, center, disposition or ledger.SELLABLE): int(units)
            for item_id, center, disposition, units in rows}


def _utc(moment: datetime) -> str:
    return moment.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def _new_shipment_id() -> str:
    # Amazon's outbound shipment ids were short mixed-case strings, e.g. "DJpnAvLgN".
    return "D" + "".join(secrets.choice(_SHIPMENT_ALPHABET) for _ in range(8))


def _new_tracking_number() -> str:
    # The shape of a UPS tracking number: "1Z" and 16 letters or digits.
    return "1Z" + "".join(secrets.choice(_TRACKING_ALPHABET) for _ in range(16))


# --- an operator's calls, for one merchant's order ----------------------------------------

def pick_order(ctx: Context, order_id: str) -> str:
    with ctx.db.write() as conn:
        order = tick.lock_current_order(conn, ctx, order_id)
        if order.status == "Processing":
            # Picked already: every unit it holds is in a Pending shipment. The client resends
            # a pick whose answer was lost (the model marks it idempotent): that retry must
            # neither fail nor change anything.
            return order.status
        _require_pickable(conn, order)
        return pick(conn, order, ctx.now, ctx.simulation)


def ship_order(ctx: Context, order_id: str, *, packages: list[PackageSpec] | None = None,
               shipment_id: str | None = None) -> str:
    """Ship the order's pending shipments (or the one named), picking first when the order
    is planned but not picked yet."""
    specs = packages or [PackageSpec()]
    with ctx.db.write() as conn:
        order = tick.lock_current_order(conn, ctx, order_id)
        if (shipment_id is not None or order.status not in ("Planning", "Processing")) \
                and _shipped_as_asked(conn, order, specs, shipment_id):
            return order.status  # a retry whose answer was lost: shipped by its first attempt
        if order.status == "Planning" and shipment_id is None:
            _require_pickable(conn, order)
            pick(conn, order, ctx.now, ctx.simulation)
            order = lock_order(conn, ctx.merchant_id, order_id)
        return ship(conn, order, ctx.now, ctx.simulation, packages=packages, shipment_id=shipment_id)


def _shipped_as_asked(conn: Connection, order, specs: list[PackageSpec], shipment_id: str | None) -> bool:
    """Whether this ship has been done already: the shipment named (else the order's last
    shipped, the order having nothing left to ship) left with exactly these packages. The
    client resends a ship whose answer was lost (the model marks it idempotent); that retry
    succeeds changing nothing, while a ship with other packages is still refused."""
    query = select(fulfillment_shipments).where(_shipments.order_pk == order.id)
    if shipment_id is not None:
        query = query.where(_shipments.amazon_shipment_id == shipment_id)
    shipped = [shipment for shipment in conn.execute(query) if shipment.status == SHIPPED]
    if not shipped:
        return False
    last = max(shipment.shipping_at for shipment in shipped)  # one ship's shipments leave together
    targets = [shipment.id for shipment in shipped if shipment.shipping_at == last]
    packages = conn.execute(select(fulfillment_shipment_packages)
                            .where(fulfillment_shipment_packages.c.shipment_pk.in_(targets))
                            .order_by(fulfillment_shipment_packages.c.shipment_pk,
                                      fulfillment_shipment_packages.c.package_number)).all()
    by_shipment: dict[int, list] = defaultdict(list)
    for package in packages:
        by_shipment[package.shipment_pk].append(package)
    return all(_same_packages(by_shipment[pk], specs) for pk in targets)


def _same_packages(packages: list, specs: list[PackageSpec]) -> bool:
    """The packages a shipment left with are these specs (what a spec leaves out: any)."""
    return len(packages) == len(specs) and all(
        package.carrier_code == spec.carrier_code
        and spec.tracking_number in (None, package.tracking_number)
        and spec.estimated_arrival in (None, package.estimated_arrival_at)
        for package, spec in zip(packages, specs))


def fail_order_shipment(ctx: Context, order_id: str, *, shipment_id: str | None = None) -> str:
    with ctx.db.write() as conn:
        order = tick.lock_current_order(conn, ctx, order_id)
        return fail(conn, order, ctx.now, ctx.simulation, shipment_id=shipment_id)


def _require_pickable(conn: Connection, order) -> None:
    """Refuse to pick an order with nothing planned to pick, or a FillAll order still short
    of stock: it ships once it has everything (what it holds would leave alone, as if it
    were FillAllAvailable), as the tick's planning decides in `auto` mode too."""
    in_shipments = sum(_pending_by_hold(conn, order.id).values())
    held_units = sum(held(conn, order).values())
    if order.status != "Planning" or held_units <= in_shipments:
        raise InvalidParameterValue("MerchantFulfillmentOrderId", order.merchant_order_id,
                                    f"the order is {order.status} and has no planned units to pick")
    order_lines = lines(conn, order.id)
    if waiting_for_stock(conn, order, order_lines, held_units):
        open_units = sum(line.open for line in order_lines)
        raise InvalidParameterValue("MerchantFulfillmentOrderId", order.merchant_order_id,
                                    f"the order is {order.fulfillment_policy} and waits for stock: "
                                    f"{held_units} of {open_units} units are reserved, and it ships "
                                    f"once it has them all")
