"""Validate response bodies against the schemas inside Amazon's WSDLs (the schema of
record), read from ../shared/spec/wsdl/ when it exists. Nothing of the WSDLs is copied."""

from __future__ import annotations

import functools
import re

import pytest
import xmlschema

from .paths import SHARED_DIR

WSDL_DIR = SHARED_DIR / "spec" / "wsdl"
WSDL_FILES = {
    "inbound": "FBAInboundService.wsdl",
    "outbound": "AmazonFBAOutbound.wsdl",
    "inventory": "AmazonFBAInventory.wsdl",
}
# Spec §12: an empty list result has no row elements although the schema says minOccurs=1.
EMPTY_LIST_EXEMPT = {"ShipmentData", "ShipmentItem", "MerchantSKUSupply"}


def require_wsdl() -> None:
    if not WSDL_DIR.is_dir():
        pytest.skip(f"no WSDLs at {WSDL_DIR}: schema validation needs ../shared/spec/wsdl/")


@functools.lru_cache(maxsize=None)
def schema_for(service: str) -> xmlschema.XMLSchema:
    text = (WSDL_DIR / WSDL_FILES[service]).read_text(encoding="utf-8")
    match = re.search(r"<xs:schema\b.*?</xs:schema>", text, re.S)
    assert match, f"no xs:schema in {WSDL_FILES[service]}"
    return xmlschema.XMLSchema(match.group(0))


def assert_valid(service: str, body: bytes | str) -> None:
    """The body is valid against the service's schema (errors: the ErrorResponse line).
    Our own operator service has no WSDL: nothing to check it against."""
    if service not in WSDL_FILES:
        return
    require_wsdl()
    if isinstance(body, bytes):
        body = body.decode("utf-8")
    if body.startswith("<!--"):
        body = body.split("\n", 1)[1]
    errors = list(schema_for(service).iter_errors(body))
    errors = [e for e in errors if not _empty_list_exemption(e, body)]
    assert not errors, f"{service} response is not valid against the WSDL: {errors[0]}\n{body}"


def _empty_list_exemption(error: Exception, body: str) -> bool:
    reason = str(error)
    for element in EMPTY_LIST_EXEMPT:
        if element in reason and f":{element}>" not in body and f"<{element}>" not in body:
            return "Missing child element" in reason or "not complete" in reason
    return False


def assert_valid_if_available(service: str, body: bytes | str) -> None:
    """assert_valid when the WSDLs are there; a scenario test goes on without them (its
    other checks still count) instead of skipping at its first response."""
    if WSDL_DIR.is_dir():
        assert_valid(service, body)
