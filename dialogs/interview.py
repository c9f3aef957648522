"""The 4ท interview at the door: PDPA consent, the member roster, ท1 outlook, ท2 skills, ท3 resources,
ท4 the way out, problems in TPMAP's five dimensions, the causes of poverty, the classification and the
family's acknowledgement.

Every answer is saved in the session as it is given; nothing reaches the household's records until the
family has acknowledged the causes, and then everything (visit, household, members, problems, audit)
is stored in the one transaction of that last answer. With consent refused only the refusal is stored.
"""

import re
from datetime import date
from decimal import Decimal

from linebot.v3.messaging import TextMessage

from core import validators
from core.i18n import N_
from core.thai import format_date, format_money, local_date, to_ascii_digits
from core.types import Context, Invalid, Outcome
from dialogs import buttons, drafts, menu
from dialogs.engine import Dialog, Question, Roster, register
from domain.labels import (
    CAUSE_LABELS,
    CLASSIFICATION_LABELS,
    DIMENSION_LABELS,
    EDUCATION_LABELS,
    OCCUPATION_LABELS,
    PROBLEM_INDICATORS,
    RELATION_LABELS,
    SEX_LABELS,
)
from domain.step1_survey import households, visits
from domain.step1_survey.classification import age_on, can_work, suggest
from domain.step1_survey.visits import picked
from models import Household, Member, db, utcnow
from models.household import DIMENSIONS
from models.staff import SUPERVISOR_ROLES

ROLES = ("volunteer", "caretaker", *SUPERVISOR_ROLES)
MAX_MEMBERS = 30

# ---- answer options --------------------------------------------------------------------------------

SEXES = list(SEX_LABELS.items())
RELATIONS = list(RELATION_LABELS.items())
EDUCATION = list(EDUCATION_LABELS.items())
OCCUPATIONS = list(OCCUPATION_LABELS.items())
MEMBER_FLAGS = [
    ("disabled", N_("Disability")), ("bedridden", N_("Bedridden")), ("chronic", N_("Chronic illness")),
    ("welfare_card", N_("State welfare card")), ("none", N_("None of these")),
]
STATUS = [("keep", N_("Correct, no change")), ("edit", N_("Edit details")), ("remove", N_("Remove: moved or died"))]
ROSTER_ACTIONS = [("done", N_("Correct, continue")), ("add", N_("Add a member")), ("change", N_("Edit or remove"))]
OUTLOOKS = [
    ("hopeful", N_("Hopeful, wants a better life")), ("content", N_("Content with life as it is")),
    ("discouraged", N_("Discouraged, sees no way out")), ("dependent", N_("Relies on help from others")),
]
WILLINGNESS = [("ready", N_("Ready to change")), ("with_support", N_("Willing with support")),
               ("not_ready", N_("Not ready to change"))]
SKILLS = [
    ("farming", N_("Farming")), ("livestock", N_("Raising animals")), ("handicraft", N_("Handicrafts, weaving")),
    ("food", N_("Cooking, food processing")), ("construction", N_("Construction")),
    ("mechanic", N_("Repairs, mechanics")), ("trade", N_("Selling, trade")), ("service", N_("Services, care work")),
    ("none", N_("No particular skill")),
]
LABOUR = [("full_time", N_("Full time")), ("part_time", N_("Part time")), ("seasonal", N_("Seasonal only"))]
LAND = [("owned", N_("Own land")), ("rented", N_("Rented land")), ("free", N_("Uses land free of charge")),
        ("none", N_("No farm land"))]
TOOLS = [
    ("walking_tractor", N_("Walking tractor")), ("tractor", N_("Tractor")), ("pump", N_("Water pump")),
    ("sewing", N_("Sewing machine")), ("motorcycle", N_("Motorcycle")), ("pickup", N_("Pickup truck")),
    ("fishing", N_("Fishing gear")), ("none", N_("None")),
]
LIVESTOCK = [("cattle", N_("Cattle")), ("buffalo", N_("Buffalo")), ("pigs", N_("Pigs")),
             ("poultry", N_("Chickens or ducks")), ("fish", N_("Fish or frogs")), ("none", N_("None"))]
INCOME_SOURCES = [
    ("crops", N_("Crops")), ("livestock", N_("Livestock")), ("wages", N_("Wage labour")), ("salary", N_("Salary")),
    ("trade", N_("Trade or business")), ("allowance", N_("State allowances")),
    ("family", N_("Money from relatives")), ("other", N_("Other")), ("none", N_("No income")),
]
WAYS_OUT = [
    ("occupation", N_("Develop an occupation")), ("job", N_("Find a job")), ("costs", N_("Cut expenses")),
    ("debt", N_("Manage debts")), ("savings", N_("Save money")), ("welfare", N_("State welfare")),
    ("health", N_("Health care")), ("education", N_("Education or training")), ("housing", N_("Housing")),
    ("other", N_("Other")),
]
NO_PROBLEM = ("none", N_("No problem here"))
CAUSES = list(CAUSE_LABELS.items())
CLASSES = list(CLASSIFICATION_LABELS.items())


def _label(options, value: str) -> str:
    return dict(options).get(value, value)


# ---- the rosters -----------------------------------------------------------------------------------
# Members are items of the MEMBERS roster: those on record (with "id") first, then new ones. A member's
# "m_status" is keep, edit or remove. "_members_mode" says which loop is running: review (the members
# on record in turn), add (the new members in turn), check (one member picked from the list), skills (ท2).

MODE = "_members_mode"
UNTIL = "_members_until"


def _today() -> date:
    return local_date(utcnow())


def _active(answers: dict) -> list[tuple[int, dict]]:
    return [(i, item) for i, item in enumerate(MEMBERS.items(answers)) if item.get("m_status") != "remove"]


def _able(answers: dict) -> list[int]:
    """Indexes of the members who can work: ท2 asks about each of them."""
    return [i for i, item in _active(answers) if can_work(item)]


def _on_record(answers: dict) -> list[int]:
    return [i for i, item in enumerate(MEMBERS.items(answers)) if "id" in item]


def member_heading(ctx: Context, answers: dict) -> str:
    item, index, mode = MEMBERS.current(answers), MEMBERS.index(answers), answers.get(MODE)
    name = item.get("m_name")
    if mode in ("review", "add"):
        on_record = _on_record(answers)
        if mode == "review":
            heading = ctx._("Member %(number)s of %(count)s on record", number=on_record.index(index) + 1,
                            count=len(on_record))
        else:
            heading = ctx._("New member %(number)s of %(count)s", number=index - len(on_record) + 1,
                            count=answers[UNTIL] - len(on_record))
        return f"{heading}: {name}" if name else heading
    if mode == "skills":
        able = _able(answers)
        return ctx._("Skills and work: %(name)s (%(number)s of %(count)s who can work)", name=name,
                     number=able.index(index) + 1, count=len(able))
    return ctx._("Member: %(name)s", name=name) if name else ctx._("New member")


def income_heading(ctx: Context, answers: dict) -> str:
    source = _label(INCOME_SOURCES, INCOMES.current(answers)["source"])
    return ctx._("Income source %(number)s of %(count)s: %(source)s", number=INCOMES.index(answers) + 1,
                 count=len(INCOMES.items(answers)), source=ctx._(source))


def problem_heading(ctx: Context, answers: dict) -> str:
    dimension = PROBLEMS_BY_DIMENSION.current(answers)["dimension"]
    return ctx._("Problems, dimension %(number)s of %(count)s: %(dimension)s",
                 number=PROBLEMS_BY_DIMENSION.index(answers) + 1, count=len(DIMENSIONS),
                 dimension=ctx._(DIMENSION_LABELS[dimension]))


MEMBERS = Roster("members", heading=member_heading)
INCOMES = Roster("incomes", heading=income_heading)
PROBLEMS_BY_DIMENSION = Roster("problems", heading=problem_heading)


def _member_item(member: Member) -> dict:
    """A member on record as roster answers, so editing offers each stored value as "Keep answer"."""
    known = dict(OCCUPATIONS)
    occupation = member.occupation
    flags = [flag for flag, on in (("disabled", member.disabled), ("bedridden", member.bedridden),
                                   ("chronic", member.chronic_illness), ("welfare_card", member.welfare_card)) if on]
    item = {
        "id": member.id, "m_name": member.name,
        "m_national_id": ({"hash": member.national_id_hash, "last": member.national_id_last}
                          if member.national_id_hash else None),
        "m_sex": member.sex, "m_birth": member.birth_date.isoformat() if member.birth_date else None,
        "m_relation": member.relation, "m_education": member.education,
        "m_occupation": occupation if occupation in known or not occupation else "other",
        "m_income": str(member.monthly_income) if member.monthly_income is not None else None,
        "m_flags": flags or ["none"], "m_can_work": member.can_work,
    }
    if occupation and occupation not in known:
        item["m_occupation_other"] = occupation
    return item


# Transition callbacks and conditions: plain functions of the answers (callbacks change the answers being
# built). Their names appear in the dialog's diagram.

def load_members(answers: dict) -> None:
    """The members on record become the roster, once (answers given since are kept)."""
    if MEMBERS.name not in answers:
        household = db.session.get(Household, answers["@household"])
        answers[MEMBERS.name] = [_member_item(m) for m in household.members]


def refused(answers: dict) -> bool:
    return answers.get("consent") is False


def members_on_record(answers: dict) -> bool:
    return bool(_on_record(answers))


def review_first(answers: dict) -> None:
    answers[MODE] = "review"
    MEMBERS.move(answers, _on_record(answers)[0])


def reviewing(answers: dict) -> bool:
    return answers.get(MODE) == "review"


def more_on_record(answers: dict) -> bool:
    return reviewing(answers) and any(i > MEMBERS.index(answers) for i in _on_record(answers))


def review_next(answers: dict) -> None:
    MEMBERS.move(answers, next(i for i in _on_record(answers) if i > MEMBERS.index(answers)))


def editing(answers: dict) -> bool:
    return MEMBERS.current(answers).get("m_status") == "edit"


def start_adding(answers: dict) -> None:
    """New members follow those on record; answering the count again drops any beyond it."""
    first = len(_on_record(answers))
    answers[MODE], answers[UNTIL] = "add", first + answers["add_count"]
    answers[MEMBERS.name] = MEMBERS.items(answers)[:answers[UNTIL]]
    MEMBERS.move(answers, first)


def adding_some(answers: dict) -> bool:
    return answers["add_count"] > 0


def more_to_add(answers: dict) -> bool:
    return answers.get(MODE) == "add" and MEMBERS.index(answers) + 1 < answers[UNTIL]


def add_next(answers: dict) -> None:
    MEMBERS.move(answers, MEMBERS.index(answers) + 1)


def wants_to_add(answers: dict) -> bool:
    return answers.get("roster_check") == "add"


def wants_to_change(answers: dict) -> bool:
    return answers.get("roster_check") == "change"


def add_one(answers: dict) -> None:
    answers[MODE] = "check"
    MEMBERS.move(answers, len(MEMBERS.items(answers)))
    answers.pop("roster_check", None)  # an action, not an answer to offer again when the list comes back


def pick_member(answers: dict) -> None:
    answers[MODE] = "check"
    MEMBERS.move(answers, int(answers.pop("roster_pick")))
    answers.pop("roster_check", None)


def other_occupation(answers: dict) -> bool:
    return MEMBERS.current(answers).get("m_occupation") == "other"


def anyone_able(answers: dict) -> bool:
    return bool(_able(answers))


def skills_first(answers: dict) -> None:
    answers[MODE] = "skills"
    MEMBERS.move(answers, _able(answers)[0])


def more_able(answers: dict) -> bool:
    return any(i > MEMBERS.index(answers) for i in _able(answers))


def skills_next(answers: dict) -> None:
    MEMBERS.move(answers, next(i for i in _able(answers) if i > MEMBERS.index(answers)))


def no_land(answers: dict) -> bool:
    return answers.get("t3_land") == "none"


def start_incomes(answers: dict) -> None:
    """One item per income source picked; amounts already given for a source are kept."""
    given = {item["source"]: item for item in INCOMES.items(answers)}
    answers[INCOMES.name] = [given.get(source, {"source": source}) for source in picked(answers["t3_incomes"])]
    INCOMES.move(answers, 0)


def has_incomes(answers: dict) -> bool:
    return bool(INCOMES.items(answers))


def more_incomes(answers: dict) -> bool:
    return INCOMES.index(answers) + 1 < len(INCOMES.items(answers))


def next_income(answers: dict) -> None:
    INCOMES.move(answers, INCOMES.index(answers) + 1)


def start_problems(answers: dict) -> None:
    if PROBLEMS_BY_DIMENSION.name not in answers:
        answers[PROBLEMS_BY_DIMENSION.name] = [{"dimension": d} for d in DIMENSIONS]
    PROBLEMS_BY_DIMENSION.move(answers, 0)


def has_problems(answers: dict) -> bool:
    return bool(picked(PROBLEMS_BY_DIMENSION.current(answers).get("p_list")))


def more_dimensions(answers: dict) -> bool:
    return PROBLEMS_BY_DIMENSION.index(answers) + 1 < len(DIMENSIONS)


def next_dimension(answers: dict) -> None:
    PROBLEMS_BY_DIMENSION.move(answers, PROBLEMS_BY_DIMENSION.index(answers) + 1)


def overridden(answers: dict) -> bool:
    return answers.get("classify") != suggest(visits.active(answers), _today())[0]


def someone_else(answers: dict) -> bool:
    return answers.get("ack_by") == "other"


def not_acknowledged(answers: dict) -> bool:
    return answers.get("ack_confirm") is False


# ---- prompts, options and checks -------------------------------------------------------------------

def _member_line(ctx: Context, item: dict, today: date) -> str:
    parts = [ctx._(_label(RELATIONS, item["m_relation"])) if item.get("m_relation") else None]
    age = age_on(item, today)
    if age is not None:
        parts.append(ctx._("%(age)s years", age=age))
    flags = picked(item.get("m_flags"))
    parts += [ctx._(_label(MEMBER_FLAGS, flag)) for flag in flags if flag != "welfare_card"]
    details = ", ".join(p for p in parts if p)
    return f"{item.get('m_name') or ctx._('(no name yet)')}" + (f" ({details})" if details else "")


def _roster_list(ctx: Context, answers: dict) -> str:
    today = _today()
    return "\n".join(f"{n}. {_member_line(ctx, item, today)}" for n, (_i, item) in enumerate(_active(answers), 1))


def consent_prompt(ctx: Context, answers: dict) -> str:
    household = db.session.get(Household, answers["@household"])
    return ctx._("Household: house no. %(number)s, %(head)s\n\nBefore we start, please tell the family: the "
                 "answers are kept by the poverty-alleviation centre only to plan help for this household, and "
                 "are shown only to staff responsible for the area (PDPA).\n\nDoes the household agree to give "
                 "its information?", number=household.house_number, head=household.head_name)


def status_prompt(ctx: Context, answers: dict) -> str:
    item = MEMBERS.current(answers)
    return ctx._("%(member)s\nIs this still correct?", member=_member_line(ctx, item, _today()))


def count_prompt(ctx: Context, answers: dict) -> str:
    if _active(answers):
        return ctx._("Members now:\n%(members)s\n\nHow many more people live in this household who are not on the "
                     "list? Type 0 if none.", members=_roster_list(ctx, answers))
    return ctx._("How many people live in this household, including the head?")


def check_count(count: int, ctx: Context, answers: dict) -> int:
    if count == 0 and not _active(answers):
        raise Invalid(N_("A household has at least one member. Please type how many people live here."))
    if len(_active(answers)) + count > MAX_MEMBERS:
        raise Invalid(N_("A household can have at most %(max)s members here. Please check the number."),
                      max=MAX_MEMBERS)
    return count


def roster_prompt(ctx: Context, answers: dict) -> str:
    return ctx._("Members of the household:\n%(members)s\n\nIs the list complete and correct?",
                 members=_roster_list(ctx, answers) or "-")


def check_roster(action: str, ctx: Context, answers: dict) -> str:
    """The list can be confirmed only when complete: every member's details, and exactly one head."""
    if action != "done":
        return action
    members = [item for _i, item in _active(answers)]
    if not members:
        raise Invalid(N_("The household has no members left. Please add at least one member."))
    unfinished = [item.get("m_name") or "-" for item in members if "m_can_work" not in item]
    if unfinished:
        raise Invalid(N_("The details of %(name)s are not complete. Please tap \"Edit or remove\" and finish them."),
                      name=unfinished[0])
    heads = [item for item in members if item.get("m_relation") == "head"]
    if len(heads) != 1:
        raise Invalid(N_("A household has exactly one head, but the list has %(count)s. Please edit the members' "
                         "relation to the head."), count=len(heads))
    return action


def member_choices(ctx: Context, answers: dict) -> list[tuple[str, str]]:
    today = _today()
    return [(str(i), _member_line(ctx, item, today) + ("" if item.get("m_status") != "remove"
                                                         else " " + ctx._("[removed]")))
            for i, item in enumerate(MEMBERS.items(answers))]


def name_value(raw: str) -> str:
    return validators.text(raw, min_len=2, max_len=200)


def check_national_id(national_id: str, ctx: Context, answers: dict) -> dict:
    """Kept in the session only as stored (keyed hash and last digits): the full ID is never saved."""
    probe = Member()
    households.set_national_id(probe, national_id)
    index, hashes = MEMBERS.index(answers), households.national_id_hashes(national_id)
    for i, item in enumerate(MEMBERS.items(answers)):
        if i != index and (item.get("m_national_id") or {}).get("hash") in hashes:
            raise Invalid(N_("This national ID number is already given for %(name)s. Please check the number."),
                          name=item.get("m_name") or "-")
    return {"hash": probe.national_id_hash, "last": probe.national_id_last}


def show_national_id(value: dict, ctx: Context) -> str:
    return validators.mask_national_id(value["last"])


def show_date(value: str, ctx: Context) -> str:
    return format_date(date.fromisoformat(value), ctx.locale)


def birth_date(raw: str) -> date:
    """A date of birth (B.E. or A.D.), or only the year of birth, kept as 1 January of that year."""
    text = to_ascii_digits(raw).strip()
    if re.fullmatch(r"\d{4}", text):
        text = f"1/1/{text}"
    return validators.date_value(text, date(1900, 1, 1), _today())


def check_relation(relation: str, ctx: Context, answers: dict) -> str:
    index = MEMBERS.index(answers)
    head = next((item for i, item in _active(answers) if i != index and item.get("m_relation") == "head"), None)
    if relation == "head" and head is not None:
        raise Invalid(N_("%(name)s is already the head of this household. Please choose another relation, or "
                         "change %(name)s first."), name=head.get("m_name"))
    return relation


def income_value(raw: str) -> Decimal:
    return validators.money(raw, 0, households.MAX_MONTHLY_INCOME)


def show_baht(value: str, ctx: Context) -> str:
    return format_money(Decimal(value), ctx.locale)


def debt_value(raw: str) -> Decimal:
    return validators.money(raw, 0, 100_000_000)


def rai_value(raw: str) -> str:
    """Land in rai, whole or with up to 2 decimals ("2.5", "3 ไร่"); kept as a decimal string."""
    text = to_ascii_digits(raw).strip()
    match = re.fullmatch(r"(\d{1,5}(?:\.\d{1,2})?)\s*(?:ไร่|rai)?", text, re.IGNORECASE)
    if not match:
        raise Invalid(N_("Please type the land area in rai as a number, for example 5 or 2.5."))
    value = Decimal(match[1])
    if not 0 < value <= 10_000:
        raise Invalid(N_("Please type a land area from 0.01 to 10,000 rai."))
    return str(value)


def ack_choices(ctx: Context, answers: dict) -> list[tuple[str, str]]:
    return [(str(i), item["m_name"]) for i, item in _active(answers)] + [("other", N_("Someone else"))]


def _cause_lines(ctx: Context, answers: dict) -> str:
    causes = [ctx._(_label(CAUSES, c)) for c in answers.get("causes") or ()]
    note = answers.get("causes_note")
    return "\n".join(f"• {c}" for c in causes) + (f"\n{note}" if note else "")


def ack_prompt(ctx: Context, answers: dict) -> str:
    return ctx._("Please read the causes found to the family:\n%(causes)s\nClassification: %(classification)s\n\n"
                 "Who in the family acknowledges them?", causes=_cause_lines(ctx, answers),
                 classification=ctx._(_label(CLASSES, answers["classify"])))


def confirm_prompt(ctx: Context, answers: dict) -> str:
    return ctx._("Does %(name)s acknowledge these causes? \"Yes\" saves the visit; \"No\" goes back to the causes.",
                 name=visits.acknowledger(answers))


def classify_prompt(ctx: Context, answers: dict) -> str:
    suggested, reason, values = suggest(visits.active(answers), _today())
    return ctx._("Suggested classification: %(classification)s\nWhy: %(reason)s\n\nConfirm it, or choose the other "
                 "one (you will be asked why).", classification=ctx._(_label(CLASSES, suggested)),
                 reason=ctx._(reason, **values))


def problem_choices(ctx: Context, answers: dict) -> list[tuple[str, str]]:
    return [*PROBLEM_INDICATORS[PROBLEMS_BY_DIMENSION.current(answers)["dimension"]], NO_PROBLEM]


# ---- finishing -------------------------------------------------------------------------------------

def finish(ctx: Context, answers: dict) -> Outcome:
    try:
        household = households.get(ctx.staff, answers["@household"])
    except households.NotFound:
        return not_found(ctx)
    recorded = visits.record(ctx, household, answers)
    if refused(answers):
        text = ctx._("The household did not consent. Only the refusal is recorded; no personal data from this "
                     "visit is kept.")
    else:
        text = ctx._("The visit to house no. %(number)s is saved: %(members)s members, %(problems)s problems "
                     "recorded, classified as %(classification)s.", number=household.house_number,
                     members=len(household.members), problems=recorded.problems,
                     classification=ctx._(_label(CLASSES, household.classification)))
    return Outcome(reply=[TextMessage(text=text)], store=recorded.store, audit=recorded.audit).extend(menu.show(ctx))


def in_area(ctx: Context, answers: dict) -> bool:
    try:
        households.get(ctx.staff, answers["@household"])
    except households.NotFound:
        return False
    return True


def not_found(ctx: Context) -> Outcome:
    return menu.show(ctx, note=ctx._("This household was not found in your area."))


@menu.item("interview", None, roles=ROLES)
def open_interview(ctx: Context, data: dict) -> Outcome:
    """From the household card: the 4ท interview of one household in the person's scope."""
    try:
        household = households.get(ctx.staff, buttons.whole(data.get("household"), 9) or 0)
    except households.NotFound:
        return not_found(ctx)
    return drafts.start_dialog(ctx, "interview", answers={"@household": household.id})


# ---- the dialog --------------------------------------------------------------------------------------

def _text(min_len: int = 2, max_len: int = 1000):
    def parse(raw: str) -> str:
        return validators.text(raw, min_len=min_len, max_len=max_len)
    return parse


INTERVIEW = register(Dialog(
    name="interview",
    title=N_("4T interview"),
    questions=[
        Question("consent", consent_prompt, kind="yes_no",
                 help=N_("Explain to the family why the information is collected and who sees it. If they do not "
                         "agree, tap No: only the refusal is recorded.")),
        Question("m_status", status_prompt, kind="choice", options=STATUS, roster=MEMBERS),
        Question("m_name", N_("First name and surname?"), parse=name_value, roster=MEMBERS),
        Question("m_national_id", N_("National ID number (13 digits)? Tap Skip if the person has none or it is not "
                                     "known."), parse=validators.national_id, check=check_national_id,
                 shown=show_national_id, optional=True, roster=MEMBERS),
        Question("m_sex", N_("Sex?"), kind="choice", options=SEXES, roster=MEMBERS),
        Question("m_birth", N_("Date of birth, e.g. 25/11/2510, or only the year of birth (B.E. or A.D.)? Tap Skip "
                               "if not known."), parse=birth_date, shown=show_date, optional=True, roster=MEMBERS),
        Question("m_relation", N_("Relation to the head of household?"), kind="choice", options=RELATIONS,
                 check=check_relation, roster=MEMBERS),
        Question("m_education", N_("Highest education?"), kind="choice", options=EDUCATION, roster=MEMBERS),
        Question("m_occupation", N_("Main occupation?"), kind="choice", options=OCCUPATIONS, roster=MEMBERS),
        Question("m_occupation_other", N_("Please type the occupation."), parse=_text(2, 100), roster=MEMBERS),
        Question("m_income", N_("Monthly income of this person, in baht? Type 0 if none."), parse=income_value,
                 shown=show_baht, roster=MEMBERS),
        Question("m_flags", N_("Does any of these apply to this person? Tap each that applies, then Done."),
                 kind="multi", options=MEMBER_FLAGS, roster=MEMBERS),
        Question("m_can_work", N_("Is this person able to work?"), kind="yes_no", roster=MEMBERS),
        Question("add_count", count_prompt, parse=lambda raw: validators.integer(raw, 0, MAX_MEMBERS),
                 check=check_count),
        Question("roster_check", roster_prompt, kind="choice", options=ROSTER_ACTIONS, check=check_roster),
        Question("roster_pick", N_("Which member?"), kind="choice", options=member_choices),
        Question("t1_outlook", N_("T1 Outlook: how does the family see its life and work now?"), kind="choice",
                 options=OUTLOOKS),
        Question("t1_willing", N_("Is the family willing to change how it lives and works?"), kind="choice",
                 options=WILLINGNESS),
        Question("t1_note", N_("A note on the family's outlook, in its own words? Tap Skip if none."),
                 parse=_text(), optional=True),
        Question("s_skills", N_("T2 Skills: what can this person do? Tap each, then Done."), kind="multi",
                 options=SKILLS, roster=MEMBERS),
        Question("s_labour", N_("How much can this person work?"), kind="choice", options=LABOUR, roster=MEMBERS),
        Question("s_training", N_("What training or work would this person like? Tap Skip if none."),
                 parse=_text(), optional=True, roster=MEMBERS),
        Question("t3_land", N_("T3 Resources: farm land?"), kind="choice", options=LAND),
        Question("t3_rai", N_("How many rai?"), parse=rai_value),
        Question("t3_tools", N_("Tools and vehicles for work? Tap each, then Done."), kind="multi", options=TOOLS),
        Question("t3_livestock", N_("Livestock? Tap each, then Done."), kind="multi", options=LIVESTOCK),
        Question("t3_savings", N_("Savings of the household in total, in baht? Type 0 if none."), parse=debt_value,
                 shown=show_baht),
        Question("t3_debt_formal", N_("Debts in the formal system (banks, BAAC, village fund, cooperatives), in baht? "
                                      "Type 0 if none."), parse=debt_value, shown=show_baht),
        Question("t3_debt_informal", N_("Debts outside the system (private lenders), in baht? Type 0 if none."),
                 parse=debt_value, shown=show_baht),
        Question("t3_incomes", N_("Where does the household's income come from? Tap each, then Done."), kind="multi",
                 options=INCOME_SOURCES),
        Question("i_amount", N_("About how much per month from this source, in baht?"), parse=income_value,
                 shown=show_baht, roster=INCOMES),
        Question("t4_words", N_("T4 Way out: the way out agreed with the family, in the family's own words?"),
                 parse=_text(5)),
        Question("t4_category", N_("Which kind of way out is it?"), kind="choice", options=WAYS_OUT),
        Question("p_list", N_("Which problems does the household have here? Tap each, then Done."), kind="multi",
                 options=problem_choices, roster=PROBLEMS_BY_DIMENSION),
        Question("p_detail", N_("Details of these problems (who is affected, since when)? Tap Skip if none."),
                 parse=_text(), optional=True, roster=PROBLEMS_BY_DIMENSION),
        Question("causes", N_("The causes of the household's poverty? Tap each, then Done."), kind="multi",
                 options=CAUSES),
        Question("causes_note", N_("A note on the causes? Tap Skip if none."), parse=_text(), optional=True),
        Question("classify", classify_prompt, kind="choice", options=CLASSES),
        Question("override_reason", N_("Why do you choose differently from the suggestion?"), parse=_text(5, 500)),
        Question("ack_by", ack_prompt, kind="choice", options=ack_choices),
        Question("ack_other", N_("Name of the person who acknowledges, and their relation to the family?"),
                 parse=_text(2, 200)),
        Question("ack_confirm", confirm_prompt, kind="yes_no"),
    ],
    branches=[
        {"trigger": "advance", "source": "consent", "dest": "done", "conditions": [refused]},
        {"trigger": "advance", "source": "consent", "dest": "m_status", "prepare": [load_members],
         "conditions": [members_on_record], "after": [review_first]},
        {"trigger": "advance", "source": "consent", "dest": "add_count"},
        {"trigger": "advance", "source": "m_status", "dest": "m_name", "conditions": [editing]},
        {"trigger": "advance", "source": "m_status", "dest": "m_status", "conditions": [more_on_record],
         "after": [review_next]},
        {"trigger": "advance", "source": "m_status", "dest": "add_count", "conditions": [reviewing]},
        {"trigger": "advance", "source": "m_status", "dest": "roster_check"},
        {"trigger": "advance", "source": "m_occupation", "dest": "m_occupation_other",
         "conditions": [other_occupation]},
        {"trigger": "advance", "source": "m_occupation", "dest": "m_income"},
        {"trigger": "advance", "source": "m_can_work", "dest": "m_status", "conditions": [more_on_record],
         "after": [review_next]},
        {"trigger": "advance", "source": "m_can_work", "dest": "add_count", "conditions": [reviewing]},
        {"trigger": "advance", "source": "m_can_work", "dest": "m_name", "conditions": [more_to_add],
         "after": [add_next]},
        {"trigger": "advance", "source": "m_can_work", "dest": "roster_check"},
        {"trigger": "advance", "source": "add_count", "dest": "m_name", "prepare": [start_adding],
         "conditions": [adding_some]},
        {"trigger": "advance", "source": "add_count", "dest": "roster_check"},
        {"trigger": "advance", "source": "roster_check", "dest": "m_name", "conditions": [wants_to_add],
         "after": [add_one]},
        {"trigger": "advance", "source": "roster_check", "dest": "roster_pick", "conditions": [wants_to_change]},
        {"trigger": "advance", "source": "roster_check", "dest": "t1_outlook"},
        {"trigger": "advance", "source": "roster_pick", "dest": "m_status", "after": [pick_member]},
        {"trigger": "advance", "source": "t1_note", "dest": "s_skills", "conditions": [anyone_able],
         "after": [skills_first]},
        {"trigger": "advance", "source": "t1_note", "dest": "t3_land"},
        {"trigger": "advance", "source": "s_training", "dest": "s_skills", "conditions": [more_able],
         "after": [skills_next]},
        {"trigger": "advance", "source": "s_training", "dest": "t3_land"},
        {"trigger": "advance", "source": "t3_land", "dest": "t3_tools", "conditions": [no_land]},
        {"trigger": "advance", "source": "t3_incomes", "dest": "i_amount", "prepare": [start_incomes],
         "conditions": [has_incomes]},
        {"trigger": "advance", "source": "t3_incomes", "dest": "t4_words"},
        {"trigger": "advance", "source": "i_amount", "dest": "i_amount", "conditions": [more_incomes],
         "after": [next_income]},
        {"trigger": "advance", "source": "i_amount", "dest": "t4_words"},
        {"trigger": "advance", "source": "t4_category", "dest": "p_list", "after": [start_problems]},
        {"trigger": "advance", "source": "p_list", "dest": "p_detail", "conditions": [has_problems]},
        {"trigger": "advance", "source": "p_list", "dest": "p_list", "conditions": [more_dimensions],
         "after": [next_dimension]},
        {"trigger": "advance", "source": "p_list", "dest": "causes"},
        {"trigger": "advance", "source": "p_detail", "dest": "p_list", "conditions": [more_dimensions],
         "after": [next_dimension]},
        {"trigger": "advance", "source": "p_detail", "dest": "causes"},
        {"trigger": "advance", "source": "classify", "dest": "override_reason", "conditions": [overridden]},
        {"trigger": "advance", "source": "classify", "dest": "ack_by"},
        {"trigger": "advance", "source": "ack_by", "dest": "ack_other", "conditions": [someone_else]},
        {"trigger": "advance", "source": "ack_by", "dest": "ack_confirm"},
        {"trigger": "advance", "source": "ack_confirm", "dest": "causes", "conditions": [not_acknowledged]},
        {"trigger": "advance", "source": "ack_confirm", "dest": "done"},
    ],
    finish=finish,
    forget_answers=True,
    allowed=in_area,
))
