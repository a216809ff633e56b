"""A request's headers as the signature verifier reads them, straight from the WSGI environ.

The same dict as `{name.lower(): value for name, value in Request(environ).headers.items()}`,
without werkzeug's header view and its generator of title-cased names in between.
"""

from __future__ import annotations

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
