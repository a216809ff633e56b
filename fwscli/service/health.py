"""The health check a load balancer polls: `/ping` answers 200 `OK` when the database
answers a query, 503 when it does not.

It runs before routing and authentication (a load balancer has no keys) and reads the
`settings` table rather than a bare `SELECT 1`, which SQLite would answer without the file.
"""

from __future__ import annotations

import logging
from typing import Callable, Iterable

from sqlalchemy import select
from sqlalchemy.exc import SQLAlchemyError

from ..store.database import Database
from ..store.schema import settings

log = logging.getLogger(__name__)

PATH = "/ping"


def answer(db: Database, start_response: Callable) -> Iterable[bytes]:
    try:
        with db.read() as conn:
            conn.execute(select(settings.c.name).limit(1)).first()
        status, body = "200 OK", b"OK"
    except SQLAlchemyError as error:
        log.warning("health check: the database does not answer: %s", error)
        status, body = "503 Service Unavailable", b"database unavailable"
    start_response(status, [("Content-Type", "text/plain; charset=utf-8"),
                            ("Content-Length", str(len(body))), ("Cache-Control", "no-store")])
    return [body]
