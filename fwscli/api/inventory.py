"""Inventory service 2009-07-31: supply by merchant SKU (AmazonFBAInventory.wsdl)."""

from __future__ import annotations

from .shapes import (
    COUNT, SERVICE_STATUS, STRING, DATETIME, Operation, PageSize, Scalar, Service, Structure,
    enum, many, opt, paged, req, text,
)

RESPONSE_GROUPS = ("Basic", "Detailed")
SUPPLY_TYPES = ("InStock", "Inbound", "Transfer")
TIMEPOINT_TYPES = ("Immediately", "DateTime", "Unknown")
MAX_SUPPLY_SKUS = 50

Timepoint = Structure("Timepoint", (
    req("TimepointType", STRING),
    opt("DateTime", DATETIME),
))

SupplyDetail = Structure("SupplyDetail", (
    req("Quantity", COUNT),
    req("SupplyType", STRING),
    req("EarliestAvailableToPickDateTime", Timepoint),
    req("LatestAvailableToPickDateTime", Timepoint),
))

MerchantSKUSupply = Structure("MerchantSKUSupply", (
    req("MerchantSKU", STRING),
    opt("FulfillmentNetworkSKU", STRING),
    opt("ASIN", STRING),
    opt("Condition", STRING),
    req("TotalSupplyQuantity", COUNT),
    req("InStockSupplyQuantity", COUNT),
    opt("EarliestAvailability", Timepoint),
    many("SupplyDetail", SupplyDetail),
))

ResponseGroup = opt("ResponseGroup", enum(*RESPONSE_GROUPS), doc="Basic (default) or Detailed")

_list_supply, _list_supply_next = paged(
    "ListUpdatedInventorySupply",
    input=(
        opt("NumberOfResultsRequested", Scalar("int", min_value=1), doc="at most 50; more is clamped"),
        req("QueryStartDateTime", DATETIME),
        ResponseGroup,
    ),
    rows=many("MerchantSKUSupply", MerchantSKUSupply), row_key=("MerchantSKU",),
    page_size=PageSize("NumberOfResultsRequested", default=50, maximum=MAX_SUPPLY_SKUS),
    doc="Supply of every SKU that changed since QueryStartDateTime.",
)

INVENTORY = Service(
    name="inventory",
    version="2009-07-31",
    namespace="http://fba-inventory.amazonaws.com/doc/2009-07-31/",
    host_prefix="fba-inventory",
    title="FWS Inventory",
    operations=(
        SERVICE_STATUS,
        Operation(
            "GetInventorySupply",
            input=(
                many("MerchantSKU", text(40), required=True, max_items=MAX_SUPPLY_SKUS),
                ResponseGroup,
            ),
            result=(many("MerchantSKUSupply", MerchantSKUSupply, required=True),),
            doc="Current supply (in stock, inbound) of up to 50 merchant SKUs.",
            read_only=True,
        ),
        _list_supply,
        _list_supply_next,
    ),
)
