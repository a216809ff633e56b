"""The inventory service: GetInventorySupply and ListUpdatedInventorySupply."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import insert

from fwscli.api.errors import InvalidParameterValue
from fwscli.store.schema import fulfillment_items
from fwscli.warehouse import supply
from fwscli.warehouse.supply import IMMEDIATELY, UNKNOWN, SkuSupply, SupplyDetail

from ..conftest import NOW
from .helpers import add_stock, register_item


@pytest.fixture
def ctx(make_context, merchant):
    return make_context(merchant)


@pytest.fixture
def items(db, merchant):
    """STOCKED: 6 in stock over two centers (2 reserved) + 3 inbound; INBOUND: 4 inbound only;
    EMPTY: registered, never stocked."""
    m = merchant.merchant_id
    stocked, stocked_fnsku = register_item(db, m, "STOCKED", asin="B00STOCKED", condition="UsedGood")
    inbound, _ = register_item(db, m, "INBOUND")
    empty, _ = register_item(db, m, "EMPTY")
    add_stock(db, m, stocked, 4, center="PHL1")
    add_stock(db, m, stocked, 2, center="RNO1")
    add_stock(db, m, stocked, 2, center="PHL1", kind="reserved")
    add_stock(db, m, stocked, 3, center="RNO1", kind="inbound_expected")
    add_stock(db, m, inbound, 4, kind="inbound_expected")
    return {"STOCKED": (stocked, stocked_fnsku), "INBOUND": inbound, "EMPTY": empty}


def test_basic_supply_in_request_order(ctx, items):
    stocked, inbound_only, empty, ghost, again = supply.get_supply(
        ctx, ["STOCKED", "INBOUND", "EMPTY", "GHOST", "STOCKED"])
    assert stocked == SkuSupply("STOCKED", items["STOCKED"][1], "B00STOCKED", "UsedGood",
                                total=7, in_stock=4, earliest_availability=IMMEDIATELY, details=())
    assert again == stocked
    assert (inbound_only.total, inbound_only.in_stock, inbound_only.earliest_availability) == \
        (4, 0, UNKNOWN)
    assert (empty.total, empty.in_stock, empty.earliest_availability) == (0, 0, None)
    assert empty.fnsku is not None
    assert ghost == SkuSupply("GHOST", None, None, None, 0, 0, None, ())


def test_detailed_supply_adds_a_row_per_supply_type(ctx, items):
    stocked, inbound_only, empty = supply.get_supply(ctx, ["STOCKED", "INBOUND", "EMPTY"],
                                                     detailed=True)
    assert stocked.details == (SupplyDetail("InStock", 4, IMMEDIATELY, IMMEDIATELY),
                               SupplyDetail("Inbound", 3, UNKNOWN, UNKNOWN))
    assert inbound_only.details == (SupplyDetail("Inbound", 4, UNKNOWN, UNKNOWN),)
    assert empty.details == ()


def test_supply_over_many_centers_is_reported_within_the_schemas_int(db, ctx, merchant):
    most = 2**31 - 1  # xs:int, the type of every supply quantity
    item, _ = register_item(db, merchant.merchant_id, "HUGE")
    for center in ("PHL1", "RNO1"):
        add_stock(db, merchant.merchant_id, item, most, center=center)
    add_stock(db, merchant.merchant_id, item, 5, kind="inbound_expected")
    (huge,) = supply.get_supply(ctx, ["HUGE"], detailed=True)
    assert (huge.total, huge.in_stock) == (most, most)
    assert [detail.quantity for detail in huge.details] == [most, 5]


def test_another_merchants_skus_are_unknown(ctx, make_context, other_merchant, items):
    (theirs,) = supply.get_supply(make_context(other_merchant), ["STOCKED"])
    assert theirs == SkuSupply("STOCKED", None, None, None, 0, 0, None, ())


def test_updated_supply_lists_skus_changed_since_the_start(db, ctx, make_context, merchant,
                                                           other_merchant, items):
    later = NOW + timedelta(hours=3)
    add_stock(db, merchant.merchant_id, items["INBOUND"], 1, kind="received", now=later)
    theirs, _ = register_item(db, other_merchant.merchant_id, "THEIRS")
    add_stock(db, other_merchant.merchant_id, theirs, 5, now=later)

    page = supply.list_updated_supply(ctx, start=later)
    assert [row.merchant_sku for row in page.rows] == ["INBOUND"]
    assert (page.rows[0].total, page.rows[0].in_stock) == (4, 1)
    assert (page.next_token, page.has_next) == ("", False)

    everything = supply.list_updated_supply(ctx, start=NOW - timedelta(days=1))
    assert [row.merchant_sku for row in everything.rows] == ["STOCKED", "INBOUND"]

    nothing = supply.list_updated_supply(ctx, start=later + timedelta(seconds=1))
    assert nothing.rows == [] and (nothing.next_token, nothing.has_next) == ("", False)


def _many_stocked_items(db, merchant_id: int, count: int) -> list[int]:
    with db.write() as conn:
        ids = conn.execute(
            insert(fulfillment_items).returning(fulfillment_items.c.id),
            [{"merchant_id": merchant_id, "merchant_sku": f"BULK-{n:03d}", "fnsku": f"XB{n:08d}",
              "asin": None, "condition": "NewItem", "is_active": True, "created_at": NOW,
              "updated_at": NOW} for n in range(count)],
        ).scalars().all()
    for item_id in ids:
        add_stock(db, merchant_id, item_id, 1)
    return ids


def test_page_size_is_clamped_to_50_and_the_last_token_is_empty(db, ctx, merchant):
    ids = _many_stocked_items(db, merchant.merchant_id, 60)
    start = NOW - timedelta(hours=1)

    first = supply.list_updated_supply(ctx, start=start, page_size=100)
    assert len(first.rows) == 50 and first.has_next and first.next_token
    assert len(supply.list_updated_supply(ctx, start=start).rows) == 50  # the default

    # A SKU of the first page changes between pages: it is not listed again.
    add_stock(db, merchant.merchant_id, ids[0], 1, now=NOW + timedelta(minutes=1))
    last = supply.list_updated_supply_next(ctx, first.next_token)
    assert len(last.rows) == 10
    assert (last.next_token, last.has_next) == ("", False)
    skus = [row.merchant_sku for row in first.rows + last.rows]
    assert skus == [f"BULK-{n:03d}" for n in range(60)]


def test_the_token_keeps_the_response_group_and_page_size(db, ctx, merchant):
    _many_stocked_items(db, merchant.merchant_id, 5)
    first = supply.list_updated_supply(ctx, start=NOW, page_size=2, detailed=True)
    second = supply.list_updated_supply_next(ctx, first.next_token)
    assert len(second.rows) == 2
    assert all(row.details == (SupplyDetail("InStock", 1, IMMEDIATELY, IMMEDIATELY),)
               for row in first.rows + second.rows)


def test_a_tampered_or_foreign_token_is_refused(db, ctx, make_context, merchant, other_merchant):
    _many_stocked_items(db, merchant.merchant_id, 3)
    token = supply.list_updated_supply(ctx, start=NOW, page_size=1).next_token
    body, mac = token.split(".")
    forged = body + "." + ("A" if mac[0] != "A" else "B") + mac[1:]
    for bad, who in ((forged, ctx), (token, make_context(other_merchant))):
        with pytest.raises(InvalidParameterValue) as caught:
            supply.list_updated_supply_next(who, bad)
        assert caught.value.parameter == "NextToken"
