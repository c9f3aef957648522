"""Registration: an invited person types their code, name, position and phone, and is let in."""

from linebot.v3.messaging import TextMessage

from core.i18n import N_
from core.thai import format_datetime
from core.types import Context, Outcome
from dialogs import menu
from dialogs.flow import Dialog, When
from dialogs.kinds import Choice, Phone, Refused, Text, YesNo
from domain.access import staff as staff_service
from domain.labels import POSITIONS, ROLE_LABELS, area_label, position_label
from models import Invite, InviteAttempt, db


def check_code(raw: str, ctx: Context, answers: dict) -> int:
    """The invite's id if the code is good; a wrong code counts towards the lockout."""
    until = staff_service.locked_until(ctx.line_user.user_id, ctx.now)
    if until:
        raise Refused(N_("Too many wrong codes. Please try again after %(time)s."),
                      time=format_datetime(until, ctx.locale, ctx.timezone))
    code = staff_service.normalise_code(raw)
    if len(code) != staff_service.CODE_DIGITS:
        raise Refused(N_("An invitation code has %(digits)s digits. Please check it and type it again."),
                      digits=staff_service.CODE_DIGITS)
    invite = staff_service.usable_invite(code, ctx.now)
    if invite is None:
        failed = InviteAttempt(line_user_id=ctx.line_user.user_id, succeeded=False, at=ctx.now)
        raise Refused(N_("This code is not valid: it may be mistyped, already used or expired (codes last 7 "
                         "days). Please check it, or ask for a new one."), store=[failed])
    return invite.id


def summary(ctx: Context, answers: dict) -> str:
    position = answers.get("position_other") or position_label(answers.get("position", ""), ctx)
    return ctx._("Please check your details:\nName: %(name)s\nPosition: %(position)s\nPhone: %(phone)s\n"
                 "Is this correct?", name=answers.get("name", ""), position=position, phone=answers.get("phone", ""))


def other_position(ctx: Context, answers: dict) -> bool:
    return answers.get("position") == "other"


def not_confirmed(ctx: Context, answers: dict) -> bool:
    return answers.get("confirm") is False


def finish(ctx: Context, answers: dict) -> Outcome:
    invite = db.session.get(Invite, answers["code"])
    if invite is None or invite.used_at is not None or invite.expires_at <= ctx.now:
        text = ctx._("Sorry, this invitation was used or expired while you were registering. Please ask for a "
                     "new code and type it here.")
        return Outcome(reply=[TextMessage(text=text)])
    position = answers.get("position_other") or position_label(answers["position"], ctx)
    staff, changes = staff_service.register(ctx, invite, answers["name"], position, answers["phone"])
    ctx.staff = staff
    welcome = ctx._("Welcome, %(name)s! You are registered as %(role)s for %(area)s.", name=staff.name,
                    role=ctx._(ROLE_LABELS[invite.role]), area=area_label(invite.area_code, ctx))
    succeeded = InviteAttempt(line_user_id=ctx.line_user.user_id, succeeded=True, at=ctx.now)
    return Outcome(reply=[TextMessage(text=welcome)], store=[staff, invite, succeeded], audit=changes,
                   access_changed=[staff.line_user_id]).extend(menu.show(ctx))


REGISTRATION = Dialog(
    name="registration",
    title=N_("Registration"),
    questions=[
        Text("code", N_("Please type the 8-digit invitation code you received."), check=check_code,
             help=N_("Your district office or supervisor gives you an 8-digit code. Type the digits; spaces "
                     "and dashes are fine. A code works once and lasts 7 days.")),
        Text("name", N_("Your first name and surname?"), min_len=2, max_len=100),
        Choice("position", N_("Your position?"), options=POSITIONS,
               next=[When(other_position, "position_other"), "phone"]),
        Text("position_other", N_("Please type your position."), min_len=2, max_len=100),
        Phone("phone", N_("Your mobile phone number?")),
        YesNo("confirm", summary, next=[When(not_confirmed, "name"), "done"]),
    ],
    finish=finish,
)
