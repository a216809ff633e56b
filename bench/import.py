"""`fws outbound import` against `fws server start` on a free port: orders per second at
--concurrency 1 and 8, next to the same orders sent by bare `Client.call`s from 8 threads
(this client's ceiling against this server: no file, no validation, no journal); the same
import against a stub that answers every request with success after --stub-latency ms (what
the import itself can do when the service is not the limit); and the peak RSS of
--validate-only over 10,000 and 100,000 rows, next to `fws --version`'s.

    python bench/import.py [--orders 10000] [--rows 100000] [--workers 2] [--threads 4]
                           [--stub-latency 5]

Orders have 1 to 3 items (two rows on average) of SKUs in stock, so each create reserves
units (planned in the create); the server runs on SQLite with throttling off and the warehouse
in manual mode (nobody picks or ships while the orders are timed). Everything runs on this machine: the client and the server share its CPUs.
"""

from __future__ import annotations

import argparse
import atexit
import csv
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from service import process_tree_cpu  # noqa: E402 (bench/ is the script's directory)
from stocking import stock  # noqa: E402
FWS = str(Path(sys.executable).with_name("fws"))
SKUS = ["SKU-RED-MUG", "SKU-BLUE-MUG", "SKU-TEA-TIN", "SKU-GIFT-CARD", "SKU-SPOON"]
ORDER = {
    "DisplayableOrderDateTime": "2026-11-27T20:00:00Z", "DisplayableOrderComment": "Thanks!",
    "ShippingSpeedCategory": "Standard", "DestinationAddress.Name": "Jane Doe",
    "DestinationAddress.Line1": "1 Main St", "DestinationAddress.City": "Seattle",
    "DestinationAddress.StateOrProvinceCode": "WA", "DestinationAddress.CountryCode": "US",
    "DestinationAddress.PostalCode": "98101", "NotificationEmailList": "jane@example.com",
}


def order_rows(prefix: str, orders: int):
    """The rows of `orders` orders of 1-3 items each."""
    for n in range(orders):
        order_id = f"{prefix}-{n:06d}"
        for item in range(1, n % 3 + 2):
            yield {"MerchantFulfillmentOrderId": order_id, "DisplayableOrderId": order_id, **ORDER,
                   "Item.MerchantFulfillmentOrderItemId": str(item),
                   "Item.MerchantSKU": SKUS[(n + item) % len(SKUS)], "Item.Quantity": str(item)}


def write_orders(path: Path, prefix: str, *, orders: int | None = None, rows: int | None = None) -> int:
    """Write orders (a number of them, or as many as fill `rows` rows); the rows written."""
    written = 0
    with path.open("w", newline="", encoding="utf-8") as stream:
        writer = None
        for row in order_rows(prefix, orders or rows or 0):
            if writer is None:
                writer = csv.DictWriter(stream, fieldnames=list(row), lineterminator="\n")
                writer.writeheader()
            if rows is not None and written == rows:
                break
            writer.writerow(row)
            written += 1
    return written


def request_of(order_id: str, n: int) -> dict:
    address = {key.split(".")[1]: value for key, value in ORDER.items() if key.startswith("Destination")}
    return {"MerchantFulfillmentOrderId": order_id, "DisplayableOrderId": order_id,
            "DisplayableOrderDateTime": ORDER["DisplayableOrderDateTime"],
            "DisplayableOrderComment": ORDER["DisplayableOrderComment"],
            "ShippingSpeedCategory": "Standard", "DestinationAddress": address,
            "NotificationEmailList": [ORDER["NotificationEmailList"]],
            "Item": [{"MerchantFulfillmentOrderItemId": str(item), "MerchantSKU": SKUS[(n + item) % len(SKUS)],
                      "Quantity": item} for item in range(1, n % 3 + 2)]}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for(url: str) -> None:
    for _ in range(400):
        try:
            with urllib.request.urlopen(url + "ping", timeout=1):
                return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError(f"{url} does not answer")


# Linux carries a process's peak RSS across exec, so fws is started by a small launcher
# rather than by this process, whose own size would otherwise be the floor of every figure.
LAUNCHER = """
import os, sys, time
started = time.perf_counter()
pid = os.posix_spawn(sys.argv[1], sys.argv[1:], os.environ,
                     file_actions=[(os.POSIX_SPAWN_OPEN, 1, os.devnull, os.O_WRONLY, 0)])
_, status, usage = os.wait4(pid, 0)
print(os.waitstatus_to_exitcode(status), time.perf_counter() - started, usage.ru_maxrss,
      usage.ru_utime + usage.ru_stime)
"""

STUB = """
import socket, sys, time
from werkzeug.serving import WSGIRequestHandler, run_simple

class Handler(WSGIRequestHandler):
    def setup(self):
        super().setup()
        # Headers and body leave in separate writes: without this, each answer waits for
        # the client's delayed ACK, a latency no real network adds.
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

BODY = (b'<?xml version="1.0"?><CreateFulfillmentOrderResponse xmlns="http://fba-outbound.amazonaws.com/'
        b'doc/2007-08-02/"><ResponseMetadata><RequestId>00000000-0000-0000-0000-000000000000'
        b'</RequestId></ResponseMetadata></CreateFulfillmentOrderResponse>')
DELAY = float(sys.argv[2]) / 1000
def app(environ, start_response):
    environ["wsgi.input"].read(int(environ.get("CONTENT_LENGTH") or 0))
    time.sleep(DELAY)
    start_response("200 OK", [("Content-Type", "text/xml"), ("Content-Length", str(len(BODY))),
                              ("x-amzn-RequestId", "00000000-0000-0000-0000-000000000000")])
    return [BODY]
run_simple("127.0.0.1", int(sys.argv[1]), app, threaded=True, request_handler=Handler)
"""


@dataclass(frozen=True)
class Run:
    seconds: float  # wall
    rss: float      # peak RSS of fws, MB
    cpu: float      # CPU seconds of fws (user + system)


def run(args: list[str], env: dict) -> Run:
    """Run fws; its wall seconds, peak RSS and CPU, of that process alone."""
    done = subprocess.run([sys.executable, "-S", "-c", LAUNCHER, FWS, *args], env=env,
                          stdin=subprocess.DEVNULL, capture_output=True, text=True)
    code, seconds, rss_kib, cpu = done.stdout.split()
    if code != "0":
        raise RuntimeError(f"fws {' '.join(args)} failed: {done.stderr}")
    return Run(float(seconds), int(rss_kib) / 1024, float(cpu))


def client_ceiling(env: dict, orders: int, threads: int) -> float:
    """Orders per second from bare Client.call()s: the same requests, no import around them."""
    from fwscli.client.client import Client
    from fwscli.client.session import Credentials, Session

    session = Session(endpoint_url=env["FWS_ENDPOINT_URL"],
                      credentials=Credentials(env["FWS_ACCESS_KEY_ID"], env["FWS_SECRET_ACCESS_KEY"]))
    from requests.adapters import HTTPAdapter

    with Client(session) as client:
        client.transport.http.mount(client.transport.url, HTTPAdapter(pool_maxsize=threads))
        started = time.perf_counter()
        with ThreadPoolExecutor(threads) as pool:
            list(pool.map(lambda n: client.call("outbound", "CreateFulfillmentOrder",
                                                request_of(f"CALL-{n:06d}", n)), range(orders)))
        return orders / (time.perf_counter() - started)


def import_rates(label: str, env: dict, files: dict[int, tuple[Path, int]], orders: int,
                 ceiling: float | None = None, server: subprocess.Popen | None = None) -> None:
    """Each file imported at its concurrency, with the CPU cores the importer and the
    server used meanwhile: on a machine they share, what the rate at concurrency 1 takes
    of it bounds what concurrency can add."""
    rates = {}
    for concurrency, (path, rows) in files.items():
        server_before = process_tree_cpu(server.pid) if server else 0.0
        result = run(["outbound", "import", str(path), "--concurrency", str(concurrency)], env)
        server_cores = (process_tree_cpu(server.pid) - server_before) / result.seconds if server else None
        rates[concurrency] = orders / result.seconds
        versus = f", {rates[concurrency] / ceiling:.0%} of the ceiling" if ceiling else ""
        cores = f"importer {result.cpu / result.seconds:.2f} cores" + (
            f", server {server_cores:.2f}" if server_cores is not None else "")
        print(f"{f'{label} --concurrency {concurrency}':52s} {rates[concurrency]:8.0f} orders/s"
              f"  ({orders} orders, {rows} rows in {result.seconds:.1f} s{versus}; {cores}; "
              f"peak RSS {result.rss:.0f} MB)")
    print(f"{f'{label}: concurrency 8 / 1':52s} {rates[8] / rates[1]:8.2f} x")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--orders", type=int, default=10_000)
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument("--stub-latency", type=float, default=5.0, help="milliseconds")
    options = parser.parse_args()

    work = Path(tempfile.mkdtemp(prefix="fws-bench-import-"))
    atexit.register(shutil.rmtree, work, True)  # its database: hundreds of MB
    env = {key: value for key, value in os.environ.items() if not key.startswith("FWS_")}
    env.update(HOME=str(work), XDG_CONFIG_HOME=str(work / "config"), XDG_DATA_HOME=str(work / "data"),
               XDG_STATE_HOME=str(work / "state"), FWS_DATABASE_URL=f"sqlite:///{work}/fws.db")
    keys = json.loads(subprocess.check_output([FWS, "server", "create-merchant", "Bench", "-o", "json"], env=env))
    port, stub_port = free_port(), free_port()
    servers = [
        # Manual mode: auto mode would start picking and shipping each order 30 s after its
        # create, inside the longer (concurrency 1) run only, which then timed three steps
        # per order against the shorter run's one.
        subprocess.Popen([FWS, "server", "start", "--port", str(port), "--no-throttle",
                          "--warehouse-mode", "manual",
                          "--workers", str(options.workers), "--threads", str(options.threads)],
                         env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL),
        subprocess.Popen([sys.executable, "-c", STUB, str(stub_port), str(options.stub_latency)],
                         stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL),
    ]
    client_env = {**env, "FWS_ENDPOINT_URL": f"http://127.0.0.1:{port}/",
                  "FWS_ACCESS_KEY_ID": keys["AccessKeyId"], "FWS_SECRET_ACCESS_KEY": keys["SecretAccessKey"]}
    stub_env = {**client_env, "FWS_ENDPOINT_URL": f"http://127.0.0.1:{stub_port}/"}
    try:
        wait_for(client_env["FWS_ENDPOINT_URL"])
        wait_for(stub_env["FWS_ENDPOINT_URL"])
        subprocess.run([FWS, "items", "register", *SKUS, "-o", "off"], env=client_env, check=True)
        stock(env["FWS_DATABASE_URL"], client_env["FWS_ENDPOINT_URL"], SKUS, 10_000_000)
        files = {}
        for concurrency in (1, 8):
            path = work / f"orders-c{concurrency}.csv"
            files[concurrency] = path, write_orders(path, f"C{concurrency}", orders=options.orders)
        print(f"fws server start: gunicorn, {options.workers} workers x {options.threads} threads, "
              f"SQLite, no throttling; {os.cpu_count()} CPUs shared with the client")
        ceiling = client_ceiling(client_env, options.orders, 8)
        print(f"{'bare Client.call, 8 threads (ceiling)':52s} {ceiling:8.0f} orders/s")
        import_rates("fws outbound import", client_env, files, options.orders, ceiling, servers[0])
        print(f"stub answering success after {options.stub_latency:g} ms (Werkzeug, threaded)")
        import_rates("fws outbound import (stub)", stub_env, files, options.orders)

        baseline = run(["--version"], env).rss
        print(f"{'peak RSS, fws --version':52s} {baseline:8.1f} MB")
        for rows in (options.rows // 10, options.rows):
            path = work / f"validate-{rows}.csv"
            write_orders(path, f"V{rows}", rows=rows)
            result = run(["outbound", "import", str(path), "--validate-only"], env)
            size = path.stat().st_size / 1e6
            print(f"{f'peak RSS, --validate-only {rows:,} rows':52s} {result.rss:8.1f} MB"
                  f"  ({size:.0f} MB file, {result.seconds:.1f} s, {rows / result.seconds:,.0f} rows/s)")
    finally:
        for server in servers:
            server.terminate()
            server.wait()


if __name__ == "__main__":
    main()
