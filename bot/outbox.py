"""The outbox: every message to LINE is a row first, then a send, then marked sent.

A crash between storing and sending leaves the row pending; the sweeper sends it again. Each
LINE request carries a retry key derived from the row, so a re-send after an unknown outcome
is answered 409 by LINE instead of reaching the user twice.

The bot's leaving a group or room is a row too, queued after its last message to that chat, so it
leaves only once that message is out and a crash can't skip it (leaving twice is harmless).
"""

import logging
import uuid
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import bindparam, exists, inspect, or_, select, update
from sqlalchemy.orm import aliased

from bot import jobs
from bot.gateway import LineError, gateway
from models import OutboxMessage, db, utcnow

log = logging.getLogger(__name__)

MESSAGES_PER_REQUEST = 5
RECIPIENTS_PER_MULTICAST = 500
# A reply token lives about a minute; past this age the reply is sent as a push instead.
REPLY_TOKEN_AGE = timedelta(seconds=50)
# How long one delivery attempt owns a row before another may take it over.
CLAIM = timedelta(seconds=120)
# LINE remembers a retry key for 24 hours; past that a re-send could duplicate, so give up.
GIVE_UP_AFTER = timedelta(hours=23)


@dataclass(frozen=True)
class Request:
    """One LINE API call of an outbox row."""

    kind: str  # reply | push | multicast | leave_group | leave_room
    to: str | list[str]
    messages: list[dict]
    retry_key: str


def queue_reply(reply_token: str, user_id: str, messages: list[dict], source_event_id: str | None) -> OutboxMessage:
    """Store a reply; `user_id` is where it goes as a push if the token is refused or too old."""
    return _store("reply", [user_id], messages, reply_token=reply_token, source_event_id=source_event_id)


def queue_push(user_id: str, messages: list[dict], source_event_id: str | None = None) -> OutboxMessage:
    return _store("push", [user_id], messages, source_event_id=source_event_id)


def queue_multicast(user_ids: list[str], messages: list[dict]) -> OutboxMessage:
    return _store("multicast", list(dict.fromkeys(user_ids)), messages)


def queue_leave(chat_type: str, chat_id: str, source_event_id: str | None) -> OutboxMessage:
    """Store the bot's leaving a group or a room (`chat_type`): it happens after the messages
    queued before it to that chat have gone."""
    return _store(f"leave_{chat_type}", [chat_id], [], source_event_id=source_event_id)


LEAVES = ("leave_group", "leave_room")


def _store(kind: str, recipients: list[str], messages: list[dict], **fields) -> OutboxMessage:
    if not recipients or not (messages or kind in LEAVES):
        raise ValueError("an outgoing message needs at least one message and one recipient")
    row = OutboxMessage(kind=kind, recipients=recipients, messages=messages, retry_key=str(uuid.uuid4()),
                        user_key=recipients[0] if kind != "multicast" else None, **fields)
    db.session.add(row)
    return row


def plan(row: OutboxMessage) -> list[Request]:
    """Split a row into LINE-sized requests, in sending order, each with its own retry key."""
    chunks = [row.messages[i:i + MESSAGES_PER_REQUEST] for i in range(0, len(row.messages), MESSAGES_PER_REQUEST)]
    if row.kind == "multicast":
        groups = [row.recipients[i:i + RECIPIENTS_PER_MULTICAST]
                  for i in range(0, len(row.recipients), RECIPIENTS_PER_MULTICAST)]
        calls = [("multicast", group, chunk) for group in groups for chunk in chunks]
    elif row.kind in LEAVES:
        calls = [(row.kind, row.recipients[0], [])]
    else:
        first = "reply" if row.kind == "reply" and row.reply_token else "push"
        calls = [(first if i == 0 else "push", row.recipients[0], chunk) for i, chunk in enumerate(chunks)]
    base = uuid.UUID(row.retry_key)
    return [Request(kind, to, chunk, str(uuid.uuid5(base, str(i)))) for i, (kind, to, chunk) in enumerate(calls)]


_older = aliased(OutboxMessage)
# Built once: building it anew (with a fresh alias) cost about 1 ms of CPU per delivery. It returns
# what sending needs, so claiming and reading the row are one statement.
_CLAIM = (update(OutboxMessage)
          .where(OutboxMessage.id == bindparam("outbox_id"), OutboxMessage.status == "pending",
                 or_(OutboxMessage.claimed_until.is_(None), OutboxMessage.claimed_until < bindparam("now")),
                 ~exists().where(_older.user_key == OutboxMessage.user_key, _older.status == "pending",
                                 _older.id < OutboxMessage.id))
          .values(claimed_until=bindparam("until"), attempts=OutboxMessage.attempts + 1)
          .returning(OutboxMessage.id, OutboxMessage.kind, OutboxMessage.recipients, OutboxMessage.messages,
                     OutboxMessage.retry_key, OutboxMessage.reply_token, OutboxMessage.user_key,
                     OutboxMessage.created_at, OutboxMessage.requests_done, OutboxMessage.attempts,
                     OutboxMessage.source_event_id)
          .execution_options(synchronize_session=False))


def deliver(outbox_id: int) -> None:
    """Job: send what is left of one row, then queue the same person's next row.

    Safe to run twice at once: only one claims the row. A row waits while an older row to the
    same person is still pending, so each person receives messages in the order they were made.
    """
    now = utcnow()
    row = db.session.execute(_CLAIM, {"outbox_id": outbox_id, "now": now, "until": now + CLAIM}).one_or_none()
    db.session.commit()  # no transaction (and on SQLite no lock) while LINE is asked
    if row is None:
        return
    following = _deliver_claimed(row)
    if following is not None:
        jobs.enqueue("delivery", deliver, following)


def _deliver_claimed(row) -> int | None:
    """Send the row's remaining requests and record how it went. Returns the same person's next
    pending row when this one is out of the way (sent, or failed for good)."""
    requests = plan(row)
    done = row.requests_done
    try:
        for request in requests[done:]:
            _send(row, request)
            done += 1
            if done < len(requests):
                _update(row.id, requests_done=done)  # a re-send after a crash resumes here
    except LineError as error:
        return _record_failure(row, error, done)
    return _finish(row, "sent", done)


def _update(outbox_id: int, **values) -> None:
    """Set columns of one row and commit."""
    db.session.execute(update(OutboxMessage).where(OutboxMessage.id == outbox_id).values(**values)
                       .execution_options(synchronize_session=False))
    db.session.commit()


_NEXT_FOR = (select(OutboxMessage.id)
             .where(OutboxMessage.user_key == bindparam("user_key"), OutboxMessage.status == "pending")
             .order_by(OutboxMessage.id).limit(1))
_DONE = (update(OutboxMessage).where(OutboxMessage.id == bindparam("outbox_id"))
         .values(status=bindparam("new_status"), error=bindparam("new_error"), sent_at=bindparam("at"),
                 requests_done=bindparam("done"), claimed_until=None)
         .execution_options(synchronize_session=False))


def _finish(row, status: str, requests_done: int, error: str | None = None) -> int | None:
    """Mark the row sent or failed, commit, and only then look for the person's next pending row.

    That next row's own job can't claim it while this row is pending. So either the job claims
    after this commit (and finds this row done), or it ran before, when the next row was already
    committed, and the look-up below finds the row. A look-up inside the marking transaction left
    a gap on PostgreSQL: it ran before the next row was committed, that row's job ran before the
    commit, and nobody sent it. (SQLite admits one writer at a time, so it had no gap.)
    """
    db.session.execute(_DONE, {"outbox_id": row.id, "new_status": status, "new_error": error, "done": requests_done,
                               "at": utcnow() if status == "sent" else None})
    db.session.commit()
    if row.user_key is None:
        return None
    following = db.session.scalar(_NEXT_FOR, {"user_key": row.user_key})
    db.session.commit()
    return following


def _send(row, request: Request) -> None:
    line = gateway()
    if request.kind in LEAVES:
        leave = line.leave_group if request.kind == "leave_group" else line.leave_room
        try:
            leave(request.to)
        except LineError as error:
            if error.status != 404:  # 404: the bot is not in that chat (any more)
                raise
        return
    if request.kind == "reply":
        if utcnow() - row.created_at < REPLY_TOKEN_AGE:
            try:
                line.reply(row.reply_token, request.messages)
                return
            except LineError as error:
                # Refused token, or an outcome we can't know: fall back to a push, which
                # carries a retry key and so can't duplicate itself.
                log.info("reply for outbox %s not accepted (%s); pushing instead", row.id, error)
        request = Request("push", request.to, request.messages, request.retry_key)
    try:
        if request.kind == "multicast":
            line.multicast(request.to, request.messages, request.retry_key)
        else:
            line.push(request.to, request.messages, request.retry_key)
    except LineError as error:
        if not error.already_accepted:
            raise


def _record_failure(row, error: LineError, done: int) -> int | None:
    """Schedule a retry (the person's later rows keep waiting behind it), or fail the row for good."""
    now = utcnow()
    if error.transient and now - row.created_at < GIVE_UP_AFTER:
        retry_at = now + min(timedelta(seconds=15 * 2 ** min(row.attempts, 8)), timedelta(hours=1))
        log.warning("outbox %s will be retried at %s: %s", row.id, retry_at, error)
        _update(row.id, next_attempt_at=retry_at, claimed_until=None, error=str(error)[:2000])
        return None
    log.error("outbox %s failed for good (event %s): %s", row.id, row.source_event_id, error)
    return _finish(row, "failed", done, str(error)[:2000])


def due_ids(grace: timedelta = timedelta(seconds=5), limit: int = 500) -> list[int]:
    """Pending rows whose time came `grace` ago (so fresh rows' own jobs go first), unclaimed."""
    now = utcnow()
    return list(db.session.scalars(
        select(OutboxMessage.id)
        .where(OutboxMessage.status == "pending", OutboxMessage.next_attempt_at <= now - grace,
               or_(OutboxMessage.claimed_until.is_(None), OutboxMessage.claimed_until < now))
        .order_by(OutboxMessage.id).limit(limit)))


def send_later(rows: list[OutboxMessage]) -> None:
    """After the transaction that stored them has committed: queue their delivery."""
    for row in rows:
        # The id from the identity key: `row.id` would reload the expired row in a new transaction.
        jobs.enqueue("delivery", deliver, inspect(row).identity[0])
