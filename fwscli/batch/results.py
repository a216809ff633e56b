"""The per-row results file (`--results FILE`, `-` for stdout): CSV, one line per row of
the input, written as outcomes arrive.

  Row        the row's line in the input
  <key>      the unit it belongs to (MerchantFulfillmentOrderId, ShipmentId, MerchantSKU)
  Outcome    ok (the service confirmed it now), done-before (confirmed by an earlier run of
             the same file: not sent again), failed (the service refused it; run again
             after fixing the cause), invalid (refused before sending, or not sent because
             another row of its unit was), not-sent (valid, but never sent: the import
             was refused for other rows, --validate-only, or the run stopped before it),
             unconfirmed (sent, but the answer was lost when the run stopped: the service
             may or may not have it; sending it again is safe, creates are idempotent)
  RequestId  of the answer that confirmed or refused it
  Error      why it failed, is invalid or was not sent
"""

from __future__ import annotations

import csv
import sys
from typing import TextIO

from ..pipes import discard_writes

OK, DONE_BEFORE, FAILED, INVALID, NOT_SENT = "ok", "done-before", "failed", "invalid", "not-sent"
UNCONFIRMED = "unconfirmed"
OUTCOMES = (OK, DONE_BEFORE, FAILED, INVALID, NOT_SENT, UNCONFIRMED)


class Results:
    """Counts outcomes, and writes them to `path` when one is given."""

    def __init__(self, path: str | None, key_column: str):
        self.counts = dict.fromkeys(OUTCOMES, 0)
        self._stream: TextIO | None = None
        self._writer = None
        if path is not None:
            self._stream = sys.stdout if path == "-" else open(path, "w", newline="", encoding="utf-8")
            self._writer = csv.writer(self._stream, lineterminator="\n")
            self._writer.writerow(["Row", key_column, "Outcome", "RequestId", "Error"])

    def add(self, rows: list[int], key: str | None, outcome: str, request_id: str | None = None,
            error: str | None = None) -> None:
        self.counts[outcome] += len(rows)
        if self._writer is not None:
            try:
                for row in rows:
                    self._writer.writerow([row, key or "", outcome, request_id or "", error or ""])
            except BrokenPipeError:
                self._reader_gone()

    def close(self) -> None:
        if self._stream is not None:
            try:
                self._stream.flush()
            except BrokenPipeError:
                self._reader_gone()
            if self._stream is not sys.stdout:
                self._stream.close()

    def _reader_gone(self) -> None:
        """The reader of `--results -` (head) went away. The import is not its to stop: it
        goes on, its outcomes counted but no longer written; what is buffered goes nowhere
        (flushed at exit, it would fail again)."""
        self._writer = None
        discard_writes(self._stream)  # type: ignore[arg-type]
