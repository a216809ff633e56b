"""An import stopped part-way — Ctrl-C, SIGTERM, the endpoint cut, the keys refused, a
service that keeps failing — through the real `fws` against a real `fws server` (gunicorn,
a free port): every row of the file still has exactly one results line, the rows reported
`ok` are on the service, the `not-sent` ones are not, and the one-line error says how many
rows were done and how many were not sent, with the exit code of the cause."""

from __future__ import annotations

import csv
import signal
import subprocess
import time
from collections import Counter
from pathlib import Path

import pytest

from ..production import ServerProcess, TcpProxy, served_url
from .conftest import FWS, Fws, _isolated_env
from .test_import import SAMPLES, SKUS, orders_file, read_results, stored_orders, write_csv

ORDERS = 600


@pytest.fixture
def production(db, tmp_path):
    with ServerProcess(served_url(db), tmp_path, "--no-throttle") as server:
        yield server


def fws_at(url: str, merchant, home: Path, **keys: str) -> Fws:
    env = _isolated_env(home)
    env.update(FWS_ENDPOINT_URL=url, FWS_ACCESS_KEY_ID=keys.get("key", merchant.access_key_id),
               FWS_SECRET_ACCESS_KEY=keys.get("secret", merchant.secret_access_key))
    return Fws(env)


def register_items(fws: Fws, tmp_path: Path) -> None:
    path = tmp_path / "items.csv"
    write_csv(path, [{"MerchantSKU": sku, "ASIN": f"B00000000{n}", "Condition": "NewItem"}
                     for n, sku in enumerate(SKUS)])
    fws.ok("items", "import", str(path))


def start_import(fws: Fws, path: Path, results: Path) -> subprocess.Popen:
    return subprocess.Popen([FWS, "outbound", "import", str(path), "--results", str(results),
                             "--concurrency", "4"],
                            env=fws.env, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE, text=True)


def wait_for_orders(db, merchant, process: subprocess.Popen, count: int) -> None:
    deadline = time.monotonic() + 60
    while len(stored_orders(db, merchant.merchant_id)) < count:
        assert process.poll() is None, process.stderr.read()
        assert time.monotonic() < deadline
        time.sleep(0.01)


def assert_every_row_accounted_for(path: Path, results: Path, db, merchant) -> Counter:
    """One results line per row of the file; `ok` orders are on the service, `not-sent`
    ones are not; an `unconfirmed` one may be either. The outcomes' counts."""
    with path.open(encoding="utf-8") as file:
        rows = {line: row["MerchantFulfillmentOrderId"]
                for line, row in enumerate(csv.DictReader(file), start=2)}
    lines = read_results(results)
    assert sorted(int(line["Row"]) for line in lines) == sorted(rows), "a row without its line, or twice"
    assert all(line["MerchantFulfillmentOrderId"] == rows[int(line["Row"])] for line in lines)
    stored = set(stored_orders(db, merchant.merchant_id))
    by_order: dict[str, set[str]] = {}
    for line in lines:
        by_order.setdefault(line["MerchantFulfillmentOrderId"], set()).add(line["Outcome"])
    assert all(len(outcomes) == 1 for outcomes in by_order.values()), "an order's rows disagree"
    outcomes = {order: outcomes.pop() for order, outcomes in by_order.items()}
    assert {order for order, outcome in outcomes.items() if outcome == "ok"} <= stored
    assert not {order for order, outcome in outcomes.items() if outcome == "not-sent"} & stored
    assert all(line["Error"].startswith("not sent: ") for line in lines if line["Outcome"] == "not-sent")
    return Counter(line["Outcome"] for line in lines)


def error_line(stderr: str) -> str:
    lines = [line for line in stderr.splitlines() if line.strip()]
    assert len(lines) == 1, stderr
    return lines[0]


@pytest.mark.parametrize("signum, cause", [(signal.SIGINT, "interrupted"),
                                           (signal.SIGTERM, "terminated (SIGTERM)")])
def test_interrupted_part_way_every_row_has_its_line(production, db, merchant, tmp_path, signum, cause):
    fws = fws_at(production.url, merchant, tmp_path / "home")
    register_items(fws, tmp_path)
    path, results = tmp_path / "orders.csv", tmp_path / "results.csv"
    expected = orders_file(path, ORDERS)
    process = start_import(fws, path, results)
    wait_for_orders(db, merchant, process, 60)
    process.send_signal(signum)
    _, err = process.communicate(timeout=60)
    assert process.returncode == 130, err

    counts = assert_every_row_accounted_for(path, results, db, merchant)
    assert set(counts) == {"ok", "not-sent"}, counts
    line = error_line(err)
    assert line.startswith(f"fws: error: {cause}; {path}: {counts['ok']} rows done, "
                           f"{counts['not-sent']} not sent; run it again"), line
    assert {r["Error"] for r in read_results(results) if r["Outcome"] == "not-sent"} == \
        {f"not sent: the import was {'interrupted (Ctrl-C)' if signum == signal.SIGINT else 'stopped (SIGTERM)'}"}

    # The re-run sends exactly the rows that were not done.
    fws.ok("outbound", "import", str(path), "--results", str(tmp_path / "rerun.csv"))
    again = Counter(r["Outcome"] for r in read_results(tmp_path / "rerun.csv"))
    assert again == {"done-before": counts["ok"], "ok": counts["not-sent"]}
    assert stored_orders(db, merchant.merchant_id) == expected


def test_endpoint_cut_part_way_every_row_has_its_line(production, db, merchant, tmp_path):
    proxy = TcpProxy(("127.0.0.1", production.port)).start()
    fws = fws_at(f"http://127.0.0.1:{proxy.port}/", merchant, tmp_path / "home")
    register_items(fws, tmp_path)
    path, results = tmp_path / "orders.csv", tmp_path / "results.csv"
    expected = orders_file(path, ORDERS)
    process = start_import(fws, path, results)
    wait_for_orders(db, merchant, process, 60)
    proxy.cut()
    _, err = process.communicate(timeout=120)
    assert process.returncode == 255, err

    counts = assert_every_row_accounted_for(path, results, db, merchant)
    assert counts["ok"] and counts["not-sent"] and set(counts) <= {"ok", "not-sent", "unconfirmed"}
    line = error_line(err)
    assert line.startswith("fws: error: Could not reach") and \
        f"; {path}: {counts['ok']} rows done, {counts['not-sent']} not sent" in line, line
    unconfirmed = [r for r in read_results(results) if r["Outcome"] == "unconfirmed"]
    assert all("sending it again is safe" in r["Error"] for r in unconfirmed)

    # Back through the server itself: the re-run completes the file, nothing twice.
    direct = Fws(fws.env | {"FWS_ENDPOINT_URL": production.url})
    direct.ok("outbound", "import", str(path), "--results", str(tmp_path / "rerun.csv"))
    assert stored_orders(db, merchant.merchant_id) == expected


def test_refused_keys_send_nothing_and_every_row_is_not_sent(production, db, merchant, tmp_path):
    fws = fws_at(production.url, merchant, tmp_path / "home", secret="not-the-secret")
    path, results = tmp_path / "orders.csv", tmp_path / "results.csv"
    orders_file(path, 50)
    refused = fws("outbound", "import", str(path), "--results", str(results))
    assert refused.code == 253, refused.err

    counts = assert_every_row_accounted_for(path, results, db, merchant)
    assert counts == {"not-sent": sum(counts.values())}
    assert stored_orders(db, merchant.merchant_id) == {}
    line = error_line(refused.err)
    assert "SignatureDoesNotMatch" in line and \
        line.endswith(f"; {path}: 0 rows done, {counts['not-sent']} not sent; run it again to send the rest")


def test_a_service_failing_part_way_stops_the_run_and_every_row_has_its_line(app, db, merchant, tmp_path):
    """After the client's retries a server error is not the order's fault: the run stops
    (exit 254) rather than fail every order left, one by one, against a failing service."""
    import threading

    from fwscli.api.errors import InternalError
    from fwscli.wire.xml import write_error

    from ..http import LiveServer

    failing = threading.Event()

    def service(environ, start_response):
        if not failing.is_set():
            return app(environ, start_response)
        environ["wsgi.input"].read(int(environ.get("CONTENT_LENGTH") or 0))
        start_response("500 Internal Server Error", [("Content-Type", "text/xml")])
        return [write_error(None, InternalError("the database went away"), "rid-failing")]

    with LiveServer(service) as server:
        fws = fws_at(server.url, merchant, tmp_path / "home")
        register_items(fws, tmp_path)
        path, results = tmp_path / "orders.csv", tmp_path / "results.csv"
        orders_file(path, 300)
        process = start_import(fws, path, results)
        wait_for_orders(db, merchant, process, 40)
        failing.set()
        _, err = process.communicate(timeout=120)
    assert process.returncode == 254, err

    counts = assert_every_row_accounted_for(path, results, db, merchant)
    assert counts["ok"] and counts["not-sent"] and counts["unconfirmed"], counts
    assert set(counts) == {"ok", "not-sent", "unconfirmed"}, counts
    line = error_line(err)
    assert line.startswith("fws: error: outbound.CreateFulfillmentOrder: InternalError: the database went away") \
        and f"; {path}: {counts['ok']} rows done, {counts['not-sent']} not sent" in line, line
    assert {r["RequestId"] for r in read_results(results) if r["Outcome"] == "unconfirmed"} == {"rid-failing"}


def test_no_keys_at_all_every_row_is_not_sent(tmp_path):
    env = _isolated_env(tmp_path / "home") | {"FWS_ENDPOINT_URL": "http://127.0.0.1:9/"}
    path, results = tmp_path / "orders.csv", tmp_path / "results.csv"
    orders_file(path, 20)
    refused = Fws(env)("outbound", "import", str(path), "--results", str(results))
    assert refused.code == 253, refused.err
    lines = read_results(results)
    assert len(lines) == len(path.read_text().splitlines()) - 1
    assert {line["Outcome"] for line in lines} == {"not-sent"}
    assert "no credentials" in error_line(refused.err).lower() or "credentials" in refused.err, refused.err


def test_interrupted_while_checking_the_rows_read_are_not_sent(embedded_fws, tmp_path):
    """Stopped before anything was sent: the rows read so far have their line (`not-sent`,
    or `invalid`), and the error says nothing was sent. (The rest of stdin is never read.)"""
    path, results = tmp_path / "orders.csv", tmp_path / "results.csv"
    orders_file(path, 2000)
    text = path.read_text()
    process = subprocess.Popen([FWS, "outbound", "import", "-", "--format", "csv", "--results", str(results)],
                               env=embedded_fws.env, stdin=subprocess.PIPE, stdout=subprocess.DEVNULL,
                               stderr=subprocess.PIPE, text=True)
    process.stdin.write(text.replace("Seattle", "", 1))  # line 2 invalid
    process.stdin.flush()  # and stdin stays open: the file is not over
    staging = Path(embedded_fws.env["TMPDIR"])
    deadline = time.monotonic() + 30
    while not list(staging.glob("fws-import-*")):
        assert process.poll() is None and time.monotonic() < deadline
        time.sleep(0.05)
    time.sleep(1.5)  # what stdin has is read
    process.send_signal(signal.SIGINT)
    _, err = process.communicate(timeout=30)
    assert process.returncode == 130, err

    lines = read_results(results)
    read = sorted(int(line["Row"]) for line in lines)
    assert len(read) > 1000 and read == list(range(2, len(read) + 2))  # the rows read, each once
    assert [line["Outcome"] for line in lines if line["Outcome"] != "not-sent"] == ["invalid"]
    assert {line["Error"] for line in lines if line["Outcome"] == "not-sent"} == \
        {"not sent: the import was interrupted (Ctrl-C)"}
    assert err.splitlines() == ["<stdin>:2: DestinationAddress.City: a value is required outside JP",
                                f"fws: error: interrupted; <stdin>: stopped while checking the file; "
                                f"nothing was sent, {len(read) - 1} valid rows so far not sent"]
    assert not list(staging.glob("fws-import-*"))


@pytest.mark.parametrize("command, sample", [("items", "items.csv"), ("inbound", "inbound.csv")])
def test_refused_keys_every_row_of_the_other_imports_is_not_sent(production, merchant, tmp_path,
                                                                  command, sample):
    fws = fws_at(production.url, merchant, tmp_path / "home", key="AKNOSUCHKEY")
    path, results = tmp_path / sample, tmp_path / "results.csv"
    path.write_text((SAMPLES / sample).read_text())
    refused = fws(command, "import", str(path), "--results", str(results))
    assert refused.code == 253, refused.err
    lines = read_results(results)
    assert sorted(int(line["Row"]) for line in lines) == list(range(2, len(path.read_text().splitlines()) + 1))
    assert {line["Outcome"] for line in lines} == {"not-sent"}
    assert "InvalidClientTokenId" in error_line(refused.err)
