"""Receiving and carrier states, the warehouse's side of inbound shipments: over-receipts,
closing short, Error, problem receives, and the moves an operator may not make."""

from __future__ import annotations

from dataclasses import replace

import pytest
from sqlalchemy import select

from fwscli.api.errors import InvalidParameterValue
from fwscli.store.schema import inbound_shipments, inventory_movements
from fwscli.warehouse import inbound, ledger, receiving
from fwscli.warehouse.catalog import items_by_sku
from fwscli.warehouse.simulation import Simulation

from ..audit import assert_ledger_balanced
from .helpers import register_item
from .test_inbound import SEATTLE

MANUAL = Simulation("manual")


@pytest.fixture
def ctx(db, make_context, merchant):
    for sku in ("SKU-A", "SKU-B"):
        register_item(db, merchant.merchant_id, sku)
    context = replace(make_context(merchant), simulation=MANUAL)
    inbound.put_shipment(context, {"ShipmentId": "FBA-1", "ShipmentName": "s", "DestinationFulfillmentCenter": "PHL1",
                                   "ShipFromAddress": SEATTLE},
                         [{"MerchantSKU": "SKU-A", "Quantity": 5}, {"MerchantSKU": "SKU-B", "Quantity": 2}])
    inbound.set_status(context, "FBA-1", "Shipped")
    yield context
    assert_ledger_balanced(db)


def balance(ctx, sku: str) -> ledger.Balance:
    with ctx.db.read() as conn:
        item_id = items_by_sku(conn, ctx.merchant_id, [sku])[sku].id
        return ledger.balances(conn, ctx.merchant_id, [item_id])[item_id]


def lines(state: receiving.ShipmentState) -> dict[str, tuple[int, int, int]]:
    return {line.merchant_sku: (line.quantity_shipped, line.quantity_received, line.problem_quantity)
            for line in state.lines}


def kinds(ctx) -> list[tuple[str, int]]:
    with ctx.db.read() as conn:
        return [tuple(row) for row in conn.execute(
            select(inventory_movements.c.kind, inventory_movements.c.quantity).order_by(inventory_movements.c.id))]


def test_more_than_announced_is_received_too(ctx):
    state = receiving.receive_shipment(ctx, "FBA-1", [("SKU-A", 4), ("SKU-A", 3), ("SKU-B", 2)])
    assert state.status == "Closed"
    assert lines(state) == {"SKU-A": (5, 7, 0), "SKU-B": (2, 2, 0)}
    assert balance(ctx, "SKU-A") == ledger.Balance(in_stock=7)
    assert ("received_unexpected", 2) in kinds(ctx)


def test_closing_short_takes_the_rest_off_inbound(ctx):
    receiving.receive_shipment(ctx, "FBA-1", [("SKU-A", 3)])
    assert balance(ctx, "SKU-A") == ledger.Balance(in_stock=3, inbound=2)
    state = receiving.move_shipment(ctx, "FBA-1", "Closed")
    assert state.status == "Closed"
    assert balance(ctx, "SKU-A") == ledger.Balance(in_stock=3)
    assert balance(ctx, "SKU-B") == ledger.Balance()
    with pytest.raises(InvalidParameterValue, match="is Closed; it is finished: every unit was "
                                                   "received or it was closed short"):
        receiving.receive_shipment(ctx, "FBA-1", [("SKU-A", 1)])


def test_an_error_shipment_expects_nothing_and_late_units_are_problem_receives(ctx):
    receiving.move_shipment(ctx, "FBA-1", "InTransit")
    assert receiving.move_shipment(ctx, "FBA-1", "Error").status == "Error"
    assert balance(ctx, "SKU-A") == ledger.Balance()
    state = receiving.receive_shipment(ctx, "FBA-1", None)
    assert lines(state) == {"SKU-A": (5, 0, 5), "SKU-B": (2, 0, 2)}
    assert balance(ctx, "SKU-A") == ledger.Balance()


@pytest.mark.parametrize("fail", [
    lambda ctx: receiving.move_shipment(ctx, "FBA-1", "Error"),
    lambda ctx: inbound.set_status(ctx, "FBA-1", "Cancelled"),
], ids=["Error", "Cancelled"])
def test_receiving_everything_again_sets_nothing_more_aside(ctx, fail):
    fail(ctx)
    receiving.receive_shipment(ctx, "FBA-1", [("SKU-B", 1)])
    first = receiving.receive_shipment(ctx, "FBA-1", None)
    assert lines(first) == {"SKU-A": (5, 0, 5), "SKU-B": (2, 0, 2)}
    # A repeated "receive everything" (a retry, a second click) finds nothing still expected.
    again = receiving.receive_shipment(ctx, "FBA-1", None)
    assert lines(again) == lines(first)


def test_receipts_may_not_count_past_the_schemas_int(ctx):
    most = 2**31 - 1  # xs:int, QuantityReceived's and the stock's type
    receiving.receive_shipment(ctx, "FBA-1", [("SKU-A", most - 1)])
    with pytest.raises(InvalidParameterValue) as caught:
        receiving.receive_shipment(ctx, "FBA-1", [("SKU-B", 1), ("SKU-A", 1), ("SKU-A", 1)])
    assert caught.value.parameter == "Item.3.Quantity" and str(most) in caught.value.message
    assert balance(ctx, "SKU-A") == ledger.Balance(in_stock=most - 1)
    assert balance(ctx, "SKU-B") == ledger.Balance(inbound=2)  # nothing of the request happened
    state = receiving.receive_shipment(ctx, "FBA-1", [("SKU-A", 1)])
    assert lines(state)["SKU-A"] == (5, most, 0)
    # Another shipment to the same center: its own line has room, the center's stock not.
    inbound.put_shipment(ctx, {"ShipmentId": "FBA-2", "ShipmentName": "s", "DestinationFulfillmentCenter": "PHL1",
                               "ShipFromAddress": SEATTLE}, [{"MerchantSKU": "SKU-A", "Quantity": 1}])
    inbound.set_status(ctx, "FBA-2", "Shipped")
    with pytest.raises(InvalidParameterValue) as caught:
        receiving.receive_shipment(ctx, "FBA-2", None)
    assert caught.value.parameter == "ShipmentId" and f"PHL1 would hold more than {most}" in caught.value.message
    assert balance(ctx, "SKU-A") == ledger.Balance(in_stock=most, inbound=1)


def test_problem_receives_may_not_count_past_the_schemas_int(ctx):
    # ProblemQuantity, an xs:int like QuantityReceived, summed every problem receive.
    most = 2**31 - 1
    inbound.set_status(ctx, "FBA-1", "Cancelled")
    receiving.receive_shipment(ctx, "FBA-1", [("SKU-A", most)])
    with pytest.raises(InvalidParameterValue) as caught:
        receiving.receive_shipment(ctx, "FBA-1", [("SKU-B", 1), ("SKU-A", 1)])
    assert caught.value.parameter == "Item.2.Quantity"
    assert f"ProblemQuantity of SKU-A would go past {most}" in caught.value.message
    assert lines(receiving.receive_shipment(ctx, "FBA-1", [("SKU-B", 1)])) == \
        {"SKU-A": (5, 0, most), "SKU-B": (2, 0, 1)}  # the refused request set nothing aside


@pytest.mark.parametrize("moves, refused", [
    (["Delivered"], "InTransit"),        # carrier states only move forward
    (["CheckedIn"], "Delivered"),
    (["Closed"], "Error"),               # a finished shipment stays finished
])
def test_refused_moves_name_the_current_status(ctx, moves, refused):
    for status in moves:
        receiving.move_shipment(ctx, "FBA-1", status)
    with pytest.raises(InvalidParameterValue) as caught:
        receiving.move_shipment(ctx, "FBA-1", refused)
    assert caught.value.parameter == "ShipmentStatus" and f"is {moves[-1]}" in caught.value.message


@pytest.mark.parametrize("status", ["InTransit", "Closed", "Error"])
def test_a_move_repeated_changes_nothing(ctx, status):
    """A retried MoveInboundShipment whose first answer was lost failed ("is InTransit; it
    can become InTransit only from Shipped") although the move was done."""
    if status != "InTransit":
        receiving.receive_shipment(ctx, "FBA-1", [("SKU-A", 2)])  # Receiving, then finished
    receiving.move_shipment(ctx, "FBA-1", status)
    before = kinds(ctx)
    assert receiving.move_shipment(ctx, "FBA-1", status).status == status
    assert kinds(ctx) == before


def test_a_working_shipment_does_not_move(ctx):
    inbound.put_shipment(ctx, {"ShipmentId": "FBA-2", "ShipmentName": "s", "DestinationFulfillmentCenter": "PHL1",
                               "ShipFromAddress": SEATTLE}, [{"MerchantSKU": "SKU-A", "Quantity": 1}])
    for status in ("InTransit", "Closed"):
        with pytest.raises(InvalidParameterValue, match="is Working"):
            receiving.move_shipment(ctx, "FBA-2", status)
    with pytest.raises(InvalidParameterValue, match="is Working; it has not been shipped yet"):
        receiving.receive_shipment(ctx, "FBA-2", None)


def test_a_sku_not_on_the_shipment_is_named(ctx, db, merchant):
    register_item(db, merchant.merchant_id, "SKU-C")
    with pytest.raises(InvalidParameterValue) as caught:
        receiving.receive_shipment(ctx, "FBA-1", [("SKU-A", 1), ("SKU-C", 1)])
    assert caught.value.parameter == "Item.2.MerchantSKU"
    assert balance(ctx, "SKU-A") == ledger.Balance(inbound=5)  # nothing of the request happened


def test_auto_mode_schedules_the_next_carrier_state(ctx, db):
    auto = replace(ctx, simulation=Simulation("auto"))
    receiving.move_shipment(auto, "FBA-1", "InTransit")
    with db.read() as conn:
        due = conn.execute(select(inbound_shipments.c.due_at)).scalar_one()
    assert due == ctx.now + Simulation().delays.deliver
    receiving.move_shipment(ctx, "FBA-1", "Delivered")  # an operator's move in manual mode: no timer
    with db.read() as conn:
        assert conn.execute(select(inbound_shipments.c.due_at)).scalar_one() is None


@pytest.mark.parametrize("carrier_state", ["InTransit", "Delivered", "CheckedIn"])
def test_the_merchant_may_cancel_a_shipment_the_carrier_has(ctx, carrier_state):
    """After Shipped the merchant may still cancel (WSDL: units that arrive later are
    sidelined): what was expected leaves the inbound supply."""
    receiving.move_shipment(ctx, "FBA-1", carrier_state)
    inbound.set_status(ctx, "FBA-1", "Cancelled")
    assert inbound.get_shipment(ctx, "FBA-1").status == "Cancelled"
    assert balance(ctx, "SKU-A") == ledger.Balance() and balance(ctx, "SKU-B") == ledger.Balance()
    state = receiving.receive_shipment(ctx, "FBA-1", None)
    assert lines(state) == {"SKU-A": (5, 0, 5), "SKU-B": (2, 0, 2)}
    assert balance(ctx, "SKU-A") == ledger.Balance()


def test_cancelling_while_receiving_keeps_what_arrived_and_sets_the_rest_aside(ctx):
    receiving.receive_shipment(replace(ctx, simulation=Simulation("auto")), "FBA-1", [("SKU-A", 3)])
    inbound.set_status(ctx, "FBA-1", "Cancelled")
    assert balance(ctx, "SKU-A") == ledger.Balance(in_stock=3)
    assert balance(ctx, "SKU-B") == ledger.Balance()
    with ctx.db.read() as conn:
        due = conn.execute(select(inbound_shipments.c.due_at)).scalar_one()
    assert due is None  # auto mode receives the rest no more
    state = receiving.receive_shipment(ctx, "FBA-1", None)
    assert state.status == "Cancelled"
    assert lines(state) == {"SKU-A": (5, 3, 2), "SKU-B": (2, 0, 2)}
    assert balance(ctx, "SKU-A") == ledger.Balance(in_stock=3)
    inbound.set_status(ctx, "FBA-1", "Cancelled")  # a repeat changes nothing
    assert balance(ctx, "SKU-A") == ledger.Balance(in_stock=3)
