"""`fws inbound` through the real entry point, on the embedded service and against a live
server: planning, the Working-shipment edits, status moves, paging, formats and bad input."""

from __future__ import annotations

import csv
import io
import json
import subprocess
import sys

import pytest

from .conftest import FWS
from .seed import ADDRESS, direct_client, put_shipment, register, shipment_ids

FROM_FLAGS = ["--from-name", "Ada Warehouse", "--from-line1", "1 Main St", "--from-city", "Seattle",
              "--from-state", "WA", "--from-country", "us", "--from-postal-code", "98101"]


@pytest.fixture
def address_file(tmp_path):
    path = tmp_path / "address.json"
    path.write_text(json.dumps(ADDRESS))
    return path


@pytest.fixture
def api(fws, monkeypatch):
    with direct_client(fws, monkeypatch) as client:
        yield client


def test_preview_then_plan_creates_exactly_the_planned_shipments(fws, api, address_file):
    register(api, ["SKU-1", "SKU-2", "SKU-3"])
    items = ["--item", "SKU-1=2", "--item", "SKU-2=3", "--item", "SKU-3=1"]
    previewed = fws.ok("inbound", "preview", *FROM_FLAGS, *items, "-o", "json").json()
    assert sorted(line["MerchantSKU"] for p in previewed for line in p["MerchantSKUQuantityItem"]) == \
        ["SKU-1", "SKU-2", "SKU-3"]
    assert shipment_ids(api) == []  # a preview creates nothing

    dry = fws.ok("inbound", "plan", "--from", f"@{address_file}", *items, "--dry-run", "-o", "json").json()
    assert {request["Action"] for request in dry} == {"PutInboundShipment"}
    assert shipment_ids(api) == []

    planned = fws.ok("inbound", "plan", "--from", f"@{address_file}", *items, "--name", "Spring",
                     "--label-prep", "MERCHANT_LABEL", "-o", "json").json()
    assert sorted(shipment_ids(api)) == sorted(p["ShipmentId"] for p in planned)
    for shipment in planned:
        got = fws.ok("inbound", "get", shipment["ShipmentId"], "-o", "json").json()
        assert got["ShipmentStatus"] == "Working"
        assert got["DestinationFulfillmentCenter"] == shipment["DestinationFulfillmentCenter"]
        assert got["ShipmentName"].startswith("Spring") and got["LabelPrepType"] == "MERCHANT_LABEL"
        lines = fws.ok("inbound", "items", shipment["ShipmentId"], "-o", "json").json()
        assert {(l["MerchantSKU"], l["QuantityShipped"]) for l in lines} == \
            {(l["MerchantSKU"], l["Quantity"]) for l in shipment["MerchantSKUQuantityItem"]}

    table = fws.ok("inbound", "preview", "--from", str(address_file), "--item", "SKU-2=3", "-o", "table").out
    assert "SKU-2=3" in table  # items as typed, not JSON


def test_a_shipment_from_create_to_cancel(fws, api, address_file):
    register(api, ["A", "B", "C"])
    created = fws.ok("inbound", "create", "S-1", "--name", "First", "--fc", "PHL1", *FROM_FLAGS,
                     "--item", "A=1", "--item", "C=4", "--label-prep", "AMAZON_LABEL_ONLY", "-o", "json").json()
    assert created["ShipmentStatus"] == "Working" and created["ShipFromAddress"] == ADDRESS
    again = fws.ok("inbound", "create", "S-1", "--name", "First", "--fc", "PHL1", *FROM_FLAGS,
                   "--item", "A=1", "--item", "C=4", "-o", "off")
    assert again.out == "" and shipment_ids(api) == ["S-1"]  # create-or-replace: harmless twice

    updated = fws.ok("inbound", "update", "S-1", "--name", "Renamed", "--from-city", "Tacoma",
                     "--label-prep", "AMAZON_LABEL_PREFERRED", "-o", "json").json()
    assert updated["ShipmentName"] == "Renamed"
    assert updated["ShipFromAddress"] == {**ADDRESS, "City": "Tacoma"}  # the rest kept
    moved = fws.ok("inbound", "update", "S-1", "--fc", "RNO1", "-o", "json").json()
    assert (moved["DestinationFulfillmentCenter"], moved["ShipmentName"], moved["LabelPrepType"]) == \
        ("RNO1", "Renamed", "AMAZON_LABEL")

    after_add = fws.ok("inbound", "add-items", "S-1", "--item", "B=2", "--item", "A=5", "-o", "json").json()
    assert {l["MerchantSKU"]: l["QuantityShipped"] for l in after_add} == {"A": 5, "B": 2, "C": 4}
    after_remove = fws.ok("inbound", "remove-items", "S-1", "C", "NOT-ON-IT", "-o", "csv").out
    assert after_remove.splitlines()[0] == "MerchantSKU,FNSKU,Shipped,Received"
    assert [row[0] for row in csv.reader(io.StringIO(after_remove))][1:] == ["A", "B"]

    assert fws.ok("inbound", "ship", "S-1", "-o", "json", "--query", "ShipmentStatus").json() == "Shipped"
    fws.ok("inbound", "ship", "S-1", "-o", "off")  # harmless twice (a retry whose answer was lost)
    supply = fws.ok("inventory", "get", "A", "B", "-o", "json").json()
    assert [(s["MerchantSKU"], s["TotalSupplyQuantity"]) for s in supply] == [("A", 5), ("B", 2)]
    refused = fws("inbound", "add-items", "S-1", "--item", "A=1")
    assert refused.code == 254 and "Shipped" in refused.err
    assert fws.ok("inbound", "cancel", "S-1", "-o", "json", "--query", "ShipmentStatus").json() == "Cancelled"
    assert fws.ok("inbound", "list", "--status", "cancelled", "-o", "json", "--query", "[].ShipmentId").json() == ["S-1"]
    assert fws.ok("inbound", "list", "--status", "Working", "-o", "json").json() == []


def test_cli_input_json_and_dry_run(fws, api, tmp_path):
    register(api, ["A"])
    request = {"ShipmentId": "FROM-FILE", "ShipmentName": "In the file", "DestinationFulfillmentCenter": "PHL1",
               "ShipFromAddress": ADDRESS, "MerchantSKUQuantityItem": [{"MerchantSKU": "A", "Quantity": 3}]}
    path = tmp_path / "request.json"
    path.write_text(json.dumps(request))

    dry = fws.ok("inbound", "create", "--cli-input-json", str(path), "--name", "Flag wins",
                 "--from-city", "Tacoma", "--dry-run", "-o", "json").json()
    assert dry["Action"] == "PutInboundShipment" and dry["Parameters"]["ShipmentName"] == "Flag wins"
    assert dry["Parameters"]["ShipFromAddress.City"] == "Tacoma"
    assert dry["Parameters"]["ShipFromAddress.Name"] == ADDRESS["Name"]  # the file's address, filled in
    assert "Signature" not in json.dumps(dry)
    assert shipment_ids(api) == []

    created = fws.ok("inbound", "create", "--cli-input-json", "-", "-o", "json", input=json.dumps(request)).json()
    assert (created["ShipmentId"], created["ShipmentName"]) == ("FROM-FILE", "In the file")
    for args in (["ship", "FROM-FILE"], ["cancel", "FROM-FILE"], ["update", "FROM-FILE", "--name", "x"],
                 ["add-items", "FROM-FILE", "--item", "A=1"], ["remove-items", "FROM-FILE", "A"]):
        dry = fws.ok("inbound", *args, "--dry-run", "-o", "json").json()
        assert dry["Parameters"]["ShipmentId"] == "FROM-FILE"
    assert fws.ok("inbound", "get", "FROM-FILE", "-o", "json").json()["ShipmentName"] == "In the file"
    assert fws.ok("inbound", "items", "FROM-FILE", "-o", "json", "--query", "[].QuantityShipped").json() == [3]


def test_list_and_items_page_resume_and_render(fws, api):
    skus = [f"SKU-{n:02d}" for n in range(25)]
    register(api, skus)
    for n in range(25):
        put_shipment(api, f"S-{n:02d}", {skus[n]: n + 1})
    put_shipment(api, "BIG", {sku: 1 for sku in skus})
    everything = [f"S-{n:02d}" for n in range(25)] + ["BIG"]

    listed = fws.ok("inbound", "list", "--page-size", "2", "-o", "json").json()
    assert [row["ShipmentId"] for row in listed] == everything

    head = fws.ok("inbound", "list", "--page-size", "2", "--max-items", "7", "-o", "json")
    token = head.err.split("--starting-token ")[1].split()[0]
    tail = fws.ok("inbound", "list", "--page-size", "3", "--starting-token", token, "-o", "json").json()
    assert [row["ShipmentId"] for row in head.json() + tail] == everything

    lines = fws.ok("inbound", "items", "BIG", "--page-size", "2", "-o", "ndjson").out.splitlines()
    assert [json.loads(line)["MerchantSKU"] for line in lines] == skus
    first = fws.ok("inbound", "items", "BIG", "--page-size", "2", "--max-items", "11", "-o", "json")
    token = first.err.split("--starting-token ")[1].split()[0]
    rest = fws.ok("inbound", "items", "BIG", "--starting-token", token, "-o", "json").json()
    assert [row["MerchantSKU"] for row in first.json() + rest] == skus
    one_page = fws.ok("inbound", "items", "BIG", "--page-size", "4", "--no-paginate", "-o", "json")
    assert len(one_page.json()) == 4 and "--starting-token" in one_page.err

    # A pipe into another program's JSON reader, as a script would use it.
    piped = subprocess.run(f"'{FWS}' inbound list --page-size 2 -o json | '{sys.executable}' -c "
                           f"'import json, sys; print(len(json.load(sys.stdin)))'",
                           shell=True, env=fws.env, capture_output=True, text=True, check=True)
    assert piped.stdout.strip() == "26"

    header = ["ShipmentId", "Name", "Status", "FC", "From", "Created", "LabelPrep"]
    rows = list(csv.reader(io.StringIO(fws.ok("inbound", "list", "--page-size", "5", "-o", "csv").out)))
    assert rows[0] == header and len(rows) == 27 and rows[1][:5] == ["S-00", "Shipment S-00", "Working", "PHL1", "Seattle"]
    empty = fws.ok("inbound", "list", "--status", "Closed", "-o", "csv").out
    assert empty.splitlines() == [",".join(header)]  # the same header with no rows
    assert fws.ok("inbound", "items", "S-03", "-o", "tsv").out.splitlines()[0] == "MerchantSKU\tFNSKU\tShipped\tReceived"

    queried = fws.ok("inbound", "list", "--page-size", "4", "-o", "json",
                     "--query", "[?starts_with(ShipmentId, 'S-1')].ShipmentId").json()
    assert queried == [f"S-1{n}" for n in range(10)]
    total = fws.ok("inbound", "items", "BIG", "-o", "json", "--query", "sum([].QuantityShipped)").json()
    assert total == 25


@pytest.mark.parametrize("args, code, culprit", [
    (["create", "S-1", "--name", "n", "--fc", "PHL1", "--from", "@ADDRESS", "--item", "NOPE=1"], 254, "NOPE"),
    (["create", "S-1", "--name", "n", "--fc", "PHL1", "--from", "@ADDRESS", "--item", "A=0"], 252, "A=0"),
    (["create", "S-1", "--name", "n", "--fc", "PHL1", "--from", "@ADDRESS", "--item", "A"], 252, "SKU=QUANTITY"),
    (["create", "S-1", "--name", "n", "--fc", "PHL1", "--from", "@MALFORMED", "--item", "A=1"], 252, "malformed.json"),
    (["create", "S-1", "--name", "n", "--fc", "PHL1", "--from", "@MISSING", "--item", "A=1"], 252, "missing.json"),
    (["create", "S-1", "--name", "n", "--fc", "PHL1", "--from", '{"Line1": "x"}', "--item", "A=1"], 252, "'Line1'"),
    (["create", "S-1", "--name", "n", "--fc", "PHL1", "--from", "@ADDRESS", "--from-city", "",
      "--item", "A=1"], 252, "--from-city"),
    (["create", "S-1", "--name", "n", "--fc", "PHL1", "--from", "@ADDRESS", "--from-postal-code", "981",
      "--item", "A=1"], 252, "--from-postal-code"),
    (["create", "S-1", "--name", "n", "--fc", "NOPE", "--from", "@ADDRESS", "--item", "A=1"], 254, "NOPE"),
    (["create", "S-1", "--fc", "PHL1", "--from", "@ADDRESS", "--item", "A=1"], 252, "--name"),
    (["create", "S-1", "--name", "n", "--fc", "PHL1", "--from", "@ADDRESS"], 252, "--item"),
    (["plan", "--from", "@ADDRESS", "--item", "A=1", "--item", "NOPE=2"], 254, "NOPE"),
    (["plan", "--from", "@ADDRESS", "--item", "A=1", "--item", "B=0"], 252, "B=0"),
    (["plan", "--from", "@ADDRESS", "--item", "A=1", "--label-prep", "SOMETIMES"], 252, "--label-prep"),
    (["plan", "--from", "@ADDRESS", "--item", "A=1", "--name", "x" * 201], 252, "--name"),
    (["plan", "--from", "@ADDRESS", "--from-country", "USA", "--item", "A=1"], 252, "--from-country"),
    (["list", "--status", "Lost"], 252, "Lost"),
    (["list", "--starting-token", "fws1.garbage"], 252, "token"),
    (["update", "S-1"], 2, "nothing to update"),
    (["ship", "NOPE"], 254, "NOPE"),
    (["--profile", "nope", "list"], 253, "nope"),
])
def test_bad_input_exit_codes_and_nothing_created(fws, api, tmp_path, address_file, args, code, culprit):
    register(api, ["A", "B"])
    files = {"@ADDRESS": f"@{address_file}", "@MALFORMED": f"@{tmp_path / 'malformed.json'}",
             "@MISSING": f"@{tmp_path / 'missing.json'}"}
    (tmp_path / "malformed.json").write_text('{"Name": "Ada",')
    result = fws("inbound", *[files.get(arg, arg) for arg in args])
    assert result.code == code, result.err
    assert culprit in result.err and result.err.startswith(("fws: error:", "Usage:"))
    assert result.out == ""
    assert shipment_ids(api) == []


def test_plan_touches_nothing_when_an_item_is_refused(fws, api, address_file):
    register(api, ["A"])
    refused = fws("inbound", "plan", "--from", f"@{address_file}", "--item", "A=1", "--item", "UNKNOWN=1")
    assert refused.code == 254 and "UNKNOWN" in refused.err
    assert shipment_ids(api) == []


def test_missing_credentials_and_unreachable_endpoint(embedded_fws):
    missing = embedded_fws("inbound", "list", env={"FWS_ENDPOINT_URL": "http://127.0.0.1:9"})
    assert missing.code == 253 and "credentials" in missing.err.lower() and missing.out == ""
    keys = {"FWS_ACCESS_KEY_ID": "AKID", "FWS_SECRET_ACCESS_KEY": "secret"}
    unreachable = embedded_fws("inbound", "get", "S-1", env={"FWS_ENDPOINT_URL": "http://127.0.0.1:9", **keys})
    assert unreachable.code == 255 and "127.0.0.1:9" in unreachable.err and unreachable.out == ""


def test_wrong_keys_are_a_credentials_error(remote_fws):
    refused = remote_fws("inbound", "list", env={"FWS_SECRET_ACCESS_KEY": "wrong"})
    assert refused.code == 253 and "SignatureDoesNotMatch" in refused.err


def test_a_resumed_list_does_not_skip_rows_after_one_left_it(fws, api):
    """Work through the Working shipments a few at a time: shipping the first ones takes
    them off the list, and the resumed listing must still give the next ones."""
    register(api, ["SKU-1"])
    for shipment_id in ("W1", "W2", "W3"):
        put_shipment(api, shipment_id, {"SKU-1": 1})
    first = fws.ok("inbound", "list", "--status", "Working", "--max-items", "1", "-o", "json")
    assert [row["ShipmentId"] for row in first.json()] == ["W1"]
    fws.ok("inbound", "ship", "W1", "-o", "off")
    token = first.err.split("--starting-token ")[1].split()[0]
    rest = fws.ok("inbound", "list", "--status", "Working", "--starting-token", token, "-o", "json").json()
    assert [row["ShipmentId"] for row in rest] == ["W2", "W3"]


@pytest.mark.parametrize("done_anyway", [False, True], ids=["refused", "done-then-500"])
def test_a_plan_that_fails_midway_leaves_no_working_shipment_and_runs_again(tmp_path, app, merchant,
                                                                            address_file, done_anyway):
    """The second planned create fails: `plan` used to leave the first shipment Working, and
    running the plan again (a new preview, new ids) created it a second time. Now what was
    created is cancelled (the failed one too when a 500 may hide its success), the message
    says which failed and why, and a re-run makes exactly one Working shipment per planned one."""
    from urllib.parse import parse_qsl

    from fwscli.api import INBOUND
    from fwscli.api.errors import InternalError, InvalidParameterValue
    from fwscli.wire.xml import write_error

    from ..http import LiveServer
    from .conftest import _remote

    puts: list[str] = []

    def failing_second_put(environ, start_response):
        body = environ["wsgi.input"].read(int(environ.get("CONTENT_LENGTH") or 0))
        environ["wsgi.input"] = io.BytesIO(body)
        form = dict(parse_qsl(body.decode()))
        if form.get("Action") == "PutInboundShipment":
            if form["ShipmentId"] not in puts:
                puts.append(form["ShipmentId"])
            if len(puts) == 2 and form["ShipmentId"] == puts[1]:
                if done_anyway:
                    b"".join(app(environ, lambda *args: None))
                    start_response("500 Internal Server Error", [("Content-Type", "text/xml")])
                    return [write_error(INBOUND, InternalError("injected failure"), "RID-1")]
                start_response("400 Bad Request", [("Content-Type", "text/xml")])
                return [write_error(INBOUND, InvalidParameterValue("ShipmentId", form["ShipmentId"],
                                                                   "injected failure"), "RID-1")]
        return app(environ, start_response)

    with LiveServer(failing_second_put) as server:
        fws = _remote(tmp_path, server, merchant)
        skus = ["SKU-1"]
        fws.ok("items", "register", "SKU-1", "-o", "off")
        items = lambda: [arg for sku in skus for arg in ("--item", f"{sku}=2")]  # noqa: E731
        while len(fws.ok("inbound", "preview", "--from", f"@{address_file}", *items(), "-o", "json").json()) < 2:
            skus.append(f"SKU-{len(skus) + 1}")  # until the items split between two FCs
            fws.ok("items", "register", skus[-1], "-o", "off")

        failed = fws("inbound", "plan", "--from", f"@{address_file}", *items(), "-o", "json")
        assert failed.code == 254 and failed.out == ""
        assert f"creating planned shipment {puts[1]} (2 of 2) failed" in failed.err, failed.err
        assert "injected failure" in failed.err and len(failed.err.strip().splitlines()) == 1
        gone = puts if done_anyway else puts[:1]
        assert f"cancelled {', '.join(gone)}, so the plan can be run again" in failed.err, failed.err
        listed = fws.ok("inbound", "list", "-o", "json").json()
        assert [(s["ShipmentId"], s["ShipmentStatus"]) for s in listed] == [(id, "Cancelled") for id in gone]

        planned = fws.ok("inbound", "plan", "--from", f"@{address_file}", *items(), "-o", "json").json()
        working = fws.ok("inbound", "list", "--status", "Working", "-o", "json").json()
        assert sorted(s["ShipmentId"] for s in working) == sorted(p["ShipmentId"] for p in planned)
        assert len(planned) == 2


def test_update_from_a_whole_address_keeps_nothing_of_the_old_one(fws, api, tmp_path):
    """`update --from @new.json` merged the new address over the old one: a member the new
    address lacks (AddressLine2) stayed from the old, an address nobody has. --from is a
    whole address; --from-* flags alone still change single members."""
    register(api, ["A"])
    old = tmp_path / "old.json"
    old.write_text(json.dumps({**ADDRESS, "AddressLine2": "Suite 9"}))
    new = {"Name": "Bo Depot", "AddressLine1": "5 Elm St", "City": "Tacoma",
           "StateOrProvinceCode": "WA", "CountryCode": "US", "PostalCode": "98402"}
    (tmp_path / "new.json").write_text(json.dumps(new))
    fws.ok("inbound", "create", "S-1", "--name", "n", "--fc", "PHL1", "--from", f"@{old}",
           "--item", "A=1", "-o", "off")

    moved = fws.ok("inbound", "update", "S-1", "--from", f"@{tmp_path / 'new.json'}", "-o", "json").json()
    assert moved["ShipFromAddress"] == new
    flags = fws.ok("inbound", "update", "S-1", "--from-city", "Spokane", "--from-postal-code", "99201",
                   "-o", "json").json()
    assert flags["ShipFromAddress"] == {**new, "City": "Spokane", "PostalCode": "99201"}
    partial = fws("inbound", "update", "S-1", "--from", '{"City": "Olympia"}')
    assert partial.code == 252 and "ShipFromAddress.Name" in partial.err and partial.out == ""
    assert fws.ok("inbound", "get", "S-1", "-o", "json").json()["ShipFromAddress"]["City"] == "Spokane"
