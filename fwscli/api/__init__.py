"""The declarative API model: every service and operation, described once.

Imports nothing else of fws. Everything that speaks the API reads it from here.
"""

from __future__ import annotations

from .inbound import INBOUND
from .inventory import INVENTORY
from .outbound import OUTBOUND
from .shapes import Member, Operation, PageSize, Scalar, Service, Structure

SERVICES: tuple[Service, ...] = (INBOUND, OUTBOUND, INVENTORY)
SERVICES_BY_NAME = {service.name: service for service in SERVICES}
SERVICES_BY_VERSION = {service.version: service for service in SERVICES}

__all__ = [
    "INBOUND", "OUTBOUND", "INVENTORY", "SERVICES", "SERVICES_BY_NAME", "SERVICES_BY_VERSION",
    "Member", "Operation", "PageSize", "Scalar", "Service", "Structure",
]
