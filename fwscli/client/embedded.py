"""The embedded service: the real WSGI app, called in-process through requests.

With no endpoint configured, `fws` talks to this. Requests go through the same signing
transport as over HTTP, to a fake base URL that a transport adapter routes into the app
(which verifies the signature, exactly as a server would). The database is
`FWS_DATABASE_URL` or the SQLite file in the data directory, created on first use; with no
credentials configured, the first use also provisions a merchant and writes its keys.

SQLAlchemy, Alembic and the service are imported only when the embedded service starts:
a CLI that talks to a remote endpoint never pays for them.
"""

from __future__ import annotations

import io
import logging
import sys
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any, Callable, Iterable
from urllib.parse import unquote_to_bytes, urlsplit

from requests import PreparedRequest, Response
from requests.adapters import BaseAdapter
from requests.structures import CaseInsensitiveDict
from requests.utils import get_encoding_from_headers

from ..config import ConfigError
from .session import Credentials, Session

EMBEDDED_URL = "http://fws.embedded/"
_SILENT = logging.NullHandler()
WsgiApp = Callable[[dict, Callable], Iterable[bytes]]


class WSGIAdapter(BaseAdapter):
    """A requests transport adapter that answers by calling a WSGI app in this process.

    Timeouts, TLS and proxy settings do not apply: nothing crosses a network.
    """

    def __init__(self, app: WsgiApp, on_close: Callable[[], None] | None = None):
        super().__init__()
        self.app = app
        self._on_close = on_close

    def send(self, request: PreparedRequest, stream: bool = False, timeout: Any = None,
             verify: Any = True, cert: Any = None, proxies: Any = None) -> Response:
        chunks: list[bytes] = []
        started: dict[str, Any] = {}

        def start_response(status: str, headers: list[tuple[str, str]], exc_info=None):
            if exc_info is not None and started:
                raise exc_info[1].with_traceback(exc_info[2])
            started["status"], started["headers"] = status, headers
            return chunks.append  # the WSGI write() callable

        result = self.app(wsgi_environ(request), start_response)
        try:
            chunks.extend(result)
        finally:
            if hasattr(result, "close"):
                result.close()
        return _response(request, started["status"], started["headers"], b"".join(chunks), self)

    def close(self) -> None:
        if self._on_close is not None:
            self._on_close()


def wsgi_environ(request: PreparedRequest) -> dict[str, Any]:
    """The PEP 3333 environ a server would build for this request, over HTTP/1.1."""
    parts = urlsplit(request.url or "")
    body = _body_bytes(request.body)
    raw_path = parts.path or "/"
    headers = {name: value.decode("latin-1") if isinstance(value, bytes) else value
               for name, value in request.headers.items()}
    environ: dict[str, Any] = {
        "REQUEST_METHOD": request.method or "GET",
        "SCRIPT_NAME": "",
        # PATH_INFO is the decoded path as a "WSGI string" (bytes read as latin-1).
        "PATH_INFO": unquote_to_bytes(raw_path).decode("latin-1"),
        "QUERY_STRING": parts.query,
        # The undecoded target, as gunicorn passes it: signatures are over the raw path.
        "RAW_URI": raw_path + (f"?{parts.query}" if parts.query else ""),
        "SERVER_NAME": parts.hostname or "localhost",
        "SERVER_PORT": str(parts.port or (443 if parts.scheme == "https" else 80)),
        "SERVER_PROTOCOL": "HTTP/1.1",
        "REMOTE_ADDR": "127.0.0.1",
        "CONTENT_LENGTH": str(len(body)),
        "wsgi.version": (1, 0),
        "wsgi.url_scheme": parts.scheme or "http",
        "wsgi.input": io.BytesIO(body),
        "wsgi.errors": sys.stderr,
        "wsgi.multithread": True,
        "wsgi.multiprocess": False,
        "wsgi.run_once": False,
    }
    for name, value in headers.items():
        key = name.upper().replace("-", "_")
        if key == "CONTENT_TYPE":
            environ["CONTENT_TYPE"] = value
        elif key != "CONTENT_LENGTH":
            environ[f"HTTP_{key}"] = value
    environ.setdefault("HTTP_HOST", parts.netloc)
    return environ


def _body_bytes(body: Any) -> bytes:
    if body is None:
        return b""
    if isinstance(body, bytes):
        return body
    if isinstance(body, str):
        return body.encode("utf-8")
    if hasattr(body, "read"):
        return body.read()
    return b"".join(chunk.encode("utf-8") if isinstance(chunk, str) else chunk for chunk in body)


def _response(request: PreparedRequest, status: str, headers: list[tuple[str, str]],
              content: bytes, adapter: BaseAdapter) -> Response:
    response = Response()
    code, _, reason = status.partition(" ")
    response.status_code = int(code)
    response.reason = reason
    merged: CaseInsensitiveDict = CaseInsensitiveDict()
    for name, value in headers:
        merged[name] = f"{merged[name]}, {value}" if name in merged else value
    response.headers = merged
    response.encoding = get_encoding_from_headers(merged)
    response.raw = io.BytesIO(content)
    response.url = request.url or ""
    response.request = request
    response.connection = adapter
    return response


# --- the embedded service ----------------------------------------------------------------

@dataclass(frozen=True)
class EmbeddedService:
    """The adapter to mount, the keys to sign with, whether they were just provisioned, and
    the database (as messages show it)."""

    adapter: WSGIAdapter
    credentials: Credentials
    provisioned: bool
    database: str = ""


def start_embedded(session: Session) -> EmbeddedService:
    """Open (creating if new) the local database and wrap the service around it.

    When the session has no credentials, create a merchant and write its keys to the
    credentials file under the session's profile, so the first command just works.
    """
    from sqlalchemy.exc import SQLAlchemyError

    from ..config import default_database_url
    from ..service.app import FwsApp
    from ..store.database import cannot_open, in_memory, malformed, shown_url
    from ..store.migrations import MigrationFailed, SchemaOutOfDate, SchemaTooNew, open_database

    url = default_database_url()
    shown = shown_url(url)  # messages never show FWS_DATABASE_URL's password
    problem = malformed(url)
    if problem is not None:  # a port that is not a number was an "unexpected failure"
        raise ConfigError(f"The embedded database {shown} (FWS_DATABASE_URL) is not a "
                          f"database URL: {problem}.")
    if in_memory(url):
        # Gone when the command ends, and with it the merchant whose keys the first use
        # saved: every later command, on the real database, was InvalidClientTokenId.
        raise ConfigError(f"The embedded database {shown} is in memory: nothing in it outlives "
                          f"the command. Set FWS_DATABASE_URL to a file, or unset it.")
    try:
        db = open_database(url, migrate=True)  # the user's own file: keep it current
    except (SchemaTooNew, MigrationFailed) as error:  # e.g. written by a newer fws
        raise ConfigError(f"The embedded database {shown} cannot be opened by this fws: {error}.") from None
    except SchemaOutOfDate as error:
        raise ConfigError(f"The embedded database {shown}: {error}.") from None
    # No directory for the file, no server, a bad URL, or one of a driver not installed.
    except (OSError, SQLAlchemyError, ImportError) as error:
        raise ConfigError(f"The embedded database {cannot_open(url, error)}.") from None
    credentials, provisioned = session.credentials, False
    if credentials is None:
        credentials, provisioned = _provision(db, session.profile)
    # The service logs an internal error with its traceback, for a server's log. Here no
    # handler is set, and logging's last resort printed it on the user's terminal, once per
    # attempt, above the one-line error: a handler that drops it (--debug shows it).
    logging.getLogger("fwscli").addHandler(_SILENT)
    app = FwsApp(db, region=session.region)
    return EmbeddedService(WSGIAdapter(app, on_close=db.dispose), credentials, provisioned, shown)


def _provision(db, profile: str) -> tuple[Credentials, bool]:
    """The profile's keys, and whether this call created their merchant.

    Commands started together on a fresh install (cron jobs, a script's parallel commands)
    each found no keys: each would create a merchant, and the file keep the last one's keys.
    They take turns instead, and each reads the keys again once its turn comes.
    """
    from ..config import credentials_locked, resolve, set_values
    from ..warehouse import accounts

    with credentials_locked():
        pair = resolve(profile).credentials
        if pair is not None:  # saved by a command that had its turn first
            return Credentials(*pair), False
        with db.write() as conn:
            created = accounts.create_merchant(conn, f"fws embedded merchant ({profile})",
                                               datetime.now(timezone.utc))
        credentials = Credentials(created.access_key_id, created.secret_access_key)
        set_values(profile, {"access_key_id": credentials.access_key_id,
                             "secret_access_key": credentials.secret_access_key})
    return credentials, True
