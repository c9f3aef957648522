"""Who looks after a household (step 4, ดูแลชีวิต): one caretaker at a time, with the history of who had it."""

from datetime import datetime

from sqlalchemy import ForeignKey, Index, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from models.db import db
from models.household import Household
from models.staff import Staff


class CareAssignment(db.Model):
    """One household in one caretaker's care, from `started_at` until `ended_at` (None: still theirs).

    A reassignment ends the current row and starts a new one, so the rows of a household are its history:
    from, to, and who assigned and who ended each. At most one row of a household is current (a unique index)."""

    __tablename__ = "care_assignments"

    id: Mapped[int] = mapped_column(primary_key=True)
    household_id: Mapped[int] = mapped_column(ForeignKey("households.id"))
    caretaker_id: Mapped[int] = mapped_column(ForeignKey("staff.id"))
    assigned_by: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    started_at: Mapped[datetime]
    ended_at: Mapped[datetime | None]
    ended_by: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))

    household: Mapped[Household] = relationship()
    caretaker: Mapped[Staff] = relationship(foreign_keys=[caretaker_id])

    __table_args__ = (
        Index("ix_care_assignments_current", "household_id", unique=True,
              sqlite_where=text("ended_at IS NULL"), postgresql_where=text("ended_at IS NULL")),
        Index("ix_care_assignments_household", "household_id"),
        Index("ix_care_assignments_caretaker", "caretaker_id", "ended_at"),  # a caretaker's load, "my households"
    )
