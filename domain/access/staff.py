"""Staff: invites, registration, revocation, and who a LINE user is.

Invite codes are 8 digits (easy to type on a Thai phone keyboard), single use, valid 7 days,
and only their keyed hash is stored. Five wrong codes in an hour lock a LINE user out for an hour.
"""

import hashlib
import hmac
import secrets
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import and_, bindparam, select
from sqlalchemy.orm import joinedload

from core.thai import to_ascii_digits
from core.types import Context
from domain.access import audit
from models import Invite, InviteAttempt, LineUser, Staff, StaffRole, db
from models.staff import NATIONWIDE, ROLE_AREA_LENGTHS, ROLES

INVITE_LIFETIME = timedelta(days=7)
LOCKOUT_FAILURES = 5
LOCKOUT_WINDOW = timedelta(hours=1)
CODE_DIGITS = 8

# Which roles each role may invite (always inside its own area).
GRANTABLE = {
    "admin": ROLES,
    "supervisor_province": ("supervisor_district", "supervisor_subdistrict", "volunteer", "caretaker"),
    "supervisor_district": ("supervisor_subdistrict", "volunteer", "caretaker"),
    "supervisor_subdistrict": ("volunteer", "caretaker"),
}


def hash_code(code: str) -> str:
    key = current_app.config["INVITE_KEY"].encode()
    return hmac.new(key, b"invite:" + code.encode(), hashlib.sha256).hexdigest()


def normalise_code(raw: str) -> str:
    return "".join(ch for ch in to_ascii_digits(raw) if ch.isdigit())


def area_code_fits(role: str, area_code: str) -> bool:
    if area_code == NATIONWIDE:
        return role == "admin"
    return area_code.isdigit() and len(area_code) in ROLE_AREA_LENGTHS[role]


def create_invite(role: str, area_code: str, name: str | None, created_by: Staff | None,
                  now: datetime) -> tuple[Invite, str]:
    """A new invite and its code (shown once, never stored)."""
    if role not in ROLES:
        raise ValueError(f"unknown role {role!r}; one of {', '.join(ROLES)}")
    if not area_code_fits(role, area_code):
        raise ValueError(f"area {area_code!r} does not fit role {role}")
    code = "".join(secrets.choice("0123456789") for _ in range(CODE_DIGITS))
    invite = Invite(code_hash=hash_code(code), role=role, area_code=area_code, name=name,
                    created_by=created_by.id if created_by else None, created_at=now,
                    expires_at=now + INVITE_LIFETIME)
    return invite, code


def usable_invite(code: str, now: datetime) -> Invite | None:
    invite = db.session.scalar(select(Invite).where(Invite.code_hash == hash_code(normalise_code(code))))
    if invite is None or invite.used_at is not None or invite.expires_at <= now:
        return None
    return invite


# Built once: these run on every message of a person not (or not yet) registered.
_RECENT_FAILURES = (select(InviteAttempt.at)
                    .where(InviteAttempt.line_user_id == bindparam("line_user_id"),
                           InviteAttempt.succeeded.is_(False), InviteAttempt.at > bindparam("since"))
                    .order_by(InviteAttempt.at.desc()).limit(LOCKOUT_FAILURES))
# Every message needs the account, its staff member and their roles (scope, menu): one query, joined. Three
# (the account, the staff member, the relationship's own selectin load of the roles) cost about 0.4 ms more a
# message on PostgreSQL. `dialogs.sessions.account` runs it with the person's open dialog added. Whether the staff
# member acts through the account depends on its following the bot (`bot.events.person_context`).
ACCOUNT = (select(LineUser, Staff)
            .outerjoin(Staff, and_(Staff.line_user_id == LineUser.user_id, Staff.active.is_(True)))
            .options(joinedload(Staff.roles))
            .where(LineUser.user_id == bindparam("line_user_id")))


def locked_until(line_user_id: str, now: datetime) -> datetime | None:
    """When a LINE user may try codes again, if five failed within the last hour."""
    failures = db.session.scalars(_RECENT_FAILURES, {"line_user_id": line_user_id,
                                                     "since": now - LOCKOUT_WINDOW}).all()
    if len(failures) < LOCKOUT_FAILURES:
        return None
    return failures[0] + LOCKOUT_WINDOW


def register(ctx: Context, invite: Invite, name: str, position: str, phone: str) -> tuple[Staff, list]:
    """Bind the LINE user talking to a new staff record with the invite's role; returns it (to be stored, with
    the invite) and the audit changes, which name it before it has an id."""
    staff = Staff(name=name, position=position, phone=phone, line_user_id=ctx.line_user.user_id,
                  active=True, created_at=ctx.now, roles=[StaffRole(role=invite.role, area_code=invite.area_code)])
    invite.used_at, invite.used_by_staff = ctx.now, staff
    changes = [audit.change(ctx, "staff.register", "staff", staff, staff=staff, after=describe(staff)),
               audit.change(ctx, "invite.use", "invite", invite, staff=staff, after={"used_by": staff})]
    return staff, changes


def describe(staff: Staff) -> dict:
    return {"name": staff.name, "position": staff.position, "phone": staff.phone, "active": staff.active,
            "line_user_id": staff.line_user_id,
            "roles": [{"role": r.role, "area": r.area_code} for r in staff.roles]}
