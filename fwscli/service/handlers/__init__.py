"""Handlers: one module per service, each a HANDLERS dict of operation name -> function.

A handler takes the warehouse Context and the decoded request dict (member names as keys,
typed values) and returns the result dict, or None for operations without a Result.

A service's module is imported when the first request for it comes: each loads its part of
the warehouse, and a command of the embedded service calls one service (all four modules
cost ~10 ms of an outbound listing's start-up, most of it spent on ones it never calls).
"""

from __future__ import annotations

from importlib import import_module
from typing import Any, Callable

from ...api import SERVICES_BY_NAME
from ...warehouse.context import Context

Handler = Callable[[Context, dict[str, Any]], "dict[str, Any] | None"]


def handlers_of(service: str) -> dict[str, Handler]:
    """Operation name -> handler, for a service of the API model (its name is its module's)."""
    if service not in SERVICES_BY_NAME:
        raise KeyError(service)
    return import_module(f"{__name__}.{service}").HANDLERS
