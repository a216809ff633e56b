"""`fws status` through the real entry point: one row per service, exit 0 only when every
service answers, `--quiet` silent for cron."""

from __future__ import annotations

import pytest

UNREACHABLE = {"FWS_ENDPOINT_URL": "http://127.0.0.1:9", "FWS_ACCESS_KEY_ID": "AKID",
               "FWS_SECRET_ACCESS_KEY": "secret"}


def test_every_service_answers(fws):
    rows = fws.ok("status", "-o", "json").json()
    assert [(row["Service"], row["State"]) for row in rows] == \
        [("inbound", "ok"), ("outbound", "ok"), ("inventory", "ok")]
    assert all("service available" in row["Status"] for row in rows)
    one = fws.ok("status", "inventory", "-o", "json").json()
    assert [row["Service"] for row in one] == ["inventory"] and "2009-07-31" in one[0]["Status"]
    assert fws.ok("status", "-o", "csv").out.splitlines()[0] == "Service,State,Status"
    quiet = fws.ok("status", "--quiet")
    assert quiet.out == "" and quiet.err == ""


def test_unreachable_endpoint_is_255_with_a_row_per_service(embedded_fws):
    result = embedded_fws("status", "-o", "json", env=UNREACHABLE)
    assert result.code == 255
    assert [(row["Service"], row["State"]) for row in result.json()] == \
        [("inbound", "error"), ("outbound", "error"), ("inventory", "error")]
    assert all("127.0.0.1:9" in row["Status"] for row in result.json())
    quiet = embedded_fws("status", "-q", "inbound", env=UNREACHABLE)
    assert (quiet.code, quiet.out, quiet.err) == (255, "", "")


def test_refused_keys_are_253(remote_fws):
    result = remote_fws("status", "-o", "json", env={"FWS_SECRET_ACCESS_KEY": "wrong"})
    assert result.code == 253
    assert all(row["State"] == "error" and "SignatureDoesNotMatch" in row["Status"]
               for row in result.json())


@pytest.mark.parametrize("quiet", [[], ["--quiet"]])
def test_configuration_problems_are_253(embedded_fws, quiet):
    missing = embedded_fws("status", *quiet, env={"FWS_ENDPOINT_URL": "http://127.0.0.1:9"})
    assert missing.code == 253 and missing.out == ""
    assert ("credentials" in missing.err.lower()) != bool(quiet)  # quiet: not a word
    profile = embedded_fws("--profile", "nope", "status", *quiet)
    assert profile.code == 253 and ("nope" in profile.err) != bool(quiet)


def test_unknown_service_is_a_usage_error(embedded_fws):
    result = embedded_fws("status", "billing")
    assert result.code == 2 and "billing" in result.err
