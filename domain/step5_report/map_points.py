"""The report's map: the area's households where a visit or a check-in located them, each in its state for the
period, by the report's own definitions (`domain.step5_report.counting`): visited by the cut-off, visited late, due
and not visited, out of poverty; and a household with no caretaker when the period began is not due.

One query, limited to the households of the area in the reader's scope; households moved away, deceased or
withdrawn are left out, as the report leaves them out. A map shows at most MAX_POINTS households (a province's
fit); the count of those not yet located is given beside it, so a supervisor knows what the map does not show.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import select

from domain.access.scope import Scope
from domain.step5_report import counting
from domain.step5_report.counting import OUT_OF_POVERTY, Moment
from models import Household, db
from models.household import CLOSED_STATUSES

STATES = ("done", "late", "missing", "out_of_poverty", "not_due")  # in the legend's order
MAX_POINTS = 50_000


@dataclass
class AreaMap:
    points: list[tuple[float, float, str]] = field(default_factory=list)  # latitude, longitude, state
    counts: dict[str, int] = field(default_factory=lambda: dict.fromkeys(STATES, 0))  # of the points shown
    not_located: int = 0
    left_out: int = 0  # located, beyond MAX_POINTS


def of(moment: Moment, area_code: str, within: Scope) -> AreaMap:
    where = counting.households_in(area_code, within)
    cared, reported = counting.in_care_at(moment.began, where), counting.checked_in(moment, where)
    rows = db.session.execute(
        select(Household.latitude, Household.longitude, Household.status, cared.c.household_id.is_not(None),
               reported.c.household_id.is_not(None), reported.c.first < moment.cutoff)
        .outerjoin(cared, cared.c.household_id == Household.id)
        .outerjoin(reported, reported.c.household_id == Household.id)
        .where(where, Household.status.not_in(CLOSED_STATUSES)))
    found = AreaMap()
    for latitude, longitude, status, due, visited, on_time in rows:
        if latitude is None or longitude is None:
            found.not_located += 1
        elif len(found.points) >= MAX_POINTS:
            found.left_out += 1
        else:
            state = _state(status, due, visited, on_time)
            found.points.append((round(latitude, 5), round(longitude, 5), state))
            found.counts[state] += 1
    return found


def _state(status: str, due: bool, visited: bool, on_time: bool | None) -> str:
    if status in OUT_OF_POVERTY:
        return "out_of_poverty"
    if visited:
        return "done" if on_time else "late"
    return "missing" if due else "not_due"
