"""report snapshots: a period's figures per area, frozen at its cut-off

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-04 20:30:00.000000

One row per (period, area); the unique key makes a second freeze of the same period store nothing.
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0020'
down_revision = '0019'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'report_snapshots',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('period', sa.Integer(), nullable=False),
        sa.Column('area_code', sa.String(length=8), nullable=False),
        sa.Column('level', sa.String(length=12), nullable=False),
        sa.Column('figures', sa.JSON(), nullable=False),
        sa.Column('frozen_at', sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('period', 'area_code', name='uq_report_snapshots_period_area'),
    )


def downgrade():
    op.drop_table('report_snapshots')
