"""Door-knock visits: the 4ท interview's record for one household on one day."""

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from models.db import db, utcnow


class Visit(db.Model):
    """What the team learnt at the door: ท1 outlook, ท2 skills, ท3 resources, ท4 the way out, the causes
    of poverty, the classification (suggested and final) and the family's acknowledgement.

    With consent refused, only the refusal is kept: no answers, no personal data.
    """

    __tablename__ = "visits"

    id: Mapped[int] = mapped_column(primary_key=True)
    household_id: Mapped[int] = mapped_column(ForeignKey("households.id"))
    staff_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    visited_at: Mapped[datetime] = mapped_column(default=utcnow)
    consent: Mapped[bool]
    outlook: Mapped[dict[str, Any] | None] = mapped_column(JSON)  # ท1 ทัศนะ
    skills: Mapped[dict[str, Any] | None] = mapped_column(JSON)  # ท2 ทักษะ
    resources: Mapped[dict[str, Any] | None] = mapped_column(JSON)  # ท3 ทรัพยากร
    way_out: Mapped[dict[str, Any] | None] = mapped_column(JSON)  # ท4 ทางออก
    problem_notes: Mapped[dict[str, str] | None] = mapped_column(JSON)  # a note per dimension, as told at the door
    causes: Mapped[str | None] = mapped_column(Text)
    suggested_classification: Mapped[str | None] = mapped_column(String(20))
    classification: Mapped[str | None] = mapped_column(String(20))
    override_reason: Mapped[str | None] = mapped_column(Text)
    acknowledged_by: Mapped[str | None] = mapped_column(String(200))
    acknowledged_at: Mapped[datetime | None]

    __table_args__ = (Index("ix_visits_household", "household_id"),)
