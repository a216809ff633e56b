"""The access-log line of `fws server start` shows the request URI with its signature
redacted (tests/service/test_production_server.py checks the real log)."""

from __future__ import annotations

import pytest

from fwscli.service.serve import loggable_uri


@pytest.mark.parametrize("raw, logged", [
    ("/", "/"),
    ("/inbound?wsdl", "/inbound?wsdl"),
    ("/?Action=GetServiceStatus&Signature=ab%2Bc%3D&Version=2007-08-02",
     "/?Action=GetServiceStatus&Signature=REDACTED&Version=2007-08-02"),
    ("/?X-Amz-Credential=AKID%2F20261127&X-Amz-Signature=beef",
     "/?X-Amz-Credential=AKID%2F20261127&X-Amz-Signature=REDACTED"),
    # The service decodes names: `Signatur%65` and `Signature` are one parameter.
    ("/?Signatur%65=ab&x-amz-signature=cd", "/?Signatur%65=REDACTED&x-amz-signature=REDACTED"),
    ("/?Signature&&Signature=", "/?Signature&&Signature=REDACTED"),
])
def test_signatures_are_redacted_and_the_rest_kept(raw, logged):
    assert loggable_uri(raw) == logged
