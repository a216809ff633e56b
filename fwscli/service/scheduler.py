"""The server's scheduler: a daemon thread that ticks the warehouse every few seconds.

Requests tick too, but an idle service gets none; the scheduler keeps orders and shipments
moving (and their status times right) while nobody looks. Each server process runs one,
started after any fork (gunicorn workers start theirs when their app is built): database
engines and threads do not survive a fork. Several schedulers over one database are safe,
as the tick locks each row it moves.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..periodic import Periodic

if TYPE_CHECKING:
    from .app import FwsApp

DEFAULT_INTERVAL = 5.0  # seconds


class Scheduler(Periodic):
    def __init__(self, app: "FwsApp", interval: float = DEFAULT_INTERVAL):
        super().__init__(self._tick, interval, name="fws-warehouse-scheduler")
        self.app = app

    def _tick(self) -> None:
        from ..warehouse import tick  # here: importing the app (embedded too) needs no tick

        tick.catch_up(self.app.db, self.app.clock(), self.app.simulation)
