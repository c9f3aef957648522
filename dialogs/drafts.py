"""Unfinished dialogs: starting one offers the draft left earlier, to continue or start over."""

from linebot.v3.messaging import QuickReply, TextMessage

from core.thai import format_date
from core.types import Context, Outcome
from dialogs import buttons, engine, menu, sessions


def start_dialog(ctx: Context, name: str, answers: dict | None = None, at: str | None = None) -> Outcome:
    draft = sessions.latest_draft(ctx.line_user.user_id, name, context=_kept(answers or {}))
    if draft is not None:
        return offer_resume(ctx, draft)
    return engine.start(ctx, name, answers=answers, at=at)


def offer_resume(ctx: Context, draft) -> Outcome:
    title = ctx._(engine.dialog_of(draft).title)
    text = ctx._("You have an unfinished \"%(title)s\" from %(date)s. Continue where you left off, or start over?",
                 title=title, date=format_date(ctx.day_of(draft.updated_at), ctx.locale))
    items = [buttons.tap(label, f"{verb}={draft.key}")
             for verb, label in (("resume", ctx._("Continue")), ("restart", ctx._("Start over")))]
    return Outcome(reply=[TextMessage(text=text, quickReply=QuickReply(items=items))], store=[draft])


def resume(ctx: Context, data: dict, session) -> Outcome | None:
    key = data.get("resume") or data.get("restart")
    draft = sessions.draft_by_key(ctx.line_user.user_id, key)
    if draft is None or (ctx.staff is None and draft.dialog != "registration"):
        note = ctx._("This button has expired.")
        if session is not None:
            return engine.ask(ctx, session, note=note)
        if ctx.staff is None:
            return None  # the conversation takes them to registration
        return menu.show(ctx, note=note)
    outcome = sessions.set_aside(session) if session is not None else Outcome()
    if not engine.still_allowed(ctx, draft):
        return outcome.extend(Outcome(store=[draft])).extend(engine.close_not_allowed(ctx, draft))
    if not engine.still_asked(draft):
        return outcome.extend(Outcome(store=[draft])).extend(engine.close_changed(ctx, draft))
    if "restart" in data:
        draft.status = "cancelled"
        return outcome.extend(Outcome(store=[draft])).extend(engine.start(ctx, draft.dialog,
                                                                          answers=_kept(draft.answers)))
    draft.version += 1
    draft.updated_at = ctx.now
    outcome.resumed = draft  # active again once the session set aside is a draft (`Outcome.set_aside`)
    return outcome.extend(engine.ask(ctx, draft, note=ctx._("Welcome back. Let's continue where you left off.")))


def _kept(answers: dict) -> dict:
    """What a fresh start keeps: the context a dialog was opened with (keys starting with '@')."""
    return {key: value for key, value in answers.items() if key.startswith("@")}
