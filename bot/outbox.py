"""The outbox: every message to LINE is a row first, then a send, then marked sent.

A crash between storing and sending leaves the row pending; the sweeper sends it again. Each
LINE request carries a retry key derived from the row, so a re-send after an unknown outcome
is answered 409 by LINE instead of reaching the user twice.

A reply has no retry key; its token is single use instead. Before LINE is asked, the claim that
commits `attempts` also records that this token may now be in flight. A later attempt (after a
timeout, or after the process died) retries the same token while it is still valid: LINE accepts
it if the first never landed, and refuses it as invalid if the first did, which then counts as
sent. Only a reply whose outcome is still unknown when the token's minute is over is pushed (with
its retry key): that push may be the second copy. A claim is a lease its process renews while it lives
(`bot.leases`), so after a crash another process (or the restarted one) takes the row over within
seconds: a reply inside its token's minute.

Sent messages keep no content: once a row is sent or fails for good its bodies are replaced by an
outline. A message carrying a secret (an invitation code) is never readable at rest: it is stored
sealed with AES-GCM under OUTBOX_KEY (`sealing_key`), with only the outline in the clear.

The bot's leaving a group or room is a row too, queued after its last message to that chat, so it
leaves only once that message is out and a crash can't skip it (leaving twice is harmless).
"""

import hashlib
import hmac
import logging
import time
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from cryptography.exceptions import InvalidTag
from flask import current_app
from sqlalchemy import bindparam, exists, func, insert, inspect, or_, select, update
from sqlalchemy.orm import aliased

from bot import jobs, leases, metrics
from bot.gateway import LineError, gateway
from core import sealing
from models import LineUser, OutboxMessage, db, utcnow

log = logging.getLogger(__name__)

MESSAGES_PER_REQUEST = 5
# Rows a delivery job claims, sends and marks together. A job's three statements and commits (and its turns at the
# embedded database's one connection) cost about the same for 50 rows as for 100: a pushed reminder took 0.83 ms of
# CPU at 50 and 0.73-0.77 at 100 (`bench.fanout`'s 15th, 30,000 caretakers). At LINE's ~100 ms a call a job of 100
# takes ~10 s; a tick's 500 reminders make five jobs, sent side by side.
BATCH = 100
RECIPIENTS_PER_MULTICAST = 500
# A reply token lives about a minute from its webhook event; it is tried until this age, which leaves
# room for a call under way and for our clock running behind LINE's. Past it the reply goes as a push.
REPLY_TOKEN_AGE = timedelta(seconds=50)
# LINE remembers a retry key for 24 hours; past that a re-send could duplicate, so give up.
GIVE_UP_AFTER = timedelta(hours=23)
SEALED_CONTEXT = b"outbox_messages.sealed"


@dataclass(frozen=True)
class Request:
    """One LINE API call of an outbox row."""

    kind: str  # reply | push | multicast | leave_group | leave_room
    to: str | list[str]
    messages: list[dict]
    retry_key: str


class TakenOver(Exception):
    """Another delivery attempt claimed the row after this one's claim ran out: it carries on."""


def queue_reply(reply_token: str, user_id: str, messages: list[dict], source_event_id: str | None,
                event_time: datetime | None = None, secret: bool = False) -> OutboxMessage:
    """Store a reply; `user_id` is where it goes as a push if the token is refused or too old. The token's
    minute counts from `event_time` (the webhook event's timestamp), or from now when it is later or unknown."""
    now = utcnow()
    issued = min(event_time, now) if event_time else now
    return _store("reply", [user_id], messages, secret, reply_token=reply_token, reply_until=issued + REPLY_TOKEN_AGE,
                  source_event_id=source_event_id)


def queue_push(user_id: str, messages: list[dict], source_event_id: str | None = None,
               secret: bool = False) -> OutboxMessage:
    return _store("push", [user_id], messages, secret, source_event_id=source_event_id)


def queue_multicast(user_ids: list[str], messages: list[dict]) -> list[OutboxMessage]:
    """A row per RECIPIENTS_PER_MULTICAST people (each once): the rows go out side by side, as LINE allows 200
    multicast calls a second, where one row's calls would follow each other."""
    recipients = list(dict.fromkeys(user_ids))
    return [_store("multicast", recipients[i:i + RECIPIENTS_PER_MULTICAST], messages, False)
            for i in range(0, len(recipients), RECIPIENTS_PER_MULTICAST)]


def queue_leave(chat_type: str, chat_id: str, source_event_id: str | None) -> OutboxMessage:
    """Store the bot's leaving a group or a room (`chat_type`): it happens after the messages
    queued before it to that chat have gone."""
    return _store(f"leave_{chat_type}", [chat_id], [], False, source_event_id=source_event_id)


LEAVES = ("leave_group", "leave_room")


def queue_pushes(pushes: list[tuple[str, list[dict]]]) -> list[int]:
    """Store many pushes (each to one person, its messages) in one statement, making no ORM object for them: their
    ids, in order. A reminder tick stores 100,000 (`bench.fanout`).
    Their delivery is queued with `send_ids` once the transaction has committed."""
    table = OutboxMessage.__table__
    return list(db.session.connection().scalars(insert(table).returning(table.c.id, sort_by_parameter_order=True),
                                                [_row("push", [to], messages, False) for to, messages in pushes]))


def _store(kind: str, recipients: list[str], messages: list[dict], secret: bool, **fields) -> OutboxMessage:
    row = OutboxMessage(**_row(kind, recipients, messages, secret, **fields))
    db.session.add(row)
    return row


def _row(kind: str, recipients: list[str], messages: list[dict], secret: bool, **fields) -> dict:
    """The columns of a new row."""
    if not recipients or not (messages or kind in LEAVES):
        raise ValueError("an outgoing message needs at least one message and one recipient")
    if secret:
        fields |= {"messages": outline(messages), "sealed": seal(messages)}
    else:
        fields |= {"messages": messages}
    return {"kind": kind, "recipients": recipients, "retry_key": str(uuid.uuid4()),
            "user_key": recipients[0] if kind != "multicast" else None, **fields}


def outline(messages: list[dict]) -> list[dict]:
    """What a row keeps of its messages once they are sent: how many, of which type."""
    return [{"type": message.get("type")} for message in messages]


def sealing_key() -> bytes:
    """The AES-256 key of sealed messages: the one place the outbox reads OUTBOX_KEY."""
    return hmac.new(current_app.config["OUTBOX_KEY"].encode(), b"outbox sealing key", hashlib.sha256).digest()


def seal(messages: list[dict]) -> bytes:
    return sealing.seal(sealing_key(), SEALED_CONTEXT, messages)


def unseal(sealed: bytes) -> list[dict]:
    """The messages of a sealed row; InvalidTag if it was sealed under another key (or altered)."""
    return sealing.unseal(sealing_key(), SEALED_CONTEXT, sealed)


def bodies(row) -> list[dict]:
    """The messages a row sends."""
    return unseal(row.sealed) if row.sealed is not None else row.messages


def plan(row: OutboxMessage, messages: list[dict] | None = None) -> list[Request]:
    """Split a row into LINE-sized requests, in sending order, each with its own retry key."""
    messages = bodies(row) if messages is None else messages
    chunks = [messages[i:i + MESSAGES_PER_REQUEST] for i in range(0, len(messages), MESSAGES_PER_REQUEST)]
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
# Nobody's lease on the row is running.
_UNCLAIMED = or_(OutboxMessage.claimed_until.is_(None), OutboxMessage.claimed_until < bindparam("now"))
# No older row to the same person is still pending: the row is next in its person's order.
_NEXT_IN_ORDER = ~exists().where(_older.user_key == OutboxMessage.user_key, _older.status == "pending",
                                 _older.id < OutboxMessage.id)
# Built once: building it anew (with a fresh alias) cost about 1 ms of CPU per delivery. It returns
# what sending needs, so claiming and reading the row are one statement. Its commit also records that
# the reply token may be in flight (`attempts`), before LINE is asked.
_CLAIM = (update(OutboxMessage)
          .where(OutboxMessage.id.in_(bindparam("outbox_ids", expanding=True)), OutboxMessage.status == "pending",
                 _UNCLAIMED, _NEXT_IN_ORDER)
          .values(claimed_until=bindparam("until"), claimed_by=bindparam("claimant"),
                  attempts=OutboxMessage.attempts + 1)
          .returning(OutboxMessage.id, OutboxMessage.kind, OutboxMessage.recipients, OutboxMessage.messages,
                     OutboxMessage.sealed, OutboxMessage.retry_key, OutboxMessage.reply_token,
                     OutboxMessage.reply_until, OutboxMessage.user_key, OutboxMessage.created_at,
                     OutboxMessage.requests_done, OutboxMessage.attempts, OutboxMessage.source_event_id)
          .execution_options(synchronize_session=False))


def claim(*outbox_ids: int) -> list:
    """Take the rows for one delivery attempt, on a lease in this process's name, and commit (so no transaction,
    and on SQLite no lock, is open while LINE is asked), in id order. Left out: a row sent, claimed by another
    attempt, or waiting behind an older one."""
    now = utcnow()
    rows = db.session.execute(_CLAIM, {"outbox_ids": list(outbox_ids), "now": now, "until": now + leases.LEASE,
                                       "claimant": leases.claimant()}).all()
    db.session.commit()
    return sorted(rows, key=lambda row: row.id)


def deliver(*outbox_ids: int) -> None:
    """Job: send what is left of these rows (one, or a batch of up to BATCH), then queue each person's next row.

    Safe to run twice at once: only one claims a row. A row waits while an older row to the same person is still
    pending, so each person receives messages in the order they were made. A batch is claimed in one statement, its
    sent rows are marked in another and the next rows looked up in a third: three commits a batch, as for a row on
    its own.
    """
    rows = claim(*outbox_ids)
    if not rows:
        return
    with leases.holding(*(row.id for row in rows)):
        sent = [done for done in map(_deliver_claimed, rows) if done is not None]
        _finish_sent(sent)
    send_ids(_next_rows([row for row in rows if row.user_key is not None]))


@dataclass(frozen=True)
class Sent:
    """A row whose requests have all been accepted, to be marked sent."""

    row: object
    requests_done: int
    messages: list[dict]


def _deliver_claimed(row) -> Sent | None:
    """Send the row's remaining requests. Returns the row to be marked sent; a row that failed (for now, or for
    good) is recorded here and None returned."""
    try:
        messages = bodies(row)
    except InvalidTag:
        _fail(row, row.requests_done, row.messages,
              "sealed under another OUTBOX_KEY: it can't be opened, so it can't be sent")
        return None
    requests = plan(row, messages)
    done, started = row.requests_done, time.perf_counter()
    try:
        for request in requests[done:]:
            _send(row, request)
            done += 1
            if done < len(requests):
                _keep(row, requests_done=done)  # a re-send after a crash resumes here
    except LineError as error:
        _record_failure(row, messages, error, done)
        return None
    except TakenOver:
        log.info("outbox %s was taken over by another delivery attempt", row.id)
        return None
    queued_for = (utcnow() - row.created_at).total_seconds()
    log.info("outbox %s (%s, event %s) sent in %.0f ms, %.0f ms after it was queued, try %d", row.id, row.kind,
             row.source_event_id, (time.perf_counter() - started) * 1000, queued_for * 1000, row.attempts)
    metrics.message_sent(row.kind, queued_for)
    return Sent(row, done, messages)


def _keep(row, **values) -> None:
    """Set columns of the row and renew its lease, unless another attempt took it over meanwhile (its claim
    bumped `attempts`): then raise TakenOver."""
    taken = db.session.execute(update(OutboxMessage)
                               .where(OutboxMessage.id == row.id, OutboxMessage.attempts == row.attempts,
                                      OutboxMessage.status == "pending")
                               .values(claimed_until=utcnow() + leases.LEASE, **values)
                               .execution_options(synchronize_session=False)).rowcount
    db.session.commit()
    if not taken:
        raise TakenOver


def _update(outbox_id: int, **values) -> None:
    """Set columns of one row and commit."""
    db.session.execute(update(OutboxMessage).where(OutboxMessage.id == outbox_id).values(**values)
                       .execution_options(synchronize_session=False))
    db.session.commit()


_DONE = (update(OutboxMessage).where(OutboxMessage.id == bindparam("outbox_id"))
         .values(status=bindparam("new_status"), error=bindparam("new_error"), sent_at=bindparam("at"),
                 requests_done=bindparam("done"), claimed_until=None, claimed_by=None, sealed=None,
                 messages=bindparam("kept", type_=OutboxMessage.messages.type))
         .execution_options(synchronize_session=False))


def _fail(row, requests_done: int, messages: list[dict], error: str) -> None:
    """Mark a row failed for good, keeping only the outline of its messages, and commit."""
    _mark([_marked(row, "failed", requests_done, messages, error=error)])
    metrics.message_failed(row.kind)


def _finish_sent(sent: list[Sent]) -> None:
    """Mark the rows sent, in one statement and one commit."""
    if sent:
        now = utcnow()
        _mark([_marked(one.row, "sent", one.requests_done, one.messages, at=now) for one in sent])


def _marked(row, status: str, requests_done: int, messages: list[dict], error: str | None = None,
            at: datetime | None = None) -> dict:
    return {"outbox_id": row.id, "new_status": status, "new_error": error, "done": requests_done, "at": at,
            "kept": outline(messages)}


def _mark(values: list[dict]) -> None:
    db.session.connection().execute(_DONE, values)
    db.session.commit()


def _next_rows(rows: list) -> list[int]:
    """The next pending row of each person these rows went to, looked up after they were marked and committed.

    That next row's own job can't claim it while an older row is pending. So either the job claims after the
    marking's commit (and finds the older row done), or it ran before, when the next row was already committed,
    and this look-up finds the row. A look-up inside the marking transaction left a gap on PostgreSQL: it ran
    before the next row was committed, that row's job ran before the commit, and nobody sent it. (SQLite admits
    one writer at a time, so it had no gap.) A person whose row is still pending (to be retried, or taken over by
    another attempt) has no next row yet: it follows that row.
    """
    if not rows:
        return []
    following = db.session.scalars(select(func.min(OutboxMessage.id))
                                   .where(OutboxMessage.user_key.in_({row.user_key for row in rows}),
                                          OutboxMessage.status == "pending")
                                   .group_by(OutboxMessage.user_key)).all()
    db.session.commit()
    return sorted(set(following) - {row.id for row in rows})


def _send(row, request: Request) -> None:
    if request.kind in LEAVES:
        leave = gateway().leave_group if request.kind == "leave_group" else gateway().leave_room
        try:
            leave(request.to)
        except LineError as error:
            if error.status != 404:  # 404: the bot is not in that chat (any more)
                raise
        return
    if request.kind == "reply":
        if _reply(row, request):
            return
        request = Request("push", request.to, request.messages, request.retry_key)
    line = gateway()
    try:
        if request.kind == "multicast":
            line.multicast(request.to, request.messages, request.retry_key)
        else:
            line.push(request.to, request.messages, request.retry_key)
    except LineError as error:
        if not error.already_accepted:
            raise


def _reply(row, request: Request) -> bool:
    """Send the first request with the reply token. True when the person has it, from this attempt or an
    earlier one; False when it must go as a push instead (the push carries the retry key, so once pushed
    it can't arrive twice)."""
    if row.reply_until is None or utcnow() >= row.reply_until:
        return False
    try:
        # An earlier claim of this row may have called LINE and died before it could mark the row sent.
        # Each retry first checks that the row is still this attempt's (and renews its lease).
        gateway().reply(row.reply_token, request.messages, until=row.reply_until.timestamp(),
                        tried_before=row.attempts > 1, before_retry=lambda: _keep(row))
        return True
    except LineError as error:
        if error.transient:
            log.warning("outbox %s: no known outcome of its reply within the token's minute; pushing it, "
                        "which may be a second copy (%s)", row.id, error)
            _keep(row)
        else:
            # Refused, so never delivered: from now on this row is a push, even if this process dies.
            log.info("reply for outbox %s not accepted (%s); pushing instead", row.id, error)
            _keep(row, reply_token=None)
        return False


def _record_failure(row, messages: list[dict], error: LineError, done: int) -> None:
    """Schedule a retry (the person's later rows keep waiting behind it), or fail the row for good."""
    now = utcnow()
    if error.transient and now - row.created_at < GIVE_UP_AFTER:
        retry_at = now + min(timedelta(seconds=15 * 2 ** min(row.attempts, 8)), timedelta(hours=1))
        log.warning("outbox %s will be retried at %s: %s", row.id, retry_at, error)
        _update(row.id, next_attempt_at=retry_at, claimed_until=None, claimed_by=None, error=str(error)[:2000])
        return
    log.error("outbox %s failed for good (event %s): %s", row.id, row.source_event_id, error)
    if error.recipient_unreachable and row.kind in ("push", "reply"):
        _unreachable(row.recipients[0])
    _fail(row, done, messages, str(error)[:2000])


def _unreachable(user_id: str) -> None:
    """LINE refused a push to this user (they blocked the bot, or are not its friend): they count as not following,
    so nothing more is pushed to them (reminders leave them out) until they follow again."""
    db.session.execute(update(LineUser).where(LineUser.user_id == user_id, LineUser.following.is_(True))
                       .values(following=False, unfollowed_at=utcnow()))
    db.session.commit()
    log.warning("LINE user %s can't be reached (blocked the bot?): marked as not following", user_id)


@dataclass(frozen=True)
class Due:
    """A row the sweeper queues again; `lapsed` names the process whose lease on it ran out (None: no lease)."""

    id: int
    lapsed: str | None


def due(grace: timedelta = timedelta(seconds=5), limit: int = 500) -> list[Due]:
    """Pending rows whose time came `grace` ago (so fresh rows' own jobs go first), with no lease running, each
    next in its person's order (the others follow it once it is out of the way)."""
    now = utcnow()
    rows = db.session.execute(
        select(OutboxMessage.id, OutboxMessage.claimed_by, OutboxMessage.claimed_until)
        .where(OutboxMessage.status == "pending", OutboxMessage.next_attempt_at <= now - grace, _UNCLAIMED,
               _NEXT_IN_ORDER)
        .order_by(OutboxMessage.id).limit(limit), {"now": now})
    return [Due(outbox_id, claimed_by if claimed_until is not None else None)
            for outbox_id, claimed_by, claimed_until in rows]


def next_claim_ends() -> datetime | None:
    """When the earliest lease on a pending row runs out: a row left by a dead process is due then."""
    return db.session.scalar(select(func.min(OutboxMessage.claimed_until))
                             .where(OutboxMessage.status == "pending", OutboxMessage.claimed_until.is_not(None)))


def send_later(rows: list[OutboxMessage]) -> None:
    """After the transaction that stored them has committed: queue their delivery."""
    # The id from the identity key: `row.id` would reload the expired row in a new transaction.
    send_ids([inspect(row).identity[0] for row in rows])


def send_ids(outbox_ids: list[int]) -> None:
    """Queue the delivery of these rows, BATCH to a job."""
    for start in range(0, len(outbox_ids), BATCH):
        jobs.enqueue("delivery", deliver, *outbox_ids[start:start + BATCH])
