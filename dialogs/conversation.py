"""Where every message and button tap goes: to the person's open dialog, to the menu, or, for
anyone not registered, to the registration dialog and nowhere else."""

from core.types import Context, Input, Outcome
from dialogs import commands, drafts, engine, menu, registry, sessions
from models import DialogSession


def converse(ctx: Context, inp: Input, session: DialogSession | None) -> Outcome:
    """One input of the person in `ctx`, whose active dialog is `session` (`sessions.account` loads both)."""
    if session is not None and ctx.now - session.updated_at > engine.STALE_AFTER:
        # untouched for days: kept as a draft, offered again
        return sessions.set_aside(session).extend(drafts.offer_resume(ctx, session))
    data = inp.data
    if "lang" in data:
        return set_language(ctx, data["lang"], session)
    if "resume" in data or "restart" in data:
        return drafts.resume(ctx, data, session) or unregistered(ctx, None, None)
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
    set_aside = sessions.set_aside(session) if session is not None else Outcome()
    if inp is not None and commands.match(inp) == "language":
        return set_aside.extend(menu.language_choice(ctx))
    draft = sessions.latest_draft(ctx.line_user.user_id, "registration")
    if draft is not None and draft.answers:
        return set_aside.extend(drafts.offer_resume(ctx, draft))
    intro = ctx._("Welcome! This service is for invited staff of the poverty-alleviation programme.")
    return set_aside.extend(engine.start(ctx, "registration", intro=intro))


def open_menu_item(ctx: Context, data: dict, session) -> Outcome:
    key = data["menu"]
    if not menu.allowed(ctx, key):
        return menu.show(ctx, note=ctx._("That option is not available to you."))
    set_aside = sessions.set_aside(session) if session is not None else Outcome()
    return set_aside.extend(registry.current().menu[key].open(ctx, data))


def set_language(ctx: Context, locale: str, session: DialogSession | None) -> Outcome:
    ctx.line_user.language = locale if locale in ("th", "en") else "th"
    note = ctx._("Language set to English.") if ctx.line_user.language == "en" else ctx._("Language set to Thai.")
    if session is not None:
        session.version += 1
        session.updated_at = ctx.now
        return Outcome(store=[ctx.line_user]).extend(engine.ask(ctx, session, note=note))
    return Outcome(store=[ctx.line_user]).extend(menu.show(ctx, note=note))
