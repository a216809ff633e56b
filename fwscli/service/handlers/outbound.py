"""Outbound service handlers: call the warehouse, shape the result with the WSDL's names."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Callable

from ...warehouse import orders
from ...warehouse.context import Context
from ...warehouse.paging import Page

if TYPE_CHECKING:  # imported by GetFulfillmentPreview's handler: see there
    from ...warehouse import preview

Result = dict[str, Any]


# --- result shapes ---------------------------------------------------------------------

def _order(order: orders.Order) -> Result:
    return {
        "MerchantFulfillmentOrderId": order.merchant_order_id,
        "DisplayableOrderId": order.displayable_order_id,
        "DisplayableOrderDateTime": order.displayable_order_datetime,
        "DisplayableOrderComment": order.displayable_order_comment,
        "ShippingSpeedCategory": order.shipping_speed,
        "DestinationAddress": order.destination_address,
        "FulfillmentPolicy": order.fulfillment_policy,
        "FulfillmentMethod": order.fulfillment_method,
        "ReceivedDateTime": order.received_at,
        "FulfillmentOrderStatus": order.status,
        "StatusUpdatedDateTime": order.status_updated_at,
        "NotificationEmailList": list(order.notification_emails),
    }


def _order_item(item: orders.OrderItem) -> Result:
    declared = None
    if item.declared_value is not None:
        declared = {"CurrencyCode": item.declared_value[0], "Value": item.declared_value[1]}
    return {
        "MerchantSKU": item.merchant_sku,
        "MerchantFulfillmentOrderItemId": item.merchant_order_item_id,
        "Quantity": item.quantity,
        "GiftMessage": item.gift_message,
        "DisplayableComment": item.displayable_comment,
        "FulfillmentNetworkSKU": item.fnsku,
        "OrderItemDisposition": item.disposition,
        "CancelledQuantity": item.cancelled_quantity,
        "UnfulfillableQuantity": item.unfulfillable_quantity,
        "EstimatedShipDateTime": item.estimated_ship_at,
        "EstimatedArrivalDateTime": item.estimated_arrival_at,
        "PerUnitDeclaredValue": declared,
    }


def shipment_result(shipment: orders.Shipment) -> Result:
    """A FulfillmentShipment (the operator service answers with these too)."""
    return {
        "AmazonShipmentId": shipment.amazon_shipment_id,
        "FulfillmentCenterId": shipment.fulfillment_center_id,
        "FulfillmentShipmentStatus": shipment.status,
        "ShippingDateTime": shipment.shipping_at,
        "EstimatedArrivalDateTime": shipment.estimated_arrival_at,
        "FulfillmentShipmentItem": [
            {"MerchantSKU": item.merchant_sku,
             "MerchantFulfillmentOrderItemId": item.merchant_order_item_id,
             "Quantity": item.quantity, "PackageNumber": item.package_number}
            for item in shipment.items
        ],
        "FulfillmentShipmentPackage": [
            {"PackageNumber": package.package_number, "CarrierCode": package.carrier_code,
             "TrackingNumber": package.tracking_number,
             "EstimatedArrivalDateTime": package.estimated_arrival_at}
            for package in shipment.packages
        ],
    }


def _order_page(page: Page) -> Result:
    return {"NextToken": page.next_token, "HasNext": page.has_next,
            "FulfillmentOrder": [_order(order) for order in page.rows]}


def _weight(value: Any, unit: str) -> Result:
    return {"Unit": unit, "Value": value}


def _preview(result: preview.Preview) -> Result:
    from ...warehouse import preview  # with the first preview: see get_fulfillment_preview

    shipments = []
    if result.window is not None:
        window = result.window
        shipments.append({
            "EarliestShipDate": window.earliest_ship,
            "LatestShipDate": window.latest_ship,
            "EarliestArrivalDate": window.earliest_arrival,
            "LatestArrivalDate": window.latest_arrival,
            "FulfillmentPreviewItems": [
                {"MerchantSKU": line.sku, "Quantity": line.quantity,
                 "MerchantFulfillmentOrderItemId": line.merchant_order_item_id,
                 "EstimatedShippingWeight": _weight(preview.UNIT_WEIGHT, preview.WEIGHT_UNIT),
                 "ShippingWeightCalculationMethod": preview.WEIGHT_METHOD}
                for line in result.shipped
            ],
        })
    return {
        "ShippingSpeedCategory": result.speed,
        "IsFulfillable": result.fulfillable,
        "EstimatedShippingWeight": None if result.weight is None else _weight(result.weight, preview.WEIGHT_UNIT),
        "EstimatedFees": [{"Name": fee.name,
                           "Amount": {"CurrencyCode": preview.CURRENCY, "Value": fee.amount}}
                          for fee in result.fees],
        "FulfillmentPreviewShipments": shipments,
        "UnfulfillablePreviewItems": [
            {"MerchantSKU": line.sku, "Quantity": line.quantity,
             "MerchantFulfillmentOrderItemId": line.merchant_order_item_id,
             "ItemUnfulfillableReasons": list(line.reasons)}
            for line in result.unfulfillable
        ],
        "OrderUnfulfillableReasons": list(result.order_reasons),
    }


# --- operations ------------------------------------------------------------------------

def create_fulfillment_order(ctx: Context, request: dict) -> None:
    orders.create_order(ctx, request)


def cancel_fulfillment_order(ctx: Context, request: dict) -> None:
    orders.cancel_order(ctx, request["MerchantFulfillmentOrderId"])


def get_fulfillment_order(ctx: Context, request: dict) -> Result:
    detail = orders.get_order(ctx, request["MerchantFulfillmentOrderId"])
    return {"FulfillmentOrder": _order(detail.order),
            "FulfillmentOrderItem": [_order_item(item) for item in detail.items],
            "FulfillmentShipment": [shipment_result(shipment) for shipment in detail.shipments]}


def list_all_fulfillment_orders(ctx: Context, request: dict) -> Result:
    return _order_page(orders.list_orders(
        ctx, page_size=request.get("NumberOfResultsRequested"),
        start=request.get("QueryStartDateTime"), methods=request.get("FulfillmentMethod")))


def list_all_fulfillment_orders_by_next_token(ctx: Context, request: dict) -> Result:
    return _order_page(orders.list_orders_next(ctx, request["NextToken"]))


def get_fulfillment_preview(ctx: Context, request: dict) -> Result:
    # The preview module (its dataclasses, ~2 ms of imports) is loaded by the first preview,
    # not by every command that calls an outbound operation.
    from ...warehouse import preview

    previews = preview.get_preview(ctx, address=request["Address"], items=request["Items"],
                                   speeds=request.get("ShippingSpeedCategories"))
    return {"FulfillmentPreviews": [_preview(result) for result in previews]}


HANDLERS: dict[str, Callable[[Context, dict], Result | None]] = {
    "CreateFulfillmentOrder": create_fulfillment_order,
    "CancelFulfillmentOrder": cancel_fulfillment_order,
    "GetFulfillmentOrder": get_fulfillment_order,
    "ListAllFulfillmentOrders": list_all_fulfillment_orders,
    "ListAllFulfillmentOrdersByNextToken": list_all_fulfillment_orders_by_next_token,
    "GetFulfillmentPreview": get_fulfillment_preview,
}
