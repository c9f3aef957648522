"""Postback data that says which session and which step a button belongs to.

A tap on a button from an older message (an earlier step, a finished or another dialog) is
recognised and answered "this button has expired" instead of being taken as an answer.
"""

import secrets
from urllib.parse import parse_qsl, urlencode

from linebot.v3.messaging import PostbackAction, QuickReplyItem

MAX_DATA = 300  # LINE's limit for postback data
LABEL_LIMIT = 20  # LINE's limit for a button's label
QUICK_REPLY_LIMIT = 13  # LINE shows at most this many quick-reply buttons under a message


def new_key() -> str:
    return secrets.token_hex(6)


def encode(session, data: dict) -> str:
    return _within_limit(urlencode({"s": session.key, "v": session.version, **data}))


def _within_limit(data: str) -> str:
    if len(data) > MAX_DATA:
        raise ValueError(f"postback data over {MAX_DATA} characters: {data[:50]}...")
    return data


def decode(raw: str) -> dict[str, str]:
    return dict(parse_qsl(raw or "", keep_blank_values=True))


def whole(raw: str | None, digits: int) -> int | None:
    """A whole number from postback data ("page=2", "id=42"), or None for anything else ("abc", "-5", "1e3"):
    data can be forged, so only a short run of ASCII digits becomes a number, and it fits an integer column."""
    return int(raw) if raw and raw.isascii() and raw.isdigit() and len(raw) <= digits else None


def belongs(data: dict, session) -> bool:
    """True for buttons of this session's current step, and for buttons that name no session (menus)."""
    if "s" not in data:
        return True
    return data.get("s") == session.key and data.get("v") == str(session.version)


def tap(label: str, data: str) -> QuickReplyItem:
    """A quick-reply button that opens something (`menu=...`, `cmd=...`), whichever step the person is at; it shows
    the whole label as the person's message.

    Made without pydantic's checks, which only confirm that the three are strings (and the data's length, checked
    here) and then copy the action into the item again: they were two-thirds of making a reminder, of which a tick
    makes 100,000 (`bench.fanout`)."""
    return QuickReplyItem.construct(action=PostbackAction.construct(label=label[:LABEL_LIMIT],
                                                                    data=_within_limit(data), display_text=label))


def postback(session, label: str, data: dict, display: str | None = None) -> QuickReplyItem:
    """A quick-reply button of the session's current step."""
    return QuickReplyItem(action=PostbackAction(label=label[:LABEL_LIMIT], data=encode(session, data),
                                                displayText=(display or label)[:300]))
