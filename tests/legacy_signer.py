"""A legacy Query signer for tests: SigV0, SigV1, SigV2 as spec §1.4 describes them.

Written from the spec, independently of `fwscli.wire.signatures` (its own sort and its own
percent-encoder), so that a test signing here and verifying there checks two readings of
the spec against each other. Every function returns the full parameter list to send:
the caller's parameters, then AWSAccessKeyId, Timestamp, SignatureVersion, SignatureMethod
(V2 only) and Signature last, as the PHP libraries append them.
"""

from __future__ import annotations

import base64
import functools
import hashlib
import hmac
from collections.abc import Iterable
from datetime import datetime, timezone

Params = list[tuple[str, str]]

_UNRESERVED = frozenset(b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.~")
_DIGESTS = {"HmacSHA1": hashlib.sha1, "HmacSHA256": hashlib.sha256}


def php_timestamp(moment: datetime | None = None) -> str:
    """`2026-11-27T20:29:50.000Z`, the form the PHP libraries send."""
    moment = (moment or datetime.now(timezone.utc)).astimezone(timezone.utc)
    return moment.strftime("%Y-%m-%dT%H:%M:%S") + ".000Z"


def sign_v0(
    params: Iterable[tuple[str, str]], key: str, secret: str, *,
    timestamp: str | None = None, send_version: bool = True,
) -> Params:
    """HMAC-SHA1 over Action + Timestamp. `send_version=False` is the Mule client (no
    SignatureVersion parameter at all)."""
    signed = _with_common(params, key, timestamp, "0" if send_version else None)
    action = next((value for name, value in signed if name == "Action"), "")
    stamp = next(value for name, value in signed if name == "Timestamp")
    return signed + [("Signature", _mac(secret, (action + stamp).encode("utf-8"), "HmacSHA1"))]


def sign_v1(
    params: Iterable[tuple[str, str]], key: str, secret: str, *, timestamp: str | None = None
) -> Params:
    """HMAC-SHA1 over name+value of every parameter, names ordered as PHP strcasecmp does."""
    signed = _with_common(params, key, timestamp, "1")
    ordered = sorted(signed, key=functools.cmp_to_key(lambda a, b: _strcasecmp(a[0], b[0])))
    message = "".join(name + value for name, value in ordered).encode("utf-8")
    return signed + [("Signature", _mac(secret, message, "HmacSHA1"))]


def sign_v2(
    params: Iterable[tuple[str, str]], key: str, secret: str, host: str, *,
    method: str = "POST", path: str = "/", algorithm: str = "HmacSHA256",
    timestamp: str | None = None,
) -> Params:
    """HMAC over `METHOD\\nhost\\npath\\ncanonical-query` (the AWS SigV2 of [PHP09])."""
    signed = _with_common(params, key, timestamp, "2") + [("SignatureMethod", algorithm)]
    by_name = sorted(signed, key=lambda pair: (pair[0].encode("utf-8"), pair[1].encode("utf-8")))
    query = "&".join(f"{rfc3986(name)}={rfc3986(value)}" for name, value in by_name)
    encoded_path = "/".join(rfc3986(segment) for segment in path.split("/")) or "/"
    message = f"{method}\n{host}\n{encoded_path}\n{query}".encode("utf-8")
    return signed + [("Signature", _mac(secret, message, algorithm))]


def rfc3986(text: str) -> str:
    """Percent-encode all but A-Z a-z 0-9 - _ . ~ (upper-case hex; space is %20)."""
    raw = text.encode("utf-8")
    return "".join(chr(byte) if byte in _UNRESERVED else f"%{byte:02X}" for byte in raw)


def php_urlencode(text: str) -> str:
    """PHP's urlencode, as the 2008 library encodes values: space is '+', '~' is %7E."""
    literal = _UNRESERVED - {ord("~")}
    return "".join(
        "+" if byte == 0x20 else chr(byte) if byte in literal else f"%{byte:02X}"
        for byte in text.encode("utf-8")
    )


def encode_params(params: Iterable[tuple[str, str]], *, php: bool = False) -> str:
    """A query string / form body for `params` (RFC 3986, or PHP urlencode with `php`)."""
    encode = php_urlencode if php else rfc3986
    return "&".join(f"{encode(name)}={encode(value)}" for name, value in params)


def _with_common(
    params: Iterable[tuple[str, str]], key: str, timestamp: str | None, version: str | None
) -> Params:
    signed = [(name, value) for name, value in params]
    signed.append(("AWSAccessKeyId", key))
    if not any(name in ("Timestamp", "Expires") for name, _ in signed):
        signed.append(("Timestamp", timestamp or php_timestamp()))
    if version is not None:
        signed.append(("SignatureVersion", version))
    return signed


def _strcasecmp(left: str, right: str) -> int:
    """PHP strcasecmp: byte by byte, A-Z folded to a-z, nothing else folded."""
    for a, b in zip(_fold(left), _fold(right)):
        if a != b:
            return a - b
    return len(left.encode("utf-8")) - len(right.encode("utf-8"))


def _fold(text: str) -> list[int]:
    return [byte + 32 if 0x41 <= byte <= 0x5A else byte for byte in text.encode("utf-8")]


def _mac(secret: str, message: bytes, algorithm: str) -> str:
    digest = hmac.new(secret.encode("utf-8"), message, _DIGESTS[algorithm]).digest()
    return base64.b64encode(digest).decode("ascii")
