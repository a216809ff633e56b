"""The generated files (completions, man pages, command reference) match the command tree.

When a command, option or help text changes, these fail until the files are regenerated:
    python scripts/gen_cli_docs.py
"""

from __future__ import annotations

import subprocess
import sys

from tests.docs.helpers import GENERATOR, generated, generator, tree
from tests.paths import REPO_DIR

REGENERATE = f"regenerate them: python {GENERATOR.relative_to(REPO_DIR)}"


def test_committed_files_are_what_the_generator_writes_now():
    stale = generator().stale(generated(), REPO_DIR)
    assert not stale, f"out of date: {', '.join(stale)}; {REGENERATE}"


def test_the_script_checks_from_the_command_line():
    done = subprocess.run([sys.executable, str(GENERATOR), "--check"], capture_output=True, text=True,
                          cwd=REPO_DIR)
    assert done.returncode == 0, done.stderr


def test_check_names_a_stale_file_and_writes_nothing(tmp_path):
    gen = generator()
    files = generated()
    gen.write(files, tmp_path)
    assert gen.stale(files, tmp_path) == []
    (tmp_path / "man" / "fws-items.1").write_text("old\n")
    (tmp_path / "man" / "fws-gone.1").write_text("a group that no longer exists\n")
    assert gen.stale(files, tmp_path) == ["man/fws-items.1", "man/fws-gone.1"]
    gen.write(files, tmp_path)
    assert gen.stale(files, tmp_path) == [] and not (tmp_path / "man" / "fws-gone.1").exists()


def test_every_top_level_command_has_a_man_page_and_a_reference_section():
    files = generated()
    reference = files["docs/reference.md"]
    for command in tree().subcommands:
        assert f"man/fws-{command.path[1]}.1" in files
        for sub in command.walk():
            assert f"## {sub.name}\n" in reference or f"### {sub.name}\n" in reference
            for option in sub.options:
                assert option.long in reference


def test_every_value_source_still_names_an_existing_parameter():
    """VALUE_SOURCES lists options whose values the commands check themselves; an entry
    whose option was renamed or removed would silently stop completing."""
    gen = generator()
    known = set()
    for command in tree().walk():
        for option in command.options:
            known.update((command.name, name) for name in option.names)
        known.update((command.name, argument.name) for argument in command.arguments)
    for prefix, name in gen.VALUE_SOURCES:
        assert any(path == prefix or path.startswith(prefix + " ")
                   for path, param in known if param == name), (prefix, name)


def test_values_come_from_the_code():
    from fwscli.api.outbound import SHIPPING_SPEEDS
    from fwscli.cli.output import FORMATS

    root = tree()
    output = next(o for o in root.options if "--output" in o.names)
    assert output.values.choices == tuple(FORMATS)
    create = next(c for c in root.walk() if c.name == "fws outbound create")
    speed = next(o for o in create.options if o.long == "--speed")
    assert speed.values.choices == SHIPPING_SPEEDS
    assert next(o for o in create.options if o.long == "--to").values.kind == "at-files"
    importer = next(c for c in root.walk() if c.name == "fws outbound import")
    assert importer.arguments[0].values.kind == "files"
    assert next(o for o in importer.options if o.long == "--format").values.choices == ("csv", "jsonl")


def test_generated_text_does_not_depend_on_the_terminal(monkeypatch):
    monkeypatch.setenv("COLUMNS", "40")
    assert generator().generate(generator().load_tree()) == generated()
