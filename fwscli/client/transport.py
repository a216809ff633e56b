"""Sending one signed Query request: a form POST, SigV4-signed for the service "fws".

Every parameter goes in the form body, none in the query string: requests-auth-aws-sigv4
canonicalises a query string naively (spaces, repeated keys), while the body is signed
through its hash, which is exact. Retries are the client's business, not this module's.
"""

from __future__ import annotations

import logging
import re
import string
import threading
from dataclasses import dataclass
from typing import Callable
from urllib.parse import quote, urlencode, urlsplit

import requests
from requests_auth_aws_sigv4 import AWSSigV4

from .. import __version__
from ..config import ConfigError, endpoint_problem, shown_value
from .session import Credentials, Session

log = logging.getLogger("fwscli.client")
# The signing library logs each signature and canonical request at DEBUG; ours logs the
# request with the signature redacted, so a root logger at DEBUG must not undo that.
logging.getLogger("requests_auth_aws_sigv4").setLevel(logging.INFO)

SIGNING_SERVICE = "fws"
FORM_CONTENT_TYPE = "application/x-www-form-urlencoded; charset=utf-8"
USER_AGENT = f"fws-cli/{__version__} python-requests/{requests.__version__}"
_DEFAULT_PORTS = {"http": 80, "https": 443}


@dataclass
class Transport:
    """Signs and sends form POSTs to one endpoint with one set of keys.

    `provisioned` is True when opening the embedded service just created a merchant and
    wrote its keys to the credentials file (the CLI says so on stderr); `database` is the
    embedded service's database ("" over HTTP).
    """

    http: requests.Session
    url: str
    credentials: Credentials
    region: str
    timeout: tuple[float, float]  # (connect, read) seconds
    provisioned: bool = False
    database: str = ""

    def __post_init__(self) -> None:
        # AWSSigV4 keeps the request's date on itself while signing: one per thread.
        self._local = threading.local()
        self._settings: dict | None = None
        self._template: requests.PreparedRequest | None = None

    def prepare(self, params: list[tuple[str, str]]) -> requests.PreparedRequest:
        """The signed request carrying `params` (also what `--dry-run` shows)."""
        body = urlencode(params, quote_via=quote).encode("ascii")
        if self.http.cookies:  # requests would add them as a header: its general way
            return self.http.prepare_request(self._request(body, self._auth()))
        prepared = self._unsigned().copy()
        prepared.prepare_body(body, None)
        prepared.prepare_auth(self._auth())
        return prepared

    def _request(self, body: bytes | None, auth: Callable) -> requests.Request:
        return requests.Request("POST", self.url, data=body, auth=auth, headers={
            "Host": host_header(self.url),
            "Content-Type": FORM_CONTENT_TYPE,
            "User-Agent": USER_AGENT,
        })

    def _unsigned(self) -> requests.PreparedRequest:
        """The request without its body and signature, prepared once and copied per call.

        Session.prepare_request merges the session's headers, hooks and settings afresh on
        each call (preparing a request took 1.06 M instructions, now 0.41). Every request
        goes to the one URL and this transport's session is its own, so what it merges
        never changes; only cookies could, and with any the general way is taken."""
        if self._template is None:
            # A do-nothing auth, not None: with None, requests would look in ~/.netrc.
            self._template = self.http.prepare_request(self._request(None, _no_auth))
        return self._template

    def send(self, params: list[tuple[str, str]]) -> requests.Response:
        """Sign (afresh: each attempt gets its own date) and send; requests' exceptions pass.

        Redirects are answered, not followed: requests would resend a 301/302's POST as a
        GET without its form, and drop the signature of a 307/308 sent on to another port."""
        prepared = self.prepare(params)
        if log.isEnabledFor(logging.DEBUG):
            log.debug("sending %s", describe_request(prepared))
        return self.http.send(prepared, timeout=self.timeout, allow_redirects=False,
                              **self._environment())

    def close(self) -> None:
        self.http.close()

    def _environment(self) -> dict:
        """Proxies, CA bundle and the like from the environment, which Session.send alone
        ignores. Read once: requests reads them per request, scanning all of os.environ
        (a fifth of a call's CPU), and every request here goes to the one URL."""
        if self._settings is None:
            self._settings = self.http.merge_environment_settings(self.url, {}, None, None, None)
        return self._settings

    def _auth(self) -> AWSSigV4:
        auth = getattr(self._local, "auth", None)
        if auth is None:
            auth = self._local.auth = AWSSigV4(
                SIGNING_SERVICE, region=self.region,
                aws_access_key_id=self.credentials.access_key_id,
                aws_secret_access_key=self.credentials.secret_access_key)
        return auth


def _no_auth(request: requests.PreparedRequest) -> requests.PreparedRequest:
    return request


def connect(session: Session) -> Transport:
    """The transport for a session: HTTP to its endpoint, or the embedded service."""
    timeout = (session.connect_timeout, session.read_timeout)
    if session.embedded:
        from .embedded import EMBEDDED_URL, start_embedded

        service = start_embedded(session)
        http = requests.Session()
        http.mount(EMBEDDED_URL, service.adapter)
        return Transport(http, EMBEDDED_URL, service.credentials, session.region, timeout,
                         provisioned=service.provisioned, database=service.database)
    url = checked_endpoint(session.endpoint_url or "")
    if session.credentials is None:
        raise ConfigError(f"No credentials for profile {session.profile!r}: set access_key_id and "
                          f"secret_access_key with `fws configure`, or FWS_ACCESS_KEY_ID and "
                          f"FWS_SECRET_ACCESS_KEY.")
    return Transport(requests.Session(), url, session.credentials, session.region, timeout)


def checked_endpoint(url: str) -> str:
    problem = endpoint_problem(url) or _unsignable_path(url)
    if problem is not None:
        raise ConfigError(f"endpoint_url {shown_value('endpoint_url', url)!r} is invalid: {problem}.")
    return url


_PATH_CHARACTERS = frozenset(string.ascii_letters + string.digits + "-._~/")


def _unsignable_path(url: str) -> str | None:
    """Why no request to `url` could be signed, or None. requests-auth-aws-sigv4 signs the
    path as requests sends it; the service checks SigV4's canonical form of it (empty
    segments dropped, every segment escaped again): the two agree only on a path of plain
    segments, and otherwise every request was SignatureDoesNotMatch."""
    prepared = requests.PreparedRequest()
    try:
        prepared.prepare_url(url, None)  # as sent: dot segments resolved, %7E read as ~
    except requests.exceptions.InvalidURL as error:  # e.g. a host name IDNA refuses
        return f"it is not a usable URL ({error})"
    path = urlsplit(prepared.url or "").path
    if "//" in path or not set(path) <= _PATH_CHARACTERS:
        return (f"its path {path!r} cannot be signed: use segments of letters, digits and "
                f"'-', '_', '.', '~' between single slashes")
    return None


def host_header(url: str) -> str:
    """The Host header requests would send: the port only when it is not the default."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    if ":" in host:
        host = f"[{host}]"  # IPv6 literal
    if parts.port and parts.port != _DEFAULT_PORTS.get(parts.scheme):
        host += f":{parts.port}"
    return host


_SIGNATURE = re.compile(r"(Signature=)[0-9a-fA-F]+")
_SECRET_PARAMETER = re.compile(r"(?i)((?:^|&)[^&=]*secret[^&=]*=)[^&]*")


def describe_request(request: requests.PreparedRequest) -> str:
    """Method, URL, headers and body, with the signature and any secret redacted."""
    lines = [f"{request.method} {request.url}"]
    for name, value in request.headers.items():
        if isinstance(value, bytes):
            value = value.decode("latin-1")
        if name.lower() == "authorization":
            value = _SIGNATURE.sub(r"\1REDACTED", value)
        lines.append(f"{name}: {value}")
    body = request.body or b""
    text = body.decode("utf-8", "replace") if isinstance(body, bytes) else str(body)
    lines.append("")
    lines.append(_SECRET_PARAMETER.sub(r"\1REDACTED", text))
    return "\n".join(lines)
