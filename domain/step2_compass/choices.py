"""The common answers a compass offers, after the ministry's guide (steps 2–3): goals toward 3พ, kinds of
spending, the activities of each of step 3's parts with how their progress is seen, and the agencies a
government activity can be asked of. (code, English message id) pairs; "other" is typed."""

from core.i18n import N_

GOALS = {  # 3พ
    "economy": (N_("A sufficiency-economy way of life"), [
        ("steady_income", N_("A steady income")), ("no_informal_debt", N_("No informal debts")),
        ("grow_own_food", N_("Grow its own food")), ("savings", N_("Savings every month")),
    ]),
    "happiness": (N_("Sufficient happiness"), [
        ("good_health", N_("Good health")), ("no_vices", N_("No alcohol, smoking or gambling")),
        ("good_home", N_("A safe, decent home")), ("children_study", N_("Children in school")),
    ]),
    "family": (N_("A warm family"), [
        ("time_together", N_("Time together every day")), ("care_elders", N_("Care for the elderly")),
        ("no_violence", N_("No violence at home")), ("help_neighbours", N_("Help neighbours")),
    ]),
}
SPENDING = [
    ("food", N_("Food")), ("debt", N_("Debt repayment")), ("farming", N_("Farming inputs")),
    ("education", N_("Education")), ("health", N_("Health")), ("utilities", N_("Water and electricity")),
    ("transport", N_("Transport")), ("other", N_("Other spending")),
]
ACTIVITIES = {  # step 3's three parts; each common activity with how its progress is seen
    "self": [
        ("accounts", N_("Keep household accounts"), N_("The household account book")),
        ("quit_vices", N_("Cut alcohol, smoking, gambling"), N_("Money no longer spent on them")),
        ("save", N_("Save every month"), N_("The savings book")),
        ("grow_food", N_("Grow vegetables, raise chickens"), N_("Food no longer bought")),
        ("extra_work", N_("Take up the new occupation"), N_("Income from it each month")),
    ],
    "community": [
        ("savings_group", N_("Join the savings group"), N_("Monthly deposits")),
        ("kkkj_fund", N_("Loan from the กข.คจ. fund"), N_("Loan granted and repaid")),
        ("community_welfare", N_("Community welfare"), N_("Help received")),
        ("debt_help", N_("Help with informal debts"), N_("Informal debt paid off")),
    ],
    "government": [
        ("training", N_("Occupational training"), N_("Training attended")),
        ("inputs", N_("Seedlings, animals or tools"), N_("Support received")),
        ("welfare_registration", N_("Register for state welfare"), N_("Allowance paid")),
        ("housing_repair", N_("House repair"), N_("Repair done")),
        ("job_placement", N_("Job placement"), N_("Job started")),
    ],
}
PART_LABELS = {"self": N_("The family itself"), "community": N_("The community"),
               "government": N_("Government and local government")}
AGENCIES = [
    ("cdd", N_("Community Development Office")), ("agriculture", N_("Agriculture Office")),
    ("livestock", N_("Livestock Office")), ("labour", N_("Employment Office")),
    ("social", N_("Social Development and Human Security")), ("health", N_("Subdistrict health hospital")),
    ("education", N_("Non-formal education (กศน.)")), ("local", N_("Local government (อบต./เทศบาล)")),
    ("baac", N_("BAAC")), ("other", N_("Another agency")),
]
ACTIVITY_STATUS_LABELS = {"not_started": N_("Not started"), "under_way": N_("Under way"), "done": N_("Done"),
                          "dropped": N_("Dropped")}


def activity(part: str, kind: str) -> tuple[str, str, str] | None:
    """A common activity of `part`: (code, label, how its progress is seen)."""
    return next((found for found in ACTIVITIES[part] if found[0] == kind), None)
