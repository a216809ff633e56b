"""`fws server …`: run the FWS-compatible service and manage its database and merchants."""

from __future__ import annotations

import json
from datetime import datetime, timezone
from typing import Optional

import typer

app = typer.Typer(help="Run the FWS-compatible service and manage its database.",
                  no_args_is_help=True)

DatabaseOption = typer.Option(None, "--database", envvar="FWS_DATABASE_URL",
                              help="Database URL (sqlite:///path or postgresql://…). "
                                   "Default: the embedded SQLite file.")

EXIT_CONFIG = 253


def _open(url: Optional[str], *, create: bool):
    """The database at `url` (default: the embedded file), or exit 253 when its schema is stale."""
    from ..config import default_database_url
    from ..store.migrations import SchemaOutOfDate, open_database

    try:
        return open_database(url or default_database_url(), create=create)
    except SchemaOutOfDate as error:
        typer.echo(f"fws: {error}.", err=True)
        raise typer.Exit(EXIT_CONFIG)


@app.command()
def start(
    host: str = typer.Option("127.0.0.1", "--host", help="Address to listen on."),
    port: int = typer.Option(8080, "--port", help="Port to listen on."),
    database: Optional[str] = DatabaseOption,
    region: str = typer.Option("us-east-1", "--region", help="SigV4 region the service signs for."),
) -> None:
    """Serve the inbound, outbound and inventory APIs over HTTP."""
    import logging

    from werkzeug.serving import run_simple

    from ..service.app import FwsApp

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    db = _open(database, create=True)
    typer.echo(f"fws: serving on http://{host}:{port}/ (database {db.engine.url.render_as_string()})", err=True)
    run_simple(host, port, FwsApp(db, region=region), threaded=True)


@app.command()
def init(database: Optional[str] = DatabaseOption) -> None:
    """Create the schema of a new database."""
    from ..store.migrations import head_revision

    _open(database, create=True)
    typer.echo(f"fws: database ready at schema revision {head_revision()}", err=True)


@app.command()
def upgrade(database: Optional[str] = DatabaseOption) -> None:
    """Migrate the database schema to this version of fws."""
    from ..config import default_database_url
    from ..store.database import Database
    from ..store.migrations import head_revision, upgrade as run_upgrade

    run_upgrade(Database(database or default_database_url()))
    typer.echo(f"fws: database upgraded to schema revision {head_revision()}", err=True)


@app.command("create-merchant")
def create_merchant(
    name: str = typer.Argument(..., help="The merchant's name."),
    database: Optional[str] = DatabaseOption,
    output: str = typer.Option("text", "-o", "--output", help="text or json"),
) -> None:
    """Create a merchant and print its new access key id and secret."""
    from ..warehouse import accounts

    db = _open(database, create=True)
    with db.write() as conn:
        credentials = accounts.create_merchant(conn, name, datetime.now(timezone.utc))
    if output == "json":
        typer.echo(json.dumps({"AccessKeyId": credentials.access_key_id,
                               "SecretAccessKey": credentials.secret_access_key}))
    else:
        typer.echo(f"AccessKeyId:     {credentials.access_key_id}\n"
                   f"SecretAccessKey: {credentials.secret_access_key}")
