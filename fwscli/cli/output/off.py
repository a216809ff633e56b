"""`--output off`: nothing on stdout; the exit code says how it went."""

from __future__ import annotations

from typing import Iterable

from .base import Renderer


class OffRenderer(Renderer):
    def _rows(self, rows: Iterable[dict]) -> int:
        # Still drain the rows: the command's paging and batch work happen as they are read.
        return sum(1 for _ in rows)

    def _values(self, values: list) -> None:
        pass

    def _object(self, obj: dict) -> None:
        pass
