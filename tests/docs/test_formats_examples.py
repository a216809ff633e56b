"""docs/formats.md's opening commands, run as written on the embedded service in a fresh
home, in a directory holding the repository's samples; `nightly-export` (the reader's own
program) writes samples/orders.csv in cp1252. Then each file the block exports is imported
back, as the guide says it can be."""

from __future__ import annotations

import csv
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.paths import REPO_DIR

FORMATS = REPO_DIR / "docs" / "formats.md"
BIN = str(Path(sys.executable).parent)
NIGHTLY_EXPORT = "nightly-export() { iconv -f utf-8 -t cp1252 orders.csv; }"


def first_block() -> str:
    return re.search(r"```sh\n(.*?)```", FORMATS.read_text(encoding="utf-8"), re.S).group(1)


def _run(script: str, work: Path, env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run(["bash", "-c", "set -euo pipefail\n" + script], cwd=work, env=env,
                          capture_output=True, text=True, timeout=300, stdin=subprocess.DEVNULL)


@pytest.mark.skipif(shutil.which("iconv") is None, reason="iconv is not installed")
def test_the_formats_guide_commands_run_as_written_and_their_exports_import_back(tmp_path):
    work, home = tmp_path / "work", tmp_path / "home"
    shutil.copytree(REPO_DIR / "samples", work)
    env = {key: value for key, value in os.environ.items() if not key.startswith("FWS_")}
    env.update(HOME=str(home), XDG_CONFIG_HOME=str(home / "config"), XDG_DATA_HOME=str(home / "data"),
               XDG_STATE_HOME=str(home / "state"), PATH=f"{BIN}{os.pathsep}{env.get('PATH', '')}",
               NO_COLOR="1")
    block = first_block()
    assert "nightly-export |" in block
    done = _run(NIGHTLY_EXPORT + "\n" + block, work, env)
    assert done.returncode == 0, f"{block}\n{done.stderr}"

    with open(work / "results.csv", newline="") as results:
        outcomes = list(csv.DictReader(results))
    assert outcomes and {row["Outcome"] for row in outcomes} == {"ok"}, outcomes
    assert (work / "orders.csv").read_text().startswith("MerchantFulfillmentOrderId,")
    assert (work / "items.csv").read_text().startswith("MerchantSKU,")
    # "import reads it back": the exports import again, answered as what the service has.
    again = _run("fws outbound import orders.csv --results -\nfws items import items.csv --results -", work, env)
    assert again.returncode == 0, again.stderr
    assert ",failed," not in again.stdout and ",invalid," not in again.stdout, again.stdout
