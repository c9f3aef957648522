"""Typed SQLAlchemy models. Import them from here so Alembic sees every table."""

from models.db import Base, db, utcnow
from models.inbox import InboxEvent
from models.line_user import LineUser
from models.outbox import OutboxMessage

__all__ = ["Base", "db", "utcnow", "InboxEvent", "LineUser", "OutboxMessage"]
