"""`POST /callback`: where LINE delivers events.

The request does only what must happen before LINE gets its 200: check the signature on the
raw bytes, check the body parses, store the events. Handling them and talking back to LINE
happen in background jobs, so a slow LINE API never delays the answer.
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

log = logging.getLogger(__name__)
bp = Blueprint("webhook", __name__)


class MalformedBody(ValueError):
    """The body is not a LINE webhook payload."""


def signature_is_valid(secret: str, body: bytes, signature: str) -> bool:
    expected = base64.b64encode(hmac.new(secret.encode(), body, hashlib.sha256).digest())
    return hmac.compare_digest(expected, signature.encode("ascii", "replace"))


def parse_events(body: bytes) -> list[dict]:
    """The events as LINE sent them, after checking the SDK can read each one."""
    try:
        payload = json.loads(body)
    except (ValueError, UnicodeDecodeError) as exc:
        raise MalformedBody(f"not JSON: {exc}") from None
    if not isinstance(payload, dict) or not isinstance(payload.get("events"), list):
        raise MalformedBody("no events list")
    for event in payload["events"]:
        if not isinstance(event, dict) or not isinstance(event.get("webhookEventId"), str):
            raise MalformedBody("an event has no webhookEventId")
        try:
            Event.from_dict(event)
        except pydantic.v1.ValidationError as exc:
            raise MalformedBody(f"event {event['webhookEventId']}: {exc}") from None
        except ValueError:
            pass  # an event type this SDK version doesn't know: stored, then ignored politely
    return payload["events"]


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
        users = inbox.store(events)
    except inbox.TRANSIENT:
        log.exception("could not store %d events; LINE will redeliver", len(events))
        return "Try again", 503
    try:
        inbox.schedule(users)
    except inbox.TRANSIENT:
        log.warning("could not queue events for %d users; the sweeper will", len(users))
    return "OK"


@bp.before_app_request
def start_background_work():
    """Embedded mode: start the sweeper with the first request (it also re-sends after a crash)."""
    runner = jobs.runner()
    if runner.embedded:
        runner.start_sweeper()
