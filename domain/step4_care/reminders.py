"""Step 4's reminders to caretakers: at a moment, which reminder day is due (REMINDER_SCHEDULE, moved out of
QUIET_HOURS) and which caretakers it goes to, each with the households in their care not yet checked in this period.

All of it is read from the database at the moment asked about, so whatever ticks (the sweeper, a second process,
`flask reminders run` by hand, after a restart) finds the same answer; what was already sent is a row
(`models.SentReminder`) and drops out. A day's reminder is due from its time until the end of that local day, outside
quiet hours: a tick late in the day catches up, a day missed altogether is not sent later. Pure queries, no LINE.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from flask import current_app
from sqlalchemy import exists, or_, select
from sqlalchemy.orm import lazyload

from core.periods import Period
from core.thai import local_date
from domain.step4_care import checkins
from models import CareAssignment, CheckIn, Household, LineUser, SentReminder, Staff, db
from models.household import CLOSED_STATUSES

CARETAKER_DUE = "caretaker_due"  # the kind of reminder: households still to visit this period


@dataclass(frozen=True)
class Due:
    """One reminder to push: to whom (in their language), for which period and reminder day, about which households."""

    caretaker: Staff
    locale: str
    period: Period
    day: date  # the schedule's day (local) it is the reminder of
    households: list[Household]
    days_left: int  # to the report day, that day counted


def schedule() -> dict[int, time]:
    """REMINDER_SCHEDULE: {day of the month: local time}."""
    return current_app.config["REMINDER_SCHEDULE"]


def quiet(at: time) -> bool:
    """Whether a local time falls in QUIET_HOURS (which may wrap midnight)."""
    start, end = current_app.config["QUIET_HOURS"]
    return start <= at < end if start < end else at >= start or at < end


def send_at(day: date, tz: str) -> datetime:
    """When a reminder day's reminder goes: its time, or the end of the quiet hours it falls in (maybe the next day)."""
    return _out_of_quiet(day, schedule()[day.day], tz)


def _out_of_quiet(day: date, at: time, tz: str) -> datetime:
    """A local day and time as a moment, moved to the end of the quiet hours it falls in (maybe the next day)."""
    if quiet(at):
        start, end = current_app.config["QUIET_HOURS"]
        day += timedelta(days=1) if start > end and at >= start else timedelta()
        at = end
    return datetime.combine(day, at, ZoneInfo(tz))


def reminder_day(now: datetime, tz: str) -> date | None:
    """The reminder day due at `now` (UTC): its sending time has come today (local) and it is not quiet hours; not
    once its period is over (a report day's reminder moved past the night's quiet hours comes too late)."""
    day = _day_due(now, tz, lambda day: schedule().get(day.day))
    if day is None or Period.of_day(day, checkins.report_day()) != Period.of_day(local_date(now, tz),
                                                                                  checkins.report_day()):
        return None
    return day


def cutoff_day(now: datetime, tz: str) -> date | None:
    """The day after a report day when it is due at `now` (UTC): what comes after the cut-off (supervisors' list of
    late households, their last summary of the period) goes that day at the report day's reminder time (the
    earliest reminder time when the report day has none), outside quiet hours."""
    at = schedule().get(checkins.report_day(), min(schedule().values()))
    return _day_due(now, tz, lambda day: at if (day - timedelta(days=1)).day == checkins.report_day() else None)


def _day_due(now: datetime, tz: str, time_of: Callable[[date], time | None]) -> date | None:
    """The day (local) whose sending time (`time_of`, None: not such a day), moved out of quiet hours, has come today
    and it is not quiet hours now: today's, or yesterday's moved past the night's quiet hours."""
    local = now.astimezone(ZoneInfo(tz))
    if quiet(local.time()):
        return None
    for day in (local.date(), local.date() - timedelta(days=1)):
        at = time_of(day)
        if at is not None and (moment := _out_of_quiet(day, at, tz)) <= local and moment.date() == local.date():
            return day
    return None


def due(now: datetime, tz: str) -> list[Due]:
    """The reminders due at `now` and not yet sent: one per active caretaker who follows the bot, has not turned
    reminders off (all of them, or this day's) and has households in their care with no check-in for the period,
    those listed by village and house number."""
    day = reminder_day(now, tz)
    if day is None:
        return []
    period = Period.of_day(day, checkins.report_day())
    checked_in = exists().where(CheckIn.household_id == Household.id, CheckIn.period == period.key)
    sent = exists().where(SentReminder.staff_id == Staff.id, SentReminder.period == period.key,
                          SentReminder.kind == CARETAKER_DUE, SentReminder.day == day)
    rows = db.session.execute(
        select(Staff, LineUser.language, Household)
        .join(CareAssignment, CareAssignment.caretaker_id == Staff.id)
        .join(Household, Household.id == CareAssignment.household_id)
        .join(LineUser, LineUser.user_id == Staff.line_user_id)
        .where(CareAssignment.ended_at.is_(None), Staff.active.is_(True), Staff.reminders_muted_at.is_(None),
               LineUser.following.is_(True), or_(Household.status.is_(None), Household.status.not_in(CLOSED_STATUSES)),
               ~checked_in, ~sent)
        .order_by(Staff.id, Household.village_code, Household.house_order, Household.house_number, Household.id)
        .options(lazyload(Staff.roles)))  # not needed here: loading them was a third of the objects for 100,000
    today = now.astimezone(ZoneInfo(tz)).date()
    days_left = period.days_left(today, checkins.report_day())
    found: dict[int, Due] = {}
    for caretaker, locale, household in rows:
        if day.day in (caretaker.reminder_days_off or ()):
            continue
        if caretaker.id not in found:
            found[caretaker.id] = Due(caretaker, locale or "th", period, day, [], days_left)
        found[caretaker.id].households.append(household)
    return list(found.values())


def mute(caretaker: Staff, now: datetime) -> None:
    """The caretaker turns reminders off (from a reminder's button): none is due to them until they turn them on."""
    caretaker.reminders_muted_at = now


def mute_day(caretaker: Staff, day: int) -> None:
    """The caretaker turns one reminder day off (from a reminder's button): that day's reminder no longer comes, every
    month, the other days' still do."""
    caretaker.reminder_days_off = sorted({*(caretaker.reminder_days_off or ()), day})


def muted(caretaker: Staff) -> bool:
    """Whether any reminder is turned off (all of them, or some days)."""
    return caretaker.reminders_muted_at is not None or bool(caretaker.reminder_days_off)


def unmute(caretaker: Staff) -> None:
    """Every reminder on again: all of them, and the days turned off one by one."""
    caretaker.reminders_muted_at = None
    caretaker.reminder_days_off = None
