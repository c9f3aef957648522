"""Leases on the outgoing messages a process is sending: renewed while it lives, so they lapse soon after it dies.

A delivery claims its outbox row for LEASE and names itself in `claimed_by` (host:pid). While the process lives, a
thread of it renews the lease of every row it is still sending, every RENEW_EVERY, however long LINE takes (a call
and its retries may take a minute). A process killed with `kill -9` renews nothing: its rows' leases lapse within
LEASE, the sweeper (which wakes as the earliest lease runs out, `bot.recovery`) queues them again naming the claimant
that let them lapse, and another process sends them: seconds after the death, not minutes. A process stalled for
longer than LEASE loses its rows the same way; when it carries on, its next step finds the row taken over
(`bot.outbox.TakenOver`) and stops there.
"""

import contextlib
import logging
import os
import socket
import threading
from collections.abc import Iterable, Iterator
from datetime import timedelta

from flask import Flask, current_app
from sqlalchemy import bindparam, update

from models import OutboxMessage, db, utcnow

log = logging.getLogger(__name__)

LEASE = timedelta(seconds=10)
RENEW_EVERY = LEASE / 3  # two renewals may fail (a slow database) before the lease lapses

_RENEW = (update(OutboxMessage)
          .where(OutboxMessage.id.in_(bindparam("ids", expanding=True)), OutboxMessage.claimed_by == bindparam("me"),
                 OutboxMessage.status == "pending", OutboxMessage.claimed_until.is_not(None))
          .values(claimed_until=bindparam("until"))
          .execution_options(synchronize_session=False))


def claimant() -> str:
    """This process as its claims name it: host and process id (each forked web process has its own)."""
    return f"{socket.gethostname()}:{os.getpid()}"


class Leases:
    """The rows this process is sending, and the thread renewing their leases while there are any."""

    def __init__(self, app: Flask):
        self.app = app
        self._held: set[int] = set()
        self._changed = threading.Condition()
        self._renewer: threading.Thread | None = None

    @contextlib.contextmanager
    def holding(self, outbox_ids: Iterable[int]) -> Iterator[None]:
        """Keep the leases on claimed rows renewed for as long as the block runs."""
        outbox_ids = set(outbox_ids)
        with self._changed:
            self._held |= outbox_ids
            # Not alive: none started yet, it ended with nothing held, or it was the parent's before a fork.
            if self._renewer is None or not self._renewer.is_alive():
                self._renewer = threading.Thread(target=self._renew_while_held, name="leases", daemon=True)
                self._renewer.start()
        try:
            yield
        finally:
            with self._changed:
                self._held -= outbox_ids

    def _renew_while_held(self) -> None:
        while True:
            with self._changed:
                self._changed.wait(RENEW_EVERY.total_seconds())
                held = list(self._held)
                if not held:
                    self._renewer = None
                    return
            with self.app.app_context():
                try:
                    renew(held)
                except Exception:  # the database is briefly out of reach: the next renewal may get through
                    db.session.rollback()
                    log.warning("could not renew the leases of %d outgoing messages", len(held), exc_info=True)


def renew(outbox_ids: list[int]) -> int:
    """Extend this process's leases on these rows (those still pending and still its own); returns how many."""
    renewed = db.session.execute(_RENEW, {"ids": outbox_ids, "me": claimant(), "until": utcnow() + LEASE}).rowcount
    db.session.commit()
    return renewed


def holding(*outbox_ids: int):
    """The block during which this process keeps renewing its leases on rows it claimed."""
    return current_app.extensions["leases"].holding(outbox_ids)


def init_app(app: Flask) -> None:
    app.extensions["leases"] = Leases(app)
