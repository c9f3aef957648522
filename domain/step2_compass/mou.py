"""The printable MOU of a compass version: the household, the 3พ goals, the activities of step 3's three parts,
the income target against today's and the จปฐ. line, and places to sign for the family and the team, in the
reader's language (an A4 page, `bot.mou`)."""

from decimal import Decimal

from core.i18n import N_
from core.thai import format_date, format_money, format_month
from core.types import Context
from domain.labels import area_label
from domain.step1_survey import income
from domain.step2_compass.choices import ACTIVITY_STATUS_LABELS, GOALS, PART_LABELS
from models import Compass, Household, Staff, db

PAGE_TEXT = {
    "title": N_("Memorandum of understanding: life compass"),
    "version": N_("Version %(version)s, agreed on %(date)s"),
    "between": N_("Between the household of house no. %(number)s, %(village)s, represented by %(name)s, and the "
                  "poverty-alleviation operations team: %(team)s."),
    "goals": N_("Goals toward 3พ"),
    "activities": N_("What each side will do"),
    "what": N_("Activity"),
    "who": N_("Who"),
    "month": N_("By"),
    "sign": N_("Progress seen in"),
    "support": N_("Support asked for"),
    "status": N_("Status"),
    "way_out": N_("The way out"),
    "extra_income": N_("expected extra income %(amount)s a month"),
    "target": N_("Income target"),
    "target_text": N_("%(target)s per person per year by %(date)s; today %(today)s; the basic-needs (จปฐ.) line "
                      "%(line)s"),
    "commitment": N_("Both sides agree to act on this compass together and to review it with the caretaker."),
    "family_sign": N_("For the family"),
    "team_sign": N_("For the operations team"),
    "signed": N_("(signed)"),
    "recorded": N_("Recorded in the chat by %(name)s on %(date)s."),
    "print": N_("Print"),
}


def page(ctx: Context, household: Household, compass: Compass) -> dict:
    """What the MOU page shows, its texts translated for the reader."""
    t = {key: ctx._(text) for key, text in PAGE_TEXT.items()}
    accepted = ctx.day_of(compass.accepted_at or compass.created_at)
    recorder = db.session.get(Staff, compass.accepted_by) if compass.accepted_by else None
    found = income.of(household)
    return {
        "t": t,
        "version": ctx._(PAGE_TEXT["version"], version=compass.version, date=format_date(accepted, ctx.locale)),
        "between": ctx._(PAGE_TEXT["between"], number=household.house_number,
                         village=area_label(household.village_code, ctx), name=compass.representative or "-",
                         team=compass.team or "-"),
        "goals": [(ctx._(GOALS[key][0]) if key in GOALS else key, text) for key, text in compass.goals.items()],
        "way_out": _way_out(ctx, compass),
        "parts": [(ctx._(label), [{
            "what": a.text, "who": a.who, "month": format_month(a.target_month, ctx.locale), "sign": a.sign or "-",
            "support": a.support or "", "status": ctx._(ACTIVITY_STATUS_LABELS.get(a.status, a.status)),
        } for a in compass.activities if a.part == part]) for part, label in PART_LABELS.items()],
        "target": None if compass.target_per_person_year is None else ctx._(
            PAGE_TEXT["target_text"], target=format_money(compass.target_per_person_year, ctx.locale),
            date=format_date(compass.target_date, ctx.locale) if compass.target_date else "-",
            today=format_money(found.per_person_year, ctx.locale) if found.per_person_year is not None else "-",
            line=format_money(found.line, ctx.locale) if found.line else ctx._("not set for this year")),
        "representative": compass.representative or "",
        "team": [name.strip() for name in (compass.team or "").split(",") if name.strip()],
        "recorded": ctx._(PAGE_TEXT["recorded"], name=recorder.name if recorder else "-",
                          date=format_date(accepted, ctx.locale)),
    }


def _way_out(ctx: Context, compass: Compass) -> str | None:
    way_out = compass.way_out or {}
    if not way_out.get("plan"):
        return None
    extra = way_out.get("extra_income")
    return way_out["plan"] + (f" ({ctx._(PAGE_TEXT['extra_income'], amount=format_money(Decimal(extra), ctx.locale))})"
                              if extra else "")
