"""The sweeper: finds work a crash, an outage or a lost job left behind, and queues it again; and, hourly,
deletes personal data past its retention (bot.privacy); and, each minute, ticks the reminders (bot.reminder_clock).

It runs when a process starts and every SWEEP_INTERVAL seconds, and also as soon as a lease on an unsent message
runs out (`bot.leases`): what a dead process was sending is taken over within seconds, a reply while its token is
still valid (see `bot.outbox`). Every web process and worker runs one, but one sweeps at a time: the others
find the lock taken and skip their turn (two sweeping at once found the same work and logged it twice). If Redis
can't be reached, a process sweeps anyway: what it queues is claimed in the database, exactly once.
"""

import contextlib
import logging
from collections import Counter

import redis

from bot import inbox, leases, outbox, privacy, reminder_clock, report_clock
from bot.redis_store import get_redis
from models import db, utcnow

log = logging.getLogger(__name__)
SWEEP_LOCK = "lock:sweep"
# A sweep takes well under a second. A lock left by a killed sweeper lapses after this, as its leases do
# (`bot.leases`): the next sweep takes over both. A sweep that outlasts it lets another start, which is harmless.
SWEEP_LOCK_SECONDS = int(leases.LEASE.total_seconds())


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
    due = outbox.due()
    for lapsed, count in Counter(row.lapsed for row in due if row.lapsed).items():
        log.warning("sweep: the lease of %s on %d outgoing messages ran out (the process died or stalled); "
                    "taking them over", lapsed, count)
    outbox.send_ids([row.id for row in due])
    if users or due:
        log.info("sweep re-queued events of %d users and %d outgoing messages", len(users), len(due))
    privacy.purge_when_due()
    reminder_clock.tick_when_due()
    report_clock.freeze_when_due()
    return len(users), len(due)


# Leases run out at most this often in a busy process; waking for each would be wasted work.
MIN_SWEEP_GAP = 1.0


def next_sweep_in(interval: float) -> float:
    """Seconds until the next sweep: `interval`, or sooner, when the earliest lease on an unsent
    message runs out (just after, so that it has)."""
    ends = outbox.next_claim_ends()
    db.session.rollback()
    if ends is None:
        return interval
    return min(interval, max(MIN_SWEEP_GAP, (ends - utcnow()).total_seconds() + 0.1))
