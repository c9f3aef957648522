"""Typed SQLAlchemy models. Import them from here so Alembic sees every table."""

from models.audit import AppendOnlyError, AuditEntry
from models.db import Base, db, utcnow
from models.dialog_session import DialogSession
from models.inbox import InboxEvent
from models.line_user import LineUser
from models.outbox import OutboxMessage
from models.photo import Photo
from models.staff import Invite, InviteAttempt, Staff, StaffRole

__all__ = [
    "AppendOnlyError", "AuditEntry", "Base", "DialogSession", "InboxEvent", "Invite", "InviteAttempt",
    "LineUser", "OutboxMessage", "Photo", "Staff", "StaffRole", "db", "utcnow",
]
