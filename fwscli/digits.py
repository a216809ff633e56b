"""Whole numbers written as ASCII digits: how every count on the wire, in a config file and
on the command line is written."""

from __future__ import annotations


def ascii_whole_number(text: str, *, max_digits: int = 18) -> int | None:
    """The value of `text` when it is ASCII digits alone, at most `max_digits` of them; else
    None. str.isdigit alone is true of '²', which int() refuses, and of '٣', which int()
    reads as 3; the length spares int() a string of thousands of digits, which it refuses."""
    if text.isascii() and text.isdigit() and len(text) <= max_digits:
        return int(text)
    return None
