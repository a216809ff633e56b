"""initial schema

Revision ID: 0001
Revises: 


"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision: str = '0001'
down_revision: Union[str, Sequence[str], None] = None
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    """Upgrade schema."""

    op.create_table('merchants',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_merchants'))
    )
    op.create_table('settings',
    sa.Column('name', sa.String(length=64), nullable=False),
    sa.Column('value', sa.Text(), nullable=False),
    sa.PrimaryKeyConstraint('name', name=op.f('pk_settings'))
    )
    op.create_table('access_keys',
    sa.Column('access_key_id', sa.String(length=32), nullable=False),
    sa.Column('secret_access_key', sa.String(length=64), nullable=False),
    sa.Column('role', sa.String(length=16), nullable=False),
    sa.Column('merchant_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('revoked_at', sa.DateTime(timezone=True), nullable=True),
    sa.CheckConstraint("role = 'operator' OR merchant_id IS NOT NULL", name=op.f('ck_access_keys_merchant_key_owner')),
    sa.CheckConstraint("role IN ('merchant', 'operator')", name=op.f('ck_access_keys_role')),
    sa.ForeignKeyConstraint(['merchant_id'], ['merchants.id'], name=op.f('fk_access_keys_merchant_id_merchants')),
    sa.PrimaryKeyConstraint('access_key_id', name=op.f('pk_access_keys'))
    )
    with op.batch_alter_table('access_keys', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_access_keys_merchant_id'), ['merchant_id'], unique=False)

    op.create_table('fulfillment_items',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('merchant_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('merchant_sku', sa.String(length=40), nullable=False),
    sa.Column('fnsku', sa.String(length=10), nullable=False),
    sa.Column('asin', sa.String(length=10), nullable=True),
    sa.Column('condition', sa.String(length=32), nullable=False),
    sa.Column('is_active', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['merchant_id'], ['merchants.id'], name=op.f('fk_fulfillment_items_merchant_id_merchants')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_fulfillment_items')),
    sa.UniqueConstraint('fnsku', name=op.f('uq_fulfillment_items_fnsku')),
    sa.UniqueConstraint('merchant_id', 'merchant_sku', name=op.f('uq_fulfillment_items_merchant_id'))
    )
    op.create_table('fulfillment_orders',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('merchant_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('merchant_order_id', sa.String(length=40), nullable=False),
    sa.Column('displayable_order_id', sa.String(length=40), nullable=False),
    sa.Column('displayable_order_datetime', sa.DateTime(timezone=True), nullable=False),
    sa.Column('displayable_order_comment', sa.Text(), nullable=False),
    sa.Column('shipping_speed', sa.String(length=16), nullable=False),
    sa.Column('destination_address', sa.JSON(), nullable=False),
    sa.Column('fulfillment_policy', sa.String(length=20), nullable=False),
    sa.Column('fulfillment_method', sa.String(length=16), nullable=False),
    sa.Column('notification_emails', sa.JSON(), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('request_fingerprint', sa.String(length=64), nullable=False),
    sa.Column('received_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('status_updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['merchant_id'], ['merchants.id'], name=op.f('fk_fulfillment_orders_merchant_id_merchants')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_fulfillment_orders')),
    sa.UniqueConstraint('merchant_id', 'merchant_order_id', name=op.f('uq_fulfillment_orders_merchant_id'))
    )
    with op.batch_alter_table('fulfillment_orders', schema=None) as batch_op:
        batch_op.create_index('ix_fulfillment_orders_merchant_updated', ['merchant_id', 'status_updated_at'], unique=False)

    op.create_table('inbound_shipments',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('merchant_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('shipment_id', sa.String(length=40), nullable=False),
    sa.Column('shipment_name', sa.String(length=200), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('destination_fc', sa.String(length=8), nullable=False),
    sa.Column('ship_from_address', sa.JSON(), nullable=False),
    sa.Column('label_prep_preference', sa.String(length=32), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('status_updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['merchant_id'], ['merchants.id'], name=op.f('fk_inbound_shipments_merchant_id_merchants')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_inbound_shipments')),
    sa.UniqueConstraint('merchant_id', 'shipment_id', name=op.f('uq_inbound_shipments_merchant_id'))
    )
    op.create_table('fulfillment_order_items',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('order_pk', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('item_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('merchant_order_item_id', sa.String(length=80), nullable=False),
    sa.Column('quantity', sa.Integer(), nullable=False),
    sa.Column('gift_message', sa.String(length=512), nullable=True),
    sa.Column('displayable_comment', sa.String(length=250), nullable=True),
    sa.Column('order_item_disposition', sa.String(length=16), nullable=True),
    sa.Column('declared_value_currency', sa.String(length=3), nullable=True),
    sa.Column('declared_value_amount', sa.Numeric(precision=18, scale=2), nullable=True),
    sa.Column('cancelled_quantity', sa.Integer(), nullable=False),
    sa.Column('unfulfillable_quantity', sa.Integer(), nullable=False),
    sa.Column('estimated_ship_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('estimated_arrival_at', sa.DateTime(timezone=True), nullable=True),
    sa.CheckConstraint('quantity > 0', name=op.f('ck_fulfillment_order_items_quantity')),
    sa.ForeignKeyConstraint(['item_id'], ['fulfillment_items.id'], name=op.f('fk_fulfillment_order_items_item_id_fulfillment_items')),
    sa.ForeignKeyConstraint(['order_pk'], ['fulfillment_orders.id'], name=op.f('fk_fulfillment_order_items_order_pk_fulfillment_orders'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_fulfillment_order_items')),
    sa.UniqueConstraint('order_pk', 'merchant_order_item_id', name=op.f('uq_fulfillment_order_items_order_pk'))
    )
    op.create_table('fulfillment_shipments',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('order_pk', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('amazon_shipment_id', sa.String(length=40), nullable=False),
    sa.Column('fulfillment_center_id', sa.String(length=8), nullable=False),
    sa.Column('status', sa.String(length=24), nullable=False),
    sa.Column('shipping_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('estimated_arrival_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['order_pk'], ['fulfillment_orders.id'], name=op.f('fk_fulfillment_shipments_order_pk_fulfillment_orders'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_fulfillment_shipments')),
    sa.UniqueConstraint('amazon_shipment_id', name=op.f('uq_fulfillment_shipments_amazon_shipment_id'))
    )
    with op.batch_alter_table('fulfillment_shipments', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_fulfillment_shipments_order_pk'), ['order_pk'], unique=False)

    op.create_table('inbound_shipment_items',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('shipment_pk', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('item_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('quantity_shipped', sa.Integer(), nullable=False),
    sa.Column('quantity_received', sa.Integer(), nullable=False),
    sa.CheckConstraint('quantity_received >= 0', name=op.f('ck_inbound_shipment_items_quantity_received')),
    sa.CheckConstraint('quantity_shipped >= 0', name=op.f('ck_inbound_shipment_items_quantity_shipped')),
    sa.ForeignKeyConstraint(['item_id'], ['fulfillment_items.id'], name=op.f('fk_inbound_shipment_items_item_id_fulfillment_items')),
    sa.ForeignKeyConstraint(['shipment_pk'], ['inbound_shipments.id'], name=op.f('fk_inbound_shipment_items_shipment_pk_inbound_shipments'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_inbound_shipment_items')),
    sa.UniqueConstraint('shipment_pk', 'item_id', name=op.f('uq_inbound_shipment_items_shipment_pk'))
    )
    op.create_table('inventory_balances',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('merchant_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('item_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('fulfillment_center_id', sa.String(length=8), nullable=False),
    sa.Column('in_stock', sa.Integer(), nullable=False),
    sa.Column('inbound', sa.Integer(), nullable=False),
    sa.Column('reserved', sa.Integer(), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('in_stock >= 0', name=op.f('ck_inventory_balances_in_stock')),
    sa.CheckConstraint('inbound >= 0', name=op.f('ck_inventory_balances_inbound')),
    sa.CheckConstraint('reserved >= 0 AND reserved <= in_stock', name=op.f('ck_inventory_balances_reserved')),
    sa.ForeignKeyConstraint(['item_id'], ['fulfillment_items.id'], name=op.f('fk_inventory_balances_item_id_fulfillment_items')),
    sa.ForeignKeyConstraint(['merchant_id'], ['merchants.id'], name=op.f('fk_inventory_balances_merchant_id_merchants')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_inventory_balances')),
    sa.UniqueConstraint('item_id', 'fulfillment_center_id', name=op.f('uq_inventory_balances_item_id'))
    )
    with op.batch_alter_table('inventory_balances', schema=None) as batch_op:
        batch_op.create_index('ix_inventory_balances_merchant_updated', ['merchant_id', 'updated_at'], unique=False)

    op.create_table('inventory_movements',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('merchant_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('item_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('fulfillment_center_id', sa.String(length=8), nullable=False),
    sa.Column('kind', sa.String(length=24), nullable=False),
    sa.Column('quantity', sa.Integer(), nullable=False),
    sa.Column('reason', sa.String(length=200), nullable=True),
    sa.Column('document_type', sa.String(length=32), nullable=True),
    sa.Column('document_id', sa.String(length=80), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['item_id'], ['fulfillment_items.id'], name=op.f('fk_inventory_movements_item_id_fulfillment_items')),
    sa.ForeignKeyConstraint(['merchant_id'], ['merchants.id'], name=op.f('fk_inventory_movements_merchant_id_merchants')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_inventory_movements'))
    )
    with op.batch_alter_table('inventory_movements', schema=None) as batch_op:
        batch_op.create_index('ix_inventory_movements_item', ['item_id', 'fulfillment_center_id'], unique=False)

    op.create_table('fulfillment_shipment_items',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('shipment_pk', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('order_item_pk', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('quantity', sa.Integer(), nullable=False),
    sa.Column('package_number', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['order_item_pk'], ['fulfillment_order_items.id'], name=op.f('fk_fulfillment_shipment_items_order_item_pk_fulfillment_order_items')),
    sa.ForeignKeyConstraint(['shipment_pk'], ['fulfillment_shipments.id'], name=op.f('fk_fulfillment_shipment_items_shipment_pk_fulfillment_shipments'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_fulfillment_shipment_items'))
    )
    with op.batch_alter_table('fulfillment_shipment_items', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_fulfillment_shipment_items_shipment_pk'), ['shipment_pk'], unique=False)

    op.create_table('fulfillment_shipment_packages',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('shipment_pk', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('package_number', sa.Integer(), nullable=False),
    sa.Column('carrier_code', sa.String(length=40), nullable=False),
    sa.Column('tracking_number', sa.String(length=80), nullable=True),
    sa.Column('estimated_arrival_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['shipment_pk'], ['fulfillment_shipments.id'], name=op.f('fk_fulfillment_shipment_packages_shipment_pk_fulfillment_shipments'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_fulfillment_shipment_packages')),
    sa.UniqueConstraint('shipment_pk', 'package_number', name=op.f('uq_fulfillment_shipment_packages_shipment_pk'))
    )



def downgrade() -> None:
    """Downgrade schema."""

    op.drop_table('fulfillment_shipment_packages')
    with op.batch_alter_table('fulfillment_shipment_items', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_fulfillment_shipment_items_shipment_pk'))

    op.drop_table('fulfillment_shipment_items')
    with op.batch_alter_table('inventory_movements', schema=None) as batch_op:
        batch_op.drop_index('ix_inventory_movements_item')

    op.drop_table('inventory_movements')
    with op.batch_alter_table('inventory_balances', schema=None) as batch_op:
        batch_op.drop_index('ix_inventory_balances_merchant_updated')

    op.drop_table('inventory_balances')
    op.drop_table('inbound_shipment_items')
    with op.batch_alter_table('fulfillment_shipments', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_fulfillment_shipments_order_pk'))

    op.drop_table('fulfillment_shipments')
    op.drop_table('fulfillment_order_items')
    op.drop_table('inbound_shipments')
    with op.batch_alter_table('fulfillment_orders', schema=None) as batch_op:
        batch_op.drop_index('ix_fulfillment_orders_merchant_updated')

    op.drop_table('fulfillment_orders')
    op.drop_table('fulfillment_items')
    with op.batch_alter_table('access_keys', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_access_keys_merchant_id'))

    op.drop_table('access_keys')
    op.drop_table('settings')
    op.drop_table('merchants')

