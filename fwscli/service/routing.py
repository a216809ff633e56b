"""Which service a request is for (spec §12 "Transport and dispatch").

By `Version` first; without one, by path prefix (`/inbound`, `/outbound`, `/inventory`,
`/operator`); else by the Host name (`fba-inbound…`), as each service once had its own host.
"""

from __future__ import annotations

from ..api import ALL_SERVICES, SERVICES_BY_VERSION
from ..api.errors import InvalidParameterValue, MissingParameter
from ..api.shapes import Service


def service_of_version(version: str) -> Service:
    service = SERVICES_BY_VERSION.get(version)
    if service is None:
        known = ", ".join(f"{s.version} ({s.name})" for s in ALL_SERVICES)
        raise InvalidParameterValue("Version", version, f"this server speaks {known}")
    return service


def service_at(path: str, host: str) -> Service:
    """The service a request without a Version is for, by its path, else its Host."""
    for service in ALL_SERVICES:
        if path.startswith("/" + service.name):
            return service
    hostname = host.split(":", 1)[0].lower()
    for service in ALL_SERVICES:
        if hostname.startswith(service.host_prefix):
            return service
    raise MissingParameter("Version")
