"""The dialog engine.

A dialog (`flow.Dialog`) is data: its questions, each of a kind that reads and renders itself
(`dialogs.kinds`) and says where the dialog goes next, compiled into one static `transitions` Machine at
import. A session (`models.DialogSession`) is where one person is: the engine loads it, applies one input
and returns an `Outcome` with the messages to send and the records to store, the session among them.
Nothing here commits or sends; `bot.inbox.apply` does, in the same transaction as the event, so every
answer is saved the moment it is given. The dialogs come from the app's registry (`dialogs.registry`).

Global commands work in every question: menu, cancel, back, help, language.
"""

from __future__ import annotations

import copy
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from linebot.v3.messaging import QuickReply, QuickReplyItem, TextMessage

from core.types import Context, Input, Invalid, Outcome
from dialogs import buttons, commands, menu, registry
from dialogs.buttons import QUICK_REPLY_LIMIT, postback
from dialogs.flow import DONE, Dialog
from dialogs.kinds.base import PICKED, PICKING, Question, WrongKind
from dialogs.kinds.yes_no import read_yes_no
from models import DialogSession

STALE_AFTER = timedelta(days=3)
MAX_FAILURES = 3


def dialog_of(session: DialogSession) -> Dialog:
    return registry.current().dialogs[session.dialog]


def question_of(session: DialogSession) -> Question:
    """The question the session is at."""
    return dialog_of(session).questions[session.state]


# ---- starting, asking ---------------------------------------------------------------------------

def start(ctx: Context, name: str, answers: dict | None = None, intro: str | None = None,
          at: str | None = None) -> Outcome:
    """Open a new session of dialog `name` and ask its first question; or, with `at`, that question, the earlier
    ones being those answered in `answers` ("back" goes to them)."""
    dialog = registry.current().dialogs[name]
    answered = [question for question in dialog.questions if at and question in (answers or {})]
    session = DialogSession(key=buttons.new_key(), line_user_id=ctx.line_user.user_id, dialog=name,
                            state=at or dialog.first,
                            answers=dict(answers or {}), history=answered, version=1, failures=0,
                            status="active", created_at=ctx.now, updated_at=ctx.now)
    outcome = Outcome()
    if intro:
        outcome.reply.append(TextMessage(text=intro))
    return outcome.extend(ask(ctx, session))


def ask(ctx: Context, session: DialogSession, note: str | None = None, page: int = 0) -> Outcome:
    """The current question as a message, with its buttons and any note (an error, the old answer)."""
    question = question_of(session)
    text = question.text(ctx, session.answers)
    if note:
        text = f"{note}\n\n{text}"
    control = _control_buttons(ctx, session, question)
    text, items = question.render(ctx, session, text, QUICK_REPLY_LIMIT - len(control), page)
    items = [*items, *control]
    return Outcome(reply=[TextMessage(text=text, quickReply=QuickReply(items=items[:QUICK_REPLY_LIMIT]))],
                   store=[session])


def _control_buttons(ctx: Context, session: DialogSession, question: Question) -> list[QuickReplyItem]:
    items = []
    if question.keepable(ctx, session.answers):
        items.append(postback(session, ctx._("Keep answer"), {"keep": "1"}))
    if session.history:
        items.append(postback(session, ctx._("Back"), {"cmd": "back"}))
    if question.optional:
        items.append(postback(session, ctx._("Skip"), {"a": "__skip__"}))
    items.append(postback(session, ctx._("Cancel"), {"cmd": "cancel"}))
    return items


# ---- one step -----------------------------------------------------------------------------------

def step(ctx: Context, session: DialogSession, inp: Input) -> Outcome:
    """Apply one input to an active session. Every step moves the version on, so the buttons of
    earlier messages expire, and stores the session with whatever else the step produced."""
    expired = inp.kind == "postback" and not buttons.belongs(inp.data, session)
    allowed = still_allowed(ctx, session)  # first: its query would otherwise flush the session's changes below
    session.version += 1
    session.updated_at = ctx.now
    if not allowed:
        outcome = close_not_allowed(ctx, session)
    elif not still_asked(session):
        outcome = close_changed(ctx, session)
    elif expired:
        outcome = ask(ctx, session, note=ctx._("This button has expired. Here is the current question again."))
    else:
        outcome = _step(ctx, session, inp)
    if session not in outcome.store:
        outcome.store.insert(0, session)
    return outcome


def _step(ctx: Context, session: DialogSession, inp: Input) -> Outcome:
    dialog = dialog_of(session)
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
    if inp.data.get("keep") and question.keepable(ctx, session.answers):
        return _advance(ctx, session, dialog, question, question.answers_of(session.answers)[question.name])
    if inp.data.get("a") == "__skip__" and question.optional:
        return _advance(ctx, session, dialog, question, None)
    try:
        value = _accept(ctx, session, question, inp)
    except WrongKind as wrong:
        return ask(ctx, session, note=str(wrong))
    except Invalid as invalid:
        return _reject(ctx, session, question, invalid)
    if value is PICKING:
        return ask(ctx, session)
    return _advance(ctx, session, dialog, question, value)


def _accept(ctx: Context, session: DialogSession, question: Question, inp: Input) -> Any:
    """The value of an answer, if the input fits the question and its check; raises Invalid or WrongKind."""
    value = question.read(ctx, session, inp)
    if value is PICKING or question.check is None:
        return value
    return question.check(value, ctx, session.answers)


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
    state = dialog.next_state(question.name, ctx, answers)
    session.answers = answers
    session.history = [*session.history, [question.name, kept] if kept else question.name]
    session.failures = 0
    if state == DONE:
        session.status = "done"
        outcome = Outcome(store=[session]).extend(dialog.finish(ctx, answers))
        _forget(session)
        return outcome
    session.state = state
    return _ask_with_old_answer(ctx, session)


def _forget(session: DialogSession) -> None:
    """A closed session of a dialog that forgets keeps only its context (answers whose key starts with "@")."""
    if dialog_of(session).forget_answers:
        session.answers = {key: value for key, value in session.answers.items() if key.startswith("@")}
        session.history = []


def _bookkeeping(answers: dict) -> dict:
    """The dialog's own keys ("_" in front: roster cursors, loop modes), not partial picks: "back" restores them."""
    return {key: value for key, value in answers.items() if key.startswith("_") and not key.startswith(PICKED)}


def _ask_with_old_answer(ctx: Context, session: DialogSession) -> Outcome:
    question = question_of(session)
    earlier = question.answers_of(session.answers).get(question.name)
    if earlier is not None:
        old = question.show(earlier, ctx, session.answers)
        return ask(ctx, session, note=ctx._("Your earlier answer: %(answer)s", answer=old))
    return ask(ctx, session)


def _reject(ctx: Context, session: DialogSession, question: Question, invalid: Invalid) -> Outcome:
    session.failures += 1
    note = invalid.text(ctx.locale)
    if session.failures >= MAX_FAILURES:
        note += "\n\n" + question.explain(ctx)
        if question.optional:
            note += "\n" + ctx._("You can also tap \"Skip\" and answer this later.")
    outcome = ask(ctx, session, note=note)
    outcome.store += getattr(invalid, "store", [])
    return outcome


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
    return ask(ctx, session, note=question_of(session).explain(ctx))


def _cmd_cancel(ctx: Context, session: DialogSession) -> Outcome:
    if not any(not key.startswith(("_", "@")) for key in session.answers):  # nothing given, only context
        return _close(ctx, session, ctx._("Cancelled."))
    session.confirming = "cancel"
    title = ctx._(dialog_of(session).title)
    return Outcome(reply=[TextMessage(
        text=ctx._("Cancel \"%(title)s\"? The answers you have given so far will be discarded.", title=title),
        quickReply=QuickReply(items=[
            postback(session, ctx._("Yes, cancel"), {"a": "yes"}),
            postback(session, ctx._("No, continue"), {"a": "no"}),
        ]))])


def _confirm_cancel(ctx: Context, session: DialogSession, inp: Input) -> Outcome:
    try:
        yes = read_yes_no(inp)
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
    allowed = dialog_of(session).allowed
    return allowed is None or allowed(ctx, session.answers)


def close_not_allowed(ctx: Context, session: DialogSession) -> Outcome:
    return _close(ctx, session, ctx._("This is no longer within your area, so it was closed. Nothing was saved."))


def still_asked(session: DialogSession) -> bool:
    """Whether the question a session is at is still one of its dialog's (a new version may have dropped it)."""
    return session.state in dialog_of(session).questions


def close_changed(ctx: Context, session: DialogSession) -> Outcome:
    return _close(ctx, session, ctx._("This form has changed since you started it, so it was closed. Nothing was "
                                      "saved; please start it again from the menu."))


def _close(ctx: Context, session: DialogSession, text: str) -> Outcome:
    session.status = "cancelled"
    session.confirming = None
    _forget(session)
    return Outcome(reply=[TextMessage(text=text)]).extend(menu.show(ctx))


def _cmd_menu(ctx: Context, session: DialogSession) -> Outcome:
    """Leave the question for the menu; the session becomes a draft that can be resumed."""
    session.status = "draft"
    note = ctx._("Your answers so far are kept. To go on, tap \"%(button)s\" in the menu.",
                 button=menu.resume_label(ctx, session))
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
