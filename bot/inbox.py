"""The inbox: every webhook event is handled once, in each user's order, and never lost.

- `receive` runs inside the webhook request. An event the bot can answer from its own data
  (a text, a tap) is handled there and then, in one transaction with its stored record, when
  its sender has nothing still waiting: that saves a job and three transactions, and the reply
  is on its way sooner. Everything else (a follow or a photo, which need LINE first; a sender
  with a backlog; a handler that failed) is stored as pending for `drain`, and so is everything
  while the process is busy (events already waiting for its threads, or other requests handling
  theirs): under a burst LINE gets its answers at once and the backlog is worked off behind them.
- `drain` is a job per user: it handles that user's pending events oldest first.
- Order comes from the database, not from a lock held across steps: an event is claimed only
  when none of its sender's older events is still pending, in the same transaction as its
  effects, and that transaction is the sender's turn (SQLite lets one writer in at a time; on
  PostgreSQL a transaction-scoped advisory lock per user). Two workers holding the same event
  or the same user's next event find it done, or wait for their turn, and do nothing twice.
- A poison event never blocks its sender: a failure caused by the data (`bot.errors`) fails the
  event at once, a transient one leaves it pending for at most `ATTEMPTS` tries. A failed event
  tells the person it could not be processed, keeps nothing they typed, and is not pending, so
  their later events go on.
- Group and room chats key their events by the chat, not the member who wrote (`user_key`), so
  the bot's answer and its leaving go to the chat (`bot.events.in_group_chat`).
"""

import logging
import threading
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import redis
from linebot.v3.messaging import TextMessage
from linebot.v3.webhooks import Event
from sqlalchemy import bindparam, exists, func, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import aliased

from bot import jobs, metrics, outbox, richmenu
from bot.errors import describe, is_transient
from bot.events import fetch, fetches_from_line, handle, parse, received
from bot.redis_store import get_redis
from core import line_json
from core.i18n import gettext
from core.types import Outcome
from domain.access import audit
from models import InboxEvent, LineUser, db, utcnow

log = logging.getLogger(__name__)

SEEN_TTL = 24 * 3600  # LINE redelivers for at most a day
DRAIN_BATCH = 20  # a user's pending events read at a time
# Tries of an event that keeps failing transiently before it is failed: with the sweeper's 15 s,
# about a minute of its sender's later events waiting behind it.
ATTEMPTS = 5
REDIS_DOWN = (redis.ConnectionError, redis.TimeoutError)

# How many webhook requests at a time, per process, may handle their events themselves.
HANDLING_IN_REQUESTS = 2
_handling_slots = threading.BoundedSemaphore(HANDLING_IN_REQUESTS)


class TransientError(Exception):
    """The database or Redis was briefly unavailable: the event stays pending and is tried again."""


def user_key(event: dict) -> str:
    """Whose turn an event takes and where answers to it go: the group or room it came from, else its sender."""
    source = event.get("source") or {}
    return source.get("groupId") or source.get("roomId") or source.get("userId") or ""


def receive(events: list[tuple[dict, Event]]) -> set[str]:
    """Handle or store each new event (as LINE sent it, and as the SDK parsed it); returns the users
    whose events wait for `drain`. A database error while storing propagates: LINE will redeliver."""
    runner = jobs.runner()
    shared = not runner.embedded
    fresh = _fresh(events, shared)
    waiting = [payload for payload, _ in fresh]
    if fresh and not runner.busy("events") and _handling_slots.acquire(blocking=False):
        try:
            waiting = _handle_what_can_be(fresh)
        finally:
            _handling_slots.release()
    if waiting:
        store(waiting)
    if shared and fresh:
        _mark_seen([payload for payload, _ in fresh])
    return {user_key(payload) for payload in waiting}


def _handle_what_can_be(fresh: list[tuple[dict, Event]]) -> list[dict]:
    """Handle each event now if it can be; returns the others, and every later event of their senders."""
    waiting: list[dict] = []
    for payload, event in fresh:
        if any(user_key(other) == user_key(payload) for other in waiting) or not handle_now(payload, event):
            waiting.append(payload)
    return waiting


def store(payloads: list[dict]) -> None:
    """Insert events as pending, ignoring ones already stored, and commit."""
    now = utcnow()
    db.session.execute(_INSERT[db.engine.dialect.name], [_row(payload, now) for payload in payloads])
    db.session.commit()


def _row(payload: dict, now) -> dict:
    return {"webhook_event_id": payload["webhookEventId"], "user_key": user_key(payload),
            "event_type": payload.get("type", ""), "payload": payload,
            "redelivery": bool((payload.get("deliveryContext") or {}).get("isRedelivery")), "received_at": now}


# Duplicates (a redelivery, or the same event on two web processes at once) are skipped by the unique id.
_INSERT = {name: dialect.insert(InboxEvent).values(status="pending", attempts=0)
           .on_conflict_do_nothing(index_elements=["webhook_event_id"])
           for name, dialect in (("postgresql", postgresql), ("sqlite", sqlite))}
# An event handled on arrival is stored already done, keeping no content, and the insert says whether
# it was new.
_INSERT_DONE = {name: dialect.insert(InboxEvent).values(status="done", attempts=1)
                .on_conflict_do_nothing(index_elements=["webhook_event_id"]).returning(InboxEvent.id)
                for name, dialect in (("postgresql", postgresql), ("sqlite", sqlite))}
_WAITING = select(InboxEvent.id).where(InboxEvent.status == "pending", InboxEvent.user_key == bindparam("key")).limit(1)


def handle_now(payload: dict, event: Event) -> bool:
    """Handle an event inside the webhook request if that is safe and quick: it needs nothing from
    LINE, and its sender has no event waiting. False leaves it to `drain`, which also tries again
    (and records the failure) if handling failed here, whatever the failure: if the database is
    out of reach, storing the event fails too and LINE is asked to redeliver."""
    if fetches_from_line(event):
        return False
    key, started = user_key(payload), time.perf_counter()
    try:
        take_turn(key)
        if db.session.execute(_WAITING, {"key": key}).first() is not None:
            db.session.rollback()
            return False
        now = utcnow()
        row = _row(without_content(payload), now) | {"processed_at": now}
        new_id = db.session.scalar(_INSERT_DONE[db.engine.dialect.name], row)
        if new_id is None:  # stored already: another worker has it
            db.session.rollback()
            return True
        applied = apply(Pending(new_id, payload["webhookEventId"], key, payload), handle(event, {}))
        db.session.commit()
    except Exception as exc:
        db.session.rollback()
        log.info("event %s is left to the background after failing on arrival: %s", payload["webhookEventId"],
                 describe(exc))
        return False
    applied.start()
    _log_handled(payload, started, None)
    return True


def take_turn(key: str) -> None:
    """Start the transaction that is this user's turn: no other transaction handles their events
    until it ends. SQLite's write lock (BEGIN IMMEDIATE, see bot.sqlite) already admits one writer
    at a time; PostgreSQL takes a transaction-scoped advisory lock on the user."""
    if db.engine.dialect.name == "postgresql":
        db.session.execute(_ADVISORY_LOCK, {"key": key})


_ADVISORY_LOCK = select(func.pg_advisory_xact_lock(func.hashtextextended(bindparam("key"), 0)))


def _fresh(events: list[tuple[dict, Event]], shared: bool) -> list[tuple[dict, Event]]:
    """Each event once (a body may repeat one). With web processes sharing a Redis, also without the
    events Redis remembers as stored: a fast path (in one process the database is as near as Redis
    would be). The database's unique id is the real guard."""
    unique = {}
    for payload, event in events:
        unique.setdefault(payload["webhookEventId"], (payload, event))
    if not shared:
        return list(unique.values())
    try:
        seen = get_redis().mget([f"seen:{event_id}" for event_id in unique])
    except REDIS_DOWN:
        seen = [None] * len(unique)
    return [pair for pair, hit in zip(unique.values(), seen, strict=True) if not hit]


def _mark_seen(payloads: list[dict]) -> None:
    try:
        with get_redis().pipeline(transaction=False) as pipe:
            for payload in payloads:
                pipe.set(f"seen:{payload['webhookEventId']}", 1, ex=SEEN_TTL)
            pipe.execute()
    except REDIS_DOWN:
        log.warning("Redis unavailable; de-duplication falls back to the database")


def schedule(users: set[str]) -> None:
    for key in users:
        jobs.enqueue("events", drain, key)


def drain(key: str) -> None:
    """Job: handle every pending event of one user, oldest first. Another worker draining the same
    user at once is harmless: each event is claimed once, in order. An event stored from now on
    comes with a job of its own, so one short batch is the end; a full one may have more behind it.
    Stops early when a pass handles nothing: what is left is another worker's."""
    while True:
        batch = pending(key, DRAIN_BATCH)
        handled = 0
        for event in batch:
            try:
                handled += process(event)
            except TransientError:
                return  # left pending; the sweeper queues this user again
        if len(batch) < DRAIN_BATCH or not handled:
            return


@dataclass(frozen=True)
class Pending:
    """A stored event not yet handled: what handling it needs, read in one query with its neighbours."""

    id: int
    webhook_event_id: str
    user_key: str
    payload: dict
    attempts: int = 0  # failed tries so far
    received_at: datetime | None = None


# Statements on every event's path are built once: building one costs more than running it.
_PENDING = (select(InboxEvent.id, InboxEvent.webhook_event_id, InboxEvent.user_key, InboxEvent.payload,
                   InboxEvent.attempts, InboxEvent.received_at)
            .where(InboxEvent.status == "pending", InboxEvent.user_key == bindparam("key"))
            .order_by(InboxEvent.id).limit(bindparam("limit")))
_older = aliased(InboxEvent)
# Marks an event done (or failed) in the transaction of its effects, if it is still pending and
# none of its sender's older events is.
_CLAIM = (update(InboxEvent)
          .where(InboxEvent.id == bindparam("event_id"), InboxEvent.status == "pending",
                 ~exists().where(_older.user_key == InboxEvent.user_key, _older.status == "pending",
                                 _older.id < InboxEvent.id))
          .values(status=bindparam("outcome"), processed_at=bindparam("now"), attempts=InboxEvent.attempts + 1,
                  payload=bindparam("kept", type_=InboxEvent.payload.type), error=bindparam("failure"))
          .execution_options(synchronize_session=False))
_COUNT_ATTEMPT = (update(InboxEvent)
                  .where(InboxEvent.id == bindparam("event_id"), InboxEvent.status == "pending")
                  .values(attempts=InboxEvent.attempts + 1)
                  .execution_options(synchronize_session=False))


def pending(key: str, limit: int = DRAIN_BATCH) -> list[Pending]:
    """The user's pending events, oldest first."""
    rows = db.session.execute(_PENDING, {"key": key, "limit": limit}).all()
    db.session.commit()
    return [Pending(*row) for row in rows]


def process(stored: Pending) -> bool:
    """Handle one stored event exactly once: claim, effects and outbox rows commit together.
    Returns whether this call handled it (or recorded its failure); raises TransientError when
    it is left pending for a later try.

    What LINE must tell us first (a profile, image content) is fetched before the transaction.
    The claim also strips the stored payload (`without_content`), so once handled the event keeps
    nothing the person typed.
    """
    started = time.perf_counter()
    try:
        event = parse(stored.payload)
        fetched = fetch(event)  # no transaction (and on SQLite no lock) while LINE is asked
        take_turn(stored.user_key)
        if not _claim(stored, "done"):
            db.session.rollback()
            return False
        apply(stored, received(event, fetched))  # a photo, first: the answer names it by its id
        applied = apply(stored, handle(event, fetched))
        db.session.commit()
    except Exception as exc:
        db.session.rollback()
        return _after_failure(stored, exc)
    applied.start()
    _log_handled(stored.payload, started, stored.received_at)
    return True


def _log_handled(payload: dict, started: float, received_at: datetime | None) -> None:
    """One line an event: its id, type, the time handling took and, for one handled in the background, how long
    after its receipt (ids and times only: the payload's content never reaches the log)."""
    took = time.perf_counter() - started
    after = (utcnow() - received_at).total_seconds() if received_at else None
    waited = f", {after * 1000:.0f} ms after receipt" if after is not None else ""
    log.info("event %s (%s) handled in %.0f ms%s", payload["webhookEventId"], payload.get("type"), took * 1000, waited)
    metrics.event_handled(took if after is None else after)


def _claim(stored: Pending, outcome: str, failure: str | None = None) -> bool:
    return db.session.execute(_CLAIM, {"event_id": stored.id, "now": utcnow(), "outcome": outcome,
                                       "kept": without_content(stored.payload), "failure": failure}).rowcount > 0


def _after_failure(stored: Pending, exc: Exception) -> bool:
    """A transient failure leaves the event pending for the sweeper, up to `ATTEMPTS` tries in all;
    any other failure, or the last try, fails it."""
    if is_transient(exc) and stored.attempts + 1 < ATTEMPTS:
        _recording(lambda: _count_attempt(stored.id), exc)
        log.warning("event %s (%s) left for later after try %d: %s", stored.webhook_event_id,
                    stored.payload.get("type"), stored.attempts + 1, describe(exc))
        raise TransientError from exc
    try:
        return _recording(lambda: _fail(stored, exc), exc)
    except TransientError:
        raise
    except Exception:  # the apology itself failed: fail the event without one rather than leave it pending
        return _recording(lambda: _fail(stored, exc, apologise=False), exc)


def _count_attempt(event_id: int) -> None:
    db.session.execute(_COUNT_ATTEMPT, {"event_id": event_id})
    db.session.commit()


def _recording(write, failure: Exception):
    """Record something about a failed event; if the database is out of reach for that too, the
    event stays pending (TransientError)."""
    try:
        return write()
    except Exception as exc:
        db.session.rollback()
        if is_transient(exc):
            raise TransientError from failure
        raise


# What a handled event keeps: enough to recognise it, nothing a person typed (it may hold a national ID).
KEPT_FIELDS = ("type", "mode", "timestamp", "source", "webhookEventId", "deliveryContext")


def without_content(payload: dict) -> dict:
    """The event minus what the person typed, tapped or shared: the answers live in their own records."""
    kept = {key: payload[key] for key in KEPT_FIELDS if key in payload}
    if isinstance(payload.get("message"), dict):
        kept["message"] = {key: payload["message"][key] for key in ("type", "id") if key in payload["message"]}
    return kept


@dataclass(frozen=True)
class AfterCommit:
    """What an applied outcome starts once its transaction commits: sending its messages, and showing the
    people whose access changed the rich menu of their roles."""

    outgoing: list
    access_changed: list[str]

    def start(self) -> None:
        outbox.send_later(self.outgoing)
        richmenu.follow_access(self.access_changed)


def apply(row: Pending, outcome: Outcome) -> AfterCommit:
    """The one place where a handler's outcome becomes database rows and outgoing messages, in this order:
    the dialog sessions set aside are written first (a person has one active session at most, and another may
    become active now), then the draft resumed is made active; the records are stored, and flushed once so
    that new ones have their ids; then the audit changes, which may name them, are written as sealed entries,
    and the replies (which may name them too: `Later`) are queued. Returns what starts once it commits."""
    if outcome.set_aside:
        db.session.add_all(outcome.set_aside)
        db.session.flush()
    if outcome.resumed is not None:
        outcome.resumed.status = "active"
    db.session.add_all(outcome.store)
    db.session.flush()
    audit.store([audit.written(change, row.webhook_event_id) for change in outcome.audit])
    outgoing = []
    if outcome.reply:
        outgoing += _answer(row, [line_json.of(message) for message in outcome.reply], outcome.secret)
    outgoing += [outbox.queue_push(push.to, [line_json.of(message) for message in push.messages], row.webhook_event_id)
                 for push in outcome.push]
    if outcome.leave:
        source = row.payload["source"]
        outgoing.append(outbox.queue_leave(source["type"], row.user_key, row.webhook_event_id))
    db.session.flush()
    return AfterCommit(outgoing, outcome.access_changed)


def _answer(row: Pending, messages: list[dict], secret: bool = False) -> list:
    """Queue messages answering an event: a reply with its token (the outbox pushes instead if LINE
    refuses it or its minute is over), or a push when the event came without one."""
    token = row.payload.get("replyToken")
    if token:
        return [outbox.queue_reply(token, row.user_key, messages, row.webhook_event_id, event_time(row.payload),
                                   secret)]
    if row.user_key:
        return [outbox.queue_push(row.user_key, messages, row.webhook_event_id, secret)]
    return []


def event_time(payload: dict) -> datetime | None:
    """When LINE says the event happened (its reply token's minute starts then)."""
    timestamp = payload.get("timestamp")
    if isinstance(timestamp, int) and not isinstance(timestamp, bool):
        try:
            return datetime.fromtimestamp(timestamp / 1000, UTC)
        except (OverflowError, OSError, ValueError):  # the webhook refuses such times; stored ones may predate that
            return None
    return None


def _fail(stored: Pending, exc: Exception, apologise: bool = True) -> bool:
    """Give up on an event: mark it failed, keeping what failed and where but nothing the person
    typed, and, if it was something they expect an answer to (it came with a reply token, in a
    one-to-one chat: a group gets nothing but the bot's farewell), tell them it could not be
    processed. Their later events go on: a failed event is not pending."""
    take_turn(stored.user_key)
    if not _claim(stored, "failed", describe(exc)[:2000]):
        db.session.rollback()
        return False
    outgoing = []
    one_to_one = (stored.payload.get("source") or {}).get("type") == "user"
    if apologise and one_to_one and stored.payload.get("replyToken"):
        person = db.session.get(LineUser, stored.user_key)
        apology = gettext("Sorry, the system could not process that message. Please try again.",
                          person.language if person else "th")
        outgoing = _answer(stored, [line_json.of(TextMessage(text=apology))])
    db.session.commit()
    log.error("event %s (%s) failed: %s", stored.webhook_event_id, stored.payload.get("type"), describe(exc))
    metrics.event_failed()
    outbox.send_later(outgoing)
    return True


def stale_users(older_than: timedelta = timedelta(seconds=5)) -> list[str]:
    """Users with events still pending after a while: their drain job was lost or hit an outage."""
    keys = db.session.scalars(select(InboxEvent.user_key).distinct()
                              .where(InboxEvent.status == "pending", InboxEvent.received_at < utcnow() - older_than))
    return list(keys)
