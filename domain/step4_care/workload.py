"""Caretakers' workload in an area: each caretaker with how many households they look after and in which villages,
those above CARETAKER_MAX_HOUSEHOLDS flagged (the guideline's rule of thumb is about 3 each), and the area's totals.

The caretakers of an area are the active ones whose role's area lies in it or holds it (a subdistrict's caretaker
for one of its villages), and anyone who looks after one of its households now, a revoked person included: their
households still need someone. A load counts every household in the person's care, wherever it is, since the limit
is about the whole. `flask --app wsgi caretakers loads --area CODE` prints it; reports read it too.
"""

from dataclasses import dataclass

from sqlalchemy import func, or_, select

from domain.access.scope import Scope
from domain.step4_care import caretakers
from models import Area, CareAssignment, Household, Staff, StaffRole, db


class UnknownArea(Exception):
    """No province, district, subdistrict or village has this code."""


@dataclass(frozen=True)
class Load:
    caretaker: Staff
    households: int  # in their care now, inside the area or not
    villages: list[str]  # the codes of those households' villages, in code order
    above_limit: bool


@dataclass(frozen=True)
class Workload:
    area: Area
    maximum: int  # CARETAKER_MAX_HOUSEHOLDS when it was read
    loads: list[Load]  # by name
    with_caretaker: int  # households of the area that have one
    without_caretaker: int

    @property
    def above_limit(self) -> list[Load]:
        return [load for load in self.loads if load.above_limit]


def known_area(code: str) -> Area:
    """The province, district, subdistrict or village `code` names; UnknownArea otherwise."""
    area = db.session.get(Area, code) if code.isascii() and code.isdigit() else None
    if area is None:
        raise UnknownArea(code)
    return area


def of_area(area: Area) -> Workload:
    """The caretakers of the area with their loads, and how many of its households have a caretaker."""
    inside = Scope((area.code,))
    in_force = CareAssignment.ended_at.is_(None)
    holding = [area.code[:length] for length in (6, 8) if length < len(area.code)]
    by_role = select(StaffRole.staff_id).join(Staff, Staff.id == StaffRole.staff_id).where(
        StaffRole.role == caretakers.ROLE, Staff.active.is_(True),
        or_(inside.condition(StaffRole.area_code), StaffRole.area_code.in_(holding)))
    by_household = select(CareAssignment.caretaker_id).join(Household, Household.id == CareAssignment.household_id) \
        .where(in_force, inside.condition(Household.village_code))
    people = list(db.session.scalars(select(Staff).where(or_(Staff.id.in_(by_role), Staff.id.in_(by_household)))
                                     .order_by(Staff.name, Staff.id)))
    villages: dict[int, list[str]] = {person.id: [] for person in people}
    for person, village in db.session.execute(
            select(CareAssignment.caretaker_id, Household.village_code).distinct()
            .join(Household, Household.id == CareAssignment.household_id)
            .where(in_force, CareAssignment.caretaker_id.in_(villages)).order_by(Household.village_code)):
        villages[person].append(village)
    counts = caretakers.loads(list(villages))
    maximum = caretakers.max_households()
    households = db.session.scalar(select(func.count()).select_from(Household)
                                   .where(inside.condition(Household.village_code)))
    cared = db.session.scalar(select(func.count(CareAssignment.household_id.distinct()))
                              .join(Household, Household.id == CareAssignment.household_id)
                              .where(in_force, inside.condition(Household.village_code)))
    return Workload(area, maximum, [Load(person, counts[person.id], villages[person.id], counts[person.id] > maximum)
                                    for person in people], cared, households - cared)
