"""The declarative API model: every service and operation, described once.

Imports nothing else of fws. Everything that speaks the API reads it from here.
"""

from __future__ import annotations

from .inbound import INBOUND
from .inventory import INVENTORY
from .operator import OPERATOR
from .outbound import OUTBOUND
from .shapes import Member, Operation, PageSize, Scalar, Service, Structure

# The three Amazon FWS services (Amazon's WSDLs describe them; so do the SOAP binding's),
# and with them our own operator service, which speaks the same Query wire.
SERVICES: tuple[Service, ...] = (INBOUND, OUTBOUND, INVENTORY)
ALL_SERVICES: tuple[Service, ...] = SERVICES + (OPERATOR,)
SERVICES_BY_NAME = {service.name: service for service in ALL_SERVICES}
SERVICES_BY_VERSION = {service.version: service for service in ALL_SERVICES}

__all__ = [
    "INBOUND", "OUTBOUND", "INVENTORY", "OPERATOR", "SERVICES", "ALL_SERVICES",
    "SERVICES_BY_NAME", "SERVICES_BY_VERSION",
    "Member", "Operation", "PageSize", "Scalar", "Service", "Structure",
]
