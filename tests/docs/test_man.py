"""The man pages render without a warning and document every command and option."""

from __future__ import annotations

import os
import re
import shutil
import subprocess

import pytest

from tests.docs.helpers import tree
from tests.paths import REPO_DIR

MAN_DIR = REPO_DIR / "man"
PAGES = sorted(MAN_DIR.glob("*.1"))


def _plain(path) -> str:
    """The page as `man` shows it, without bold and underline."""
    done = subprocess.run(["groff", "-man", "-Tutf8", "-P", "-cbou", str(path)], capture_output=True,
                          text=True, check=True)
    return done.stdout


@pytest.mark.skipif(shutil.which("groff") is None,
                    reason="groff is not installed (apt-get install groff-base; .ci/run does)")
@pytest.mark.parametrize("page", PAGES, ids=lambda path: path.name)
def test_groff_renders_without_warnings(page):
    done = subprocess.run(["groff", "-man", "-ww", "-z", str(page)], capture_output=True, text=True)
    assert done.returncode == 0 and done.stderr == "", done.stderr


@pytest.mark.skipif(shutil.which("man") is None, reason="man is not installed (apt-get install man-db)")
@pytest.mark.parametrize("page", PAGES, ids=lambda path: path.name)
def test_man_shows_the_page(page):
    env = {**os.environ, "MANWIDTH": "100", "MANPAGER": "cat", "PAGER": "cat", "LC_ALL": "C.UTF-8"}
    done = subprocess.run(["man", "-l", str(page)], capture_output=True, text=True, env=env)
    assert done.returncode == 0 and done.stderr == "", done.stderr
    name = page.stem.upper()
    assert done.stdout.startswith(f"{name}(1)") and "NAME" in done.stdout


def test_there_is_a_page_for_fws_and_each_of_its_commands():
    wanted = {"fws.1"} | {f"fws-{command.path[1]}.1" for command in tree().subcommands}
    assert {page.name for page in PAGES} == wanted


@pytest.mark.skipif(shutil.which("groff") is None, reason="groff is not installed")
def test_each_page_documents_its_commands_and_options():
    root = tree()
    for command in root.subcommands:
        text = _plain(MAN_DIR / f"fws-{command.path[1]}.1")
        text = re.sub(r"\s+", " ", text)
        for sub in command.walk():
            assert sub.name in text, sub.name
            for option in sub.options:
                for name in option.names:
                    assert name in text, (sub.name, name)
    text = re.sub(r"\s+", " ", _plain(MAN_DIR / "fws.1"))
    for option in root.options:
        assert option.long in text
    for section in ("SYNOPSIS", "GLOBAL OPTIONS", "COMMANDS", "EXIT STATUS", "ENVIRONMENT", "FILES",
                    "EXAMPLES", "SEE ALSO"):
        assert section in text


@pytest.mark.skipif(shutil.which("groff") is None, reason="groff is not installed")
def test_option_dashes_are_ascii_so_they_copy_and_paste():
    text = _plain(MAN_DIR / "fws-outbound.1")
    assert "--to-postal-code" in text and "\u2010" not in text and "\u2212" not in text
