"""throttle buckets

Revision ID: 0002
Revises: 0001
"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


revision: str = '0002'
down_revision: Union[str, Sequence[str], None] = '0001'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    op.create_table('throttle_buckets',
    sa.Column('subject', sa.String(length=48), nullable=False),
    sa.Column('operation_class', sa.String(length=16), nullable=False),
    sa.Column('full_at', sa.Float(precision=53), nullable=False),
    sa.PrimaryKeyConstraint('subject', 'operation_class', name=op.f('pk_throttle_buckets'))
    )


def downgrade() -> None:
    op.drop_table('throttle_buckets')
