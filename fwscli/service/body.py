"""A request's body and declared length, read from the WSGI environ as werkzeug's
`Request.get_data()` and `Request.content_length` read them (`max_content_length` being
`limit`), without building a werkzeug Request for the two common cases: a server that ends
the stream itself (gunicorn says so with `wsgi.input_terminated`), and a plain
`Content-Length` of digits with no transfer coding (the in-process and development
servers). Any other request is left to werkzeug.

werkzeug wraps the stream in a `LimitedStream` (a cached property) and reads it through
`io.RawIOBase`'s loop, 64 KB at a time; reading straight from `wsgi.input` in the same
pieces gives the same bytes, and the same errors: BodyTooLarge where werkzeug raises
RequestEntityTooLarge, BodyIncomplete where it raises ClientDisconnected (the client sent
fewer bytes than it announced, or a read failed).

werkzeug itself is imported only for the other requests: importing it took ~13 ms of every
`fws` command on the embedded service, whose requests never need it. The module also says
whether a request is a Query form, the one question every request asks of its media type.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Callable

if TYPE_CHECKING:
    from werkzeug.wrappers import Request

FORM = "application/x-www-form-urlencoded"
_CHUNK = 64 * 1024  # werkzeug's read size


class BodyTooLarge(Exception):
    """The body is longer than the limit (werkzeug's RequestEntityTooLarge); `declared`: its
    Content-Length, when that said so before anything was read."""

    def __init__(self, declared: int | None = None):
        super().__init__(declared)
        self.declared = declared


class BodyIncomplete(Exception):
    """The body ended or failed before its declared length (werkzeug's ClientDisconnected);
    `received`: how many bytes came, when the stream simply ended."""

    def __init__(self, received: int | None = None):
        super().__init__(received)
        self.received = received


def whole_body(read: Callable[[], bytes], length: int | None, limit: int) -> bytes:
    """What `read()` returns (read_body's or werkzeug_body's), checked whole, for every
    binding: a declared `length` over `limit` is refused unread; a body shorter than its
    declared length is incomplete (gunicorn ends the stream where the client stopped
    sending, without an error: what arrived must not be served as the whole request); a
    streamed body that reaches the limit was read that far and no further (the rest would be
    dropped unseen)."""
    if length is not None and length > limit:
        raise BodyTooLarge(length)
    body = read()
    if length is not None and len(body) < length:
        raise BodyIncomplete(len(body))
    if length is None and len(body) >= limit:
        raise BodyTooLarge()
    return body


def media_type(environ: dict) -> str:
    """The request's media type, lower-case, without parameters: what werkzeug's
    `Request.mimetype` says, without parsing the parameters on every request."""
    return environ.get("CONTENT_TYPE", "").partition(";")[0].strip().lower()


def is_query_form(environ: dict) -> bool:
    """A Query API form POST, as nearly every request is (no other binding's)."""
    return (environ.get("REQUEST_METHOD") == "POST" and "HTTP_SOAPACTION" not in environ
            and media_type(environ) == FORM)


def content_length(environ: dict) -> int | None:
    """`Request.content_length`: the declared length, None for a streamed body."""
    declared = environ.get("CONTENT_LENGTH")
    if _plain_length(environ, declared):
        return int(declared)
    if declared is None and "HTTP_TRANSFER_ENCODING" not in environ:
        return None
    from werkzeug.sansio.utils import get_content_length

    return get_content_length(declared, environ.get("HTTP_TRANSFER_ENCODING"))


def read_body(environ: dict, limit: int | None) -> bytes:
    """`Request.get_data()`: the body, at most `limit` bytes."""
    if "wsgi.input_terminated" in environ:
        return _read_terminated(environ, limit)
    declared = environ.get("CONTENT_LENGTH")
    if not _plain_length(environ, declared):
        return _read_by_werkzeug(environ, limit)
    length = int(declared)
    if limit is not None and length > limit:
        raise BodyTooLarge()
    stream = environ["wsgi.input"]
    chunks = []
    while length > 0:
        chunk = _read(stream, min(length, _CHUNK))
        if not chunk:
            raise BodyIncomplete()
        chunks.append(chunk)
        length -= len(chunk)
    return b"".join(chunks)


def _read_by_werkzeug(environ: dict, limit: int | None) -> bytes:
    from werkzeug.wrappers import Request

    request = Request(environ)
    request.max_content_length = limit
    return werkzeug_body(request)


def werkzeug_body(request: Request) -> bytes:
    """The body of a request werkzeug reads (it may have read it already: it keeps it),
    with this module's errors."""
    from werkzeug.exceptions import ClientDisconnected, RequestEntityTooLarge

    try:
        return request.get_data(cache=True)
    except RequestEntityTooLarge:
        raise BodyTooLarge() from None
    except ClientDisconnected:
        raise BodyIncomplete() from None


def _read_terminated(environ: dict, limit: int | None) -> bytes:
    """To the stream's end, as werkzeug reads it: a declared length over the limit is
    refused; past the limit the rest is not read (the limit is a maximum, no error)."""
    stream = environ["wsgi.input"]
    length = content_length(environ)
    if limit is None:
        return stream.read()
    if (length is not None and length > limit) or limit <= 0:
        raise BodyTooLarge()
    chunks = []
    remaining = limit
    while remaining > 0:
        chunk = _read(stream, min(remaining, _CHUNK))
        if not chunk:  # the end of the stream
            break
        chunks.append(chunk)
        remaining -= len(chunk)
    return b"".join(chunks)


def _read(stream, size: int) -> bytes:
    try:
        return stream.read(size)
    except (OSError, ValueError):
        raise BodyIncomplete() from None


def _plain_length(environ: dict, declared: str | None) -> bool:
    """A Content-Length of ASCII digits alone (18 at most: int() refuses a string of over
    4,300 digits, leading zeros counted, with a ValueError that was a 500) and no transfer
    coding: werkzeug's content_length is then simply its value."""
    return (declared is not None and declared.isascii() and declared.isdigit()
            and len(declared) <= 18 and "HTTP_TRANSFER_ENCODING" not in environ)
