"""The validation pass: every row checked before anything is sent.

A row is checked against the model and the service's rules (`kinds.py`), and against the
rows before it (`staging.py`): the rows of one unit must agree on the unit's own members, a
line id may appear once per unit, a unit may have no more lines than its operation takes,
and a unit given whole (a JSON line, an item) may appear once. Problems are handed to
`report` as they are found, record by record, so nothing accumulates.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Iterable, Protocol

from .kinds import Kind
from .layout import MISSING, Problem
from .source import Record, numbered
from .staging import Seen, Staging, dumps, fingerprint

Report = Callable[[int, "str | None", list[Problem]], None]  # (line, unit key, problems)


class Reader(Protocol):
    problems: list[Problem]
    absent: frozenset[str]

    def __iter__(self) -> Iterable[Record]: ...


@dataclass
class Tally:
    rows: int = 0           # records read: CSV rows or JSON lines
    invalid_rows: int = 0
    file_problems: int = 0  # problems with the file itself (its header, its encoding): nothing may be sent


def validate(reader: Reader, kind: Kind, staging: Staging, report: Report, *,
             keep_values: bool = True) -> Tally:
    """Check every record of `reader`, keeping the valid rows in `staging` (their values
    too when `keep_values`, for sending)."""
    tally = Tally()
    if reader.problems:  # the header
        report(1, None, list(reader.problems))
        tally.file_problems += len(reader.problems)
    checked = len(reader.problems)
    check = _Checker(kind, staging, reader.absent, keep_values)
    for record in reader:
        checked = _unreadable_rows(reader, checked, report, tally)  # in the order of the file
        tally.rows += 1
        tally.file_problems += record.unreadable
        key, problems = check(record)
        if problems:
            tally.invalid_rows += 1
            report(record.line, key, problems)
    _unreadable_rows(reader, checked, report, tally)
    return tally


def _unreadable_rows(reader: Reader, checked: int, report: Report, tally: Tally) -> int:
    """Report the rows the reader could not decode or parse since the first `checked` of
    its problems, each on its own line; how many it has now."""
    for problem in reader.problems[checked:]:
        report(problem.line, None, [problem])
        tally.file_problems += 1
        tally.rows += 1
        tally.invalid_rows += 1
    return len(reader.problems)


class _Checker:
    def __init__(self, kind: Kind, staging: Staging, absent: frozenset[str], keep_values: bool):
        self.kind = kind
        self.staging = staging
        self.absent = absent
        self.keep_values = keep_values
        # The last unit's own members, typed: the next row is most often of the same unit.
        self._last: tuple[bytes, dict] = (b"", {})

    def __call__(self, record: Record) -> tuple[str | None, list[Problem]]:
        kind, staging, line = self.kind, self.staging, record.line
        problems = list(record.problems)
        if record.unparsed:  # no members to check: "a value is required" would be noise
            return None, problems
        key, key_problem = kind.key_of(record.unit, line)
        key_reported = key_problem is not None and kind.key not in self.absent
        if key_reported:
            problems.append(key_problem)
        whole = record.whole or kind.layout.line is None
        seen = staging.seen(key) if key is not None else None
        if key is not None and seen is not None and (whole or seen.whole):
            # Two whole units by one key: neither can be told to be the right one.
            staging.mark_bad(key, line)
            return key, problems + [Problem(line, kind.key, key, f"the {kind.noun} is already "
                                                                 f"on line {seen.first_line}")]
        own_text = dumps(record.unit)
        own_print = fingerprint(own_text)
        if seen is None:
            own, own_problems = kind.check_unit(record.unit, line, self.absent)
            # The key is one of the unit's members: what is wrong with it is said once.
            problems += [problem for problem in own_problems
                         if not (key_reported and problem.column == kind.key)]
        else:
            # Its own members were checked on the unit's first row; here they must equal them.
            if own_print != seen.fingerprint:
                problems += _disagreements(record, seen, kind.noun)
            own = self._last[1] if self._last[0] == own_print else \
                kind.layout.unit.decode(record.unit, line)[0]
        self._last = (own_print, own)
        typed_lines: list[dict] = []
        if kind.layout.line is not None:
            line_problems, typed_lines = _check_lines(record, kind, own, self.absent)
            problems += line_problems
        if key is None:
            return None, problems
        if seen is None:
            staging.add_unit(key, line, own_text, own_print, whole=whole, bad=bool(problems))
        problems += _stage_lines(record, kind, staging, key, seen, self.keep_values, typed_lines,
                                 bad=bool(problems))
        if problems:
            staging.mark_bad(key, line)
        return key, problems


def _disagreements(record: Record, seen: Seen, noun: str) -> list[Problem]:
    """Where a row of a unit differs from the unit's first row in the unit's own members."""
    return [Problem(record.line, column, _text(record.unit.get(column)),
                    f"differs from line {seen.first_line} of the same {noun} "
                    f"({_text(seen.own.get(column)) or 'empty'})")
            for column in sorted(set(record.unit) | set(seen.own))
            if record.unit.get(column) != seen.own.get(column)]


def _check_lines(record: Record, kind: Kind, own: dict,
                 absent: frozenset[str]) -> tuple[list[Problem], list[dict]]:
    """Every problem of the record's lines, and the lines typed (without refused values)."""
    problems: list[Problem] = []
    typed: list[dict] = []
    if not record.lines:
        return [Problem(record.line, kind.lines_member or "", None, MISSING)], typed
    for position, values in enumerate(record.lines, start=1):
        decoded, line_problems = kind.check_line(own, values, record.line, label=_label(record, position),
                                                 absent=absent)
        problems += line_problems
        typed.append(decoded)
    return problems, typed


def _label(record: Record, position: int) -> Callable[[str], str]:
    """How a line's columns are named: numbered within a whole record (`Item.2.Quantity`)."""
    return (lambda column: numbered(column, position)) if record.whole else str


def _stage_lines(record: Record, kind: Kind, staging: Staging, key: str, seen: Seen | None,
                 keep_values: bool, typed_lines: list[dict], *, bad: bool) -> list[Problem]:
    """Add the record's lines to its unit: problems for repeated line ids, too many lines
    and the units of a SKU adding up past their limit (`typed_lines`: the lines typed)."""
    problems: list[Problem] = []
    count = seen.lines if seen is not None else 0
    for position, values in enumerate(record.lines, start=1):
        line_id = values.get(kind.line_key or "")
        line_id = _text(line_id) if line_id else None
        earlier = staging.add_line(key, record.line, position, line_id,
                                   values if keep_values else None, bad=bad)
        column = kind.line_key or ""
        if record.whole:
            column = numbered(column, position)
        if earlier is not None:
            where = "this line" if earlier == record.line else f"line {earlier}"
            problems.append(Problem(record.line, column, line_id,
                                    f"the {kind.noun} {key} already has it (on {where})"))
            continue
        count += 1
        if kind.max_lines is not None and count == kind.max_lines + 1:
            problems.append(Problem(record.line, kind.lines_member or "", None,
                                    f"the {kind.noun} {key} has more than {kind.max_lines} lines"))
        if position <= len(typed_lines):
            problems += kind.check_sums(typed_lines[position - 1],
                                        lambda sku, units: staging.add_units(key, sku, units),
                                        record.line, label=_label(record, position))
    return problems


def _text(value: object) -> str | None:
    if value is None or isinstance(value, str):
        return value
    return ";".join(map(str, value))  # type: ignore[call-overload]
