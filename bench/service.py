"""Requests per second of `fws server start` (gunicorn, 2 workers x 4 threads) over SQLite and
over PostgreSQL, each next to the bare WSGI ceiling: an app that answers the same XML body
under the same gunicorn settings (gthread workers, access log), measured in the same run.
On a shared machine the ceiling itself moves by a third within seconds (6,157 then 4,709
req/s in two runs a minute apart, 4,641 then 7,605 around one row), so each row is measured
in `--rounds` short slices, each followed by a slice of the ceiling (and the ceiling is
measured once before the first row): a slice's share is its rate over the mean of the
ceilings just before and just after it, and a row prints the median of its slices' rates
and shares, and the range of the shares.

    python bench/service.py [--rounds 4] [--seconds 1.5] [--clients 2] [--connections 6] [--warehouse-mode manual]
                            [--postgresql postgresql://postgres@127.0.0.1:5432/test | none]
                            [--actions GetServiceStatus CreateFulfillmentOrder GetFulfillmentOrder]
                            [--no-throttled]

Load: `--clients` processes, each driving `--connections` keep-alive connections from one
thread with raw non-blocking sockets and request bytes built up front, so the generator
takes as little as possible of the CPU it shares with the server (its share is printed).
Requests carry legacy SigV0 signatures (Action + Timestamp), which real clients use and which
leave the body free: every CreateFulfillmentOrder creates a new order, which the service
plans at once, reserving a unit of stock (each server run gets a fresh database, stocked
through the operator service). Rows run with
throttling off, and again with throttling on and limits that never refuse, to show what the
bucket's write per request costs. PostgreSQL gets a fresh database, dropped afterwards.
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import hmac
import http.client
import json
import multiprocessing
import os
import re
import selectors
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Callable, ContextManager, Iterator
from urllib.parse import urlencode

from stocking import stock

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
FWS = os.path.join(os.path.dirname(sys.executable), "fws")
WORKERS, THREADS = 2, 4
STOCK = 10_000_000  # units of the one SKU every order names
CONNECTION_STAGGER = 0.02  # seconds between a load process's connections

STATUS_XML = (b'<?xml version="1.0"?>\n<ns1:GetServiceStatusResponse xmlns:ns1="http://fba-outbound.'
              b'amazonaws.com/doc/2007-08-02/"><ns1:GetServiceStatusResult><ns1:Status>2026-11-27T20:'
              b'00:00Z service available [Version: 2007-08-02]</ns1:Status></ns1:GetServiceStatusResult>'
              b'<ns1:ResponseMetadata><ns1:RequestId>00000000-0000-0000-0000-000000000000</ns1:'
              b'RequestId></ns1:ResponseMetadata></ns1:GetServiceStatusResponse>')

BARE_SERVER = '''
import sys
from fwscli.service.serve import GunicornServer, gunicorn_options
BODY = %r
def app(environ, start_response):
    environ["wsgi.input"].read(int(environ.get("CONTENT_LENGTH") or 0))
    start_response("200 OK", [("Content-Type", "text/xml; charset=utf-8"),
                              ("Content-Length", str(len(BODY))),
                              ("x-amzn-RequestId", "00000000-0000-0000-0000-000000000000")])
    return [BODY]
GunicornServer(lambda: app, gunicorn_options(bind=[sys.argv[1]], workers=%d, threads=%d)).run()
''' % (STATUS_XML, WORKERS, THREADS)

# CreateFulfillmentOrder last: the orders it creates fall due (picking, shipping) half a
# minute later, and must not load another row.
ACTIONS = ("GetServiceStatus", "GetFulfillmentOrder", "CreateFulfillmentOrder")
NEVER_THROTTLED = ["--throttle", "--read-rate", "1e9", "--read-burst", "1000000000",
                   "--write-rate", "1e9", "--write-burst", "1000000000"]


# --- requests -----------------------------------------------------------------------------

@dataclass(frozen=True)
class Keys:
    access_key_id: str
    secret: str


def v0_body(action: str, keys: Keys, extra: list[tuple[str, str]], version: str = "2007-08-02") -> str:
    stamp = datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.000Z")
    signature = base64.b64encode(hmac.new(keys.secret.encode(), (action + stamp).encode(), hashlib.sha1).digest())
    return urlencode([("Action", action), ("Version", version), ("AWSAccessKeyId", keys.access_key_id),
                      ("Timestamp", stamp), ("SignatureVersion", "0")] + extra
                     + [("Signature", signature.decode())])


def order_params(order_id: str) -> list[tuple[str, str]]:
    return [("MerchantFulfillmentOrderId", order_id), ("DisplayableOrderId", order_id),
            ("DisplayableOrderDateTime", "2026-11-27T20:00:00Z"), ("DisplayableOrderComment", "bench"),
            ("ShippingSpeedCategory", "Standard"), ("DestinationAddress.Name", "Jane"),
            ("DestinationAddress.Line1", "1 Main St"), ("DestinationAddress.City", "Seattle"),
            ("DestinationAddress.StateOrProvinceCode", "WA"), ("DestinationAddress.CountryCode", "US"),
            ("DestinationAddress.PostalCode", "98109"), ("Item.1.MerchantSKU", "BENCH-SKU"),
            ("Item.1.MerchantFulfillmentOrderItemId", "1"), ("Item.1.Quantity", "1")]


def http_request(port: int, body: str) -> bytes:
    return (f"POST / HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n"
            f"Content-Type: application/x-www-form-urlencoded; charset=utf-8\r\n"
            f"Content-Length: {len(body)}\r\n\r\n{body}").encode()


class RequestMaker:
    """Request bytes for an action; CreateFulfillmentOrder gets a fresh order id each time,
    of fixed width so that only the id's bytes change."""

    PLACEHOLDER = "ORDERID-PLACEHOLDER-0000"

    def __init__(self, port: int, action: str, keys: Keys, tag: str):
        self.tag = tag
        self.n = 0
        if action == "CreateFulfillmentOrder":
            raw = http_request(port, v0_body(action, keys, order_params(self.PLACEHOLDER)))
            self.parts = raw.split(self.PLACEHOLDER.encode())
            self.fixed = None
        else:
            extra = [("MerchantFulfillmentOrderId", "BENCH-SEED")] if action == "GetFulfillmentOrder" else []
            self.fixed = http_request(port, v0_body(action, keys, extra))

    def next(self) -> bytes:
        if self.fixed is not None:
            return self.fixed
        self.n += 1
        order_id = f"{self.tag}-{self.n:0{len(self.PLACEHOLDER) - len(self.tag) - 1}d}".encode()
        return order_id.join(self.parts)


# --- load ---------------------------------------------------------------------------------

_LENGTH = re.compile(rb"\r\ncontent-length:\s*(\d+)", re.IGNORECASE)


def load(job: tuple) -> tuple[int, int, str, float]:
    """One client process: keep `connections` requests in flight until the deadline.
    Returns (answered 200, answered otherwise, first other answer, CPU seconds used)."""
    port, action, keys, warmup, seconds, connections, tag = job
    maker = RequestMaker(port, action, keys, tag)
    selector = selectors.DefaultSelector()
    for _ in range(connections):
        sock = socket.create_connection(("127.0.0.1", port))
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        sock.sendall(maker.next())
        selector.register(sock, selectors.EVENT_READ, bytearray())
        # Connections opened in one burst can all be accepted by one gunicorn worker, which
        # then serves them all on one core; opened a little apart, the worker already busy
        # with some is less likely to win the next, as behind a real load balancer.
        time.sleep(CONNECTION_STAGGER)
    started = time.monotonic()
    counting_from, deadline = started + warmup, started + warmup + seconds
    ok = other = 0
    first_other = ""
    cpu_at_start = None
    while True:
        now = time.monotonic()
        if now >= deadline:
            break
        if cpu_at_start is None and now >= counting_from:
            cpu_at_start = time.process_time()
        for key, _ in selector.select(timeout=1.0):
            sock, buffer = key.fileobj, key.data
            chunk = sock.recv(65536)
            if not chunk:
                raise RuntimeError("the server closed a keep-alive connection")
            buffer += chunk
            head_end = buffer.find(b"\r\n\r\n")
            if head_end < 0:
                continue
            length = int(_LENGTH.search(buffer, 0, head_end + 2).group(1))
            if len(buffer) < head_end + 4 + length:
                continue
            if now >= counting_from:
                if buffer.startswith(b"HTTP/1.1 200"):
                    ok += 1
                else:
                    other += 1
                    first_other = first_other or bytes(buffer[:600]).decode("utf-8", "replace")
            del buffer[:]
            sock.sendall(maker.next())
    cpu = time.process_time() - (cpu_at_start or time.process_time())
    for key in list(selector.get_map().values()):
        key.fileobj.close()
    return ok, other, first_other, cpu


# --- CPU accounting -----------------------------------------------------------------------

def process_tree_cpu(root: int) -> float:
    """CPU seconds (user + system) of a process and its children, from /proc."""
    tick = os.sysconf("SC_CLK_TCK")
    parents: dict[int, int] = {}
    times: dict[int, float] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as stat:
                fields = stat.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        parents[int(entry)] = int(fields[1])
        times[int(entry)] = (int(fields[11]) + int(fields[12])) / tick
    tree = {root}
    for _ in range(3):
        tree |= {pid for pid, parent in parents.items() if parent in tree}
    return sum(times.get(pid, 0.0) for pid in tree)


def machine_busy() -> tuple[float, float]:
    with open("/proc/stat") as stat:
        fields = [int(value) for value in stat.readline().split()[1:]]
    idle = fields[3] + fields[4]
    return sum(fields) - idle, sum(fields)


@dataclass
class Row:
    rate: float
    errors: int
    server_cpu: float  # cores used by the server processes
    load_cpu: float    # cores used by the load generator
    busy: float        # the whole machine, 0..1


def measure(server: subprocess.Popen, port: int, action: str, keys: Keys, options, tag: str) -> Row:
    jobs = [(port, action, keys, options.warmup, options.seconds, options.connections, f"{tag}{n}")
            for n in range(options.clients)]
    with multiprocessing.Pool(options.clients) as pool:
        pending = pool.map_async(load, jobs)
        time.sleep(options.warmup)
        cpu_before, busy_before = process_tree_cpu(server.pid), machine_busy()
        results = pending.get()
        cpu_after, busy_after = process_tree_cpu(server.pid), machine_busy()
    ok = sum(result[0] for result in results)
    errors = sum(result[1] for result in results)
    if ok == 0:
        raise RuntimeError(f"{action}: no request succeeded; first answer:\n"
                           + next((r[2] for r in results if r[2]), "(none)"))
    busy = (busy_after[0] - busy_before[0]) / max(1, busy_after[1] - busy_before[1])
    return Row(ok / options.seconds, errors, (cpu_after - cpu_before) / options.seconds,
               sum(result[3] for result in results) / options.seconds, busy)


# --- servers ------------------------------------------------------------------------------

def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for(port: int) -> None:
    for _ in range(400):
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=1)
            conn.request("GET", "/ping")
            conn.getresponse().read()
            return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError(f"nothing answers on port {port}")


@contextmanager
def running(command: list[str], port: int) -> Iterator[subprocess.Popen]:
    server = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                              env={**os.environ, "PYTHONPATH": ROOT})
    try:
        wait_for(port)
        yield server
    finally:
        server.terminate()
        server.wait(60)


def fws_server(url: str, port: int, *flags: str) -> list[str]:
    return [FWS, "server", "start", "--bind", f"127.0.0.1:{port}", "--database", url,
            "--workers", str(WORKERS), "--threads", str(THREADS), *flags]


def create_merchant(url: str) -> Keys:
    out = subprocess.check_output([FWS, "server", "create-merchant", "Bench", "-o", "json", "--database", url])
    keys = json.loads(out)
    return Keys(keys["AccessKeyId"], keys["SecretAccessKey"])


def seed(port: int, keys: Keys, url: str) -> None:
    """The item the orders name, stock enough for every order of the run (so each create
    reserves units, as a real one does), and the order GetFulfillmentOrder reads."""
    headers = {"Content-Type": "application/x-www-form-urlencoded"}

    def send(body: str) -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port)  # stocking outlasts a keep-alive
        conn.request("POST", "/", body, headers)
        response = conn.getresponse()
        if response.status != 200:
            raise RuntimeError(f"seeding failed: {response.status} {response.read()[:400]!r}")
        response.read()

    send(v0_body("GetFulfillmentIdentifierForMSKU", keys, [("MerchantSKU.1", "BENCH-SKU")], "2007-05-10"))
    stock(url, f"http://127.0.0.1:{port}", ["BENCH-SKU"], STOCK)
    send(v0_body("CreateFulfillmentOrder", keys, order_params("BENCH-SEED")))


@contextmanager
def postgresql_database(admin_url: str) -> Iterator[str]:
    import psycopg

    name = f"fws_bench_{os.getpid()}"
    plain = admin_url.replace("postgresql+psycopg://", "postgresql://")
    with psycopg.connect(plain, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        yield plain.rsplit("/", 1)[0] + "/" + name
    finally:
        with psycopg.connect(plain, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


# --- the run ------------------------------------------------------------------------------

class Ceiling:
    """The bare server, kept running, measured between the rows."""

    def __init__(self, server: subprocess.Popen, port: int, options):
        self.server, self.port, self.options = server, port, options
        self.rates: list[float] = []
        # A fresh server's first slice has come out at half the next ones' rate: not kept.
        measure(server, port, "GetServiceStatus", Keys("-", "-"), options, "X")

    def measure(self) -> Row:
        row = measure(self.server, self.port, "GetServiceStatus", Keys("-", "-"), self.options, "X")
        self.rates.append(row.rate)
        return row

    def interleaved(self, measure_slice: Callable[[int], Row], rounds: int) -> tuple[list[Row], list[float]]:
        """`rounds` slices of a row, each followed by a slice of the ceiling; returns the
        row's slices and each one's share of the mean of the ceilings around it."""
        slices, shares = [], []
        for number in range(rounds):
            before = self.rates[-1]
            row = measure_slice(number)
            slices.append(row)
            shares.append(row.rate / ((before + self.measure().rate) / 2))
        return slices, shares


def report(label: str, slices: list[Row], shares: list[float] | None = None) -> None:
    """The median slice's figures; the CPU and busy columns are means over the slices."""
    rate = statistics.median(row.rate for row in slices)
    share = f"{statistics.median(shares):6.1%}  {min(shares):5.1%}-{max(shares):5.1%}" if shares else " " * 19
    errors = sum(row.errors for row in slices)
    print(f"{label:46s} {rate:7.0f}  {share}   {statistics.mean(row.server_cpu for row in slices):4.2f}"
          f"   {statistics.mean(row.load_cpu for row in slices):4.2f}"
          f"   {statistics.mean(row.busy for row in slices):5.1%}{f'  {errors} not 200' if errors else ''}",
          flush=True)


def bench_database(name: str, fresh_database: Callable[[], ContextManager[str]], options,
                   ceiling: Ceiling) -> None:
    """Each server run gets a database of its own: the orders one run creates fall due
    (picking, shipping) half a minute later, and must not load the next run."""
    for throttled in (False, True) if options.throttled else (False,):
        port = free_port()
        flags = (NEVER_THROTTLED if throttled else ["--no-throttle"]) + ["--warehouse-mode", options.warehouse_mode]
        with fresh_database() as url:
            keys = create_merchant(url)
            with running(fws_server(url, port, *flags), port) as server:
                seed(port, keys, url)
                actions = [action for action in ACTIONS[0 if not throttled else 1:] if action in options.actions]
                for action in actions:
                    label = f"{name:10s} {action}{' (throttled)' if throttled else ''}"
                    tag = f"{name[0]}{'T' if throttled else 'U'}"  # each slice's own order ids
                    report(label, *ceiling.interleaved(
                        lambda number: measure(server, port, action, keys, options, f"{tag}{number}"),
                        options.rounds))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=4, help="slices per row, each followed by one of the ceiling")
    parser.add_argument("--seconds", type=float, default=1.5, help="measured time per slice")
    parser.add_argument("--warmup", type=float, default=0.5, help="unmeasured time before each slice")
    parser.add_argument("--clients", type=int, default=2, help="load generator processes")
    parser.add_argument("--connections", type=int, default=6, help="keep-alive connections per process")
    parser.add_argument("--warehouse-mode", default="auto",
                        help="auto (default, as served) or manual: no simulation tick per request")
    parser.add_argument("--postgresql", default="postgresql://postgres@127.0.0.1:5432/test",
                        help="a database to create the benchmark's database from, or 'none'")
    parser.add_argument("--actions", nargs="+", choices=ACTIONS, default=list(ACTIONS),
                        help="the rows to measure (all by default)")
    parser.add_argument("--no-throttled", dest="throttled", action="store_false",
                        help="skip the rows with throttling on")
    options = parser.parse_args()

    print(f"gunicorn {WORKERS} workers x {THREADS} threads; load: {options.clients} processes x "
          f"{options.connections} keep-alive connections; {options.rounds} slices per row of "
          f"{options.seconds:g} s after {options.warmup:g} s warm-up; {os.cpu_count()} CPUs; warehouse mode "
          f"{options.warehouse_mode}")
    print(f"{'':46s} {'req/s':>7s}  {'share':>6s}  {'range':>11s}   {'server':>6s} {'load':>6s}  {'machine':>7s}")
    port = free_port()
    with running([sys.executable, "-c", BARE_SERVER, f"127.0.0.1:{port}"], port) as bare:
        ceiling = Ceiling(bare, port, options)
        report("bare WSGI ceiling (same XML, same gunicorn)", [ceiling.measure()])
        measure_rows(ceiling, options)
    print(f"ceiling before the first slice and after each: {' '.join(f'{r:.0f}' for r in ceiling.rates)}")
    print("columns: requests/s answered 200 (the median slice's); share of the mean of the ceilings "
          "measured just before and after each slice (the median, then the range over the slices); "
          "CPU cores used by the server processes and by the load generator; the whole machine busy "
          "(PostgreSQL's own processes are in 'machine' only)")


def measure_rows(ceiling: Ceiling, options) -> None:
    """Every row, over a fresh SQLite file and (unless 'none') a fresh PostgreSQL database."""
    files = iter(range(1_000_000))

    @contextmanager
    def sqlite_file() -> Iterator[str]:
        # Removed after its rows: each file grows by some 50 MB of orders in a run.
        with tempfile.TemporaryDirectory(prefix="fws-bench-") as workdir:
            url = f"sqlite:///{workdir}/fws-{next(files)}.db"
            subprocess.check_call([FWS, "server", "init", "--database", url], stdout=subprocess.DEVNULL,
                                  stderr=subprocess.DEVNULL)
            yield url

    bench_database("SQLite", sqlite_file, options, ceiling)
    if options.postgresql != "none":
        bench_database("PostgreSQL", lambda: postgresql_database(options.postgresql), options, ceiling)


if __name__ == "__main__":
    main()
