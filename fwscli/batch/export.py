"""Orders in the form `fws outbound import` reads: the CreateFulfillmentOrder request that
would make each one, from its GetFulfillmentOrder answer.

`ListAllFulfillmentOrders` rows have no items, so every order is fetched; the requests go
out a few at a time and the orders come back in listing order, streamed. Members are kept
by the model: whatever the answer has that the request has not (status, dates, quantities
cancelled) is left out.
"""

from __future__ import annotations

from collections import deque
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any, Callable, Iterable, Iterator, Sequence, TypeVar

from ..api.shapes import Member, Structure
from .kinds import Kind

T = TypeVar("T")
R = TypeVar("R")
# The FNSKU of an item is fixed by its SKU, and honoured only when a Removal order names
# what to take back: elsewhere it is the warehouse's detail, not part of the order.
FNSKU_METHOD = "Removal"


def ordered_map(function: Callable[[T], R], items: Iterable[T], concurrency: int) -> Iterator[R]:
    """function(item) for each item, `concurrency` at a time, yielded in the items' order."""
    window: deque[Future] = deque()
    with ThreadPoolExecutor(concurrency, thread_name_prefix="fws-export") as pool:
        for item in items:
            window.append(pool.submit(function, item))
            if len(window) > concurrency:
                yield window.popleft().result()
        while window:
            yield window.popleft().result()


def order_request(detail: dict[str, Any], kind: Kind) -> dict[str, Any]:
    """The CreateFulfillmentOrder request for an order, from its GetFulfillmentOrder result."""
    from ..api import SERVICES_BY_NAME

    operation = SERVICES_BY_NAME[kind.service].operation(kind.action)
    line_member = operation.input_member(kind.lines_member or "")
    assert isinstance(line_member.shape, Structure)
    unit_members = [member for member in operation.input if member is not line_member]
    request = project(detail["FulfillmentOrder"], unit_members)
    items = [project(item, line_member.shape.members) for item in detail.get("FulfillmentOrderItem", ())]
    if request.get("FulfillmentMethod") != FNSKU_METHOD:
        for item in items:
            item.pop("FulfillmentNetworkSKU", None)
    request[line_member.name] = items
    return request


def order_lines(request: dict[str, Any], lines_member: str) -> Iterator[dict[str, Any]]:
    """One row per item of an order request: the order's members and `<lines_member>`
    holding the item, for columns such as `Item.Quantity`."""
    own = {name: value for name, value in request.items() if name != lines_member}
    for item in request[lines_member]:
        yield {**own, lines_member: item}


def project(value: dict[str, Any], members: Sequence[Member]) -> dict[str, Any]:
    """The members of `value` that `members` name, structures projected the same way."""
    projected: dict[str, Any] = {}
    for member in members:
        item = value.get(member.name)
        if item is None or item == []:
            continue
        if isinstance(member.shape, Structure):
            shape = member.shape
            item = [project(one, shape.members) for one in item] if member.repeated \
                else project(item, shape.members)
        projected[member.name] = item
    return projected
