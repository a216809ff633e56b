"""Inbound shipments through the inbound handlers: preview, create-or-replace, item edits,
the merchant's status moves and their ledger entries, listing, merchant isolation."""

from __future__ import annotations

import re
import threading
from datetime import timedelta

import pytest
from sqlalchemy import select, update

from fwscli.api.errors import ApiError, InvalidParameterValue, MissingParameter
from fwscli.service.handlers.inbound import HANDLERS
from fwscli.store.schema import inbound_shipments, inventory_balances, inventory_movements

from ..conftest import NOW

SHIPMENT_ID = re.compile(r"FBA[0-9A-F]{6}")
SEATTLE = {"Name": "Legacy Merchant", "AddressLine1": "1200 12th Ave S", "AddressLine2": "Suite 1200",
           "City": "Seattle", "StateOrProvinceCode": "WA", "CountryCode": "US", "PostalCode": "98144"}


def call(ctx, operation: str, **request):
    return HANDLERS[operation](ctx, request)


def lines(**quantities: int) -> list[dict]:
    return [{"MerchantSKU": sku.replace("_", "-"), "Quantity": q} for sku, q in quantities.items()]


def register(ctx, *skus: str) -> dict[str, str]:
    """Register SKUs; their FNSKUs by SKU."""
    items = [{"ASIN": "B000000001", "Condition": "NewItem", "MerchantSKU": sku} for sku in skus]
    result = call(ctx, "GetFulfillmentIdentifier", MerchantItem=items)["FulfillmentItem"]
    return {item["MerchantSKU"]: item["FulfillmentNetworkSKU"] for item in result}


def put(ctx, shipment_id: str = "FBA000001", items: list[dict] | None = None, **header):
    request = {"ShipmentId": shipment_id, "ShipmentName": "Shipment 1",
               "DestinationFulfillmentCenter": "PHL1", "ShipFromAddress": SEATTLE,
               "MerchantSKUQuantityItem": items or lines(SKU_A=10), **header}
    return HANDLERS["PutInboundShipment"](ctx, request)


def shipment(ctx, shipment_id: str = "FBA000001") -> dict:
    return call(ctx, "GetInboundShipmentData", ShipmentId=shipment_id)["ShipmentData"]


def shipment_items(ctx, shipment_id: str = "FBA000001", **request) -> dict[str, int]:
    page = call(ctx, "ListInboundShipmentItems", ShipmentId=shipment_id, **request)
    rows = list(page["ShipmentItem"])
    while page["HasNext"]:
        page = call(ctx, "ListInboundShipmentItemsByNextToken", NextToken=page["NextToken"])
        rows += page["ShipmentItem"]
    return {row["MerchantSKU"]: row["QuantityShipped"] for row in rows}


def set_status(ctx, status: str, shipment_id: str = "FBA000001") -> None:
    call(ctx, "SetInboundShipmentStatus", ShipmentId=shipment_id, ShipmentStatus=status)


def force_status(db, status: str, shipment_id: str = "FBA000001") -> None:
    """Move a shipment the way the warehouse (not the merchant) would."""
    with db.write() as conn:
        conn.execute(update(inbound_shipments).where(inbound_shipments.c.shipment_id == shipment_id)
                     .values(status=status))


def error_of(action) -> ApiError:
    with pytest.raises(ApiError) as raised:
        action()
    return raised.value


@pytest.fixture
def ctx(make_context, merchant):
    context = make_context(merchant)
    register(context, "SKU-A", "SKU-B", "SKU-C")
    return context


@pytest.fixture
def other_ctx(make_context, other_merchant):
    return make_context(other_merchant)


# --- preview ---------------------------------------------------------------------------

def test_preview_plans_every_item_to_network_centers(ctx):
    previews = call(ctx, "GetInboundShipmentPreview", ShipFromAddress=SEATTLE,
                    MerchantSKUQuantityItem=lines(SKU_A=10, SKU_B=5))["ShipmentPreview"]
    planned = {}
    for preview in previews:
        assert SHIPMENT_ID.fullmatch(preview["ShipmentId"])
        center = ctx.network.get(preview["DestinationFulfillmentCenter"])
        assert preview["ShipToAddress"] == center.address
        assert preview.get("LabelPrepType") is None
        planned.update({i["MerchantSKU"]: i["Quantity"] for i in preview["MerchantSKUQuantityItem"]})
    assert planned == {"SKU-A": 10, "SKU-B": 5}
    assert len({p["ShipmentId"] for p in previews}) == len(previews)


def test_preview_is_deterministic_and_splits_between_centers(ctx):
    skus = [f"SKU-{n:02d}" for n in range(30)]
    register(ctx, *skus)
    request = {"ShipFromAddress": SEATTLE,
               "MerchantSKUQuantityItem": [{"MerchantSKU": sku, "Quantity": 1} for sku in skus]}

    def plan() -> dict[str, str]:
        previews = HANDLERS["GetInboundShipmentPreview"](ctx, request)["ShipmentPreview"]
        return {item["MerchantSKU"]: p["DestinationFulfillmentCenter"]
                for p in previews for item in p["MerchantSKUQuantityItem"]}

    first = plan()
    assert len(first) == 30 and len(set(first.values())) == ctx.network.split_width
    assert plan() == first


@pytest.mark.parametrize("preference, label", [
    ("MERCHANT_LABEL", "MERCHANT_LABEL"), ("AMAZON_LABEL_ONLY", "AMAZON_LABEL"),
    ("AMAZON_LABEL_PREFERRED", "AMAZON_LABEL"),
])
def test_preview_label_prep_type(ctx, preference, label):
    [preview] = call(ctx, "GetInboundShipmentPreview", ShipFromAddress=SEATTLE,
                     MerchantSKUQuantityItem=lines(SKU_A=1),
                     LabelPrepPreference=preference)["ShipmentPreview"]
    assert preview["LabelPrepType"] == label


def test_preview_sums_a_repeated_sku(ctx):
    [preview] = call(ctx, "GetInboundShipmentPreview", ShipFromAddress=SEATTLE,
                     MerchantSKUQuantityItem=lines(SKU_A=2) + lines(SKU_A=3))["ShipmentPreview"]
    assert preview["MerchantSKUQuantityItem"] == [{"MerchantSKU": "SKU-A", "Quantity": 5}]


def test_a_repeated_sku_may_not_add_up_past_the_schemas_int(ctx):
    put(ctx, items=lines(SKU_A=1))
    most = 2**31 - 1  # xs:int: every quantity of the WSDL
    too_many = lines(SKU_B=1) + lines(SKU_A=most) + lines(SKU_A=1)
    requests = {
        "GetInboundShipmentPreview": {"ShipFromAddress": SEATTLE},
        "PutInboundShipment": {"ShipmentId": "FBA000002", "ShipmentName": "n",
                               "DestinationFulfillmentCenter": "PHL1", "ShipFromAddress": SEATTLE},
        "PutInboundShipmentItems": {"ShipmentId": "FBA000001"},
    }
    for operation, request in requests.items():
        error = error_of(lambda: call(ctx, operation, MerchantSKUQuantityItem=too_many, **request))
        assert isinstance(error, InvalidParameterValue), operation
        assert error.parameter == "MerchantSKUQuantityItem.3.Quantity" and str(most) in error.message
    assert shipment_items(ctx) == {"SKU-A": 1}
    assert "not found" in error_of(lambda: shipment(ctx, "FBA000002")).message
    call(ctx, "PutInboundShipmentItems", ShipmentId="FBA000001", MerchantSKUQuantityItem=lines(SKU_A=most))
    assert shipment_items(ctx) == {"SKU-A": most}


def test_preview_refuses_unregistered_and_other_merchants_skus(ctx, other_ctx):
    register(other_ctx, "THEIRS")
    for sku in ("NEVER-SEEN", "THEIRS"):
        error = error_of(lambda: call(ctx, "GetInboundShipmentPreview", ShipFromAddress=SEATTLE,
                                      MerchantSKUQuantityItem=lines(SKU_A=1) + [{"MerchantSKU": sku, "Quantity": 1}]))
        assert isinstance(error, InvalidParameterValue)
        assert error.parameter == "MerchantSKUQuantityItem.2.MerchantSKU" and error.value == sku


def test_preview_refuses_a_country_without_centers(ctx):
    error = error_of(lambda: call(ctx, "GetInboundShipmentPreview",
                                  ShipFromAddress=dict(SEATTLE, CountryCode="BR"),
                                  MerchantSKUQuantityItem=lines(SKU_A=1)))
    assert error.parameter == "ShipFromAddress.CountryCode"


def test_us_ship_from_needs_a_five_digit_postal_code(ctx):
    no_postal = {k: v for k, v in SEATTLE.items() if k != "PostalCode"}
    assert isinstance(error_of(lambda: put(ctx, ShipFromAddress=no_postal)), MissingParameter)
    error = error_of(lambda: put(ctx, ShipFromAddress=dict(SEATTLE, PostalCode="981")))
    assert error.parameter == "ShipFromAddress.PostalCode"
    error = error_of(lambda: call(ctx, "GetInboundShipmentPreview",
                                  ShipFromAddress=dict(SEATTLE, PostalCode="9814"),
                                  MerchantSKUQuantityItem=lines(SKU_A=1)))
    assert error.parameter == "ShipFromAddress.PostalCode"
    put(ctx, ShipFromAddress=dict(SEATTLE, PostalCode="98144-1234"))
    london = {"Name": "M", "AddressLine1": "1 High St", "City": "London",
              "StateOrProvinceCode": "London", "CountryCode": "GB"}
    put(ctx, "FBA000002", ShipFromAddress=london, DestinationFulfillmentCenter="LTN1")


def test_ship_from_country_is_two_letters_in_either_case(ctx):
    put(ctx, ShipFromAddress=dict(SEATTLE, CountryCode="us"))
    error = error_of(lambda: put(ctx, ShipFromAddress=dict(SEATTLE, CountryCode="U1")))
    assert isinstance(error, InvalidParameterValue)
    assert error.message == ("Value U1 for parameter ShipFromAddress.CountryCode is invalid. "
                             "Reason: it must be two letters (ISO 3166-1 alpha-2).")


def test_a_preview_can_be_put(ctx):
    [preview] = call(ctx, "GetInboundShipmentPreview", ShipFromAddress=SEATTLE,
                     MerchantSKUQuantityItem=lines(SKU_A=4))["ShipmentPreview"]
    put(ctx, preview["ShipmentId"], preview["MerchantSKUQuantityItem"],
        DestinationFulfillmentCenter=preview["DestinationFulfillmentCenter"])
    assert shipment_items(ctx, preview["ShipmentId"]) == {"SKU-A": 4}


# --- create or replace -----------------------------------------------------------------

def test_put_creates_a_working_shipment(ctx):
    assert put(ctx, items=lines(SKU_A=10, SKU_B=5), LabelPrepPreference="AMAZON_LABEL_PREFERRED") is None
    assert shipment(ctx) == {
        "ShipmentId": "FBA000001", "ShipmentName": "Shipment 1", "ShipmentStatus": "Working",
        "DestinationFulfillmentCenter": "PHL1",
        "ShipToAddress": ctx.network.get("PHL1").address, "ShipFromAddress": SEATTLE,
        "CreateDate": NOW, "LabelPrepType": "AMAZON_LABEL",
    }
    assert shipment_items(ctx) == {"SKU-A": 10, "SKU-B": 5}
    page = call(ctx, "ListInboundShipmentItems", ShipmentId="FBA000001")
    assert page["ShipmentItem"][0] == {"QuantityShipped": 10, "QuantityReceived": 0,
                                       "FulfillmentNetworkSKU": page["ShipmentItem"][0]["FulfillmentNetworkSKU"],
                                       "MerchantSKU": "SKU-A"}


def test_put_replaces_the_header_and_all_items(ctx, make_context, merchant):
    put(ctx, items=lines(SKU_A=10, SKU_B=5), LabelPrepPreference="MERCHANT_LABEL")
    later = make_context(merchant, now=NOW + timedelta(hours=1))
    put(later, items=lines(SKU_B=7, SKU_C=1) + lines(SKU_C=2), ShipmentName="Renamed",
        DestinationFulfillmentCenter="SDF1")
    data = shipment(later)
    assert (data["ShipmentName"], data["DestinationFulfillmentCenter"]) == ("Renamed", "SDF1")
    assert data["CreateDate"] == NOW and data.get("LabelPrepType") is None
    assert shipment_items(later) == {"SKU-B": 7, "SKU-C": 3}


def test_put_refuses_an_unknown_center_and_unregistered_skus(ctx):
    error = error_of(lambda: put(ctx, DestinationFulfillmentCenter="XXX9"))
    assert error.parameter == "DestinationFulfillmentCenter"
    error = error_of(lambda: put(ctx, items=lines(SKU_A=1, NOPE=2)))
    assert error.value == "NOPE"
    assert "shipment not found" in error_of(lambda: shipment(ctx)).message


def test_put_refuses_a_center_across_the_border(ctx):
    # The preview never plans one (network.py); a typed code must not either.
    for action in (lambda: put(ctx, DestinationFulfillmentCenter="LTN1"),
                   lambda: call(ctx, "PutInboundShipmentData", ShipmentId="FBA000001", ShipmentName="n",
                                DestinationFulfillmentCenter="NRT1", ShipFromAddress=SEATTLE)):
        error = error_of(action)
        assert isinstance(error, InvalidParameterValue) and error.parameter == "DestinationFulfillmentCenter"
        assert "a shipment from US goes to a fulfillment center in US" in error.message
    assert "shipment not found" in error_of(lambda: shipment(ctx)).message
    put(ctx, ShipFromAddress=dict(SEATTLE, CountryCode="us"), DestinationFulfillmentCenter="SDF1")


def test_put_data_creates_or_replaces_the_header_only(ctx):
    header = {"ShipmentId": "FBA000001", "ShipmentName": "Header only",
              "DestinationFulfillmentCenter": "PHL1", "ShipFromAddress": SEATTLE}
    assert call(ctx, "PutInboundShipmentData", **header) is None
    assert shipment(ctx)["ShipmentStatus"] == "Working" and shipment_items(ctx) == {}
    call(ctx, "PutInboundShipmentItems", ShipmentId="FBA000001", MerchantSKUQuantityItem=lines(SKU_A=3))
    moved = dict(SEATTLE, AddressLine2="Dock 7")
    call(ctx, "PutInboundShipmentData", **dict(header, ShipmentName="Renamed", ShipFromAddress=moved))
    assert shipment(ctx)["ShipFromAddress"] == moved
    assert shipment_items(ctx) == {"SKU-A": 3}


def test_item_upsert_and_delete(ctx):
    put(ctx, items=lines(SKU_A=10))
    call(ctx, "PutInboundShipmentItems", ShipmentId="FBA000001",
         MerchantSKUQuantityItem=lines(SKU_A=4, SKU_B=5))
    assert shipment_items(ctx) == {"SKU-A": 4, "SKU-B": 5}
    call(ctx, "DeleteInboundShipmentItems", ShipmentId="FBA000001",
         MerchantSKU=["SKU-B", "SKU-C", "NEVER-REGISTERED"])
    assert shipment_items(ctx) == {"SKU-A": 4}


@pytest.mark.parametrize("status", ["Shipped", "Cancelled", "InTransit", "Receiving", "Closed"])
def test_nothing_changes_unless_working(ctx, db, status):
    put(ctx, items=lines(SKU_A=10))
    force_status(db, status)
    header = {"ShipmentId": "FBA000001", "ShipmentName": "x", "DestinationFulfillmentCenter": "PHL1",
              "ShipFromAddress": SEATTLE}
    edits = [
        lambda: call(ctx, "PutInboundShipmentItems", ShipmentId="FBA000001",
                     MerchantSKUQuantityItem=lines(SKU_B=1)),
        lambda: call(ctx, "DeleteInboundShipmentItems", ShipmentId="FBA000001", MerchantSKU=["SKU-A"]),
        lambda: put(ctx, items=lines(SKU_B=1)),
        lambda: call(ctx, "PutInboundShipmentData", **header),
    ]
    for edit in edits:
        error = error_of(edit)
        assert error.parameter == "ShipmentId" and status in error.message
    assert shipment_items(ctx) == {"SKU-A": 10}
    assert shipment(ctx)["ShipmentName"] == "Shipment 1"


# --- status ----------------------------------------------------------------------------

def _balance(db) -> list[tuple[str, int]]:
    with db.read() as conn:
        return [tuple(r) for r in conn.execute(
            select(inventory_balances.c.fulfillment_center_id, inventory_balances.c.inbound)
            .order_by(inventory_balances.c.item_id))]


def _movements(db) -> list[tuple[str, int, str]]:
    with db.read() as conn:
        return [tuple(r) for r in conn.execute(
            select(inventory_movements.c.kind, inventory_movements.c.quantity,
                   inventory_movements.c.document_id).order_by(inventory_movements.c.id))]


def test_shipped_records_expected_inbound_and_cancel_reverses_it(ctx, db):
    put(ctx, items=lines(SKU_A=10, SKU_B=5))
    set_status(ctx, "Shipped")
    assert shipment(ctx)["ShipmentStatus"] == "Shipped"
    assert _balance(db) == [("PHL1", 10), ("PHL1", 5)]
    set_status(ctx, "Cancelled")
    assert shipment(ctx)["ShipmentStatus"] == "Cancelled"
    assert _balance(db) == [("PHL1", 0), ("PHL1", 0)]
    assert sorted(_movements(db)) == sorted([
        ("inbound_expected", 10, "FBA000001"), ("inbound_expected", 5, "FBA000001"),
        ("inbound_cancelled", 10, "FBA000001"), ("inbound_cancelled", 5, "FBA000001")])
    set_status(ctx, "Cancelled")  # a repeat is a no-op success
    assert len(_movements(db)) == 4


def test_a_shipment_without_items_cannot_be_shipped(ctx, db):
    call(ctx, "PutInboundShipmentData", ShipmentId="FBA000001", ShipmentName="Header only",
         DestinationFulfillmentCenter="PHL1", ShipFromAddress=SEATTLE)
    put(ctx, "FBA000002", items=lines(SKU_A=1))
    call(ctx, "DeleteInboundShipmentItems", ShipmentId="FBA000002", MerchantSKU=["SKU-A"])
    for shipment_id in ("FBA000001", "FBA000002"):
        error = error_of(lambda: set_status(ctx, "Shipped", shipment_id))
        assert isinstance(error, InvalidParameterValue) and error.parameter == "ShipmentStatus"
        assert f"shipment {shipment_id} has no items" in error.message
        assert shipment(ctx, shipment_id)["ShipmentStatus"] == "Working"
        set_status(ctx, "Cancelled", shipment_id)  # what is left to do with it
    assert _movements(db) == []


def test_shipping_may_not_take_inbound_stock_past_the_schemas_int(ctx, db):
    most = 2**31 - 1  # xs:int, TotalSupplyQuantity's type
    put(ctx, items=lines(SKU_A=most))
    set_status(ctx, "Shipped")
    put(ctx, "FBA000002", items=lines(SKU_B=1, SKU_A=1))
    error = error_of(lambda: set_status(ctx, "Shipped", "FBA000002"))
    assert isinstance(error, InvalidParameterValue) and error.parameter == "ShipmentStatus"
    assert f"more than {most} units of SKU-A would be inbound to PHL1" in error.message
    assert shipment(ctx, "FBA000002")["ShipmentStatus"] == "Working"
    assert _balance(db) == [("PHL1", most)]


def test_cancelling_a_working_shipment_touches_no_stock(ctx, db):
    put(ctx)
    set_status(ctx, "Cancelled")
    assert shipment(ctx)["ShipmentStatus"] == "Cancelled"
    assert _movements(db) == [] and _balance(db) == []


@pytest.mark.parametrize("current, wanted", [
    ("Cancelled", "Shipped"), ("Error", "Shipped"),
    ("Closed", "Cancelled"), ("Error", "Cancelled"),
])
def test_refused_status_moves_name_the_current_status(ctx, db, current, wanted):
    put(ctx)
    force_status(db, current)
    error = error_of(lambda: set_status(ctx, wanted))
    assert isinstance(error, InvalidParameterValue) and error.parameter == "ShipmentStatus"
    assert f"is {current}" in error.message
    assert shipment(ctx)["ShipmentStatus"] == current


# --- isolation -------------------------------------------------------------------------

def test_another_merchant_gets_the_not_found_answer(ctx, other_ctx):
    register(other_ctx, "SKU-A")
    attempts = {
        "get": lambda: shipment(other_ctx),
        "items": lambda: shipment_items(other_ctx),
        "put items": lambda: call(other_ctx, "PutInboundShipmentItems", ShipmentId="FBA000001",
                                  MerchantSKUQuantityItem=lines(SKU_A=1)),
        "delete": lambda: call(other_ctx, "DeleteInboundShipmentItems", ShipmentId="FBA000001",
                               MerchantSKU=["SKU-A"]),
        "ship": lambda: set_status(other_ctx, "Shipped"),
        "cancel": lambda: set_status(other_ctx, "Cancelled"),
    }
    before = {name: (type(e), e.message) for name, e in
              ((name, error_of(attempt)) for name, attempt in attempts.items())}
    put(ctx, items=lines(SKU_A=10))
    after = {name: (type(e), e.message) for name, e in
             ((name, error_of(attempt)) for name, attempt in attempts.items())}
    assert after == before
    assert all(message == "Value FBA000001 for parameter ShipmentId is invalid. "
                          "Reason: shipment not found." for _, message in after.values())
    assert shipment(ctx)["ShipmentStatus"] == "Working" and shipment_items(ctx) == {"SKU-A": 10}
    assert call(other_ctx, "ListInboundShipments")["ShipmentData"] == []


def test_the_same_shipment_id_is_separate_per_merchant(ctx, other_ctx):
    register(other_ctx, "SKU-A")
    put(ctx, items=lines(SKU_A=10))
    put(other_ctx, items=lines(SKU_A=1), ShipmentName="Theirs")
    set_status(other_ctx, "Cancelled")
    assert (shipment(ctx)["ShipmentName"], shipment(ctx)["ShipmentStatus"]) == ("Shipment 1", "Working")
    assert shipment_items(ctx) == {"SKU-A": 10}


# --- listing ---------------------------------------------------------------------------

def _all_shipments(ctx, between=None, **request) -> tuple[list[str], list[int]]:
    page = call(ctx, "ListInboundShipments", **request)
    ids, sizes = [], []
    while True:
        ids += [row["ShipmentId"] for row in page["ShipmentData"]]
        sizes.append(len(page["ShipmentData"]))
        if not page["HasNext"]:
            assert page["NextToken"] == ""
            return ids, sizes
        if between:
            between()
        page = call(ctx, "ListInboundShipmentsByNextToken", NextToken=page["NextToken"])


def test_list_shipments_pages_every_row_once_while_rows_are_added(ctx):
    for n in range(11):
        put(ctx, f"FBA{n:06d}")
    added = []

    def add() -> None:
        added.append(f"FBB{len(added):06d}")
        put(ctx, added[-1])

    ids, sizes = _all_shipments(ctx, between=add, MaxCount=3)
    assert len(ids) == len(set(ids))
    assert {f"FBA{n:06d}" for n in range(11)} <= set(ids) <= {f"FBA{n:06d}" for n in range(11)} | set(added)
    assert all(size == 3 for size in sizes[:-1])


def test_list_shipments_filters_ride_the_token(ctx, db, make_context, merchant):
    for n in range(6):
        put(make_context(merchant, now=NOW + timedelta(minutes=n)), f"FBA{n:06d}")
    for n in (1, 3, 4):
        set_status(ctx, "Shipped", f"FBA{n:06d}")
    ids, _ = _all_shipments(ctx, ShipmentStatus=["Shipped"], MaxCount=1)
    assert ids == ["FBA000001", "FBA000003", "FBA000004"]
    ids, _ = _all_shipments(ctx, ShipmentStatus=["Working", "Cancelled"], MaxCount=2)
    assert ids == ["FBA000000", "FBA000002", "FBA000005"]
    ids, _ = _all_shipments(ctx, CreatedAfter=NOW + timedelta(minutes=1),
                            CreatedBefore=NOW + timedelta(minutes=5), MaxCount=1)
    assert ids == ["FBA000002", "FBA000003", "FBA000004"]
    assert _all_shipments(ctx)[0] == [f"FBA{n:06d}" for n in range(6)]


def test_list_shipment_items_pages_while_items_are_added(ctx):
    skus = [f"ITEM-{n:02d}" for n in range(9)]
    register(ctx, *skus)
    put(ctx, items=[{"MerchantSKU": sku, "Quantity": 1} for sku in skus])
    extra = iter([f"LATE-{n}" for n in range(5)])
    page = call(ctx, "ListInboundShipmentItems", ShipmentId="FBA000001", MaxCount=2)
    seen, sizes = [], []
    while True:
        seen += [row["MerchantSKU"] for row in page["ShipmentItem"]]
        sizes.append(len(page["ShipmentItem"]))
        if not page["HasNext"]:
            break
        sku = next(extra, None)
        if sku:
            register(ctx, sku)
            call(ctx, "PutInboundShipmentItems", ShipmentId="FBA000001",
                 MerchantSKUQuantityItem=[{"MerchantSKU": sku, "Quantity": 1}])
        page = call(ctx, "ListInboundShipmentItemsByNextToken", NextToken=page["NextToken"])
    assert len(seen) == len(set(seen)) and set(skus) <= set(seen)
    assert all(size == 2 for size in sizes[:-1]) and page["NextToken"] == ""


def test_list_tokens_are_tamper_evident_and_merchant_bound(ctx, other_ctx):
    put(ctx, items=lines(SKU_A=1, SKU_B=1))
    put(ctx, "FBA000002")
    for operation, request in (("ListInboundShipments", {}),
                               ("ListInboundShipmentItems", {"ShipmentId": "FBA000001"})):
        token = call(ctx, operation, MaxCount=1, **request)["NextToken"]
        body, mac = token.split(".")
        forged = body + "." + mac[::-1]
        for bad_ctx, bad in ((ctx, forged), (other_ctx, token)):
            error = error_of(lambda: call(bad_ctx, f"{operation}ByNextToken", NextToken=bad))
            assert isinstance(error, InvalidParameterValue) and error.parameter == "NextToken"
        assert call(ctx, f"{operation}ByNextToken", NextToken=token)["HasNext"] is False


def test_empty_lists(ctx):
    assert call(ctx, "ListInboundShipments") == {"NextToken": "", "HasNext": False, "ShipmentData": []}
    put(ctx)
    call(ctx, "DeleteInboundShipmentItems", ShipmentId="FBA000001", MerchantSKU=["SKU-A"])
    assert call(ctx, "ListInboundShipmentItems", ShipmentId="FBA000001") == {
        "NextToken": "", "HasNext": False, "ShipmentItem": []}


# --- racing writers --------------------------------------------------------------------

def _race(count: int, action) -> tuple[int, list[BaseException]]:
    """Run `action` in `count` threads released at once: (successes, errors)."""
    barrier = threading.Barrier(count)
    outcomes: list[BaseException | None] = []

    def run() -> None:
        barrier.wait()
        try:
            action()
            outcomes.append(None)
        except BaseException as error:  # collected for the test's thread
            outcomes.append(error)

    threads = [threading.Thread(target=run) for _ in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    errors = [outcome for outcome in outcomes if outcome is not None]
    return len(outcomes) - len(errors), errors


def test_racing_shipped_moves_record_expected_stock_once(ctx, db, make_context, merchant):
    put(ctx, items=lines(SKU_A=10))
    successes, errors = _race(6, lambda: set_status(make_context(merchant), "Shipped"))
    assert (successes, errors) == (6, [])  # one ships it, the others find it done
    assert _balance(db) == [("PHL1", 10)]
    assert len(_movements(db)) == 1


@pytest.mark.parametrize("current", ["Shipped", "InTransit", "Receiving", "Closed"])
def test_marking_a_shipment_that_has_left_shipped_again_changes_nothing(ctx, db, current):
    """A retried SetInboundShipmentStatus whose first answer was lost (a timeout after the
    commit) found the shipment Shipped and failed: the merchant was told it had not left."""
    put(ctx, items=lines(SKU_A=10))
    set_status(ctx, "Shipped")
    force_status(db, current)
    set_status(ctx, "Shipped")
    assert shipment(ctx)["ShipmentStatus"] == current
    assert _movements(db) == [("inbound_expected", 10, "FBA000001")]


def test_racing_creates_of_one_shipment_id_make_one_shipment(ctx, make_context, merchant):
    successes, errors = _race(6, lambda: put(make_context(merchant), "FBA0RACE1", lines(SKU_B=2)))
    assert (successes, errors) == (6, [])
    assert _all_shipments(ctx)[0] == ["FBA0RACE1"]
    assert shipment_items(ctx, "FBA0RACE1") == {"SKU-B": 2}
