"""`fws outbound|items|inbound import` and `fws outbound export` through the real entry
point: whole files imported exactly once however often (and however brokenly) they are
run, every bad row reported before anything is sent, encodings, and export -> import round
trips. What reached the service is read from its database."""

from __future__ import annotations

import csv
import io
import json
import random
import signal
import subprocess
import time
from pathlib import Path

import pytest
from sqlalchemy import func, select

from fwscli.store.schema import fulfillment_order_items, fulfillment_orders

from .conftest import FWS

SAMPLES = Path(__file__).resolve().parents[2] / "samples"
SKUS = ["SKU-RED-MUG", "SKU-BLUE-MUG", "SKU-TEA-TIN", "SKU-GIFT-CARD", "SKU-SPOON"]
ORDER_COLUMNS = [
    "MerchantFulfillmentOrderId", "DisplayableOrderId", "DisplayableOrderDateTime",
    "DisplayableOrderComment", "ShippingSpeedCategory", "DestinationAddress.Name",
    "DestinationAddress.Line1", "DestinationAddress.City", "DestinationAddress.StateOrProvinceCode",
    "DestinationAddress.CountryCode", "DestinationAddress.PostalCode", "NotificationEmailList",
    "Item.MerchantFulfillmentOrderItemId", "Item.MerchantSKU", "Item.Quantity",
]


def order_row(order_id: str, item: int, **changes: str) -> dict[str, str]:
    row = {
        "MerchantFulfillmentOrderId": order_id, "DisplayableOrderId": order_id,
        "DisplayableOrderDateTime": "2026-11-27T20:00:00Z", "DisplayableOrderComment": "Thanks!",
        "ShippingSpeedCategory": "Standard", "DestinationAddress.Name": "Jane Doe",
        "DestinationAddress.Line1": "1 Main St", "DestinationAddress.City": "Seattle",
        "DestinationAddress.StateOrProvinceCode": "WA", "DestinationAddress.CountryCode": "US",
        "DestinationAddress.PostalCode": "98101", "NotificationEmailList": "jane@example.com",
        "Item.MerchantFulfillmentOrderItemId": str(item), "Item.MerchantSKU": SKUS[item % len(SKUS)],
        "Item.Quantity": str(item),
    }
    row.update(changes)
    return row


def orders_file(path: Path, count: int, *, encoding: str = "utf-8") -> dict[str, int]:
    """`count` orders of 1-3 items; the last item of every 10th order is at the end of the
    file, away from its order's other rows. Returns each order's item count."""
    rows, stray, items = [], [], {}
    for n in range(count):
        order_id = f"ORDER-{n:05d}"
        items[order_id] = n % 3 + 1
        lines = [order_row(order_id, item) for item in range(1, items[order_id] + 1)]
        if n % 10 == 0 and len(lines) > 1:
            stray.append(lines.pop())
        rows += lines
    write_csv(path, rows + stray, encoding=encoding)
    return items


def write_csv(path: Path, rows: list[dict[str, str]], *, encoding: str = "utf-8") -> None:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=list(rows[0]), lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    path.write_bytes(buffer.getvalue().encode(encoding))


def stored_orders(db, merchant_id: int) -> dict[str, int]:
    """Each order of the merchant on the service, with its number of items."""
    with db.read() as conn:
        rows = conn.execute(
            select(fulfillment_orders.c.merchant_order_id, func.count(fulfillment_order_items.c.id))
            .join(fulfillment_order_items, fulfillment_order_items.c.order_pk == fulfillment_orders.c.id)
            .where(fulfillment_orders.c.merchant_id == merchant_id)
            .group_by(fulfillment_orders.c.merchant_order_id)
        ).all()
    return dict(rows)


def read_results(path: Path) -> list[dict[str, str]]:
    return list(csv.DictReader(path.open(encoding="utf-8")))


def problem_lines(stderr: str) -> list[str]:
    return [line for line in stderr.splitlines() if not line.startswith("fws:")]


@pytest.fixture
def registered(remote_fws, tmp_path):
    path = tmp_path / "items.csv"
    write_csv(path, [{"MerchantSKU": sku, "ASIN": f"B00000000{n}", "Condition": "NewItem"}
                     for n, sku in enumerate(SKUS)])
    remote_fws.ok("items", "import", str(path))
    return remote_fws


def test_a_large_file_imports_exactly_and_again_creates_nothing(registered, db, merchant, tmp_path):
    path = tmp_path / "orders.csv"
    expected = orders_file(path, 2000)
    first = registered.ok("outbound", "import", str(path), "--results", str(tmp_path / "first.csv"),
                          timeout=300)
    assert stored_orders(db, merchant.merchant_id) == expected
    results = read_results(tmp_path / "first.csv")
    assert sorted(int(r["Row"]) for r in results) == list(range(2, 2 + sum(expected.values())))
    assert {r["Outcome"] for r in results} == {"ok"} and all(r["RequestId"] for r in results)
    assert "2000 orders" in first.err

    # The journal: nothing is asked of the service again.
    registered.ok("outbound", "import", str(path), "--results", str(tmp_path / "second.csv"))
    again = read_results(tmp_path / "second.csv")
    assert {r["Outcome"] for r in again} == {"done-before"}
    assert {r["Row"]: r["RequestId"] for r in again} == {r["Row"]: r["RequestId"] for r in results}

    # Without the journal, the service's idempotent create: every order answered, none new.
    registered.ok("outbound", "import", str(path), "--results", str(tmp_path / "third.csv"),
                  "--concurrency", "8", env={"XDG_STATE_HOME": str(tmp_path / "fresh-state")},
                  timeout=300)
    assert {r["Outcome"] for r in read_results(tmp_path / "third.csv")} == {"ok"}
    assert stored_orders(db, merchant.merchant_id) == expected


@pytest.mark.slow
@pytest.mark.parametrize("seed", [1, 2, 3])
def test_killed_at_a_random_point_and_run_again_every_order_once(registered, db, merchant, tmp_path, seed):
    path = tmp_path / "orders.csv"
    expected = orders_file(path, 1000)
    # Past the first journal commit (every 200 confirmations at most): the re-run finds
    # orders in the journal, and orders the service took after the last commit, which it
    # sends again.
    point = random.Random(seed).randint(250, 950)
    process = subprocess.Popen([FWS, "outbound", "import", str(path), "--concurrency", "8"],
                               env=registered.env, stdin=subprocess.DEVNULL,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 120
    while len(stored_orders(db, merchant.merchant_id)) < point and process.poll() is None:
        assert time.monotonic() < deadline
        time.sleep(0.005)
    process.send_signal(signal.SIGKILL)
    process.wait()
    before = len(stored_orders(db, merchant.merchant_id))
    assert 0 < before < len(expected), "the run was not cut short"

    registered.ok("outbound", "import", str(path), "--results", str(tmp_path / "rerun.csv"), timeout=300)
    assert stored_orders(db, merchant.merchant_id) == expected
    outcomes = [r["Outcome"] for r in read_results(tmp_path / "rerun.csv")]
    assert set(outcomes) <= {"ok", "done-before"} and "done-before" in outcomes
    assert len(outcomes) == sum(expected.values())


def test_every_bad_row_is_reported_and_nothing_is_sent(registered, db, merchant, tmp_path):
    rows = [
        order_row("GOOD-1", 1),
        order_row("BAD-1", 1, DisplayableOrderId=""),                      # 3 missing
        order_row("BAD-2", 1, **{"Item.Quantity": "0"}),                   # 4 quantity
        order_row("BAD-3", 1, ShippingSpeedCategory="Overnight"),          # 5 enum
        order_row("BAD-4", 1, **{"DestinationAddress.PostalCode": "981"}),  # 6 US postal code
        order_row("BAD-5", 1, **{"DestinationAddress.City": ""}),          # 7 City outside JP
        order_row("BAD-6", 1),
        order_row("BAD-6", 1, **{"Item.MerchantSKU": "SKU-SPOON"}),        # 9 repeated item id
        order_row("BAD-7", 1),
        order_row("BAD-7", 2, **{"DestinationAddress.City": "Tacoma"}),    # 11 conflicting row
        order_row("GOOD-2", 1, **{"DestinationAddress.CountryCode": "JP",
                                  "DestinationAddress.City": "", "DestinationAddress.PostalCode": ""}),
    ]
    path = tmp_path / "bad.csv"
    write_csv(path, rows)
    expected = [
        (3, "DisplayableOrderId", "a value is required"),
        (4, "Item.Quantity", "at least 1"),
        (5, "ShippingSpeedCategory", "one of Standard, Expedited, Priority"),
        (6, "DestinationAddress.PostalCode", "at least 5 digits"),
        (7, "DestinationAddress.City", "a value is required"),
        (9, "Item.MerchantFulfillmentOrderItemId", "already has it (on line 8)"),
        (11, "DestinationAddress.City", "differs from line 10"),
    ]

    for extra in ([], ["--validate-only"]):
        result = registered("outbound", "import", str(path), *extra)
        assert result.code == 252, result.err
        problems = problem_lines(result.err)
        assert len(problems) == len(expected), result.err
        for problem, (line, column, reason) in zip(problems, expected):
            assert problem.startswith(f"{path}:{line}: {column}:") and reason in problem, problem
        assert "nothing was sent" in result.err
    assert stored_orders(db, merchant.merchant_id) == {}

    as_json = registered("outbound", "import", str(path), "--validate-only", "--error-format", "json")
    reported = [json.loads(line) for line in problem_lines(as_json.err)[:-1]]
    assert [(p["Line"], p["Column"]) for p in reported] == [(line, column) for line, column, _ in expected]
    assert reported[1]["Value"] == "0"

    skipped = registered("outbound", "import", str(path), "--skip-invalid",
                         "--results", str(tmp_path / "results.csv"))
    assert skipped.code == 1, skipped.err
    assert stored_orders(db, merchant.merchant_id) == {"GOOD-1": 1, "GOOD-2": 1}
    outcomes = {int(r["Row"]): r["Outcome"] for r in read_results(tmp_path / "results.csv")}
    assert outcomes == {2: "ok", 12: "ok", **{line: "invalid" for line in range(3, 12)}}


@pytest.mark.parametrize("name, text, first", [
    ("items.csv", "MerchantSKU,ASIN,Condition\nTWICE,,\nONCE,,\nTWICE,,\n", 2),
    ("items.jsonl", '{"MerchantSKU": "TWICE"}\n{"MerchantSKU": "ONCE"}\n{"MerchantSKU": "TWICE"}\n', 1),
])
def test_every_row_of_an_item_given_twice_has_its_outcome(embedded_fws, tmp_path, name, text, first):
    """An item on two lines is sent from neither: the first line, valid in itself, is
    `invalid` in the results as the bystander it is, not missing from them."""
    path = tmp_path / name
    path.write_text(text)
    results = tmp_path / "results.csv"
    result = embedded_fws("items", "import", str(path), "--skip-invalid", "--results", str(results))
    assert result.code == 1, result.err
    outcomes = {int(row["Row"]): (row["MerchantSKU"], row["Outcome"]) for row in read_results(results)}
    assert outcomes == {first: ("TWICE", "invalid"), first + 1: ("ONCE", "ok"), first + 2: ("TWICE", "invalid")}
    assert embedded_fws.ok("items", "list", "-o", "json", "--query", "[].MerchantSKU").json() == ["ONCE"]


def test_results_to_a_reader_that_goes_away_lose_no_order(registered, db, merchant, tmp_path):
    """`fws outbound import orders.csv --results - | head`: once head has gone, the outcomes
    cannot be written, but the import is not stdout's to stop: every order is still sent and
    the exit code is the import's (it stopped after the first few, exiting 0)."""
    path = tmp_path / "orders.csv"
    items = orders_file(path, 300)  # some 30 kB of results: several of stdout's buffers
    importing = subprocess.Popen([FWS, "outbound", "import", str(path), "--results", "-"],
                                 stdout=subprocess.PIPE, stderr=subprocess.PIPE, stdin=subprocess.DEVNULL,
                                 env=registered.env, text=True)
    assert importing.stdout.readline().startswith("Row,")  # head -1
    importing.stdout.close()
    _, err = importing.communicate(timeout=120)
    assert importing.returncode == 0, err
    assert stored_orders(db, merchant.merchant_id) == items
    assert f"{sum(items.values())} ok" in err and "Exception" not in err


def test_file_problems_are_refused_even_with_skip_invalid(registered, tmp_path):
    path = tmp_path / "odd.csv"
    path.write_text("MerchantFulfillmentOrderId,Colour,Item.Quantity,Quantity\nA,red,1,1\n")
    result = registered("outbound", "import", str(path), "--skip-invalid")
    assert result.code == 252
    problems = problem_lines(result.err)
    assert f"{path}:1: Colour: unknown column" in problems
    assert any("Quantity: the column is given twice (also as Item.Quantity, column 3)" in p for p in problems)
    assert any("DestinationAddress.Name: a required column is missing" in p for p in problems)


def test_a_structure_given_as_text_in_json_lines_is_not_an_unknown_member(embedded_fws, tmp_path):
    path = tmp_path / "orders.jsonl"
    order = json.loads((SAMPLES / "orders.jsonl").read_text().splitlines()[0])
    path.write_text(json.dumps({**order, "DestinationAddress": "1 Main St, Seattle WA 98101"}) + "\n")
    result = embedded_fws("outbound", "import", str(path), "--validate-only")
    assert result.code == 252
    assert f"{path}:1: DestinationAddress: expected a JSON object" in problem_lines(result.err), result.err


@pytest.mark.parametrize("encoding, culprit", [
    ("hex", "'hex' is not a text encoding"),      # a codec, but of bytes to bytes
    ("rot13", "is not a text encoding"),          # of text to text
    ("utf-16", "the text is not utf-16"),         # UTF-16 needs a byte-order mark
])
def test_an_encoding_that_cannot_read_the_file_is_named(embedded_fws, tmp_path, encoding, culprit):
    path = tmp_path / "items.csv"
    path.write_text("MerchantSKU\nSKU-1\n")
    result = embedded_fws("items", "import", str(path), "--encoding", encoding, "--validate-only")
    assert result.code == 252 and culprit in result.err, result.err


def test_a_header_cell_left_empty_is_named_by_its_position(embedded_fws, tmp_path):
    path = tmp_path / "items.csv"  # a spreadsheet's trailing comma
    path.write_text("MerchantSKU,ASIN,Condition,\nSKU-1,,,\n")
    result = embedded_fws("items", "import", str(path), "--validate-only")
    assert result.code == 252
    assert problem_lines(result.err) == [f"{path}:1: -: column 4 has no name"], result.err


def without_first_cell(sample: str, line: int) -> str:
    """A sample with the unit key (its first column) of one line left empty."""
    lines = (SAMPLES / sample).read_text().splitlines(keepends=True)
    lines[line - 1] = "," + lines[line - 1].split(",", 1)[1]
    return "".join(lines)


@pytest.mark.parametrize("command, name, text", [
    ("items", "items.csv", "MerchantSKU,ASIN\n,B000000001\n" + "S" * 41 + ",\n"),
    ("items", "items.jsonl", '{"ASIN": "B000000001"}\n{"MerchantSKU": ["S-1"]}\n'),
    ("outbound", "orders.csv", without_first_cell("orders.csv", 2)),
    ("inbound", "inbound.csv", without_first_cell("inbound.csv", 2)),
])
def test_a_bad_key_is_reported_once(embedded_fws, tmp_path, command, name, text):
    path = tmp_path / name
    path.write_text(text)
    result = embedded_fws(command, "import", str(path), "--validate-only")
    assert result.code == 252
    places = [tuple(problem.split(": ")[0:2]) for problem in problem_lines(result.err)]  # (file:line, column)
    assert places and len(places) == len(set(places)), result.err


@pytest.mark.parametrize("error_format, said", [
    ("text", "fws: interrupted\n"),
    ("json", '{"Error": {"Code": "Interrupted", "Message": "interrupted", "Operation": null, '
             '"RequestId": null, "ExitCode": 130}}\n'),
])
def test_ctrl_c_says_interrupted_and_exits_130(embedded_fws, error_format, said):
    # stdin that never ends: the import waits on it until interrupted.
    process = subprocess.Popen([FWS, "outbound", "import", "-", "--error-format", error_format],
                               stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                               env=embedded_fws.env, preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    time.sleep(3)
    process.send_signal(signal.SIGINT)
    _, err = process.communicate(timeout=30)
    assert process.returncode == 130 and err == said, err


def test_a_results_file_that_cannot_be_written_is_named_as_such(embedded_fws, tmp_path):
    path = tmp_path / "items.csv"
    path.write_text("MerchantSKU\nSKU-1\n")
    results = tmp_path / "no-such-directory" / "results.csv"
    result = embedded_fws("items", "import", str(path), "--results", str(results))
    assert result.code == 252, result.err
    assert result.err == f"fws: error: --results {results}: cannot write it: No such file or directory\n"


def test_results_naming_the_input_are_refused_before_it_is_emptied(embedded_fws, tmp_path):
    path = tmp_path / "items.csv"
    path.write_text("MerchantSKU\nSKU-1\n")
    alias = tmp_path / "alias.csv"
    alias.symlink_to(path)
    for results in (str(path), str(alias)):
        result = embedded_fws("items", "import", str(path), "--results", results)
        assert result.code == 252 and "--results" in result.err, result.err
        assert path.read_text() == "MerchantSKU\nSKU-1\n"
    assert embedded_fws.ok("items", "list", "-o", "json").json() == []


def test_cp1252_cp932_and_bom_files_import(registered, db, merchant, tmp_path):
    names = {"cp1252": "Max Müller, Hauptstraße", "cp932": "山田 花子", "utf-8-sig": "Zoë Ørsted"}
    for encoding, name in names.items():
        path = tmp_path / f"{encoding}.csv"
        write_csv(path, [order_row(f"ENC-{encoding}", 1, **{"DestinationAddress.Name": name})],
                  encoding=encoding)
        flags = [] if encoding == "utf-8-sig" else ["--encoding", encoding]
        registered.ok("outbound", "import", str(path), *flags)
        order = registered.ok("outbound", "get", f"ENC-{encoding}", "-o", "json").json()
        assert order["FulfillmentOrder"]["DestinationAddress"]["Name"] == name
    assert len(stored_orders(db, merchant.merchant_id)) == 3

    result = registered("outbound", "import", str(tmp_path / "cp932.csv"))
    assert result.code == 252 and "use --encoding" in result.err


def test_json_lines_from_stdin(registered, db, merchant):
    text = (SAMPLES / "orders.jsonl").read_text(encoding="utf-8")
    registered.ok("outbound", "import", "-", input=text)
    assert stored_orders(db, merchant.merchant_id) == {"ORDER-2001": 2, "ORDER-2002": 1}

    broken = text.replace('"Quantity": 3', '"Quantity": "three"') + '{"MerchantFulfillmentOrderId": "X"\n'
    result = registered("outbound", "import", "-", "--validate-only", input=broken)
    assert result.code == 252
    problems = problem_lines(result.err)
    assert problems[0].startswith("<stdin>:2: Item.1.Quantity: 'three':")
    assert problems[1].startswith("<stdin>:3: -:") and "not valid JSON" in problems[1]


def test_export_import_round_trip_is_identical(remote_fws, server, other_merchant, tmp_path):
    remote_fws.ok("items", "import", str(SAMPLES / "items.csv"))
    remote_fws.ok("outbound", "import", str(SAMPLES / "orders.csv"))
    remote_fws.ok("outbound", "import", str(SAMPLES / "orders.jsonl"))
    exported = remote_fws.ok("outbound", "export").out
    items = remote_fws.ok("items", "list", "-o", "csv").out
    (tmp_path / "export.csv").write_text(exported)
    (tmp_path / "items.csv").write_text(items)

    # The export is what was imported: re-imported as is, every order is the same order.
    remote_fws.ok("outbound", "import", str(tmp_path / "export.csv"))
    assert remote_fws.ok("outbound", "export").out == exported

    other = remote_fws.env | {"FWS_ACCESS_KEY_ID": other_merchant.access_key_id,
                              "FWS_SECRET_ACCESS_KEY": other_merchant.secret_access_key,
                              "XDG_STATE_HOME": str(tmp_path / "other-state")}
    run = type(remote_fws)(other)
    run.ok("items", "import", str(tmp_path / "items.csv"), "--concurrency", "1")
    run.ok("outbound", "import", str(tmp_path / "export.csv"), "--concurrency", "1")
    assert sorted(run.ok("outbound", "export").out.splitlines()) == sorted(exported.splitlines())
    assert without_fnsku(run.ok("items", "list", "-o", "csv").out) == without_fnsku(items)

    lines = run.ok("outbound", "export", "-o", "ndjson").out
    run.ok("outbound", "import", "-", "--format", "jsonl", input=lines)
    assert sorted(run.ok("outbound", "export").out.splitlines()) == sorted(exported.splitlines())


def without_fnsku(text: str) -> list[list[str]]:
    """Item rows without the FNSKU column: FNSKUs are made by the service, per merchant."""
    rows = list(csv.reader(io.StringIO(text)))
    drop = rows[0].index("FNSKU")
    return sorted(row[:drop] + row[drop + 1:] for row in rows)


def test_samples_import_on_the_embedded_service(embedded_fws):
    embedded_fws.ok("items", "import", str(SAMPLES / "items.csv"))
    embedded_fws.ok("outbound", "import", str(SAMPLES / "orders.csv"))
    embedded_fws.ok("outbound", "import", str(SAMPLES / "orders.jsonl"))
    embedded_fws.ok("inbound", "import", str(SAMPLES / "inbound.csv"))
    shipment = embedded_fws.ok("inbound", "items", "SHIP-0001", "-o", "json").json()
    assert {row["MerchantSKU"]: row["QuantityShipped"] for row in shipment} == \
        {"SKU-RED-MUG": 120, "SKU-BLUE-MUG": 80, "SKU-TEA-TIN": 40}


def test_ctrl_c_loses_nothing_that_was_confirmed(registered, db, merchant, tmp_path):
    path = tmp_path / "orders.csv"
    expected = orders_file(path, 600)
    process = subprocess.Popen([FWS, "outbound", "import", str(path)], env=registered.env,
                               stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                               stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 60
    while len(stored_orders(db, merchant.merchant_id)) < 100:
        assert process.poll() is None and time.monotonic() < deadline
        time.sleep(0.01)
    process.send_signal(signal.SIGINT)
    assert process.wait(timeout=30) == 130, process.stderr.read()
    created = set(stored_orders(db, merchant.merchant_id))
    assert len(created) < len(expected)

    registered.ok("outbound", "import", str(path), "--results", str(tmp_path / "rerun.csv"))
    done_before = {r["MerchantFulfillmentOrderId"] for r in read_results(tmp_path / "rerun.csv")
                   if r["Outcome"] == "done-before"}
    assert done_before == created  # every order the service took was journalled before exiting
    assert stored_orders(db, merchant.merchant_id) == expected


def test_throttling_is_waited_out(db, merchant, tmp_path):
    from fwscli.service.app import FwsApp
    from fwscli.service.limits import Limit
    from fwscli.service.throttle import Throttle

    from ..http import LiveServer
    from .conftest import _remote

    app = FwsApp(db, throttle=Throttle(db, {"read": Limit(rate=100, burst=10),
                                            "write": Limit(rate=40, burst=5)}))
    with LiveServer(app) as server:
        fws = _remote(tmp_path, server, merchant)
        fws.ok("items", "register", *SKUS, "-o", "off")
        path = tmp_path / "orders.csv"
        expected = orders_file(path, 120)
        result = fws.ok("outbound", "import", str(path), "--concurrency", "8",
                        "--results", str(tmp_path / "results.csv"), "--debug")
    assert "HTTP 503" in result.err  # it was throttled, and still
    assert {r["Outcome"] for r in read_results(tmp_path / "results.csv")} == {"ok"}
    assert stored_orders(db, merchant.merchant_id) == expected


@pytest.mark.parametrize("command, sample", [
    ("items", "items.csv"), ("outbound", "orders.csv"), ("inbound", "inbound.csv"),
])
def test_a_refused_import_has_a_results_line_for_every_row(embedded_fws, tmp_path, command, sample):
    """The results have one line per row, when nothing is sent too: the valid rows of a
    refused import (or of --validate-only) are `not-sent`; they were missing, as if lost."""
    path = tmp_path / sample
    path.write_text(without_first_cell(sample, 2))
    rows = len(path.read_text().splitlines())
    results = tmp_path / "results.csv"
    refused = embedded_fws(command, "import", str(path), "--results", str(results))
    assert refused.code == 252, refused.err
    lines = read_results(results)
    assert [int(line["Row"]) for line in lines] == list(range(2, rows + 1))
    assert [line["Outcome"] for line in lines] == ["invalid"] + ["not-sent"] * (rows - 2)
    assert {line["Error"] for line in lines[1:]} == \
        {"not sent: the import was refused for invalid rows (--skip-invalid sends the valid units)"}
    key = list(lines[0])[1]  # MerchantSKU, MerchantFulfillmentOrderId, ShipmentId
    assert lines[0][key] == "" and all(line[key] for line in lines[1:])

    path.write_text((SAMPLES / sample).read_text())
    embedded_fws.ok(command, "import", str(path), "--validate-only", "--results", str(results))
    assert [(int(line["Row"]), line["Outcome"], line["Error"]) for line in read_results(results)] == \
        [(row, "not-sent", "not sent: --validate-only") for row in range(2, rows + 1)]


def test_a_refused_import_says_whether_rows_or_the_file_itself_were_the_reason(embedded_fws, tmp_path):
    """docs/formats.md: a `not-sent` row's Error says which refusal it was: invalid rows
    elsewhere (which --skip-invalid would get past) or the file's own problems (never)."""
    lines = (SAMPLES / "orders.csv").read_text().splitlines()
    path, results = tmp_path / "orders.csv", tmp_path / "results.csv"
    path.write_text("\n".join([lines[0] + ",Bogus"] + [line + "," for line in lines[1:]]) + "\n")
    refused = embedded_fws("outbound", "import", str(path), "--skip-invalid", "--results", str(results))
    assert refused.code == 252, refused.err
    not_sent = {line["Error"] for line in read_results(results) if line["Outcome"] == "not-sent"}
    assert not_sent == {"not sent: the import was refused for the file's problems"}


def test_spreadsheet_dialects_import_as_written(embedded_fws, tmp_path):
    """European Excel's CSV (UTF-8 with BOM, `;`, CRLF) and its "Unicode text" (UTF-16 with
    its mark, tabs), without --encoding; a cp1252 file read as UTF-8 is named where it breaks."""
    rows = [["MerchantSKU", "ASIN", "Condition"], ["SKU-1", "B000000001", "NewItem"],
            ["SKU-2", "B000000002", "UsedGood"]]
    semicolons = tmp_path / "excel.csv"
    semicolons.write_bytes("\r\n".join(";".join(r) for r in rows).encode("utf-8-sig") + b"\r\n")
    tabs = tmp_path / "unicode.txt"
    tabs.write_bytes("\r\n".join("\t".join(r) for r in rows).replace("SKU-", "SKÜ-").encode("utf-16"))
    for path in (semicolons, tabs):
        result = embedded_fws("items", "import", str(path), "--results", "-")
        assert result.code == 0, result.err
        assert [r["Outcome"] for r in csv.DictReader(io.StringIO(result.out))] == ["ok", "ok"]
    listed = embedded_fws.ok("items", "list", "-o", "json").json()
    assert {"SKU-1", "SKU-2", "SKÜ-1", "SKÜ-2"} <= {item["MerchantSKU"] for item in listed}

    latin = tmp_path / "latin.csv"
    latin.write_bytes("MerchantSKU\nSKU-3\nSKU-Müller\nSKU-4\nSKU-Zoë\n".encode("cp1252"))
    result = embedded_fws("items", "import", str(latin), "--skip-invalid", "--results", "-")
    assert result.code == 252  # the file's problem: never skipped
    assert problem_lines(result.err) == [
        f"{latin}:3: MerchantSKU: 'SKU-M\ufffdller': byte 0xFC is not utf-8 text (use --encoding, e.g. "
        f"cp1252 or cp932)",
        f"{latin}:5: MerchantSKU: 'SKU-Zo\ufffd': byte 0xEB is not utf-8 text (use --encoding, e.g. "
        f"cp1252 or cp932)"], result.err
    assert sorted((r["Row"], r["Outcome"]) for r in csv.DictReader(io.StringIO(result.out))) == [
        ("2", "not-sent"), ("3", "invalid"), ("4", "not-sent"), ("5", "invalid")]


def test_an_empty_csv_file_is_refused(embedded_fws, tmp_path):
    path = tmp_path / "orders.csv"
    path.write_bytes(b"")
    result = embedded_fws("outbound", "import", str(path))
    assert result.code == 252
    assert problem_lines(result.err) == [f"{path}:1: -: the file is empty: its first line must name "
                                         f"the columns"], result.err
    assert embedded_fws("outbound", "import", "-", input="").code == 0  # a nightly export of nothing


def test_a_row_with_a_stray_quote_is_named_and_every_row_has_its_results_line(embedded_fws, tmp_path):
    path = tmp_path / "items.csv"
    path.write_text('MerchantSKU,ASIN,Condition\nSKU-1,B000000001,NewItem\n"SKU-2"x,B000000002,NewItem\n'
                    'SKU-3,B000000003,Mint\nSKU-4,B000000004,NewItem\n')
    result = embedded_fws("items", "import", str(path), "--skip-invalid", "--results", "-")
    assert result.code == 252, result.err  # the file's problem: never skipped
    problems = problem_lines(result.err)
    assert problems[0] == (f"{path}:3: -: not readable as CSV: text follows a quoted cell's closing \" "
                           f"(a \" inside a quoted cell is written \"\")"), result.err
    assert len(problems) == 2 and problems[1].startswith(f"{path}:4: Condition: 'Mint':"), result.err
    assert sorted((r["Row"], r["Outcome"]) for r in csv.DictReader(io.StringIO(result.out))) == [
        ("2", "not-sent"), ("3", "invalid"), ("4", "invalid"), ("5", "not-sent")]
    assert "4 rows" in result.err


def test_a_json_array_file_is_one_problem_not_one_per_line(embedded_fws, tmp_path):
    path = tmp_path / "items.json"
    path.write_text('[\n  {"MerchantSKU": "SKU-1"},\n  {"MerchantSKU": "SKU-2"}\n]\n')
    result = embedded_fws("items", "import", str(path))
    assert result.code == 252
    assert problem_lines(result.err) == [f"{path}:1: -: '[': a JSON array: the file must be JSON lines, "
                                         f"one object per line (jq -c '.[]' writes an array's objects so)"]


def test_two_exports_joined_import_with_the_second_header_one_invalid_row(embedded_fws, tmp_path):
    items = (SAMPLES / "items.csv").read_bytes()
    path = tmp_path / "joined.csv"
    path.write_bytes(items + b"\xef\xbb\xbf" + items.replace(b"SKU-", b"SKU-2-"))
    result = embedded_fws("items", "import", str(path), "--skip-invalid")
    assert result.code == 1, result.err
    assert problem_lines(result.err) == [f"{path}:6: -: the header line again (two files joined into one?)"]
    listed = {item["MerchantSKU"] for item in embedded_fws.ok("items", "list", "-o", "json").json()}
    assert {"SKU-RED-MUG", "SKU-2-RED-MUG", "SKU-GIFT-CARD", "SKU-2-GIFT-CARD"} <= listed


def test_a_workbook_given_for_its_csv_is_named_as_one(embedded_fws, tmp_path):
    import zipfile

    path = tmp_path / "orders.xlsx"
    with zipfile.ZipFile(path, "w") as workbook:
        workbook.writestr("xl/workbook.xml", "<workbook/>")
    result = embedded_fws("outbound", "import", str(path), "--results", str(tmp_path / "results.csv"))
    assert result.code == 252
    assert result.err == (f"fws: error: {path}: a spreadsheet workbook or zip archive (.xlsx, .ods, "
                          f".zip), not text: save the sheet as CSV (UTF-8) and import that\n")
