"""Names people see for roles and positions (English message ids; Thai in the catalog)."""

from bot import areas
from dialogs.engine import N_

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
