"""`fws outbound` through the real entry point, on the embedded service and against a live
server: preview, create, get, list (paging, resuming, formats), cancel, wait, and input
refused before anything is sent."""

from __future__ import annotations

import csv
import io
import json
import shlex
import subprocess
import sys
from datetime import datetime, timezone

import pytest

from .conftest import FWS
from .seed import direct_client

ADDRESS = {"Name": "Jane Doe", "Line1": "1 Main St", "City": "Seattle",
           "StateOrProvinceCode": "WA", "CountryCode": "US", "PostalCode": "98101"}
ADDRESS_FLAGS = ["--to-name", "Jane Doe", "--to-line1", "1 Main St", "--to-city", "Seattle",
                 "--to-state", "WA", "--to-country", "us", "--to-postal-code", "98101"]
ORDER_HEADER = ["OrderId", "Status", "Speed", "Method", "Received", "Updated", "City", "Country"]
DATE = "2026-11-27T10:00:00Z"


@pytest.fixture
def address_file(tmp_path):
    path = tmp_path / "address.json"
    path.write_text(json.dumps(ADDRESS, indent=2))
    return f"@{path}"


def through_pipe(fws, *args: str):
    """`fws ARGS | python -c 'json.load'`: the JSON on stdout survives a real pipe."""
    command = (" ".join(shlex.quote(arg) for arg in [FWS, *args]) + " | "
               + shlex.quote(sys.executable) + " -c 'import json, sys; print(json.dumps(json.load(sys.stdin)))'")
    done = subprocess.run(command, shell=True, capture_output=True, text=True, env=fws.env, timeout=60)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def assert_no_order(fws, order_id: str) -> None:
    result = fws("outbound", "get", order_id)
    assert result.code == 254 and "not found" in result.err, result.err


def test_preview_create_get_cancel(fws, address_file):
    fws.ok("items", "register", "MUG", "TEE", "-o", "off")

    previews = fws.ok("outbound", "preview", "--to", address_file, "--item", "MUG=2", "-o", "json").json()
    assert [p["ShippingSpeedCategory"] for p in previews] == ["Standard", "Expedited", "Priority"]
    assert previews[0]["UnfulfillablePreviewItems"][0]["MerchantSKU"] == "MUG"  # no stock yet
    table = fws.ok("outbound", "preview", *ADDRESS_FLAGS, "--item", "MUG=2", "--speed", "Priority", "-o", "table").out
    assert "Fulfillable" in table and "Priority" in table and "Standard" not in table
    summary = list(csv.DictReader(io.StringIO(
        fws.ok("outbound", "preview", "--to", address_file, "--item", "MUG=1", "-o", "csv").out)))
    assert [row["Speed"] for row in summary] == ["Standard", "Expedited", "Priority"]

    created = fws.ok("outbound", "create", "ORDER-1", "--to", address_file, "--item", "MUG=2",
                     "--item", "TEE=1", "--speed", "Expedited", "--date", DATE, "--email", "jane@example.com",
                     "--gift-message", "Happy birthday", "--comment", "Thanks!", "-o", "json")
    # Planned at once: with no stock, a FillOrKill order is Unfulfillable.
    assert created.json()["FulfillmentOrderStatus"] == "Unfulfillable"
    # The very same order again is harmless; the same id for another order is not.
    fws.ok("outbound", "create", "ORDER-1", "--to", address_file, "--item", "MUG=2", "--item", "TEE=1",
           "--speed", "Expedited", "--date", DATE, "--email", "jane@example.com",
           "--gift-message", "Happy birthday", "--comment", "Thanks!", "-o", "off")
    clash = fws("outbound", "create", "ORDER-1", "--to", address_file, "--item", "MUG=3", "--speed", "Expedited")
    assert clash.code == 254 and "ORDER-1" in clash.err

    detail = through_pipe(fws, "outbound", "get", "ORDER-1", "-o", "json")
    order = detail["FulfillmentOrder"]
    assert order["DestinationAddress"] == ADDRESS
    assert order["DisplayableOrderId"] == "ORDER-1" and order["DisplayableOrderComment"] == "Thanks!"
    assert order["DisplayableOrderDateTime"] == DATE and order["NotificationEmailList"] == ["jane@example.com"]
    assert [(i["MerchantFulfillmentOrderItemId"], i["MerchantSKU"], i["Quantity"], i["GiftMessage"])
            for i in detail["FulfillmentOrderItem"]] == [("1", "MUG", 2, "Happy birthday"),
                                                          ("2", "TEE", 1, "Happy birthday")]
    assert detail["FulfillmentShipment"] == []

    readable = fws.ok("outbound", "get", "ORDER-1", "-o", "table").out
    for text in ("Ship to", "Jane Doe, 1 Main St, Seattle, WA 98101, US", "Items:", "Shipments: none yet",
                 "Packages: none yet"):
        assert text in readable
    assert fws.ok("outbound", "get", "ORDER-1", "--query", "FulfillmentOrderItem[].MerchantSKU",
                  "-o", "json").json() == ["MUG", "TEE"]

    # Flags build the address too (the country upper-cased), item ids count from 1.
    fws.ok("outbound", "create", "ORDER-2", *ADDRESS_FLAGS, "--to-phone", "555-0100", "--item", "TEE=1",
           "--speed", "Standard", "--policy", "FillAll", "-o", "off")
    second = fws.ok("outbound", "get", "ORDER-2", "-o", "json").json()
    assert second["FulfillmentOrder"]["DestinationAddress"] == {**ADDRESS, "PhoneNumber": "555-0100"}
    assert second["FulfillmentOrder"]["FulfillmentPolicy"] == "FillAll"

    cancelled = fws.ok("outbound", "cancel", "ORDER-2", "-o", "json").json()
    assert cancelled["FulfillmentOrderStatus"] == "Cancelled"


def test_create_from_cli_input_json_and_dry_run(fws, tmp_path):
    fws.ok("items", "register", "MUG", "-o", "off")
    request = {"MerchantFulfillmentOrderId": "FROM-FILE", "DisplayableOrderId": "Shown-1",
               "DisplayableOrderDateTime": DATE, "DisplayableOrderComment": "From a file",
               "ShippingSpeedCategory": "Standard", "DestinationAddress": ADDRESS,
               "Item": [{"MerchantSKU": "MUG", "MerchantFulfillmentOrderItemId": "line-a", "Quantity": 4}]}
    path = tmp_path / "order.json"
    path.write_text(json.dumps(request))

    dry = fws.ok("outbound", "create", "--cli-input-json", str(path), "--speed", "Priority",
                  "--dry-run", "-o", "json").json()
    assert dry["Action"] == "CreateFulfillmentOrder"
    assert dry["Parameters"]["ShippingSpeedCategory"] == "Priority"  # the flag wins
    assert dry["Parameters"]["Item.1.MerchantFulfillmentOrderItemId"] == "line-a"
    assert not any("ecret" in key for key in dry["Parameters"])
    assert_no_order(fws, "FROM-FILE")

    fws.ok("outbound", "create", "--cli-input-json", str(path), "-o", "off")
    order = fws.ok("outbound", "get", "FROM-FILE", "-o", "json").json()
    assert order["FulfillmentOrder"]["DisplayableOrderId"] == "Shown-1"
    assert order["FulfillmentOrderItem"][0]["MerchantFulfillmentOrderItemId"] == "line-a"


def test_wait_exit_codes(fws, address_file):
    fws.ok("items", "register", "MUG", "-o", "off")
    # FillAll with no stock: the order waits in Planning for stock that never comes.
    fws.ok("outbound", "create", "W-1", "--to", address_file, "--item", "MUG=1", "--speed", "Standard",
           "--policy", "FillAll", "-o", "off")

    reached = fws("outbound", "wait", "W-1", "--for", "Planning", "--timeout", "5", "-o", "json")
    assert reached.code == 0 and reached.json()["FulfillmentOrderStatus"] == "Planning"
    # Nothing moves the order this fast: the wait gives up, saying where the order is.
    timed_out = fws("outbound", "wait", "W-1", "--for", "Invalid", "--timeout", "0.3", "--interval", "0.1")
    assert timed_out.code == 124, timed_out.err
    assert "timed out" in timed_out.err and "W-1" in timed_out.err and timed_out.out == ""
    # --error-format json: the code docs/exit-codes.md gives 124, for scripts to match on.
    as_json = fws("--error-format", "json", "outbound", "wait", "W-1", "--for", "Invalid", "--timeout", "0")
    assert (as_json.code, json.loads(as_json.err.splitlines()[-1])["Error"]["Code"]) == (124, "WaitTimedOut"), as_json.err

    fws.ok("outbound", "cancel", "W-1", "-o", "off")
    ended = fws("outbound", "wait", "W-1", "--for", "Complete", "--timeout", "5")
    assert ended.code == 3 and "ended Cancelled, not Complete" in ended.err
    assert fws("outbound", "wait", "W-1", "--for", "Cancelled", "-o", "off").code == 0
    # Statuses in any case, as `fws inbound list --status` takes them (was 252).
    assert fws("outbound", "wait", "W-1", "--for", "cancelled", "-o", "off").code == 0
    lower = fws("outbound", "wait", "W-1", "--for", "complete", "--timeout", "5")
    assert lower.code == 3 and "ended Cancelled, not Complete" in lower.err, lower.err

    bad = fws("outbound", "wait", "W-1", "--for", "Done")
    assert bad.code == 252 and "--for" in bad.err
    unknown = fws("outbound", "wait", "NOPE", "--for", "Complete", "--timeout", "1")
    assert unknown.code == 254 and "NOPE" in unknown.err
    assert "124" in fws.ok("outbound", "wait", "--help").out


@pytest.mark.parametrize("command", [["outbound", "wait", "W-1", "--for", "Complete"], ["demo"]])
@pytest.mark.parametrize("option", ["--timeout", "--interval"])
def test_waits_refuse_nan_seconds(embedded_fws, command, option):
    # nan fails no comparison, so it passed min=0 and made a deadline that never comes.
    result = embedded_fws(*command, option, "nan", timeout=20)
    assert result.code == 2 and option in result.err, result.err


def seed_orders(fws, monkeypatch, count: int) -> list[str]:
    """`count` orders created directly (25 subprocesses would only slow the test)."""
    fws.ok("items", "register", "MUG", "-o", "off")  # on the embedded service: provisions first
    ids = [f"ORD-{n:02d}" for n in range(count)]
    with direct_client(fws, monkeypatch) as client:
        for order_id in ids:
            client.call("outbound", "CreateFulfillmentOrder", {
                "MerchantFulfillmentOrderId": order_id, "DisplayableOrderId": order_id,
                "DisplayableOrderDateTime": datetime(2026, 11, 27, tzinfo=timezone.utc),
                "DisplayableOrderComment": "seeded", "ShippingSpeedCategory": "Standard",
                "DestinationAddress": ADDRESS,
                "Item": [{"MerchantSKU": "MUG", "MerchantFulfillmentOrderItemId": "1", "Quantity": 1}]})
    return ids


def test_list_pages_resumes_and_renders(fws, monkeypatch):
    ids = seed_orders(fws, monkeypatch, 25)

    listed = through_pipe(fws, "outbound", "list", "--page-size", "2", "-o", "json")
    assert [row["MerchantFulfillmentOrderId"] for row in listed] == ids

    head = fws.ok("outbound", "list", "--page-size", "2", "--max-items", "7", "-o", "json")
    assert len(head.json()) == 7
    token = head.err.split("--starting-token ")[1].split()[0]
    tail = fws.ok("outbound", "list", "--page-size", "3", "--starting-token", token, "-o", "json").json()
    assert [row["MerchantFulfillmentOrderId"] for row in head.json() + tail] == ids

    first_page = fws.ok("outbound", "list", "--page-size", "4", "--no-paginate", "-o", "json")
    assert len(first_page.json()) == 4 and "--starting-token" in first_page.err

    lines = fws.ok("outbound", "list", "--page-size", "2", "-o", "ndjson").out.splitlines()
    assert [json.loads(line)["MerchantFulfillmentOrderId"] for line in lines] == ids

    rows = list(csv.reader(io.StringIO(fws.ok("outbound", "list", "-o", "csv").out)))
    assert rows[0] == ORDER_HEADER and len(rows) == 26
    assert rows[1][:4] == ["ORD-00", "Unfulfillable", "Standard", "Consumer"]  # no stock: FillOrKill
    # The same header when nothing matches: scripts can rely on it.
    empty = fws.ok("outbound", "list", "--method", "Removal", "-o", "csv").out
    assert empty.splitlines() == [",".join(ORDER_HEADER)]
    tsv = fws.ok("outbound", "list", "--max-items", "1", "-o", "tsv").out.splitlines()
    assert tsv[0].split("\t") == ORDER_HEADER

    queried = fws.ok("outbound", "list", "-o", "json", "--query",
                     "[?MerchantFulfillmentOrderId=='ORD-13'].FulfillmentOrderStatus").json()
    assert queried == ["Unfulfillable"]
    assert fws.ok("outbound", "list", "--since", "2026-01-01", "-o", "off").out == ""
    bad_since = fws("outbound", "list", "--since", "last week")
    assert bad_since.code == 252 and "--since" in bad_since.err


@pytest.mark.parametrize("args, culprit", [
    (["--item", "MUG=0"], "MUG=0"),
    (["--item", "MUG"], "SKU=QUANTITY"),
    (["--item", "MUG=²"], "MUG=²"),  # a digit to str.isdigit, not to int()
    (["--item", "MUG=٣"], "MUG=٣"),  # an Arabic-Indic 3: quantities are ASCII digits
    (["--item", "MUG=2", "--to-postal-code", "981"], "--to-postal-code"),
    (["--item", "MUG=2", "--to-city", ""], "--to-city"),
    (["--item", "MUG=2", "--to-country", "U1"], "--to-country"),
    (["--item", "MUG=2", "--to-name", ""], "--to-name"),
    (["--item", "MUG=2", "--speed", "Fast"], "Fast"),
    (["--item", "MUG=2", "--policy", "Whenever"], "--policy"),
    (["--item", "MUG=2", "--date", "tomorrow"], "--date"),
    (["--item", "MUG=2", "--email", "j" * 60 + "@example.com"], "--email"),  # over 64 characters
    (["--item", "MUG=2", "--email", "not-an-address", "--method", "Gift"], "--method"),
    (["--item", "MUG=2", "--email", "not-an-address"], "--email"),  # the service's rule, checked before
    (["--item", "MUG=2", "--item", "MUG=2147483647"], "--item"),  # one SKU's lines past xs:int
    ([], "--item"),
])
def test_create_refuses_bad_input_before_sending(embedded_fws, address_file, args, culprit):
    embedded_fws.ok("items", "register", "MUG", "-o", "off")
    base = ["outbound", "create", "BAD-1", "--to", address_file]
    speed = [] if "--speed" in args else ["--speed", "Standard"]
    result = embedded_fws(*base, *speed, *args)
    assert result.code == 252, result.err
    assert culprit in result.err and result.out == ""
    assert_no_order(embedded_fws, "BAD-1")


@pytest.mark.parametrize("item, culprit", [
    ({"OrderItemDisposition": "Unsellable"}, "Item.1.OrderItemDisposition"),
    ({"PerUnitDeclaredValue": {"CurrencyCode": "usd", "Value": "5.00"}}, "Item.1.PerUnitDeclaredValue.CurrencyCode"),
    ({"PerUnitDeclaredValue": {"CurrencyCode": "USD", "Value": "5.555"}}, "Item.1.PerUnitDeclaredValue.Value"),
])
def test_an_input_file_is_held_to_the_services_order_rules_before_sending(embedded_fws, tmp_path, item, culprit):
    """The rules the model cannot say (warehouse.orders) are checked as the importer checks
    them: a bad parameter (252) named where it is, not the service's error (254)."""
    embedded_fws.ok("items", "register", "MUG", "-o", "off")
    request = {"MerchantFulfillmentOrderId": "BAD-1", "ShippingSpeedCategory": "Standard",
               "DestinationAddress": ADDRESS, "DisplayableOrderDateTime": DATE,
               "Item": [{"MerchantSKU": "MUG", "MerchantFulfillmentOrderItemId": "1", "Quantity": 1, **item}]}
    path = tmp_path / "order.json"
    path.write_text(json.dumps(request))
    result = embedded_fws("outbound", "create", "--cli-input-json", str(path))
    assert result.code == 252, result.err
    assert culprit in result.err and result.out == ""
    assert_no_order(embedded_fws, "BAD-1")


@pytest.mark.parametrize("command", [["get"], ["cancel"], ["wait", "--for", "Complete"]])
def test_an_empty_order_id_is_a_bad_parameter(embedded_fws, command):
    result = embedded_fws("outbound", command[0], "", *command[1:])
    assert result.code == 252, result.err
    assert "fws: error: ORDER_ID (MerchantFulfillmentOrderId): " in result.err


@pytest.mark.parametrize("args, culprit", [
    (["preview", "--to", "@ADDRESS", "--item", "MUG=1", "--speed", "Fast"], "--speed"),
    (["list", "--method", "Gift"], "--method"),
])
def test_list_valued_flags_are_named_in_refusals(embedded_fws, address_file, args, culprit):
    # Their wire names carry the action (GetFulfillmentPreview.ShippingSpeedCategories.1).
    result = embedded_fws("outbound", *[address_file if arg == "@ADDRESS" else arg for arg in args])
    assert result.code == 252 and result.err.startswith(f"fws: error: {culprit} ("), result.err


def test_a_null_member_of_an_address_file_is_an_absent_one(embedded_fws, tmp_path):
    """Addresses exported by other systems write `"Line2": null`; --cli-input-json takes a
    null member as absent, and so does --to (it refused "Line2 must be a string, not None")."""
    path = tmp_path / "address.json"
    path.write_text(json.dumps({**ADDRESS, "Line2": None, "PhoneNumber": None}))
    result = embedded_fws("outbound", "create", "NULLS-1", "--to", f"@{path}", "--item", "MUG=1",
                          "--speed", "Standard", "--dry-run", "-o", "json")
    assert result.code == 0, result.err
    parameters = result.json()["Parameters"]
    assert parameters["DestinationAddress.Name"] == ADDRESS["Name"]
    assert not any(key.endswith((".Line2", ".PhoneNumber")) for key in parameters)


def test_addresses_from_files_are_checked(embedded_fws, tmp_path):
    embedded_fws.ok("items", "register", "MUG", "-o", "off")
    broken = tmp_path / "broken.json"
    broken.write_text('{\n  "Name": "Jane",\n  "Line1": "1 Main St"\n  "City": "Seattle"\n}\n')
    result = embedded_fws("outbound", "create", "BAD-2", "--to", f"@{broken}", "--item", "MUG=1",
                          "--speed", "Standard")
    assert result.code == 252 and str(broken) in result.err and "line 4" in result.err

    typo = tmp_path / "typo.json"
    typo.write_text(json.dumps({**ADDRESS, "Zip": "98101"}))
    result = embedded_fws("outbound", "preview", "--to", str(typo), "--item", "MUG=1")
    assert result.code == 252 and "'Zip'" in result.err

    latin1 = tmp_path / "latin1.json"
    latin1.write_bytes(json.dumps({**ADDRESS, "City": "Montréal"}, ensure_ascii=False).encode("cp1252"))
    result = embedded_fws("outbound", "preview", "--to", f"@{latin1}", "--item", "MUG=1")
    assert result.code == 252 and str(latin1) in result.err and "UTF-8" in result.err, result.err

    japan = tmp_path / "jp.json"  # no City: allowed in Japan
    japan.write_text(json.dumps({"Name": "Taro", "Line1": "1-1 Chiyoda, Chiyoda-ku, Tokyo",
                                 "StateOrProvinceCode": "13", "CountryCode": "JP"}))
    embedded_fws.ok("outbound", "create", "JP-1", "--to", f"@{japan}", "--item", "MUG=1",
                    "--speed", "Standard", "-o", "off")
    assert_no_order(embedded_fws, "BAD-2")


def test_unknown_sku_is_the_services_answer_and_nothing_is_created(fws, address_file):
    fws.ok("items", "register", "MUG", "-o", "off")
    result = fws("outbound", "create", "BAD-3", "--to", address_file, "--item", "MUG=1",
                 "--item", "NO-SUCH-SKU=2", "--speed", "Standard", "--error-format", "json")
    assert result.code == 254 and result.out == ""
    error = json.loads(result.err)["Error"]
    assert "NO-SUCH-SKU" in error["Message"] and error["RequestId"]
    assert error["Operation"] == "outbound.CreateFulfillmentOrder"
    assert_no_order(fws, "BAD-3")
    assert fws.ok("outbound", "list", "-o", "json").json() == []


def test_configuration_and_endpoint_failures(embedded_fws, address_file):
    create = ["outbound", "create", "BAD-4", "--to", address_file, "--item", "MUG=1", "--speed", "Standard"]
    unknown_profile = embedded_fws("--profile", "nope", *create)
    assert unknown_profile.code == 253 and "nope" in unknown_profile.err
    no_keys = embedded_fws(*create, env={"FWS_ENDPOINT_URL": "http://127.0.0.1:9"})
    assert no_keys.code == 253 and "credentials" in no_keys.err.lower()
    unreachable = embedded_fws(*create, "--endpoint-url", "http://127.0.0.1:9",
                               env={"FWS_ACCESS_KEY_ID": "AKID", "FWS_SECRET_ACCESS_KEY": "secret"})
    assert unreachable.code == 255 and "127.0.0.1:9" in unreachable.err
    for result in (unknown_profile, no_keys, unreachable):
        assert result.out == ""
    assert_no_order(embedded_fws, "BAD-4")


def test_a_shipped_order_reads_as_sections(capsys, monkeypatch):
    """The terminal layout of `outbound get` once the warehouse has shipped (built here, as
    no merchant call can ship an order)."""
    from fwscli.cli.common import Globals
    from fwscli.cli.outbound import show_order

    monkeypatch.setenv("COLUMNS", "200")
    moment = datetime(2026, 11, 28, 9, 0, tzinfo=timezone.utc)
    order = {"MerchantFulfillmentOrderId": "SHIPPED-1", "FulfillmentOrderStatus": "Complete",
             "DestinationAddress": ADDRESS, "NotificationEmailList": [], "StatusUpdatedDateTime": moment}
    item = {"MerchantSKU": "MUG", "MerchantFulfillmentOrderItemId": "1", "Quantity": 2}
    result = {
        "FulfillmentOrder": order,
        "FulfillmentOrderItem": [{**item, "CancelledQuantity": 0, "UnfulfillableQuantity": 0}],
        "FulfillmentShipment": [{
            "AmazonShipmentId": "DxYz1", "FulfillmentCenterId": "PHL1",
            "FulfillmentShipmentStatus": "Shipped", "ShippingDateTime": moment,
            "FulfillmentShipmentItem": [{**item, "Quantity": 1, "PackageNumber": 1},
                                        {**item, "Quantity": 1, "PackageNumber": 2}],
            "FulfillmentShipmentPackage": [
                {"PackageNumber": 1, "CarrierCode": "UPS", "TrackingNumber": "1Z001"},
                {"PackageNumber": 2, "CarrierCode": "UPS", "TrackingNumber": "1Z002"}],
        }],
    }
    show_order(Globals(output="table", color="off"), result)
    out = capsys.readouterr().out
    assert "Complete" in out and "2026-11-28T09:00:00Z" in out
    assert "Shipments:" in out and "DxYz1" in out and "MUG×2" in out
    packages = out.split("Packages:")[1]
    assert "1Z001" in packages and "1Z002" in packages and packages.count("MUG×1") == 2


def test_a_quantity_of_thousands_of_digits_is_a_bad_parameter(embedded_fws):
    # int() refuses strings past 4,300 digits: that was an "unexpected failure" (255).
    result = embedded_fws("outbound", "create", "O-1", "--item", "MUG=" + "1" * 5000, "--speed", "Standard",
                          "--dry-run")
    assert result.code == 252 and "--item" in result.err and "unexpected" not in result.err, result.err


def test_the_order_date_reads_back_in_the_offset_it_was_given_in(embedded_fws, address_file, tmp_path):
    fws = embedded_fws
    fws.ok("items", "register", "MUG", "-o", "off")
    date = "2026-11-27T12:00:00-08:00"
    created = fws.ok("outbound", "create", "ORDER-1", "--to", address_file, "--item", "MUG=1",
                     "--speed", "Standard", "--date", date, "-o", "json").json()
    assert created["DisplayableOrderDateTime"] == date
    # Repeating the command is harmless: the same date, in the same offset.
    fws.ok("outbound", "create", "ORDER-1", "--to", address_file, "--item", "MUG=1",
           "--speed", "Standard", "--date", date, "-o", "off")
    assert fws.ok("outbound", "get", "ORDER-1", "-o", "json").json()["FulfillmentOrder"][
        "DisplayableOrderDateTime"] == date
    assert date in fws.ok("outbound", "get", "ORDER-1", "-o", "table").out

    path = tmp_path / "orders.jsonl"
    path.write_text(json.dumps({
        "MerchantFulfillmentOrderId": "ORDER-2", "DisplayableOrderId": "2",
        "DisplayableOrderDateTime": "2026-11-28T01:30:00+05:30", "DisplayableOrderComment": "Thanks!",
        "ShippingSpeedCategory": "Standard", "DestinationAddress": ADDRESS,
        "Item": [{"MerchantFulfillmentOrderItemId": "1", "MerchantSKU": "MUG", "Quantity": 1}]}) + "\n")
    fws.ok("outbound", "import", str(path), "-o", "off")
    listed = fws.ok("outbound", "list", "-o", "json").json()
    assert {row["MerchantFulfillmentOrderId"]: row["DisplayableOrderDateTime"] for row in listed} == {
        "ORDER-1": date, "ORDER-2": "2026-11-28T01:30:00+05:30"}


def test_spaces_around_the_equals_of_an_item_are_not_the_skus(embedded_fws, address_file, tmp_path):
    """`--item "MUG =2"` sent the SKU "MUG " (refused as unknown) and `--item "MUG= 2"` was
    refused for its quantity: the whitespace around the `=` and at either end belongs to the
    shorthand, as in the AWS CLI's, for every command that takes SKU=QTY."""
    from .seed import ADDRESS as SHIP_FROM

    fws = embedded_fws
    fws.ok("items", "register", "MUG", "-o", "off")
    fws.ok("outbound", "create", "SPACED-1", "--to", address_file, "--item", "MUG =2", "--speed", "Standard",
           "-o", "off")
    items = fws.ok("outbound", "get", "SPACED-1", "-o", "json").json()["FulfillmentOrderItem"]
    assert [(item["MerchantSKU"], item["Quantity"]) for item in items] == [("MUG", 2)]

    ship_from = tmp_path / "from.json"
    ship_from.write_text(json.dumps(SHIP_FROM))
    fws.ok("outbound", "preview", "--to", address_file, "--item", " MUG = 2 ", "-o", "off")
    for command in (["outbound", "create", "SPACED-2", "--to", address_file, "--speed", "Standard"],
                    ["inbound", "create", "S-1", "--name", "n", "--fc", "PHL1", "--from", f"@{ship_from}"],
                    ["inbound", "add-items", "S-1"],
                    ["ops", "receive", "S-1", "--merchant", "1"]):
        dry = fws.ok(*command, "--item", "MUG= 2", "--item", " TEE\t=\t3 ", "--dry-run", "-o", "json").json()
        sent = [(name.rsplit(".", 1)[1], value) for name, value in dry["Parameters"].items()
                if name.endswith((".MerchantSKU", ".Quantity"))]
        assert sent == [("MerchantSKU", "MUG"), ("Quantity", "2"), ("MerchantSKU", "TEE"), ("Quantity", "3")], \
            (command, dry["Parameters"])


def test_wait_help_lists_exactly_the_statuses_it_accepts(embedded_fws):
    """The help named every status but New, which --for accepts: both now read ORDER_STATUSES."""
    from fwscli.api.outbound import ORDER_STATUSES

    shown = " ".join(embedded_fws.ok("outbound", "wait", "--help").out.split())
    listed = shown.split("--for STATUS ", 1)[1].split(". ", 1)[0]
    assert listed.replace(" or ", ", ").split(", ") == list(ORDER_STATUSES)
    refused = embedded_fws("outbound", "wait", "W-1", "--for", "Shipped")
    assert refused.code == 252 and "expected one of " + ", ".join(ORDER_STATUSES) in refused.err


def test_the_same_create_run_again_without_a_date_is_harmless(fws, address_file):
    """Without --date the order date is "now": re-running the very same command (after a
    timeout, say) was refused as "a different order". It is the same order; another order
    under the id is refused with what differs."""
    fws.ok("items", "register", "MUG", "-o", "off")
    create = ["outbound", "create", "AGAIN-1", "--to", address_file, "--item", "MUG=2", "--speed", "Standard"]
    first = fws.ok(*create, "-o", "json").json()
    again = fws(*create, "-o", "json")
    assert again.code == 0, again.err
    assert again.json()["DisplayableOrderDateTime"] == first["DisplayableOrderDateTime"]

    other = fws(*create[:-4], "--item", "MUG=3", "--speed", "Priority")
    assert other.code == 254 and other.out == ""
    assert "'AGAIN-1' is already used by a different order" in other.err
    assert "ShippingSpeedCategory is 'Standard', not 'Priority'" in other.err
    assert "items are MUG=2, not MUG=3" in other.err
    assert len(other.err.strip().splitlines()) == 1
    dated = fws(*create, "--date", DATE)
    assert dated.code == 254 and f"not {DATE[:-1]}+00:00" in dated.err, dated.err
    order = fws.ok("outbound", "get", "AGAIN-1", "-o", "json").json()["FulfillmentOrderItem"]
    assert [(item["MerchantSKU"], item["Quantity"]) for item in order] == [("MUG", 2)]
