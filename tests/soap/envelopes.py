"""SOAP requests by hand, signed as Axis and ActiveFulfillment sign them, and readers for
the envelopes and faults the service answers.

The signer is written here from spec §1.4 (Base64 HMAC-SHA1 of operation name + Timestamp),
independently of `fwscli.wire`, so the tests check two readings of the spec.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
from dataclasses import dataclass
from xml.etree import ElementTree
from xml.sax.saxutils import escape

from fwscli.api.shapes import Service

SOAP_ENV = "http://schemas.xmlsoap.org/soap/envelope/"
SECURITY_NS = "http://security.amazonaws.com/doc/2007-01-01/"
FAULT_NS = "http://webservices.amazon.com/AWSFault/2005-15-09"
ENVELOPE_START = f'<?xml version="1.0"?>\n<env:Envelope xmlns:env="{SOAP_ENV}"><env:Body><ns1:'
FAULT_START = f'<?xml version="1.0"?>\n<env:Envelope xmlns:env="{SOAP_ENV}" xmlns:aws="{FAULT_NS}">'


def sign(operation: str, timestamp: str, secret: str) -> str:
    mac = hmac.new(secret.encode("utf-8"), (operation + timestamp).encode("utf-8"), hashlib.sha1)
    return base64.b64encode(mac.digest()).decode("ascii")


def envelope(service: Service, operation: str, children: str, *, key: str, secret: str,
             timestamp: str, signed_as: str | None = None, signature: str | None = None) -> bytes:
    """A request in ActiveFulfillment's style: default namespace on the operation element."""
    signature = signature or sign(signed_as or operation, timestamp, secret)
    header = "".join(
        f'<aws:{name} xmlns:aws="{SECURITY_NS}">{escape(value)}</aws:{name}>'
        for name, value in (("AWSAccessKeyId", key), ("Timestamp", timestamp), ("Signature", signature)))
    return (f'<?xml version="1.0" encoding="UTF-8"?>\n<env:Envelope xmlns:env="{SOAP_ENV}">'
            f"<env:Header>{header}</env:Header><env:Body>"
            f'<{operation} xmlns="{service.namespace}">{children}</{operation}>'
            f"</env:Body></env:Envelope>").encode("utf-8")


def params_to_xml(params: list[tuple[str, str]]) -> str:
    """Query parameters (`Item.1.Quantity`, `MerchantSKU.2`) as the SOAP body's children:
    numbered segments become repeated elements, in the order the parameters name them."""
    tree: dict = {}
    for name, value in params:
        node = tree
        segments = name.split(".")
        for index, segment in enumerate(segments):
            last = index == len(segments) - 1
            if segment.isdigit():
                continue
            key = segment
            if index + 1 < len(segments) and segments[index + 1].isdigit():
                key = (segment, segments[index + 1])  # one element of a repeated member
                last = index + 1 == len(segments) - 1
            if last:
                node[key] = value
                break
            node = node.setdefault(key, {})
    return _render(tree)


def _render(tree: dict) -> str:
    parts = []
    for key, value in tree.items():
        tag = key[0] if isinstance(key, tuple) else key
        inner = _render(value) if isinstance(value, dict) else escape(value)
        parts.append(f"<{tag}>{inner}</{tag}>")
    return "".join(parts)


def response_element(payload: bytes) -> bytes:
    """The `ns1:` response inside a success envelope, exactly as sent."""
    text = payload.decode("utf-8")
    assert text.startswith(ENVELOPE_START), text
    assert text.endswith("</env:Body></env:Envelope>"), text
    return text[text.index("<env:Body>") + len("<env:Body>"):-len("</env:Body></env:Envelope>")].encode()


@dataclass(frozen=True)
class Fault:
    code: str
    string: str
    request_id: str


def read_fault(payload: bytes) -> Fault:
    """The fault of an error envelope, after checking its shape against spec §1.8."""
    text = payload.decode("utf-8")
    assert text.startswith(FAULT_START), text
    assert f'<detail><aws:RequestId xmlns:aws="{FAULT_NS}">' in text, text
    root = ElementTree.fromstring(payload)
    body = root.find(f"{{{SOAP_ENV}}}Body")
    assert body is not None and len(body) == 1, text
    fault = body[0]
    assert fault.tag == f"{{{SOAP_ENV}}}Fault", text
    assert [child.tag for child in fault] == ["faultcode", "faultstring", "detail"], text
    code, string, detail = fault
    assert re.fullmatch(r"aws:(Client|Server)\.\w+", code.text or ""), text
    request_id = detail.find(f"{{{FAULT_NS}}}RequestId")
    assert request_id is not None and request_id.text, text
    return Fault(code.text, string.text or "", request_id.text)
