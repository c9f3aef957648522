"""check-ins: a household's monthly check-ins (step 4), and where its house is

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-04 16:30:00.000000

Each check-in is an append-only event of one household in one period (YYYYMM of the month naming it); a later one
in the same period amends the earlier. The household keeps its current location for the map in reports.
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0015'
down_revision = '0014'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'check_ins',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('household_id', sa.Integer(), nullable=False),
        sa.Column('period', sa.Integer(), nullable=False),
        sa.Column('late', sa.Boolean(), nullable=False),
        sa.Column('staff_id', sa.Integer(), nullable=False),
        sa.Column('at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('contact', sa.String(length=12), nullable=False),
        sa.Column('unreached_reason', sa.String(length=12), nullable=True),
        sa.Column('monthly_income', sa.Numeric(precision=12, scale=2), nullable=True),
        sa.Column('members', sa.Integer(), nullable=True),
        sa.Column('per_person_year', sa.Numeric(precision=12, scale=2), nullable=True),
        sa.Column('poverty_line', sa.Integer(), nullable=True),
        sa.Column('activities', sa.JSON(), nullable=False),
        sa.Column('solved', sa.JSON(), nullable=False),
        sa.Column('new_problems', sa.JSON(), nullable=False),
        sa.Column('latitude', sa.Double(), nullable=True),
        sa.Column('longitude', sa.Double(), nullable=True),
        sa.Column('photo_id', sa.Integer(), nullable=True),
        sa.Column('note', sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(['household_id'], ['households.id']),
        sa.ForeignKeyConstraint(['staff_id'], ['staff.id']),
        sa.ForeignKeyConstraint(['photo_id'], ['photos.id']),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index('ix_check_ins_household_period', 'check_ins', ['household_id', 'period', 'at'])
    op.create_index('ix_check_ins_period', 'check_ins', ['period', 'household_id'])
    # Plain ALTERs, not a batch: a batch may copy the table on SQLite, and the copy would lose its triggers.
    op.add_column('households', sa.Column('latitude', sa.Double(), nullable=True))
    op.add_column('households', sa.Column('longitude', sa.Double(), nullable=True))


def downgrade():
    op.drop_column('households', 'longitude')
    op.drop_column('households', 'latitude')
    op.drop_table('check_ins')
