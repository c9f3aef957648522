"""household income: one figure per household with its basis and date; a visit's note per problem dimension

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-04 14:30:00.000000

A household's income was only ever computed from its members' incomes, which could contradict the household's
own answer at ท3. It now has one figure, what it rests on (the members' incomes added up, the income sources'
amounts, or a figure the volunteer typed) and the day it was given. A visit keeps the note of each problem
dimension once, instead of copying it onto each of the dimension's problems.
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None


COLUMNS = {
    'households': (sa.Column('monthly_income', sa.Numeric(12, 2), nullable=True),
                   sa.Column('income_basis', sa.String(length=16), nullable=True),
                   sa.Column('income_on', sa.Date(), nullable=True)),
    'visits': (sa.Column('problem_notes', sa.JSON(), nullable=True),),
}


def upgrade():
    # Plain ALTERs, not a batch: a batch may copy the table on SQLite, and the copy would lose its triggers.
    for table, columns in COLUMNS.items():
        for column in columns:
            op.add_column(table, column)


def downgrade():
    for table, columns in COLUMNS.items():
        for column in columns:
            op.drop_column(table, column.name)
