"""The main menu of each role, and the small screens it opens (my details, staff in my area, help)."""

from linebot.v3.messaging import PostbackAction, QuickReply, QuickReplyItem, TextMessage
from sqlalchemy import func, select

from bot import scope
from dialogs.engine import LABEL_LIMIT, N_, Context, Outcome, ask
from dialogs.labels import ROLE_LABELS, area_label
from models import DialogSession, db
from models.staff import SUPERVISOR_ROLES

STAFF_PAGE = 15

ITEMS = {
    "profile": N_("My details"),
    "invite": N_("Invite staff"),
    "staff": N_("Staff in my area"),
    "language": N_("Language"),
    "help": N_("Help"),
}


def items_for(ctx: Context) -> list[str]:
    keys = ["profile"]
    if ctx.staff and ctx.staff.role_names() & set(SUPERVISOR_ROLES):
        keys += ["invite", "staff"]
    return keys + ["language", "help"]


def _button(label: str, data: str) -> QuickReplyItem:
    return QuickReplyItem(action=PostbackAction(label=label[:LABEL_LIMIT], data=data, displayText=label))


def show(ctx: Context, note: str | None = None) -> Outcome:
    if ctx.staff is None:
        text = ctx._("You are not registered yet. Type your invitation code whenever you are ready.")
        return Outcome(reply=[TextMessage(text=text)])
    text = ctx._("Main menu: what would you like to do?")
    if note:
        text = f"{note}\n\n{text}"
    items = [_button(ctx._(ITEMS[key]), f"menu={key}") for key in items_for(ctx)]
    return Outcome(reply=[TextMessage(text=text, quickReply=QuickReply(items=items))])


def language_choice(ctx: Context, session: DialogSession | None = None) -> Outcome:
    items = [_button("ภาษาไทย", "lang=th"), _button("English", "lang=en")]
    text = ctx._("Choose your language / เลือกภาษา")
    return Outcome(reply=[TextMessage(text=text, quickReply=QuickReply(items=items))],
                   store=[session] if session else [])


def set_language(ctx: Context, locale: str, session: DialogSession | None) -> Outcome:
    ctx.line_user.language = locale if locale in ("th", "en") else "th"
    note = ctx._("Language set to English.") if ctx.line_user.language == "en" else ctx._("Language set to Thai.")
    if session is not None:
        session.version += 1
        session.updated_at = ctx.now
        return Outcome(store=[ctx.line_user]).extend(ask(ctx, session, note=note))
    return Outcome(store=[ctx.line_user]).extend(show(ctx, note=note))


def profile(ctx: Context) -> Outcome:
    staff = ctx.staff
    roles = "\n".join(f"• {ctx._(ROLE_LABELS[r.role])}: {area_label(r.area_code, ctx)}" for r in staff.roles)
    text = ctx._("Name: %(name)s\nPosition: %(position)s\nPhone: %(phone)s\nRoles:\n%(roles)s",
                 name=staff.name, position=staff.position, phone=staff.phone or "-", roles=roles)
    return Outcome(reply=[TextMessage(text=text)]).extend(show(ctx))


def staff_list(ctx: Context, page: int = 0) -> Outcome:
    """Staff in the viewer's area, a page at a time: never anyone outside it."""
    query = scope.staff_query(ctx.staff)
    total = db.session.scalar(select(func.count()).select_from(query.subquery()))
    people = db.session.scalars(query.offset(page * STAFF_PAGE).limit(STAFF_PAGE)).all()
    lines = [f"{page * STAFF_PAGE + i}. {p.name} ({', '.join(ctx._(ROLE_LABELS[r.role]) for r in p.roles)})"
             + ("" if p.active else " " + ctx._("[revoked]")) for i, p in enumerate(people, 1)]
    text = ctx._("Staff in your area (%(total)d):", total=total) + "\n" + "\n".join(lines)
    outcome = Outcome(reply=[TextMessage(text=text)])
    if (page + 1) * STAFF_PAGE < total:
        more = _button(ctx._("More..."), f"menu=staff&page={page + 1}")
        outcome.reply[0].quick_reply = QuickReply(items=[more])
        return outcome
    return outcome.extend(show(ctx))


def help_text(ctx: Context) -> Outcome:
    text = ctx._("While answering questions you can type at any time:\n"
                 "• back (ย้อนกลับ): the previous question\n• cancel (ยกเลิก): stop this task\n"
                 "• help (ช่วยเหลือ): explain the question\n• menu (เมนู): the main menu; your answers are kept\n"
                 "• language (ภาษา): ภาษาไทย / English")
    return Outcome(reply=[TextMessage(text=text)]).extend(show(ctx))
