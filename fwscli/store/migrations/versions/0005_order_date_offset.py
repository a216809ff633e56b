"""order date offset: DisplayableOrderDateTime reads back in the UTC offset it was sent in

Revision ID: 0005
Revises: 0004

Orders stored before keep NULL: their offset was never kept, and they read back in UTC as
they always did (and a repeat of one is recognised by the fingerprint it was stored with).
The column is added in place (ALTER TABLE ADD COLUMN on SQLite too): nothing is rewritten.
"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa

revision: str = '0005'
down_revision: Union[str, Sequence[str], None] = '0004'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    with op.batch_alter_table('fulfillment_orders') as batch_op:
        batch_op.add_column(sa.Column('displayable_order_utc_offset', sa.Integer(), nullable=True))


def downgrade() -> None:
    # Not batch mode: on SQLite it would copy the table and drop the original, and with
    # foreign keys on that drop deletes every order's items and shipments (ON DELETE
    # CASCADE). SQLite drops a column in place since 3.35.
    op.execute('ALTER TABLE fulfillment_orders DROP COLUMN displayable_order_utc_offset')
