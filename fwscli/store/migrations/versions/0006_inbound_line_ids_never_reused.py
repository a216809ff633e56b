"""inbound shipment lines: SQLite never gives a deleted line's id to a new one

ListInboundShipmentItems pages by line id (a token carries the last one sent). Without
AUTOINCREMENT, SQLite gives a new row the largest id in the table + 1, so with the lines
after a cursor deleted, a line added next took an id the cursor had passed: the listing
went on without it. These are the only rows the service deletes. PostgreSQL's ids come
from a sequence, which never gives one back: nothing to change there.

The table is rebuilt with its rows and ids (batch mode: SQLite cannot alter a key); the
AUTOINCREMENT counter starts at the largest id kept.

Revision ID: 0006
Revises: 0005
"""
from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op

revision: str = '0006'
down_revision: Union[str, Sequence[str], None] = '0005'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None

Id = sa.BigInteger().with_variant(sa.Integer(), 'sqlite')


def _lines() -> sa.Table:
    """The table as 0001 and 0004 made it, written out rather than reflected: reflection
    would leave its CHECK constraints behind."""
    return sa.Table(
        'inbound_shipment_items', sa.MetaData(),
        sa.Column('id', Id, autoincrement=True, nullable=False),
        sa.Column('shipment_pk', Id, nullable=False),
        sa.Column('item_id', Id, nullable=False),
        sa.Column('quantity_shipped', sa.Integer(), nullable=False),
        sa.Column('quantity_received', sa.Integer(), nullable=False),
        sa.CheckConstraint('quantity_received >= 0', name='ck_inbound_shipment_items_quantity_received'),
        sa.CheckConstraint('quantity_shipped >= 0', name='ck_inbound_shipment_items_quantity_shipped'),
        sa.ForeignKeyConstraint(['item_id'], ['fulfillment_items.id'],
                                name='fk_inbound_shipment_items_item_id_fulfillment_items'),
        sa.ForeignKeyConstraint(['shipment_pk'], ['inbound_shipments.id'], ondelete='CASCADE',
                                name='fk_inbound_shipment_items_shipment_pk_inbound_shipments'),
        sa.PrimaryKeyConstraint('id', name='pk_inbound_shipment_items'),
        sa.UniqueConstraint('shipment_pk', 'item_id', name='uq_inbound_shipment_items_shipment_pk'),
        sa.Index('ix_inbound_shipment_items_shipment_pk_id', 'shipment_pk', 'id'),
    )


def _rebuild(autoincrement: bool) -> None:
    if op.get_bind().dialect.name != 'sqlite':
        return
    with op.batch_alter_table('inbound_shipment_items', recreate='always', copy_from=_lines(),
                              table_kwargs={'sqlite_autoincrement': autoincrement}):
        pass


def upgrade() -> None:
    _rebuild(True)


def downgrade() -> None:
    _rebuild(False)
