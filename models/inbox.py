"""Webhook events as LINE delivered them, kept until handled exactly once."""

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from models.db import db, utcnow


class InboxEvent(db.Model):
    """One webhook event. The id orders a user's events; the unique LINE id makes redelivery harmless.

    `status` goes pending → done in the same transaction as the event's effects, so an event's
    effects happen once however often LINE delivers it; or pending → failed (`attempts` tries,
    `error` says what failed and where, never what was typed).
    """

    __tablename__ = "inbox_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    webhook_event_id: Mapped[str] = mapped_column(String(64), unique=True)
    user_key: Mapped[str] = mapped_column(String(64))
    event_type: Mapped[str] = mapped_column(String(32))
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
    redelivery: Mapped[bool] = mapped_column(default=False)
    received_at: Mapped[datetime] = mapped_column(default=utcnow)
    status: Mapped[str] = mapped_column(String(16), default="pending")
    attempts: Mapped[int] = mapped_column(default=0)
    processed_at: Mapped[datetime | None]
    error: Mapped[str | None] = mapped_column(Text)

    __table_args__ = (Index("ix_inbox_events_pending", "status", "user_key", "id"),)
