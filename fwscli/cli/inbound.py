"""`fws inbound …`: inbound shipments — plan them, create and edit them while Working, mark
them shipped, follow what the warehouse received."""

# No `from __future__ import annotations`: Typer would compile each string annotation on
# every start, building this group's commands three times slower.

from datetime import date
from typing import Any, List, Optional

import typer

from . import common
from .addresses import SHIP_FROM, AddressFlags, validated, with_address_options
from .output import Column

app = typer.Typer(help="Inbound shipments: preview, plan, create, edit, ship, cancel, list.",
                  no_args_is_help=True)

SHIPMENT_COLUMNS = [
    Column("ShipmentId", "ShipmentId"), Column("Name", "ShipmentName"),
    Column("Status", "ShipmentStatus"), Column("FC", "DestinationFulfillmentCenter"),
    Column("From", "ShipFromAddress.City"), Column("Created", "CreateDate"),
    Column("LabelPrep", "LabelPrepType"),
]
ITEM_COLUMNS = [
    Column("MerchantSKU", "MerchantSKU"), Column("FNSKU", "FulfillmentNetworkSKU"),
    Column("Shipped", "QuantityShipped"), Column("Received", "QuantityReceived"),
]
PREVIEW_COLUMNS = [
    Column("ShipmentId", "ShipmentId"), Column("FC", "DestinationFulfillmentCenter"),
    Column("ShipTo", "ShipToAddress.City"), Column("LabelPrep", "LabelPrepType"),
    Column("Items", "Items"),  # added by `readable_items`
]
PLAN_COLUMNS = PREVIEW_COLUMNS[:1] + [Column("Name", "ShipmentName")] + PREVIEW_COLUMNS[1:]

HINTS = {
    "ShipmentId": "SHIPMENT_ID", "ShipmentName": "--name", "DestinationFulfillmentCenter": "--fc",
    "LabelPrepPreference": "--label-prep", "MerchantSKUQuantityItem": "--item",
    "MerchantSKU": "SKU",
    **SHIP_FROM.hints("ShipFromAddress"),
}
# What GetInboundShipmentData reports -> the preference that gives it back, so `update`
# without --label-prep keeps the shipment's label preparation as it is.
LABEL_PREFERENCE_OF_TYPE = {"MERCHANT_LABEL": "MERCHANT_LABEL",
                            "AMAZON_LABEL": "AMAZON_LABEL_PREFERRED"}

ITEMS = typer.Option(None, "--item", metavar="SKU=QTY",
                     help=f"A registered SKU and its quantity ({common.SKU_QUANTITY_HELP}).")
LABEL_PREP = typer.Option(None, "--label-prep",
                          help="AMAZON_LABEL_ONLY, AMAZON_LABEL_PREFERRED or MERCHANT_LABEL.")
SHIPMENT_ID = typer.Argument(..., metavar="SHIPMENT_ID")


# --- planning ----------------------------------------------------------------------------

@app.command()
@with_address_options
def preview(
    ctx: typer.Context,
    items: List[str] = ITEMS,
    ship_from: AddressFlags = SHIP_FROM,
    label_prep: Optional[str] = LABEL_PREP,
    cli_input_json: Optional[str] = common.CLI_INPUT_JSON,
) -> None:
    """How items would be split into shipments to fulfillment centers (nothing is created)."""
    g = common.globals_of(ctx)
    request = preview_request(items, ship_from.address(), label_prep, cli_input_json)
    previews = g.call("inbound", "GetInboundShipmentPreview", request)["ShipmentPreview"]
    g.show_rows(readable_items(g, previews), PREVIEW_COLUMNS)


@app.command()
@with_address_options
def plan(
    ctx: typer.Context,
    items: List[str] = ITEMS,
    ship_from: AddressFlags = SHIP_FROM,
    label_prep: Optional[str] = LABEL_PREP,
    name: Optional[str] = typer.Option(None, "--name",
                                       help="Shipment name; with several shipments each gets "
                                            "' i/n' added (default: 'Plan <today>')."),
    cli_input_json: Optional[str] = typer.Option(None, "--cli-input-json", metavar="FILE|-",
                                                 help="Read the preview request from a JSON file "
                                                      "(or - for stdin)."),
    dry_run: bool = typer.Option(False, "--dry-run",
                                 help="Preview, then print the shipments that would be created; "
                                      "create nothing."),
) -> None:
    """Preview, then create every planned shipment with its planned id, FC and items.

    Everything is checked (and previewed) before the first shipment is created; when a
    create fails, those already created are cancelled, so the plan can be run again."""
    g = common.globals_of(ctx)
    request = preview_request(items, ship_from.address(), label_prep, cli_input_json)
    planned = g.call("inbound", "GetInboundShipmentPreview", request)["ShipmentPreview"]
    base = name or f"Plan {date.today().isoformat()}"
    puts = []
    for number, shipment in enumerate(planned, start=1):
        put = {
            "ShipmentId": shipment["ShipmentId"],
            "ShipmentName": base if len(planned) == 1 else f"{base} {number}/{len(planned)}",
            "DestinationFulfillmentCenter": shipment["DestinationFulfillmentCenter"],
            "ShipFromAddress": request["ShipFromAddress"],
            "LabelPrepPreference": request.get("LabelPrepPreference"),
            "MerchantSKUQuantityItem": shipment["MerchantSKUQuantityItem"],
        }
        puts.append(common.validate_request("inbound", "PutInboundShipment", put, HINTS))
    if dry_run:
        g.show([common.dry_run_request(g, "inbound", "PutInboundShipment", put) for put in puts])
        return
    create_all(g, puts)
    g.show_rows(readable_items(g, [{**shipment, "ShipmentName": put["ShipmentName"]}
                                   for shipment, put in zip(planned, puts)]), PLAN_COLUMNS)


def create_all(g: common.Globals, puts: list[dict[str, Any]]) -> None:
    """Create the planned shipments, all or none. Running `plan` again previews again, and
    a new preview has new shipment ids: shipments left from a run that failed midway would
    be planned, and created, twice. So when a create fails, those already created are
    cancelled (a Working shipment holds no supply; a Cancelled one is inert) and the
    message says so, or names those that could not be cancelled."""
    created: list[str] = []
    try:
        for put in puts:
            g.call("inbound", "PutInboundShipment", put)
            created.append(put["ShipmentId"])
    except KeyboardInterrupt:
        # No more requests after Ctrl-C: say what to cancel (the one in flight may exist).
        in_flight = puts[len(created)]["ShipmentId"]
        common.note(f"interrupted while creating planned shipment {len(created) + 1} of {len(puts)}: "
                    f"cancel {', '.join(created + [in_flight])} (fws inbound cancel; "
                    f"{in_flight} may not exist) before planning again")
        raise
    except Exception as error:
        failure = common.as_cli_error(error)
        failed = puts[len(created)]["ShipmentId"]
        # A timeout or a 5xx may have created it all the same.
        maybe = [failed] if may_have_been_done(error) else []
        if failure is None or not created + maybe:
            raise
        cancelled, left = [], []
        for shipment_id in created + maybe:
            try:
                g.call("inbound", "SetInboundShipmentStatus",
                       {"ShipmentId": shipment_id, "ShipmentStatus": "Cancelled"})
                cancelled.append(shipment_id)
            except Exception as cancelling:
                if shipment_id not in maybe or not is_not_found(cancelling):
                    left.append(shipment_id)
        undone = (f"could not cancel {', '.join(left)}: cancel them (fws inbound cancel) before "
                  f"planning again" if left else
                  (f"cancelled {', '.join(cancelled)}" if cancelled else "none was created")
                  + ", so the plan can be run again")
        failure.message = (f"creating planned shipment {failed} ({len(created) + 1} of {len(puts)}) "
                           f"failed: {failure.message}; {undone}")
        raise failure from None


def may_have_been_done(error: BaseException) -> bool:
    """Whether a request that failed may have been carried out all the same."""
    from ..client.errors import EndpointUnreachable, ServiceError

    return (isinstance(error, EndpointUnreachable) and error.maybe_sent) or \
        (isinstance(error, ServiceError) and error.status >= 500)


def is_not_found(error: BaseException) -> bool:
    from ..client.errors import ServiceError

    return isinstance(error, ServiceError) and "not found" in error.message


# --- creating and editing ----------------------------------------------------------------

@app.command()
@with_address_options
def create(
    ctx: typer.Context,
    shipment_id: Optional[str] = typer.Argument(None, metavar="SHIPMENT_ID",
                                                help="The shipment's id (from a preview)."),
    name: Optional[str] = typer.Option(None, "--name", help="Shipment name."),
    fc: Optional[str] = typer.Option(None, "--fc", help="Destination fulfillment center code."),
    items: List[str] = ITEMS,
    ship_from: AddressFlags = SHIP_FROM,
    label_prep: Optional[str] = LABEL_PREP,
    cli_input_json: Optional[str] = common.CLI_INPUT_JSON,
    dry_run: bool = common.DRY_RUN,
) -> None:
    """Create a shipment with its items (PutInboundShipment).

    A Working shipment with the same id is replaced, header and items: repeating the same
    command is harmless."""
    g = common.globals_of(ctx)
    request = merged(cli_input_json, {
        "ShipmentId": shipment_id, "ShipmentName": name, "DestinationFulfillmentCenter": fc,
        "ShipFromAddress": ship_from.address(),
        "LabelPrepPreference": label_prep,
        "MerchantSKUQuantityItem": item_lines(items),
    })
    checked = checked_request("PutInboundShipment", request)
    if common.send(g, "inbound", "PutInboundShipment", checked, dry_run=dry_run) is not None:
        show_shipment(g, checked["ShipmentId"])


@app.command()
@with_address_options
def update(
    ctx: typer.Context,
    shipment_id: Optional[str] = typer.Argument(None, metavar="SHIPMENT_ID"),
    name: Optional[str] = typer.Option(None, "--name", help="New shipment name."),
    fc: Optional[str] = typer.Option(None, "--fc", help="New destination fulfillment center."),
    ship_from: AddressFlags = SHIP_FROM,
    label_prep: Optional[str] = LABEL_PREP,
    cli_input_json: Optional[str] = common.CLI_INPUT_JSON,
    dry_run: bool = common.DRY_RUN,
) -> None:
    """Change a Working shipment's header (PutInboundShipmentData); its items stay.

    What is not given is kept: the current header is read first (with --cli-input-json the
    file is the whole request instead). --from replaces the ship-from address whole;
    --from-* flags alone change those members of it."""
    g = common.globals_of(ctx)
    changes = {"ShipmentName": name, "DestinationFulfillmentCenter": fc,
               "LabelPrepPreference": label_prep}
    address = ship_from.address()
    if cli_input_json:
        request = merged(cli_input_json, {"ShipmentId": shipment_id, "ShipFromAddress": address,
                                          **changes})
    else:
        if shipment_id is None:
            raise common.CliError("give the SHIPMENT_ID to update", common.EXIT_USAGE, code="UsageError")
        if address is None and all(value is None for value in changes.values()):
            raise common.CliError("nothing to update: give --name, --fc, --from… or --label-prep",
                                  common.EXIT_USAGE, code="UsageError")
        current = header_of(get_shipment(g, shipment_id))
        # --from is a whole address (with --from-* on top): a member it lacks is absent, not
        # the old address's (a Line2 kept from the old address would be nobody's). Alone,
        # --from-* flags change those members of the current address.
        request = {**current, **present(changes),
                   "ShipFromAddress": address if ship_from.source else
                   {**current["ShipFromAddress"], **(address or {})}}
    checked = checked_request("PutInboundShipmentData", request)
    if common.send(g, "inbound", "PutInboundShipmentData", checked, dry_run=dry_run) is not None:
        show_shipment(g, checked["ShipmentId"])


@app.command("add-items")
def add_items(
    ctx: typer.Context,
    shipment_id: Optional[str] = typer.Argument(None, metavar="SHIPMENT_ID"),
    items: List[str] = ITEMS,
    cli_input_json: Optional[str] = common.CLI_INPUT_JSON,
    dry_run: bool = common.DRY_RUN,
) -> None:
    """Add items to a Working shipment; a SKU already on it gets the new quantity."""
    g = common.globals_of(ctx)
    request = merged(cli_input_json, {"ShipmentId": shipment_id,
                                      "MerchantSKUQuantityItem": item_lines(items)})
    checked = common.validate_request("inbound", "PutInboundShipmentItems", request, HINTS)
    if common.send(g, "inbound", "PutInboundShipmentItems", checked, dry_run=dry_run) is not None:
        show_items(g, checked["ShipmentId"])


@app.command("remove-items")
def remove_items(
    ctx: typer.Context,
    shipment_id: Optional[str] = typer.Argument(None, metavar="SHIPMENT_ID"),
    skus: List[str] = typer.Argument(None, metavar="SKU...", help="Merchant SKUs to take off."),
    cli_input_json: Optional[str] = common.CLI_INPUT_JSON,
    dry_run: bool = common.DRY_RUN,
) -> None:
    """Take SKUs off a Working shipment; SKUs not on it are ignored."""
    g = common.globals_of(ctx)
    request = merged(cli_input_json, {"ShipmentId": shipment_id, "MerchantSKU": skus or None})
    checked = common.validate_request("inbound", "DeleteInboundShipmentItems", request, HINTS)
    if common.send(g, "inbound", "DeleteInboundShipmentItems", checked, dry_run=dry_run) is not None:
        show_items(g, checked["ShipmentId"])


@app.command()
def ship(ctx: typer.Context, shipment_id: Optional[str] = typer.Argument(None, metavar="SHIPMENT_ID"),
         cli_input_json: Optional[str] = common.CLI_INPUT_JSON, dry_run: bool = common.DRY_RUN) -> None:
    """Mark a Working shipment Shipped: it has left you; its items become inbound supply.

    Marking a shipment that has already left again is harmless: it changes nothing."""
    set_status(ctx, shipment_id, "Shipped", cli_input_json, dry_run)


@app.command()
def cancel(ctx: typer.Context, shipment_id: Optional[str] = typer.Argument(None, metavar="SHIPMENT_ID"),
           cli_input_json: Optional[str] = common.CLI_INPUT_JSON, dry_run: bool = common.DRY_RUN) -> None:
    """Cancel a shipment not yet Closed: what is still expected leaves the inbound supply and
    units arriving later are set aside (cancelling twice is harmless)."""
    set_status(ctx, shipment_id, "Cancelled", cli_input_json, dry_run)


# --- reading -----------------------------------------------------------------------------

@app.command("list")
def list_shipments(
    ctx: typer.Context,
    statuses: List[str] = typer.Option(None, "--status",
                                       help="Only shipments in this status (repeatable): Working, "
                                            "Shipped, InTransit, Delivered, CheckedIn, Receiving, "
                                            "Closed, Cancelled, Error."),
    max_items: Optional[int] = common.MAX_ITEMS,
    starting_token: Optional[str] = common.STARTING_TOKEN,
    page_size: Optional[int] = common.PAGE_SIZE,
    no_paginate: bool = common.NO_PAGINATE,
) -> None:
    """Inbound shipments, oldest first, streamed page by page."""
    from ..api.inbound import SHIPMENT_STATUSES

    request = {"ShipmentStatus": [common.canonical_choice("--status", status, SHIPMENT_STATUSES)
                                  for status in statuses or ()] or None}
    common.list_rows(common.globals_of(ctx), "inbound", "ListInboundShipments", request,
                     max_items=max_items, starting_token=starting_token, page_size=page_size,
                     no_paginate=no_paginate, columns=SHIPMENT_COLUMNS)


@app.command()
def get(ctx: typer.Context, shipment_id: str = SHIPMENT_ID) -> None:
    """One shipment: status, destination (ship-to) and ship-from addresses."""
    g = common.globals_of(ctx)
    g.show(get_shipment(g, shipment_id))


@app.command("items")
def list_items(
    ctx: typer.Context,
    shipment_id: str = SHIPMENT_ID,
    max_items: Optional[int] = common.MAX_ITEMS,
    starting_token: Optional[str] = common.STARTING_TOKEN,
    page_size: Optional[int] = common.PAGE_SIZE,
    no_paginate: bool = common.NO_PAGINATE,
) -> None:
    """A shipment's items with the quantities shipped and received, streamed page by page."""
    common.list_rows(common.globals_of(ctx), "inbound", "ListInboundShipmentItems",
                     {"ShipmentId": shipment_id}, max_items=max_items,
                     starting_token=starting_token, page_size=page_size,
                     no_paginate=no_paginate, columns=ITEM_COLUMNS)


# --- helpers -----------------------------------------------------------------------------

def readable_items(g: common.Globals, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """For table, csv and tsv, a planned shipment's items as `SKU=QTY ...`, as they were
    typed, rather than a cell of JSON; json and ndjson keep the API's shape."""
    if g.output_format() not in ("table", "csv", "tsv"):
        return rows
    return [{**row, "Items": " ".join(f"{item['MerchantSKU']}={item['Quantity']}"
                                      for item in row["MerchantSKUQuantityItem"])} for row in rows]


def set_status(ctx: typer.Context, shipment_id: str | None, status: str,
               cli_input_json: str | None, dry_run: bool) -> None:
    g = common.globals_of(ctx)
    request = merged(cli_input_json, {"ShipmentId": shipment_id, "ShipmentStatus": status})
    checked = common.validate_request("inbound", "SetInboundShipmentStatus", request, HINTS)
    if common.send(g, "inbound", "SetInboundShipmentStatus", checked, dry_run=dry_run) is not None:
        show_shipment(g, checked["ShipmentId"])


def preview_request(items: list[str] | None, address: dict[str, str] | None,
                    label_prep: str | None, cli_input_json: str | None) -> dict[str, Any]:
    request = merged(cli_input_json, {"ShipFromAddress": address, "LabelPrepPreference": label_prep,
                                      "MerchantSKUQuantityItem": item_lines(items)})
    return checked_request("GetInboundShipmentPreview", request)


def merged(cli_input_json: str | None, flags: dict[str, Any]) -> dict[str, Any]:
    """The --cli-input-json request (if any) with the flags given on top (an address given
    in part by flags fills in the file's address)."""
    return common.merge_input_json(present(flags), cli_input_json)


def present(values: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in values.items() if value not in (None, [], {})}


def item_lines(values: list[str] | None) -> list[dict[str, Any]] | None:
    """`--item SKU=QTY` values as MerchantSKUQuantityItem members (None when none given)."""
    lines = [{"MerchantSKU": sku, "Quantity": quantity}
             for sku, quantity in map(common.parse_sku_quantity, values or ())]
    return lines or None


def checked_request(action: str, request: dict[str, Any]) -> dict[str, Any]:
    """The request validated by the model, then by the ship-from rules the model cannot say."""
    return validated("inbound", action, request, "ShipFromAddress", HINTS)


def get_shipment(g: common.Globals, shipment_id: str) -> dict[str, Any]:
    return g.call("inbound", "GetInboundShipmentData", {"ShipmentId": shipment_id})["ShipmentData"]


def header_of(shipment: dict[str, Any]) -> dict[str, Any]:
    """A shipment as read, as the PutInboundShipmentData request that would write it back."""
    return {
        "ShipmentId": shipment["ShipmentId"], "ShipmentName": shipment["ShipmentName"],
        "DestinationFulfillmentCenter": shipment["DestinationFulfillmentCenter"],
        "ShipFromAddress": shipment["ShipFromAddress"],
        "LabelPrepPreference": LABEL_PREFERENCE_OF_TYPE.get(shipment.get("LabelPrepType") or ""),
    }


def show_shipment(g: common.Globals, shipment_id: str) -> None:
    g.show(get_shipment(g, shipment_id))


def show_items(g: common.Globals, shipment_id: str) -> None:
    common.list_rows(g, "inbound", "ListInboundShipmentItems", {"ShipmentId": shipment_id},
                     max_items=None, starting_token=None, page_size=None, no_paginate=False,
                     columns=ITEM_COLUMNS)
