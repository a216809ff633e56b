"""`fws configure …`: a profile's keys and settings, and where each value in use comes from."""

# No `from __future__ import annotations`: Typer would compile each string annotation on
# every start, building the commands several times slower.

import os
import sys
from typing import Any

import click
import typer

from . import common
from .output import Column

app = typer.Typer(help="Profiles: keys, region, endpoint, output. With no subcommand: ask for "
                       "each interactively (Enter keeps the current value).",
                  invoke_without_command=True)

LIST_COLUMNS = [Column("Name", "Name"), Column("Value", "Value"), Column("Source", "Source"),
                Column("Location", "Location")]
# (setting, question) in the order `fws configure` asks, as `aws configure` does.
QUESTIONS = (
    ("access_key_id", "Access key ID"),
    ("secret_access_key", "Secret access key"),
    ("region", "Region"),
    ("endpoint_url", "Endpoint URL (none: the embedded local service)"),
    ("output", "Default output format (table, json, ndjson, csv, tsv, off)"),
)


@app.callback()
def configure(ctx: typer.Context) -> None:
    """Set a profile's keys and settings; the secret is asked without echo.

    Honours --profile (else FWS_PROFILE, else "default"); files are written with mode 0600.
    """
    if ctx.invoked_subcommand is not None:
        return
    g = common.globals_of(ctx)
    name = profile_name(g)
    current = {key: setting.value for key, setting in resolved(g).values.items()} \
        if name in profile_names() else {}
    changes: dict[str, str] = {}
    for key, question in QUESTIONS:
        value = current.get(key)
        shown = (mask(value) if key in secret_keys() else value) if value else "None"
        answer = ask(f"{question} [{shown}]", key)
        if answer and answer != value:
            changes[key] = answer
    if changes:
        write(name, changes)
    else:
        common.note(f"profile {name!r} unchanged")


@app.command("set")
def set_(ctx: typer.Context, name: str = typer.Argument(..., help="The setting, e.g. region."),
         value: str = typer.Argument(..., help="Its value; an empty one clears it.")) -> None:
    """Write one setting of the profile (keys go to the credentials file)."""
    g = common.globals_of(ctx)
    key = setting_name(name)
    write(profile_name(g), {key: checked(key, value)})


@app.command()
def get(ctx: typer.Context, name: str = typer.Argument(..., help="The setting, e.g. endpoint_url.")) -> None:
    """Print the value fws would use for a setting (flags and environment included)."""
    g = common.globals_of(ctx)
    key = setting_name(name)
    setting = resolved(g)[key]
    if setting.value is None:
        common.note(f"{key} is not set for profile {profile_name(g)!r}")
        return
    typer.echo(setting.value)


@app.command("list")
def list_settings(ctx: typer.Context) -> None:
    """Every setting of the profile: its value (keys masked) and where it comes from."""
    from ..config import ConfigError, default_database_url, shown_value

    g = common.globals_of(ctx)
    settings = resolved(g)
    rows = [row("profile", settings.profile)]
    rows += [row(key, settings[key], masked=key in secret_keys()) for key in settings]
    g.show_rows(rows, LIST_COLUMNS)
    try:
        settings.credentials  # half a pair: listed as found, and said why no command will run
    except ConfigError as error:
        common.note(f"credentials: {error}")
    for key in settings:  # listed as found too, and said why every command fails on it
        reason = problem(key, settings[key].value or "") if key not in secret_keys() else None
        if reason is not None:
            where = settings[key].location or settings[key].source
            shown = shown_value(key, settings[key].value or "")
            common.note(f"{key} = {shown!r} (from {where}) is invalid: {reason}")
    if settings.endpoint_url is None:
        common.note(f"no endpoint_url: commands use the embedded service ({default_database_url()})")


@app.command("list-profiles")
def list_profiles(ctx: typer.Context) -> None:
    """The profiles defined in the config and credentials files."""
    common.globals_of(ctx).show(profile_names())


# --- helpers ----------------------------------------------------------------------------

def profile_name(g: common.Globals) -> str:
    from ..config import DEFAULT_PROFILE, PROFILE_ENV

    return g.profile or os.environ.get(PROFILE_ENV) or DEFAULT_PROFILE


def resolved(g: common.Globals):
    """The profile's settings with the global flags (including -o) on top; 253 if unknown."""
    from ..config import ConfigError, resolve

    try:
        return resolve(g.profile, {"endpoint_url": g.endpoint_url, "region": g.region,
                                   "output": g.output})
    except ConfigError as error:
        raise common.CliError(str(error), common.EXIT_CONFIG, code="ConfigError") from None


def profile_names() -> list[str]:
    """Profiles named in either file: `[default]`/`[profile NAME]` and credentials `[NAME]`."""
    from ..config import DEFAULT_PROFILE, ConfigError, config_file, credentials_file, read_profiles

    names: list[str] = []
    for path, is_config in ((config_file(), True), (credentials_file(), False)):
        try:  # read as resolve() reads it: the same sections, the same one-line errors
            sections = read_profiles(path)
        except ConfigError as error:
            raise common.CliError(str(error), common.EXIT_CONFIG, code="ConfigError") from None
        for section in sections:
            if is_config and section != DEFAULT_PROFILE:
                if not section.startswith("profile "):
                    continue  # not a profile: resolve() never reads it either
                section = section[len("profile "):].strip()
            names.append(section)
    unique = sorted(set(names))
    return sorted(unique, key=lambda name: name != DEFAULT_PROFILE)  # default first


def row(name: str, setting, masked: bool = False) -> dict[str, Any]:
    source, _, variable = setting.source.partition(":")
    location = str(setting.location) if setting.location else variable or None
    value = mask(setting.value) if masked and setting.value else setting.value
    return {"Name": name, "Value": value, "Source": source, "Location": location}


def mask(value: str) -> str:
    """Enough of a key to tell which it is, as `aws configure list` shows them."""
    return "*" * 16 + value[-4:] if len(value) >= 12 else "*" * 8


def secret_keys() -> tuple[str, ...]:
    from ..config import CREDENTIAL_KEYS

    return CREDENTIAL_KEYS


def setting_name(name: str) -> str:
    from ..config import CONFIG_KEYS, CREDENTIAL_KEYS

    key = name.replace("-", "_")
    if key not in CONFIG_KEYS + CREDENTIAL_KEYS:
        raise common.bad_parameter("NAME", name, "the settings are " + ", ".join(CONFIG_KEYS + CREDENTIAL_KEYS))
    return key


def checked(key: str, value: str) -> str:
    """The value if fws can use it for `key` (an empty value clears a setting)."""
    reason = problem(key, value.strip())
    if reason is not None:
        from ..config import shown_value

        raise common.bad_parameter(key, shown_value(key, value), reason)
    return value.strip()


def problem(key: str, value: str) -> str | None:
    """Why `value` cannot be written as `key`: the setting's own rule (config.py), and what
    only a value being typed in is checked for."""
    from ..config import value_problem
    from .output import FORMATS

    if not value:
        return None
    if key == "output" and value not in FORMATS:
        return "it must be one of " + ", ".join(FORMATS)
    if key in secret_keys() and any(character.isspace() for character in value):
        return "keys contain no spaces"
    return value_problem(key, value)


def ask(question: str, key: str) -> str:
    """One answer, asked again until usable; Enter gives "" (keep the current value)."""
    def value_proc(answer: str) -> str:
        reason = problem(key, answer.strip())
        if reason is not None:
            raise click.BadParameter(reason)
        return answer.strip()

    interactive = sys.stdin.isatty()
    try:
        # No echo only on a terminal: getpass would otherwise read /dev/tty, not the pipe.
        return click.prompt(question, default="", show_default=False, err=True,
                            hide_input=interactive and key in secret_keys(),
                            value_proc=value_proc)
    except click.Abort:
        if interactive:
            raise
        raise common.CliError("fws configure: no answer on stdin (it asks its questions on a "
                              "terminal; in scripts use `fws configure set NAME VALUE`)",
                              common.EXIT_USAGE, code="UsageError") from None


def write(profile: str, values: dict[str, str]) -> None:
    from ..config import ConfigError, profile_problem, set_values

    reason = profile_problem(profile)
    if reason is not None:  # written as a section header, a line break would break the file
        raise common.bad_parameter("--profile", profile, reason)
    try:
        paths = set_values(profile, values)
    except ConfigError as error:
        raise common.CliError(str(error), common.EXIT_CONFIG, code="ConfigError") from None
    common.note(f"profile {profile!r}: wrote {', '.join(sorted(values))} to "
                f"{' and '.join(str(path) for path in paths)}")

