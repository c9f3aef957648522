"""The answer options of the 4ท interview's questions: (value, label message id) pairs."""

from core.i18n import N_
from domain.labels import (
    CAUSE_LABELS,
    CLASSIFICATION_LABELS,
    EDUCATION_LABELS,
    INCOME_SOURCE_LABELS,
    LABOUR_LABELS,
    LAND_LABELS,
    LIVESTOCK_LABELS,
    OCCUPATION_LABELS,
    OUTLOOK_LABELS,
    RELATION_LABELS,
    SEX_LABELS,
    SKILL_LABELS,
    TOOL_LABELS,
    WAY_OUT_LABELS,
    WILLINGNESS_LABELS,
)

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
OUTLOOKS = list(OUTLOOK_LABELS.items())
WILLINGNESS = list(WILLINGNESS_LABELS.items())
SKILLS = list(SKILL_LABELS.items())
LABOUR = list(LABOUR_LABELS.items())
LAND = list(LAND_LABELS.items())
TOOLS = list(TOOL_LABELS.items())
LIVESTOCK = list(LIVESTOCK_LABELS.items())
INCOME_SOURCES = list(INCOME_SOURCE_LABELS.items())
WAYS_OUT = list(WAY_OUT_LABELS.items())
NO_PROBLEM = ("none", N_("No problem here"))
NO_OTHER_PROBLEM = ("none", N_("No other problem"))
KNOWN_PROBLEM = [("still", N_("Still a problem")), ("solved", N_("Solved now")),
                 ("not_a_problem", N_("Not a problem"))]
INCOME_PICK = [("sources", N_("The income sources")), ("members", N_("The members' incomes")),
               ("typed", N_("Type the right figure"))]
CAUSES = list(CAUSE_LABELS.items())
CLASSES = list(CLASSIFICATION_LABELS.items())


def label(options, value: str) -> str:
    """The label message id of `value` among `options` (the value itself if it is not one of them)."""
    return dict(options).get(value, value)
