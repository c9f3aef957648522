"""Where each person is in a conversation: saved after every step, so nothing typed is lost."""

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Index, String, text
from sqlalchemy.orm import Mapped, mapped_column

from models.db import db, utcnow


class DialogSession(db.Model):
    """One run of one dialog for one LINE user.

    `state` is the question being asked, `answers` what was given so far, `history` the questions
    answered in order (for "back"), `version` counts steps so a button from an older step can be
    recognised as expired. Status: active (at most one per user), draft (left unfinished for days,
    can be resumed), done, cancelled.
    """

    __tablename__ = "dialog_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(16), unique=True)  # names the session in its buttons
    line_user_id: Mapped[str] = mapped_column(String(64))
    dialog: Mapped[str] = mapped_column(String(40))
    state: Mapped[str] = mapped_column(String(40))
    answers: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    history: Mapped[list[str]] = mapped_column(JSON, default=list)
    version: Mapped[int] = mapped_column(default=1)
    failures: Mapped[int] = mapped_column(default=0)
    # A yes/no the engine itself is waiting for, outside the dialog's questions: "cancel".
    confirming: Mapped[str | None] = mapped_column(String(16))
    status: Mapped[str] = mapped_column(String(16), default="active")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)

    __table_args__ = (
        Index("ix_dialog_sessions_one_active", "line_user_id", unique=True,
              sqlite_where=text("status = 'active'"), postgresql_where=text("status = 'active'")),
        Index("ix_dialog_sessions_user_status", "line_user_id", "status"),
    )
