"""The whole lifecycle over HTTP, in both modes: register, plan inbound, ship, receive
(partly, then fully), order, ship the order, and see its tracking."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest

from fwscli.api.errors import ApiError
from fwscli.service import app as service_app

from ..service.samples import DESTINATION, SHIP_FROM, order, register, shipment


def supply(client, sku: str) -> tuple[int, int]:
    """(TotalSupplyQuantity, InStockSupplyQuantity) of a SKU."""
    (row,) = client.call("inventory", "GetInventorySupply", {"MerchantSKU": [sku]})["MerchantSKUSupply"]
    return row["TotalSupplyQuantity"], row["InStockSupplyQuantity"]


def inbound_status(client, shipment_id: str) -> str:
    data = client.call("inbound", "GetInboundShipmentData", {"ShipmentId": shipment_id})["ShipmentData"]
    return data["ShipmentStatus"]


def inbound_items(client, shipment_id: str) -> dict[str, tuple[int, int]]:
    rows = client.call("inbound", "ListInboundShipmentItems", {"ShipmentId": shipment_id})["ShipmentItem"]
    return {row["MerchantSKU"]: (row["QuantityShipped"], row["QuantityReceived"]) for row in rows}


def test_register_plan_ship_receive_order_ship_track(client, warehouse, mode):
    register(client, "SKU-A")
    (plan,) = client.call("inbound", "GetInboundShipmentPreview", {
        "ShipFromAddress": SHIP_FROM, "MerchantSKUQuantityItem": [{"MerchantSKU": "SKU-A", "Quantity": 10}],
    })["ShipmentPreview"]
    shipment_id, fc = plan["ShipmentId"], plan["DestinationFulfillmentCenter"]
    client.call("inbound", "PutInboundShipment", shipment(shipment_id, ("SKU-A", 10), fc=fc))
    client.call("inbound", "SetInboundShipmentStatus", {"ShipmentId": shipment_id, "ShipmentStatus": "Shipped"})
    assert supply(client, "SKU-A") == (10, 0)  # all of it inbound

    warehouse.bring_in(shipment_id)
    assert inbound_status(client, shipment_id) == "CheckedIn"

    # Part of it is received first (an operator scanning boxes, in either mode)...
    received = warehouse.op("ReceiveInboundShipmentItems", ShipmentId=shipment_id,
                            Item=[{"MerchantSKU": "SKU-A", "Quantity": 4}])
    assert received["ShipmentStatus"] == "Receiving"
    assert [(r["MerchantSKU"], r["QuantityShipped"], r["QuantityReceived"]) for r in received["ReceivedItem"]] \
        == [("SKU-A", 10, 4)]
    assert inbound_status(client, shipment_id) == "Receiving"
    assert inbound_items(client, shipment_id) == {"SKU-A": (10, 4)}
    assert supply(client, "SKU-A") == (10, 4)

    # ...then the rest.
    warehouse.finish_receiving(shipment_id)
    assert inbound_status(client, shipment_id) == "Closed"
    assert inbound_items(client, shipment_id) == {"SKU-A": (10, 10)}
    assert supply(client, "SKU-A") == (10, 10)

    client.call("outbound", "CreateFulfillmentOrder", order("ORDER-1", ("SKU-A", 3)))
    assert warehouse.status("ORDER-1") == "Planning"
    assert supply(client, "SKU-A") == (7, 7)  # 3 reserved: no longer supply

    warehouse.pick("ORDER-1")
    picked = warehouse.order("ORDER-1")
    assert picked["FulfillmentOrder"]["FulfillmentOrderStatus"] == "Processing"
    (pending,) = picked["FulfillmentShipment"]
    assert (pending["FulfillmentShipmentStatus"], pending["FulfillmentCenterId"]) == ("Pending", fc)
    assert pending["ShippingDateTime"] and pending["EstimatedArrivalDateTime"]
    assert pending["FulfillmentShipmentPackage"] == []

    warehouse.ship("ORDER-1")
    done = warehouse.order("ORDER-1")
    assert done["FulfillmentOrder"]["FulfillmentOrderStatus"] == "Complete"
    (shipped,) = done["FulfillmentShipment"]
    assert shipped["AmazonShipmentId"] == pending["AmazonShipmentId"]
    assert shipped["FulfillmentShipmentStatus"] == "Shipped"
    assert [(i["MerchantSKU"], i["Quantity"], i["PackageNumber"]) for i in shipped["FulfillmentShipmentItem"]] \
        == [("SKU-A", 3, 1)]
    (package,) = shipped["FulfillmentShipmentPackage"]
    assert package["PackageNumber"] == 1 and package["CarrierCode"] == "UPS"
    assert re.fullmatch(r"1Z[0-9A-Z]{16}", package["TrackingNumber"])
    assert package["EstimatedArrivalDateTime"] == shipped["EstimatedArrivalDateTime"]
    line = done["FulfillmentOrderItem"][0]
    assert (line["CancelledQuantity"], line["UnfulfillableQuantity"]) == (0, 0)
    assert supply(client, "SKU-A") == (7, 7)
    assert warehouse.op("GetInventoryBalances", MerchantSKU="SKU-A")["InventoryBalance"] == [{
        "MerchantSKU": "SKU-A", "FulfillmentCenterId": fc, "Disposition": "Sellable",
        "InStockQuantity": 7, "InboundQuantity": 0, "ReservedQuantity": 0, "AvailableQuantity": 7,
    }]


def test_an_operator_ships_with_its_own_carrier_and_tracking(client, warehouse):
    register(client, "SKU-A")
    warehouse.stock("SKU-A", 5)
    client.call("outbound", "CreateFulfillmentOrder", order("ORDER-1", ("SKU-A", 2), speed="Priority"))
    state = warehouse.op("ShipFulfillmentOrder", MerchantFulfillmentOrderId="ORDER-1", Package=[
        {"CarrierCode": "USPS", "TrackingNumber": "9400100000000000000001"},
        {"CarrierCode": "USPS", "TrackingNumber": "9400100000000000000002",
         "EstimatedArrivalDateTime": "2030-01-02T03:04:05Z"},
    ])
    assert state["FulfillmentOrderStatus"] == "Complete"
    (shipped,) = warehouse.order("ORDER-1")["FulfillmentShipment"]
    assert [(p["PackageNumber"], p["CarrierCode"], p["TrackingNumber"]) for p in shipped["FulfillmentShipmentPackage"]] \
        == [(1, "USPS", "9400100000000000000001"), (2, "USPS", "9400100000000000000002")]
    assert shipped["FulfillmentShipmentPackage"][1]["EstimatedArrivalDateTime"] == "2030-01-02T03:04:05Z"
    assert shipped["EstimatedArrivalDateTime"] == "2030-01-02T03:04:05Z"  # the latest package's
    # One line of two units in two packages: a unit in each, no empty box with a tracking number.
    assert [(i["MerchantFulfillmentOrderItemId"], i["Quantity"], i["PackageNumber"])
            for i in shipped["FulfillmentShipmentItem"]] == [("1", 1, 1), ("1", 1, 2)]


def test_a_package_cannot_arrive_before_it_leaves(client, warehouse):
    register(client, "SKU-A")
    warehouse.stock("SKU-A", 5)
    client.call("outbound", "CreateFulfillmentOrder", order("ORDER-1", ("SKU-A", 2)))
    yesterday = (warehouse.clock.now - timedelta(days=1)).strftime("%Y-%m-%dT%H:%M:%SZ")
    with pytest.raises(ApiError, match="Package.2.EstimatedArrivalDateTime") as refused:
        warehouse.op("ShipFulfillmentOrder", MerchantFulfillmentOrderId="ORDER-1", Package=[
            {"CarrierCode": "UPS"}, {"CarrierCode": "UPS", "EstimatedArrivalDateTime": yesterday}])
    assert refused.value.code == "InvalidParameterValue" and "before it leaves" in str(refused.value)
    assert warehouse.status("ORDER-1") in ("Planning", "Processing")  # nothing shipped
    assert not any(s["FulfillmentShipmentStatus"] == "Shipped" for s in warehouse.order("ORDER-1")["FulfillmentShipment"])


def test_packages_share_the_units_and_none_is_left_empty(client, warehouse):
    register(client, "SKU-A", "SKU-B")
    warehouse.stock("SKU-A", 5)
    warehouse.stock("SKU-B", 5)
    client.call("outbound", "CreateFulfillmentOrder", order("ORDER-1", ("SKU-A", 3), ("SKU-B", 1)))
    with pytest.raises(ApiError, match="4 units") as refused:
        warehouse.op("ShipFulfillmentOrder", MerchantFulfillmentOrderId="ORDER-1",
                     Package=[{"CarrierCode": "UPS"}] * 5)
    assert refused.value.code == "InvalidParameterValue"
    assert warehouse.status("ORDER-1") in ("Planning", "Processing")  # nothing shipped

    warehouse.op("ShipFulfillmentOrder", MerchantFulfillmentOrderId="ORDER-1",
                 Package=[{"CarrierCode": "UPS"}] * 3)
    (shipped,) = warehouse.order("ORDER-1")["FulfillmentShipment"]
    contents = [(i["MerchantSKU"], i["Quantity"], i["PackageNumber"]) for i in shipped["FulfillmentShipmentItem"]]
    assert sorted(contents, key=lambda c: c[2]) == [("SKU-A", 2, 1), ("SKU-A", 1, 2), ("SKU-B", 1, 3)]
    assert sum(quantity for _, quantity, _ in contents) == 4


def test_a_tracking_number_is_for_one_shipment_only(client, warehouse):
    register(client, "SKU-A")
    warehouse.stock("SKU-A", 2, fc="PHL1")
    warehouse.stock("SKU-A", 3, fc="RNO1")
    client.call("outbound", "CreateFulfillmentOrder", order("ORDER-1", ("SKU-A", 5)))
    picked = warehouse.op("PickFulfillmentOrder", MerchantFulfillmentOrderId="ORDER-1")["FulfillmentShipment"]
    # Both pending shipments (two centers, two boxes) under one tracking number: refused.
    with pytest.raises(ApiError, match="AmazonShipmentId") as refused:
        warehouse.op("ShipFulfillmentOrder", MerchantFulfillmentOrderId="ORDER-1",
                     Package=[{"CarrierCode": "UPS", "TrackingNumber": "1Z0000000000000001"}])
    assert refused.value.code == "InvalidParameterCombination"
    assert warehouse.status("ORDER-1") == "Processing"

    for number, pending in enumerate(picked, start=1):
        warehouse.op("ShipFulfillmentOrder", MerchantFulfillmentOrderId="ORDER-1",
                     AmazonShipmentId=pending["AmazonShipmentId"],
                     Package=[{"CarrierCode": "UPS", "TrackingNumber": f"1Z000000000000000{number}"}])
    got = warehouse.order("ORDER-1")
    assert got["FulfillmentOrder"]["FulfillmentOrderStatus"] == "Complete"
    assert sorted(p["TrackingNumber"] for s in got["FulfillmentShipment"] for p in s["FulfillmentShipmentPackage"]) \
        == ["1Z0000000000000001", "1Z0000000000000002"]


def test_an_order_split_over_two_centers_ships_in_two_shipments(client, warehouse):
    register(client, "SKU-A")
    warehouse.stock("SKU-A", 2, fc="PHL1")
    warehouse.stock("SKU-A", 3, fc="RNO1")
    client.call("outbound", "CreateFulfillmentOrder", order("ORDER-1", ("SKU-A", 5)))
    warehouse.ship("ORDER-1")
    got = warehouse.order("ORDER-1")
    assert got["FulfillmentOrder"]["FulfillmentOrderStatus"] == "Complete"
    assert sorted((s["FulfillmentCenterId"], s["FulfillmentShipmentItem"][0]["Quantity"], s["FulfillmentShipmentStatus"])
                  for s in got["FulfillmentShipment"]) == [("PHL1", 2, "Shipped"), ("RNO1", 3, "Shipped")]


def _two_shipments_shipped(client) -> None:
    """S-A (5 of SKU-A) and S-B (5 of SKU-B), shipped: the setup of the backlog tests below,
    which then make every step of both due at once."""
    register(client, "SKU-A", "SKU-B")
    for shipment_id, sku in (("S-A", "SKU-A"), ("S-B", "SKU-B")):
        client.call("inbound", "PutInboundShipment", shipment(shipment_id, (sku, 5)))
        client.call("inbound", "SetInboundShipmentStatus", {"ShipmentId": shipment_id, "ShipmentStatus": "Shipped"})


def _three_orders(client, warehouse) -> None:
    """Orders O-1, O-2 and O-3 of one SKU-A each, with stock for them."""
    register(client, "SKU-A")
    warehouse.stock("SKU-A", 10)
    for order_id in ("O-1", "O-2", "O-3"):
        client.call("outbound", "CreateFulfillmentOrder", order(order_id, ("SKU-A", 1)))


@pytest.mark.parametrize("mode", ["auto"])
def test_changes_applied_late_are_not_missed_by_a_supply_poller(client, warehouse, monkeypatch):
    """A request applies only so many due steps, each stamped with its due time: a poller
    asking for the changes since its last answer must still see every one of them."""
    monkeypatch.setattr(service_app, "REQUEST_TICK_LIMIT", 1)
    _two_shipments_shipped(client)
    seen: dict[str, int] = {}
    since = warehouse.clock.now
    warehouse.bring_in("S-A")
    warehouse.finish_receiving("S-A")  # every step of both shipments is due: eight of them
    for _ in range(3):
        asked_at = warehouse.clock.now
        page = client.call("inventory", "ListUpdatedInventorySupply", {"QueryStartDateTime": since})
        seen.update((row["MerchantSKU"], row["InStockSupplyQuantity"]) for row in page["MerchantSKUSupply"])
        since = asked_at
        warehouse.clock.advance(timedelta(seconds=1))
    assert seen == {"SKU-A": 5, "SKU-B": 5}


@pytest.mark.parametrize("mode", ["auto"])
def test_orders_completed_late_are_not_missed_by_an_order_poller(client, warehouse, monkeypatch):
    """As for supply: a poller asking for the orders changed since its last answer must see
    each order's last status, however far behind the warehouse was."""
    monkeypatch.setattr(service_app, "REQUEST_TICK_LIMIT", 1)
    _three_orders(client, warehouse)
    seen: dict[str, str] = {}
    since = warehouse.clock.now
    warehouse.ship("O-1")  # every order's picking and shipping is due: six steps
    for _ in range(3):
        asked_at = warehouse.clock.now
        page = client.call("outbound", "ListAllFulfillmentOrders", {"QueryStartDateTime": since})
        seen.update((row["MerchantFulfillmentOrderId"], row["FulfillmentOrderStatus"])
                    for row in page["FulfillmentOrder"])
        since = asked_at
        warehouse.clock.advance(timedelta(seconds=1))
    assert seen == {"O-1": "Complete", "O-2": "Complete", "O-3": "Complete"}


@pytest.mark.parametrize("mode", ["auto"])
def test_an_order_read_while_the_warehouse_is_behind_shows_the_steps_due_by_then(client, warehouse, monkeypatch):
    """A request applies only so many due steps of the whole warehouse (the earliest first);
    an order asked for by name is shown as of now all the same: its own due steps first."""
    monkeypatch.setattr(service_app, "REQUEST_TICK_LIMIT", 1)
    _three_orders(client, warehouse)
    warehouse.ship("O-1")  # every order's picking and shipping is due: six steps
    got = warehouse.order("O-3")
    assert got["FulfillmentOrder"]["FulfillmentOrderStatus"] == "Complete"
    assert [s["FulfillmentShipmentStatus"] for s in got["FulfillmentShipment"]] == ["Shipped"]


@pytest.mark.parametrize("mode", ["auto"])
def test_an_order_that_shipped_while_the_warehouse_was_behind_cannot_be_cancelled(client, warehouse, monkeypatch):
    """It shipped at its due time, before the cancel: the cancel must not undo that."""
    monkeypatch.setattr(service_app, "REQUEST_TICK_LIMIT", 1)
    _three_orders(client, warehouse)
    warehouse.ship("O-1")
    with pytest.raises(ApiError, match="Complete and can no longer be cancelled"):
        client.call("outbound", "CancelFulfillmentOrder", {"MerchantFulfillmentOrderId": "O-3"})
    got = warehouse.order("O-3")
    assert got["FulfillmentOrder"]["FulfillmentOrderStatus"] == "Complete"
    assert got["FulfillmentOrderItem"][0]["CancelledQuantity"] == 0


@pytest.mark.parametrize("mode", ["auto"])
def test_supply_and_previews_asked_while_the_warehouse_is_behind_show_the_steps_due_by_then(client, warehouse, monkeypatch):
    """As a listing does: GetFulfillmentPreview and GetInventorySupply answer once every due
    step is applied, not with the stock of some steps ago (units received by now missing)."""
    monkeypatch.setattr(service_app, "REQUEST_TICK_LIMIT", 1)
    _two_shipments_shipped(client)
    warehouse.bring_in("S-A")
    warehouse.finish_receiving("S-A")  # every step of both shipments is due: eight of them
    (preview,) = client.call("outbound", "GetFulfillmentPreview", {
        "Address": DESTINATION, "ShippingSpeedCategories": ["Standard"],
        "Items": [{"MerchantSKU": "SKU-B", "Quantity": 5, "MerchantFulfillmentOrderItemId": "1"}],
    })["FulfillmentPreviews"]
    assert preview["IsFulfillable"] is True
    assert supply(client, "SKU-B") == (5, 5)


@pytest.mark.parametrize("mode", ["auto"])
def test_an_order_created_while_the_warehouse_is_behind_is_planned_on_the_stock_of_now(client, warehouse, monkeypatch):
    """Planned at once, a FillOrKill order is all or nothing for good: it must see the units
    received by now, not the stock of some steps ago, or it is Unfulfillable for no reason."""
    monkeypatch.setattr(service_app, "REQUEST_TICK_LIMIT", 1)
    _two_shipments_shipped(client)
    warehouse.bring_in("S-A")
    warehouse.finish_receiving("S-A")  # every step of both shipments is due: eight of them
    client.call("outbound", "CreateFulfillmentOrder", order("ORDER-1", ("SKU-B", 5)))
    assert warehouse.status("ORDER-1") == "Planning"


def _shipped_and_due(client, warehouse, count: int) -> None:
    """`count` shipments S-1... of 5 units of SKU-A, shipped, with every step due by now
    (carrier states and receiving: four each) and none applied yet."""
    register(client, "SKU-A")
    for n in range(1, count + 1):
        client.call("inbound", "PutInboundShipment", shipment(f"S-{n}", ("SKU-A", 5)))
        client.call("inbound", "SetInboundShipmentStatus", {"ShipmentId": f"S-{n}", "ShipmentStatus": "Shipped"})
    warehouse.bring_in("S-1")
    warehouse.finish_receiving("S-1")


@pytest.mark.parametrize("mode", ["auto"])
def test_a_shipment_read_or_cancelled_while_the_warehouse_is_behind_is_the_shipment_of_now(client, warehouse, monkeypatch):
    """As for orders: a request that names an inbound shipment sees it, and changes it, as
    of now (its own due steps first), not as it was some steps ago."""
    monkeypatch.setattr(service_app, "REQUEST_TICK_LIMIT", 1)
    _shipped_and_due(client, warehouse, 4)
    # Closed as of now: a cancel must not take its received units off the inbound balance.
    with pytest.raises(ApiError, match="shipment S-4 is Closed"):
        client.call("inbound", "SetInboundShipmentStatus", {"ShipmentId": "S-4", "ShipmentStatus": "Cancelled"})
    assert inbound_status(client, "S-3") == "Closed"
    assert inbound_items(client, "S-2") == {"SKU-A": (5, 5)}
    statuses = client.call("inbound", "ListInboundShipments", {})["ShipmentData"]
    assert {row["ShipmentId"]: row["ShipmentStatus"] for row in statuses} == {f"S-{n}": "Closed" for n in range(1, 5)}
    assert supply(client, "SKU-A") == (20, 20)


@pytest.mark.parametrize("mode", ["auto"])
def test_an_operator_receives_and_moves_the_shipment_of_now_while_the_warehouse_is_behind(client, warehouse, monkeypatch):
    """Receiving on a shipment that, as of now, is Closed is refused, not taken as units
    beyond what it announced; a move to Error does not fail a shipment that has closed."""
    monkeypatch.setattr(service_app, "REQUEST_TICK_LIMIT", 1)
    _shipped_and_due(client, warehouse, 3)
    with pytest.raises(ApiError, match="the shipment is Closed"):
        warehouse.op("ReceiveInboundShipmentItems", ShipmentId="S-3", Item=[{"MerchantSKU": "SKU-A", "Quantity": 2}])
    with pytest.raises(ApiError, match="shipment S-2 is Closed"):
        warehouse.op("MoveInboundShipment", ShipmentId="S-2", ShipmentStatus="Error")
    assert inbound_items(client, "S-3") == {"SKU-A": (5, 5)}
    assert inbound_status(client, "S-2") == "Closed"
    assert supply(client, "SKU-A") == (15, 15)


# --- operator requests resent after a lost answer (the model marks them idempotent) ------

def test_a_pick_sent_twice_picks_once(client, warehouse):
    """The client resends a pick whose answer was lost: the retry finds the order picked by
    its first attempt and succeeds, changing nothing."""
    register(client, "SKU-A")
    warehouse.stock("SKU-A", 5)
    client.call("outbound", "CreateFulfillmentOrder", order("ORDER-1", ("SKU-A", 2)))
    first = warehouse.op("PickFulfillmentOrder", MerchantFulfillmentOrderId="ORDER-1")
    again = warehouse.op("PickFulfillmentOrder", MerchantFulfillmentOrderId="ORDER-1")
    assert again == first and again["FulfillmentOrderStatus"] == "Processing"
    assert len(again["FulfillmentShipment"]) == 1
    assert supply(client, "SKU-A") == (3, 3)


@pytest.mark.parametrize("packages", [[], [{"CarrierCode": "USPS", "TrackingNumber": "9400100000000000000001"},
                                           {"CarrierCode": "USPS", "EstimatedArrivalDateTime": "2030-01-02T03:04:05Z"}]])
def test_a_ship_sent_twice_ships_once(client, warehouse, packages):
    register(client, "SKU-A")
    warehouse.stock("SKU-A", 5)
    client.call("outbound", "CreateFulfillmentOrder", order("ORDER-1", ("SKU-A", 2)))
    first = warehouse.op("ShipFulfillmentOrder", MerchantFulfillmentOrderId="ORDER-1", Package=packages)
    again = warehouse.op("ShipFulfillmentOrder", MerchantFulfillmentOrderId="ORDER-1", Package=packages)
    assert again == first and again["FulfillmentOrderStatus"] == "Complete"
    (shipped,) = again["FulfillmentShipment"]
    assert len(shipped["FulfillmentShipmentPackage"]) == max(1, len(packages))
    assert warehouse.op("GetInventoryBalances", MerchantSKU="SKU-A")["InventoryBalance"][0]["InStockQuantity"] == 3


def test_a_shipment_shipped_again_by_name_with_its_packages_changes_nothing_with_others_is_refused(client, warehouse):
    register(client, "SKU-A")
    warehouse.stock("SKU-A", 2, fc="PHL1")
    warehouse.stock("SKU-A", 3, fc="RNO1")
    client.call("outbound", "CreateFulfillmentOrder", order("ORDER-1", ("SKU-A", 5)))
    first, second = warehouse.op("PickFulfillmentOrder", MerchantFulfillmentOrderId="ORDER-1")["FulfillmentShipment"]
    ship = {"MerchantFulfillmentOrderId": "ORDER-1", "AmazonShipmentId": first["AmazonShipmentId"],
            "Package": [{"CarrierCode": "UPS", "TrackingNumber": "1Z0000000000000001"}]}
    done = warehouse.op("ShipFulfillmentOrder", **ship)
    assert warehouse.op("ShipFulfillmentOrder", **ship) == done
    assert done["FulfillmentOrderStatus"] == "Processing"  # the other shipment is still Pending
    with pytest.raises(ApiError, match="no pending shipment with this id"):
        warehouse.op("ShipFulfillmentOrder", **{**ship, "Package": [{"CarrierCode": "UPS", "TrackingNumber": "1Z0000000000000002"}]})
    got = warehouse.order("ORDER-1")["FulfillmentShipment"]
    assert sorted(s["FulfillmentShipmentStatus"] for s in got) == ["Pending", "Shipped"]
    assert [p["TrackingNumber"] for s in got for p in s["FulfillmentShipmentPackage"]] == ["1Z0000000000000001"]


def test_an_order_shipped_already_is_not_shipped_again_with_other_packages(client, warehouse):
    register(client, "SKU-A")
    warehouse.stock("SKU-A", 5)
    client.call("outbound", "CreateFulfillmentOrder", order("ORDER-1", ("SKU-A", 2)))
    warehouse.op("ShipFulfillmentOrder", MerchantFulfillmentOrderId="ORDER-1")
    with pytest.raises(ApiError, match="is Complete and has no pending shipment"):
        warehouse.op("ShipFulfillmentOrder", MerchantFulfillmentOrderId="ORDER-1", Package=[{"CarrierCode": "USPS"}])


def test_a_revocation_sent_twice_revokes_once(client, warehouse):
    key = warehouse.ops.call("operator", "CreateAccessKey", {"Role": "merchant", "MerchantId": warehouse.merchant_id})
    key_id = key["AccessKey"]["AccessKeyId"]
    warehouse.ops.call("operator", "RevokeAccessKey", {"AccessKeyId": key_id})

    def revoked() -> str:
        keys = warehouse.ops.call("operator", "ListAccessKeys", {"MerchantId": warehouse.merchant_id})["AccessKeyInfo"]
        return next(k["RevokedDateTime"] for k in keys if k["AccessKeyId"] == key_id)

    at = revoked()
    warehouse.clock.advance(timedelta(seconds=5))
    warehouse.ops.call("operator", "RevokeAccessKey", {"AccessKeyId": key_id})
    assert revoked() == at
