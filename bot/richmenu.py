"""LINE rich menus: one per kind of user, so the main menu is always one tap away.

- `guest`: the default for everybody not registered; its one area starts (or explains) registration.
- `staff` (volunteers), `caretaker` (caretakers, a volunteer role besides or not) and `supervisor` (supervisors,
  admins, whatever else they hold): the items of the quick-reply main menu (the app's registry of menu items) that
  every role of the kind may open, so nobody gets a button that is refused: a caretaker's menu has what every field
  role has and their own items (e.g. "my households"). As postbacks with the same `menu=<key>` data, so the
  conversation handles a tap exactly like a quick-reply tap, and checks the tapper's roles again.

`flask --app wsgi richmenu sync` makes LINE match these definitions: a menu is named after a hash of
its definition and image, so an unchanged one is kept and a changed one (e.g. a feature added a menu
item) is replaced. The ids in use are kept in the `rich_menus` table (the database is the record; the
in-process Redis stand-in would not outlive the command). A registration or revocation changes the
person's menu through a job queued after the commit (`follow_access`, then `relink`), so a slow LINE never
holds a transaction.
"""

import hashlib
import json
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

import click
from flask.cli import AppGroup
from sqlalchemy import String, select
from sqlalchemy.orm import Mapped, mapped_column

from bot import jobs, richmenu_image
from bot.gateway import LineError, gateway
from bot.redis_store import get_redis
from core.i18n import gettext
from core.types import Context
from dialogs import menu
from dialogs.buttons import LABEL_LIMIT
from domain.step4_care import caretakers
from models import Staff, StaffRole, db, utcnow
from models.staff import ROLES, SUPERVISOR_ROLES

log = logging.getLogger(__name__)

PREFIX = "frontline:"  # names of the menus this bot owns; others on the channel are left alone
WIDTH = 2500  # LINE's rich menus are 2500 wide, 843 (compact) or 1686 (large) high
LOCK_TTL = 60  # seconds; a LINE call with its retries fits well inside


class RichMenu(db.Model):
    """The rich menu LINE shows for one kind of user, as the last sync left it."""

    __tablename__ = "rich_menus"

    kind: Mapped[str] = mapped_column(String(16), primary_key=True)
    name: Mapped[str] = mapped_column(String(300))
    rich_menu_id: Mapped[str] = mapped_column(String(64))
    synced_at: Mapped[datetime] = mapped_column(default=utcnow)


@dataclass(frozen=True)
class Button:
    data: str  # postback data the conversation already understands
    label: str  # Thai: drawn on the image, and what the chat shows when tapped
    icon: str  # the name of its icon in `richmenu_image.ICONS` (the menu item's key)


FIELD_ROLES = tuple(role for role in ROLES if role not in SUPERVISOR_ROLES)
# Each kind of staff menu, with the roles whose shared items it shows; `kind_for` says who gets which, "guest" the rest.
KINDS = {"staff": FIELD_ROLES, "caretaker": (caretakers.ROLE,), "supervisor": SUPERVISOR_ROLES}
# Until a sync has made a kind's menu (e.g. just after an upgrade added the kind), its people get this kind's menu:
# every item of it is theirs too.
STAND_IN = {"caretaker": "staff"}
MAIN_MENU = Button("cmd=menu", "เมนู", "menu")  # the global "menu" command: the full quick-reply menu
# Unregistered, "help" starts registration; during it, it explains the current question.
REGISTER = Button("cmd=help", "ลงทะเบียน / Register", "register")


def kind_for(staff: Staff) -> str:
    """The menu of a person's roles: a supervisor's if they hold one, else a caretaker's if they are one."""
    roles = staff.role_names()
    if roles & set(SUPERVISOR_ROLES):
        return "supervisor"
    return "caretaker" if caretakers.ROLE in roles else "staff"


def buttons(kind: str) -> list[Button]:
    """The main-menu items every role of `kind` may open (so nobody gets a button that is refused),
    in the quick-reply menu's order and with its Thai labels, then "menu" for the rest."""
    if kind == "guest":
        return [REGISTER]
    per_role = [menu.items_for(Context(line_user=None, staff=Staff(roles=[StaffRole(role=role)]), event_id=None,
                                       now=None, timezone=None)) for role in KINDS[kind]]
    shared = [item for item in per_role[0] if all(item in items for items in per_role[1:])]
    return [Button(f"menu={item.key}", gettext(item.label, "th"), item.key) for item in shared] + [MAIN_MENU]


# ---- definitions and images ---------------------------------------------------------------------

def grid(count: int) -> tuple[int, list[dict]]:
    """The height and the areas' bounds, row by row, for `count` areas: one compact row up to four, else
    rows of up to four on the large size; integer edges that add up to the full size."""
    rows = 1 if count <= 4 else -(-count // 4)
    columns, height = -(-count // rows), 843 if rows == 1 else 1686
    cells = []
    for index in range(count):
        row, column = divmod(index, columns)
        x, y = column * WIDTH // columns, row * height // rows
        cells.append({"x": x, "y": y, "width": (column + 1) * WIDTH // columns - x,
                      "height": (row + 1) * height // rows - y})
    return height, cells


def definition(kind: str) -> tuple[dict, bytes]:
    """The rich menu request of `kind`, named after a hash of itself and its image, and the image."""
    tapped = buttons(kind)
    height, cells = grid(len(tapped))
    paired = list(zip(cells, tapped, strict=True))
    menu_request = {
        "size": {"width": WIDTH, "height": height},
        "selected": True,
        "chatBarText": "ลงทะเบียน" if kind == "guest" else "เมนู / Menu",
        "areas": [{"bounds": cell, "action": {"type": "postback", "label": button.label[:LABEL_LIMIT],
                                              "data": button.data, "displayText": button.label}}
                  for cell, button in paired],
    }
    image = richmenu_image.draw(WIDTH, height, [(cell, button.icon, button.label) for cell, button in paired])
    digest = hashlib.sha256(json.dumps(menu_request, sort_keys=True).encode() + image).hexdigest()[:16]
    return {"name": f"{PREFIX}{kind}:{digest}", **menu_request}, image


# ---- sync ---------------------------------------------------------------------------------------

def sync(report: Callable[[str], None]) -> int:
    """Make LINE's menus match their definitions, set the default, give every active staff member theirs,
    and delete this bot's menus no longer used, reporting each step. Returns how many people it could not link."""
    known = {kind: (name, menu_id) for kind, name, menu_id
             in db.session.execute(select(RichMenu.kind, RichMenu.name, RichMenu.rich_menu_id))}
    db.session.rollback()  # no transaction open while LINE answers
    on_line = gateway().rich_menus()
    in_use = {}
    for kind in ("guest", *KINDS):
        wanted, image = definition(kind)
        name, menu_id = known.get(kind, (None, None))
        if name == wanted["name"] and menu_id in on_line:
            in_use[kind] = menu_id
            continue
        in_use[kind] = gateway().create_rich_menu(wanted)
        gateway().set_rich_menu_image(in_use[kind], image)
        db.session.merge(RichMenu(kind=kind, name=wanted["name"], rich_menu_id=in_use[kind], synced_at=utcnow()))
        db.session.commit()
        report(f"created {wanted['name']} ({in_use[kind]})")
    gateway().set_default_rich_menu(in_use["guest"])
    report(f"default for all users: {in_use['guest']}")
    staff_users = db.session.scalars(select(Staff.line_user_id).where(Staff.active.is_(True),
                                                                     Staff.line_user_id.is_not(None))).all()
    db.session.rollback()
    failed = 0
    for user_id in staff_users:
        try:
            relink(user_id)
        except LineError as error:
            failed += 1
            report(f"could not link {user_id}: {error}")
    report(f"staff linked to their menus: {len(staff_users) - failed}")
    # Last, so nobody is left without a menu in between; catches spare menus of retried creates too.
    for menu_id, name in gateway().rich_menus().items():
        if name.startswith(PREFIX) and menu_id not in in_use.values():
            gateway().delete_rich_menu(menu_id)
            report(f"deleted {name} ({menu_id})")
    return failed


def relink(line_user_id: str) -> None:
    """Job: show this LINE user the menu of their roles, or the default one if they are not (or no
    longer) active staff. Reads the state when it runs, under a per-user lock, so jobs and syncs
    finishing in any order leave the latest one. Without a sync yet there is nothing to link; a kind no sync has
    made yet links its stand-in's menu."""
    with get_redis().lock(f"lock:richmenu:{line_user_id}", timeout=LOCK_TTL, blocking_timeout=LOCK_TTL):
        menus = dict(db.session.execute(select(RichMenu.kind, RichMenu.rich_menu_id)).all())
        staff = db.session.scalar(select(Staff).where(Staff.line_user_id == line_user_id, Staff.active.is_(True)))
        kind = kind_for(staff) if staff else None
        db.session.rollback()
        if not menus:
            return
        if kind:
            gateway().link_rich_menu(line_user_id, menus.get(kind) or menus[STAND_IN[kind]])
        else:
            gateway().unlink_rich_menu(line_user_id)


# ---- after a registration or a revocation commits ------------------------------------------------

def follow_access(line_user_ids: list[str]) -> None:
    """After a commit that registered, revoked or gave roles to these LINE users (`Outcome.access_changed`, the
    `staff revoke` command): show each the menu of their roles, through a job, so a slow LINE never holds a
    transaction. The commit stands whatever happens here; `richmenu sync` repairs a link."""
    for user_id in sorted({user_id for user_id in line_user_ids if user_id}):
        try:
            jobs.enqueue("delivery", relink, user_id)
        except Exception:
            log.exception("could not queue the rich menu update of LINE user %s", user_id)


# ---- command ------------------------------------------------------------------------------------

richmenu_group = AppGroup("richmenu", help="The LINE rich menus of each role.")


@richmenu_group.command("sync")
def sync_command() -> None:
    """Create or replace the rich menus on LINE, set the default, and link each staff member's menu."""
    failed = sync(click.echo)
    if failed:
        raise click.ClickException(f"{failed} staff members were not linked; run `richmenu sync` again")
