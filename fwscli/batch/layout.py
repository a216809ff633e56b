"""The columns of an import file, derived from an operation's input members.

A column is a member's dotted path: `DestinationAddress.City` for a member of a structure,
`Item.Quantity` for a member of the repeated structure whose items are the file's rows (the
Query API's un-indexed spelling of one item). A list of scalars (`NotificationEmailList`) is
one cell with its values separated by `;`, as `-o csv` writes lists. An empty cell is an
absent value, as an empty parameter is on the wire.

Values are checked by the wire codec's own `decode_scalar`, so a cell is refused for exactly
what the service would refuse it for.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable, Iterator, Mapping, Sequence, Union

from ..api.errors import InvalidParameterValue
from ..api.shapes import Member, Structure
from ..wire.query import check_item_count, decode_scalar

LIST_SEPARATOR = ";"  # fwscli.cli.output.cells joins lists of scalars with it
Value = Union[str, list]  # one cell's text, or the values of a list member
MISSING = "a value is required"


@dataclass(frozen=True)
class Problem:
    """Why a row cannot be sent: where it is (line, column), what is there (None: nothing)
    and why that is wrong."""

    line: int
    column: str
    value: str | None
    reason: str


@dataclass(frozen=True)
class Leaf:
    """A scalar member (possibly a list of scalars) and the column that holds it."""

    column: str
    path: tuple[str, ...]  # where the value goes in the request part
    member: Member
    # The innermost optional structure around it (a column prefix): the leaf is required
    # only when that structure is given at all. None: required whenever the member is.
    condition: str | None


class Part:
    """The leaves of one part of a request: a unit's own members, or those of one line."""

    def __init__(self, members: Sequence[Member], prefix: str = ""):
        self.prefix = prefix
        self.leaves = tuple(_leaves(members, prefix, (), None))
        self.columns = frozenset(leaf.column for leaf in self.leaves)
        conditions = {leaf.condition for leaf in self.leaves if leaf.condition}
        self._under = {condition: tuple(leaf.column for leaf in self.leaves
                                        if leaf.column.startswith(condition + "."))
                       for condition in conditions}

    def required_columns(self) -> list[str]:
        """Columns every row must have a value in."""
        return [leaf.column for leaf in self.leaves
                if leaf.member.required and leaf.condition is None]

    def decode(self, values: Mapping[str, Value], line: int, *,
               label: Callable[[str], str] = str,
               absent: frozenset[str] = frozenset()) -> tuple[dict[str, Any], list[Problem]]:
        """The part of the request the values make, typed by the model, and every problem.

        `label` names a column as the person wrote it (JSON lines number their items);
        `absent` are columns the file has no header for, already reported once.
        """
        decoded: dict[str, Any] = {}
        problems: list[Problem] = []
        given = {condition for condition, columns in self._under.items()
                 if any(values.get(column) for column in columns)}
        for leaf in self.leaves:
            raw = values.get(leaf.column)
            if not raw:
                if (leaf.member.required and leaf.column not in absent
                        and (leaf.condition is None or leaf.condition in given)):
                    problems.append(Problem(line, label(leaf.column), None, MISSING))
                continue
            try:
                value = _decode_leaf(leaf, raw)
            except InvalidParameterValue as error:
                problems.append(Problem(line, label(leaf.column), _text(raw), error.reason))
                continue
            _put(decoded, leaf.path, value)
        return decoded, problems


def _leaves(members: Sequence[Member], prefix: str, path: tuple[str, ...],
            condition: str | None) -> Iterator[Leaf]:
    for member in members:
        column = prefix + member.name
        if isinstance(member.shape, Structure):
            if member.repeated:
                raise ValueError(f"{column}: a list of structures cannot be columns")
            inner = condition if member.required else column
            yield from _leaves(member.shape.members, column + ".", path + (member.name,), inner)
        else:
            yield Leaf(column, path + (member.name,), member, condition)


def _decode_leaf(leaf: Leaf, raw: Value) -> Any:
    member, name = leaf.member, leaf.column
    if not member.repeated:
        if not isinstance(raw, str):
            raise InvalidParameterValue(name, _text(raw), "it must be a single value")
        return decode_scalar(member.shape, raw, name)
    items = split_list(raw) if isinstance(raw, str) else raw
    check_item_count(member, name, len(items))
    return [decode_scalar(member.shape, item, name) for item in items]


def split_list(cell: str) -> list[str]:
    """The values of a list member written in one cell."""
    return [piece.strip() for piece in cell.split(LIST_SEPARATOR) if piece.strip()]


def _put(target: dict[str, Any], path: tuple[str, ...], value: Any) -> None:
    for name in path[:-1]:
        target = target.setdefault(name, {})
    target[path[-1]] = value


def _text(raw: Value) -> str:
    return raw if isinstance(raw, str) else LIST_SEPARATOR.join(map(str, raw))


class Layout:
    """Every column an import accepts, and where each one goes.

    `unit` holds the members of a whole unit (an order, a shipment, an item); `line`, when the
    rows are the items of a repeated member (an order's `Item`), the members of one of them,
    as `Item.<member>` columns. A line column may also be written without its prefix
    (`Quantity` for `Item.Quantity`) where that name is not also a unit column. `ignored`
    are columns that listings write but a request has no member for (an item's FNSKU): they
    are read back without complaint and not sent. `required` are the columns a file must
    have (by default, those of the required members).
    """

    def __init__(self, unit: Part, line: Part | None = None, *,
                 ignored: frozenset[str] = frozenset(),
                 synonyms: Mapping[str, str] | None = None,
                 required: Sequence[str] | None = None):
        self.unit = unit
        self.line = line
        self.ignored = ignored
        if required is None:
            required = unit.required_columns() + (line.required_columns() if line else [])
        self.required = tuple(required)
        self.names: dict[str, str] = {column: column for column in unit.columns}
        if line is not None:
            for column in line.columns:
                self.names[column] = column
                self.names.setdefault(column[len(line.prefix):], column)
        for name, column in (synonyms or {}).items():
            self.names.setdefault(name, column)

    def column(self, name: str) -> str | None:
        """The column a header name means, "" for an ignored one, None for an unknown one."""
        found = self.names.get(name)
        if found is not None:
            return found
        return "" if name in self.ignored else None

    def unknown(self, name: str) -> str:
        """Why a name is no column, with the column it may mean: a spreadsheet's header
        (`merchant sku`) differs from a member's name in case, spaces or underscores."""
        folded = _folded(name)
        near = sorted(known for known in (*self.names, *self.ignored) if _folded(known) == folded)
        return f"unknown column (did you mean {' or '.join(near)}?)" if near else "unknown column"

    def is_line_column(self, column: str) -> bool:
        return self.line is not None and column in self.line.columns

    def columns(self) -> list[str]:
        """Every column in model order: the unit's, then a line's (what export writes)."""
        columns = [leaf.column for leaf in self.unit.leaves]
        if self.line is not None:
            columns += [leaf.column for leaf in self.line.leaves]
        return columns


def _folded(name: str) -> str:
    return "".join(name.replace("_", " ").split()).casefold()


def column_names(members: Sequence[Member], prefix: str = "") -> frozenset[str]:
    """The columns of members that are not all columns (results hold lists of structures,
    which have none)."""
    names: set[str] = set()
    for member in members:
        if isinstance(member.shape, Structure):
            if not member.repeated:
                names |= column_names(member.shape.members, f"{prefix}{member.name}.")
        else:
            names.add(prefix + member.name)
    return frozenset(names)
