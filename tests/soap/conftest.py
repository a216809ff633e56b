"""An in-process app with a frozen clock, and a SOAP caller signed by a test merchant."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

import pytest
from werkzeug.test import Client, TestResponse

from fwscli.api import SERVICES_BY_NAME
from fwscli.service.app import FwsApp
from fwscli.wire.timestamps import format_timestamp

from ..conftest import NOW
from .envelopes import envelope


@dataclass
class FrozenClock:
    now: datetime = field(default=NOW)

    def __call__(self) -> datetime:
        return self.now


@dataclass
class SoapCaller:
    """Posts SOAP envelopes as ActiveFulfillment does (application/soap+xml, no SOAPAction)."""

    client: Client
    key: str
    secret: str
    clock: FrozenClock

    def post(self, body: bytes, content_type: str = "application/soap+xml; charset=utf-8",
             **headers: str) -> TestResponse:
        return self.client.post("/", data=body, headers={"Content-Type": content_type, **headers})

    def call(self, service: str, operation: str, children: str = "", *,
             timestamp: str | None = None, **signing) -> TestResponse:
        body = envelope(SERVICES_BY_NAME[service], operation, children,
                        key=signing.pop("key", self.key), secret=signing.pop("secret", self.secret),
                        timestamp=timestamp or format_timestamp(self.clock.now), **signing)
        return self.post(body)


@pytest.fixture
def clock() -> FrozenClock:
    return FrozenClock()


@pytest.fixture
def frozen_app(db, clock) -> FwsApp:
    return FwsApp(db, clock=clock)


@pytest.fixture
def soap(frozen_app, merchant, clock) -> SoapCaller:
    return SoapCaller(Client(frozen_app), merchant.access_key_id, merchant.secret_access_key, clock)
