"""Inventory service handlers: call the warehouse, shape the result with the WSDL's names."""

from __future__ import annotations

from typing import Any, Callable

from ...warehouse import supply
from ...warehouse.context import Context
from ...warehouse.paging import Page

Result = dict[str, Any]


def _timepoint(point: supply.Timepoint) -> Result:
    return {"TimepointType": point.type, "DateTime": point.at}


def _supply(row: supply.SkuSupply) -> Result:
    return {
        "MerchantSKU": row.merchant_sku,
        "FulfillmentNetworkSKU": row.fnsku,
        "ASIN": row.asin,
        "Condition": row.condition,
        "TotalSupplyQuantity": row.total,
        "InStockSupplyQuantity": row.in_stock,
        "EarliestAvailability": (None if row.earliest_availability is None
                                 else _timepoint(row.earliest_availability)),
        "SupplyDetail": [
            {"Quantity": detail.quantity, "SupplyType": detail.supply_type,
             "EarliestAvailableToPickDateTime": _timepoint(detail.earliest),
             "LatestAvailableToPickDateTime": _timepoint(detail.latest)}
            for detail in row.details
        ],
    }


def _page(page: Page) -> Result:
    return {"NextToken": page.next_token, "HasNext": page.has_next,
            "MerchantSKUSupply": [_supply(row) for row in page.rows]}


def _detailed(request: dict) -> bool:
    return request.get("ResponseGroup") == "Detailed"


def get_inventory_supply(ctx: Context, request: dict) -> Result:
    rows = supply.get_supply(ctx, request["MerchantSKU"], detailed=_detailed(request))
    return {"MerchantSKUSupply": [_supply(row) for row in rows]}


def list_updated_inventory_supply(ctx: Context, request: dict) -> Result:
    return _page(supply.list_updated_supply(
        ctx, start=request["QueryStartDateTime"],
        page_size=request.get("NumberOfResultsRequested"), detailed=_detailed(request)))


def list_updated_inventory_supply_by_next_token(ctx: Context, request: dict) -> Result:
    return _page(supply.list_updated_supply_next(ctx, request["NextToken"]))


HANDLERS: dict[str, Callable[[Context, dict], Result | None]] = {
    "GetInventorySupply": get_inventory_supply,
    "ListUpdatedInventorySupply": list_updated_inventory_supply,
    "ListUpdatedInventorySupplyByNextToken": list_updated_inventory_supply_by_next_token,
}
