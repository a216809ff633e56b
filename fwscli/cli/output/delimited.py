"""`--output csv` and `--output tsv`: one line per row, for spreadsheets and `cut`/`awk`.

The header is fixed before the first row is written: by `columns` if given; else, for a
--query result (held whole), by the flattened keys of all its rows; else by the first row's
flattened keys in its order. A key that first appears in a later streamed row is dropped
(its cell has no column), and a missing one is an empty cell, so every line matches the
header. Nested values follow `cells` (dotted columns, `;`-joined lists, JSON for lists of
structures). A list that is not rows (from --query) is written one item per line, with no
header; a lone value is one line.
"""

from __future__ import annotations

import csv
from typing import Iterable, Sequence, TextIO

from .base import Column, Renderer
from .cells import columns_of, columns_of_all, row_cells, split_paths, value_cells
from .query import Query


class CsvRenderer(Renderer):
    """RFC 4180 quoting by the csv module, with `\\n` line ends for Unix pipelines."""

    def __init__(self, stream: TextIO, columns: Sequence[Column] | None = None,
                 query: Query | None = None, color: bool = False) -> None:
        super().__init__(stream, columns, query, color)
        self._writer = csv.writer(stream, lineterminator="\n")
        self._paths: list[list[str]] | None = None  # set once the header is written

    def _rows(self, rows: Iterable[dict]) -> int:
        count = 0
        for row in rows:
            if self._paths is None:
                self._start(self.columns or columns_of(row))
            self._write(row_cells(row, self._paths))
            count += 1
        # Known columns: a header even when there are no rows — but only once the rows are
        # all read, so that a listing refused before its first row leaves stdout empty
        # rather than looking like an empty listing.
        if self._paths is None and self.columns:
            self._start(self.columns)
        return count

    def _values(self, values: list) -> None:
        for value in values:
            self._write(value_cells(value))

    def _whole_rows(self, rows: list[dict]) -> None:
        self.columns = columns_of_all(rows)

    def _object(self, obj: dict) -> None:
        self._rows([obj])

    def _start(self, columns: Sequence[Column]) -> None:
        self._paths = split_paths(columns)
        self._write([column.header for column in columns])

    def _write(self, cells: list[str]) -> None:
        self._writer.writerow(cells)


_TSV_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})


class TsvRenderer(CsvRenderer):
    """Tab-separated, never quoted: a tab, newline, carriage return or backslash in a cell
    is written `\\t`, `\\n`, `\\r`, `\\\\` (as PostgreSQL's text format and `mysql --batch`
    do), so one row is always one line and `cut -f` works. The csv module is not used here:
    once those characters are escaped there is nothing left for it to quote, and it refuses
    a line of one empty cell."""

    def _write(self, cells: list[str]) -> None:
        self.stream.write("\t".join(cell.translate(_TSV_ESCAPES) for cell in cells) + "\n")
