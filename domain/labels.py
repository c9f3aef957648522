"""Names people see for coded values: roles, positions and the household vocabulary (English message ids;
Thai in the catalog). The chat, the Family Folder and the exports all take them from here."""

from core.i18n import N_
from domain.access import areas

ROLE_LABELS = {
    "volunteer": N_("Door-knock team"),
    "caretaker": N_("Household caretaker"),
    "supervisor_subdistrict": N_("Subdistrict supervisor"),
    "supervisor_district": N_("District supervisor"),
    "supervisor_province": N_("Province supervisor"),
    "admin": N_("Administrator"),
}

POSITIONS = [
    ("district_officer", N_("Deputy district officer")),
    ("cd_officer", N_("Community development officer")),
    ("cd_volunteer", N_("Community development volunteer")),
    ("village_head", N_("Village headman")),
    ("nfe_teacher", N_("Non-formal education teacher")),
    ("agriculture_officer", N_("Subdistrict agriculture officer")),
    ("health_volunteer", N_("Village health volunteer")),
    ("other", N_("Other")),
]


DIMENSION_LABELS = {  # TPMAP's five dimensions
    "health": N_("Health"),
    "living": N_("Living conditions"),
    "education": N_("Education"),
    "income": N_("Income"),
    "public_services": N_("Access to public services"),
}
CLASSIFICATION_LABELS = {"welfare": N_("Welfare"), "self_development": N_("Self-development")}
PROBLEM_STATUS_LABELS = {
    "open": N_("Not yet solved"),
    "in_progress": N_("In progress"),
    "solved": N_("Solved"),
    "solved_self": N_("Solved by the family itself"),
    "not_a_problem": N_("Not a problem (recorded in error)"),
}
HOUSEHOLD_STATUS_LABELS = {
    "open": N_("Open (not yet started)"),
    "in_progress": N_("In progress"),
    "solved": N_("Solved"),
    "solved_self": N_("Solved by the family itself"),
    "moved": N_("Moved away"),
    "deceased": N_("Deceased"),
    "withdrawn": N_("Withdrawn"),
}
CONTACT_LABELS = {"in_person": N_("Met at home"), "phone": N_("By phone"), "unreached": N_("Could not reach")}
UNREACHED_LABELS = {"moved": N_("Moved away"), "away": N_("Away for work"), "refused": N_("Refused"),
                    "deceased": N_("Deceased")}
PROGRESS_LABELS = {"done": N_("Done"), "under_way": N_("Under way"), "not_started": N_("Not started"),
                   "stuck": N_("Stuck"), "dropped": N_("Given up")}
STAGE_LABELS = {"survival": N_("Survival"), "sufficiency": N_("Sufficiency"), "sustainable": N_("Sustainable")}
SOURCE_LABELS = {
    "jpt": N_("Basic minimum needs survey (TPMAP)"),
    "thaiqm": N_("ThaiQM"),
    "forum": N_("Community forum"),
    "walk_in": N_("Walk-in"),
}
RELATION_LABELS = {"head": N_("Head of household"), "spouse": N_("Spouse"), "child": N_("Child"),
                   "child_in_law": N_("Son- or daughter-in-law"), "grandchild": N_("Grandchild"),
                   "parent": N_("Parent"), "sibling": N_("Brother or sister"), "relative": N_("Relative"),
                   "other": N_("Other")}
SEX_LABELS = {"male": N_("Male"), "female": N_("Female")}
EDUCATION_LABELS = {
    "none": N_("No schooling"), "preschool": N_("Not yet of school age"), "primary": N_("Primary school"),
    "lower_secondary": N_("Lower secondary"), "upper_secondary": N_("Upper secondary or vocational"),
    "diploma": N_("Diploma"), "bachelor": N_("Bachelor's degree or higher"),
}
OCCUPATION_LABELS = {
    "farmer": N_("Farming"), "labourer": N_("General labour"), "trader": N_("Trade"), "employee": N_("Employee"),
    "civil_servant": N_("Government service"), "student": N_("Student"), "none": N_("No occupation"),
    "other": N_("Other"),
}
PROBLEM_INDICATORS = {  # the 4ท checklist, after จปฐ./TPMAP indicators, per dimension
    "health": [("untreated_illness", N_("Illness without regular care")),
               ("needs_carer", N_("Disabled or bedridden, no carer")),
               ("malnutrition", N_("Poor nutrition")), ("addiction", N_("Alcohol, smoking or drugs")),
               ("mental_health", N_("Stress or mental health"))],
    "living": [("poor_house", N_("House in poor condition")), ("no_own_house", N_("No house of its own")),
               ("no_clean_water", N_("No clean drinking water")), ("no_toilet", N_("No proper toilet")),
               ("no_electricity", N_("No electricity"))],
    "education": [("preschool", N_("Child 3-5 not in preschool")), ("out_of_school", N_("Child 6-14 not in school")),
                  ("no_further_study", N_("Youth 15-18 not studying")),
                  ("illiterate", N_("Adult cannot read or write Thai"))],
    "income": [("below_line", N_("Income below the poverty line")), ("no_job", N_("Working-age member without work")),
               ("heavy_debt", N_("Heavy debts")), ("no_savings", N_("No savings"))],
    "public_services": [("no_elderly_allowance", N_("Elderly without the allowance")),
                        ("no_disability_allowance", N_("Disabled without the allowance")),
                        ("no_welfare_card", N_("No state welfare card")),
                        ("no_documents", N_("Missing ID card or house registration")),
                        ("no_health_rights", N_("No access to health care rights"))],
}
CAUSE_LABELS = {  # the causes of a household's poverty found at the 4ท interview
    "no_steady_income": N_("No steady occupation or income"), "debt": N_("Debts"),
    "no_land": N_("No land or means of production"), "no_skills": N_("Lack of skills or knowledge"),
    "illness": N_("Illness or disability"), "dependants": N_("Many dependants"),
    "addiction": N_("Alcohol, gambling or drugs"), "disaster": N_("Disaster or crop failure"),
    "high_costs": N_("High living costs"), "other": N_("Other (see the note)"),
}
# The 4ท interview's answers, as the interview offers them and the Family Folder shows them
OUTLOOK_LABELS = {
    "hopeful": N_("Hopeful, wants a better life"), "content": N_("Content with life as it is"),
    "discouraged": N_("Discouraged, sees no way out"), "dependent": N_("Relies on help from others"),
}
WILLINGNESS_LABELS = {"ready": N_("Ready to change"), "with_support": N_("Willing with support"),
                      "not_ready": N_("Not ready to change")}
SKILL_LABELS = {
    "farming": N_("Farming"), "livestock": N_("Raising animals"), "handicraft": N_("Handicrafts, weaving"),
    "food": N_("Cooking, food processing"), "construction": N_("Construction"),
    "mechanic": N_("Repairs, mechanics"), "trade": N_("Selling, trade"), "service": N_("Services, care work"),
    "none": N_("No particular skill"),
}
LABOUR_LABELS = {"full_time": N_("Full time"), "part_time": N_("Part time"), "seasonal": N_("Seasonal only")}
LAND_LABELS = {"owned": N_("Own land"), "rented": N_("Rented land"), "free": N_("Uses land free of charge"),
               "none": N_("No farm land")}
TOOL_LABELS = {
    "walking_tractor": N_("Walking tractor"), "tractor": N_("Tractor"), "pump": N_("Water pump"),
    "sewing": N_("Sewing machine"), "motorcycle": N_("Motorcycle"), "pickup": N_("Pickup truck"),
    "fishing": N_("Fishing gear"), "none": N_("None"),
}
LIVESTOCK_LABELS = {"cattle": N_("Cattle"), "buffalo": N_("Buffalo"), "pigs": N_("Pigs"),
                    "poultry": N_("Chickens or ducks"), "fish": N_("Fish or frogs"), "none": N_("None")}
INCOME_SOURCE_LABELS = {
    "crops": N_("Crops"), "livestock": N_("Livestock"), "wages": N_("Wage labour"), "salary": N_("Salary"),
    "trade": N_("Trade or business"), "allowance": N_("State allowances"),
    "family": N_("Money from relatives"), "other": N_("Other"), "none": N_("No income"),
}
WAY_OUT_LABELS = {
    "occupation": N_("Develop an occupation"), "job": N_("Find a job"), "costs": N_("Cut expenses"),
    "debt": N_("Manage debts"), "savings": N_("Save money"), "welfare": N_("State welfare"),
    "health": N_("Health care"), "education": N_("Education or training"), "housing": N_("Housing"),
    "other": N_("Other"),
}
# Problems recorded by indicator key show by its label; other indicators (imported text) show as they are.
INDICATOR_LABELS = {key: label for items in PROBLEM_INDICATORS.values() for key, label in items}


def label_of(labels: dict, value: str | None, ctx) -> str:
    """A coded value's label in the reader's language; free text (e.g. imported) as it is; "-" for none."""
    return ctx._(labels[value]) if value in labels else (value or "-")


def area_label(area_code: str, ctx) -> str:
    """The area's name ("หมู่ 1 บ้าน... ต.จักราช ..."); its kind and code while names aren't loaded."""
    if area_code == "TH":
        return ctx._("the whole country")
    known = areas.name(area_code, ctx.locale)
    if known:
        return known
    kinds = {2: N_("province %(code)s"), 4: N_("district %(code)s"), 6: N_("subdistrict %(code)s"),
             8: N_("village %(code)s")}
    return ctx._(kinds.get(len(area_code), "%(code)s"), code=area_code)


def position_label(value: str, ctx) -> str:
    labels = dict(POSITIONS)
    return ctx._(labels[value]) if value in labels else value
