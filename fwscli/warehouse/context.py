"""What every warehouse call needs to know about the request it serves."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime

from ..store.database import Database
from .network import FulfillmentNetwork
from .paging import TokenCodec
from .simulation import Simulation


@dataclass(frozen=True)
class Caller:
    access_key_id: str
    role: str  # "merchant" | "operator"
    merchant_id: int | None


@dataclass(frozen=True)
class Context:
    db: Database
    caller: Caller
    now: datetime  # aware, UTC, simulated (real time + the simulation clock's offset)
    network: FulfillmentNetwork
    tokens: TokenCodec
    request_id: str
    simulation: Simulation = Simulation()
    # Steps were still due when the request's catch-up stopped at its share of a backlog
    # (service/app.py REQUEST_TICK_LIMIT): what reads or plans on stock applies the rest first.
    behind: bool = False

    @property
    def merchant_id(self) -> int:
        assert self.caller.merchant_id is not None, "merchant operation called without a merchant"
        return self.caller.merchant_id

    def acting_for(self, merchant_id: int) -> "Context":
        """This operator's context, working on one merchant's data."""
        return replace(self, caller=replace(self.caller, merchant_id=merchant_id))
