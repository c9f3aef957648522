"""The 4ท interview at the door: PDPA consent, the member roster, ท1 outlook, ท2 skills, ท3 resources,
ท4 the way out, problems in TPMAP's five dimensions, the causes of poverty, the classification and the
family's acknowledgement.

Every answer is saved in the session as it is given; nothing reaches the household's records until the
family has acknowledged the causes, and then everything (visit, household, members, problems, audit)
is stored in the one transaction of that last answer (`closing.finish`). With consent refused only the
refusal is stored. The dialog below reads top to bottom as the interview goes; the loops over the
members, the income sources and the problem dimensions are declared just above it.
"""

from core.i18n import N_
from core.types import Context, Outcome
from dialogs import buttons, drafts, menu
from dialogs.flow import NEXT_ITEM, Dialog, ForEach, When
from dialogs.interview import options
from dialogs.interview.closing import (
    ack_choices,
    ack_prompt,
    classify_prompt,
    confirm_prompt,
    finish,
    in_area,
    not_acknowledged,
    not_found,
    overridden,
    refusal_confirmed,
    refused,
    someone_else,
)
from dialogs.interview.members import (
    MAX_MEMBERS,
    MEMBERS,
    able,
    check_count,
    check_national_id,
    check_relation,
    check_roster,
    count_prompt,
    editing,
    first_new,
    member_choices,
    new_ones,
    on_record,
    one_more,
    other_occupation,
    roster_prompt,
    status_prompt,
    the_one_picked,
    wants_to_add,
    wants_to_change,
)
from dialogs.interview.resources import (
    INCOMES,
    PROBLEMS_BY_DIMENSION,
    has_problems,
    income_prompt,
    incomes_disagree,
    known_problem,
    known_prompt,
    no_land,
    one_per_source,
    problem_choices,
    problems_prompt,
    rai_value,
    typing_income,
)
from dialogs.kinds import BirthDate, Choice, Money, MultiChoice, NationalId, Number, Text, YesNo
from domain.step1_survey import households
from models import Household, db
from models.staff import SUPERVISOR_ROLES

ROLES = ("volunteer", "caretaker", *SUPERVISOR_ROLES)
MAX_DEBT = 100_000_000


def consent_prompt(ctx: Context, answers: dict) -> str:
    household = db.session.get(Household, answers["@household"])
    return ctx._("Household: house no. %(number)s, %(head)s\n\nBefore we start, please tell the family: the "
                 "answers are kept by the poverty-alleviation centre only to plan help for this household, and "
                 "are shown only to staff responsible for the area (PDPA).\n\nDoes the household agree to give "
                 "its information?", number=household.house_number, head=household.head_name)


def open_interview(ctx: Context, data: dict) -> Outcome:
    """From the household card: the 4ท interview of one household in the person's scope."""
    try:
        household = households.get(ctx.staff, buttons.whole(data.get("household"), 9) or 0)
    except households.NotFound:
        return not_found(ctx)
    return drafts.start_dialog(ctx, "interview", answers={"@household": household.id})


MENU_ITEM = menu.Item("interview", None, open_interview, roles=ROLES)

# ---- the loops ---------------------------------------------------------------------------------------
# Each member's questions run from m_status (on record: still correct?) or m_name (new) to m_can_work.

REVIEW = ForEach("review", MEMBERS, start="m_status", then="add_count", visit=on_record)
ADD = ForEach("add", MEMBERS, start="m_name", then="roster_check", visit=new_ones, fill=first_new)
ADD_ONE = ForEach("add_one", MEMBERS, start="m_name", then="roster_check", visit=one_more, forget=("roster_check",))
EDIT_ONE = ForEach("edit_one", MEMBERS, start="m_status", then="roster_check", visit=the_one_picked,
                   forget=("roster_pick", "roster_check"))
SKILLS = ForEach("skills", MEMBERS, start="s_skills", then="t3_land", visit=able)
INCOME_AMOUNTS = ForEach("incomes", INCOMES, start="i_amount", then=[When(incomes_disagree, "income_pick"), "t4_words"],
                         fill=one_per_source)
PROBLEMS = ForEach("problems", PROBLEMS_BY_DIMENSION, start=[When(known_problem, "p_known"), "p_list"], then="causes")

# ---- the dialog --------------------------------------------------------------------------------------

INTERVIEW = Dialog(
    name="interview",
    title=N_("4T interview"),
    questions=[
        YesNo("consent", consent_prompt, labels=(N_("Agrees"), N_("Does not agree")),
              next=[When(refused, "refusal"), REVIEW],
              help=N_("Explain to the family why the information is collected and who sees it. If they do not "
                      "agree, tap \"Does not agree\": only the refusal is recorded.")),
        YesNo("refusal", N_("The household does not agree: only the refusal will be recorded and the visit ends. "
                            "Is that right?"), next=[When(refusal_confirmed, "done"), "consent"]),
        # the member roster
        Choice("m_status", status_prompt, options=options.STATUS, roster=MEMBERS,
               next=[When(editing, "m_name"), NEXT_ITEM]),
        Text("m_name", N_("First name and surname?"), min_len=2, max_len=200, roster=MEMBERS),
        NationalId("m_national_id", N_("National ID number (13 digits)? Tap Skip if the person has none or it is "
                                       "not known."), check=check_national_id, optional=True, roster=MEMBERS),
        Choice("m_sex", N_("Sex?"), options=options.SEXES, roster=MEMBERS),
        BirthDate("m_birth", N_("Date of birth, e.g. 25/11/2510, or only the year of birth (B.E. or A.D.)? Tap "
                                "Skip if not known."), optional=True, roster=MEMBERS),
        Choice("m_relation", N_("Relation to the head of household?"), options=options.RELATIONS,
               check=check_relation, roster=MEMBERS),
        Choice("m_education", N_("Highest education?"), options=options.EDUCATION, roster=MEMBERS),
        Choice("m_occupation", N_("Main occupation?"), options=options.OCCUPATIONS, roster=MEMBERS,
               next=[When(other_occupation, "m_occupation_other"), "m_income"]),
        Text("m_occupation_other", N_("Please type the occupation."), min_len=2, max_len=100, roster=MEMBERS),
        Money("m_income", N_("Monthly income of this person, in baht? Type 0 if none."),
              high=households.MAX_MONTHLY_INCOME, roster=MEMBERS),
        MultiChoice("m_flags", N_("Does any of these apply to this person? Tap each that applies, then Done."),
                    options=options.MEMBER_FLAGS, roster=MEMBERS),
        YesNo("m_can_work", N_("Is this person able to work?"), labels=(N_("Able"), N_("Not able")),
              roster=MEMBERS, next=NEXT_ITEM),
        Number("add_count", count_prompt, low=0, high=MAX_MEMBERS, check=check_count, next=ADD),
        Choice("roster_check", roster_prompt, options=options.ROSTER_ACTIONS, check=check_roster,
               next=[When(wants_to_add, ADD_ONE), When(wants_to_change, "roster_pick"), "t1_outlook"]),
        Choice("roster_pick", N_("Which member?"), options=member_choices, next=EDIT_ONE),
        # ท1 outlook
        Choice("t1_outlook", N_("T1 Outlook: how does the family see its life and work now?"),
               options=options.OUTLOOKS),
        Choice("t1_willing", N_("Is the family willing to change how it lives and works?"),
               options=options.WILLINGNESS),
        Text("t1_note", N_("A note on the family's outlook, in its own words? Tap Skip if none."), min_len=2,
             max_len=1000, optional=True, next=SKILLS),
        # ท2 skills, for each member who can work
        MultiChoice("s_skills", N_("T2 Skills: what can this person do? Tap each, then Done."),
                    options=options.SKILLS, roster=MEMBERS),
        Choice("s_labour", N_("How much can this person work?"), options=options.LABOUR, roster=MEMBERS),
        Text("s_training", N_("What training or work would this person like? Tap Skip if none."), min_len=2,
             max_len=1000, optional=True, roster=MEMBERS, next=NEXT_ITEM),
        # ท3 resources
        Choice("t3_land", N_("T3 Resources: farm land?"), options=options.LAND,
               next=[When(no_land, "t3_tools"), "t3_rai"]),
        Text("t3_rai", N_("How many rai?"), parser=rai_value),
        MultiChoice("t3_tools", N_("Tools and vehicles for work? Tap each, then Done."), options=options.TOOLS),
        MultiChoice("t3_livestock", N_("Livestock? Tap each, then Done."), options=options.LIVESTOCK),
        Money("t3_savings", N_("Savings of the household in total, in baht? Type 0 if none."), high=MAX_DEBT),
        Money("t3_debt_formal", N_("Debts in the formal system (banks, BAAC, village fund, cooperatives), in baht? "
                                   "Type 0 if none."), high=MAX_DEBT),
        Money("t3_debt_informal", N_("Debts outside the system (private lenders), in baht? Type 0 if none."),
              high=MAX_DEBT),
        MultiChoice("t3_incomes", N_("Where does the household's income come from? Tap each, then Done."),
                    options=options.INCOME_SOURCES, next=INCOME_AMOUNTS),
        Money("i_amount", N_("About how much per month from this source, in baht?"),
              high=households.MAX_MONTHLY_INCOME, roster=INCOMES, next=NEXT_ITEM),
        Choice("income_pick", income_prompt, options=options.INCOME_PICK,
               next=[When(typing_income, "income_typed"), "t4_words"]),
        Money("income_typed", N_("The household's income in all, in baht a month?"),
              high=households.MAX_MONTHLY_INCOME),
        # ท4 the way out
        Text("t4_words", N_("T4 Way out: the way out agreed with the family, in the family's own words?"),
             min_len=5, max_len=1000),
        Choice("t4_category", N_("Which kind of way out is it?"), options=options.WAYS_OUT, next=PROBLEMS),
        # problems, dimension by dimension: those on record first, then the ones found now
        Choice("p_known", known_prompt, options=options.KNOWN_PROBLEM, roster=PROBLEMS_BY_DIMENSION, next=NEXT_ITEM),
        MultiChoice("p_list", problems_prompt, options=problem_choices, roster=PROBLEMS_BY_DIMENSION,
                    next=[When(has_problems, "p_detail"), NEXT_ITEM]),
        Text("p_detail", N_("A note on this dimension's problems (who is affected, since when)? Tap Skip if none."),
             min_len=2, max_len=1000, optional=True, roster=PROBLEMS_BY_DIMENSION, next=NEXT_ITEM),
        # causes, classification, acknowledgement
        MultiChoice("causes", N_("The causes of the household's poverty? Tap each, then Done."),
                    options=options.CAUSES),
        Text("causes_note", N_("A note on the causes? Tap Skip if none."), min_len=2, max_len=1000, optional=True),
        Choice("classify", classify_prompt, options=options.CLASSES,
               next=[When(overridden, "override_reason"), "ack_by"]),
        Text("override_reason", N_("Why do you choose differently from the suggestion?"), min_len=2, max_len=500),
        Choice("ack_by", ack_prompt, options=ack_choices, next=[When(someone_else, "ack_other"), "ack_confirm"]),
        Text("ack_other", N_("Name of the person who acknowledges, and their relation to the family?"), min_len=2,
             max_len=200),
        YesNo("ack_confirm", confirm_prompt, next=[When(not_acknowledged, "causes"), "done"]),
    ],
    finish=finish,
    forget_answers=True,
    allowed=in_area,
)
