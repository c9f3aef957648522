"""outbox leases: the process holding a message's claim (host:pid), which renews it while it lives

Revision ID: 0019
Revises: 0017
Create Date: 2026-12-04 20:30:00.000000

A claim is a lease now (bot.leases): it lapses seconds after its process dies, and the sweeper names that process.
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0019'
down_revision = '0017'
branch_labels = None
depends_on = None


def upgrade():
    op.add_column('outbox_messages', sa.Column('claimed_by', sa.String(length=100), nullable=True))


def downgrade():
    op.drop_column('outbox_messages', 'claimed_by')
