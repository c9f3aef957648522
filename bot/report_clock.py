"""Freezing the monthly report on schedule: once a period's cut-off has passed, its report is frozen
(`domain.step5_report.snapshots`), by a background job on the `reports` queue, as a national freeze takes a while.

The sweeper calls `freeze_when_due` (`bot.recovery`), which looks at most once a minute per process; the freeze is
idempotent, and a Redis lock keeps two processes from counting the same period at once. `flask --app wsgi report
freeze` freezes by hand.
"""

import logging
import time

from flask import current_app

from bot import jobs
from bot.redis_store import get_redis
from core.periods import Period
from domain.access import audit
from domain.step4_care import checkins
from domain.step5_report import snapshots
from models import db, utcnow

log = logging.getLogger(__name__)

CHECK_EVERY = 60.0  # seconds, per process
FREEZE_LOCK = "lock:report-freeze"
FREEZE_LOCK_SECONDS = 3600  # a national freeze takes about a minute; a lock left by a killed worker lapses
_next_check = 0.0


def last_closed(now) -> Period:
    """The latest period whose cut-off has passed at `now` (UTC)."""
    return Period.of_moment(now, checkins.report_day(), current_app.config["BOT_TIMEZONE"]).previous()


def freeze_when_due() -> None:
    """From the sweeper: queue the freeze of the last closed period if it is not frozen yet."""
    global _next_check
    if time.monotonic() < _next_check:
        return
    _next_check = time.monotonic() + CHECK_EVERY
    period = last_closed(utcnow())
    frozen = snapshots.is_frozen(period)  # one indexed look-up a minute
    db.session.rollback()
    if not frozen:
        jobs.enqueue("reports", freeze_job, period.key)


def freeze(period: Period, by: str) -> int:
    """Freeze the period now, audited when something was stored; how many areas (0: frozen already)."""
    stored = snapshots.freeze(period, utcnow())
    if stored:
        db.session.add(audit.entry("report.freeze", "report", str(period.key), after={"areas": stored, "by": by}))
        db.session.commit()
        log.info("report of period %s frozen: %d areas", period.key, stored)
    return stored


def freeze_job(period_key: int) -> None:
    """The background job: freeze unless another process is freezing."""
    lock = get_redis().lock(FREEZE_LOCK, timeout=FREEZE_LOCK_SECONDS, blocking=False)
    if not lock.acquire():
        return
    try:
        freeze(Period.from_key(period_key), "schedule")
    finally:
        lock.release()
