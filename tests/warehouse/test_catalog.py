"""Items and FNSKUs, through the inbound handlers."""

from __future__ import annotations

import re
import threading

import pytest
from sqlalchemy import func, insert, select, update

from fwscli.api.errors import InvalidParameterValue
from fwscli.api.inbound import INBOUND
from fwscli.service.handlers.inbound import HANDLERS
from fwscli.store.schema import fulfillment_items
from fwscli.warehouse import catalog

from ..conftest import NOW

FNSKU = re.compile(r"X[A-Z0-9]{9}")


def call(ctx, operation: str, **request):
    return HANDLERS[operation](ctx, request)


def register(ctx, *skus: str, condition: str = "NewItem") -> dict[str, dict]:
    items = [{"ASIN": f"B00{n:07d}", "Condition": condition, "MerchantSKU": sku}
             for n, sku in enumerate(skus)]
    result = call(ctx, "GetFulfillmentIdentifier", MerchantItem=items)["FulfillmentItem"]
    return {item["MerchantSKU"]: item for item in result}


def deactivate(db, sku: str) -> None:
    with db.write() as conn:
        conn.execute(update(fulfillment_items).where(fulfillment_items.c.merchant_sku == sku)
                     .values(is_active=False))


def list_all(ctx, **request) -> tuple[list[dict], list[dict]]:
    """Every page of ListAllFulfillmentItems: (all rows, the raw pages)."""
    pages = [call(ctx, "ListAllFulfillmentItems", **request)]
    while pages[-1]["HasNext"]:
        pages.append(call(ctx, "ListAllFulfillmentItemsByNextToken", NextToken=pages[-1]["NextToken"]))
    return [row for page in pages for row in page["FulfillmentItem"]], pages


@pytest.fixture
def ctx(make_context, merchant):
    return make_context(merchant)


@pytest.fixture
def other_ctx(make_context, other_merchant):
    return make_context(other_merchant)


def test_registration_returns_fulfillment_items_and_is_idempotent(ctx):
    first = register(ctx, "SKU-A", "SKU-B")
    assert list(first) == ["SKU-A", "SKU-B"]
    item = first["SKU-A"]
    assert FNSKU.fullmatch(item["FulfillmentNetworkSKU"])
    assert item == {"ASIN": "B000000000", "Condition": "NewItem", "MerchantSKU": "SKU-A",
                    "FulfillmentNetworkSKU": item["FulfillmentNetworkSKU"], "IsActive": True}
    assert first["SKU-A"]["FulfillmentNetworkSKU"] != first["SKU-B"]["FulfillmentNetworkSKU"]
    assert register(ctx, "SKU-A", "SKU-B") == first


def test_reregistering_keeps_the_fnsku_and_updates_asin_condition_and_activity(ctx, db):
    fnsku = register(ctx, "SKU-A")["SKU-A"]["FulfillmentNetworkSKU"]
    deactivate(db, "SKU-A")
    [item] = call(ctx, "GetFulfillmentIdentifier", MerchantItem=[
        {"ASIN": "B0NEWASIN1", "Condition": "UsedGood", "MerchantSKU": "SKU-A"}])["FulfillmentItem"]
    assert item == {"ASIN": "B0NEWASIN1", "Condition": "UsedGood", "MerchantSKU": "SKU-A",
                    "FulfillmentNetworkSKU": fnsku, "IsActive": True}


def test_unknown_condition_cannot_register_and_nothing_is_written(ctx, db):
    with pytest.raises(InvalidParameterValue) as raised:
        call(ctx, "GetFulfillmentIdentifier", MerchantItem=[
            {"ASIN": "B000000001", "Condition": "NewItem", "MerchantSKU": "SKU-OK"},
            {"ASIN": "B000000002", "Condition": "Unknown", "MerchantSKU": "SKU-BAD"}])
    assert raised.value.parameter == "MerchantItem.2.Condition"
    with db.read() as conn:
        assert conn.execute(select(func.count()).select_from(fulfillment_items)).scalar() == 0


def test_a_sku_repeated_in_one_request_counts_once_first_occurrence_wins(ctx):
    result = call(ctx, "GetFulfillmentIdentifier", MerchantItem=[
        {"ASIN": "B000000001", "Condition": "NewItem", "MerchantSKU": "SKU-A"},
        {"ASIN": "B000000002", "Condition": "UsedGood", "MerchantSKU": "SKU-A"},
    ])["FulfillmentItem"]
    assert [(i["MerchantSKU"], i["ASIN"]) for i in result] == [("SKU-A", "B000000001")]
    result = call(ctx, "GetFulfillmentIdentifierForMSKU", MerchantSKU=["SKU-N", "SKU-N"])
    assert len(result["FulfillmentItem"]) == 1


def test_for_msku_creates_missing_items_with_unknown_asin_and_condition(ctx):
    [created] = call(ctx, "GetFulfillmentIdentifierForMSKU", MerchantSKU=["SKU-NEW"])["FulfillmentItem"]
    assert created["ASIN"] == "" and created["Condition"] == "Unknown" and created["IsActive"] is True
    assert FNSKU.fullmatch(created["FulfillmentNetworkSKU"])
    registered = register(ctx, "SKU-REG")["SKU-REG"]
    again = call(ctx, "GetFulfillmentIdentifierForMSKU", MerchantSKU=["SKU-REG", "SKU-NEW"])
    assert again["FulfillmentItem"] == [registered, created]
    # Registering it later fills in the ASIN and condition under the same FNSKU.
    assert register(ctx, "SKU-NEW")["SKU-NEW"]["FulfillmentNetworkSKU"] == created["FulfillmentNetworkSKU"]


def test_lookups_skip_unknown_keep_request_order_and_return_each_once(ctx):
    items = register(ctx, "SKU-A", "SKU-B", "SKU-C")
    by_sku = call(ctx, "GetFulfillmentItemByMSKU", MerchantSKU=["SKU-C", "NOPE", "SKU-A", "SKU-C"])
    assert by_sku["FulfillmentItem"] == [items["SKU-C"], items["SKU-A"]]
    fnskus = [items[sku]["FulfillmentNetworkSKU"] for sku in ("SKU-B", "SKU-A", "SKU-B")]
    by_fnsku = call(ctx, "GetFulfillmentItemByFNSKU", FulfillmentNetworkSKU=["X000000000"] + fnskus)
    assert by_fnsku["FulfillmentItem"] == [items["SKU-B"], items["SKU-A"]]


def test_merchants_are_isolated(ctx, other_ctx):
    mine = register(ctx, "SKU-A")["SKU-A"]
    assert call(other_ctx, "GetFulfillmentItemByMSKU", MerchantSKU=["SKU-A"])["FulfillmentItem"] == []
    assert call(other_ctx, "GetFulfillmentItemByFNSKU",
                FulfillmentNetworkSKU=[mine["FulfillmentNetworkSKU"]])["FulfillmentItem"] == []
    assert list_all(other_ctx)[0] == []
    theirs = register(other_ctx, "SKU-A")["SKU-A"]
    assert theirs["FulfillmentNetworkSKU"] != mine["FulfillmentNetworkSKU"]
    assert list_all(ctx)[0] == [mine]


def test_include_inactive_defaults_to_false(ctx, db):
    register(ctx, "SKU-A", "SKU-B", "SKU-C")
    deactivate(db, "SKU-B")
    assert [i["MerchantSKU"] for i in list_all(ctx)[0]] == ["SKU-A", "SKU-C"]
    assert [i["MerchantSKU"] for i in list_all(ctx, IncludeInactive=False)[0]] == ["SKU-A", "SKU-C"]
    everything, _ = list_all(ctx, IncludeInactive=True, MaxCount=1)  # the filter rides the token
    assert [(i["MerchantSKU"], i["IsActive"]) for i in everything] == [
        ("SKU-A", True), ("SKU-B", False), ("SKU-C", True)]


def test_paging_returns_every_row_once_while_rows_are_added(ctx):
    register(ctx, *[f"SKU-{n:03d}" for n in range(23)])
    page = call(ctx, "ListAllFulfillmentItems", MaxCount=4)
    seen, sizes, added = [], [], 0
    while True:
        seen += [item["MerchantSKU"] for item in page["FulfillmentItem"]]
        sizes.append(len(page["FulfillmentItem"]))
        if not page["HasNext"]:
            assert page["NextToken"] == ""
            break
        assert page["NextToken"]
        if added < 3:  # new rows land after the cursor
            register(ctx, f"SKU-NEW-{added}")
            added += 1
        page = call(ctx, "ListAllFulfillmentItemsByNextToken", NextToken=page["NextToken"])
    assert len(seen) == len(set(seen)) == 26
    assert {f"SKU-{n:03d}" for n in range(23)} <= set(seen)
    assert all(size == 4 for size in sizes[:-1]) and 1 <= sizes[-1] <= 4


def test_an_exact_multiple_ends_with_a_full_last_page(ctx):
    register(ctx, "SKU-A", "SKU-B", "SKU-C", "SKU-D")
    rows, pages = list_all(ctx, MaxCount=2)
    assert [len(p["FulfillmentItem"]) for p in pages] == [2, 2]
    assert pages[-1] == {**pages[-1], "HasNext": False, "NextToken": ""}


def test_page_size_default_and_ceiling_come_from_the_model(ctx, db, merchant):
    page_size = INBOUND.operation("ListAllFulfillmentItems").page_size
    count = page_size.maximum + 1
    with db.write() as conn:
        conn.execute(insert(fulfillment_items), [
            {"merchant_id": merchant.merchant_id, "merchant_sku": f"BULK-{n:05d}",
             "fnsku": f"XBULK{n:05d}", "asin": None, "condition": "Unknown", "is_active": True,
             "created_at": NOW, "updated_at": NOW} for n in range(count)])
    default = call(ctx, "ListAllFulfillmentItems")
    assert len(default["FulfillmentItem"]) == page_size.default and default["HasNext"]
    capped = call(ctx, "ListAllFulfillmentItems", MaxCount=page_size.maximum * 5)
    assert len(capped["FulfillmentItem"]) == page_size.maximum and capped["HasNext"]
    last = call(ctx, "ListAllFulfillmentItemsByNextToken", NextToken=capped["NextToken"])
    assert len(last["FulfillmentItem"]) == 1 and last == {**last, "HasNext": False, "NextToken": ""}


def test_tokens_are_tamper_evident_and_merchant_bound(ctx, other_ctx):
    register(ctx, "SKU-A", "SKU-B")
    token = call(ctx, "ListAllFulfillmentItems", MaxCount=1)["NextToken"]
    body, mac = token.split(".")
    forged = body[:-2] + ("AA" if body[-2:] != "AA" else "BB") + "." + mac
    for bad_ctx, bad_token in ((ctx, forged), (other_ctx, token), (ctx, "garbage")):
        with pytest.raises(InvalidParameterValue) as raised:
            call(bad_ctx, "ListAllFulfillmentItemsByNextToken", NextToken=bad_token)
        assert raised.value.parameter == "NextToken"
    with pytest.raises(InvalidParameterValue):
        call(ctx, "ListInboundShipmentsByNextToken", NextToken=token)


def test_an_fnsku_collision_draws_another(ctx, monkeypatch):
    taken = register(ctx, "SKU-A")["SKU-A"]["FulfillmentNetworkSKU"]
    draws = iter([taken, "XFRESH0001"])
    monkeypatch.setattr(catalog, "new_fnsku", lambda: next(draws))
    assert register(ctx, "SKU-B")["SKU-B"]["FulfillmentNetworkSKU"] == "XFRESH0001"


@pytest.mark.parametrize("operation", ["GetFulfillmentIdentifier", "GetFulfillmentIdentifierForMSKU"])
def test_racing_registrations_of_one_sku_end_with_one_fnsku(make_context, merchant, db, operation):
    writers = 8
    barrier = threading.Barrier(writers)
    results: list[str] = []
    errors: list[BaseException] = []

    def race() -> None:
        ctx = make_context(merchant)
        request = ({"MerchantItem": [{"ASIN": "B000000001", "Condition": "NewItem",
                                      "MerchantSKU": "SKU-RACE"}]}
                   if operation == "GetFulfillmentIdentifier" else {"MerchantSKU": ["SKU-RACE"]})
        barrier.wait()
        try:
            [item] = HANDLERS[operation](ctx, request)["FulfillmentItem"]
            results.append(item["FulfillmentNetworkSKU"])
        except BaseException as error:  # reported below, in the test's thread
            errors.append(error)

    threads = [threading.Thread(target=race) for _ in range(writers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert len(results) == writers and len(set(results)) == 1
    with db.read() as conn:
        rows = conn.execute(select(fulfillment_items.c.fnsku)
                            .where(fulfillment_items.c.merchant_sku == "SKU-RACE")).scalars().all()
    assert rows == results[:1]
