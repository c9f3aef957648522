"""reminder choices: the reminder days a caretaker turned off, and how often a supervisor gets area summaries

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-04 20:30:00.000000
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0017'
down_revision = '0016'
branch_labels = None
depends_on = None


def upgrade():
    # Plain ALTERs, not a batch: a batch may copy the table on SQLite.
    op.add_column('staff', sa.Column('reminder_days_off', sa.JSON(), nullable=True))
    op.add_column('staff', sa.Column('summary_choice', sa.String(length=8), nullable=True))


def downgrade():
    op.drop_column('staff', 'summary_choice')
    op.drop_column('staff', 'reminder_days_off')
