"""The README's two commands, run literally on a copy of the repository in a fresh virtual
environment and a fresh home: the first installs fws and runs `fws demo` on the embedded
service, the second installs the test extras and runs the test suite.

Slow (a fresh install and the whole fast suite): `pytest -m slow` and CI run it. The suite
that the second command runs deselects slow tests, so this test never runs inside itself;
FWS_README_TEST_NESTED makes sure of it even if someone selects slow tests there.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import venv
from pathlib import Path

import pytest

from tests.paths import REPO_DIR, SHARED_DIR

README = REPO_DIR / "README.md"
BEGIN, END = "<!-- readme-commands", "<!-- /readme-commands -->"
NESTED = "FWS_README_TEST_NESTED"
DEMO_SECONDS = 900          # fws demo waits at most 300 s for the warehouse by default
SUITE_SECONDS = 60 * 60


def readme_commands(text: str) -> list[str]:
    """The shell commands of the fenced block between the README's markers."""
    start = text.index(BEGIN)
    block = text[start:text.index(END, start)]
    fenced = re.search(r"```sh\n(.*?)```", block, re.S)
    assert fenced, "no ```sh block between the readme-commands markers"
    return [line for line in fenced.group(1).splitlines() if line.strip()]


def test_the_readme_has_exactly_two_commands_to_install_run_and_test():
    install_and_run, install_and_test = readme_commands(README.read_text(encoding="utf-8"))
    assert install_and_run.startswith("pip install .") and "fws demo" in install_and_run
    assert "[test" in install_and_test and install_and_test.endswith("pytest")


def test_ci_runs_the_readme_test_command():
    """.ci/run installs what the README's test command installs and runs pytest."""
    _, install_and_test = readme_commands(README.read_text(encoding="utf-8"))
    install = install_and_test.split(" && ")[0]
    ci = (REPO_DIR / ".ci" / "run").read_text(encoding="utf-8")
    assert install.replace("pip install ", "pip install --quiet ") in ci
    assert re.search(r"^\s*pytest\b", ci, re.M)


def _copy_repository(target: Path) -> None:
    """The files a clone would have: tracked and not ignored (no .venv, no build output)."""
    listed = subprocess.run(["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
                            cwd=REPO_DIR, capture_output=True, check=True).stdout.decode()
    for name in filter(None, listed.split("\0")):
        source = REPO_DIR / name
        if source.is_file():
            (target / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target / name)


def _fresh_environment(home: Path, venv_dir: Path) -> dict[str, str]:
    keep = ("PATH", "LANG", "LC_ALL", "TERM", "TMPDIR", "PIP_CACHE_DIR", "PIP_INDEX_URL",
            "PIP_EXTRA_INDEX_URL", "PIP_FIND_LINKS", "PIP_CERT", "PIP_DEFAULT_TIMEOUT",
            "SSL_CERT_FILE", "REQUESTS_CA_BUNDLE", "HTTP_PROXY", "HTTPS_PROXY", "NO_PROXY",
            "http_proxy", "https_proxy", "no_proxy", "CI")
    env = {name: os.environ[name] for name in keep if name in os.environ}
    # pip's downloads may be reused; nothing of fws's own state is.
    env.setdefault("PIP_CACHE_DIR", str(Path.home() / ".cache" / "pip"))
    env.update(HOME=str(home), VIRTUAL_ENV=str(venv_dir), NO_COLOR="1",
               PATH=f"{venv_dir / 'bin'}{os.pathsep}{env.get('PATH', os.defpath)}")
    env[NESTED] = "1"
    return env


def _run(command: str, cwd: Path, env: dict[str, str], timeout: float) -> subprocess.CompletedProcess:
    return subprocess.run(["bash", "-c", command], cwd=cwd, env=env, capture_output=True, text=True,
                          timeout=timeout, stdin=subprocess.DEVNULL)


@pytest.mark.slow
@pytest.mark.skipif(bool(os.environ.get(NESTED)), reason="already inside the README test")
def test_the_readme_two_commands_succeed_in_a_fresh_virtual_environment(tmp_path):
    install_and_run, install_and_test = readme_commands(README.read_text(encoding="utf-8"))
    clone, home, venv_dir = tmp_path / "main", tmp_path / "home", tmp_path / "venv"
    clone.mkdir()
    home.mkdir()
    _copy_repository(clone)
    if SHARED_DIR.is_dir():  # the spec beside the repository, as CI and developers have it
        (tmp_path / "shared").symlink_to(SHARED_DIR)
    venv.create(venv_dir, with_pip=True)
    env = _fresh_environment(home, venv_dir)

    demo = _run(install_and_run, clone, env, DEMO_SECONDS)
    suite = _run(install_and_test, clone, env, SUITE_SECONDS)

    assert suite.returncode == 0, f"{install_and_test} exited {suite.returncode}:\n{suite.stdout[-5000:]}\n{suite.stderr[-3000:]}"
    assert re.search(r"\d+ passed", suite.stdout), suite.stdout[-2000:]
    assert demo.returncode == 0, f"{install_and_run} exited {demo.returncode}:\n{demo.stderr[-5000:]}"
    assert "Done: order" in demo.stderr
    assert (home / ".local" / "share" / "fws" / "fws.db").exists()  # the embedded default
