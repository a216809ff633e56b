"""The ledger audit: replaying every movement gives every balance.

For each (merchant, item, fulfillment center, disposition) the signed sum of its movements
(the signs are the ledger's own, `EFFECTS[kind].signs`) must equal the stored balance, and
no balance may be negative or have more reserved than in stock.
"""

from __future__ import annotations

from collections import defaultdict

from sqlalchemy import select

from fwscli.store.database import Database
from fwscli.store.schema import inventory_balances, inventory_movements
from fwscli.warehouse import ledger

COLUMNS = ("in_stock", "inbound", "reserved")


def replayed_balances(db: Database) -> dict[tuple, dict[str, int]]:
    sums: dict[tuple, dict[str, int]] = defaultdict(lambda: dict.fromkeys(COLUMNS, 0))
    with db.read() as conn:
        for row in conn.execute(select(inventory_movements)):
            key = (row.merchant_id, row.item_id, row.fulfillment_center_id, row.disposition)
            for column, sign in ledger.EFFECTS[row.kind].signs.items():
                sums[key][column] += sign * row.quantity
    return dict(sums)


def stored_balances(db: Database) -> dict[tuple, dict[str, int]]:
    with db.read() as conn:
        return {(row.merchant_id, row.item_id, row.fulfillment_center_id, row.disposition):
                {column: getattr(row, column) for column in COLUMNS}
                for row in conn.execute(select(inventory_balances))}


def assert_ledger_balanced(db: Database) -> None:
    replayed, stored = replayed_balances(db), stored_balances(db)
    assert replayed == stored, "the movements do not add up to the balances"
    for key, balance in stored.items():
        assert min(balance.values()) >= 0 and balance["reserved"] <= balance["in_stock"], (key, balance)
