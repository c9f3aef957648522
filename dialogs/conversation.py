"""Where every message and button tap goes: to the person's open dialog, to the menu, or, for
anyone not registered, to the registration dialog and nowhere else."""

from linebot.v3.messaging import PostbackAction, QuickReply, QuickReplyItem, TextMessage

from bot.thai import format_date
from dialogs import commands, engine, menu, sessions
from dialogs.engine import LABEL_LIMIT, Context, Input, Outcome

# Dialogs register themselves on import.
from dialogs import invite, registration  # noqa: F401, I001  isort: skip

MENU_DIALOGS = {"invite": "invite"}


def converse(ctx: Context, inp: Input) -> Outcome:
    session = sessions.active(ctx.line_user.user_id)
    if session is not None and ctx.now - session.updated_at > engine.STALE_AFTER:
        sessions.set_aside(session)  # untouched for days: kept as a draft, offered again
        return offer_resume(ctx, session)
    data = inp.data
    if "lang" in data:
        return menu.set_language(ctx, data["lang"], session)
    if "resume" in data or "restart" in data:
        return resume(ctx, data, session)
    if ctx.staff is None:
        return unregistered(ctx, inp, session)
    if "menu" in data:
        return open_menu_item(ctx, data, session)
    if session is not None:
        return engine.step(ctx, session, inp)
    command = commands.match(inp)
    if command == "language":
        return menu.language_choice(ctx)
    if command == "help":
        return menu.help_text(ctx)
    return menu.show(ctx)


def greet(ctx: Context) -> Outcome:
    """What follows the greeting when someone adds the bot: their menu, or registration."""
    if ctx.staff is not None:
        return menu.show(ctx, note=ctx._("Welcome back, %(name)s.", name=ctx.staff.name))
    return unregistered(ctx, None, sessions.active(ctx.line_user.user_id))


def unregistered(ctx: Context, inp: Input | None, session) -> Outcome:
    """Only the registration dialog, whatever was typed or tapped (`inp` None: just arrived)."""
    if session is not None and session.dialog == "registration":
        return engine.step(ctx, session, inp) if inp else engine.ask(ctx, session)
    if session is not None:
        sessions.set_aside(session)
    if inp is not None and commands.match(inp) == "language":
        return menu.language_choice(ctx)
    draft = sessions.latest_draft(ctx.line_user.user_id, "registration")
    if draft is not None and draft.answers:
        return offer_resume(ctx, draft)
    intro = ctx._("Welcome! This service is for invited staff of the poverty-alleviation programme.")
    return engine.start(ctx, "registration", intro=intro)


def open_menu_item(ctx: Context, data: dict, session) -> Outcome:
    key = data["menu"]
    if key not in menu.items_for(ctx):
        return menu.show(ctx, note=ctx._("That option is not available to you."))
    if session is not None:
        sessions.set_aside(session)
    if key in MENU_DIALOGS:
        return start_dialog(ctx, MENU_DIALOGS[key])
    if key == "profile":
        return menu.profile(ctx)
    if key == "staff":
        return menu.staff_list(ctx, int(data.get("page", "0") or 0))
    if key == "language":
        return menu.language_choice(ctx)
    return menu.help_text(ctx)


def start_dialog(ctx: Context, name: str) -> Outcome:
    draft = sessions.latest_draft(ctx.line_user.user_id, name)
    if draft is not None:
        return offer_resume(ctx, draft)
    return engine.start(ctx, name)


def offer_resume(ctx: Context, draft) -> Outcome:
    title = ctx._(engine.DIALOGS[draft.dialog].title)
    text = ctx._("You have an unfinished \"%(title)s\" from %(date)s. Continue where you left off, or start over?",
                 title=title, date=format_date(draft.updated_at, ctx.locale))
    items = [QuickReplyItem(action=PostbackAction(label=label[:LABEL_LIMIT], data=f"{verb}={draft.key}",
                                                  displayText=label))
             for verb, label in (("resume", ctx._("Continue")), ("restart", ctx._("Start over")))]
    return Outcome(reply=[TextMessage(text=text, quickReply=QuickReply(items=items))], store=[draft])


def resume(ctx: Context, data: dict, session) -> Outcome:
    key = data.get("resume") or data.get("restart")
    draft = sessions.draft_by_key(ctx.line_user.user_id, key)
    if draft is None or (ctx.staff is None and draft.dialog != "registration"):
        note = ctx._("This button has expired.")
        if session is not None:
            return engine.ask(ctx, session, note=note)
        return menu.show(ctx, note=note) if ctx.staff else unregistered(ctx, None, None)
    if session is not None:
        sessions.set_aside(session)
    if "restart" in data:
        draft.status = "cancelled"
        return Outcome(store=[draft]).extend(engine.start(ctx, draft.dialog))
    draft.status = "active"
    draft.version += 1
    draft.updated_at = ctx.now
    return engine.ask(ctx, draft, note=ctx._("Welcome back. Let's continue where you left off."))
