"""Throttling: a token bucket per merchant and operation class, kept in the database.

Every server process on every machine draws from the same buckets, so the limit holds
however the service is scaled out; process memory would multiply it by the process count.

Limits and their defaults (read 20/s in bursts of 100, write 10/s in bursts of 50) are in
`limits.py`. A request over the limit is answered 503 `RequestThrottled` with `Retry-After`
(whole seconds, as HTTP wants), which the fws client honours.

A bucket is stored as `full_at`, the moment it would be full again (the "theoretical
arrival time" of GCRA): at time t it holds `burst - max(0, full_at - t) * rate` tokens.
Taking a token moves `full_at` one interval (1/rate) later, allowed only while the bucket
keeps at least one token. That is one conditional upsert, atomic on both databases; no
row comes back exactly when the request is over the limit.

Cost: it is a write per request, which SQLite serialises; the writes of a worker's threads
commit in groups (store/group_commit.py). bench/service.py measures it.
"""

from __future__ import annotations

import math
from datetime import datetime
from typing import Mapping

from sqlalchemy import Float, bindparam, case, select, update

from ..api.errors import RequestThrottled
from ..api.shapes import Operation
from ..store.database import Database
from ..store.prepared import Prepared
from ..store.schema import throttle_buckets
from ..warehouse.context import Caller
from .limits import DEFAULT_LIMITS, READ, WRITE, Limit

_b = throttle_buckets.c
# Float sums of many intervals drift by ulps; never refuse a request over such dust.
_EPSILON = 1e-9


def operation_class(operation: Operation) -> str:
    return READ if operation.read_only else WRITE


def subject(caller: Caller) -> str:
    """Whose bucket: a merchant's (all its keys share it), or an operator key's own."""
    if caller.merchant_id is not None:
        return f"merchant:{caller.merchant_id}"
    return f"key:{caller.access_key_id}"


class Throttle:
    def __init__(self, db: Database, limits: Mapping[str, Limit] = DEFAULT_LIMITS):
        self.db = db
        self.limits = dict(limits)
        self._take = _take_statement(db.engine.dialect.name)

    def take(self, caller: Caller, operation: Operation, now: datetime) -> None:
        """Take a token from the caller's bucket for this operation, or raise RequestThrottled."""
        kind = operation_class(operation)
        limit = self.limits[kind]
        key = {"subject": subject(caller), "operation_class": kind}
        t = now.timestamp()
        slack = (limit.burst - 1) * limit.interval  # how far full_at may run ahead of now

        def take_token(conn) -> float | None:
            """None once a token is taken; else when the bucket is full again."""
            taken = self._take.execute(conn, {**key, "t": t, "interval": limit.interval,
                                              "slack": slack + _EPSILON}).first()
            if taken is not None:
                return None
            full_at = _FULL_AT.execute(conn, key).scalar_one()
            empty_at = t + limit.burst * limit.interval
            if full_at > empty_at:
                # Emptier than empty: drawn under a larger burst (before a restart, or on a
                # server configured so). Owing that many tokens refused the merchant for as
                # long as the larger bucket takes to fill; an empty bucket it is.
                _SET_FULL_AT.execute(conn, {"b_subject": key["subject"], "b_class": key["operation_class"],
                                            "full_at": empty_at})
                full_at = empty_at
            return full_at

        full_at = self.db.write_grouped(take_token)
        if full_at is not None:
            raise throttled(kind, limit, max(full_at, t) - t - slack)


def _take_statement(dialect: str):
    """The upsert that takes one token, built once: building it per request cost more than
    running it. No row is returned when the bucket is empty."""
    # Only the dialect in use is imported: PostgreSQL's costs ~15 ms of every embedded start.
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    t, interval = bindparam("t", type_=Float()), bindparam("interval", type_=Float())
    start = case((_b.full_at > t, _b.full_at), else_=t)
    return Prepared(insert(throttle_buckets).values(
        subject=bindparam("subject"), operation_class=bindparam("operation_class"),
        full_at=t + interval,
    ).on_conflict_do_update(
        index_elements=[_b.subject, _b.operation_class],
        set_={"full_at": start + interval},
        where=start - t <= bindparam("slack", type_=Float()),
    ).returning(_b.full_at))


_FULL_AT = Prepared(select(_b.full_at).where(_b.subject == bindparam("subject"),
                                             _b.operation_class == bindparam("operation_class")))
_SET_FULL_AT = Prepared(update(throttle_buckets).where(_b.subject == bindparam("b_subject"),
                                                       _b.operation_class == bindparam("b_class")))


def throttled(kind: str, limit: Limit, wait: float) -> RequestThrottled:
    retry_after = max(1, math.ceil(wait))
    error = RequestThrottled(
        f"Request rate exceeded for {kind} operations: at most {limit.rate:g} per second "
        f"in bursts of {limit.burst}. Retry after {retry_after} s.")
    error.headers["Retry-After"] = str(retry_after)
    return error
