"""A LINE account that has added the bot as a friend."""

from datetime import datetime

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from models.db import db, utcnow


class LineUser(db.Model):
    """Who follows the bot. Staff records (a later step) point here; unfollow clears `following`."""

    __tablename__ = "line_users"

    user_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    display_name: Mapped[str | None] = mapped_column(String(200))
    following: Mapped[bool] = mapped_column(default=True)
    language: Mapped[str] = mapped_column(String(8), default="th")
    first_seen_at: Mapped[datetime] = mapped_column(default=utcnow)
    followed_at: Mapped[datetime | None]
    unfollowed_at: Mapped[datetime | None]
