"""Inviting staff from the chat: a supervisor picks a role and an area inside their own, and gets a code."""

from linebot.v3.messaging import TextMessage

from core.i18n import N_
from core.thai import format_date, to_ascii_digits
from core.types import Context, Outcome
from dialogs import drafts, menu
from dialogs.flow import Dialog, When
from dialogs.kinds import Choice, Refused, Text, YesNo
from domain.access import audit, scope
from domain.access import staff as staff_service
from domain.labels import ROLE_LABELS, area_label
from models.staff import ROLE_AREA_LENGTHS, SUPERVISOR_ROLES


def grantable(ctx: Context, answers: dict) -> list[tuple[str, str]]:
    roles: list[str] = []
    for role in ctx.staff.role_names() if ctx.staff else ():
        roles += [r for r in staff_service.GRANTABLE.get(role, ()) if r not in roles]
    return [(role, ROLE_LABELS[role]) for role in roles]


def area_prompt(ctx: Context, answers: dict) -> str:
    lengths = {8: ctx._("village (8 digits)"), 6: ctx._("subdistrict (6 digits)"), 4: ctx._("district (4 digits)"),
               2: ctx._("province (2 digits)"), 0: ctx._("TH for the whole country")}
    kinds = ", ".join(lengths[n] for n in ROLE_AREA_LENGTHS[answers["role"]])
    return ctx._("Which area is this person for? Type its code: %(kinds)s.", kinds=kinds)


def check_area(raw: str, ctx: Context, answers: dict) -> str:
    code = to_ascii_digits(raw).strip().upper().replace(" ", "")
    role = answers["role"]
    if not staff_service.area_code_fits(role, code):
        raise Refused(N_("%(code)s is not an area code of the right kind for this role."), code=code)
    if not scope.of(ctx.staff).contains("" if code == "TH" else code):
        raise Refused(N_("Area %(code)s is outside your own area; you can only invite people inside it."), code=code)
    return code


def summary(ctx: Context, answers: dict) -> str:
    role = ROLE_LABELS[answers["role"]]
    return ctx._("Create an invitation for %(role)s, %(area)s%(name)s?",
                 role=ctx._(role), area=area_label(answers["area"], ctx),
                 name=f" ({answers['name']})" if answers.get("name") else "")


def not_confirmed(ctx: Context, answers: dict) -> bool:
    return answers.get("confirm") is False


def finish(ctx: Context, answers: dict) -> Outcome:
    invite, code = staff_service.create_invite(answers["role"], answers["area"], answers.get("name"), ctx.staff,
                                               ctx.now)
    text = ctx._("Invitation code: %(code)s\nGive it to the person you invite. They add this LINE account as a "
                 "friend and type the code. It works once, until %(date)s.", code=f"{code[:4]} {code[4:]}",
                 date=format_date(ctx.day_of(invite.expires_at), ctx.locale))
    created = audit.change(ctx, "invite.create", "invite", invite,
                           after={"role": invite.role, "area": invite.area_code, "name": invite.name})
    return Outcome(reply=[TextMessage(text=text)], store=[invite], audit=[created], secret=True).extend(menu.show(ctx))


def open_invite(ctx: Context, data: dict) -> Outcome:
    return drafts.start_dialog(ctx, "invite")


INVITE = Dialog(
    name="invite",
    title=N_("Invite staff"),
    questions=[
        Choice("role", N_("Which role will the new person have?"), options=grantable),
        Text("area", area_prompt, check=check_area),
        Text("name", N_("The person's name (optional; tap Skip if you don't know it)."), optional=True,
             min_len=2, max_len=100),
        YesNo("confirm", summary, next=[When(not_confirmed, "role"), "done"]),
    ],
    finish=finish,
)
MENU_ITEM = menu.Item("invite", N_("Invite staff"), open_invite, roles=SUPERVISOR_ROLES)
