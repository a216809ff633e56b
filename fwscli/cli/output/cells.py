"""How a nested API value becomes the cells of one line, for csv, tsv and table output.

Structures flatten to dotted columns (`DestinationAddress.City`). A list of scalars is one
cell, its items joined with `;`. What cannot flatten — a list of structures, such as an
order's items — is one cell of compact JSON: no data is lost and a row stays one line.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any, Sequence

from .base import Column
from .jsontext import dumps, iso

LIST_SEPARATOR = ";"


def columns_of(row: dict) -> list[Column]:
    """One column per flattened key of `row`, in the row's order."""
    return [Column(key, key) for key in flat_keys(row)]


def columns_of_all(rows: Sequence[dict]) -> list[Column]:
    """One column per flattened key of any of `rows`: the first row's in its order, and a
    key only a later row has just after the key it follows in that row (an AddressLine2
    next to its AddressLine1), so that no field of any row is left without a column."""
    keys: list[str] = []
    known: set[str] = set()
    for row in rows:
        previous = None
        for key in flat_keys(row):
            if key not in known:
                keys.insert(0 if previous is None else keys.index(previous) + 1, key)
                known.add(key)
            previous = key
    return [Column(key, key) for key in keys]


def flat_keys(row: dict, prefix: str = "") -> list[str]:
    keys: list[str] = []
    for key, value in row.items():
        if isinstance(value, dict) and value:
            keys.extend(flat_keys(value, f"{prefix}{key}."))
        else:
            keys.append(prefix + key)
    return keys


def split_paths(columns: Sequence[Column]) -> list[list[str]]:
    """Each column's path as its parts, split once rather than once per row."""
    return [column.path.split(".") for column in columns]


def row_cells(row: dict, paths: Sequence[Sequence[str]]) -> list[str]:
    return [cell_text(resolve(row, parts)) for parts in paths]


def resolve(row: dict, parts: Sequence[str]) -> Any:
    """The value at a dotted path, or None where the path is missing."""
    value: Any = row
    for part in parts:
        if not isinstance(value, dict):
            return None
        value = value.get(part)
    return value


def cell_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"  # as the API and JSON write them
    if isinstance(value, (int, Decimal, float)):
        return str(value)
    if isinstance(value, date):
        return iso(value)
    if isinstance(value, list) and not any(isinstance(item, (dict, list)) for item in value):
        return LIST_SEPARATOR.join(cell_text(item) for item in value)
    return dumps(value)


def value_cells(value: Any) -> list[str]:
    """An item of a list that is not rows (a --query result): a list spreads over cells."""
    if isinstance(value, list):
        return [cell_text(item) for item in value]
    return [cell_text(value)]
