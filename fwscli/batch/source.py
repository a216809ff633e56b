"""Reading an import file (or stdin) into records: CSV or JSON lines, in any encoding.

A record is what one CSV row or one JSON line holds, split into the unit's own values and
the values of its lines (an order's items), keyed by column (`layout.py`). The bytes are
hashed as they are read: the hash names the file in the journal, whatever its name.

Text is UTF-8 by default, with or without a byte-order mark, or UTF-16 when it starts with
UTF-16's mark (Excel's "Unicode text"); `encoding` reads others (merchants' spreadsheets
write cp1252 and cp932). CSV cells are separated by commas, or by the semicolons or tabs
the header line is separated by (Excel writes `;` where the decimal mark is a comma).
"""

from __future__ import annotations

import codecs
import csv
import hashlib
import io
import itertools
import json
import re
import sys
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import IO, Any, Iterator

from .layout import Layout, Problem, Value, split_list

FORMATS = ("csv", "jsonl")
_JSON_SUFFIXES = {".jsonl", ".ndjson", ".json"}
_CSV_SUFFIXES = {".csv", ".txt"}
FILE_COLUMN = "-"  # the column of a problem that is about the whole line or file
_JSON_ARRAY = ("a JSON array: the file must be JSON lines, one object per line "
               "(jq -c '.[]' writes an array's objects so)")
DELIMITERS = (",", ";", "\t")  # the first is the default
_UTF16_MARKS = (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)
# Bytes that are not text in the encoding are read as these (surrogateescape), so the line
# and cell they are in can be named, wherever in the file they are.
_UNDECODED = re.compile("[\udc80-\udcff]")


class SourceError(Exception):
    """The input cannot be opened, or its format or encoding is unknown."""


@dataclass
class Record:
    line: int
    unit: dict[str, Value]
    lines: list[dict[str, Value]]  # one per line of the unit: a CSV row has one
    whole: bool  # a JSON line is a whole unit; CSV rows of one unit may be many
    problems: list[Problem] = field(default_factory=list)
    # Bytes that are not text in the encoding: a problem of the file, never skipped.
    unreadable: bool = False
    unparsed: bool = False  # not a record at all (not a JSON object): nothing else to check


class _Hashing(io.RawIOBase):
    """A binary stream that hashes the bytes read through it."""

    def __init__(self, raw: IO[bytes]):
        self.raw = raw
        self.sha256 = hashlib.sha256()

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        data = self.raw.read(len(buffer))
        self.sha256.update(data)
        buffer[:len(data)] = data
        return len(data)


class Source:
    """The input as text, with its format chosen and its content hashed as it is read."""

    def __init__(self, path: str, encoding: str | None = None, fmt: str | None = None):
        self.name = "<stdin>" if path == "-" else path
        try:
            raw = sys.stdin.buffer if path == "-" else Path(path).expanduser().open("rb")
        except OSError as error:
            raise SourceError(f"cannot read {path}: {error.strerror}") from None
        self._hashing = _Hashing(raw)
        self._buffer = io.BufferedReader(self._hashing)
        kind = _not_text(self._buffer.peek(8)[:8])
        if kind is not None:
            self.close()
            raise SourceError(kind)
        self.encoding = _text_encoding(encoding, self._buffer)
        self.format = fmt or _format_of(path, self._buffer, self.encoding)
        if self.format not in FORMATS:
            raise SourceError(f"unknown format {self.format!r}: one of {', '.join(FORMATS)}")
        # newline="": the csv module reads the line ends itself (quoted cells may hold them).
        try:
            self.text = io.TextIOWrapper(self._buffer, encoding=self.encoding, newline="",
                                         errors="surrogateescape")
        except LookupError as error:  # a codec, but not of text in bytes: 'hex', 'rot13'
            raise SourceError(f"unknown encoding {encoding!r}: {str(error).split(';')[0]}") from None

    @property
    def encoding_name(self) -> str:
        """The encoding as a person names it (the BOM-skipping codec is UTF-8's)."""
        return "utf-8" if self.encoding == "utf-8-sig" else self.encoding

    def digest(self) -> str:
        """The SHA-256 of every byte read so far (the whole input, once it is read)."""
        return self._hashing.sha256.hexdigest()

    def close(self) -> None:
        if self._hashing.raw is not sys.stdin.buffer:
            self._hashing.raw.close()


# Files that are not text at all, by their first bytes: said as such rather than as text in
# another encoding (a merchant passing the workbook instead of its CSV export).
_MAGIC = (
    (b"PK\x03\x04", "a spreadsheet workbook or zip archive (.xlsx, .ods, .zip), not text: save "
                     "the sheet as CSV (UTF-8) and import that"),
    (b"\xd0\xcf\x11\xe0", "an Excel 97-2003 workbook (.xls), not text: save the sheet as CSV "
                           "(UTF-8) and import that"),
    (b"\x1f\x8b", "gzip-compressed: decompress it (gunzip -c FILE | fws ... import -)"),
    (b"%PDF", "a PDF document, not text"),
)


def _not_text(start: bytes) -> str | None:
    return next((what for magic, what in _MAGIC if start.startswith(magic)), None)


def _text_encoding(encoding: str | None, buffer: io.BufferedReader) -> str:
    if encoding is None and buffer.peek(2)[:2] in _UTF16_MARKS:
        return "utf-16"  # Excel's "Unicode text": its mark says so, and it is never UTF-8
    try:
        name = codecs.lookup(encoding or "utf-8").name
    except LookupError:
        raise SourceError(f"unknown encoding {encoding!r}") from None
    # A UTF-8 byte-order mark (Excel writes one) is not part of the first column's name.
    return "utf-8-sig" if name == "utf-8" else name


def _format_of(path: str, buffer: io.BufferedReader, encoding: str) -> str:
    suffix = Path(path).suffix.lower() if path != "-" else ""
    if suffix in _JSON_SUFFIXES:
        return "jsonl"
    if suffix in _CSV_SUFFIXES:
        return "csv"
    # stdin or an unknown extension: a JSON line starts with "{", a CSV header never does.
    try:
        start = buffer.peek(64)[:64].decode(encoding, "ignore")
    except LookupError:  # not a text codec: said when the text is opened
        return "csv"
    start = start.lstrip("\ufeff \t\r\n")
    # Nothing at all (a nightly export with nothing in it) is no JSON line: nothing to import.
    return "jsonl" if not start or start.startswith("{") else "csv"


def _delimiter(header: str) -> str:
    """What separates the cells: of commas, semicolons and tabs, the one the header line
    has most of (column names hold none of them)."""
    return max(DELIMITERS, key=header.count)


class CsvReader:
    """Records from CSV with a header of column names.

    `problems` holds what is wrong with the file rather than a row — unknown or repeated
    columns, required columns missing, text that cannot be decoded: a file with any cannot
    be imported, whatever rows are skipped. Columns in `absent` are not reported again on
    every row.
    """

    def __init__(self, source: Source, layout: Layout):
        self.source = source
        self.layout = layout
        self.problems: list[Problem] = []
        self._columns: list[str] = []
        self.absent: frozenset[str] = frozenset()
        header = self._read_header()
        if header is not None:
            self._columns = self._header_columns(header)
            self._header = _header_cells(header)

    def _read_header(self) -> list[str] | None:
        try:
            first = self.source.text.readline()
            # The header line alone says what separates the cells: it is read again as CSV.
            self._reader = csv.reader(itertools.chain([first], self.source.text),
                                      delimiter=_delimiter(first), strict=True)
            header = next(self._reader, None) if first else None
        except (UnicodeError, csv.Error) as error:  # UnicodeError: also UTF-16 without a BOM
            self.problems.append(_unreadable(1, error, self.source))
            return None
        if header is None:
            self.problems.append(Problem(1, FILE_COLUMN, None, "the file is empty: its first "
                                                               "line must name the columns"))
            return None
        if not any(cell.strip() for cell in header):  # else every column is "missing"
            self.problems.append(Problem(1, FILE_COLUMN, None, "the first line is blank: it "
                                                               "must name the columns"))
            return None
        undecoded = _undecoded(1, header, [FILE_COLUMN] * len(header), self.source)
        if undecoded is not None:
            self.problems.append(undecoded)
            return None
        return header

    def _header_columns(self, header: list[str]) -> list[str]:
        columns: list[str] = []
        seen: dict[str, tuple[str, int]] = {}  # column: its name in the header, its position
        for position, name in enumerate(_header_cells(header), start=1):
            column = self.layout.column(name)
            if not name:  # a trailing comma, often: say which, as an empty name cannot
                self.problems.append(Problem(1, FILE_COLUMN, None, f"column {position} has no name"))
            elif column is None:
                self.problems.append(Problem(1, name, None, self.layout.unknown(name)))
            elif column and column in seen:
                first, at = seen[column]
                also = f"also column {at}" if first == name else f"also as {first}, column {at}"
                self.problems.append(Problem(1, name, None, f"the column is given twice ({also})"))
                column = ""
            elif column:
                seen[column] = (name, position)
            columns.append(column or "")
        self.absent = frozenset(column for column in self.layout.required if column not in seen)
        self.problems += [Problem(1, column, None, "a required column is missing")
                          for column in sorted(self.absent)]
        return columns

    def __iter__(self) -> Iterator[Record]:
        if not self._columns:
            return
        columns, layout = self._columns, self.layout
        repeated = {leaf.column for part in (layout.unit, layout.line) if part
                    for leaf in part.leaves if leaf.member.repeated}
        last = self._reader.line_num
        while True:
            try:
                row = next(self._reader, None)
            except UnicodeError as error:  # UTF-16 without a BOM: nothing after it is text
                self.problems.append(_unreadable(last + 1, error, self.source))
                return
            except csv.Error as error:
                # One malformed row (a stray quote): the reader goes on at the next line, so
                # the rows after it are still checked and each has its results line.
                self.problems.append(_unreadable(last + 1, error, self.source))
                last = self._reader.line_num
                continue
            if row is None:
                return
            line, last = last + 1, self._reader.line_num
            undecoded = _undecoded(line, row, columns, self.source)
            if undecoded is not None:
                # Named here, once per row; its cells go on with U+FFFD for the bytes, so the
                # row keeps its unit and every later row is still read and checked.
                row = [_UNDECODED.sub("\ufffd", cell) for cell in row]
            if not any(cell.strip() for cell in row):
                continue  # blank lines are not rows
            record = Record(line, {}, [{}] if layout.line is not None else [], False)
            if row[0].strip().lstrip("\ufeff") == self._header[0] and _header_cells(row) == self._header:
                # Not a row of values: said once, alone.
                record.problems.append(Problem(line, FILE_COLUMN, None, "the header line again "
                                                                        "(two files joined into one?)"))
                record.unparsed = True
                yield record
                continue
            if undecoded is not None:
                record.problems.append(undecoded)
                record.unreadable = True
            if len(row) != len(columns):
                record.problems.append(Problem(line, FILE_COLUMN, None,
                                               f"the row has {len(row)} cells; the header has {len(columns)}"))
            for column, cell in zip(columns, row):
                if not column or not cell:
                    continue
                value: Value = split_list(cell) if column in repeated else cell
                target = record.lines[0] if layout.is_line_column(column) else record.unit
                target[column] = value
            yield record


class JsonLinesReader:
    """Records from JSON lines: one object per line, the request's members by name (an
    order with its `Item` list), or for items one item. `problems` as for CsvReader."""

    def __init__(self, source: Source, layout: Layout, lines_member: str | None):
        self.source = source
        self.layout = layout
        self.lines_member = lines_member
        self.problems: list[Problem] = []
        self.absent: frozenset[str] = frozenset()

    def __iter__(self) -> Iterator[Record]:
        number, started = 0, False
        try:
            for number, text in enumerate(self.source.text, start=1):
                undecoded = _undecoded(number, [text], [FILE_COLUMN], self.source)
                if undecoded is not None:  # as in a CSV row
                    record = self._record(number, _UNDECODED.sub("\ufffd", text))
                    record.problems.insert(0, undecoded)
                    record.unreadable = True
                    yield record
                elif text.strip():
                    if text.lstrip().startswith("[") and not started:
                        self.problems.append(Problem(number, FILE_COLUMN, _excerpt(text), _JSON_ARRAY))
                        return
                    started = True
                    yield self._record(number, text)
        except UnicodeError as error:
            self.problems.append(_unreadable(number + 1, error, self.source))

    def _record(self, number: int, text: str) -> Record:
        record = Record(number, {}, [], True)
        try:
            # Without its line end: an object left open is then said to end at its last column.
            obj = json.loads(text.rstrip("\r\n"), parse_float=Decimal)
        except json.JSONDecodeError as error:
            record.problems.append(Problem(number, FILE_COLUMN, _excerpt(text),
                                           f"not valid JSON ({error.msg} at column {error.colno})"))
            record.unparsed = True
            return record
        if not isinstance(obj, dict):
            record.problems.append(Problem(number, FILE_COLUMN, _excerpt(text), "not a JSON object"))
            record.unparsed = True
            return record
        lines = obj.pop(self.lines_member, None) if self.lines_member else None
        self._flatten(obj, "", record.unit, record)
        if lines is not None:
            if not isinstance(lines, list):
                lines = [lines]
            for index, item in enumerate(lines, start=1):
                values: dict[str, Value] = {}
                if isinstance(item, dict):
                    self._flatten(item, f"{self.lines_member}.", values, record, index)
                else:
                    record.problems.append(Problem(number, f"{self.lines_member}.{index}",
                                                   _excerpt(json.dumps(item, default=str)),
                                                   "not a JSON object"))
                record.lines.append(values)
        return record

    def _flatten(self, obj: dict, prefix: str, out: dict[str, Value], record: Record,
                 index: int | None = None) -> None:
        for key, value in obj.items():
            name = prefix + str(key)
            if isinstance(value, dict):
                self._flatten(value, name + ".", out, record, index)
                continue
            column = self.layout.column(name)
            if column is None:
                label = name if index is None else numbered(name, index)
                # A structure's name with a value that is not an object is no typo.
                structure = any(known.startswith(name + ".") for known in self.layout.names)
                reason = "expected a JSON object" if structure else \
                    self.layout.unknown(name).replace("column", "member")
                record.problems.append(Problem(record.line, label, None, reason))
            elif column and value is not None:
                out[column] = [_scalar(item) for item in value] if isinstance(value, list) \
                    else _scalar(value)


def numbered(column: str, index: int) -> str:
    """`Item.Quantity` of the index-th item, as the API numbers it: `Item.3.Quantity`."""
    head, _, rest = column.partition(".")
    return f"{head}.{index}.{rest}"


def _scalar(value: Any) -> str:
    """A JSON value as the text the wire would carry (what the service validates)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return value
    return json.dumps(value, default=str) if isinstance(value, (dict, list)) else str(value)


def _header_cells(row: list[str]) -> list[str]:
    """A header's names, without the byte-order mark that an encoding named without one
    (utf-16le, cp1252 of a UTF-8 file's copy) or a second export joined on keeps."""
    return [cell.strip().lstrip("\ufeff") for cell in row]


def _undecoded(line: int, cells: list[str], columns: list[str], source: Source) -> Problem | None:
    """The first cell holding bytes that are not text in the file's encoding, as a problem
    naming its line, its column and the byte."""
    for cell, column in itertools.zip_longest(cells, columns[:len(cells)], fillvalue=FILE_COLUMN):
        found = None if cell.isascii() else _UNDECODED.search(cell)
        if found is not None:
            byte = ord(found.group()) - 0xDC00
            return Problem(line, column or FILE_COLUMN, _excerpt(_UNDECODED.sub("\ufffd", cell)),
                           f"byte 0x{byte:02X} is not {source.encoding_name} text "
                           f"(use --encoding, e.g. cp1252 or cp932)")
    return None


def _unreadable(line: int, error: Exception, source: Source) -> Problem:
    if isinstance(error, UnicodeError):
        return Problem(line, FILE_COLUMN, None, f"the text is not {source.encoding_name} "
                                                f"(use --encoding, e.g. cp1252 or cp932)")
    return Problem(line, FILE_COLUMN, None, f"not readable as CSV: {_csv_reason(str(error))}")


def _csv_reason(message: str) -> str:
    """The csv module's complaint in the terms of a spreadsheet's cells."""
    if message == "unexpected end of data":
        return "a quoted cell of this row is never closed (its closing \" is missing)"
    if "expected after '\"'" in message:
        return "text follows a quoted cell's closing \" (a \" inside a quoted cell is written \"\")"
    if message.startswith("field larger than field limit"):
        # No member is nearly that long: most often a quote opened and never closed.
        return (f"a cell is longer than {csv.field_size_limit()} characters (is a quoted cell "
                f"that starts on this line never closed?)")
    return message


def _excerpt(text: str, limit: int = 60) -> str:
    text = text.strip()
    return text if len(text) <= limit else text[:limit - 3] + "..."
