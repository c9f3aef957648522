"""Inviting staff from the chat: a supervisor picks a role and an area inside their own (tapped, or typed as part of
its name or its code), and gets a code."""

from linebot.v3.messaging import TextMessage

from core.i18n import N_
from core.thai import format_date
from core.types import Context, Outcome
from dialogs import drafts, menu
from dialogs.flow import Dialog, When
from dialogs.kinds import AreaChoice, Choice, Text, YesNo
from domain.access import audit, scope
from domain.access import staff as staff_service
from domain.labels import ROLE_LABELS, area_label
from models.area import LEVELS
from models.staff import NATIONWIDE, ROLE_AREA_LENGTHS, SUPERVISOR_ROLES


def grantable(ctx: Context, answers: dict) -> list[tuple[str, str]]:
    roles: list[str] = []
    for role in ctx.staff.role_names() if ctx.staff else ():
        roles += [r for r in staff_service.GRANTABLE.get(role, ()) if r not in roles]
    return [(role, ROLE_LABELS[role]) for role in roles]


AREA_PROMPTS = {  # by the lengths of the area codes a role may have (models.staff.ROLE_AREA_LENGTHS)
    (8, 6): N_("Which village or subdistrict is this person for?"),
    (6,): N_("Which subdistrict is this person for?"),
    (4,): N_("Which district is this person for?"),
    (2,): N_("Which province is this person for?"),
    (2, 4, 6, 0): N_("Which area is this person for: a province, a district, a subdistrict or the whole country?"),
}


def area_prompt(ctx: Context, answers: dict) -> str:
    return ctx._(AREA_PROMPTS[ROLE_AREA_LENGTHS[answers["role"]]])


def area_levels(ctx: Context, answers: dict) -> tuple[str, ...]:
    """The levels of area the chosen role works at."""
    return tuple(LEVELS[length] for length in ROLE_AREA_LENGTHS[answers["role"]] if length)


def whole_country(ctx: Context, answers: dict) -> list[tuple[str, str]]:
    """The whole country, for a role that may have it, offered only by someone whose own area it is."""
    if staff_service.area_code_fits(answers["role"], NATIONWIDE) and scope.of(ctx.staff).nationwide:
        return [(NATIONWIDE, N_("the whole country"))]
    return []


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
        AreaChoice("area", area_prompt, levels=area_levels, extra=whole_country),
        Text("name", N_("The person's name (optional; tap Skip if you don't know it)."), optional=True,
             min_len=2, max_len=100),
        YesNo("confirm", summary, next=[When(not_confirmed, "role"), "done"]),
    ],
    finish=finish,
)
MENU_ITEM = menu.Item("invite", N_("Invite staff"), open_invite, roles=SUPERVISOR_ROLES)
