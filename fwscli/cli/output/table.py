"""`--output table`: rich tables, for a person at a terminal.

A rich table measures every row before it draws, so it cannot stream. Rows are drawn as one
table per PAGE_ROWS rows, each with its header, and whatever is left at the end of each
`write_rows` call; memory stays bounded by a page. Without `columns`, the columns are the
first row's flattened keys (a --query result's: all its rows'), at most MAX_COLUMNS of
them: a table is an overview, and `-o json` or `-o csv` shows every field. Long values fold
onto more lines rather than being cut, so an ID can still be copied whole.
"""

from __future__ import annotations

from typing import Iterable, Sequence, TextIO

from rich import box
from rich.table import Table

from .base import Column, Renderer
from .cells import columns_of, columns_of_all, row_cells, split_paths, value_cells
from .query import Query
from .terminal import console_for

PAGE_ROWS = 500
MAX_COLUMNS = 8


class TableRenderer(Renderer):
    def __init__(self, stream: TextIO, columns: Sequence[Column] | None = None,
                 query: Query | None = None, color: bool = False) -> None:
        super().__init__(stream, columns, query, color)
        self._console = console_for(stream, color)
        self._headers: list[str] = []
        self._paths: list[list[str]] | None = None  # set by the first row drawn
        self._all_columns: list[Column] | None = None  # a --query result's, of all its rows

    def _rows(self, rows: Iterable[dict]) -> int:
        count = 0
        page: list[list[str]] = []
        source = iter(rows)
        while True:
            try:
                row = next(source)
            except StopIteration:
                break
            except Exception:
                # The listing failed part way (a later page refused): the rows read so far
                # are shown before the error, as the other formats have written them, and
                # as the error's --starting-token counts them.
                if page:
                    self._draw(page)
                raise
            if self._paths is None:
                self._use(self.columns or (self._all_columns or columns_of(row))[:MAX_COLUMNS])
            page.append(row_cells(row, self._paths))
            count += 1
            if len(page) == PAGE_ROWS:
                self._draw(page)
                page = []
        if page:
            self._draw(page)
        elif self._paths is None and self.columns:
            # An empty listing is its header alone, as in csv: at a terminal, nothing at all
            # looked like a command that had not finished (or had failed). Only once the rows
            # are all read: a listing refused before its first row draws nothing.
            self._use(self.columns)
            self._draw([])
        return count

    def _whole_rows(self, rows: list[dict]) -> None:
        self._all_columns = columns_of_all(rows)

    def _values(self, values: list) -> None:
        lines = [value_cells(value) for value in values]
        grid = Table.grid(padding=(0, 2))
        for _ in range(max(len(cells) for cells in lines)):
            grid.add_column(overflow="fold")
        for cells in lines:
            grid.add_row(*cells)
        self._console.print(grid)

    def _object(self, obj: dict) -> None:
        """Field and value, one pair per line: an object's fields do not fit across."""
        columns = self.columns or columns_of(obj)
        grid = Table.grid(padding=(0, 3))
        grid.add_column(style="bold")
        grid.add_column(overflow="fold")
        for column, cell in zip(columns, row_cells(obj, split_paths(columns))):
            grid.add_row(column.header, cell)
        self._console.print(grid)

    def _use(self, columns: Sequence[Column]) -> None:
        self._headers = [column.header for column in columns]
        self._paths = split_paths(columns)

    def _draw(self, page: list[list[str]]) -> None:
        # A rule under the header and no outer border: no blank or space-padded edge lines.
        table = Table(box=box.SIMPLE_HEAD, header_style="bold", show_edge=False,
                      pad_edge=False)
        for header in self._headers:
            table.add_column(header, overflow="fold")
        for cells in page:
            table.add_row(*cells)
        self._console.print(table)
