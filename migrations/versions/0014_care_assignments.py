"""care assignments: each household's caretaker, with the history of who had it

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-04 14:45:00.000000

Step 4 (ดูแลชีวิต) gives every household a caretaker. A row is one household in one caretaker's care, from a
time to a time, and who assigned and who ended it; at most one row of a household is current.
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0014'
down_revision = '0013'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'care_assignments',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('household_id', sa.Integer(), nullable=False),
        sa.Column('caretaker_id', sa.Integer(), nullable=False),
        sa.Column('assigned_by', sa.Integer(), nullable=True),
        sa.Column('started_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('ended_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('ended_by', sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(['household_id'], ['households.id']),
        sa.ForeignKeyConstraint(['caretaker_id'], ['staff.id']),
        sa.ForeignKeyConstraint(['assigned_by'], ['staff.id']),
        sa.ForeignKeyConstraint(['ended_by'], ['staff.id']),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index('ix_care_assignments_current', 'care_assignments', ['household_id'], unique=True,
                    sqlite_where=sa.text('ended_at IS NULL'), postgresql_where=sa.text('ended_at IS NULL'))
    op.create_index('ix_care_assignments_household', 'care_assignments', ['household_id'])
    op.create_index('ix_care_assignments_caretaker', 'care_assignments', ['caretaker_id', 'ended_at'])


def downgrade():
    op.drop_table('care_assignments')
