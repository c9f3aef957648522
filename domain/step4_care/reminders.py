"""Step 4's reminders to caretakers: at a moment, which reminder day is due (REMINDER_SCHEDULE, moved out of
QUIET_HOURS) and which caretakers it goes to, each with the households in their care not yet checked in this period.

All of it is read from the database at the moment asked about, so whatever ticks (the sweeper, a second process,
`flask reminders run` by hand, after a restart) finds the same answer; what was already sent is a row
(`models.SentReminder`) and drops out. A day's reminder is due from its time until the end of that local day, outside
quiet hours: a tick late in the day catches up, a day missed altogether is not sent later. Pure queries, no LINE.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from flask import current_app
from sqlalchemy import exists, or_, select

from core.periods import Period
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
    at = schedule()[day.day]
    if quiet(at):
        start, end = current_app.config["QUIET_HOURS"]
        day += timedelta(days=1) if start > end and at >= start else timedelta()
        at = end
    return datetime.combine(day, at, ZoneInfo(tz))


def reminder_day(now: datetime, tz: str) -> date | None:
    """The reminder day due at `now` (UTC): its sending time has come today (local) and it is not quiet hours."""
    local = now.astimezone(ZoneInfo(tz))
    if quiet(local.time()):
        return None
    for day in (local.date(), local.date() - timedelta(days=1)):  # yesterday's, moved past the night's quiet hours
        if day.day in schedule() and send_at(day, tz) <= local and send_at(day, tz).date() == local.date():
            return day
    return None


def due(now: datetime, tz: str) -> list[Due]:
    """The reminders due at `now` and not yet sent: one per active, unmuted caretaker who follows the bot and has
    households in their care with no check-in for the period, those listed by village and house number."""
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
        .order_by(Staff.id, Household.village_code, Household.house_order, Household.house_number, Household.id))
    today = now.astimezone(ZoneInfo(tz)).date()
    days_left = period.days_left(today, checkins.report_day())
    found: dict[int, Due] = {}
    for caretaker, locale, household in rows:
        if caretaker.id not in found:
            found[caretaker.id] = Due(caretaker, locale or "th", period, day, [], days_left)
        found[caretaker.id].households.append(household)
    return list(found.values())


def mute(caretaker: Staff, now: datetime) -> None:
    """The caretaker turns reminders off (from a reminder's button): none is due to them until they turn them on."""
    caretaker.reminders_muted_at = now


def unmute(caretaker: Staff) -> None:
    caretaker.reminders_muted_at = None
