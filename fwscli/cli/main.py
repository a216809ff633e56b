"""The `fws` entry point. Imports only what `--help` needs: each command group loads its
heavy dependencies (SQLAlchemy, requests, rich) inside the commands that use them."""

from __future__ import annotations

import typer

from .. import __version__
from . import server

app = typer.Typer(
    name="fws",
    help="An Amazon FWS-compatible fulfillment service and its command-line tool.",
    no_args_is_help=True,
    add_completion=False,
)
app.add_typer(server.app, name="server")


def _version(value: bool) -> None:
    if value:
        from ..api import SERVICES

        apis = ", ".join(f"{s.name} {s.version}" for s in SERVICES)
        typer.echo(f"fws {__version__} (APIs: {apis})")
        raise typer.Exit()


@app.callback()
def main(
    version: bool = typer.Option(False, "--version", callback=_version, is_eager=True,
                                 help="Print the version and the API versions, then exit."),
) -> None:
    """fws: inbound, outbound and inventory for your fulfillment network."""


def run() -> None:
    app()
