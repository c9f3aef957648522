"""Step 4 (ดูแลชีวิต): the monthly check-ins of a household, as append-only events.

A check-in is never changed: a second one in the same period amends the first by being later (both are kept, the
latest counts). What the household is now (its income, status, location, its compass activities' progress, its
problems) is kept on the household's own rows, which each check-in updates, as CommCare keeps cases.
"""

from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, Numeric, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from models.db import db, utcnow

CONTACTS = ("in_person", "phone", "unreached")
UNREACHED_REASONS = ("moved", "away", "refused", "deceased")


class CheckIn(db.Model):
    __tablename__ = "check_ins"

    id: Mapped[int] = mapped_column(primary_key=True)
    household_id: Mapped[int] = mapped_column(ForeignKey("households.id"))
    period: Mapped[int]  # core.periods.Period.key: YYYYMM of the month that names the period
    late: Mapped[bool] = mapped_column(default=False)  # stored for a period after its cut-off
    staff_id: Mapped[int] = mapped_column(ForeignKey("staff.id"))  # who checked in (caretaker, volunteer, supervisor)
    at: Mapped[datetime] = mapped_column(default=utcnow)
    contact: Mapped[str] = mapped_column(String(12))  # CONTACTS
    unreached_reason: Mapped[str | None] = mapped_column(String(12))  # UNREACHED_REASONS
    monthly_income: Mapped[Decimal | None] = mapped_column(Numeric(12, 2))  # baht, the household's this month
    members: Mapped[int | None]  # the members on record when it was given
    per_person_year: Mapped[Decimal | None] = mapped_column(Numeric(12, 2))
    poverty_line: Mapped[int | None]  # the จปฐ. line of the year, baht per person per year
    # Progress given: [{"activity": id, "status": ..., "reason": ...}], only the activities whose status changed.
    activities: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    solved: Mapped[list[int]] = mapped_column(JSON, default=list)  # problems marked solved
    new_problems: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)  # [{"dimension", "indicator"...}]
    latitude: Mapped[float | None]
    longitude: Mapped[float | None]
    photo_id: Mapped[int | None] = mapped_column(ForeignKey("photos.id"))
    note: Mapped[str | None] = mapped_column(Text)

    __table_args__ = (
        Index("ix_check_ins_household_period", "household_id", "period", "at"),  # a household's latest, its trend
        Index("ix_check_ins_period", "period", "household_id"),  # a period's report
    )
