"""The life compass (steps 2–3), written at the door with the family from the Family Folder card: goals toward
3พ, the household's spending and debts (what ท2–ท4 recorded is shown, not asked again), the way out with the
extra income it should bring, the activities of step 3's three parts (the family itself, the community,
government) each with who does it and by when, the target income, and the MOU: who commits for the family,
the team present and the family's acceptance. A welfare household's compass centres on the support it needs:
no occupation and no income target are asked.

Nothing is stored before the family accepts; then the compass is a new version of the household's
(`domain.step2_compass.compasses.record`), in the transaction of that last answer.
"""

from datetime import date
from decimal import Decimal

from linebot.v3.messaging import TextMessage

from core.i18n import N_
from core.thai import format_date, format_money, format_month
from core.types import Context, Outcome
from dialogs import buttons, drafts, menu
from dialogs.flow import NEXT_ITEM, Dialog, ForEach, When
from dialogs.interview.closing import in_area, not_found
from dialogs.kinds import Choice, Money, MultiChoice, Number, Photo, Text, YesNo
from dialogs.roster import Roster
from domain.step1_survey import households, income
from domain.step1_survey.folder import interview, latest_visit
from domain.step1_survey.visits import picked
from domain.step2_compass import compasses
from domain.step2_compass.choices import ACTIVITIES, AGENCIES, GOALS, PART_LABELS, SPENDING, activity
from models import Household, Visit
from models.staff import SUPERVISOR_ROLES

ROLES = ("volunteer", "caretaker", *SUPERVISOR_ROLES)
OTHER = ("other", N_("Something else (type it)"))
MAX_TARGET = 10_000_000  # baht per person per year


def household_of(ctx: Context, answers: dict) -> Household:
    """The compass's household, as this step's area check found it (`households.in_scope`)."""
    return households.in_scope(ctx, answers["@household"])


def interviewed(ctx: Context, answers: dict) -> Visit | None:
    """The household's latest visit with consent (its 4ท interview), read once a step: the spending question and
    the debts after it read it for their prompts and for where the dialog goes."""
    household = household_of(ctx, answers)
    return ctx.once((interviewed, household.id), lambda: latest_visit(household, consented=True))


def welfare(ctx: Context, answers: dict) -> bool:
    return answers.get("@classification") == "welfare"


# ---- goals toward 3พ -------------------------------------------------------------------------------------

def goal_heading(ctx: Context, answers: dict) -> str:
    goal = GOALS_ROSTER.current(answers)["goal"]
    return ctx._("Goal %(number)s of 3: %(goal)s", number=list(GOALS).index(goal) + 1, goal=ctx._(GOALS[goal][0]))


GOALS_ROSTER = Roster("goals", heading=goal_heading, load=lambda answers: [{"goal": goal} for goal in GOALS])


def goal_choices(ctx: Context, answers: dict) -> list[tuple[str, str]]:
    return [*GOALS[GOALS_ROSTER.current(answers)["goal"]][1], OTHER]


def typing_goal(ctx: Context, answers: dict) -> bool:
    return GOALS_ROSTER.current(answers).get("g_pick") == "other"


# ---- costs and the way out --------------------------------------------------------------------------------

def spending_heading(ctx: Context, answers: dict) -> str:
    kind = SPENDING_ROSTER.current(answers)["kind"]
    return ctx._("Spending %(number)s of %(count)s: %(kind)s", number=SPENDING_ROSTER.index(answers) + 1,
                 count=len(SPENDING_ROSTER.items(answers)), kind=ctx._(dict(SPENDING)[kind]))


SPENDING_ROSTER = Roster("spending", heading=spending_heading)


def one_per_kind(answers: dict) -> list[dict]:
    given = {item["kind"]: item for item in SPENDING_ROSTER.items(answers)}
    return [given.get(kind, {"kind": kind}) for kind in picked(answers["s_kinds"])]


def costs_prompt(ctx: Context, answers: dict) -> str:
    """The spending question, after what the 4ท visit recorded of the household's potential: shown, not asked."""
    question = ctx._("What does the household spend on each month? Tap each, then Done.")
    visit = interviewed(ctx, answers)
    if visit is None or not visit.resources:
        return question
    found = interview(ctx, visit)
    skills = "; ".join(f"{m.name}: {m.skills}" for m in found.skills) or "-"
    return ctx._("Recorded at the 4T visit: skills %(skills)s; land %(land)s; tools %(tools)s; savings %(savings)s; "
                 "debts %(formal)s in the system and %(informal)s outside it.", skills=skills, land=found.land,
                 tools=found.tools, savings=found.savings, formal=found.debt_formal,
                 informal=found.debt_informal) + "\n\n" + question


def _debts(ctx: Context, answers: dict) -> Decimal:
    visit = interviewed(ctx, answers)
    resources = (visit.resources or {}) if visit else {}
    return income.added_up([resources.get("debt_formal"), resources.get("debt_informal")])


def repayment_unknown(ctx: Context, answers: dict) -> bool:
    """Debts recorded at ท3 whose monthly repayment was not just given as a kind of spending."""
    return "debt" not in picked(answers.get("s_kinds")) and _debts(ctx, answers) > 0


def repay_prompt(ctx: Context, answers: dict) -> str:
    return ctx._("The household's debts at the 4T interview: %(debts)s. How much is repaid a month, in baht?",
                 debts=format_money(_debts(ctx, answers), ctx.locale))


def plan_prompt(ctx: Context, answers: dict) -> str:
    return ctx._("The way out agreed at the 4T interview: “%(way_out)s”. Is this the occupation to build the compass "
                 "on?", way_out=answers.get("@way_out") or "-")


PLAN_CHOICES = [("t4", N_("Yes, this one")), ("other", N_("Another occupation (type it)"))]


def typing_plan(ctx: Context, answers: dict) -> bool:
    return answers.get("o_plan") == "other"


# ---- step 3's activities ----------------------------------------------------------------------------------

def activity_heading(ctx: Context, answers: dict) -> str:
    item = ACTIVITY_ROSTER.current(answers)
    found = activity(item["part"], item["kind"])
    what = ctx._(found[1]) if found else item.get("a_text") or ctx._(OTHER[1])
    return ctx._("Activity %(number)s of %(count)s (%(part)s): %(what)s", number=ACTIVITY_ROSTER.index(answers) + 1,
                 count=len(ACTIVITY_ROSTER.items(answers)), part=ctx._(PART_LABELS[item["part"]]), what=what)


ACTIVITY_ROSTER = Roster("activities", heading=activity_heading)


def activity_choices(part: str):
    def choices(ctx: Context, answers: dict) -> list[tuple[str, str]]:
        return [(code, label) for code, label, _sign in ACTIVITIES[part]] + [OTHER, ("none", N_("None for now"))]
    choices.__name__ = f"{part}_activities"
    return choices


def one_per_activity(answers: dict) -> list[dict]:
    given = {(item["part"], item["kind"]): item for item in ACTIVITY_ROSTER.items(answers)}
    return [given.get((part, kind), {"part": part, "kind": kind})
            for part in ACTIVITIES for kind in picked(answers.get(f"a_{part}"))]


def typing_activity(ctx: Context, answers: dict) -> bool:
    return ACTIVITY_ROSTER.current(answers).get("kind") == "other"


def by_government(ctx: Context, answers: dict) -> bool:
    return ACTIVITY_ROSTER.current(answers).get("part") == "government"


def members_of(ctx: Context, answers: dict) -> list[tuple[str, str]]:
    return [(str(m.id), m.name) for m in household_of(ctx, answers).members]


def who_choices(ctx: Context, answers: dict) -> list[tuple[str, str]]:
    if by_government(ctx, answers):
        return AGENCIES
    return [("family", N_("The whole family")), *members_of(ctx, answers)]


def who_prompt(ctx: Context, answers: dict) -> str:
    if by_government(ctx, answers):
        return ctx._("Which agency is asked?")
    return ctx._("Who in the family does it?")


def months(ctx: Context, answers: dict) -> list[tuple[str, str]]:
    """The next twelve months, this one first."""
    first = ctx.today.replace(day=1)
    found = []
    for ahead in range(12):
        month = (first.month - 1 + ahead) % 12 + 1
        day = first.replace(year=first.year + (first.month - 1 + ahead) // 12, month=month)
        found.append((day.isoformat()[:7], format_month(day, ctx.locale)))
    return found


# ---- the target and the MOU -------------------------------------------------------------------------------

def target_prompt(ctx: Context, answers: dict) -> str:
    found = income.of(household_of(ctx, answers))
    today = format_money(found.per_person_year, ctx.locale) if found.per_person_year is not None else "-"
    line = format_money(found.line, ctx.locale) if found.line else ctx._("not set for this year")
    return ctx._("Target: the household's income per person per year to reach, in baht? Today it is %(today)s; "
                 "the basic-needs (จปฐ.) line is %(line)s.", today=today, line=line)


def target_dates(ctx: Context, answers: dict) -> list[tuple[str, str]]:
    today = ctx.today
    dates = [today.replace(year=today.year + years, month=12, day=31) if years else
             date(today.year + (today.month + 5) // 12, (today.month + 5) % 12 + 1, 1)
             for years in (0, 1, 2)]
    return [(d.isoformat(), format_date(d, ctx.locale)) for d in dates]


def representatives(ctx: Context, answers: dict) -> list[tuple[str, str]]:
    return [*members_of(ctx, answers), ("other", N_("Someone else"))]


def other_representative(ctx: Context, answers: dict) -> bool:
    return answers.get("m_rep") == "other"


def not_accepted(ctx: Context, answers: dict) -> bool:
    return answers.get("m_accept") is False


def who_names(ctx: Context, answers: dict) -> dict[str, str]:
    """The names of the answers to "who does it" and "who commits", as the record keeps them."""
    return {**dict(members_of(ctx, answers)), "family": ctx._("The whole family"),
            **{code: ctx._(label) for code, label in AGENCIES}}


def summary(ctx: Context, answers: dict) -> str:
    names = who_names(ctx, answers)
    goals = "\n".join(f"• {compasses.goal_text(item)}" for item in answers.get("goals") or [])
    acts = "\n".join(f"• {compasses.activity_text(item)}: {names[item['a_who']]}, "
                     f"{format_month(date.fromisoformat(item['a_month'] + '-01'), ctx.locale)}"
                     for item in answers.get("activities") or []) or "-"
    target = ""
    if answers.get("t_income"):
        today = income.of(household_of(ctx, answers)).per_person_year or Decimal(0)
        target = "\n" + ctx._("Target: %(target)s per person per year by %(date)s (today %(today)s, %(gap)s to go)",
                              target=format_money(Decimal(answers["t_income"]), ctx.locale),
                              date=format_date(date.fromisoformat(answers["t_date"]), ctx.locale),
                              today=format_money(today, ctx.locale),
                              gap=format_money(max(Decimal(answers["t_income"]) - today, Decimal(0)), ctx.locale))
    return ctx._("The compass:\nGoals:\n%(goals)s\nActivities:\n%(activities)s%(target)s\n\n"
                 "Does %(name)s commit to it for the family, with the team present (%(team)s)?", goals=goals,
                 activities=acts, target=target, name=names.get(answers["m_rep"], answers.get("m_rep_other")),
                 team=answers["m_team"])


def finish(ctx: Context, answers: dict) -> Outcome:
    try:
        household = households.in_scope(ctx, answers["@household"])
    except households.NotFound:
        return not_found(ctx)
    written = compasses.record(ctx, household, answers, who_names(ctx, answers))
    text = ctx._("The compass of house no. %(number)s is saved (version %(version)s), with %(count)s activities. "
                 "The family's commitment is recorded.", number=household.house_number,
                 version=written.compass.version, count=len(written.compass.activities))
    offer = ((ctx._("Send the signed MOU's photo"), f"menu=mou_photo&household={household.id}"),)
    return Outcome(reply=[TextMessage(text=text)], store=written.store, audit=written.audit).extend(
        menu.show(ctx, offer=offer))


def open_compass(ctx: Context, data: dict) -> Outcome:
    """From the household card: the compass of a household in the person's scope, once it is classified; with a
    compass already, a revision that offers each of its answers to keep."""
    try:
        household = households.in_scope(ctx, buttons.whole(data.get("household"), 9) or 0)
    except households.NotFound:
        return not_found(ctx)
    if household.classification is None:
        return menu.show(ctx, note=ctx._("Please run the 4T interview first: the compass builds on it."))
    visit = latest_visit(household, consented=True)
    opening = {"@household": household.id, "@way_out": (visit.way_out or {}).get("words") if visit else None,
               "@classification": household.classification}
    previous = compasses.current(household)
    if previous is not None:
        codes = {name: code for code, name in who_names(ctx, opening).items()}
        opening |= {"@revising": previous.version, **compasses.as_answers(previous, codes, opening["@way_out"])}
    return drafts.start_dialog(ctx, "compass", answers=opening)


def revising(ctx: Context, answers: dict) -> bool:
    return "@revising" in answers


MENU_ITEM = menu.Item("compass", None, open_compass, roles=ROLES)

GOAL_LOOP = ForEach("goals", GOALS_ROSTER, start="g_pick", then="s_kinds")
SPENDING_LOOP = ForEach("spending", SPENDING_ROSTER, start="s_amount", fill=one_per_kind,
                        then=[When(repayment_unknown, "d_repay"), When(welfare, "a_self"), "o_plan"])
ACTIVITY_LOOP = ForEach("activities", ACTIVITY_ROSTER, start=[When(typing_activity, "a_text"), "a_who"],
                        fill=one_per_activity, then=[When(welfare, "m_rep"), "t_income"])

COMPASS = Dialog(
    name="compass",
    title=N_("Life compass"),
    questions=[
        Text("m_team", N_("The team members present (names)?"), min_len=2, max_len=500, next=GOAL_LOOP),
        Choice("g_pick", N_("Which goal does the family set itself here?"), options=goal_choices,
               roster=GOALS_ROSTER, next=[When(typing_goal, "g_text"), NEXT_ITEM]),
        Text("g_text", N_("Please type the goal, in the family's words."), min_len=3, max_len=200,
             roster=GOALS_ROSTER, next=NEXT_ITEM),
        # costs and potential
        MultiChoice("s_kinds", costs_prompt, options=[*SPENDING, ("none", N_("Nothing to note"))], next=SPENDING_LOOP),
        Money("s_amount", N_("About how much a month, in baht?"), high=households.MAX_MONTHLY_INCOME,
              roster=SPENDING_ROSTER, next=NEXT_ITEM),
        Money("d_repay", repay_prompt, high=households.MAX_MONTHLY_INCOME, next=[When(welfare, "a_self"), "o_plan"]),
        # the way out
        Choice("o_plan", plan_prompt, options=PLAN_CHOICES, next=[When(typing_plan, "o_text"), "o_extra"]),
        Text("o_text", N_("Which occupation? Type it in a few words."), min_len=3, max_len=200),
        Money("o_extra", N_("About how much extra income a month should it bring, in baht?"),
              high=households.MAX_MONTHLY_INCOME),
        # step 3's activities, part by part
        MultiChoice("a_self", N_("Step 3, the family itself: what will it do? Tap each, then Done."),
                    options=activity_choices("self")),
        MultiChoice("a_community", N_("The community: what support will the family take part in? Tap each, then "
                                      "Done."), options=activity_choices("community")),
        MultiChoice("a_government", N_("Government and local government: what support is asked for? Tap each, "
                                       "then Done."), options=activity_choices("government"), next=ACTIVITY_LOOP),
        Text("a_text", N_("What is to be done? Type it in a few words."), min_len=3, max_len=200,
             roster=ACTIVITY_ROSTER),
        Text("a_sign", N_("How will its progress be seen?"), min_len=3, max_len=200, roster=ACTIVITY_ROSTER),
        Choice("a_who", who_prompt, options=who_choices, roster=ACTIVITY_ROSTER),
        Choice("a_month", N_("By which month?"), options=months, roster=ACTIVITY_ROSTER,
               next=[When(by_government, "a_support"), NEXT_ITEM]),
        Text("a_support", N_("What exactly is asked for (e.g. a course, 50 seedlings)?"), min_len=3, max_len=300,
             roster=ACTIVITY_ROSTER, next=NEXT_ITEM),
        # the target
        Number("t_income", target_prompt, low=1, high=MAX_TARGET),
        Choice("t_date", N_("By when?"), options=target_dates),
        # the MOU
        Choice("m_rep", N_("Who commits to the compass for the family?"), options=representatives,
               next=[When(other_representative, "m_rep_other"), When(revising, "r_reason"), "m_accept"]),
        Text("m_rep_other", N_("Name of the person, and their relation to the family?"), min_len=2, max_len=200,
             next=[When(revising, "r_reason"), "m_accept"]),
        Text("r_reason", N_("Why is the compass revised?"), min_len=3, max_len=500),
        YesNo("m_accept", summary, next=[When(not_accepted, GOAL_LOOP), "done"]),
    ],
    finish=finish,
    forget_answers=True,
    allowed=in_area,
)


# ---- the signed MOU's photo, sent once the paper is printed and signed ------------------------------------------

def open_mou_photo(ctx: Context, data: dict) -> Outcome:
    try:
        household = households.in_scope(ctx, buttons.whole(data.get("household"), 9) or 0)
    except households.NotFound:
        return not_found(ctx)
    if compasses.current(household) is None:
        return menu.show(ctx, note=ctx._("This household has no life compass yet."))
    return drafts.start_dialog(ctx, "mou_photo", answers={"@household": household.id})


def attach_photo(ctx: Context, answers: dict) -> Outcome:
    try:
        household = households.in_scope(ctx, answers["@household"])
    except households.NotFound:
        return not_found(ctx)
    compass = compasses.current(household)
    change = compasses.attach_photo(ctx, household, compass, answers["photo"])
    text = ctx._("The photo of the signed MOU is kept with version %(version)s of the compass.",
                 version=compass.version)
    return Outcome(reply=[TextMessage(text=text)], store=[compass], audit=[change]).extend(menu.show(ctx))


PHOTO_ITEM = menu.Item("mou_photo", None, open_mou_photo, roles=ROLES)
MOU_PHOTO = Dialog(
    name="mou_photo",
    title=N_("Signed MOU photo"),
    questions=[Photo("photo", N_("Please send a photo of the signed MOU, the whole page in view."))],
    finish=attach_photo,
    allowed=in_area,
)
