"""The `fws` entry point. Imports only what `--help` needs: each command group loads its
heavy dependencies (requests, SQLAlchemy, rich) inside the commands that use them, and the
groups themselves are imported only when run (LazyGroup)."""

from __future__ import annotations

import gc

# Loading Click, Typer and this module makes some 24,000 objects that live until exit:
# the cyclic collector's passes over them freed nothing and were an eighth of `fws --help`.
# So it is paused until the end of this module, which then freezes them out of later passes
# (as common._collector_paused does for the client).
_COLLECTING = gc.isenabled()
gc.disable()

import sys  # noqa: E402 (after the pause, on purpose)
from dataclasses import dataclass  # noqa: E402
from functools import cache  # noqa: E402
from importlib import import_module  # noqa: E402
from typing import Any, Optional  # noqa: E402

import click  # noqa: E402
import typer  # noqa: E402
from typer.core import TyperGroup  # noqa: E402

from .. import __version__  # noqa: E402
from . import common  # noqa: E402
from .common import EXIT_CODES_HELP, Globals  # noqa: E402


# Settings a top-level command inherits from the `fws` app when Typer builds it.
SETTINGS: dict[str, Any] = dict(
    add_completion=False,
    pretty_exceptions_enable=False,
    # Plain Click help: Typer's rich help imports rich and markdown-it (~50-100 ms per --help).
    rich_markup_mode=None,
)


@dataclass(frozen=True)
class TopLevel:
    """A top-level command of `fws`: the group `app` of fwscli/cli/<module>.py, or (group
    False) that module's function <module>."""

    module: str
    # The first sentence of the command's help, which is all that `fws --help` lists: so the
    # listing imports none of the modules. tests/cli/test_startup.py checks it is the help's.
    summary: str
    group: bool = True
    imports: tuple[tuple[str, str], ...] = ()  # the group's commands in imports.py: (name, function)
    epilog: str | None = None  # the name of the module's constant that ends the command's help

    def add_to(self, app: typer.Typer) -> None:
        loaded = import_module(f".{self.module}", __package__)
        if not self.group:
            epilog = getattr(loaded, self.epilog) if self.epilog else None
            app.command(self.module, epilog=epilog)(getattr(loaded, self.module))
            return
        if self.imports:
            from . import imports
            for name, function in self.imports:
                loaded.app.command(name)(getattr(imports, function))
        app.add_typer(loaded.app, name=self.module, cls=Group)


# In the order `fws --help` lists them. Each is imported, and its Click commands built, only
# when it runs: building all ~50 commands cost ~25 ms of every start, for the one being run.
COMMANDS: dict[str, TopLevel] = {entry.module: entry for entry in (
    TopLevel("demo", "The whole lifecycle on the embedded service (or --endpoint-url), with fresh "
                     "data each run: register items, plan and ship an inbound shipment, wait for it "
                     "to be received, create an order and follow it until it completes.",
             group=False, epilog="EPILOG"),
    TopLevel("status", "Ask each service for its status (GetServiceStatus), one row per service.",
             group=False),
    TopLevel("items", "Register items (merchant SKU -> FNSKU) and look them up.",
             imports=(("import", "items_import"),)),
    TopLevel("server", "Run the FWS-compatible service and manage its database."),
    TopLevel("outbound", "Multi-channel fulfillment orders: preview, create, get, list, cancel, wait.",
             imports=(("import", "outbound_import"), ("export", "outbound_export"))),
    TopLevel("configure", "Profiles: keys, region, endpoint, output."),
    TopLevel("inbound", "Inbound shipments: preview, plan, create, edit, ship, cancel, list.",
             imports=(("import", "inbound_import"),)),
    TopLevel("inventory", "Inventory supply by merchant SKU: in stock and inbound."),
    TopLevel("ops", "Run the warehouse: receive, pick, pack and ship, adjust stock, manage merchants "
                    "and keys, move the simulation clock (operator keys)."),
)}


class ReaderGone(Exception):
    """stdout's reader (head, less) went away: not a failure of fws."""


class Group(TyperGroup):
    """A command group that suggests the commands close to a mistyped one once: Click's
    NoSuchCommand (Click 8.2 and later) names them itself, and Typer then added them again
    ("Did you mean 'list'? Did you mean 'list'?")."""

    def resolve_command(self, ctx: click.Context, args: list[str]) -> Any:
        try:
            return click.Group.resolve_command(self, ctx, args)
        except click.UsageError as error:
            if isinstance(error, getattr(click.exceptions, "NoSuchCommand", ())):
                raise
            return super().resolve_command(ctx, args)  # an older Click: Typer's suggestions


class LazyGroup(Group):
    """The `fws` group: builds a top-level command the first time it is looked up."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except BrokenPipeError:
            # Click would catch it (it is an OSError) and exit 1, "some rows failed".
            raise ReaderGone from None

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

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        # Click's listing, from each command's summary alone: building the commands for it
        # was a sixth of `fws --help`, and importing their modules another sixth.
        # tests/cli/test_startup.py checks the rows match.
        limit = formatter.width - 6 - max(len(name) for name in COMMANDS)
        rows = [(name, click.Command(name, help=entry.summary).get_short_help_str(limit))
                for name, entry in COMMANDS.items()]
        with formatter.section("Commands"):
            formatter.write_dl(rows)


@cache
def _build(name: str) -> click.Command:
    # Typer builds a command from the app it is added to: add it alone to an app with the
    # settings of `fws`, and take it out of the Click group Typer makes of that.
    holder = typer.Typer(**SETTINGS)
    COMMANDS[name].add_to(holder)
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
    if query is not None:
        from .output import Query  # jmespath is imported only when --query is given

        Query(query)  # a bad expression fails here, before anything is sent (exit 252)
    if ctx.get_parameter_source("error_format") is click.core.ParameterSource.DEFAULT:
        # FWS_ERROR_FORMAT, as run() reads it for the final error: an import's row errors
        # must come in the same format as the error line that ends it.
        error_format = common.error_format_from([])
    ctx.obj = Globals(profile=profile, endpoint_url=endpoint_url, region=region, output=output,
                      query=query, color=color, debug=debug, error_format=error_format)
    common.configure_debug(debug)


gc.freeze()
if _COLLECTING:
    gc.enable()


def run(argv: list[str] | None = None) -> None:
    """Console-script entry: run the app and turn every failure into its exit code."""
    args = common.hoist_global_options(list(sys.argv[1:] if argv is None else argv))
    error_format = common.error_format_from(args)
    try:
        # Without standalone mode Click returns the code of a typer.Exit instead of exiting.
        result = app(args=args, prog_name="fws", standalone_mode=False)
    except click.UsageError as error:
        if error_format == "json":
            common.report(common.CliError(_usage_message(error), common.EXIT_USAGE, code="UsageError"), "json")
        else:
            common.to_stderr(error.show)
        sys.exit(common.EXIT_USAGE)
    except click.ClickException as error:
        if error_format == "json":
            common.report(common.CliError(error.format_message(), error.exit_code), "json")
        else:
            common.to_stderr(error.show)
        sys.exit(error.exit_code)
    except (KeyboardInterrupt, click.Abort):
        _interrupted(error_format)
    except ReaderGone:
        from ..pipes import discard_writes

        discard_writes(sys.stdout)
        sys.exit(common.EXIT_OK)
    except Exception as error:  # every failure ends as one line and a documented code
        mapped = common.as_cli_error(error)
        if mapped is None:
            # With --debug the traceback too, but the same error line and exit code: a bare
            # re-raise exited 1 ("some rows failed") with no JSON error for --error-format.
            debug = "--debug" in args
            if debug:
                import traceback

                traceback.print_exc()
            mapped = common.CliError(f"unexpected failure: {type(error).__name__}: {error}"
                                     + ("" if debug else " (run with --debug for details)"),
                                     common.EXIT_OTHER, code="InternalError")
        common.report(mapped, error_format)
        sys.exit(mapped.exit_code)
    if result == common.EXIT_INTERRUPTED:  # Typer turns Ctrl-C into this code itself
        _interrupted(error_format)
    sys.exit(result if isinstance(result, int) else common.EXIT_OK)


def _usage_message(error: click.UsageError) -> str:
    """A usage error's message for --error-format json. A group given no command (`fws
    items`) fails with its whole help as the message (Click 8.2+): for a script, one line
    that says what is missing and where the help is."""
    if isinstance(error, getattr(click.exceptions, "NoArgsIsHelpError", ())) and error.ctx is not None:
        return f"missing a command: see `{error.ctx.command_path} --help`"
    return error.format_message()


def _interrupted(error_format: str) -> None:
    if error_format == "json":
        common.report(common.CliError("interrupted", common.EXIT_INTERRUPTED), "json")
    else:
        common.to_stderr(lambda: typer.echo("fws: interrupted", err=True))
    sys.exit(common.EXIT_INTERRUPTED)
