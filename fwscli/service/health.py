"""The health check a load balancer polls: `/ping` answers 200 `OK` when the database
answers a query, 503 with the reason when it does not.

It runs before routing and authentication (a load balancer has no keys) and reads the
`settings` table rather than a bare `SELECT 1`, which SQLite would answer without the file.
A SQLite file deleted or replaced under the server answers that query still (its open
connections keep the old file), so the path is checked first (Database.lost_file).
"""

from __future__ import annotations

import logging
import uuid
from typing import Callable, Iterable

from sqlalchemy import select, text
from sqlalchemy.exc import SQLAlchemyError

from ..store.database import Database
from ..store.schema import settings

log = logging.getLogger(__name__)

PATH = "/ping"
TIMEOUT_MS = 2000  # a PostgreSQL that takes longer to answer the check does not answer


def answer(db: Database, environ: dict, start_response: Callable) -> Iterable[bytes]:
    request_id = str(uuid.uuid4())
    return answer_problem(_problem(db, request_id), environ, start_response, request_id)


def answer_problem(problem: str | None, environ: dict, start_response: Callable,
                   request_id: str | None = None) -> Iterable[bytes]:
    """200 OK, or 503 naming the database's `problem`.

    With a RequestId, as every request has one (DESIGN.md §5): its access-log line showed
    `RequestId=-`, and a failed check's warning could not be told apart from the next. A
    HEAD (how many load balancers check) gets the headers alone: gunicorn logged a warning
    for the body it dropped, at every check."""
    if problem is None:
        status, body = "200 OK", b"OK"
    else:
        status, body = "503 Service Unavailable", f"database unavailable: {problem}".encode()
    start_response(status, [("Content-Type", "text/plain; charset=utf-8"),
                            ("Content-Length", str(len(body))), ("Cache-Control", "no-store"),
                            ("x-amzn-RequestId", request_id or str(uuid.uuid4()))])
    return [b"" if environ.get("REQUEST_METHOD") == "HEAD" else body]


def _problem(db: Database, request_id: str) -> str | None:
    """Why the database cannot serve, in a few words for the caller (details go to the log:
    a load balancer needs no file names), or None."""
    lost = db.lost_file()
    if lost is not None:
        # Before any query: a new connection would make an empty file at the path.
        log.warning("health check %s: the database file %s was %s under the running server",
                    request_id, db.url, lost)
        return f"its file was {lost}"
    try:
        with db.read() as conn:
            if not db.is_sqlite:
                # A lock on the table (an ALTER, a LOCK TABLE of someone's) held the check,
                # and the worker thread serving it, for as long as it was held: each check
                # of the load balancer took another thread. (SQLite's WAL readers wait for
                # no writer.)
                conn.execute(text(f"SET LOCAL statement_timeout = {TIMEOUT_MS}"))
            conn.execute(select(settings.c.name).limit(1)).first()
    except SQLAlchemyError as error:
        # On one line: a load balancer asks every few seconds, and the driver's text runs
        # on to hints and SQLAlchemy's link.
        log.warning("health check %s: the database does not answer: %s", request_id,
                    db.outage(error) or str(error).splitlines()[0])
        return "it does not answer"
    return None
