"""The sweeper: finds work a crash, an outage or a lost job left behind, and queues it again; and, hourly,
deletes personal data past its retention (bot.privacy)."""

import logging

from bot import inbox, jobs, outbox, privacy

log = logging.getLogger(__name__)


def sweep() -> tuple[int, int]:
    """Queue pending events and due outbox rows. Returns how many of each were queued."""
    users = inbox.stale_users()
    inbox.schedule(set(users))
    due = outbox.due_ids()
    for outbox_id in due:
        jobs.enqueue("delivery", outbox.deliver, outbox_id)
    if users or due:
        log.info("sweep re-queued events of %d users and %d outgoing messages", len(users), len(due))
    privacy.purge_when_due()
    return len(users), len(due)
