"""The simulation clock: real time plus an offset that operators move forward.

The offset lives in the database (the `settings` table), so every server process and
machine sharing it runs on the same simulated time. Signatures are still checked against
real time: clients sign with their own clocks.
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import Connection, select, update

from ..api.errors import InvalidParameterValue
from ..store.schema import settings

OFFSET_SETTING = "simulation_clock_offset_seconds"
# How far the simulated time may run ahead of real time: far enough for any test, and short
# of year 9999, past which no time can be computed (every request would then fail).
MAX_OFFSET = timedelta(days=1000 * 365)


# The stored offset (a string of whole seconds, or no row: 0), built once: the tick's
# check before every request reads it.
OFFSET_QUERY = select(settings.c.value).where(settings.c.name == OFFSET_SETTING)


def as_offset(value: str | None) -> timedelta:
    return timedelta(seconds=int(value or 0))


def offset(conn: Connection) -> timedelta:
    return as_offset(conn.execute(OFFSET_QUERY).scalar())


def advance(conn: Connection, seconds: int) -> timedelta:
    """Move the simulated time `seconds` forward (never back: what is done stays done);
    returns the new offset."""
    if seconds < 1:
        raise ValueError(f"the clock only moves forward, not by {seconds} seconds")
    # Only the dialect in use is imported: PostgreSQL's costs ~15 ms of every embedded start.
    if conn.dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as dialect_insert
    else:
        from sqlalchemy.dialects.sqlite import insert as dialect_insert
    # Create the row if missing, then read it locked: racing advances add up, none is lost.
    conn.execute(dialect_insert(settings).values(name=OFFSET_SETTING, value="0")
                 .on_conflict_do_nothing(index_elements=["name"]))
    current = conn.execute(select(settings.c.value).where(settings.c.name == OFFSET_SETTING)
                           .with_for_update()).scalar_one()
    moved = int(current) + seconds
    if moved > MAX_OFFSET.total_seconds():
        raise InvalidParameterValue(
            "Seconds", seconds, f"the simulated time may run at most {MAX_OFFSET.days} days ahead "
                                f"of real time; it is {int(current) // 86400} days ahead already")
    conn.execute(update(settings).where(settings.c.name == OFFSET_SETTING).values(value=str(moved)))
    return timedelta(seconds=moved)
