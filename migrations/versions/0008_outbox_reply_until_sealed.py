"""outbox_messages: until when a reply token may be tried, and sealed (encrypted) bodies of secret messages

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-26 10:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('outbox_messages', schema=None) as batch_op:
        batch_op.add_column(sa.Column('reply_until', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('sealed', sa.LargeBinary(), nullable=True))
    # Messages already sent keep no content: an invitation code sent before this version is in here.
    outbox = sa.table('outbox_messages', sa.column('id', sa.Integer), sa.column('status', sa.String),
                      sa.column('messages', sa.JSON))
    connection = op.get_bind()
    done = connection.execute(sa.select(outbox.c.id, outbox.c.messages).where(outbox.c.status != 'pending')).all()
    for row_id, messages in done:
        outline = [{'type': message.get('type')} for message in messages or []]
        connection.execute(outbox.update().where(outbox.c.id == row_id).values(messages=outline))


def downgrade():
    with op.batch_alter_table('outbox_messages', schema=None) as batch_op:
        batch_op.drop_column('sealed')
        batch_op.drop_column('reply_until')
