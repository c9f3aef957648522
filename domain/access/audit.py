"""Writing and reading the audit log: one entry per change, added to the same transaction as the change.

The log is append-only, yet a household can ask to be erased (PDPA). So an entry about a household seals its
personal values with that household's own random key (AES-256-GCM, bound to the entry's entity and household),
and keeps in clear only who, when, what action, which entity and which fields. Erasing the household deletes
the key (bot.privacy.erase): its entries stay where they are, unchanged, and can no longer be read.
"""

from dataclasses import dataclass

from sqlalchemy.dialects import postgresql, sqlite

from core.sealing import new_key, seal, unseal
from models import AuditEntry, HouseholdKey, db, utcnow

_INSERT_KEY = {"postgresql": postgresql.insert, "sqlite": sqlite.insert}


def entry(action: str, entity: str, entity_id, *, staff_id: int | None = None, line_user_id: str | None = None,
          before: dict | None = None, after: dict | None = None, event_id: str | None = None,
          household: int | None = None, key: bytes | None = None) -> AuditEntry:
    """An entry; with `household`, `before` and `after` are that household's personal values and are sealed
    (`key`: the household's key when the caller already has it, as a bulk import does)."""
    record = AuditEntry(at=utcnow(), action=action, entity=entity,
                        entity_id=None if entity_id is None else str(entity_id), staff_id=staff_id,
                        line_user_id=line_user_id, event_id=event_id, household_id=household)
    if household is None or (before is None and after is None):
        record.before, record.after = before, after
    else:
        record.fields = sorted({*(before or {}), *(after or {})})
        record.sealed = seal(key or key_for(household), _bound_to(record), {"before": before, "after": after})
    return record


@dataclass(frozen=True)
class Values:
    """What an entry says changed. `erased`: the household was erased, so its values can't be read."""

    before: dict | None
    after: dict | None
    erased: bool = False


def read(record: AuditEntry) -> Values:
    if record.sealed is None:
        return Values(record.before, record.after)
    key = db.session.get(HouseholdKey, record.household_id)
    if key is None:
        return Values(None, None, erased=True)
    values = unseal(key.key, _bound_to(record), record.sealed)
    return Values(values["before"], values["after"])


def key_for(household_id: int) -> bytes:
    """The household's key, made on first use. INSERT ... ON CONFLICT DO NOTHING: two transactions making the
    first key of the same household at once end up with one. The foreign key refuses a key for a household
    erased meanwhile, and with it the transaction that would have written about it."""
    found = db.session.get(HouseholdKey, household_id)
    if found is None:
        statement = _INSERT_KEY[db.engine.dialect.name](HouseholdKey).values(
            household_id=household_id, key=new_key(), created_at=utcnow()).on_conflict_do_nothing()
        db.session.execute(statement)
        found = db.session.get(HouseholdKey, household_id)
    return found.key


def bound_to(household_id: int, entity: str, entity_id: str | None) -> bytes:
    """Authenticated with the sealed values: they can't be moved to another entity's or household's entry."""
    return f"{household_id}:{entity}:{entity_id}".encode()


def _bound_to(record: AuditEntry) -> bytes:
    return bound_to(record.household_id, record.entity, record.entity_id)
