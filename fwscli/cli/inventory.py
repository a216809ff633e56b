"""`fws inventory …`: the supply of merchant SKUs (in stock and inbound), now or changed
since a moment."""

# No `from __future__ import annotations`: Typer would compile each string annotation on
# every start, building this group's commands three times slower.

import re
from datetime import datetime, timedelta, timezone
from typing import List, Optional

import typer

from . import common
from .items import chunks
from .output import Column

app = typer.Typer(help="Inventory supply by merchant SKU: in stock and inbound.",
                  no_args_is_help=True)

COLUMNS = [Column("MerchantSKU", "MerchantSKU"), Column("FNSKU", "FulfillmentNetworkSKU"),
           Column("Condition", "Condition"), Column("InStock", "InStockSupplyQuantity"),
           Column("Total", "TotalSupplyQuantity"),
           Column("Available", "EarliestAvailability.TimepointType")]
DETAILED_COLUMNS = COLUMNS + [Column("Details", "SupplyDetail")]
# The epoch: with no --since, every SKU whose supply was ever recorded is listed.
DEFAULT_SINCE = "1970-01-01T00:00:00Z"
_AGE = re.compile(r"(\d+)([mhdw])")
_AGE_UNITS = {"m": "minutes", "h": "hours", "d": "days", "w": "weeks"}

DETAILED = typer.Option(False, "--detailed",
                        help="Add the supply details (InStock and Inbound, with pick times).")


def response_group(detailed: bool) -> str | None:
    return "Detailed" if detailed else None


@app.command()
def get(
    ctx: typer.Context,
    skus: List[str] = typer.Argument(..., metavar="SKU...", help="Merchant SKUs."),
    detailed: bool = DETAILED,
) -> None:
    """The current supply of these SKUs (asked 50 at a time, the API's limit).

    A SKU that was never registered is answered with zeros and named on stderr."""
    from ..api.inventory import INVENTORY

    g = common.globals_of(ctx)
    limit = INVENTORY.operation("GetInventorySupply").input_member("MerchantSKU").max_items
    batches = [{"MerchantSKU": batch, "ResponseGroup": response_group(detailed)}
               for batch in chunks(list(dict.fromkeys(skus)), limit)]
    for request in batches:  # every SKU checked before the first request goes out
        common.validate_request("inventory", "GetInventorySupply", request,
                                hints={"MerchantSKU": "SKU"})
    unregistered: list[str] = []

    def supplies():
        for request in batches:
            for row in g.call("inventory", "GetInventorySupply", request)["MerchantSKUSupply"]:
                if not row.get("FulfillmentNetworkSKU"):
                    unregistered.append(row["MerchantSKU"])
                yield row

    g.show_rows(supplies(), DETAILED_COLUMNS if detailed else COLUMNS)
    if unregistered:
        common.note(f"not registered (no supply): {common.named(unregistered)}")


@app.command("list")
def list_supply(
    ctx: typer.Context,
    since: str = typer.Option(DEFAULT_SINCE, "--since", metavar="ISO8601|AGE",
                              help="Only SKUs whose supply changed at or after this moment: "
                                   "an ISO 8601 date-time, or an age such as 30m, 12h, 7d, 2w. "
                                   "Default: the epoch, i.e. every SKU with recorded supply."),
    detailed: bool = DETAILED,
    max_items: Optional[int] = common.MAX_ITEMS,
    starting_token: Optional[str] = common.STARTING_TOKEN,
    page_size: Optional[int] = common.PAGE_SIZE,
    no_paginate: bool = common.NO_PAGINATE,
) -> None:
    """SKUs whose supply changed since a moment (ListUpdatedInventorySupply), streamed page
    by page."""
    request = {"QueryStartDateTime": parse_since(since), "ResponseGroup": response_group(detailed)}
    common.list_rows(common.globals_of(ctx), "inventory", "ListUpdatedInventorySupply", request,
                     max_items=max_items, starting_token=starting_token, page_size=page_size,
                     no_paginate=no_paginate, columns=DETAILED_COLUMNS if detailed else COLUMNS)


def parse_since(value: str, now: datetime | None = None) -> datetime:
    """An ISO 8601 date-time, or an age before `now` (`7d`), as an aware UTC datetime."""
    from ..wire.timestamps import parse_timestamp

    age = _AGE.fullmatch(value.strip())
    if age is not None:
        amount, unit = age.groups()
        try:
            return (now or datetime.now(timezone.utc)) - timedelta(**{_AGE_UNITS[unit]: int(amount)})
        except OverflowError:  # an age is the right shape, just too long: say so
            raise common.bad_parameter("--since", value, "the age reaches back before year 1") from None
    try:
        return parse_timestamp(value)
    except ValueError:
        raise common.bad_parameter("--since", value, "expected an ISO 8601 date-time such as "
                                   "2026-11-27T20:30:00Z, or an age such as 30m, 12h, 7d, 2w") from None
