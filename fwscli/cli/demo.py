"""`fws demo`: the whole lifecycle in one command, told step by step.

Register two items, plan and ship an inbound shipment of them, wait for the warehouse to
receive it, preview and create an order, then follow the order to its end. Every run makes
its own SKUs and ids, so it can be run again and again on the same database.

Who moves shipments and orders is the warehouse's business: the embedded service does it by
itself in "auto" mode; elsewhere an operator may have to. So each wait is bounded by the
one --timeout, and when it runs out the demo says what it is still waiting for.
"""

# No `from __future__ import annotations`: Typer would compile each string annotation on
# every start, building the commands several times slower.

import time
from typing import Any

import typer

from . import common, outbound

EPILOG = (f"Exit codes: 0 the order completed; {common.EXIT_WAIT_ENDED} it ended otherwise "
          f"(e.g. Unfulfillable); {common.EXIT_WAIT_TIMEOUT} --timeout ran out first; "
          f"others as for every command.")
STOCK = {"MUG": 12, "TEE": 6}     # units sent to the warehouse, by SKU suffix
ORDERED = {"MUG": 2, "TEE": 1}    # units ordered
SHIP_FROM = {"Name": "Demo Supplies Inc.", "AddressLine1": "100 Factory Way", "City": "Reno",
             "StateOrProvinceCode": "NV", "CountryCode": "US", "PostalCode": "89501"}
SHIP_TO = {"Name": "Ada Lovelace", "Line1": "12 Analytical Row", "City": "Seattle",
           "StateOrProvinceCode": "WA", "CountryCode": "US", "PostalCode": "98101"}
INBOUND_DONE = ("Closed", "Cancelled", "Error")
INBOUND_WAITING_FOR = {
    "Working": "it to be marked Shipped", "Shipped": "the carrier to take it",
    "InTransit": "it to arrive", "Delivered": "the warehouse to check it in",
    "CheckedIn": "the warehouse to start receiving it", "Receiving": "the warehouse to finish receiving it",
}
ORDER_WAITING_FOR = {
    "New": "the warehouse to accept it", "Received": "the warehouse to plan it",
    "Planning": "the warehouse to start picking and packing", "Processing": "the carrier to take its packages",
}
NOTHING_MOVED = ("The warehouse moves it: the embedded service does so by itself in auto mode; "
                 "in manual mode an operator does. Run the demo again with a longer --timeout, "
                 "or follow it with `fws outbound wait`.")


def demo(
    ctx: typer.Context,
    timeout: float = typer.Option(300.0, "--timeout", min=0, callback=common.not_nan, metavar="SECONDS",
                                  help="Stop waiting for the warehouse after this long in all."),
    interval: float = typer.Option(1.0, "--interval", min=0.05, callback=common.not_nan, metavar="SECONDS",
                                   help="Time between polls."),
) -> None:
    """The whole lifecycle on the embedded service (or --endpoint-url), with fresh data each run:
    register items, plan and ship an inbound shipment, wait for it to be received, create an
    order and follow it until it completes. Steps go to stderr, the final order to stdout."""
    import secrets

    from ..config import default_database_url

    g = common.globals_of(ctx)
    deadline = time.monotonic() + timeout
    run = f"DEMO-{secrets.token_hex(4).upper()}"
    skus = {suffix: f"{run}-{suffix}" for suffix in STOCK}
    order_id = f"{run}-ORDER"
    lines = {skus[suffix]: quantity for suffix, quantity in ORDERED.items()}

    say(f"fws demo {run} on " + (g.settings().endpoint_url or
                                 f"the embedded service ({default_database_url()})"))
    register(g, list(skus.values()))
    shipments = ship_inbound(g, run, {skus[suffix]: quantity for suffix, quantity in STOCK.items()})
    received = follow_inbound(g, shipments, remaining(deadline), interval)
    show_stock(g, list(skus.values()))
    preview(g, lines)
    create_order(g, order_id, lines)
    step(f"Following order {order_id}")
    _, status = outbound.follow_order(g, order_id, outbound.is_final,
                                      timeout=remaining(deadline), interval=interval)
    result = outbound.get_order(g, order_id)
    outbound.show_order(g, result)
    finish(order_id, status, result, received, timeout)


def say(text: str) -> None:
    typer.echo(text, err=True)


def step(text: str) -> None:
    say(f"==> {text}")


def remaining(deadline: float) -> float:
    return max(0.0, deadline - time.monotonic())


def register(g: common.Globals, skus: list[str]) -> None:
    step(f"Registering {len(skus)} items")
    for item in g.call("inbound", "GetFulfillmentIdentifierForMSKU", {"MerchantSKU": skus})["FulfillmentItem"]:
        say(f"    {item['MerchantSKU']} -> FNSKU {item['FulfillmentNetworkSKU']}")


def ship_inbound(g: common.Globals, run: str, stock: dict[str, int]) -> list[str]:
    """Plan the inbound shipments, create each as planned and mark it Shipped."""
    step("Planning an inbound shipment: " + units(stock) + f" from {SHIP_FROM['City']}")
    items = [{"MerchantSKU": sku, "Quantity": quantity} for sku, quantity in stock.items()]
    plan = g.call("inbound", "GetInboundShipmentPreview",
                  {"ShipFromAddress": SHIP_FROM, "MerchantSKUQuantityItem": items})["ShipmentPreview"]
    shipment_ids = []
    for n, planned in enumerate(plan, start=1):
        shipment_id = planned["ShipmentId"]
        g.call("inbound", "PutInboundShipment", {
            "ShipmentId": shipment_id, "ShipmentName": f"{run} stock {n}",
            "DestinationFulfillmentCenter": planned["DestinationFulfillmentCenter"],
            "ShipFromAddress": SHIP_FROM, "MerchantSKUQuantityItem": planned["MerchantSKUQuantityItem"],
        })
        g.call("inbound", "SetInboundShipmentStatus", {"ShipmentId": shipment_id, "ShipmentStatus": "Shipped"})
        contents = {item["MerchantSKU"]: item["Quantity"] for item in planned["MerchantSKUQuantityItem"]}
        say(f"    shipment {shipment_id} to {planned['DestinationFulfillmentCenter']}: "
            f"{units(contents)}; created and marked Shipped")
        shipment_ids.append(shipment_id)
    return shipment_ids


def follow_inbound(g: common.Globals, shipment_ids: list[str], timeout: float, interval: float) -> bool:
    """Wait until every shipment is received (Closed); False when the time ran out first."""
    step(f"Waiting up to {timeout:.0f} s for the warehouse to receive it")

    def statuses() -> dict[str, str]:
        return {shipment_id: g.call("inbound", "GetInboundShipmentData", {"ShipmentId": shipment_id})
                ["ShipmentData"]["ShipmentStatus"] for shipment_id in shipment_ids}

    last, _ = outbound.poll_until(
        statuses, lambda found: "; ".join(f"{sid} {status}" for sid, status in found.items()),
        lambda found: all(status in INBOUND_DONE for status in found.values()),
        timeout=timeout, interval=interval, on_change=lambda text: say(f"    shipment {text}"))
    waiting = {shipment_id: status for shipment_id, status in last.items() if status not in INBOUND_DONE}
    for shipment_id, status in waiting.items():
        say(f"    stopped waiting: shipment {shipment_id} is {status}, waiting for "
            f"{INBOUND_WAITING_FOR.get(status, 'the warehouse')}.")
    if waiting:
        say(f"    {NOTHING_MOVED}")
    return not waiting


def show_stock(g: common.Globals, skus: list[str]) -> None:
    supply = g.call("inventory", "GetInventorySupply", {"MerchantSKU": skus})["MerchantSKUSupply"]
    say("    in stock: " + ", ".join(f"{row['MerchantSKU']} {row['InStockSupplyQuantity']}"
                                     f" (total supply {row['TotalSupplyQuantity']})" for row in supply))


def preview(g: common.Globals, lines: dict[str, int]) -> None:
    step(f"Previewing an order of {units(lines)} to {SHIP_TO['City']}, Standard")
    items = [{"MerchantSKU": sku, "Quantity": quantity, "MerchantFulfillmentOrderItemId": str(n)}
             for n, (sku, quantity) in enumerate(lines.items(), start=1)]
    result = g.call("outbound", "GetFulfillmentPreview", {
        "Address": SHIP_TO, "Items": items, "ShippingSpeedCategories": ["Standard"]})
    summary = outbound.preview_summary(result["FulfillmentPreviews"][0])
    if summary["Fulfillable"]:
        # Dates reach the client as the ISO strings the service wrote: the day is [:10].
        say(f"    fulfillable: arrives {summary['ArrivesFrom'][:10]} to {summary['ArrivesBy'][:10]}, "
            f"fees {summary['Fees']}")
    else:
        say(f"    not fulfillable now: {summary['Unfulfillable']}")


def create_order(g: common.Globals, order_id: str, lines: dict[str, int]) -> None:
    from datetime import datetime, timezone

    step(f"Creating order {order_id}")
    g.call("outbound", "CreateFulfillmentOrder", {
        "MerchantFulfillmentOrderId": order_id, "DisplayableOrderId": order_id,
        "DisplayableOrderDateTime": datetime.now(timezone.utc).replace(microsecond=0),
        "DisplayableOrderComment": outbound.DEFAULT_COMMENT, "ShippingSpeedCategory": "Standard",
        "DestinationAddress": SHIP_TO,
        "Item": [{"MerchantSKU": sku, "Quantity": quantity, "MerchantFulfillmentOrderItemId": str(n)}
                 for n, (sku, quantity) in enumerate(lines.items(), start=1)],
    })


def finish(order_id: str, status: str, result: dict[str, Any], received: bool, timeout: float) -> None:
    """The last word, and the exit code that goes with it."""
    if status == "Complete":
        packages = [package for shipment in result["FulfillmentShipment"]
                    for package in shipment["FulfillmentShipmentPackage"]]
        tracking = ", ".join(f"{package['CarrierCode']} {package.get('TrackingNumber') or '(no tracking)'}"
                             for package in packages)
        step(f"Done: order {order_id} is Complete" + (f", shipped as {tracking}" if tracking else ""))
        return
    if outbound.is_final(status):
        why = "" if received else " (its stock had not been received)"
        raise common.CliError(f"order {order_id} ended {status}{why}", common.EXIT_WAIT_ENDED,
                              code="WaitEnded")
    raise common.CliError(
        f"stopped after {timeout:g} s: order {order_id} is {status}, waiting for "
        f"{ORDER_WAITING_FOR.get(status, 'the warehouse')}. {NOTHING_MOVED}",
        common.EXIT_WAIT_TIMEOUT)


def units(quantities: dict[str, int]) -> str:
    return ", ".join(f"{quantity} × {sku}" for sku, quantity in quantities.items())
