"""Messages to LINE, stored before they are sent so a crash can't lose them, and kept without content once sent."""

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Index, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from models.db import db, utcnow


class OutboxMessage(db.Model):
    """One logical send: a reply, a push or a multicast, of any number of messages and recipients;
    or the bot's leaving a group or room chat (no messages), in its place among the chat's sends.

    Delivery splits it into LINE-sized requests (5 messages, 500 recipients); `requests_done`
    records how far it got, so a resumed delivery sends only the rest, each request with its
    own retry key derived from `retry_key`.

    `messages` holds the bodies only while the row waits to be sent; once it is sent (or fails for good)
    they are replaced by their outline (each message's type), so what staff were told about households
    does not stay in this table. A message carrying a secret (an invitation code) is never readable at
    rest: its bodies are in `sealed` (AES-GCM, see `bot.outbox`), `messages` holds the outline from the start.
    """

    __tablename__ = "outbox_messages"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))  # reply | push | multicast | leave_group | leave_room
    reply_token: Mapped[str | None] = mapped_column(String(64))
    # Until when the reply token may still be tried: the webhook event's time plus most of its minute.
    reply_until: Mapped[datetime | None]
    recipients: Mapped[list[str]] = mapped_column(JSON)
    # The one recipient of a reply or push: that person's rows are sent one after another, in order.
    user_key: Mapped[str | None] = mapped_column(String(64))
    messages: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    sealed: Mapped[bytes | None] = mapped_column(LargeBinary)
    retry_key: Mapped[str] = mapped_column(String(36))
    source_event_id: Mapped[str | None] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(16), default="pending")  # pending | sent | failed
    requests_done: Mapped[int] = mapped_column(default=0)
    attempts: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    next_attempt_at: Mapped[datetime] = mapped_column(default=utcnow)
    # The lease of the delivery attempt sending the row, and the process holding it (host:pid, see bot.leases).
    claimed_until: Mapped[datetime | None]
    claimed_by: Mapped[str | None] = mapped_column(String(100))
    sent_at: Mapped[datetime | None]
    error: Mapped[str | None] = mapped_column(Text)

    __table_args__ = (Index("ix_outbox_messages_due", "status", "next_attempt_at"),
                      Index("ix_outbox_messages_user_pending", "user_key", "status", "id"))
