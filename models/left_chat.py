"""Group and room chats the bot has left."""

from datetime import datetime

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from models.db import db, utcnow


class LeftChat(db.Model):
    """A group or room chat the bot was brought into and left (the bot works only one-to-one).
    Remembered so that it says why only once: events from the chat still on their way get no answer."""

    __tablename__ = "left_chats"

    chat_id: Mapped[str] = mapped_column(String(64), primary_key=True)  # LINE's groupId or roomId
    chat_type: Mapped[str] = mapped_column(String(8))  # group | room
    left_at: Mapped[datetime] = mapped_column(default=utcnow)
