"""A household's one income figure: the household's own, or its members' incomes added up until a visit gives
one; compared with the line of the year it was given; and the Family Folder never says it passes beside a
problem on record saying it does not."""

from datetime import date
from decimal import Decimal

import pytest

from core.types import Context
from domain.step1_survey import folder, income
from models import Household, LineUser, Problem
from tests.helpers import HEAD, person, th

LINES = {2566: 38_000, 2569: 40_000}


def household(*, monthly_income=None, basis=None, given_on=None, problems=()) -> Household:
    return Household(house_number="12", village_code="30060101", head_name=HEAD, source="jpt", source_year=2566,
                     monthly_income=monthly_income, income_basis=basis, income_on=given_on, problems=list(problems),
                     members=[person(HEAD, date(1980, 1, 1), "head", monthly_income=Decimal(3000)),
                              person("นางมี", date(1982, 1, 1), "spouse", monthly_income=Decimal(500))])


@pytest.fixture
def lines(embedded_app):
    embedded_app.config["POVERTY_LINES"] = LINES
    with embedded_app.app_context():
        yield


@pytest.mark.parametrize(("one", "other", "differ"), [
    (5000, 5900, False),  # within 20% of the larger
    (7500, 5000, True),
    (0, 400, False),  # within 500 baht
    (0, 600, True),
])
def test_two_figures_disagree_beyond_a_fifth_and_beyond_500_baht(one, other, differ):
    assert income.disagree(Decimal(one), Decimal(other)) is differ
    assert income.disagree(Decimal(other), Decimal(one)) is differ


def test_a_household_never_visited_has_its_members_incomes_against_its_source_years_line(lines):
    found = income.of(household())
    assert (found.monthly, found.basis, found.given_on) == (3500, "members", None)
    assert (found.per_person_year, found.line, found.below_line) == (21_000, 38_000, True)


def test_a_visits_figure_counts_against_the_line_of_the_year_it_was_given(lines):
    found = income.of(household(monthly_income=Decimal(6500), basis="sources", given_on=date(2026, 12, 4)))
    assert (found.monthly, found.basis, found.per_person_year, found.line) == (6500, "sources", 39_000, 40_000)
    assert found.below_line is True  # 39,000 passes 2566's line, not 2569's


def test_the_folder_never_says_the_income_passes_beside_a_problem_saying_it_does_not(lines):
    ctx = Context(LineUser(user_id="U" + "0" * 32, language="th"), None, None, None, timezone="Asia/Bangkok")
    below = Problem(dimension="income", indicator="below_line", status="open")
    passing = household(monthly_income=Decimal(10_000), basis="members", given_on=None, problems=[below])
    text = folder.income_text(ctx, passing)
    assert th("at or above the line") not in text
    assert th("to be checked at the next visit: the basic-needs (จปฐ.) record says below the line") in text
    assert folder.verdict(passing) is None  # shown in neither colour
    below.status = "solved"
    assert th("at or above the line") in folder.income_text(ctx, passing) and folder.verdict(passing) is False
