"""Who moves the warehouse along: a deployment's mode and the delays of `auto` mode.

* `manual`: operators move every physical step (inbound carrier states and receiving;
  picking, packing and shipping orders) with the operator service.
* `auto`: the simulation moves each step by itself once its delay has passed, so a merchant
  can test an integration end to end with nobody at the warehouse.

Planning an order (reserving its stock, applying its fulfillment policy) is the system's
work, not a person's: it happens in both modes, `plan` after the order is received, and a
FillAll order short of stock looks again every `replan`.

The steps are applied by the tick (`tick.py`) at their due time, which each row carries in
its indexed `due_at` column.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, fields, replace
from datetime import datetime, timedelta

MANUAL, AUTO = "manual", "auto"
WAREHOUSE_MODES = (MANUAL, AUTO)
_DURATION = re.compile(r"(\d+)([smh]?)")
_UNIT_SECONDS = {"": 1, "s": 1, "m": 60, "h": 3600}
# The longest delay: with the simulated time up to 1000 years ahead (clock.MAX_OFFSET), a
# step still falls due before year 9999, past which no time can be computed.
MAX_DELAY = timedelta(days=1000 * 365)


@dataclass(frozen=True)
class Delays:
    """How long each step waits. Defaults: an order ships about a minute after it is
    received; an inbound shipment is received about 90 seconds after it is marked Shipped.
    So `fws demo` on the embedded service completes well inside its 300-second timeout."""

    plan: timedelta = timedelta(0)                 # Received -> planned (both modes)
    replan: timedelta = timedelta(seconds=30)      # a FillAll order short of stock looks again
    pick: timedelta = timedelta(seconds=30)        # planned -> Processing, shipments Pending
    ship: timedelta = timedelta(seconds=30)        # Pending -> Shipped, with packages
    in_transit: timedelta = timedelta(seconds=15)  # inbound Shipped -> InTransit
    deliver: timedelta = timedelta(seconds=30)     # InTransit -> Delivered
    check_in: timedelta = timedelta(seconds=15)    # Delivered -> CheckedIn
    receive: timedelta = timedelta(seconds=30)     # CheckedIn or Receiving -> all received, Closed

    def __post_init__(self) -> None:
        # Every other step moves a row on; a look for stock that finds none does not, and
        # with no delay it would be due again at once: a tick would never end.
        if self.replan <= timedelta(0):
            raise ValueError(f"replan={self.replan.total_seconds():g}s: the replan delay must be at least 1s")

    @classmethod
    def parse(cls, text: str) -> "Delays":
        """`pick=30s,ship=2m,...`: the named delays changed, the others default."""
        names = {field.name for field in fields(cls)}
        changes: dict[str, timedelta] = {}
        for part in filter(None, (piece.strip() for piece in text.split(","))):
            name, _, value = part.partition("=")
            match = _DURATION.fullmatch(value.strip())
            if name.strip() not in names or match is None:
                raise ValueError(f"{part!r}: expected NAME=DURATION (e.g. ship=2m) with NAME one of "
                                 f"{', '.join(sorted(names))} and DURATION in s, m or h")
            seconds = int(match[1]) * _UNIT_SECONDS[match[2]]
            if seconds > MAX_DELAY.total_seconds():
                raise ValueError(f"{part!r}: a delay is at most {MAX_DELAY.days} days "
                                 f"({int(MAX_DELAY.total_seconds() // 3600)}h)")
            changes[name.strip()] = timedelta(seconds=seconds)
        return replace(cls(), **changes)


@dataclass(frozen=True)
class Simulation:
    mode: str = AUTO
    delays: Delays = Delays()

    def __post_init__(self) -> None:
        if self.mode not in WAREHOUSE_MODES:
            raise ValueError(f"warehouse mode {self.mode!r} is not one of {', '.join(WAREHOUSE_MODES)}")

    def system(self, step: str, at: datetime) -> datetime:
        """When a step the system always takes (planning) is due."""
        return at + getattr(self.delays, step)

    def physical(self, step: str, at: datetime) -> datetime | None:
        """When a step people take is due: after its delay in auto mode; never by itself
        in manual mode, where an operator takes it."""
        return at + getattr(self.delays, step) if self.mode == AUTO else None
