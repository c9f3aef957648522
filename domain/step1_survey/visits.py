"""Step 1's home visit, recorded: what the 4ท interview's answers change in a household's records.

Nothing reaches the records until the family has acknowledged the causes; then the visit, the household, its
members and problems, and an audit entry for each change are returned together, to be stored in the one
transaction of that last answer. With consent refused only the refusal is recorded. New members, problems and
the visit have no id yet: their audit changes name the records, and get the ids when `bot.inbox.apply` stores
them. The answers are the interview's: its rosters `members`, `incomes` and `problems` are lists of dicts.

The problems on record are confirmed, solved or set aside as not a problem, new ones are opened, and a
dimension's note is kept once, on the visit. The household's income figure is the one the visit gave
(`income`), and it decides the "income below the line" problem, so the Family Folder never says the
income passes beside a problem saying it does not.
"""

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from core.i18n import gettext
from core.types import Context
from domain.labels import CAUSE_LABELS
from domain.step1_survey import households, income, problems
from domain.step1_survey.classification import can_work, suggest
from models import Household, Member, Problem, Visit

RECORD_LOCALE = "th"  # texts kept in the household's records (causes, reasons) are written in Thai


def acknowledger(answers: dict) -> str:
    """Who in the family acknowledged the causes: a member picked from the list, or someone else named."""
    if answers["ack_by"] == "other":
        return answers["ack_other"]
    return answers["members"][int(answers["ack_by"])]["m_name"]


def known_problems(household: Household) -> list[Problem]:
    """The household's problems still open, to be confirmed at a visit (the income line's is the figure's)."""
    return [p for p in household.problems if p.status in problems.OPEN and p.indicator != income.BELOW_LINE]


def picked(values: list | None) -> list:
    """A checklist's answer without its "none of these" option."""
    return [v for v in values or () if v != "none"]


def active(answers: dict) -> list[dict]:
    """The members still in the household (not marked removed)."""
    return [item for item in answers.get("members") or [] if item.get("m_status") != "remove"]


def able(members: list[dict]) -> list[int]:
    """Indexes of the members (not removed) who can work: ท2 asks about each of them."""
    return [i for i, item in enumerate(members) if item.get("m_status") != "remove" and can_work(item)]


@dataclass
class Recorded:
    """A recorded visit: what to store and the audit changes, and how many problems were found."""

    visit: Visit
    problems: int
    store: list = field(default_factory=list)
    audit: list = field(default_factory=list)


def record(ctx: Context, household: Household, answers: dict) -> Recorded:
    """The visit of `household` (in the interviewer's area: the caller checked) from the interview's answers."""
    changes = problems.Changes(ctx, household)
    before = _household_state(household)
    household.consent, household.updated_at = answers["consent"], ctx.now
    if not answers["consent"]:
        visit = Visit(household_id=household.id, staff_id=ctx.staff.id, visited_at=ctx.now, consent=False)
        found = []
    else:
        today = ctx.today
        created = _save_members(changes, household, answers)
        _save_income(household, answers, today)
        # each once: a draft from before the income line was the figure's may have picked it too
        found = list(dict.fromkeys([*_review_problems(changes, household, answers, today),
                                    *_save_problems(changes, household, answers, today),
                                    *problems.income_line(changes, household, today)]))
        suggested, reason, values = suggest(active(answers), today)
        visit = _visit_record(ctx, household, answers, suggested, _notes(answers, {p.dimension for p in found}))
        household.classification = answers["classify"]
        # No reason asked when the choice matched the suggestion then; a draft resumed after a birthday can
        # suggest otherwise now, so the reason may be missing.
        household.classification_reason = ((answers.get("override_reason") if answers["classify"] != suggested
                                            else None) or _record(reason, **values))
        household.status = "in_progress"
        household.head_name = next(item["m_name"] for item in active(answers) if item["m_relation"] == "head")
        changes.store += [*created, *(p for p in household.problems if p.id is None)]
    changes.log("visit.create", "visit", visit, after={
        "household": household.id, "consent": visit.consent, "classification": visit.classification,
        "suggested_classification": visit.suggested_classification, "acknowledged_by": visit.acknowledged_by})
    changes.log("household.update", "household", household.id, before=before, after=_household_state(household))
    return Recorded(visit, len(found), store=[household, visit, *changes.store], audit=changes.audit)


def _record(message: str, **values) -> str:
    return gettext(message, RECORD_LOCALE, **values)


def _snapshot(member: Member) -> dict:
    """A member as the audit log keeps it: the national ID masked."""
    return {
        "name": member.name, "national_id": households.masked_national_id(member), "sex": member.sex,
        "birth_date": member.birth_date.isoformat() if member.birth_date else None, "relation": member.relation,
        "education": member.education, "occupation": member.occupation,
        "monthly_income": f"{member.monthly_income:.2f}" if member.monthly_income is not None else None,
        "disabled": member.disabled, "bedridden": member.bedridden, "chronic_illness": member.chronic_illness,
        "welfare_card": member.welfare_card, "can_work": member.can_work,
    }


def _apply_member(member: Member, item: dict) -> None:
    national_id = item.get("m_national_id") or {}
    flags = item.get("m_flags") or []
    member.name = item["m_name"]
    member.national_id_hash, member.national_id_last = national_id.get("hash"), national_id.get("last")
    member.sex, member.relation, member.education = item.get("m_sex"), item.get("m_relation"), item.get("m_education")
    member.birth_date = date.fromisoformat(item["m_birth"]) if item.get("m_birth") else None
    member.occupation = item.get("m_occupation_other") if item.get("m_occupation") == "other" \
        else item.get("m_occupation")
    member.monthly_income = Decimal(item["m_income"]) if item.get("m_income") is not None else None
    member.disabled, member.bedridden = "disabled" in flags, "bedridden" in flags
    member.chronic_illness, member.welfare_card = "chronic" in flags, "welfare_card" in flags
    member.can_work = bool(item.get("m_can_work"))


def _save_members(changes: problems.Changes, household: Household, answers: dict) -> list[Member]:
    on_record = {member.id: member for member in household.members}
    created = []
    for item in answers.get("members") or []:
        member = on_record.get(item.get("id"))
        if member is not None and item.get("m_status") == "remove":
            changes.log("member.delete", "member", member.id, before=_snapshot(member))
            household.members.remove(member)
        elif member is not None:
            before = _snapshot(member)
            _apply_member(member, item)
            if _snapshot(member) != before:
                changes.log("member.update", "member", member.id, before=before, after=_snapshot(member))
        elif item.get("m_status") != "remove" and "id" not in item:
            member = Member()
            _apply_member(member, item)
            household.members.append(member)
            created.append(member)
    for member in created:
        changes.log("member.create", "member", member, after=_snapshot(member))
    return created


def _review_problems(changes: problems.Changes, household: Household, answers: dict, today: date) -> list[Problem]:
    """The problems on record as the family answered: still there (returned), solved, or not a problem."""
    on_record = {p.id: p for p in known_problems(household)}
    still = []
    for item in answers.get("problems") or []:
        problem = on_record.get(item.get("problem"))
        if problem is None or item.get("p_known") is None:
            continue
        if item["p_known"] == "still":
            still.append(problem)
            problems.log(changes, problem)
        else:
            problems.close(changes, problem, item["p_known"], today)
    return still


def _save_problems(changes: problems.Changes, household: Household, answers: dict, today: date) -> list[Problem]:
    """One open problem per indicator found now; one already open for the same indicator is kept instead."""
    found = []
    for item in answers.get("problems") or []:
        for indicator in picked(item.get("p_list")) if "problem" not in item else ():
            problem = next((p for p in household.problems if p.dimension == item["dimension"]
                            and p.indicator == indicator and p.status in problems.OPEN), None)
            if problem is None:
                problem = Problem(dimension=item["dimension"], indicator=indicator, status="open", opened_on=today)
                household.problems.append(problem)
            found.append(problem)
            problems.log(changes, problem)
    return found


def _save_income(household: Household, answers: dict, today: date) -> None:
    """The household's one income figure: the income sources', unless the volunteer chose another."""
    choice = answers.get("income_pick", "sources")
    figures = {"members": income.added_up(item.get("m_income") for item in active(answers)),
               "sources": income.added_up(item.get("i_amount") for item in answers.get("incomes") or []),
               "typed": Decimal(answers.get("income_typed") or 0)}
    household.monthly_income, household.income_basis, household.income_on = figures[choice], choice, today


def _notes(answers: dict, dimensions: set[str]) -> dict[str, str] | None:
    """Each dimension's note, once, where the dimension has problems (a note answered before the family
    changed its mind lingers in the answers)."""
    notes = {item["dimension"]: item["p_detail"] for item in answers.get("problems") or []
             if item.get("p_detail") and item["dimension"] in dimensions}
    return notes or None


def _visit_record(ctx: Context, household: Household, answers: dict, suggested: str,
                  problem_notes: dict[str, str] | None) -> Visit:
    items, classification = answers.get("members") or [], answers["classify"]
    return Visit(
        household_id=household.id, staff_id=ctx.staff.id, visited_at=ctx.now, consent=True,
        outlook={"outlook": answers["t1_outlook"], "willingness": answers["t1_willing"],
                 "note": answers.get("t1_note")},
        skills={"members": [{"name": items[i]["m_name"], "skills": picked(items[i].get("s_skills")),
                             "labour": items[i].get("s_labour"), "training": items[i].get("s_training")}
                            for i in able(items)]},
        resources={"land": answers["t3_land"], "rai": answers.get("t3_rai") if answers["t3_land"] != "none" else None,
                   "tools": picked(answers["t3_tools"]), "livestock": picked(answers["t3_livestock"]),
                   "savings": answers["t3_savings"], "debt_formal": answers["t3_debt_formal"],
                   "debt_informal": answers["t3_debt_informal"],
                   "incomes": [{"source": item["source"], "monthly": item["i_amount"]}
                               for item in answers.get("incomes") or []]},
        way_out={"words": answers["t4_words"], "category": answers["t4_category"], "causes": answers["causes"]},
        problem_notes=problem_notes,
        causes="\n".join(filter(None, [", ".join(_record(CAUSE_LABELS.get(c, c)) for c in answers["causes"]),
                                       answers.get("causes_note")])),
        suggested_classification=suggested, classification=classification,
        override_reason=answers.get("override_reason") if classification != suggested else None,
        acknowledged_by=acknowledger(answers), acknowledged_at=ctx.now,
    )


def _household_state(household: Household) -> dict:
    return {"classification": household.classification, "classification_reason": household.classification_reason,
            "consent": household.consent, "status": household.status, "head_name": household.head_name,
            "monthly_income": f"{household.monthly_income:.2f}" if household.monthly_income is not None else None,
            "income_basis": household.income_basis}
