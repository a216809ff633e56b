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
# Member path -> what sets it, for the messages of common.validate_request. Every item has
# the one --condition, so the first item's is the one a bad condition is reported on.
REGISTER_HINTS = {"MerchantItem": "SKU=ASIN", "MerchantItem.1.Condition": "--condition",
                  "MerchantSKU": "SKU"}


def chunks(values: list, size: int):
    for start in range(0, len(values), size):
        yield values[start:start + size]


@app.command()
def register(
    ctx: typer.Context,
    # Plain Click help shows no argument's help: the docstring says what SKU=ASIN is.
    skus: List[str] = typer.Argument(..., metavar="SKU[=ASIN]...",
                                     help="Merchant SKUs; with =ASIN the item is registered with "
                                          "its ASIN and --condition."),
    condition: str = typer.Option("NewItem", "--condition", help="Item condition for SKU=ASIN items."),
    dry_run: bool = common.DRY_RUN,
) -> None:
    """Get (creating if needed) the FNSKU of each SKU. Safe to repeat.

    SKU=ASIN registers the item with its ASIN and --condition; spaces around the = are
    ignored."""
    from ..api.inbound import REGISTRABLE_CONDITIONS, UNKNOWN_CONDITION, UNKNOWN_CONDITION_REASON

    g = common.globals_of(ctx)
    # Any case, as --status takes statuses (`usedgood` is UsedGood); Unknown is the schema's
    # but never a registration's (the service's rule), so it is neither offered nor taken.
    if condition.lower() == UNKNOWN_CONDITION.lower():
        raise common.bad_parameter("--condition", condition, UNKNOWN_CONDITION_REASON)
    condition = common.canonical_choice("--condition", condition, REGISTRABLE_CONDITIONS)
    # Each SKU is sent once, its first SKU=ASIN deciding, as the service decides a SKU
    # repeated within one request: sent as given, a repeat in a later request of 250 won
    # instead, so what was registered depended on where the chunks fell.
    with_asin: dict[str, str] = {}
    given: list[str] = []
    for value in skus:
        sku, sep, asin = common.split_shorthand(value)
        if not sku or (sep and not asin):
            raise common.bad_parameter("SKU", value, "expected SKU or SKU=ASIN")
        if sep:
            with_asin.setdefault(sku, asin)
        given.append(sku)
    # A SKU also registered with its ASIN gets its FNSKU from that request.
    plain = [sku for sku in dict.fromkeys(given) if sku not in with_asin]

    requests = [("GetFulfillmentIdentifier",
                 {"MerchantItem": [{"ASIN": with_asin[sku], "Condition": condition, "MerchantSKU": sku}
                                   for sku in batch]})
                for batch in chunks(list(with_asin), REGISTER_CHUNK)]
    requests += [("GetFulfillmentIdentifierForMSKU", {"MerchantSKU": batch})
                 for batch in chunks(plain, REGISTER_CHUNK)]
    for action, request in requests:  # every SKU checked before the first is registered
        common.validate_request("inbound", action, request, REGISTER_HINTS)

    if dry_run:
        # One JSON document however many requests (json.load refuses documents in a row).
        shown = [common.dry_run_request(g, "inbound", action, request) for action, request in requests]
        g.show(shown[0] if len(shown) == 1 else shown)
        return

    # Every request answered before the first row is shown: a reader that stops early
    # (`| head`) must not stop the registering.
    registered: dict[str, dict] = {}
    for action, request in requests:
        try:
            answer = g.call("inbound", action, request)
        except (Exception, KeyboardInterrupt) as error:
            failed = (common.CliError("interrupted", common.EXIT_INTERRUPTED)
                      if isinstance(error, KeyboardInterrupt) else common.as_cli_error(error))
            if failed is None or not registered:
                raise
            # The earlier requests did register their SKUs: show them and name the rest,
            # or the merchant cannot tell a run that did nothing from one that did half.
            _show_registered(g, registered, given)
            unconfirmed = [sku for sku in dict.fromkeys(given) if sku not in registered]
            raise common.CliError(
                f"{failed.message}; {len(registered)} SKUs were registered (printed), "
                f"{len(unconfirmed)} not confirmed: {common.named(unconfirmed)} "
                f"(registering again is safe)",
                failed.exit_code, code=failed.code, operation=failed.operation,
                request_id=failed.request_id) from None
        registered.update((item["MerchantSKU"], item) for item in answer["FulfillmentItem"])
    _show_registered(g, registered, given)


def _show_registered(g: common.Globals, registered: dict[str, dict], given: list[str]) -> None:
    # One row per SKU in the order given, not grouped by request: a script pairing its SKUs
    # with the FNSKUs printed must not label one product with another's FNSKU.
    g.show_rows([registered[sku] for sku in dict.fromkeys(given) if sku in registered], COLUMNS)


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
    """Registered items by merchant SKU or FNSKU; unknown ones are left out.

    The values that were not found are named on stderr."""
    g = common.globals_of(ctx)
    if bool(skus) == bool(fnskus):
        raise common.CliError("give merchant SKUs or --fnsku values (one kind, at least one)",
                              common.EXIT_USAGE, code="UsageError")
    action, member, values = (("GetFulfillmentItemByMSKU", "MerchantSKU", skus) if skus else
                              ("GetFulfillmentItemByFNSKU", "FulfillmentNetworkSKU", fnskus))

    requests = [{member: batch} for batch in chunks(list(values), LOOKUP_CHUNK)]
    flag = "SKU" if skus else "--fnsku"
    for request in requests:  # every value checked before the first lookup
        common.validate_request("inbound", action, request, {member: flag})

    seen: set[str] = set()
    key = "MerchantSKU" if skus else "FulfillmentNetworkSKU"

    def found():
        for request in requests:
            for item in g.call("inbound", action, request)["FulfillmentItem"]:
                seen.add(item[key])
                yield item

    g.show_rows(found(), COLUMNS)
    # The service skips unknown values silently (spec 3.6, 3.7): a mistyped SKU printed
    # nothing at all, not even an empty table's reason.
    unknown = [value for value in dict.fromkeys(values) if value not in seen]
    if unknown:
        common.note(f"not registered: {common.named(unknown)}" if skus
                    else f"unknown FNSKU{'s' if len(unknown) > 1 else ''}: {common.named(unknown)}")
