"""The completion scripts load in their shells and complete what the command tree holds.

bash is driven the way readline drives it (COMP_WORDS, COMP_CWORD, `=` split off as its own
word); fish through `complete -C`; zsh's completion system needs a terminal, so its script is
checked for syntax and its walk run with the completion builtins replaced by recorders.
"""

from __future__ import annotations

import shutil
import subprocess

import pytest

from tests.docs.helpers import tree
from tests.paths import REPO_DIR

BASH = REPO_DIR / "completions" / "fws.bash"
ZSH = REPO_DIR / "completions" / "_fws"
FISH = REPO_DIR / "completions" / "fws.fish"


def _profiles_home(tmp_path) -> dict[str, str]:
    config = tmp_path / "config" / "fws"
    config.mkdir(parents=True)
    (config / "config").write_text("[default]\noutput = json\n\n[profile team]\nregion = us-east-1\n")
    (config / "credentials").write_text("[default]\naccess_key_id = A\n\n[ci]\naccess_key_id = B\n")
    return {"HOME": str(tmp_path), "XDG_CONFIG_HOME": str(tmp_path / "config"), "PATH": "/usr/bin:/bin"}


# --- bash ----------------------------------------------------------------------------------

def bash_words(line: str) -> list[str]:
    """The words readline hands a completion function for `line` (cursor at its end):
    split on spaces, with `=` a word of its own (it is in COMP_WORDBREAKS)."""
    words: list[str] = []
    for token in line.split(" "):
        parts = token.split("=")
        for number, part in enumerate(parts):
            if number:
                words.append("=")
            if part or number == 0:
                words.append(part)
    return words


def bash_complete(line: str, env: dict[str, str] | None = None, cwd=REPO_DIR) -> list[str]:
    words = bash_words(line)
    script = (f"source {BASH}\n"
              f"COMP_WORDS=({' '.join(_bash_quote(w) for w in words)})\n"
              f"COMP_CWORD={len(words) - 1}\n"
              "_fws\n"
              "printf '%s\\n' \"${COMPREPLY[@]}\"\n")
    done = subprocess.run(["bash", "--norc", "--noprofile", "-c", script], capture_output=True,
                          text=True, env=env or {"PATH": "/usr/bin:/bin", "HOME": "/nonexistent"},
                          cwd=cwd, check=True)
    assert done.stderr == ""
    return [line for line in done.stdout.splitlines() if line]


def _bash_quote(word: str) -> str:
    return "'" + word.replace("'", "'\\''") + "'"


def test_bash_loads_the_script():
    done = subprocess.run(["bash", "-c", f"source {BASH}; complete -p fws"], capture_output=True,
                          text=True, cwd=REPO_DIR)
    assert done.returncode == 0 and done.stderr == ""
    assert done.stdout.strip() == "complete -F _fws fws"


def test_the_literal_command_of_the_issue():
    done = subprocess.run("bash -c 'source completions/fws.bash; complete -p fws'", shell=True,
                          capture_output=True, text=True, cwd=REPO_DIR)
    assert done.returncode == 0, done.stderr


def test_bash_offers_every_command_of_every_group():
    for command in tree().walk():
        if command.subcommands:
            line = " ".join(command.path) + " "
            assert bash_complete(line) == [sub.path[-1] for sub in command.subcommands], line


def test_bash_offers_every_option_of_every_command():
    for command in tree().walk():
        offered = set(bash_complete(" ".join(command.path) + " -"))
        wanted = {name for option in command.options for name in option.names if name.startswith("-")}
        assert wanted <= offered, command.name
        assert "--help" in offered


@pytest.mark.parametrize("line, expected", [
    ("fws out", ["outbound"]),
    ("fws outbound create --speed ", ["Standard", "Expedited", "Priority"]),
    ("fws outbound create --policy Fill", ["FillOrKill", "FillAll", "FillAllAvailable"]),
    ("fws -o nd", ["ndjson"]),
    ("fws --output=t", ["table", "tsv"]),
    ("fws --output=", ["table", "json", "ndjson", "csv", "tsv", "off"]),
    ("fws --color ", ["auto", "on", "off"]),
    # global options are valid anywhere, and their values are skipped when finding the command
    ("fws --region us-east-1 inventory ", ["get", "list"]),
    ("fws outbound -o json create --method R", ["Removal"]),
    ("fws items list --output j", ["json"]),
    ("fws status ", ["inbound", "outbound", "inventory"]),
    ("fws status inbound out", ["outbound"]),
    ("fws configure set reg", ["region"]),
    ("fws configure set region ", []),  # the value: anything
    ("fws inbound list --status Rec", ["Receiving"]),
    ("fws items register --condition NewO", ["NewOEM", "NewOpenBox"]),
    ("fws server start --warehouse-mode ", ["manual", "auto"]),
    ("fws outbound wait ORDER-1 --for Compl", ["Complete", "CompletePartialled"]),
    ("fws outbound create --to-name ", []),  # free text: no file names
    ("fws outbound create --to ", ["@"]),
    ("fws outbound import --format ", ["csv", "jsonl"]),
])
def test_bash_completes(line, expected):
    assert bash_complete(line) == expected


def test_bash_completes_files_where_a_file_is_expected(tmp_path):
    (tmp_path / "orders.csv").write_text("")
    (tmp_path / "address.json").write_text("{}")
    (tmp_path / "data").mkdir()
    env = {"PATH": "/usr/bin:/bin", "HOME": str(tmp_path)}
    assert bash_complete("fws outbound import ord", env, cwd=tmp_path) == ["orders.csv"]
    assert bash_complete("fws items import --results d", env, cwd=tmp_path) == ["data"]
    assert bash_complete("fws outbound create --to @add", env, cwd=tmp_path) == ["@address.json"]
    assert bash_complete("fws outbound create --to @da", env, cwd=tmp_path) == ["@data/"]


def test_bash_completes_profiles_from_both_files(tmp_path):
    env = _profiles_home(tmp_path)
    assert bash_complete("fws --profile ", env) == ["ci", "default", "team"]
    assert bash_complete("fws items list --profile t", env) == ["team"]
    moved = tmp_path / "elsewhere"
    moved.write_text("[profile staging]\n")
    assert bash_complete("fws --profile ", {**env, "FWS_CONFIG_FILE": str(moved)}) == ["ci", "default", "staging"]
    assert bash_complete("fws --profile ", {"PATH": "/usr/bin:/bin", "HOME": str(tmp_path / "none")}) == []


# --- zsh -----------------------------------------------------------------------------------

needs_zsh = pytest.mark.skipif(shutil.which("zsh") is None, reason="zsh is not installed")

ZSH_RECORDERS = r"""
compadd() { print -r -- "compadd ${(j: :)@}" }
_describe() { local name=$4; print -r -- "describe ${(j: :)${(@)${(P)name}%%:*}}" }
_files() { print -r -- "files $PREFIX" }
compset() {
    [[ $1 == -P ]] || return 1
    local pattern=$2
    [[ $PREFIX == ${~pattern}* ]] || return 1
    PREFIX=${PREFIX#${~pattern}}
}
compdef() { print -r -- "compdef $*" }
"""


def zsh_complete(*words: str, env: dict[str, str] | None = None) -> str:
    """What _fws offers for the command line `words` (the cursor in the last one)."""
    script = (ZSH_RECORDERS + "compdef() { : }\n" + f"source {ZSH}\n"
              + "words=(" + " ".join(_bash_quote(w) for w in words) + ")\n"
              + "CURRENT=${#words}\nPREFIX=${words[CURRENT]}\n_fws\n")
    done = subprocess.run(["zsh", "-f", "-c", script], capture_output=True, text=True,
                          env=env or {"PATH": "/usr/bin:/bin", "HOME": "/nonexistent"}, check=True)
    assert done.stderr == ""
    return done.stdout.rstrip("\n")


@needs_zsh
def test_zsh_script_parses_and_registers_itself():
    assert subprocess.run(["zsh", "-n", str(ZSH)], capture_output=True).returncode == 0
    assert ZSH.read_text().startswith("#compdef fws\n")
    done = subprocess.run(["zsh", "-f", "-c", ZSH_RECORDERS + f"source {ZSH}"], capture_output=True, text=True)
    assert done.stdout.strip() == "compdef _fws fws"


@needs_zsh
@pytest.mark.parametrize("words, expected", [
    (("fws", ""), "describe demo status items server outbound configure inbound inventory ops"),
    (("fws", "outbound", "create", "--speed", ""), "compadd -- Standard Expedited Priority"),
    (("fws", "--output=n"), "compadd -- table json ndjson csv tsv off"),
    (("fws", "--region", "us-east-1", "inventory", ""), "describe get list"),
    (("fws", "outbound", "create", "--to", "@ad"), "files ad"),
    (("fws", "outbound", "import", ""), "files "),
    (("fws", "configure", "get", ""), "compadd -- access_key_id secret_access_key endpoint_url region "
                                      "output retry_mode max_attempts connect_timeout read_timeout"),
    (("fws", "configure", "set", "region", ""), ""),
])
def test_zsh_completes(words, expected):
    assert zsh_complete(*words) == expected


@needs_zsh
def test_zsh_describes_options_and_completes_profiles(tmp_path):
    out = zsh_complete("fws", "items", "register", "--c")
    assert out.startswith("describe --condition --dry-run --profile")
    assert zsh_complete("fws", "--profile", "", env=_profiles_home(tmp_path)) == "compadd -- ci default team"


# --- fish ----------------------------------------------------------------------------------

needs_fish = pytest.mark.skipif(shutil.which("fish") is None, reason="fish is not installed")


def fish_complete(line: str, env: dict[str, str] | None = None) -> list[str]:
    done = subprocess.run(["fish", "--no-config", "-c", f"source {FISH}; complete -C {_bash_quote(line)}"],
                          capture_output=True, text=True, cwd=REPO_DIR,
                          env=env or {"PATH": "/usr/bin:/bin", "HOME": "/nonexistent"}, check=True)
    assert done.stderr == ""
    return [row.split("\t")[0] for row in done.stdout.splitlines()]


@needs_fish
def test_fish_script_parses():
    assert subprocess.run(["fish", "--no-config", "-n", str(FISH)], capture_output=True).returncode == 0


@needs_fish
@pytest.mark.parametrize("line, expected", [
    ("fws out", ["outbound"]),
    ("fws outbound ", sorted(["preview", "create", "get", "list", "cancel", "wait", "import", "export"])),
    ("fws outbound create --speed ", ["Expedited", "Priority", "Standard"]),
    ("fws --output=nd", ["--output=ndjson"]),
    ("fws --region us-east-1 inventory ", ["get", "list"]),
    ("fws status inbound ", ["inbound", "inventory", "outbound"]),
    ("fws configure set reg", ["region"]),
    ("fws configure set region ", []),
    ("fws items register --cond", ["--condition"]),
    ("fws outbound create --to ", ["@"]),
    ("fws outbound create --to @sam", ["@samples/"]),
])
def test_fish_completes(line, expected):
    assert fish_complete(line) == expected


@needs_fish
def test_fish_completes_profiles(tmp_path):
    assert fish_complete("fws --profile ", _profiles_home(tmp_path)) == ["ci", "default", "team"]
