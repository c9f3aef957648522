"""What the bot does for each kind of webhook event.

Two phases per event. `fetch` asks LINE for what the handler needs (a profile, a photo's
content) before any database transaction opens, so a slow LINE never holds a lock. `handle`
then turns the SDK's parsed event and what was fetched into an `Outcome`: messages to answer
with, records and audit entries to store. It sends and commits nothing; `bot.inbox.apply` does.

`to_input` is where what people type, tap or share enters the bot: every string in it goes through
`clean_text` there, once, so no dialog meets a NUL (PostgreSQL refuses it in text), a zero-width or
direction mark, or the same Thai word spelled with its marks in another order.
"""

import contextlib
import unicodedata
from datetime import datetime

import pydantic.v1
from flask import current_app
from linebot.v3.messaging import TextMessage
from linebot.v3.models import UnknownEvent
from linebot.v3.webhooks import (
    Event,
    FollowEvent,
    GroupSource,
    ImageMessageContent,
    JoinEvent,
    LeaveEvent,
    LocationMessageContent,
    MessageEvent,
    PostbackEvent,
    RoomSource,
    StickerMessageContent,
    TextMessageContent,
    UnfollowEvent,
)
from sqlalchemy import bindparam, select

from bot.gateway import LineError, gateway
from core.i18n import gettext
from core.types import Context, Input, Outcome
from dialogs import buttons, conversation, engine, sessions
from dialogs.kinds import Photo as PhotoQuestion
from models import LeftChat, LineUser, Photo, Staff, db, utcnow


def parse(payload: dict) -> Event:
    """The SDK's model of an event; types the SDK doesn't know become `UnknownEvent`. A known type
    with bad fields raises pydantic's ValidationError."""
    try:
        return Event.from_dict(payload)
    except pydantic.v1.ValidationError:
        raise
    except ValueError:
        return UnknownEvent.new_from_json_dict(payload)


def fetches_from_line(event: Event) -> bool:
    """Whether handling may first ask LINE for something: a new follower's profile, a photo (not one
    shared in a group chat)."""
    return isinstance(event, FollowEvent) or (isinstance(event, MessageEvent) and not from_group_chat(event)
                                              and isinstance(event.message, ImageMessageContent))


def from_group_chat(event: Event) -> bool:
    return isinstance(getattr(event, "source", None), GroupSource | RoomSource)


def fetch(event: Event) -> dict:
    """What the handler will need from LINE. Failures leave it out; handlers cope without it."""
    fetched = {}
    user_id = _user_id(event)
    if user_id is None or not fetches_from_line(event):
        return fetched  # nobody to answer (see `handle`), or nothing to ask LINE for
    if isinstance(event, FollowEvent):
        with contextlib.suppress(LineError):  # the greeting works without a name
            fetched["profile"] = gateway().get_profile(user_id)
    elif _expects_photo(user_id):
        with contextlib.suppress(LineError):
            fetched["image"] = gateway().get_content(event.message.id)
    return fetched


def _expects_photo(user_id: str) -> bool:
    session = sessions.active(user_id)
    expects = session is not None and isinstance(engine.question_of(session), PhotoQuestion)
    db.session.rollback()
    return expects


def _user_id(event: Event) -> str | None:
    """The LINE user who caused the event, or None: LINE may leave it out in groups and rooms, and an event
    may come without a source."""
    return getattr(getattr(event, "source", None), "user_id", None)


def handle(event: Event, fetched: dict) -> Outcome:
    now = utcnow()
    if from_group_chat(event):
        return in_group_chat(event, now)
    user_id = _user_id(event)
    if user_id is None:
        return Outcome()  # an event type this SDK doesn't know
    line_user, staff, session = sessions.account(user_id)
    line_user = line_user or LineUser(user_id=user_id, following=True, language="th", first_seen_at=now)
    if isinstance(event, UnfollowEvent):
        line_user.following, line_user.unfollowed_at = False, now
        return Outcome(store=[line_user])
    if isinstance(event, FollowEvent):
        return on_follow(line_user, staff, fetched.get("profile"), event.webhook_event_id, now)
    if not isinstance(event, MessageEvent | PostbackEvent):
        return Outcome()  # joins, reads, unsends...: nothing to answer
    if not line_user.following:
        line_user.following = True  # only friends can write; a missed follow event is healed here
    ctx = person_context(line_user, staff, event.webhook_event_id, now)
    outcome = conversation.converse(ctx, to_input(event), session)
    outcome.store.insert(0, line_user)
    return outcome


def person_context(line_user: LineUser, staff: Staff | None, event_id: str, now: datetime) -> Context:
    """Who is talking: the LINE account, and the staff member bound to it (`sessions.account`) while it
    follows the bot (unfollowed: none until re-follow); and the moment of their event in the bot's time zone
    (BOT_TIMEZONE)."""
    return Context(line_user=line_user, staff=staff if line_user.following else None, event_id=event_id, now=now,
                   timezone=current_app.config["BOT_TIMEZONE"])


_DROPPED = frozenset({"Cc", "Cf", "Cs"})  # control and format characters (zero-width marks), unpaired surrogates


def clean_text(text: str) -> str:
    """Text as people meant it: Unicode NFC, line breaks as "\\n" (kept: people list things by line),
    tabs as spaces, and no other control or format character (NUL, zero-width spaces and joiners,
    direction marks, a byte-order mark)."""
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\t", " ")
    if not text.isprintable():  # the quick test passes for most texts: no line break, nothing odd
        text = "".join(ch for ch in text if ch == "\n" or unicodedata.category(ch) not in _DROPPED)
    return unicodedata.normalize("NFC", text)


def received(event: Event, fetched: dict) -> Outcome:
    """What the event brought to keep before it is handled: a photo sent in answer to a question. The answer is
    the photo's id, which the database gives when the photo is stored, so `bot.inbox` applies this first, in the
    event's transaction: if handling fails, the photo goes with the rest."""
    content = fetched.get("image")
    if content is None:
        return Outcome()
    return Outcome(store=[Photo(line_message_id=event.message.id, line_user_id=_user_id(event),
                                content_type="image/jpeg", size=len(content), content=content, created_at=utcnow())])


_PHOTO = select(Photo.id).where(Photo.line_message_id == bindparam("message_id"))


def to_input(event: Event) -> Input:
    """The event as a dialog's input, its text and data cleaned (`clean_text`); a photo is the id it was stored
    under (`received`), none if LINE did not give it."""
    if isinstance(event, PostbackEvent):
        data = buttons.decode(event.postback.data)  # decoded first: "%00" is a NUL too
        picked = {key: value for key, value in (event.postback.params or {}).items() if value}  # date pickers
        return Input("postback", data={clean_text(key): clean_text(value) for key, value in (data | picked).items()})
    message = event.message
    if isinstance(message, TextMessageContent):
        return Input("text", text=clean_text(message.text))
    if isinstance(message, LocationMessageContent):
        title, address = (clean_text(field) if field else field for field in (message.title, message.address))
        return Input("location", value={"latitude": message.latitude, "longitude": message.longitude,
                                        "title": title, "address": address})
    if isinstance(message, ImageMessageContent):
        return Input("image", value=db.session.scalar(_PHOTO, {"message_id": message.id}))
    if isinstance(message, StickerMessageContent):
        return Input("sticker")
    return Input("other")


def on_follow(line_user: LineUser, staff: Staff | None, profile, event_id: str, now: datetime) -> Outcome:
    line_user.following, line_user.followed_at = True, now
    if profile:
        line_user.display_name = clean_text(profile.display_name)
        if profile.language == "en":
            line_user.language = "en"
    ctx = person_context(line_user, staff, event_id, now)
    greeting = ctx._("Hello! This is the household poverty-alleviation assistant of the Ministry of Interior.")
    outcome = conversation.greet(ctx)
    outcome.reply.insert(0, TextMessage(text=greeting))
    outcome.store.insert(0, line_user)
    return outcome


def in_group_chat(event: Event, now: datetime) -> Outcome:
    """Any event from a group or room chat: the first one, and each time the bot is brought back
    in (a join), says that it works only one-to-one, and the bot leaves. Events from a chat it
    has left, still on their way, get no answer; nor does its removal from one."""
    source = event.source
    chat_id = source.group_id if isinstance(source, GroupSource) else source.room_id
    left = db.session.get(LeftChat, chat_id)
    if left is not None and not isinstance(event, JoinEvent):
        return Outcome()
    left = left or LeftChat(chat_id=chat_id, chat_type=source.type)
    left.left_at = now
    if isinstance(event, LeaveEvent):  # removed by its members: nothing to say, nowhere to say it
        return Outcome(store=[left])
    farewell = gettext("This assistant works only in a one-to-one chat with staff, so it is leaving this group "
                       "chat. Staff, please add it as a friend and chat with it there.")
    return Outcome(reply=[TextMessage(text=farewell)], store=[left], leave=True)
