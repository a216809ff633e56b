"""Streaming a long list: `fws outbound list -o ndjson` over 10k and 100k orders.

The orders are written straight into a fresh embedded database (one bulk insert through the
store's tables: creating 100k orders through the API would take far longer than the thing
measured), then `fws outbound list -o ndjson` streams them all, page by page, through the
real embedded service: signed requests, XML, the paginator, the ndjson renderer. Prints
rows/s and the child's peak RSS for each size and page size.

Targets: >= 20k rows/s; peak RSS at 100k <= 1.2 x peak RSS at 10k (memory stays flat).

`--instructions` counts instead, under `valgrind --tool=callgrind` (hash randomisation off):
the listing over N and then 3N seeded orders (the first of the sizes, default 1000, and the
first page size), printing the instructions per order (the difference / 2N: start-up cancels
out), and the whole of a one-row listing (start-up: imports, the first signed request). The
same figures whatever else the machine does, to compare two trees (run each tree's script
with PYTHONPATH set to it).

    .venv/bin/python bench/paging.py [--runs 3] [--sizes 10000 100000] [--page-sizes 100 1000]
    .venv/bin/python bench/paging.py --instructions [--sizes 1000] [--page-sizes 100]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timezone
from pathlib import Path

from startup import instructions  # one callgrind counter for the benches

FWS = str(Path(sys.executable).with_name("fws"))
INSERT_BATCH = 10_000
ADDRESS = {"Name": "Ada Lovelace", "Line1": "1 Main St", "City": "Seattle",
           "StateOrProvinceCode": "WA", "CountryCode": "US", "PostalCode": "98101"}


def isolated_env(home: Path) -> dict[str, str]:
    env = {name: value for name, value in os.environ.items()
           if not name.startswith("FWS_") and name != "PYTHONDONTWRITEBYTECODE"}
    env.update(HOME=str(home), XDG_CONFIG_HOME=str(home / "config"),
               XDG_DATA_HOME=str(home / "data"), PYTHONPYCACHEPREFIX=str(home / "pycache"))
    return env


def seed_orders(database_url: str, first: int, last: int) -> None:
    """Orders number first..last-1, Complete just now (so the default listing shows them)."""
    from sqlalchemy import insert, select

    from fwscli.store.database import Database
    from fwscli.store.schema import fulfillment_orders, merchants

    db = Database(database_url)
    now = datetime.now(timezone.utc)
    with db.write() as conn:
        merchant_id = conn.execute(select(merchants.c.id)).scalar_one()
        for start in range(first, last, INSERT_BATCH):
            conn.execute(insert(fulfillment_orders), [
                {"merchant_id": merchant_id, "merchant_order_id": f"ORDER-{n:07d}",
                 "displayable_order_id": f"ORDER-{n:07d}", "displayable_order_datetime": now,
                 "displayable_order_comment": "Thank you for your order.",
                 "shipping_speed": "Standard", "destination_address": ADDRESS,
                 "fulfillment_policy": "FillOrKill", "fulfillment_method": "Consumer",
                 "notification_emails": [], "status": "Complete",
                 "request_fingerprint": f"{n:064d}", "received_at": now, "status_updated_at": now,
                 "visible_at": now}  # what listings filter by (store/sequencing.py)
                for n in range(start, min(start + INSERT_BATCH, last))
            ])
    db.dispose()


def stream(env: dict[str, str], page_size: int, max_items: int | None = None) -> tuple[int, float, float, float]:
    """(rows, wall seconds, CPU seconds, peak RSS in MB) of one `fws outbound list -o ndjson`.

    CPU time (user + system) hardly moves when other work shares the machine; wall time
    does, so both are printed."""
    argv = [FWS, "outbound", "list", "-o", "ndjson", "--page-size", str(page_size)]
    if max_items is not None:
        argv += ["--max-items", str(max_items)]
    start = time.perf_counter()
    child = subprocess.Popen(argv, env=env, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    rows = 0
    assert child.stdout is not None
    while chunk := child.stdout.read(1 << 16):
        rows += chunk.count(b"\n")
    _, status, usage = os.wait4(child.pid, 0)
    seconds = time.perf_counter() - start
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"{' '.join(argv)} failed")
    cpu = usage.ru_utime + usage.ru_stime
    return rows, seconds, cpu, usage.ru_maxrss / 1024  # ru_maxrss is in KiB on Linux


def listing(page_size: int, max_items: int | None = None) -> list[str]:
    argv = [sys.executable, FWS, "outbound", "list", "-o", "ndjson", "--page-size", str(page_size)]
    return argv if max_items is None else [*argv, "--max-items", str(max_items)]


def count_instructions(env: dict[str, str], database_url: str, size: int, page_size: int) -> None:
    # Once without valgrind first: the run that compiles the bytecode would count that too.
    subprocess.run(listing(page_size, max_items=1), env=env, check=True, stdout=subprocess.DEVNULL)
    fixed = instructions(listing(page_size, max_items=1), env)
    print(f"start-up (a one-row listing, page {page_size}): {fixed:>16,} instructions", flush=True)
    seed_orders(database_url, 0, size)
    small = instructions(listing(page_size), env)
    seed_orders(database_url, size, 3 * size)
    large = instructions(listing(page_size), env)
    print(f"per order ({size} and {3 * size} orders, page {page_size}): "
          f"{(large - small) // (2 * size):>8,} instructions")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--sizes", type=int, nargs="+",
                        help="orders to stream (default 10000 100000; 1000 with --instructions)")
    parser.add_argument("--page-sizes", type=int, nargs="+", default=[100, 1000],
                        help="100 is the service's default page, 1000 its largest")
    parser.add_argument("--instructions", action="store_true",
                        help="count instructions under valgrind instead of timing (slow)")
    options = parser.parse_args()
    sizes = options.sizes or ([1000] if options.instructions else [10_000, 100_000])
    with tempfile.TemporaryDirectory() as home:
        env = isolated_env(Path(home))
        database_url = f"sqlite:///{Path(home) / 'data' / 'fws' / 'fws.db'}"
        # The real first use: creates the database and provisions the merchant.
        subprocess.run([FWS, "status", "-o", "off"], env=env, check=True)
        if options.instructions:
            count_instructions(env, database_url, sizes[0], options.page_sizes[0])
            return
        # What every listing pays before its first row: start-up, imports, the first request.
        fixed = statistics.median(stream(env, 1, max_items=1)[2] for _ in range(options.runs))
        print(f"start-up (CPU of a one-row listing): {fixed * 1000:.0f} ms")
        print(f"{'orders':>8}{'page':>6}{'rows/s':>10}{'seconds':>9}{'rows/CPU s':>12}"
              f"{'us/row*':>9}{'peak RSS MB':>13}   ({options.runs} runs: medians; RSS the largest)")
        seeded, peak = 0, {}
        for size in sorted(sizes):
            seed_orders(database_url, seeded, size)
            seeded = size
            for page_size in options.page_sizes:
                results = [stream(env, page_size) for _ in range(options.runs)]
                if any(result[0] != size for result in results):
                    raise SystemExit(f"expected {size} rows, streamed {[r[0] for r in results]}")
                rate = statistics.median(rows / seconds for rows, seconds, _, _ in results)
                seconds = statistics.median(seconds for _, seconds, _, _ in results)
                cpu_rate = statistics.median(rows / cpu for rows, _, cpu, _ in results)
                peak[size, page_size] = max(rss for _, _, _, rss in results)
                per_row = (statistics.median(cpu for _, _, cpu, _ in results) - fixed) / size * 1e6
                print(f"{size:>8}{page_size:>6}{rate:>10.0f}{seconds:>9.2f}{cpu_rate:>12.0f}"
                      f"{per_row:>9.1f}{peak[size, page_size]:>13.1f}   "
                      f"{'ok' if rate >= 20_000 else 'MISSED'} (>= 20k rows/s)")
        smallest, largest = min(sizes), max(sizes)
        for page_size in options.page_sizes:
            ratio = peak[largest, page_size] / peak[smallest, page_size]
            print(f"page {page_size}: RSS at {largest} / RSS at {smallest} = {ratio:.2f}"
                  f"   {'ok' if ratio <= 1.2 else 'MISSED'} (<= 1.2)")
        print("* CPU per row after start-up: what the listing itself costs")
        print(f"load average {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
