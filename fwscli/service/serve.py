"""Serving the WSGI app under gunicorn, for `fws server start`.

The master process only listens and supervises; each worker builds its own app after the
fork (`load` runs in the worker), because database engines and their pooled connections
must not be shared across a fork; one whose database does not answer boots all the same
and answers 503 until it does (WorkerApp). Workers are gthread workers: several requests
at once per process, which suits a service that mostly waits on its database.

SIGTERM is gunicorn's graceful stop: listeners close at once, requests in flight run to
completion (up to `graceful_timeout`), idle keep-alive connections are closed. SIGINT
(Ctrl-C) is its quick stop: the workers quit at once. gunicorn exits 0 after either;
`serve` returns after a SIGTERM but raises KeyboardInterrupt after a SIGINT, so that
`fws server start` ends as every interrupted command does (130). Each request is logged
on one access-log line that ends with its RequestId, its signature redacted.
"""

from __future__ import annotations

import logging
import math
import os
import sys
import threading
import time
from dataclasses import dataclass
from functools import partial
from typing import Any, Callable, Iterable, Mapping

from gunicorn import glogging
from gunicorn.app.base import BaseApplication
from gunicorn.arbiter import Arbiter
from sqlalchemy.exc import OperationalError

from ..store.checkpoints import Checkpointer
from ..store.database import cannot_open
from ..store.migrations import open_database
from ..wire.form import parse_form
from . import health
from .app import FwsApp, answer_error, database_unavailable
from .limits import Limit
from ..warehouse.network import FulfillmentNetwork
from ..warehouse.simulation import Delays
from .throttle import Throttle

log = logging.getLogger(__name__)


class AccessLog(glogging.Logger):
    """gunicorn's logger, writing one fixed access-log line per request:

        127.0.0.1 [27/Nov/2026:20:30:00 +0000] "POST / HTTP/1.1" 200 1234 3ms RequestId=<uuid>

    gunicorn's own `access_log_format` builds a dict of every header and environ entry
    for each line, 7% of a whole GetFulfillmentOrder; this reads only what it prints.
    """

    def access(self, resp, req, environ, request_time) -> None:
        if not self.access_log_enabled:
            return
        request_id = next((value for name, value in resp.headers
                           if name.lower() == "x-amzn-requestid"), "-")
        self.access_log.info(
            '%s %s "%s %s %s" %s %s %dms RequestId=%s',
            environ.get("REMOTE_ADDR", "-"), self.now(), environ["REQUEST_METHOD"],
            loggable_uri(environ["RAW_URI"]), environ["SERVER_PROTOCOL"],
            str(resp.status).split(None, 1)[0],
            resp.sent, request_time.total_seconds() * 1000, request_id)


# Query parameters whose value lets whoever reads it send requests as the signer: a
# presigned URL for up to a week, and a SigV0 GET (the Mule client) for any parameters
# of the same Action within the 15-minute window, as V0 signs only Action and Timestamp.
_SIGNATURE_PARAMETERS = frozenset({"signature", "x-amz-signature"})


def loggable_uri(raw_uri: str) -> str:
    """The request URI with every signature value replaced by REDACTED. Names are compared
    decoded and case-insensitively: `Signatur%65` is a Signature to the service as well."""
    path, question, query = raw_uri.partition("?")
    if not question:
        return raw_uri
    fields = []
    for field in query.split("&"):
        name, equals, _ = field.partition("=")
        decoded = parse_form(name)
        if equals and decoded and decoded[0][0].lower() in _SIGNATURE_PARAMETERS:
            field = f"{name}=REDACTED"
        fields.append(field)
    return f"{path}?{'&'.join(fields)}"


@dataclass(frozen=True)
class AppSettings:
    """What each worker needs to build its app."""

    database_url: str
    region: str = "us-east-1"
    warehouse_mode: str = "auto"
    throttle: Mapping[str, Limit] | None = None  # None: no throttling
    delays: Delays | None = None  # None: the simulation's defaults
    network: FulfillmentNetwork | None = None  # None: the built-in network


def build_app(settings: AppSettings) -> FwsApp:
    # create=False: the master created or checked the schema; a worker never migrates,
    # and refuses to serve a schema that went stale since (SchemaOutOfDate).
    db = open_database(settings.database_url, create=False, background_checkpoints=True)
    try:
        throttle = Throttle(db, settings.throttle) if settings.throttle is not None else None
        app = FwsApp(db, region=settings.region, throttle=throttle,
                     warehouse_mode=settings.warehouse_mode, delays=settings.delays,
                     network=settings.network)
    except BaseException:
        db.dispose()  # tried again while the database does not answer (WorkerApp)
        raise
    # In the worker, after the fork: threads do not survive one. Every worker ticks; the
    # tick locks what it moves, so they share the work.
    app.start_scheduler()
    if db.background_checkpoints:
        Checkpointer(db).start()
    return app


class WorkerApp:
    """A worker's app: build_app's, once its database answers.

    gunicorn boots a worker again after a crash, a HUP or --max-requests; if the database
    does not answer just then (PostgreSQL restarting, a network blip), a failed boot would
    stop the whole server (a worker that cannot boot stops gunicorn), and a passing outage
    would need someone to start it again. So the worker boots anyway and answers 503 (/ping
    naming the database, every request a ServiceUnavailable error) while a request at most
    every RETRY_SECONDS tries again. Anything else (a schema changed since the master
    checked it, a bug) still fails the boot: no retry can mend it.
    """

    RETRY_SECONDS = 1.0

    def __init__(self, settings: AppSettings):
        self.settings = settings
        self.app: FwsApp | None = None
        self._trying = threading.Lock()
        self._next_try = 0.0
        self._try(OperationalError)

    def _try(self, waited_out: type[BaseException]) -> None:
        try:
            self.app = build_app(self.settings)
        except waited_out as error:
            self._next_try = time.monotonic() + self.RETRY_SECONDS
            log.warning("worker %d: the database %s; answering 503 until it answers", os.getpid(),
                        cannot_open(self.settings.database_url, error))
        else:
            if self._next_try:
                log.info("worker %d: the database answers; serving", os.getpid())

    def __call__(self, environ: dict, start_response: Callable) -> Iterable[bytes]:
        if self.app is None and time.monotonic() >= self._next_try:
            # One thread tries (the connection may take its time); the others answer 503.
            if self._trying.acquire(blocking=False):
                try:
                    if self.app is None:
                        self._try(Exception)  # the schema may have changed meanwhile: say so, wait
                finally:
                    self._trying.release()
        if self.app is not None:
            return self.app(environ, start_response)
        if environ.get("PATH_INFO") == health.PATH:
            return health.answer_problem("it does not answer", environ, start_response)
        return answer_error(environ, start_response, database_unavailable(math.ceil(self.RETRY_SECONDS)))


class GunicornServer(BaseApplication):
    """gunicorn running the WSGI app that `make_app` builds, once in each worker."""

    def __init__(self, make_app: Callable[[], Callable], options: Mapping[str, Any]):
        self.make_app = make_app
        self.options = dict(options)
        super().__init__()

    def load_config(self) -> None:
        for name, value in self.options.items():
            self.cfg.set(name, value)

    def load(self) -> Callable:
        return self.make_app()

    def run(self) -> None:
        """BaseApplication.run, with a master that remembers a Ctrl-C (see above)."""
        master = _Master(self)
        try:
            master.run()
        except RuntimeError as error:  # as gunicorn reports a master that cannot start
            print(f"\nError: {error}\n", file=sys.stderr, flush=True)
            sys.exit(1)
        except SystemExit as ended:
            if master.pid is not None and os.getpid() != master.pid:
                # A worker's end: it runs on the master's stack, forked, and its status is
                # the master's to read (3: it could not boot, and gunicorn stops). Through
                # `fws server start`'s mapping it became 255, read as a crash: gunicorn
                # forked another at once, and another, forever.
                logging.shutdown()
                sys.stdout.flush()
                sys.stderr.flush()
                code = ended.code
                os._exit(0 if code is None else code if isinstance(code, int) else 1)
            if master.interrupted and ended.code in (0, None):
                raise KeyboardInterrupt from None
            raise


class _Master(Arbiter):
    """gunicorn's master process, noting whether it was stopped by SIGINT."""

    interrupted = False

    def handle_int(self) -> None:
        self.interrupted = True
        super().handle_int()


def gunicorn_options(*, bind: list[str], workers: int, threads: int,
                     graceful_timeout: float = 30) -> dict[str, Any]:
    return {
        "bind": bind,
        "workers": workers,
        "threads": threads,
        "worker_class": "gthread",
        "graceful_timeout": graceful_timeout,
        "accesslog": "-",
        "logger_class": AccessLog,
        "errorlog": "-",
        "proc_name": "fws",
        # A legacy client (Mule) sends every request as a GET, items in the query string:
        # gunicorn's default of 4094 bytes refused some 45 of them with an HTML 414 that
        # carries no RequestId. 8190 is gunicorn's largest bounded line (and Apache's).
        "limit_request_line": 8190,
        # One fixed control-socket path per user would be fought over by several servers.
        "control_socket_disable": True,
    }


def serve(settings: AppSettings, *, bind: list[str], workers: int, threads: int) -> None:
    """Run gunicorn in the foreground until it is told to stop."""
    options = gunicorn_options(bind=bind, workers=workers, threads=threads)
    GunicornServer(partial(WorkerApp, settings), options).run()
