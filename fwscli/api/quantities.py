"""The rule a request's quantities must meet that the model's xs:int cannot say, stated once.

Every quantity is an xs:int, and so is every stock the ledger keeps. The lines of one SKU in
a request draw on that SKU together (an order's lines on its stock, a shipment's lines into
it), so they may add up to no more than an xs:int either: an order of more units than any
stock can hold would wait or fail forever, and past PostgreSQL's integer the service failed
with a 500. The service (warehouse.orders, warehouse.inbound) and the importer before it
sends (batch.rules) ask here and report the line whose quantity goes past the limit.
"""

from __future__ import annotations

from .shapes import INT_RANGE

MAX_SKU_UNITS = INT_RANGE[1]


def sku_total_problem(sku: str, total: int) -> str | None:
    """Why the SKU's units in a request's lines so far, `total`, are too many; or None."""
    if total > MAX_SKU_UNITS:
        return f"the quantities of SKU {sku} add up to more than {MAX_SKU_UNITS}"
    return None
