"""The Family Folder's data: one household's summary, as the chat's card and the printable page show it, in the
reader's language. National IDs only ever appear masked."""

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from sqlalchemy import Select, select

from core.i18n import N_
from core.thai import format_date, format_land, format_money
from core.types import Context
from domain.labels import (
    CLASSIFICATION_LABELS,
    DIMENSION_LABELS,
    HOUSEHOLD_STATUS_LABELS,
    INCOME_SOURCE_LABELS,
    INDICATOR_LABELS,
    LABOUR_LABELS,
    LAND_LABELS,
    LIVESTOCK_LABELS,
    OCCUPATION_LABELS,
    OUTLOOK_LABELS,
    PROBLEM_STATUS_LABELS,
    RELATION_LABELS,
    SEX_LABELS,
    SKILL_LABELS,
    SOURCE_LABELS,
    STAGE_LABELS,
    TOOL_LABELS,
    WAY_OUT_LABELS,
    WILLINGNESS_LABELS,
    area_label,
    label_of,
    position_label,
)
from domain.step1_survey import households, income
from models import Household, Member, Problem, Staff, Visit, db
from models.household import DIMENSIONS

NOT_ONE = "not_a_problem"  # a problem on record the family said was never one: the page keeps it, the card not

# What the printable page says; English msgids, translated into the reader's language when it opens.
FOLDER_TITLE = N_("Family Folder")
PAGE_TEXT = {
    "title": FOLDER_TITLE,
    "house_code": N_("House code"),
    "source": N_("Source"),
    "status": N_("Status"),
    "stage": N_("Stage"),
    "classification": N_("Classification"),
    "reason": N_("Reason"),
    "members": N_("Members"),
    "name": N_("Name"),
    "relation": N_("Relation"),
    "national_id": N_("National ID"),
    "age": N_("Age"),
    "sex": N_("Sex"),
    "occupation": N_("Occupation"),
    "monthly_income": N_("Income per month"),
    "notes": N_("Notes"),
    "disabled": N_("disabled"),
    "bedridden": N_("bedridden"),
    "chronic_illness": N_("chronic illness"),
    "welfare_card": N_("state welfare card"),
    "cannot_work": N_("cannot work"),
    "income": N_("Income against the poverty line"),
    "problems": N_("Problems by dimension"),
    "problem": N_("Problem"),
    "agency": N_("Responsible agency"),
    "opened": N_("Found on"),
    "solved_on": N_("Solved on"),
    "none": N_("None recorded"),
    "interview": N_("4T answers"),
    "not_interviewed": N_("No 4T interview with the family's consent yet"),
    "t1": N_("T1 Outlook"),
    "outlook": N_("Outlook on life and work"),
    "willingness": N_("Willingness to change"),
    "own_words": N_("In the family's own words"),
    "t2": N_("T2 Skills"),
    "skills": N_("Skills"),
    "labour": N_("Work"),
    "training": N_("Training or work wanted"),
    "nobody_works": N_("No member can work"),
    "t3": N_("T3 Resources"),
    "land": N_("Farm land"),
    "tools": N_("Tools and vehicles"),
    "livestock": N_("Farm animals"),
    "savings": N_("Savings"),
    "debt_formal": N_("Debts in the formal system"),
    "debt_informal": N_("Debts outside the system"),
    "income_sources": N_("Monthly income by source"),
    "t4": N_("T4 Way out"),
    "way_out": N_("The way out, in the family's words"),
    "way_out_kind": N_("Kind of way out"),
    "causes": N_("Causes of poverty"),
    "acknowledged": N_("Acknowledged by the family"),
    "visits": N_("Home visits"),
    "date": N_("Date"),
    "visited_by": N_("Visited by"),
    "consent": N_("Consent to keep personal data"),
    "consent_refused": N_("Refused: no personal data from this visit is kept."),
    "consent_given": N_("Yes, given"),
    "printed": N_("Printed by %(name)s on %(time)s. Personal data: keep this page safe and destroy it when no "
                  "longer needed."),
    "print": N_("Print"),
}


@dataclass(frozen=True)
class MemberSkills:
    """ท2 for one member who can work."""

    name: str
    skills: str
    labour: str
    training: str | None


@dataclass(frozen=True)
class Interview:
    """The 4ท answers of the latest visit the family consented to, in the reader's language."""

    heading: str  # which visit they come from: "4T answers, visit of <date>"
    outlook: str  # ท1
    willingness: str
    outlook_note: str | None
    skills: list[MemberSkills]  # ท2: each member who could work then
    land: str  # ท3: "มีที่ดินของตนเอง 3 ไร่ 2 งาน 50 ตารางวา"
    tools: str
    livestock: str
    savings: str
    debt_formal: str
    debt_informal: str
    incomes: list[tuple[str, str]]  # source, amount a month
    way_out: str  # ท4, in the family's words
    way_out_kind: str
    causes: str | None
    acknowledged: str | None  # who in the family, and when


@dataclass(frozen=True)
class Summary:
    """What both the card and the page show, in the reader's language."""

    title: str  # house number
    village: str
    head: str
    members: list[tuple[str, str]]  # name, masked national ID
    classification: str
    reason: str | None  # why it was classified so
    problems: list[tuple[str, list[tuple[str, str]]]]  # dimension label, [(problem, status label)], all five
    no_problem: str  # what a dimension without problems reads: found none at a visit, or not checked yet
    income: str
    below_line: bool | None
    interview: Interview | None
    visit: str  # the latest visit: when, and who made it


def summary(ctx: Context, household: Household) -> Summary:
    visit, interviewed = latest_visit(household), latest_visit(household, consented=True)
    return Summary(
        title=ctx._("House %(number)s", number=household.house_number),
        village=area_label(household.village_code, ctx),
        head=ctx._("Head of household: %(name)s", name=household.head_name),
        members=[(m.name, households.masked_national_id(m)) for m in household.members],
        classification=(ctx._(CLASSIFICATION_LABELS[household.classification])
                        if household.classification in CLASSIFICATION_LABELS else ctx._("Not classified yet")),
        reason=household.classification_reason,
        problems=[(ctx._(DIMENSION_LABELS[dimension]),
                   [(problem_title(ctx, problem), ctx._(PROBLEM_STATUS_LABELS.get(problem.status, problem.status)))
                    for problem in household.problems if problem.dimension == dimension and problem.status != NOT_ONE])
                  for dimension in DIMENSIONS],
        # Every interview the family consented to went through all five dimensions (the interview's
        # PROBLEMS loop), so a dimension without problems was checked and found none.
        no_problem=(ctx._("No problem found at the home visit") if interviewed
                    else ctx._("Not checked at a home visit yet")),
        income=income_text(ctx, household),
        below_line=verdict(household),
        interview=interview(ctx, interviewed) if interviewed else None,
        visit=_latest_visit_text(ctx, visit),
    )


def _latest_visit_text(ctx: Context, visit: Visit | None) -> str:
    if visit is None:
        return ctx._("Not visited yet")
    day, by = format_date(ctx.day_of(visit.visited_at), ctx.locale), visitor(ctx, visit)
    return (ctx._("Latest visit: %(date)s, by %(visitor)s", date=day, visitor=by) if by
            else ctx._("Latest visit: %(date)s", date=day))


def visitor(ctx: Context, visit: Visit) -> str | None:
    """Who made the visit: "name (position)"."""
    staff = db.session.get(Staff, visit.staff_id) if visit.staff_id else None
    return f"{staff.name} ({position_label(staff.position, ctx)})" if staff else None


def interview(ctx: Context, visit: Visit) -> Interview:
    """The 4ท answers `visits._visit_record` kept, with their codes named and amounts and land formatted."""
    outlook, resources, way_out = visit.outlook or {}, visit.resources or {}, visit.way_out or {}

    def money(amount) -> str:
        return format_money(Decimal(amount), ctx.locale) if amount is not None else "-"

    def named(labels: dict, values: list | None) -> str:  # a tick list; "none of these" is kept as no value
        return ", ".join(label_of(labels, value, ctx) for value in values or ()) or ctx._(labels["none"])

    land = label_of(LAND_LABELS, resources.get("land"), ctx)
    return Interview(
        heading=ctx._("4T answers, visit of %(date)s", date=format_date(ctx.day_of(visit.visited_at), ctx.locale)),
        outlook=label_of(OUTLOOK_LABELS, outlook.get("outlook"), ctx),
        willingness=label_of(WILLINGNESS_LABELS, outlook.get("willingness"), ctx),
        outlook_note=outlook.get("note"),
        skills=[MemberSkills(name=item["name"], skills=named(SKILL_LABELS, item.get("skills")),
                             labour=label_of(LABOUR_LABELS, item.get("labour"), ctx), training=item.get("training"))
                for item in (visit.skills or {}).get("members", ())],
        land=f"{land} {format_land(resources['rai'], ctx.locale)}" if resources.get("rai") else land,
        tools=named(TOOL_LABELS, resources.get("tools")),
        livestock=named(LIVESTOCK_LABELS, resources.get("livestock")),
        savings=money(resources.get("savings")),
        debt_formal=money(resources.get("debt_formal")),
        debt_informal=money(resources.get("debt_informal")),
        incomes=[(label_of(INCOME_SOURCE_LABELS, item["source"], ctx), money(item.get("monthly")))
                 for item in resources.get("incomes", ())],
        way_out=way_out.get("words") or "-",
        way_out_kind=label_of(WAY_OUT_LABELS, way_out.get("category"), ctx),
        causes=visit.causes,
        acknowledged=(f"{visit.acknowledged_by} {format_date(ctx.day_of(visit.acknowledged_at), ctx.locale)}"
                      if visit.acknowledged_by and visit.acknowledged_at else visit.acknowledged_by),
    )


def problem_title(ctx: Context, problem: Problem) -> str:
    return indicator_title(ctx, problem.indicator, problem.description)


def indicator_title(ctx: Context, indicator: str | None, description: str | None) -> str:
    """A problem's name: its indicator's label, or the words it was recorded in."""
    if indicator:
        label = INDICATOR_LABELS.get(indicator)
        return ctx._(label) if label else indicator
    return description or "-"


def visits(household: Household, consented: bool = False) -> Select:
    """The household's visits, the latest first; only those the family consented to if `consented`."""
    query = select(Visit).where(Visit.household_id == household.id)
    if consented:
        query = query.where(Visit.consent.is_(True))
    return query.order_by(Visit.visited_at.desc(), Visit.id.desc())


def latest_visit(household: Household, consented: bool = False) -> Visit | None:
    return db.session.scalar(visits(household, consented).limit(1))


INCOME_BASIS_LABELS = {
    "members": N_("the members' incomes added up"),
    "sources": N_("the household's income sources"),
    "typed": N_("the figure the volunteer confirmed"),
}


def verdict(household: Household) -> bool | None:
    """Whether the income is below the line; None when unknown, or when the figure passes but a problem on
    record says it does not (a จปฐ. record not yet checked at a visit): the folder then says neither."""
    below = income.of(household).below_line
    if below is False and any(p.indicator == income.BELOW_LINE and p.status in ("open", "in_progress")
                              for p in household.problems):
        return None
    return below


def income_text(ctx: Context, household: Household) -> str:
    found = income.of(household)
    if found.per_person_year is None:
        return ctx._("Income: not recorded yet")
    where = ctx._(INCOME_BASIS_LABELS.get(found.basis, found.basis))
    if found.given_on:
        where = ctx._("%(basis)s, %(date)s", basis=where, date=format_date(found.given_on, ctx.locale))
    figure = ctx._("Household income %(monthly)s a month (%(basis)s): %(amount)s per person per year",
                   monthly=format_money(found.monthly, ctx.locale), basis=where,
                   amount=format_money(found.per_person_year, ctx.locale))
    if found.line is None:
        return ctx._("%(figure)s; no poverty line is set for that year", figure=figure)
    below = verdict(household)
    judged = (ctx._("to be checked at the next visit: the basic-needs (จปฐ.) record says below the line")
              if below is None else ctx._("below the line") if below else ctx._("at or above the line"))
    return ctx._("%(figure)s; the basic-needs (จปฐ.) line is %(line)s: %(verdict)s", figure=figure,
                 line=format_money(found.line, ctx.locale), verdict=judged)


def detail_rows(ctx: Context, t: dict, household: Household, s: Summary) -> list[tuple[str, str]]:
    """The household's facts shown at the top of the page, as (label, value)."""
    source = ctx._(SOURCE_LABELS.get(household.source, household.source))
    rows = [
        (t["house_code"], household.house_code or "-"),
        (t["source"], f"{source} {household.source_year}"),
        (t["status"], ctx._(HOUSEHOLD_STATUS_LABELS.get(household.status, household.status))),
        (t["stage"], ctx._(STAGE_LABELS[household.stage]) if household.stage in STAGE_LABELS else "-"),
        (t["classification"], s.classification),
    ]
    if household.classification_reason:
        rows.append((t["reason"], household.classification_reason))
    return rows


def member_rows(ctx: Context, t: dict, household: Household) -> list[dict]:
    today = ctx.today
    return [{
        "name": m.name,
        "relation": label_of(RELATION_LABELS, m.relation, ctx),
        "national_id": households.masked_national_id(m),
        "age": _age(m, today),
        "sex": ctx._(SEX_LABELS[m.sex]) if m.sex in SEX_LABELS else "-",
        "occupation": label_of(OCCUPATION_LABELS, m.occupation, ctx),
        "income": format_money(m.monthly_income, ctx.locale) if m.monthly_income is not None else "-",
        "notes": ", ".join([t[flag] for flag in ("disabled", "bedridden", "chronic_illness", "welfare_card")
                            if getattr(m, flag)] + ([] if m.can_work else [t["cannot_work"]])) or "-",
    } for m in household.members]


def _age(member: Member, today: date) -> str:
    born = member.birth_date
    if born is None:
        return "-"
    return str(today.year - born.year - ((today.month, today.day) < (born.month, born.day)))


def problem_rows(ctx: Context, household: Household) -> list[tuple[str, list[dict]]]:
    """All five dimensions, each with its problems (an empty list reads "none recorded")."""
    def when(day: date | None) -> str:
        return format_date(day, ctx.locale) if day else "-"

    return [(ctx._(DIMENSION_LABELS[dimension]),
             [{"problem": problem_title(ctx, p), "detail": p.description if p.indicator else None,
               "agency": p.agency or "-", "status": ctx._(PROBLEM_STATUS_LABELS.get(p.status, p.status)),
               "opened": when(p.opened_on), "solved": when(p.solved_on)}
              for p in household.problems if p.dimension == dimension])
            for dimension in DIMENSIONS]


def problem_notes(ctx: Context, household: Household) -> dict[str, str]:
    """Each dimension's note from the latest consented visit, by the dimension's label: said once, above its
    problems."""
    visit = latest_visit(household, consented=True)
    notes = (visit.problem_notes or {}) if visit else {}
    return {ctx._(DIMENSION_LABELS[d]): note for d, note in notes.items() if d in DIMENSION_LABELS}


def visit_history(ctx: Context, t: dict, household: Household) -> list[dict]:
    """Every visit, the latest first: when, who made it, whether the family consented, how it classified."""
    return [{"date": format_date(ctx.day_of(visit.visited_at), ctx.locale), "by": visitor(ctx, visit) or "-",
             "consent": t["consent_given"] if visit.consent else t["consent_refused"],
             "classification": label_of(CLASSIFICATION_LABELS, visit.classification, ctx)}
            for visit in db.session.scalars(visits(household))]
