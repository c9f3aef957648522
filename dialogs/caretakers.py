"""Caretakers in the chat (step 4.1): a supervisor gives each household of a village a caretaker, and a caretaker
opens the households in their care.

Assigning one household: the menu item, the village, the household, the caretaker (each shown with how many
households they look after now): four taps; a confirmation only when that would be more than
CARETAKER_MAX_HOUSEHOLDS. The answer offers the village's next household in one tap. The caretaker is told in LINE,
and so is the one who had the household before (`dialogs.care_notices`).
"""

from linebot.v3.messaging import QuickReply, TextMessage

from core.i18n import N_
from core.types import Context, Invalid, Outcome
from dialogs import buttons, care_notices, drafts, menu
from dialogs.buttons import LABEL_LIMIT
from dialogs.flow import Dialog, When
from dialogs.households import show_village
from dialogs.kinds import AreaChoice, Choice, YesNo
from domain.access import audit, scope
from domain.step1_survey import households
from domain.step2_compass import compasses
from domain.step4_care import caretakers
from models import Area, Household, Staff, db

WITH_CARETAKER = "cared"  # the household list's last option: those that have a caretaker, to change one's


# ---- the village -------------------------------------------------------------------------------------

def village_ready(value: str, ctx: Context, answers: dict) -> str:
    """A village to assign in has households, and caretakers to give them to."""
    without, with_one = (caretakers.in_village(ctx.staff, value, cared)[1] for cared in (False, True))
    if not without + with_one:
        raise Invalid(N_("There are no target households in %(village)s yet. Please choose another village."),
                      village=show_village(value, ctx))
    if not caretakers.candidates(value):
        raise Invalid(N_("No caretaker is registered for %(village)s yet. Invite one first (menu “Invite staff”, "
                         "role caretaker), or choose another village."), village=show_village(value, ctx))
    return value


def in_area(ctx: Context, answers: dict) -> bool:
    return "village" not in answers or scope.of(ctx.staff).contains(answers["village"])


# ---- the household -----------------------------------------------------------------------------------

def without_caretaker(ctx: Context, answers: dict) -> list[tuple[str, str]]:
    found, _total = caretakers.in_village(ctx.staff, answers["village"], with_caretaker=False)
    options = [(str(h.id), f"{h.house_number} {h.head_name}") for h in found]
    if caretakers.in_village(ctx.staff, answers["village"], with_caretaker=True)[1]:
        options.append((WITH_CARETAKER, N_("Households with a caretaker")))
    return options


def household_prompt(ctx: Context, answers: dict) -> str:
    village = show_village(answers["village"], ctx)
    found, total = caretakers.in_village(ctx.staff, answers["village"], with_caretaker=False)
    if not total:
        return ctx._("Every household in %(village)s has a caretaker. Tap “Households with a caretaker” to give one "
                     "of them to another caretaker.", village=village)
    text = ctx._("%(village)s: %(count)s households without a caretaker. Which one will you assign?",
                 village=village, count=total)
    if total > len(found):
        text += "\n" + ctx._("The first %(shown)s are listed; the rest follow as these get a caretaker.",
                             shown=len(found))
    return text


def wants_those_with_one(ctx: Context, answers: dict) -> bool:
    return answers.get("household") == WITH_CARETAKER


def with_caretaker(ctx: Context, answers: dict) -> list[tuple[str, str]]:
    found, _total = caretakers.in_village(ctx.staff, answers["village"], with_caretaker=True)
    cared_by = caretakers.caretakers_of(found)
    return [(str(h.id), f"{h.house_number} {h.head_name} ({cared_by[h.id].name})") for h in found]


def household_button(value: str, label: str, ctx: Context, answers: dict) -> str:
    """A household's button without its caretaker's name: "10 บุญมี สิบ"."""
    found = db.session.get(Household, int(value))
    return f"{found.house_number} {found.head_name}" if found else label


def reassign_prompt(ctx: Context, answers: dict) -> str:
    return ctx._("Households in %(village)s with a caretaker (in brackets). Which one will you give to another "
                 "caretaker?", village=show_village(answers["village"], ctx))


def chosen(answers: dict) -> int:
    """The household picked: from those without a caretaker, or from those with one."""
    picked = answers.get("household")
    return int(answers["reassign"] if picked == WITH_CARETAKER else picked)


# ---- the caretaker -----------------------------------------------------------------------------------

def caretaker_options(ctx: Context, answers: dict) -> list[tuple[str, str]]:
    """The village's caretakers, each with how many households they look after now; the household's own marked."""
    people = caretakers.candidates(answers["village"])
    load = caretakers.loads([person.id for person in people])
    own = own_caretaker(answers)
    return [(str(person.id), ctx._("%(name)s (now theirs)", name=person.name) if person.id == own
             else ctx._("%(name)s (%(count)s households)", name=person.name, count=load[person.id]))
            for person in people]


def caretaker_button(value: str, label: str, ctx: Context, answers: dict) -> str:
    """A caretaker's button: the name, cut if need be, and the load alone ("สมชาย ใจดี (3)"), or ✓ for the household's
    own caretaker."""
    person = db.session.get(Staff, int(value))
    if person is None:
        return label
    tail = " ✓" if person.id == own_caretaker(answers) else f" ({caretakers.loads([person.id])[person.id]})"
    room = LABEL_LIMIT - len(tail)
    return (person.name if len(person.name) <= room else person.name[:room - 1] + "…") + tail


def own_caretaker(answers: dict) -> int | None:
    """The staff id of the chosen household's caretaker now, if it has one."""
    now = caretakers.current(chosen(answers))
    return now.caretaker_id if now else None


def caretaker_prompt(ctx: Context, answers: dict) -> str:
    household = households.get(ctx.staff, chosen(answers))
    return ctx._("Who will look after house %(number)s (%(head)s)? In brackets: how many households each looks after "
                 "now; about 3 each is the rule of thumb.", number=household.house_number, head=household.head_name)


def load_after(answers: dict) -> int:
    """How many households the chosen caretaker would look after."""
    person = int(answers["caretaker"])
    return caretakers.loads([person])[person] + (0 if person == own_caretaker(answers) else 1)


def over_the_limit(ctx: Context, answers: dict) -> bool:
    return load_after(answers) > caretakers.max_households()


def confirm_prompt(ctx: Context, answers: dict) -> str:
    person = db.session.get(Staff, int(answers["caretaker"]))
    return ctx._("%(name)s would then look after %(count)s households, more than the %(max)s set as the most. Assign "
                 "this household to them anyway?", name=person.name, count=load_after(answers),
                 max=caretakers.max_households())


def not_confirmed(ctx: Context, answers: dict) -> bool:
    return answers.get("confirm") is False


# ---- saving ------------------------------------------------------------------------------------------

def finish(ctx: Context, answers: dict) -> Outcome:
    try:
        household = households.get(ctx.staff, chosen(answers))
    except households.NotFound:
        return menu.show(ctx, note=ctx._("That household was not found in your area."))
    caretaker = db.session.get(Staff, int(answers["caretaker"]))
    if caretaker is None or not caretakers.covers(caretaker, household.village_code):
        return menu.show(ctx, note=ctx._("%(name)s is no longer a caretaker of this village, so nothing was saved.",
                                         name=caretaker.name if caretaker else "-"))
    load = load_after(answers)
    done = caretakers.assign(household, caretaker, ctx.staff, ctx.now)
    next_buttons = _next_buttons(ctx, household.village_code)
    if done.started is None:
        text = ctx._("%(name)s already looks after house %(number)s.", name=caretaker.name,
                     number=household.house_number)
        return Outcome(reply=[TextMessage(text=text, quickReply=next_buttons)])
    changed = audit.change(ctx, "care.assign", "care_assignment", done.started, household=household,
                           before=done.before, after=done.after)
    text = ctx._("Saved: %(name)s now looks after house %(number)s (%(head)s), %(village)s: %(count)s households in "
                 "all.", name=caretaker.name, number=household.house_number, head=household.head_name,
                 village=show_village(household.village_code, ctx), count=load)
    pushed = care_notices.given_one(caretaker, household, ctx.staff)
    if pushed:
        text += "\n" + ctx._("They have been told in LINE.")
    return Outcome(reply=[TextMessage(text=text, quickReply=next_buttons)], store=done.records, audit=[changed],
                   push=pushed + care_notices.taken([done], ctx.staff))


def _next_buttons(ctx: Context, village: str) -> QuickReply:
    return QuickReply(items=[buttons.tap(ctx._("Next household"), f"menu=assign_caretakers&village={village}"),
                             buttons.tap(ctx._("Main menu"), "cmd=menu")])



ASSIGN = Dialog(
    name="assign_caretakers",
    title=N_("Assign caretakers"),
    questions=[
        AreaChoice("village", N_("Which village? Its households without a caretaker are listed next."),
                   levels=("village",), shown=show_village, check=village_ready),
        Choice("household", household_prompt, options=without_caretaker,
               next=[When(wants_those_with_one, "reassign"), "caretaker"]),
        Choice("reassign", reassign_prompt, options=with_caretaker, short=household_button),
        Choice("caretaker", caretaker_prompt, options=caretaker_options, short=caretaker_button,
               next=[When(over_the_limit, "confirm"), "done"]),
        YesNo("confirm", confirm_prompt, labels=(N_("Assign anyway"), N_("Choose another caretaker")),
              next=[When(not_confirmed, "caretaker"), "done"]),
    ],
    finish=finish,
    allowed=in_area,
)


def open_assign(ctx: Context, data: dict) -> Outcome:
    """The menu item; with `village` (the "Next household" button), straight to that village's households."""
    village = data.get("village", "")
    if village:
        try:
            if buttons.whole(village, 8) is None or db.session.get(Area, village) is None:
                raise Invalid(N_("That option is no longer available. Please choose again."))
            scope.of(ctx.staff).require(village)
            village_ready(village, ctx, {})
        except (Invalid, scope.OutOfScope):
            return drafts.start_dialog(ctx, "assign_caretakers")
        return drafts.start_dialog(ctx, "assign_caretakers", answers={"village": village}, at="household")
    return drafts.start_dialog(ctx, "assign_caretakers")


# ---- a caretaker's households ------------------------------------------------------------------------

MINE_BUTTONS = 12  # households as buttons; a thirteenth for the main menu


def my_households(ctx: Context, data: dict) -> Outcome:
    """The households in the caretaker's care, each with where its life compass stands and a tap away from its Family
    Folder card (which shows the compass)."""
    found = caretakers.in_care_of(ctx.staff)
    if not found:
        return menu.show(ctx, note=ctx._("No household is in your care yet. Your supervisor assigns them."))
    lines = [f"{n}. {ctx._('House %(number)s', number=h.house_number)}, {show_village(h.village_code, ctx)}: "
             f"{h.head_name} · {_compass_note(ctx, h)}" for n, h in enumerate(found, 1)]
    text = ctx._("Households in your care: %(count)s. Tap one to open its folder.", count=len(found))
    items = [buttons.tap(f"{n}. {h.house_number} {h.head_name}", f"menu=household&id={h.id}")
             for n, h in enumerate(found[:MINE_BUTTONS], 1)]
    items.append(buttons.tap(ctx._("Main menu"), "cmd=menu"))
    return Outcome(reply=[TextMessage(text=text + "\n" + "\n".join(lines), quickReply=QuickReply(items=items))])


def _compass_note(ctx: Context, household: Household) -> str:
    """Where the household's life compass stands: its agreed version, or none yet (its card shows the whole)."""
    compass = compasses.current(household)
    if compass is None:
        return ctx._("no life compass yet")
    return ctx._("Life compass (version %(version)s)", version=compass.version)


ASSIGN_ITEM = menu.Item("assign_caretakers", N_("Assign caretakers"), open_assign, roles=caretakers.ASSIGNERS)
MINE_ITEM = menu.Item("my_households", N_("My households"), my_households, roles=(caretakers.ROLE,))
