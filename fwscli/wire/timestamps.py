"""Parse the date-times the legacy clients send (spec §1.6, §13).

One lenient parser for every ISO 8601 / RFC 3339 shape seen on the wire: `Z` or a `±hh:mm`
offset (or none), with or without fractional seconds. Python 3.10's `fromisoformat` rejects
`Z` and more than six fraction digits, so the grammar is spelled out here instead.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone

_ISO_8601 = re.compile(
    r"""
    (?P<year>\d{4})-(?P<month>\d{2})-(?P<day>\d{2})
    (?:
        [Tt\ ]                                  # RFC 3339 allows a space separator
        (?P<hour>\d{2}):(?P<minute>\d{2})
        (?::(?P<second>\d{2})(?:[.,](?P<fraction>\d+))?)?
    )?
    (?P<zone>[Zz]|[+-]\d{2}(?::?\d{2})?)?
    """,
    re.VERBOSE | re.ASCII,  # \d: 0-9 only, not every script's digits (which int() reads)
)

# x-amz-date / X-Amz-Date: the ISO 8601 basic form SigV4 prescribes, always UTC.
_AMZ_DATE = re.compile(r"(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z", re.ASCII)


def parse_timestamp(text: str, *, keep_offset: bool = False) -> datetime:
    """Return `text` as an aware UTC datetime; raise ValueError when it is not ISO 8601.

    A value without a zone is taken as UTC (the era's AWS services did the same), and a
    date alone means midnight UTC. Fractions beyond microseconds are truncated.
    `keep_offset`: the same moment in the offset it was written in (no zone: UTC); it must
    still be a moment of years 1 to 9999 in UTC, where the store keeps it.
    """
    match = _ISO_8601.fullmatch(text.strip())
    if match is None:
        raise ValueError(f"not an ISO 8601 date-time: {text!r}")
    part = match.groupdict()
    fraction = (part["fraction"] or "0")[:6].ljust(6, "0")
    try:
        moment = datetime(
            int(part["year"]), int(part["month"]), int(part["day"]),
            int(part["hour"] or 0), int(part["minute"] or 0), int(part["second"] or 0),
            int(fraction), tzinfo=_zone(part["zone"]),
        )
        in_utc = moment.astimezone(timezone.utc)
        return moment if keep_offset else in_utc
    except ValueError as exc:  # e.g. month 13, hour 24, offset beyond a day
        raise ValueError(f"not a valid date-time: {text!r} ({exc})") from None
    except OverflowError:  # 0001-01-01T00:00:00+01:00 is before year 1 in UTC
        raise ValueError(f"not a date-time of years 1 to 9999 in UTC: {text!r}") from None


def parse_amz_date(text: str) -> datetime:
    """Return an `x-amz-date` value (`20261127T203000Z`) as an aware UTC datetime."""
    match = _AMZ_DATE.fullmatch(text.strip())
    if match is None:
        raise ValueError(f"not an ISO 8601 basic date-time (YYYYMMDDTHHMMSSZ): {text!r}")
    try:
        return datetime(*map(int, match.groups()), tzinfo=timezone.utc)
    except ValueError as exc:
        raise ValueError(f"not a valid date-time: {text!r} ({exc})") from None


def format_timestamp(moment: datetime) -> str:
    """The canonical form we write: `2026-11-27T20:29:50Z` (UTC, whole seconds)."""
    moment = moment.astimezone(timezone.utc)
    return f"{moment.year:04d}" + moment.strftime("-%m-%dT%H:%M:%SZ")  # %Y: "999" for 0999


def _zone(text: str | None) -> timezone:
    if text is None or text in ("Z", "z"):
        return timezone.utc
    sign = -1 if text[0] == "-" else 1
    digits = text[1:].replace(":", "")
    hours, minutes = int(digits[:2]), int(digits[2:] or 0)
    if minutes >= 60:
        raise ValueError(f"bad zone offset {text!r}")
    # timezone() itself refuses offsets of a day or more.
    return timezone(sign * timedelta(hours=hours, minutes=minutes))
