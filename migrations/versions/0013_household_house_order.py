"""households: a sort key for house numbers, so lists come in natural order (5, 12, 19, 88/2, 88/10)

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-05 10:00:00.000000

Ordered as text, house numbers came as 12, 19, 5, 88/10, 88/2. `house_order` holds a key made of digits only
(models.household.house_order) that orders as text in the natural order on SQLite and on PostgreSQL in any
collation; the village's index now serves that order. The households already stored get their key here, one
UPDATE per distinct house number (served by ix_households_house_number).
"""
from alembic import op
import sqlalchemy as sa

from models.household import house_order


# revision identifiers, used by Alembic.
revision = '0013'
down_revision = '0012'
branch_labels = None
depends_on = None


def upgrade():
    # A plain ALTER, not a batch: a batch may copy the table on SQLite, and the copy would lose its triggers.
    # SQLite adds a NOT NULL column only with a default; it stays in SQLite's schema, unused (the app sets the key).
    op.add_column('households', sa.Column('house_order', sa.String(length=64), nullable=False, server_default=''))
    connection = op.get_bind()
    numbers = connection.execute(sa.text('SELECT DISTINCT house_number FROM households')).scalars().all()
    if numbers:
        connection.execute(sa.text('UPDATE households SET house_order = :key WHERE house_number = :number'),
                           [{'key': house_order(number), 'number': number} for number in numbers])
    if connection.dialect.name == 'postgresql':
        op.alter_column('households', 'house_order', server_default=None)
    op.drop_index('ix_households_village_number', table_name='households')
    op.create_index('ix_households_village_order', 'households', ['village_code', 'house_order', 'house_number'],
                    unique=False)


def downgrade():
    op.drop_index('ix_households_village_order', table_name='households')
    op.create_index('ix_households_village_number', 'households', ['village_code', 'house_number'], unique=False)
    op.drop_column('households', 'house_order')
