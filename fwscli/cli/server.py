"""`fws server …`: run the FWS-compatible service and manage its database and merchants."""

from __future__ import annotations

import json
from datetime import datetime, timezone
from typing import List, Optional

import typer

from ..service.limits import DEFAULT_LIMITS, Limit
from .common import EXIT_CONFIG, EXIT_OTHER

app = typer.Typer(help="Run the FWS-compatible service and manage its database.",
                  no_args_is_help=True)

DatabaseOption = typer.Option(None, "--database", envvar="FWS_DATABASE_URL",
                              help="Database URL (sqlite:///path or postgresql://…). "
                                   "Default: the embedded SQLite file.")



def _database_url(url: Optional[str]) -> str:
    """--database, or the embedded file; exit 253 on one line, naming it (its password
    masked), when it is not a URL at all: a port that is not a number was an unexpected
    ValueError (255) with neither the option nor the value named."""
    from ..config import default_database_url
    from ..store.database import malformed, shown_url
    from .common import CliError

    url = url or default_database_url()
    problem = malformed(url)
    if problem is not None:
        raise CliError(f"the database URL {shown_url(url)} (--database) is malformed: {problem}",
                       EXIT_CONFIG, code="DatabaseError")
    return url


def _open(url: Optional[str], *, create: bool):
    """The database at `url` (default: the embedded file), or exit 253 when its schema is stale."""
    from sqlalchemy.exc import SQLAlchemyError

    from ..store.migrations import MigrationFailed, SchemaOutOfDate, open_database

    url = _database_url(url)
    try:
        return open_database(url, create=create)
    except SchemaOutOfDate as error:
        raise _stale(error) from None
    except MigrationFailed as error:
        raise _unmigratable(url, error) from None
    except (OSError, SQLAlchemyError, ImportError) as error:  # ImportError: the URL's driver
        raise _unopenable(url, error) from None


def _stale(error: Exception):
    """A schema older or newer than this fws needs: an error like any other (253), so
    --error-format json reads it too."""
    from .common import CliError

    return CliError(f"{error}.", EXIT_CONFIG, code="SchemaOutOfDate")


def _unmigratable(url: str, error: Exception):
    """A database whose schema fws cannot make its own (one of another application's):
    the --database setting to check (253), on one line."""
    from ..store.database import shown_url
    from .common import CliError

    return CliError(f"the database {shown_url(url)} cannot be used: {error}", EXIT_CONFIG, code="DatabaseError")


def _unopenable(url: str, error: Exception):
    """A database that cannot be opened (a bad URL or one of a driver not installed, a file
    that cannot be made, a server that does not answer): the --database setting to fix
    (253), on one line."""
    from ..store.database import cannot_open
    from .common import CliError

    return CliError(f"the database {cannot_open(url, error)}", EXIT_CONFIG, code="DatabaseError")


def _globals(ctx: typer.Context):
    """The global options (--region, -o: `fws` hoists them in front of the command)."""
    from .common import Globals

    return ctx.obj if isinstance(ctx.obj, Globals) else Globals()


@app.command()
def start(
    ctx: typer.Context,
    bind: Optional[List[str]] = typer.Option(
        None, "--bind", "-b", envvar="FWS_SERVER_BIND",
        help="HOST:PORT (or unix:PATH) to listen on; repeat for several. "
             "Default: --host:--port."),
    host: str = typer.Option("127.0.0.1", "--host", help="Address to listen on (without --bind)."),
    port: int = typer.Option(8080, "--port", min=0, max=65535, help="Port to listen on (without --bind)."),
    workers: int = typer.Option(2, "--workers", "-w", min=1, envvar="FWS_SERVER_WORKERS",
                                help="Worker processes."),
    threads: int = typer.Option(4, "--threads", min=1, envvar="FWS_SERVER_THREADS",
                                help="Requests served at once by each worker."),
    database: Optional[str] = DatabaseOption,
    warehouse_mode: str = typer.Option(
        "auto", "--warehouse-mode", envvar="FWS_WAREHOUSE_MODE",
        help="Who moves orders and shipments along: 'auto' (the simulation clock) or "
             "'manual' (operators, with fws ops)."),
    warehouse_delays: Optional[str] = typer.Option(
        None, "--warehouse-delays", envvar="FWS_WAREHOUSE_DELAYS", metavar="STEP=DURATION,...",
        help="Auto mode's delays, e.g. 'pick=1m,ship=2m' (s, m or h); steps: plan, replan, pick, "
             "ship, in_transit, deliver, check_in, receive. Unnamed steps keep their defaults."),
    network_file: Optional[str] = typer.Option(
        None, "--network", envvar="FWS_NETWORK_FILE", metavar="FILE",
        help="The fulfillment centers that inbound shipments go to, as a JSON file (format in "
             "docs/operations.md), read once at start. Default: the built-in network."),
    throttle: bool = typer.Option(True, "--throttle/--no-throttle", envvar="FWS_THROTTLE",
                                  help="Throttle each merchant's requests (503 RequestThrottled)."),
    read_rate: float = typer.Option(DEFAULT_LIMITS["read"].rate, "--read-rate", min=0.001,
                                    envvar="FWS_THROTTLE_READ_RATE",
                                    help="Read requests per second restored to each merchant."),
    read_burst: int = typer.Option(DEFAULT_LIMITS["read"].burst, "--read-burst", min=1,
                                   envvar="FWS_THROTTLE_READ_BURST",
                                   help="Read requests a merchant may send at once."),
    write_rate: float = typer.Option(DEFAULT_LIMITS["write"].rate, "--write-rate", min=0.001,
                                     envvar="FWS_THROTTLE_WRITE_RATE",
                                     help="Write requests per second restored to each merchant."),
    write_burst: int = typer.Option(DEFAULT_LIMITS["write"].burst, "--write-burst", min=1,
                                    envvar="FWS_THROTTLE_WRITE_BURST",
                                    help="Write requests a merchant may send at once."),
) -> None:
    """Serve the inbound, outbound and inventory APIs over HTTP, under gunicorn.

    The region requests are signed for is the global --region (default us-east-1).
    SIGTERM stops gracefully, exit 0: requests in flight are answered first. Ctrl-C
    (SIGINT) stops at once, exit 130. GET /ping answers 200 OK while the database
    answers, 503 otherwise.
    """
    import logging
    import math
    from datetime import datetime, timezone

    from ..config import value_problem
    from ..service.serve import AppSettings, serve
    from ..store.database import in_memory
    from ..warehouse.simulation import WAREHOUSE_MODES, Delays, Simulation
    from ..warehouse.tick import resume_stranded
    from .common import CliError

    if database:
        _database_url(database)  # a malformed URL is named before any other check
    if database and in_memory(database):
        # The master's schema would stay in the master: each worker would open its own
        # empty database, fail its boot, and stop the server with a misleading message.
        raise typer.BadParameter("an in-memory SQLite database cannot be shared by the worker "
                                 "processes (each would get its own, empty one): give a file "
                                 "or a PostgreSQL URL", param_hint="--database")
    if warehouse_mode not in WAREHOUSE_MODES:
        # Named: it may come from FWS_WAREHOUSE_MODE, out of the operator's sight.
        raise typer.BadParameter(f"{warehouse_mode!r}: must be one of {', '.join(WAREHOUSE_MODES)}",
                                 param_hint="--warehouse-mode")
    try:
        delays = Delays.parse(warehouse_delays) if warehouse_delays else None
    except ValueError as error:
        raise typer.BadParameter(str(error), param_hint="--warehouse-delays") from None
    for option, rate in (("--read-rate", read_rate), ("--write-rate", write_rate)):
        if not math.isfinite(rate):  # Click's range check lets NaN through
            raise typer.BadParameter(f"{rate} is not a number of requests per second", param_hint=option)
    region = _globals(ctx).region or "us-east-1"
    region_problem = value_problem("region", region)  # the rule clients' regions follow
    if region_problem is not None:
        raise typer.BadParameter(region_problem, param_hint="--region")
    addresses = list(bind) if bind else [_host_port(host, port)]
    listeners = [_listener(address) for address in addresses]
    network = _network(network_file)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    logging.getLogger("alembic").setLevel(logging.WARNING)  # each worker's schema check
    # Created or checked here, once, so a stale schema stops the start with its message
    # instead of failing every worker; the workers open their own engines after the fork.
    db = _open(database, create=True)
    if not _inherits_listeners():
        for address, listener in zip(addresses, listeners):  # before anything is changed
            _check_free(address, listener)
    # A database a manual-mode server ran may hold orders and shipments left to operators.
    woken = resume_stranded(db, datetime.now(timezone.utc), Simulation(warehouse_mode, delays or Delays()))
    if woken:
        typer.echo(f"fws: auto mode: {woken} orders and inbound shipments that manual mode left "
                   f"to operators move on by themselves", err=True)
    url = db.engine.url.render_as_string(hide_password=False)
    db.dispose()
    limits = {"read": Limit(read_rate, read_burst), "write": Limit(write_rate, write_burst)}
    settings = AppSettings(database_url=url, region=region,
                           warehouse_mode=warehouse_mode, throttle=limits if throttle else None,
                           delays=delays, network=network)
    centers = (f"network {network_file}: {len(network.centers)} centers" if network is not None
               else "the built-in network")
    typer.echo(f"fws: serving on {', '.join(addresses)} with {workers} workers x {threads} "
               f"threads (database {db.engine.url.render_as_string()}, {centers}, "
               f"throttling {'on' if throttle else 'off'})", err=True)
    try:
        serve(settings, bind=addresses, workers=workers, threads=threads)
    except SystemExit as stopped:
        if stopped.code in (0, None):
            raise
        # gunicorn's own status (1, 3: a worker could not boot) means nothing in DESIGN.md's
        # table; its log above says what went wrong. An error line like any other (a
        # supervisor's log reader looks for `fws: error:`; --error-format json reads it).
        raise CliError(f"the server stopped on an error (gunicorn exit status {stopped.code}); "
                       f"see the log above", EXIT_OTHER, code="ServerError") from None


def _network(path: Optional[str]):
    """The network file, read and checked here in the master, once: the workers fork with
    it, so all of them plan with the same centers and none can fail on the file alone. A
    bad file is exit 253 (a configuration to fix), naming the file, the place and why."""
    from ..warehouse.network import FulfillmentNetwork, NetworkFileError
    from .common import CliError

    if not path:  # unset, or an empty FWS_NETWORK_FILE
        return None
    try:
        return FulfillmentNetwork.from_file(path)
    except NetworkFileError as error:
        raise CliError(f"the fulfillment network file {error}", EXIT_CONFIG, code="ConfigError") from None


def _host_port(host: str, port: int) -> str:
    """--host and --port as one address: an IPv6 host in brackets (`::1:8080` was refused
    naming --bind, which nobody had given). An empty --host (an unset variable) is refused:
    gunicorn listened on every interface."""
    host = host.strip()
    if not host:
        raise typer.BadParameter("give an address to listen on, e.g. 127.0.0.1, or 0.0.0.0 for "
                                 "every interface", param_hint="--host")
    if ":" in host and not host.startswith("["):
        host = f"[{host}]"
    return f"{host}:{port}"


def _listener(address: str):
    """A --bind address as gunicorn reads it, or a usage error (exit 2)."""
    from gunicorn.util import parse_address

    try:
        listener = parse_address(address)
    except RuntimeError as error:
        raise typer.BadParameter(f"{address!r}: {error}", param_hint="--bind") from None
    # gunicorn takes any number as a port; the bind check (and gunicorn) then overflowed.
    if isinstance(listener, tuple) and not 0 <= listener[1] <= 65535:
        raise typer.BadParameter(f"{address!r}: the port must be 0 to 65535", param_hint="--bind")
    if listener == "":  # `unix:`: gunicorn tried to bind '' for five seconds
        raise typer.BadParameter(f"{address!r}: give the socket's path, unix:PATH", param_hint="--bind")
    return listener


def _inherits_listeners() -> bool:
    """Whether gunicorn will serve on sockets it is handed rather than bind the addresses:
    by its old master, which re-runs this command on SIGUSR2 (a binary upgrade:
    GUNICORN_FD), or by systemd's socket activation (LISTEN_FDS for this process). Their
    addresses are busy, with those very sockets: checked, the start was refused (253)."""
    import os

    if os.environ.get("GUNICORN_PID") and os.environ.get("GUNICORN_FD"):
        return True
    return bool(os.environ.get("LISTEN_FDS")) and os.environ.get("LISTEN_PID") == str(os.getpid())


def _check_free(address: str, listener) -> None:
    """Exit 253 unless `address` can be listened on, checked before gunicorn starts: on a
    busy port, or a unix socket in a missing directory, it retried for five seconds, then
    exited 1; a descriptor that is not open, or a unix path that is a file, was an
    unexpected failure (255)."""
    import socket

    from .common import CliError

    try:
        if isinstance(listener, int):
            _check_descriptor(listener)
        elif isinstance(listener, str):
            _check_unix_path(listener)
        else:
            host, port = listener
            with socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET) as probe:
                probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as gunicorn binds
                probe.bind((host, port))
    except OSError as error:
        raise CliError(f"cannot listen on {address}: {error.strerror or error}", EXIT_CONFIG) from None


def _check_descriptor(fd: int) -> None:
    import os
    import stat

    if not stat.S_ISSOCK(os.fstat(fd).st_mode):
        raise OSError(f"descriptor {fd} is not a socket")


def _check_unix_path(path: str) -> None:
    """A socket can be made at `path`. gunicorn removes a socket it finds there, even one
    another server listens on, which then answered nobody: that one is refused."""
    import os
    import socket
    import stat

    if path.startswith("\0"):
        return  # the abstract namespace: nothing on disk
    try:
        mode = os.stat(path).st_mode
    except FileNotFoundError:
        with socket.socket(socket.AF_UNIX) as probe:  # the directory exists and is writable
            probe.bind(path)
        os.unlink(path)
        return
    if not stat.S_ISSOCK(mode):
        raise OSError(f"{path} exists and is not a socket")
    with socket.socket(socket.AF_UNIX) as probe:
        probe.settimeout(2)  # a listener whose backlog is full holds a connect
        try:
            probe.connect(path)
        except (ConnectionRefusedError, FileNotFoundError):
            return  # left by a server that has stopped: gunicorn replaces it
        except socket.timeout:
            pass  # a listener there, too busy to take us
    raise OSError("another server is listening on this socket")


@app.command()
def init(database: Optional[str] = DatabaseOption) -> None:
    """Create the schema of a new database."""
    from ..store.migrations import head_revision

    _open(database, create=True)
    typer.echo(f"fws: database ready at schema revision {head_revision()}", err=True)


@app.command()
def upgrade(database: Optional[str] = DatabaseOption) -> None:
    """Migrate the database schema to this version of fws."""
    from sqlalchemy.exc import SQLAlchemyError

    from ..store.database import Database
    from ..store.migrations import MigrationFailed, SchemaOutOfDate, head_revision, upgrade as run_upgrade

    url = _database_url(database)
    try:
        run_upgrade(Database(url))
    except SchemaOutOfDate as error:  # written by a newer fws: no migration of ours goes there
        raise _stale(error) from None
    except MigrationFailed as error:
        raise _unmigratable(url, error) from None
    except (OSError, SQLAlchemyError, ImportError) as error:
        raise _unopenable(url, error) from None
    typer.echo(f"fws: database upgraded to schema revision {head_revision()}", err=True)


@app.command("create-merchant")
def create_merchant(
    ctx: typer.Context,
    name: str = typer.Argument(..., help="The merchant's name."),
    database: Optional[str] = DatabaseOption,
) -> None:
    """Create a merchant and print its new access key id and secret (JSON with -o json)."""
    from ..warehouse import accounts
    from .common import validate_request

    # The rules of the operator service's CreateMerchant (1 to 200 characters), exit 252.
    validate_request("operator", "CreateMerchant", {"Name": name}, {"Name": "NAME"})
    db = _open(database, create=True)
    with db.write() as conn:
        credentials = accounts.create_merchant(conn, name, datetime.now(timezone.utc))
    _print_key(ctx, credentials)


@app.command("create-operator")
def create_operator(
    ctx: typer.Context,
    database: Optional[str] = DatabaseOption,
) -> None:
    """Create a warehouse operator key (for `fws ops`) and print it (JSON with -o json)."""
    from ..warehouse import accounts

    db = _open(database, create=True)
    with db.write() as conn:
        credentials = accounts.create_operator_key(conn, datetime.now(timezone.utc))
    _print_key(ctx, credentials)


def _print_key(ctx: typer.Context, credentials) -> None:
    if _globals(ctx).output == "json":
        typer.echo(json.dumps({"AccessKeyId": credentials.access_key_id,
                               "SecretAccessKey": credentials.secret_access_key}))
    else:
        typer.echo(f"AccessKeyId:     {credentials.access_key_id}\n"
                   f"SecretAccessKey: {credentials.secret_access_key}")
