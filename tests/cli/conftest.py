"""CLI fixtures: the real `fws` entry point run as a subprocess, in an isolated home, against
the embedded service or a live server."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

FWS = str(Path(sys.executable).with_name("fws"))


@dataclass
class Result:
    code: int
    out: str
    err: str

    def json(self):
        return json.loads(self.out)


class Fws:
    """Runs `fws` with a fixed environment; `fws("items", "list", "-o", "json")`."""

    def __init__(self, env: dict[str, str]):
        self.env = env

    def __call__(self, *args: str, input: str | None = None, timeout: float = 60,
                 env: dict[str, str] | None = None) -> Result:
        done = subprocess.run([FWS, *args], input=input, capture_output=True, text=True,
                              env={**self.env, **(env or {})}, timeout=timeout,
                              stdin=None if input is not None else subprocess.DEVNULL)
        return Result(done.returncode, done.stdout, done.stderr)

    def ok(self, *args: str, **kwargs) -> Result:
        result = self(*args, **kwargs)
        assert result.code == 0, f"fws {' '.join(args)} exited {result.code}: {result.err}"
        return result


def _isolated_env(home: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("FWS_")}
    # Temporary files too (an import's staging index): a run killed with SIGKILL cannot
    # remove its own, and they would pile up in /tmp.
    (home / "tmp").mkdir(parents=True, exist_ok=True)
    env.update(HOME=str(home), XDG_CONFIG_HOME=str(home / "config"),
               XDG_DATA_HOME=str(home / "data"), XDG_STATE_HOME=str(home / "state"),
               TMPDIR=str(home / "tmp"), NO_COLOR="1", COLUMNS="200")
    return env


@pytest.fixture
def embedded_fws(tmp_path) -> Fws:
    """`fws` on the embedded service, in a home of its own (nothing configured)."""
    return Fws(_isolated_env(tmp_path / "home"))


def _remote(tmp_path: Path, server, merchant) -> Fws:
    env = _isolated_env(tmp_path / "home")
    env.update(FWS_ENDPOINT_URL=server.url, FWS_ACCESS_KEY_ID=merchant.access_key_id,
               FWS_SECRET_ACCESS_KEY=merchant.secret_access_key)
    return Fws(env)


@pytest.fixture
def remote_fws(tmp_path, server, merchant) -> Fws:
    """`fws` pointed at a live server on a free port, keys from the environment."""
    return _remote(tmp_path, server, merchant)


@pytest.fixture(params=["embedded", "remote"])
def fws(request, tmp_path, db, server, merchant) -> Fws:
    """Each test twice: on the embedded service and against a live server (whose database
    is SQLite, and PostgreSQL too when FWS_TEST_DATABASE_URL is set)."""
    if request.param == "embedded":
        if not db.is_sqlite:
            pytest.skip("the embedded service is SQLite only; covered by the sqlite run")
        return Fws(_isolated_env(tmp_path / "home"))
    return _remote(tmp_path, server, merchant)
