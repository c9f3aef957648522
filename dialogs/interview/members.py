"""The member roster of the 4ท interview: the members on record reviewed one by one, new members added,
one member edited or removed, and the checks that keep the list whole (one head, no ID twice, every
member's details complete).

Members are the items of `MEMBERS`: those on record (with "id") first, then new ones. A member's
"m_status" is keep, edit or remove. The loops over them are declared with the dialog (`__init__`); the
functions here say which members each loop visits.
"""

from datetime import date

from core.i18n import N_
from core.types import Context, Invalid
from dialogs.interview.options import MEMBER_FLAGS, OCCUPATIONS, RELATIONS, label
from dialogs.roster import Roster
from domain.step1_survey import households, visits
from domain.step1_survey.classification import age_on
from domain.step1_survey.visits import picked
from models import Household, Member, db

MAX_MEMBERS = 30


def member_heading(ctx: Context, answers: dict) -> str:
    """Which member a question is about, and where the running loop is (see the loops' names in `__init__`)."""
    name, loop = MEMBERS.current(answers).get("m_name"), MEMBERS.loop(answers)
    number, count = MEMBERS.position(answers)
    if loop in ("review", "add"):
        heading = (ctx._("Member %(number)s of %(count)s on record", number=number, count=count) if loop == "review"
                   else ctx._("New member %(number)s of %(count)s", number=number, count=count))
        return f"{heading}: {name}" if name else heading
    if loop == "skills":
        return ctx._("Skills and work: %(name)s (%(number)s of %(count)s who can work)", name=name,
                     number=number, count=count)
    return ctx._("Member: %(name)s", name=name) if name else ctx._("New member")


def on_record_as_items(answers: dict) -> list[dict]:
    """The household's members on record, the roster's first items."""
    household = db.session.get(Household, answers["@household"])
    return [_member_item(m) for m in household.members]


MEMBERS = Roster("members", heading=member_heading, load=on_record_as_items)


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


def active_members(answers: dict) -> list[tuple[int, dict]]:
    """The members not removed, with their indexes in the roster."""
    return [(i, item) for i, item in enumerate(MEMBERS.items(answers)) if item.get("m_status") != "remove"]


# ---- which members each loop visits (indexes into the roster's items) --------------------------------

def on_record(items: list[dict], answers: dict) -> list[int]:
    return [i for i, item in enumerate(items) if "id" in item]


def first_new(answers: dict) -> list[dict]:
    """New members follow those on record; answering the count again drops any beyond it."""
    return MEMBERS.items(answers)[:len(on_record(MEMBERS.items(answers), answers)) + answers["add_count"]]


def new_ones(items: list[dict], answers: dict) -> list[int]:
    first = len(on_record(items, answers))
    return list(range(first, first + answers["add_count"]))


def one_more(items: list[dict], answers: dict) -> list[int]:
    return [len(items)]


def the_one_picked(items: list[dict], answers: dict) -> list[int]:
    return [int(answers["roster_pick"])]


def able(items: list[dict], answers: dict) -> list[int]:
    """The members who can work: ท2 asks about each of them (the loop's `visit`)."""
    return visits.able(items)


# ---- conditions ---------------------------------------------------------------------------------------

def editing(ctx: Context, answers: dict) -> bool:
    return MEMBERS.current(answers).get("m_status") == "edit"


def other_occupation(ctx: Context, answers: dict) -> bool:
    return MEMBERS.current(answers).get("m_occupation") == "other"


def wants_to_add(ctx: Context, answers: dict) -> bool:
    return answers.get("roster_check") == "add"


def wants_to_change(ctx: Context, answers: dict) -> bool:
    return answers.get("roster_check") == "change"


# ---- prompts, options and checks -----------------------------------------------------------------------

def member_line(ctx: Context, item: dict, today: date) -> str:
    parts = [ctx._(label(RELATIONS, item["m_relation"])) if item.get("m_relation") else None]
    age = age_on(item, today)
    if age is not None:
        parts.append(ctx._("%(age)s years", age=age))
    flags = picked(item.get("m_flags"))
    parts += [ctx._(label(MEMBER_FLAGS, flag)) for flag in flags if flag != "welfare_card"]
    details = ", ".join(p for p in parts if p)
    name = item.get("m_name") or ctx._("(no name yet)")  # a call outside the f-string, where extraction sees it
    return name + (f" ({details})" if details else "")


def _roster_list(ctx: Context, answers: dict) -> str:
    return "\n".join(f"{n}. {member_line(ctx, item, ctx.today)}"
                     for n, (_i, item) in enumerate(active_members(answers), 1))


def status_prompt(ctx: Context, answers: dict) -> str:
    item = MEMBERS.current(answers)
    return ctx._("%(member)s\nIs this still correct?", member=member_line(ctx, item, ctx.today))


def count_prompt(ctx: Context, answers: dict) -> str:
    if active_members(answers):
        return ctx._("Members now:\n%(members)s\n\nHow many more people live in this household who are not on the "
                     "list? Type 0 if none.", members=_roster_list(ctx, answers))
    return ctx._("How many people live in this household, including the head?")


def check_count(count: int, ctx: Context, answers: dict) -> int:
    if count == 0 and not active_members(answers):
        raise Invalid(N_("A household has at least one member. Please type how many people live here."))
    if len(active_members(answers)) + count > MAX_MEMBERS:
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
    members = [item for _i, item in active_members(answers)]
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
    items = list(enumerate(MEMBERS.items(answers)))
    return [(str(i), apart(ctx, items, item) + member_line(ctx, item, ctx.today)
             + ("" if item.get("m_status") != "remove" else " " + ctx._("[removed]"))) for i, item in items]


def apart(ctx: Context, items: list[tuple[int, dict]], item: dict) -> str:
    """What tells a member from another of the same name, put first so that a button cut to 20 characters
    still shows it: their age (or relation), e.g. "70 ปี · "; nothing for a name no one else has."""
    if sum(other.get("m_name") == item.get("m_name") for _i, other in items) < 2:
        return ""
    age = age_on(item, ctx.today)
    told = (ctx._("%(age)s years", age=age) if age is not None
            else ctx._(label(RELATIONS, item["m_relation"])) if item.get("m_relation") else "")
    return f"{told} · " if told else ""


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


def check_relation(relation: str, ctx: Context, answers: dict) -> str:
    index = MEMBERS.index(answers)
    head = next((item for i, item in active_members(answers) if i != index and item.get("m_relation") == "head"), None)
    if relation == "head" and head is not None:
        raise Invalid(N_("%(name)s is already the head of this household. Please choose another relation, or "
                         "change %(name)s first."), name=head.get("m_name"))
    return relation
