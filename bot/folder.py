"""The Family Folder: one household's summary as a Flex card in the chat, and as a printable page.

The printable page is a LIFF page (`bot.liff`): the card's button links to the household, and the page
shows it only to the staff member LINE vouches for, while they are active and the household is in their
area (`households.get` goes through `bot.scope`); the link itself grants nothing, so a forwarded one
shows nothing to anyone else. National IDs only ever appear masked.
"""

from dataclasses import dataclass
from datetime import date

from flask import Blueprint, current_app, jsonify, render_template, request
from linebot.v3.messaging import (
    FlexBox,
    FlexBubble,
    FlexButton,
    FlexMessage,
    FlexSeparator,
    FlexText,
    PostbackAction,
    URIAction,
)
from sqlalchemy import select

from bot import audit, households, liff
from bot.thai import format_date, format_datetime, format_money, local_date
from dialogs.buttons import whole
from dialogs.engine import LABEL_LIMIT, N_, Context
from dialogs.labels import (
    CLASSIFICATION_LABELS,
    DIMENSION_LABELS,
    HOUSEHOLD_STATUS_LABELS,
    INDICATOR_LABELS,
    OCCUPATION_LABELS,
    PROBLEM_STATUS_LABELS,
    RELATION_LABELS,
    SEX_LABELS,
    SOURCE_LABELS,
    STAGE_LABELS,
    area_label,
    label_of,
)
from models import Household, LineUser, Member, Problem, Staff, Visit, db, utcnow
from models.household import DIMENSIONS

bp = Blueprint("folder", __name__)

CARD_MEMBERS = 8  # members listed on the card; the page lists them all
CARD_PROBLEMS = 3  # problems listed per dimension on the card
HEADER_COLOUR, BELOW_COLOUR, ABOVE_COLOUR, MUTED_COLOUR = "#1B5E20", "#C62828", "#2E7D32", "#757575"

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
    "visit": N_("Latest visit"),
    "consent": N_("Consent to keep personal data"),
    "consent_refused": N_("Refused: no personal data from this visit is kept."),
    "consent_given": N_("Yes, given"),
    "causes": N_("Causes of poverty"),
    "acknowledged": N_("Acknowledged by the family"),
    "printed": N_("Printed by %(name)s on %(time)s. Personal data: keep this page safe and destroy it when no "
                  "longer needed."),
    "print": N_("Print"),
}


@dataclass(frozen=True)
class Summary:
    """What both the card and the page show, in the reader's language."""

    title: str  # house number
    village: str
    head: str
    members: list[tuple[str, str]]  # name, masked national ID
    classification: str
    problems: list[tuple[str, list[tuple[str, str]]]]  # dimension label, [(problem, status label)], all five
    income: str
    below_line: bool | None
    visit: str


def summary(ctx: Context, household: Household) -> Summary:
    visit = latest_visit(household)
    return Summary(
        title=ctx._("House %(number)s", number=household.house_number),
        village=area_label(household.village_code, ctx),
        head=ctx._("Head of household: %(name)s", name=household.head_name),
        members=[(m.name, households.masked_national_id(m)) for m in household.members],
        classification=(ctx._(CLASSIFICATION_LABELS[household.classification])
                        if household.classification in CLASSIFICATION_LABELS else ctx._("Not classified yet")),
        problems=[(ctx._(DIMENSION_LABELS[dimension]),
                   [(problem_title(ctx, problem), ctx._(PROBLEM_STATUS_LABELS.get(problem.status, problem.status)))
                    for problem in household.problems if problem.dimension == dimension])
                  for dimension in DIMENSIONS],
        income=income_text(ctx, household),
        below_line=households.income(household).below_line,
        visit=(ctx._("Latest visit: %(date)s", date=format_date(_local_day(visit.visited_at), ctx.locale))
               if visit else ctx._("Not visited yet")),
    )


def problem_title(ctx: Context, problem: Problem) -> str:
    if problem.indicator:
        label = INDICATOR_LABELS.get(problem.indicator)
        return ctx._(label) if label else problem.indicator
    return problem.description or "-"


def latest_visit(household: Household) -> Visit | None:
    return db.session.scalar(select(Visit).where(Visit.household_id == household.id)
                             .order_by(Visit.visited_at.desc(), Visit.id.desc()).limit(1))


def income_text(ctx: Context, household: Household) -> str:
    found = households.income(household)
    if found.per_person_year is None:
        return ctx._("Income: not recorded yet")
    amount = format_money(found.per_person_year, ctx.locale)
    if found.line is None:
        return ctx._("Income %(amount)s per person per year (no poverty line is set for %(year)s)",
                     amount=amount, year=household.source_year)
    verdict = ctx._("below the line") if found.below_line else ctx._("at or above the line")
    return ctx._("Income %(amount)s per person per year; the basic-needs (จปฐ.) line is %(line)s: %(verdict)s",
                 amount=amount, line=format_money(found.line, ctx.locale), verdict=verdict)


def _local_day(moment) -> date:
    return local_date(moment, current_app.config["BOT_TIMEZONE"])


# ---- the Flex card ----------------------------------------------------------------------------------

def card(ctx: Context, household: Household) -> FlexMessage:
    """The household's Family Folder as one Flex bubble, with buttons to visit and to print it."""
    s = summary(ctx, household)
    body = [
        _section(ctx._("Members: %(count)s", count=len(s.members)),
                 [f"• {name}  {masked}" for name, masked in s.members[:CARD_MEMBERS]]
                 + _more(ctx, len(s.members) - CARD_MEMBERS)),
        _section(ctx._("Classification"), [s.classification]),
        _section(ctx._("Problems by dimension"), _problem_lines(ctx, s.problems)),
        _section(ctx._("Income"), [s.income],
                 colour=None if s.below_line is None else BELOW_COLOUR if s.below_line else ABOVE_COLOUR),
        FlexText(text=s.visit, size="sm", color=MUTED_COLOUR, wrap=True, margin="lg"),
    ]
    visit_label, print_label = ctx._("Home visit (4T)"), ctx._("Print folder")
    printable = liff.link("folder", household=household.id)
    bubble = FlexBubble(
        header=FlexBox(layout="vertical", backgroundColor=HEADER_COLOUR, paddingAll="lg", contents=[
            FlexText(text=s.title, weight="bold", size="lg", color="#FFFFFF", wrap=True),
            FlexText(text=s.village, size="sm", color="#FFFFFF", wrap=True),
            FlexText(text=s.head, size="sm", color="#FFFFFF", wrap=True),
        ]),
        body=FlexBox(layout="vertical", spacing="md", contents=body),
        footer=FlexBox(layout="vertical", spacing="sm", contents=[
            FlexButton(style="primary", color=HEADER_COLOUR, height="sm",
                       action=PostbackAction(label=visit_label[:LABEL_LIMIT], displayText=visit_label,
                                             data=f"menu=interview&household={household.id}")),
            FlexButton(style="secondary", height="sm",
                       action=URIAction(label=print_label[:LABEL_LIMIT], uri=printable)),
        ]),
    )
    alt = ctx._("Family folder: %(title)s, %(village)s", title=s.title, village=s.village)
    return FlexMessage(altText=alt[:400], contents=bubble)


def _section(title: str, lines: list[str], colour: str | None = None) -> FlexBox:
    texts = [FlexText(text=line, size="sm", wrap=True, **({"color": colour} if colour else {})) for line in lines]
    return FlexBox(layout="vertical", spacing="xs", contents=[
        FlexSeparator(), FlexText(text=title, weight="bold", size="sm", margin="md"), *texts])


def _problem_lines(ctx: Context, problems: list[tuple[str, list[tuple[str, str]]]]) -> list[str]:
    lines = []
    for dimension, found in problems:
        if found:
            lines.append(f"{dimension} ({len(found)})")
            lines += [f"  • {problem}: {status}" for problem, status in found[:CARD_PROBLEMS]]
            lines += _more(ctx, len(found) - CARD_PROBLEMS)
    return lines or [ctx._("No problems recorded yet")]


def _more(ctx: Context, hidden: int) -> list[str]:
    return [ctx._("… and %(count)s more in the printable folder", count=hidden)] if hidden > 0 else []


# ---- the printable page ----------------------------------------------------------------------------

@bp.post("/liff/api/folder")
def page():
    """The printable Family Folder of `?household=`, for the staff member LINE vouches for, if it is in their area."""
    staff = liff.viewer()
    try:
        household_id = whole(request.args.get("household"), 9)  # any size of number would overflow the column
        if household_id is None:
            raise households.NotFound
        household = households.get(staff, household_id)
    except households.NotFound:
        raise liff.Refused(403, N_("You do not have access to this household's folder.")) from None
    ctx = _reader(staff)
    t = {key: ctx._(text) for key, text in PAGE_TEXT.items()}
    s = summary(ctx, household)
    printed = t["printed"] % {"name": staff.name,
                              "time": format_datetime(utcnow(), ctx.locale, current_app.config["BOT_TIMEZONE"])}
    body = render_template("folder.html", t=t, s=s, printed=printed,
                           details=_details(ctx, t, household, s), members=_members(ctx, t, household),
                           problems=_problems(ctx, household), visit=_visit(ctx, t, household))
    db.session.add(audit.entry("folder.view", "household", household.id, staff_id=staff.id,
                               line_user_id=staff.line_user_id, household=household.id))
    db.session.commit()
    return liff.private(jsonify(lang=ctx.locale, title=f"{t['title']} · {s.title}", html=body))


def _reader(staff: Staff) -> Context:
    """The staff member as a reader: their language from LINE (Thai if unknown)."""
    line_user = db.session.get(LineUser, staff.line_user_id) if staff.line_user_id else None
    return Context(line_user=line_user or LineUser(language="th"), staff=staff, event_id=None, now=utcnow())


def _details(ctx: Context, t: dict, household: Household, s: Summary) -> list[tuple[str, str]]:
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


def _members(ctx: Context, t: dict, household: Household) -> list[dict]:
    today = _local_day(utcnow())
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


def _problems(ctx: Context, household: Household) -> list[tuple[str, list[dict]]]:
    """All five dimensions, each with its problems (an empty list reads "none recorded")."""
    def when(day: date | None) -> str:
        return format_date(day, ctx.locale) if day else "-"

    return [(ctx._(DIMENSION_LABELS[dimension]),
             [{"problem": problem_title(ctx, p), "detail": p.description if p.indicator else None,
               "agency": p.agency or "-", "status": ctx._(PROBLEM_STATUS_LABELS.get(p.status, p.status)),
               "opened": when(p.opened_on), "solved": when(p.solved_on)}
              for p in household.problems if p.dimension == dimension])
            for dimension in DIMENSIONS]


def _visit(ctx: Context, t: dict, household: Household) -> list[tuple[str, str]] | None:
    visit = latest_visit(household)
    if visit is None:
        return None
    rows = [(t["visit"], format_date(_local_day(visit.visited_at), ctx.locale)),
            (t["consent"], t["consent_given"] if visit.consent else t["consent_refused"])]
    if visit.causes:
        rows.append((t["causes"], visit.causes))
    if visit.acknowledged_by:
        when = format_date(_local_day(visit.acknowledged_at), ctx.locale) if visit.acknowledged_at else ""
        rows.append((t["acknowledged"], f"{visit.acknowledged_by} {when}".strip()))
    return rows
