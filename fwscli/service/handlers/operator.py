"""Operator service handlers: the warehouse staff's calls, shaped with the model's names.

Operators act for a merchant by naming its MerchantId; the warehouse functions then run
in that merchant's context, exactly as the merchant's own calls do.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any, Callable

from ...api.errors import InvalidParameterCombination
from ...warehouse import accounts, clock, ledger, orders, receiving, shipping, stock, tick
from ...warehouse.context import Context
from .outbound import shipment_result

Result = dict[str, Any]


def _for_merchant(ctx: Context, request: dict) -> Context:
    with ctx.db.read() as conn:
        accounts.require_merchant(conn, request["MerchantId"])
    return ctx.acting_for(request["MerchantId"])


def _new_key(credentials: accounts.Credentials) -> Result:
    return {"AccessKeyId": credentials.access_key_id,
            "SecretAccessKey": credentials.secret_access_key,
            "Role": credentials.role, "MerchantId": credentials.merchant_id}


def _shipment_state(state: receiving.ShipmentState) -> Result:
    return {"ShipmentId": state.shipment_id, "ShipmentStatus": state.status,
            "ReceivedItem": [{"MerchantSKU": line.merchant_sku, "FulfillmentNetworkSKU": line.fnsku,
                              "QuantityShipped": line.quantity_shipped,
                              "QuantityReceived": line.quantity_received,
                              "ProblemQuantity": line.problem_quantity}
                             for line in state.lines]}


def _order_state(ctx: Context, order_id: str) -> Result:
    detail = orders.get_order(ctx, order_id)
    return {"MerchantFulfillmentOrderId": order_id,
            "FulfillmentOrderStatus": detail.order.status,
            "FulfillmentShipment": [shipment_result(shipment) for shipment in detail.shipments]}


def _balance(balance: stock.CenterBalance) -> Result:
    return {"MerchantSKU": balance.merchant_sku, "FulfillmentCenterId": balance.fulfillment_center_id,
            "Disposition": balance.disposition, "InStockQuantity": balance.in_stock,
            "InboundQuantity": balance.inbound, "ReservedQuantity": balance.reserved,
            "AvailableQuantity": balance.available}


def _clock_state(ctx: Context, now, offset: timedelta) -> Result:
    return {"Now": now, "OffsetSeconds": int(offset.total_seconds()),
            "WarehouseMode": ctx.simulation.mode}


# --- accounts --------------------------------------------------------------------------

def list_merchants(ctx: Context, request: dict) -> Result:
    with ctx.db.read() as conn:
        merchants = accounts.list_merchants(conn)
    return {"Merchant": [{"MerchantId": m.id, "Name": m.name, "CreatedDateTime": m.created_at,
                          "ActiveKeyCount": m.active_keys} for m in merchants]}


def create_merchant(ctx: Context, request: dict) -> Result:
    with ctx.db.write() as conn:
        credentials = accounts.create_merchant(conn, request["Name"], ctx.now)
    return {"MerchantId": credentials.merchant_id, "AccessKey": _new_key(credentials)}


def create_access_key(ctx: Context, request: dict) -> Result:
    role, merchant_id = request["Role"], request.get("MerchantId")
    if (role == "merchant") != (merchant_id is not None):
        raise InvalidParameterCombination("A merchant key needs a MerchantId; an operator key takes none.")
    with ctx.db.write() as conn:
        if merchant_id is not None:
            accounts.require_merchant(conn, merchant_id)
        credentials = accounts.add_key(conn, role=role, merchant_id=merchant_id, now=ctx.now)
    return {"AccessKey": _new_key(credentials)}


def list_access_keys(ctx: Context, request: dict) -> Result:
    merchant_id = request.get("MerchantId")
    with ctx.db.read() as conn:
        if merchant_id is not None:
            # As every operation for a merchant: a mistyped id listed no keys, as if its
            # merchant had none, where the others say that no merchant has it.
            accounts.require_merchant(conn, merchant_id)
        keys = accounts.list_keys(conn, merchant_id)
    return {"AccessKeyInfo": [{"AccessKeyId": key.access_key_id, "Role": key.role,
                               "MerchantId": key.merchant_id, "CreatedDateTime": key.created_at,
                               "RevokedDateTime": key.revoked_at} for key in keys]}


def rotate_access_key(ctx: Context, request: dict) -> Result:
    with ctx.db.write() as conn:
        credentials = accounts.rotate_key(conn, request["AccessKeyId"], ctx.now)
    return {"AccessKey": _new_key(credentials), "RevokedAccessKeyId": request["AccessKeyId"]}


def revoke_access_key(ctx: Context, request: dict) -> None:
    with ctx.db.write() as conn:
        accounts.revoke_key(conn, request["AccessKeyId"], ctx.now)


# --- inbound ---------------------------------------------------------------------------

def move_inbound_shipment(ctx: Context, request: dict) -> Result:
    merchant = _for_merchant(ctx, request)
    return _shipment_state(receiving.move_shipment(merchant, request["ShipmentId"],
                                                   request["ShipmentStatus"]))


def receive_inbound_shipment_items(ctx: Context, request: dict) -> Result:
    items, receive_all = request.get("Item"), request.get("ReceiveAll", False)
    if bool(items) == bool(receive_all):
        raise InvalidParameterCombination("Give either Item (SKUs and quantities) or ReceiveAll=true.")
    merchant = _for_merchant(ctx, request)
    wanted = None if receive_all else [(item["MerchantSKU"], item["Quantity"]) for item in items]
    return _shipment_state(receiving.receive_shipment(merchant, request["ShipmentId"], wanted))


# --- outbound --------------------------------------------------------------------------

def pick_fulfillment_order(ctx: Context, request: dict) -> Result:
    merchant = _for_merchant(ctx, request)
    shipping.pick_order(merchant, request["MerchantFulfillmentOrderId"])
    return _order_state(merchant, request["MerchantFulfillmentOrderId"])


def ship_fulfillment_order(ctx: Context, request: dict) -> Result:
    merchant = _for_merchant(ctx, request)
    packages = [shipping.PackageSpec(package["CarrierCode"], package.get("TrackingNumber"),
                                     package.get("EstimatedArrivalDateTime"))
                for package in request.get("Package", [])]
    shipping.ship_order(merchant, request["MerchantFulfillmentOrderId"], packages=packages or None,
                        shipment_id=request.get("AmazonShipmentId"))
    return _order_state(merchant, request["MerchantFulfillmentOrderId"])


def fail_fulfillment_shipment(ctx: Context, request: dict) -> Result:
    merchant = _for_merchant(ctx, request)
    shipping.fail_order_shipment(merchant, request["MerchantFulfillmentOrderId"],
                                 shipment_id=request.get("AmazonShipmentId"))
    return _order_state(merchant, request["MerchantFulfillmentOrderId"])


# --- inventory -------------------------------------------------------------------------

def adjust_inventory(ctx: Context, request: dict) -> Result:
    merchant = _for_merchant(ctx, request)
    balance = stock.adjust(merchant, request["MerchantSKU"], request["FulfillmentCenterId"],
                           request["Quantity"], request["Reason"],
                           request.get("Disposition", ledger.SELLABLE))
    return {"InventoryBalance": _balance(balance)}


def get_inventory_balances(ctx: Context, request: dict) -> Result:
    merchant = _for_merchant(ctx, request)
    return {"InventoryBalance": [_balance(b) for b in stock.sku_balances(merchant, request["MerchantSKU"])]}


# --- simulation clock ------------------------------------------------------------------

def get_simulation_clock(ctx: Context, request: dict) -> Result:
    with ctx.db.read() as conn:
        offset = clock.offset(conn)
    return _clock_state(ctx, ctx.now, offset)


def advance_simulation_clock(ctx: Context, request: dict) -> Result:
    seconds = request["Seconds"]
    with ctx.db.write() as conn:
        offset = clock.advance(conn, seconds)
    now = ctx.now + timedelta(seconds=seconds)
    # Everything the jump made due happens now, so the answer shows the world after it.
    applied = tick.run(ctx.db, now, ctx.simulation)
    return {**_clock_state(ctx, now, offset), "TransitionsApplied": applied}


HANDLERS: dict[str, Callable[[Context, dict], Result | None]] = {
    "ListMerchants": list_merchants,
    "CreateMerchant": create_merchant,
    "CreateAccessKey": create_access_key,
    "ListAccessKeys": list_access_keys,
    "RotateAccessKey": rotate_access_key,
    "RevokeAccessKey": revoke_access_key,
    "MoveInboundShipment": move_inbound_shipment,
    "ReceiveInboundShipmentItems": receive_inbound_shipment_items,
    "PickFulfillmentOrder": pick_fulfillment_order,
    "ShipFulfillmentOrder": ship_fulfillment_order,
    "FailFulfillmentShipment": fail_fulfillment_shipment,
    "AdjustInventory": adjust_inventory,
    "GetInventoryBalances": get_inventory_balances,
    "GetSimulationClock": get_simulation_clock,
    "AdvanceSimulationClock": advance_simulation_clock,
}
