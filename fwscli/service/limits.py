"""Throttle limits and their defaults: per merchant, one bucket per operation class.

Operations the model marks `read_only` are "read", every other one is "write".

* read:  20 requests/s restored, bursts of 100
* write: 10 requests/s restored, bursts of 50

Generous next to what one merchant's integration needs (the real service allowed a couple
of writes a second), low enough that a runaway loop is slowed down instead of starving the
other merchants. `fws server start` sets them with --read-rate, --read-burst, --write-rate,
--write-burst (or FWS_THROTTLE_*). Kept free of heavy imports: `fws server start --help`
shows these numbers.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Mapping

READ, WRITE = "read", "write"


@dataclass(frozen=True)
class Limit:
    rate: float  # tokens restored per second
    burst: int   # tokens in a full bucket: requests that may arrive at once

    def __post_init__(self) -> None:
        if self.rate <= 0 or self.burst < 1:
            raise ValueError(f"a throttle needs a positive rate and a burst of at least 1, "
                             f"not rate {self.rate} and burst {self.burst}")

    @property
    def interval(self) -> float:
        return 1.0 / self.rate


DEFAULT_LIMITS: Mapping[str, Limit] = {READ: Limit(rate=20, burst=100),
                                       WRITE: Limit(rate=10, burst=50)}
