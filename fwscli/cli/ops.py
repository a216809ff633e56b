"""`fws ops …`: the warehouse staff's commands, on the operator service.

They need a profile with operator keys (`fws server create-operator` prints some); merchant
keys are refused (exit 253). Commands that act for a merchant name it with --merchant.
"""

# No `from __future__ import annotations`: Typer would compile each string annotation on
# every start, building this group's commands several times slower.

import re
from typing import Any, List, Optional

import typer

from . import common
from .output import Column

app = typer.Typer(help="Run the warehouse: receive, pick, pack and ship, adjust stock, manage "
                       "merchants and keys, move the simulation clock (operator keys).",
                  no_args_is_help=True)

MERCHANT_COLUMNS = [Column("MerchantId", "MerchantId"), Column("Name", "Name"),
                    Column("Created", "CreatedDateTime"), Column("ActiveKeys", "ActiveKeyCount")]
NEW_KEY_COLUMNS = [Column("AccessKeyId", "AccessKeyId"), Column("SecretAccessKey", "SecretAccessKey"),
                   Column("Role", "Role"), Column("MerchantId", "MerchantId")]
KEY_COLUMNS = [Column("AccessKeyId", "AccessKeyId"), Column("Role", "Role"),
               Column("MerchantId", "MerchantId"), Column("Created", "CreatedDateTime"),
               Column("Revoked", "RevokedDateTime")]
RECEIVED_COLUMNS = [Column("SKU", "MerchantSKU"), Column("FNSKU", "FulfillmentNetworkSKU"),
                    Column("Shipped", "QuantityShipped"), Column("Received", "QuantityReceived"),
                    Column("Problem", "ProblemQuantity")]
BALANCE_COLUMNS = [Column("SKU", "MerchantSKU"), Column("Center", "FulfillmentCenterId"),
                   Column("Disposition", "Disposition"), Column("InStock", "InStockQuantity"),
                   Column("Inbound", "InboundQuantity"), Column("Reserved", "ReservedQuantity"),
                   Column("Available", "AvailableQuantity")]
CLOCK_COLUMNS = [Column("Now", "Now"), Column("OffsetSeconds", "OffsetSeconds"),
                 Column("Mode", "WarehouseMode"), Column("Applied", "TransitionsApplied")]
# For the help text only (the model checks the value): importing fwscli.api here would load
# every service's model on each `fws --help`.
INBOUND_MOVES = ("InTransit", "Delivered", "CheckedIn", "Closed", "Error")
_DURATION = re.compile(r"(\d+)([smhd])")
_SECONDS = {"s": 1, "m": 60, "h": 3600, "d": 86400}

MERCHANT = typer.Option(..., "--merchant", metavar="MERCHANT_ID", min=1,
                        help="The merchant to act for (its id: see `fws ops merchants`).")


def call(ctx: typer.Context, action: str, request: dict[str, Any], dry_run: bool = False,
         hints: dict[str, str] | None = None) -> dict[str, Any] | None:
    """Check a request as the service would (exit 252), then send it (or print it)."""
    g = common.globals_of(ctx)
    checked = common.validate_request("operator", action, request, hints)
    return common.send(g, "operator", action, checked, dry_run=dry_run)


def show_shipment(ctx: typer.Context, result: dict[str, Any] | None) -> None:
    """A shipment's status and lines: on a terminal the status as a note and the lines as a
    table; elsewhere the API's own object."""
    if result is None:  # --dry-run
        return
    g = common.globals_of(ctx)
    if g.output_format() == "table" and g.query is None:
        common.note(f"shipment {result['ShipmentId']} is {result['ShipmentStatus']}")
        g.show_rows(result["ReceivedItem"], RECEIVED_COLUMNS)
    else:
        g.show(result)


# --- merchants and keys ------------------------------------------------------------------

@app.command("merchants")
def list_merchants(ctx: typer.Context) -> None:
    """Every merchant, oldest first, with its number of active keys."""
    common.globals_of(ctx).show_rows(call(ctx, "ListMerchants", {})["Merchant"], MERCHANT_COLUMNS)


@app.command("create-merchant")
def create_merchant(ctx: typer.Context, name: str = typer.Argument(..., help="The merchant's name."),
                    dry_run: bool = common.DRY_RUN) -> None:
    """A new merchant and its first key (the secret is shown only now)."""
    result = call(ctx, "CreateMerchant", {"Name": name}, dry_run)
    if result is not None:
        common.globals_of(ctx).show(result["AccessKey"], NEW_KEY_COLUMNS)


@app.command("keys")
def list_keys(ctx: typer.Context,
              merchant: Optional[int] = typer.Option(None, "--merchant", metavar="MERCHANT_ID", min=1,
                                                     help="Only this merchant's keys.")) -> None:
    """Keys (never their secrets), revoked ones included."""
    result = call(ctx, "ListAccessKeys", {"MerchantId": merchant}, hints={"MerchantId": "--merchant"})
    common.globals_of(ctx).show_rows(result["AccessKeyInfo"], KEY_COLUMNS)


@app.command("create-key")
def create_key(ctx: typer.Context,
               merchant: Optional[int] = typer.Option(None, "--merchant", metavar="MERCHANT_ID", min=1,
                                                      help="A key for this merchant."),
               operator: bool = typer.Option(False, "--operator", help="A key for the warehouse staff."),
               dry_run: bool = common.DRY_RUN) -> None:
    """Another key for a merchant (--merchant) or an operator key (--operator)."""
    if (merchant is None) == (not operator):
        raise common.CliError("give --merchant MERCHANT_ID or --operator (one of them)",
                              common.EXIT_USAGE, code="UsageError")
    request = {"Role": "operator"} if operator else {"Role": "merchant", "MerchantId": merchant}
    result = call(ctx, "CreateAccessKey", request, dry_run)
    if result is not None:
        common.globals_of(ctx).show(result["AccessKey"], NEW_KEY_COLUMNS)


@app.command("rotate-key")
def rotate_key(ctx: typer.Context, access_key_id: str = typer.Argument(..., metavar="ACCESS_KEY_ID"),
               dry_run: bool = common.DRY_RUN) -> None:
    """Replace a key: a new one for the same owner; the old one stops working."""
    result = call(ctx, "RotateAccessKey", {"AccessKeyId": access_key_id}, dry_run)
    if result is not None:
        common.note(f"revoked {result['RevokedAccessKeyId']}")
        common.globals_of(ctx).show(result["AccessKey"], NEW_KEY_COLUMNS)


@app.command("revoke-key")
def revoke_key(ctx: typer.Context, access_key_id: str = typer.Argument(..., metavar="ACCESS_KEY_ID"),
               dry_run: bool = common.DRY_RUN) -> None:
    """Revoke a key (the last active operator key cannot be revoked)."""
    if call(ctx, "RevokeAccessKey", {"AccessKeyId": access_key_id}, dry_run) is not None:
        common.note(f"revoked {access_key_id}")


# --- inbound -------------------------------------------------------------------------------

@app.command("move-inbound")
def move_inbound(ctx: typer.Context, shipment_id: str = typer.Argument(..., metavar="SHIPMENT_ID"),
                 status: str = typer.Argument(..., metavar="STATUS", help=", ".join(INBOUND_MOVES) + "."),
                 merchant: int = MERCHANT, dry_run: bool = common.DRY_RUN) -> None:
    """Move a shipped shipment on: a later carrier state, Closed (short) or Error."""
    request = {"MerchantId": merchant, "ShipmentId": shipment_id,
               "ShipmentStatus": common.canonical_choice("STATUS", status, INBOUND_MOVES)}
    show_shipment(ctx, call(ctx, "MoveInboundShipment", request, dry_run, {"ShipmentStatus": "STATUS"}))


@app.command("receive")
def receive_inbound(ctx: typer.Context, shipment_id: str = typer.Argument(..., metavar="SHIPMENT_ID"),
                    items: List[str] = typer.Option(None, "--item", metavar="SKU=QTY",
                                                    help=f"Units received of a SKU ({common.SKU_QUANTITY_HELP})."),
                    receive_all: bool = typer.Option(False, "--all", help="Everything still expected."),
                    merchant: int = MERCHANT, dry_run: bool = common.DRY_RUN) -> None:
    """Receive units into stock; on a cancelled or failed shipment they are problem receives."""
    if bool(items) == receive_all:
        raise common.CliError("give --item SKU=QTY (repeatable) or --all", common.EXIT_USAGE,
                              code="UsageError")
    request: dict[str, Any] = {"MerchantId": merchant, "ShipmentId": shipment_id}
    if receive_all:
        request["ReceiveAll"] = True
    else:
        request["Item"] = [{"MerchantSKU": sku, "Quantity": quantity}
                           for sku, quantity in map(common.parse_sku_quantity, items)]
    show_shipment(ctx, call(ctx, "ReceiveInboundShipmentItems", request, dry_run, {"Item": "--item"}))


# --- orders --------------------------------------------------------------------------------

def show_order(ctx: typer.Context, result: dict[str, Any] | None) -> None:
    """An order's status, shipments and packages (tracking), as `fws outbound get` shows them."""
    from .outbound import PACKAGE_COLUMNS, SHIPMENT_COLUMNS, contents, section

    if result is None:  # --dry-run
        return
    g = common.globals_of(ctx)
    if g.output_format() != "table" or g.query is not None:
        g.show(result)
        return
    common.note(f"order {result['MerchantFulfillmentOrderId']} is {result['FulfillmentOrderStatus']}")
    shipments = result["FulfillmentShipment"]
    section(g, "Shipments", [{**s, "Contents": contents(s["FulfillmentShipmentItem"])} for s in shipments],
            SHIPMENT_COLUMNS)
    section(g, "Packages", [{**p, "Shipment": s["AmazonShipmentId"],
                             "Contents": contents(i for i in s["FulfillmentShipmentItem"]
                                                  if i.get("PackageNumber") == p["PackageNumber"])}
                            for s in shipments for p in s["FulfillmentShipmentPackage"]], PACKAGE_COLUMNS)


ORDER_ID = typer.Argument(..., metavar="ORDER_ID")
SHIPMENT = typer.Option(None, "--shipment", metavar="AMAZON_SHIPMENT_ID",
                        help="Only this shipment (default: every pending one).")


@app.command("pick")
def pick_order(ctx: typer.Context, order_id: str = ORDER_ID, merchant: int = MERCHANT,
               dry_run: bool = common.DRY_RUN) -> None:
    """Start shipments (Pending) for an order's planned units."""
    request = {"MerchantId": merchant, "MerchantFulfillmentOrderId": order_id}
    show_order(ctx, call(ctx, "PickFulfillmentOrder", request, dry_run))


@app.command("ship")
def ship_order(ctx: typer.Context, order_id: str = ORDER_ID, merchant: int = MERCHANT,
               packages: List[str] = typer.Option(
                   None, "--package", metavar="CARRIER[:TRACKING]",
                   help="A package and its carrier, with its tracking number (repeatable). "
                        "Default: one UPS package, tracking number generated."),
               shipment: Optional[str] = SHIPMENT, dry_run: bool = common.DRY_RUN) -> None:
    """Pack and ship pending shipments (picking first when needed); the order's tracking."""
    request: dict[str, Any] = {"MerchantId": merchant, "MerchantFulfillmentOrderId": order_id,
                               "AmazonShipmentId": shipment, "Package": [package(value) for value in packages or []]}
    show_order(ctx, call(ctx, "ShipFulfillmentOrder", request, dry_run,
                         {"Package": "--package", "AmazonShipmentId": "--shipment"}))


@app.command("fail")
def fail_shipment(ctx: typer.Context, order_id: str = ORDER_ID, merchant: int = MERCHANT,
                  shipment: Optional[str] = SHIPMENT, dry_run: bool = common.DRY_RUN) -> None:
    """The fulfillment center cannot ship: pending shipments become CancelledByFulfiller."""
    request = {"MerchantId": merchant, "MerchantFulfillmentOrderId": order_id, "AmazonShipmentId": shipment}
    show_order(ctx, call(ctx, "FailFulfillmentShipment", request, dry_run, {"AmazonShipmentId": "--shipment"}))


def package(value: str) -> dict[str, str]:
    carrier, _, tracking = value.partition(":")
    if not carrier:
        raise common.bad_parameter("--package", value, "expected CARRIER or CARRIER:TRACKING, e.g. UPS:1Z999")
    return {"CarrierCode": carrier, "TrackingNumber": tracking or None}


# --- stock ---------------------------------------------------------------------------------

@app.command("stock")
def get_stock(ctx: typer.Context, sku: str = typer.Argument(..., metavar="SKU"),
              merchant: int = MERCHANT) -> None:
    """A SKU's balances per fulfillment center and disposition."""
    result = call(ctx, "GetInventoryBalances", {"MerchantId": merchant, "MerchantSKU": sku})
    common.globals_of(ctx).show_rows(result["InventoryBalance"], BALANCE_COLUMNS)


@app.command("adjust")
def adjust_stock(ctx: typer.Context, sku: str = typer.Argument(..., metavar="SKU"),
                 quantity: int = typer.Argument(..., metavar="QUANTITY",
                                                help="Units to add, or to take out when negative."),
                 merchant: int = MERCHANT,
                 center: str = typer.Option(..., "--fc", metavar="CENTER", help="The fulfillment center."),
                 reason: str = typer.Option(..., "--reason", help="Why (kept on the ledger)."),
                 unsellable: bool = typer.Option(False, "--unsellable",
                                                 help="Unsellable stock (damaged, defective...)."),
                 dry_run: bool = common.DRY_RUN) -> None:
    """Add or remove stock at a fulfillment center. A negative QUANTITY goes after `--`:
    `fws ops adjust SKU-1 --merchant 7 --fc PHL1 --reason damaged -- -2`."""
    request = {"MerchantId": merchant, "MerchantSKU": sku, "FulfillmentCenterId": center,
               "Quantity": quantity, "Reason": reason,
               "Disposition": "Unsellable" if unsellable else None}
    result = call(ctx, "AdjustInventory", request, dry_run,
                  {"FulfillmentCenterId": "--fc", "Reason": "--reason", "Quantity": "QUANTITY"})
    if result is not None:
        common.globals_of(ctx).show(result["InventoryBalance"], BALANCE_COLUMNS)


# --- the clock -----------------------------------------------------------------------------

@app.command("clock")
def show_clock(ctx: typer.Context) -> None:
    """The simulated time the warehouse runs on, and its mode."""
    common.globals_of(ctx).show(call(ctx, "GetSimulationClock", {}), CLOCK_COLUMNS)


@app.command("advance-clock")
def advance_clock(ctx: typer.Context,
                  duration: str = typer.Argument(..., metavar="DURATION", help="e.g. 90s, 15m, 2h, 1d."),
                  dry_run: bool = common.DRY_RUN) -> None:
    """Move the simulated time forward; everything that falls due happens at once."""
    match = _DURATION.fullmatch(duration)
    if match is None or int(match[1]) == 0:
        raise common.bad_parameter("DURATION", duration, "expected a positive whole number and s, m, h or d")
    result = call(ctx, "AdvanceSimulationClock", {"Seconds": int(match[1]) * _SECONDS[match[2]]}, dry_run,
                  {"Seconds": "DURATION"})
    if result is not None:
        common.globals_of(ctx).show(result, CLOCK_COLUMNS)
