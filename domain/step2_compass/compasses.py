"""A household's life compass: written with the family from the compass dialog's answers, as a new version
each time, and accepted in the MOU in the same transaction as its last answer.

The answers are the compass dialog's: rosters `goals` (one item per 3พ goal), `spending` (one per kind of
spending picked) and `activities` (one per activity picked in step 3's three parts), and plain answers for the
debts' repayment, the way out, the target and the MOU.
"""

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from sqlalchemy import bindparam, func, select

from core.i18n import gettext
from core.thai import format_date, format_money
from core.types import Context
from domain.access import audit
from domain.step1_survey import income
from domain.step2_compass.choices import ACTIVITY_STATUS_LABELS, GOALS, activity
from models import Compass, CompassActivity, Household, Staff, db

RECORD_LOCALE = "th"  # the labels of common answers are kept in the record in Thai, as the family agreed them


def current(household: Household) -> Compass | None:
    """The household's compass: its latest version the family accepted."""
    return db.session.scalar(_CURRENT, {"household": household.id})


# Built once: a check-in with progress asks it (bench.checkin: building the statement again cost a fifth of it).
_CURRENT = (select(Compass).where(Compass.household_id == bindparam("household"), Compass.accepted_at.is_not(None))
            .order_by(Compass.version.desc()).limit(1))


def versions(household: Household) -> int:
    return db.session.scalar(select(func.count()).select_from(Compass).where(Compass.household_id == household.id))


def goal_text(item: dict) -> str:
    """A goal as the family agreed it: typed, or a common one's label."""
    if item.get("g_pick") == "other":
        return item["g_text"]
    return gettext(dict(GOALS[item["goal"]][1])[item["g_pick"]], RECORD_LOCALE)


def activity_text(item: dict) -> str:
    found = activity(item["part"], item["kind"])
    return item["a_text"] if found is None else gettext(found[1], RECORD_LOCALE)


def _repayment(answers: dict) -> Decimal | None:
    """The debts' monthly repayment: given as a kind of spending, or asked after the spending."""
    spent = {item["kind"]: item["s_amount"] for item in answers.get("spending") or []}
    given = spent.get("debt", answers.get("d_repay"))
    return Decimal(given) if given is not None else None


@dataclass
class Written:
    compass: Compass
    store: list = field(default_factory=list)
    audit: list = field(default_factory=list)


def record(ctx: Context, household: Household, answers: dict, who_by_code: dict[str, str]) -> Written:
    """The compass of `household` (in the writer's area: the caller checked), accepted now. `who_by_code`
    names the answers of "who does it" (a member's index, "family", an agency's code)."""
    compass = Compass(
        household_id=household.id, version=versions(household) + 1, classification=household.classification,
        goals={item["goal"]: goal_text(item) for item in answers.get("goals") or []},
        spending={item["kind"]: item["s_amount"] for item in answers.get("spending") or []} or None,
        debt_repayment=_repayment(answers),
        way_out=({"plan": answers.get("o_text") or answers.get("@way_out"), "extra_income": answers.get("o_extra")}
                 if answers.get("o_plan") else None),
        target_per_person_year=Decimal(answers["t_income"]) if answers.get("t_income") else None,
        target_date=date.fromisoformat(answers["t_date"]) if answers.get("t_date") else None,
        reason=answers.get("r_reason"), created_by=ctx.staff.id, created_at=ctx.now,
        representative=who_by_code.get(answers["m_rep"], answers.get("m_rep_other")), team=answers["m_team"],
        accepted_at=ctx.now, accepted_by=ctx.staff.id,
    )
    previous = current(household)
    for item in answers.get("activities") or []:
        found = activity(item["part"], item["kind"])
        compass.activities.append(CompassActivity(
            part=item["part"], kind=item["kind"], text=activity_text(item), who=who_by_code[item["a_who"]],
            target_month=date.fromisoformat(item["a_month"] + "-01"),
            sign=gettext(found[2], RECORD_LOCALE) if found else item.get("a_sign"),
            agency=item["a_who"] if item["part"] == "government" else None, support=item.get("a_support"),
            status="not_started"))
    carried_status(previous, compass)
    action = "compass.create" if previous is None else "compass.revise"
    change = audit.change(ctx, action, "compass", compass, household=household.id, after={
        "version": compass.version, "goals": compass.goals, "activities": len(compass.activities),
        "target_per_person_year": answers.get("t_income"), "representative": compass.representative,
        "reason": compass.reason})
    return Written(compass, store=[compass], audit=[change])




def card_lines(ctx: Context, compass: Compass, household: Household) -> list[str]:
    """The compass in a few lines, as the Family Folder card shows it: goals, the target against today's
    income, and each activity with its status."""
    lines = [f"• {goal}" for goal in compass.goals.values()]
    if compass.version > 1:
        lines.insert(0, ctx._("Revised %(count)s times", count=compass.version - 1))
    if compass.target_per_person_year is not None:
        today = income.of(household).per_person_year
        lines.append(ctx._("Target %(target)s per person per year by %(date)s; today %(today)s",
                           target=format_money(compass.target_per_person_year, ctx.locale),
                           date=format_date(compass.target_date, ctx.locale) if compass.target_date else "-",
                           today=format_money(today, ctx.locale) if today is not None else "-"))
    lines += [f"  – {a.text}: {ctx._(ACTIVITY_STATUS_LABELS.get(a.status, a.status))}" for a in compass.activities]
    return lines


def as_answers(compass: Compass, who_codes: dict[str, str], way_out: str | None) -> dict:
    """A compass version as the compass dialog's answers, so a revision offers each earlier answer to keep.
    `who_codes`: the codes of the names kept in the record (members, "the whole family", agencies)."""
    answers: dict = {"m_team": compass.team, "goals": [], "activities": []}
    for goal, text in compass.goals.items():
        common = {gettext(label, RECORD_LOCALE): code for code, label in GOALS.get(goal, ("", []))[1]}
        answers["goals"].append({"goal": goal, "g_pick": common.get(text, "other"),
                                 **({} if text in common else {"g_text": text})})
    spending = compass.spending or {}
    answers["s_kinds"] = list(spending) or ["none"]
    answers["spending"] = [{"kind": kind, "s_amount": amount} for kind, amount in spending.items()]
    if compass.debt_repayment is not None and "debt" not in spending:
        answers["d_repay"] = str(compass.debt_repayment)
    if compass.way_out:
        plan = compass.way_out.get("plan")
        answers.update({"o_plan": "t4"} if plan == way_out else {"o_plan": "other", "o_text": plan})
        answers["o_extra"] = compass.way_out.get("extra_income")
    for part in ("self", "community", "government"):
        answers[f"a_{part}"] = [a.kind for a in compass.activities if a.part == part] or ["none"]
    for a in compass.activities:
        item = {"part": a.part, "kind": a.kind, "a_who": who_codes.get(a.who, a.who),
                "a_month": a.target_month.isoformat()[:7]}
        if activity(a.part, a.kind) is None:
            item.update(a_text=a.text, a_sign=a.sign)
        if a.support:
            item["a_support"] = a.support
        answers["activities"].append(item)
    if compass.target_per_person_year is not None:
        answers["t_income"] = int(compass.target_per_person_year)
        answers["t_date"] = compass.target_date.isoformat() if compass.target_date else None
    rep = who_codes.get(compass.representative)
    answers.update({"m_rep": rep} if rep else {"m_rep": "other", "m_rep_other": compass.representative})
    return answers


def carried_status(previous: Compass | None, compass: Compass) -> None:
    """A revision keeps each activity's progress: the status of the same activity in the version before."""
    if previous is None:
        return
    before = {(a.part, a.kind, a.text): a for a in previous.activities}
    for a in compass.activities:
        earlier = before.get((a.part, a.kind, a.text))
        if earlier is not None:
            a.status, a.status_reason = earlier.status, earlier.status_reason


def history(ctx: Context, household: Household) -> list[dict]:
    """Every version of the household's compass, the latest first: when, by whom, why, with its MOU's link."""
    found = db.session.scalars(select(Compass).where(Compass.household_id == household.id)
                               .order_by(Compass.version.desc()))
    return [{"version": c.version, "date": format_date(ctx.day_of(c.accepted_at or c.created_at), ctx.locale),
             "by": (db.session.get(Staff, c.created_by).name if c.created_by else "-"), "reason": c.reason or "-",
             "mou": f"mou?household={household.id}&version={c.version}"} for c in found]


def attach_photo(ctx: Context, household: Household, compass: Compass, photo_id: int) -> audit.Change:
    """Keep the photo of the signed MOU with its compass version (a later photo replaces an earlier one)."""
    before = {"photo": compass.photo_id}
    compass.photo_id = photo_id
    return audit.change(ctx, "compass.photo", "compass", compass, household=household.id, before=before,
                        after={"photo": photo_id})
