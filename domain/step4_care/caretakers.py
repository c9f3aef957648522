"""Caretakers: each household gets one officer or community leader registered as caretaker, about three households
each (the guideline's rule of thumb; above CARETAKER_MAX_HOUSEHOLDS an assignment needs a confirmation).

An assignment is a row from a time to a time (`models.CareAssignment`): giving a household to someone else ends the
current row and starts a new one, so its history says who had it, from when to when, and who decided. The chat
(`dialogs.caretakers`) and the command line (`domain.step4_care.assign_file`) both assign here; the households they
reach come through `domain.step1_survey.households`, that is through the area scope. Nothing is written here: the
caller stores the records.
"""

from dataclasses import dataclass
from datetime import datetime

from flask import current_app
from sqlalchemy import func, select

from domain.step1_survey import households
from models import CareAssignment, Household, Staff, StaffRole, db

MAX_SETTING = "CARETAKER_MAX_HOUSEHOLDS"
ROLE = "caretaker"
# Who assigns: subdistrict and district supervisors (the guideline) and administrators; not a province supervisor.
ASSIGNERS = ("supervisor_subdistrict", "supervisor_district", "admin")
LIST_LIMIT = 50  # households of a village listed at once; the next ones show as these get a caretaker


def max_households() -> int:
    """The load above which an assignment needs a confirmation (and shows in reports)."""
    return current_app.config[MAX_SETTING]


def covers(caretaker: Staff, village_code: str) -> bool:
    """Whether the person is an active caretaker whose area holds the village."""
    return caretaker.active and any(role.role == ROLE and village_code.startswith(role.area_code)
                                    for role in caretaker.roles)


def candidates(village_code: str) -> list[Staff]:
    """The active caretakers whose area holds the village (its own or its subdistrict's), by name."""
    areas_above = [village_code[:length] for length in (8, 6)]
    holding = select(StaffRole.staff_id).where(StaffRole.role == ROLE, StaffRole.area_code.in_(areas_above))
    return list(db.session.scalars(select(Staff).where(Staff.id.in_(holding), Staff.active.is_(True))
                                   .order_by(Staff.name, Staff.id)))


def loads(caretaker_ids: list[int]) -> dict[int, int]:
    """How many households each of these caretakers looks after now."""
    counted = db.session.execute(select(CareAssignment.caretaker_id, func.count())
                                 .where(CareAssignment.caretaker_id.in_(caretaker_ids),
                                        CareAssignment.ended_at.is_(None))
                                 .group_by(CareAssignment.caretaker_id))
    return dict.fromkeys(caretaker_ids, 0) | {caretaker: count for caretaker, count in counted}


def current(household_id: int) -> CareAssignment | None:
    """The household's assignment in force, if it has a caretaker."""
    return db.session.scalar(select(CareAssignment).where(CareAssignment.household_id == household_id,
                                                          CareAssignment.ended_at.is_(None)))


def history(household_id: int) -> list[CareAssignment]:
    """Every assignment the household has had, the first first."""
    return list(db.session.scalars(select(CareAssignment).where(CareAssignment.household_id == household_id)
                                   .order_by(CareAssignment.started_at, CareAssignment.id)))


def in_village(viewer: Staff, village_code: str, with_caretaker: bool) -> tuple[list[Household], int]:
    """The village's households the viewer may see that have no caretaker (or that have one), in house-number
    order: the first LIST_LIMIT, and how many there are."""
    cared = select(CareAssignment.household_id).where(CareAssignment.ended_at.is_(None))
    query = households.visible(viewer).where(Household.village_code == village_code,
                                             Household.id.in_(cared) if with_caretaker else Household.id.not_in(cared))
    total = db.session.scalar(select(func.count()).select_from(query.subquery()))
    found = db.session.scalars(query.order_by(Household.house_order, Household.house_number, Household.id)
                               .limit(LIST_LIMIT))
    return list(found), total


def caretakers_of(found: list[Household]) -> dict[int, Staff]:
    """The current caretaker of each of these households that has one, in one query."""
    rows = db.session.execute(select(CareAssignment.household_id, Staff)
                              .join(Staff, Staff.id == CareAssignment.caretaker_id)
                              .where(CareAssignment.household_id.in_([h.id for h in found]),
                                     CareAssignment.ended_at.is_(None)))
    return {household: staff for household, staff in rows}


def in_care_of(caretaker: Staff) -> list[Household]:
    """The households a caretaker looks after now ("my households"), by village and house number."""
    found = db.session.scalars(select(Household).join(CareAssignment, CareAssignment.household_id == Household.id)
                               .where(CareAssignment.caretaker_id == caretaker.id, CareAssignment.ended_at.is_(None))
                               .order_by(Household.village_code, Household.house_order, Household.house_number,
                                         Household.id))
    return list(found)


@dataclass(frozen=True)
class Assignment:
    """What assigning changes: the row started (None when the household was theirs already) and the one ended."""

    household: Household
    caretaker: Staff
    started: CareAssignment | None
    ended: CareAssignment | None

    @property
    def records(self) -> list[CareAssignment]:
        return [row for row in (self.ended, self.started) if row is not None]

    @property
    def before(self) -> dict:
        return {"caretaker": self.ended.caretaker_id if self.ended else None}

    @property
    def after(self) -> dict:
        return {"caretaker": self.caretaker.id}


def assign(household: Household, caretaker: Staff, by: Staff | None, now: datetime,
           in_force: CareAssignment | None = None) -> Assignment:
    """Give the household to the caretaker from `now` (UTC): the assignment in force (`in_force`, looked up when not
    given) ends then, by `by`. A household already theirs stays as it is."""
    in_force = in_force or current(household.id)
    if in_force is not None and in_force.caretaker_id == caretaker.id:
        return Assignment(household, caretaker, None, None)
    if in_force is not None:
        in_force.ended_at, in_force.ended_by = now, by.id if by else None
    started = CareAssignment(household_id=household.id, caretaker_id=caretaker.id, assigned_by=by.id if by else None,
                             started_at=now)
    return Assignment(household, caretaker, started, in_force)
