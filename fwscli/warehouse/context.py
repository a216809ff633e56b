"""What every warehouse call needs to know about the request it serves."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from ..store.database import Database
from .network import FulfillmentNetwork
from .paging import TokenCodec


@dataclass(frozen=True)
class Caller:
    access_key_id: str
    role: str  # "merchant" | "operator"
    merchant_id: int | None


@dataclass(frozen=True)
class Context:
    db: Database
    caller: Caller
    now: datetime  # aware, UTC; injected so tests can drive the clock
    network: FulfillmentNetwork
    tokens: TokenCodec
    request_id: str

    @property
    def merchant_id(self) -> int:
        assert self.caller.merchant_id is not None, "merchant operation called without a merchant"
        return self.caller.merchant_id
