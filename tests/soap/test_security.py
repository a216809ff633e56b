"""The aws security header: SigV0 over operation name + Timestamp, a 15-minute window, known
keys only, and the one signing mistake of a real client that is forgiven."""

from __future__ import annotations

from datetime import timedelta

import pytest

from fwscli.warehouse import accounts
from fwscli.wire.timestamps import format_timestamp

from ..conftest import NOW
from ..service.samples import SHIP_FROM
from .envelopes import params_to_xml, read_fault, sign

UNKNOWN_KEY = "The AWS Access Key Id you provided does not exist in our records."


def _fault(response):
    assert response.status_code == 500, response.get_data(as_text=True)
    return read_fault(response.get_data())


def test_a_signed_call_succeeds(soap):
    response = soap.call("outbound", "GetServiceStatus")
    assert response.status_code == 200, response.get_data(as_text=True)


@pytest.mark.parametrize("timestamp", ["2026-11-27T20:30:00.123Z", "2026-11-27T12:30:00-08:00",
                                       "2026-11-27T20:30:00Z"])
def test_every_timestamp_form_of_the_clients_is_accepted(soap, timestamp):
    assert soap.call("inventory", "GetServiceStatus", timestamp=timestamp).status_code == 200


def test_tampered_signature(soap):
    timestamp = format_timestamp(NOW)
    good = sign("GetServiceStatus", timestamp, soap.secret)
    tampered = ("B" if good[0] == "A" else "A") + good[1:]
    fault = _fault(soap.call("outbound", "GetServiceStatus", timestamp=timestamp, signature=tampered))
    assert fault.code == "aws:Client.SignatureDoesNotMatch"
    assert fault.string.startswith("The request signature we calculated does not match")


def test_a_signature_for_another_operation_is_refused(soap):
    fault = _fault(soap.call("outbound", "CancelFulfillmentOrder",
                             "<MerchantFulfillmentOrderId>O-1</MerchantFulfillmentOrderId>",
                             signed_as="GetServiceStatus"))
    assert fault.code == "aws:Client.SignatureDoesNotMatch"


def test_a_wrong_secret_is_refused(soap):
    fault = _fault(soap.call("outbound", "GetServiceStatus", secret="not-the-secret"))
    assert fault.code == "aws:Client.SignatureDoesNotMatch"


@pytest.mark.parametrize("skew", [timedelta(minutes=-16), timedelta(minutes=16)])
def test_stale_or_future_timestamp(soap, skew):
    fault = _fault(soap.call("outbound", "GetServiceStatus", timestamp=format_timestamp(NOW + skew)))
    assert fault.code == "aws:Client.RequestExpired"
    assert "15 minutes" in fault.string


def test_the_window_is_fifteen_minutes_either_side(soap):
    for skew in (timedelta(minutes=-15), timedelta(minutes=15)):
        assert soap.call("outbound", "GetServiceStatus",
                         timestamp=format_timestamp(NOW + skew)).status_code == 200


def test_unknown_key(soap):
    fault = _fault(soap.call("outbound", "GetServiceStatus", key="AKIDNOSUCHKEY0000000"))
    assert fault.code == "aws:Client.InvalidClientTokenId"
    assert fault.string == UNKNOWN_KEY


def test_a_malformed_timestamp(soap):
    fault = _fault(soap.call("outbound", "GetServiceStatus", timestamp="yesterday"))
    assert fault.code == "aws:Client.InvalidParameterValue"
    assert "Timestamp" in fault.string


def test_no_security_header(soap):
    body = (b'<?xml version="1.0"?><env:Envelope xmlns:env="http://schemas.xmlsoap.org/soap/envelope/">'
            b'<env:Body><GetServiceStatus xmlns="http://fba-outbound.amazonaws.com/doc/2007-08-02/"/>'
            b"</env:Body></env:Envelope>")
    fault = _fault(soap.post(body))
    assert fault.code == "aws:Client.MissingAuthenticationToken"
    assert "AWSAccessKeyId, Timestamp, Signature" in fault.string


def test_operator_keys_cannot_call_merchant_operations(soap, db):
    with db.write() as conn:
        operator = accounts.create_operator_key(conn, NOW)
    fault = _fault(soap.call("outbound", "GetServiceStatus", key=operator.access_key_id,
                             secret=operator.secret_access_key))
    assert fault.code == "aws:Client.AccessDenied"


_HEADER = params_to_xml([("ShipmentId", "FBA-QUIRK"), ("ShipmentName", "Quirk"),
                         ("DestinationFulfillmentCenter", "PHL1")]
                        + [(f"ShipFromAddress.{k}", v) for k, v in SHIP_FROM.items()])


def test_axis_signs_put_inbound_shipment_data_as_put_inbound_shipment(soap):
    response = soap.call("inbound", "PutInboundShipmentData", _HEADER, signed_as="PutInboundShipment")
    assert response.status_code == 200, response.get_data(as_text=True)
    assert soap.call("inbound", "PutInboundShipmentData", _HEADER).status_code == 200


@pytest.mark.parametrize("operation, signed_as", [
    ("PutInboundShipment", "PutInboundShipmentData"),   # the mistake the other way round
    ("PutInboundShipmentItems", "PutInboundShipment"),  # another operation, same wrong name
    ("PutInboundShipmentData", "GetServiceStatus"),     # the operation, another wrong name
])
def test_only_that_one_mismatch_is_forgiven(soap, operation, signed_as):
    fault = _fault(soap.call("inbound", operation, _HEADER, signed_as=signed_as))
    assert fault.code == "aws:Client.SignatureDoesNotMatch"
