"""Each service's WSDL 1.1, generated from the API model (spec §1.5), for SOAP tool-kits.

The shape follows Amazon's own FWS WSDLs: one schema in the service namespace with
elementFormDefault="qualified"; for each operation a request element named after it and a
`<Op>Response` element holding `<Op>Result` (only when the operation returns data) and
`ResponseMetadata`; one message per element; a document/literal SOAP 1.1 binding whose
soapAction is the bare operation name; and a service whose address is this server.

Decisions where the spec is silent:
* Scalars map to XSD built-ins (string, int, boolean, dateTime, decimal) and enumerations to
  inline restrictions; lengths and minimums are left to the server's validation, as
  Amazon's WSDLs left them, so a tool-kit never refuses what the server would accept.
* The aws security header is not declared in the binding, as in Amazon's WSDLs: clients
  add it themselves (Axis and ActiveFulfillment did).
* Faults are not declared either: every operation may answer the generic SOAP fault.
"""

from __future__ import annotations

from xml.sax.saxutils import escape, quoteattr

from ..api.shapes import Member, Operation, Scalar, Service, Structure

WSDL_NS = "http://schemas.xmlsoap.org/wsdl/"
WSDL_SOAP_NS = "http://schemas.xmlsoap.org/wsdl/soap/"
XSD_NS = "http://www.w3.org/2001/XMLSchema"
SOAP_HTTP = "http://schemas.xmlsoap.org/soap/http"
_XSD_TYPES = {"string": "xs:string", "int": "xs:int", "boolean": "xs:boolean",
              "datetime": "xs:dateTime", "decimal": "xs:decimal"}


def is_wsdl_request(method: str, query_string: str) -> bool:
    """`GET …?wsdl` (any case, with or without a value), as SOAP tool-kits ask for it."""
    names = (part.partition("=")[0].lower() for part in query_string.split("&"))
    return method in ("GET", "HEAD") and "wsdl" in names


def write_wsdl(service: Service, location: str) -> bytes:
    """The WSDL of `service`, whose SOAP endpoint is `location`."""
    name = service.title.replace(" ", "")
    lines = [
        '<?xml version="1.0" encoding="UTF-8"?>',
        f'<wsdl:definitions name="{name}" targetNamespace="{service.namespace}"',
        f'    xmlns:wsdl="{WSDL_NS}" xmlns:soap="{WSDL_SOAP_NS}"',
        f'    xmlns:xs="{XSD_NS}" xmlns:tns="{service.namespace}">',
        f"  <wsdl:documentation>{escape(service.title)} {service.version}, SOAP 1.1 "
        f"document/literal. Sign each call with the AWSAccessKeyId, Timestamp and Signature "
        f"headers of http://security.amazonaws.com/doc/2007-01-01/.</wsdl:documentation>",
        "  <wsdl:types>",
        # Namespaces declared again here: some tool-kits read the schema on its own.
        f'    <xs:schema targetNamespace="{service.namespace}" elementFormDefault="qualified"',
        f'        xmlns:xs="{XSD_NS}" xmlns:tns="{service.namespace}">',
    ]
    types = _TypeCollector()
    for operation in service.operations:
        lines += _element(operation.name, _sequence(operation.input, types, 6), 3)
        lines += _element(f"{operation.name}Response", _response(operation, types), 3)
    lines += types.lines
    lines += _complex_type("ResponseMetadata", [f'{_pad(5)}<xs:element name="RequestId" type="xs:string"/>'], 3)
    lines += ["    </xs:schema>", "  </wsdl:types>"]
    for operation in service.operations:
        for suffix, element in (("Request", operation.name), ("Response", f"{operation.name}Response")):
            lines += [f'  <wsdl:message name="{operation.name}{suffix}Msg">',
                      f'    <wsdl:part name="body" element="tns:{element}"/>',
                      "  </wsdl:message>"]
    lines.append(f'  <wsdl:portType name="{name}PortType">')
    for operation in service.operations:
        lines += [f'    <wsdl:operation name="{operation.name}">',
                  f"      <wsdl:documentation>{escape(operation.doc)}</wsdl:documentation>",
                  f'      <wsdl:input message="tns:{operation.name}RequestMsg"/>',
                  f'      <wsdl:output message="tns:{operation.name}ResponseMsg"/>',
                  "    </wsdl:operation>"]
    lines += ["  </wsdl:portType>",
              f'  <wsdl:binding name="{name}Binding" type="tns:{name}PortType">',
              f'    <soap:binding style="document" transport="{SOAP_HTTP}"/>']
    for operation in service.operations:
        lines += [f'    <wsdl:operation name="{operation.name}">',
                  f'      <soap:operation soapAction="{operation.name}" style="document"/>',
                  '      <wsdl:input><soap:body use="literal"/></wsdl:input>',
                  '      <wsdl:output><soap:body use="literal"/></wsdl:output>',
                  "    </wsdl:operation>"]
    lines += ["  </wsdl:binding>",
              f'  <wsdl:service name="{name}">',
              f'    <wsdl:port name="{name}Port" binding="tns:{name}Binding">',
              f"      <soap:address location={quoteattr(location)}/>",
              "    </wsdl:port>",
              "  </wsdl:service>",
              "</wsdl:definitions>"]
    return ("\n".join(lines) + "\n").encode("utf-8")


class _TypeCollector:
    """The named complex types the members use, each written once.

    The model may hold two Structure objects of one name (a request and a result variant
    differing only in limits the WSDL does not state); they must render the same.
    """

    def __init__(self) -> None:
        self.lines: list[str] = []
        self.rendered: dict[str, list[str]] = {}

    def add(self, structure: Structure) -> None:
        if structure.name in self.rendered:
            body = _sequence(structure.members, self, 5)
            if body != self.rendered[structure.name]:
                raise ValueError(f"two different structures are both named {structure.name}")
            return
        body = _sequence(structure.members, self, 5)
        self.rendered[structure.name] = body
        self.lines += _complex_type(structure.name, body, 3)


def _response(operation: Operation, types: _TypeCollector) -> list[str]:
    lines: list[str] = []
    if operation.result is not None:
        result = _sequence(operation.result, types, 9)
        lines += _element(f"{operation.name}Result", result, 6)
    lines.append(f'{_pad(6)}<xs:element name="ResponseMetadata" type="tns:ResponseMetadata"/>')
    return lines


def _sequence(members: tuple[Member, ...], types: _TypeCollector, depth: int) -> list[str]:
    return [line for member in members for line in _member(member, types, depth)]


def _member(member: Member, types: _TypeCollector, depth: int) -> list[str]:
    occurs = ("" if member.required else ' minOccurs="0"') + (' maxOccurs="unbounded"' if member.repeated else "")
    head = f'{_pad(depth)}<xs:element name="{member.name}"{occurs}'
    shape = member.shape
    if isinstance(shape, Structure):
        types.add(shape)
        return [f'{head} type="tns:{shape.name}"/>']
    if shape.enum:
        return [f"{head}>", *_enumeration(shape, depth + 1), f"{_pad(depth)}</xs:element>"]
    return [f'{head} type="{_XSD_TYPES[shape.kind]}"/>']


def _enumeration(shape: Scalar, depth: int) -> list[str]:
    return [f"{_pad(depth)}<xs:simpleType>",
            f'{_pad(depth + 1)}<xs:restriction base="xs:string">',
            *(f'{_pad(depth + 2)}<xs:enumeration value="{escape(value)}"/>' for value in shape.enum or ()),
            f"{_pad(depth + 1)}</xs:restriction>",
            f"{_pad(depth)}</xs:simpleType>"]


def _element(name: str, sequence: list[str], depth: int) -> list[str]:
    """A global element of an anonymous complex type holding `sequence`."""
    return [f'{_pad(depth)}<xs:element name="{name}">',
            f"{_pad(depth + 1)}<xs:complexType>",
            f"{_pad(depth + 2)}<xs:sequence>", *sequence, f"{_pad(depth + 2)}</xs:sequence>",
            f"{_pad(depth + 1)}</xs:complexType>",
            f"{_pad(depth)}</xs:element>"]


def _complex_type(name: str, sequence: list[str], depth: int) -> list[str]:
    return [f'{_pad(depth)}<xs:complexType name="{name}">',
            f"{_pad(depth + 1)}<xs:sequence>", *sequence, f"{_pad(depth + 1)}</xs:sequence>",
            f"{_pad(depth)}</xs:complexType>"]


def _pad(depth: int) -> str:
    return "  " * depth
