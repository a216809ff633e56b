"""Cancelling at each stage, in both modes: best effort, unshipped units released and
cancelled, shipped units stay shipped; inbound shipments cancelled before and after shipping."""

from __future__ import annotations

from datetime import timedelta

import pytest

from fwscli.api.errors import ApiError
from fwscli.service.app import FwsApp
from fwscli.warehouse.simulation import Delays

from ..service.samples import order, register, shipment
from .test_lifecycle import inbound_items, inbound_status, supply


def cancel(client, order_id: str) -> None:
    client.call("outbound", "CancelFulfillmentOrder", {"MerchantFulfillmentOrderId": order_id})


def quantities(got: dict) -> list[tuple[int, int, int]]:
    return [(i["Quantity"], i["CancelledQuantity"], i["UnfulfillableQuantity"]) for i in got["FulfillmentOrderItem"]]


@pytest.fixture
def stocked(client, warehouse):
    register(client, "SKU-A")
    warehouse.stock("SKU-A", 5)


class TestReceived:
    """An order not planned yet: this app plans an hour after an order is received."""

    @pytest.fixture
    def app(self, db, clock, mode):
        return FwsApp(db, clock=clock, warehouse_mode=mode, delays=Delays(plan=timedelta(hours=1)))

    def test_cancel_a_received_order(self, client, warehouse, stocked, clock):
        client.call("outbound", "CreateFulfillmentOrder", order("ORDER-1", ("SKU-A", 2)))
        assert warehouse.status("ORDER-1") == "Received"
        cancel(client, "ORDER-1")
        got = warehouse.order("ORDER-1")
        assert got["FulfillmentOrder"]["FulfillmentOrderStatus"] == "Cancelled"
        assert quantities(got) == [(2, 2, 0)]
        clock.advance(timedelta(hours=2))  # its planning time passes: nothing happens
        assert warehouse.status("ORDER-1") == "Cancelled"
        assert supply(client, "SKU-A") == (5, 5)


def test_cancel_a_planned_order_releases_its_stock(client, warehouse, stocked):
    client.call("outbound", "CreateFulfillmentOrder", order("ORDER-1", ("SKU-A", 2)))
    assert warehouse.status("ORDER-1") == "Planning"
    assert supply(client, "SKU-A") == (3, 3)
    cancel(client, "ORDER-1")
    got = warehouse.order("ORDER-1")
    assert got["FulfillmentOrder"]["FulfillmentOrderStatus"] == "Cancelled"
    assert quantities(got) == [(2, 2, 0)] and got["FulfillmentShipment"] == []
    assert supply(client, "SKU-A") == (5, 5)


def test_cancel_while_processing_stops_the_pending_shipment(client, warehouse, stocked, clock):
    client.call("outbound", "CreateFulfillmentOrder", order("ORDER-1", ("SKU-A", 2)))
    warehouse.pick("ORDER-1")
    assert warehouse.status("ORDER-1") == "Processing"
    cancel(client, "ORDER-1")
    got = warehouse.order("ORDER-1")
    assert got["FulfillmentOrder"]["FulfillmentOrderStatus"] == "Cancelled"
    (stopped,) = got["FulfillmentShipment"]
    assert stopped["FulfillmentShipmentStatus"] == "CancelledByMerchant"
    assert "ShippingDateTime" not in stopped and "EstimatedArrivalDateTime" not in stopped
    assert quantities(got) == [(2, 2, 0)]
    clock.advance(timedelta(hours=1))  # the ship delay passes: nothing ships
    assert warehouse.status("ORDER-1") == "Cancelled"
    assert supply(client, "SKU-A") == (5, 5)


def test_cancel_after_part_shipped_keeps_what_shipped(client, warehouse, clock):
    register(client, "SKU-A")
    warehouse.stock("SKU-A", 2, fc="PHL1")
    warehouse.stock("SKU-A", 3, fc="RNO1")
    client.call("outbound", "CreateFulfillmentOrder", order("ORDER-1", ("SKU-A", 5)))
    state = warehouse.op("PickFulfillmentOrder", MerchantFulfillmentOrderId="ORDER-1")
    phl = next(s for s in state["FulfillmentShipment"] if s["FulfillmentCenterId"] == "PHL1")
    warehouse.op("ShipFulfillmentOrder", MerchantFulfillmentOrderId="ORDER-1",
                 AmazonShipmentId=phl["AmazonShipmentId"])
    assert warehouse.status("ORDER-1") == "Processing"  # the RNO1 shipment is still pending

    cancel(client, "ORDER-1")
    got = warehouse.order("ORDER-1")
    assert got["FulfillmentOrder"]["FulfillmentOrderStatus"] == "CompletePartialled"
    assert quantities(got) == [(5, 3, 0)]
    assert sorted((s["FulfillmentCenterId"], s["FulfillmentShipmentStatus"]) for s in got["FulfillmentShipment"]) \
        == [("PHL1", "Shipped"), ("RNO1", "CancelledByMerchant")]
    assert supply(client, "SKU-A") == (3, 3)  # 2 left, 3 back on the shelf
    cancel(client, "ORDER-1")  # again: harmless


def test_a_shipped_order_cannot_be_cancelled(client, warehouse, stocked):
    client.call("outbound", "CreateFulfillmentOrder", order("ORDER-1", ("SKU-A", 2)))
    warehouse.ship("ORDER-1")
    with pytest.raises(ApiError) as refused:
        cancel(client, "ORDER-1")
    assert refused.value.code == "InvalidParameterValue"
    assert "Complete" in refused.value.message
    assert warehouse.status("ORDER-1") == "Complete"


def test_a_waiting_fill_all_order_can_be_cancelled(client, warehouse):
    register(client, "SKU-A")
    warehouse.stock("SKU-A", 1)
    client.call("outbound", "CreateFulfillmentOrder", order("ORDER-1", ("SKU-A", 3), FulfillmentPolicy="FillAll"))
    assert warehouse.status("ORDER-1") == "Planning"
    assert supply(client, "SKU-A") == (0, 0)  # the one unit is held for the order
    cancel(client, "ORDER-1")
    assert quantities(warehouse.order("ORDER-1")) == [(3, 3, 0)]
    assert supply(client, "SKU-A") == (1, 1)


# --- inbound ---------------------------------------------------------------------------

def test_cancel_a_working_inbound_shipment(client, warehouse):
    register(client, "SKU-A")
    client.call("inbound", "PutInboundShipment", shipment("FBA-1", ("SKU-A", 4)))
    with pytest.raises(ApiError, match="the shipment is Working; it has not been shipped yet"):
        warehouse.op("ReceiveInboundShipmentItems", ShipmentId="FBA-1", ReceiveAll=True)
    client.call("inbound", "SetInboundShipmentStatus", {"ShipmentId": "FBA-1", "ShipmentStatus": "Cancelled"})
    assert inbound_status(client, "FBA-1") == "Cancelled"
    assert supply(client, "SKU-A") == (0, 0)
    # Sent anyway: set aside as a problem receive, like any unit of a cancelled shipment.
    state = warehouse.op("ReceiveInboundShipmentItems", ShipmentId="FBA-1", ReceiveAll=True)
    assert [(r["QuantityReceived"], r["ProblemQuantity"]) for r in state["ReceivedItem"]] == [(0, 4)]
    assert supply(client, "SKU-A") == (0, 0)


def test_units_arriving_after_a_cancel_are_problem_receives(client, warehouse, clock):
    register(client, "SKU-A")
    client.call("inbound", "PutInboundShipment", shipment("FBA-1", ("SKU-A", 4)))
    client.call("inbound", "SetInboundShipmentStatus", {"ShipmentId": "FBA-1", "ShipmentStatus": "Shipped"})
    assert supply(client, "SKU-A") == (4, 0)
    client.call("inbound", "SetInboundShipmentStatus", {"ShipmentId": "FBA-1", "ShipmentStatus": "Cancelled"})
    assert supply(client, "SKU-A") == (0, 0)
    clock.advance(timedelta(hours=1))  # no carrier states move on a cancelled shipment
    assert inbound_status(client, "FBA-1") == "Cancelled"

    # The boxes were already with the carrier: they arrive anyway.
    state = warehouse.op("ReceiveInboundShipmentItems", ShipmentId="FBA-1",
                         Item=[{"MerchantSKU": "SKU-A", "Quantity": 4}])
    assert state["ShipmentStatus"] == "Cancelled"
    assert [(r["QuantityReceived"], r["ProblemQuantity"]) for r in state["ReceivedItem"]] == [(0, 4)]
    assert inbound_items(client, "FBA-1") == {"SKU-A": (4, 0)}
    assert supply(client, "SKU-A") == (0, 0)  # set aside, not in stock
