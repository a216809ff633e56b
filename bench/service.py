"""Requests per second of the FWS service over HTTP, next to a bare WSGI app that answers the
same XML body on the same server, measured side by side in one run.

    python bench/service.py [--seconds 5] [--clients 4]

Both servers are Werkzeug's threaded server (what `fws server start` runs today) in their
own process; the load comes from `--clients` processes with keep-alive connections. The
requests carry legacy SigV0 signatures (Action + Timestamp), which real clients use and which
leave the body free, so every CreateFulfillmentOrder creates a new order.
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
import socket
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timezone
from urllib.parse import urlencode

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)

STATUS_XML = (b'<?xml version="1.0"?>\n<ns1:GetServiceStatusResponse xmlns:ns1="http://fba-outbound.'
              b'amazonaws.com/doc/2007-08-02/"><ns1:GetServiceStatusResult><ns1:Status>2026-11-27T20:'
              b'00:00Z service available [Version: 2007-08-02]</ns1:Status></ns1:GetServiceStatusResult>'
              b'<ns1:ResponseMetadata><ns1:RequestId>00000000-0000-0000-0000-000000000000</ns1:'
              b'RequestId></ns1:ResponseMetadata></ns1:GetServiceStatusResponse>')

BARE_APP = '''
import sys
from werkzeug.serving import run_simple
BODY = %r
def app(environ, start_response):
    environ["wsgi.input"].read(int(environ.get("CONTENT_LENGTH") or 0))
    start_response("200 OK", [("Content-Type", "text/xml; charset=utf-8"), ("Content-Length", str(len(BODY)))])
    return [BODY]
run_simple("127.0.0.1", int(sys.argv[1]), app, threaded=True)
''' % STATUS_XML


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for(port: int) -> None:
    for _ in range(200):
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError(f"nothing listens on port {port}")


def v0_params(action: str, key: str, secret: str, extra: list[tuple[str, str]]) -> str:
    stamp = datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.000Z")
    signature = base64.b64encode(hmac.new(secret.encode(), (action + stamp).encode(), hashlib.sha1).digest())
    return urlencode([("Action", action), ("Version", "2007-08-02"), ("AWSAccessKeyId", key),
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


def load(args) -> int:
    """One client process: send requests for `seconds`; return how many got 200."""
    port, action, key, secret, seconds, worker = args
    conn = http.client.HTTPConnection("127.0.0.1", port)
    done, n, deadline = 0, 0, time.monotonic() + seconds
    headers = {"Content-Type": "application/x-www-form-urlencoded; charset=utf-8"}
    while time.monotonic() < deadline:
        n += 1
        if action == "CreateFulfillmentOrder":
            extra = order_params(f"B-{os.getpid()}-{worker}-{n}")
        elif action == "GetFulfillmentOrder":
            extra = [("MerchantFulfillmentOrderId", "BENCH-SEED")]
        else:
            extra = []
        conn.request("POST", "/", v0_params(action, key, secret, extra), headers)
        response = conn.getresponse()
        body = response.read()
        if response.status == 200:
            done += 1
        elif n == 1:
            raise RuntimeError(f"{action} answered {response.status}: {body[:300]!r}")
    return done


def measure(port: int, action: str, key: str, secret: str, seconds: float, clients: int) -> float:
    with multiprocessing.Pool(clients) as pool:
        started = time.monotonic()
        counts = pool.map(load, [(port, action, key, secret, seconds, w) for w in range(clients)])
        return sum(counts) / (time.monotonic() - started)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--clients", type=int, default=4)
    options = parser.parse_args()

    workdir = tempfile.mkdtemp(prefix="fws-bench-")
    env = {**os.environ, "FWS_DATABASE_URL": f"sqlite:///{workdir}/fws.db"}
    fws = [os.path.join(os.path.dirname(sys.executable), "fws")]
    keys = json.loads(subprocess.check_output(fws + ["server", "create-merchant", "Bench", "-o", "json"], env=env))
    key, secret = keys["AccessKeyId"], keys["SecretAccessKey"]

    fws_port, bare_port = free_port(), free_port()
    servers = [
        subprocess.Popen(fws + ["server", "start", "--port", str(fws_port)], env=env,
                         stderr=subprocess.DEVNULL, stdout=subprocess.DEVNULL),
        subprocess.Popen([sys.executable, "-c", BARE_APP, str(bare_port)],
                         stderr=subprocess.DEVNULL, stdout=subprocess.DEVNULL),
    ]
    try:
        wait_for(fws_port)
        wait_for(bare_port)
        # The item and the order the benchmark reads.
        conn = http.client.HTTPConnection("127.0.0.1", fws_port)
        inbound = v0_params("GetFulfillmentIdentifierForMSKU", key, secret, [("MerchantSKU.1", "BENCH-SKU")])
        conn.request("POST", "/", inbound.replace("2007-08-02", "2007-05-10"),
                     {"Content-Type": "application/x-www-form-urlencoded"})
        assert conn.getresponse().read()
        conn.request("POST", "/", v0_params("CreateFulfillmentOrder", key, secret, order_params("BENCH-SEED")),
                     {"Content-Type": "application/x-www-form-urlencoded"})
        assert conn.getresponse().status == 200

        bare = measure(bare_port, "GetServiceStatus", key, secret, options.seconds, options.clients)
        print(f"{'bare WSGI ceiling (same XML, same server)':44s} {bare:8.0f} req/s")
        for action in ("GetServiceStatus", "CreateFulfillmentOrder", "GetFulfillmentOrder"):
            rate = measure(fws_port, action, key, secret, options.seconds, options.clients)
            print(f"{action:44s} {rate:8.0f} req/s  ({rate / bare:5.1%} of the ceiling)")
    finally:
        for server in servers:
            server.terminate()
            server.wait()


if __name__ == "__main__":
    main()
