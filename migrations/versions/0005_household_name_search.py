"""households: head's name searched by substring from an index, house number indexed on its own

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-25 12:10:03.418225

PostgreSQL: ix_households_head_name becomes a GIN trigram index (pg_trgm), which serves LIKE '%...%'.
Thai text yields trigrams only in a database whose LC_CTYPE is a UTF-8 locale (C.UTF-8, th_TH.UTF-8).

SQLite: LIKE '%...%' never uses an index, so households_fts, an FTS5 trigram table over households.head_name
(external content: it keeps only the index), is kept in step by triggers; bot.households.name_matches looks
names up there. It is not in the models: migrations/env.py leaves it out of autogenerate's comparison.
"""
from alembic import op


# revision identifiers, used by Alembic.
revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None

SQLITE_FTS = (
    "CREATE VIRTUAL TABLE households_fts USING fts5(head_name, content='households', content_rowid='id', "
    "tokenize='trigram', columnsize=0)",
    # External content: FTS5 removes a row by being given the values it indexed ('delete').
    "CREATE TRIGGER households_fts_insert AFTER INSERT ON households BEGIN "
    "INSERT INTO households_fts(rowid, head_name) VALUES (new.id, new.head_name); END",
    "CREATE TRIGGER households_fts_delete AFTER DELETE ON households BEGIN "
    "INSERT INTO households_fts(households_fts, rowid, head_name) VALUES ('delete', old.id, old.head_name); END",
    "CREATE TRIGGER households_fts_update AFTER UPDATE OF id, head_name ON households BEGIN "
    "INSERT INTO households_fts(households_fts, rowid, head_name) VALUES ('delete', old.id, old.head_name); "
    "INSERT INTO households_fts(rowid, head_name) VALUES (new.id, new.head_name); END",
    "INSERT INTO households_fts(households_fts) VALUES ('rebuild')",  # the households already there
)


def upgrade():
    with op.batch_alter_table('households', schema=None) as batch_op:
        batch_op.create_index('ix_households_house_number', ['house_number'], unique=False)

    if op.get_bind().dialect.name == 'postgresql':
        op.execute('CREATE EXTENSION IF NOT EXISTS pg_trgm')
        op.drop_index('ix_households_head_name', table_name='households')
        op.create_index('ix_households_head_name', 'households', ['head_name'], unique=False,
                        postgresql_using='gin', postgresql_ops={'head_name': 'gin_trgm_ops'})
    elif op.get_bind().dialect.name == 'sqlite':
        for statement in SQLITE_FTS:
            op.execute(statement)


def downgrade():
    if op.get_bind().dialect.name == 'postgresql':
        op.drop_index('ix_households_head_name', table_name='households', postgresql_using='gin')
        op.create_index('ix_households_head_name', 'households', ['head_name'], unique=False)
        # pg_trgm stays: other database objects may use it, and it costs nothing unused.
    elif op.get_bind().dialect.name == 'sqlite':
        for trigger in ('insert', 'delete', 'update'):
            op.execute(f'DROP TRIGGER households_fts_{trigger}')
        op.execute('DROP TABLE households_fts')

    with op.batch_alter_table('households', schema=None) as batch_op:
        batch_op.drop_index('ix_households_house_number')
