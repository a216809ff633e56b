"""The README's five-minute tour, run as written on the embedded service in a fresh home.

Each ```sh block of the tour runs as one bash script with `set -e`, in a directory holding
the repository's samples. The shipment id cannot be literal (the service makes a fresh one):
it is taken from `fws inbound list`. After the inbound block the test waits, as the README
tells the reader to, until the shipment is Closed; the order then completes within the
README's `fws outbound wait --timeout`. The cron line runs as `fws status --quiet`.

Slow: the embedded warehouse takes about a minute and a half to receive a shipment and
about a minute to ship an order.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.paths import REPO_DIR

README = REPO_DIR / "README.md"
BIN = str(Path(sys.executable).parent)
SHIPMENT_PLACEHOLDER = "FBAEA299F"


def tour_blocks() -> list[str]:
    text = README.read_text(encoding="utf-8")
    tour = text.split("## A five-minute tour", 1)[1].split("\n## ", 1)[0]
    return re.findall(r"```sh\n(.*?)```", tour, re.S)


def test_the_tour_covers_what_the_issue_asks():
    tour = "\n".join(tour_blocks())
    for command in ("fws items register", "fws inbound plan", "fws outbound create", "jq",
                    "fws status --quiet", "fws outbound import", "-o json"):
        assert command in tour, command


def _runnable(block: str) -> str:
    lines = []
    for line in block.splitlines():
        if line.startswith("*/5 * * * *"):
            line = "fws status --quiet"  # the cron entry's command
        if SHIPMENT_PLACEHOLDER in line and "SHIPMENT=" not in "\n".join(lines):
            lines.append("SHIPMENT=$(fws inbound list -o json | jq -r '.[-1].ShipmentId')")
        lines.append(line.replace(SHIPMENT_PLACEHOLDER, "$SHIPMENT"))
    if "fws inbound ship" in block:  # the README: order once every planned shipment is Closed
        closed = "fws inbound list -o json | jq -e 'all(.[]; .ShipmentStatus == \"Closed\")' >/dev/null"
        lines += ["for _ in $(seq 60); do",
                  f"    {closed} && break",
                  "    sleep 5",
                  "done",
                  closed]
    return "set -euo pipefail\n" + "\n".join(lines) + "\n"


@pytest.mark.slow
@pytest.mark.skipif(shutil.which("jq") is None, reason="jq is not installed")
def test_the_tour_runs_as_written(tmp_path):
    work = tmp_path / "work"
    shutil.copytree(REPO_DIR / "samples", work / "samples")
    env = {key: value for key, value in os.environ.items() if not key.startswith("FWS_")}
    env.update(HOME=str(tmp_path / "home"), XDG_CONFIG_HOME=str(tmp_path / "home" / "config"),
               XDG_DATA_HOME=str(tmp_path / "home" / "data"), XDG_STATE_HOME=str(tmp_path / "home" / "state"),
               PATH=f"{BIN}{os.pathsep}{env.get('PATH', '')}", NO_COLOR="1")
    for number, block in enumerate(tour_blocks(), start=1):
        script = _runnable(block)
        done = subprocess.run(["bash", "-c", script], cwd=work, env=env, capture_output=True, text=True,
                              timeout=900, stdin=subprocess.DEVNULL)
        assert done.returncode == 0, f"block {number} exited {done.returncode}:\n{script}\n{done.stderr}"
    results = (work / "results.csv").read_text()
    assert results.startswith("Row,MerchantFulfillmentOrderId,Outcome,RequestId,Error")
    assert ",failed," not in results
    assert (work / "orders.csv").read_text().startswith("MerchantFulfillmentOrderId,")
    order = subprocess.run([f"{BIN}/fws", "outbound", "get", "ORDER-5001", "-o", "json"], env=env,
                           capture_output=True, text=True, check=True, stdin=subprocess.DEVNULL)
    assert '"FulfillmentOrderStatus": "Complete"' in order.stdout
