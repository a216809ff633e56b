"""Handlers: one module per service, each a HANDLERS dict of operation name -> function.

A handler takes the warehouse Context and the decoded request dict (member names as keys,
typed values) and returns the result dict, or None for operations without a Result.
"""

from __future__ import annotations

from typing import Any, Callable

from ...warehouse.context import Context
from . import inbound, inventory, operator, outbound

Handler = Callable[[Context, dict[str, Any]], "dict[str, Any] | None"]

HANDLERS: dict[str, dict[str, Handler]] = {
    "inbound": inbound.HANDLERS,
    "outbound": outbound.HANDLERS,
    "inventory": inventory.HANDLERS,
    "operator": operator.HANDLERS,
}
