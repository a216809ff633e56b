"""The `fws` entry point. Imports only what `--help` needs: each command group loads its
heavy dependencies (requests, SQLAlchemy, rich) inside the commands that use them."""

from __future__ import annotations

import sys
from typing import Optional

import click
import typer

from .. import __version__
from . import common, inbound, inventory, items, server, status
from . import configure, demo, imports, ops, outbound
from .common import EXIT_CODES_HELP, Globals

app = typer.Typer(
    name="fws",
    help="An Amazon FWS-compatible fulfillment service and its command-line tool.\n\n"
         + EXIT_CODES_HELP,
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    # Plain Click help: Typer's rich help imports rich and markdown-it (~50-100 ms per --help).
    rich_markup_mode=None,
)
app.add_typer(items.app, name="items")
app.add_typer(server.app, name="server")
app.add_typer(outbound.app, name="outbound")
app.add_typer(configure.app, name="configure")
app.command("demo", epilog=demo.EPILOG)(demo.demo)
app.add_typer(inbound.app, name="inbound")
app.add_typer(inventory.app, name="inventory")
app.add_typer(ops.app, name="ops")
app.command("status")(status.status)
outbound.app.command("import")(imports.outbound_import)
outbound.app.command("export")(imports.outbound_export)
items.app.command("import")(imports.items_import)
inbound.app.command("import")(imports.inbound_import)


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
