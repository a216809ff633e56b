"""`fws items …`: register merchant SKUs for fulfillment (FNSKUs) and look them up."""

from __future__ import annotations

from typing import List, Optional

import typer

from . import common
from .output import Column

app = typer.Typer(help="Register items (merchant SKU -> FNSKU) and look them up.",
                  no_args_is_help=True)

COLUMNS = [Column("MerchantSKU", "MerchantSKU"), Column("FNSKU", "FulfillmentNetworkSKU"),
           Column("ASIN", "ASIN"), Column("Condition", "Condition"), Column("Active", "IsActive")]
REGISTER_CHUNK = 250   # GetFulfillmentIdentifier(ForMSKU) takes at most 250 items
LOOKUP_CHUNK = 2000    # GetFulfillmentItemByMSKU/ByFNSKU take at most 2,000


def chunks(values: list, size: int):
    for start in range(0, len(values), size):
        yield values[start:start + size]


@app.command()
def register(
    ctx: typer.Context,
    skus: List[str] = typer.Argument(..., metavar="SKU[=ASIN]...",
                                     help="Merchant SKUs; with =ASIN the item is registered with "
                                          "its ASIN and --condition."),
    condition: str = typer.Option("NewItem", "--condition", help="Item condition for SKU=ASIN items."),
    dry_run: bool = common.DRY_RUN,
) -> None:
    """Get (creating if needed) the FNSKU of each SKU. Safe to repeat."""
    g = common.globals_of(ctx)
    with_asin, plain = [], []
    for value in skus:
        sku, sep, asin = value.partition("=")
        if not sku or (sep and not asin):
            raise common.bad_parameter("SKU", value, "expected SKU or SKU=ASIN")
        (with_asin if sep else plain).append((sku, asin))

    def registered():
        for batch in chunks(with_asin, REGISTER_CHUNK):
            request = {"MerchantItem": [{"ASIN": asin, "Condition": condition, "MerchantSKU": sku}
                                        for sku, asin in batch]}
            result = common.send(g, "inbound", "GetFulfillmentIdentifier", request, dry_run=dry_run)
            yield from (result or {}).get("FulfillmentItem", [])
        for batch in chunks(plain, REGISTER_CHUNK):
            request = {"MerchantSKU": [sku for sku, _ in batch]}
            result = common.send(g, "inbound", "GetFulfillmentIdentifierForMSKU", request, dry_run=dry_run)
            yield from (result or {}).get("FulfillmentItem", [])

    if dry_run:
        list(registered())
    else:
        g.show_rows(registered(), COLUMNS)


@app.command("list")
def list_items(
    ctx: typer.Context,
    include_inactive: bool = typer.Option(False, "--include-inactive", help="Also items that cannot be fulfilled."),
    max_items: Optional[int] = common.MAX_ITEMS,
    starting_token: Optional[str] = common.STARTING_TOKEN,
    page_size: Optional[int] = common.PAGE_SIZE,
    no_paginate: bool = common.NO_PAGINATE,
) -> None:
    """Every registered item, streamed page by page."""
    common.list_rows(common.globals_of(ctx), "inbound", "ListAllFulfillmentItems",
                     {"IncludeInactive": include_inactive}, max_items=max_items,
                     starting_token=starting_token, page_size=page_size,
                     no_paginate=no_paginate, columns=COLUMNS)


@app.command()
def get(
    ctx: typer.Context,
    skus: List[str] = typer.Argument(None, metavar="[SKU]...", help="Merchant SKUs to look up."),
    fnskus: List[str] = typer.Option(None, "--fnsku", help="Look up by FNSKU instead (repeatable)."),
) -> None:
    """Registered items by merchant SKU or FNSKU; unknown ones are left out."""
    g = common.globals_of(ctx)
    if bool(skus) == bool(fnskus):
        raise common.CliError("give merchant SKUs or --fnsku values (one kind, at least one)",
                              common.EXIT_USAGE, code="UsageError")
    action, member, values = (("GetFulfillmentItemByMSKU", "MerchantSKU", skus) if skus else
                              ("GetFulfillmentItemByFNSKU", "FulfillmentNetworkSKU", fnskus))

    def found():
        for batch in chunks(list(values), LOOKUP_CHUNK):
            yield from g.call("inbound", action, {member: batch})["FulfillmentItem"]

    g.show_rows(found(), COLUMNS)
