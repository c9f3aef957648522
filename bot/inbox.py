"""The inbox: webhook events are stored on arrival and handled later, once, in each user's order.

- `store` runs inside the webhook request: one insert per event, duplicates ignored by the
  unique LINE event id, then one commit. That is all LINE waits for.
- `drain` is a job per user: it takes a per-user lock and handles that user's pending events
  oldest first, so one person's messages are answered in order while other people's are
  handled in parallel.
- `process` marks the event done in the same transaction as its effects. A second worker
  holding the same event finds it already done and does nothing.
"""

import logging
import threading
from dataclasses import dataclass
from datetime import timedelta

import redis
from sqlalchemy import bindparam, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import DBAPIError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout

from bot import jobs, outbox
from bot.events import fetch, handle, parse
from bot.redis_store import get_redis
from models import InboxEvent, db, utcnow

log = logging.getLogger(__name__)

SEEN_TTL = 24 * 3600  # LINE redelivers for at most a day
LOCK_TTL = 60  # seconds a crashed worker can hold up one user's events
# PoolTimeout: on SQLite the app has one connection (bot.sqlite); waiting too long for it is
# the same trouble as "database is locked".
TRANSIENT = (OperationalError, PoolTimeout, redis.ConnectionError, redis.TimeoutError)


class TransientError(Exception):
    """The database or Redis was briefly unavailable: the event stays pending and is tried again."""


def user_key(event: dict) -> str:
    source = event.get("source") or {}
    return source.get("userId") or source.get("groupId") or source.get("roomId") or ""


def store(events: list[dict]) -> set[str]:
    """Insert new events (ignoring ones already stored) and return the users that have work."""
    shared = not jobs.runner().embedded
    fresh = _unseen(events) if shared else list({event["webhookEventId"]: event for event in events}.values())
    if fresh:
        now = utcnow()
        rows = [{
            "webhook_event_id": event["webhookEventId"],
            "user_key": user_key(event),
            "event_type": event.get("type", ""),
            "payload": event,
            "redelivery": bool((event.get("deliveryContext") or {}).get("isRedelivery")),
            "received_at": now,
        } for event in fresh]
        db.session.execute(_INSERT[db.engine.dialect.name], rows)
        db.session.commit()
        if shared:
            _mark_seen(fresh)
    return {user_key(event) for event in fresh}


# Duplicates (a redelivery, or the same event on two web processes at once) are skipped by the unique id.
_INSERT = {name: dialect.insert(InboxEvent).values(status="pending", attempts=0)
           .on_conflict_do_nothing(index_elements=["webhook_event_id"])
           for name, dialect in (("postgresql", postgresql), ("sqlite", sqlite))}


def _unseen(events: list[dict]) -> list[dict]:
    """Fast path for web processes sharing a Redis: skip events already stored. (In one process the
    database is as near as Redis would be.) The database's unique id is the real guard."""
    ids = [event["webhookEventId"] for event in events]
    try:
        seen = get_redis().mget([f"seen:{i}" for i in ids])
    except TRANSIENT:
        return events
    unique = {}
    for event, hit in zip(events, seen, strict=True):
        if not hit:
            unique.setdefault(event["webhookEventId"], event)
    return list(unique.values())


def _mark_seen(events: list[dict]) -> None:
    try:
        with get_redis().pipeline(transaction=False) as pipe:
            for event in events:
                pipe.set(f"seen:{event['webhookEventId']}", 1, ex=SEEN_TTL)
            pipe.execute()
    except TRANSIENT:
        log.warning("Redis unavailable; de-duplication falls back to the database")


def schedule(users: set[str]) -> None:
    for key in users:
        jobs.enqueue("events", drain, key)


def drain(key: str) -> None:
    """Job: handle every pending event of one user, oldest first, holding that user's lock."""
    while True:
        lock = user_lock(key)
        if not lock.acquire(blocking=False):
            return  # the holder re-checks for pending events after it lets go
        try:
            for event in pending(key):
                try:
                    process(event)
                except TransientError:
                    return  # left pending; the sweeper queues this user again
                lock.reacquire()
        finally:
            _release(lock)
        if not pending(key, limit=1):  # more than one batch, or arrived while the lock was held
            return


def user_lock(key: str):
    """The lock that keeps one user's events in order: Redis's across processes, a thread lock in one."""
    if jobs.runner().embedded:
        return _LocalLock(key)
    return get_redis().lock(f"lock:user:{key}", timeout=LOCK_TTL)


class _LocalLock:
    """A per-user lock for the embedded mode, where every worker is a thread of this process: as safe
    as Redis's there, and it costs microseconds instead of a scripted call into the Redis stand-in."""

    _guard = threading.Lock()
    _held: set[str] = set()

    def __init__(self, name: str):
        self.name = name

    def acquire(self, blocking: bool = False) -> bool:
        with self._guard:
            if self.name in self._held:
                return False
            self._held.add(self.name)
            return True

    def reacquire(self) -> None:
        pass  # held until released: a thread can't end without its `finally` running

    def release(self) -> None:
        with self._guard:
            self._held.discard(self.name)


def _release(lock) -> None:
    try:
        lock.release()
    except redis.exceptions.LockError:
        log.warning("user lock %s expired before release", lock.name)


@dataclass(frozen=True)
class Pending:
    """A stored event not yet handled: what handling it needs, read in one query with its neighbours."""

    id: int
    webhook_event_id: str
    user_key: str
    payload: dict


# Statements on every event's path are built once: building one costs more than running it.
_PENDING = (select(InboxEvent.id, InboxEvent.webhook_event_id, InboxEvent.user_key, InboxEvent.payload)
            .where(InboxEvent.status == "pending", InboxEvent.user_key == bindparam("key"))
            .order_by(InboxEvent.id).limit(bindparam("limit")))
_CLAIM = (update(InboxEvent).where(InboxEvent.id == bindparam("event_id"), InboxEvent.status == "pending")
          .values(status="done", processed_at=bindparam("now"), attempts=InboxEvent.attempts + 1,
                  payload=bindparam("kept", type_=InboxEvent.payload.type))
          .execution_options(synchronize_session=False))


def pending(key: str, limit: int = 20) -> list[Pending]:
    """The user's pending events, oldest first."""
    rows = db.session.execute(_PENDING, {"key": key, "limit": limit}).all()
    db.session.commit()
    return [Pending(*row) for row in rows]


def process(stored: Pending) -> None:
    """Handle one stored event exactly once: claim, effects and outbox rows commit together.

    What LINE must tell us first (a profile, image content) is fetched before the transaction.
    The claim also strips the stored payload (`without_content`), so once handled the event keeps
    nothing the person typed.
    """
    try:
        event = parse(stored.payload)
        fetched = fetch(event)  # no transaction (and on SQLite no lock) while LINE is asked
        claimed = db.session.execute(_CLAIM, {"event_id": stored.id, "now": utcnow(),
                                              "kept": without_content(stored.payload)}).rowcount
        if not claimed:
            db.session.rollback()
            return
        outgoing = apply(stored, handle(event, fetched))
        db.session.commit()
    except TRANSIENT as exc:
        db.session.rollback()
        log.warning("event %s left for later: %s", stored.id, exc.__class__.__name__)
        raise TransientError from exc
    except DBAPIError as exc:
        if exc.connection_invalidated:
            db.session.rollback()
            raise TransientError from exc
        _fail(stored.id, exc)
        return
    except Exception as exc:
        _fail(stored.id, exc)
        return
    outbox.send_later(outgoing)


# What a handled event keeps: enough to recognise it, nothing a person typed (it may hold a national ID).
KEPT_FIELDS = ("type", "mode", "timestamp", "source", "webhookEventId", "deliveryContext")


def without_content(payload: dict) -> dict:
    """The event minus what the person typed, tapped or shared: the answers live in their own records."""
    kept = {key: payload[key] for key in KEPT_FIELDS if key in payload}
    if isinstance(payload.get("message"), dict):
        kept["message"] = {key: payload["message"][key] for key in ("type", "id") if key in payload["message"]}
    return kept


def apply(row: Pending, outcome) -> list:
    """The one place where a handler's outcome becomes database rows and outgoing messages."""
    for record in outcome.store:
        db.session.add(record)
    for entry in outcome.audit:
        entry.event_id = entry.event_id or row.webhook_event_id
        db.session.add(entry)
    outgoing = []
    if outcome.reply:
        messages = [message.to_dict() for message in outcome.reply]
        token = row.payload.get("replyToken")
        if token:
            outgoing.append(outbox.queue_reply(token, row.user_key, messages, row.webhook_event_id))
        elif row.user_key:
            outgoing.append(outbox.queue_push(row.user_key, messages, row.webhook_event_id))
    db.session.flush()
    return outgoing


def _fail(event_id: int, exc: Exception) -> None:
    """A bug or bad data: record it on the event (so it is not retried forever) and log its LINE id."""
    db.session.rollback()
    row = db.session.get(InboxEvent, event_id)
    log.error("event %s (%s) failed: %r", row.webhook_event_id, row.event_type, exc, exc_info=exc)
    row.status, row.error, row.attempts = "failed", repr(exc)[:2000], row.attempts + 1
    db.session.commit()


def stale_users(older_than: timedelta = timedelta(seconds=5)) -> list[str]:
    """Users with events still pending after a while: their drain job was lost or hit an outage."""
    keys = db.session.scalars(select(InboxEvent.user_key).distinct()
                              .where(InboxEvent.status == "pending", InboxEvent.received_at < utcnow() - older_than))
    return list(keys)
