"""Writing the audit log: one entry per change, added to the same transaction as the change."""

from models import AuditEntry, utcnow


def entry(action: str, entity: str, entity_id, *, staff_id: int | None = None, line_user_id: str | None = None,
          before: dict | None = None, after: dict | None = None, event_id: str | None = None) -> AuditEntry:
    return AuditEntry(at=utcnow(), action=action, entity=entity,
                      entity_id=None if entity_id is None else str(entity_id), staff_id=staff_id,
                      line_user_id=line_user_id, before=before, after=after, event_id=event_id)
