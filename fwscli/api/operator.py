"""Operator service: the warehouse staff's own API (ours, not Amazon's).

The same Query wire, XML and signatures as the FWS services, under our own namespace and
version; only operator keys may call it. Operators act for a merchant by naming its
MerchantId: receiving inbound shipments and moving them through their carrier states,
picking, packing, shipping or failing orders, adjusting stock; and they keep the accounts
(merchants and access keys) and the simulation clock.
"""

from __future__ import annotations

from .inbound import SHIPMENT_STATUSES as INBOUND_STATUSES
from .outbound import FulfillmentShipment, ORDER_STATUSES
from .shapes import (
    BOOLEAN, COUNT, DATETIME, INT, QUANTITY, SERVICE_STATUS, STRING, Operation, Scalar,
    Service, Structure, enum, many, opt, req, text,
)

ROLES = ("merchant", "operator")
WAREHOUSE_MODES = ("manual", "auto")
DISPOSITIONS = ("Sellable", "Unsellable")
# The moves an operator makes on an inbound shipment; Shipped and Cancelled are the merchant's.
OPERATOR_INBOUND_MOVES = ("InTransit", "Delivered", "CheckedIn", "Closed", "Error")

MERCHANT_ID = Scalar("int", min_value=1)
ACCESS_KEY_ID = text(32)
MERCHANT_SKU = text(40)
SHIPMENT_ID = text(40)
ORDER_ID = text(40)

Merchant = Structure("Merchant", (
    req("MerchantId", INT),
    req("Name", STRING),
    req("CreatedDateTime", DATETIME),
    req("ActiveKeyCount", COUNT),
))

NewAccessKey = Structure("AccessKey", (
    req("AccessKeyId", STRING),
    req("SecretAccessKey", STRING),
    req("Role", STRING),
    opt("MerchantId", INT),
))

AccessKeyInfo = Structure("AccessKeyInfo", (
    req("AccessKeyId", STRING),
    req("Role", STRING),
    opt("MerchantId", INT),
    req("CreatedDateTime", DATETIME),
    opt("RevokedDateTime", DATETIME),
))

ReceiveItem = Structure("ReceiveItem", (
    req("MerchantSKU", MERCHANT_SKU),
    req("Quantity", QUANTITY),
))

ReceivedItem = Structure("ReceivedItem", (
    req("MerchantSKU", STRING),
    req("FulfillmentNetworkSKU", STRING),
    req("QuantityShipped", COUNT),
    req("QuantityReceived", COUNT),
    req("ProblemQuantity", COUNT, doc="units that arrived after the shipment was cancelled or failed"),
))

InboundShipmentState = (
    req("ShipmentId", STRING),
    req("ShipmentStatus", enum(*INBOUND_STATUSES)),
    many("ReceivedItem", ReceivedItem),
)

Package = Structure("Package", (
    req("CarrierCode", text(40)),
    opt("TrackingNumber", text(80), doc="default: one is generated"),
    opt("EstimatedArrivalDateTime", DATETIME, doc="default: from the order's shipping speed"),
))

OrderState = (
    req("MerchantFulfillmentOrderId", STRING),
    req("FulfillmentOrderStatus", enum(*ORDER_STATUSES)),
    many("FulfillmentShipment", FulfillmentShipment),
)

InventoryBalance = Structure("InventoryBalance", (
    req("MerchantSKU", STRING),
    req("FulfillmentCenterId", STRING),
    req("Disposition", STRING),
    req("InStockQuantity", COUNT),
    req("InboundQuantity", COUNT),
    req("ReservedQuantity", COUNT),
    req("AvailableQuantity", COUNT),
))

ClockState = (
    req("Now", DATETIME, doc="the simulated time the warehouse runs on"),
    req("OffsetSeconds", INT, doc="how far the simulated time is ahead of real time"),
    req("WarehouseMode", enum(*WAREHOUSE_MODES)),
)


def _for_merchant(*members) -> tuple:
    return (req("MerchantId", MERCHANT_ID),) + members


OPERATOR = Service(
    name="operator",
    version="2026-11-01",
    namespace="urn:fwscli:operator:2026-11-01",
    host_prefix="fws-operator",
    title="FWS Operator",
    caller_role="operator",
    operations=(
        SERVICE_STATUS,
        # --- accounts --------------------------------------------------------------------
        Operation(
            "ListMerchants", input=(), result=(many("Merchant", Merchant),),
            doc="Every merchant, oldest first.", read_only=True,
        ),
        Operation(
            "CreateMerchant", input=(req("Name", text(200)),),
            result=(req("MerchantId", INT), req("AccessKey", NewAccessKey)),
            doc="A new merchant and its first access key (the secret is shown only here).",
            idempotent=False,
        ),
        Operation(
            "CreateAccessKey",
            input=(req("Role", enum(*ROLES)), opt("MerchantId", MERCHANT_ID, doc="merchant keys only")),
            result=(req("AccessKey", NewAccessKey),),
            doc="Another key for a merchant, or a key for an operator.", idempotent=False,
        ),
        Operation(
            "ListAccessKeys", input=(opt("MerchantId", MERCHANT_ID),),
            result=(many("AccessKeyInfo", AccessKeyInfo),),
            doc="Keys (never their secrets): one merchant's, or every key.", read_only=True,
        ),
        Operation(
            "RotateAccessKey", input=(req("AccessKeyId", ACCESS_KEY_ID),),
            result=(req("AccessKey", NewAccessKey), req("RevokedAccessKeyId", STRING)),
            doc="Replace a key: a new key for the same owner, the old one revoked at once.",
            idempotent=False,
        ),
        Operation(
            "RevokeAccessKey", input=(req("AccessKeyId", ACCESS_KEY_ID),), result=None,
            doc="Revoke a key; the last active operator key cannot be revoked.",
        ),
        # --- inbound ---------------------------------------------------------------------
        Operation(
            "MoveInboundShipment",
            input=_for_merchant(req("ShipmentId", SHIPMENT_ID),
                                req("ShipmentStatus", enum(*OPERATOR_INBOUND_MOVES))),
            result=InboundShipmentState,
            doc="Move a shipped inbound shipment on: carrier states, Closed (short) or Error.",
        ),
        Operation(
            "ReceiveInboundShipmentItems",
            input=_for_merchant(
                req("ShipmentId", SHIPMENT_ID),
                many("Item", ReceiveItem, max_items=2000),
                opt("ReceiveAll", BOOLEAN, doc="receive everything still expected"),
            ),
            result=InboundShipmentState,
            doc="Receive units into stock; on a cancelled or failed shipment they are problem receives.",
            idempotent=False,
        ),
        # --- outbound --------------------------------------------------------------------
        Operation(
            "PickFulfillmentOrder", input=_for_merchant(req("MerchantFulfillmentOrderId", ORDER_ID)),
            result=OrderState,
            doc="Start shipments (Pending) for the planned units of an order.",
        ),
        Operation(
            "ShipFulfillmentOrder",
            input=_for_merchant(
                req("MerchantFulfillmentOrderId", ORDER_ID),
                opt("AmazonShipmentId", text(40), doc="default: every pending shipment"),
                many("Package", Package, max_items=50),
            ),
            result=OrderState,
            doc="Pack and ship pending shipments (picking first if needed), with carrier and tracking.",
        ),
        Operation(
            "FailFulfillmentShipment",
            input=_for_merchant(
                req("MerchantFulfillmentOrderId", ORDER_ID),
                opt("AmazonShipmentId", text(40), doc="default: every pending shipment"),
            ),
            result=OrderState,
            doc="The fulfillment center cannot ship: pending shipments become CancelledByFulfiller.",
            # Resent after its order was picked again (a FillAll order waits for stock, then
            # is picked), "every pending shipment" would fail the new one too: never resent.
            idempotent=False,
        ),
        # --- inventory -------------------------------------------------------------------
        Operation(
            "AdjustInventory",
            input=_for_merchant(
                req("MerchantSKU", MERCHANT_SKU),
                req("FulfillmentCenterId", text(8)),
                req("Quantity", Scalar("int"), doc="units to add (positive) or take out (negative)"),
                req("Reason", text(200)),
                opt("Disposition", enum(*DISPOSITIONS), doc="default Sellable"),
            ),
            result=(req("InventoryBalance", InventoryBalance),),
            doc="Add or remove stock at a fulfillment center, with a reason (a ledger movement).",
            idempotent=False,
        ),
        Operation(
            "GetInventoryBalances", input=_for_merchant(req("MerchantSKU", MERCHANT_SKU)),
            result=(many("InventoryBalance", InventoryBalance),),
            doc="A SKU's balances per fulfillment center and disposition.", read_only=True,
        ),
        # --- simulation clock ------------------------------------------------------------
        Operation(
            "GetSimulationClock", input=(), result=ClockState,
            doc="The simulated time and the warehouse mode.", read_only=True,
        ),
        Operation(
            "AdvanceSimulationClock",
            input=(req("Seconds", Scalar("int", min_value=1)),),
            result=ClockState + (req("TransitionsApplied", COUNT),),
            doc="Move the simulated time forward and apply every transition now due.",
            idempotent=False,
        ),
    ),
)
