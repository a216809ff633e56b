"""Fulfillment orders: create validation and idempotency, cancel, get, list paging."""

from __future__ import annotations

import threading
from dataclasses import replace
from datetime import datetime, timedelta, timezone
from decimal import Decimal

import pytest
from sqlalchemy import func, insert, select, update

from fwscli.api.errors import InvalidParameterValue, MissingParameter
from fwscli.store.schema import (
    fulfillment_items, fulfillment_order_items, fulfillment_orders, fulfillment_shipment_items,
    fulfillment_shipment_packages, fulfillment_shipments,
)
from fwscli.warehouse import ledger, orders, shipping
from fwscli.warehouse.ledger import Balance
from fwscli.warehouse.simulation import Delays, Simulation

from ..conftest import NOW
from .helpers import add_stock, register_item

US_ADDRESS = {"Name": "Jane Doe", "Line1": "1 Main St", "City": "Seattle",
              "StateOrProvinceCode": "WA", "CountryCode": "US", "PostalCode": "98101"}
JP_ADDRESS = {"Name": "Taro", "Line1": "1-2-3 Shibuya", "StateOrProvinceCode": "Tokyo",
              "CountryCode": "JP", "PostalCode": "150-0002"}


def order_request(order_id: str = "ORDER-1", items=None, **overrides) -> dict:
    request = {
        "MerchantFulfillmentOrderId": order_id,
        "DisplayableOrderId": "D-" + order_id,
        "DisplayableOrderDateTime": datetime(2026, 11, 26, 10, 0, tzinfo=timezone.utc),
        "DisplayableOrderComment": "Thank you",
        "ShippingSpeedCategory": "Standard",
        "DestinationAddress": dict(US_ADDRESS),
        "Item": items if items is not None else [
            {"MerchantSKU": "SKU-1", "MerchantFulfillmentOrderItemId": "1", "Quantity": 2}],
    }
    request.update(overrides)
    return request


# These tests look at orders as created, before the warehouse plans them: with a zero
# `plan` delay (the default) the create would plan them at once (test_tick.py covers that).
PLANNED_LATER = Simulation("manual", Delays(plan=timedelta(hours=1)))


@pytest.fixture
def make_context(make_context):
    def make(credentials, now: datetime = NOW):
        return replace(make_context(credentials, now), simulation=PLANNED_LATER)

    return make


@pytest.fixture
def ctx(make_context, merchant):
    return make_context(merchant)


@pytest.fixture
def sku1(db, merchant):
    return register_item(db, merchant.merchant_id, "SKU-1")


@pytest.fixture
def sku2(db, merchant):
    return register_item(db, merchant.merchant_id, "SKU-2")


def _count_orders(db) -> int:
    with db.read() as conn:
        return conn.execute(select(func.count()).select_from(fulfillment_orders)).scalar_one()


def _set_status(db, order_id: str, status: str) -> None:
    with db.write() as conn:
        conn.execute(update(fulfillment_orders)
                     .where(fulfillment_orders.c.merchant_order_id == order_id)
                     .values(status=status))


# --- create ------------------------------------------------------------------------------

def test_a_new_order_is_received_with_defaults_and_estimates(ctx, sku1, sku2):
    orders.create_order(ctx, order_request(items=[
        {"MerchantSKU": "SKU-1", "MerchantFulfillmentOrderItemId": "a", "Quantity": 2,
         "GiftMessage": "Enjoy", "PerUnitDeclaredValue": {"CurrencyCode": "USD", "Value": Decimal("5")}},
        {"MerchantSKU": "SKU-2", "MerchantFulfillmentOrderItemId": "b", "Quantity": 1},
    ], NotificationEmailList=["jane@example.com"]))

    detail = orders.get_order(ctx, "ORDER-1")
    order = detail.order
    assert order.status == "Received"
    assert order.received_at == order.status_updated_at == NOW
    assert (order.fulfillment_policy, order.fulfillment_method) == ("FillOrKill", "Consumer")
    assert order.destination_address == US_ADDRESS
    assert order.notification_emails == ("jane@example.com",)
    assert order.displayable_order_datetime == datetime(2026, 11, 26, 10, 0, tzinfo=timezone.utc)
    first, second = detail.items
    assert (first.merchant_sku, first.merchant_order_item_id, first.quantity) == ("SKU-1", "a", 2)
    assert first.fnsku == sku1[1] and first.gift_message == "Enjoy"
    assert first.declared_value == ("USD", Decimal("5.00"))
    assert first.disposition == "Sellable"
    assert (first.cancelled_quantity, first.unfulfillable_quantity) == (0, 0)
    # NOW is a Friday: Standard ships within 1 business day (Monday) and is at most 5 in
    # transit (the next Monday).
    assert first.estimated_ship_at == datetime(2026, 11, 30, 20, 30, tzinfo=timezone.utc)
    assert first.estimated_arrival_at == datetime(2026, 12, 7, 20, 30, tzinfo=timezone.utc)
    assert second.merchant_sku == "SKU-2" and second.declared_value is None
    assert detail.shipments == ()


@pytest.mark.parametrize("speed, ship, arrival", [
    ("Expedited", datetime(2026, 11, 30, 20, 30, tzinfo=timezone.utc),
     datetime(2026, 12, 2, 20, 30, tzinfo=timezone.utc)),
    ("Priority", NOW, datetime(2026, 11, 30, 20, 30, tzinfo=timezone.utc)),
])
def test_estimates_follow_the_speed(ctx, sku1, speed, ship, arrival):
    orders.create_order(ctx, order_request(ShippingSpeedCategory=speed))
    item = orders.get_order(ctx, "ORDER-1").items[0]
    assert (item.estimated_ship_at, item.estimated_arrival_at) == (ship, arrival)


@pytest.mark.parametrize("speed", ["Standard", "Expedited", "Priority"])
def test_an_order_shipped_by_its_ship_date_arrives_by_its_arrival_date(db, make_context, merchant, sku1, speed):
    """A speed is the time in transit once shipped (the WSDL's words): the arrival an order
    promises allows for its ship date, and shipping on time keeps the promise."""
    add_stock(db, merchant.merchant_id, sku1[0], 1)
    at_once = Simulation("manual")  # planned in the create
    ctx = replace(make_context(merchant), simulation=at_once)
    orders.create_order(ctx, order_request(ShippingSpeedCategory=speed, items=[
        {"MerchantSKU": "SKU-1", "MerchantFulfillmentOrderItemId": "1", "Quantity": 1}]))
    promised = orders.get_order(ctx, "ORDER-1").items[0]
    on_time = replace(make_context(merchant, now=promised.estimated_ship_at), simulation=at_once)
    shipping.ship_order(on_time, "ORDER-1")
    (shipment,) = orders.get_order(ctx, "ORDER-1").shipments
    assert shipment.shipping_at == promised.estimated_ship_at
    assert shipment.estimated_arrival_at <= promised.estimated_arrival_at


def test_a_jp_address_needs_no_city(ctx, sku1):
    orders.create_order(ctx, order_request(DestinationAddress=dict(JP_ADDRESS)))
    assert orders.get_order(ctx, "ORDER-1").order.destination_address == JP_ADDRESS


def _without(mapping: dict, key: str) -> dict:
    return {name: value for name, value in mapping.items() if name != key}


@pytest.mark.parametrize("overrides, error, parameter, value", [
    ({"Item": [{"MerchantSKU": "NOPE", "MerchantFulfillmentOrderItemId": "1", "Quantity": 1}]},
     InvalidParameterValue, "Item.1.MerchantSKU", "NOPE"),
    ({"Item": [{"MerchantSKU": "SKU-1", "MerchantFulfillmentOrderItemId": "1", "Quantity": 1},
               {"MerchantSKU": "OFF", "MerchantFulfillmentOrderItemId": "2", "Quantity": 1}]},
     InvalidParameterValue, "Item.2.MerchantSKU", "OFF"),
    ({"Item": [{"MerchantSKU": "SKU-1", "MerchantFulfillmentOrderItemId": "x", "Quantity": 1},
               {"MerchantSKU": "SKU-1", "MerchantFulfillmentOrderItemId": "x", "Quantity": 1}]},
     InvalidParameterValue, "Item.2.MerchantFulfillmentOrderItemId", "x"),
    ({"DestinationAddress": _without(US_ADDRESS, "City")},
     MissingParameter, "DestinationAddress.City", None),
    ({"DestinationAddress": {**US_ADDRESS, "PostalCode": "9810"}},
     InvalidParameterValue, "DestinationAddress.PostalCode", "9810"),
    ({"DestinationAddress": _without(US_ADDRESS, "PostalCode")},
     MissingParameter, "DestinationAddress.PostalCode", None),
    ({"DestinationAddress": {**US_ADDRESS, "CountryCode": "us"}},
     InvalidParameterValue, "DestinationAddress.CountryCode", "us"),
    ({"DestinationAddress": {**US_ADDRESS, "CountryCode": "U1"}},
     InvalidParameterValue, "DestinationAddress.CountryCode", "U1"),
    ({"Item": [{"MerchantSKU": "SKU-1", "MerchantFulfillmentOrderItemId": "1", "Quantity": 1,
                "OrderItemDisposition": "Unsellable"}]},
     InvalidParameterValue, "Item.1.OrderItemDisposition", "Unsellable"),
    ({"FulfillmentMethod": "Removal",
      "Item": [{"MerchantSKU": "SKU-1", "MerchantFulfillmentOrderItemId": "1", "Quantity": 1,
                "FulfillmentNetworkSKU": "XWRONG0000"}]},
     InvalidParameterValue, "Item.1.FulfillmentNetworkSKU", "XWRONG0000"),
    ({"NotificationEmailList": ["ok@example.com", "not-an-address"]},
     InvalidParameterValue, "NotificationEmailList.2", "not-an-address"),
    ({"Item": [{"MerchantSKU": "SKU-1", "MerchantFulfillmentOrderItemId": "1", "Quantity": 1,
                "PerUnitDeclaredValue": {"CurrencyCode": "USD", "Value": Decimal("-1")}}]},
     InvalidParameterValue, "Item.1.PerUnitDeclaredValue.Value", "-1"),
    ({"Item": [{"MerchantSKU": "SKU-1", "MerchantFulfillmentOrderItemId": "1", "Quantity": 1,
                "PerUnitDeclaredValue": {"CurrencyCode": "USD", "Value": Decimal("1.005")}}]},
     InvalidParameterValue, "Item.1.PerUnitDeclaredValue.Value", "1.005"),
    ({"Item": [{"MerchantSKU": "SKU-1", "MerchantFulfillmentOrderItemId": "1", "Quantity": 1,
                "PerUnitDeclaredValue": {"CurrencyCode": "usd", "Value": Decimal("1")}}]},
     InvalidParameterValue, "Item.1.PerUnitDeclaredValue.CurrencyCode", "usd"),
])
def test_create_refuses_invalid_orders_naming_parameter_and_value(db, ctx, sku1, overrides, error,
                                                                  parameter, value):
    register_item(db, ctx.merchant_id, "OFF", active=False)
    with pytest.raises(error) as caught:
        orders.create_order(ctx, order_request(**overrides))
    assert caught.value.parameter == parameter
    assert parameter in caught.value.message
    if value is not None:
        assert f"Value {value} for parameter {parameter} is invalid." in caught.value.message
    assert _count_orders(db) == 0


def test_an_unregistered_sku_message(ctx):
    request = order_request(items=[{"MerchantSKU": "GHOST", "MerchantFulfillmentOrderItemId": "1",
                                    "Quantity": 1}])
    with pytest.raises(InvalidParameterValue) as caught:
        orders.create_order(ctx, request)
    assert caught.value.message == ("Value GHOST for parameter Item.1.MerchantSKU is invalid. "
                                    "Reason: it is not a registered SKU of this merchant.")


def test_another_merchants_sku_is_not_registered_for_this_one(db, ctx, other_merchant):
    register_item(db, other_merchant.merchant_id, "THEIRS")
    request = order_request(items=[{"MerchantSKU": "THEIRS", "MerchantFulfillmentOrderItemId": "1",
                                    "Quantity": 1}])
    with pytest.raises(InvalidParameterValue, match="Item.1.MerchantSKU"):
        orders.create_order(ctx, request)


def test_removal_orders_may_be_unsellable_and_name_the_fnsku(ctx, sku1):
    orders.create_order(ctx, order_request(FulfillmentMethod="Removal", items=[
        {"MerchantSKU": "SKU-1", "MerchantFulfillmentOrderItemId": "1", "Quantity": 1,
         "OrderItemDisposition": "Unsellable", "FulfillmentNetworkSKU": sku1[1]}]))
    item = orders.get_order(ctx, "ORDER-1").items[0]
    assert (item.disposition, item.fnsku) == ("Unsellable", sku1[1])


def test_a_consumer_order_ignores_the_fnsku(ctx, sku1):
    orders.create_order(ctx, order_request(items=[
        {"MerchantSKU": "SKU-1", "MerchantFulfillmentOrderItemId": "1", "Quantity": 1,
         "FulfillmentNetworkSKU": "XWRONG0000"}]))
    assert orders.get_order(ctx, "ORDER-1").items[0].fnsku == sku1[1]


# --- idempotency -----------------------------------------------------------------------

def test_repeating_the_same_create_succeeds_and_changes_nothing(db, make_context, merchant, sku1, sku2):
    items = [{"MerchantSKU": "SKU-1", "MerchantFulfillmentOrderItemId": "1", "Quantity": 2},
             {"MerchantSKU": "SKU-2", "MerchantFulfillmentOrderItemId": "2", "Quantity": 1}]
    orders.create_order(make_context(merchant), order_request(items=items))
    later = make_context(merchant, now=NOW + timedelta(hours=1))
    # Same content: items in another order, defaults spelt out, the FNSKU-free form.
    orders.create_order(later, order_request(items=list(reversed(items)),
                                             FulfillmentPolicy="FillOrKill",
                                             FulfillmentMethod="Consumer"))
    assert _count_orders(db) == 1
    assert orders.get_order(later, "ORDER-1").order.received_at == NOW


def test_a_repeat_stays_a_success_after_its_sku_is_deactivated(db, ctx, sku1):
    orders.create_order(ctx, order_request())
    with db.write() as conn:
        conn.execute(update(fulfillment_items).values(is_active=False))
    orders.create_order(ctx, order_request())  # the same order again: still a success
    assert _count_orders(db) == 1
    with pytest.raises(InvalidParameterValue) as caught:
        orders.create_order(ctx, order_request("ORDER-2"))
    assert caught.value.message.endswith("Reason: the item is not active for fulfillment.")


def test_reusing_an_id_for_a_different_order_is_refused(ctx, sku1):
    orders.create_order(ctx, order_request())
    changed = order_request(items=[{"MerchantSKU": "SKU-1", "MerchantFulfillmentOrderItemId": "1",
                                    "Quantity": 3}])
    with pytest.raises(InvalidParameterValue) as caught:
        orders.create_order(ctx, changed)
    assert caught.value.message == ("Value ORDER-1 for parameter MerchantFulfillmentOrderId is "
                                    "invalid. Reason: the id is already used by a different order.")
    assert orders.get_order(ctx, "ORDER-1").items[0].quantity == 2


def test_two_merchants_may_use_the_same_order_id(db, ctx, make_context, other_merchant, sku1):
    register_item(db, other_merchant.merchant_id, "SKU-1")
    orders.create_order(ctx, order_request())
    orders.create_order(make_context(other_merchant), order_request(DisplayableOrderComment="other"))
    assert _count_orders(db) == 2


def _race(calls) -> list[BaseException | None]:
    outcomes: list[BaseException | None] = [None] * len(calls)
    barrier = threading.Barrier(len(calls))

    def run(n: int) -> None:
        barrier.wait()
        try:
            calls[n]()
        except BaseException as error:  # noqa: BLE001 - collected for the assertions
            outcomes[n] = error

    threads = [threading.Thread(target=run, args=(n,)) for n in range(len(calls))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return outcomes


def test_concurrent_identical_creates_make_one_order(db, ctx, sku1):
    outcomes = _race([lambda: orders.create_order(ctx, order_request())] * 6)
    assert outcomes == [None] * 6
    assert _count_orders(db) == 1
    with db.read() as conn:
        assert conn.execute(select(func.count()).select_from(fulfillment_order_items)).scalar_one() == 1


def test_concurrent_different_creates_with_one_id_keep_the_first(db, ctx, sku1):
    outcomes = _race([
        lambda: orders.create_order(ctx, order_request()),
        lambda: orders.create_order(ctx, order_request(DisplayableOrderComment="changed")),
    ])
    assert sum(outcome is None for outcome in outcomes) == 1
    refused = [outcome for outcome in outcomes if outcome is not None]
    assert isinstance(refused[0], InvalidParameterValue)
    assert "already used by a different order" in refused[0].message
    assert _count_orders(db) == 1


# --- merchant isolation ----------------------------------------------------------------

NOT_FOUND = ("Value ORDER-1 for parameter MerchantFulfillmentOrderId is invalid. "
             "Reason: requested order not found.")


def test_an_unknown_order_is_not_found(ctx):
    for call in (orders.get_order, orders.cancel_order):
        with pytest.raises(InvalidParameterValue) as caught:
            call(ctx, "ORDER-1")
        assert caught.value.message == NOT_FOUND


def test_another_merchants_order_is_not_found(ctx, make_context, other_merchant, sku1):
    orders.create_order(ctx, order_request())
    other = make_context(other_merchant)
    for call in (orders.get_order, orders.cancel_order):
        with pytest.raises(InvalidParameterValue) as caught:
            call(other, "ORDER-1")
        assert caught.value.message == NOT_FOUND
    assert orders.list_orders(other).rows == []
    assert orders.get_order(ctx, "ORDER-1").order.status == "Received"


# --- cancel ----------------------------------------------------------------------------

def test_cancel_cancels_every_unit_and_releases_reservations(db, make_context, merchant, sku1):
    ctx = make_context(merchant)
    orders.create_order(ctx, order_request())
    add_stock(db, merchant.merchant_id, sku1[0], 5)
    with db.write() as conn:
        ledger.reserve_available(conn, merchant_id=merchant.merchant_id, item_id=sku1[0],
                                 quantity=2, now=NOW, document_type=orders.ORDER_DOCUMENT,
                                 document_id="ORDER-1")
    later = make_context(merchant, now=NOW + timedelta(minutes=5))

    orders.cancel_order(later, "ORDER-1")

    detail = orders.get_order(later, "ORDER-1")
    assert detail.order.status == "Cancelled"
    assert detail.order.status_updated_at == later.now
    assert detail.items[0].cancelled_quantity == 2
    with db.read() as conn:
        assert ledger.balances(conn, merchant.merchant_id, [sku1[0]])[sku1[0]] == Balance(in_stock=5)

    # Again: a harmless no-op.
    orders.cancel_order(make_context(merchant, now=NOW + timedelta(hours=1)), "ORDER-1")
    assert orders.get_order(later, "ORDER-1").order.status_updated_at == later.now


@pytest.mark.parametrize("status", ["Complete", "Unfulfillable", "Invalid"])
def test_finished_orders_cannot_be_cancelled(db, ctx, sku1, status):
    orders.create_order(ctx, order_request())
    _set_status(db, "ORDER-1", status)
    with pytest.raises(InvalidParameterValue) as caught:
        orders.cancel_order(ctx, "ORDER-1")
    assert caught.value.parameter == "MerchantFulfillmentOrderId"
    assert status in caught.value.message
    assert orders.get_order(ctx, "ORDER-1").order.status == status


def _add_shipment(db, order_id: str, status: str, quantity: int, shipment_id: str,
                  package: bool = False) -> None:
    with db.write() as conn:
        order_pk, line_pk = conn.execute(
            select(fulfillment_orders.c.id, fulfillment_order_items.c.id)
            .join(fulfillment_order_items, fulfillment_order_items.c.order_pk == fulfillment_orders.c.id)
            .where(fulfillment_orders.c.merchant_order_id == order_id)
        ).first()
        shipment_pk = conn.execute(insert(fulfillment_shipments).values(
            order_pk=order_pk, amazon_shipment_id=shipment_id, fulfillment_center_id="PHL1",
            status=status, shipping_at=NOW, estimated_arrival_at=NOW + timedelta(days=3),
            created_at=NOW,
        ).returning(fulfillment_shipments.c.id)).scalar_one()
        conn.execute(insert(fulfillment_shipment_items).values(
            shipment_pk=shipment_pk, order_item_pk=line_pk, quantity=quantity,
            package_number=1 if package else None))
        if package:
            conn.execute(insert(fulfillment_shipment_packages).values(
                shipment_pk=shipment_pk, package_number=1, carrier_code="UPS",
                tracking_number="1Z999", estimated_arrival_at=NOW + timedelta(days=3)))


def test_cancel_after_a_partial_shipment(db, ctx, sku1):
    orders.create_order(ctx, order_request(items=[
        {"MerchantSKU": "SKU-1", "MerchantFulfillmentOrderItemId": "1", "Quantity": 5}]))
    _set_status(db, "ORDER-1", "Processing")
    _add_shipment(db, "ORDER-1", "Shipped", 2, "S-1")
    _add_shipment(db, "ORDER-1", "Pending", 3, "S-2")

    orders.cancel_order(ctx, "ORDER-1")

    detail = orders.get_order(ctx, "ORDER-1")
    assert detail.order.status == "CompletePartialled"
    assert detail.items[0].cancelled_quantity == 3
    shipped, pending = detail.shipments
    assert shipped.status == "Shipped" and shipped.shipping_at == NOW
    assert (pending.status, pending.shipping_at, pending.estimated_arrival_at) == \
        ("CancelledByMerchant", None, None)
    orders.cancel_order(ctx, "ORDER-1")  # still harmless


def test_an_order_that_has_shipped_entirely_cannot_be_cancelled(db, ctx, sku1):
    orders.create_order(ctx, order_request())
    _set_status(db, "ORDER-1", "Processing")
    _add_shipment(db, "ORDER-1", "Shipped", 2, "S-1")
    with pytest.raises(InvalidParameterValue, match="nothing of the order is left to cancel"):
        orders.cancel_order(ctx, "ORDER-1")
    assert orders.get_order(ctx, "ORDER-1").order.status == "Processing"


def test_get_returns_shipments_with_items_and_packages(db, ctx, sku1):
    orders.create_order(ctx, order_request())
    _add_shipment(db, "ORDER-1", "Shipped", 2, "S-1", package=True)
    (shipment,) = orders.get_order(ctx, "ORDER-1").shipments
    assert (shipment.amazon_shipment_id, shipment.fulfillment_center_id, shipment.status) == \
        ("S-1", "PHL1", "Shipped")
    assert shipment.items == (orders.ShipmentItem("SKU-1", "1", 2, 1),)
    assert shipment.packages == (orders.Package(1, "UPS", "1Z999", NOW + timedelta(days=3)),)


# --- list ------------------------------------------------------------------------------

def _create(ctx, *order_ids: str, **overrides) -> None:
    for order_id in order_ids:
        orders.create_order(ctx, order_request(order_id, **overrides))


def _ids(page) -> list[str]:
    return [order.merchant_order_id for order in page.rows]


def test_paging_returns_every_order_exactly_once_while_orders_arrive(ctx, sku1):
    _create(ctx, *(f"O-{n}" for n in range(5)))
    page = orders.list_orders(ctx, page_size=2)
    seen = _ids(page)
    assert len(seen) == 2 and page.has_next and page.next_token

    _create(ctx, "O-5", "O-6")  # arrive between pages
    while page.has_next:
        page = orders.list_orders_next(ctx, page.next_token)
        assert len(page.rows) == 2 or not page.has_next
        seen += _ids(page)

    assert seen == [f"O-{n}" for n in range(7)]
    assert (page.next_token, page.has_next) == ("", False)


def test_a_full_last_page_says_so(ctx, sku1):
    _create(ctx, "O-1", "O-2")
    page = orders.list_orders(ctx, page_size=2)
    assert _ids(page) == ["O-1", "O-2"]
    assert (page.next_token, page.has_next) == ("", False)


def test_default_window_is_in_progress_plus_last_72_hours(db, make_context, merchant, sku1):
    old = make_context(merchant, now=NOW - timedelta(days=10))
    _create(old, "OLD-DONE")
    # FillAll: still waiting for stock ten days on (the listing first applies every due
    # step, and a FillOrKill order without stock would be Unfulfillable by now).
    _create(old, "OLD-OPEN", FulfillmentPolicy="FillAll")
    _set_status(db, "OLD-DONE", "Complete")
    ctx = make_context(merchant)
    _create(ctx, "NEW-DONE")
    orders.cancel_order(ctx, "NEW-DONE")
    assert _ids(orders.list_orders(ctx)) == ["OLD-OPEN", "NEW-DONE"]
    # An explicit start reaches further back.
    assert _ids(orders.list_orders(ctx, start=NOW - timedelta(days=11))) == \
        ["OLD-DONE", "OLD-OPEN", "NEW-DONE"]


def test_list_filters_by_fulfillment_method_across_pages(ctx, sku1):
    _create(ctx, "C-1", "C-2")
    _create(ctx, "R-1", "R-2", "R-3", FulfillmentMethod="Removal")
    page = orders.list_orders(ctx, page_size=2, methods=["Removal"])
    seen = _ids(page)
    page = orders.list_orders_next(ctx, page.next_token)
    seen += _ids(page)
    assert seen == ["R-1", "R-2", "R-3"] and not page.has_next
    assert _ids(orders.list_orders(ctx, methods=["Consumer", "Removal"])) == \
        ["C-1", "C-2", "R-1", "R-2", "R-3"]


def _bulk_orders(db, merchant_id: int, count: int) -> None:
    row = {"merchant_id": merchant_id, "displayable_order_id": "D",
           "displayable_order_datetime": NOW, "displayable_order_comment": "",
           "shipping_speed": "Standard", "destination_address": US_ADDRESS,
           "fulfillment_policy": "FillOrKill", "fulfillment_method": "Consumer",
           "notification_emails": [], "status": "Received", "request_fingerprint": "0" * 64,
           "received_at": NOW, "status_updated_at": NOW}
    with db.write() as conn:
        conn.execute(insert(fulfillment_orders),
                     [{**row, "merchant_order_id": f"B-{n:05d}"} for n in range(count)])


def test_page_size_defaults_to_100_and_is_capped_at_1000(db, ctx):
    _bulk_orders(db, ctx.merchant_id, 1001)
    assert len(orders.list_orders(ctx).rows) == 100
    page = orders.list_orders(ctx, page_size=5000)
    assert len(page.rows) == 1000 and page.has_next
    last = orders.list_orders_next(ctx, page.next_token)
    assert _ids(last) == ["B-01000"] and not last.has_next


def test_a_tampered_or_foreign_token_is_refused(ctx, make_context, other_merchant, sku1):
    _create(ctx, "O-1", "O-2")
    token = orders.list_orders(ctx, page_size=1).next_token
    body, mac = token.split(".")
    tampered = body[:-2] + ("A" if body[-2] != "A" else "B") + body[-1] + "." + mac
    for bad, who in ((tampered, ctx), (token, make_context(other_merchant)), ("garbage", ctx)):
        with pytest.raises(InvalidParameterValue) as caught:
            orders.list_orders_next(who, bad)
        assert caught.value.parameter == "NextToken"



def test_a_listed_order_is_the_order_get_returns(ctx, sku1):
    orders.create_order(ctx, order_request("L-1", NotificationEmailList=["a@example.com"]))
    orders.create_order(ctx, order_request("L-2"))
    listed = orders.list_orders(ctx).rows
    assert listed == [orders.get_order(ctx, "L-1").order, orders.get_order(ctx, "L-2").order]
    assert [repr(order) for order in listed] == \
        [repr(orders.get_order(ctx, order_id).order) for order_id in ("L-1", "L-2")]
    assert listed[0].notification_emails == ("a@example.com",)
