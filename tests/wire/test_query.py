"""The Query codec: the three list conventions in, convention A out, validation errors that
name the parameter as the client spelled it."""

from __future__ import annotations

from datetime import datetime, timezone
from decimal import Decimal

import pytest

from fwscli.api import INBOUND, INVENTORY, OUTBOUND
from fwscli.api.errors import InvalidParameterValue, MissingParameter
from fwscli.wire.query import decode_request, decode_request_spelled, encode_request, respell

GET_IDS = INBOUND.operation("GetFulfillmentIdentifierForMSKU")
DELETE_ITEMS = INBOUND.operation("DeleteInboundShipmentItems")
CREATE_ORDER = OUTBOUND.operation("CreateFulfillmentOrder")


@pytest.mark.parametrize("params", [
    [("GetFulfillmentIdentifierForMSKU.MerchantSKU.1", "A"), ("GetFulfillmentIdentifierForMSKU.MerchantSKU.2", "B")],
    [("MerchantSKU.1", "A"), ("MerchantSKU.2", "B")],
    [("MerchantSKU", "A"), ("MerchantSKU", "B")],
])
def test_simple_lists_in_all_three_conventions(params):
    assert decode_request(GET_IDS, params) == {"MerchantSKU": ["A", "B"]}


def test_list_indices_sort_numerically_not_as_text():
    params = [(f"MerchantSKU.{i}", f"S{i}") for i in (10, 2, 1)]
    assert decode_request(GET_IDS, params)["MerchantSKU"] == ["S1", "S2", "S10"]


def test_struct_lists_indexed_and_unindexed():
    indexed = decode_request(DELETE_ITEMS, [
        ("ShipmentId", "FBA1"), ("DeleteInboundShipmentItems.MerchantSKU.1", "A")])
    assert indexed == {"ShipmentId": "FBA1", "MerchantSKU": ["A"]}
    put = INBOUND.operation("PutInboundShipmentItems")
    single = decode_request(put, [("ShipmentId", "FBA1"), ("MerchantSKUQuantityItem.MerchantSKU", "A"),
                                  ("MerchantSKUQuantityItem.Quantity", "3")])
    assert single["MerchantSKUQuantityItem"] == [{"MerchantSKU": "A", "Quantity": 3}]


def test_an_unindexed_struct_beside_indexed_ones_is_taken_too():
    """As a simple list takes its bare values after its indexed ones: no line is dropped."""
    put = INBOUND.operation("PutInboundShipmentItems")
    mixed = decode_request(put, [("ShipmentId", "FBA1"), ("MerchantSKUQuantityItem.MerchantSKU", "A"),
                                 ("MerchantSKUQuantityItem.Quantity", "3"),
                                 ("MerchantSKUQuantityItem.1.MerchantSKU", "B"),
                                 ("MerchantSKUQuantityItem.1.Quantity", "1")])
    assert mixed["MerchantSKUQuantityItem"] == [{"MerchantSKU": "B", "Quantity": 1},
                                                {"MerchantSKU": "A", "Quantity": 3}]
    half = [("ShipmentId", "FBA1"), ("MerchantSKUQuantityItem.MerchantSKU", "A"),
            ("MerchantSKUQuantityItem.1.MerchantSKU", "B"), ("MerchantSKUQuantityItem.1.Quantity", "1")]
    with pytest.raises(MissingParameter, match="MerchantSKUQuantityItem.Quantity"):
        decode_request(put, half)
    # An unknown un-indexed name is ignored, as any unknown parameter is.
    other = decode_request(put, [("ShipmentId", "FBA1"), ("MerchantSKUQuantityItem.Colour", "red"),
                                 ("MerchantSKUQuantityItem.1.MerchantSKU", "B"),
                                 ("MerchantSKUQuantityItem.1.Quantity", "1")])
    assert other["MerchantSKUQuantityItem"] == [{"MerchantSKU": "B", "Quantity": 1}]


def _order_params(**overrides):
    params = {
        "MerchantFulfillmentOrderId": "O-1", "DisplayableOrderId": "O-1",
        "DisplayableOrderDateTime": "2026-11-27T12:29:50.123-08:00",
        "DisplayableOrderComment": "Thanks", "ShippingSpeedCategory": "Standard",
        "DestinationAddress.Name": "Jane", "DestinationAddress.Line1": "1 Main St",
        "DestinationAddress.Line2": "", "DestinationAddress.City": "Seattle",
        "DestinationAddress.StateOrProvinceCode": "WA", "DestinationAddress.CountryCode": "US",
        "DestinationAddress.PostalCode": "98109",
        "Item.1.MerchantSKU": "SKU-1", "Item.1.MerchantFulfillmentOrderItemId": "1",
        "Item.1.Quantity": "2", "Item.1.PerUnitDeclaredValue.CurrencyCode": "USD",
        "Item.1.PerUnitDeclaredValue.Value": "5.00",
    }
    params.update(overrides)
    return [(k, v) for k, v in params.items() if v is not None]


def test_types_nesting_and_empty_values_as_absent():
    decoded = decode_request(CREATE_ORDER, _order_params())
    assert decoded["DisplayableOrderDateTime"] == datetime(2026, 11, 27, 20, 29, 50, 123000, tzinfo=timezone.utc)
    assert "Line2" not in decoded["DestinationAddress"]
    item = decoded["Item"][0]
    assert item["Quantity"] == 2
    assert item["PerUnitDeclaredValue"] == {"CurrencyCode": "USD", "Value": Decimal("5.00")}


def test_missing_list_names_the_list():
    params = [(k, v) for k, v in _order_params() if not k.startswith("Item.")]
    with pytest.raises(MissingParameter) as caught:
        decode_request(CREATE_ORDER, params)
    assert caught.value.message == "The request must contain the parameter Item."


def test_missing_member_of_a_list_item_names_its_index():
    with pytest.raises(MissingParameter, match=r"Item\.1\.Quantity"):
        decode_request(CREATE_ORDER, _order_params(**{"Item.1.Quantity": None}))


@pytest.mark.parametrize("name, value, reason", [
    ("Item.1.Quantity", "0", "at least 1"),
    ("Item.1.Quantity", "two", "whole number"),
    ("Item.1.Quantity", "99999999999", "out of range"),
    ("Item.1.Quantity", "٣", "whole number"),  # an Arabic-Indic 3, which int() reads as 3
    ("ShippingSpeedCategory", "Overnight", "one of Standard, Expedited, Priority"),
    ("DisplayableOrderDateTime", "yesterday", "ISO 8601"),
    ("DisplayableOrderId", "x" * 41, "longer than 40"),
    ("DisplayableOrderComment", "bell\x07", "control characters"),
    ("Item.1.PerUnitDeclaredValue.Value", "NaN", "decimal"),
    ("Item.1.PerUnitDeclaredValue.Value", "٥.٠٠", "decimal"),  # Arabic-Indic 5.00, which Decimal() reads
    ("Item.1.PerUnitDeclaredValue.Value", "1_000", "decimal"),
])
def test_bad_values_name_parameter_and_value(name, value, reason):
    with pytest.raises(InvalidParameterValue) as caught:
        decode_request(CREATE_ORDER, _order_params(**{name: value}))
    assert caught.value.parameter == name
    assert reason in caught.value.message
    assert caught.value.message.startswith(f"Value {value[:57]}")


def test_limits_on_item_counts():
    params = [(f"MerchantSKU.{i}", f"S{i}") for i in range(1, 252)]
    with pytest.raises(InvalidParameterValue, match="at most 250"):
        decode_request(GET_IDS, params)
    params = [(f"MerchantSKU.{i}", f"S{i}") for i in range(1, 52)]
    with pytest.raises(InvalidParameterValue, match="at most 50"):
        decode_request(INVENTORY.operation("GetInventorySupply"), params)


def test_lenient_dates_are_dropped_not_refused():
    # The Mule client sends day-of-year dates; real FWS ignored these filters.
    decoded = decode_request(INBOUND.operation("ListInboundShipments"),
                             [("CreatedAfter", "2026-11-330T12:29:51"), ("MaxCount", "1")])
    assert decoded == {"MaxCount": 1}


def test_conflicting_repeats_are_refused():
    with pytest.raises(InvalidParameterValue, match="more than once"):
        decode_request(CREATE_ORDER, _order_params() + [("DisplayableOrderId", "other")])


def test_encode_is_convention_a_and_round_trips():
    request = decode_request(CREATE_ORDER, _order_params(**{
        "NotificationEmailList.1": "a@example.com", "DisplayableOrderDateTime": "2026-11-27T20:29:50Z"}))
    params = encode_request(CREATE_ORDER, request)
    assert ("CreateFulfillmentOrder.NotificationEmailList.1", "a@example.com") in params
    assert ("Item.1.PerUnitDeclaredValue.Value", "5.00") in params
    assert decode_request(CREATE_ORDER, params) == request


def test_items_are_spelled_as_sent_where_that_is_not_their_position():
    """respell turns a name by position (the warehouse's `Item.2.…`) into the one sent."""
    params = _order_params(**{"Item.7.MerchantSKU": "SKU-2", "Item.7.MerchantFulfillmentOrderItemId": "2",
                              "Item.7.Quantity": "1", "NotificationEmailList": "a@example.com"})
    decoded, spelled = decode_request_spelled(CREATE_ORDER, params)
    assert decoded == decode_request(CREATE_ORDER, params)
    assert respell("Item.2.PerUnitDeclaredValue.Value", spelled) == "Item.7.PerUnitDeclaredValue.Value"
    assert respell("Item.1.Quantity", spelled) == "Item.1.Quantity"
    assert respell("NotificationEmailList.1", spelled) == "NotificationEmailList"
    assert respell("DestinationAddress.City", spelled) == "DestinationAddress.City"

    assert respell("Item.3.Quantity", spelled) == "Item.3.Quantity"  # no such item: as it is
    assert respell("Item.02.Quantity", spelled) == "Item.02.Quantity"
    _, spelled = decode_request_spelled(GET_IDS, [("GetFulfillmentIdentifierForMSKU.MerchantSKU.1", "A")])
    assert respell("MerchantSKU.1", spelled) == "GetFulfillmentIdentifierForMSKU.MerchantSKU.1"
    put = INBOUND.operation("PutInboundShipmentItems")
    _, spelled = decode_request_spelled(put, [("ShipmentId", "S"), ("MerchantSKUQuantityItem.MerchantSKU", "A"),
                                              ("MerchantSKUQuantityItem.Quantity", "1")])
    assert respell("MerchantSKUQuantityItem.1.MerchantSKU", spelled) == "MerchantSKUQuantityItem.MerchantSKU"
    # Convention A numbered 1..N: every name as it is.
    spelled = decode_request_spelled(CREATE_ORDER, _order_params())[1]
    assert respell("Item.1.Quantity", spelled) == "Item.1.Quantity"


@pytest.mark.parametrize("operation, params, named", [
    (CREATE_ORDER, _order_params(**{"Item.-2.MerchantSKU": "SKU-2", "Item.-2.MerchantFulfillmentOrderItemId": "2",
                                    "Item.-2.Quantity": "1"}), "Item.-2.MerchantSKU"),
    (CREATE_ORDER, _order_params(**{"Item.x.PerUnitDeclaredValue.Value": "1.00"}),
     "Item.x.PerUnitDeclaredValue.Value"),
    (GET_IDS, [("MerchantSKU.1", "A"), ("MerchantSKU.two", "B")], "MerchantSKU.two"),
    (GET_IDS, [("GetFulfillmentIdentifierForMSKU.MerchantSKU.-1", "B")], "GetFulfillmentIdentifierForMSKU.MerchantSKU.-1"),
])
def test_an_item_whose_index_is_not_a_whole_number_is_refused_not_dropped(operation, params, named):
    with pytest.raises(InvalidParameterValue) as caught:
        decode_request(operation, params)
    assert caught.value.parameter == named
    assert "the index of a list item must be a whole number" in caught.value.message


def test_other_names_below_a_list_stay_unknown_and_ignored():
    # Index 0 is an item like any other; a name that goes on with no member of the item's
    # structure, or MWS's `.member.N`, is an unknown name.
    assert decode_request(GET_IDS, [("MerchantSKU.0", "A"), ("MerchantSKU.member.1", "B")]) == {"MerchantSKU": ["A"]}
    decoded = decode_request(CREATE_ORDER, _order_params(**{"Item.x.Colour": "red", "Item.member.1.MerchantSKU": "B"}))
    assert [item["MerchantSKU"] for item in decoded["Item"]] == ["SKU-1"]


def test_a_number_of_thousands_of_leading_zeros_is_read_not_a_crash():
    """Leading zeros pass the 12-significant-digit check, and int() refuses a string of over
    4,300 digits, zeros included: a ValueError, answered 500 InternalError (which the PHP
    libraries resend three times). Below its minimum, such a number was quoted whole, twice,
    in the error body."""
    list_items = INBOUND.operation("ListAllFulfillmentItems")
    zeros = "0" * 100_000
    assert decode_request(list_items, [("MaxCount", zeros + "7")]) == {"MaxCount": 7}
    assert decode_request(list_items, [("MaxCount", "+" + zeros + "7")]) == {"MaxCount": 7}
    with pytest.raises(InvalidParameterValue) as caught:
        decode_request(list_items, [("MaxCount", "-" + zeros + "1")])
    assert "it must be at least 1" in caught.value.message
    assert len(caught.value.message) < 200
    with pytest.raises(InvalidParameterValue, match="at least 1"):
        decode_request(list_items, [("MaxCount", zeros)])
