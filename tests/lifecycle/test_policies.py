"""The fulfillment policies' truth table, in both modes: stock short, exact and none, for
FillOrKill, FillAll and FillAllAvailable; and a Removal order taking stock by disposition."""

from __future__ import annotations

from datetime import timedelta

import pytest

from fwscli.api.errors import ApiError
from fwscli.wire.timestamps import parse_timestamp

from ..service.samples import order, register
from .test_lifecycle import supply

ORDERED = 4
STOCK = {"short": 3, "exact": 4, "none": 0}

# policy, stock -> (status once everything due has happened, shipped, unfulfillable,
#                   units left in stock, still held for the order)
EXPECTED = {
    ("FillOrKill", "short"): ("Unfulfillable", 0, 4, 3, 0),
    ("FillOrKill", "exact"): ("Complete", 4, 0, 0, 0),
    ("FillOrKill", "none"): ("Unfulfillable", 0, 4, 0, 0),
    ("FillAll", "short"): ("Planning", 0, 0, 3, 3),
    ("FillAll", "exact"): ("Complete", 4, 0, 0, 0),
    ("FillAll", "none"): ("Planning", 0, 0, 0, 0),
    ("FillAllAvailable", "short"): ("CompletePartialled", 3, 1, 0, 0),
    ("FillAllAvailable", "exact"): ("Complete", 4, 0, 0, 0),
    ("FillAllAvailable", "none"): ("Unfulfillable", 0, 4, 0, 0),
}


def shipped_units(got: dict) -> int:
    return sum(item["Quantity"] for s in got["FulfillmentShipment"] if s["FulfillmentShipmentStatus"] == "Shipped"
               for item in s["FulfillmentShipmentItem"])


@pytest.mark.parametrize("policy, stock", sorted(EXPECTED))
def test_policy_truth_table(client, warehouse, policy, stock):
    register(client, "SKU-A")
    if STOCK[stock]:
        warehouse.stock("SKU-A", STOCK[stock])
    client.call("outbound", "CreateFulfillmentOrder",
                order("ORDER-1", ("SKU-A", ORDERED), FulfillmentPolicy=policy))
    if warehouse.status("ORDER-1") == "Planning" and not (policy == "FillAll" and stock != "exact"):
        warehouse.ship("ORDER-1")

    status, shipped, unfulfillable, left, held = EXPECTED[(policy, stock)]
    got = warehouse.order("ORDER-1")
    assert got["FulfillmentOrder"]["FulfillmentOrderStatus"] == status
    assert shipped_units(got) == shipped
    (line,) = got["FulfillmentOrderItem"]
    assert (line["UnfulfillableQuantity"], line["CancelledQuantity"]) == (unfulfillable, 0)
    (balance,) = warehouse.op("GetInventoryBalances", MerchantSKU="SKU-A")["InventoryBalance"] or [
        {"InStockQuantity": 0, "ReservedQuantity": 0}]
    assert (balance["InStockQuantity"], balance["ReservedQuantity"]) == (left, held)


@pytest.mark.parametrize("stock", ["short", "none"])
def test_fill_all_waits_for_stock_then_ships_it_all(client, warehouse, clock, stock):
    register(client, "SKU-A")
    if STOCK[stock]:
        warehouse.stock("SKU-A", STOCK[stock])
    client.call("outbound", "CreateFulfillmentOrder", order("ORDER-1", ("SKU-A", ORDERED), FulfillmentPolicy="FillAll"))
    clock.advance(timedelta(days=3))  # however long it waits, it is never unfulfillable
    assert warehouse.status("ORDER-1") == "Planning"

    warehouse.stock("SKU-A", 10, fc="RNO1")
    clock.advance(timedelta(minutes=1))  # it looks again (in either mode: planning is the system's)
    warehouse.ship("ORDER-1")
    got = warehouse.order("ORDER-1")
    assert got["FulfillmentOrder"]["FulfillmentOrderStatus"] == "Complete"
    assert shipped_units(got) == ORDERED
    assert supply(client, "SKU-A") == (STOCK[stock] + 10 - ORDERED,) * 2


def test_a_long_waiting_fill_all_order_ships_after_its_stock_arrives_not_before(client, warehouse, clock):
    """Its looks for stock pile up while nobody ticks: the look that finds the stock is
    stamped no earlier than the stock came, so a listing of what changed since then has it."""
    register(client, "SKU-A")
    client.call("outbound", "CreateFulfillmentOrder", order("ORDER-1", ("SKU-A", 2), FulfillmentPolicy="FillAll"))
    clock.advance(timedelta(days=3))
    stocked_at = clock.now
    warehouse.stock("SKU-A", 5)
    clock.advance(timedelta(minutes=1))
    warehouse.ship("ORDER-1")

    got = warehouse.order("ORDER-1")
    assert got["FulfillmentOrder"]["FulfillmentOrderStatus"] == "Complete"
    (shipped,) = got["FulfillmentShipment"]
    assert parse_timestamp(shipped["ShippingDateTime"]) >= stocked_at
    assert parse_timestamp(got["FulfillmentOrder"]["StatusUpdatedDateTime"]) >= stocked_at
    changed = client.call("outbound", "ListAllFulfillmentOrders", {"QueryStartDateTime": stocked_at})
    assert [o["MerchantFulfillmentOrderId"] for o in changed["FulfillmentOrder"]] == ["ORDER-1"]


def test_fill_or_kill_is_all_or_nothing_across_lines(client, warehouse):
    register(client, "SKU-A", "SKU-B")
    warehouse.stock("SKU-A", 5)
    warehouse.stock("SKU-B", 1)
    client.call("outbound", "CreateFulfillmentOrder", order("ORDER-1", ("SKU-A", 2), ("SKU-B", 2)))
    got = warehouse.order("ORDER-1")
    assert got["FulfillmentOrder"]["FulfillmentOrderStatus"] == "Unfulfillable"
    assert [i["UnfulfillableQuantity"] for i in got["FulfillmentOrderItem"]] == [2, 2]
    assert supply(client, "SKU-A") == (5, 5) and supply(client, "SKU-B") == (1, 1)  # nothing held


def test_fill_all_available_ships_the_first_lines_of_a_short_sku(client, warehouse):
    register(client, "SKU-A")
    warehouse.stock("SKU-A", 3)
    client.call("outbound", "CreateFulfillmentOrder", order(
        "ORDER-1", ("SKU-A", 2), ("SKU-A", 2), FulfillmentPolicy="FillAllAvailable"))
    warehouse.ship("ORDER-1")
    got = warehouse.order("ORDER-1")
    assert got["FulfillmentOrder"]["FulfillmentOrderStatus"] == "CompletePartialled"
    assert [(i["Quantity"], i["UnfulfillableQuantity"]) for i in got["FulfillmentOrderItem"]] == [(2, 0), (2, 1)]
    assert shipped_units(got) == 3


# --- removal ---------------------------------------------------------------------------

def test_a_removal_order_takes_stock_out_by_disposition(client, warehouse):
    fnskus = register(client, "SKU-A")
    warehouse.stock("SKU-A", 5)
    warehouse.stock("SKU-A", 2, disposition="Unsellable")  # damaged units found in a count
    assert supply(client, "SKU-A") == (5, 5)  # unsellable units are no supply

    removal = order("REMOVE-1", ("SKU-A", 2), ("SKU-A", 1), FulfillmentMethod="Removal")
    removal["Item"][0].update(OrderItemDisposition="Unsellable", FulfillmentNetworkSKU=fnskus["SKU-A"])
    client.call("outbound", "CreateFulfillmentOrder", removal)
    warehouse.ship("REMOVE-1")

    got = warehouse.order("REMOVE-1")
    assert got["FulfillmentOrder"]["FulfillmentMethod"] == "Removal"
    assert got["FulfillmentOrder"]["FulfillmentOrderStatus"] == "Complete"
    assert [(i["OrderItemDisposition"], i["Quantity"]) for i in got["FulfillmentOrderItem"]] == \
        [("Unsellable", 2), ("Sellable", 1)]
    balances = {b["Disposition"]: b["InStockQuantity"]
                for b in warehouse.op("GetInventoryBalances", MerchantSKU="SKU-A")["InventoryBalance"]}
    assert balances == {"Sellable": 4, "Unsellable": 0}
    assert supply(client, "SKU-A") == (4, 4)


def test_a_removal_of_more_unsellable_units_than_exist_is_unfulfillable(client, warehouse):
    register(client, "SKU-A")
    warehouse.stock("SKU-A", 5)
    warehouse.stock("SKU-A", 1, disposition="Unsellable")
    removal = order("REMOVE-1", ("SKU-A", 2), FulfillmentMethod="Removal")
    removal["Item"][0]["OrderItemDisposition"] = "Unsellable"
    client.call("outbound", "CreateFulfillmentOrder", removal)
    assert warehouse.status("REMOVE-1") == "Unfulfillable"  # sellable stock is not taken instead
    assert supply(client, "SKU-A") == (5, 5)


# --- a shipment the fulfillment center cannot ship -------------------------------------

@pytest.mark.parametrize("policy, status, unfulfillable", [
    ("FillOrKill", "Unfulfillable", 2),       # shipping had started: as much as possible, here nothing
    ("FillAllAvailable", "Unfulfillable", 2),
    ("FillAll", "Planning", 0),               # never unfulfillable: it waits for stock again
])
def test_a_failed_shipment_follows_the_policy(client, warehouse, policy, status, unfulfillable):
    register(client, "SKU-A")
    warehouse.stock("SKU-A", 2)
    client.call("outbound", "CreateFulfillmentOrder", order("ORDER-1", ("SKU-A", 2), FulfillmentPolicy=policy))
    warehouse.op("PickFulfillmentOrder", MerchantFulfillmentOrderId="ORDER-1")
    state = warehouse.op("FailFulfillmentShipment", MerchantFulfillmentOrderId="ORDER-1")
    assert state["FulfillmentOrderStatus"] == status
    (failed,) = state["FulfillmentShipment"]
    assert failed["FulfillmentShipmentStatus"] == "CancelledByFulfiller"
    assert "ShippingDateTime" not in failed
    got = warehouse.order("ORDER-1")
    assert got["FulfillmentOrderItem"][0]["UnfulfillableQuantity"] == unfulfillable
    if policy == "FillAll":  # the stock is still there: planned again, then shipped
        warehouse.clock.advance(timedelta(minutes=1))
        warehouse.ship("ORDER-1")
        assert warehouse.status("ORDER-1") == "Complete"
    else:
        assert supply(client, "SKU-A") == (2, 2)  # released


def test_one_of_two_shipments_failing_completes_partly(client, warehouse):
    register(client, "SKU-A")
    warehouse.stock("SKU-A", 2, fc="PHL1")
    warehouse.stock("SKU-A", 3, fc="RNO1")
    client.call("outbound", "CreateFulfillmentOrder", order("ORDER-1", ("SKU-A", 5)))
    picked = warehouse.op("PickFulfillmentOrder", MerchantFulfillmentOrderId="ORDER-1")
    rno = next(s for s in picked["FulfillmentShipment"] if s["FulfillmentCenterId"] == "RNO1")
    warehouse.op("FailFulfillmentShipment", MerchantFulfillmentOrderId="ORDER-1",
                 AmazonShipmentId=rno["AmazonShipmentId"])
    warehouse.op("ShipFulfillmentOrder", MerchantFulfillmentOrderId="ORDER-1")
    got = warehouse.order("ORDER-1")
    assert got["FulfillmentOrder"]["FulfillmentOrderStatus"] == "CompletePartialled"
    assert got["FulfillmentOrderItem"][0]["UnfulfillableQuantity"] == 3
    assert shipped_units(got) == 2


# --- an operator's pick ---------------------------------------------------------------------

def test_an_operator_cannot_pick_or_ship_a_fill_all_order_still_short_of_stock(client, warehouse):
    # FillAll ships once it has everything: picking what is held would ship it in part.
    register(client, "SKU-A")
    warehouse.stock("SKU-A", 3)
    client.call("outbound", "CreateFulfillmentOrder",
                order("ORDER-1", ("SKU-A", ORDERED), FulfillmentPolicy="FillAll"))
    for action in ("PickFulfillmentOrder", "ShipFulfillmentOrder"):
        with pytest.raises(ApiError) as refused:
            warehouse.op(action, MerchantFulfillmentOrderId="ORDER-1")
        assert refused.value.code == "InvalidParameterValue"
        assert "waits for stock" in refused.value.message and "3 of 4" in refused.value.message
    got = warehouse.order("ORDER-1")
    assert got["FulfillmentOrder"]["FulfillmentOrderStatus"] == "Planning"
    assert got["FulfillmentShipment"] == []
    assert supply(client, "SKU-A") == (0, 0)  # all 3 still held for it

    warehouse.stock("SKU-A", 1)
    warehouse.clock.advance(timedelta(minutes=1))  # it looks again and has everything
    warehouse.ship("ORDER-1")
    assert warehouse.status("ORDER-1") == "Complete"


def test_a_fill_all_available_order_short_of_stock_ships_what_it_has(client, warehouse):
    register(client, "SKU-A")
    warehouse.stock("SKU-A", 3)
    client.call("outbound", "CreateFulfillmentOrder",
                order("ORDER-1", ("SKU-A", ORDERED), FulfillmentPolicy="FillAllAvailable"))
    warehouse.op("PickFulfillmentOrder", MerchantFulfillmentOrderId="ORDER-1")
    warehouse.op("ShipFulfillmentOrder", MerchantFulfillmentOrderId="ORDER-1")
    got = warehouse.order("ORDER-1")
    assert got["FulfillmentOrder"]["FulfillmentOrderStatus"] == "CompletePartialled"
    assert (shipped_units(got), got["FulfillmentOrderItem"][0]["UnfulfillableQuantity"]) == (3, 1)


# --- an item's estimated dates ---------------------------------------------------------------

def _item_dates_follow_shipments(got: dict) -> None:
    """Each item's estimates are the latest of its Pending and Shipped shipments'."""
    live = [s for s in got["FulfillmentShipment"] if s["FulfillmentShipmentStatus"] in ("Pending", "Shipped")]
    for item in got["FulfillmentOrderItem"]:
        carrying = [s for s in live if any(i["MerchantFulfillmentOrderItemId"] == item["MerchantFulfillmentOrderItemId"]
                                           for i in s["FulfillmentShipmentItem"])]
        assert carrying
        assert item["EstimatedShipDateTime"] == max(s["ShippingDateTime"] for s in carrying)
        assert item["EstimatedArrivalDateTime"] == max(s["EstimatedArrivalDateTime"] for s in carrying)


def test_an_items_estimated_dates_follow_its_shipments(client, warehouse, clock):
    register(client, "SKU-A", "SKU-B")
    warehouse.stock("SKU-A", 1, fc="PHL1")
    warehouse.stock("SKU-A", 1, fc="RNO1")  # its line leaves in two shipments
    warehouse.stock("SKU-B", 1)
    client.call("outbound", "CreateFulfillmentOrder", order("ORDER-1", ("SKU-A", 2), ("SKU-B", 1)))
    clock.advance(timedelta(days=3))  # picked days after the create (manual), or at once (auto)
    warehouse.pick("ORDER-1")
    _item_dates_follow_shipments(warehouse.order("ORDER-1"))
    clock.advance(timedelta(days=2))
    warehouse.ship("ORDER-1")
    got = warehouse.order("ORDER-1")
    assert got["FulfillmentOrder"]["FulfillmentOrderStatus"] == "Complete"
    _item_dates_follow_shipments(got)


def test_an_item_whose_shipments_are_cancelled_has_no_estimated_dates(client, warehouse):
    register(client, "SKU-A")
    warehouse.stock("SKU-A", 2)
    client.call("outbound", "CreateFulfillmentOrder", order("ORDER-1", ("SKU-A", 2)))
    warehouse.op("PickFulfillmentOrder", MerchantFulfillmentOrderId="ORDER-1")
    client.call("outbound", "CancelFulfillmentOrder", {"MerchantFulfillmentOrderId": "ORDER-1"})
    (item,) = warehouse.order("ORDER-1")["FulfillmentOrderItem"]
    # Like its shipment (spec §6.2): it will neither leave nor arrive.
    assert "EstimatedShipDateTime" not in item and "EstimatedArrivalDateTime" not in item


def test_an_item_that_can_no_longer_ship_has_no_estimated_dates(client, warehouse):
    """Unfulfillable or cancelled before it was ever picked: it will neither leave nor
    arrive, as an item whose shipments were cancelled; the item that still ships keeps its
    dates, and so does the shipped part of an item whose rest was cancelled."""
    register(client, "SKU-A", "SKU-B", "SKU-C")
    warehouse.stock("SKU-A", 2)
    warehouse.stock("SKU-C", 1)
    client.call("outbound", "CreateFulfillmentOrder",
                order("ORDER-1", ("SKU-A", 2), ("SKU-B", 1), FulfillmentPolicy="FillAllAvailable"))
    client.call("outbound", "CreateFulfillmentOrder", order("ORDER-2", ("SKU-C", 1)))
    client.call("outbound", "CancelFulfillmentOrder", {"MerchantFulfillmentOrderId": "ORDER-2"})
    items = {item["MerchantSKU"]: item for item in warehouse.order("ORDER-1")["FulfillmentOrderItem"]}
    assert items["SKU-B"]["UnfulfillableQuantity"] == 1
    assert "EstimatedShipDateTime" not in items["SKU-B"] and "EstimatedArrivalDateTime" not in items["SKU-B"]
    assert "EstimatedShipDateTime" in items["SKU-A"] and "EstimatedArrivalDateTime" in items["SKU-A"]
    (item,) = warehouse.order("ORDER-2")["FulfillmentOrderItem"]
    assert item["CancelledQuantity"] == 1
    assert "EstimatedShipDateTime" not in item and "EstimatedArrivalDateTime" not in item
