"""ท3 resources and the problems in TPMAP's five dimensions: land in rai, one amount per income source
picked, the household's one income figure, and the problems of each dimension in turn (the rosters `INCOMES`
and `PROBLEMS_BY_DIMENSION`).

A dimension starts with the problems already on record (e.g. imported from the จปฐ. list), one item each,
asked still / solved / not a problem, so none is entered twice in other words; then one item for the
problems found now. Income below the line is not asked: the household's income figure decides it
(`visits.record`).
"""

from decimal import Decimal

from core import validators
from core.thai import format_date, format_money
from core.types import Context
from dialogs.interview.options import INCOME_SOURCES, NO_OTHER_PROBLEM, NO_PROBLEM, label
from dialogs.roster import Roster
from domain.labels import DIMENSION_LABELS, PROBLEM_INDICATORS
from domain.step1_survey import income
from domain.step1_survey.folder import problem_title
from domain.step1_survey.visits import active, known_problems, picked
from models import Household, Problem, db
from models.household import DIMENSIONS


def income_heading(ctx: Context, answers: dict) -> str:
    source = label(INCOME_SOURCES, INCOMES.current(answers)["source"])
    return ctx._("Income source %(number)s of %(count)s: %(source)s", number=INCOMES.index(answers) + 1,
                 count=len(INCOMES.items(answers)), source=ctx._(source))


def problem_heading(ctx: Context, answers: dict) -> str:
    dimension = PROBLEMS_BY_DIMENSION.current(answers)["dimension"]
    return ctx._("Problems, dimension %(number)s of %(count)s: %(dimension)s",
                 number=DIMENSIONS.index(dimension) + 1, count=len(DIMENSIONS),
                 dimension=ctx._(DIMENSION_LABELS[dimension]))


def problem_items(answers: dict) -> list[dict]:
    """Per dimension: one item for each problem on record still open, then one for the problems found now."""
    known = known_problems(db.session.get(Household, answers["@household"]))
    return [item for dimension in DIMENSIONS
            for item in [*({"dimension": dimension, "problem": p.id} for p in known if p.dimension == dimension),
                         {"dimension": dimension}]]


INCOMES = Roster("incomes", heading=income_heading)
PROBLEMS_BY_DIMENSION = Roster("problems", heading=problem_heading, load=problem_items)


def one_per_source(answers: dict) -> list[dict]:
    """One item per income source picked; amounts already given for a source are kept."""
    given = {item["source"]: item for item in INCOMES.items(answers)}
    return [given.get(source, {"source": source}) for source in picked(answers["t3_incomes"])]


def no_land(ctx: Context, answers: dict) -> bool:
    return answers.get("t3_land") == "none"


def rai_value(raw: str) -> str:
    """Land in rai (`validators.land_area`), kept as a decimal string."""
    return str(validators.land_area(raw))


# ---- the household's income figure ----------------------------------------------------------------------

def income_figures(answers: dict) -> tuple[Decimal, Decimal]:
    """A month's income as the members' incomes add up, and as the income sources' amounts do."""
    return (income.added_up(item.get("m_income") for item in active(answers)),
            income.added_up(item.get("i_amount") for item in INCOMES.items(answers)))


def incomes_disagree(ctx: Context, answers: dict) -> bool:
    return income.disagree(*income_figures(answers))


def income_prompt(ctx: Context, answers: dict) -> str:
    members, sources = income_figures(answers)
    return ctx._("The household's income comes out two ways: the members' incomes add up to %(members)s a month, "
                 "the income sources to %(sources)s a month. Which is right?",
                 members=format_money(members, ctx.locale), sources=format_money(sources, ctx.locale))


def typing_income(ctx: Context, answers: dict) -> bool:
    return answers.get("income_pick") == "typed"


# ---- problems --------------------------------------------------------------------------------------------

def known_problem(ctx: Context, answers: dict) -> bool:
    return "problem" in PROBLEMS_BY_DIMENSION.current(answers)


def known_prompt(ctx: Context, answers: dict) -> str:
    problem = db.session.get(Problem, PROBLEMS_BY_DIMENSION.current(answers)["problem"])
    since = (ctx._("on record since %(date)s", date=format_date(problem.opened_on, ctx.locale))
             if problem and problem.opened_on else ctx._("on record"))
    return ctx._("%(problem)s (%(since)s)\n\nIs it still a problem?",
                 problem=problem_title(ctx, problem) if problem else "-", since=since)


def _same_dimension(answers: dict) -> list[dict]:
    dimension = PROBLEMS_BY_DIMENSION.current(answers)["dimension"]
    return [item for item in PROBLEMS_BY_DIMENSION.items(answers) if item["dimension"] == dimension]


def _known_here(answers: dict) -> list[Problem]:
    ids = [item["problem"] for item in _same_dimension(answers) if "problem" in item]
    return [p for p in (db.session.get(Problem, i) for i in ids) if p is not None]


def problems_prompt(ctx: Context, answers: dict) -> str:
    if _known_here(answers):
        return ctx._("Any other problem in this dimension? Tap each, then Done.")
    return ctx._("Which problems does the household have here? Tap each, then Done.")


def problem_choices(ctx: Context, answers: dict) -> list[tuple[str, str]]:
    """This dimension's checklist, without the problems on record (asked just before) nor the one the
    income figure decides."""
    known = _known_here(answers)
    shown = {p.indicator for p in known} | {income.BELOW_LINE}
    dimension = PROBLEMS_BY_DIMENSION.current(answers)["dimension"]
    return [*(o for o in PROBLEM_INDICATORS[dimension] if o[0] not in shown), NO_OTHER_PROBLEM if known else NO_PROBLEM]


def has_problems(ctx: Context, answers: dict) -> bool:
    """Problems in this dimension now: found just now, or on record and still there."""
    return bool(picked(PROBLEMS_BY_DIMENSION.current(answers).get("p_list"))) or any(
        item.get("p_known") == "still" for item in _same_dimension(answers))
