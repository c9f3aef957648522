"""The sweeper: finds work a crash, an outage or a lost job left behind, and queues it again; and, hourly,
deletes personal data past its retention (bot.privacy); and, each minute, ticks the reminders (bot.reminder_clock).

It runs when a process starts and every SWEEP_INTERVAL seconds, and also as soon as a claim on an
unsent message runs out: a reply that a crashed process had claimed is then tried again while its
token is still valid (see `bot.outbox`). Every web process and worker runs one, but one sweeps at a time: the others
find the lock taken and skip their turn (two sweeping at once found the same work and logged it twice). If Redis
can't be reached, a process sweeps anyway: what it queues is claimed in the database, exactly once.
"""

import contextlib
import logging

import redis

from bot import inbox, jobs, outbox, privacy, reminder_clock, report_clock
from bot.redis_store import get_redis
from models import db, utcnow

log = logging.getLogger(__name__)
SWEEP_LOCK = "lock:sweep"
SWEEP_LOCK_SECONDS = 60  # a sweep takes well under a second; a lock left by a killed sweeper lapses after this


def sweep() -> tuple[int, int]:
    """Queue pending events and due outbox rows, unless another process is sweeping. Returns how many of each were
    queued."""
    lock = get_redis().lock(SWEEP_LOCK, timeout=SWEEP_LOCK_SECONDS, blocking=False)
    try:
        if not lock.acquire():
            return 0, 0
    except redis.RedisError:
        lock = None
    try:
        return _sweep()
    finally:
        if lock is not None:
            with contextlib.suppress(redis.RedisError):  # lapsed, or Redis went away: nothing to release
                lock.release()


def _sweep() -> tuple[int, int]:
    users = inbox.stale_users()
    inbox.schedule(set(users))
    due = outbox.due_ids()
    for outbox_id in due:
        jobs.enqueue("delivery", outbox.deliver, outbox_id)
    if users or due:
        log.info("sweep re-queued events of %d users and %d outgoing messages", len(users), len(due))
    privacy.purge_when_due()
    reminder_clock.tick_when_due()
    report_clock.freeze_when_due()
    return len(users), len(due)


# Claims run out at most this often in a busy process; waking for each would be wasted work.
MIN_SWEEP_GAP = 1.0


def next_sweep_in(interval: float) -> float:
    """Seconds until the next sweep: `interval`, or sooner, when the earliest claim on an unsent
    message runs out (just after, so that it has)."""
    ends = outbox.next_claim_ends()
    db.session.rollback()
    if ends is None:
        return interval
    return min(interval, max(MIN_SWEEP_GAP, (ends - utcnow()).total_seconds() + 0.1))
