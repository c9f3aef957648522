"""Step 4's monthly check-in of a household: what the caretaker saw, stored as an append-only event, and the
household's current state (income, status, location, problems, its compass activities' progress) moved on with it.

One counts per household and period (`core.periods`): a second check-in in the same period amends the first by
being later, both kept. A check-in given after a period's cut-off counts for the period it is given in, unless the
caretaker picks the closed period the household was missed in: then it is stored for that one, marked late, and
the household's current state is left to the newer period's check-in if there is one. Who checked in is kept, so
a supervisor's or a volunteer's check-in (a caretaker away) says so.

Nothing is written here: the caller stores the records (the dialog's finish, or the bench's batches).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from flask import current_app
from sqlalchemy import func, select
from sqlalchemy.orm.attributes import flag_modified

from core.periods import Period
from core.thai import BE_OFFSET, format_date, format_money
from core.types import Context
from domain.labels import CONTACT_LABELS, UNREACHED_LABELS
from domain.step1_survey import income, problems
from domain.step2_compass import compasses
from domain.step4_care import caretakers
from models import CheckIn, CompassActivity, Household, Problem, Staff, db
from models.household import CLOSED_STATUSES

PROGRESS = ("done", "under_way", "not_started", "stuck", "dropped")  # what a check-in says of an activity
STATUS_OF_PROGRESS = {"done": "done", "under_way": "under_way", "not_started": "not_started", "stuck": "under_way",
                      "dropped": "dropped"}
WITH_REASON = ("stuck", "dropped")  # progress said with why
STATUS_OF_REASON = {"moved": "moved", "deceased": "deceased", "refused": "withdrawn"}  # unreached, once confirmed
TREND_PERIODS = 12


def line_of(period: Period) -> int | None:
    """The จปฐ. line a period's income is compared with: that of its year."""
    return income.poverty_line(period.year + BE_OFFSET)


def report_day() -> int:
    return current_app.config["REPORT_DAY"]


def period_of(ctx: Context) -> Period:
    """The period a check-in given now counts for, unless a closed one is picked."""
    return Period.of_day(ctx.today, report_day())


def latest(household_id: int, period: Period) -> CheckIn | None:
    """The check-in that counts for the household in the period: its latest."""
    return db.session.scalar(select(CheckIn).where(CheckIn.household_id == household_id, CheckIn.period == period.key)
                             .order_by(CheckIn.at.desc(), CheckIn.id.desc()).limit(1))


def counted(household_ids: Iterable[int], period: Period) -> dict[int, CheckIn]:
    """The check-in that counts in the period of each of these households that has one."""
    ids = list(household_ids)
    if not ids:
        return {}
    found = db.session.scalars(select(CheckIn).where(CheckIn.household_id.in_(ids), CheckIn.period == period.key)
                               .order_by(CheckIn.at, CheckIn.id))
    return {c.household_id: c for c in found}  # the latest of each wins


def last_before(household: Household, period: Period) -> CheckIn | None:
    """The household's latest check-in of an earlier period ("same as last month")."""
    return db.session.scalar(select(CheckIn).where(CheckIn.household_id == household.id, CheckIn.period < period.key)
                             .order_by(CheckIn.period.desc(), CheckIn.at.desc(), CheckIn.id.desc()).limit(1))


def missed(household: Household, ctx: Context) -> Period | None:
    """The closed period just before this one when the household was due then (it had a caretaker when the period
    began) and has no check-in for it: the one period a late check-in may still be given for."""
    previous = period_of(ctx).previous()
    care = caretakers.current(household.id)
    began = previous.previous().cutoff(report_day(), ctx.timezone)
    if (not followed(household) or care is None or care.started_at > began
            or latest(household.id, previous) is not None):
        return None
    return previous


def followed(household: Household) -> bool:
    """Whether check-ins are due for the household (not moved away, deceased or withdrawn)."""
    return household.status not in CLOSED_STATUSES


def open_activities(household: Household) -> list[CompassActivity]:
    """The activities of the current compass still to report on (not done, not dropped)."""
    compass = compasses.current(household)
    return [a for a in compass.activities if a.status not in ("done", "dropped")] if compass else []


def open_problems(household: Household) -> list[Problem]:
    """The problems still open, each to be ticked when solved (the income line's is decided by the income)."""
    return [p for p in household.problems if p.status in problems.OPEN and p.indicator != income.BELOW_LINE]


@dataclass(frozen=True)
class Given:
    """What a check-in says, as plain values (the dialog's answers read, or the bench's)."""

    period: Period
    contact: str  # models.checkin.CONTACTS
    unreached_reason: str | None = None
    close_household: bool = False  # the status change the unreached reason calls for, confirmed
    monthly_income: Decimal | None = None
    progress: dict[int, tuple[str, str | None]] = field(default_factory=dict)  # activity id: (PROGRESS, why)
    solved: tuple[int, ...] = ()  # problem ids
    new_problems: tuple[tuple[str, str | None, str | None], ...] = ()  # (dimension, indicator, description)
    location: tuple[float, float] | None = None
    photo_id: int | None = None
    note: str | None = None


@dataclass
class Written:
    check_in: CheckIn
    store: list = field(default_factory=list)
    audit: list = field(default_factory=list)


def record(ctx: Context, household: Household, given: Given) -> Written:
    """The check-in of `household` (in the person's scope: the caller checked) and what it changes."""
    changes = problems.Changes(ctx, household)
    today = ctx.today
    late = ctx.now >= given.period.cutoff(report_day(), ctx.timezone)
    check_in = CheckIn(household_id=household.id, period=given.period.key, late=late, staff_id=ctx.staff.id, at=ctx.now,
                       contact=given.contact, unreached_reason=given.unreached_reason,
                       activities=[], solved=[], new_problems=[], photo_id=given.photo_id, note=given.note)
    current = not late or _newest(household, given.period)
    if given.location is not None:
        check_in.latitude, check_in.longitude = given.location
        if household.latitude is None or current:
            household.latitude, household.longitude = given.location
    if given.monthly_income is not None:
        _income(check_in, household, given.monthly_income, current, today)
        if current:
            problems.income_line(changes, household, today, confirm=False)
    _progress(changes, check_in, household, given.progress)
    _problems(changes, check_in, household, given, today)
    before = household.status
    if given.close_household and given.unreached_reason in STATUS_OF_REASON:
        household.status = STATUS_OF_REASON[given.unreached_reason]
    household.updated_at = ctx.now
    changes.log("check_in.create", "check_in", check_in, after={
        "household": household.id, "period": check_in.period, "late": late, "contact": check_in.contact,
        "unreached_reason": check_in.unreached_reason, "income": _text(check_in.monthly_income)})
    if household.status != before:
        changes.log("household.update", "household", household.id, before={"status": before},
                    after={"status": household.status})
    new = [p for p in household.problems if p.id is None]
    return Written(check_in, store=[household, check_in, *new, *changes.store], audit=changes.audit)


def _newest(household: Household, period: Period) -> bool:
    """Whether no check-in of a later period exists (a late one then also moves the household's state on)."""
    later = db.session.scalar(select(func.count()).select_from(CheckIn)
                              .where(CheckIn.household_id == household.id, CheckIn.period > period.key))
    return not later


def _income(check_in: CheckIn, household: Household, monthly: Decimal, current: bool, today: date) -> None:
    check_in.monthly_income, check_in.members = monthly, len(household.members)
    check_in.per_person_year = income.per_person_year(monthly, check_in.members)
    check_in.poverty_line = line_of(Period.from_key(check_in.period))
    if current:
        household.monthly_income, household.income_basis, household.income_on = monthly, "check_in", today


def _progress(changes: problems.Changes, check_in: CheckIn, household: Household,
              progress: dict[int, tuple[str, str | None]]) -> None:
    if not progress:  # "No change on any": the compass need not be read (two queries a check-in)
        return
    activities = {a.id: a for a in open_activities(household)}
    for activity_id, (said, why) in progress.items():
        activity = activities.get(activity_id)
        if activity is None or said not in PROGRESS:
            continue
        reason = why if said in WITH_REASON else None
        check_in.activities.append({"activity": activity_id, "status": said, "reason": reason})
        before = {"status": activity.status, "reason": activity.status_reason}
        activity.status, activity.status_reason = STATUS_OF_PROGRESS[said], reason
        if before != {"status": activity.status, "reason": activity.status_reason}:
            # Both columns written even if one is unchanged: a batch's changed activities then share one UPDATE
            # statement (the ORM sends one per run of rows changed in the same columns).
            flag_modified(activity, "status")
            flag_modified(activity, "status_reason")
            changes.log("compass_activity.update", "compass_activity", activity.id, before=before,
                        after={"status": activity.status, "reason": activity.status_reason})
            changes.store.append(activity)


def _problems(changes: problems.Changes, check_in: CheckIn, household: Household, given: Given, today: date) -> None:
    still = {p.id: p for p in open_problems(household)}
    for problem_id in given.solved:
        if problem_id in still:
            problems.close(changes, still[problem_id], "solved", today)
            check_in.solved.append(problem_id)
    for dimension, indicator, description in given.new_problems:
        problem = Problem(dimension=dimension, indicator=indicator, description=description, status="open",
                          opened_on=today)
        household.problems.append(problem)
        problems.log(changes, problem)
        check_in.new_problems.append({"dimension": dimension, "indicator": indicator, "description": description})


def _text(amount: Decimal | None) -> str | None:
    return None if amount is None else str(amount)


def has_income(household: Household) -> bool:
    """Whether any check-in gave the household an income (its chart has something to show)."""
    return db.session.scalar(select(CheckIn.id).where(CheckIn.household_id == household.id,
                                                      CheckIn.per_person_year.is_not(None)).limit(1)) is not None


@dataclass(frozen=True)
class Point:
    """One period of a household's income trend: baht per person per year, the line and the target of then."""

    period: Period
    per_person_year: Decimal | None
    line: int | None


def trend(household: Household, until: Period, periods: int = TREND_PERIODS) -> list[Point]:
    """The last `periods` periods up to `until`, each with the income its counting check-in gave (None: none)."""
    first = until
    for _ in range(periods - 1):
        first = first.previous()
    found = db.session.execute(select(CheckIn.period, CheckIn.per_person_year, CheckIn.poverty_line)
                               .where(CheckIn.household_id == household.id, CheckIn.period >= first.key,
                                      CheckIn.period <= until.key, CheckIn.per_person_year.is_not(None))
                               .order_by(CheckIn.period, CheckIn.at, CheckIn.id))
    by_period = {key: (amount, line) for key, amount, line in found}  # the latest of each period wins
    points, period = [], first
    for _ in range(periods):
        amount, line = by_period.get(period.key, (None, None))
        points.append(Point(period, amount, line or line_of(period)))
        period = period.next()
    return points


def history(ctx: Context, household: Household, limit: int = TREND_PERIODS) -> list[dict]:
    """The household's latest check-ins, the latest first, as the Family Folder lists them: the period, when and by
    whom, how the family was reached, the income against the line, and the note and photo."""
    found = db.session.execute(select(CheckIn, Staff.name).join(Staff, Staff.id == CheckIn.staff_id)
                               .where(CheckIn.household_id == household.id)
                               .order_by(CheckIn.period.desc(), CheckIn.at.desc(), CheckIn.id.desc()).limit(limit))
    rows = []
    for check_in, by in found:
        how = ctx._(CONTACT_LABELS[check_in.contact])
        if check_in.unreached_reason:
            how += f" ({ctx._(UNREACHED_LABELS[check_in.unreached_reason])})"
        income_text = "-"
        if check_in.monthly_income is not None:
            income_text = format_money(check_in.monthly_income, ctx.locale)
            if check_in.per_person_year is not None:
                income_text += " · " + ctx._("%(amount)s per person per year",
                                             amount=format_money(check_in.per_person_year, ctx.locale))
        period = Period.from_key(check_in.period)
        label = period.label(ctx.locale)
        rows.append({"period": ctx._("%(month)s (late)", month=label) if check_in.late else label,
                     "date": format_date(ctx.day_of(check_in.at), ctx.locale), "by": by, "how": how,
                     "income": income_text, "note": check_in.note or "", "photo_id": check_in.photo_id,
                     "below": (check_in.per_person_year < check_in.poverty_line
                               if check_in.per_person_year is not None and check_in.poverty_line else None)})
    return rows
