"""The fulfillment-center network and its preview rule."""

from __future__ import annotations

import json

import pytest

from fwscli.api.errors import InvalidParameterValue
from fwscli.warehouse.network import FulfillmentCenter, FulfillmentNetwork, NetworkFileError

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


def _file(tmp_path, document) -> str:
    path = tmp_path / "network.json"
    path.write_text(document if isinstance(document, str) else json.dumps(document, indent=2))
    return str(path)


def _one(**changes) -> dict:
    """A valid center, with some fields changed (None: removed)."""
    center = {"code": "TST1", "address": _address("US", "PA"), "serves": ["PA"]}
    center.update(changes)
    return {name: value for name, value in center.items() if value is not None}


def _with_address(**changes) -> dict:
    address = {**_address("US", "PA"), **changes}
    return _one(address={name: value for name, value in address.items() if value is not None})


@pytest.mark.parametrize("document, where, message", [
    ({"centers": []}, "centers", "at least one center"),
    ({"centers": {}}, "centers", "must be a list"),
    ({}, "centers", "missing"),
    ([], "", "expected a JSON object"),
    ({"centers": [_one()], "splitwidth": 1}, "splitwidth", "unknown key"),
    ({"centers": [_one()], "split_width": 0}, "split_width", "at least 1"),
    ({"centers": [_one()], "split_width": "2"}, "split_width", "whole number"),
    ({"centers": [_one()], "split_width": 1.5}, "split_width", "whole number"),
    ({"centers": [_one()], "split_width": None}, "split_width", "whole number"),
    ({"centers": [_one()], "split_width": True}, "split_width", "whole number"),
    ({"centers": [_one(), "TST2"]}, "centers[1]", "expected an object"),
    ({"centers": [_one(code="bad")]}, "centers[0].code", "4 upper-case letters or digits"),
    ({"centers": [_one(code=None)]}, "centers[0].code", "missing"),
    ({"centers": [_one(code=1234)]}, "centers[0].code", "4 upper-case letters or digits"),
    ({"centers": [_one(), _one(code="TST2"), _one()]}, "centers[2].code", "also the code of centers[0]"),
    ({"centers": [_one(serve=["PA"])]}, "centers[0].serve", "unknown key"),
    ({"centers": [_one(address=None)]}, "centers[0].address", "missing"),
    ({"centers": [_one(address="1 Dock Rd")]}, "centers[0].address", "expected an object"),
    ({"centers": [_with_address(City=None)]}, "centers[0].address.City", "missing"),
    ({"centers": [_with_address(Name="  ")]}, "centers[0].address.Name", "missing"),
    ({"centers": [_with_address(Name=5)]}, "centers[0].address.Name", "must be a string"),
    ({"centers": [_with_address(Name="N" * 51)]}, "centers[0].address.Name", "longer than 50"),
    ({"centers": [_with_address(Zip="12345")]}, "centers[0].address.Zip", "unknown field"),
    ({"centers": [_with_address(CountryCode="USA")]}, "centers[0].address.CountryCode", "longer than 2"),
    ({"centers": [_with_address(CountryCode="UK")]}, "centers[0].address.CountryCode", "ISO 3166-1"),
    ({"centers": [_with_address(CountryCode="U1")]}, "centers[0].address.CountryCode", "two letters"),
    ({"centers": [_with_address(CountryCode="us")]}, "centers[0].address.CountryCode", "upper-case"),
    ({"centers": [_with_address(PostalCode=None)]}, "centers[0].address.PostalCode", "required in the US"),
    ({"centers": [_with_address(PostalCode="123")]}, "centers[0].address.PostalCode", "5 digits"),
    ({"centers": [_one(serves="PA")]}, "centers[0].serves", "list of region codes"),
    ({"centers": [_one(serves=["PA", ""])]}, "centers[0].serves[1]", "region code"),
    ({"centers": [_one(serves=["PA", 7])]}, "centers[0].serves[1]", "region code"),
])
def test_from_file_names_the_file_the_place_and_the_problem(tmp_path, document, where, message):
    path = _file(tmp_path, document)
    with pytest.raises(NetworkFileError) as raised:
        FulfillmentNetwork.from_file(path)
    text = str(raised.value)
    assert text.startswith(f"{path}: {where}: " if where else f"{path}: "), text
    assert message in text, text


def test_from_file_gives_the_line_and_column_of_a_json_syntax_error(tmp_path):
    path = _file(tmp_path, '{\n  "centers": [\n    {"code": "TST1",}\n  ]\n}\n')
    with pytest.raises(NetworkFileError, match=r"network\.json: line 3, column 21: "):
        FulfillmentNetwork.from_file(path)


def test_from_file_refuses_a_key_given_twice(tmp_path):
    center = json.dumps(_one())[1:-1]
    path = _file(tmp_path, f'{{"centers": [{{{center}, "code": "TST2"}}]}}')
    with pytest.raises(NetworkFileError, match="'code' is given twice"):
        FulfillmentNetwork.from_file(path)


def test_from_file_that_cannot_be_read(tmp_path):
    with pytest.raises(NetworkFileError, match="missing.json: cannot read it: No such file"):
        FulfillmentNetwork.from_file(tmp_path / "missing.json")
    with pytest.raises(NetworkFileError, match="cannot read it"):
        FulfillmentNetwork.from_file(tmp_path)  # a directory
    latin = tmp_path / "latin.json"
    latin.write_bytes('{"centers": [], "x": "Köln"}'.encode("latin-1"))
    with pytest.raises(NetworkFileError, match="latin.json: not UTF-8 text"):
        FulfillmentNetwork.from_file(latin)


def test_the_default_network_written_as_a_file_loads_as_itself(tmp_path):
    default = FulfillmentNetwork.default()
    path = _file(tmp_path, {"split_width": default.split_width, "centers": [
        {"code": c.code, "address": c.address, "serves": sorted(c.serves)} for c in default.centers]})
    loaded = FulfillmentNetwork.from_file(path)
    assert loaded.split_width == default.split_width
    assert [(c.code, c.address, c.serves) for c in loaded.centers] == \
        [(c.code, c.address, c.serves) for c in default.centers]


def test_from_file_with_a_byte_order_mark(tmp_path):
    path = tmp_path / "network.json"
    path.write_text(json.dumps({"centers": [_one()]}), encoding="utf-8-sig")
    assert [c.code for c in FulfillmentNetwork.from_file(path).centers] == ["TST1"]
