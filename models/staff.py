"""Invited staff, the roles they hold, and the one-time codes that let them in."""

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from models.db import db, utcnow

ROLES = ("volunteer", "caretaker", "supervisor_subdistrict", "supervisor_district", "supervisor_province", "admin")
SUPERVISOR_ROLES = ("supervisor_subdistrict", "supervisor_district", "supervisor_province", "admin")
# How long an area code is for each role: village 8, subdistrict 6, district 4, province 2 digits;
# "TH" (the whole country) for an admin.
ROLE_AREA_LENGTHS = {
    "volunteer": (8, 6),
    "caretaker": (8, 6),
    "supervisor_subdistrict": (6,),
    "supervisor_district": (4,),
    "supervisor_province": (2,),
    "admin": (2, 4, 6, 0),
}
NATIONWIDE = "TH"
# How often a supervisor is pushed their area's summary: on every reminder day (None, the default), at most once a
# week, or only after the cut-off (domain.step4_care.summaries).
SUMMARY_CHOICES = ("weekly", "cutoff")


class Staff(db.Model):
    """A person who works with the bot. `line_user_id` is set when they register with an invite."""

    __tablename__ = "staff"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    position: Mapped[str] = mapped_column(String(100))
    phone: Mapped[str | None] = mapped_column(String(20))
    line_user_id: Mapped[str | None] = mapped_column(String(64), unique=True)
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    revoked_at: Mapped[datetime | None]
    reminders_muted_at: Mapped[datetime | None]  # when they turned reminders off ("Stop reminders"); None: on
    reminder_days_off: Mapped[list[int] | None] = mapped_column(JSON)  # days of the month turned off, one by one
    summary_choice: Mapped[str | None] = mapped_column(String(8))  # a supervisor's area summaries: SUMMARY_CHOICES

    roles: Mapped[list["StaffRole"]] = relationship(back_populates="staff", cascade="all, delete-orphan",
                                                    lazy="selectin", order_by="StaffRole.id")

    def role_names(self) -> set[str]:
        return {role.role for role in self.roles}


class StaffRole(db.Model):
    """One role of one person, bound to one area (village, subdistrict, district, province or TH)."""

    __tablename__ = "staff_roles"

    id: Mapped[int] = mapped_column(primary_key=True)
    staff_id: Mapped[int] = mapped_column(ForeignKey("staff.id"))
    role: Mapped[str] = mapped_column(String(32))
    area_code: Mapped[str] = mapped_column(String(8))

    staff: Mapped[Staff] = relationship(back_populates="roles")

    __table_args__ = (Index("ix_staff_roles_area", "area_code"),)


class Invite(db.Model):
    """A one-time code for one role in one area. Only its hash is kept; it expires after 7 days."""

    __tablename__ = "invites"

    id: Mapped[int] = mapped_column(primary_key=True)
    code_hash: Mapped[str] = mapped_column(String(64), unique=True)
    role: Mapped[str] = mapped_column(String(32))
    area_code: Mapped[str] = mapped_column(String(8))
    name: Mapped[str | None] = mapped_column(String(200))
    created_by: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]
    used_at: Mapped[datetime | None]
    used_by: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    used_by_staff: Mapped[Staff | None] = relationship(foreign_keys=[used_by])  # set with a new record, no id yet


class InviteAttempt(db.Model):
    """A code typed by a LINE user; five wrong ones in an hour lock that user out for an hour."""

    __tablename__ = "invite_attempts"

    id: Mapped[int] = mapped_column(primary_key=True)
    line_user_id: Mapped[str] = mapped_column(String(64))
    succeeded: Mapped[bool]
    at: Mapped[datetime] = mapped_column(default=utcnow)

    __table_args__ = (Index("ix_invite_attempts_user_at", "line_user_id", "at"),)
