"""Access keys as the service looks them up to verify each request, cached briefly.

Every request names a key; reading it from the database each time was two thirds of the
cost of a request that does nothing else (GetServiceStatus). A found key is kept for
`ttl` seconds in each server process, so a key revoked in the database stops working
within that time everywhere. Unknown keys are never cached: a merchant created a moment
ago (`fws server create-merchant`, the embedded service's provisioning) works at once.
"""

from __future__ import annotations

import time
from typing import Callable

from ..store.database import Database
from ..warehouse import accounts
from ..warehouse.context import Caller

KEY_CACHE_SECONDS = 5.0


class KeyCache:
    def __init__(self, db: Database, *, ttl: float = KEY_CACHE_SECONDS,
                 clock: Callable[[], float] = time.monotonic):
        self.db = db
        self.ttl = ttl
        self.clock = clock
        # access key id -> (secret, caller, when it expires); plain dict operations are
        # atomic, and two threads filling the same entry store the same value.
        self._found: dict[str, tuple[str, Caller, float]] = {}

    def find(self, access_key_id: str) -> tuple[str, Caller] | None:
        """The secret and caller of an active key, or None when unknown or revoked."""
        now = self.clock()
        cached = self._found.get(access_key_id)
        if cached is not None and cached[2] > now:
            return cached[0], cached[1]
        with self.db.read() as conn:
            key = accounts.find_key(conn, access_key_id)
        if key is None:
            self._found.pop(access_key_id, None)
            return None
        self._found[access_key_id] = (*key, now + self.ttl)
        return key
