"""`flask --app wsgi reminders cost --period 2569-12`: what a period's reminders cost in pushed messages.

Sent: the period's `SentReminder` rows by kind (each is one queued message). To be sent: what the schedule's days
still to come in the period would push if nobody checked in from now on, found as the tick would find it at each
day's sending time (`domain.step4_care.reminders.due`), so muted, done and not-following caretakers and what was sent
already are left out. Quota left: asked of LINE, "unknown" when it can't be.
"""

import re
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import click
from flask import current_app
from flask.cli import with_appcontext
from sqlalchemy import func, select

from bot import reminder_quota
from bot.gateway import LineError
from core.periods import Period
from domain.step4_care import checkins, reminders
from models import SentReminder, db, utcnow

BUDDHIST_ERA = 543


def parse_period(text: str) -> Period:
    """A period as people name it, YEAR-MM with the year in the Buddhist Era (2569-12), or in the Christian Era."""
    found = re.fullmatch(r"(\d{4})-(\d{1,2})", text.strip())
    if not found or not 1 <= int(found[2]) <= 12:
        raise click.BadParameter(f"{text!r} is not a period YEAR-MM, e.g. 2569-12")
    year = int(found[1])
    return Period(year - BUDDHIST_ERA if year > 2400 else year, int(found[2]))


def sent(period: Period) -> dict[str, int]:
    """The period's reminders queued so far, by kind."""
    return dict(db.session.execute(select(SentReminder.kind, func.count()).where(SentReminder.period == period.key)
                                   .group_by(SentReminder.kind).order_by(SentReminder.kind)).all())


def reminder_days(period: Period) -> list[date]:
    """The schedule's days inside the period."""
    report_day = checkins.report_day()
    first, last = period.first_day(report_day), period.last_day(report_day)
    return [first + timedelta(days=n) for n in range((last - first).days + 1)
            if (first + timedelta(days=n)).day in reminders.schedule()]


def to_send(period: Period, now: datetime) -> dict[date, int]:
    """Caretaker reminders each day still to come would send, check-ins as they are now."""
    tz = current_app.config["BOT_TIMEZONE"]
    days = {}
    for day in reminder_days(period):
        at = max(reminders.send_at(day, tz), now)
        if reminders.reminder_day(at, tz) == day:
            days[day] = len(reminders.due(at, tz))
    return days


@click.command("cost")
@with_appcontext
@click.option("--period", "name", required=True, help="The period, YEAR-MM in the Buddhist Era, e.g. 2569-12.")
@click.option("--now", "at", type=click.DateTime(["%Y-%m-%dT%H:%M"]),
              help="As at this local moment (BOT_TIMEZONE). Default: now.")
def cost_command(name: str, at: datetime | None) -> None:
    """Messages a period's reminders have pushed and would still push, and the quota left."""
    period = parse_period(name)
    now = utcnow() if at is None else at.replace(tzinfo=ZoneInfo(current_app.config["BOT_TIMEZONE"]))
    click.echo(f"Reminders of {period.label('en')} (period {period.key})")
    done = sent(period)
    click.echo(f"sent: {sum(done.values())}")
    for kind, count in done.items():
        click.echo(f"  {kind}: {count}")
    coming = to_send(period, now)
    click.echo(f"to be sent if nobody checks in: {sum(coming.values())}")
    if any(coming.values()):
        days = ", ".join(f"{day.isoformat()}: {count}" for day, count in coming.items() if count)
        click.echo(f"  {reminders.CARETAKER_DUE}: {sum(coming.values())} ({days})")
    click.echo(f"quota left: {quota_left()}")


def quota_left() -> str:
    try:
        left = reminder_quota.quota_left()
    except LineError as error:
        return f"unknown (LINE could not be asked: {error})"
    return "no limit" if left is None else f"{left} messages this month"

