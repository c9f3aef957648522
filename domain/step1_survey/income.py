"""A household's income: one figure a month, with what it rests on and the day it was given, against the จปฐ.
poverty line.

The figure comes from the last 4ท visit: the income sources' amounts the household gave at ท3, or, when the
members' incomes add up to something else by more than `MARGIN`, whichever of the two the volunteer says is
right (or a figure they type). A household never visited has the members' incomes (e.g. imported) added up.
Dividing by every member, as the จปฐ. survey does, gives the income per person per year that meets the line.
"""

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from flask import current_app

from core.thai import be_year
from models import Household

BELOW_LINE = "below_line"  # the income dimension's problem the figure decides (domain.labels.PROBLEM_INDICATORS)
MARGIN = (Decimal("0.2"), Decimal(500))  # two figures disagree beyond 20% of the larger and beyond 500 baht


@dataclass(frozen=True)
class Income:
    monthly: Decimal | None  # baht a month, the household's
    basis: str | None  # models.household.INCOME_BASES
    given_on: date | None  # None: the members' incomes on record, undated
    per_person_year: Decimal | None
    line: int | None  # baht per person per year, of the year the figure was given

    @property
    def below_line(self) -> bool | None:
        if self.per_person_year is None or self.line is None:
            return None
        return self.per_person_year < self.line


def poverty_line(year: int) -> int | None:
    """The จปฐ. income line of a Buddhist Era year (the POVERTY_LINES setting); None for a year it doesn't cover."""
    return current_app.config["POVERTY_LINES"].get(year)


def per_person_year(monthly: Decimal | None, people: int) -> Decimal | None:
    """A household's monthly income as baht per person per year, every member counted (as the จปฐ. survey does)."""
    return (monthly * 12 / people).quantize(Decimal("1")) if monthly is not None and people else None


def added_up(amounts) -> Decimal:
    return sum((Decimal(a) for a in amounts if a is not None), Decimal(0))


def disagree(one: Decimal, other: Decimal) -> bool:
    share, baht = MARGIN
    return abs(one - other) > max(share * max(one, other), baht)


def of(household: Household) -> Income:
    """The household's income figure, or its members' incomes added up when no visit has given one."""
    if household.monthly_income is not None:
        monthly, basis, given_on = household.monthly_income, household.income_basis, household.income_on
    else:
        known = [m.monthly_income for m in household.members if m.monthly_income is not None]
        monthly, basis, given_on = (added_up(known), "members", None) if known else (None, None, None)
    year = be_year(given_on) if given_on else household.source_year
    return Income(monthly, basis, given_on, per_person_year(monthly, len(household.members)), poverty_line(year))
