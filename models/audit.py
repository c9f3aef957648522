"""The audit log: who changed what, when, and which LINE event caused it. Rows are never changed.

An entry about a household keeps its personal values (`before`/`after`) sealed with that household's key
(`sealed`); who, when, the action, the entity, the household and the names of the fields stay in clear.
Erasing the household deletes its key: the entry stays, its values can't be read any more (domain.access.audit).
"""

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Index, LargeBinary, String, event
from sqlalchemy.orm import Mapped, mapped_column

from models.db import db, utcnow


class AuditEntry(db.Model):
    """Append-only: the ORM refuses updates and deletes, and so do database triggers (see migrations)."""

    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(default=utcnow)
    staff_id: Mapped[int | None]
    line_user_id: Mapped[str | None] = mapped_column(String(64))
    action: Mapped[str] = mapped_column(String(64))
    entity: Mapped[str] = mapped_column(String(64))
    entity_id: Mapped[str | None] = mapped_column(String(64))
    before: Mapped[dict[str, Any] | None] = mapped_column(JSON(none_as_null=True))  # None: SQL NULL, not JSON null
    after: Mapped[dict[str, Any] | None] = mapped_column(JSON(none_as_null=True))
    event_id: Mapped[str | None] = mapped_column(String(64))
    household_id: Mapped[int | None]  # the household the entry is about; no foreign key: it outlives an erasure
    fields: Mapped[list[str] | None] = mapped_column(JSON(none_as_null=True))  # a sealed entry's field names, in clear
    sealed: Mapped[bytes | None] = mapped_column(LargeBinary)  # nonce + AES-GCM of {"before": ..., "after": ...}

    __table_args__ = (Index("ix_audit_log_entity", "entity", "entity_id"),
                      Index("ix_audit_log_household", "household_id"))


class AppendOnlyError(Exception):
    """Raised on any attempt to change or remove an audit entry."""


@event.listens_for(AuditEntry, "before_update")
@event.listens_for(AuditEntry, "before_delete")
def _refuse_change(mapper, connection, target):
    raise AppendOnlyError("the audit log is append-only")
