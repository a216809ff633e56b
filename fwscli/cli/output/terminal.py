"""The rich Console that tables and coloured JSON are drawn on (imported only by them)."""

from __future__ import annotations

from typing import TextIO

from rich.console import Console

# Off a terminal a table is as wide as its content, rather than squeezed into 80 columns.
WIDTH_OFF_TERMINAL = 10_000


class _Console(Console):
    def on_broken_pipe(self) -> None:
        # The reader (head, less) went away: rich would exit 1 ("some rows failed"); the
        # CLI ends it as it does for every format (cli/main.py).
        self.quiet = True
        raise BrokenPipeError


def console_for(stream: TextIO, color: bool) -> Console:
    isatty = getattr(stream, "isatty", None)
    on_terminal = bool(isatty and isatty())
    return _Console(
        file=stream,
        force_terminal=True if color else None,
        color_system="auto" if color else None,  # None: no escape codes at all
        # use_color() has already weighed NO_COLOR; rich would weigh it again and override
        # an explicit --color on.
        no_color=False,
        width=None if on_terminal else WIDTH_OFF_TERMINAL,
        # Cells are data: "[b]" and ":x:" must print as typed, numbers in the default style.
        markup=False,
        emoji=False,
        highlight=False,
    )
