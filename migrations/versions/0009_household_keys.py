"""household keys; audit entries about a household keep its personal values sealed with its key

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-26 10:00:00.000000

Every household gets a random key. The audit entries already written about a household (the household itself,
its members, problems and visits) are sealed with it, as bot.audit writes new ones: the append-only triggers
are set aside for that one rewrite and put back as they were. A member's entry whose member row is gone is
placed by the household entry of the same event (an interview writes both). Downgrading puts the values back
in clear, except those of households erased meanwhile, which stay unreadable.
"""
from datetime import UTC, datetime

from alembic import op
import sqlalchemy as sa

from domain.access import audit


# revision identifiers, used by Alembic.
revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None

OWNER_TABLES = {'member': 'members', 'problem': 'problems', 'visit': 'visits'}


def upgrade():
    op.create_table('household_keys',
    sa.Column('household_id', sa.Integer(), nullable=False),
    sa.Column('key', sa.LargeBinary(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['household_id'], ['households.id'], ),
    sa.PrimaryKeyConstraint('household_id')
    )
    # Plain ALTERs, not a batch: a batch may copy the table on SQLite, and the copy would lose the triggers.
    op.add_column('audit_log', sa.Column('household_id', sa.Integer(), nullable=True))
    op.add_column('audit_log', sa.Column('fields', sa.JSON(), nullable=True))
    op.add_column('audit_log', sa.Column('sealed', sa.LargeBinary(), nullable=True))
    op.create_index('ix_audit_log_household', 'audit_log', ['household_id'], unique=False)
    seal_existing_entries()


AUDIT_LOG = sa.table('audit_log', sa.column('id', sa.Integer), sa.column('entity', sa.String),
                     sa.column('entity_id', sa.String), sa.column('event_id', sa.String),
                     sa.column('household_id', sa.Integer), sa.column('fields', sa.JSON),
                     sa.column('sealed', sa.LargeBinary), sa.column('before', sa.JSON), sa.column('after', sa.JSON))
HOUSEHOLD_KEYS = sa.table('household_keys', sa.column('household_id', sa.Integer), sa.column('key', sa.LargeBinary),
                          sa.column('created_at', sa.DateTime(timezone=True)))
# Which rows of the audit log an UPDATE rewrites, and with what (bind names apart from the columns').
REWRITE = (AUDIT_LOG.update().where(AUDIT_LOG.c.id == sa.bindparam('row_id'))
           .values(household_id=sa.bindparam('new_household_id'), fields=sa.bindparam('new_fields'),
                   sealed=sa.bindparam('new_sealed'), before=sa.bindparam('new_before'),
                   after=sa.bindparam('new_after')))


def seal_existing_entries():
    bind = op.get_bind()
    keys = {household_id: audit.new_key() for (household_id,) in bind.execute(sa.text('SELECT id FROM households'))}
    if keys:
        now = datetime.now(UTC)
        bind.execute(HOUSEHOLD_KEYS.insert(), [{'household_id': household_id, 'key': key, 'created_at': now}
                                              for household_id, key in keys.items()])
    log = AUDIT_LOG.c
    rows = bind.execute(sa.select(log.id, log.entity, log.entity_id, log.event_id, log.before, log.after)
                        .where(log.entity.in_(['household', *OWNER_TABLES])).order_by(log.id)).all()
    owners = {entity: dict(bind.execute(sa.text(f'SELECT id, household_id FROM {table}')).all())
              for entity, table in OWNER_TABLES.items()}
    by_event = {row.event_id: int(row.entity_id) for row in rows if row.entity == 'household' and row.event_id}
    changes = []
    for row in rows:
        if row.entity == 'household':
            household_id = int(row.entity_id)
        else:
            household_id = owners[row.entity].get(int(row.entity_id)) or by_event.get(row.event_id)
        if household_id is None:
            continue
        change = {'row_id': row.id, 'new_household_id': household_id, 'new_fields': None, 'new_sealed': None,
                  'new_before': row.before, 'new_after': row.after}
        if household_id in keys and (row.before is not None or row.after is not None):
            values = {'before': row.before, 'after': row.after}
            change |= {'new_fields': sorted({*(row.before or {}), *(row.after or {})}), 'new_before': None,
                       'new_after': None, 'new_sealed': audit.seal(keys[household_id], audit.bound_to(
                           household_id, row.entity, row.entity_id), values)}
        changes.append(change)
    if changes:
        set_triggers(bind, enabled=False)
        bind.execute(REWRITE, changes)
        set_triggers(bind, enabled=True)


def unseal_entries():
    """Downgrade: the values back in clear while the keys are there (an erased household's stay unreadable)."""
    bind = op.get_bind()
    keys = dict(bind.execute(sa.select(HOUSEHOLD_KEYS.c.household_id, HOUSEHOLD_KEYS.c.key)).all())
    log = AUDIT_LOG.c
    changes = [{'row_id': row.id, 'new_household_id': None, 'new_fields': None, 'new_sealed': None, **{
                    f'new_{name}': value for name, value in audit.unseal(keys[row.household_id], audit.bound_to(
                        row.household_id, row.entity, row.entity_id), row.sealed).items()}}
               for row in bind.execute(sa.select(log.id, log.entity, log.entity_id, log.household_id, log.sealed)
                                       .where(log.sealed.is_not(None)))
               if row.household_id in keys]
    if changes:
        set_triggers(bind, enabled=False)
        bind.execute(REWRITE, changes)
        set_triggers(bind, enabled=True)


def set_triggers(bind, enabled: bool):
    """The append-only triggers of migration 0002, off for this migration's own rewrite and on again."""
    if bind.dialect.name == 'postgresql':
        op.execute(f"ALTER TABLE audit_log {'ENABLE' if enabled else 'DISABLE'} TRIGGER audit_log_append_only")
        return
    for verb in ('UPDATE', 'DELETE'):
        if enabled:
            op.execute(f"CREATE TRIGGER audit_log_no_{verb.lower()} BEFORE {verb} ON audit_log "
                       "BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END")
        else:
            op.execute(f"DROP TRIGGER audit_log_no_{verb.lower()}")


def downgrade():
    unseal_entries()
    op.drop_index('ix_audit_log_household', table_name='audit_log')
    for column in ('sealed', 'fields', 'household_id'):  # not a batch either (the triggers)
        op.drop_column('audit_log', column)
    op.drop_table('household_keys')
