"""Statements on the service's hot paths, compiled once and run on the driver's cursor.

SQLAlchemy Core describes every statement; `Connection.execute` then spends ~45 µs per
statement around a driver call of ~3 µs (execution context, events, result metadata,
parameter processing rebuilt on each call), measured on SQLite here. A create runs
seven statements, a GetFulfillmentOrder four: that overhead was a quarter of each
request. `Prepared` keeps SQLAlchemy's compiler and its types' own bind and result
processors, and does once what `execute` does per call: the SQL text and parameter
order per dialect, the processors per column. It runs inside the transaction of the
SQLAlchemy connection it is given (the same driver connection), and raises
SQLAlchemy's exceptions (IntegrityError, OperationalError…), so callers cannot tell.

An IN list of literal values is written into the statement; an IN list the caller gives
(an expanding bindparam) is refused: build one statement per list length instead
(`in_([bindparam(...) for ...])`).

A statement may also be given as the function that builds it, called on first use: a
module's statements for writes (the ledger's, a dozen) are then not built by every command
that imports it to read.
"""

from __future__ import annotations

from collections import namedtuple
from dataclasses import dataclass
from functools import partial
from typing import Any, Callable, Iterator, Mapping, Sequence

from sqlalchemy import Connection, exc, literal, tuple_
from sqlalchemy.engine import Dialect
from sqlalchemy.sql import Executable, visitors
from sqlalchemy.sql.elements import BindParameter

Processor = Callable[[Any], Any] | None
_REQUIRED = object()  # a bind parameter the caller must give


@dataclass(frozen=True)
class _Compiled:
    """One statement for one dialect (and, for INSERTs, one set of columns)."""

    sql: str
    positional: bool
    binds: tuple[tuple[str, Any, Processor], ...]  # (name, default or _REQUIRED, processor)
    row_type: type | None  # a named tuple of the result's columns; None: no rows
    result_types: tuple[Any, ...]

    def parameters(self, given: Mapping[str, Any], process_values: bool = True) -> tuple | dict:
        values = []
        for name, default, process in self.binds:
            value = given.get(name, default)
            if value is _REQUIRED:
                raise exc.ArgumentError(f"missing a value for bind parameter {name!r}")
            if process_values and process is not None and value is not None:
                value = process(value)
            values.append(value)
        if self.positional:
            return tuple(values)
        return {name: value for (name, _, _), value in zip(self.binds, values)}


class Prepared:
    """A Core statement, compiled on first use for each dialect."""

    def __init__(self, statement: Executable | Callable[[], Executable]):
        self._given = statement
        self._statement: Executable | None = None
        self._compiled: dict[tuple, _Compiled] = {}
        self._converters: dict[tuple, tuple[tuple[int, Processor], ...]] = {}
        self._bind_processors: dict[str, dict[str, Processor]] = {}  # per dialect, by name
        # An INSERT's columns and an UPDATE's SET clause are the parameters given (None:
        # not known until the statement is made).
        self._is_dml: bool | None = None

    @property
    def statement(self) -> Executable:
        """The statement as it is compiled (fixed IN lists written out). Made on first use:
        every module builds its statements at import, and rewriting the thirty of them
        cost ~5 ms of every command's start-up, mostly for statements it never runs."""
        statement = self._statement
        if statement is None:  # threads that race here make equal statements
            given = self._given
            if not isinstance(given, Executable):
                given = given()  # the function that builds it
            statement = self._statement = visitors.replacement_traverse(given, {}, _fixed_list)
        return statement

    def bind(self, dialect: Dialect, parameters: Mapping[str, Any]) -> dict[str, Any]:
        """`parameters` as the driver takes them, each value through its type's processing
        (times as text on SQLite, JSON encoded...): work that can be done before the
        transaction, to run them with `execute(..., bound=True)`."""
        processors = self._bind_processors.get(dialect.name)
        if processors is None:
            processors = self._bind_processors[dialect.name] = _bind_processors(self.statement, dialect)
        bound = dict(parameters)
        for name, value in bound.items():
            process = processors.get(name)
            if process is not None and value is not None:
                bound[name] = process(value)
        return bound

    def execute(self, conn: Connection, parameters: Mapping[str, Any] | Sequence[Mapping[str, Any]] = {},
                *, bound: bool = False) -> Rows:
        """Run on `conn`'s transaction; a list (or tuple) of parameter sets runs as executemany.
        `bound`: the parameters come from `bind` (for this dialect), processed already."""
        many = isinstance(parameters, (list, tuple))  # not typing's Mapping: its check is slow
        first = parameters[0] if many else parameters
        dialect = conn.dialect
        is_dml = self._is_dml
        if is_dml is None:
            is_dml = self._is_dml = getattr(self.statement, "is_dml", False)
        key = (dialect.name, tuple(first) if is_dml else ())
        compiled = self._compiled.get(key)
        if compiled is None:
            compiled = self._compiled[key] = _compile(self.statement, dialect, list(first))
        process = not bound
        values = ([compiled.parameters(p, process) for p in parameters] if many
                  else compiled.parameters(first, process))
        cursor = conn.connection.driver_connection.cursor()
        try:
            if many:
                cursor.executemany(compiled.sql, values)
            else:
                cursor.execute(compiled.sql, values)
            if compiled.row_type is None:
                return Rows(cursor.rowcount, [])
            converters = self._converters.get(key)
            if converters is None:
                converters = self._converters[key] = _converters(compiled, dialect, cursor.description)
            return Rows(cursor.rowcount, _rows(cursor.fetchall(), compiled.row_type, converters))
        except dialect.loaded_dbapi.Error as error:
            raise exc.DBAPIError.instance(compiled.sql, first, error, dialect.loaded_dbapi.Error,
                                          dialect=dialect) from error
        finally:
            cursor.close()


class Rows:
    """A statement's rows, all fetched, with the Result methods the callers use."""

    __slots__ = ("rowcount", "_rows")

    def __init__(self, rowcount: int, rows: list):
        self.rowcount = rowcount
        self._rows = rows

    def __iter__(self) -> Iterator:
        return iter(self._rows)

    def all(self) -> list:
        return self._rows

    def first(self):
        return self._rows[0] if self._rows else None

    def one(self):
        if len(self._rows) != 1:
            raise exc.NoResultFound("no row") if not self._rows else exc.MultipleResultsFound("several rows")
        return self._rows[0]

    def scalar_one(self):
        return self.one()[0]

    def scalar_one_or_none(self):
        if not self._rows:
            return None
        return self.one()[0]


def _compile(statement: Executable, dialect: Dialect, column_keys: list[str]) -> _Compiled:
    compiled = statement.compile(dialect=dialect, column_keys=column_keys or None)
    if compiled.insert_prefetch or compiled.update_prefetch:
        raise exc.ArgumentError("Prepared statements take every column value from the caller "
                                f"(Python-side defaults of {compiled.insert_prefetch + compiled.update_prefetch})")
    names = (compiled.positiontup if compiled.positional
             else list(dict.fromkeys(compiled.bind_names.values())))
    binds = []
    for name in names:
        bind = compiled.binds[name]
        if bind.expanding:
            raise exc.ArgumentError(f"expanding parameter {name!r}: build one statement per list length")
        default = _REQUIRED if bind.required or name in column_keys else bind.effective_value
        binds.append((name, default, bind.type.dialect_impl(dialect).bind_processor(dialect)))
    columns = list(getattr(statement, "exported_columns", ()))  # a SELECT's or RETURNING's
    row_type = namedtuple("Row", [column.key for column in columns], rename=True) if columns else None
    return _Compiled(compiled.string, compiled.positional, tuple(binds), row_type,
                     tuple(column.type for column in columns))


def _bind_processors(statement: Executable, dialect: Dialect) -> dict[str, Processor]:
    """Each bind parameter's processor by name; an INSERT's or UPDATE's by column name (as
    compiled with no column keys: every column of the table; with values() set, as compiled
    with every column's key too, the parameters of those values besides)."""
    compilations = [statement.compile(dialect=dialect)]
    table = getattr(statement, "table", None)
    if getattr(statement, "_values", None):  # an INSERT or UPDATE with values() of its own
        compilations.append(statement.compile(dialect=dialect, column_keys=[column.key for column in table.c]))
    return {name: bind.type.dialect_impl(dialect).bind_processor(dialect)
            for compiled in compilations for name, bind in compiled.binds.items()}


def _fixed_list(element) -> Any:
    """`col.in_(("a", "b"))` as `col IN (?, ?)`: its values are known when it is built."""
    if isinstance(element, BindParameter) and element.expanding and element.value is not None:
        return tuple_(*[literal(value, element.type) for value in element.value])
    return None


def _converters(compiled: _Compiled, dialect: Dialect, description) -> tuple[tuple[int, Processor], ...]:
    """(column number, result processor) of the columns that have one (a listed order: 5
    of 13), so that a row visits only those."""
    # Processors may depend on the driver's type codes (PostgreSQL's numerics do): known
    # only once the statement has run.
    processors = (type_.dialect_impl(dialect).result_processor(dialect, column[1])
                  for type_, column in zip(compiled.result_types, description))
    return tuple((number, process) for number, process in enumerate(processors) if process is not None)


def _rows(fetched: list, row_type: type, converted: tuple[tuple[int, Processor], ...]) -> list:
    # The named tuple made in C: its _make is Python, and checks a length that a row of
    # the statement's own columns always has (650 instructions of a listed order's 25,000 here).
    make = partial(tuple.__new__, row_type)
    if not converted:
        return [make(row) for row in fetched]
    rows = []
    for row in fetched:
        values = list(row)
        for number, process in converted:
            value = values[number]
            if value is not None:
                values[number] = process(value)
        rows.append(make(values))
    return rows
