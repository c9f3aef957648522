"""`POST /callback`: where LINE delivers events.

Before LINE gets its 200 the request checks the signature on the raw bytes, checks the body
parses, and stores the events, handling at once those that need nothing from LINE (see
`bot.inbox`). Every call to LINE, replies included, happens in background jobs, so a slow LINE
API never delays the answer. If the events can't be stored because the database or Redis is out
of reach, the answer is 503 and LINE redelivers them; an event that fails because of what it
holds is still stored (and answered 200), and fails in the background (`bot.inbox`).
"""

import base64
import hashlib
import hmac
import json
import logging

import pydantic.v1
from flask import Blueprint, current_app, request
from linebot.v3.webhooks import Event

from bot import inbox, jobs
from bot.errors import describe, is_transient
from bot.events import parse

log = logging.getLogger(__name__)
bp = Blueprint("webhook", __name__)


class MalformedBody(ValueError):
    """The body is not a LINE webhook payload."""


def signature_is_valid(secret: str, body: bytes, signature: str) -> bool:
    expected = base64.b64encode(hmac.new(secret.encode(), body, hashlib.sha256).digest())
    return hmac.compare_digest(expected, signature.encode("ascii", "replace"))


def parse_events(body: bytes) -> list[tuple[dict, Event]]:
    """Each event as LINE sent it and as the SDK reads it."""
    try:
        payload = json.loads(body)
    except (ValueError, UnicodeDecodeError) as exc:
        raise MalformedBody(f"not JSON: {exc}") from None
    if not isinstance(payload, dict) or not isinstance(payload.get("events"), list):
        raise MalformedBody("no events list")
    events = []
    for event in payload["events"]:
        if not isinstance(event, dict) or not isinstance(event.get("webhookEventId"), str):
            raise MalformedBody("an event has no webhookEventId")
        try:
            events.append((event, parse(event)))  # a type this SDK doesn't know is stored, then ignored politely
        except pydantic.v1.ValidationError as exc:
            raise MalformedBody(f"event {event['webhookEventId']}: {exc}") from None
    return events


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
