"""Output to a pipe whose reader has gone away (`fws ... | head`)."""

from __future__ import annotations

import os
from typing import IO


def discard_writes(stream: IO) -> None:
    """Send whatever is still written to `stream`, buffered or to come, nowhere: flushed
    into the closed pipe at exit it would fail again (BrokenPipeError, exit status 120)."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(devnull, stream.fileno())
    finally:
        os.close(devnull)
