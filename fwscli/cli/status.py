"""`fws status`: does each service answer? For a person, and for cron:
`fws status --quiet || alert` (exit 0 only when every service answered)."""

# No `from __future__ import annotations`: Typer would compile each string annotation on
# every start, building this group's commands three times slower.

from typing import Any, List

import click
import typer

from . import common
from .output import Column

SERVICES = ("inbound", "outbound", "inventory")
COLUMNS = [Column("Service", "Service"), Column("State", "State"), Column("Status", "Status")]


def status(
    ctx: typer.Context,
    services: List[str] = typer.Argument(None, metavar="[inbound|outbound|inventory]...",
                                         click_type=click.Choice(SERVICES),
                                         help="The services to ask (default: all)."),
    quiet: bool = typer.Option(False, "--quiet", "-q",
                               help="Print nothing, not even errors: the exit code says it all."),
) -> None:
    """Ask each service for its status (GetServiceStatus), one row per service.

    Exits 0 only when every service answered; otherwise with the code of the first failure
    (255 unreachable, 253 credentials refused, 254 another service error)."""
    g = common.globals_of(ctx)
    chosen = [name for name in SERVICES if name in (services or SERVICES)]
    try:
        g.client()  # configuration problems (and first-use provisioning) before any thread
    except common.CliError as error:
        if quiet:
            raise typer.Exit(error.exit_code) from None
        raise
    rows = ask_all(g, chosen)
    if not quiet:
        g.show_rows(rows, COLUMNS)
    failed = [row["ExitCode"] for row in rows if row["State"] != "ok"]
    if failed:
        raise typer.Exit(failed[0])


def ask_all(g: common.Globals, services: list[str]) -> list[dict[str, Any]]:
    """Ask the services at once: an endpoint that does not answer costs its timeout and
    retries once, not once per service."""
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(max_workers=len(services)) as pool:
        return list(pool.map(lambda service: ask(g, service), services))


def ask(g: common.Globals, service: str) -> dict[str, Any]:
    try:
        answer = g.call(service, "GetServiceStatus")
    except Exception as error:  # every failure is a row; the exit code is the first one's
        mapped = common.as_cli_error(error) or common.CliError(
            f"{type(error).__name__}: {error}", common.EXIT_OTHER)
        return {"Service": service, "State": "error", "Status": mapped.message,
                "ExitCode": mapped.exit_code}
    return {"Service": service, "State": "ok", "Status": answer["Status"], "ExitCode": 0}
