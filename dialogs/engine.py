"""The dialog engine.

A dialog is data: a list of questions and one static `transitions` Machine, built once at
import, whose `advance` transitions say which question follows which (with conditions for
branches). A session (`models.DialogSession`) is where one person is: the engine loads it,
applies one input and returns an `Outcome` with the messages to send and the records to store,
the session among them. Nothing here commits or sends; `bot.inbox.apply` does, in the same
transaction as the event, so every answer is saved the moment it is given.

Global commands work in every question: menu, cancel, back, help, language.

A `Roster` repeats a group of questions for each item of a list (a household's members): those
questions read and write the current item, and the dialog's loops are transitions back to an
earlier question, with conditions, whose callbacks (plain functions of the answers) move the
current item.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from linebot.v3.messaging import (
    CameraAction,
    CameraRollAction,
    LocationAction,
    PostbackAction,
    QuickReply,
    QuickReplyItem,
    TextMessage,
)
from transitions import Machine

from core import validators
from core.i18n import N_
from core.types import Context, Input, Invalid, Outcome
from dialogs import buttons, commands, menu
from dialogs.buttons import LABEL_LIMIT
from models import DialogSession

STALE_AFTER = timedelta(days=3)
MAX_FAILURES = 3
QUICK_REPLY_LIMIT = 13


Options = Sequence[tuple[str, str]] | Callable[[Context, dict], Sequence[tuple[str, str]]]


@dataclass(frozen=True)
class Roster:
    """A list of like items answered with the same questions, one item at a time.

    `answers[name]` is the list of items (dicts of answers); `answers[cursor]` the index of the current
    one. An index equal to the list's length is a new item, created by its first answer. `heading`
    says which item a question is about; it is shown above each of the roster's questions.
    """

    name: str
    heading: Callable[[Context, dict], str] | None = None

    @property
    def cursor(self) -> str:
        return f"_{self.name}_at"

    def items(self, answers: dict) -> list[dict]:
        return answers.get(self.name) or []

    def index(self, answers: dict) -> int:
        return answers.get(self.cursor, 0)

    def current(self, answers: dict) -> dict:
        items, index = self.items(answers), self.index(answers)
        return items[index] if index < len(items) else {}

    def move(self, answers: dict, index: int) -> None:
        """Make item `index` the current one (for transition callbacks, on the answers being built)."""
        answers[self.cursor] = index

    def put(self, answers: dict, key: str, value: Any) -> None:
        items, index = list(self.items(answers)), self.index(answers)
        items += [{} for _ in range(index + 1 - len(items))]
        items[index] = {**items[index], key: value}
        answers[self.name] = items


@dataclass(frozen=True)
class Question:
    """One state of a dialog. `kind` says what input it takes and which buttons it shows."""

    name: str
    prompt: str | Callable[[Context, dict], str]  # a message id, or a function of the answers so far
    kind: str = "text"  # text | choice | multi | yes_no | location | photo
    parse: Callable[[str], Any] | None = None  # for typed answers: raw text → value, or raises Invalid
    check: Callable[[Any, Context, dict], Any] | None = None  # a further check needing the database or answers
    options: Options | None = None
    help: str | None = None
    optional: bool = False
    shown: Callable[[Any, Context], str] | None = None  # how an earlier answer is shown on "back"
    roster: Roster | None = None  # asked once per item: the answer goes into the roster's current item

    def choices(self, ctx: Context, answers: dict) -> list[tuple[str, str]]:
        options = self.options(ctx, answers) if callable(self.options) else self.options
        return [(value, ctx._(label)) for value, label in options or ()]

    def show(self, value: Any, ctx: Context, answers: dict) -> str:
        if self.shown:
            return self.shown(value, ctx)
        if self.kind == "yes_no":
            return ctx._("Yes") if value else ctx._("No")
        if self.kind in ("choice", "multi"):
            labels = dict(self.choices(ctx, answers))
            picked = value if isinstance(value, list) else [value]
            return ", ".join(labels.get(v, str(v)) for v in picked)
        if self.kind == "location":
            return value.get("title") or f"{value['latitude']:.5f}, {value['longitude']:.5f}"
        if self.kind == "photo":
            return ctx._("a photo")
        return str(value)

    def answers_of(self, answers: dict) -> dict:
        """Where this question's answer is kept: the answers, or its roster's current item."""
        return self.roster.current(answers) if self.roster else answers

    def keepable(self, answers: dict) -> bool:
        """An earlier answer can be kept: one given (a skip only where skipping is allowed)."""
        earlier = self.answers_of(answers)
        return self.name in earlier and (earlier[self.name] is not None or self.optional)


class Refused(Invalid):
    """An answer refused by a check that also has something to record (e.g. a wrong invite code)."""

    def __init__(self, message: str, store: list | None = None, **values):
        super().__init__(message, **values)
        self.store = list(store or [])


class WrongKind(Exception):
    """The input is of another kind than the question takes (a sticker where text is expected)."""


class Dialog:
    """A conversation as data: questions, forward transitions, and what to do with the answers."""

    def __init__(self, name: str, title: str, questions: list[Question],
                 finish: Callable[[Context, dict], Outcome],
                 branches: list[dict] | None = None, forget_answers: bool = False,
                 allowed: Callable[[Context, dict], bool] | None = None):
        self.name = name
        # Whether the person may still work on these answers (e.g. the household is still in their area):
        # checked at every step and when a draft is resumed, as a person's area can change in between.
        self.allowed = allowed
        # Personal data: once finished (stored in its own records) or cancelled, the session keeps only the
        # context it was opened with.
        self.forget_answers = forget_answers
        self.title = title
        self.questions = {q.name: q for q in questions}
        self.first = questions[0].name
        self.finish = finish
        # Forward moves: explicit branches first (tried in order), then the next question in the list,
        # unless a branch already leaves that question unconditionally.
        self.transitions = list(branches or [])
        decided = {b["source"] for b in self.transitions if not b.get("conditions")}
        for current, following in zip(questions, [*questions[1:], None], strict=True):
            if current.name not in decided:
                self.transitions.append({"trigger": "advance", "source": current.name,
                                         "dest": following.name if following else "done"})
        self.machine = Machine(model=None, states=[*self.questions, "done"], transitions=self.transitions,
                               initial=self.first, auto_transitions=False)

    def next_state(self, state: str, answers: dict) -> str:
        turn = _Turn(state)
        self.machine.events["advance"].trigger(turn, answers)
        return turn.state


class _Turn:
    """The lightweight model the static Machine moves: just a state."""

    __slots__ = ("state",)

    def __init__(self, state: str):
        self.state = state


DIALOGS: dict[str, Dialog] = {}


def register(dialog: Dialog) -> Dialog:
    DIALOGS[dialog.name] = dialog
    return dialog


# ---- starting, asking ---------------------------------------------------------------------------

def start(ctx: Context, name: str, answers: dict | None = None, intro: str | None = None) -> Outcome:
    """Open a new session of dialog `name` and ask its first question."""
    dialog = DIALOGS[name]
    session = DialogSession(key=buttons.new_key(), line_user_id=ctx.line_user.user_id, dialog=name,
                            state=dialog.first,
                            answers=dict(answers or {}), history=[], version=1, failures=0,
                            status="active", created_at=ctx.now, updated_at=ctx.now)
    outcome = Outcome()
    if intro:
        outcome.reply.append(TextMessage(text=intro))
    return outcome.extend(ask(ctx, session))


def ask(ctx: Context, session: DialogSession, note: str | None = None, page: int = 0) -> Outcome:
    """The current question as a message, with its buttons and any note (an error, the old answer)."""
    question = DIALOGS[session.dialog].questions[session.state]
    text = question.prompt(ctx, session.answers) if callable(question.prompt) else ctx._(question.prompt)
    if question.roster and question.roster.heading:
        text = f"{question.roster.heading(ctx, session.answers)}\n{text}"
    if note:
        text = f"{note}\n\n{text}"
    items: list[QuickReplyItem] = []
    control = _control_buttons(ctx, session, question)
    if question.kind in ("choice", "multi"):
        options = question.choices(ctx, session.answers)
        picked = session.answers.get(_picked_key(question)) or []
        room = QUICK_REPLY_LIMIT - len(control) - (1 if question.kind == "multi" else 0)
        pages = _pages(options, room)
        page = min(page, len(pages) - 1)
        numbered = "\n".join(f"{i}. {'✓ ' if value in picked else ''}{label}"
                             for i, (value, label) in enumerate(options, 1))
        text = f"{text}\n{numbered}"
        for value, label in pages[page]:
            items.append(_postback(session, label, {"a": value}, display=label))
        if question.kind == "multi":
            items.append(_postback(session, ctx._("Done"), {"a": "__done__"}))
        if page + 1 < len(pages):
            items.append(_postback(session, ctx._("More..."), {"page": str(page + 1)}))
    elif question.kind == "yes_no":
        items += [_postback(session, ctx._("Yes"), {"a": "yes"}, display=ctx._("Yes")),
                  _postback(session, ctx._("No"), {"a": "no"}, display=ctx._("No"))]
    elif question.kind == "location":
        items.append(QuickReplyItem(action=LocationAction(label=ctx._("Share location")[:LABEL_LIMIT])))
    elif question.kind == "photo":
        items += [QuickReplyItem(action=CameraAction(label=ctx._("Camera")[:LABEL_LIMIT])),
                  QuickReplyItem(action=CameraRollAction(label=ctx._("Photos")[:LABEL_LIMIT]))]
    items += control
    return Outcome(reply=[TextMessage(text=text, quickReply=QuickReply(items=items[:QUICK_REPLY_LIMIT]))],
                   store=[session])


def _pages(options: list, size: int) -> list[list]:
    """Options split into pages that fit the quick-reply limit, leaving room for "More..."."""
    if len(options) <= size:
        return [options]
    size -= 1
    return [options[i:i + size] for i in range(0, len(options), size)]


def _control_buttons(ctx: Context, session: DialogSession, question: Question) -> list[QuickReplyItem]:
    items = []
    if question.keepable(session.answers):
        items.append(_postback(session, ctx._("Keep answer"), {"keep": "1"}))
    if session.history:
        items.append(_postback(session, ctx._("Back"), {"cmd": "back"}))
    if question.optional:
        items.append(_postback(session, ctx._("Skip"), {"a": "__skip__"}))
    items.append(_postback(session, ctx._("Cancel"), {"cmd": "cancel"}))
    return items


def _postback(session: DialogSession, label: str, data: dict, display: str | None = None) -> QuickReplyItem:
    payload = buttons.encode(session, data)
    return QuickReplyItem(action=PostbackAction(label=label[:LABEL_LIMIT], data=payload,
                                                displayText=(display or label)[:300]))


def _picked_key(question: Question) -> str:
    return f"_picked_{question.name}"


# ---- one step -----------------------------------------------------------------------------------

def step(ctx: Context, session: DialogSession, inp: Input) -> Outcome:
    """Apply one input to an active session. Every step moves the version on, so the buttons of
    earlier messages expire, and stores the session with whatever else the step produced."""
    expired = inp.kind == "postback" and not buttons.belongs(inp.data, session)
    session.version += 1
    session.updated_at = ctx.now
    if not still_allowed(ctx, session):
        outcome = close_not_allowed(ctx, session)
    elif expired:
        outcome = ask(ctx, session, note=ctx._("This button has expired. Here is the current question again."))
    else:
        outcome = _step(ctx, session, inp)
    if session not in outcome.store:
        outcome.store.insert(0, session)
    return outcome


def _step(ctx: Context, session: DialogSession, inp: Input) -> Outcome:
    dialog = DIALOGS[session.dialog]
    question = dialog.questions[session.state]
    if session.confirming == "cancel":
        return _confirm_cancel(ctx, session, inp)
    command = commands.match(inp)
    if command:
        return COMMAND_HANDLERS[command](ctx, session)
    if "page" in inp.data:
        page = buttons.whole(inp.data["page"], 3)
        if page is None:
            return ask(ctx, session, note=ctx._("That button did not work. Here is the current question again."))
        return ask(ctx, session, page=page)
    if inp.data.get("keep") and question.keepable(session.answers):
        return _advance(ctx, session, dialog, question, question.answers_of(session.answers)[question.name])
    if inp.data.get("a") == "__skip__" and question.optional:
        return _advance(ctx, session, dialog, question, None)
    try:
        value = _accept(ctx, session, question, inp)
    except WrongKind as wrong:
        return ask(ctx, session, note=str(wrong))
    except Invalid as invalid:
        return _reject(ctx, session, question, invalid)
    if value is _PICKING:
        return ask(ctx, session)
    return _advance(ctx, session, dialog, question, value)


_PICKING = object()  # a multiple-choice tap that changed the selection but did not finish it


def _accept(ctx: Context, session: DialogSession, question: Question, inp: Input) -> Any:
    """The value of an answer, if the input fits the question and its check; raises Invalid or WrongKind."""
    value = _read(ctx, session, question, inp)
    if value is _PICKING or question.check is None:
        return value
    return question.check(value, ctx, session.answers)


def _read(ctx: Context, session: DialogSession, question: Question, inp: Input) -> Any:
    kind = question.kind
    if kind == "location":
        if inp.kind != "location":
            raise WrongKind(ctx._("Please share a location: tap \"Share location\" below."))
        return inp.value
    if kind == "photo":
        if inp.kind != "image":
            raise WrongKind(ctx._("Please send a photo: tap \"Camera\" or \"Photos\" below."))
        return inp.value
    if inp.kind in ("sticker", "image", "location", "other"):
        raise WrongKind(ctx._("Thank you! For this question please type your answer as text, or tap a button."))
    if kind == "yes_no":
        tapped = inp.data.get("a")
        return tapped == "yes" if tapped in ("yes", "no") else validators.yes_no(inp.text or "")
    if kind == "choice":
        options = question.choices(ctx, session.answers)
        tapped = inp.data.get("a")
        if tapped is not None:
            if tapped not in dict(options):
                raise Invalid(N_("That option is no longer available. Please choose again."))
            return tapped
        return validators.choice(inp.text or "", options)
    if kind == "multi":
        return _accept_multi(ctx, session, question, inp)
    if inp.kind != "text":
        raise WrongKind(ctx._("Please type your answer."))
    return question.parse(inp.text) if question.parse else validators.text(inp.text)


def _accept_multi(ctx: Context, session: DialogSession, question: Question, inp: Input) -> Any:
    options = question.choices(ctx, session.answers)
    key = _picked_key(question)
    picked = list(session.answers.get(key) or [])
    tapped = inp.data.get("a")
    if tapped == "__done__":
        if not picked:
            raise Invalid(N_("Please choose at least one option, then tap Done."))
        session.answers = {k: v for k, v in session.answers.items() if k != key}
        return picked
    if tapped is not None:
        if tapped not in dict(options):
            raise Invalid(N_("That option is no longer available. Please choose again."))
        picked = [v for v in picked if v != tapped] if tapped in picked else [*picked, tapped]
        session.answers = {**session.answers, key: picked}
        return _PICKING
    return validators.choices(inp.text or "", options)


def _jsonable(value: Any) -> Any:
    """Answers are stored as JSON: money as a decimal string, dates as ISO dates."""
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, date):
        return value.isoformat()
    return value


def _advance(ctx: Context, session: DialogSession, dialog: Dialog, question: Question, value: Any) -> Outcome:
    answers = copy.deepcopy(session.answers)  # transition callbacks change it; the stored answers stay as they were
    kept = _bookkeeping(answers)
    if question.roster:
        question.roster.put(answers, question.name, _jsonable(value))
    else:
        answers[question.name] = _jsonable(value)
    state = dialog.next_state(question.name, answers)
    session.answers = answers
    session.history = [*session.history, [question.name, kept] if kept else question.name]
    session.failures = 0
    if state == "done":
        session.status = "done"
        outcome = Outcome(store=[session]).extend(dialog.finish(ctx, answers))
        _forget(session)
        return outcome
    session.state = state
    return _ask_with_old_answer(ctx, session)


def _forget(session: DialogSession) -> None:
    """A closed session of a dialog that forgets keeps only its context (answers whose key starts with "@")."""
    if DIALOGS[session.dialog].forget_answers:
        session.answers = {key: value for key, value in session.answers.items() if key.startswith("@")}
        session.history = []


def _bookkeeping(answers: dict) -> dict:
    """The dialog's own keys ("_" in front: roster cursors, loop modes), not partial picks: "back" restores them."""
    return {key: value for key, value in answers.items() if key.startswith("_") and not key.startswith("_picked_")}


def _ask_with_old_answer(ctx: Context, session: DialogSession) -> Outcome:
    question = DIALOGS[session.dialog].questions[session.state]
    earlier = question.answers_of(session.answers).get(question.name)
    if earlier is not None:
        old = question.show(earlier, ctx, session.answers)
        return ask(ctx, session, note=ctx._("Your earlier answer: %(answer)s", answer=old))
    return ask(ctx, session)


def _reject(ctx: Context, session: DialogSession, question: Question, invalid: Invalid) -> Outcome:
    session.failures += 1
    note = invalid.text(ctx.locale)
    if session.failures >= MAX_FAILURES:
        note += "\n\n" + _help_text(ctx, question)
        if question.optional:
            note += "\n" + ctx._("You can also tap \"Skip\" and answer this later.")
    outcome = ask(ctx, session, note=note)
    outcome.store += getattr(invalid, "store", [])
    return outcome


def _help_text(ctx: Context, question: Question) -> str:
    if question.help:
        return ctx._(question.help)
    return ctx._(GENERIC_HELP.get(question.kind, GENERIC_HELP["text"]))


GENERIC_HELP = {
    "text": N_("Type your answer as a message and send it."),
    "choice": N_("Tap one of the buttons below, or type the number in front of your choice."),
    "multi": N_("Tap each option that applies, then tap Done. You can also type the numbers, e.g. 1,3."),
    "yes_no": N_("Tap Yes or No below."),
    "location": N_("Tap \"Share location\" below, then pick the place on the map and send it."),
    "photo": N_("Tap \"Camera\" to take a photo, or \"Photos\" to choose one, and send it."),
}


# ---- commands -------------------------------------------------------------------------------------

def _cmd_back(ctx: Context, session: DialogSession) -> Outcome:
    if not session.history:
        return ask(ctx, session, note=ctx._("This is the first question; there is "
                                                                  "nothing to go back to."))
    last = session.history[-1]
    state, kept = (last, {}) if isinstance(last, str) else last  # [question, bookkeeping as it was asked]
    session.answers = {**{k: v for k, v in session.answers.items() if k not in _bookkeeping(session.answers)},
                       **kept}
    session.state = state
    session.history = session.history[:-1]
    session.failures = 0
    return _ask_with_old_answer(ctx, session)


def _cmd_help(ctx: Context, session: DialogSession) -> Outcome:
    question = DIALOGS[session.dialog].questions[session.state]
    return ask(ctx, session, note=_help_text(ctx, question))


def _cmd_cancel(ctx: Context, session: DialogSession) -> Outcome:
    if not any(not key.startswith(("_", "@")) for key in session.answers):  # nothing given, only context
        return _close(ctx, session, ctx._("Cancelled."))
    session.confirming = "cancel"
    title = ctx._(DIALOGS[session.dialog].title)
    return Outcome(reply=[TextMessage(
        text=ctx._("Cancel \"%(title)s\"? The answers you have given so far will be discarded.", title=title),
        quickReply=QuickReply(items=[
            _postback(session, ctx._("Yes, cancel"), {"a": "yes"}),
            _postback(session, ctx._("No, continue"), {"a": "no"}),
        ]))])


def _confirm_cancel(ctx: Context, session: DialogSession, inp: Input) -> Outcome:
    tapped = inp.data.get("a")
    try:
        yes = tapped == "yes" if tapped in ("yes", "no") else validators.yes_no(inp.text or "")
    except Invalid:
        yes = None
    if yes is None:
        return Outcome(reply=[TextMessage(
            text=ctx._("Please tap \"Yes, cancel\" or \"No, continue\"."))])
    session.confirming = None
    if yes:
        return _close(ctx, session, ctx._("Cancelled. Nothing was saved."))
    return ask(ctx, session, note=ctx._("Let's continue."))


def still_allowed(ctx: Context, session: DialogSession) -> bool:
    allowed = DIALOGS[session.dialog].allowed
    return allowed is None or allowed(ctx, session.answers)


def close_not_allowed(ctx: Context, session: DialogSession) -> Outcome:
    return _close(ctx, session, ctx._("This is no longer within your area, so it was closed. Nothing was saved."))


def _close(ctx: Context, session: DialogSession, text: str) -> Outcome:
    session.status = "cancelled"
    session.confirming = None
    _forget(session)
    return Outcome(reply=[TextMessage(text=text)]).extend(menu.show(ctx))


def _cmd_menu(ctx: Context, session: DialogSession) -> Outcome:
    """Leave the question for the menu; the session becomes a draft that can be resumed."""
    session.status = "draft"
    note = ctx._("Your answers so far are kept. Open \"%(title)s\" again the way you opened it, and you will be "
                 "offered to continue.",
                 title=ctx._(DIALOGS[session.dialog].title))
    return Outcome(reply=[TextMessage(text=note)]).extend(menu.show(ctx))


def _cmd_language(ctx: Context, session: DialogSession) -> Outcome:
    return menu.language_choice(ctx, session)


COMMAND_HANDLERS = {
    "back": _cmd_back,
    "help": _cmd_help,
    "cancel": _cmd_cancel,
    "menu": _cmd_menu,
    "language": _cmd_language,
}
