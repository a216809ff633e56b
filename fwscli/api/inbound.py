"""Inbound service 2007-05-10: item registration (FNSKUs) and inbound shipments.

Element names, order and optionality follow FBAInboundService.wsdl (the schema of record);
the LabelPrep members are the WSDL revision's optional additions.
"""

from __future__ import annotations

from .shapes import (
    BOOLEAN, DATETIME, QUANTITY, COUNT, SERVICE_STATUS, STRING, INT, Operation,
    PageSize, Scalar, Service, Structure, enum, many, opt, paged, req, text,
)

ITEM_CONDITIONS = (
    "NewItem", "NewWithWarranty", "NewOEM", "NewOpenBox", "UsedLikeNew", "UsedVeryGood",
    "UsedGood", "UsedAcceptable", "UsedPoor", "UsedRefurbished", "CollectibleLikeNew",
    "CollectibleVeryGood", "CollectibleGood", "CollectibleAcceptable", "CollectiblePoor",
    "RefurbishedWithWarranty", "Refurbished", "Club", "Unknown",
)
SHIPMENT_STATUSES = (
    "Working", "Shipped", "InTransit", "Delivered", "CheckedIn", "Receiving", "Closed",
    "Cancelled", "Error",
)
LABEL_PREP_PREFERENCES = ("AMAZON_LABEL_ONLY", "AMAZON_LABEL_PREFERRED", "MERCHANT_LABEL")
LABEL_PREP_TYPES = ("NO_LABEL", "AMAZON_LABEL", "MERCHANT_LABEL")

MERCHANT_SKU = text(40)
SHIPMENT_ID = text(40)
# What a lookup (or a removal) by SKU or FNSKU looks for: one too long to have been
# registered is simply not found, and skipped like any unknown value (spec 3.6, 3.7, 3.11),
# not a reason to refuse the rest.
LOOKUP_KEY = STRING
MAX_IDENTIFIER_ITEMS = 250
MAX_LOOKUP_SKUS = 2000

ItemCondition = enum(*ITEM_CONDITIONS)
# The schema lets a MerchantItem say Unknown; registering an item needs a real condition
# (spec §7). One statement of the rule for the service, the importer and the CLI.
UNKNOWN_CONDITION = "Unknown"
UNKNOWN_CONDITION_REASON = "Unknown is not a valid condition for registering an item"
REGISTRABLE_CONDITIONS = tuple(c for c in ITEM_CONDITIONS if c != UNKNOWN_CONDITION)
ShipmentStatus = enum(*SHIPMENT_STATUSES)

Address = Structure("Address", (
    req("Name", text(50)),
    req("AddressLine1", text(180)),
    opt("AddressLine2", text(60)),
    req("City", text(50)),
    req("StateOrProvinceCode", text(150)),
    req("CountryCode", text(2), doc="ISO 3166-1 alpha-2"),
    opt("PostalCode", text(30), doc="required in the US, at least 5 digits"),
))

MerchantItem = Structure("MerchantItem", (
    req("ASIN", text(10)),
    req("Condition", ItemCondition),
    req("MerchantSKU", MERCHANT_SKU),
))

FulfillmentItem = Structure("FulfillmentItem", (
    req("ASIN", STRING),
    req("Condition", ItemCondition),
    req("MerchantSKU", STRING),
    req("FulfillmentNetworkSKU", STRING),
    req("IsActive", BOOLEAN),
))

MerchantSKUQuantityItem = Structure("MerchantSKUQuantityItem", (
    req("MerchantSKU", MERCHANT_SKU),
    req("Quantity", QUANTITY),
))

# In results the quantity may be anything the service computed.
PlannedItem = Structure("MerchantSKUQuantityItem", (
    req("MerchantSKU", STRING),
    req("Quantity", INT),
))

ShipmentPreview = Structure("ShipmentPreview", (
    req("ShipmentId", STRING),
    req("DestinationFulfillmentCenter", STRING),
    req("ShipToAddress", Address),
    opt("LabelPrepType", enum(*LABEL_PREP_TYPES)),
    many("MerchantSKUQuantityItem", PlannedItem, required=True),
))

InboundShipmentData = Structure("InboundShipmentData", (
    req("ShipmentId", STRING),
    req("ShipmentName", STRING),
    req("ShipmentStatus", ShipmentStatus),
    req("DestinationFulfillmentCenter", STRING),
    req("ShipToAddress", Address),
    req("ShipFromAddress", Address),
    req("CreateDate", DATETIME),
    opt("LabelPrepType", enum(*LABEL_PREP_TYPES)),
))

InboundShipmentItem = Structure("InboundShipmentItem", (
    req("QuantityShipped", COUNT),
    req("QuantityReceived", COUNT),
    req("FulfillmentNetworkSKU", STRING),
    req("MerchantSKU", STRING),
))

LabelPrepPreference = opt("LabelPrepPreference", enum(*LABEL_PREP_PREFERENCES))
MAX_COUNT = PageSize("MaxCount")
_fulfillment_items = many("FulfillmentItem", FulfillmentItem)
_shipment_header = (
    req("ShipmentId", SHIPMENT_ID),
    req("ShipmentName", text(200)),
    req("DestinationFulfillmentCenter", text(8)),
    req("ShipFromAddress", Address),
    LabelPrepPreference,
)

_list_items, _list_items_next = paged(
    "ListAllFulfillmentItems",
    input=(opt("IncludeInactive", BOOLEAN), opt("MaxCount", Scalar("int", min_value=1))),
    rows=_fulfillment_items, row_key=("MerchantSKU",), page_size=MAX_COUNT,
    doc="Every registered item (inactive ones only with IncludeInactive), page by page.",
)
_list_shipments, _list_shipments_next = paged(
    "ListInboundShipments",
    input=(
        many("ShipmentStatus", ShipmentStatus, doc="none: every status"),
        opt("CreatedBefore", DATETIME.with_(lenient=True)),
        opt("CreatedAfter", DATETIME.with_(lenient=True)),
        opt("MaxCount", Scalar("int", min_value=1)),
    ),
    rows=many("ShipmentData", InboundShipmentData), row_key=("ShipmentId",),
    page_size=MAX_COUNT,
    doc="Inbound shipments, optionally only those in the given statuses.",
)
_list_shipment_items, _list_shipment_items_next = paged(
    "ListInboundShipmentItems",
    input=(req("ShipmentId", SHIPMENT_ID), opt("MaxCount", Scalar("int", min_value=1))),
    rows=many("ShipmentItem", InboundShipmentItem), row_key=("MerchantSKU",),
    page_size=MAX_COUNT,
    doc="The items of one inbound shipment with quantities shipped and received.",
)

INBOUND = Service(
    name="inbound",
    version="2007-05-10",
    namespace="http://fba-inbound.amazonaws.com/doc/2007-05-10/",
    host_prefix="fba-inbound",
    title="FWS Inbound",
    operations=(
        SERVICE_STATUS,
        Operation(
            "GetFulfillmentIdentifier",
            input=(many("MerchantItem", MerchantItem, required=True, max_items=MAX_IDENTIFIER_ITEMS),),
            result=(_fulfillment_items,),
            doc="Register items for fulfillment, creating each FNSKU if needed (idempotent).",
        ),
        Operation(
            "GetFulfillmentIdentifierForMSKU",
            input=(many("MerchantSKU", MERCHANT_SKU, required=True, max_items=MAX_IDENTIFIER_ITEMS),),
            result=(_fulfillment_items,),
            doc="The FNSKU of each merchant SKU, creating it if needed (idempotent).",
        ),
        _list_items,
        _list_items_next,
        Operation(
            "GetFulfillmentItemByMSKU",
            input=(many("MerchantSKU", LOOKUP_KEY, required=True, max_items=MAX_LOOKUP_SKUS),),
            result=(_fulfillment_items,),
            doc="Registered items by merchant SKU; unknown SKUs are skipped.",
            read_only=True,
        ),
        Operation(
            "GetFulfillmentItemByFNSKU",
            input=(many("FulfillmentNetworkSKU", LOOKUP_KEY, required=True, max_items=MAX_LOOKUP_SKUS),),
            result=(_fulfillment_items,),
            doc="Registered items by FNSKU; unknown FNSKUs are skipped.",
            read_only=True,
        ),
        Operation(
            "GetInboundShipmentPreview",
            input=(
                req("ShipFromAddress", Address),
                many("MerchantSKUQuantityItem", MerchantSKUQuantityItem, required=True),
                LabelPrepPreference,
            ),
            result=(many("ShipmentPreview", ShipmentPreview),),
            doc="Plan how items should be split into shipments to fulfillment centers.",
        ),
        Operation(
            "PutInboundShipment",
            input=_shipment_header + (
                many("MerchantSKUQuantityItem", MerchantSKUQuantityItem, required=True),
            ),
            result=None,
            doc="Create or replace (header and all items) an inbound shipment.",
        ),
        Operation(
            "PutInboundShipmentItems",
            input=(
                req("ShipmentId", SHIPMENT_ID),
                many("MerchantSKUQuantityItem", MerchantSKUQuantityItem, required=True),
            ),
            result=None,
            doc="Add items to a Working shipment; a SKU already on it has its quantity replaced.",
        ),
        Operation(
            "DeleteInboundShipmentItems",
            input=(
                req("ShipmentId", SHIPMENT_ID),
                many("MerchantSKU", LOOKUP_KEY, required=True),
            ),
            result=None,
            doc="Remove items from a Working shipment; SKUs not on it are ignored.",
        ),
        _list_shipments,
        _list_shipments_next,
        Operation(
            "GetInboundShipmentData",
            input=(req("ShipmentId", SHIPMENT_ID),),
            result=(req("ShipmentData", InboundShipmentData),),
            doc="One inbound shipment's header and status.",
            aliases=("GetInboundShipment",),
            read_only=True,
        ),
        Operation(
            "PutInboundShipmentData",
            input=_shipment_header,
            result=None,
            doc="Create or replace an inbound shipment's header only.",
        ),
        _list_shipment_items,
        _list_shipment_items_next,
        Operation(
            "SetInboundShipmentStatus",
            input=(req("ShipmentId", SHIPMENT_ID), req("ShipmentStatus", enum("Shipped", "Cancelled"))),
            result=None,
            doc="Mark a shipment Shipped (it has left you) or Cancelled.",
        ),
    ),
)
