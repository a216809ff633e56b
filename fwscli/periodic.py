"""A daemon thread that runs a task every few seconds until stopped.

Server workers run two: the warehouse scheduler (service/scheduler.py) and SQLite's WAL
checkpoints (store/checkpoints.py). Start them after any fork: threads do not survive one.
"""

from __future__ import annotations

import logging
import threading
from typing import Callable

log = logging.getLogger(__name__)


class Periodic:
    def __init__(self, task: Callable[[], object], interval: float, *, name: str):
        if interval <= 0:
            raise ValueError(f"the {name} interval must be positive, not {interval}")
        self.task = task
        self.interval = interval
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name=name, daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self, timeout: float | None = None) -> None:
        self._stop.set()
        self._thread.join(timeout)

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            try:
                self.task()
            except Exception:  # a database outage or a full disk must not end the thread
                log.exception("%s failed; trying again in %s s", self._thread.name, self.interval)
