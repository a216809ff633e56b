"""The batch rules refuse exactly what the warehouse refuses: each is run side by side with
the warehouse function it mirrors, on the same typed input."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from decimal import Decimal

import pytest

from fwscli.api.errors import ApiError
from fwscli.batch import rules
from fwscli.warehouse import inbound, orders
from fwscli.warehouse.delivery import address_error

US = {"Name": "Jane", "Line1": "1 Main St", "City": "Seattle", "StateOrProvinceCode": "WA",
      "CountryCode": "US", "PostalCode": "98101"}
ADDRESSES = [
    US,
    {**US, "PostalCode": "9810"},
    {**US, "PostalCode": "98-1-0-1"},
    {**US, "PostalCode": "ABCDE"},
    {key: value for key, value in US.items() if key != "PostalCode"},
    {key: value for key, value in US.items() if key != "City"},
    {**US, "City": ""},
    {**US, "CountryCode": "JP", "City": None, "PostalCode": "150"},
    {**US, "CountryCode": "us"},
    {**US, "CountryCode": "U1"},
    {key: value for key, value in US.items() if key not in ("City", "PostalCode")},
    {**US, "CountryCode": "GB", "PostalCode": "1"},
]


def verdict(faults: list) -> str | None:
    return faults[0][0] if faults else None


def parameter(error: ApiError | None) -> str | None:
    return None if error is None else error.parameter


@pytest.mark.parametrize("address", ADDRESSES)
def test_destination_addresses(address):
    address = {key: value for key, value in address.items() if value is not None}
    assert verdict(rules.destination_address(address, "DestinationAddress")) == \
        parameter(address_error(address, "DestinationAddress"))


@pytest.mark.parametrize("address", ADDRESSES)
def test_ship_from_addresses(address):
    address = {key: value for key, value in address.items() if value is not None}
    try:
        inbound._check_ship_from(address)
        expected = None
    except ApiError as error:
        expected = error.parameter
    assert verdict(rules.ship_from_address(address, "ShipFromAddress")) == expected


ITEM = {"MerchantSKU": "SKU", "MerchantFulfillmentOrderItemId": "1", "Quantity": 1}
ORDER = {"MerchantFulfillmentOrderId": "O", "DisplayableOrderId": "O",
         "DisplayableOrderDateTime": datetime(2026, 11, 27, 12, tzinfo=timezone(timedelta(hours=-8))),
         "DisplayableOrderComment": "c",
         "ShippingSpeedCategory": "Standard", "DestinationAddress": US}


@pytest.mark.parametrize("order, item", [
    ({}, {}),
    ({"NotificationEmailList": ["a@b.co", "not-an-address"]}, {}),
    ({}, {"OrderItemDisposition": "Unsellable"}),
    ({"FulfillmentMethod": "Removal"}, {"OrderItemDisposition": "Unsellable"}),
    ({}, {"PerUnitDeclaredValue": {"CurrencyCode": "usd", "Value": Decimal("1")}}),
    ({}, {"PerUnitDeclaredValue": {"CurrencyCode": "USD", "Value": Decimal("1.005")}}),
    ({}, {"PerUnitDeclaredValue": {"CurrencyCode": "USD", "Value": Decimal("-1")}}),
    ({}, {"PerUnitDeclaredValue": {"CurrencyCode": "USD", "Value": Decimal("1e30")}}),
    ({}, {"PerUnitDeclaredValue": {"CurrencyCode": "EUR", "Value": Decimal("19.99")}}),
])
def test_orders_and_their_items(order, item):
    request = {**ORDER, **order, "Item": [{**ITEM, **item}]}
    try:
        orders._normalised(request)
        expected = None
    except ApiError as error:
        expected = error.parameter.replace("Item.1.", "").replace("NotificationEmailList.2", "NotificationEmailList")
    faults = rules.order(request) + rules.order_item(request, request["Item"][0])
    assert verdict(faults) == expected


def test_an_item_is_registered_in_a_known_condition(make_context, merchant):
    with pytest.raises(ApiError) as refused:
        from fwscli.warehouse import catalog

        catalog.register_items(make_context(merchant), [{"ASIN": "B1", "Condition": "Unknown",
                                                         "MerchantSKU": "S"}])
    assert verdict(rules.registered_item({"Condition": "Unknown"})) == "Condition"
    assert refused.value.parameter == "MerchantItem.1.Condition"
    assert rules.registered_item({"Condition": "NewItem"}) == []


MOST = 2**31 - 1


@pytest.mark.parametrize("quantities", [
    [MOST],
    [MOST - 1, 1],
    [MOST, 1],
    [1, MOST, 5],
    [MOST - 10, 5, 5, 1, 1],
])
def test_the_lines_of_one_sku_add_up_within_xs_int(quantities):
    items = [{**ITEM, "MerchantFulfillmentOrderItemId": str(n), "Quantity": quantity}
             for n, quantity in enumerate(quantities, start=1)]
    request = {**ORDER, "Item": items + [{**ITEM, "MerchantSKU": "OTHER", "MerchantFulfillmentOrderItemId": "x",
                                          "Quantity": MOST}]}
    try:
        orders._normalised(request)
        expected = None
    except ApiError as error:
        expected = (error.parameter, error.reason)
    found, total = [], 0
    for n, item in enumerate(items, start=1):
        total += item["Quantity"]
        found += [(f"Item.{n}.{path}", reason) for path, _, reason in rules.sku_units(item, total)]
    assert (found[0] if found else None) == expected
    assert len(found) <= 1  # on the line that goes past the limit only, as the service says it


@pytest.mark.parametrize("email", ["a;b@example.com", "a,b@example.com", "jane@exam;ple.com", "jane@example.com,"])
def test_an_email_address_holds_no_list_separator(email):
    """A list of addresses is one cell joined by `;` (-o csv, fws outbound export): an
    address holding one (or a comma, neither valid unquoted) would not read back as it was."""
    request = {**ORDER, "NotificationEmailList": [email], "Item": [ITEM]}
    with pytest.raises(ApiError) as refused:
        orders._normalised(request)
    assert refused.value.parameter == "NotificationEmailList.1"
    assert verdict(rules.order(request)) == "NotificationEmailList"
