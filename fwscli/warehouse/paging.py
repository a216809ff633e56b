"""NextToken: opaque, tamper-evident, merchant-bound keyset cursors.

A token carries the operation it continues, the merchant, the last key returned, the
list's filters and page size, and when it was issued, signed with HMAC-SHA256 under a
secret shared by every server process (kept in the database). Keyset, not offset: rows
added between pages land after the cursor or before it, never shifting a page, so no
row is skipped or repeated.

A token's lifetime counts in real time, as signatures do, not in the simulated time of
the warehouse (`Context.now`): that jumps forward with AdvanceSimulationClock, and a
week's jump expired every token issued a moment before.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import TYPE_CHECKING, Any, Callable

from ..api.errors import InvalidParameterValue
from ..api.shapes import PageSize

if TYPE_CHECKING:  # the context imports this module
    from .context import Context

TOKEN_LIFETIME = timedelta(days=7)
_MAC_BYTES = 18


@dataclass(frozen=True)
class Cursor:
    operation: str
    after: list[Any]          # the sort key of the last row already returned
    filters: dict[str, Any]   # the list's parameters, fixed at the first page
    page_size: int


def _utc_now() -> datetime:
    return datetime.now(timezone.utc)


class TokenCodec:
    def __init__(self, secret: bytes, clock: Callable[[], datetime] = _utc_now):
        self._secret = secret
        self._clock = clock  # real time (see above)

    def encode(self, *, operation: str, merchant_id: int, cursor_after: list[Any],
               filters: dict[str, Any], page_size: int) -> str:
        payload = {
            "o": operation, "m": merchant_id, "a": cursor_after, "f": filters,
            "n": page_size, "t": int(self._clock().timestamp()),
        }
        body = json.dumps(payload, separators=(",", ":"), sort_keys=True, default=str).encode()
        mac = hmac.new(self._secret, body, hashlib.sha256).digest()[:_MAC_BYTES]
        return _b64(body) + "." + _b64(mac)

    def decode(self, token: str, *, operation: str, merchant_id: int) -> Cursor:
        def invalid(reason: str) -> InvalidParameterValue:
            shown = token if len(token) <= 40 else token[:37] + "..."
            return InvalidParameterValue("NextToken", shown, reason)

        try:
            body_part, mac_part = token.split(".")
            body, mac = _unb64(body_part), _unb64(mac_part)
        except ValueError:
            raise invalid("the token is malformed") from None
        expected = hmac.new(self._secret, body, hashlib.sha256).digest()[:_MAC_BYTES]
        if not hmac.compare_digest(mac, expected):
            raise invalid("the token was not issued by this service or has been modified")
        payload = json.loads(body)
        # A token of another merchant is reported exactly like a forged one: no leak.
        if payload["m"] != merchant_id:
            raise invalid("the token was not issued by this service or has been modified")
        if payload["o"] != operation:
            raise invalid(f"the token belongs to {payload['o']}, not {operation}")
        if self._clock().timestamp() - payload["t"] > TOKEN_LIFETIME.total_seconds():
            raise invalid("the token has expired; start the list again")
        return Cursor(operation=operation, after=payload["a"], filters=payload["f"],
                      page_size=payload["n"])


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


@dataclass(frozen=True)
class Page:
    rows: list[Any]
    next_token: str  # "" on the last page (spec §12)
    has_next: bool


def page_size(spec: PageSize, requested: int | None) -> int:
    """The requested size, else the default; a larger request is clamped, not refused."""
    return min(requested or spec.default, spec.maximum)


def finish_page(ctx: "Context", operation: str, filters: dict[str, Any], size: int,
                fetched: list[Any], key: Callable[[Any], list[Any]] = lambda row: [row.id]) -> Page:
    """Turn `size + 1` fetched rows into a page: the extra row only says a page follows,
    and the token resumes after the last row kept."""
    has_next = len(fetched) > size
    rows = fetched[:size]
    token = ""
    if has_next:
        token = ctx.tokens.encode(operation=operation, merchant_id=ctx.merchant_id,
                                  cursor_after=key(rows[-1]), filters=filters, page_size=size)
    return Page(rows, token, has_next)


def resume(ctx: "Context", operation: str, token: str) -> Cursor:
    """The cursor a NextToken of `operation` carries, for this caller, now."""
    return ctx.tokens.decode(token, operation=operation, merchant_id=ctx.merchant_id)
