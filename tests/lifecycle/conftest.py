"""Warehouse scenarios over real HTTP, in both warehouse modes, on an injected clock.

The app runs on a fake clock that the tests move; the clients sign at that clock's time.
`warehouse` moves things along the way each mode does: in manual mode an operator calls the
operator service; in auto mode the test moves the clock and the tick does the rest. After
every test, the ledger audit checks that the movements add up to the balances.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from fwscli.service.app import FwsApp
from fwscli.warehouse.simulation import Delays

from ..audit import assert_ledger_balanced
from ..http import SignedClient

DELAYS = Delays()


class FakeClock:
    def __init__(self, start: datetime):
        self.now = start

    def __call__(self) -> datetime:
        return self.now

    def advance(self, delta: timedelta) -> None:
        self.now += delta


class Warehouse:
    """The warehouse of one merchant, moved by hand (manual) or by the clock (auto)."""

    def __init__(self, mode: str, clock: FakeClock, client: SignedClient, ops: SignedClient,
                 merchant_id: int):
        self.mode, self.clock, self.client, self.ops = mode, clock, client, ops
        self.merchant_id = merchant_id

    def op(self, action: str, **request) -> dict:
        return self.ops.call("operator", action, {"MerchantId": self.merchant_id, **request})

    def stock(self, sku: str, quantity: int, *, fc: str = "PHL1", disposition: str = "Sellable") -> None:
        """Stock put on the shelves by an operator's adjustment (a stocktake), either mode."""
        self.op("AdjustInventory", MerchantSKU=sku, FulfillmentCenterId=fc, Quantity=quantity,
                Reason="stocktake", Disposition=disposition)

    def bring_in(self, shipment_id: str) -> None:
        """A shipped inbound shipment travels and is checked in at its fulfillment center."""
        if self.mode == "manual":
            for status in ("InTransit", "Delivered", "CheckedIn"):
                self.op("MoveInboundShipment", ShipmentId=shipment_id, ShipmentStatus=status)
        else:
            self.clock.advance(DELAYS.in_transit + DELAYS.deliver + DELAYS.check_in)

    def finish_receiving(self, shipment_id: str) -> None:
        if self.mode == "manual":
            self.op("ReceiveInboundShipmentItems", ShipmentId=shipment_id, ReceiveAll=True)
        else:
            self.clock.advance(DELAYS.receive)

    def pick(self, order_id: str) -> None:
        if self.mode == "manual":
            self.op("PickFulfillmentOrder", MerchantFulfillmentOrderId=order_id)
        else:
            self.clock.advance(DELAYS.pick)

    def ship(self, order_id: str) -> None:
        """Pick (if needed), pack and ship what the order has planned."""
        if self.mode == "manual":
            self.op("ShipFulfillmentOrder", MerchantFulfillmentOrderId=order_id)
        else:
            self.clock.advance(DELAYS.pick + DELAYS.ship)

    def order(self, order_id: str) -> dict:
        return self.client.call("outbound", "GetFulfillmentOrder", {"MerchantFulfillmentOrderId": order_id})

    def status(self, order_id: str) -> str:
        return self.order(order_id)["FulfillmentOrder"]["FulfillmentOrderStatus"]


@pytest.fixture(params=["auto", "manual"])
def mode(request) -> str:
    return request.param


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(datetime.now(timezone.utc).replace(microsecond=0))


@pytest.fixture
def app(db, clock, mode):
    return FwsApp(db, clock=clock, warehouse_mode=mode)


@pytest.fixture
def client(server, merchant, clock):
    return SignedClient(server.url, merchant.access_key_id, merchant.secret_access_key, clock=clock)


@pytest.fixture
def ops(server, operator, clock):
    return SignedClient(server.url, operator.access_key_id, operator.secret_access_key, clock=clock)


@pytest.fixture
def warehouse(mode, clock, client, ops, merchant) -> Warehouse:
    return Warehouse(mode, clock, client, ops, merchant.merchant_id)


@pytest.fixture(autouse=True)
def audit(db):
    yield
    assert_ledger_balanced(db)
