"""The server's scheduler: a daemon thread that ticks the warehouse every few seconds.

Requests tick too, but an idle service gets none; the scheduler keeps orders and shipments
moving (and their status times right) while nobody looks. Each server process runs one,
started after any fork (gunicorn workers start theirs when their app is built): database
engines and threads do not survive a fork. Several schedulers over one database are safe,
as the tick locks each row it moves.
"""

from __future__ import annotations

import logging
import threading
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .app import FwsApp

log = logging.getLogger(__name__)

DEFAULT_INTERVAL = 5.0  # seconds


class Scheduler:
    def __init__(self, app: "FwsApp", interval: float = DEFAULT_INTERVAL):
        if interval <= 0:
            raise ValueError(f"the scheduler interval must be positive, not {interval}")
        self.app = app
        self.interval = interval
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="fws-warehouse-scheduler", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self, timeout: float | None = None) -> None:
        self._stop.set()
        self._thread.join(timeout)

    def _run(self) -> None:
        from ..warehouse import tick  # here: importing the app (embedded too) needs no tick

        while not self._stop.wait(self.interval):
            try:
                tick.catch_up(self.app.db, self.app.clock(), self.app.simulation)
            except Exception:  # a database outage must not end the thread: try again later
                log.exception("warehouse tick failed")
