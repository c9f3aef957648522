"""left_chats: group and room chats the bot has left, so that it says why only once

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-04 09:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('left_chats',
    sa.Column('chat_id', sa.String(length=64), nullable=False),
    sa.Column('chat_type', sa.String(length=8), nullable=False),
    sa.Column('left_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('chat_id')
    )


def downgrade():
    op.drop_table('left_chats')
