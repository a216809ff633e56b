"""keyset indexes: list pages walk (merchant, id) instead of sorting every row

Revision ID: 0004
Revises: 0003
"""
from typing import Sequence, Union

from alembic import op

revision: str = '0004'
down_revision: Union[str, Sequence[str], None] = '0003'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None

INDEXES = (
    ('ix_fulfillment_items_merchant_id_id', 'fulfillment_items', ['merchant_id', 'id']),
    ('ix_inbound_shipments_merchant_id_id', 'inbound_shipments', ['merchant_id', 'id']),
    ('ix_fulfillment_orders_merchant_id_id', 'fulfillment_orders', ['merchant_id', 'id']),
    ('ix_inbound_shipment_items_shipment_pk_id', 'inbound_shipment_items', ['shipment_pk', 'id']),
)


def upgrade() -> None:
    for name, table, columns in INDEXES:
        op.create_index(name, table, columns, unique=False)


def downgrade() -> None:
    for name, table, _ in INDEXES:
        op.drop_index(name, table_name=table)
