"""`fws inventory` through the real entry point, on the embedded service and against a live
server: supply by SKU in chunks of the API's limit, and the paged list of changed supply."""

from __future__ import annotations

import csv
import io
from datetime import datetime, timedelta, timezone

import pytest

from fwscli.cli.inventory import parse_since

from .seed import direct_client, put_shipment, register

COLUMNS = ["MerchantSKU", "FNSKU", "Condition", "InStock", "Total", "Available"]


@pytest.fixture
def api(fws, monkeypatch):
    with direct_client(fws, monkeypatch) as client:
        yield client


@pytest.fixture
def shipped(api):
    """25 SKUs, each inbound on one shipped shipment (SKU-n with n + 1 units)."""
    skus = [f"SKU-{n:02d}" for n in range(25)]
    register(api, skus)
    put_shipment(api, "S-1", {sku: n + 1 for n, sku in enumerate(skus)})
    api.call("inbound", "SetInboundShipmentStatus", {"ShipmentId": "S-1", "ShipmentStatus": "Shipped"})
    return skus


def test_get_asks_in_chunks_and_names_unregistered_skus(fws, shipped):
    unknown = [f"NEW-{n:03d}" for n in range(100)]
    asked = [*shipped, *unknown, shipped[0]]  # 126 values: three requests of at most 50
    supply = fws.ok("inventory", "get", *asked, "-o", "json")
    rows = supply.json()
    assert [row["MerchantSKU"] for row in rows] == shipped + unknown  # in order, once each
    assert [row["TotalSupplyQuantity"] for row in rows[:25]] == list(range(1, 26))
    assert all(row["InStockSupplyQuantity"] == 0 for row in rows)
    assert rows[0]["EarliestAvailability"] == {"TimepointType": "Unknown"}  # inbound only
    assert "NEW-000" in supply.err and "and 90 more" in supply.err

    detailed = fws.ok("inventory", "get", "SKU-04", "--detailed", "-o", "json").json()
    assert [(d["SupplyType"], d["Quantity"]) for d in detailed[0]["SupplyDetail"]] == [("Inbound", 5)]
    table = fws.ok("inventory", "get", "SKU-04", "--detailed", "-o", "csv").out.splitlines()
    assert table[0].split(",") == COLUMNS + ["Details"]


def test_list_pages_resumes_and_renders(fws, shipped):
    listed = fws.ok("inventory", "list", "--page-size", "2", "-o", "json").json()
    assert [row["MerchantSKU"] for row in listed] == shipped

    head = fws.ok("inventory", "list", "--page-size", "2", "--max-items", "9", "-o", "json")
    token = head.err.split("--starting-token ")[1].split()[0]
    tail = fws.ok("inventory", "list", "--page-size", "4", "--starting-token", token, "-o", "json").json()
    assert [row["MerchantSKU"] for row in head.json() + tail] == shipped

    rows = list(csv.reader(io.StringIO(fws.ok("inventory", "list", "-o", "csv").out)))
    assert rows[0] == COLUMNS and len(rows) == 26
    assert rows[1][0] == "SKU-00" and rows[1][3:] == ["0", "1", "Unknown"]
    queried = fws.ok("inventory", "list", "--page-size", "3", "-o", "json",
                     "--query", "[?TotalSupplyQuantity > `23`].MerchantSKU").json()
    assert queried == ["SKU-23", "SKU-24"]
    assert len(fws.ok("inventory", "list", "--since", "1h", "-o", "ndjson").out.splitlines()) == 25
    later = (datetime.now(timezone.utc) + timedelta(days=1)).strftime("%Y-%m-%dT%H:%M:%SZ")
    assert fws.ok("inventory", "list", "--since", later, "-o", "json").json() == []


@pytest.mark.parametrize("args, code, culprit", [
    (["list", "--since", "yesterday"], 252, "yesterday"),
    (["list", "--since", "2026-13-01"], 252, "2026-13-01"),
    # An age of the right shape that reaches before year 1 is told as such, not as a
    # value that is neither a date-time nor an age.
    (["list", "--since", "99999999999w"], 252, "'99999999999w' is invalid: the age reaches back before year 1"),
    (["list", "--since", "800000d"], 252, "'800000d' is invalid: the age reaches back before year 1"),
    (["list", "--page-size", "0"], 2, "--page-size"),
    (["get", "X" * 41], 252, "X" * 41),
    (["get"], 2, "SKU"),
])
def test_bad_input(embedded_fws, args, code, culprit):
    result = embedded_fws("inventory", *args)
    assert result.code == code, result.err
    assert culprit in result.err and result.out == ""


def test_since_is_an_iso_date_time_or_an_age():
    now = datetime(2026, 11, 27, 12, 0, tzinfo=timezone.utc)
    assert parse_since("2026-11-01") == datetime(2026, 11, 1, tzinfo=timezone.utc)
    assert parse_since("2026-11-01T10:00:00+02:00") == datetime(2026, 11, 1, 8, tzinfo=timezone.utc)
    assert parse_since("90m", now) == now - timedelta(minutes=90)
    assert parse_since("7d", now) == now - timedelta(days=7)
    assert parse_since("2w", now) == now - timedelta(weeks=2)
