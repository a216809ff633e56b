"""Signature verification: botocore-signed SigV4, the test signer's V0/V1/V2, and the
requests real legacy clients sent (../shared/vectors/legacy-requests/)."""

from __future__ import annotations

import hashlib
import json
from dataclasses import replace
from datetime import datetime, timedelta, timezone
from urllib.parse import parse_qsl, urlsplit

import pytest
from botocore.auth import S3SigV4QueryAuth, SigV4Auth, SigV4QueryAuth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

from fwscli.api.errors import (
    InvalidClientTokenId,
    InvalidParameterCombination,
    InvalidParameterValue,
    MissingAuthenticationToken,
    RequestExpired,
    SignatureDoesNotMatch,
)
from fwscli.wire.signatures import IncomingRequest, verify_request
from fwscli.wire.timestamps import parse_amz_date, parse_timestamp
from tests.legacy_signer import encode_params, php_timestamp, sign_v0, sign_v1, sign_v2
from tests.paths import LEGACY_VECTORS_DIR

KEY, SECRET = "AKIDTESTKEY000000001", "test/Secret+Key=abc"
NOW = datetime(2026, 11, 27, 20, 30, 0, tzinfo=timezone.utc)
FORM = "application/x-www-form-urlencoded; charset=utf-8"
TRICKY = [("Action", "ListAll"), ("Note", "a b~c+d&e=f é"), ("Item.1.Sku", "x/y"), ("Empty", "")]


def secret_for(key: str) -> str | None:
    return SECRET if key == KEY else None


def verify(req: IncomingRequest, now: datetime = NOW, **kwargs):
    return verify_request(req, secret_for, now=now, **kwargs)


# --- timestamps -------------------------------------------------------------------------


@pytest.mark.parametrize("text, expected", [
    ("2026-11-27T20:29:50Z", datetime(2026, 11, 27, 20, 29, 50, tzinfo=timezone.utc)),
    ("2026-11-27T20:29:50.000Z", datetime(2026, 11, 27, 20, 29, 50, tzinfo=timezone.utc)),
    ("2026-11-27T20:29:50.123Z", datetime(2026, 11, 27, 20, 29, 50, 123000, tzinfo=timezone.utc)),
    ("2026-11-27T12:29:51.314-08:00", datetime(2026, 11, 27, 20, 29, 51, 314000, tzinfo=timezone.utc)),
    ("2026-11-28T05:29:50+09:00", datetime(2026, 11, 27, 20, 29, 50, tzinfo=timezone.utc)),
    ("2026-11-27T20:29:50.1234567+0000",
     datetime(2026, 11, 27, 20, 29, 50, 123456, tzinfo=timezone.utc)),
    ("2026-11-27T20:29:50", datetime(2026, 11, 27, 20, 29, 50, tzinfo=timezone.utc)),
    ("2026-11-27", datetime(2026, 11, 27, tzinfo=timezone.utc)),
])
def test_parse_timestamp_accepts_the_forms_seen(text, expected):
    parsed = parse_timestamp(text)
    assert parsed == expected and parsed.utcoffset() == timedelta(0)


@pytest.mark.parametrize("text", [
    "", "yesterday", "2026-11-330T12:19:22", "2026-13-01T00:00:00Z", "2026-11-27T24:00:00Z",
    "2026-11-27T20:29:50+25:00", "20261127T203000Z",
    "２０２６-11-27T20:30:00Z",  # full-width digits, which int() reads
])
def test_parse_timestamp_rejects_garbage(text):
    with pytest.raises(ValueError):
        parse_timestamp(text)


def test_parse_amz_date():
    assert parse_amz_date("20261127T203000Z") == NOW
    with pytest.raises(ValueError):
        parse_amz_date("2026-11-27T20:30:00Z")


# --- legacy V0 / V1 / V2 ----------------------------------------------------------------


def legacy_request(params, *, method="POST", host="127.0.0.1", path="/", php=False) -> IncomingRequest:
    """The request a Query client sends for `params`: POST body or GET query string."""
    encoded = encode_params(params, php=php)
    if method == "GET":
        return IncomingRequest("GET", host, path, encoded, {"host": host}, b"", list(params))
    headers = {"host": host, "content-type": FORM}
    return IncomingRequest("POST", host, path, "", headers, encoded.encode("ascii"), list(params))


STAMP = php_timestamp(NOW)

SIGNERS = {
    "v0": lambda params: sign_v0(params, KEY, SECRET, timestamp=STAMP),
    "v1": lambda params: sign_v1(params, KEY, SECRET, timestamp=STAMP),
    "v2-sha1": lambda params: sign_v2(
        params, KEY, SECRET, "127.0.0.1", algorithm="HmacSHA1", timestamp=STAMP
    ),
    "v2-sha256": lambda params: sign_v2(params, KEY, SECRET, "127.0.0.1", timestamp=STAMP),
}


@pytest.mark.parametrize("php", [False, True], ids=["rfc3986", "php-urlencode"])
@pytest.mark.parametrize("scheme", SIGNERS)
def test_legacy_round_trip(scheme, php):
    caller = verify(legacy_request(SIGNERS[scheme](TRICKY), php=php))
    assert caller.access_key_id == KEY
    assert caller.scheme == scheme.split("-")[0]


def test_v2_get_signs_method_host_and_path():
    params = sign_v2(
        TRICKY, KEY, SECRET, "fws.example:8080", method="GET", path="/inbound", timestamp=STAMP
    )
    req = legacy_request(params, method="GET", host="fws.example:8080", path="/inbound")
    assert verify(req).scheme == "v2"
    for changed in (replace(req, method="POST"), replace(req, path="/outbound"),
                    replace(req, host="fws.example:8081")):
        with pytest.raises(SignatureDoesNotMatch, match="hosts tried"):
            verify(changed)


def test_v2_host_without_port_is_accepted():
    # [PHP09] signs the ServiceURL's host without its port, whatever the Host header says.
    params = sign_v2(TRICKY, KEY, SECRET, "127.0.0.1", timestamp=STAMP)
    assert verify(legacy_request(params, host="127.0.0.1:18080")).scheme == "v2"


def test_v1_sort_is_case_insensitive_with_php_folding():
    # '_' (0x5F) sorts before 'a' once letters are folded down: strcasecmp, not upper-casing.
    params = [("Action", "X"), ("a_b", "1"), ("aa", "2"), ("AZ", "3"), ("Ab", "4")]
    assert verify(legacy_request(sign_v1(params, KEY, SECRET, timestamp=STAMP))).scheme == "v1"


def test_v0_without_signature_version_is_v0():
    params = sign_v0([("Action", "GetServiceStatus")], KEY, SECRET, timestamp=STAMP, send_version=False)
    assert verify(legacy_request(params, method="GET")).scheme == "v0"


def test_unencoded_plus_in_signature_is_tolerated():
    params = sign_v1([("Action", "GetServiceStatus")], KEY, SECRET, timestamp=STAMP)
    # A client that leaves '+' raw in a GET query string: the server decodes it to ' '.
    sloppy = [(n, v.replace("+", " ")) if n == "Signature" else (n, v) for n, v in params]
    assert verify(legacy_request(sloppy, method="GET")).scheme == "v1"


@pytest.mark.parametrize("scheme", ["v1", "v2-sha1", "v2-sha256"])
def test_legacy_tampered_parameter(scheme):
    params = SIGNERS[scheme](TRICKY)
    tampered = [(n, "a b~c+d&e=f è") if n == "Note" else (n, v) for n, v in params]
    with pytest.raises(SignatureDoesNotMatch, match="does not match"):
        verify(legacy_request(tampered))


@pytest.mark.parametrize("scheme", SIGNERS)
def test_legacy_tampered_action_and_timestamp(scheme):
    params = SIGNERS[scheme](TRICKY)
    for name, value in (("Action", "ListAlm"), ("Timestamp", php_timestamp(NOW + timedelta(seconds=1)))):
        tampered = [(n, value) if n == name else (n, v) for n, v in params]
        with pytest.raises(SignatureDoesNotMatch):
            verify(legacy_request(tampered))


def test_legacy_wrong_secret():
    params = sign_v1(TRICKY, KEY, "not the secret", timestamp=STAMP)
    with pytest.raises(SignatureDoesNotMatch, match="SignatureVersion 1"):
        verify(legacy_request(params))


@pytest.mark.parametrize("offset", [timedelta(minutes=16), timedelta(minutes=-16), timedelta(days=-400)])
def test_legacy_stale_or_future_timestamp(offset):
    params = sign_v1(TRICKY, KEY, SECRET, timestamp=php_timestamp(NOW + offset))
    with pytest.raises(RequestExpired, match="15 minutes"):
        verify(legacy_request(params))


def test_legacy_timestamp_inside_window_and_repeated():
    params = sign_v1(TRICKY, KEY, SECRET, timestamp=php_timestamp(NOW - timedelta(minutes=14)))
    req = legacy_request(params)
    # The 2008 PHP library retries with the same Timestamp and Signature: no replay check.
    assert verify(req) == verify(req)


def test_legacy_timestamp_with_offset():
    params = sign_v1(TRICKY, KEY, SECRET, timestamp="2026-11-27T21:29:50+01:00")
    assert verify(legacy_request(params)).scheme == "v1"


def test_legacy_unparseable_timestamp():
    params = sign_v1(TRICKY, KEY, SECRET, timestamp="27/11/2026 20:30")
    with pytest.raises(InvalidParameterValue, match="Timestamp"):
        verify(legacy_request(params))


def test_legacy_expires():
    future = [("Action", "ListAll"), ("Expires", "2026-11-27T21:00:00Z")]
    assert verify(legacy_request(sign_v2(future, KEY, SECRET, "127.0.0.1"))).scheme == "v2"
    past = [("Action", "ListAll"), ("Expires", "2026-11-27T20:29:00Z")]
    with pytest.raises(RequestExpired, match="Expires"):
        verify(legacy_request(sign_v2(past, KEY, SECRET, "127.0.0.1")))
    both = sign_v1(future + [("Timestamp", STAMP)], KEY, SECRET)
    with pytest.raises(InvalidParameterCombination):
        verify(legacy_request(both))
    # At most a week ahead, as X-Amz-Expires: a request signed to last for years would
    # replay for years.
    week = [("Action", "ListAll"), ("Expires", "2026-12-04T20:30:00Z")]
    assert verify(legacy_request(sign_v2(week, KEY, SECRET, "127.0.0.1"))).scheme == "v2"
    years = [("Action", "ListAll"), ("Expires", "2036-11-27T20:30:00Z")]
    with pytest.raises(InvalidParameterValue, match="Expires"):
        verify(legacy_request(sign_v2(years, KEY, SECRET, "127.0.0.1")))


def test_legacy_unknown_key():
    params = sign_v1(TRICKY, "AKIDNOSUCHKEY0000000", SECRET, timestamp=STAMP)
    with pytest.raises(InvalidClientTokenId, match="does not exist in our records"):
        verify(legacy_request(params))


def test_legacy_unsupported_method_and_version():
    params = sign_v2(TRICKY, KEY, SECRET, "127.0.0.1", timestamp=STAMP)
    md5 = [(n, "HmacMD5") if n == "SignatureMethod" else (n, v) for n, v in params]
    with pytest.raises(SignatureDoesNotMatch, match="HmacMD5"):
        verify(legacy_request(md5))
    v3 = [(n, "3") if n == "SignatureVersion" else (n, v) for n, v in params]
    with pytest.raises(SignatureDoesNotMatch, match="SignatureVersion '3'"):
        verify(legacy_request(v3))


def test_legacy_duplicate_auth_parameter():
    params = sign_v0([("Action", "GetServiceStatus")], KEY, SECRET, timestamp=STAMP)
    with pytest.raises(SignatureDoesNotMatch, match="Action appears more than once"):
        verify(legacy_request(params + [("Action", "CancelFulfillmentOrder")]))


def test_legacy_missing_pieces():
    params = sign_v1(TRICKY, KEY, SECRET, timestamp=STAMP)
    without_signature = [(n, v) for n, v in params if n != "Signature"]
    with pytest.raises(MissingAuthenticationToken, match="Signature"):
        verify(legacy_request(without_signature))
    without_key = [(n, v) for n, v in params if n != "AWSAccessKeyId"]
    with pytest.raises(MissingAuthenticationToken, match="AWSAccessKeyId"):
        verify(legacy_request(without_key))


def test_no_authentication_at_all():
    with pytest.raises(MissingAuthenticationToken):
        verify(legacy_request([("Action", "GetServiceStatus"), ("Version", "2007-05-10")]))


# --- SigV4, signed by botocore ----------------------------------------------------------


@pytest.fixture(autouse=True)
def frozen_botocore_clock(monkeypatch):
    monkeypatch.setattr("botocore.auth.get_current_datetime", lambda *a, **k: NOW.replace(tzinfo=None))


def incoming_from_botocore(request: AWSRequest) -> IncomingRequest:
    """What a server receives when `request` goes over the wire."""
    prepared = request.prepare()
    url = urlsplit(prepared.url)
    headers = {name.lower(): value for name, value in prepared.headers.items()}
    body = prepared.body or b""
    body = body.encode("utf-8") if isinstance(body, str) else body
    params = parse_qsl(url.query, keep_blank_values=True)
    if headers.get("content-type", "").startswith("application/x-www-form-urlencoded"):
        params += parse_qsl(body.decode("utf-8"), keep_blank_values=True)
    headers.setdefault("host", url.netloc)
    return IncomingRequest(
        prepared.method, headers["host"], url.path or "/", url.query, headers, body, params
    )


def sigv4(method="POST", url="http://127.0.0.1:8080/", *, data=None, params=None, headers=None,
          region="us-east-1", service="fws") -> IncomingRequest:
    headers = {"Content-Type": FORM, **(headers or {})} if data else dict(headers or {})
    request = AWSRequest(method=method, url=url, data=data, params=params, headers=headers)
    SigV4Auth(Credentials(KEY, SECRET), service, region).add_auth(request)
    return incoming_from_botocore(request)


def presigned(url="http://127.0.0.1:8080/", *, params=None, expires=300) -> IncomingRequest:
    request = AWSRequest(method="GET", url=url, params=params)
    SigV4QueryAuth(Credentials(KEY, SECRET), "fws", "us-east-1", expires=expires).add_auth(request)
    return incoming_from_botocore(request)


POST_BODY = encode_params(TRICKY)
GET_PARAMS = [("Action", "ListAll"), ("Sku", "a b"), ("Sku", "a+b~é"), ("Sku", "a b"), ("Empty", "")]


def test_sigv4_post_form_body():
    req = sigv4(data=POST_BODY)
    assert req.host == "127.0.0.1:8080" and "authorization" in req.headers
    caller = verify(req)
    assert (caller.access_key_id, caller.scheme) == (KEY, "v4")


def test_sigv4_get_with_spaces_and_repeated_keys():
    req = sigv4("GET", params=GET_PARAMS)
    assert "+" in req.query_string  # botocore sends spaces as '+' and signs them as %20
    assert verify(req).scheme == "v4"


def test_sigv4_path_and_host_variants():
    assert verify(sigv4("GET", "http://fws.example/inbound/a%20b", params=GET_PARAMS)).scheme == "v4"
    assert verify(sigv4("GET", "https://[::1]:8443/", params=GET_PARAMS)).scheme == "v4"


def test_sigv4_accepts_its_own_content_sha256_header():
    digest = hashlib.sha256(POST_BODY.encode()).hexdigest()
    assert verify(sigv4(data=POST_BODY, headers={"X-Amz-Content-SHA256": digest})).scheme == "v4"


def test_sigv4_bad_content_sha256():
    req = sigv4(data=POST_BODY, headers={"X-Amz-Content-SHA256": "0" * 64})
    with pytest.raises(SignatureDoesNotMatch, match="payload hash does not match"):
        verify(req)
    unsigned = sigv4(data=POST_BODY, headers={"X-Amz-Content-SHA256": "UNSIGNED-PAYLOAD"})
    with pytest.raises(SignatureDoesNotMatch, match="payload hash does not match"):
        verify(unsigned)


def test_sigv4_tampered_body_parameter():
    req = sigv4(data=POST_BODY)
    tampered = req.body.replace(b"ListAll", b"ListAlm")
    with pytest.raises(SignatureDoesNotMatch, match="does not match"):
        verify(replace(req, body=tampered))


def test_sigv4_tampered_query_parameter():
    req = sigv4("GET", params=GET_PARAMS)
    with pytest.raises(SignatureDoesNotMatch):
        verify(replace(req, query_string=req.query_string.replace("Sku=a+b", "Sku=a+c", 1)))


def test_sigv4_tampered_host_method_and_path():
    req = sigv4(data=POST_BODY)
    for tampered in (replace(req, host="127.0.0.1:8081"), replace(req, method="PUT"),
                     replace(req, path="/outbound")):
        with pytest.raises(SignatureDoesNotMatch):
            verify(tampered)


def test_sigv4_tampered_date():
    req = sigv4(data=POST_BODY)
    a_minute_later = {**req.headers, "x-amz-date": "20261127T203100Z"}
    with pytest.raises(SignatureDoesNotMatch, match="does not match"):
        verify(replace(req, headers=a_minute_later))
    an_hour_later = {**req.headers, "x-amz-date": "20261127T213000Z"}
    with pytest.raises(RequestExpired):
        verify(replace(req, headers=an_hour_later))


@pytest.mark.parametrize("offset", [timedelta(minutes=16), timedelta(minutes=-16)])
def test_sigv4_stale_or_future(offset):
    with pytest.raises(RequestExpired, match="must be within 15 minutes"):
        verify(sigv4(data=POST_BODY), now=NOW + offset)


def test_sigv4_unparseable_date():
    req = sigv4(data=POST_BODY)
    with pytest.raises(InvalidParameterValue, match="X-Amz-Date"):
        verify(replace(req, headers={**req.headers, "x-amz-date": "2026-11-27T20:30:00Z"}))


def test_sigv4_wrong_scope():
    with pytest.raises(SignatureDoesNotMatch, match="region 'eu-west-1'"):
        verify(sigv4(data=POST_BODY, region="eu-west-1"))
    with pytest.raises(SignatureDoesNotMatch, match="service 'sqs'"):
        verify(sigv4(data=POST_BODY, service="sqs"))
    assert verify(sigv4(data=POST_BODY, region="eu-west-1"), region="eu-west-1").scheme == "v4"


def test_sigv4_credential_date_must_match_request_day():
    req = sigv4(data=POST_BODY)
    auth = req.headers["authorization"].replace("/20261127/", "/20261126/")
    with pytest.raises(SignatureDoesNotMatch, match="20261126"):
        verify(replace(req, headers={**req.headers, "authorization": auth}))


def test_sigv4_host_must_be_signed():
    req = sigv4(data=POST_BODY)
    signed = req.headers["authorization"].split("SignedHeaders=")[1].split(",")[0]
    auth = req.headers["authorization"].replace(signed, signed.replace("host;", ""))
    with pytest.raises(SignatureDoesNotMatch, match="must include host"):
        verify(replace(req, headers={**req.headers, "authorization": auth}))


def test_sigv4_unknown_key():
    req = sigv4(data=POST_BODY)
    auth = req.headers["authorization"].replace(KEY, "AKIDNOSUCHKEY0000000")
    with pytest.raises(InvalidClientTokenId):
        verify(replace(req, headers={**req.headers, "authorization": auth}))


def test_sigv4_malformed_authorization():
    req = sigv4(data=POST_BODY)
    for auth, message in [("AWS4-HMAC-SHA1 Credential=x", "Unsupported signing algorithm"),
                          ("AWS4-HMAC-SHA256 Credential=AKID/20261127/us-east-1/fws/aws4_request",
                           "missing its SignedHeaders"),
                          ("AWS4-HMAC-SHA256 Credential=AKID, SignedHeaders=host, Signature=00",
                           "Malformed Credential")]:
        with pytest.raises(SignatureDoesNotMatch, match=message):
            verify(replace(req, headers={**req.headers, "authorization": auth}))


def test_sigv4_via_requests_auth_aws_sigv4():
    """The client transport's signer (it sends the Host header without the port)."""
    import requests
    from requests_auth_aws_sigv4 import AWSSigV4

    auth = AWSSigV4("fws", region="us-east-1", aws_access_key_id=KEY, aws_secret_access_key=SECRET)
    prepared = requests.Request("POST", "http://127.0.0.1:8080/", data=POST_BODY, auth=auth).prepare()
    headers = {name.lower(): value for name, value in prepared.headers.items()}
    req = IncomingRequest("POST", headers["host"], "/", "", headers, prepared.body.encode(), TRICKY)
    now = parse_amz_date(headers["x-amz-date"])
    assert verify(req, now=now).scheme == "v4"


# --- SigV4 presigned --------------------------------------------------------------------


def test_presigned_get():
    req = presigned(params=GET_PARAMS)
    assert "X-Amz-Signature=" in req.query_string
    caller = verify(req)
    assert (caller.access_key_id, caller.scheme) == (KEY, "v4-presigned")
    assert verify(req, now=NOW + timedelta(seconds=300)).scheme == "v4-presigned"


def test_presigned_expired_and_not_yet_valid():
    req = presigned(params=GET_PARAMS, expires=300)
    with pytest.raises(RequestExpired, match="expired"):
        verify(req, now=NOW + timedelta(seconds=301))
    with pytest.raises(RequestExpired, match="not valid yet"):
        verify(req, now=NOW - timedelta(minutes=16))


def test_presigned_tampered():
    req = presigned(params=GET_PARAMS)
    with pytest.raises(SignatureDoesNotMatch):
        verify(replace(req, query_string=req.query_string.replace("ListAll", "ListAlm")))
    with pytest.raises(SignatureDoesNotMatch):
        verify(replace(req, host="evil.example:8080"))
    longer = req.query_string.replace("X-Amz-Expires=300", "X-Amz-Expires=3000")
    with pytest.raises(SignatureDoesNotMatch):
        verify(replace(req, query_string=longer))


def test_presigned_refuses_an_unsigned_body():
    req = presigned(params=GET_PARAMS)
    smuggled = replace(req, body=b"Action=CancelFulfillmentOrder")
    with pytest.raises(SignatureDoesNotMatch, match="body is signed through its SHA-256"):
        verify(smuggled)
    declared_unsigned = replace(
        smuggled, headers={**req.headers, "x-amz-content-sha256": "UNSIGNED-PAYLOAD"}
    )
    with pytest.raises(SignatureDoesNotMatch, match="only without a body"):
        verify(declared_unsigned)


def test_presigned_s3_style_unsigned_payload():
    """A signer that follows the S3 presigning rules (UNSIGNED-PAYLOAD) is accepted too."""
    request = AWSRequest(method="GET", url="http://127.0.0.1:8080/", params=GET_PARAMS[:2])
    S3SigV4QueryAuth(Credentials(KEY, SECRET), "fws", "us-east-1", expires=300).add_auth(request)
    req = incoming_from_botocore(request)
    assert verify(req).scheme == "v4-presigned"


def test_presigned_bad_expires():
    req = presigned(params=GET_PARAMS)
    for value in ("-1", "soon", "604801", "%C2%B2"):  # '²': a digit to str.isdigit, not to int()
        bad = req.query_string.replace("X-Amz-Expires=300", f"X-Amz-Expires={value}")
        with pytest.raises(InvalidParameterValue, match="X-Amz-Expires"):
            verify(replace(req, query_string=bad))


# --- the real legacy clients' requests --------------------------------------------------

QUERY_CLIENTS = ("php-amazon-2008", "java-mule-module-fws")


def _vector_files():
    return sorted(p for client in QUERY_CLIENTS for p in (LEGACY_VECTORS_DIR / client).glob("*.json"))


def incoming_from_vector(vector: dict) -> IncomingRequest:
    path, _, query = vector["path"].partition("?")
    headers = {name.lower(): value for name, value in vector["headers"]}
    params = [tuple(pair) for pair in vector["decoded_params"]]
    return IncomingRequest(vector["method"], headers["host"], path, query, headers,
                           vector["body"].encode("utf-8"), params)


@pytest.mark.skipif(not LEGACY_VECTORS_DIR.is_dir(), reason=f"no legacy vectors at {LEGACY_VECTORS_DIR}")
@pytest.mark.parametrize("path", _vector_files(), ids=lambda p: f"{p.parent.name}/{p.name}")
def test_legacy_client_vector(path):
    vector = json.loads(path.read_text(encoding="utf-8"))
    assert vector["transport"].startswith("query-")
    req = incoming_from_vector(vector)
    params = dict(req.params)
    capture = vector["capture"]
    lookup = {capture["access_key"]: capture["secret_key"]}.get
    now = parse_timestamp(params["Timestamp"])

    if params["AWSAccessKeyId"] == "AKIDNOSUCHKEY0000000":
        with pytest.raises(InvalidClientTokenId):
            verify_request(req, lookup, now=now)
        return
    caller = verify_request(req, lookup, now=now)
    assert caller.access_key_id == capture["access_key"]
    assert caller.scheme == f"v{params.get('SignatureVersion', '0')}"
    # Frozen at capture time, and a real clock 20 minutes later refuses the same request.
    with pytest.raises(RequestExpired):
        verify_request(req, lookup, now=now + timedelta(minutes=20))


def test_legacy_vectors_present_or_skipped():
    if not LEGACY_VECTORS_DIR.is_dir():
        pytest.skip(f"no legacy vectors at {LEGACY_VECTORS_DIR}")
    assert len(_vector_files()) >= 60

