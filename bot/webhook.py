"""`POST /callback`: where LINE delivers events.

Before LINE gets its 200 the request checks the signature on the raw bytes, checks the body
parses, and stores the events, handling at once those that need nothing from LINE (see
`bot.inbox`). Every call to LINE, replies included, happens in background jobs, so a slow LINE
API never delays the answer. If the events can't be stored because the database or Redis is out
of reach, the answer is 503 and LINE redelivers them; an event that fails because of what it
holds is still stored (and answered 200), and fails in the background (`bot.inbox`).

A signed body gets 200 or 400, never 500: `parse_events` refuses, as malformed, anything the
inbox could not store or read back (nesting deeper than LINE's, numbers JSON can't carry, text
that is not Unicode, ids longer than their columns) and any event the SDK cannot read.
"""

import base64
import hashlib
import hmac
import json
import logging
import math

from flask import Blueprint, current_app, request
from linebot.v3.webhooks import Event

from bot import inbox, jobs, metrics
from bot.errors import describe, is_transient
from bot.events import parse

log = logging.getLogger(__name__)
bp = Blueprint("webhook", __name__)


class MalformedBody(ValueError):
    """The body is not a LINE webhook payload."""


MAX_DEPTH = 16  # LINE's events nest 5 levels deep (events, event, message, emojis, emoji)
# The fields the inbox reads from an event as LINE sent it, and the longest each may be (its column).
ID_LENGTH = 64
TYPE_LENGTH = 32


def signature_is_valid(secret: str, body: bytes, signature: str) -> bool:
    expected = base64.b64encode(hmac.new(secret.encode(), body, hashlib.sha256).digest())
    return hmac.compare_digest(expected, signature.encode("ascii", "replace"))


def parse_events(body: bytes) -> list[tuple[dict, Event]]:
    """Each event as LINE sent it and as the SDK reads it."""
    try:
        payload = json.loads(body)
    except (ValueError, UnicodeDecodeError, RecursionError) as exc:  # RecursionError: nested thousands deep
        raise MalformedBody(f"not JSON: {exc.__class__.__name__}") from None
    _check_storable(payload)
    if b"\\u0000" in body:  # JSON carries a NUL only as this escape: most bodies are left as they are
        payload = _without_nul(payload)
    if not isinstance(payload, dict) or not isinstance(payload.get("events"), list):
        raise MalformedBody("no events list")
    events = []
    for event in payload["events"]:
        _check_event(event)
        try:
            events.append((event, parse(event)))  # a type this SDK doesn't know is stored, then ignored politely
        except Exception as exc:  # the SDK reports misshapen fields as KeyError, TypeError or pydantic's errors
            raise MalformedBody(f"event {event['webhookEventId']}: {exc.__class__.__name__}: {exc}") from None
    return events


def _check_storable(payload) -> None:
    """Refuse what the database could not store as JSON: deep nesting, NaN or infinite numbers, strings
    with unpaired surrogates (JSON's "\\ud800" escape is not a character)."""
    stack = [(payload, 0)]
    while stack:
        value, depth = stack.pop()
        if depth > MAX_DEPTH:
            raise MalformedBody(f"nested more than {MAX_DEPTH} levels deep")
        if isinstance(value, dict):
            stack += ((key, depth + 1) for key in value)
            stack += ((item, depth + 1) for item in value.values())
        elif isinstance(value, list):
            stack += ((item, depth + 1) for item in value)
        elif isinstance(value, float) and not math.isfinite(value):
            raise MalformedBody("a number that is not finite")
        elif isinstance(value, str) and not value.isascii():
            try:
                value.encode()
            except UnicodeEncodeError:
                raise MalformedBody("a string that is not Unicode text") from None


def _without_nul(value):
    """The payload with U+0000 dropped from every string: PostgreSQL stores no NUL in text, so an event
    carrying one (in a text, an id, a type) could never be stored, and LINE would be told to send it again
    forever. Called after `_check_storable`, so the nesting is shallow."""
    if isinstance(value, str):
        return value.replace("\x00", "") if "\x00" in value else value
    if isinstance(value, dict):
        return {_without_nul(key): _without_nul(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_without_nul(item) for item in value]
    return value


# An event's time (epoch milliseconds) must be a date the bot can compute with: from 2000 to 2100.
TIMESTAMP_RANGE = range(946_684_800_000, 4_102_444_800_000)


def _check_event(event) -> None:
    """The fields the inbox reads before the SDK does: present where needed, of the right type, short enough."""
    if not isinstance(event, dict) or not _short_string(event.get("webhookEventId"), ID_LENGTH, empty=False):
        raise MalformedBody("an event has no webhookEventId")
    if not _short_string(event.get("type"), TYPE_LENGTH, empty=False):
        raise MalformedBody(f"event {event['webhookEventId']}: no type")
    source = event.get("source", {})
    if not isinstance(source, dict) or not all(_short_string(source.get(key), ID_LENGTH)
                                               for key in ("userId", "groupId", "roomId") if key in source):
        raise MalformedBody(f"event {event['webhookEventId']}: a source that is not a user, group or room")
    if "replyToken" in event and not _short_string(event["replyToken"], ID_LENGTH):
        raise MalformedBody(f"event {event['webhookEventId']}: a malformed replyToken")
    timestamp = event.get("timestamp", TIMESTAMP_RANGE.start)
    if isinstance(timestamp, bool) or not isinstance(timestamp, int) or timestamp not in TIMESTAMP_RANGE:
        raise MalformedBody(f"event {event['webhookEventId']}: a timestamp that is not a time")
    if not isinstance(event.get("deliveryContext", {}), dict):
        raise MalformedBody(f"event {event['webhookEventId']}: a malformed deliveryContext")


def _short_string(value, length: int, empty: bool = True) -> bool:
    return isinstance(value, str) and len(value) <= length and (empty or bool(value))


@bp.post("/callback")
def callback():
    body = request.get_data(cache=False)
    signature = request.headers.get("X-Line-Signature", "")
    if not signature_is_valid(current_app.config["LINE_CHANNEL_SECRET"], body, signature):
        log.warning("webhook refused: bad or missing signature from %s", request.remote_addr)
        return "Bad signature", 400
    try:
        events = parse_events(body)
    except MalformedBody as exc:
        log.warning("webhook refused: %s", exc)
        return "Malformed body", 400
    if not events:
        return "OK"  # LINE's "Verify" button sends no events
    try:
        users = inbox.receive(events)
    except Exception as exc:  # logged without its message: it may quote what was typed
        if not is_transient(exc):
            log.error("could not store %d events: %s", len(events), describe(exc))
            return "Could not store the events", 500
        log.warning("could not store %d events; LINE will redeliver: %s", len(events), describe(exc))
        return "Try again", 503
    metrics.events_received(len(events))
    try:
        inbox.schedule(users)
    except Exception as exc:
        if not is_transient(exc):
            raise
        log.warning("could not queue events for %d users; the sweeper will", len(users))
    return "OK"


@bp.before_app_request
def start_background_work():
    """Embedded mode: start the sweeper with the first request (it also re-sends after a crash)."""
    runner = jobs.runner()
    if runner.embedded:
        runner.start_sweeper()
