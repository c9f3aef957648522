"""The main menu of each role, and the small screens it opens (my details, staff in my area, help).

Each feature declares its `Item`: a key (the postback `menu=<key>`), a label (None for an action
reached from a button elsewhere, e.g. opening one household), the roles allowed, and what opening it
does. `bot.create_app` lists the items in the order the menu shows them (`dialogs.registry`). The
conversation refuses a key the person's roles don't allow.
"""

from collections.abc import Callable
from dataclasses import dataclass

from linebot.v3.messaging import QuickReply, TextMessage
from sqlalchemy import func, select

from core.i18n import N_
from core.types import Context, Outcome
from dialogs import buttons, registry, sessions
from dialogs.buttons import LABEL_LIMIT, QUICK_REPLY_LIMIT
from domain.access import scope
from domain.labels import ROLE_LABELS, area_label
from models import DialogSession, db
from models.staff import SUPERVISOR_ROLES

STAFF_PAGE = 15
DRAFT_BUTTONS = 3  # the newest unfinished dialogs offered at the top of the menu



@dataclass(frozen=True)
class Item:
    """What `menu=<key>` opens, for whom (`roles` None: every registered person)."""

    key: str
    label: str | None
    open: Callable[[Context, dict], Outcome]
    roles: frozenset[str] | None = None

    def __post_init__(self):
        if self.roles is not None:
            object.__setattr__(self, "roles", frozenset(self.roles))


def allowed(ctx: Context, key: str) -> bool:
    found = registry.current().menu.get(key)
    if found is None or ctx.staff is None:
        return False
    return found.roles is None or bool(ctx.staff.role_names() & found.roles)


def items_for(ctx: Context) -> list[Item]:
    """The items shown in this person's menu, in order."""
    return [i for i in registry.current().menu.values() if i.label and allowed(ctx, i.key)]



def show(ctx: Context, note: str | None = None, offer: tuple[tuple[str, str], ...] = ()) -> Outcome:
    """The main menu; `offer`: (label, data) buttons for the next step, shown first (e.g. after an interview,
    its household's compass)."""
    if ctx.staff is None:
        text = ctx._("You are not registered yet. Type your invitation code whenever you are ready.")
        return Outcome(reply=[TextMessage(text=text)])
    text = ctx._("Main menu: what would you like to do?")
    if note:
        text = f"{note}\n\n{text}"
    items = [buttons.tap(ctx._(i.label), f"menu={i.key}") for i in items_for(ctx)]
    offered = [buttons.tap(label, data) for label, data in offer]
    room = max(0, min(DRAFT_BUTTONS, QUICK_REPLY_LIMIT - len(items) - len(offered)))  # drafts fill what is left
    drafts = [buttons.tap(resume_label(ctx, draft), f"resume={draft.key}")
              for draft in sessions.newest_drafts(ctx.line_user.user_id, room)] if room else []
    shown = (offered + drafts + items)[:QUICK_REPLY_LIMIT]
    return Outcome(reply=[TextMessage(text=text, quickReply=QuickReply(items=shown))])


def resume_label(ctx: Context, draft: DialogSession) -> str:
    """The menu's button that continues an unfinished dialog, e.g. "ทำต่อ: เยี่ยมบ้าน 4ท"."""
    title = ctx._(registry.current().dialogs[draft.dialog].title)
    return ctx._("Continue: %(title)s", title=title)[:LABEL_LIMIT]


def language_choice(ctx: Context, session: DialogSession | None = None) -> Outcome:
    items = [buttons.tap("ภาษาไทย", "lang=th"), buttons.tap("English", "lang=en")]
    text = ctx._("Choose your language / เลือกภาษา")
    return Outcome(reply=[TextMessage(text=text, quickReply=QuickReply(items=items))],
                   store=[session] if session else [])


def language_item(ctx: Context, data: dict) -> Outcome:
    return language_choice(ctx)


def profile(ctx: Context, data: dict) -> Outcome:
    staff = ctx.staff
    roles = "\n".join(f"• {ctx._(ROLE_LABELS[r.role])}: {area_label(r.area_code, ctx)}" for r in staff.roles)
    text = ctx._("Name: %(name)s\nPosition: %(position)s\nPhone: %(phone)s\nRoles:\n%(roles)s",
                 name=staff.name, position=staff.position, phone=staff.phone or "-", roles=roles)
    return Outcome(reply=[TextMessage(text=text)]).extend(show(ctx))


def staff_list(ctx: Context, data: dict) -> Outcome:
    """Staff in the viewer's area, a page at a time: never anyone outside it."""
    page = buttons.whole(data.get("page"), 5) or 0
    query = scope.staff_query(ctx.staff)
    total = db.session.scalar(select(func.count()).select_from(query.subquery()))
    people = db.session.scalars(query.offset(page * STAFF_PAGE).limit(STAFF_PAGE)).all()
    lines = [f"{page * STAFF_PAGE + i}. {p.name} ({', '.join(ctx._(ROLE_LABELS[r.role]) for r in p.roles)})"
             + ("" if p.active else " " + ctx._("[revoked]")) for i, p in enumerate(people, 1)]
    text = ctx._("Staff in your area (%(total)d):", total=total) + "\n" + "\n".join(lines)
    outcome = Outcome(reply=[TextMessage(text=text)])
    if (page + 1) * STAFF_PAGE < total:
        more = buttons.tap(ctx._("More..."), f"menu=staff&page={page + 1}")
        outcome.reply[0].quick_reply = QuickReply(items=[more])
        return outcome
    return outcome.extend(show(ctx))


def help_text(ctx: Context, data: dict | None = None) -> Outcome:
    text = ctx._("While answering questions you can type at any time:\n"
                 "• back (ย้อนกลับ): the previous question\n• cancel (ยกเลิก): stop this task\n"
                 "• help (ช่วยเหลือ): explain the question\n• menu (เมนู): the main menu; your answers are kept\n"
                 "• language (ภาษา): ภาษาไทย / English")
    return Outcome(reply=[TextMessage(text=text)]).extend(show(ctx))


PROFILE = Item("profile", N_("My details"), profile)
STAFF = Item("staff", N_("Staff in my area"), staff_list, roles=SUPERVISOR_ROLES)
LANGUAGE = Item("language", N_("Language"), language_item)
HELP = Item("help", N_("Help"), help_text)
