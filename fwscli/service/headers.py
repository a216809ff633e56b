"""A request's headers as the signature verifier reads them, straight from the WSGI environ.

The same dict as `{name.lower(): value for name, value in Request(environ).headers.items()}`,
without werkzeug's header view and its generator of title-cased names in between.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping

_BODY_HEADERS = ("CONTENT_TYPE", "CONTENT_LENGTH")  # CGI names, without HTTP_
_SHADOWED = ("HTTP_CONTENT_TYPE", "HTTP_CONTENT_LENGTH")  # werkzeug reads the CGI ones instead


def lower_case_headers(environ: dict) -> dict[str, str]:
    """Header name (lower case, dashes) -> value, in the environ's order."""
    headers = {}
    for key, value in environ.items():
        if key.startswith("HTTP_"):
            if key not in _SHADOWED:
                # title() first, as werkzeug does: lower() alone differs for a few non-ASCII letters.
                headers[key[5:].replace("_", "-").title().lower()] = value
        elif key in _BODY_HEADERS and value:
            headers[key.replace("_", "-").lower()] = value
    return headers


class LazyHeaders(Mapping[str, str]):
    """`lower_case_headers(environ)` as a mapping, made on the first look at a header other
    than Authorization: the legacy signatures, which most requests carry, look at that one
    only (whether the request is SigV4), and building the dict was ~5% of a request."""

    __slots__ = ("_environ", "_headers")

    def __init__(self, environ: dict):
        self._environ = environ
        self._headers: dict[str, str] | None = None

    def get(self, name: str, default=None):  # type: ignore[override]
        if name == "authorization":
            return self._environ.get("HTTP_AUTHORIZATION", default)
        return self._all().get(name, default)

    def __getitem__(self, name: str) -> str:
        return self._all()[name]

    def __iter__(self) -> Iterator[str]:
        return iter(self._all())

    def __len__(self) -> int:
        return len(self._all())

    def _all(self) -> dict[str, str]:
        if self._headers is None:
            self._headers = lower_case_headers(self._environ)
        return self._headers
