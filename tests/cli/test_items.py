"""`fws items` through the real entry point, embedded and against a live server, plus the
shared conventions: global options anywhere, exit codes, errors on stderr."""

from __future__ import annotations

import csv
import io
import json
import subprocess

import pytest

from fwscli.api.inbound import UNKNOWN_CONDITION_REASON
from fwscli.cli.common import hoist_global_options


def test_register_is_idempotent_and_get_finds_by_sku_and_fnsku(fws):
    first = fws.ok("items", "register", "SKU-1", "SKU-2=B000000002", "-o", "json").json()
    again = fws.ok("items", "register", "SKU-1", "SKU-2=B000000002", "-o", "json").json()
    fnsku = {row["MerchantSKU"]: row["FulfillmentNetworkSKU"] for row in first}
    assert fnsku == {row["MerchantSKU"]: row["FulfillmentNetworkSKU"] for row in again}
    by_sku = fws.ok("items", "get", "SKU-2", "NOPE", "-o", "json").json()
    assert [row["ASIN"] for row in by_sku] == ["B000000002"]
    by_fnsku = fws.ok("items", "get", "--fnsku", fnsku["SKU-1"], "-o", "json").json()
    assert [row["MerchantSKU"] for row in by_fnsku] == ["SKU-1"]


def test_register_prints_one_row_per_sku_in_the_order_given(embedded_fws):
    """SKUs with and without an ASIN go in two requests: the rows were printed request by
    request (SKU=ASIN ones first), so the FNSKUs did not line up with the SKUs given."""
    rows = embedded_fws.ok("items", "register", "PLAIN-1", "MUG=B000000001", "PLAIN-2", "MUG",
                           "-o", "tsv").out.splitlines()
    assert [row.split("\t")[0] for row in rows[1:]] == ["PLAIN-1", "MUG", "PLAIN-2"]
    assert rows[2].split("\t")[2] == "B000000001"  # MUG as registered, with its ASIN


def test_list_pages_resumes_and_renders_every_format(fws):
    skus = [f"SKU-{n:02d}" for n in range(25)]
    fws.ok("items", "register", *skus, "-o", "off")
    listed = fws.ok("items", "list", "--page-size", "2", "-o", "json").json()
    assert sorted(row["MerchantSKU"] for row in listed) == skus

    head = fws.ok("items", "list", "--page-size", "2", "--max-items", "7", "-o", "json")
    token = head.err.split("--starting-token ")[1].split()[0]
    tail = fws.ok("items", "list", "--page-size", "3", "--starting-token", token, "-o", "json").json()
    assert [r["MerchantSKU"] for r in head.json() + tail] == [r["MerchantSKU"] for r in listed]

    lines = fws.ok("items", "list", "-o", "ndjson").out.splitlines()
    assert len(lines) == 25 and all(json.loads(line)["IsActive"] for line in lines)
    rows = list(csv.reader(io.StringIO(fws.ok("items", "list", "-o", "csv").out)))
    assert rows[0] == ["MerchantSKU", "FNSKU", "ASIN", "Condition", "Active"]
    assert len(rows) == 26
    queried = fws.ok("items", "list", "-o", "json", "--query", "[?MerchantSKU=='SKU-03'].MerchantSKU").json()
    assert queried == ["SKU-03"]
    assert fws.ok("items", "list", "-o", "off").out == ""


def test_a_query_of_its_own_shape_has_its_own_columns(embedded_fws):
    """The listing's columns (MerchantSKU, FNSKU, …) describe its rows and what a filter
    keeps of them; a --query that makes rows (or an object) of other names is written with
    those names, not as empty cells under the listing's headers."""
    embedded_fws.ok("items", "register", "MUG", "TEE", "-o", "off")
    projection = "[].{sku: MerchantSKU, active: IsActive}"
    assert embedded_fws.ok("items", "list", "-o", "csv", "--query", projection).out == \
        "sku,active\nMUG,true\nTEE,true\n"
    table = embedded_fws.ok("items", "list", "-o", "table", "--query", projection).out
    assert "sku" in table and "MUG" in table and "FNSKU" not in table
    assert embedded_fws.ok("items", "list", "-o", "tsv", "--query", "[0].{sku: MerchantSKU}").out == "sku\nMUG\n"
    # A filter keeps the rows' own fields: the listing's columns still describe them.
    filtered = embedded_fws.ok("items", "list", "-o", "csv", "--query", "[?MerchantSKU=='TEE']").out
    assert filtered.splitlines()[0] == "MerchantSKU,FNSKU,ASIN,Condition,Active"
    assert embedded_fws.ok("items", "list", "-o", "csv", "--query", "[?MerchantSKU=='NONE']").out == \
        "MerchantSKU,FNSKU,ASIN,Condition,Active\n"


def test_register_dry_run_prints_one_document(embedded_fws):
    """Items with and without an ASIN (or more than 250) take several requests: --dry-run
    prints them as one JSON list, which `json.load` and `jq` read, not documents in a row."""
    one = embedded_fws.ok("items", "register", "MUG", "--dry-run", "-o", "json").json()
    assert one["Action"] == "GetFulfillmentIdentifierForMSKU"
    mixed = embedded_fws.ok("items", "register", "MUG", "TEE=B000000002", "--dry-run", "-o", "json").json()
    assert [request["Action"] for request in mixed] == ["GetFulfillmentIdentifier",
                                                        "GetFulfillmentIdentifierForMSKU"]
    many = embedded_fws.ok("items", "register", *(f"S{n}" for n in range(251)), "--dry-run", "-o", "json")
    assert [len(request["Parameters"]) for request in many.json()] == [250, 1]
    assert embedded_fws.ok("items", "list", "-o", "json").json() == []


def test_register_ignores_spaces_around_the_equals_as_sku_qty_does(embedded_fws):
    """`" SKU-1 = B000000001 "` registered the SKU " SKU-1 ": the SKU=ASIN shorthand
    now reads its whitespace as SKU=QTY does (around the `=` and at either end)."""
    dry = embedded_fws.ok("items", "register", " SKU-1 = B000000001 ", "SKU-2\t=B000000002",
                          " MUG ", "--dry-run", "-o", "json").json()
    assert [request["Parameters"] for request in dry] == [
        {"MerchantItem.1.ASIN": "B000000001", "MerchantItem.1.Condition": "NewItem",
         "MerchantItem.1.MerchantSKU": "SKU-1", "MerchantItem.2.ASIN": "B000000002",
         "MerchantItem.2.Condition": "NewItem", "MerchantItem.2.MerchantSKU": "SKU-2"},
        {"GetFulfillmentIdentifierForMSKU.MerchantSKU.1": "MUG"}]
    assert "spaces around the = are ignored" in " ".join(embedded_fws.ok("items", "register", "--help").out.split())


def test_register_registers_every_sku_whoever_reads_its_output(embedded_fws):
    """`fws items register <600 SKUs> | head -1`: head leaving must not stop the registering
    after the first request's 250 SKUs (the rows went out as each request was answered)."""
    from .conftest import FWS

    skus = [f"HEAD-{n:03d}" for n in range(600)]
    registering = subprocess.Popen([FWS, "items", "register", *skus, "-o", "ndjson"], stdout=subprocess.PIPE,
                                   stderr=subprocess.PIPE, stdin=subprocess.DEVNULL, env=embedded_fws.env,
                                   text=True)
    assert json.loads(registering.stdout.readline())["MerchantSKU"] == "HEAD-000"  # head -1
    registering.stdout.close()
    _, err = registering.communicate(timeout=120)
    assert registering.returncode == 0, err
    assert embedded_fws.ok("items", "list", "-o", "json", "--query", "length(@)").json() == 600


def test_global_options_stand_anywhere():
    assert hoist_global_options(["items", "list", "-o", "json", "--page-size", "2", "--debug"]) == \
        ["-o", "json", "--debug", "items", "list", "--page-size", "2"]
    assert hoist_global_options(["items", "get", "--output=csv", "--", "-o"]) == \
        ["--output=csv", "items", "get", "--", "-o"]


def test_a_short_output_option_with_its_value_attached_stands_anywhere(embedded_fws):
    """`fws items list -ojson` is `-o json`, as Click reads it in front of the command; after
    it, it was left where it was and Click said "No such option '-o'" (exit 2)."""
    assert hoist_global_options(["items", "list", "-ocsv", "--max-items", "1"]) == \
        ["-ocsv", "items", "list", "--max-items", "1"]
    # Another option's value that starts with -o is not a format: it stays with its option.
    assert hoist_global_options(["outbound", "create", "X", "--comment", "-ok"]) == \
        ["outbound", "create", "X", "--comment", "-ok"]
    embedded_fws.ok("items", "register", "MUG", "-o", "off")
    assert embedded_fws.ok("items", "list", "-ocsv").out == "MerchantSKU,FNSKU,ASIN,Condition,Active\n" + \
        embedded_fws.ok("items", "list", "-o", "csv").out.split("\n", 1)[1]


@pytest.mark.parametrize("args, code, culprit", [
    (["items", "register", "=B0001"], 252, "=B0001"),
    (["items", "get"], 2, "one kind"),
    (["items", "list", "--bogus"], 2, "--bogus"),
    (["items", "list", "-o", "yaml"], 2, "--output"),
    (["items", "list", "-o"], 2, "'-o' requires an argument"),  # not the value 'items'
    (["items", "list", "--error-format"], 2, "'--error-format' requires an argument"),
    (["items", "list", "--query", "[?"], 252, "--query"),
    (["items", "list", "--query", "abs(@)"], 252, "--query 'abs(@)' failed"),  # fails on the result
    (["--profile", "nope", "items", "list"], 253, "nope"),
    (["--endpoint-url", "http://[::1", "items", "list"], 253, "endpoint_url"),
    (["--endpoint-url", "http://127.0.0.1:99999", "items", "list"], 253, "endpoint_url"),
])
def test_bad_input_exit_codes(embedded_fws, args, code, culprit):
    result = embedded_fws(*args)
    assert result.code == code, result.err
    assert culprit in result.err
    assert result.out == ""


@pytest.mark.parametrize("query, said", [
    ("[?", '"[?"'),
    ("[].MerchantSKU bar", 'Unexpected token: bar'),
    ("`abc", "Unclosed ` delimiter"),
])
def test_a_query_that_does_not_parse_is_one_line(embedded_fws, query, said):
    """jmespath's text spans three lines (the expression, a caret under the column): the
    error is one line, as every fws error is, naming the expression."""
    result = embedded_fws("items", "list", "--query", query)
    assert result.code == 252 and result.out == ""
    error = result.err[result.err.index("fws: error:"):]  # after the note of the first use
    assert error.count("\n") == 1 and said in error and "--query" in error, result.err


@pytest.mark.parametrize("args, culprit", [
    (["register", "MUG=B000000001", "S" * 41], "longer than 40"),
    (["register", "MUG=B000000001", "TEE=B000000002", "--condition", "Mint"], "--condition"),
    (["register", "MUG=B0000000012345"], "longer than 10"),
    # The schema has Unknown, registering refuses it: refused here, not by the service (254).
    (["register", "TEE", "MUG=B000000001", "--condition", "Unknown"],
     "--condition: 'Unknown' is invalid: Unknown is not a valid condition for registering an item"),
    (["get", ""], "SKU"),
])
def test_every_request_is_checked_before_the_first_is_sent(embedded_fws, args, culprit):
    result = embedded_fws("items", *args)
    assert result.code == 252 and culprit in result.err, result.err
    assert embedded_fws.ok("items", "list", "-o", "json").json() == []  # MUG not registered


def test_a_page_size_above_the_services_ceiling_is_its_ceiling(embedded_fws):
    # The service serves at most 1,000 rows a page anyway, and refuses a MaxCount over 2**31-1.
    embedded_fws.ok("items", "register", "A", "B", "-o", "off")
    rows = embedded_fws.ok("items", "list", "--page-size", "99999999999", "-o", "json").json()
    assert [row["MerchantSKU"] for row in rows] == ["A", "B"]


def test_an_embedded_database_that_cannot_be_opened_is_a_configuration_error(embedded_fws, tmp_path):
    a_file = tmp_path / "a-file"
    a_file.write_text("")
    for env in ({"XDG_DATA_HOME": str(a_file)},  # the data directory cannot be made
                {"FWS_DATABASE_URL": "nosuchdatabase://x"},
                {"FWS_DATABASE_URL": "postgresql+psycopg2://fws@127.0.0.1:9/fws"}):  # no such driver
        result = embedded_fws("items", "list", env=env)
        assert result.code == 253 and "embedded database" in result.err, result.err
        assert len(result.err.splitlines()) == 1 and "unexpected" not in result.err


def test_unreachable_endpoint_and_missing_credentials(embedded_fws):
    unreachable = embedded_fws("items", "list", env={"FWS_ENDPOINT_URL": "http://127.0.0.1:9",
                                                     "FWS_ACCESS_KEY_ID": "AKID", "FWS_SECRET_ACCESS_KEY": "s"})
    assert unreachable.code == 255 and "127.0.0.1:9" in unreachable.err and unreachable.out == ""
    missing = embedded_fws("items", "list", env={"FWS_ENDPOINT_URL": "http://127.0.0.1:9"})
    assert missing.code == 253 and "credentials" in missing.err.lower()


def test_service_errors_name_the_culprit_and_json_errors(remote_fws):
    wrong_key = remote_fws("items", "list", "--error-format", "json", env={"FWS_SECRET_ACCESS_KEY": "wrong"})
    assert wrong_key.code == 253
    error = json.loads(wrong_key.err)["Error"]
    assert error["Code"] == "SignatureDoesNotMatch" and error["RequestId"]


def test_embedded_first_use_provisions_once(embedded_fws):
    first = embedded_fws.ok("items", "register", "A", "-o", "json")
    assert "created a merchant" in first.err
    second = embedded_fws.ok("items", "list", "-o", "json")
    assert "created a merchant" not in second.err
    assert [row["MerchantSKU"] for row in second.json()] == ["A"]


def test_embedded_first_use_by_commands_started_together_provisions_one_merchant(embedded_fws):
    """Cron jobs or a script's parallel commands on a fresh install each find no keys; one
    merchant must be created, and every command's data be the profile's."""
    import os
    import sqlite3
    import stat
    from pathlib import Path

    from .conftest import FWS

    skus = [f"SKU-{n}" for n in range(6)]
    started = [subprocess.Popen([FWS, "items", "register", sku, "-o", "off"], env=embedded_fws.env,
                                stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, text=True) for sku in skus]
    finished = [(process.wait(60), process.communicate()[1]) for process in started]
    assert [code for code, _ in finished] == [0] * len(skus), finished
    assert sum("created a merchant" in err for _, err in finished) == 1, finished
    database = Path(embedded_fws.env["XDG_DATA_HOME"]) / "fws" / "fws.db"
    with sqlite3.connect(database) as conn:
        assert conn.execute("SELECT count(*) FROM merchants").fetchone() == (1,)
    listed = embedded_fws.ok("items", "list", "-o", "json").json()
    assert sorted(row["MerchantSKU"] for row in listed) == skus
    credentials = Path(embedded_fws.env["XDG_CONFIG_HOME"]) / "fws" / "credentials"
    assert stat.S_IMODE(os.stat(credentials).st_mode) == 0o600


def test_an_internal_error_of_the_embedded_service_is_one_line_not_its_traceback(embedded_fws):
    """The in-process service logs an internal error with its traceback, as a server logs
    it; with no handler set, logging's last resort printed it on the terminal, once per
    attempt. The one-line error stays; --debug shows the traceback (the only place the cause
    is named)."""
    import sqlite3
    from pathlib import Path

    embedded_fws.ok("items", "register", "A", "-o", "off")
    database = Path(embedded_fws.env["XDG_DATA_HOME"]) / "fws" / "fws.db"
    with sqlite3.connect(database) as conn:
        conn.execute("ALTER TABLE fulfillment_items RENAME TO lost_items")
    result = embedded_fws("items", "list", "-o", "json")
    assert result.code == 254 and "InternalError" in result.err, result.err
    assert "Traceback" not in result.err and len(result.err.splitlines()) == 1, result.err
    debug = embedded_fws("--debug", "items", "list", "-o", "json")
    assert "Traceback" in debug.err and "no such table: fulfillment_items" in debug.err


def test_a_value_that_is_not_utf8_is_a_bad_parameter(embedded_fws):
    # Latin-1 bytes on the command line reach Python as lone surrogates, which XML cannot
    # carry nor UTF-8 encode: they failed in the transport, "unexpected failure", exit 255.
    result = embedded_fws("items", "register", "M\udcfcller")  # argv b"M\xfcller"
    assert result.code == 252, result.err
    assert "MerchantSKU" in result.err and "unexpected" not in result.err
    assert embedded_fws.ok("items", "list", "-o", "json").json() == []


def test_a_region_that_cannot_be_signed_is_refused_before_sending(embedded_fws):
    result = embedded_fws("items", "list", env={"FWS_REGION": "us\neast-1"})
    assert result.code == 253 and "FWS_REGION" in result.err and "region" in result.err, result.err


def test_a_service_that_pages_in_a_loop_is_not_a_bad_parameter(embedded_fws):
    """A NextToken sent twice (or HasNext without one) is the service's fault, not a bad
    --starting-token: exit 255 like any unusable answer, not 252."""
    from urllib.parse import parse_qsl

    from fwscli.api import INBOUND
    from fwscli.wire.xml import write_response

    from ..http import LiveServer

    def looping(environ, start_response):
        form = dict(parse_qsl(environ["wsgi.input"].read(int(environ["CONTENT_LENGTH"])).decode()))
        operation = INBOUND.operation(form["Action"])
        result = {"NextToken": "T1", "HasNext": True,
                  "FulfillmentItem": [{"ASIN": "", "Condition": "NewItem", "MerchantSKU": "A",
                                       "FulfillmentNetworkSKU": "X000000001", "IsActive": True}]}
        start_response("200 OK", [("Content-Type", "text/xml")])
        return [write_response(INBOUND, operation, result, "rid")]

    with LiveServer(looping) as live:
        result = embedded_fws("items", "list", "-o", "json", "--error-format", "json", env={
            "FWS_ENDPOINT_URL": live.url, "FWS_ACCESS_KEY_ID": "AKID", "FWS_SECRET_ACCESS_KEY": "s"})
    error = json.loads(result.err.splitlines()[-1])["Error"]
    assert result.code == 255, result.err
    assert error["Code"] != "InvalidStartingToken" and "a second time" in error["Message"]


def test_a_register_that_fails_midway_prints_what_it_registered_and_names_the_rest(embedded_fws):
    """600 SKUs go in three requests of 250; the second failed. The first request's 250 were
    registered, but nothing was printed and the error did not say so: the merchant could
    not tell a run that did nothing from one that did half."""
    import sqlite3
    from pathlib import Path

    embedded_fws.ok("items", "register", "FIRST", "-o", "off")  # creates the database
    database = Path(embedded_fws.env["XDG_DATA_HOME"]) / "fws" / "fws.db"
    with sqlite3.connect(database) as conn:  # the service cannot store SKU-300
        conn.execute("CREATE TRIGGER refuse BEFORE INSERT ON fulfillment_items "
                     "WHEN NEW.merchant_sku = 'SKU-300' BEGIN SELECT RAISE(ABORT, 'refused'); END")
    config = Path(embedded_fws.env["XDG_CONFIG_HOME"]) / "fws" / "config"
    with config.open("a") as file:  # no retries of the internal error
        file.write("\n[default]\nretry_mode = off\n")
    skus = [f"SKU-{n:03d}" for n in range(600)]

    result = embedded_fws("items", "register", *skus, "-o", "json")
    assert result.code == 254, result.err
    assert [row["MerchantSKU"] for row in result.json()] == skus[:250]
    (line,) = result.err.splitlines()
    assert "InternalError" in line
    assert "250 SKUs were registered (printed), 350 not confirmed: SKU-250, SKU-251" in line
    assert "and 340 more" in line
    listed = embedded_fws.ok("items", "list", "-o", "json").json()
    assert sorted(row["MerchantSKU"] for row in listed) == ["FIRST", *skus[:250]]


def test_a_register_whose_first_request_fails_is_the_plain_error(embedded_fws):
    embedded_fws.ok("items", "register", "FIRST", "-o", "off")
    result = embedded_fws("items", "register", "A=B000000001", "--condition", "NewItem",
                          "--endpoint-url", "http://127.0.0.1:9", "-o", "json")
    assert result.code == 255 and result.out == "" and "not confirmed" not in result.err


def test_get_names_the_skus_and_fnskus_it_did_not_find(embedded_fws):
    """The service skips unknown values (spec 3.6, 3.7): a mistyped SKU printed nothing,
    not even on stderr."""
    fnsku = embedded_fws.ok("items", "register", "MUG", "-o", "json").json()[0]["FulfillmentNetworkSKU"]
    found = embedded_fws.ok("items", "get", "MUG", "NOPE", "MUG", "ALSO-NOPE", "-o", "json")
    assert [row["MerchantSKU"] for row in found.json()] == ["MUG"]
    assert found.err.splitlines() == ["fws: not registered: NOPE, ALSO-NOPE"]
    by_fnsku = embedded_fws.ok("items", "get", "--fnsku", "XNOPE", "--fnsku", fnsku, "-o", "json")
    assert [row["MerchantSKU"] for row in by_fnsku.json()] == ["MUG"]
    assert by_fnsku.err.splitlines() == ["fws: unknown FNSKU: XNOPE"]
    assert embedded_fws.ok("items", "get", "--fnsku", "XA", "--fnsku", "XB").err == "fws: unknown FNSKUs: XA, XB\n"
    assert embedded_fws.ok("items", "get", "MUG", "-o", "json").err == ""


def test_a_sku_given_twice_is_registered_once_its_first_asin_deciding(embedded_fws):
    """The service lets the first occurrence of a SKU in one request decide; the CLI sent
    every occurrence, so a repeat that fell into the next request of 250 won instead."""
    fillers = [f"FILL-{n:03d}" for n in range(249)]
    args = ["MUG=B000000001", *(f"{sku}=B000000003" for sku in fillers), "MUG=B000000002", "MUG"]
    dry = embedded_fws.ok("items", "register", *args, "--dry-run", "-o", "json").json()
    assert dry["Action"] == "GetFulfillmentIdentifier"  # one request: 250 different SKUs
    rows = embedded_fws.ok("items", "register", *args, "-o", "json").json()
    assert [row["MerchantSKU"] for row in rows] == ["MUG", *fillers]
    assert rows[0]["ASIN"] == "B000000001"
    got = embedded_fws.ok("items", "get", "MUG", "-o", "json").json()
    assert [row["ASIN"] for row in got] == ["B000000001"]


def test_condition_is_taken_in_any_case_and_unknown_is_neither_offered_nor_taken(embedded_fws):
    """`--condition usedgood` was refused although `--status shipped` is taken, and the
    refusal (and the help) offered Unknown, which registering then refused."""
    rows = embedded_fws.ok("items", "register", "MUG=B000000001", "--condition", "usedgood",
                           "-o", "json").json()
    assert rows[0]["Condition"] == "UsedGood"
    mint = embedded_fws("items", "register", "MUG=B000000001", "--condition", "Mint")
    assert mint.code == 252 and "--condition: 'Mint' is invalid: expected one of NewItem" in mint.err
    assert "Unknown" not in mint.err
    unknown = embedded_fws("items", "register", "MUG=B000000001", "--condition", "unknown")
    assert unknown.code == 252 and UNKNOWN_CONDITION_REASON in unknown.err
    from ..paths import REPO_DIR

    (condition,) = [line for line in (REPO_DIR / "docs" / "reference.md").read_text().splitlines()
                    if line.startswith("* `--condition CONDITION`")]
    assert "UsedGood" in condition and "Unknown" not in condition


def test_a_register_interrupted_midway_prints_what_it_registered(tmp_path, server, merchant, monkeypatch):
    """Ctrl-C while the second of three requests is out: the first 250 SKUs are registered
    and were printed, the rest named as not confirmed, exit 130."""
    import signal
    import threading

    from fwscli.warehouse import catalog

    from .conftest import FWS, _remote

    entered, release = threading.Event(), threading.Event()
    calls = []
    identify = catalog.identify_skus

    def second_call_waits(ctx, skus):
        calls.append(len(skus))
        if len(calls) == 2:
            entered.set()
            release.wait(30)
        return identify(ctx, skus)

    monkeypatch.setattr(catalog, "identify_skus", second_call_waits)
    fws = _remote(tmp_path, server, merchant)
    skus = [f"SKU-{n:03d}" for n in range(600)]
    registering = subprocess.Popen([FWS, "items", "register", *skus, "-o", "json"], env=fws.env,
                                   stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                   stdin=subprocess.DEVNULL, text=True)
    try:
        assert entered.wait(60), "the second request never came"
        registering.send_signal(signal.SIGINT)
        out, err = registering.communicate(timeout=60)
    finally:
        release.set()
        if registering.poll() is None:
            registering.kill()
    assert registering.returncode == 130, err
    assert [row["MerchantSKU"] for row in json.loads(out)] == skus[:250]
    assert err.splitlines()[-1] == ("fws: error: interrupted; 250 SKUs were registered (printed), "
                                    "350 not confirmed: " + ", ".join(skus[250:260])
                                    + " and 340 more (registering again is safe)")
