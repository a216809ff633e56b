"""Valid sample requests, shared by the service tests."""

from __future__ import annotations

SHIP_FROM = {
    "Name": "Acme Goods", "AddressLine1": "1200 12th Ave S", "AddressLine2": "Suite 1200",
    "City": "Seattle", "StateOrProvinceCode": "WA", "CountryCode": "US", "PostalCode": "98144",
}
DESTINATION = {
    "Name": "Jane Customer", "Line1": "410 Terry Ave N", "City": "Seattle",
    "StateOrProvinceCode": "WA", "CountryCode": "US", "PostalCode": "98109",
    "PhoneNumber": "206-555-0100",
}


def order(order_id: str, *items: tuple[str, int], speed: str = "Standard", **extra) -> dict:
    return {
        "MerchantFulfillmentOrderId": order_id,
        "DisplayableOrderId": order_id,
        "DisplayableOrderDateTime": "2026-11-27T20:00:00Z",
        "DisplayableOrderComment": "Thank you for your order",
        "ShippingSpeedCategory": speed,
        "DestinationAddress": DESTINATION,
        "Item": [{"MerchantSKU": sku, "MerchantFulfillmentOrderItemId": str(n), "Quantity": qty}
                 for n, (sku, qty) in enumerate(items, start=1)],
        **extra,
    }


def register(client, *skus: str) -> dict[str, str]:
    """Register SKUs; return SKU -> FNSKU."""
    result = client.call("inbound", "GetFulfillmentIdentifier", {"MerchantItem": [
        {"ASIN": f"B00000{n:04d}", "Condition": "NewItem", "MerchantSKU": sku}
        for n, sku in enumerate(skus)]})
    return {item["MerchantSKU"]: item["FulfillmentNetworkSKU"] for item in result["FulfillmentItem"]}


def shipment(shipment_id: str, *items: tuple[str, int], fc: str = "PHL1") -> dict:
    return {
        "ShipmentId": shipment_id, "ShipmentName": f"Shipment {shipment_id}",
        "DestinationFulfillmentCenter": fc, "ShipFromAddress": SHIP_FROM,
        "MerchantSKUQuantityItem": [{"MerchantSKU": s, "Quantity": q} for s, q in items],
    }
