"""Outbound service 2007-08-02: multi-channel fulfillment orders.

Follows AmazonFBAOutbound.wsdl, the revision with FulfillmentPolicy, FulfillmentMethod,
NotificationEmailList and GetFulfillmentPreview. The enum-valued members are typed
xs:string there; the values are checked here, server-side, as FWS did.
"""

from __future__ import annotations

from .shapes import (
    BOOLEAN, COUNT, DATETIME, DECIMAL, INT, QUANTITY, SERVICE_STATUS, STRING, ZONED_DATETIME,
    Operation, PageSize, Scalar, Service, Structure, enum, many, opt, paged, req, text,
)

SHIPPING_SPEEDS = ("Standard", "Expedited", "Priority")
FULFILLMENT_POLICIES = ("FillOrKill", "FillAll", "FillAllAvailable")
FULFILLMENT_METHODS = ("Consumer", "Removal")
ORDER_STATUSES = (
    "New", "Received", "Planning", "Processing", "Cancelled", "Complete",
    "CompletePartialled", "Unfulfillable", "Invalid",
)
SHIPMENT_STATUSES = ("Pending", "Shipped", "CancelledByFulfiller", "CancelledByMerchant")
ITEM_DISPOSITIONS = ("Sellable", "Unsellable")
ORDER_UNFULFILLABLE_REASONS = ("DeliverySLAUnavailable", "InvalidDestinationAddress")
ITEM_UNFULFILLABLE_REASONS = ("InventoryUnavailable", "NoDeliveryOption", "UnknownDeliveryServiceError")

ORDER_ID = text(40)
MERCHANT_SKU = text(40)
ShippingSpeedCategory = enum(*SHIPPING_SPEEDS)

Address = Structure("Address", (
    req("Name", text(50)),
    req("Line1", text(60)),
    opt("Line2", text(60)),
    opt("Line3", text(60)),
    opt("City", text(50), doc="required except for JP"),
    req("StateOrProvinceCode", text(150)),
    req("CountryCode", text(2), doc="ISO 3166-1 alpha-2"),
    opt("PostalCode", text(20), doc="US: at least 5 digits"),
    opt("PhoneNumber", text(20)),
))

Currency = Structure("Currency", (
    req("CurrencyCode", text(3)),
    req("Value", DECIMAL),
))

Weight = Structure("Weight", (
    req("Unit", STRING),
    req("Value", DECIMAL),
))

CreateFulfillmentOrderItem = Structure("CreateFulfillmentOrderItem", (
    req("MerchantSKU", MERCHANT_SKU),
    req("MerchantFulfillmentOrderItemId", text(80)),
    req("Quantity", QUANTITY),
    opt("GiftMessage", text(512)),
    opt("DisplayableComment", text(250)),
    opt("FulfillmentNetworkSKU", text(10), doc="honoured for Removal orders only"),
    opt("OrderItemDisposition", enum(*ITEM_DISPOSITIONS)),
    opt("PerUnitDeclaredValue", Currency),
))

FulfillmentOrder = Structure("FulfillmentOrder", (
    req("MerchantFulfillmentOrderId", STRING),
    req("DisplayableOrderId", STRING),
    req("DisplayableOrderDateTime", ZONED_DATETIME),
    req("DisplayableOrderComment", STRING),
    req("ShippingSpeedCategory", STRING),
    req("DestinationAddress", Address),
    opt("FulfillmentPolicy", STRING),
    opt("FulfillmentMethod", STRING),
    req("ReceivedDateTime", DATETIME),
    req("FulfillmentOrderStatus", enum(*ORDER_STATUSES)),
    req("StatusUpdatedDateTime", DATETIME),
    many("NotificationEmailList", STRING),
))

FulfillmentOrderItem = Structure("FulfillmentOrderItem", (
    req("MerchantSKU", STRING),
    req("MerchantFulfillmentOrderItemId", STRING),
    req("Quantity", INT),
    opt("GiftMessage", STRING),
    opt("DisplayableComment", STRING),
    opt("FulfillmentNetworkSKU", STRING),
    opt("OrderItemDisposition", STRING),
    req("CancelledQuantity", COUNT),
    req("UnfulfillableQuantity", COUNT),
    opt("EstimatedShipDateTime", DATETIME),
    opt("EstimatedArrivalDateTime", DATETIME),
    opt("PerUnitDeclaredValue", Currency),
))

FulfillmentShipmentItem = Structure("FulfillmentShipmentItem", (
    req("MerchantSKU", STRING),
    req("MerchantFulfillmentOrderItemId", STRING),
    req("Quantity", INT),
    opt("PackageNumber", INT),
))

FulfillmentShipmentPackage = Structure("FulfillmentShipmentPackage", (
    req("PackageNumber", INT),
    req("CarrierCode", STRING),
    opt("TrackingNumber", STRING),
    opt("EstimatedArrivalDateTime", DATETIME),
))

FulfillmentShipment = Structure("FulfillmentShipment", (
    req("AmazonShipmentId", STRING),
    req("FulfillmentCenterId", STRING),
    req("FulfillmentShipmentStatus", enum(*SHIPMENT_STATUSES)),
    opt("ShippingDateTime", DATETIME),
    opt("EstimatedArrivalDateTime", DATETIME),
    many("FulfillmentShipmentItem", FulfillmentShipmentItem, required=True),
    many("FulfillmentShipmentPackage", FulfillmentShipmentPackage),
))

GetFulfillmentPreviewItem = Structure("GetFulfillmentPreviewItem", (
    req("MerchantSKU", MERCHANT_SKU),
    req("Quantity", QUANTITY),
    req("MerchantFulfillmentOrderItemId", text(80)),
))

Fee = Structure("Fee", (req("Name", STRING), req("Amount", Currency)))

FulfillmentPreviewItem = Structure("FulfillmentPreviewItem", (
    req("MerchantSKU", STRING),
    req("Quantity", INT),
    req("MerchantFulfillmentOrderItemId", STRING),
    opt("EstimatedShippingWeight", Weight, doc="per unit"),
    opt("ShippingWeightCalculationMethod", STRING),
))

FulfillmentPreviewShipment = Structure("FulfillmentPreviewShipment", (
    req("EarliestShipDate", DATETIME),
    req("LatestShipDate", DATETIME),
    req("EarliestArrivalDate", DATETIME),
    req("LatestArrivalDate", DATETIME),
    many("FulfillmentPreviewItems", FulfillmentPreviewItem, required=True),
))

UnfulfillablePreviewItem = Structure("UnfulfillablePreviewItem", (
    req("MerchantSKU", STRING),
    req("Quantity", INT),
    req("MerchantFulfillmentOrderItemId", STRING),
    many("ItemUnfulfillableReasons", STRING),
))

FulfillmentPreview = Structure("FulfillmentPreview", (
    req("ShippingSpeedCategory", STRING),
    req("IsFulfillable", BOOLEAN),
    opt("EstimatedShippingWeight", Weight),
    many("EstimatedFees", Fee),
    many("FulfillmentPreviewShipments", FulfillmentPreviewShipment),
    many("UnfulfillablePreviewItems", UnfulfillablePreviewItem),
    many("OrderUnfulfillableReasons", STRING),
))

_list_orders, _list_orders_next = paged(
    "ListAllFulfillmentOrders",
    input=(
        # Required by the schema, but the 2008 PHP library sends it only when set: default it.
        opt("NumberOfResultsRequested", Scalar("int", min_value=1)),
        opt("QueryStartDateTime", DATETIME, doc="default: 72 hours ago"),
        many("FulfillmentMethod", enum(*FULFILLMENT_METHODS)),
    ),
    rows=many("FulfillmentOrder", FulfillmentOrder), row_key=("MerchantFulfillmentOrderId",),
    page_size=PageSize("NumberOfResultsRequested"),
    doc="Orders in progress plus those changed since QueryStartDateTime.",
)

OUTBOUND = Service(
    name="outbound",
    version="2007-08-02",
    namespace="http://fba-outbound.amazonaws.com/doc/2007-08-02/",
    host_prefix="fba-outbound",
    title="FWS Outbound",
    operations=(
        SERVICE_STATUS,
        Operation(
            "CreateFulfillmentOrder",
            input=(
                req("MerchantFulfillmentOrderId", ORDER_ID),
                req("DisplayableOrderId", text(40)),
                req("DisplayableOrderDateTime", ZONED_DATETIME),
                req("DisplayableOrderComment", text(1000)),
                req("ShippingSpeedCategory", ShippingSpeedCategory),
                req("DestinationAddress", Address),
                opt("FulfillmentPolicy", enum(*FULFILLMENT_POLICIES), doc="default FillOrKill"),
                opt("FulfillmentMethod", enum(*FULFILLMENT_METHODS), doc="default Consumer"),
                many("NotificationEmailList", text(64), max_items=64),
                many("Item", CreateFulfillmentOrderItem, required=True, max_items=250),
            ),
            result=None,
            doc="Ask for an order to be shipped; repeating the same order is harmless.",
        ),
        Operation(
            "CancelFulfillmentOrder",
            input=(req("MerchantFulfillmentOrderId", ORDER_ID),),
            result=None,
            doc="Stop whatever of an order has not shipped yet (best effort).",
        ),
        Operation(
            "GetFulfillmentOrder",
            input=(req("MerchantFulfillmentOrderId", ORDER_ID),),
            result=(
                req("FulfillmentOrder", FulfillmentOrder),
                many("FulfillmentOrderItem", FulfillmentOrderItem, required=True),
                many("FulfillmentShipment", FulfillmentShipment),
            ),
            doc="One order with its items, shipments, packages and tracking.",
            read_only=True,
        ),
        _list_orders,
        _list_orders_next,
        Operation(
            "GetFulfillmentPreview",
            input=(
                req("Address", Address),
                many("Items", GetFulfillmentPreviewItem, required=True, max_items=250),
                many("ShippingSpeedCategories", ShippingSpeedCategory, doc="none: every speed"),
            ),
            result=(many("FulfillmentPreviews", FulfillmentPreview),),
            doc="Whether, when and for how much items could be shipped at each speed.",
            read_only=True,
        ),
    ),
)
