"""The vocabulary of the API model: scalar types, structures, members, operations, services.

The model is data, in the manner of botocore's service JSON: an operation names its input
members and its result members; everything that reads or writes the wire (Query decoder and
encoder, XML writer and reader, validation, CLI help) walks these objects, so adding an
operation never touches that code.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Union

DEFAULT_MAX_LENGTH = 1000
# xs:int, the schemas' type of every quantity: a quantity the service computes (a sum of
# lines, a running total) must stay within it as well as every value a request sends.
INT_RANGE = (-(2**31), 2**31 - 1)


@dataclass(frozen=True)
class Scalar:
    """A simple XML type.

    kind: "string" | "int" | "boolean" | "datetime" | "decimal".
    datetime values accept every ISO-8601 form legacy clients send and are written as
    `YYYY-MM-DDTHH:MM:SSZ`. `lenient` datetimes that do not parse are dropped, not refused
    (real FWS ignored the Created* filters, and one client sends them malformed). `zoned`
    datetimes keep the UTC offset they were sent in and are written in it
    (`2026-11-27T12:00:00-08:00`; UTC still `Z`): a date the merchant gave to be shown as
    given, not a moment the service keeps.
    """

    kind: str
    enum: tuple[str, ...] | None = None
    min_value: int | None = None
    max_length: int = DEFAULT_MAX_LENGTH
    lenient: bool = False
    zoned: bool = False

    def with_(self, **changes) -> "Scalar":
        return Scalar(**{**self.__dict__, **changes})


@dataclass(frozen=True)
class Structure:
    """A complex type: members in schema order."""

    name: str
    members: tuple["Member", ...]

    def member(self, name: str) -> "Member":
        for member in self.members:
            if member.name == name:
                return member
        raise KeyError(name)


Shape = Union[Scalar, Structure]


@dataclass(frozen=True)
class Member:
    """One element of a structure, an operation's input or its result.

    `repeated` is maxOccurs="unbounded": the element repeats on the wire and the value is a
    Python list. `max_items` is the operation limit (250 / 2,000 / 50 SKUs). `clamp_items`
    means a larger request is reduced to that number instead of refused (page sizes).
    """

    name: str
    shape: Shape
    required: bool = False
    repeated: bool = False
    max_items: int | None = None
    doc: str = ""

    @property
    def is_structure(self) -> bool:
        return isinstance(self.shape, Structure)


@dataclass(frozen=True)
class PageSize:
    """The member that sets a list operation's page size, its default and its ceiling."""

    member: str
    default: int = 100
    maximum: int = 1000


@dataclass(frozen=True)
class Operation:
    """One API action. `result` is None for operations that answer only a RequestId."""

    name: str
    input: tuple[Member, ...]
    result: tuple[Member, ...] | None
    doc: str = ""
    aliases: tuple[str, ...] = ()
    page_size: PageSize | None = None
    # For a list operation: the operation that continues it with a NextToken; for a
    # ByNextToken operation: the list operation it continues.
    next_page: str | None = None
    continues: str | None = None
    # The repeated result member that holds the rows of a list operation, and the members
    # that tell one of its rows from the others (a resumed listing skips the rows it gave).
    result_key: str | None = None
    row_key: tuple[str, ...] = ()
    read_only: bool = False
    # False: done twice, it is done twice (it adds stock, makes a key...): the client does
    # not send it again once it may have reached the service (see client.py).
    idempotent: bool = True

    def input_member(self, name: str) -> Member:
        for member in self.input:
            if member.name == name:
                return member
        raise KeyError(name)

    @property
    def is_list(self) -> bool:
        return self.result_key is not None


@dataclass(frozen=True)
class Service:
    """One API: its wire identity, its operations, and the role of the keys that may call it
    ("merchant" for the FWS services, "operator" for the warehouse staff's own service)."""

    name: str
    version: str
    namespace: str
    host_prefix: str
    title: str
    operations: tuple[Operation, ...] = field(default_factory=tuple)
    caller_role: str = "merchant"

    def find(self, action: str) -> Operation | None:
        """The operation called `action` (or one of its aliases), else None."""
        for operation in self.operations:
            if action == operation.name or action in operation.aliases:
                return operation
        return None

    def operation(self, action: str) -> Operation:
        operation = self.find(action)
        if operation is None:
            raise KeyError(action)
        return operation


# --- building blocks -------------------------------------------------------------------

STRING = Scalar("string")
INT = Scalar("int")
BOOLEAN = Scalar("boolean")
DATETIME = Scalar("datetime")
ZONED_DATETIME = Scalar("datetime", zoned=True)
DECIMAL = Scalar("decimal")
QUANTITY = Scalar("int", min_value=1)
COUNT = Scalar("int", min_value=0)
TOKEN = Scalar("string", max_length=4096)


def enum(*values: str) -> Scalar:
    return Scalar("string", enum=tuple(values))


def text(max_length: int) -> Scalar:
    return Scalar("string", max_length=max_length)


def req(name: str, shape: Shape, doc: str = "") -> Member:
    return Member(name, shape, required=True, doc=doc)


def opt(name: str, shape: Shape, doc: str = "") -> Member:
    return Member(name, shape, doc=doc)


def many(name: str, shape: Shape, *, required: bool = False, max_items: int | None = None,
         doc: str = "") -> Member:
    return Member(name, shape, required=required, repeated=True, max_items=max_items, doc=doc)


SERVICE_STATUS = Operation(
    "GetServiceStatus", input=(), result=(req("Status", STRING),),
    doc="Whether the service is up: '<UTC time> service available [Version: <version>]'.",
    read_only=True,
)


def paged(name: str, *, input: tuple[Member, ...], rows: Member, row_key: tuple[str, ...],
          page_size: PageSize, doc: str) -> tuple[Operation, Operation]:
    """A list operation and its ByNextToken twin, which share their result shape. `row_key`:
    the members of a row that no other row of the list has."""
    assert isinstance(rows.shape, Structure) and all(rows.shape.member(name) for name in row_key)
    result = (req("NextToken", TOKEN), req("HasNext", BOOLEAN), rows)
    follow = f"{name}ByNextToken"
    first = Operation(name, input=input, result=result, doc=doc, page_size=page_size,
                      next_page=follow, result_key=rows.name, row_key=row_key, read_only=True)
    second = Operation(follow, input=(req("NextToken", TOKEN),), result=result,
                       doc=f"The next page of {name}.", continues=name,
                       result_key=rows.name, row_key=row_key, read_only=True)
    return first, second
