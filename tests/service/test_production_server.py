"""The production service: `fws server start` (gunicorn, several workers) on SQLite and on
PostgreSQL — a lifecycle scenario, graceful SIGTERM, crash safety under SIGKILL, throttling
shared by two servers, and the stale-schema refusal."""

from __future__ import annotations

import http.client
import io
import json
import os
import signal
import socket
import subprocess
import threading
import time
from dataclasses import replace
from datetime import datetime, timezone
from typing import Iterator
from urllib.parse import quote, urlencode

import pytest
import requests
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials as BotoCredentials
from sqlalchemy import func, make_url, select, text

from fwscli.api import SERVICES_BY_NAME
from fwscli.client.client import Client
from fwscli.client.session import Credentials, Session
from fwscli.store.database import Database
from fwscli.store.migrations import current_revision, head_revision
from fwscli.store.schema import fulfillment_order_items, fulfillment_orders
from fwscli.warehouse import orders
from fwscli.warehouse.simulation import Simulation
from fwscli.wire.query import encode_request
from fwscli.wire.timestamps import format_timestamp
from fwscli.wire.xml import read_error

from ..http import SignedClient
from ..soap.envelopes import envelope, read_fault
from ..production import FWS, ServerProcess, TcpProxy, database_at, free_port, served_url
from ..warehouse.helpers import add_stock, register_item
from ..warehouse.test_orders import order_request
from .samples import order, shipment

SKUS = [f"SKU-{n}" for n in range(5)]


def client_of(server: ServerProcess, merchant) -> Client:
    return Client(Session(endpoint_url=server.url,
                          credentials=Credentials(merchant.access_key_id, merchant.secret_access_key)))


def register(client: Client, *skus: str) -> None:
    client.call("inbound", "GetFulfillmentIdentifier", {"MerchantItem": [
        {"ASIN": f"B00000{n:04d}", "Condition": "NewItem", "MerchantSKU": sku}
        for n, sku in enumerate(skus)]})


def order_with_items(order_id: str, n: int) -> dict:
    """Order `n` has n % 5 + 1 items: a half-written one would show."""
    return order(order_id, *[(SKUS[i], i + 1) for i in range(n % 5 + 1)])


def whole_orders(db: Database) -> dict[str, int]:
    """Item count of each order in the database."""
    with db.read() as conn:
        rows = conn.execute(
            select(fulfillment_orders.c.merchant_order_id, func.count(fulfillment_order_items.c.id))
            .outerjoin(fulfillment_order_items, fulfillment_order_items.c.order_pk == fulfillment_orders.c.id)
            .group_by(fulfillment_orders.c.merchant_order_id))
        return dict(rows.all())


# --- the scenario -------------------------------------------------------------------------

def lifecycle_scenario(client: Client) -> None:
    """Catalog, inbound, inventory and outbound, as one merchant's integration would go.

    Over the signed HTTP client; the same scenario through the `fws` CLI can be added next
    to it as `test_cli_lifecycle_on_production_server`, using the `production_server`
    fixture (tests/conftest.py).
    """
    for service in ("inbound", "outbound", "inventory"):
        assert "service available" in client.call(service, "GetServiceStatus")["Status"]
    register(client, "SKU-A", "SKU-B")
    client.call("inbound", "PutInboundShipment", shipment("FBA-PROD-1", ("SKU-A", 10), ("SKU-B", 4)))
    client.call("inbound", "SetInboundShipmentStatus", {"ShipmentId": "FBA-PROD-1", "ShipmentStatus": "Shipped"})
    listed = client.call("inbound", "ListInboundShipments", {"ShipmentStatus": ["Shipped"]})
    assert [s["ShipmentId"] for s in listed["ShipmentData"]] == ["FBA-PROD-1"]
    supply = client.call("inventory", "GetInventorySupply", {"MerchantSKU": ["SKU-A", "SKU-B"]})
    assert [s["TotalSupplyQuantity"] for s in supply["MerchantSKUSupply"]] == [10, 4]

    # FillAll: with the stock still inbound, the orders wait for it (and can be cancelled).
    for n in range(5):
        client.call("outbound", "CreateFulfillmentOrder", order(f"PROD-{n}", ("SKU-A", 1), ("SKU-B", 1),
                                                                 FulfillmentPolicy="FillAll"))
    client.call("outbound", "CreateFulfillmentOrder", order("PROD-0", ("SKU-A", 1), ("SKU-B", 1),
                                                            FulfillmentPolicy="FillAll"))
    # Tokens are signed with the secret every worker shares: any worker continues a list.
    page = client.call("outbound", "ListAllFulfillmentOrders", {"NumberOfResultsRequested": 2})
    seen = [o["MerchantFulfillmentOrderId"] for o in page["FulfillmentOrder"]]
    while page["HasNext"]:
        page = client.call("outbound", "ListAllFulfillmentOrdersByNextToken", {"NextToken": page["NextToken"]})
        seen += [o["MerchantFulfillmentOrderId"] for o in page["FulfillmentOrder"]]
    assert seen == [f"PROD-{n}" for n in range(5)]
    client.call("outbound", "CancelFulfillmentOrder", {"MerchantFulfillmentOrderId": "PROD-4"})
    got = client.call("outbound", "GetFulfillmentOrder", {"MerchantFulfillmentOrderId": "PROD-4"})
    assert got["FulfillmentOrder"]["FulfillmentOrderStatus"] == "Cancelled"


@pytest.mark.slow
def test_lifecycle_on_two_workers_then_sigterm(production_server, merchant):
    with client_of(production_server, merchant) as client:
        lifecycle_scenario(client)
    signed = SignedClient(production_server.url, merchant.access_key_id, merchant.secret_access_key)
    request_id = signed.raw("outbound", "GetServiceStatus", []).headers["x-amzn-RequestId"]
    assert production_server.terminate() == 0
    # One access-log line per request, carrying its RequestId.
    assert '"POST / HTTP/1.1" 200 ' in production_server.access_log
    assert f"RequestId={request_id}" in production_server.access_log


def test_a_get_request_of_a_legacy_client_sending_many_items_is_served(tmp_path):
    # The Mule client sends every request as a GET, its items in the query string (~80
    # bytes each): gunicorn's default 4094-byte request line refused 50 SKUs with an HTML
    # 414, no RequestId, not even an access-log line. 8190 is what Apache and nginx take.
    with ServerProcess(str(tmp_path / "fws.db"), tmp_path, workers=1, threads=1) as server:
        query = urlencode([("Action", "GetFulfillmentIdentifier"), ("Version", "2007-05-10")] + [
            (name, value) for n in range(70)
            for name, value in (("MerchantItem.MerchantSKU", f"MULE-SKU-{n:04d}"),
                                ("MerchantItem.ASIN", "B000MULE01"), ("MerchantItem.Condition", "NewItem"))])
        assert 4094 < len(query) < 8000
        reply = requests.get(f"{server.url}?{query}", timeout=10)
        # Unsigned, so refused: by the service, in its own words.
        assert reply.status_code == 403, reply.text
        assert "<Code>MissingAuthenticationToken</Code>" in reply.text
        assert server.terminate() == 0
        assert f"RequestId={reply.headers['x-amzn-RequestId']}" in server.access_log


def test_the_access_log_never_shows_a_signature_of_a_get_request(db, merchant, tmp_path):
    # A SigV0 GET (the Mule client) signs only Action and Timestamp: whoever read its
    # Signature in the log could send any request of that Action as the merchant for 15
    # minutes; a presigned URL's X-Amz-Signature works for as long as X-Amz-Expires says.
    from botocore.auth import SigV4QueryAuth

    from ..legacy_signer import sign_v0

    mule = sign_v0([("Action", "ListAllFulfillmentOrders"), ("Version", "2007-08-02")],
                   merchant.access_key_id, merchant.secret_access_key, send_version=False)
    mule_signature = dict(mule)["Signature"]
    with ServerProcess(served_url(db), tmp_path, workers=1, threads=1) as server:
        first = requests.get(f"{server.url}?{urlencode(mule)}", timeout=10)
        presign = AWSRequest(method="GET", url=server.url, params=[
            ("Action", "GetServiceStatus"), ("Version", "2007-08-02")])
        SigV4QueryAuth(BotoCredentials(merchant.access_key_id, merchant.secret_access_key), "fws",
                       "us-east-1", expires=3600).add_auth(presign)
        url = presign.prepare().url
        second = requests.get(url, timeout=10)
        assert server.terminate() == 0
    assert first.status_code == second.status_code == 200, (first.text, second.text)
    log = server.access_log
    for reply in (first, second):
        assert f"RequestId={reply.headers['x-amzn-RequestId']}" in log
    assert quote(mule_signature, safe="") not in log and mule_signature not in log
    assert url.rpartition("X-Amz-Signature=")[2] not in log
    assert "Signature=REDACTED" in log and "X-Amz-Signature=REDACTED" in log
    assert "Action=ListAllFulfillmentOrders" in log  # the rest of the line is kept


# --- graceful stop ------------------------------------------------------------------------

def signed_request(server: ServerProcess, merchant, action: str, request: dict) -> bytes:
    """The raw bytes of a SigV4-signed form POST, to be sent in pieces."""
    operation = SERVICES_BY_NAME["outbound"].operation(action)
    params = [("Action", action), ("Version", "2007-08-02")] + encode_request(operation, request)
    body = urlencode(params, quote_via=quote, safe="-_.~")
    signed = AWSRequest(method="POST", url=server.url, data=body,
                        headers={"Content-Type": "application/x-www-form-urlencoded; charset=utf-8"})
    SigV4Auth(BotoCredentials(merchant.access_key_id, merchant.secret_access_key), "fws",
              "us-east-1").add_auth(signed)
    headers = "".join(f"{name}: {value}\r\n" for name, value in signed.prepare().headers.items())
    return (f"POST / HTTP/1.1\r\nHost: 127.0.0.1:{server.port}\r\n{headers}"
            f"Connection: close\r\n\r\n{body}").encode()


def read_reply(sock: socket.socket) -> tuple[int, bytes]:
    with sock:
        reply = http.client.HTTPResponse(sock)
        reply.begin()
        return reply.status, reply.read()


@pytest.mark.slow
def test_sigterm_answers_every_request_in_flight(db, merchant, tmp_path):
    with ServerProcess(served_url(db), tmp_path, "--no-throttle") as server:
        with client_of(server, merchant) as client:
            register(client, *SKUS)
        # Four requests whose bodies are half sent: a worker thread is inside each of them.
        requests_ = [signed_request(server, merchant, "CreateFulfillmentOrder",
                                    order_with_items(f"FLIGHT-{n}", n)) for n in range(4)]
        sockets = [socket.create_connection(("127.0.0.1", server.port)) for _ in requests_]
        for sock, raw in zip(sockets, requests_):
            sock.sendall(raw[:-40])
        time.sleep(0.5)
        server.process.send_signal(signal.SIGTERM)
        time.sleep(1.0)
        for sock, raw in zip(sockets, requests_):
            sock.sendall(raw[-40:])
        replies = [read_reply(sock) for sock in sockets]
        assert server.process.wait(30) == 0
    assert [status for status, _ in replies] == [200] * 4, replies
    orders = whole_orders(db)
    assert {f"FLIGHT-{n}": n % 5 + 1 for n in range(4)}.items() <= orders.items()


# --- crash safety -------------------------------------------------------------------------

def send_creates(server: ServerProcess, merchant, ids: Iterator[tuple[int, str]], answered: list[str],
                 failures: list[str]) -> None:
    """Create orders until the ids run out or the server is gone."""
    client = SignedClient(server.url, merchant.access_key_id, merchant.secret_access_key)
    for n, order_id in ids:
        try:
            client.call("outbound", "CreateFulfillmentOrder", order_with_items(order_id, n))
        except (requests.ConnectionError, requests.exceptions.ChunkedEncodingError):
            return  # killed under our feet
        except Exception as error:  # noqa: BLE001 - reported by the test
            failures.append(f"{order_id}: {error!r}")
            return
        answered.append(order_id)


@pytest.mark.slow
def test_sigkill_during_creates_leaves_each_order_whole_or_absent(db, merchant, tmp_path):
    ids = [(n, f"CRASH-{n}") for n in range(3000)]
    answered: list[str] = []
    failures: list[str] = []
    server = ServerProcess(served_url(db), tmp_path, "--no-throttle", name="crashed").start()
    try:
        with client_of(server, merchant) as client:
            register(client, *SKUS)
        queue = iter(ids)
        lock = threading.Lock()

        def locked():
            while True:
                with lock:
                    item = next(queue, None)
                if item is None:
                    return
                yield item

        senders = [threading.Thread(target=send_creates, args=(server, merchant, locked(), answered, failures))
                   for _ in range(6)]
        for sender in senders:
            sender.start()
        deadline = time.monotonic() + 20
        while len(answered) < 150 and time.monotonic() < deadline:
            time.sleep(0.01)
        server.kill()
        for sender in senders:
            sender.join(30)
    finally:
        server.kill()
    assert not failures
    assert len(answered) >= 150

    orders = whole_orders(db)
    expected = {order_id: n % 5 + 1 for n, order_id in ids}
    assert set(answered) <= set(orders)
    assert all(orders[order_id] == expected[order_id] for order_id in orders), "a half-written order"
    if db.is_sqlite:
        with db.read() as conn:
            assert conn.execute(text("PRAGMA integrity_check")).scalar_one() == "ok"

    # Restarted, the same creates sent again (as a client retries) complete the set.
    with ServerProcess(served_url(db), tmp_path, "--no-throttle", name="restarted") as server:
        retry = iter(ids[:len(orders) + 50])
        send_creates(server, merchant, retry, answered, failures)
    assert not failures
    orders = whole_orders(db)
    assert {order_id: expected[order_id] for _, order_id in ids[:len(orders)]} == orders


# --- throttling across servers ------------------------------------------------------------

@pytest.mark.slow
def test_two_servers_share_the_throttle_and_the_client_rides_it_out(db, merchant, tmp_path):
    limits = ("--write-rate", "10", "--write-burst", "5")
    url = served_url(db)
    with ServerProcess(url, tmp_path, *limits, workers=1, name="a") as a, \
            ServerProcess(url, tmp_path, *limits, workers=1, name="b") as b:
        with client_of(a, merchant) as client:
            register(client, *SKUS)
        time.sleep(1)  # the bucket full again after the registration
        raw = [SignedClient(server.url, merchant.access_key_id, merchant.secret_access_key)
               for server in (a, b)]
        started = time.monotonic()
        replies = []
        for n in range(16):
            params = [("Action", "GetFulfillmentIdentifierForMSKU"), ("MerchantSKU.1", f"BURST-{n}")]
            replies.append((n % 2, raw[n % 2].send("inbound", params)))
        elapsed = time.monotonic() - started
        allowed = [reply for _, reply in replies if reply.status == 200]
        throttled = [(server, reply) for server, reply in replies if reply.status == 503]
        assert len(allowed) + len(throttled) == 16
        assert 5 <= len(allowed) <= 5 + 10 * elapsed + 1
        assert {server for server, _ in throttled} == {0, 1}
        for _, reply in throttled:
            assert read_error(reply.body).code == "RequestThrottled"
            assert int(reply.headers["Retry-After"]) >= 1

        # The fws client waits as told and retries: the work completes, no error shown.
        done: list[str] = []
        errors: list[Exception] = []

        def work(server: ServerProcess, prefix: str) -> None:
            with client_of(server, merchant) as client:
                for n in range(12):
                    try:
                        client.call("outbound", "CreateFulfillmentOrder", order_with_items(f"{prefix}-{n}", n))
                    except Exception as error:  # noqa: BLE001 - reported by the test
                        errors.append(error)
                        return
                    done.append(f"{prefix}-{n}")

        workers = [threading.Thread(target=work, args=(server, name)) for server, name in ((a, "A"), (b, "B"))]
        for worker in workers:
            worker.start()
        for worker in workers:
            worker.join(120)
    assert errors == []
    orders = whole_orders(db)
    assert all(orders[f"{prefix}-{n}"] == n % 5 + 1 for prefix in "AB" for n in range(12))


# --- schema revisions ---------------------------------------------------------------------

@pytest.fixture
def old_database(db, tmp_path):
    """A database of this test's kind at the first schema revision."""
    with database_at(db, tmp_path, "0001") as old:
        yield old


def test_a_server_started_in_auto_mode_moves_what_a_manual_one_left_to_operators(db, make_context, merchant,
                                                                                  tmp_path):
    # Planned while the warehouse ran in manual mode: it waits for an operator to pick it.
    item_id, _ = register_item(db, merchant.merchant_id, "SKU-0")
    add_stock(db, merchant.merchant_id, item_id, 3)
    manual = replace(make_context(merchant, now=datetime.now(timezone.utc)), simulation=Simulation("manual"))
    orders.create_order(manual, order_request("LEFT-1", items=[
        {"MerchantSKU": "SKU-0", "MerchantFulfillmentOrderItemId": "1", "Quantity": 2}]))
    with ServerProcess(served_url(db), tmp_path, "--warehouse-delays", "pick=1s,ship=1s") as server:
        client = SignedClient(server.url, merchant.access_key_id, merchant.secret_access_key)
        deadline = time.monotonic() + 20
        status = None
        while status != "Complete" and time.monotonic() < deadline:
            time.sleep(0.5)
            status = client.call("outbound", "GetFulfillmentOrder", {"MerchantFulfillmentOrderId": "LEFT-1"}
                                 )["FulfillmentOrder"]["FulfillmentOrderStatus"]
        assert status == "Complete"
        assert "1 orders and inbound shipments" in server.stderr


def test_start_refuses_a_stale_schema_until_upgraded(old_database, tmp_path):
    url = served_url(old_database)
    started = subprocess.run([FWS, "server", "start", "--database", url, "--port", "1"],
                             capture_output=True, text=True, timeout=60)
    assert started.returncode == 253
    assert "fws server upgrade" in started.stderr
    upgraded = subprocess.run([FWS, "server", "upgrade", "--database", url],
                              capture_output=True, text=True, timeout=60)
    assert upgraded.returncode == 0, upgraded.stderr
    assert current_revision(old_database) == head_revision()


def test_start_refuses_a_region_no_client_could_sign_for(tmp_path):
    started = subprocess.run([FWS, "--region", "eu west", "server", "start", "--database",
                              str(tmp_path / "fws.db"), "--port", "1"], capture_output=True, text=True, timeout=60)
    assert started.returncode == 2 and "--region" in started.stderr, started.stderr
    assert not (tmp_path / "fws.db").exists()  # refused before anything was created


# --- its fulfillment network -------------------------------------------------------------

def _center(code: str, state: str, city: str, postal: str) -> dict:
    return {"code": code, "address": {"Name": f"Dock {code}", "AddressLine1": "1 Dock Road",
                                      "City": city, "StateOrProvinceCode": state,
                                      "CountryCode": "US", "PostalCode": postal}}


NETWORK = {"split_width": 1, "centers": [
    {**_center("EST1", "NJ", "Newark", "07102"), "serves": ["NJ", "NY"]},
    {**_center("WST1", "WA", "Kent", "98032"), "serves": ["WA", "OR"]},
]}
SHIP_FROM = {"Name": "Ada", "AddressLine1": "1 Main St", "City": "Seattle",
             "StateOrProvinceCode": "WA", "CountryCode": "US", "PostalCode": "98101"}


def _fws(env: dict[str, str], *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([FWS, *args], capture_output=True, text=True, env=env, timeout=60,
                          stdin=subprocess.DEVNULL)


def test_a_server_with_its_own_network_plans_receives_and_ships_from_its_centers(db, merchant, tmp_path):
    network = tmp_path / "network.json"
    network.write_text(json.dumps(NETWORK))
    address = tmp_path / "address.json"
    address.write_text(json.dumps(SHIP_FROM))
    destination = tmp_path / "destination.json"
    destination.write_text(json.dumps({"Name": "Bob", "Line1": "2 Pine St", "City": "Portland",
                                       "StateOrProvinceCode": "OR", "CountryCode": "US", "PostalCode": "97201"}))
    delays = "pick=1s,ship=1s,in_transit=1s,deliver=1s,check_in=1s,receive=1s"
    with ServerProcess(served_url(db), tmp_path, "--network", str(network), "--warehouse-delays", delays) as server:
        assert f"network {network}: 2 centers" in server.stderr
        env = {name: value for name, value in os.environ.items() if not name.startswith("FWS_")}
        env.update(HOME=str(tmp_path), XDG_CONFIG_HOME=str(tmp_path / "config"), NO_COLOR="1",
                   FWS_ENDPOINT_URL=server.url, FWS_ACCESS_KEY_ID=merchant.access_key_id,
                   FWS_SECRET_ACCESS_KEY=merchant.secret_access_key)

        def fws(*args: str):
            done = _fws(env, *args, "-o", "json")
            assert done.returncode == 0, f"fws {' '.join(args)} exited {done.returncode}: {done.stderr}"
            return json.loads(done.stdout) if done.stdout.strip() else None

        fws("items", "register", "SKU-A", "SKU-B")
        items = ["--item", "SKU-A=5", "--item", "SKU-B=3"]
        # Each request may reach either worker: every one plans with the same network.
        for _ in range(4):
            [previewed] = fws("inbound", "preview", "--from", f"@{address}", *items)
            assert previewed["DestinationFulfillmentCenter"] == "WST1"
            assert previewed["ShipToAddress"]["Name"] == "Dock WST1"
        [planned] = fws("inbound", "plan", "--from", f"@{address}", *items)
        shipment_id = planned["ShipmentId"]
        assert fws("inbound", "get", shipment_id)["DestinationFulfillmentCenter"] == "WST1"
        # The built-in centers are not this server's.
        refused = _fws(env, "inbound", "create", "FBA-ELSEWHERE", "--name", "x", "--fc", "PHL1", "--from", f"@{address}",
                       "--item", "SKU-A=1")
        assert refused.returncode == 254 and "no such fulfillment center" in refused.stderr, refused.stderr
        fws("inbound", "ship", shipment_id)

        client = SignedClient(server.url, merchant.access_key_id, merchant.secret_access_key)
        deadline = time.monotonic() + 30
        in_stock = 0
        while in_stock < 5 and time.monotonic() < deadline:
            time.sleep(0.5)
            supply = client.call("inventory", "GetInventorySupply", {"MerchantSKU": ["SKU-A"]})
            in_stock = supply["MerchantSKUSupply"][0]["InStockSupplyQuantity"]
        assert in_stock == 5

        fws("outbound", "create", "CUSTOM-1", "--to", f"@{destination}", "--item", "SKU-A=2", "--speed", "Standard")
        fws("outbound", "wait", "CUSTOM-1", "--for", "Complete", "--timeout", "30", "--interval", "0.5")
        order = fws("outbound", "get", "CUSTOM-1")
    centers = {shipment["FulfillmentCenterId"] for shipment in order["FulfillmentShipment"]}
    assert centers == {"WST1"}


@pytest.mark.parametrize("content, expected", [
    ('{"centers": [\n  {"code": "WST1",}\n]}', "line 2, column 19: "),
    (json.dumps({"centers": [_center("WST1", "WA", "Kent", "98032")] * 2}), "centers[1].code: WST1 is also"),
    (json.dumps({"centers": [{**_center("WST1", "WA", "Kent", "98032"), "serves": "WA"}]}), "centers[0].serves: "),
    (None, "cannot read it"),
])
def test_start_refuses_a_bad_network_file_naming_it_and_the_place(tmp_path, content, expected):
    network = tmp_path / "network.json"
    if content is not None:
        network.write_text(content)
    started = subprocess.run([FWS, "server", "start", "--database", str(tmp_path / "fws.db"),
                              "--port", str(free_port()), "--network", str(network)],
                             capture_output=True, text=True, timeout=60)
    assert started.returncode == 253, started.stderr
    assert f"{network}: {expected}" in started.stderr, started.stderr
    assert "serving on" not in started.stderr
    assert not (tmp_path / "fws.db").exists()  # refused before anything was created


def test_the_network_file_is_read_once_and_every_worker_gets_it(tmp_path, monkeypatch):
    from typer.testing import CliRunner

    from fwscli.cli import server as server_cli
    from fwscli.service import serve

    network = tmp_path / "network.json"
    network.write_text(json.dumps(NETWORK))
    given = []
    monkeypatch.setattr(serve, "serve", lambda settings, **kwargs: given.append(settings))
    result = CliRunner().invoke(server_cli.app, ["start", "--database", str(tmp_path / "fws.db"),
                                                 "--port", str(free_port())],
                                env={"FWS_NETWORK_FILE": str(network)})
    assert result.exit_code == 0, result.output
    [settings] = given
    assert [center.code for center in settings.network.centers] == ["EST1", "WST1"]
    network.unlink()  # the workers build their apps from what the master read
    monkeypatch.setattr(serve.FwsApp, "start_scheduler", lambda app: None)  # no threads here
    monkeypatch.setattr(serve.Checkpointer, "start", lambda checkpointer: None)
    app = serve.build_app(settings)
    assert app.network is settings.network
    app.db.dispose()


# --- where it listens ---------------------------------------------------------------------

def test_start_on_a_busy_port_says_so_with_a_documented_exit_code(tmp_path):
    # gunicorn retried for five seconds, then exited 1: DESIGN.md's "some rows of a batch failed".
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        started = subprocess.run([FWS, "server", "start", "--database", str(tmp_path / "fws.db"),
                                  "--port", str(port)], capture_output=True, text=True, timeout=60)
    assert started.returncode == 253, started.stderr
    assert f"cannot listen on 127.0.0.1:{port}" in started.stderr
    assert "serving on" not in started.stderr


@pytest.mark.parametrize("bind, code, reason", [
    ("unix:{tmp}/no-such-directory/fws.sock", 253, "No such file or directory"),
    ("unix:{tmp}/a-file", 253, "exists and is not a socket"),
    ("fd://999", 253, "Bad file descriptor"),
    ("unix:", 2, "give the socket's path"),
])
def test_start_on_an_address_it_cannot_listen_on_says_so_at_once(tmp_path, bind, code, reason):
    # A unix socket in a missing directory (or at an empty path) was retried for five
    # seconds, then "the server stopped on an error" (255); a path that is a file, or a
    # descriptor that is not open, an unexpected failure (255) after "serving on".
    (tmp_path / "a-file").write_text("")
    bind = bind.format(tmp=tmp_path)
    started = time.monotonic()
    result = subprocess.run([FWS, "server", "start", "--database", str(tmp_path / "fws.db"), "--bind", bind],
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == code, result.stderr
    assert bind in result.stderr and reason in result.stderr, result.stderr
    assert "serving on" not in result.stderr and "unexpected" not in result.stderr
    assert time.monotonic() - started < 4, result.stderr  # not gunicorn's five retries
    assert (tmp_path / "a-file").read_text() == ""


def test_start_on_a_unix_socket_another_server_listens_on_leaves_it_alone(tmp_path):
    # gunicorn removed the socket file and bound its own: the running server still listened,
    # but no new connection could reach it any more.
    path = tmp_path / "fws.sock"
    with socket.socket(socket.AF_UNIX) as running:
        running.bind(str(path))
        running.listen()
        result = subprocess.run([FWS, "server", "start", "--database", str(tmp_path / "fws.db"),
                                 "--bind", f"unix:{path}"], capture_output=True, text=True, timeout=60)
        assert result.returncode == 253, result.stderr
        assert f"cannot listen on unix:{path}: another server is listening" in result.stderr
        with socket.socket(socket.AF_UNIX) as client:
            client.connect(str(path))  # still the running one's


def test_start_on_an_ipv6_host_listens_there(tmp_path):
    # `--host ::1` was refused as "Invalid value for --bind: '::1:8080'", an option not given.
    if not socket.has_ipv6:
        pytest.skip("no IPv6")
    try:
        with socket.socket(socket.AF_INET6) as probe:
            probe.bind(("::1", 0))
    except OSError:
        pytest.skip("no IPv6 loopback")
    port = free_port()
    process = subprocess.Popen([FWS, "server", "start", "--database", str(tmp_path / "fws.db"),
                                "--host", "::1", "--port", str(port), "--workers", "1", "--threads", "1"],
                               stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
                               start_new_session=True)
    try:
        deadline = time.monotonic() + 30
        while True:
            assert process.poll() is None, process.stderr.read()
            try:
                if requests.get(f"http://[::1]:{port}/ping", timeout=2).status_code == 200:
                    break
            except requests.ConnectionError:
                assert time.monotonic() < deadline
                time.sleep(0.1)
        process.send_signal(signal.SIGTERM)
        assert process.wait(30) == 0
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(10)
    assert f"serving on [::1]:{port} " in process.stderr.read()


@pytest.mark.parametrize("host", ["", " "])
def test_start_on_an_empty_host_is_a_usage_error_not_every_interface(tmp_path, host):
    # An unset variable (`--host "$HOST"`) made gunicorn listen on 0.0.0.0: the service,
    # local only by default, open to the network without anyone asking.
    started = subprocess.run([FWS, "server", "start", "--database", str(tmp_path / "fws.db"), "--host", host,
                              "--port", str(free_port())], capture_output=True, text=True, timeout=60)
    assert started.returncode == 2, started.stderr
    assert "--host" in started.stderr and "serving on" not in started.stderr


def test_an_unknown_warehouse_mode_is_a_usage_error_naming_it(tmp_path):
    # The message gave the choices, not the value, which may come from the environment.
    env = {**os.environ, "FWS_WAREHOUSE_MODE": "simulated"}
    started = subprocess.run([FWS, "server", "start", "--database", str(tmp_path / "fws.db"), "--port", "0"],
                             capture_output=True, text=True, timeout=60, env=env)
    assert started.returncode == 2, started.stderr
    assert "--warehouse-mode: 'simulated': must be one of manual, auto" in started.stderr, started.stderr
    assert not (tmp_path / "fws.db").exists()


def test_start_with_a_malformed_bind_address_is_a_usage_error(tmp_path):
    started = subprocess.run([FWS, "server", "start", "--database", str(tmp_path / "fws.db"),
                              "--bind", "127.0.0.1:http"], capture_output=True, text=True, timeout=60)
    assert started.returncode == 2, started.stderr
    assert "--bind" in started.stderr and "127.0.0.1:http" in started.stderr


@pytest.mark.parametrize("args, culprit", [(["--port", "70000"], "--port"),
                                            (["--bind", "127.0.0.1:99999"], "--bind")])
def test_start_on_a_port_past_65535_is_a_usage_error(tmp_path, args, culprit):
    # It was an unexpected failure (255, OverflowError from the bind check), after the
    # database had been made.
    started = subprocess.run([FWS, "server", "start", "--database", str(tmp_path / "fws.db"), *args],
                             capture_output=True, text=True, timeout=60)
    assert started.returncode == 2, started.stderr
    assert culprit in started.stderr and "unexpected" not in started.stderr
    assert not (tmp_path / "fws.db").exists()


@pytest.mark.parametrize("option", ["--read-rate", "--write-rate"])
@pytest.mark.parametrize("rate", ["nan", "inf"])
def test_a_throttle_rate_that_is_not_a_number_is_a_usage_error(tmp_path, option, rate):
    # Click's range check lets NaN through: the server started, and every request of the
    # class answered 500 (a NaN bucket cannot say when to retry).
    started = subprocess.run([FWS, "server", "start", "--database", str(tmp_path / "fws.db"), option, rate],
                             capture_output=True, text=True, timeout=60)
    assert started.returncode == 2, started.stderr
    assert option in started.stderr and "unexpected" not in started.stderr
    assert not (tmp_path / "fws.db").exists()


def test_start_with_a_delay_too_long_to_compute_is_a_usage_error(tmp_path):
    started = subprocess.run([FWS, "server", "start", "--database", str(tmp_path / "fws.db"),
                              "--warehouse-delays", "pick=99999999999999h"],
                             capture_output=True, text=True, timeout=60)
    assert started.returncode == 2, started.stderr
    assert "--warehouse-delays" in started.stderr and "pick=99999999999999h" in started.stderr


def test_start_refuses_an_in_memory_database_up_front(tmp_path):
    # Each worker would open its own, empty database: the server started, then stopped
    # telling the operator to run `fws server upgrade`.
    for url in ("sqlite:///:memory:", "sqlite://", "sqlite:///file:shared?mode=memory&uri=true"):
        started = subprocess.run([FWS, "server", "start", "--database", url, "--port", str(free_port())],
                                 capture_output=True, text=True, timeout=60, cwd=tmp_path)
        assert started.returncode == 2, started.stderr
        assert "--database" in started.stderr and "in-memory" in started.stderr, started.stderr
        assert "serving on" not in started.stderr and "upgrade" not in started.stderr
    assert not list(tmp_path.iterdir())  # nothing was made


def _postgresql_through_proxy(db, **query: str) -> tuple[TcpProxy, str]:
    """A proxy to the test's PostgreSQL, to cut or silence, and the served URL through it
    (with `query`'s parameters); skips on SQLite, which has no server to lose."""
    if db.is_sqlite:
        pytest.skip("a database server to lose: PostgreSQL")
    url = make_url(served_url(db))
    proxy = TcpProxy((url.host or "127.0.0.1", url.port or 5432)).start()
    through = url.set(host="127.0.0.1", port=proxy.port).update_query_dict(query)
    return proxy, through.render_as_string(hide_password=False)


def test_a_worker_restarted_while_the_database_is_down_waits_for_it_instead_of_stopping_the_server(
        db, merchant, tmp_path):
    # A worker that could not open its database failed its boot, and gunicorn stopped the
    # whole server: a PostgreSQL restart during a worker's restart left no server at all.
    proxy, through = _postgresql_through_proxy(db)
    with ServerProcess(through, tmp_path, workers=1, threads=2) as server:
        client = SignedClient(server.url, merchant.access_key_id, merchant.secret_access_key)
        client.call("outbound", "ListAllFulfillmentOrders")
        proxy.cut()
        server.kill_worker()  # gunicorn boots another while the database does not answer
        for _ in range(3):  # the worker tries again, still in vain
            ping = requests.get(server.url + "ping", timeout=30)
            assert (ping.status_code, ping.text) == (503, "database unavailable: it does not answer")
            reply = requests.post(server.url, data={"Action": "ListAllFulfillmentOrders",
                                                    "Version": "2007-08-02"}, timeout=30)
            assert reply.status_code == 503 and reply.headers["Retry-After"] == "1", reply.text
            assert read_error(reply.content).code == "ServiceUnavailable"
            time.sleep(0.6)
        assert server.process.poll() is None, server.stderr[-2000:]
        proxy.start()
        deadline = time.monotonic() + 30
        while requests.get(server.url + "ping", timeout=30).status_code != 200:
            assert time.monotonic() < deadline, server.stderr[-2000:]
            time.sleep(0.2)
        client.call("outbound", "ListAllFulfillmentOrders")
        assert len(server.booted_workers()) == 2  # the first, and the one that waited
    assert "answering 503 until it answers" in server.stderr
    assert "internal error" not in server.stderr


def _soap_call(server: ServerProcess, merchant) -> requests.Response:
    """GetServiceStatus over SOAP, signed as Axis signs it (text/xml and a SOAPAction)."""
    body = envelope(SERVICES_BY_NAME["outbound"], "GetServiceStatus", "", key=merchant.access_key_id,
                    secret=merchant.secret_access_key, timestamp=format_timestamp(datetime.now(timezone.utc)))
    return requests.post(server.url, data=body, timeout=30, headers={
        "Content-Type": "text/xml; charset=utf-8", "SOAPAction": '"GetServiceStatus"'})


def _assert_soap_unavailable(reply: requests.Response) -> None:
    assert reply.status_code == 500 and reply.headers["Retry-After"] == "1", reply.text
    fault = read_fault(reply.content)
    assert fault.code == "aws:Server.ServiceUnavailable" and fault.request_id == reply.headers["x-amzn-RequestId"]


def test_soap_calls_while_postgresql_is_cut_off_answer_a_fault_to_retry(db, merchant, tmp_path):
    # They answered 500 InternalError, with a traceback in the log for each.
    proxy, through = _postgresql_through_proxy(db)
    with ServerProcess(through, tmp_path, workers=1, threads=2) as server:
        assert _soap_call(server, merchant).status_code == 200
        proxy.cut()  # the worker's pooled connections end, new ones are refused
        for _ in range(2):
            _assert_soap_unavailable(_soap_call(server, merchant))
        server.kill_worker()  # one booted while the database is away answers the same
        _assert_soap_unavailable(_soap_call(server, merchant))
        proxy.start()
        deadline = time.monotonic() + 30
        while _soap_call(server, merchant).status_code != 200:
            assert time.monotonic() < deadline, server.stderr[-2000:]
            time.sleep(0.2)
    assert "the database is unavailable" in server.stderr
    assert "internal error" not in server.stderr and "Traceback" not in server.stderr


def test_a_database_host_gone_silent_is_a_503_in_bounded_time(db, merchant, tmp_path):
    # A PostgreSQL host that vanishes without a word (no RST) left each connection attempt
    # waiting 130 s (psycopg's default): the worker gunicorn booted meanwhile hung in its
    # boot that long, and no request got an answer. connect_timeout (5 s unless the URL
    # says otherwise, here 2 s) bounds it.
    proxy, through = _postgresql_through_proxy(db, connect_timeout="2")
    try:
        with ServerProcess(through, tmp_path, workers=1, threads=2) as server:
            client = SignedClient(server.url, merchant.access_key_id, merchant.secret_access_key)
            client.call("outbound", "ListAllFulfillmentOrders")
            proxy.blackhole()
            # A new worker, as after a crash or a HUP: one whose pooled connections TCP
            # could tell gone (not through this local proxy) would fare the same.
            server.kill_worker()
            for _ in range(2):
                started = time.monotonic()
                reply = requests.post(server.url, data={"Action": "ListAllFulfillmentOrders",
                                                        "Version": "2007-08-02"}, timeout=25)
                assert reply.status_code == 503 and reply.headers["Retry-After"] == "1", reply.text
                assert read_error(reply.content).code == "ServiceUnavailable"
                _assert_soap_unavailable(_soap_call(server, merchant))
                ping = requests.get(server.url + "ping", timeout=25)
                assert (ping.status_code, ping.text) == (503, "database unavailable: it does not answer")
                assert time.monotonic() - started < 15, server.stderr[-2000:]
                time.sleep(1.1)  # the worker tries its database again
            assert len(server.booted_workers()) == 2, server.stderr[-2000:]
        assert "connection timeout expired" in server.stderr
    finally:
        proxy.cut()


def test_a_worker_answers_503_until_its_database_answers():
    from fwscli.service.serve import AppSettings, WorkerApp
    from fwscli.wire.xml import read_error as error_of

    # Nothing listens there: the worker boots all the same, and says why it cannot serve.
    worker = WorkerApp(AppSettings(database_url=f"postgresql+psycopg://127.0.0.1:{free_port()}/fws"))
    assert worker.app is None
    answered = {}

    def start_response(status, headers):
        answered.update(status=status, headers=dict(headers))

    assert worker({"PATH_INFO": "/ping"}, start_response) == [b"database unavailable: it does not answer"]
    assert answered["status"] == "503 Service Unavailable"
    # Every WSGI server gives a body (PEP 3333): the worker asks whether it is a SOAP call.
    [body] = worker({"PATH_INFO": "/", "REQUEST_METHOD": "POST", "wsgi.input": io.BytesIO()}, start_response)
    assert answered["status"] == "503 Service Unavailable"
    assert answered["headers"]["x-amzn-RequestId"] and answered["headers"]["Retry-After"] == "1"
    assert error_of(body).code == "ServiceUnavailable"


def test_a_worker_that_cannot_serve_its_database_still_fails_its_boot(tmp_path):
    from fwscli.service.serve import AppSettings, WorkerApp
    from fwscli.store.migrations import SchemaOutOfDate

    # A database that answers but is not fws's (no schema): no wait would mend it.
    with pytest.raises(SchemaOutOfDate):
        WorkerApp(AppSettings(database_url=f"sqlite:///{tmp_path / 'empty.db'}"))


def test_workers_that_cannot_boot_stop_the_server_instead_of_being_forked_again_and_again(tmp_path):
    # Each worker's own exit went through the command's mapping of gunicorn's status (it
    # runs on the master's forked stack): it exited 255 instead of 3, which gunicorn reads
    # as a crash, not a failed boot, so it forked another at once, dozens a second, forever.
    # (A newer fws migrated the database under the running server: the worker started
    # after a crash cannot serve that schema, now or later.)
    database = Database(str(tmp_path / "fws.db"))
    server = ServerProcess(database.url, tmp_path, workers=1, threads=1).start()
    try:
        with database.write() as conn:
            conn.execute(text("UPDATE alembic_version SET version_num = '9999'"))
        os.kill(server.booted_workers()[-1], signal.SIGKILL)
        assert server.process.wait(60) == 255, server.stderr[-2000:]
    finally:
        server.kill()
        database.dispose()
    assert "Worker failed to boot" in server.stderr
    assert "newer than this fws knows" in server.stderr
    assert server.stderr.count("Booting worker") == 2  # the first, and the one after the crash
    assert server.stderr.count("the server stopped on an error (gunicorn exit status 3)") == 1


@pytest.mark.parametrize("status, code", [(3, 255), (1, 255), (0, 0)])
@pytest.mark.parametrize("error_format", ["text", "json"])
def test_gunicorns_own_exit_status_is_mapped_to_a_documented_one(tmp_path, monkeypatch, capsys, status, code,
                                                                 error_format):
    from fwscli.cli.main import run
    from fwscli.service import serve

    def stopped(*args, **kwargs):  # gunicorn exits 3 when a worker cannot boot, 1 on its errors
        raise SystemExit(status)

    monkeypatch.setattr(serve, "serve", stopped)
    with pytest.raises(SystemExit) as exited:
        run(["--error-format", error_format, "server", "start", "--database", str(tmp_path / "fws.db"),
             "--port", str(free_port())])
    assert exited.value.code == code
    [*_, last] = capsys.readouterr().err.splitlines()
    if not status:
        assert "gunicorn exit status" not in last
    elif error_format == "text":
        # An error line like every other (it lacked the `error:` of the others).
        assert last == f"fws: error: the server stopped on an error (gunicorn exit status {status}); see the log above"
    else:
        error = json.loads(last)["Error"]
        assert (error["Code"], error["ExitCode"]) == ("ServerError", 255)
        assert f"gunicorn exit status {status}" in error["Message"]


# --- how it stops -------------------------------------------------------------------------

@pytest.mark.parametrize("sent, code", [(signal.SIGTERM, 0), (signal.SIGINT, 130)])
def test_a_stop_exits_0_and_ctrl_c_130(tmp_path, sent, code):
    # SIGTERM is how a supervisor stops the service: a normal end. Ctrl-C reaches the whole
    # foreground process group (the master and its workers), as killpg sends it here.
    server = ServerProcess(str(tmp_path / "fws.db"), tmp_path, workers=1, threads=1).start()
    # Not while the worker still handles the readiness check's closing connection: a SIGINT
    # there can hang it in gunicorn's handler (ThreadPoolExecutor.shutdown inside submit,
    # CPython issue 121649) until the master kills it after graceful_timeout.
    time.sleep(0.5)
    try:
        os.killpg(server.process.pid, sent)
        assert server.process.wait(45) == code, server.stderr
    finally:
        server.kill()
    assert ("fws: interrupted" in server.stderr) == (sent == signal.SIGINT)


# --- the health check ---------------------------------------------------------------------

def test_each_health_check_has_its_request_id_in_the_access_log_and_a_head_warns_of_nothing(production_server):
    # /ping's lines showed `RequestId=-`, and each HEAD check (a load balancer's usual)
    # logged gunicorn's "WSGI app sent body bytes on a no-body response" warning.
    got = requests.get(production_server.url + "ping", timeout=10)
    head = requests.head(production_server.url + "ping", timeout=10)
    assert (got.status_code, got.text, head.status_code, head.content) == (200, "OK", 200, b"")
    assert production_server.terminate() == 0
    for reply, method in ((got, "GET"), (head, "HEAD")):
        assert (f'"{method} /ping HTTP/1.1" 200 ' in production_server.access_log
                and f"RequestId={reply.headers['x-amzn-RequestId']}" in production_server.access_log)
    assert "RequestId=-" not in production_server.access_log
    assert "no-body response" not in production_server.stderr


@pytest.mark.slow
def test_a_binary_upgrade_by_sigusr2_starts_a_new_master_on_the_same_sockets(tmp_path):
    # gunicorn's new master re-runs `fws server start` with the listening sockets handed
    # over (GUNICORN_FD); the check that the addresses are free refused it: "cannot listen
    # on …: Address already in use" (253), and no upgrade could happen.
    server = ServerProcess(str(tmp_path / "fws.db"), tmp_path, workers=1, threads=1).start()
    try:
        os.kill(server.process.pid, signal.SIGUSR2)
        deadline = time.monotonic() + 45
        while server.stderr.count("Listening at:") < 2 and "cannot listen" not in server.stderr:
            assert time.monotonic() < deadline, server.stderr[-2000:]
            time.sleep(0.1)
        assert "cannot listen" not in server.stderr, server.stderr[-2000:]
        while len(server.booted_workers()) < 2:  # the new master's worker
            assert time.monotonic() < deadline, server.stderr[-2000:]
            time.sleep(0.1)
        assert server.terminate() == 0  # the old master goes; the new one serves on
        assert requests.get(server.url + "ping", timeout=10).status_code == 200
    finally:
        server.kill()


# --- a body cut short ---------------------------------------------------------------------

def test_a_body_shorter_than_its_content_length_is_refused_not_served(production_server):
    # gunicorn ends the body's stream where the client stopped sending, without an error:
    # what arrived must not be served as the whole request, nor be an internal error.
    body = b"Action=ListAllFulfillmentOrders&Version=2007-08-02"
    raw = (b"POST / HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n"
           b"Content-Type: application/x-www-form-urlencoded\r\nContent-Length: 100\r\n\r\n" + body)
    with socket.create_connection(("127.0.0.1", production_server.port), timeout=10) as sock:
        sock.sendall(raw)
        sock.shutdown(socket.SHUT_WR)  # half-closed: the answer can still come back
        status, payload = read_reply(sock)
    error = read_error(payload)
    assert status == 400 and error.code == "IncompleteBody", payload
    assert error.message == (f"The request body ended after {len(body)} of the 100 bytes its "
                             f"Content-Length declares.")
    with socket.create_connection(("127.0.0.1", production_server.port), timeout=10) as sock:
        sock.sendall(raw)  # then gone: nobody to answer
    deadline = time.monotonic() + 10
    while production_server.stderr.count("failed: IncompleteBody") < 2 and time.monotonic() < deadline:
        time.sleep(0.05)
    assert production_server.stderr.count("failed: IncompleteBody") == 2, production_server.stderr
    assert "internal error" not in production_server.stderr and "Traceback" not in production_server.stderr
