"""Ticking the reminders: push what `domain.step4_care.reminders` (caretakers) and `domain.step4_care.summaries`
(supervisors: area summaries, late households) say is due, each message once.

A reminder's `SentReminder` row, unique per (person, period, kind, day), is inserted in the same transaction as its
outbox message, and inserted first: a tick run twice, a restart, or a second process ticking at the same time finds
the row there (or fails to insert it) and queues nothing. A crash before the commit leaves neither, so the next
tick sends it; after the commit the outbox sees it sent (with its retry key, never twice). Reminders are stored
BATCH to a transaction, and each batch's delivery starts as it commits; a batch of which another process queued
some at the same time is stored again one reminder at a time.

Every process with a sweeper ticks (`bot.recovery`): the embedded process, and with REDIS_URL each RQ worker, at
most once a minute each; `flask --app wsgi reminders run` ticks once by hand.
"""

import logging
import time
from collections import Counter
from datetime import datetime
from zoneinfo import ZoneInfo

import click
from flask import current_app
from flask.cli import AppGroup
from sqlalchemy import insert
from sqlalchemy.exc import IntegrityError

from bot import jobs, metrics, outbox, reminder_quota
from bot.reminder_quota import Queued
from core import line_json
from dialogs import summaries as summary_messages
from dialogs.reminders import reminder
from domain.step4_care import checkins, reminders, summaries
from models import SentReminder, db, utcnow

log = logging.getLogger(__name__)

TICK_EVERY = 60.0  # seconds, per process
BATCH = 500  # reminders stored in one transaction
_next_tick = 0.0


def tick(now: datetime, dry_run: bool = False) -> list[Queued]:
    """Queue the reminders due at `now` (UTC) not sent yet. Returns those queued (`dry_run`: those it would queue,
    queuing nothing)."""
    due = planned(now)
    if dry_run:
        return due
    queued = queue_all(reminder_quota.fit(due))
    for kind, count in Counter(one.kind for one in queued).items():
        metrics.reminders_sent(kind, count)
    if queued:
        log.info("reminders: %d queued for %s", len(queued), queued[0].day)
    return queued


def planned(now: datetime) -> list[Queued]:
    """The reminders due at `now` not sent yet (a caretaker's message is built as it is stored, the others' now); no
    transaction is left open.

    The caretakers' are read, then the connection is given back (their records kept as read): their messages are
    built with no transaction open. For 100,000 caretakers that takes tens of seconds, and on the embedded database
    the one connection held that long kept webhook requests and the sweep waiting (`bench.fanout`)."""
    report_day = checkins.report_day()
    caretakers_due = reminders.due(now, current_app.config["BOT_TIMEZONE"])
    db.session.close()
    due = [Queued(one.caretaker.id, one.caretaker.name, one.period.key, one.day, len(one.households),
                  reminder(one, report_day))
           for one in caretakers_due]
    due += [_to_supervisor(one, now) for one in summaries.due(now, current_app.config["BOT_TIMEZONE"])]
    db.session.rollback()
    return due


def _to_supervisor(one: summaries.Due, now: datetime) -> Queued:
    """A supervisor's area summary or list of late households, its message built."""
    staff, ctx = one.supervisor.staff, summary_messages.context(one.supervisor, now)
    if one.kind == summaries.SUMMARY:
        push, households = summary_messages.summary_card(ctx, one.supervisor, one.summary), one.summary.total.due
    else:
        push, households = summary_messages.late_message(ctx, one.supervisor, one.period, one.late), len(one.late)
    return Queued(staff.id, staff.name, one.period.key, one.day, households, push, one.kind)


def queue_all(due: list[Queued]) -> list[Queued]:
    """Queue these reminders, BATCH to a transaction. Returns those queued: not those queued already (by an earlier
    tick, or by another process ticking at the same time)."""
    queued = []
    for start in range(0, len(due), BATCH):
        batch = due[start:start + BATCH]
        if _store(batch):
            queued += batch
        else:  # some were queued already: each on its own
            queued += [one for one in batch if _store([one])]
    return queued


def _store(batch: list[Queued]) -> bool:
    """Reminders in one transaction: their outbox messages, then their rows (unique) naming them, and then their
    delivery queued. False, and nothing stored, when one was queued already (its row's insert fails). The outbox
    messages are inserted in one statement and the rows in another, with no ORM object made (nothing reads them back
    here)."""
    outbox_ids = outbox.queue_pushes([(one.push.to, [line_json.of(message) for message in one.push.messages])
                                      for one in batch])
    try:
        db.session.connection().execute(insert(SentReminder.__table__), [
            {"staff_id": one.staff_id, "period": one.period, "kind": one.kind, "day": one.day, "outbox_id": outbox_id}
            for one, outbox_id in zip(batch, outbox_ids, strict=True)])
    except IntegrityError:
        db.session.rollback()
        return False
    db.session.commit()
    outbox.send_ids(outbox_ids)
    return True


def tick_when_due() -> None:
    """From the sweeper: tick at most once in TICK_EVERY seconds in this process."""
    global _next_tick
    if time.monotonic() < _next_tick:
        return
    _next_tick = time.monotonic() + TICK_EVERY
    tick(utcnow())


reminders_group = AppGroup("reminders", help="Reminders pushed to caretakers, summaries to supervisors.")


@reminders_group.command("run")
@click.option("--now", "at", type=click.DateTime(["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%dT%H:%M%z",
                                                  "%Y-%m-%dT%H:%M:%S%z"]),
              help="Tick as at this moment (ISO; without an offset it is local, in BOT_TIMEZONE). Default: now.")
@click.option("--dry-run", is_flag=True, help="List what would be sent and send nothing.")
def run_command(at: datetime | None, dry_run: bool) -> None:
    """Tick the reminders once (processes with a sweeper do this every minute)."""
    now = utcnow() if at is None else _aware(at)
    done = tick(now, dry_run=dry_run)
    if not dry_run:
        jobs.runner().wait_idle(timeout=120)
    for one in done:
        click.echo(f"{'would send' if dry_run else 'sent'}: {one.name} (staff {one.staff_id}), {one.households} "
                   f"households, period {one.period}, day {one.day}, {one.kind}")
    click.echo(f"{len(done)} reminders {'due' if dry_run else 'sent'}")


def _aware(at: datetime) -> datetime:
    return at if at.tzinfo else at.replace(tzinfo=ZoneInfo(current_app.config["BOT_TIMEZONE"]))
