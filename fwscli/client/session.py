"""A Session: everything a client needs from the resolved profile, as typed values."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Mapping

from ..config import Settings, resolve


@dataclass(frozen=True)
class Credentials:
    access_key_id: str
    secret_access_key: str = dataclasses.field(repr=False)  # never in a traceback or log


@dataclass(frozen=True)
class Session:
    """Where to send requests and how.

    `endpoint_url` None means the embedded service (in-process, on the local database).
    `credentials` None is allowed only there: the first call provisions a merchant.
    """

    profile: str = "default"
    endpoint_url: str | None = None
    region: str = "us-east-1"
    credentials: Credentials | None = None
    retry_mode: str = "standard"
    max_attempts: int = 3
    connect_timeout: float = 10.0
    read_timeout: float = 60.0

    @classmethod
    def from_settings(cls, settings: Settings) -> "Session":
        """Raises ConfigError for a value that does not parse (naming where it came from)."""
        pair = settings.credentials
        return cls(
            profile=settings.profile.value or "default",
            endpoint_url=settings.endpoint_url,
            region=settings.region,
            credentials=Credentials(*pair) if pair else None,
            retry_mode=settings.retry_mode,
            max_attempts=settings.max_attempts,
            connect_timeout=settings.connect_timeout,
            read_timeout=settings.read_timeout,
        )

    @classmethod
    def resolve(cls, profile: str | None = None,
                flags: Mapping[str, str | None] | None = None) -> "Session":
        """The session of a profile, with flags > environment > files > defaults."""
        return cls.from_settings(resolve(profile, flags))

    @property
    def embedded(self) -> bool:
        return self.endpoint_url is None

    @property
    def attempts(self) -> int:
        """How many times one call may be sent."""
        return self.max_attempts if self.retry_mode == "standard" else 1

    def with_credentials(self, credentials: Credentials) -> "Session":
        return dataclasses.replace(self, credentials=credentials)
