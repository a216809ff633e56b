"""The fulfillment-center network and its preview rule."""

from __future__ import annotations

import json

import pytest

from fwscli.api.errors import InvalidParameterValue
from fwscli.warehouse.network import FulfillmentCenter, FulfillmentNetwork

SEATTLE = {"Name": "M", "AddressLine1": "1 Main St", "City": "Seattle",
           "StateOrProvinceCode": "WA", "CountryCode": "US", "PostalCode": "98144"}


def _items(count: int) -> list[tuple[str, str, int]]:
    return [(f"SKU-{n}", f"X{n:09d}", n + 1) for n in range(count)]


def _address(country: str, state: str) -> dict[str, str]:
    return {"Name": "FC", "AddressLine1": "1 Dock Rd", "City": "Town",
            "StateOrProvinceCode": state, "CountryCode": country, "PostalCode": "12345"}


def test_default_network_has_the_legacy_center_and_several_countries():
    network = FulfillmentNetwork.default()
    phl1 = network.get("PHL1")
    assert phl1 is not None and phl1.address["StateOrProvinceCode"] == "PA"
    assert {"PHL1", "RNO1", "SDF1", "ONT2"} <= {c.code for c in network.centers}
    assert {"US", "GB", "DE", "JP"} <= {c.country for c in network.centers}
    assert all(len(c.code) == 4 for c in network.centers)
    assert network.get("NOPE") is None


def test_ship_to_address_is_a_copy():
    center = FulfillmentNetwork.default().get("PHL1")
    center.ship_to_address()["City"] = "Elsewhere"
    assert center.address["City"] == "Carlisle"


def test_plan_is_deterministic_and_never_splits_a_sku():
    network = FulfillmentNetwork.default()
    items = _items(40)
    first = network.plan(SEATTLE, items)
    assert network.plan(SEATTLE, list(items)) == first
    planned = [item for _, group in first for item in group]
    assert sorted(planned) == sorted(items)  # every SKU exactly once, whole
    # The same SKU alone, or among other items, goes to the same FC.
    where = {item[0]: center.code for center, group in first for item in group}
    for item in items[:5]:
        [(center, group)] = network.plan(SEATTLE, [item])
        assert center.code == where[item[0]] and group == [item]


def test_plan_ranks_region_first_then_configured_order_and_splits_by_width():
    network = FulfillmentNetwork.default()
    plan = network.plan(SEATTLE, _items(40))
    # WA is served by RNO1; the next candidate in configured order is PHL1.
    assert [center.code for center, _ in plan] == ["RNO1", "PHL1"]
    california = dict(SEATTLE, StateOrProvinceCode="ca")
    assert [c.code for c, _ in network.plan(california, _items(40))] == ["RNO1", "ONT2"]
    # Items keep their given order within each group.
    for _, group in plan:
        assert group == sorted(group, key=lambda item: int(item[1][1:]))


def test_split_width_is_configurable():
    centers = [FulfillmentCenter(code, _address("US", "PA")) for code in ("AAA1", "BBB1", "CCC1")]
    assert len(FulfillmentNetwork(centers, split_width=1).plan(SEATTLE, _items(30))) == 1
    assert len(FulfillmentNetwork(centers, split_width=3).plan(SEATTLE, _items(30))) == 3


def test_country_with_one_center_and_case_insensitive_country():
    network = FulfillmentNetwork.default()
    london = dict(SEATTLE, CountryCode="gb", StateOrProvinceCode="London")
    [(center, group)] = network.plan(london, _items(10))
    assert center.code == "LTN1" and len(group) == 10


def test_unsupported_country_is_an_invalid_ship_from_country():
    with pytest.raises(InvalidParameterValue) as raised:
        FulfillmentNetwork.default().plan(dict(SEATTLE, CountryCode="BR"), _items(1))
    assert raised.value.parameter == "ShipFromAddress.CountryCode"
    assert "Value BR for parameter ShipFromAddress.CountryCode is invalid" in raised.value.message


def test_empty_plan():
    assert FulfillmentNetwork.default().plan(SEATTLE, []) == []


def test_from_file(tmp_path):
    path = tmp_path / "network.json"
    path.write_text(json.dumps({
        "split_width": 1,
        "centers": [
            {"code": "TST1", "address": _address("US", "OH"), "serves": ["oh"]},
            {"code": "TST2", "address": _address("US", "WA"), "serves": ["WA"]},
        ],
    }))
    network = FulfillmentNetwork.from_file(path)
    assert [c.code for c in network.centers] == ["TST1", "TST2"]
    assert network.split_width == 1
    [(center, _)] = network.plan(SEATTLE, _items(5))
    assert center.code == "TST2"
    assert network.get("TST1").serves == frozenset({"OH"})


@pytest.mark.parametrize("document, message", [
    ({"centers": []}, "at least one center"),
    ({"centers": [{"code": "bad", "address": _address("US", "PA")}]}, "code must be"),
    ({"centers": [{"code": "TST1", "address": {"Name": "x"}}]}, "address missing"),
    ({"centers": [{"code": "TST1", "address": _address("US", "PA")}] * 2}, "duplicate"),
    ({"split_width": 0, "centers": [{"code": "TST1", "address": _address("US", "PA")}]}, "split_width"),
    ([], "centers"),
])
def test_from_file_rejects_bad_documents(tmp_path, document, message):
    path = tmp_path / "network.json"
    path.write_text(json.dumps(document))
    with pytest.raises(ValueError, match=message):
        FulfillmentNetwork.from_file(path)
