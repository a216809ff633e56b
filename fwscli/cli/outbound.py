"""`fws outbound …`: multi-channel fulfillment orders — preview, create, follow, cancel."""

# No `from __future__ import annotations`: Typer would compile each string annotation on
# every start, building the commands several times slower.

import time
from datetime import datetime, timezone
from typing import Any, Callable, List, Optional

import typer

# The statuses --for takes, for its help: fws outbound's commands load the model anyway.
from ..api.outbound import ORDER_STATUSES
from . import common
from .addresses import DESTINATION, AddressFlags, validated, with_address_options
from .output import Column

WAIT_HELP = (f"Exit codes: 0 the status was reached; {common.EXIT_WAIT_ENDED} the order ended in "
             f"another final status; {common.EXIT_WAIT_TIMEOUT} timed out.")
app = typer.Typer(help="Multi-channel fulfillment orders: preview, create, get, list, cancel, wait.",
                  no_args_is_help=True)

ORDER_COLUMNS = [
    Column("OrderId", "MerchantFulfillmentOrderId"), Column("Status", "FulfillmentOrderStatus"),
    Column("Speed", "ShippingSpeedCategory"), Column("Method", "FulfillmentMethod"),
    Column("Received", "ReceivedDateTime"), Column("Updated", "StatusUpdatedDateTime"),
    Column("City", "DestinationAddress.City"), Column("Country", "DestinationAddress.CountryCode"),
]
DETAIL_COLUMNS = [
    Column("Order", "MerchantFulfillmentOrderId"), Column("Status", "FulfillmentOrderStatus"),
    Column("Status updated", "StatusUpdatedDateTime"), Column("Displayable id", "DisplayableOrderId"),
    Column("Order date", "DisplayableOrderDateTime"), Column("Comment", "DisplayableOrderComment"),
    Column("Speed", "ShippingSpeedCategory"), Column("Policy", "FulfillmentPolicy"),
    Column("Method", "FulfillmentMethod"), Column("Received", "ReceivedDateTime"),
    Column("Ship to", "ShipTo"), Column("Notify", "NotificationEmailList"),
]
ITEM_COLUMNS = [
    Column("Item", "MerchantFulfillmentOrderItemId"), Column("SKU", "MerchantSKU"),
    Column("FNSKU", "FulfillmentNetworkSKU"), Column("Qty", "Quantity"),
    Column("Cancelled", "CancelledQuantity"), Column("Unfulfillable", "UnfulfillableQuantity"),
    Column("Ships by", "EstimatedShipDateTime"), Column("Arrives by", "EstimatedArrivalDateTime"),
]
SHIPMENT_COLUMNS = [
    Column("Shipment", "AmazonShipmentId"), Column("Center", "FulfillmentCenterId"),
    Column("Status", "FulfillmentShipmentStatus"), Column("Shipped", "ShippingDateTime"),
    Column("Arrives by", "EstimatedArrivalDateTime"), Column("Contents", "Contents"),
]
PACKAGE_COLUMNS = [
    Column("Shipment", "Shipment"), Column("Package", "PackageNumber"),
    Column("Carrier", "CarrierCode"), Column("Tracking", "TrackingNumber"),
    Column("Arrives by", "EstimatedArrivalDateTime"), Column("Contents", "Contents"),
]
PREVIEW_COLUMNS = [
    Column("Speed", "Speed"), Column("Fulfillable", "Fulfillable"), Column("Ships by", "ShipsBy"),
    Column("Arrives from", "ArrivesFrom"), Column("Arrives by", "ArrivesBy"),
    Column("Fees", "Fees"), Column("Weight", "Weight"), Column("Unfulfillable", "Unfulfillable"),
]

CREATE_HINTS = {
    "MerchantFulfillmentOrderId": "ORDER_ID", "DisplayableOrderId": "--displayable-id",
    "DisplayableOrderDateTime": "--date", "DisplayableOrderComment": "--comment",
    "ShippingSpeedCategory": "--speed", "FulfillmentPolicy": "--policy",
    "FulfillmentMethod": "--method", "NotificationEmailList": "--email", "Item": "--item",
    **DESTINATION.hints("DestinationAddress"),
}
PREVIEW_HINTS = {
    "Items": "--item", "ShippingSpeedCategories": "--speed", **DESTINATION.hints("Address"),
}
DEFAULT_COMMENT = "Thank you for your order."
# Statuses an order moves through, in order; every other status is final.
IN_PROGRESS = ("New", "Received", "Planning", "Processing")
SHIPPED = ("Complete", "CompletePartialled")  # final, and past every in-progress step

ITEMS = typer.Option(None, "--item", metavar="SKU=QTY",
                     help=f"An item and its quantity ({common.SKU_QUANTITY_HELP}).")


# --- commands ---------------------------------------------------------------------------

@app.command()
@with_address_options
def preview(
    ctx: typer.Context,
    destination: AddressFlags = DESTINATION,
    items: List[str] = ITEMS,
    speeds: List[str] = typer.Option(None, "--speed", help="Standard, Expedited or Priority "
                                                           "(repeatable; default: every speed)."),
) -> None:
    """Whether, when and for how much items could ship to an address, at each speed."""
    g = common.globals_of(ctx)
    request = {"Address": destination.address(), "ShippingSpeedCategories": speeds or None,
               "Items": [{"MerchantSKU": sku, "Quantity": quantity,
                          "MerchantFulfillmentOrderItemId": str(n)}
                         for n, (sku, quantity) in enumerate(parse_items(items), start=1)]}
    checked = checked_request("GetFulfillmentPreview", request, "Address", PREVIEW_HINTS)
    previews = g.call("outbound", "GetFulfillmentPreview", checked)["FulfillmentPreviews"]
    if g.output_format() in ("table", "csv", "tsv") and g.query is None:
        g.show_rows((preview_summary(p) for p in previews), PREVIEW_COLUMNS)
    else:
        g.show_rows(previews)


@app.command()
@with_address_options
def create(
    ctx: typer.Context,
    order_id: Optional[str] = typer.Argument(None, metavar="ORDER_ID",
                                             help="Your id for the order (MerchantFulfillmentOrderId)."),
    destination: AddressFlags = DESTINATION,
    items: List[str] = ITEMS,
    speed: Optional[str] = typer.Option(None, "--speed", help="Standard, Expedited or Priority."),
    policy: Optional[str] = typer.Option(None, "--policy",
                                         help="FillOrKill (default), FillAll or FillAllAvailable."),
    method: Optional[str] = typer.Option(None, "--method", help="Consumer (default) or Removal."),
    comment: Optional[str] = typer.Option(None, "--comment",
                                          help=f"Shown on the packing slip (default: {DEFAULT_COMMENT!r})."),
    displayable_id: Optional[str] = typer.Option(None, "--displayable-id",
                                                 help="Order id shown to the recipient (default: ORDER_ID)."),
    date: Optional[str] = typer.Option(None, "--date", metavar="ISO8601",
                                       help="Order date shown to the recipient (default: now; give it "
                                            "to make re-running the same command harmless)."),
    emails: List[str] = typer.Option(None, "--email", help="Notify this address of shipments (repeatable)."),
    gift_message: Optional[str] = typer.Option(None, "--gift-message", help="Gift message for every --item."),
    cli_input_json: Optional[str] = common.CLI_INPUT_JSON,
    dry_run: bool = common.DRY_RUN,
) -> None:
    """Ask for an order to be shipped. Repeating the very same order is harmless."""
    g = common.globals_of(ctx)
    request = {
        "MerchantFulfillmentOrderId": order_id,
        "DisplayableOrderId": displayable_id,
        "DisplayableOrderDateTime": common.parse_datetime(date, "--date", keep_offset=True) if date else None,
        "DisplayableOrderComment": comment,
        "ShippingSpeedCategory": speed,
        "DestinationAddress": destination.address(),
        "FulfillmentPolicy": policy,
        "FulfillmentMethod": method,
        "NotificationEmailList": emails or None,
        "Item": [{"MerchantSKU": sku, "Quantity": quantity, "MerchantFulfillmentOrderItemId": str(n),
                  "GiftMessage": gift_message}
                 for n, (sku, quantity) in enumerate(parse_items(items), start=1)],
    }
    request = common.merge_input_json({key: value for key, value in request.items()
                                       if value not in (None, [])}, cli_input_json)
    # Defaults only after the merge, so they never override the input file.
    dated = request.get("DisplayableOrderDateTime") is not None
    request.setdefault("DisplayableOrderId", request.get("MerchantFulfillmentOrderId"))
    request.setdefault("DisplayableOrderDateTime", datetime.now(timezone.utc).replace(microsecond=0))
    request.setdefault("DisplayableOrderComment", DEFAULT_COMMENT)
    checked = checked_request("CreateFulfillmentOrder", request, "DestinationAddress", CREATE_HINTS)
    check_order_rules(checked)
    if dry_run:
        common.send(g, "outbound", "CreateFulfillmentOrder", checked, dry_run=True)
        return
    create_order(g, checked, dated=dated)
    order_id = checked["MerchantFulfillmentOrderId"]
    common.note(f"order {order_id} accepted")
    g.show(get_order(g, order_id)["FulfillmentOrder"], ORDER_COLUMNS)


@app.command()
def get(ctx: typer.Context, order_id: str = typer.Argument(..., metavar="ORDER_ID")) -> None:
    """One order with its items, shipments, packages and tracking."""
    check_order_id("GetFulfillmentOrder", order_id)
    g = common.globals_of(ctx)
    show_order(g, get_order(g, order_id))


@app.command("list")
def list_orders(
    ctx: typer.Context,
    since: Optional[str] = typer.Option(None, "--since", metavar="ISO8601",
                                        help="Also orders that ended since then (default: 72 hours "
                                             "ago); orders in progress are always listed."),
    methods: List[str] = typer.Option(None, "--method", help="Only Consumer or Removal orders (repeatable)."),
    max_items: Optional[int] = common.MAX_ITEMS,
    starting_token: Optional[str] = common.STARTING_TOKEN,
    page_size: Optional[int] = common.PAGE_SIZE,
    no_paginate: bool = common.NO_PAGINATE,
) -> None:
    """Orders in progress and those changed recently, streamed page by page."""
    g = common.globals_of(ctx)
    request = common.validate_request(
        "outbound", "ListAllFulfillmentOrders",
        {"QueryStartDateTime": common.parse_datetime(since, "--since") if since else None,
         "FulfillmentMethod": methods or None},
        {"QueryStartDateTime": "--since", "FulfillmentMethod": "--method"})
    common.list_rows(g, "outbound", "ListAllFulfillmentOrders", request, max_items=max_items,
                     starting_token=starting_token, page_size=page_size,
                     no_paginate=no_paginate, columns=ORDER_COLUMNS)


@app.command()
def cancel(ctx: typer.Context, order_id: str = typer.Argument(..., metavar="ORDER_ID"),
           dry_run: bool = common.DRY_RUN) -> None:
    """Stop whatever of an order has not shipped yet (shipped units stay shipped)."""
    g = common.globals_of(ctx)
    request = check_order_id("CancelFulfillmentOrder", order_id)
    if common.send(g, "outbound", "CancelFulfillmentOrder", request, dry_run=dry_run) is None:
        return
    order = get_order(g, order_id)["FulfillmentOrder"]
    common.note(f"order {order_id} is {order['FulfillmentOrderStatus']}")
    g.show(order, ORDER_COLUMNS)


@app.command(epilog=WAIT_HELP)
def wait(
    ctx: typer.Context,
    order_id: str = typer.Argument(..., metavar="ORDER_ID"),
    status: str = typer.Option(..., "--for", metavar="STATUS",
                               help=f"{', '.join(ORDER_STATUSES[:-1])} or {ORDER_STATUSES[-1]}."),
    timeout: float = typer.Option(600.0, "--timeout", min=0, callback=common.not_nan, metavar="SECONDS",
                                  help="Give up after this long."),
    interval: float = typer.Option(2.0, "--interval", min=0.05, callback=common.not_nan,
                                   metavar="SECONDS", help="Time between polls."),
) -> None:
    """Poll an order until it reaches STATUS, then print it.

    Waiting for a step on the way (Received, Planning, Processing), a later step or a
    shipped end (Complete, CompletePartialled) counts too: a brief status may go unseen
    between polls. An order that ends in another final status stops the wait at once.
    """
    g = common.globals_of(ctx)
    # Any case, as `fws inbound list --status` takes it: `--for complete` is no typo.
    status = common.canonical_choice("--for", status, ORDER_STATUSES)
    check_order_id("GetFulfillmentOrder", order_id)
    order, current = follow_order(g, order_id, lambda s: is_final(s) or reached(s, status),
                                  timeout=timeout, interval=interval)
    if reached(current, status):
        g.show(order, ORDER_COLUMNS)
        return
    if is_final(current):
        raise common.CliError(f"order {order_id} ended {current}, not {status}",
                              common.EXIT_WAIT_ENDED, code="WaitEnded")
    raise common.CliError(f"timed out after {timeout:g} s waiting for order {order_id} to be "
                          f"{status}: it is {current}", common.EXIT_WAIT_TIMEOUT)


# --- following an order (also used by `fws demo`) ----------------------------------------

def reached(current: str, awaited: str) -> bool:
    """The awaited status, or past it on the way to shipping (a brief status may go unseen)."""
    if current == awaited:
        return True
    if awaited not in IN_PROGRESS:
        return False
    return current in SHIPPED or (current in IN_PROGRESS
                                  and IN_PROGRESS.index(current) > IN_PROGRESS.index(awaited))


def is_final(status: str) -> bool:
    return status not in IN_PROGRESS


def poll_until(fetch: Callable[[], Any], status_of: Callable[[Any], str],
               done: Callable[[Any], bool], *, timeout: float, interval: float,
               on_change: Callable[[str], None]) -> tuple[Any, str]:
    """Fetch until done(value) or `timeout` seconds have passed; the last value and its status.
    on_change(status) is called with each status as it is first seen."""
    deadline = time.monotonic() + timeout
    last = None
    while True:
        value = fetch()
        status = status_of(value)
        if status != last:
            on_change(status)
            last = status
        remaining = deadline - time.monotonic()
        if done(value) or remaining <= 0:
            return value, status
        time.sleep(min(interval, remaining))


def follow_order(g: common.Globals, order_id: str, done: Callable[[str], bool], *,
                 timeout: float, interval: float) -> tuple[dict[str, Any], str]:
    """Poll an order, telling stderr each status it is seen in."""
    return poll_until(lambda: get_order(g, order_id)["FulfillmentOrder"],
                      lambda order: order["FulfillmentOrderStatus"],
                      lambda order: done(order["FulfillmentOrderStatus"]),
                      timeout=timeout, interval=interval,
                      on_change=lambda status: common.note(f"order {order_id}: {status}"))


def check_order_id(action: str, order_id: str) -> dict[str, Any]:
    """The request of an operation that names one order, checked by the model (exit 252)."""
    return common.validate_request("outbound", action, {"MerchantFulfillmentOrderId": order_id},
                                   {"MerchantFulfillmentOrderId": "ORDER_ID"})


def create_order(g: common.Globals, request: dict[str, Any], *, dated: bool) -> None:
    """CreateFulfillmentOrder. The service takes the very same order again and refuses the
    id for any other; without --date the order date is now, so re-running the same command
    (after a timeout, say) would be "another" order. Then the order already there is read
    and, when it is this one, the request is sent again with its date, for the service to
    confirm; when it is not, the refusal says what differs."""
    from ..client.errors import ServiceError

    try:
        g.call("outbound", "CreateFulfillmentOrder", request)
        return
    except ServiceError as error:
        if not is_id_clash(error):
            raise
        clash = error
    order_id = request["MerchantFulfillmentOrderId"]
    existing = get_order(g, order_id)
    differences = order_differences(request, existing)
    stored = common.parse_datetime(existing["FulfillmentOrder"]["DisplayableOrderDateTime"],
                                   "DisplayableOrderDateTime", keep_offset=True)
    if dated and stored != request["DisplayableOrderDateTime"]:
        differences.append(f"the order date is {existing['FulfillmentOrder']['DisplayableOrderDateTime']}, "
                           f"not {request['DisplayableOrderDateTime'].isoformat()}")
    if not dated and not differences:
        try:
            g.call("outbound", "CreateFulfillmentOrder", {**request, "DisplayableOrderDateTime": stored})
            return
        except ServiceError as error:
            if not is_id_clash(error):
                raise
            clash = error
    raise common.CliError(
        f"ORDER_ID {order_id!r} is already used by a different order"
        + (f" ({'; '.join(differences)})" if differences else "")
        + f": repeat that order exactly, or give another ORDER_ID (RequestId {clash.request_id})",
        common.EXIT_SERVICE, code=clash.code, operation=clash.operation, request_id=clash.request_id)


def is_id_clash(error) -> bool:
    """The service's refusal of an order id that holds another order (warehouse/orders.py)."""
    return error.code == "InvalidParameterValue" and "already used by a different order" in error.message


def order_differences(request: dict[str, Any], existing: dict[str, Any]) -> list[str]:
    """What of a CreateFulfillmentOrder request the stored order has otherwise, as
    `Member: stored, not requested`; the order date is left to the caller."""
    order = existing["FulfillmentOrder"]
    found = []
    for member in ("DisplayableOrderId", "DisplayableOrderComment", "ShippingSpeedCategory",
                   "FulfillmentPolicy", "FulfillmentMethod"):
        if member in request and request[member] is not None and request[member] != order.get(member):
            found.append(f"{member} is {order.get(member)!r}, not {request[member]!r}")
    address = request.get("DestinationAddress") or {}
    stored_address = order.get("DestinationAddress") or {}
    for member in sorted(set(address) | set(stored_address)):
        if (address.get(member) or None) != (stored_address.get(member) or None):
            found.append(f"DestinationAddress.{member} is {stored_address.get(member)!r}, "
                         f"not {address.get(member)!r}")
    if sorted(request.get("NotificationEmailList") or []) != sorted(order.get("NotificationEmailList") or []):
        found.append("NotificationEmailList differs")

    def lines(items) -> list[tuple[str, str, int]]:
        return sorted((str(item["MerchantFulfillmentOrderItemId"]), item["MerchantSKU"], int(item["Quantity"]))
                      for item in items)

    stored_lines, requested = lines(existing["FulfillmentOrderItem"]), lines(request["Item"])
    if stored_lines != requested:
        show = " ".join
        found.append(f"items are {show(f'{sku}={qty}' for _, sku, qty in stored_lines)}, "
                     f"not {show(f'{sku}={qty}' for _, sku, qty in requested)}")
    return found


def get_order(g: common.Globals, order_id: str) -> dict[str, Any]:
    return g.call("outbound", "GetFulfillmentOrder", {"MerchantFulfillmentOrderId": order_id})


# --- input ------------------------------------------------------------------------------

def parse_items(values: List[str] | None) -> list[tuple[str, int]]:
    return [common.parse_sku_quantity(value) for value in values or []]


def check_order_rules(order: dict[str, Any]) -> None:
    """The service's rules for an order that the model cannot say (e-mails, dispositions,
    declared values, a SKU's units), as the importer checks them (batch/rules.py mirrors
    warehouse/orders.py): a bad parameter (252) before sending, not the service's refusal."""
    from ..api.errors import InvalidParameterValue
    from ..batch import rules

    faults = rules.order(order)
    units: dict[str, int] = {}
    for n, item in enumerate(order["Item"], start=1):
        units[item["MerchantSKU"]] = units.get(item["MerchantSKU"], 0) + item["Quantity"]
        item_faults = rules.order_item(order, item) + rules.sku_units(item, units[item["MerchantSKU"]])
        faults += [(f"Item.{n}.{path}", value, reason) for path, value, reason in item_faults]
    if faults:
        path, value, reason = faults[0]
        raise common.refused("outbound", "CreateFulfillmentOrder", InvalidParameterValue(path, value, reason),
                             CREATE_HINTS)


def checked_request(action: str, request: dict[str, Any], address_member: str,
                    hints: dict[str, str]) -> dict[str, Any]:
    """The request validated by the model, then by the address rules the model cannot say."""
    return validated("outbound", action, request, address_member, hints)


# --- output for people ------------------------------------------------------------------

def show_order(g: common.Globals, result: dict[str, Any]) -> None:
    """GetFulfillmentOrder's result: as sections on a terminal, as the API has it elsewhere."""
    if g.output_format() == "table" and g.query is None:
        show_detail(g, result)
    else:
        g.show(result)


def show_detail(g: common.Globals, result: dict[str, Any]) -> None:
    """An order as sections (order, items, shipments, packages) for a terminal."""
    order = result["FulfillmentOrder"]
    g.show({**order, "ShipTo": one_line(order["DestinationAddress"])}, DETAIL_COLUMNS)
    shipments = result["FulfillmentShipment"]
    packages = [{**package, "Shipment": shipment["AmazonShipmentId"],
                 "Contents": contents(item for item in shipment["FulfillmentShipmentItem"]
                                      if item.get("PackageNumber") == package["PackageNumber"])}
                for shipment in shipments for package in shipment["FulfillmentShipmentPackage"]]
    section(g, "Items", result["FulfillmentOrderItem"], ITEM_COLUMNS)
    section(g, "Shipments", [{**shipment, "Contents": contents(shipment["FulfillmentShipmentItem"])}
                             for shipment in shipments], SHIPMENT_COLUMNS)
    section(g, "Packages", packages, PACKAGE_COLUMNS)


def section(g: common.Globals, title: str, rows: list[dict[str, Any]], columns: list[Column]) -> None:
    typer.echo("")
    if not rows:
        typer.echo(f"{title}: none yet")
        return
    typer.echo(f"{title}:")
    g.show_rows(rows, columns)


def one_line(address: dict[str, Any]) -> str:
    parts = [address.get(member) for member in ("Name", "Line1", "Line2", "Line3", "City")]
    parts.append(" ".join(filter(None, (address.get("StateOrProvinceCode"), address.get("PostalCode")))))
    parts.append(address.get("CountryCode"))
    return ", ".join(part for part in parts if part)


def contents(items) -> str:
    """`SKU×units` per SKU (a SKU may sit on several lines of a shipment)."""
    units: dict[str, int] = {}
    for item in items:
        units[item["MerchantSKU"]] = units.get(item["MerchantSKU"], 0) + item["Quantity"]
    return ", ".join(f"{sku}×{quantity}" for sku, quantity in units.items())


def preview_summary(preview: dict[str, Any]) -> dict[str, Any]:
    """One line per speed: dates, fee total, weight and what cannot ship."""
    shipment = (preview["FulfillmentPreviewShipments"] or [{}])[0]
    fees = preview["EstimatedFees"]
    weight = preview.get("EstimatedShippingWeight")
    unfulfillable = [f"{item['MerchantSKU']}×{item['Quantity']} ({', '.join(item['ItemUnfulfillableReasons'])})"
                     for item in preview["UnfulfillablePreviewItems"]]
    return {
        "Speed": preview["ShippingSpeedCategory"],
        "Fulfillable": preview["IsFulfillable"],
        "ShipsBy": shipment.get("LatestShipDate"),
        "ArrivesFrom": shipment.get("EarliestArrivalDate"),
        "ArrivesBy": shipment.get("LatestArrivalDate"),
        "Fees": (f"{fees[0]['Amount']['CurrencyCode']} {sum(fee['Amount']['Value'] for fee in fees)}"
                 if fees else None),
        "Weight": f"{weight['Value']} {weight['Unit']}" if weight else None,
        "Unfulfillable": "; ".join(unfulfillable + preview["OrderUnfulfillableReasons"]) or None,
    }
