"""warehouse lifecycle: due times, stock dispositions, problem receives

Revision ID: 0003
Revises: 0002
"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


revision: str = '0003'
down_revision: Union[str, Sequence[str], None] = '0002'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None

Id = sa.BigInteger().with_variant(sa.Integer(), 'sqlite')


def upgrade() -> None:
    for table in ('fulfillment_orders', 'inbound_shipments'):
        with op.batch_alter_table(table) as batch_op:
            batch_op.add_column(sa.Column('due_at', sa.DateTime(timezone=True), nullable=True))
            batch_op.create_index(f'ix_{table}_due_at', ['due_at'], unique=False)

    with op.batch_alter_table('inventory_movements') as batch_op:
        batch_op.add_column(sa.Column('disposition', sa.String(length=16), nullable=False,
                                      server_default='Sellable'))
        batch_op.create_index('ix_inventory_movements_document',
                              ['merchant_id', 'document_type', 'document_id'], unique=False)

    # The unique key of a balance gains the disposition (the constraint keeps its name).
    with op.batch_alter_table('inventory_balances') as batch_op:
        batch_op.add_column(sa.Column('disposition', sa.String(length=16), nullable=False,
                                      server_default='Sellable'))
        batch_op.drop_constraint('uq_inventory_balances_item_id', type_='unique')
        batch_op.create_unique_constraint('uq_inventory_balances_item_id',
                                          ['item_id', 'fulfillment_center_id', 'disposition'])

    op.create_table('problem_receives',
    sa.Column('id', Id, autoincrement=True, nullable=False),
    sa.Column('merchant_id', Id, nullable=False),
    sa.Column('shipment_pk', Id, nullable=False),
    sa.Column('item_id', Id, nullable=False),
    sa.Column('quantity', sa.Integer(), nullable=False),
    sa.Column('reason', sa.String(length=200), nullable=False),
    sa.Column('received_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('quantity > 0', name=op.f('ck_problem_receives_quantity')),
    sa.ForeignKeyConstraint(['item_id'], ['fulfillment_items.id'], name=op.f('fk_problem_receives_item_id_fulfillment_items')),
    sa.ForeignKeyConstraint(['merchant_id'], ['merchants.id'], name=op.f('fk_problem_receives_merchant_id_merchants')),
    sa.ForeignKeyConstraint(['shipment_pk'], ['inbound_shipments.id'], name=op.f('fk_problem_receives_shipment_pk_inbound_shipments'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_problem_receives'))
    )
    with op.batch_alter_table('problem_receives') as batch_op:
        batch_op.create_index(batch_op.f('ix_problem_receives_shipment_pk'), ['shipment_pk'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('problem_receives') as batch_op:
        batch_op.drop_index(batch_op.f('ix_problem_receives_shipment_pk'))
    op.drop_table('problem_receives')

    # Folding dispositions back into one balance per item and center is not possible
    # without losing Unsellable stock: refuse rather than corrupt the ledger.
    bind = op.get_bind()
    unsellable = bind.execute(sa.text(
        "SELECT COUNT(*) FROM inventory_balances WHERE disposition <> 'Sellable'")).scalar()
    if unsellable:
        raise RuntimeError("cannot downgrade below 0003: Unsellable stock would be lost")
    with op.batch_alter_table('inventory_balances') as batch_op:
        batch_op.drop_constraint('uq_inventory_balances_item_id', type_='unique')
        batch_op.create_unique_constraint('uq_inventory_balances_item_id',
                                          ['item_id', 'fulfillment_center_id'])
        batch_op.drop_column('disposition')
    with op.batch_alter_table('inventory_movements') as batch_op:
        batch_op.drop_index('ix_inventory_movements_document')
        batch_op.drop_column('disposition')

    for table in ('fulfillment_orders', 'inbound_shipments'):
        with op.batch_alter_table(table) as batch_op:
            batch_op.drop_index(f'ix_{table}_due_at')
            batch_op.drop_column('due_at')
