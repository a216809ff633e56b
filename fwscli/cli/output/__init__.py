"""Output of the `fws` CLI: one renderer per `--output` format, plus `--query`.

Formatting is separate from fetching (as in httpie's `output/`): a command hands its result
to a renderer — a stream of rows for list operations, one object otherwise — and the
renderer writes it to stdout. Nothing here writes to stderr.

This package must stay cheap to import (`fws --help` loads it): rich and jmespath are imported
only by the table renderer, by colour, and by `--query`.
"""

from __future__ import annotations

import os
from typing import Sequence, TextIO

from .base import Column, Renderer
from .delimited import CsvRenderer, TsvRenderer
from .json_formats import JsonRenderer, NdjsonRenderer
from .off import OffRenderer
from .query import Query, QueryError

__all__ = ["FORMATS", "COLOR_CHOICES", "Column", "Renderer", "QueryError", "default_format",
           "use_color", "make_renderer"]

FORMATS = ("table", "json", "ndjson", "csv", "tsv", "off")
COLOR_CHOICES = ("auto", "on", "off")

_STREAMING = {
    "json": JsonRenderer,
    "ndjson": NdjsonRenderer,
    "csv": CsvRenderer,
    "tsv": TsvRenderer,
    "off": OffRenderer,
}


def default_format(profile_output: str | None, stdout_is_tty: bool) -> str:
    """The profile's `output` if set; else `table` for a person at a terminal and `json`
    for a program reading a pipe."""
    if profile_output:
        _check_format(profile_output, "the profile's output")
        return profile_output
    return "table" if stdout_is_tty else "json"


def use_color(flag: str, stream: TextIO) -> bool:
    """Whether to colour output written to `stream`, for `--color auto|on|off`.

    `on` always colours: an explicit flag outranks the environment, as https://no-color.org
    asks. `auto` colours only a terminal, and not when NO_COLOR is set to anything non-empty
    or TERM is `dumb`.
    """
    if flag not in COLOR_CHOICES:
        raise ValueError(f"--color must be one of {', '.join(COLOR_CHOICES)}, not {flag!r}")
    if flag != "auto":
        return flag == "on"
    if os.environ.get("NO_COLOR") or os.environ.get("TERM") == "dumb":
        return False
    isatty = getattr(stream, "isatty", None)
    return bool(isatty and isatty())


def make_renderer(fmt: str, stream: TextIO, columns: Sequence[Column] | None = None,
                  query: str | None = None, color: bool = False) -> Renderer:
    """A renderer for format `fmt` writing to `stream`.

    `columns` choose and order the csv/tsv/table columns (ignored by json and ndjson, which
    keep every field). `query` is compiled here, so a bad expression fails with QueryError
    before any request is sent — even for `off`, which then ignores it. Only json and table
    output is ever coloured; ndjson, csv and tsv are data formats and never are.
    """
    _check_format(fmt, "--output")
    compiled = Query(query) if query is not None else None
    if fmt == "off":
        return OffRenderer(stream)
    if fmt == "table":
        from .table import TableRenderer  # rich is imported only when a table is drawn

        return TableRenderer(stream, columns, compiled, color)
    return _STREAMING[fmt](stream, columns, compiled, color)


def _check_format(fmt: str, source: str) -> None:
    if fmt not in FORMATS:
        raise ValueError(f"{source} must be one of {', '.join(FORMATS)}, not {fmt!r}")
