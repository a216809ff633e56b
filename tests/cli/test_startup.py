"""What `fws` loads to start: only the command being run (issue 3, start-up speed)."""

from __future__ import annotations

import subprocess
import sys

import click
import pytest
import typer

from fwscli.cli.main import COMMANDS, app


def loaded_modules(*args: str) -> set[str]:
    """The modules of fws and its heavy dependencies loaded by `fws ARGS` (not run)."""
    code = ("import sys\n"
            "from fwscli.cli.main import app\n"
            f"app(args={list(args)!r}, prog_name='fws', standalone_mode=False)\n"
            "sys.stderr.write(' '.join(sorted(sys.modules)))\n")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return set(done.stderr.split())


def test_a_command_loads_its_own_group_only():
    loaded = loaded_modules("status", "--help")
    assert "fwscli.cli.status" in loaded
    others = {f"fwscli.cli.{name}" for name in COMMANDS if name != "status"} & loaded
    assert not others, others
    heavy = {"sqlalchemy", "requests", "alembic", "werkzeug", "rich"} & loaded
    assert not heavy, heavy


def test_help_loads_no_client_nor_service():
    loaded = loaded_modules("--help")
    heavy = {m for m in loaded if m.split(".")[0] in ("sqlalchemy", "requests", "alembic", "werkzeug")
             or m.startswith(("fwscli.client.", "fwscli.service.app", "fwscli.store"))}
    assert not heavy, heavy


def test_help_loads_no_renderer_nor_debug_logging():
    """rich and jmespath draw tables and run --query; json and logging serve --error-format
    json, --cli-input-json and --debug (loading those two was a twentieth of `fws --help`)."""
    loaded = loaded_modules("--help")
    assert not {"rich", "jmespath", "json", "logging"} & loaded, loaded


def test_help_loads_no_command_module():
    """The listing comes from COMMANDS' summaries: no command's module is imported."""
    loaded = loaded_modules("--help")
    commands = {m for m in loaded if m.startswith("fwscli.") and m not in
                ("fwscli.cli.main", "fwscli.cli.common")} - {"fwscli", "fwscli.cli"}
    assert not commands, commands


def test_each_summary_is_the_first_sentence_of_the_help():
    """What `fws --help` lists cannot drift from the commands' own help."""
    root = typer.main.get_command(app)
    ctx = click.Context(root, info_name="fws")
    for name, entry in COMMANDS.items():
        built = root.get_command(ctx, name)
        assert click.Command(name, help=built.help).get_short_help_str(10**6) == entry.summary, name


@pytest.mark.parametrize("width", [50, 80, 200])
def test_the_help_listing_is_clicks_own(width):
    """`fws --help` lists the commands from their help texts without building them: the
    same rows as Click's listing of the built commands."""
    root = typer.main.get_command(app)
    ctx = click.Context(root, info_name="fws")
    ours, clicks = click.HelpFormatter(width=width), click.HelpFormatter(width=width)
    root.format_commands(ctx, ours)
    click.Group.format_commands(root, ctx, clicks)
    assert ours.getvalue() == clicks.getvalue()
    assert all(name in ours.getvalue() for name in COMMANDS)
