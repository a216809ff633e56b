"""--cli-input-json: a key the model does not know is refused (252), not silently dropped."""

from __future__ import annotations

import json

import pytest


def test_unknown_member_in_cli_input_json_is_named(embedded_fws, tmp_path):
    request = tmp_path / "order.json"
    request.write_text(json.dumps({"DisplayableOrderComent": "typo",
                                   "DestinationAddress": {"Name": "J", "Line1": "1 Main St", "Citty": "X"}}))
    result = embedded_fws("outbound", "create", "O-1", "--item", "A=1", "--cli-input-json", str(request),
                          "--dry-run")
    assert result.code == 252
    assert "DisplayableOrderComent is not a member" in result.err
    request.write_text(json.dumps({"DestinationAddress": {"Name": "J", "Citty": "X"}}))
    nested = embedded_fws("outbound", "create", "O-1", "--item", "A=1", "--cli-input-json", str(request),
                          "--dry-run")
    assert nested.code == 252 and "DestinationAddress.Citty" in nested.err


def test_a_request_file_that_is_not_utf8_is_named(embedded_fws, tmp_path):
    request = tmp_path / "order.json"
    request.write_bytes(json.dumps({"DisplayableOrderComment": "Merci, à bientôt"}, ensure_ascii=False).encode("cp1252"))
    result = embedded_fws("outbound", "create", "O-1", "--item", "A=1", "--cli-input-json", str(request),
                          "--dry-run")
    assert result.code == 252 and str(request) in result.err and "UTF-8" in result.err, result.err


@pytest.mark.parametrize("member, value, culprit", [
    # A string where a list belongs was sent a character at a time: the SKUs 'S', 'K', 'U'...
    ("MerchantSKU", "SKU-1", "MerchantSKU: expected a JSON array"),
    # A list where a single value belongs was sent as its Python repr.
    ("ShipmentId", ["S-1"], "ShipmentId: expected a single value"),
])
def test_a_value_of_another_shape_is_named_not_mangled(embedded_fws, tmp_path, member, value, culprit):
    request = tmp_path / "request.json"
    request.write_text(json.dumps({"ShipmentId": "S-1", "MerchantSKU": ["SKU-1"], member: value}))
    result = embedded_fws("inbound", "remove-items", "--cli-input-json", str(request), "--dry-run")
    assert result.code == 252 and culprit in result.err, result.err
    assert result.out == ""


def test_items_of_another_shape_are_named(embedded_fws, tmp_path):
    request = tmp_path / "order.json"
    request.write_text(json.dumps({"Item": [{"MerchantSKU": "A", "Quantity": 1,
                                             "PerUnitDeclaredValue": "5.00"}]}))
    result = embedded_fws("outbound", "create", "O-1", "--to-name", "J", "--cli-input-json", str(request),
                          "--dry-run")
    assert result.code == 252 and "Item.1.PerUnitDeclaredValue: expected a JSON object" in result.err


def test_stdin_goes_to_one_option_only(embedded_fws):
    """stdin is read once: the second option given `-` is refused, naming the first, instead
    of reading nothing ("not valid JSON")."""
    address = json.dumps({"Name": "J", "Line1": "1 Main St", "City": "Seattle", "StateOrProvinceCode": "WA",
                          "CountryCode": "US", "PostalCode": "98101"})
    result = embedded_fws("outbound", "create", "O-1", "--item", "A=1", "--speed", "Standard",
                          "--to", "-", "--cli-input-json", "-", "--dry-run", input=address)
    assert result.code == 252 and "--cli-input-json" in result.err and "already read by --to" in result.err, result.err


def test_address_flags_fill_in_the_files_destination(embedded_fws, tmp_path):
    """`outbound create --cli-input-json order.json --to-city Tacoma` changes the file's
    address's City, as inbound's --from-* flags do, rather than replacing the whole address
    with one member (and failing on the missing Name)."""
    address = {"Name": "J", "Line1": "1 Main St", "City": "Seattle", "StateOrProvinceCode": "WA",
               "CountryCode": "US", "PostalCode": "98101"}
    request = tmp_path / "order.json"
    request.write_text(json.dumps({"MerchantFulfillmentOrderId": "O-1", "ShippingSpeedCategory": "Standard",
                                   "DestinationAddress": address,
                                   "Item": [{"MerchantSKU": "A", "Quantity": 1,
                                             "MerchantFulfillmentOrderItemId": "1"}]}))
    result = embedded_fws("outbound", "create", "--cli-input-json", str(request), "--to-city", "Tacoma",
                          "--dry-run", "-o", "json")
    assert result.code == 0, result.err
    parameters = result.json()["Parameters"]
    assert parameters["DestinationAddress.City"] == "Tacoma"
    assert parameters["DestinationAddress.Name"] == "J" and parameters["DestinationAddress.PostalCode"] == "98101"


@pytest.mark.parametrize("command, flag, line2, rest", [
    (["outbound", "create"], "--to", "Line2", {"MerchantFulfillmentOrderId": "O-1", "ShippingSpeedCategory": "Standard",
                                               "Item": [{"MerchantSKU": "A", "Quantity": 1,
                                                         "MerchantFulfillmentOrderItemId": "1"}]}),
    (["inbound", "create", "S-1"], "--from", "AddressLine2",
     {"ShipmentName": "n", "DestinationFulfillmentCenter": "PHL1",
      "MerchantSKUQuantityItem": [{"MerchantSKU": "A", "Quantity": 1}]}),
])
def test_a_whole_address_flag_replaces_the_files_address(embedded_fws, tmp_path, command, flag, line2, rest):
    """`--to @new.json` with --cli-input-json was merged into the file's address: a Line2
    the new address lacks stayed from the file's. A whole address replaces it; single
    --to-* flags still fill it in (test above)."""
    line1 = "Line1" if flag == "--to" else "AddressLine1"
    member = "DestinationAddress" if flag == "--to" else "ShipFromAddress"
    new = {"Name": "Bo", line1: "5 Elm St", "City": "Tacoma", "StateOrProvinceCode": "WA",
           "CountryCode": "US", "PostalCode": "98402"}
    request = tmp_path / "request.json"
    request.write_text(json.dumps({**rest, member: {**new, "Name": "J", line2: "Apt 9"}}))
    (tmp_path / "new.json").write_text(json.dumps(new))
    result = embedded_fws(*command, "--cli-input-json", str(request), flag, f"@{tmp_path / 'new.json'}",
                          "--dry-run", "-o", "json")
    assert result.code == 0, result.err
    address = {key.split(".", 1)[1]: value for key, value in result.json()["Parameters"].items()
               if key.startswith(member + ".")}
    assert address == new


@pytest.mark.parametrize("command", [["outbound", "cancel", "O-1"], ["inbound", "ship", "S-1"]])
def test_dry_run_shows_no_secret_of_the_endpoint_url(embedded_fws, command):
    """--dry-run printed the endpoint URL as configured: a password in it (a proxy's) or a
    token in its query string went to stdout. Nothing is sent, nothing needs keys."""
    result = embedded_fws("--endpoint-url", "http://bob:hunter2@127.0.0.1:9/fws?token=abc", *command,
                          "--dry-run", "-o", "json")
    assert result.code == 0, result.err
    assert result.json()["Endpoint"] == "http://bob:REDACTED@127.0.0.1:9/fws?token=REDACTED"
    assert "hunter2" not in result.out + result.err and "abc" not in result.out + result.err


ORDER_ADDRESS = {"Name": "J", "Line1": "1 Main St", "City": "Seattle", "StateOrProvinceCode": "WA",
                 "CountryCode": "US", "PostalCode": "98101"}


@pytest.mark.parametrize("args", [["--cli-input-json", "-"], ["O-1", "--to", "-", "--item", "A=1"]])
def test_stdin_with_a_byte_order_mark_is_read_like_a_file(embedded_fws, args):
    """A file with a UTF-8 BOM was taken and the same JSON piped in was 'not valid JSON
    (Unexpected UTF-8 BOM)' (PowerShell writes one into pipes)."""
    document = ORDER_ADDRESS if "--to" in args else {
        "MerchantFulfillmentOrderId": "O-1", "DestinationAddress": ORDER_ADDRESS,
        "Item": [{"MerchantSKU": "A", "Quantity": 1, "MerchantFulfillmentOrderItemId": "1"}]}
    result = embedded_fws("outbound", "create", *args, "--speed", "Standard", "--dry-run", "-o", "json",
                          input="\ufeff" + json.dumps(document))
    assert result.code == 0, result.err
    assert result.json()["Parameters"]["DestinationAddress.City"] == "Seattle"


@pytest.mark.parametrize("args, culprit", [
    (["--cli-input-json", "-"], "--cli-input-json: stdin is empty"),
    (["--cli-input-json", "EMPTY"], "--cli-input-json: EMPTY is empty"),
    (["O-1", "--item", "A=1", "--to", "@EMPTY"], "--to @EMPTY: EMPTY is empty"),
])
def test_an_empty_json_input_is_called_empty(embedded_fws, tmp_path, args, culprit):
    """An empty file or stdin said 'not valid JSON (Expecting value at line 1, column 1)'."""
    empty = tmp_path / "empty.json"
    empty.write_text("\n")
    result = embedded_fws("outbound", "create", *[arg.replace("EMPTY", str(empty)) for arg in args],
                          "--speed", "Standard", "--dry-run", input="")
    assert result.code == 252 and result.out == ""
    assert result.err == f"fws: error: {culprit.replace('EMPTY', str(empty))} (expected JSON)\n", result.err
