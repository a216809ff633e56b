"""The hand-written documentation states what the code does: every environment variable,
exit code, setting, state and limit it names exists, and everything of these the code has
is documented. Links between the documents resolve."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from tests.paths import REPO_DIR

DOCS = REPO_DIR / "docs"
README = REPO_DIR / "README.md"
FWS = str(Path(sys.executable).with_name("fws"))
MARKDOWN = [README, *sorted(DOCS.glob("*.md"))]


def text(name: str) -> str:
    return (DOCS / name).read_text(encoding="utf-8")


def code_text() -> str:
    return "\n".join(path.read_text(encoding="utf-8") for path in (REPO_DIR / "fwscli").rglob("*.py"))


def test_every_documented_file_exists():
    for name in ("reference.md", "formats.md", "configuration.md", "exit-codes.md", "lifecycle.md",
                 "operations.md"):
        assert (DOCS / name).exists(), name
        assert f"docs/{name}" in README.read_text(), f"README does not link docs/{name}"


@pytest.mark.parametrize("document", MARKDOWN, ids=lambda path: path.name)
def test_relative_links_resolve(document):
    for target in re.findall(r"\]\(([^)\s]+)\)", document.read_text(encoding="utf-8")):
        if re.match(r"[a-z]+:", target):
            continue
        path, _, anchor = target.partition("#")
        resolved = (document.parent / path).resolve() if path else document
        assert resolved.exists(), f"{document.name}: {target}"
        if anchor and resolved.suffix == ".md":
            assert anchor in _anchors(resolved), f"{document.name}: {target}"


def _anchors(document: Path) -> set[str]:
    """GitHub's heading anchors: lower case, spaces to '-', punctuation dropped."""
    anchors = set()
    for heading in re.findall(r"^#+ (.+)$", document.read_text(encoding="utf-8"), re.M):
        anchors.add(re.sub(r"[^\w\- ]", "", heading.lower()).replace(" ", "-"))
    return anchors


def test_environment_variables_documented_are_read_by_the_code_and_the_other_way_round():
    code = code_text()
    in_code = set(re.findall(r"\bFWS_[A-Z_]*[A-Z]\b", code)) - {"FWS_THROTTLE_"}
    documented = set(re.findall(r"\bFWS_[A-Z_]*[A-Z]\b", text("configuration.md")))
    documented -= {"FWS_TEST_DATABASE_URL"}
    assert in_code - documented == set(), "read by the code but not in docs/configuration.md"
    for document in MARKDOWN:
        named = set(re.findall(r"\bFWS_[A-Z_]*[A-Z]\b", document.read_text(encoding="utf-8")))
        named -= {"FWS_TEST_DATABASE_URL"}
        assert named - in_code == set(), f"{document.name} names variables the code does not read"
    for variable in ("NO_COLOR", "XDG_CONFIG_HOME", "XDG_DATA_HOME", "XDG_STATE_HOME"):
        assert variable in code and variable in text("configuration.md")


def test_every_setting_and_its_default_is_documented():
    from fwscli.config import CONFIG_KEYS, CREDENTIAL_KEYS, DEFAULTS, RETRY_MODES

    doc = text("configuration.md")
    for key in CONFIG_KEYS + CREDENTIAL_KEYS:
        assert f"`{key}`" in doc, key
    for key, value in DEFAULTS.items():
        assert re.search(rf"\| `{key}` \|.*\| `{re.escape(value)}` \|", doc), (key, value)
    for mode in RETRY_MODES:
        assert f"`{mode}`" in doc


def test_every_exit_code_is_documented():
    from fwscli.cli import common

    doc = text("exit-codes.md")
    codes = {value for name, value in vars(common).items() if name.startswith("EXIT_") and isinstance(value, int)}
    documented = {int(code) for code in re.findall(r"^\| (\d+) \|", doc, re.M)}
    assert documented == codes
    for code in codes:
        assert re.search(rf"\b{code}\b", common.EXIT_CODES_HELP), f"`fws --help` misses {code}"


def test_every_state_is_in_the_lifecycle():
    from fwscli.api.inbound import SHIPMENT_STATUSES as INBOUND
    from fwscli.api.outbound import ORDER_STATUSES, SHIPMENT_STATUSES

    doc = text("lifecycle.md")
    sections = re.split(r"^## ", doc, flags=re.M)
    inbound = next(s for s in sections if s.startswith("Inbound shipment"))
    order = next(s for s in sections if s.startswith("Fulfillment order"))
    shipment = next(s for s in sections if s.startswith("Fulfillment shipment"))
    for section, states in ((inbound, INBOUND), (order, ORDER_STATUSES), (shipment, SHIPMENT_STATUSES)):
        assert "```mermaid\nstateDiagram-v2" in section
        for state in states:
            assert f"`{state}`" in section, state


def test_merchant_moves_of_an_inbound_shipment_are_those_the_code_allows():
    import inspect

    from fwscli.warehouse import inbound, receiving

    source = inspect.getsource(inbound.set_status)
    assert "{SHIPPED: (WORKING,), CANCELLED: (WORKING,) + RECEIVABLE}" in source
    assert receiving.RECEIVABLE == ("Shipped", "InTransit", "Delivered", "CheckedIn", "Receiving")
    doc = text("lifecycle.md")
    assert "| `Working` | `Shipped` | merchant" in doc
    assert "| `Working`, `Shipped` … `Receiving` | `Cancelled` | merchant" in doc
    for state in receiving.RECEIVABLE:
        assert f"    {state} --> Cancelled: SetInboundShipmentStatus Cancelled" in doc, state


def test_throttle_defaults_in_the_operations_guide():
    from fwscli.service.limits import DEFAULT_LIMITS

    doc = text("operations.md")
    for kind, limit in DEFAULT_LIMITS.items():
        assert re.search(rf"\| {kind} \| {limit.rate:g} requests/s \| {limit.burst} \|", doc), kind


def test_server_defaults_in_the_operations_guide():
    from fwscli.service.app import MAX_REQUEST_BYTES, WAREHOUSE_MODES
    from fwscli.service.health import PATH
    from fwscli.service.keys import KEY_CACHE_SECONDS
    from fwscli.service.serve import gunicorn_options

    doc = text("operations.md")
    options = gunicorn_options(bind=["x"], workers=1, threads=1)
    assert f"for up to {options['graceful_timeout']:g} s" in doc
    assert MAX_REQUEST_BYTES == 1024 * 1024 and "limited to 1 MiB" in doc
    assert f"`GET {PATH}`" in doc
    assert f"within {KEY_CACHE_SECONDS:g} seconds" in doc
    assert f"`--warehouse-mode {'|'.join(sorted(WAREHOUSE_MODES))}`" in doc


def test_version_prints_the_package_and_api_versions():
    from fwscli import __version__
    from fwscli.api import ALL_SERVICES

    done = subprocess.run([FWS, "--version"], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0
    line = done.stdout.strip()
    assert line.startswith(f"fws {__version__} ")
    assert {"inbound 2007-05-10", "outbound 2007-08-02", "inventory 2009-07-31"} <= set(
        line.split("(APIs: ", 1)[1].rstrip(")").split(", "))
    for service in ALL_SERVICES:  # the operator API too
        assert f"{service.name} {service.version}" in line


def test_the_package_version_is_the_distribution_version():
    from fwscli import __version__

    pyproject = (REPO_DIR / "pyproject.toml").read_text()
    assert re.search(r'^version = "(.+)"$', pyproject, re.M).group(1) == __version__


def test_configure_list_sources_are_those_the_configuration_guide_names(tmp_path):
    """docs/configuration.md: each `Source` of `fws configure list` and what its `Location`
    holds (the variable for `env`, the file for the files)."""
    import json
    import os

    config = tmp_path / "config"
    config.write_text("[default]\nmax_attempts = 5\n")
    credentials = tmp_path / "credentials"
    credentials.write_text("[default]\naccess_key_id = AKFMEXAMPLEEXAMPLE7Q\nsecret_access_key = s3cret\n")
    env = {key: value for key, value in os.environ.items() if not key.startswith("FWS_")}
    env.update(HOME=str(tmp_path), XDG_CONFIG_HOME=str(tmp_path / "xdg"), FWS_REGION="eu-west-1",
               FWS_CONFIG_FILE=str(config), FWS_SHARED_CREDENTIALS_FILE=str(credentials))
    done = subprocess.run([FWS, "configure", "list", "-o", "json", "--error-format", "json"], env=env,
                          capture_output=True, text=True, timeout=60, stdin=subprocess.DEVNULL)
    assert done.returncode == 0, done.stderr
    rows = {row["Name"]: (row["Source"], row["Location"]) for row in json.loads(done.stdout)}
    assert rows["region"] == ("env", "FWS_REGION")
    assert rows["max_attempts"] == ("config-file", str(config))
    assert rows["output"] == ("flag", None)
    assert rows["access_key_id"] == ("credentials-file", str(credentials))
    assert rows["endpoint_url"] == ("unset", None)
    assert rows["retry_mode"] == ("default", None)
    doc = text("configuration.md")
    for source, _ in rows.values():
        assert f"`{source}`" in doc.split("`fws configure list` shows", 1)[1].split("```", 1)[0], source
