"""What the bot does for each kind of webhook event, before the dialogs exist.

Two phases per event. `fetch` asks LINE for what the handler needs (a profile, later image
content) before any database transaction opens, so a slow LINE never holds a lock. `handle`
then gets the SDK's parsed event and what was fetched, and returns an `Outcome`: the messages
to answer with and the records to store. It sends and commits nothing; `bot.inbox.apply` does.
"""

import contextlib
from dataclasses import dataclass, field

from linebot.v3.messaging import Message, TextMessage
from linebot.v3.models import UnknownEvent
from linebot.v3.webhooks import (
    Event,
    FollowEvent,
    MessageEvent,
    PostbackEvent,
    TextMessageContent,
    UnfollowEvent,
)

from bot.gateway import LineError, Profile, gateway
from bot.i18n import _
from models import LineUser, db, utcnow


@dataclass
class Outcome:
    reply: list[Message] = field(default_factory=list)
    store: list[object] = field(default_factory=list)


def parse(payload: dict) -> Event:
    """The SDK's model of a stored event; types the SDK doesn't know become `UnknownEvent`."""
    try:
        return Event.from_dict(payload)
    except ValueError:
        return UnknownEvent.new_from_json_dict(payload)


def fetch(event: Event) -> dict:
    """What the handler will need from LINE. Failures leave it out; handlers cope without it."""
    fetched = {}
    if isinstance(event, FollowEvent):
        with contextlib.suppress(LineError):  # the greeting works without a name
            fetched["profile"] = gateway().get_profile(event.source.user_id)
    return fetched


def handle(event: Event, fetched: dict) -> Outcome:
    if isinstance(event, FollowEvent):
        return on_follow(event, fetched.get("profile"))
    if isinstance(event, UnfollowEvent):
        return on_unfollow(event)
    if isinstance(event, MessageEvent) and isinstance(event.message, TextMessageContent):
        return Outcome(reply=[TextMessage(text=_(
            "Sorry, this service is not yet available to your LINE account. "
            "Please ask your district office for an invitation code."))])
    if isinstance(event, MessageEvent | PostbackEvent):
        return Outcome(reply=[TextMessage(text=_(
            "Sorry, I can only read typed text for now. Please type your message."))])
    return Outcome()  # other events (joins, reads, unsends...) need no answer


def on_follow(event: FollowEvent, profile: Profile | None) -> Outcome:
    user_id = event.source.user_id
    user = db.session.get(LineUser, user_id) or LineUser(user_id=user_id)
    user.following, user.followed_at = True, utcnow()
    if profile:
        user.display_name = profile.display_name
    greeting = _("Hello! This is the household poverty-alleviation assistant of the Ministry of Interior.")
    return Outcome(reply=[TextMessage(text=greeting)], store=[user])


def on_unfollow(event: UnfollowEvent) -> Outcome:
    user = db.session.get(LineUser, event.source.user_id)
    if user is None:
        return Outcome()
    user.following, user.unfollowed_at = False, utcnow()
    return Outcome(store=[user])
