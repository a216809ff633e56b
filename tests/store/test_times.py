"""Times on SQLite: written as the text SQLAlchemy's DATETIME writes (so stored times keep
comparing in time order in SQL), read back as aware UTC datetimes."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import DateTime
from sqlalchemy.dialects import sqlite

from fwscli.store.schema import UtcDateTime

DIALECT = sqlite.dialect()
WRITE = UtcDateTime().dialect_impl(DIALECT).bind_processor(DIALECT)
READ = UtcDateTime().dialect_impl(DIALECT).result_processor(DIALECT, None)
SQLALCHEMY_TEXT = DateTime().dialect_impl(DIALECT).bind_processor(DIALECT)

TIMES = [
    datetime(2026, 11, 28, 5, 0, tzinfo=timezone.utc),  # no microseconds: still six digits
    datetime(1, 1, 1, tzinfo=timezone.utc),
    datetime(9999, 12, 31, 23, 59, 59, 999999, tzinfo=timezone.utc),
    datetime(2026, 1, 1, 1, 1, 1, 5, tzinfo=timezone(timedelta(hours=-8))),
]


@pytest.mark.parametrize("when", TIMES, ids=str)
def test_written_as_sqlalchemy_writes_and_read_back(when):
    text = WRITE(when)
    assert text == SQLALCHEMY_TEXT(when.astimezone(timezone.utc).replace(tzinfo=None))
    read = READ(text)
    assert read == when and read.tzinfo is timezone.utc


def test_text_order_is_time_order():
    ordered = sorted(TIMES)
    assert sorted(WRITE(when) for when in TIMES) == [WRITE(when) for when in ordered]


def test_null_stays_null_and_other_texts_still_read():
    assert WRITE(None) is None and READ(None) is None
    assert READ("2026-11-28 05:00:00") == datetime(2026, 11, 28, 5, tzinfo=timezone.utc)  # CURRENT_TIMESTAMP
    assert READ("2026-11-28 06:00:00+01:00") == datetime(2026, 11, 28, 5, tzinfo=timezone.utc)


@pytest.mark.parametrize("text", ["2026-11-28", "2026-11-28 05:00", "2026-11-28 05:00:00Z",
                                  "2026-11-28T05:00:00.000001", "2026-11-28 07:00:00+02:00"])
def test_texts_of_other_writers_read_as_aware_utc(text):
    read = READ(text)
    assert read.tzinfo is timezone.utc
    assert read == datetime.fromisoformat(text.replace("Z", "+00:00")).replace(
        tzinfo=datetime.fromisoformat(text.replace("Z", "+00:00")).tzinfo or timezone.utc)
