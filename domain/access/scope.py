"""Area scope: the one place that decides which areas a staff member may see.

Area codes nest by prefix (province 30 ⊃ district 3006 ⊃ subdistrict 300601 ⊃ village 30060105),
so a person's scope is the set of area-code prefixes of their roles, and a row is in scope when
its area code starts with one of them. Every list, report and export filters through here.

A caretaker also sees the households assigned to them (step 4), wherever those are: `Scope.households`.
"""

from dataclasses import dataclass

from sqlalchemy import ColumnElement, and_, false, or_, select, true

from models import CareAssignment, Household, Staff, StaffRole
from models.staff import NATIONWIDE


class OutOfScope(Exception):
    """Someone asked for an area outside their scope."""


@dataclass(frozen=True)
class Scope:
    prefixes: tuple[str, ...]
    caretaker: int | None = None  # a caretaker's staff id: the households in their care are in scope too

    @property
    def nationwide(self) -> bool:
        return "" in self.prefixes

    def contains(self, area_code: str) -> bool:
        return any(area_code.startswith(prefix) for prefix in self.prefixes)

    def require(self, area_code: str) -> None:
        if not self.contains(area_code):
            raise OutOfScope(area_code)

    def condition(self, column) -> ColumnElement[bool]:
        """A WHERE clause limiting `column` (an area code) to this scope."""
        if self.nationwide:
            return true()
        if not self.prefixes:
            return false()
        # A prefix as a range of codes ("3006" ≤ code < "3007"): an ordinary index serves it on SQLite
        # and PostgreSQL in any collation, where LIKE '3006%' would scan every row.
        return or_(*(and_(column >= prefix, column < prefix[:-1] + chr(ord(prefix[-1]) + 1))
                     for prefix in self.prefixes))


    def households(self) -> ColumnElement[bool]:
        """A WHERE clause limiting households to this scope: those in its areas, and a caretaker's own."""
        in_areas = self.condition(Household.village_code)
        if self.caretaker is None:
            return in_areas
        in_care = select(CareAssignment.household_id).where(CareAssignment.caretaker_id == self.caretaker,
                                                            CareAssignment.ended_at.is_(None))
        return or_(in_areas, Household.id.in_(in_care))


NOTHING = Scope(())
EVERYWHERE = Scope(("",))  # to tell "outside your area" from "no such area", never to offer or take one


def of(staff: Staff | None) -> Scope:
    """The areas a person may see: those of all their roles, and for a caretaker the households in their care.
    No one (or a revoked person): nothing."""
    if staff is None or not staff.active:
        return NOTHING
    prefixes = {"" if role.area_code == NATIONWIDE else role.area_code for role in staff.roles}
    return Scope(tuple(sorted(prefixes)), caretaker=staff.id if "caretaker" in staff.role_names() else None)


def staff_query(viewer: Staff):
    """Staff who hold at least one role inside the viewer's scope."""
    inside = select(StaffRole.staff_id).where(of(viewer).condition(StaffRole.area_code))
    return select(Staff).where(Staff.id.in_(inside)).order_by(Staff.name)
