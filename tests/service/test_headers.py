"""The headers the signature verifier reads are werkzeug's, lower-cased, for any environ."""

from __future__ import annotations

import random

from werkzeug.datastructures import EnvironHeaders

from fwscli.service.headers import LazyHeaders, lower_case_headers

KEYS = ["HTTP_HOST", "HTTP_AUTHORIZATION", "HTTP_X_AMZ_DATE", "HTTP_X_AMZ_CONTENT_SHA256", "HTTP_DATE",
        "HTTP_CONTENT_TYPE", "HTTP_CONTENT_LENGTH", "CONTENT_TYPE", "CONTENT_LENGTH", "HTTP_", "HTTP_X__Y",
        "HTTP_ß", "HTTP_ǅ_İ", "HTTP_x_lower", "REQUEST_METHOD", "QUERY_STRING", "SERVER_NAME",
        "wsgi.input", "HTTPX", "http_host"]
VALUES = ["", "v", " spaced ", "AWS4-HMAC-SHA256 Credential=x", "é", "0"]


def werkzeug_headers(environ: dict) -> dict[str, str]:
    return {name.lower(): value for name, value in EnvironHeaders(environ).items()}


def test_the_same_headers_as_werkzeug_for_random_environs():
    rng = random.Random(20261128)
    for _ in range(5000):
        keys = rng.sample(KEYS, rng.randint(0, len(KEYS)))
        environ = {key: rng.choice(VALUES) for key in keys}
        assert lower_case_headers(environ) == werkzeug_headers(environ), environ
        lazy = LazyHeaders(environ)
        assert lazy.get("authorization") == werkzeug_headers(environ).get("authorization"), environ
        assert dict(lazy) == werkzeug_headers(environ), environ


def test_a_request_from_a_wsgi_server():
    environ = {"REQUEST_METHOD": "POST", "CONTENT_TYPE": "application/x-www-form-urlencoded",
               "CONTENT_LENGTH": "12", "HTTP_HOST": "127.0.0.1:8000", "HTTP_X_AMZ_DATE": "20261128T000000Z"}
    assert lower_case_headers(environ) == {
        "content-type": "application/x-www-form-urlencoded", "content-length": "12",
        "host": "127.0.0.1:8000", "x-amz-date": "20261128T000000Z"}


def test_authorization_is_read_without_building_the_rest():
    lazy = LazyHeaders({"HTTP_AUTHORIZATION": "AWS4-HMAC-SHA256 x", "HTTP_HOST": "h"})
    assert lazy.get("authorization") == "AWS4-HMAC-SHA256 x" and lazy._headers is None
    assert lazy.get("host") == "h" and lazy["authorization"] == "AWS4-HMAC-SHA256 x"
