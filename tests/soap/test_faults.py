"""Faults over HTTP: `aws:Client.<Code>` / `aws:Server.<Code>`, the message, the RequestId,
the `env:` and `aws:` prefixes, and HTTP 500 whatever the error (spec §1.8, §13), a database
that does not answer included."""

from __future__ import annotations

import io

import pytest

from fwscli.api import SERVICES_BY_NAME
from fwscli.api.errors import RequestThrottled
from fwscli.service.handlers import handlers_of
from fwscli.wire.timestamps import format_timestamp

from ..conftest import NOW
from ..production import free_port
from .envelopes import envelope, read_fault


def _fault(response):
    assert response.status_code == 500, response.get_data(as_text=True)
    assert response.headers["Content-Type"] == "text/xml; charset=utf-8"
    fault = read_fault(response.get_data())
    assert fault.request_id == response.headers["x-amzn-RequestId"]
    return fault


def test_missing_parameter(soap):
    fault = _fault(soap.call("outbound", "GetFulfillmentOrder"))
    assert fault.code == "aws:Client.MissingParameter"
    assert fault.string == "The request must contain the parameter MerchantFulfillmentOrderId."


def test_invalid_parameter_value_names_the_nested_member(soap):
    items = ("<MerchantSKUQuantityItem><MerchantSKU>A</MerchantSKU><Quantity>1</Quantity></MerchantSKUQuantityItem>"
             "<MerchantSKUQuantityItem><MerchantSKU>B</MerchantSKU><Quantity>two</Quantity></MerchantSKUQuantityItem>")
    fault = _fault(soap.call("inbound", "PutInboundShipmentItems", f"<ShipmentId>S</ShipmentId>{items}"))
    assert fault.code == "aws:Client.InvalidParameterValue"
    assert fault.string == ("Value two for parameter MerchantSKUQuantityItem.2.Quantity is invalid. "
                            "Reason: it is not a whole number.")


@pytest.mark.parametrize("service, operation, children, path", [
    # An empty id is absent over the Query API; nor may elements stand in for one here.
    ("outbound", "CancelFulfillmentOrder",
     "<MerchantFulfillmentOrderId><b/></MerchantFulfillmentOrderId>", "MerchantFulfillmentOrderId"),
    # Text after a child element would be lost: "a" read, "c" dropped.
    ("outbound", "GetFulfillmentOrder",
     "<MerchantFulfillmentOrderId>a<b/>c</MerchantFulfillmentOrderId>", "MerchantFulfillmentOrderId"),
    ("inbound", "GetFulfillmentItemByMSKU",
     "<MerchantSKU>A</MerchantSKU><MerchantSKU><x>B</x></MerchantSKU>", "MerchantSKU.2"),
])
def test_a_simple_value_holding_elements_is_invalid(soap, service, operation, children, path):
    fault = _fault(soap.call(service, operation, children))
    assert fault.code == "aws:Client.InvalidParameterValue"
    assert f"for parameter {path} is invalid. Reason: it must be text, not elements." in fault.string


def test_order_not_found_has_the_text_clients_match(soap):
    fault = _fault(soap.call("outbound", "GetFulfillmentOrder",
                             "<MerchantFulfillmentOrderId>#1337-1</MerchantFulfillmentOrderId>"))
    assert fault.string == ("Value #1337-1 for parameter MerchantFulfillmentOrderId is invalid. "
                            "Reason: requested order not found.")


def test_unknown_operation(soap):
    fault = _fault(soap.call("inventory", "CreateFulfillmentOrder"))
    assert fault.code == "aws:Client.InvalidAction"


def test_a_body_of_two_operations_is_refused_and_neither_is_done(soap, merchant):
    # Only the first was done, the second dropped unseen; the Query API refuses an Action
    # given twice with different values.
    first = soap.call("inbound", "GetFulfillmentIdentifierForMSKU", "<MerchantSKU>SKU-A</MerchantSKU>")
    assert first.status_code == 200
    outbound = SERVICES_BY_NAME["outbound"].namespace
    second = f'<GetFulfillmentOrder xmlns="{outbound}"><MerchantFulfillmentOrderId>1</MerchantFulfillmentOrderId></GetFulfillmentOrder>'
    body = envelope(SERVICES_BY_NAME["inbound"], "GetFulfillmentIdentifierForMSKU", "<MerchantSKU>SKU-B</MerchantSKU>",
                    key=soap.key, secret=soap.secret, timestamp=format_timestamp(NOW))
    fault = _fault(soap.post(body.replace(b"</env:Body>", second.encode() + b"</env:Body>")))
    assert (fault.code, fault.string) == (
        "aws:Client.InvalidSOAPRequest",
        "The SOAP Body must contain one operation element, not 2 (GetFulfillmentIdentifierForMSKU, GetFulfillmentOrder).")
    listed = soap.call("inbound", "ListAllFulfillmentItems").get_data(as_text=True)
    assert "SKU-A" in listed and "SKU-B" not in listed


@pytest.mark.parametrize("body", [b"<env:Envelope", b"<?xml version='1.0'?><Envelope/>"])
def test_a_body_that_is_not_an_envelope(soap, body):
    fault = _fault(soap.post(body, content_type="text/xml", SOAPAction='"GetServiceStatus"'))
    assert fault.code == "aws:Client.InvalidSOAPRequest"


def test_entity_expansion_is_refused(soap):
    bomb = (b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;">]>'
            b'<env:Envelope xmlns:env="http://schemas.xmlsoap.org/soap/envelope/"><env:Body>'
            b'<GetServiceStatus xmlns="http://fba-outbound.amazonaws.com/doc/2007-08-02/">&b;'
            b"</GetServiceStatus></env:Body></env:Envelope>")
    assert _fault(soap.post(bomb)).code == "aws:Client.InvalidSOAPRequest"


def test_a_body_over_the_size_limit(soap, frozen_app):
    frozen_app.max_request_bytes = 1000
    fault = _fault(soap.call("outbound", "GetServiceStatus", "<x>" + "y" * 2000 + "</x>"))
    assert fault.code == "aws:Client.RequestEntityTooLarge"


def test_internal_errors_are_server_faults_without_a_traceback(soap, monkeypatch):
    def broken(ctx, request):
        raise RuntimeError("secret internals")

    monkeypatch.setitem(handlers_of("outbound"), "CancelFulfillmentOrder", broken)
    response = soap.call("outbound", "CancelFulfillmentOrder",
                         "<MerchantFulfillmentOrderId>O-1</MerchantFulfillmentOrderId>")
    fault = _fault(response)
    assert fault.code == "aws:Server.InternalError"
    assert "secret internals" not in response.get_data(as_text=True)


def test_axis_style_request_with_soapaction_and_text_xml(soap):
    """Axis: text/xml, a quoted SOAPAction, HTTP/1.0."""
    body = envelope(SERVICES_BY_NAME["inbound"], "GetServiceStatus", "", key=soap.key,
                    secret=soap.secret, timestamp=format_timestamp(soap.clock.now))
    response = soap.client.post("/", data=body, headers={"Content-Type": "text/xml; charset=utf-8",
                                                         "SOAPAction": '"GetServiceStatus"'},
                                environ_overrides={"SERVER_PROTOCOL": "HTTP/1.0"})
    assert response.status_code == 200
    assert response.headers["Connection"] == "close"
    assert response.headers["Content-Length"] == str(len(response.get_data()))


class _Exhausted:
    """A throttle whose buckets are empty (the real one is tested in tests/service)."""

    def take(self, caller, operation, now):
        error = RequestThrottled(f"Request rate exceeded for {operation.name}.")
        error.headers["Retry-After"] = "2"
        raise error


def test_throttling_is_a_server_fault_with_retry_after(soap, frozen_app):
    frozen_app.throttle = _Exhausted()
    response = soap.call("outbound", "GetServiceStatus")
    assert _fault(response).code == "aws:Server.RequestThrottled"
    assert response.headers["Retry-After"] == "2"


def test_a_streamed_body_over_the_size_limit(soap, frozen_app):
    # No Content-Length to refuse up front: reading stops at the limit, and a document cut
    # there is a body over the limit, not a malformed one.
    frozen_app.max_request_bytes = 1000
    body = envelope(SERVICES_BY_NAME["outbound"], "GetServiceStatus", "<x>" + "y" * 2000 + "</x>",
                    key=soap.key, secret=soap.secret, timestamp=format_timestamp(soap.clock.now))
    response = soap.client.post("/", data=body, headers={
        "Content-Type": "application/soap+xml; charset=utf-8", "Transfer-Encoding": "chunked"},
        environ_overrides={"wsgi.input_terminated": True})
    assert _fault(response).code == "aws:Client.RequestEntityTooLarge"


@pytest.mark.parametrize("terminated", [False, True], ids=["werkzeug-disconnect", "gunicorn-short"])
def test_a_body_shorter_than_its_content_length_is_a_client_fault(soap, caplog, terminated):
    # The client declared more than it sent: werkzeug raises ClientDisconnected, gunicorn
    # (wsgi.input_terminated) ends the stream early. The client's mistake, not ours.
    body = envelope(SERVICES_BY_NAME["outbound"], "GetServiceStatus", "", key=soap.key,
                    secret=soap.secret, timestamp=format_timestamp(soap.clock.now))
    environ = {"CONTENT_LENGTH": str(len(body) + 100), "wsgi.input": io.BytesIO(body)}
    if terminated:
        environ["wsgi.input_terminated"] = True
    response = soap.client.post("/", headers={"Content-Type": "application/soap+xml; charset=utf-8"},
                                environ_overrides=environ)
    fault = _fault(response)
    assert fault.code == "aws:Client.IncompleteBody"
    received = f"after {len(body)} of" if terminated else "before"
    assert fault.string == (f"The request body ended {received} the {len(body) + 100} bytes its "
                            f"Content-Length declares.")
    assert not [r for r in caplog.records if r.levelname == "ERROR"]


def test_a_short_body_of_no_soap_media_type_is_refused_not_an_internal_error(soap, caplog):
    # Whether it is an envelope is read from the body itself; cut short, it is neither
    # served nor a traceback.
    body = envelope(SERVICES_BY_NAME["outbound"], "GetServiceStatus", "", key=soap.key,
                    secret=soap.secret, timestamp=format_timestamp(soap.clock.now))
    response = soap.client.post("/", headers={"Content-Type": "application/octet-stream"},
                                environ_overrides={"CONTENT_LENGTH": str(len(body) + 100),
                                                   "wsgi.input": io.BytesIO(body)})
    assert response.status_code == 400 and b"IncompleteBody" in response.get_data()
    assert not [r for r in caplog.records if r.levelname == "ERROR"]


def test_a_call_while_postgresql_does_not_answer_is_a_fault_to_retry(soap, frozen_app, caplog):
    """As on the Query API: a passing outage of the database is aws:Server.ServiceUnavailable
    with Retry-After (HTTP 500 all the same, for Axis), logged on one line, not an
    InternalError with a traceback per call."""
    from fwscli.store.database import Database

    healthy = frozen_app.db
    frozen_app.db = Database(f"postgresql+psycopg://postgres@127.0.0.1:{free_port()}/fws")  # nothing listens
    try:
        response = soap.call("outbound", "ListAllFulfillmentOrders")
    finally:
        frozen_app.db.dispose()
        frozen_app.db = healthy
    assert response.status_code == 500 and response.headers["Retry-After"] == "1"
    fault = read_fault(response.get_data())
    assert fault.code == "aws:Server.ServiceUnavailable"
    assert fault.request_id == response.headers["x-amzn-RequestId"]
    assert not [record for record in caplog.records if record.levelname == "ERROR"]
    [warning] = [record for record in caplog.records if record.levelname == "WARNING"]
    assert "the database is unavailable" in warning.getMessage() and not warning.exc_info


def test_a_worker_without_its_database_answers_a_soap_call_with_a_fault_and_still_serves_wsdls(merchant):
    from werkzeug.test import Client

    from fwscli.service.serve import AppSettings, WorkerApp

    worker = WorkerApp(AppSettings(database_url=f"postgresql+psycopg://127.0.0.1:{free_port()}/fws"))
    assert worker.app is None
    body = envelope(SERVICES_BY_NAME["outbound"], "GetServiceStatus", "", key=merchant.access_key_id,
                    secret=merchant.secret_access_key, timestamp=format_timestamp(NOW))
    response = Client(worker).post("/", data=body, headers={"Content-Type": "text/xml; charset=utf-8",
                                                            "SOAPAction": '"GetServiceStatus"'})
    assert response.status_code == 500 and response.headers["Retry-After"] == "1"
    assert read_fault(response.get_data()).code == "aws:Server.ServiceUnavailable"
    wsdl = Client(worker).get("/outbound?wsdl")
    assert wsdl.status_code == 200 and b"wsdl:definitions" in wsdl.get_data()
