"""Step 4 for supervisors: how their area's monthly visits stand in a period, and who is late once it is closed.

Two kinds of pushed message come from here, ticked with the caretakers' reminders (`reminders`) and kept once each
the same way (`models.SentReminder`): an area summary on every reminder day and the day after the cut-off
(`SUMMARY`; a supervisor may take them at most weekly, or only after the cut-off: `Staff.summary_choice`), and,
the day after the cut-off, the households left without their visit (`LATE`): a subdistrict supervisor gets them
with their caretakers, a district or province supervisor the count by subdistrict or district. A caretaker whose
households were late in the period before too is flagged.

A household is due in a period when it is followed (not moved away, deceased or withdrawn) and is in a caretaker's
care, assigned before the period ended; it is done with a check-in for the period, on time when one was given
before the cut-off. Its income is above the จปฐ. line unless its income problem ("below the line", which the 4ท
visit opens and each check-in's income opens or solves) is open now, or was opened before its first check-in (at
survey). Pure queries, no LINE.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from flask import current_app
from sqlalchemy import exists, func, or_, select

from core.periods import Period
from core.thai import local_date
from domain.access.scope import EVERYWHERE, Scope
from domain.step1_survey import income, problems
from domain.step4_care import checkins, reminders
from models import CareAssignment, CheckIn, Household, LineUser, Problem, SentReminder, Staff, StaffRole, db
from models.household import CLOSED_STATUSES

SUMMARY, LATE = "supervisor_summary", "supervisor_late"  # the kinds of message (SentReminder.kind)
LEVELS = {"supervisor_subdistrict": 6, "supervisor_district": 4, "supervisor_province": 2}  # role: its area's digits
WEEK = timedelta(days=7)


@dataclass(frozen=True)
class Supervisor:
    """A supervisor to push to: who, in which language, and the areas of their supervisor roles."""

    staff: Staff
    locale: str
    areas: tuple[str, ...]

    @property
    def scope(self) -> Scope:
        return Scope(self.areas)

    def sub_area(self, village_code: str) -> str:
        """The area one level below theirs a village is in (village, subdistrict or district)."""
        widest = min(len(area) for area in self.areas if village_code.startswith(area))
        return village_code[:widest + 2]

    @property
    def lists_households(self) -> bool:
        """A subdistrict supervisor (and no wider): late households are listed, not counted."""
        return all(len(area) == LEVELS["supervisor_subdistrict"] for area in self.areas)


@dataclass
class Tally:
    """One area's households due in a period, those done, and those done on time."""

    due: int = 0
    done: int = 0
    on_time: int = 0

    @property
    def late(self) -> int:
        """Not done on time (meaningful once the period is closed)."""
        return self.due - self.on_time

    def share(self, closed: bool) -> float:
        return (self.on_time if closed else self.done) / self.due if self.due else 0.0


@dataclass(frozen=True)
class Summary:
    """A supervisor's area in a period: the households' visits, in all and by sub-area (best first), the
    households above the จปฐ. line now and at survey, and the compass activities reported done in the period."""

    period: Period
    closed: bool  # sent after the cut-off: late is late
    total: Tally
    by_area: list[tuple[str, Tally]]
    above_now: int
    above_at_survey: int
    activities_done: int


@dataclass(frozen=True)
class Late:
    """A household without its visit on time in a closed period, and its caretaker (`again`: late the period
    before too, with some household of theirs in the area)."""

    household_id: int
    house_number: str
    head_name: str
    village_code: str
    caretaker_id: int
    caretaker: str
    again: bool


@dataclass(frozen=True)
class Due:
    """A message to push to a supervisor: of which kind, period and day (as its SentReminder row keys it)."""

    supervisor: Supervisor
    kind: str
    period: Period
    day: date
    summary: Summary | None = None
    late: list[Late] = field(default_factory=list)


def due(now: datetime, tz: str) -> list[Due]:
    """The supervisors' messages due at `now` (UTC) and not yet sent: a summary on a reminder day (not to those who
    chose only the cut-off, nor to those taking it weekly within a week of their last), and on the day after the
    cut-off a summary of the closed period and the late households. None about an area with nothing due (found in
    one query, as every process ticks each minute of such a day)."""
    found: list[Due] = []
    day = reminders.reminder_day(now, tz)
    if day is not None:
        period = Period.of_day(day, checkins.report_day())
        busy = _areas_with(period, late=False)
        for supervisor in _unsent(SUMMARY, period, day, busy):
            if _wants(supervisor.staff, day):
                found.append(Due(supervisor, SUMMARY, period, day, summary=summarise(supervisor, period, False)))
    day = reminders.cutoff_day(now, tz)
    if day is not None:
        period = Period.of_day(day, checkins.report_day()).previous()
        for supervisor in _unsent(SUMMARY, period, day, _areas_with(period, late=False)):
            found.append(Due(supervisor, SUMMARY, period, day, summary=summarise(supervisor, period, True)))
        for supervisor in _unsent(LATE, period, day, _areas_with(period, late=True)):
            if late := late_households(supervisor, period):  # none when a late visit came in meanwhile
                found.append(Due(supervisor, LATE, period, day, late=late))
    return found


def _areas_with(period: Period, late: bool) -> set[str]:
    """The codes of the subdistricts, districts and provinces with households due in the period (`late`: not done
    on time)."""
    due = _due_households(EVERYWHERE, period).subquery()
    query = select(func.substr(due.c.village_code, 1, 6)).distinct()
    subdistricts = db.session.scalars(query.where(due.c.on_time.is_(False)) if late else query)
    return {code[:length] for code in subdistricts for length in (2, 4, 6)}


def supervisors() -> list[Supervisor]:
    """Active supervisors of subdistricts, districts and provinces who follow the bot, with their areas."""
    rows = db.session.execute(
        select(Staff, LineUser.language, StaffRole.area_code)
        .join(StaffRole, StaffRole.staff_id == Staff.id).join(LineUser, LineUser.user_id == Staff.line_user_id)
        .where(Staff.active.is_(True), LineUser.following.is_(True), StaffRole.role.in_(LEVELS))
        .order_by(Staff.id, StaffRole.area_code))
    found: dict[int, Supervisor] = {}
    for staff, locale, area in rows:
        known = found.get(staff.id)
        found[staff.id] = Supervisor(staff, locale or "th", (*known.areas, area) if known else (area,))
    return list(found.values())


def of_staff(staff: Staff, locale: str) -> Supervisor | None:
    """The person as a supervisor (their supervisor roles' areas), or None when they are not one (any more)."""
    areas = tuple(sorted(role.area_code for role in staff.roles if role.role in LEVELS))
    return Supervisor(staff, locale, areas) if staff.active and areas else None


def _unsent(kind: str, period: Period, day: date, busy: set[str]) -> list[Supervisor]:
    """The supervisors not yet sent this message, of an area among `busy`."""
    sent = set(db.session.scalars(select(SentReminder.staff_id).where(
        SentReminder.kind == kind, SentReminder.period == period.key, SentReminder.day == day)))
    return [supervisor for supervisor in supervisors()
            if supervisor.staff.id not in sent and any(area in busy for area in supervisor.areas)]


def _wants(staff: Staff, day: date) -> bool:
    """Whether a reminder day's summary goes to the supervisor: not when they chose only the cut-off's, nor when
    they chose weekly and had one in the six days before."""
    if staff.summary_choice == "cutoff":
        return False
    if staff.summary_choice != "weekly":
        return True
    recent = select(SentReminder.id).where(SentReminder.staff_id == staff.id, SentReminder.kind == SUMMARY,
                                           SentReminder.day > day - WEEK, SentReminder.day < day)
    return db.session.scalar(recent.limit(1)) is None


def _due_households(scope: Scope, period: Period):
    """The households due in the period inside `scope`, with their caretaker and whether they are done, on time."""
    checked_in = exists().where(CheckIn.household_id == Household.id, CheckIn.period == period.key)
    on_time = exists().where(CheckIn.household_id == Household.id, CheckIn.period == period.key,
                             CheckIn.late.is_(False))
    ended = period.cutoff(checkins.report_day(), current_app.config["BOT_TIMEZONE"])
    return (select(Household.id, Household.village_code, Household.house_number, Household.head_name, Staff.id,
                   Staff.name, checked_in.label("done"), on_time.label("on_time"))
            .join(CareAssignment, CareAssignment.household_id == Household.id)
            .join(Staff, Staff.id == CareAssignment.caretaker_id)
            .where(scope.condition(Household.village_code), CareAssignment.ended_at.is_(None),
                   CareAssignment.started_at < ended,
                   or_(Household.status.is_(None), Household.status.not_in(CLOSED_STATUSES))))


def summarise(supervisor: Supervisor, period: Period, closed: bool) -> Summary:
    """The supervisor's area in the period (`closed`: as it stands after the cut-off)."""
    rows = db.session.execute(_due_households(supervisor.scope, period)).all()
    total, by_area = Tally(), defaultdict(Tally)
    for _id, village, *_, done, on_time in rows:
        for tally in (total, by_area[supervisor.sub_area(village)]):
            tally.due, tally.done, tally.on_time = tally.due + 1, tally.done + done, tally.on_time + on_time
    ranked = sorted(by_area.items(), key=lambda item: (-item[1].share(closed), item[0]))
    below_now, below_at_survey = _below_line(supervisor.scope, period)
    return Summary(period, closed, total, ranked, total.due - len(below_now), total.due - len(below_at_survey),
                   _activities_done(supervisor.scope, period))


def _below_line(scope: Scope, period: Period) -> tuple[set[int], set[int]]:
    """The due households below the line now (their income problem open), and at survey (it was opened before
    their first check-in, or they have none)."""
    due = _due_households(scope, period).with_only_columns(Household.id).subquery()
    first = {household_id: at for household_id, at in db.session.execute(
        select(CheckIn.household_id, func.min(CheckIn.at)).where(CheckIn.household_id.in_(select(due.c.id)))
        .group_by(CheckIn.household_id))}
    tz = current_app.config["BOT_TIMEZONE"]
    now, at_survey = set(), set()
    for household_id, opened_on, status in db.session.execute(
            select(Problem.household_id, Problem.opened_on, Problem.status)
            .where(Problem.indicator == income.BELOW_LINE, Problem.household_id.in_(select(due.c.id)))):
        if status in problems.OPEN:
            now.add(household_id)
        began = first.get(household_id)
        if began is None or opened_on is None or opened_on <= local_date(began, tz):
            at_survey.add(household_id)
    return now, at_survey


def _activities_done(scope: Scope, period: Period) -> int:
    """The compass activities the period's check-ins of due households reported done."""
    due = _due_households(scope, period).with_only_columns(Household.id).subquery()
    reported = db.session.scalars(select(CheckIn.activities).where(CheckIn.period == period.key,
                                                                   CheckIn.household_id.in_(select(due.c.id))))
    return len({item["activity"] for activities in reported for item in activities or () if item["status"] == "done"})


def late_households(supervisor: Supervisor, period: Period) -> list[Late]:
    """The households due in the closed period and not done on time, by village and house, each with its caretaker
    and whether that caretaker was late the period before too (in the supervisor's area)."""
    late_before = {caretaker for *_, caretaker, _name, _done, on_time
                   in db.session.execute(_due_households(supervisor.scope, period.previous())) if not on_time}
    rows = db.session.execute(_due_households(supervisor.scope, period)
                              .order_by(Household.village_code, Household.house_order, Household.house_number,
                                        Household.id))
    return [Late(household_id, number, head, village, caretaker, name, caretaker in late_before)
            for household_id, village, number, head, caretaker, name, _done, on_time in rows if not on_time]


def choose(staff: Staff, choice: str | None) -> None:
    """A supervisor's choice of summaries: None (every reminder day), "weekly" or "cutoff"."""
    staff.summary_choice = choice
