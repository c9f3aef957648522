"""sent reminders: one row per reminder pushed, unique per person, period, kind and day; staff may mute them

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-04 17:40:00.000000

The row is stored with the reminder's outbox message, so a tick run twice (or by two processes) queues it once.
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0016'
down_revision = '0015'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'sent_reminders',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('staff_id', sa.Integer(), nullable=False),
        sa.Column('period', sa.Integer(), nullable=False),
        sa.Column('kind', sa.String(length=24), nullable=False),
        sa.Column('day', sa.Date(), nullable=False),
        sa.Column('outbox_id', sa.Integer(), nullable=True),
        sa.Column('at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['staff_id'], ['staff.id']),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('staff_id', 'period', 'kind', 'day', name='uq_sent_reminders_key'),
    )
    # A plain ALTER, not a batch: a batch may copy the table on SQLite.
    op.add_column('staff', sa.Column('reminders_muted_at', sa.DateTime(timezone=True), nullable=True))


def downgrade():
    op.drop_column('staff', 'reminders_muted_at')
    op.drop_table('sent_reminders')
