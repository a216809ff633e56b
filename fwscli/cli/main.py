"""The `fws` entry point. Imports only what `--help` needs: each command group loads its
heavy dependencies (requests, SQLAlchemy, rich) inside the commands that use them."""

from __future__ import annotations

import sys
from functools import cache
from importlib import import_module
from typing import Any, Callable, Optional

import click
import typer
from typer.core import TyperGroup

from .. import __version__
from . import common
from .common import EXIT_CODES_HELP, Globals


# Settings a top-level command inherits from the `fws` app when Typer builds it.
SETTINGS: dict[str, Any] = dict(
    add_completion=False,
    pretty_exceptions_enable=False,
    # Plain Click help: Typer's rich help imports rich and markdown-it (~50-100 ms per --help).
    rich_markup_mode=None,
)


def _group(module: str, *extra: tuple[str, str]) -> Callable[[typer.Typer], None]:
    """Adds the Typer app of `module` as a group, with `extra` commands (name, function in
    cli/imports.py) that live elsewhere."""
    def register(app: typer.Typer) -> None:
        group = import_module(f".{module}", __package__).app
        if extra:
            from . import imports
            for name, function in extra:
                group.command(name)(getattr(imports, function))
        app.add_typer(group, name=module)
    return register


def _command(module: str, *, epilog: str | None = None) -> Callable[[typer.Typer], None]:
    """Adds the function `module`.`module` as a command (its epilog: that module's EPILOG)."""
    def register(app: typer.Typer) -> None:
        loaded = import_module(f".{module}", __package__)
        app.command(module, epilog=getattr(loaded, epilog) if epilog else None)(getattr(loaded, module))
    return register


# The top-level commands in the order `fws --help` lists them. Each is imported and built
# only when it runs (or --help lists it): building every group's Click commands on each
# start cost ~25 ms, a third of `fws --help`, for the one command being run.
COMMANDS: dict[str, Callable[[typer.Typer], None]] = {
    "demo": _command("demo", epilog="EPILOG"),
    "status": _command("status"),
    "items": _group("items", ("import", "items_import")),
    "server": _group("server"),
    "outbound": _group("outbound", ("import", "outbound_import"), ("export", "outbound_export")),
    "configure": _group("configure"),
    "inbound": _group("inbound", ("import", "inbound_import")),
    "inventory": _group("inventory"),
    "ops": _group("ops"),
}


class LazyGroup(TyperGroup):
    """The `fws` group: builds a top-level command the first time it is looked up."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return list(COMMANDS)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name not in self.commands:
            if cmd_name in COMMANDS:
                self.commands[cmd_name] = _build(cmd_name)
            else:  # a typo: Typer suggests the closest names of self.commands
                for name in COMMANDS:
                    self.get_command(ctx, name)
        return super().get_command(ctx, cmd_name)


@cache
def _build(name: str) -> click.Command:
    # Typer builds a command from the app it is added to: add it alone to an app with the
    # settings of `fws`, and take it out of the Click group Typer makes of that.
    holder = typer.Typer(**SETTINGS)
    COMMANDS[name](holder)
    return typer.main.get_group(holder).commands[name]


app = typer.Typer(
    name="fws",
    cls=LazyGroup,
    help="An Amazon FWS-compatible fulfillment service and its command-line tool.\n\n"
         + EXIT_CODES_HELP,
    no_args_is_help=True,
    **SETTINGS,
)


def _version(value: bool) -> None:
    if value:
        from ..api import ALL_SERVICES  # the three FWS APIs and our operator API

        apis = ", ".join(f"{s.name} {s.version}" for s in ALL_SERVICES)
        typer.echo(f"fws {__version__} (APIs: {apis})")
        raise typer.Exit()


@app.callback()
def main(
    ctx: typer.Context,
    profile: Optional[str] = typer.Option(None, "--profile", help="Profile of the config files to use."),
    endpoint_url: Optional[str] = typer.Option(None, "--endpoint-url",
                                               help="Service URL; none: the embedded local service."),
    region: Optional[str] = typer.Option(None, "--region", help="Region the requests are signed for."),
    output: Optional[str] = typer.Option(None, "-o", "--output",
                                         help="table, json, ndjson, csv, tsv or off "
                                              "(default: the profile's, else table on a terminal, json in a pipe)."),
    query: Optional[str] = typer.Option(None, "--query", help="JMESPath expression applied to the result."),
    color: str = typer.Option("auto", "--color", help="auto, on or off (NO_COLOR is honoured)."),
    debug: bool = typer.Option(False, "--debug", help="Show signed requests and retries on stderr (secrets redacted)."),
    error_format: str = typer.Option("text", "--error-format", help="text or json, for errors on stderr."),
    version: bool = typer.Option(False, "--version", callback=_version, is_eager=True,
                                 help="Print the version and the API versions, then exit."),
) -> None:
    """fws: items, inbound shipments, outbound orders and inventory of your fulfillment network."""
    from .output import COLOR_CHOICES, FORMATS

    if output is not None and output not in FORMATS:
        raise typer.BadParameter(f"must be one of {', '.join(FORMATS)}", param_hint="--output")
    if color not in COLOR_CHOICES:
        raise typer.BadParameter(f"must be one of {', '.join(COLOR_CHOICES)}", param_hint="--color")
    if error_format not in ("text", "json"):
        raise typer.BadParameter("must be text or json", param_hint="--error-format")
    ctx.obj = Globals(profile=profile, endpoint_url=endpoint_url, region=region, output=output,
                      query=query, color=color, debug=debug, error_format=error_format)
    common.configure_debug(debug)


def run(argv: list[str] | None = None) -> None:
    """Console-script entry: run the app and turn every failure into its exit code."""
    args = common.hoist_global_options(list(sys.argv[1:] if argv is None else argv))
    error_format = common.error_format_from(args)
    try:
        # Without standalone mode Click returns the code of a typer.Exit instead of exiting.
        result = app(args=args, prog_name="fws", standalone_mode=False)
    except click.UsageError as error:
        if error_format == "json":
            common.report(common.CliError(error.format_message(), common.EXIT_USAGE, code="UsageError"), "json")
        else:
            error.show()
        sys.exit(common.EXIT_USAGE)
    except click.ClickException as error:
        error.show()
        sys.exit(error.exit_code)
    except (KeyboardInterrupt, click.Abort):
        typer.echo("fws: interrupted", err=True)
        sys.exit(common.EXIT_INTERRUPTED)
    except BrokenPipeError:
        # The reader (head, less) went away: not an error of ours.
        sys.stderr.close()
        sys.exit(common.EXIT_OK)
    except Exception as error:  # every failure ends as one line and a documented code
        mapped = common.as_cli_error(error)
        if mapped is None:
            if "--debug" in args:
                raise
            mapped = common.CliError(f"unexpected failure: {type(error).__name__}: {error} "
                                     f"(run with --debug for details)", common.EXIT_OTHER,
                                     code="InternalError")
        common.report(mapped, error_format)
        sys.exit(mapped.exit_code)
    sys.exit(result if isinstance(result, int) else common.EXIT_OK)
