"""Each household's data key: personal values in its audit entries are sealed with it, and erasing the
household deletes it, which leaves those entries in place (the log is append-only) but unreadable."""

from datetime import datetime

from sqlalchemy import ForeignKey, LargeBinary
from sqlalchemy.orm import Mapped, mapped_column

from models.db import db, utcnow


class HouseholdKey(db.Model):
    __tablename__ = "household_keys"

    household_id: Mapped[int] = mapped_column(ForeignKey("households.id"), primary_key=True)
    key: Mapped[bytes] = mapped_column(LargeBinary)  # 32 random bytes: an AES-256-GCM key
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
