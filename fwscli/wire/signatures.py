"""Verify the signature of an incoming API request (spec §1.3, §1.4, §12 "Authentication").

Five schemes, detected in this order: SigV4 in the `Authorization` header, SigV4 presigned in
the query string, then the legacy Query signatures V0, V1 and V2 carried as parameters. The
result names the caller's access key; what that key may do is decided elsewhere.

Every failure raises one of the auth errors of `fwscli.api.errors` with a message that names
what was wrong. The strings we computed are logged at DEBUG (never put in the message: they
can be long and contain `--`, which the Query error body's XML comment cannot carry).

No replay protection on purpose: the 2008 PHP library retries a failed call with the very same
Timestamp and Signature (spec §13).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import logging
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from email.utils import parsedate_to_datetime
from urllib.parse import quote, unquote_to_bytes

from fwscli.api.errors import (
    InvalidClientTokenId,
    InvalidParameterCombination,
    InvalidParameterValue,
    MissingAuthenticationToken,
    RequestExpired,
    SignatureDoesNotMatch,
)
from fwscli.digits import ascii_whole_number
from fwscli.wire.timestamps import parse_amz_date, parse_timestamp

log = logging.getLogger(__name__)

SIGV4_ALGORITHM = "AWS4-HMAC-SHA256"
UNSIGNED_PAYLOAD = "UNSIGNED-PAYLOAD"
MAX_PRESIGNED_EXPIRES = 7 * 24 * 3600  # AWS caps X-Amz-Expires at one week
_UNRESERVED = "-_.~"  # with letters and digits, which quote() never encodes
_MISMATCH = (
    "The request signature we calculated does not match the signature you provided. "
    "Check your AWS Secret Access Key and signing method."
)


@dataclass(frozen=True)
class IncomingRequest:
    """What the verifier needs of an HTTP request, as it arrived."""

    method: str  # "GET" / "POST"
    host: str  # the Host header exactly as received (may include :port)
    path: str  # the raw, still percent-encoded path without the query string
    query_string: str  # the raw query string without '?', "" if none
    headers: Mapping[str, str]  # lower-case names; repeated headers already joined
    body: bytes
    params: Sequence[tuple[str, str]]  # decoded Query parameters: query string, then body


@dataclass(frozen=True)
class VerifiedCaller:
    access_key_id: str
    scheme: str  # "v0" | "v1" | "v2" | "v4" | "v4-presigned"


SecretLookup = Callable[[str], "str | None"]


@dataclass(frozen=True)
class _Policy:
    """The server-side settings every check compares against."""

    secret_for: SecretLookup
    now: datetime
    region: str
    service: str
    max_skew: timedelta

    def secret(self, access_key_id: str) -> str:
        try:
            access_key_id.encode("utf-8")
        except UnicodeEncodeError:  # bytes that are not UTF-8 (wire.form): no key has them
            raise InvalidClientTokenId() from None
        secret = self.secret_for(access_key_id)
        if secret is None:
            raise InvalidClientTokenId()
        return secret


def verify_request(
    req: IncomingRequest,
    secret_for: SecretLookup,
    *,
    now: datetime,
    region: str = "us-east-1",
    service: str = "fws",
    max_skew: timedelta = timedelta(minutes=15),
) -> VerifiedCaller:
    """Check `req`'s signature and time; return who signed it, or raise an auth error."""
    if now.tzinfo is None:
        raise ValueError("now must be a timezone-aware datetime")
    policy = _Policy(secret_for, now.astimezone(timezone.utc), region, service, max_skew)

    authorization = req.headers.get("authorization", "").strip()
    if authorization.startswith("AWS4-"):
        return _verify_sigv4_header(req, authorization, policy)
    query = _query_pairs(req.query_string)
    if any(name in _PRESIGN_MARKERS for name, _ in query):
        return _verify_sigv4_presigned(req, query, policy)
    if any(name in _LEGACY_MARKERS for name, _ in req.params):
        return _verify_legacy(req, policy)
    raise MissingAuthenticationToken(
        "Request is missing Authentication Token: sign it with SigV4 (Authorization header "
        "or X-Amz-* query parameters) or with the AWSAccessKeyId, Timestamp and Signature "
        "parameters."
    )


# --- time -------------------------------------------------------------------------------


def _check_window(moment: datetime, sent_as: str, policy: _Policy) -> None:
    """Reject a request time more than `max_skew` away from the server's clock."""
    if abs(moment - policy.now) <= policy.max_skew:
        return
    side = "in the future" if moment > policy.now else "too old"
    raise RequestExpired(
        f"Request timestamp {sent_as} is {side}: it must be within {_minutes(policy.max_skew)} "
        f"of the server time {_iso(policy.now)}."
    )


def _iso(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def _minutes(span: timedelta) -> str:
    minutes = span.total_seconds() / 60
    return f"{minutes:g} minutes"


# --- encoding helpers -------------------------------------------------------------------


def _utf8(text: str) -> bytes:
    # surrogateescape: the bytes the client sent where they were not UTF-8 (wire.form);
    # surrogatepass: any other lone surrogate yields a mismatch, never a crash.
    try:
        return text.encode("utf-8", "surrogateescape")
    except UnicodeEncodeError:
        return text.encode("utf-8", "surrogatepass")


def _rfc3986(raw: bytes) -> str:
    """Percent-encode everything but the unreserved characters, upper-case hex, space=%20."""
    return quote(raw, safe=_UNRESERVED)


def _query_pairs(query_string: str) -> list[tuple[bytes, bytes]]:
    """Split a raw query string into decoded (name, value) bytes; '+' means a space.

    Bytes, not text, so that re-encoding for the canonical query gives back exactly what the
    client encoded, whatever it was.
    """
    pairs = []
    for piece in query_string.split("&"):
        if piece:
            name, _, value = piece.partition("=")
            pairs.append((_decode(name), _decode(value)))
    return pairs


def _decode(raw: str) -> bytes:
    return unquote_to_bytes(raw.replace("+", " "))


def _text(raw: bytes) -> str:
    return raw.decode("utf-8", "replace")


def _signatures_equal(expected: str, provided: str) -> bool:
    return hmac.compare_digest(expected.encode("ascii"), _utf8(provided))


# --- SigV4 ------------------------------------------------------------------------------

_PRESIGN_MARKERS = frozenset({b"X-Amz-Algorithm", b"X-Amz-Credential", b"X-Amz-Signature"})


@dataclass(frozen=True)
class _Scope:
    access_key_id: str
    day: str  # YYYYMMDD
    region: str
    service: str
    terminator: str

    def text(self) -> str:
        return f"{self.day}/{self.region}/{self.service}/{self.terminator}"


def _verify_sigv4_header(
    req: IncomingRequest, authorization: str, policy: _Policy
) -> VerifiedCaller:
    algorithm, _, rest = authorization.partition(" ")
    _check_algorithm(algorithm, "Authorization header")
    fields = _authorization_fields(rest)
    scope = _parse_credential(fields["Credential"], "Credential")
    moment, date_header = _sigv4_header_date(req.headers)
    _check_window(moment, req.headers[date_header], policy)
    _check_scope(scope, moment, policy)
    signed_headers = _parse_signed_headers(fields["SignedHeaders"], "SignedHeaders", req)
    if date_header not in signed_headers:
        raise SignatureDoesNotMatch(f"The {date_header} header must be listed in SignedHeaders.")
    secret = policy.secret(scope.access_key_id)

    declared = req.headers.get("x-amz-content-sha256")
    payload_hash = _checked_payload_hash(declared, req.body)
    canonical = _canonical_request(
        req, _canonical_query(_query_pairs(req.query_string)), signed_headers, payload_hash
    )
    _compare_sigv4(secret, moment, scope, [canonical], fields["Signature"])
    return VerifiedCaller(scope.access_key_id, "v4")


def _verify_sigv4_presigned(
    req: IncomingRequest, query: list[tuple[bytes, bytes]], policy: _Policy
) -> VerifiedCaller:
    auth = _single_values(
        ((_text(name), _text(value)) for name, value in query),
        ("X-Amz-Algorithm", "X-Amz-Credential", "X-Amz-Date", "X-Amz-Expires",
         "X-Amz-SignedHeaders", "X-Amz-Signature"),
    )
    for name in ("X-Amz-Algorithm", "X-Amz-Credential", "X-Amz-Date",
                 "X-Amz-SignedHeaders", "X-Amz-Signature"):
        if not auth.get(name):
            raise MissingAuthenticationToken(
                f"A presigned request must carry the query parameter {name}."
            )
    _check_algorithm(auth["X-Amz-Algorithm"], "X-Amz-Algorithm")
    scope = _parse_credential(auth["X-Amz-Credential"], "X-Amz-Credential")
    moment = _parse_amz_date_param(auth["X-Amz-Date"], "X-Amz-Date")
    _check_presigned_time(moment, auth["X-Amz-Date"], auth.get("X-Amz-Expires"), policy)
    _check_scope(scope, moment, policy)
    signed_headers = _parse_signed_headers(auth["X-Amz-SignedHeaders"], "X-Amz-SignedHeaders", req)
    secret = policy.secret(scope.access_key_id)

    canonical_query = _canonical_query(
        (name, value) for name, value in query if name != b"X-Amz-Signature"
    )
    canonicals = [
        _canonical_request(req, canonical_query, signed_headers, payload_hash)
        for payload_hash in _presigned_payload_hashes(req)
    ]
    hint = "" if not req.body else (
        " A presigned request's body is signed through its SHA-256 (UNSIGNED-PAYLOAD is "
        "accepted only without a body)."
    )
    _compare_sigv4(secret, moment, scope, canonicals, auth["X-Amz-Signature"], hint)
    return VerifiedCaller(scope.access_key_id, "v4-presigned")


def _check_algorithm(algorithm: str, where: str) -> None:
    if algorithm != SIGV4_ALGORITHM:
        raise SignatureDoesNotMatch(
            f"Unsupported signing algorithm {algorithm!r} in the {where}: only "
            f"{SIGV4_ALGORITHM} is accepted."
        )


def _authorization_fields(rest: str) -> dict[str, str]:
    """`Credential=…, SignedHeaders=…, Signature=…` (spaces after the commas optional)."""
    fields: dict[str, str] = {}
    for item in rest.split(","):
        name, equals, value = item.strip().partition("=")
        if not equals:
            raise SignatureDoesNotMatch(
                f"Malformed Authorization header component {item.strip()!r}."
            )
        if name in fields:
            raise SignatureDoesNotMatch(f"The Authorization header names {name} twice.")
        fields[name] = value.strip()
    for name in ("Credential", "SignedHeaders", "Signature"):
        if not fields.get(name):
            raise SignatureDoesNotMatch(
                f"The Authorization header is missing its {name}= component."
            )
    return fields


def _parse_credential(text: str, where: str) -> _Scope:
    parts = text.split("/")
    if len(parts) != 5 or not all(parts):
        raise SignatureDoesNotMatch(
            f"Malformed {where} {text!r}: expected "
            "<AccessKeyId>/<YYYYMMDD>/<region>/<service>/aws4_request."
        )
    return _Scope(*parts)


def _check_scope(scope: _Scope, moment: datetime, policy: _Policy) -> None:
    day = moment.strftime("%Y%m%d")
    if scope.day != day:
        raise SignatureDoesNotMatch(
            f"The date in the credential scope ({scope.day}) does not match the request "
            f"date ({day})."
        )
    if scope.region != policy.region:
        raise SignatureDoesNotMatch(
            f"The credential scope names region {scope.region!r}; this server signs for "
            f"region {policy.region!r}."
        )
    if scope.service != policy.service:
        raise SignatureDoesNotMatch(
            f"The credential scope names service {scope.service!r}; it must be {policy.service!r}."
        )
    if scope.terminator != "aws4_request":
        raise SignatureDoesNotMatch(
            f"The credential scope must end with aws4_request, not {scope.terminator!r}."
        )


def _sigv4_header_date(headers: Mapping[str, str]) -> tuple[datetime, str]:
    """The request time from x-amz-date, else from Date; and which header it came from."""
    if "x-amz-date" in headers:
        return _parse_amz_date_param(headers["x-amz-date"], "X-Amz-Date"), "x-amz-date"
    if "date" in headers:
        text = headers["date"]
        try:
            return parse_amz_date(text), "date"
        except ValueError:
            pass
        try:  # the HTTP form, "Fri, 27 Nov 2026 20:30:00 GMT"
            moment = parsedate_to_datetime(text)
            if moment.tzinfo is None:
                moment = moment.replace(tzinfo=timezone.utc)
            # OverflowError: a time of year 9999 with a negative offset is past 9999 in UTC.
            return moment.astimezone(timezone.utc), "date"
        except (TypeError, ValueError, OverflowError):
            raise InvalidParameterValue("Date", text, "not an ISO 8601 or HTTP date") from None
    raise MissingAuthenticationToken(
        "A SigV4 Authorization header needs the request time in an X-Amz-Date or Date header."
    )


def _parse_amz_date_param(text: str, name: str) -> datetime:
    try:
        return parse_amz_date(text)
    except ValueError:
        raise InvalidParameterValue(
            name, text, "not an ISO 8601 basic date-time (YYYYMMDDTHHMMSSZ)"
        ) from None


def _check_presigned_time(
    moment: datetime, sent_as: str, expires_text: str | None, policy: _Policy
) -> None:
    if expires_text is None:
        _check_window(moment, sent_as, policy)
        return
    seconds = ascii_whole_number(expires_text, max_digits=10)
    if seconds is None or seconds > MAX_PRESIGNED_EXPIRES:
        raise InvalidParameterValue(
            "X-Amz-Expires", expires_text,
            f"must be a whole number of seconds from 0 to {MAX_PRESIGNED_EXPIRES}",
        )
    if moment - policy.now > policy.max_skew:
        raise RequestExpired(
            f"The presigned request is not valid yet: X-Amz-Date {sent_as} is more than "
            f"{_minutes(policy.max_skew)} after the server time {_iso(policy.now)}."
        )
    deadline = moment + timedelta(seconds=seconds)
    if deadline < policy.now:
        raise RequestExpired(
            f"The presigned request expired at {_iso(deadline)} (X-Amz-Date {sent_as} plus "
            f"X-Amz-Expires {expires_text} s); the server time is {_iso(policy.now)}."
        )


def _parse_signed_headers(text: str, where: str, req: IncomingRequest) -> list[str]:
    names = text.split(";")
    if names != sorted(set(names)) or any(not n or n != n.lower() for n in names):
        raise SignatureDoesNotMatch(
            f"{where} {text!r} must list distinct lower-case header names in sorted order."
        )
    if "host" not in names:
        raise SignatureDoesNotMatch(f"{where} must include host.")
    for name in names:
        if name != "host" and name not in req.headers:
            raise SignatureDoesNotMatch(
                f"{where} lists {name}, but the request has no such header."
            )
    return names


def _checked_payload_hash(declared: str | None, body: bytes) -> str:
    """The hash for the canonical request; a declared hash must be the body's real one."""
    actual = hashlib.sha256(body).hexdigest()
    if declared is not None and declared != actual:
        raise SignatureDoesNotMatch(
            f"The payload hash does not match: x-amz-content-sha256 is {declared!r}, but the "
            f"SHA-256 of the request body is {actual!r}."
        )
    return actual


def _presigned_payload_hashes(req: IncomingRequest) -> list[str]:
    """The payload hashes a presigned request may have been signed with.

    botocore presigns non-S3 requests over the body's SHA-256 (of b"" once it has moved the
    parameters into the query string); S3-style signers use UNSIGNED-PAYLOAD. We accept the
    latter only without a body: here a body carries Query parameters, which must be signed.
    """
    declared = req.headers.get("x-amz-content-sha256")
    if declared == UNSIGNED_PAYLOAD or declared is None:
        actual = hashlib.sha256(req.body).hexdigest()
        if req.body:
            return [actual]
        return [actual, UNSIGNED_PAYLOAD] if declared is None else [UNSIGNED_PAYLOAD]
    return [_checked_payload_hash(declared, req.body)]


def _canonical_request(
    req: IncomingRequest, canonical_query: str, signed_headers: list[str], payload_hash: str
) -> str:
    header_lines = "".join(f"{name}:{_header_value(req, name)}\n" for name in signed_headers)
    return "\n".join(
        [req.method.upper(), _canonical_uri(req.path), canonical_query, header_lines,
         ";".join(signed_headers), payload_hash]
    )


def _header_value(req: IncomingRequest, name: str) -> str:
    value = req.host if name == "host" else req.headers[name]
    return " ".join(value.split())  # SigV4 "trimall": trim, collapse inner whitespace runs


def _canonical_uri(raw_path: str) -> str:
    """Non-S3 SigV4: drop dot segments and empty segments, then encode the wire path again."""
    segments: list[str] = []
    for segment in raw_path.split("/"):
        if segment == "..":
            if segments:
                segments.pop()
        elif segment and segment != ".":
            segments.append(segment)
    path = "/" + "/".join(segments)
    if raw_path.endswith("/") and segments:
        path += "/"
    return quote(path, safe="/~")


def _canonical_query(pairs: Iterable[tuple[bytes, bytes]]) -> str:
    """Encoded per RFC 3986, sorted by encoded name, then by encoded value (repeated names)."""
    encoded = sorted((_rfc3986(name), _rfc3986(value)) for name, value in pairs)
    return "&".join(f"{name}={value}" for name, value in encoded)


def _compare_sigv4(
    secret: str, moment: datetime, scope: _Scope, canonical_requests: list[str], provided: str,
    hint: str = "",
) -> None:
    """Accept `provided` if it signs any of the candidate canonical requests."""
    key = f"AWS4{secret}".encode("utf-8")
    for step in (scope.day, scope.region, scope.service, scope.terminator):
        key = hmac.digest(key, step.encode("utf-8"), hashlib.sha256)
    for canonical_request in canonical_requests:
        string_to_sign = "\n".join([
            SIGV4_ALGORITHM,
            moment.strftime("%Y%m%dT%H%M%SZ"),
            scope.text(),
            hashlib.sha256(canonical_request.encode("utf-8")).hexdigest(),
        ])
        expected = hmac.digest(key, string_to_sign.encode("utf-8"), hashlib.sha256).hex()
        if _signatures_equal(expected, provided):
            return
        log.debug("SigV4 mismatch; canonical request %r; string to sign %r",
                  canonical_request, string_to_sign)
    raise SignatureDoesNotMatch(_MISMATCH + hint)


# --- legacy Query signatures (V0, V1, V2) -----------------------------------------------

_LEGACY_MARKERS = frozenset({"Signature", "AWSAccessKeyId", "SignatureVersion"})
# Parameters that decide who signed and how: each may appear once (a second Action could
# otherwise slip past a V0 signature, which covers only the first).
_LEGACY_SINGLES = ("AWSAccessKeyId", "Signature", "SignatureVersion", "SignatureMethod",
                   "Timestamp", "Expires", "Action")
_V2_DIGESTS = {"HmacSHA256": hashlib.sha256, "HmacSHA1": hashlib.sha1}


def _verify_legacy(req: IncomingRequest, policy: _Policy) -> VerifiedCaller:
    auth = _single_values(req.params, _LEGACY_SINGLES)
    for name in ("AWSAccessKeyId", "Signature"):
        if not auth.get(name):
            raise MissingAuthenticationToken(f"The request must contain the parameter {name}.")
    version = auth.get("SignatureVersion", "0")  # absent means V0 (the Mule client)
    if version not in ("0", "1", "2"):
        raise SignatureDoesNotMatch(
            f"Unsupported SignatureVersion {version!r}: use 0, 1 or 2 (or SigV4)."
        )
    method = auth.get("SignatureMethod", "HmacSHA256")
    if version == "2" and method not in _V2_DIGESTS:
        raise SignatureDoesNotMatch(
            f"Unsupported SignatureMethod {method!r} for SignatureVersion 2: "
            "use HmacSHA256 or HmacSHA1."
        )
    _check_legacy_time(auth, version, policy)
    secret = _utf8(policy.secret(auth["AWSAccessKeyId"]))

    if version == "0":
        candidates = [_utf8(auth.get("Action", "") + auth["Timestamp"])]
        digest = hashlib.sha1
    elif version == "1":
        candidates = [_v1_string_to_sign(req.params)]
        digest = hashlib.sha1
    else:
        candidates = [_v2_string_to_sign(req, host) for host in _v2_hosts(req.host)]
        digest = _V2_DIGESTS[method]

    # Clients that leave '+' unencoded in a GET query turn the Signature's '+' into ' '.
    provided = auth["Signature"].replace(" ", "+")
    for string_to_sign in candidates:
        mac = hmac.digest(secret, string_to_sign, digest)  # one call into OpenSSL
        expected = base64.b64encode(mac).decode("ascii")
        if _signatures_equal(expected, provided):
            return VerifiedCaller(auth["AWSAccessKeyId"], f"v{version}")
    log.debug("SigV%s mismatch; strings to sign %r", version, candidates)
    detail = f"SignatureVersion {version}"
    if version == "2":
        detail += f", {method}, hosts tried: {', '.join(_v2_hosts(req.host))}"
    raise SignatureDoesNotMatch(f"{_MISMATCH} ({detail})")


def _single_values(params: Iterable[tuple[str, str]], names: Sequence[str]) -> dict[str, str]:
    """The values of `names` among `params`; a name given twice is refused."""
    found: dict[str, str] = {}
    for name, value in params:
        if name in names:
            if name in found:
                raise SignatureDoesNotMatch(f"The parameter {name} appears more than once.")
            found[name] = value
    return found


def _check_legacy_time(auth: Mapping[str, str], version: str, policy: _Policy) -> None:
    timestamp, expires = auth.get("Timestamp"), auth.get("Expires")
    if timestamp and expires:
        raise InvalidParameterCombination(
            "The parameters Timestamp and Expires cannot be used together."
        )
    if version == "0" and not timestamp:
        raise MissingAuthenticationToken(
            "The request must contain the parameter Timestamp (SignatureVersion 0 signs it)."
        )
    if timestamp:
        _check_window(_parse_param_time("Timestamp", timestamp), timestamp, policy)
    elif expires:
        deadline = _parse_param_time("Expires", expires)
        if deadline < policy.now:
            raise RequestExpired(
                f"Request has expired: Expires {expires} is before the server time "
                f"{_iso(policy.now)}."
            )
        # Capped as SigV4's X-Amz-Expires is: a request signed to last for years could be
        # replayed for years by whoever saw it once.
        if deadline - policy.now > timedelta(seconds=MAX_PRESIGNED_EXPIRES):
            raise InvalidParameterValue(
                "Expires", expires,
                f"it is more than {MAX_PRESIGNED_EXPIRES // 86400} days after the server time "
                f"{_iso(policy.now)}")
    else:
        raise MissingAuthenticationToken(
            "The request must contain the parameter Timestamp or Expires."
        )


def _parse_param_time(name: str, text: str) -> datetime:
    try:
        return parse_timestamp(text)
    except ValueError:
        raise InvalidParameterValue(name, text, "not an ISO 8601 date-time") from None


def _v1_string_to_sign(params: Sequence[tuple[str, str]]) -> bytes:
    """Names and values run together, sorted by name as PHP's strcasecmp orders them."""
    signed = [(_utf8(name), _utf8(value)) for name, value in params if name != "Signature"]
    # bytes.lower() folds ASCII letters only, like strcasecmp; sorted() is stable for ties.
    signed.sort(key=lambda pair: pair[0].lower())
    return b"".join(name + value for name, value in signed)


def _v2_string_to_sign(req: IncomingRequest, host: str) -> bytes:
    signed = sorted(
        (_utf8(name), _utf8(value)) for name, value in req.params if name != "Signature"
    )
    query = "&".join(f"{_rfc3986(name)}={_rfc3986(value)}" for name, value in signed)
    return _utf8("\n".join([req.method.upper(), host, _v2_path(req.path), query]))


def _v2_path(raw_path: str) -> str:
    """Each path segment decoded, then RFC 3986-encoded, as [PHP09] encodes its ServiceURL."""
    return "/".join(_rfc3986(unquote_to_bytes(segment)) for segment in raw_path.split("/")) or "/"


def _v2_hosts(host: str) -> list[str]:
    """Host header as received, then without its port: [PHP09] signs the bare host name."""
    bare = host[: host.index("]") + 1] if host.startswith("[") and "]" in host else (
        host.rsplit(":", 1)[0] if host.count(":") == 1 else host
    )
    return list(dict.fromkeys([host, bare]))
