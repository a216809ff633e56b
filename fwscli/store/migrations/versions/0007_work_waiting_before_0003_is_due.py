"""orders and inbound shipments left waiting by 0003 are due at once

0003 gave orders and inbound shipments the time their next step is due, but left it NULL on
the rows already waiting then: the tick never looks at those, so an order Received before
0003 was never planned (in either mode), and a shipment Shipped before it never moved on
(in auto mode). Since 0003 a Received order always has a due time (planning is due in
either mode), and a Shipped shipment lacks one only in manual mode, whose tick clears the
due time of a shipment it finds due (its steps are the operators'). So every such row is
made due since it began to wait: that moves the stranded ones and changes nothing for the
others. A revision of its own, not a change to 0003: databases upgraded past 0003 (every
embedded one, which upgrades itself) hold such rows too.

Revision ID: 0007
Revises: 0006
"""
from typing import Sequence, Union

from alembic import op

revision: str = '0007'
down_revision: Union[str, Sequence[str], None] = '0006'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    op.execute("UPDATE fulfillment_orders SET due_at = received_at "
               "WHERE status = 'Received' AND due_at IS NULL")
    op.execute("UPDATE inbound_shipments SET due_at = status_updated_at "
               "WHERE status = 'Shipped' AND due_at IS NULL")


def downgrade() -> None:
    pass  # the due times are right at 0006 too
