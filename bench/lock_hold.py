"""Where the SQLite writers' lock goes under load: CreateFulfillmentOrder on `fws server start`
(2 workers x 4 threads), with bench/service.py's load, in workers that time their lock.

    python bench/lock_hold.py [--seconds 4] [--connections 6] [--action CreateFulfillmentOrder]

Each worker counts, from the moment its writers' lock (the flock of store/database.py) is
taken until it is released: time held, time waited for it, the work of the grouped writes
run inside it (group_commit.py), and how many writes each group had; and the wall time of
every request. The run prints them per request and per lock, and the share of the wall
clock the lock was held by either worker: near 100% the lock is what limits throughput.
Instrumenting costs the workers some CPU: compare runs of this script with each other, and
throughputs with bench/service.py.
"""

from __future__ import annotations

import argparse
import atexit
import glob
import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time

import service as bench

COUNTERS = ("requests", "request_s", "locks", "held_s", "waited_s", "groups", "grouped_writes", "work_s")


def instrument(directory: str) -> None:
    """Patch this worker process's lock, group commit and app to count (see above), and
    write the counts to `directory` twice a second."""
    from fwscli.service import app
    from fwscli.store import database, group_commit

    counts = dict.fromkeys(COUNTERS, 0.0)
    guard = threading.Lock()
    taken_at = threading.local()
    clock = time.perf_counter

    def add(**amounts: float) -> None:
        with guard:
            for name, amount in amounts.items():
                counts[name] += amount

    queue, enter, leave = database._WriterQueue, database._WriterQueue.__enter__, database._WriterQueue.__exit__

    def timed_enter(self) -> None:
        start = clock()
        enter(self)
        taken_at.value = clock()
        add(locks=1, waited_s=taken_at.value - start)

    def timed_exit(self, *exc: object) -> None:
        held = clock() - taken_at.value
        leave(self, *exc)
        add(held_s=held)

    queue.__enter__, queue.__exit__ = timed_enter, timed_exit
    run_group = group_commit._run_group

    def timed_group(conn, group) -> None:
        start = clock()
        try:
            run_group(conn, group)
        finally:
            add(work_s=clock() - start, groups=1, grouped_writes=len(group))

    group_commit._run_group = timed_group
    def write_counts() -> None:
        while True:
            time.sleep(0.5)
            with guard:
                snapshot = dict(counts)
            path = os.path.join(directory, f"{os.getpid()}.json")
            with open(path + ".tmp", "w") as out:
                json.dump(snapshot, out)
            os.replace(path + ".tmp", path)

    call = app.FwsApp.__call__
    writing: list[threading.Thread] = []

    def timed_call(self, environ, start_response):
        if not writing:  # at the first request: in the worker, after gunicorn's fork
            writing.append(threading.Thread(target=write_counts, daemon=True))
            writing[0].start()
        start = clock()
        try:
            return call(self, environ, start_response)
        finally:
            add(requests=1, request_s=clock() - start)

    app.FwsApp.__call__ = timed_call


def totals(directory: str) -> dict[str, float]:
    summed = dict.fromkeys(COUNTERS, 0.0)
    for path in glob.glob(os.path.join(directory, "*.json")):
        with open(path) as counts:
            for name, value in json.load(counts).items():
                summed[name] += value
    return summed


def main() -> None:
    if len(sys.argv) > 2 and sys.argv[1] == "--serve":  # a server whose workers count
        instrument(sys.argv[2])
        from fwscli.cli.main import run

        run(sys.argv[3:])
        return
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=4.0, help="measured time")
    parser.add_argument("--warmup", type=float, default=1.0, help="unmeasured time before it")
    parser.add_argument("--clients", type=int, default=2, help="load generator processes")
    parser.add_argument("--connections", type=int, default=6, help="keep-alive connections per process")
    parser.add_argument("--action", default="CreateFulfillmentOrder", choices=bench.ACTIONS[1:])
    options = parser.parse_args()

    workdir = tempfile.mkdtemp(prefix="fws-lock-hold-")
    atexit.register(shutil.rmtree, workdir, True)
    counts_dir = os.path.join(workdir, "counts")
    os.mkdir(counts_dir)
    url = f"sqlite:///{workdir}/fws.db"
    subprocess.check_call([bench.FWS, "server", "init", "--database", url], stdout=subprocess.DEVNULL,
                          stderr=subprocess.DEVNULL)
    keys = bench.create_merchant(url)
    port = bench.free_port()
    command = [sys.executable, os.path.abspath(__file__), "--serve", counts_dir,
               *bench.fws_server(url, port, "--no-throttle")[1:]]
    window: dict[str, tuple[dict[str, float], float]] = {}

    def sample() -> None:  # the counters' window is the load's measured time, give or take 0.5 s
        time.sleep(options.warmup + 0.5)
        window["start"] = totals(counts_dir), time.monotonic()
        time.sleep(options.seconds - 0.5)
        window["end"] = totals(counts_dir), time.monotonic()

    with bench.running(command, port) as server:
        bench.seed(port, keys, url)
        sampler = threading.Thread(target=sample)
        sampler.start()
        row = bench.measure(server, port, options.action, keys, options, "H")
        sampler.join()

    (start, started), (end, ended) = window["start"], window["end"]
    wall = ended - started
    delta = {name: end[name] - start[name] for name in COUNTERS}
    requests, locks = max(1.0, delta["requests"]), max(1.0, delta["locks"])
    print(f"{options.action}: {row.rate:.0f} req/s, server {row.server_cpu:.2f} cores, machine {row.busy:.0%} busy")
    print(f"writers' lock held {delta['held_s'] / wall:.1%} of the wall clock; "
          f"{delta['grouped_writes'] / max(1.0, delta['groups']):.2f} writes per group")
    print(f"per request: lock held {delta['held_s'] / requests * 1e6:.0f} µs "
          f"(grouped writes' work {delta['work_s'] / requests * 1e6:.0f} µs), "
          f"waited for it {delta['waited_s'] / requests * 1e6:.0f} µs, "
          f"whole request {delta['request_s'] / requests * 1e6:.0f} µs")
    print(f"per lock: held {delta['held_s'] / locks * 1e6:.0f} µs, "
          f"grouped writes' work {delta['work_s'] / locks * 1e6:.0f} µs")


if __name__ == "__main__":
    main()
