"""The body and length the service reads are werkzeug's `get_data()` and `content_length`,
for every kind of request: declared lengths of every form, transfer codings, streams
shorter or longer than declared, streams that fail, the size limit."""

from __future__ import annotations

import io
import itertools

import pytest
from werkzeug.exceptions import ClientDisconnected, RequestEntityTooLarge
from werkzeug.wrappers import Request

from fwscli.service.body import BodyIncomplete, BodyTooLarge, content_length, read_body

# A length of thousands of digits (zeros): int() refuses over 4,300 digits (was a 500).
LENGTHS = [None, "", "0", "5", "12", "05", " 5", "5 ", "-1", "+5", "1_0", "５", "abc", "100000",
           "0" * 17 + "5", "0" * 5000 + "5"]
BODIES = [b"", b"abc", b"hello", b"hello world!", b"x" * 70000, b"a=1&b=2&c=3&d"]
EXTRAS = [{}, {"HTTP_TRANSFER_ENCODING": "chunked"}, {"HTTP_TRANSFER_ENCODING": "gzip"},
          {"wsgi.input_terminated": True}]
LIMITS = [None, 0, 8, 1024 * 1024]


class ReadOnly:
    """A WSGI input with `read` alone (as gunicorn's), in small pieces."""

    def __init__(self, data: bytes, piece: int = 3):
        self.data, self.piece = io.BytesIO(data), piece

    def read(self, size: int = -1) -> bytes:
        return self.data.read(self.piece if size < 0 else min(size, self.piece))


class FailsAtEnd(ReadOnly):
    """A connection that breaks once its data is read: any read past it fails."""

    def read(self, size: int = -1) -> bytes:
        chunk = super().read(size)
        if not chunk:
            raise OSError("connection reset")
        return chunk


class Failing:
    def read(self, size: int = -1) -> bytes:
        raise OSError("connection reset")


# What werkzeug raises, and what the service's reader raises in its place.
OUR_ERRORS = {RequestEntityTooLarge: BodyTooLarge, ClientDisconnected: BodyIncomplete}


def outcome(read, errors: dict = {}):
    try:
        return read()
    except Exception as error:  # the kind of error is the outcome
        return errors.get(type(error), type(error))


def environ_of(length, body, extra, stream_kind) -> dict:
    stream = {"bytes": lambda: io.BytesIO(body), "read-only": lambda: ReadOnly(body),
              "fails-at-end": lambda: FailsAtEnd(body),
              "failing": Failing}[stream_kind]()
    environ = {"REQUEST_METHOD": "POST", "wsgi.input": stream, **extra}
    if length is not None:
        environ["CONTENT_LENGTH"] = length
    return environ


def request_of(length, body, extra, limit, stream_kind) -> Request:
    request = Request(environ_of(length, body, extra, stream_kind))
    request.max_content_length = limit
    return request


@pytest.mark.parametrize("stream_kind", ["bytes", "read-only", "fails-at-end", "failing"])
def test_the_same_as_werkzeug(stream_kind):
    for length, body, extra, limit in itertools.product(LENGTHS, BODIES, EXTRAS, LIMITS):
        case = (length, body[:20], extra, limit)
        assert content_length(environ_of(length, body, extra, stream_kind)) == \
            request_of(length, body, extra, limit, stream_kind).content_length, case
        ours = outcome(lambda: read_body(environ_of(length, body, extra, stream_kind), limit))
        theirs = outcome(request_of(length, body, extra, limit, stream_kind).get_data, OUR_ERRORS)
        assert ours == theirs, case


def test_a_content_length_of_thousands_of_digits_is_no_internal_error(app):
    """A WSGI server that passes the header on as sent (werkzeug's does; gunicorn refuses it
    itself) gave the app a Content-Length int() refuses: a 500 InternalError."""
    body = b"Action=GetServiceStatus&Version=2007-05-10"
    environ = {"REQUEST_METHOD": "POST", "PATH_INFO": "/", "QUERY_STRING": "", "SERVER_NAME": "localhost",
               "SERVER_PORT": "80", "SERVER_PROTOCOL": "HTTP/1.1", "wsgi.input": io.BytesIO(body),
               "wsgi.url_scheme": "http", "wsgi.errors": io.StringIO(),
               "CONTENT_TYPE": "application/x-www-form-urlencoded", "CONTENT_LENGTH": "0" * 5000 + str(len(body))}
    statuses = []
    payload = b"".join(app(environ, lambda status, headers: statuses.append(status)))
    assert not statuses[0].startswith("500"), payload
    assert b"<Code>InternalError</Code>" not in payload
