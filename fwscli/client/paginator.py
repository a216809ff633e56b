"""Walking a list operation page by page, driven by the model's paging pairs.

The list operation gives the first page; its ByNextToken twin (`operation.next_page`) gives
the next while `HasNext`. Pages are fetched lazily, one at a time, so memory stays flat
however long the list.

`max_items` stops after that many rows and leaves `resume_token`, which continues exactly
after the last row yielded, even when the cut falls inside a page. Its format:

    fws1.<base64url, unpadded, of {"op": LIST_OPERATION, "next": NEXT_TOKEN|null, "skip": N,
                                   "seen": DIGESTS, "req": REQUEST}>

meaning "fetch the page that NEXT_TOKEN names (null: the list operation's first page,
called with the same request), drop its first N rows, and drop the rows given already
wherever they come". DIGESTS (base64url, present only after a cut inside a page) holds six
bytes of BLAKE2b per row given from that page, of the row's key (the model's `row_key`):
a row is known by what it is, not by its place, so a row given before that leaves the list
meanwhile (a shipment no longer Working) does not make the walk drop the one that moved
into its place. N is what tokens without DIGESTS said; it may exceed a page (when a resumed
walk uses another page size), and the rows are skipped across pages. A starting token
without the `fws1.` prefix is taken as a service NextToken as is (e.g. one copied from a
single page's output), skipping nothing. REQUEST (base64url of six bytes of BLAKE2b) is the
listing's request, its filters: a token is refused for a request with other filters (another
--status, another shipment), which would otherwise be given the first listing's rows (the
service's NextToken keeps its own filters) or lose rows of its own that an earlier walk gave
of another list. The page size is left out (it may change), and so are moments: `--since 7d`
is another moment each time it is run.
"""

from __future__ import annotations

import base64
import binascii
import gc
import hashlib
import json
import threading
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, Any, Iterator, Mapping

from .client import find_operation
from .errors import PaginationError, ServiceError, StartingTokenError

if TYPE_CHECKING:
    from .client import Client

TOKEN_PREFIX = "fws1."


@dataclass(frozen=True)
class Position:
    """Where a walk starts: the page to fetch (None: the first), the rows of it to drop by
    count, and the digests of the rows given already (dropped wherever they come)."""

    next_token: str | None
    skip: int = 0
    seen: frozenset[bytes] = frozenset()


DIGEST_SIZE = 6  # bytes: one row in 2**48 mistaken for another of a page is never


def row_digest(row: Mapping[str, Any], key: tuple[str, ...]) -> bytes:
    text = "\x1f".join(str(row.get(name, "")) for name in key)
    return hashlib.blake2b(text.encode("utf-8"), digest_size=DIGEST_SIZE).digest()


def request_key(request: Mapping[str, Any], page_size_member: str | None) -> str:
    """What a token is bound to (REQUEST above): the request's filters, whatever their order
    (and a list's: `--status A --status B` is `--status B --status A`), without the page
    size, the moments, and the members left unset."""
    filters = {name: sorted(value, key=str) if isinstance(value, (list, tuple)) else value
               for name, value in request.items()
               if name != page_size_member and value not in (None, [], ()) and not isinstance(value, date)}
    text = json.dumps(filters, sort_keys=True, default=str, separators=(",", ":"))
    return _b64encode(hashlib.blake2b(text.encode("utf-8"), digest_size=DIGEST_SIZE).digest())


def encode_token(list_operation: str, position: Position, request: str | None = None) -> str:
    data: dict[str, Any] = {"op": list_operation, "next": position.next_token, "skip": position.skip}
    if position.seen:
        data["seen"] = _b64encode(b"".join(sorted(position.seen)))
    if request is not None:
        data["req"] = request
    raw = json.dumps(data, separators=(",", ":")).encode("utf-8")
    return TOKEN_PREFIX + _b64encode(raw)


def decode_token(token: str, list_operation: str, request: str | None = None) -> Position:
    """The position a token names; refused when it continues another list, or the same
    list with other filters than `request` (a request_key). Tokens without REQUEST (printed
    before it was added) are taken for any filters."""
    if not token.startswith(TOKEN_PREFIX):
        return Position(token, 0)
    damaged = StartingTokenError(f"The starting token {token!r} is damaged: pass it exactly as "
                                 f"fws printed it.")
    try:
        data = json.loads(_b64decode(token[len(TOKEN_PREFIX):]))
        operation, next_token, skip = data["op"], data["next"], data["skip"]
        digests = _b64decode(data.get("seen", ""))
        given_request = data.get("req")
    except (binascii.Error, ValueError, KeyError, TypeError, AttributeError):
        raise damaged from None
    if operation != list_operation:
        raise StartingTokenError(f"The starting token continues {operation}, not {list_operation}.")
    if (not (next_token is None or isinstance(next_token, str)) or not isinstance(skip, int) or skip < 0
            or len(digests) % DIGEST_SIZE or not (given_request is None or isinstance(given_request, str))):
        raise damaged
    if given_request is not None and request is not None and given_request != request:
        raise StartingTokenError(f"The starting token continues {operation} with other filters "
                                 f"(another status, shipment or such): give the options of the "
                                 f"command that printed it; only the paging ones may change.")
    seen = frozenset(digests[at:at + DIGEST_SIZE] for at in range(0, len(digests), DIGEST_SIZE))
    return Position(next_token, skip, seen)


def _shown(token: str, limit: int = 40) -> str:
    return repr(token) if len(token) <= limit else repr(token[:limit]) + "…"


def _b64encode(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).decode("ascii").rstrip("=")


def _b64decode(text: str) -> bytes:
    # validate: the lenient decoder skips what is not base64 ('*' would read as nothing).
    return base64.b64decode(text + "=" * (-len(text) % 4), altchars=b"-_", validate=True)


class Paginator:
    """Iterate for pages (result dicts whose row list holds only the rows meant for the
    caller), or call `rows()` for the rows themselves.

    After the walk, `resume_token` is None when the list is complete, else the token that
    continues after the last row yielded (set after every page, so it is also the place to
    resume from when a later page fails).
    """

    def __init__(self, client: "Client", service: str, action: str,
                 request: Mapping[str, Any] | None = None, *, page_size: int | None = None,
                 max_items: int | None = None, starting_token: str | None = None):
        _, operation = find_operation(service, action)
        if not operation.is_list or operation.next_page is None or operation.page_size is None:
            raise ValueError(f"{service}.{operation.name} is not a list operation that pages.")
        for name, value in (("page_size", page_size), ("max_items", max_items)):
            if value is not None and value < 1:
                raise ValueError(f"{name} must be at least 1, not {value}.")
        self.client = client
        self.service = service
        self.operation = operation
        self.request = dict(request or {})
        if page_size is not None:
            # The service clamps a larger size to the model's ceiling, but refuses one past
            # the wire's int32: so the same ceiling here, for the same pages.
            self.request[operation.page_size.member] = min(page_size, operation.page_size.maximum)
        self.max_items = max_items
        self.starting_token = starting_token
        self.request_key = request_key(self.request, operation.page_size.member)
        self.start = (decode_token(starting_token, operation.name, self.request_key) if starting_token
                      else Position(None))
        self.resume_token: str | None = None

    def __iter__(self) -> Iterator[dict[str, Any]]:
        with _fewer_collections():
            yield from self._pages()

    def _pages(self) -> Iterator[dict[str, Any]]:
        key = self.operation.result_key
        assert key is not None
        token, to_skip, remaining = self.start.next_token, self.start.skip, self.max_items
        seen = set(self.start.seen)  # rows an earlier walk gave, not met again yet
        used: set[str] = set()
        # The page a starting token names is fetched apart: a refusal there is the token's.
        page = self._fetch(None, used) if token is None else self._fetch_start(token, used)
        while True:
            rows = page.get(key) or []
            first = min(to_skip, len(rows))
            to_skip -= first
            if seen:
                kept, end = self._unseen(rows, first, remaining, seen)
            else:
                end = len(rows) if remaining is None else min(len(rows), first + remaining)
                kept = rows[first:end]
            has_next = bool(page.get("HasNext"))
            next_token = page.get("NextToken") or None
            if has_next and next_token is None:
                raise PaginationError(f"{self.service}.{self.operation.name}: the service said "
                                      f"there are more rows but sent no NextToken.")
            # Where the rows after this page's last kept row begin.
            if end < len(rows):
                given = {row_digest(row, self.operation.row_key) for row in rows[:end]}
                after = Position(token, 0, frozenset(seen | given))
            elif has_next:
                after = Position(next_token, to_skip, frozenset(seen))
            else:
                after = None
            self.resume_token = None if after is None else encode_token(self.operation.name, after,
                                                                        self.request_key)
            if remaining is not None:
                remaining -= len(kept)
            yield {**page, key: kept}
            if after is None or remaining == 0:
                return
            token = next_token
            page = self._fetch(token, used)

    def _unseen(self, rows: list, first: int, remaining: int | None,
                seen: set[bytes]) -> tuple[list, int]:
        """The rows from `first` on that an earlier walk did not give, up to `remaining`,
        and where they end; the ones it gave are dropped (and forgotten: met once)."""
        kept: list = []
        end = first
        for row in rows[first:]:
            if remaining is not None and len(kept) == remaining:
                break
            end += 1
            digest = row_digest(row, self.operation.row_key)
            if digest in seen:
                seen.discard(digest)
            else:
                kept.append(row)
        return kept, end

    def rows(self) -> Iterator[dict[str, Any]]:
        key = self.operation.result_key
        for page in self:
            yield from page[key]

    def _fetch_start(self, token: str, used: set[str]) -> dict[str, Any]:
        """The page a starting token names. The ByNextToken operation takes nothing else, so
        its refusal of the token (malformed, expired, another list's) is the starting
        token's: a bad parameter, not a failure of the service."""
        try:
            return self._fetch(token, used)
        except ServiceError as error:
            if error.code != "InvalidParameterValue":
                raise
            raise StartingTokenError(f"The starting token {_shown(self.starting_token or token)} was "
                                     f"refused by {error.operation}: {error.message} (RequestId "
                                     f"{error.request_id})", operation=error.operation,
                                     request_id=error.request_id) from None

    def _fetch(self, token: str | None, used: set[str]) -> dict[str, Any]:
        if token is None:
            return self.client.call(self.service, self.operation.name, self.request)
        if token in used:
            raise PaginationError(f"{self.service}.{self.operation.name}: the service sent the "
                                  f"NextToken {token[:40]}… a second time; stopping rather than "
                                  f"looping.")
        used.add(token)
        return self.client.call(self.service, self.operation.next_page, {"NextToken": token})


# A page of 1,000 rows is some 30,000 new container objects (its XML tree, its rows; in the
# embedded service also the server's), alive until the next page. At CPython's default
# threshold (700 allocations) the cyclic collector ran some forty times a page, promoting
# each page to older generations and so setting off full collections over every object of
# the process: 12 us per row of `fws outbound list`, a fifth of its time. A threshold of
# 10,000 still promoted whole pages (45 us per row at 1,000-row pages); at 100,000 the
# walk costs what it costs with the collector off (38 us). While any walk is on, that is
# the threshold of the youngest generation; cycles are still collected (no row makes
# one), and memory stays flat.
WALK_GC_THRESHOLD = 100_000
_walks = 0
_walks_lock = threading.Lock()
_saved_threshold: tuple[int, ...] = ()


@contextmanager
def _fewer_collections() -> Iterator[None]:
    global _walks, _saved_threshold
    with _walks_lock:
        if _walks == 0:
            _saved_threshold = gc.get_threshold()
            if 0 < _saved_threshold[0] < WALK_GC_THRESHOLD:
                gc.set_threshold(WALK_GC_THRESHOLD, *_saved_threshold[1:])
        _walks += 1
    try:
        yield
    finally:
        with _walks_lock:
            _walks -= 1
            if _walks == 0 and gc.get_threshold()[0] == WALK_GC_THRESHOLD != _saved_threshold[0]:
                gc.set_threshold(*_saved_threshold)


def paginate(client: "Client", service: str, action: str, request: Mapping[str, Any] | None = None,
             *, page_size: int | None = None, max_items: int | None = None,
             starting_token: str | None = None) -> Paginator:
    """Pages of a list operation, fetched lazily; see Paginator."""
    return Paginator(client, service, action, request, page_size=page_size,
                     max_items=max_items, starting_token=starting_token)
