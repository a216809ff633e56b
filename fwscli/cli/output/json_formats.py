"""`--output json` and `--output ndjson`: the API's field names and values, unchanged."""

from __future__ import annotations

from typing import Any, Callable, Iterable, Sequence, TextIO

from .base import Column, Renderer
from .jsontext import closing, compact, dumps, item_separator
from .query import Query

INDENT = 2


class JsonRenderer(Renderer):
    """One JSON document. A list streams as a pretty array, one row at a time, so memory
    stays flat however many rows there are; the text is what `json.dumps(rows, indent=2)`
    would write. Coloured (keys, strings, numbers) only when colour is on, which
    `use_color` allows only on a terminal unless `--color on`."""

    def __init__(self, stream: TextIO, columns: Sequence[Column] | None = None,
                 query: Query | None = None, color: bool = False) -> None:
        super().__init__(stream, columns, query, color)
        self._emit: Callable[[str], Any] = _highlighter(stream) if color else stream.write
        self._items_written: int | None = None  # None while no array is open

    def _rows(self, rows: Iterable[dict]) -> int:
        return self._items(rows)

    def _values(self, values: list) -> None:
        self._items(values)

    def _object(self, obj: dict) -> None:
        self._emit(dumps(obj, INDENT) + "\n")

    def _scalar(self, value: Any) -> None:
        self._emit(dumps(value, INDENT) + "\n")

    def _items(self, items: Iterable[Any]) -> int:
        if self._items_written is None:
            self._items_written = 0
        start = self._items_written
        for item in items:
            # "[" goes out with the first row: a listing that fails before any row leaves
            # stdout empty rather than holding half a document.
            opening = "[" if self._items_written == 0 else ""
            self._emit(opening + item_separator(self._items_written, INDENT, 0) + dumps(item, INDENT, 1))
            self._items_written += 1
        return self._items_written - start

    def _end_rows(self) -> None:
        if self._items_written is not None:
            self._emit((closing("]", INDENT, 0) if self._items_written else "[]") + "\n")
            self._items_written = None


class NdjsonRenderer(Renderer):
    """One compact JSON value per line. Each line is flushed as it is written, so a reader
    (`jq`, `tail -f`) sees a page's rows as soon as that page arrives, whether the rows come
    in one `write_rows` call or one per page. Never coloured: it is for programs."""

    def _rows(self, rows: Iterable[dict]) -> int:
        return self._lines(rows)

    def _values(self, values: list) -> None:
        self._lines(values)

    def _object(self, obj: dict) -> None:
        self._lines([obj])

    def _lines(self, items: Iterable[Any]) -> int:
        count = 0
        for item in items:
            self.stream.write(compact(item) + "\n")
            self.stream.flush()
            count += 1
        return count


def _highlighter(stream: TextIO) -> Callable[[str], None]:
    """A writer that colours JSON text with rich's JSON highlighter (terminal only)."""
    from rich.highlighter import JSONHighlighter
    from rich.text import Text

    from .terminal import console_for

    console = console_for(stream, color=True)
    highlight = JSONHighlighter()

    def write(text: str) -> None:
        console.print(highlight(Text(text)), end="", soft_wrap=True)

    return write
