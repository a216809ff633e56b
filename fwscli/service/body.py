"""A request's body, read as werkzeug's `Request.get_data()` reads it, for less work in the
common case: a plain `Content-Length` of digits, no transfer coding, a stream the server
does not terminate itself. Every other request is left to werkzeug.

werkzeug wraps the stream in a `LimitedStream` (a cached property) and reads it through
`io.RawIOBase`'s loop, 64 KB at a time; reading `Content-Length` bytes straight from
`wsgi.input` gives the same bytes, and the same `ClientDisconnected` when the client sends
fewer than it announced or the read fails.
"""

from __future__ import annotations

from werkzeug.exceptions import ClientDisconnected, RequestEntityTooLarge
from werkzeug.wrappers import Request

_CHUNK = 64 * 1024  # werkzeug's read size


def content_length(request: Request) -> int | None:
    """`request.content_length`: the declared length, None for a streamed body."""
    declared = request.environ.get("CONTENT_LENGTH")
    if _plain(request.environ, declared):
        return int(declared)
    return request.content_length


def read_body(request: Request) -> bytes:
    """`request.get_data()`: the body, at most `request.max_content_length` bytes
    (RequestEntityTooLarge beyond)."""
    environ = request.environ
    declared = environ.get("CONTENT_LENGTH")
    if not _plain(environ, declared):
        return request.get_data(cache=True)
    length = int(declared)
    if request.max_content_length is not None and length > request.max_content_length:
        raise RequestEntityTooLarge()
    stream = environ["wsgi.input"]
    chunks = []
    while length > 0:
        try:
            chunk = stream.read(min(length, _CHUNK))
        except (OSError, ValueError):
            raise ClientDisconnected() from None
        if not chunk:
            raise ClientDisconnected()
        chunks.append(chunk)
        length -= len(chunk)
    return b"".join(chunks)


def _plain(environ: dict, declared: str | None) -> bool:
    """A Content-Length of ASCII digits alone, no transfer coding, a stream werkzeug
    would wrap in a LimitedStream of that length."""
    return (declared is not None and declared.isascii() and declared.isdigit()
            and "HTTP_TRANSFER_ENCODING" not in environ and "wsgi.input_terminated" not in environ)
