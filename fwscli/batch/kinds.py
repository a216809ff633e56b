"""The three imports: which operation a unit becomes, which member names a unit, and which
repeated member a file's rows are the items of. Columns, types, enums, limits and required
members all come from the API model (`layout.py`); the rules the model cannot say, from
`rules.py`.

  orders     CreateFulfillmentOrder, one per MerchantFulfillmentOrderId; rows are its `Item`s
  shipments  PutInboundShipment, one per ShipmentId; rows are its `MerchantSKUQuantityItem`s
  items      GetFulfillmentIdentifier (ForMSKU without an ASIN), a row per item, sent in
             requests of as many items as the operation takes
"""

from __future__ import annotations

import dataclasses
from abc import ABC, abstractmethod
from dataclasses import dataclass
from typing import Any, Callable, Iterable, Iterator, Mapping, Sequence

from ..api import SERVICES_BY_NAME
from ..api.errors import InvalidParameterValue
from ..api.shapes import Structure
from ..wire.query import decode_scalar
from . import rules
from .layout import MISSING, Layout, Part, Problem, Value, column_names

UnitRule = Callable[[dict[str, Any]], list[rules.Fault]]
LineRule = Callable[[dict[str, Any], dict[str, Any]], list[rules.Fault]]
SumRule = Callable[[dict[str, Any], int], list[rules.Fault]]  # (line, its SKU's units so far)
AddUnits = Callable[[str, int], int]  # (SKU, units) -> the unit's units of the SKU so far


@dataclass(frozen=True)
class StagedUnit:
    """A unit as validation kept it: its values, its lines' values, the file lines it is on."""

    key: str
    values: dict[str, Value]
    lines: list[dict[str, Value]]
    rows: list[int]


@dataclass(frozen=True)
class Batch:
    """One request to send, and the keys of the units it carries."""

    action: str
    request: dict[str, Any]
    keys: list[str]


class Kind(ABC):
    """What every import has: a service and operation, the member that names a unit, the
    columns, and the rules beyond the model for a unit's own members."""

    lines_member: str | None = None  # the repeated member a unit's rows are items of
    line_key: str | None = None      # the line column that must differ between a unit's rows
    max_lines: int | None = None

    def __init__(self, noun: str, service: str, action: str, key: str, layout: Layout,
                 unit_rule: UnitRule):
        self.noun = noun
        self.service = service
        self.action = action
        self.key = key
        self.layout = layout
        self._unit_rule = unit_rule
        self._key_leaf = next(leaf for leaf in layout.unit.leaves if leaf.column == key)

    def key_of(self, values: Mapping[str, Value], line: int) -> tuple[str | None, Problem | None]:
        """The unit's key from a row, or the problem that leaves the row without one."""
        raw = values.get(self.key)
        if not raw:
            return None, Problem(line, self.key, None, MISSING)
        if not isinstance(raw, str):
            return None, Problem(line, self.key, str(raw), "it must be a single value")
        try:
            decode_scalar(self._key_leaf.member.shape, raw, self.key)  # type: ignore[arg-type]
        except InvalidParameterValue as error:
            return None, Problem(line, self.key, raw, error.reason)
        return raw, None

    def check_unit(self, values: Mapping[str, Value], line: int,
                   absent: frozenset[str] = frozenset()) -> tuple[dict[str, Any], list[Problem]]:
        """The unit's own members typed, and every problem with them."""
        decoded, problems = self.layout.unit.decode(values, line, absent=absent)
        return decoded, problems + _faults(self._unit_rule(decoded), line, problems, str)

    def check_line(self, unit: dict[str, Any], values: Mapping[str, Value], line: int, *,
                   label: Callable[[str], str] = str,
                   absent: frozenset[str] = frozenset()) -> tuple[dict[str, Any], list[Problem]]:
        # Only kinds whose units span several rows (LinedKind) have lines to check.
        raise TypeError(f"{self.noun} rows have no lines")

    def check_sums(self, line_values: dict[str, Any], add_units: AddUnits, line: int, *,
                   label: Callable[[str], str] = str) -> list[Problem]:
        """A typed line's part in its unit's sums by SKU: the problems of the line that takes
        one past its limit. Nothing for a kind whose lines are not summed."""
        return []

    @abstractmethod
    def batches(self, units: Iterable[StagedUnit]) -> Iterator[Batch]:
        """The requests that make the units, in order."""


class LinedKind(Kind):
    """Units made of the file's rows (an order of its items), one request each."""

    def __init__(self, noun: str, service: str, action: str, key: str, lines: str,
                 line_key: str, *, listing: tuple[str, str], unit_rule: UnitRule,
                 line_rule: LineRule | None = None, sum_rule: SumRule | None = None):
        operation = SERVICES_BY_NAME[service].operation(action)
        line_member = operation.input_member(lines)
        assert isinstance(line_member.shape, Structure)
        unit = Part([member for member in operation.input if member.name != lines])
        line = Part(line_member.shape.members, lines + ".")
        layout = Layout(unit, line, ignored=_listing_only(service, listing, layout_columns(unit, line)))
        super().__init__(noun, service, action, key, layout, unit_rule)
        self.lines_member = lines
        self.line_key = f"{lines}.{line_key}"
        self.max_lines = line_member.max_items
        self._line = line
        self._line_rule = line_rule
        self._sum_rule = sum_rule

    def check_line(self, unit: dict[str, Any], values: Mapping[str, Value], line: int, *,
                   label: Callable[[str], str] = str,
                   absent: frozenset[str] = frozenset()) -> tuple[dict[str, Any], list[Problem]]:
        """One line's members typed, and every problem with them (given its unit's)."""
        decoded, problems = self._line.decode(values, line, label=label, absent=absent)
        if self._line_rule is not None:
            prefix = self._line.prefix
            problems += _faults(self._line_rule(unit, decoded), line, problems,
                                lambda path: label(prefix + path))
        return decoded, problems

    def check_sums(self, line_values: dict[str, Any], add_units: AddUnits, line: int, *,
                   label: Callable[[str], str] = str) -> list[Problem]:
        sku, quantity = line_values.get("MerchantSKU"), line_values.get("Quantity")
        if self._sum_rule is None or sku is None or quantity is None:  # absent: refused already
            return []
        prefix = self._line.prefix
        return _faults(self._sum_rule(line_values, add_units(sku, quantity)), line, [],
                       lambda path: label(prefix + path))

    def batches(self, units: Iterable[StagedUnit]) -> Iterator[Batch]:
        for unit in units:
            request, _ = self.layout.unit.decode(unit.values, 0)
            request[self.lines_member] = [self._line.decode(values, 0)[0] for values in unit.lines]
            yield Batch(self.action, request, [unit.key])


class ItemKind(Kind):
    """Items: each row is one item, its key the MerchantSKU. An item with an ASIN is
    registered with its condition; one without, by its SKU alone (as `fws items list` shows
    such items: no ASIN, condition Unknown). Items go as many to a request as it takes."""

    SKU_ONLY_ACTION = "GetFulfillmentIdentifierForMSKU"
    key = "MerchantSKU"

    def __init__(self, headers: Mapping[str, str]):
        model = SERVICES_BY_NAME["inbound"]
        operation = model.operation("GetFulfillmentIdentifier")
        self._items = operation.input_member("MerchantItem")
        assert isinstance(self._items.shape, Structure)
        unit = Part(self._items.shape.members)
        ignored = _listing_only("inbound", ("ListAllFulfillmentItems", "FulfillmentItem"), unit.columns)
        # A listing command's headers (`FNSKU` for FulfillmentNetworkSKU) name columns too.
        synonyms = {header: path for header, path in headers.items() if path in unit.columns}
        ignored |= {header for header, path in headers.items() if path in ignored}
        # Only the SKU: an item without ASIN and Condition is registered by its SKU alone.
        layout = Layout(unit, None, ignored=frozenset(ignored), synonyms=synonyms,
                        required=[self.key])
        super().__init__("item", "inbound", operation.name, self.key, layout,
                         rules.registered_item)
        skus = model.operation(self.SKU_ONLY_ACTION).input_member("MerchantSKU")
        self._skus = skus
        # The same rules for one SKU as for each of a list of them.
        self._sku_part = Part([dataclasses.replace(skus, repeated=False, max_items=None)])

    def check_unit(self, values: Mapping[str, Value], line: int,
                   absent: frozenset[str] = frozenset()) -> tuple[dict[str, Any], list[Problem]]:
        if values.get("ASIN"):
            return super().check_unit(values, line, absent)
        decoded, problems = self._sku_part.decode(values, line, absent=absent)
        condition = values.get("Condition")
        if condition and condition != "Unknown":
            problems.append(Problem(line, "Condition", str(condition),
                                    "an item without an ASIN is registered by its SKU alone: "
                                    "give its ASIN, or leave Condition empty"))
        return decoded, problems

    def batches(self, units: Iterable[StagedUnit]) -> Iterator[Batch]:
        registered: list[tuple[str, dict[str, Any]]] = []
        sku_only: list[str] = []
        for unit in units:
            if unit.values.get("ASIN"):
                registered.append((unit.key, self.layout.unit.decode(unit.values, 0)[0]))
                if len(registered) == self._items.max_items:
                    yield self._register(registered)
                    registered = []
            else:
                sku_only.append(unit.key)
                if len(sku_only) == self._skus.max_items:
                    yield Batch(self.SKU_ONLY_ACTION, {self._skus.name: sku_only}, sku_only)
                    sku_only = []
        if registered:
            yield self._register(registered)
        if sku_only:
            yield Batch(self.SKU_ONLY_ACTION, {self._skus.name: sku_only}, sku_only)

    def _register(self, items: list[tuple[str, dict[str, Any]]]) -> Batch:
        return Batch(self.action, {self._items.name: [item for _, item in items]},
                     [key for key, _ in items])


def layout_columns(unit: Part, line: Part) -> frozenset[str]:
    return unit.columns | line.columns | {column[len(line.prefix):] for column in line.columns}


def _faults(faults: Sequence[rules.Fault], line: int, problems: list[Problem],
            column: Callable[[str], str]) -> list[Problem]:
    """The rules' faults as problems, except where a value was already refused."""
    reported = {problem.column for problem in problems}
    return [Problem(line, column(path), None if value is None else str(value), reason)
            for path, value, reason in faults if column(path) not in reported]


def _listing_only(service: str, listing: tuple[str, str], columns: frozenset[str]) -> frozenset[str]:
    """Columns a listing's rows have that a request does not (statuses, dates, FNSKUs):
    read back from an exported file without complaint, and not sent."""
    operation = SERVICES_BY_NAME[service].operation(listing[0])
    row = next(member for member in operation.result or () if member.name == listing[1])
    assert isinstance(row.shape, Structure)
    return column_names(row.shape.members) - columns


def orders() -> Kind:
    return LinedKind("order", "outbound", "CreateFulfillmentOrder", "MerchantFulfillmentOrderId",
                     "Item", "MerchantFulfillmentOrderItemId",
                     listing=("ListAllFulfillmentOrders", "FulfillmentOrder"),
                     unit_rule=rules.order, line_rule=rules.order_item, sum_rule=rules.sku_units)


def shipments() -> Kind:
    return LinedKind("shipment", "inbound", "PutInboundShipment", "ShipmentId",
                     "MerchantSKUQuantityItem", "MerchantSKU",
                     listing=("ListInboundShipments", "ShipmentData"), unit_rule=rules.shipment)


def items(headers: Mapping[str, str] | None = None) -> Kind:
    """`headers`: the item listing's column headers and the members they show."""
    return ItemKind(headers or {})
