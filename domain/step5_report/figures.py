"""The figures of a period's report for one area, what each means, and how a village's roll up into the areas above.

Reporting, with the definitions DHIS2 uses for its reporting rates: `expected` = households that had a caretaker
in force when the period began (and were still followed, or were checked in anyway); `actual` = those of them
checked in for the period; `on_time` = those checked in by its cut-off. A rate is shown with the counts behind it.

The rest is the state of the process: households targeted, interviewed (the family consented to a 4ท visit),
classified (welfare, self-development), with a life compass (a version the family accepted), with its MOU (the
photo of the signed paper sent), with a caretaker now, out of poverty (status solved, by the team or the family);
income per person per year (the median, and how many are above the จปฐ. line now, by the latest figure a check-in
gave, and at the survey, by the figure of the 4ท visit or of the จปฐ. list); problems per TPMAP dimension, open
and solved; the current compasses' activities by status and, for the government part, by agency; and caretakers
(those looking after households of the area) and how many of them look after more than CARETAKER_MAX_HOUSEHOLDS.

Counts add up from villages to the nation (`ADDITIVE`); the median and the caretakers are computed for each area
from what lies under it (a caretaker may work in two villages), by `domain.step5_report.counting`.
"""

from __future__ import annotations

from core.i18n import N_
from domain.labels import DIMENSION_LABELS
from domain.step2_compass.choices import ACTIVITY_STATUS_LABELS, AGENCIES
from models.area import LEVELS
from models.household import DIMENSIONS
from models.report import NATION

REPORTING = ("expected", "actual", "on_time")
HOUSEHOLDS = ("targeted", "interviewed", "welfare", "self_development", "with_compass", "with_mou", "with_caretaker",
              "out_of_poverty")
INCOME = ("income_known", "above_line_now", "survey_known", "above_line_survey")
PROBLEM_STATES = ("open", "solved")
PROBLEMS = tuple(f"problems_{dimension}_{state}" for dimension in DIMENSIONS for state in PROBLEM_STATES)
ACTIVITY_STATUSES = tuple(ACTIVITY_STATUS_LABELS)
ACTIVITIES = tuple(f"activities_{status}" for status in ACTIVITY_STATUSES)
AGENCY_CODES = tuple(code for code, _ in AGENCIES)  # "other" last: also any agency no longer listed
BY_AGENCY = tuple(f"agency_{code}" for code in AGENCY_CODES)
ADDITIVE = REPORTING + HOUSEHOLDS + INCOME + PROBLEMS + ACTIVITIES + BY_AGENCY
PER_AREA = ("median_income", "caretakers", "caretakers_above_limit")  # computed for each area, not added up
KEYS = ADDITIVE + PER_AREA
INDEX = {key: i for i, key in enumerate(ADDITIVE)}
LATE = "late_entries"  # a live view of a frozen period: households checked in since it was frozen

NATION_LEVEL = "nation"
LEVEL_ORDER = (NATION_LEVEL, "province", "district", "subdistrict", "village")
LENGTHS = {length: level for length, level in LEVELS.items()}  # 2: province ... 8: village

LABELS = {
    "expected": N_("Households due a visit"), "actual": N_("Households visited"),
    "on_time": N_("Visited by the report day"), "reporting_rate": N_("Visited (%)"),
    "on_time_rate": N_("Visited by the report day (%)"), LATE: N_("Visits given late since the report"),
    "targeted": N_("Target households"), "interviewed": N_("Interviewed"), "welfare": N_("Welfare"),
    "self_development": N_("Self-development"), "with_compass": N_("With a life compass"),
    "with_mou": N_("With a signed agreement"), "with_caretaker": N_("With a caretaker"),
    "out_of_poverty": N_("Out of poverty"), "income_known": N_("With an income figure"),
    "median_income": N_("Median income (baht per person per year)"),
    "above_line_now": N_("Above the poverty line now"), "survey_known": N_("With an income figure at the survey"),
    "above_line_survey": N_("Above the poverty line at the survey"), "caretakers": N_("Caretakers"),
    "caretakers_above_limit": N_("Caretakers above the maximum households"),
}
PROBLEM_LABELS = {"open": N_("Problems, %(dimension)s: not yet solved"),
                  "solved": N_("Problems, %(dimension)s: solved")}
ACTIVITY_LABEL = N_("Activities: %(status)s")
AGENCY_LABEL = N_("Government activities: %(agency)s")


# The order a table shows them in; the rates and the late entries are worked out from the counts.
COLUMNS = (("expected", "actual", "on_time", "reporting_rate", "on_time_rate", LATE) + HOUSEHOLDS
           + ("income_known", "median_income", "above_line_now", "survey_known", "above_line_survey")
           + PROBLEMS + ACTIVITIES + BY_AGENCY + ("caretakers", "caretakers_above_limit"))
RATES = {"reporting_rate": "actual", "on_time_rate": "on_time"}


def cell(figures: dict, key: str, late: int | None = None):
    """One column's value for an area: a figure, a rate of the expected households, or the late entries."""
    if key in RATES:
        return rate(value(figures, RATES[key]), value(figures, "expected"))
    if key == LATE:
        return late
    return value(figures, key)


def level_of(code: str) -> str:
    return NATION_LEVEL if code == NATION else LENGTHS[len(code)]


def areas_above(village_code: str) -> tuple[str, ...]:
    """The village and every area it lies in, up to the nation."""
    return village_code, village_code[:6], village_code[:4], village_code[:2], NATION


def zero() -> list[int]:
    return [0] * len(ADDITIVE)


def add(into: list[int], counts: list[int]) -> None:
    for i, value in enumerate(counts):
        into[i] += value


def as_dict(counts: list[int], per_area: dict) -> dict:
    """An area's figures as stored in a snapshot: the counts that are not zero, and the per-area ones."""
    return {key: value for key, value in zip(ADDITIVE, counts, strict=True) if value} | per_area


def value(figures: dict, key: str):
    """A figure of an area (a count missing from a snapshot is zero; a median may be None)."""
    return figures.get(key, None if key == "median_income" else 0)


def rate(part: int, whole: int) -> float | None:
    """A percentage, to one decimal; None when nothing was expected."""
    return round(100 * part / whole, 1) if whole else None


def label(key: str, gettext) -> str:
    """The column header of a figure, in the language of `gettext`."""
    if key.startswith("problems_"):
        dimension, state = key[len("problems_"):].rsplit("_", 1)
        return gettext(PROBLEM_LABELS[state], dimension=gettext(DIMENSION_LABELS[dimension]))
    if key.startswith("activities_"):
        return gettext(ACTIVITY_LABEL, status=gettext(ACTIVITY_STATUS_LABELS[key[len("activities_"):]]))
    if key.startswith("agency_"):
        return gettext(AGENCY_LABEL, agency=gettext(dict(AGENCIES)[key[len("agency_"):]]))
    return gettext(LABELS[key])
