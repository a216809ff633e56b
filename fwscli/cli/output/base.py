"""The renderer contract shared by every format.

A list result may arrive in pieces: `write_rows` can be called once per page, and all calls
together form one list (one JSON array, one CSV header). When `write_rows` returns, the rows
it was given are on the stream (flushed); `close` ends the output (the JSON array's `]`).
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass
from typing import Any, Iterable, Sequence, TextIO

from .query import Query


@dataclass(frozen=True)
class Column:
    """A csv/tsv/table column: its header and a dotted path into a row, such as
    `DestinationAddress.City`."""

    header: str
    path: str


class Renderer(ABC):
    def __init__(self, stream: TextIO, columns: Sequence[Column] | None = None,
                 query: Query | None = None, color: bool = False) -> None:
        self.stream = stream
        self.columns = list(columns) if columns else None
        self.color = color
        self._query = query
        # --query sees the whole list (AWS CLI semantics), so rows are kept until close().
        self._pending: list[dict] | None = None

    def write_rows(self, rows: Iterable[dict]) -> int:
        """Writes a list result, or a part of one; returns how many rows it consumed.

        Streams without holding the rows in memory — except with --query, which needs the
        whole list and renders it at close()."""
        if self._query is not None:
            if self._pending is None:
                self._pending = []
            before = len(self._pending)
            self._pending.extend(rows)
            return len(self._pending) - before
        count = self._rows(rows)
        self.stream.flush()
        return count

    def write_object(self, obj: dict | list) -> None:
        """Writes a single result (a get, a create's answer)."""
        if self._query is not None:
            self._render_query(obj, [obj] if isinstance(obj, dict) else obj)
        else:
            self._render(obj)
        self.stream.flush()

    def close(self) -> None:
        if self._query is not None and self._pending is not None:
            rows, self._pending = self._pending, None
            self._render_query(rows, rows)
        self._end_rows()
        self.stream.flush()

    def _render_query(self, value: Any, queried: list) -> None:
        """Writes the --query result of `value`, whose objects are `queried`. The command's
        columns name fields of those objects: a result with fields of other names (a
        projection such as `[].{sku: MerchantSKU}`) has its own columns, or its cells would
        be empty under the command's headers."""
        result = self._query.search(value)
        if self.columns and not _fields_of(result, queried):
            self.columns = None
        if self.columns is None and _is_rows(result):
            self._whole_rows(result)
        self._render(result)

    def _render(self, value: Any) -> None:
        """Writes a whole value, by its shape: a query result may be anything."""
        if isinstance(value, list) and all(isinstance(item, dict) for item in value):
            self._rows(value)
        elif isinstance(value, list):
            self._values(value)
        elif isinstance(value, dict):
            self._object(value)
        else:
            self._scalar(value)

    @abstractmethod
    def _rows(self, rows: Iterable[dict]) -> int:
        """Writes rows (dicts) as they come; returns how many."""

    @abstractmethod
    def _values(self, values: list) -> None:
        """Writes a list that is not a list of rows: scalars, lists, or a mix."""

    @abstractmethod
    def _object(self, obj: dict) -> None:
        """Writes one object."""

    def _scalar(self, value: Any) -> None:
        self._values([value])

    def _end_rows(self) -> None:
        """Ends a list written by `_rows` (for formats that have an end)."""

    def _whole_rows(self, rows: list[dict]) -> None:
        """Told, before they are written, the rows of a --query result: the whole list, for
        formats whose columns otherwise come from the first row alone."""


def _is_rows(value: Any) -> bool:
    return isinstance(value, list) and bool(value) and all(isinstance(item, dict) for item in value)


def _fields_of(result: Any, queried: list) -> bool:
    """Whether the objects of a query's result have only fields the queried objects have
    (a filter, a sort, a slice, one of them)."""
    objects = result if isinstance(result, list) else [result]
    known = {key for item in queried if isinstance(item, dict) for key in item}
    return all(item.keys() <= known for item in objects if isinstance(item, dict))
