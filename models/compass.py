"""Steps 2–3: a household's life compass (เข็มทิศชีวิต), each version a row, and its activities.

A revision (step 4.3) is a new version with who, when and why; earlier versions stay as they were. The
family's commitment to a version, the MOU, is its acceptance: the family's representative, the team members
present, when and by which staff member, and a photo of the signed paper if one was sent.
"""

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, Numeric, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from models.db import db, utcnow

PARTS = ("self", "community", "government")  # step 3: the family itself, its community, the state
ACTIVITY_STATUSES = ("not_started", "under_way", "done", "dropped")


class Compass(db.Model):
    __tablename__ = "compasses"

    id: Mapped[int] = mapped_column(primary_key=True)
    household_id: Mapped[int] = mapped_column(ForeignKey("households.id"))
    version: Mapped[int]
    classification: Mapped[str] = mapped_column(String(20))  # the household's when the compass was written
    goals: Mapped[dict[str, str]] = mapped_column(JSON)  # 3พ: economy, happiness, family
    spending: Mapped[dict[str, str] | None] = mapped_column(JSON)  # baht a month by kind
    debt_repayment: Mapped[Decimal | None] = mapped_column(Numeric(12, 2))  # baht a month
    way_out: Mapped[dict[str, Any] | None] = mapped_column(JSON)  # the occupation or way out, extra income a month
    target_per_person_year: Mapped[Decimal | None] = mapped_column(Numeric(12, 2))
    target_date: Mapped[date | None]
    reason: Mapped[str | None] = mapped_column(Text)  # why a revision was made
    created_by: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    representative: Mapped[str | None] = mapped_column(String(200))  # MOU: who commits for the family
    team: Mapped[str | None] = mapped_column(Text)  # MOU: the team members present
    accepted_at: Mapped[datetime | None]
    accepted_by: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    photo_id: Mapped[int | None] = mapped_column(ForeignKey("photos.id"))  # the signed paper

    activities: Mapped[list["CompassActivity"]] = relationship(back_populates="compass", cascade="all, delete-orphan",
                                                              order_by="CompassActivity.id")

    __table_args__ = (UniqueConstraint("household_id", "version", name="uq_compasses_household_version"),
                      Index("ix_compasses_household", "household_id"))


class CompassActivity(db.Model):
    """One thing to do in step 3: by the family, the community or a government agency, by a target month."""

    __tablename__ = "compass_activities"

    id: Mapped[int] = mapped_column(primary_key=True)
    compass_id: Mapped[int] = mapped_column(ForeignKey("compasses.id"))
    part: Mapped[str] = mapped_column(String(12))  # PARTS
    kind: Mapped[str] = mapped_column(String(40))  # a common activity's code, or "other"
    text: Mapped[str] = mapped_column(Text)  # what is to be done, as the family put it when typed
    who: Mapped[str] = mapped_column(String(200))
    target_month: Mapped[date]  # the first of the month
    sign: Mapped[str | None] = mapped_column(String(200))  # how its progress is seen
    agency: Mapped[str | None] = mapped_column(String(60))  # government part: the responsible agency
    support: Mapped[str | None] = mapped_column(Text)  # government part: the support asked for
    support_baht: Mapped[Decimal | None] = mapped_column(Numeric(12, 2))
    status: Mapped[str] = mapped_column(String(16), default="not_started")  # ACTIVITY_STATUSES
    status_reason: Mapped[str | None] = mapped_column(Text)

    compass: Mapped[Compass] = relationship(back_populates="activities")

    __table_args__ = (Index("ix_compass_activities_compass", "compass_id"),)
