"""changes visible to pollers: a listing of what changed since a time misses no change

A status change, a balance change or a new inbound shipment is stamped with its time
before it commits; a listing that ran in between neither saw it nor listed it later
(store/sequencing.py). Orders, balances and inbound shipments get `visible_at`, what those
listings filter by, and merchants `listed_at`, the time of their latest such listing. Rows
written before keep their own time: every one has committed. The columns are added in place (ALTER TABLE ADD COLUMN on SQLite too); the
orders' index on status_updated_at, which only that listing used, moves to visible_at.

Revision ID: 0008
Revises: 0007
"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa

revision: str = '0008'
down_revision: Union[str, Sequence[str], None] = '0007'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    with op.batch_alter_table('merchants') as batch_op:
        batch_op.add_column(sa.Column('listed_at', sa.DateTime(timezone=True), nullable=True))
    with op.batch_alter_table('fulfillment_orders') as batch_op:
        batch_op.add_column(sa.Column('visible_at', sa.DateTime(timezone=True), nullable=True))
    with op.batch_alter_table('inventory_balances') as batch_op:
        batch_op.add_column(sa.Column('visible_at', sa.DateTime(timezone=True), nullable=True))
    with op.batch_alter_table('inbound_shipments') as batch_op:
        batch_op.add_column(sa.Column('visible_at', sa.DateTime(timezone=True), nullable=True))
    op.execute('UPDATE fulfillment_orders SET visible_at = status_updated_at')
    op.execute('UPDATE inventory_balances SET visible_at = updated_at')
    op.execute('UPDATE inbound_shipments SET visible_at = created_at')
    op.drop_index('ix_fulfillment_orders_merchant_updated', table_name='fulfillment_orders')
    op.create_index('ix_fulfillment_orders_merchant_visible', 'fulfillment_orders',
                    ['merchant_id', 'visible_at'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_fulfillment_orders_merchant_visible', table_name='fulfillment_orders')
    op.create_index('ix_fulfillment_orders_merchant_updated', 'fulfillment_orders',
                    ['merchant_id', 'status_updated_at'], unique=False)
    # Not batch mode (see 0005): SQLite drops a column in place since 3.35.
    op.execute('ALTER TABLE inbound_shipments DROP COLUMN visible_at')
    op.execute('ALTER TABLE inventory_balances DROP COLUMN visible_at')
    op.execute('ALTER TABLE fulfillment_orders DROP COLUMN visible_at')
    op.execute('ALTER TABLE merchants DROP COLUMN listed_at')
