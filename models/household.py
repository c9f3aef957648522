"""Target households, their members and their problems (step 1 of the process)."""

import re
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import ForeignKey, Index, Numeric, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship, validates

from models.db import db, utcnow

DIMENSIONS = ("health", "living", "education", "income", "public_services")  # TPMAP's five
INCOME_BASES = ("members", "sources", "typed", "check_in")  # the members' incomes added up, the income sources', typed
# at a visit, or given at a monthly check-in
CLOSED_STATUSES = ("moved", "deceased", "withdrawn")  # a household no longer followed: no check-in is due


def house_order(number: str) -> str:
    """A house number's sort key, so that ordering by it is the natural order on any database and collation:
    "5" < "12" < "19" < "88" < "88/2" < "88/10". Each run of digits in turn, as its digit count (two digits) then
    the digits without leading zeros; anything else only separates numbers, so the key has digits alone, which
    every collation orders as text. A number without digits has the empty key and comes first."""
    runs = (run.lstrip("0") or "0" for run in re.findall(r"[0-9]+", number))
    return "".join(f"{len(run):02d}{run}" for run in runs)


class Household(db.Model):
    __tablename__ = "households"

    id: Mapped[int] = mapped_column(primary_key=True)
    house_code: Mapped[str | None] = mapped_column(String(11), unique=True)  # รหัสประจำบ้าน
    house_number: Mapped[str] = mapped_column(String(30))
    house_order: Mapped[str] = mapped_column(String(64))  # house_order(house_number), set with it: lists sort by it
    village_code: Mapped[str] = mapped_column(String(8), ForeignKey("areas.code"))
    head_name: Mapped[str] = mapped_column(String(200))  # kept here for search and lists
    source: Mapped[str] = mapped_column(String(12))
    source_year: Mapped[int]  # Buddhist Era
    status: Mapped[str] = mapped_column(String(16), default="open")
    stage: Mapped[str | None] = mapped_column(String(16))
    classification: Mapped[str | None] = mapped_column(String(20))
    classification_reason: Mapped[str | None] = mapped_column(Text)
    consent: Mapped[bool | None]  # PDPA consent at the last visit; False: no personal data kept
    # The household's one income figure (baht a month), what it rests on (INCOME_BASES) and the day it was given;
    # none until a visit gives it (domain.step1_survey.income falls back to the members' incomes).
    monthly_income: Mapped[Decimal | None] = mapped_column(Numeric(12, 2))
    income_basis: Mapped[str | None] = mapped_column(String(16))
    income_on: Mapped[date | None]
    # Where the house is (LINE's location message at a visit or a check-in), for the map in reports.
    latitude: Mapped[float | None]
    longitude: Mapped[float | None]
    import_key: Mapped[str | None] = mapped_column(String(64), unique=True)  # stable id of an imported row
    import_digest: Mapped[str | None] = mapped_column(String(64))  # what the last import said (the importer)
    test_data: Mapped[bool] = mapped_column(default=False)
    created_by: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)

    members: Mapped[list["Member"]] = relationship(back_populates="household", cascade="all, delete-orphan",
                                                   order_by="Member.id")
    problems: Mapped[list["Problem"]] = relationship(back_populates="household", cascade="all, delete-orphan",
                                                     order_by="Problem.id")

    @validates("house_number")
    def _keep_order(self, key: str, number: str) -> str:
        """Every house number set through the ORM keeps its sort key; bulk inserts set `house_order` themselves."""
        self.house_order = house_order(number)
        return number

    __table_args__ = (
        # A village's households in natural order (search results), and a house number looked up in its village.
        Index("ix_households_village_order", "village_code", "house_order", "house_number"),
        Index("ix_households_house_number", "house_number"),  # a nationwide search by number, OR'ed with the name
        # Substring search by name: trigrams on PostgreSQL; on SQLite a plain index here, the trigrams being
        # in a full-text table outside the models (migration 0005, domain.step1_survey.households.name_matches).
        Index("ix_households_head_name", "head_name", postgresql_using="gin",
              postgresql_ops={"head_name": "gin_trgm_ops"}),
    )


class Member(db.Model):
    """A household member. The national ID is kept as a keyed hash (to look it up) and its last digits."""

    __tablename__ = "members"

    id: Mapped[int] = mapped_column(primary_key=True)
    household_id: Mapped[int] = mapped_column(ForeignKey("households.id"))
    name: Mapped[str] = mapped_column(String(200))
    national_id_hash: Mapped[str | None] = mapped_column(String(64))
    national_id_last: Mapped[str | None] = mapped_column(String(4))
    sex: Mapped[str | None] = mapped_column(String(8))  # male | female
    birth_date: Mapped[date | None]
    relation: Mapped[str | None] = mapped_column(String(30))  # to the head: head, spouse, child, ...
    education: Mapped[str | None] = mapped_column(String(60))
    occupation: Mapped[str | None] = mapped_column(String(100))
    monthly_income: Mapped[Decimal | None] = mapped_column(Numeric(12, 2))
    disabled: Mapped[bool] = mapped_column(default=False)
    bedridden: Mapped[bool] = mapped_column(default=False)
    chronic_illness: Mapped[bool] = mapped_column(default=False)
    welfare_card: Mapped[bool] = mapped_column(default=False)  # บัตรสวัสดิการแห่งรัฐ
    can_work: Mapped[bool] = mapped_column(default=True)
    test_data: Mapped[bool] = mapped_column(default=False)

    household: Mapped[Household] = relationship(back_populates="members")

    __table_args__ = (Index("ix_members_national_id_hash", "national_id_hash"),
                      Index("ix_members_household", "household_id"))


class Problem(db.Model):
    """One problem of one household, in one of TPMAP's five dimensions."""

    __tablename__ = "problems"

    id: Mapped[int] = mapped_column(primary_key=True)
    household_id: Mapped[int] = mapped_column(ForeignKey("households.id"))
    dimension: Mapped[str] = mapped_column(String(20))
    indicator: Mapped[str | None] = mapped_column(String(100))
    description: Mapped[str | None] = mapped_column(Text)
    agency: Mapped[str | None] = mapped_column(String(200))
    status: Mapped[str] = mapped_column(String(16), default="open")
    opened_on: Mapped[date | None]
    solved_on: Mapped[date | None]

    household: Mapped[Household] = relationship(back_populates="problems")

    __table_args__ = (Index("ix_problems_household", "household_id"),)
