"""The server's scheduler: a daemon thread that ticks the warehouse every few seconds.

Requests tick too, but an idle service gets none; the scheduler keeps orders and shipments
moving (and their status times right) while nobody looks. Each server process runs one,
started after any fork (gunicorn workers start theirs when their app is built): database
engines and threads do not survive a fork. Several schedulers over one database are safe,
as the tick locks each row it moves.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from ..periodic import Periodic

if TYPE_CHECKING:
    from .app import FwsApp

log = logging.getLogger(__name__)

DEFAULT_INTERVAL = 5.0  # seconds


class Scheduler(Periodic):
    def __init__(self, app: "FwsApp", interval: float = DEFAULT_INTERVAL):
        super().__init__(self._tick, interval, name="fws-warehouse-scheduler")
        self.app = app
        self._outage = False  # the database did not answer the last tick

    def _tick(self) -> None:
        from ..warehouse import tick  # here: importing the app (embedded too) needs no tick

        try:
            tick.catch_up(self.app.db, self.app.clock(), self.app.simulation)
        except Exception as failure:
            outage = self.app.db.outage(failure)
            if outage is None:
                raise  # logged with its traceback (Periodic)
            # An outage of PostgreSQL: said once, not with a traceback every few seconds.
            if not self._outage:
                log.warning("the warehouse scheduler cannot reach the database (%s); trying "
                            "again every %g s", outage, self.interval)
            self._outage = True
            return
        if self._outage:
            log.info("the warehouse scheduler reaches the database again")
            self._outage = False
