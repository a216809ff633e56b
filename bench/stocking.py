"""Stocking a benchmark's merchant through the operator service, as a warehouse would:
every order a benchmark creates then reserves units, as a real one does, instead of
ending Unfulfillable at once (a cheaper path no merchant wants)."""

from __future__ import annotations

import atexit
import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

FWS = str(Path(sys.executable).with_name("fws"))


def stock(database_url: str, endpoint_url: str, skus: list[str], units: int, center: str = "PHL1") -> None:
    """Add `units` of each registered SKU of the database's first merchant at `center`."""
    operator = dict(line.split(":", 1) for line in subprocess.check_output(
        [FWS, "server", "create-operator", "--database", database_url], text=True).splitlines())
    home = tempfile.mkdtemp(prefix="fws-bench-operator-")
    atexit.register(shutil.rmtree, home, True)  # the operator's keys, nothing to keep
    env = {**{name: value for name, value in os.environ.items() if not name.startswith("FWS_")},
           "HOME": home, "XDG_CONFIG_HOME": home, "XDG_DATA_HOME": home, "XDG_STATE_HOME": home,
           "FWS_ENDPOINT_URL": endpoint_url,
           "FWS_ACCESS_KEY_ID": operator["AccessKeyId"].strip(),
           "FWS_SECRET_ACCESS_KEY": operator["SecretAccessKey"].strip()}
    merchant = json.loads(subprocess.check_output([FWS, "ops", "merchants", "-o", "json"], env=env))[0]
    for sku in skus:
        subprocess.check_call([FWS, "ops", "adjust", sku, str(units), "--merchant", str(merchant["MerchantId"]),
                               "--fc", center, "--reason", "benchmark stock"], env=env, stdout=subprocess.DEVNULL)
