"""Writing and reading the audit log: one entry per change, added to the same transaction as the change.

The log is append-only, yet a household can ask to be erased (PDPA). So an entry about a household seals its
personal values with that household's own random key (AES-256-GCM, bound to the entry's entity and household),
and keeps in clear only who, when, what action, which entity and which fields. Erasing the household deletes
the key (bot.privacy.erase): its entries stay where they are, unchanged, and can no longer be read.

A conversation's changes are described as `Change`s, returned with the records they are about: a new record
has no id until `bot.inbox.apply` stores it, so a change names the record itself and becomes a sealed entry
(`written`) after apply's flush, bound to the id the record was given. Code outside a conversation (the
command line, the importer) writes its entries with `entry` directly.
"""

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import insert
from sqlalchemy.dialects import postgresql, sqlite

from core.sealing import new_key, seal, unseal
from core.types import Context
from models import AuditEntry, HouseholdKey, db

_INSERT_KEY = {"postgresql": postgresql.insert, "sqlite": sqlite.insert}


def row(action: str, entity: str, entity_id, *, staff_id: int | None = None, line_user_id: str | None = None,
        before: dict | None = None, after: dict | None = None, event_id: str | None = None,
        household: int | None = None, key: bytes | None = None, at: datetime | None = None) -> dict:
    """An entry as the columns of its row, all but its id; with `household`, `before` and `after` are that
    household's personal values and are sealed (`key`: the household's key when the caller already has it, as a
    bulk import does). `at`: when the change happened (a conversation's time, `Change.at`; an import's); without
    it, when the entry is stored (a command)."""
    entity_id = None if entity_id is None else str(entity_id)
    columns = {"action": action, "entity": entity, "entity_id": entity_id, "staff_id": staff_id,
               "line_user_id": line_user_id, "event_id": event_id, "household_id": household,
               "before": before, "after": after, "fields": None, "sealed": None} | ({"at": at} if at else {})
    if household is not None and (before is not None or after is not None):
        columns |= {"before": None, "after": None, "fields": sorted({*(before or {}), *(after or {})}),
                    "sealed": seal(key or key_for(household), bound_to(household, entity, entity_id),
                                   {"before": before, "after": after})}
    return columns


def entry(action: str, entity: str, entity_id, **details) -> AuditEntry:
    """An entry as a record to add to the session (`row`'s arguments)."""
    return AuditEntry(**row(action, entity, entity_id, **details))


@dataclass(frozen=True)
class Change:
    """An entry still to be written, about `subject` (a record, or its id). `subject`, `staff` and `household`,
    and the values of `before` and `after`, may be records not stored yet: their ids are read when it is
    `written`, after they are stored."""

    action: str
    entity: str
    subject: object
    at: datetime
    staff: object = None
    line_user_id: str | None = None
    event_id: str | None = None
    household: object = None
    before: dict | None = None
    after: dict | None = None


def change(ctx: Context, action: str, entity: str, subject, *, staff=None, household=None,
           before: dict | None = None, after: dict | None = None) -> Change:
    """A change made in a conversation: by `staff` (the person talking, unless given) at the context's time."""
    return Change(action, entity, subject, at=ctx.now, staff=staff or ctx.staff, line_user_id=ctx.line_user.user_id,
                  event_id=ctx.event_id, household=household, before=before, after=after)


def written(change: Change, event_id: str | None = None) -> dict:
    """The entry of a change whose records are stored (and flushed), sealed as `entry` seals it: as the columns of
    its row, for `store`."""
    return row(change.action, change.entity, _id(change.subject), staff_id=_id(change.staff),
               line_user_id=change.line_user_id, before=_ids(change.before), after=_ids(change.after),
               event_id=change.event_id or event_id, household=_id(change.household), at=change.at)


def store(rows: list[dict]) -> None:
    """Written entries, inserted in the session's transaction in one statement. Their ids are not read back (no
    record refers to an audit entry), so no ORM object is made for them: a batch of 500 check-ins writes about 950
    entries, and as ORM objects building, flushing and expiring them took an eighth of its CPU (`bench.checkin`)."""
    if rows:
        db.session.execute(insert(AuditEntry.__table__), rows)


def _id(value):
    """A record's id, or the value itself (an id already, or None)."""
    return value.id if isinstance(value, db.Model) else value


def _ids(values: dict | None) -> dict | None:
    return None if values is None else {key: _id(value) for key, value in values.items()}


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
            household_id=household_id, key=new_key()).on_conflict_do_nothing()
        db.session.execute(statement)
        found = db.session.get(HouseholdKey, household_id)
    return found.key


def bound_to(household_id: int, entity: str, entity_id: str | None) -> bytes:
    """Authenticated with the sealed values: they can't be moved to another entity's or household's entry."""
    return f"{household_id}:{entity}:{entity_id}".encode()


def _bound_to(record: AuditEntry) -> bytes:
    return bound_to(record.household_id, record.entity, record.entity_id)
