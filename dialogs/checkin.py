"""The monthly check-in (step 4, ดูแลชีวิต), at the door or by phone: how the family was reached, its income this
month, its compass activities' progress, its problems solved or new, the house's location (once), a photo and a
note, then a summary to confirm. Each is a tap where a choice exists: a household with three activities and nothing
new takes 9 taps from the menu ("Same as last month", "No change on any", "Nothing changed", two skips).

A caretaker opens it from "Monthly visits" (`dialogs.monthly_visits`); a supervisor or volunteer of the area from
the household's card, for a caretaker who is away. After a period's cut-off, a household missed in it is asked which
period the check-in is for. Nothing is stored before the summary is confirmed; then the check-in and what it
changes (`domain.step4_care.checkins.record`), in the transaction of that answer.
"""

from datetime import date
from decimal import Decimal

from linebot.v3.messaging import TextMessage

from core.i18n import N_
from core.periods import Period
from core.thai import format_date, format_money
from core.types import Context, Outcome
from dialogs import buttons, drafts, menu
from dialogs.flow import NEXT_ITEM, Dialog, ForEach, When
from dialogs.interview.closing import in_area, not_found
from dialogs.kinds import Choice, Location, Money, MultiChoice, Photo, Text, YesNo
from dialogs.kinds.multi_choice import NONE
from dialogs.roster import Roster
from domain.labels import (
    CONTACT_LABELS,
    DIMENSION_LABELS,
    HOUSEHOLD_STATUS_LABELS,
    PROBLEM_INDICATORS,
    PROGRESS_LABELS,
    UNREACHED_LABELS,
)
from domain.step1_survey import households, income
from domain.step1_survey.folder import indicator_title
from domain.step1_survey.visits import picked
from domain.step2_compass import compasses
from domain.step2_compass.choices import ACTIVITY_STATUS_LABELS
from domain.step4_care import checkins
from models import Household, Staff, db
from models.staff import SUPERVISOR_ROLES

ROLES = ("caretaker", "volunteer", *SUPERVISOR_ROLES)
NEW_PROBLEM = "new"
REPORTING = "report"
OTHER = ("other", N_("Something else (type it)"))


def household_of(ctx: Context, answers: dict) -> Household:
    """The household of the visit, as the step's area check found it (one query a step)."""
    return households.in_scope(ctx, answers["@household"])


def context_of(ctx: Context, household: Household, period: Period) -> dict:
    """What the visit's questions show, read once as it opens and kept with its answers, so a step reads nothing but
    the household (its area check): the activities and problems to report on, the last income, the members counted,
    whether the house is located, and this period's earlier visit. `checkins.record` checks again what is saved."""
    last = checkins.last_before(household, period)
    earlier = checkins.latest(household.id, checkins.period_of(ctx))
    return {"@activities": [{"id": a.id, "text": a.text, "status": a.status}
                            for a in checkins.open_activities(household)],
            "@problems": [{"id": p.id, "indicator": p.indicator, "description": p.description}
                          for p in checkins.open_problems(household)],
            "@last": ({"income": str(last.monthly_income), "period": last.period}
                      if last is not None and last.monthly_income is not None else None),
            "@members": len(household.members), "@located": household.latitude is not None,
            "@amends": ({"on": ctx.day_of(earlier.at).isoformat(), "by": db.session.get(Staff, earlier.staff_id).name}
                        if earlier is not None else None)}


def problem_text(ctx: Context, item: dict) -> str:
    return indicator_title(ctx, item["indicator"], item["description"])


def period_of(answers: dict) -> Period:
    return Period.from_key(int(answers.get("c_period") or answers["@period"]))


def heading(ctx: Context, answers: dict) -> str:
    household = household_of(ctx, answers)
    return ctx._("Monthly visit, %(period)s: house %(number)s (%(head)s)", period=period_of(answers).label(ctx.locale),
                 number=household.house_number, head=household.head_name)


# ---- the period, when the household was missed in the one just closed --------------------------------------------

def period_choices(ctx: Context, answers: dict) -> list[tuple[str, str]]:
    current, closed = (Period.from_key(key) for key in answers["@periods"])
    return [(str(current.key), ctx._("%(month)s (this month)", month=current.label(ctx.locale, short=True))),
            (str(closed.key), ctx._("%(month)s (late)", month=closed.label(ctx.locale, short=True)))]


def period_prompt(ctx: Context, answers: dict) -> str:
    household = household_of(ctx, answers)
    closed = Period.from_key(answers["@periods"][1])
    return ctx._("House %(number)s (%(head)s) has no visit for %(month)s, which closed on the %(day)s. Which month is "
                 "this visit for? One for %(month)s is recorded as late.", number=household.house_number,
                 head=household.head_name, month=closed.label(ctx.locale), day=checkins.report_day())


# ---- how the family was reached ----------------------------------------------------------------------------------

def contact_prompt(ctx: Context, answers: dict) -> str:
    text = heading(ctx, answers)
    earlier = answers.get("@amends")
    if earlier and period_of(answers).key == answers["@period"]:
        text += "\n" + ctx._("Already recorded on %(date)s by %(name)s; this visit will replace it.",
                             date=format_date(date.fromisoformat(earlier["on"]), ctx.locale), name=earlier["by"])
    return text + "\n" + ctx._("How did you follow up the family this month?")


def unreached(ctx: Context, answers: dict) -> bool:
    return answers.get("c_contact") == "unreached"


def closing(ctx: Context, answers: dict) -> bool:
    return answers.get("c_why") in checkins.STATUS_OF_REASON


def close_prompt(ctx: Context, answers: dict) -> str:
    status = HOUSEHOLD_STATUS_LABELS[checkins.STATUS_OF_REASON[answers["c_why"]]]
    return ctx._("House %(number)s will be marked “%(status)s” and no longer be visited monthly. Is that right?",
                 number=household_of(ctx, answers).house_number, status=ctx._(status))


# ---- income ------------------------------------------------------------------------------------------------------

def last_income(ctx: Context, answers: dict) -> list[tuple[Decimal, str]]:
    """Last month's figure as a one-tap answer."""
    last = answers.get("@last")
    if not last:
        return []
    amount = Decimal(last["income"])
    return [(amount, ctx._("Same: %(amount)s", amount=format_money(amount, ctx.locale)))]


def income_prompt(ctx: Context, answers: dict) -> str:
    text = ctx._("The household's income this month, all members together, in baht?")
    last = answers.get("@last")
    if last:
        text += "\n" + ctx._("Last time (%(month)s): %(amount)s. Tap “Same” if it has not changed.",
                             month=Period.from_key(last["period"]).label(ctx.locale),
                             amount=format_money(Decimal(last["income"]), ctx.locale))
    return text


# ---- the compass's activities ------------------------------------------------------------------------------------

def has_activities(ctx: Context, answers: dict) -> bool:
    return bool(answers["@activities"])


def activities_prompt(ctx: Context, answers: dict) -> str:
    lines = [f"{n}. {a['text']} ({ctx._(ACTIVITY_STATUS_LABELS.get(a['status'], a['status']))})"
             for n, a in enumerate(answers["@activities"], 1)]
    return ctx._("The life compass's activities:\n%(activities)s\nAny progress this month?",
                 activities="\n".join(lines))


def reporting(ctx: Context, answers: dict) -> bool:
    return answers.get("c_acts") == REPORTING


def activity_heading(ctx: Context, answers: dict) -> str:
    item = ACTIVITIES.current(answers)
    number, count = ACTIVITIES.position(answers)
    return ctx._("Activity %(number)s of %(count)s: %(activity)s", number=number, count=count, activity=item["text"])


ACTIVITIES = Roster("c_activities", heading=activity_heading)


def open_activities(answers: dict) -> list[dict]:
    return [{"activity": a["id"], "text": a["text"]} for a in answers["@activities"]]


def needs_reason(ctx: Context, answers: dict) -> bool:
    return ACTIVITIES.current(answers).get("c_act") in checkins.WITH_REASON


def reason_prompt(ctx: Context, answers: dict) -> str:
    if ACTIVITIES.current(answers).get("c_act") == "dropped":
        return ctx._("Why is it dropped? One line.")
    return ctx._("What is it stuck on? One line.")


# ---- problems ----------------------------------------------------------------------------------------------------

def problem_choices(ctx: Context, answers: dict) -> list[tuple[str, str]]:
    return [*((str(p["id"]), problem_text(ctx, p)) for p in answers["@problems"]),
            (NEW_PROBLEM, N_("New problem")), (NONE, N_("Nothing changed"))]


def problems_prompt(ctx: Context, answers: dict) -> str:
    if not answers["@problems"]:
        return ctx._("No problem is open. Is there a new one?")
    return ctx._("Problems still open: tap those solved this month, and “New problem” if there is one, then Done. "
                 "If nothing changed, tap “Nothing changed”.")


def new_problem(ctx: Context, answers: dict) -> bool:
    return NEW_PROBLEM in (answers.get("c_problems") or ())


def new_heading(ctx: Context, answers: dict) -> str:
    return ctx._("New problem: %(dimension)s", dimension=ctx._(DIMENSION_LABELS[NEW.current(answers)["dimension"]]))


NEW = Roster("c_new", heading=new_heading)


def one_per_dimension(answers: dict) -> list[dict]:
    return [{"dimension": dimension} for dimension in picked(answers.get("c_new_dims"))]


def indicator_choices(ctx: Context, answers: dict) -> list[tuple[str, str]]:
    dimension = NEW.current(answers)["dimension"]
    return [*(o for o in PROBLEM_INDICATORS[dimension] if o[0] != income.BELOW_LINE), OTHER]


def typing_problem(ctx: Context, answers: dict) -> bool:
    return NEW.current(answers).get("c_new_what") == "other"


def unlocated(ctx: Context, answers: dict) -> bool:
    return not answers["@located"]


AFTER_PROBLEMS = [When(unlocated, "c_location"), "c_photo"]


# ---- the summary and saving --------------------------------------------------------------------------------------

def given(answers: dict) -> checkins.Given:
    """The answers as the check-in's values (those of questions the answers' path went through)."""
    period = period_of(answers)
    if answers["c_contact"] == "unreached":
        return checkins.Given(period=period, contact="unreached", unreached_reason=answers["c_why"],
                              close_household=answers["c_why"] in checkins.STATUS_OF_REASON
                              and answers.get("c_close") is True,
                              note=answers.get("c_note"))
    progress = {}
    if answers.get("c_acts") == REPORTING:
        progress = {item["activity"]: (item["c_act"], item.get("c_why_act")) for item in ACTIVITIES.items(answers)
                    if item.get("c_act")}
    ticked = answers.get("c_problems") or []
    new = []
    if NEW_PROBLEM in ticked:
        new = [(item["dimension"], None if item["c_new_what"] == "other" else item["c_new_what"],
                item.get("c_new_text")) for item in NEW.items(answers) if item.get("c_new_what")]
    location = answers.get("c_location")
    return checkins.Given(
        period=period, contact=answers["c_contact"], monthly_income=Decimal(answers["c_income"]),
        progress=progress, solved=tuple(int(v) for v in ticked if v.isdigit()), new_problems=tuple(new),
        location=(location["latitude"], location["longitude"]) if location else None,
        photo_id=answers.get("c_photo"), note=answers.get("c_note"))


def summary(ctx: Context, answers: dict) -> str:
    said = given(answers)
    lines = [heading(ctx, answers), ctx._("How: %(contact)s", contact=ctx._(CONTACT_LABELS[said.contact]))
             + (f" ({ctx._(UNREACHED_LABELS[said.unreached_reason])})" if said.unreached_reason else "")]
    if said.close_household:
        lines.append(ctx._("Status: %(status)s",
                           status=ctx._(HOUSEHOLD_STATUS_LABELS[checkins.STATUS_OF_REASON[said.unreached_reason]])))
    if said.monthly_income is not None:
        lines.append(_income_line(ctx, answers["@members"], said.monthly_income, period_of(answers)))
        texts = {a["id"]: a["text"] for a in answers["@activities"]}
        lines.append(ctx._("Activities: %(progress)s", progress=", ".join(
            f"{texts.get(a, '-')} {ctx._(PROGRESS_LABELS[p])}" for a, (p, _why) in said.progress.items())
            or ctx._("no change")))
        titles = {p["id"]: problem_text(ctx, p) for p in answers["@problems"]}
        changed = [ctx._("solved: %(problem)s", problem=titles.get(p, "-")) for p in said.solved]
        changed += [ctx._("new: %(problem)s", problem=text or ctx._(dict(PROBLEM_INDICATORS[dim]).get(code, code)))
                    for dim, code, text in said.new_problems]
        lines.append(ctx._("Problems: %(changes)s", changes=", ".join(changed) or ctx._("no change")))
        if said.location:
            lines.append(ctx._("Location of the house: shared"))
        if said.photo_id:
            lines.append(ctx._("Photo: attached"))
    if said.note:
        lines.append(ctx._("Note: %(note)s", note=said.note))
    return "\n".join(lines) + "\n\n" + ctx._("Save this visit?")


def _income_line(ctx: Context, members: int, monthly: Decimal, period: Period) -> str:
    text = ctx._("Income: %(amount)s this month", amount=format_money(monthly, ctx.locale))
    per_person, line = income.per_person_year(monthly, members), checkins.line_of(period)
    if per_person is not None and line:
        text += "\n" + ctx._("= %(per_person)s per person per year; the จปฐ. line is %(line)s (%(verdict)s)",
                             per_person=format_money(per_person, ctx.locale), line=format_money(line, ctx.locale),
                             verdict=ctx._("passes") if per_person >= line else ctx._("below it"))
    return text


def not_confirmed(ctx: Context, answers: dict) -> bool:
    return answers.get("c_confirm") is False


def finish(ctx: Context, answers: dict) -> Outcome:
    try:
        household = households.get(ctx.staff, answers["@household"])
    except households.NotFound:
        return not_found(ctx)
    written = checkins.record(ctx, household, given(answers))
    period = Period.from_key(written.check_in.period)
    text = ctx._("Saved: the visit of house %(number)s for %(month)s.", number=household.house_number,
                 month=period.label(ctx.locale))
    if written.check_in.late:
        text += " " + ctx._("It is recorded as late for that month.")
    offer = []
    if compasses.current(household) is not None and checkins.followed(household):
        offer.append((ctx._("Revise the compass"), f"menu=compass&household={household.id}"))
    if "caretaker" in ctx.staff.role_names():
        offer.append((ctx._("Monthly visits"), "menu=monthly_visits"))
    return Outcome(reply=[TextMessage(text=text)], store=written.store, audit=written.audit).extend(
        menu.show(ctx, offer=tuple(offer)))


def open_checkin(ctx: Context, data: dict) -> Outcome:
    """From "Monthly visits" or the household card: the check-in of a household in the person's scope."""
    try:
        household = households.get(ctx.staff, buttons.whole(data.get("household"), 9) or 0)
    except households.NotFound:
        return not_found(ctx)
    if not checkins.followed(household):
        return menu.show(ctx, note=ctx._("House %(number)s is marked “%(status)s”: no monthly visit is due.",
                                         number=household.house_number,
                                         status=ctx._(HOUSEHOLD_STATUS_LABELS[household.status])))
    current, closed = checkins.period_of(ctx), checkins.missed(household, ctx)
    opening = {"@household": household.id, "@period": current.key, **context_of(ctx, household, closed or current)}
    if closed is not None:
        return drafts.start_dialog(ctx, "checkin", answers={**opening, "@periods": [current.key, closed.key]})
    return drafts.start_dialog(ctx, "checkin", answers=opening, at="c_contact")


MENU_ITEM = menu.Item("checkin", None, open_checkin, roles=ROLES)

ACTIVITY_LOOP = ForEach("c_activities", ACTIVITIES, start="c_act", fill=open_activities, then="c_problems")
NEW_LOOP = ForEach("c_new", NEW, start="c_new_what", fill=one_per_dimension, then=AFTER_PROBLEMS)

CHECKIN = Dialog(
    name="checkin",
    title=N_("Monthly visit"),
    questions=[
        Choice("c_period", period_prompt, options=period_choices),
        Choice("c_contact", contact_prompt, options=list(CONTACT_LABELS.items()),
               next=[When(unreached, "c_why"), "c_income"]),
        Choice("c_why", N_("Why could the family not be reached?"), options=list(UNREACHED_LABELS.items()),
               next=[When(closing, "c_close"), "c_note"]),
        YesNo("c_close", close_prompt, labels=(N_("Yes, mark it"), N_("No, keep visiting")), next="c_note"),
        Money("c_income", income_prompt, high=households.MAX_MONTHLY_INCOME, offer=last_income,
              next=[When(has_activities, "c_acts"), "c_problems"]),
        Choice("c_acts", activities_prompt, options=[("none", N_("No change on any")),
                                                     (REPORTING, N_("Report progress"))],
               next=[When(reporting, ACTIVITY_LOOP), "c_problems"]),
        Choice("c_act", N_("How is it going?"), options=list(PROGRESS_LABELS.items()), roster=ACTIVITIES,
               next=[When(needs_reason, "c_why_act"), NEXT_ITEM]),
        Text("c_why_act", reason_prompt, min_len=3, max_len=200, roster=ACTIVITIES,
             next=NEXT_ITEM),
        MultiChoice("c_problems", problems_prompt, options=problem_choices,
                    next=[When(new_problem, "c_new_dims"), *AFTER_PROBLEMS]),
        MultiChoice("c_new_dims", N_("In which dimensions? Tap each, then Done."),
                    options=[(k, v) for k, v in DIMENSION_LABELS.items()], next=NEW_LOOP),
        Choice("c_new_what", N_("Which problem?"), options=indicator_choices, roster=NEW,
               next=[When(typing_problem, "c_new_text"), NEXT_ITEM]),
        Text("c_new_text", N_("Please describe the problem in a few words."), min_len=3, max_len=200, roster=NEW,
             next=NEXT_ITEM),
        Location("c_location", N_("The house has no location yet: at the house, tap “Share location” and send it "
                                  "(asked once)."), optional=True),
        Photo("c_photo", N_("A photo of the visit, as evidence? (optional)"), optional=True),
        Text("c_note", N_("A note about this month? (optional)"), min_len=2, max_len=500, optional=True),
        YesNo("c_confirm", summary, labels=(N_("Save"), N_("Change answers")),
              next=[When(not_confirmed, "c_contact"), "done"]),
    ],
    finish=finish,
    forget_answers=True,
    allowed=in_area,
)
