"""An import stopped from outside: Ctrl-C (SIGINT) or SIGTERM (a service manager, `kill`,
a CI job's timeout). Both interrupt it the same way, as an exception in the main thread, so
that it still records what was in flight and writes a results line for every row before it
exits; SIGTERM's default would end the process on the spot, results half-written.

Signals reach the main thread only, and only it may set handlers: elsewhere these sections
run as they are.
"""

from __future__ import annotations

import signal
import threading
from contextlib import contextmanager
from typing import Iterator

STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM)


class Terminated(BaseException):
    """SIGTERM arrived: as KeyboardInterrupt for SIGINT, a BaseException so that no
    `except Exception` takes it for a failure of its own."""


def _raise_terminated(signum: int, _frame: object) -> None:
    raise Terminated()


@contextmanager
def sigterm_interrupts() -> Iterator[None]:
    """Within the block, SIGTERM raises Terminated in the main thread."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.signal(signal.SIGTERM, _raise_terminated)
    if previous == signal.SIG_IGN:  # started with SIGTERM ignored (nohup-like): it stays so
        signal.signal(signal.SIGTERM, previous)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


@contextmanager
def interrupts_deferred() -> Iterator[None]:
    """Run the block whole: a SIGINT or SIGTERM arriving meanwhile is acted on when it ends."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    received: list[int] = []
    previous = {signum: signal.signal(signum, lambda signum, _frame: received.append(signum))
                for signum in STOP_SIGNALS}
    try:
        yield
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)
        if received:
            signum = received[0]
            handler = previous[signum]
            if callable(handler):
                handler(signum, None)
            elif handler == signal.SIG_IGN:
                pass
            elif signum == signal.SIGINT:
                raise KeyboardInterrupt
            else:
                signal.raise_signal(signum)  # SIGTERM's own default: the process ends
