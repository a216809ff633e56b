"""Inbound service handlers: call the warehouse, shape the result with the WSDL's names.

List operations share one pager: the first call takes its page size from the model's
`PageSize` member (default and ceiling from the model too) and its filters from the
request; the ByNextToken call takes both from the token, which only this merchant's
continuation of the same list accepts.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Callable

from ...api.inbound import INBOUND
from ...warehouse import catalog, inbound, paging
from ...warehouse.catalog import Item
from ...warehouse.context import Context
from ...warehouse.inbound import PlannedShipment, Shipment, ShipmentLine

Result = dict[str, Any]
# A list's rows: fetch(ctx, filters, after_id, limit) -> rows that have an `id`.
Fetch = Callable[[Context, dict[str, Any], int | None, int], list]
Shape = Callable[[Any], Result]


# --- result shapes ---------------------------------------------------------------------

def _fulfillment_item(item: Item) -> Result:
    return {"ASIN": item.asin or "", "Condition": item.condition,
            "MerchantSKU": item.merchant_sku, "FulfillmentNetworkSKU": item.fnsku,
            "IsActive": item.is_active}


def _shipment_data(shipment: Shipment) -> Result:
    return {"ShipmentId": shipment.shipment_id, "ShipmentName": shipment.name,
            "ShipmentStatus": shipment.status,
            "DestinationFulfillmentCenter": shipment.destination_fc,
            "ShipToAddress": shipment.ship_to, "ShipFromAddress": shipment.ship_from,
            "CreateDate": shipment.created_at, "LabelPrepType": shipment.label_prep_type}


def _shipment_item(line: ShipmentLine) -> Result:
    return {"QuantityShipped": line.quantity_shipped, "QuantityReceived": line.quantity_received,
            "FulfillmentNetworkSKU": line.fnsku, "MerchantSKU": line.merchant_sku}


def _shipment_preview(planned: PlannedShipment) -> Result:
    return {"ShipmentId": planned.shipment_id,
            "DestinationFulfillmentCenter": planned.center.code,
            "ShipToAddress": planned.center.ship_to_address(),
            "LabelPrepType": planned.label_prep_type,
            "MerchantSKUQuantityItem": [{"MerchantSKU": sku, "Quantity": quantity}
                                        for sku, quantity in planned.items]}


# --- paging ----------------------------------------------------------------------------

def _first_page(ctx: Context, list_name: str, request: dict, filters: dict[str, Any]) -> Result:
    size = paging.page_size(INBOUND.operation(list_name).page_size,
                            request.get(INBOUND.operation(list_name).page_size.member))
    return _page(ctx, list_name, filters, size, None)


def _next_page(ctx: Context, list_name: str, request: dict) -> Result:
    cursor = paging.resume(ctx, list_name, request["NextToken"])
    return _page(ctx, list_name, cursor.filters, cursor.page_size, cursor.after[0])


def _page(ctx: Context, list_name: str, filters: dict[str, Any], size: int,
          after_id: int | None) -> Result:
    fetch, shape = _LISTS[list_name]
    page = paging.finish_page(ctx, list_name, filters, size, fetch(ctx, filters, after_id, size + 1))
    return {"NextToken": page.next_token, "HasNext": page.has_next,
            INBOUND.operation(list_name).result_key: [shape(row) for row in page.rows]}


def _fetch_items(ctx: Context, filters: dict, after_id: int | None, limit: int) -> list:
    return catalog.list_items(ctx, include_inactive=filters["IncludeInactive"],
                              after_id=after_id, limit=limit)


def _fetch_shipments(ctx: Context, filters: dict, after_id: int | None, limit: int) -> list:
    # Tokens carry JSON, so the dates travel as ISO strings.
    def when(name: str) -> datetime | None:
        return datetime.fromisoformat(filters[name]) if filters[name] else None

    return inbound.list_shipments(ctx, statuses=filters["ShipmentStatus"],
                                  created_before=when("CreatedBefore"),
                                  created_after=when("CreatedAfter"),
                                  after_id=after_id, limit=limit)


def _fetch_shipment_items(ctx: Context, filters: dict, after_id: int | None, limit: int) -> list:
    return inbound.list_shipment_items(ctx, filters["ShipmentId"], after_id=after_id, limit=limit)


_LISTS: dict[str, tuple[Fetch, Shape]] = {
    "ListAllFulfillmentItems": (_fetch_items, _fulfillment_item),
    "ListInboundShipments": (_fetch_shipments, _shipment_data),
    "ListInboundShipmentItems": (_fetch_shipment_items, _shipment_item),
}


# --- handlers --------------------------------------------------------------------------

def get_fulfillment_identifier(ctx: Context, request: dict) -> Result:
    return {"FulfillmentItem": [_fulfillment_item(item)
                                for item in catalog.register_items(ctx, request["MerchantItem"])]}


def get_fulfillment_identifier_for_msku(ctx: Context, request: dict) -> Result:
    return {"FulfillmentItem": [_fulfillment_item(item)
                                for item in catalog.identify_skus(ctx, request["MerchantSKU"])]}


def list_all_fulfillment_items(ctx: Context, request: dict) -> Result:
    return _first_page(ctx, "ListAllFulfillmentItems", request,
                       {"IncludeInactive": request.get("IncludeInactive", False)})


def list_all_fulfillment_items_by_next_token(ctx: Context, request: dict) -> Result:
    return _next_page(ctx, "ListAllFulfillmentItems", request)


def get_fulfillment_item_by_msku(ctx: Context, request: dict) -> Result:
    return {"FulfillmentItem": [_fulfillment_item(item)
                                for item in catalog.get_items_by_sku(ctx, request["MerchantSKU"])]}


def get_fulfillment_item_by_fnsku(ctx: Context, request: dict) -> Result:
    items = catalog.get_items_by_fnsku(ctx, request["FulfillmentNetworkSKU"])
    return {"FulfillmentItem": [_fulfillment_item(item) for item in items]}


def get_inbound_shipment_preview(ctx: Context, request: dict) -> Result:
    planned = inbound.preview_shipments(ctx, request["ShipFromAddress"],
                                        request["MerchantSKUQuantityItem"],
                                        request.get("LabelPrepPreference"))
    return {"ShipmentPreview": [_shipment_preview(shipment) for shipment in planned]}


def put_inbound_shipment(ctx: Context, request: dict) -> None:
    inbound.put_shipment(ctx, request, request["MerchantSKUQuantityItem"])


def put_inbound_shipment_data(ctx: Context, request: dict) -> None:
    inbound.put_shipment(ctx, request, None)


def put_inbound_shipment_items(ctx: Context, request: dict) -> None:
    inbound.put_items(ctx, request["ShipmentId"], request["MerchantSKUQuantityItem"])


def delete_inbound_shipment_items(ctx: Context, request: dict) -> None:
    inbound.delete_items(ctx, request["ShipmentId"], request["MerchantSKU"])


def list_inbound_shipments(ctx: Context, request: dict) -> Result:
    def iso(name: str) -> str | None:
        return request[name].isoformat() if name in request else None

    # Each status once: the filters travel in the NextToken, which a status repeated a few
    # hundred times made longer than the NextToken parameter may be (refused on the next
    # page); outbound's FulfillmentMethod list is kept the same way (orders.list_orders).
    filters = {"ShipmentStatus": sorted(set(request.get("ShipmentStatus", []))),
               "CreatedBefore": iso("CreatedBefore"), "CreatedAfter": iso("CreatedAfter")}
    return _first_page(ctx, "ListInboundShipments", request, filters)


def list_inbound_shipments_by_next_token(ctx: Context, request: dict) -> Result:
    return _next_page(ctx, "ListInboundShipments", request)


def get_inbound_shipment_data(ctx: Context, request: dict) -> Result:
    return {"ShipmentData": _shipment_data(inbound.get_shipment(ctx, request["ShipmentId"]))}


def list_inbound_shipment_items(ctx: Context, request: dict) -> Result:
    return _first_page(ctx, "ListInboundShipmentItems", request,
                       {"ShipmentId": request["ShipmentId"]})


def list_inbound_shipment_items_by_next_token(ctx: Context, request: dict) -> Result:
    return _next_page(ctx, "ListInboundShipmentItems", request)


def set_inbound_shipment_status(ctx: Context, request: dict) -> None:
    inbound.set_status(ctx, request["ShipmentId"], request["ShipmentStatus"])


HANDLERS: dict[str, Callable[[Context, dict], "Result | None"]] = {
    "GetFulfillmentIdentifier": get_fulfillment_identifier,
    "GetFulfillmentIdentifierForMSKU": get_fulfillment_identifier_for_msku,
    "ListAllFulfillmentItems": list_all_fulfillment_items,
    "ListAllFulfillmentItemsByNextToken": list_all_fulfillment_items_by_next_token,
    "GetFulfillmentItemByMSKU": get_fulfillment_item_by_msku,
    "GetFulfillmentItemByFNSKU": get_fulfillment_item_by_fnsku,
    "GetInboundShipmentPreview": get_inbound_shipment_preview,
    "PutInboundShipment": put_inbound_shipment,
    "PutInboundShipmentItems": put_inbound_shipment_items,
    "DeleteInboundShipmentItems": delete_inbound_shipment_items,
    "ListInboundShipments": list_inbound_shipments,
    "ListInboundShipmentsByNextToken": list_inbound_shipments_by_next_token,
    "GetInboundShipmentData": get_inbound_shipment_data,
    "PutInboundShipmentData": put_inbound_shipment_data,
    "ListInboundShipmentItems": list_inbound_shipment_items,
    "ListInboundShipmentItemsByNextToken": list_inbound_shipment_items_by_next_token,
    "SetInboundShipmentStatus": set_inbound_shipment_status,
}
