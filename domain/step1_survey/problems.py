"""A household's problems as visits and check-ins change them: opened, kept, solved or set aside, each change
audited, and the "income below the line" problem decided by the household's income figure, so no record says the
income passes beside a problem saying it does not."""

from datetime import date

from core.types import Context
from domain.access import audit
from domain.step1_survey import income
from models import Household, Problem

OPEN = ("open", "in_progress")


class Changes:
    """The records and audit entries of one finished interview or check-in (of one household)."""

    def __init__(self, ctx: Context, household: Household):
        self.ctx, self.household_id, self.store, self.audit = ctx, household.id, [], []

    def log(self, action: str, entity: str, subject, before=None, after=None) -> None:
        self.audit.append(audit.change(self.ctx, action, entity, subject, household=self.household_id,
                                       before=before, after=after))


def log(changes: Changes, problem: Problem, before: dict | None = None) -> None:
    changes.log("problem.record" if before is None else "problem.update", "problem", problem, before=before,
                after={"dimension": problem.dimension, "indicator": problem.indicator, "status": problem.status,
                       "solved_on": problem.solved_on.isoformat() if problem.solved_on else None})


def close(changes: Changes, problem: Problem, status: str, today: date) -> None:
    before = {"status": problem.status, "solved_on": None}
    problem.status, problem.solved_on = status, today if status == "solved" else None
    log(changes, problem, before)


def income_line(changes: Changes, household: Household, today: date, confirm: bool = True) -> list[Problem]:
    """Income below the line opened (or kept) when the figure is below it, solved when it is not. A visit confirms
    a problem it keeps (an audit entry); a monthly check-in (`confirm` False) records only an opening or a closing,
    or a month's check-ins would log every household below the line again."""
    below = income.of(household).below_line
    open_ones = [p for p in household.problems if p.indicator == income.BELOW_LINE and p.status in OPEN]
    if below is None:
        return open_ones
    if not below:
        for problem in open_ones:
            close(changes, problem, "solved", today)
        return []
    if not open_ones:
        open_ones = [Problem(dimension="income", indicator=income.BELOW_LINE, status="open", opened_on=today)]
        household.problems.append(open_ones[0])
    elif not confirm:
        return open_ones[:1]
    log(changes, open_ones[0])
    return open_ones[:1]
