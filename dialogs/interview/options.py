"""The answer options of the 4ท interview's questions: (value, label message id) pairs."""

from core.i18n import N_
from domain.labels import (
    CAUSE_LABELS,
    CLASSIFICATION_LABELS,
    EDUCATION_LABELS,
    OCCUPATION_LABELS,
    RELATION_LABELS,
    SEX_LABELS,
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
OUTLOOKS = [
    ("hopeful", N_("Hopeful, wants a better life")), ("content", N_("Content with life as it is")),
    ("discouraged", N_("Discouraged, sees no way out")), ("dependent", N_("Relies on help from others")),
]
WILLINGNESS = [("ready", N_("Ready to change")), ("with_support", N_("Willing with support")),
               ("not_ready", N_("Not ready to change"))]
SKILLS = [
    ("farming", N_("Farming")), ("livestock", N_("Raising animals")), ("handicraft", N_("Handicrafts, weaving")),
    ("food", N_("Cooking, food processing")), ("construction", N_("Construction")),
    ("mechanic", N_("Repairs, mechanics")), ("trade", N_("Selling, trade")), ("service", N_("Services, care work")),
    ("none", N_("No particular skill")),
]
LABOUR = [("full_time", N_("Full time")), ("part_time", N_("Part time")), ("seasonal", N_("Seasonal only"))]
LAND = [("owned", N_("Own land")), ("rented", N_("Rented land")), ("free", N_("Uses land free of charge")),
        ("none", N_("No farm land"))]
TOOLS = [
    ("walking_tractor", N_("Walking tractor")), ("tractor", N_("Tractor")), ("pump", N_("Water pump")),
    ("sewing", N_("Sewing machine")), ("motorcycle", N_("Motorcycle")), ("pickup", N_("Pickup truck")),
    ("fishing", N_("Fishing gear")), ("none", N_("None")),
]
LIVESTOCK = [("cattle", N_("Cattle")), ("buffalo", N_("Buffalo")), ("pigs", N_("Pigs")),
             ("poultry", N_("Chickens or ducks")), ("fish", N_("Fish or frogs")), ("none", N_("None"))]
INCOME_SOURCES = [
    ("crops", N_("Crops")), ("livestock", N_("Livestock")), ("wages", N_("Wage labour")), ("salary", N_("Salary")),
    ("trade", N_("Trade or business")), ("allowance", N_("State allowances")),
    ("family", N_("Money from relatives")), ("other", N_("Other")), ("none", N_("No income")),
]
WAYS_OUT = [
    ("occupation", N_("Develop an occupation")), ("job", N_("Find a job")), ("costs", N_("Cut expenses")),
    ("debt", N_("Manage debts")), ("savings", N_("Save money")), ("welfare", N_("State welfare")),
    ("health", N_("Health care")), ("education", N_("Education or training")), ("housing", N_("Housing")),
    ("other", N_("Other")),
]
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
