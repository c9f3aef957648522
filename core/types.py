"""The types every layer shares: who is talking (`Context`), what they did (`Input`), what handling it
produced (`Outcome`), and an answer that can't be used (`Invalid`)."""

from __future__ import annotations

from collections.abc import Callable, Hashable
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from linebot.v3.messaging import Message

from core.i18n import gettext
from core.thai import local_date
from models import LineUser, Staff


@dataclass
class Outcome:
    """What handling one input produced: messages to answer with, records to store, audit entries to write
    (`domain.access.audit.Change`: they may name records stored with them, not yet given an id), and whether
    the bot then leaves the group or room chat the input came from. `bot.inbox.apply` makes it so.

    - `secret`: the answer carries a secret (an invitation code), so it is never stored readable.
    - `set_aside`: dialog sessions no longer active (made drafts), written before anything else, and `resumed`:
      a draft active again, made so after them. A person has one active session at most (a unique index), so
      the session set aside must be a draft in the database before another one becomes active.
    - `access_changed`: LINE users registered, given roles or revoked: after the commit, the rich menu of
      their roles (`bot.richmenu`).
    - `push`: messages to other people than the one talking (a caretaker told a household is now theirs), sent
      after the commit like the replies.
    """

    reply: list[Message | Later] = field(default_factory=list)
    store: list[object] = field(default_factory=list)
    audit: list[object] = field(default_factory=list)
    leave: bool = False
    secret: bool = False
    set_aside: list[object] = field(default_factory=list)
    resumed: object | None = None
    access_changed: list[str] = field(default_factory=list)
    push: list[Push] = field(default_factory=list)

    def extend(self, other: Outcome) -> Outcome:
        self.reply += other.reply
        self.store += other.store
        self.audit += other.audit
        self.leave = self.leave or other.leave
        self.secret = self.secret or other.secret
        self.set_aside += other.set_aside
        self.resumed = other.resumed or self.resumed
        self.access_changed += other.access_changed
        self.push += other.push
        return self


@dataclass(frozen=True)
class Push:
    """Messages to one LINE user other than the one talking (queued as a push, not a reply)."""

    to: str
    messages: list[Message]


@dataclass(frozen=True)
class Later:
    """A reply about records stored with it (a new household's card names its id): built when
    `bot.inbox.apply` queues it, after storing them."""

    build: Callable[[], Message]


@dataclass
class Context:
    """Who is talking, in which language, and which LINE event this is."""

    line_user: LineUser
    staff: Staff | None
    event_id: str | None
    now: datetime  # UTC, as stored
    timezone: str  # BOT_TIMEZONE: where days begin and end for the people using the bot
    loaded: dict = field(default_factory=dict, repr=False, compare=False)  # see `once`

    def once(self, key: Hashable, load: Callable[[], Any]) -> Any:
        """What `load()` gives, called the first time `key` is asked for while this input is handled (a Context
        lives for one input). A dialog's area check, its prompts and its option lists read the same records;
        with this they are queried once a step, and held here, so what they load (a household's members) stays
        in the database session for the step too. A key names its loader (`(households.in_scope, 12)`), so two
        loaders never share one. An exception is not kept: the next call loads again."""
        if key not in self.loaded:
            self.loaded[key] = load()
        return self.loaded[key]

    @property
    def today(self) -> date:
        return local_date(self.now, self.timezone)

    def day_of(self, moment: datetime) -> date:
        """The local date of a stored (UTC) moment."""
        return local_date(moment, self.timezone)

    @property
    def locale(self) -> str:
        return self.line_user.language or "th"

    def _(self, message: str, **values) -> str:
        return gettext(message, self.locale, **values)


@dataclass(frozen=True)
class Input:
    """One thing a person did: typed text, tapped a button, shared a location, sent a photo or a sticker."""

    kind: str  # text | postback | location | image | sticker | other
    text: str | None = None
    data: dict[str, str] = field(default_factory=dict)
    value: Any = None  # location dict, or the stored photo's id


class Invalid(ValueError):
    """An answer that can't be used: an English msgid plus the values that make it specific.

    Values are rendered at display time in the reader's language: a callable is called with the locale
    (e.g. `partial(format_money, 500)`, so bounds read as money or Thai BE dates); anything else is shown
    with str(), so codes and IDs are never reformatted.
    """

    def __init__(self, message: str, **values):
        super().__init__(message)
        self.message = message
        self.values = values

    def text(self, locale: str) -> str:
        return gettext(self.message, locale, **{key: _render(value, locale) for key, value in self.values.items()})


def _render(value, locale: str) -> str:
    return value(locale) if callable(value) else str(value)
