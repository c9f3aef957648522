"""Reminders pushed, one row each, so that none is pushed twice."""

from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from models.db import db, utcnow


class SentReminder(db.Model):
    """A reminder queued to one person: stored in the same transaction as its outbox message, under a unique
    (person, period, kind, day), so a tick run twice, after a restart or by two processes at once queues it once."""

    __tablename__ = "sent_reminders"

    id: Mapped[int] = mapped_column(primary_key=True)
    staff_id: Mapped[int] = mapped_column(ForeignKey("staff.id"))
    period: Mapped[int]  # core.periods.Period.key
    kind: Mapped[str] = mapped_column(String(24))  # reminders.CARETAKER_DUE, summaries.SUMMARY or .LATE (step 4)
    day: Mapped[date] = mapped_column(Date)  # the reminder day of the schedule (local)
    outbox_id: Mapped[int | None]  # its message; no foreign key: sent messages are deleted after a while
    at: Mapped[datetime] = mapped_column(default=utcnow)

    __table_args__ = (UniqueConstraint("staff_id", "period", "kind", "day", name="uq_sent_reminders_key"),)
