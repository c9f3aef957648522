"""Freezing the monthly report on schedule: once a period's cut-off has passed, its report is frozen
(`domain.step5_report.snapshots`), by a background job on the `reports` queue, as a national freeze takes a while.

The sweeper calls `freeze_when_due` (`bot.recovery`), which looks at most once a minute per process; the freeze is
idempotent, and a Redis lock keeps two processes from counting the same period at once. `flask --app wsgi report
freeze` freezes by hand.
"""

import logging
import time
from datetime import datetime

from flask import current_app
from sqlalchemy import insert
from sqlalchemy.exc import IntegrityError

from bot import jobs
from bot.redis_store import get_redis
from core.periods import Period
from domain.access import audit
from domain.step4_care import checkins
from domain.step5_report import snapshots
from models import ReportSnapshot, db, utcnow

log = logging.getLogger(__name__)

CHECK_EVERY = 60.0  # seconds, per process
FREEZE_LOCK = "lock:report-freeze"
FREEZE_LOCK_SECONDS = 3600  # a national freeze takes about a minute; a lock left by a killed worker lapses
INSERT_BATCH = 2_000  # snapshot rows a statement
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


def freeze(period: Period, by: str, now: datetime | None = None) -> int:
    """Freeze the period (raises NotClosed before its cut-off): its rows stored in one transaction with an audit
    entry; how many areas (0: frozen already, by this process or another at the same time)."""
    rows = snapshots.to_freeze(period, now or utcnow())
    if not rows:
        return 0
    try:
        for start in range(0, len(rows), INSERT_BATCH):
            db.session.execute(insert(ReportSnapshot), rows[start:start + INSERT_BATCH])
        db.session.add(audit.entry("report.freeze", "report", str(period.key), after={"areas": len(rows), "by": by}))
        db.session.commit()
    except IntegrityError:  # another process froze it meanwhile: theirs stands
        db.session.rollback()
        return 0
    log.info("report of period %s frozen: %d areas", period.key, len(rows))
    return len(rows)


def freeze_job(period_key: int) -> None:
    """The background job: freeze unless another process is freezing."""
    lock = get_redis().lock(FREEZE_LOCK, timeout=FREEZE_LOCK_SECONDS, blocking=False)
    if not lock.acquire():
        return
    try:
        freeze(Period.from_key(period_key), "schedule")
    finally:
        lock.release()
