"""`fws ops` and `fws server create-operator` through the real entry point: an operator runs
a manual-mode warehouse while a merchant watches with `fws`; accounts; the clock; input
refused before anything is sent; merchant keys refused."""

from __future__ import annotations

import csv
import io
import json
import socket
import sqlite3
import time

import pytest

from fwscli.service.app import FwsApp

from .conftest import _remote
from .test_inbound import FROM_FLAGS
from .test_outbound import ADDRESS_FLAGS


@pytest.fixture
def app(db):
    # Manual mode: nothing moves unless the operator moves it.
    return FwsApp(db, warehouse_mode="manual")


@pytest.fixture
def ops(tmp_path, server, operator):
    """`fws` with operator keys, against the live server."""
    return _remote(tmp_path / "operator", server, operator)


def test_an_operator_runs_the_warehouse_and_the_merchant_sees_tracking(remote_fws, ops, merchant):
    me = ["--merchant", str(merchant.merchant_id)]
    remote_fws.ok("items", "register", "MUG", "-o", "off")
    remote_fws.ok("inbound", "create", "S-1", "--name", "Mugs", "--fc", "PHL1", *FROM_FLAGS, "--item", "MUG=5", "-o", "off")
    remote_fws.ok("inbound", "ship", "S-1", "-o", "off")

    for status in ("InTransit", "delivered", "CHECKEDIN"):  # any case, as inbound list --status
        moved = ops.ok("ops", "move-inbound", "S-1", status, *me, "-o", "json").json()
        assert moved["ShipmentStatus"].lower() == status.lower()
    part = ops.ok("ops", "receive", "S-1", "--item", "MUG=2", *me, "-o", "table")
    assert "shipment S-1 is Receiving" in part.err and "MUG" in part.out
    rest = ops.ok("ops", "receive", "S-1", "--all", *me, "-o", "json").json()
    assert rest["ShipmentStatus"] == "Closed"
    assert [(r["QuantityShipped"], r["QuantityReceived"]) for r in rest["ReceivedItem"]] == [(5, 5)]
    stock = ops.ok("ops", "stock", "MUG", *me, "-o", "json").json()
    assert [(b["FulfillmentCenterId"], b["InStockQuantity"]) for b in stock] == [("PHL1", 5)]

    remote_fws.ok("outbound", "create", "O-1", *ADDRESS_FLAGS, "--item", "MUG=2", "--speed", "Standard", "-o", "off")
    picked = ops.ok("ops", "pick", "O-1", *me, "-o", "json").json()
    assert picked["FulfillmentOrderStatus"] == "Processing"
    shipped = ops.ok("ops", "ship", "O-1", *me, "--package", "UPS:1ZOPS0000000000001", "-o", "table")
    assert "order O-1 is Complete" in shipped.err and "1ZOPS0000000000001" in shipped.out

    detail = remote_fws.ok("outbound", "get", "O-1", "-o", "json").json()
    (package,) = detail["FulfillmentShipment"][0]["FulfillmentShipmentPackage"]
    assert (package["CarrierCode"], package["TrackingNumber"]) == ("UPS", "1ZOPS0000000000001")
    readable = remote_fws.ok("outbound", "get", "O-1", "-o", "table").out
    assert "1ZOPS0000000000001" in readable and "Complete" in readable


def test_adjust_stock_and_fail_a_shipment(remote_fws, ops, merchant):
    me = ["--merchant", str(merchant.merchant_id)]
    remote_fws.ok("items", "register", "MUG", "-o", "off")
    adjusted = ops.ok("ops", "adjust", "MUG", "3", *me, "--fc", "PHL1", "--reason", "count", "-o", "json")
    assert adjusted.json()["InStockQuantity"] == 3
    damaged = ops.ok("ops", "adjust", "MUG", *me, "--fc", "PHL1", "--reason", "damaged",
                     "-o", "json", "--", "-1").json()
    assert damaged["InStockQuantity"] == 2
    ops.ok("ops", "adjust", "MUG", "1", *me, "--fc", "PHL1", "--reason", "damaged", "--unsellable", "-o", "off")
    remote_fws.ok("outbound", "create", "O-1", *ADDRESS_FLAGS, "--item", "MUG=2", "--speed", "Standard", "-o", "off")
    ops.ok("ops", "pick", "O-1", *me, "-o", "off")
    failed = ops.ok("ops", "fail", "O-1", *me, "-o", "json").json()
    assert failed["FulfillmentOrderStatus"] == "Unfulfillable"
    assert failed["FulfillmentShipment"][0]["FulfillmentShipmentStatus"] == "CancelledByFulfiller"
    rows = list(csv.DictReader(io.StringIO(ops.ok("ops", "stock", "MUG", *me, "-o", "csv").out)))
    assert [(r["Disposition"], r["InStock"], r["Reserved"]) for r in rows] == [("Sellable", "2", "0"),
                                                                             ("Unsellable", "1", "0")]


def test_merchants_keys_and_the_clock(ops, server, tmp_path):
    created = ops.ok("ops", "create-merchant", "Acme", "-o", "json").json()
    assert created["Role"] == "merchant" and created["SecretAccessKey"]
    merchants = ops.ok("ops", "merchants", "-o", "json").json()
    acme = next(m for m in merchants if m["Name"] == "Acme")
    assert (acme["MerchantId"], acme["ActiveKeyCount"]) == (created["MerchantId"], 1)

    rotated = ops.ok("ops", "rotate-key", created["AccessKeyId"], "-o", "json")
    assert f"revoked {created['AccessKeyId']}" in rotated.err
    keys = ops.ok("ops", "keys", "--merchant", str(created["MerchantId"]), "-o", "json").json()
    assert {k["AccessKeyId"]: bool(k.get("RevokedDateTime")) for k in keys} == {
        created["AccessKeyId"]: True, rotated.json()["AccessKeyId"]: False}
    spare = ops.ok("ops", "create-key", "--operator", "-o", "json").json()
    assert spare["Role"] == "operator"
    assert "revoked" in ops.ok("ops", "revoke-key", spare["AccessKeyId"]).err

    assert ops.ok("ops", "clock", "-o", "json").json()["WarehouseMode"] == "manual"
    moved = ops.ok("ops", "advance-clock", "2h", "-o", "json").json()
    assert moved["OffsetSeconds"] == 7200 and moved["TransitionsApplied"] == 0


@pytest.mark.parametrize("args, code, culprit", [
    (["ops", "receive", "S-1", "--merchant", "1", "--item", "MUG"], 252, "SKU=QUANTITY"),
    (["ops", "receive", "S-1", "--merchant", "1"], 2, "--all"),
    (["ops", "move-inbound", "S-1", "Lost", "--merchant", "1"], 252, "STATUS"),
    (["ops", "ship", "O-1", "--merchant", "1", "--package", ":1Z"], 252, "--package"),
    (["ops", "advance-clock", "soon"], 252, "DURATION"),
    (["ops", "advance-clock", "99999999999d"], 252, "DURATION"),  # past the API's xs:int seconds
    (["ops", "create-key"], 2, "--operator"),
    (["ops", "stock", "MUG", "--merchant", "999"], 254, "MerchantId"),
    (["ops", "keys", "--merchant", "999"], 254, "no merchant has this id"),  # was [] (exit 0)
])
def test_bad_input_is_refused_with_its_exit_code(ops, args, code, culprit):
    result = ops(*args)
    assert result.code == code, result.err
    assert culprit in result.err and result.out == ""


def test_dry_run_sends_nothing(ops):
    dry = ops.ok("ops", "advance-clock", "1d", "--dry-run", "-o", "json").json()
    assert (dry["Service"], dry["Action"], dry["Parameters"]["Seconds"]) == ("operator", "AdvanceSimulationClock", "86400")
    assert ops.ok("ops", "clock", "-o", "json").json()["OffsetSeconds"] == 0


def test_merchant_keys_cannot_run_the_warehouse(remote_fws):
    result = remote_fws("ops", "clock")
    assert result.code == 253 and "AccessDenied" in result.err


@pytest.mark.parametrize("command", [["init"], ["upgrade"], ["create-merchant", "Shop"], ["create-operator"]])
def test_a_database_that_cannot_be_opened_is_one_line(embedded_fws, tmp_path, command):
    a_file = tmp_path / "a-file"
    a_file.write_text("")
    # psycopg2: SQLAlchemy's usual PostgreSQL driver, which fws does not use (nor install).
    for url in ("nosuchdatabase://x", f"sqlite:///{a_file}/fws.db", "postgresql+psycopg2://fws@127.0.0.1:9/fws"):
        result = embedded_fws("server", *command, "--database", url)
        assert result.code == 253 and url in result.err, result.err
        assert len(result.err.splitlines()) == 1 and "unexpected" not in result.err, result.err


def test_create_operator_keys_for_the_embedded_service(embedded_fws):
    keys = embedded_fws.ok("server", "create-operator", "-o", "json").json()
    assert keys["AccessKeyId"].startswith("AKFO") and keys["SecretAccessKey"]
    text = embedded_fws.ok("server", "create-operator").out
    assert "AccessKeyId:" in text and "SecretAccessKey:" in text
    staff = {"FWS_ACCESS_KEY_ID": keys["AccessKeyId"], "FWS_SECRET_ACCESS_KEY": keys["SecretAccessKey"]}
    clock = embedded_fws.ok("ops", "clock", "-o", "json", env=staff).json()
    assert clock["WarehouseMode"] == "auto"  # the embedded service runs the warehouse by itself
    assert embedded_fws.ok("ops", "merchants", "-o", "json", env=staff).json() == []


@pytest.mark.parametrize("command", [["start", "--port", "0"], ["init"], ["upgrade"], ["create-merchant", "Shop"],
                                     ["create-operator"]])
def test_a_malformed_database_url_is_one_line_naming_it_without_its_password(embedded_fws, command):
    # A port that is not a number (or an IPv6 host without its `]`) made SQLAlchemy raise a
    # bare ValueError: "unexpected failure" (255), naming neither --database nor the URL.
    for url, shown, port in (("postgresql://fws:s3cret@db.example:543x/fws", "postgresql://fws:***@db.example:543x/fws",
                              "'543x'"),
                             ("postgresql://fws@[::1/fws", "postgresql://fws@[::1/fws", "':1'")):
        result = embedded_fws("server", *command, "--database", url)
        assert result.code == 253, result.err
        assert result.err == (f"fws: error: the database URL {shown} (--database) is malformed: "
                              f"its port {port} is not a number\n"), result.err
        assert "s3cret" not in result.err + result.out


@pytest.mark.parametrize("command", [["start", "--port", "1"], ["init"], ["upgrade"], ["create-merchant", "Shop"]])
def test_a_database_of_a_newer_fws_is_refused_with_what_to_do(embedded_fws, tmp_path, command):
    # Written by a newer fws: `fws server upgrade` cannot help, and must not be suggested.
    path = tmp_path / "newer.db"
    with sqlite3.connect(path) as conn:
        conn.execute("CREATE TABLE alembic_version (version_num VARCHAR(32) NOT NULL)")
        conn.execute("INSERT INTO alembic_version VALUES ('9999')")
    result = embedded_fws("server", *command, "--database", str(path))
    assert result.code == 253, result.err
    assert "revision 9999" in result.err and "newer fws" in result.err, result.err
    assert "fws server upgrade" not in result.err and "unexpected" not in result.err, result.err
    # One error line like any other (docs/exit-codes.md), and JSON when asked for.
    assert result.err.startswith("fws: error: ") and len(result.err.splitlines()) == 1, result.err
    as_json = embedded_fws("--error-format", "json", "server", *command, "--database", str(path))
    error = json.loads(as_json.err)["Error"]
    assert (error["Code"], error["ExitCode"]) == ("SchemaOutOfDate", 253) and "9999" in error["Message"]


@pytest.mark.parametrize("command", [["start", "--port", "0"], ["init"], ["upgrade"], ["create-operator"]])
def test_a_database_of_another_application_is_refused_and_left_alone(embedded_fws, tmp_path, command):
    # fws created its tables beside the other application's, or failed half-way on a
    # name both use ("cannot be opened: table settings already exists").
    path = tmp_path / "shop.db"
    with sqlite3.connect(path) as conn:
        conn.execute("CREATE TABLE settings (name TEXT)")
        conn.execute("CREATE TABLE customers (id INTEGER)")
    result = embedded_fws("server", *command, "--database", str(path))
    assert result.code == 253, result.err
    assert result.err == (f"fws: error: the database {path} cannot be used: it holds 2 tables (customers, "
                          f"settings) but no fws schema revision: it is not an fws database; give a new, "
                          f"empty one\n"), result.err
    with sqlite3.connect(path) as conn:
        assert conn.execute("SELECT name FROM sqlite_master ORDER BY name").fetchall() == [
            ("customers",), ("settings",)]


@pytest.mark.parametrize("name", ["x" * 201, ""])
def test_create_merchant_checks_the_name_as_the_operator_service_does(embedded_fws, tmp_path, name):
    # A name the service refuses (CreateMerchant: 1 to 200 characters) was stored on SQLite
    # and failed with a traceback of SQL on PostgreSQL (exit 255).
    url = f"sqlite:///{tmp_path / 'team.db'}"
    result = embedded_fws("server", "create-merchant", name, "--database", url)
    assert result.code == 252 and "NAME" in result.err and "AccessKeyId" not in result.out, result
    assert len(result.err.splitlines()) == 1, result.err
    keys = embedded_fws.ok("server", "create-operator", "--database", url, "-o", "json").json()
    staff = {"FWS_ACCESS_KEY_ID": keys["AccessKeyId"], "FWS_SECRET_ACCESS_KEY": keys["SecretAccessKey"],
             "FWS_DATABASE_URL": url}
    assert embedded_fws.ok("ops", "merchants", "-o", "json", env=staff).json() == []


@pytest.mark.parametrize("command", [["init"], ["upgrade"], ["start", "--port", "0"]])
def test_a_postgresql_server_that_never_answers_is_one_line_after_the_connect_timeout(
        embedded_fws, command):
    # A host gone silent (here a listener that never accepts): each waited 130 s, psycopg's
    # own limit, for want of a connect_timeout of ours (5 s).
    with socket.create_server(("127.0.0.1", 0)) as silent:
        url = f"postgresql://fws@127.0.0.1:{silent.getsockname()[1]}/fws"
        started = time.monotonic()
        result = embedded_fws("server", *command, "--database", url)
    assert time.monotonic() - started < 20
    assert result.code == 253 and url in result.err and "timeout" in result.err, result.err
    assert len(result.err.splitlines()) == 1 and "unexpected" not in result.err, result.err
