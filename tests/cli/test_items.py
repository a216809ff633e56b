"""`fws items` through the real entry point, embedded and against a live server, plus the
shared conventions: global options anywhere, exit codes, errors on stderr."""

from __future__ import annotations

import csv
import io
import json

import pytest

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


def test_global_options_stand_anywhere():
    assert hoist_global_options(["items", "list", "-o", "json", "--page-size", "2", "--debug"]) == \
        ["-o", "json", "--debug", "items", "list", "--page-size", "2"]
    assert hoist_global_options(["items", "get", "--output=csv", "--", "-o"]) == \
        ["--output=csv", "items", "get", "--", "-o"]


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


@pytest.mark.parametrize("args, culprit", [
    (["register", "MUG=B000000001", "S" * 41], "longer than 40"),
    (["register", "MUG=B000000001", "TEE=B000000002", "--condition", "Mint"], "--condition"),
    (["register", "MUG=B0000000012345"], "longer than 10"),
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


def test_a_region_that_cannot_be_signed_is_refused_before_sending(embedded_fws):
    result = embedded_fws("items", "list", env={"FWS_REGION": "us\neast-1"})
    assert result.code == 253 and "FWS_REGION" in result.err and "region" in result.err, result.err
