"""The WSDLs served on `GET …?wsdl`: which service, the address they name, and that their
schema describes what the real legacy SOAP clients send."""

from __future__ import annotations

import json
import re

import pytest
import xmlschema
from lxml import etree
from werkzeug.test import Client

from fwscli.api import SERVICES, SERVICES_BY_NAME
from fwscli.wire.wsdl import is_wsdl_request, write_wsdl

from ..paths import LEGACY_VECTORS_DIR
from .envelopes import SOAP_ENV

WSDL_NS = "http://schemas.xmlsoap.org/wsdl/"
WSDL_SOAP_NS = "http://schemas.xmlsoap.org/wsdl/soap/"


@pytest.fixture
def http(frozen_app):
    return Client(frozen_app)


def _schema(service_name: str) -> xmlschema.XMLSchema:
    text = write_wsdl(SERVICES_BY_NAME[service_name], "http://localhost/").decode()
    return xmlschema.XMLSchema(re.search(r"<xs:schema\b.*?</xs:schema>", text, re.S).group(0),
                               namespace=SERVICES_BY_NAME[service_name].namespace)


@pytest.mark.parametrize("service", SERVICES, ids=lambda s: s.name)
def test_wsdl_by_path_prefix(http, service):
    response = http.get(f"/{service.name}?wsdl", base_url="http://fws.example.com:8080/")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/xml; charset=utf-8"
    root = etree.fromstring(response.get_data())
    assert root.get("targetNamespace") == service.namespace
    address = root.find(f"{{{WSDL_NS}}}service/{{{WSDL_NS}}}port/{{{WSDL_SOAP_NS}}}address")
    assert address.get("location") == f"http://fws.example.com:8080/{service.name}"
    actions = {op.get("soapAction") for op in root.iter(f"{{{WSDL_SOAP_NS}}}operation")}
    assert actions == {op.name for op in service.operations}
    assert {body.get("use") for body in root.iter(f"{{{WSDL_SOAP_NS}}}body")} == {"literal"}


def test_wsdl_by_host_as_the_router_does(http):
    response = http.get("/?WSDL", base_url="http://fba-outbound.example.com/")
    root = etree.fromstring(response.get_data())
    assert root.get("targetNamespace") == SERVICES_BY_NAME["outbound"].namespace
    assert b'location="http://fba-outbound.example.com/"' in response.get_data()


def test_wsdl_with_no_way_to_tell_the_service(http):
    response = http.get("/?wsdl", base_url="http://127.0.0.1:8080/")
    assert response.status_code == 400
    text = response.get_data(as_text=True)
    for service in SERVICES:
        assert f"http://127.0.0.1:8080/{service.name}?wsdl" in text


def test_wsdl_head_request(http):
    response = http.head("/inbound?wsdl")
    assert response.status_code == 200 and response.get_data() == b""
    assert int(response.headers["Content-Length"]) > 1000


def test_query_requests_are_not_taken_for_wsdl():
    assert is_wsdl_request("GET", "wsdl") and is_wsdl_request("GET", "WSDL=") and is_wsdl_request("GET", "a=1&wsdl")
    assert not is_wsdl_request("GET", "Action=GetServiceStatus&wsdlx=1")
    assert not is_wsdl_request("POST", "wsdl")


def test_the_address_is_escaped():
    wsdl = write_wsdl(SERVICES_BY_NAME["inbound"], 'http://h/?a="b"&c')
    assert etree.fromstring(wsdl) is not None


def _soap_vectors() -> list[dict]:
    if not LEGACY_VECTORS_DIR.is_dir():
        pytest.skip(f"no legacy request vectors at {LEGACY_VECTORS_DIR}")
    entries = json.loads((LEGACY_VECTORS_DIR / "index.json").read_text())
    return [json.loads((LEGACY_VECTORS_DIR / e["file"]).read_text()) | {"file": e["file"]}
            for e in entries if e["transport"] == "soap"]


def test_our_schema_describes_what_the_legacy_clients_send():
    """Every Axis and ActiveFulfillment request body is valid against the schema we serve,
    but for the capture's deliberately incomplete order (no Item)."""
    invalid = []
    for vector in _soap_vectors():
        envelope = etree.fromstring(vector["body"].encode())
        element = envelope.find(f"{{{SOAP_ENV}}}Body")[0]
        # lxml keeps the envelope's namespace declarations (Axis's xsi:type="xsd:dateTime").
        if not _schema(vector["service"]).is_valid(etree.tostring(element).decode()):
            invalid.append(vector["file"])
    assert invalid == ["ruby-active_fulfillment/009-outbound-CreateFulfillmentOrder.json"]
