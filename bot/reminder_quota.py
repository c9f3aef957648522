"""Reminders within LINE's monthly message quota: pushed messages cost money, and past the quota LINE refuses them.

Before a tick queues its reminders it asks LINE what is left of the month's quota (`GET /v2/bot/message/quota` less
`.../quota/consumption`). When the tick's reminders would need more, the latest-due caretakers go first: those with
the most households still to visit this period (the furthest behind the cut-off), ties by who was registered first.
The others are not sent this tick (a later tick sends them if the quota was raised meanwhile), and each admin gets one
warning for the period, with room kept for it: a `SentReminder` row of kind `QUOTA_WARNING` per admin and period,
queued with the tick's reminders as one of them, so two ticks or two processes never warn twice. If LINE can't be asked,
that is logged and everything is sent as usual (LINE refuses what is past the quota, and the outbox retries it).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date

from sqlalchemy import exists, select

from bot import metrics, outbox
from bot.gateway import LineError, gateway
from core.periods import Period
from core.types import Push
from dialogs.reminders import quota_warning
from domain.step4_care import checkins, reminders
from models import LineUser, SentReminder, Staff, StaffRole, db


@dataclass(frozen=True)
class Queued:
    """A reminder as a tick queues it (or would), in plain values: what the command line lists, and what the quota
    needs to know of it. Unique per (staff_id, period, kind, day)."""

    staff_id: int
    name: str
    period: int
    day: date
    households: int  # still to visit: the more, the later the caretaker is
    push: Push
    kind: str = reminders.CARETAKER_DUE


log = logging.getLogger(__name__)

QUOTA_WARNING = "quota_warning"  # the kind of the admins' warning (one a period)
ADMIN = "admin"


def quota_left() -> int | None:
    """What is left of this month's quota, from LINE; None when there is no limit. LineError if LINE can't say."""
    quota = gateway().message_quota()
    if quota is None:
        return None
    left = max(quota - gateway().messages_used(), 0)
    metrics.quota_left(left)
    return left


def messages_left() -> int | None:
    """`quota_left`, or None (and a warning logged) when LINE could not be asked."""
    try:
        return quota_left()
    except LineError as error:
        log.warning("message quota: LINE could not be asked (%s); reminders are sent as usual", error)
        return None


def cost(one: Queued) -> int:
    """Messages a reminder counts against the quota: one a request (of up to five message bubbles)."""
    return -(-len(one.push.messages) // outbox.MESSAGES_PER_REQUEST)


def fit(due: list[Queued]) -> list[Queued]:
    """The reminders of a tick that fit in what is left of the quota, the latest-due first, and, when some must
    wait, a warning to each admin not warned yet this period (queued with them)."""
    if not due:
        return due
    left = messages_left()
    if left is None or sum(map(cost, due)) <= left:
        return due
    period, admins = due[0].period, unwarned_admins(due[0].period)
    room = max(left - len(admins), 0)
    sent: set[int] = set()
    for one in sorted(due, key=lambda one: (-one.households, one.staff_id)):
        if cost(one) <= room:
            sent.add(one.staff_id)
            room -= cost(one)
    kept = [one for one in due if one.staff_id in sent]
    log.warning("message quota: %d messages left, %d reminders held back", left, len(due) - len(kept))
    return warnings(admins, period, len(due) - len(kept), left) + kept


def unwarned_admins(period: int) -> list[tuple[Staff, str]]:
    """The admins who follow the bot and were not warned this period, with their language."""
    warned = exists().where(SentReminder.staff_id == Staff.id, SentReminder.period == period,
                            SentReminder.kind == QUOTA_WARNING)
    return list(db.session.execute(
        select(Staff, LineUser.language).join(LineUser, LineUser.user_id == Staff.line_user_id)
        .where(Staff.active.is_(True), LineUser.following.is_(True), ~warned,
               exists().where(StaffRole.staff_id == Staff.id, StaffRole.role == ADMIN))
        .order_by(Staff.id)).all())


def warnings(admins: list[tuple[Staff, str]], period: int, held: int, left: int) -> list[Queued]:
    """A warning to each admin, dated the period's last day: one a period, as its row is unique."""
    last_day = Period.from_key(period).last_day(checkins.report_day())
    return [Queued(admin.id, admin.name, period, last_day, 0, quota_warning(admin.line_user_id, locale or "th", held,
                                                                            left), QUOTA_WARNING)
            for admin, locale in admins]
