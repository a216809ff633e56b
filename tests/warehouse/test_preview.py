"""GetFulfillmentPreview: fulfillability from available stock, dates, fees, weight, address."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from decimal import Decimal

import pytest

from fwscli.api.errors import InvalidParameterValue
from fwscli.warehouse import ledger, preview
from fwscli.warehouse.delivery import add_business_days
from fwscli.warehouse.preview import Fee, PreviewLine

from ..conftest import NOW
from .helpers import add_stock, register_item

ADDRESS = {"Name": "Jane Doe", "Line1": "1 Main St", "City": "Seattle",
           "StateOrProvinceCode": "WA", "CountryCode": "US", "PostalCode": "98101"}


def line(sku: str, quantity: int, line_id: str | None = None) -> dict:
    return {"MerchantSKU": sku, "Quantity": quantity,
            "MerchantFulfillmentOrderItemId": line_id or sku}


@pytest.fixture
def ctx(make_context, merchant):
    return make_context(merchant)


@pytest.fixture
def stocked(db, merchant):
    """SKU-1: 3 at PHL1 + 2 at RNO1, 1 reserved (4 available); SKU-2: 10 at PHL1."""
    sku1, _ = register_item(db, merchant.merchant_id, "SKU-1")
    sku2, _ = register_item(db, merchant.merchant_id, "SKU-2")
    add_stock(db, merchant.merchant_id, sku1, 3, center="PHL1")
    add_stock(db, merchant.merchant_id, sku1, 2, center="RNO1")
    add_stock(db, merchant.merchant_id, sku1, 7, kind="inbound_expected")  # not available
    add_stock(db, merchant.merchant_id, sku1, 1, center="RNO1", kind="reserved")
    add_stock(db, merchant.merchant_id, sku2, 10)
    return sku1, sku2


def test_every_speed_is_previewed_by_default(ctx, stocked):
    previews = preview.get_preview(ctx, address=ADDRESS, items=[line("SKU-1", 4)])
    assert [p.speed for p in previews] == ["Standard", "Expedited", "Priority"]
    assert all(p.fulfillable for p in previews)
    assert all(p.unfulfillable == () and p.order_reasons == () for p in previews)


def test_requested_speeds_in_request_order_each_once(ctx, stocked):
    previews = preview.get_preview(ctx, address=ADDRESS, items=[line("SKU-1", 1)],
                                   speeds=["Priority", "Standard", "Priority"])
    assert [p.speed for p in previews] == ["Priority", "Standard"]


def test_available_stock_is_in_stock_minus_reserved_over_every_center(ctx, stocked):
    (fits,) = preview.get_preview(ctx, address=ADDRESS, items=[line("SKU-1", 4)], speeds=["Standard"])
    (short,) = preview.get_preview(ctx, address=ADDRESS, items=[line("SKU-1", 5)], speeds=["Standard"])
    assert fits.fulfillable and fits.shipped == (PreviewLine("SKU-1", 4, "SKU-1"),)
    assert not short.fulfillable
    assert short.unfulfillable == (PreviewLine("SKU-1", 5, "SKU-1", ("InventoryUnavailable",)),)
    assert short.shipped == () and short.window is None and short.fees == () and short.weight is None


def test_unknown_inactive_and_short_skus_are_unfulfillable_items(db, ctx, merchant, stocked):
    inactive, _ = register_item(db, merchant.merchant_id, "OFF", active=False)
    add_stock(db, merchant.merchant_id, inactive, 10)
    items = [line("SKU-2", 2, "a"), line("GHOST", 1, "b"), line("OFF", 1, "c"),
             line("SKU-2", 9, "d")]  # repeated SKU: only 8 of the 10 are left
    (result,) = preview.get_preview(ctx, address=ADDRESS, items=items, speeds=["Standard"])

    assert not result.fulfillable
    assert result.shipped == (PreviewLine("SKU-2", 2, "a"),)
    assert [(l.merchant_order_item_id, l.reasons) for l in result.unfulfillable] == [
        ("b", ("InventoryUnavailable",)), ("c", ("InventoryUnavailable",)),
        ("d", ("InventoryUnavailable",))]
    # The fulfillable part still gets its shipment, fees and weight.
    assert result.window is not None and result.weight == Decimal("1.0")


def test_another_merchants_stock_does_not_count(db, make_context, other_merchant, stocked):
    register_item(db, other_merchant.merchant_id, "SKU-1")
    (result,) = preview.get_preview(make_context(other_merchant), address=ADDRESS,
                                    items=[line("SKU-1", 1)], speeds=["Standard"])
    assert not result.fulfillable


@pytest.mark.parametrize("speed, latest_ship, earliest_arrival, latest_arrival", [
    # NOW is Friday 2026-11-27 20:30 UTC; weekends are skipped. The earliest arrival is
    # the time in transit from the earliest departure, the latest from the latest.
    ("Standard", datetime(2026, 11, 30, 20, 30, tzinfo=timezone.utc),
     datetime(2026, 12, 2, 20, 30, tzinfo=timezone.utc),
     datetime(2026, 12, 7, 20, 30, tzinfo=timezone.utc)),
    ("Expedited", datetime(2026, 11, 30, 20, 30, tzinfo=timezone.utc),
     datetime(2026, 12, 1, 20, 30, tzinfo=timezone.utc),
     datetime(2026, 12, 2, 20, 30, tzinfo=timezone.utc)),
    ("Priority", NOW, datetime(2026, 11, 30, 20, 30, tzinfo=timezone.utc),
     datetime(2026, 11, 30, 20, 30, tzinfo=timezone.utc)),
])
def test_dates_follow_the_speed_table(ctx, stocked, speed, latest_ship, earliest_arrival,
                                      latest_arrival):
    (result,) = preview.get_preview(ctx, address=ADDRESS, items=[line("SKU-2", 1)], speeds=[speed])
    window = result.window
    assert window.earliest_ship == NOW
    assert (window.latest_ship, window.earliest_arrival, window.latest_arrival) == \
        (latest_ship, earliest_arrival, latest_arrival)


def test_a_weekend_request_counts_from_monday():
    saturday = datetime(2026, 11, 28, 9, 0, tzinfo=timezone.utc)
    assert add_business_days(saturday, 0) == datetime(2026, 11, 30, 9, 0, tzinfo=timezone.utc)
    assert add_business_days(saturday, 1) == datetime(2026, 12, 1, 9, 0, tzinfo=timezone.utc)
    assert add_business_days(NOW, 5) == datetime(2026, 12, 4, 20, 30, tzinfo=timezone.utc)


def test_business_days_from_every_day_of_the_week_skip_weekends():
    monday = datetime(2026, 11, 23, 15, 45, tzinfo=timezone.utc)
    for start in (monday + timedelta(days=n) for n in range(7)):
        for days in range(12):
            day = start  # counted one calendar day at a time
            while day.weekday() >= 5:
                day += timedelta(days=1)
            for _ in range(days):
                day += timedelta(days=1)
                while day.weekday() >= 5:
                    day += timedelta(days=1)
            assert add_business_days(start, days) == day, (start, days)


@pytest.mark.parametrize("speed, fees", [
    # 3 units = 1.5 LB, billed as 2 LB.
    ("Standard", ("4.75", "2.25", "0.90")),
    ("Expedited", ("5.75", "4.50", "1.10")),
    ("Priority", ("11.75", "6.75", "1.30")),
])
def test_fees_and_weight(ctx, stocked, speed, fees):
    (result,) = preview.get_preview(ctx, address=ADDRESS,
                                    items=[line("SKU-1", 1), line("SKU-2", 2)], speeds=[speed])
    assert result.weight == Decimal("1.5")
    assert result.fees == (
        Fee("FBAPerOrderFulfillmentFee", Decimal(fees[0])),
        Fee("FBAPerUnitFulfillmentFee", Decimal(fees[1])),
        Fee("FBAWeightBasedFee", Decimal(fees[2])),
    )


@pytest.mark.parametrize("address", [
    {**ADDRESS, "City": None},
    {**ADDRESS, "PostalCode": "123"},
    {**ADDRESS, "CountryCode": "us"},
])
def test_an_undeliverable_address_is_an_unfulfillable_preview_not_an_error(ctx, stocked, address):
    address = {name: value for name, value in address.items() if value is not None}
    previews = preview.get_preview(ctx, address=address, items=[line("SKU-2", 1), line("SKU-1", 9)])
    for result in previews:
        assert not result.fulfillable
        assert result.order_reasons == ("InvalidDestinationAddress",)
        assert result.window is None and result.fees == () and result.shipped == ()
        # Every item is accounted for: nothing ships, the short one is short as well.
        assert result.unfulfillable == (PreviewLine("SKU-2", 1, "SKU-2"),
                                        PreviewLine("SKU-1", 9, "SKU-1", ("InventoryUnavailable",)))


def test_a_jp_address_without_city_is_deliverable(ctx, stocked):
    address = {"Name": "Taro", "Line1": "1-2-3 Shibuya", "StateOrProvinceCode": "Tokyo",
               "CountryCode": "JP", "PostalCode": "150-0002"}
    (result,) = preview.get_preview(ctx, address=address, items=[line("SKU-2", 1)],
                                    speeds=["Standard"])
    assert result.fulfillable


def test_an_item_id_used_twice_is_refused_as_create_refuses_it(ctx, stocked):
    with pytest.raises(InvalidParameterValue) as caught:
        preview.get_preview(ctx, address=ADDRESS, items=[line("SKU-1", 1, "x"), line("SKU-2", 1, "x")])
    assert caught.value.parameter == "Items.2.MerchantFulfillmentOrderItemId"
    assert "Value x for parameter Items.2.MerchantFulfillmentOrderItemId is invalid." in caught.value.message


def test_preview_changes_nothing(db, ctx, merchant, stocked):
    preview.get_preview(ctx, address=ADDRESS, items=[line("SKU-1", 4)])
    with db.read() as conn:
        assert ledger.balances(conn, merchant.merchant_id, [stocked[0]])[stocked[0]].available == 4
