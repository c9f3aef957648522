"""ท3 resources and the problems in TPMAP's five dimensions: land in rai, one amount per income source
picked, and the problems of each dimension in turn (the rosters `INCOMES` and `PROBLEMS_BY_DIMENSION`)."""


from core import validators
from core.types import Context
from dialogs.interview.options import INCOME_SOURCES, NO_PROBLEM, label
from dialogs.roster import Roster
from domain.labels import DIMENSION_LABELS, PROBLEM_INDICATORS
from domain.step1_survey.visits import picked
from models.household import DIMENSIONS


def income_heading(ctx: Context, answers: dict) -> str:
    source = label(INCOME_SOURCES, INCOMES.current(answers)["source"])
    return ctx._("Income source %(number)s of %(count)s: %(source)s", number=INCOMES.index(answers) + 1,
                 count=len(INCOMES.items(answers)), source=ctx._(source))


def problem_heading(ctx: Context, answers: dict) -> str:
    dimension = PROBLEMS_BY_DIMENSION.current(answers)["dimension"]
    return ctx._("Problems, dimension %(number)s of %(count)s: %(dimension)s",
                 number=PROBLEMS_BY_DIMENSION.index(answers) + 1, count=len(DIMENSIONS),
                 dimension=ctx._(DIMENSION_LABELS[dimension]))


def one_per_dimension(answers: dict) -> list[dict]:
    return [{"dimension": d} for d in DIMENSIONS]


INCOMES = Roster("incomes", heading=income_heading)
PROBLEMS_BY_DIMENSION = Roster("problems", heading=problem_heading, load=one_per_dimension)


def one_per_source(answers: dict) -> list[dict]:
    """One item per income source picked; amounts already given for a source are kept."""
    given = {item["source"]: item for item in INCOMES.items(answers)}
    return [given.get(source, {"source": source}) for source in picked(answers["t3_incomes"])]


def no_land(ctx: Context, answers: dict) -> bool:
    return answers.get("t3_land") == "none"


def has_problems(ctx: Context, answers: dict) -> bool:
    return bool(picked(PROBLEMS_BY_DIMENSION.current(answers).get("p_list")))


def problem_choices(ctx: Context, answers: dict) -> list[tuple[str, str]]:
    return [*PROBLEM_INDICATORS[PROBLEMS_BY_DIMENSION.current(answers)["dimension"]], NO_PROBLEM]


def rai_value(raw: str) -> str:
    """Land in rai (`validators.land_area`), kept as a decimal string."""
    return str(validators.land_area(raw))
