"""What one request costs the service itself: the WSGI app called in-process, no gunicorn,
no sockets, one thread, with the very request bytes bench/service.py sends.

A throughput run on a shared 2-core machine moves with whatever else runs; the CPU time of
the app's own work per request moves much less, and its instruction count not at all:

    python bench/app_cost.py [--requests 2000] [--actions Get Create Status] [--mode auto|manual]
    python bench/app_cost.py --instructions [--actions Get]    # under valgrind (slow)

`--instructions` runs this script twice per action under `valgrind --tool=callgrind`, with
N and 3N requests, and prints the difference per request: start-up, seeding and imports
cancel out. Hash randomisation is off in those runs (PYTHONHASHSEED=0): with it, set and
dict orders, and so the garbage collector's passes, moved counts by a few per cent. The database is a fresh SQLite file, stocked and seeded as bench/service.py's
is (through a short-lived `fws server`), with the WAL checkpointed by the same thread as in
a server worker (not under valgrind, where the thread's timing would make counts vary).
"""

from __future__ import annotations

import argparse
import atexit
import io
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import timedelta

import service as bench

ACTIONS = {"Status": "GetServiceStatus", "Get": "GetFulfillmentOrder", "Create": "CreateFulfillmentOrder"}


def seeded_app(mode: str, checkpoints: bool):
    """A fresh, seeded database and the app over it; returns (app, port the bytes name, keys)."""
    from fwscli.service.app import FwsApp
    from fwscli.warehouse.simulation import Delays
    from fwscli.store.checkpoints import Checkpointer
    from fwscli.store.migrations import open_database

    workdir = tempfile.mkdtemp(prefix='fws-app-cost-')
    atexit.register(shutil.rmtree, workdir, True)
    url = f"sqlite:///{workdir}/fws.db"
    subprocess.check_call([bench.FWS, "server", "init", "--database", url], stdout=subprocess.DEVNULL,
                          stderr=subprocess.DEVNULL)
    keys = bench.create_merchant(url)
    port = bench.free_port()
    with bench.running(bench.fws_server(url, port, "--no-throttle", "--warehouse-mode", mode), port):
        bench.seed(port, keys, url)
    db = open_database(url, create=False, background_checkpoints=True)
    if checkpoints:
        Checkpointer(db).start()
    # Orders are picked 30 s after they are planned by default. Under valgrind, 50 to 100
    # times slower, that fell inside the measured requests, and a count took in as many
    # picks and shipments as the run lasted minutes: Create counted 2.1 M on a quiet host
    # and 15 to 17 M on a loaded one. bench/service.py's rows end before any order falls
    # due; here none does within a day.
    app = FwsApp(db, warehouse_mode=mode, delays=Delays(pick=timedelta(days=1)))
    # A key is read again every 5 s (keys.py): under valgrind, ~50 times slower, that was
    # a few reads per hundred requests, as many more as the machine was slow, and counts
    # moved by up to 10 % with the load. A server at a thousand requests a second reads it
    # once per ~5,000 of them: not part of what one request costs.
    app.keys.ttl = float("inf")
    return app, port, keys


def environ_of(raw: bytes, port: int) -> dict:
    head, body = raw.split(b"\r\n\r\n", 1)
    return {"REQUEST_METHOD": "POST", "PATH_INFO": "/", "RAW_URI": "/", "QUERY_STRING": "",
            "SERVER_PROTOCOL": "HTTP/1.1", "CONTENT_TYPE": "application/x-www-form-urlencoded; charset=utf-8",
            "CONTENT_LENGTH": str(len(body)), "HTTP_HOST": f"127.0.0.1:{port}", "SERVER_NAME": "127.0.0.1",
            "SERVER_PORT": str(port), "wsgi.input": io.BytesIO(body), "wsgi.url_scheme": "http",
            "REMOTE_ADDR": "127.0.0.1"}


def run(action: str, requests: int, mode: str, checkpoints: bool) -> float:
    """CPU µs per request of `requests` calls, after 20 unmeasured ones."""
    app, port, keys = seeded_app(mode, checkpoints)
    maker = bench.RequestMaker(port, ACTIONS[action], keys, "A")

    def call() -> None:
        statuses: list[str] = []
        app(environ_of(maker.next(), port), lambda status, headers: statuses.append(status))
        if not statuses[0].startswith("200"):
            raise SystemExit(f"{action} answered {statuses[0]}")

    for _ in range(20):
        call()
    start = time.process_time()
    for _ in range(requests):
        call()
    return (time.process_time() - start) / requests * 1e6


def instructions(action: str, requests: int, mode: str) -> int:
    """Instructions per request: a run of 3N requests minus a run of N, under callgrind."""
    def total(n: int) -> int:
        out = subprocess.run(["valgrind", "--tool=callgrind", "--callgrind-out-file=/dev/null", sys.executable,
                              __file__, "--child", action, str(n), mode], capture_output=True, text=True,
                             env={**os.environ, "PYTHONHASHSEED": "0"})
        found = re.search(r"Collected : (\d+)", out.stderr)
        if out.returncode != 0 or found is None:
            raise SystemExit(f"valgrind run failed:\n{out.stderr[-2000:]}")
        return int(found.group(1))
    # Once without valgrind first: a module edited since its last import (or a fresh
    # checkout) is compiled by whichever run comes first, and that run alone would count
    # it (~1 M instructions per request more, seen in new worktrees).
    subprocess.run([sys.executable, __file__, "--child", action, "2", mode], check=True,
                   capture_output=True)
    return (total(3 * requests) - total(requests)) // (2 * requests)


def main() -> None:
    if len(sys.argv) == 5 and sys.argv[1] == "--child":  # one run under valgrind
        run(sys.argv[2], int(sys.argv[3]), sys.argv[4], checkpoints=False)
        return
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, help="per measured run (default 2000; 200 with --instructions)")
    parser.add_argument("--actions", nargs="+", choices=ACTIONS, default=list(ACTIONS))
    parser.add_argument("--mode", default="auto", choices=("auto", "manual"), help="warehouse mode, as served")
    parser.add_argument("--instructions", action="store_true", help="count instructions under valgrind")
    options = parser.parse_args()
    for action in options.actions:
        if options.instructions:
            count = instructions(action, options.requests or 200, options.mode)
            print(f"{ACTIONS[action]:24s} {count:>12,} instructions per request", flush=True)
        else:
            cpu = run(action, options.requests or 2000, options.mode, checkpoints=True)
            print(f"{ACTIONS[action]:24s} {cpu:8.0f} µs CPU per request", flush=True)


if __name__ == "__main__":
    main()
