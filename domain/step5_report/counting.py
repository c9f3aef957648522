"""Counting a period's figures (`domain.step5_report.figures`) for an area and every area under it, from the records.

Each part is one SQL query grouped by village (the database does the counting; what comes back is a few rows per
village), then villages are added up into subdistricts, districts, provinces and the nation in Python. Two parts
can't be added up and come back finer: the income per person per year of each household (for the medians) and
the caretakers per village (for caretakers counted once per area). Every query is limited to the households of
the area inside the reader's scope (`domain.access.scope`), by their village's code.

What is counted as of a moment (`as_of`): check-ins stored before it, caretakers in force at it. Frozen at the
cut-off, that is the report as it stood on the report day; counted now, it includes late check-ins. The other
states (classification, problems, activities) are the records' as they are when counted.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from flask import current_app
from sqlalchemy import and_, case, exists, func, literal, literal_column, or_, select
from sqlalchemy.orm import aliased

from core.periods import Period
from domain.access.scope import Scope
from domain.step1_survey import income
from domain.step4_care import caretakers as caretaking
from domain.step5_report import figures
from domain.step5_report.figures import INDEX, NATION
from models import CareAssignment, CheckIn, Compass, CompassActivity, Household, Member, Problem, Visit, db
from models.household import CLOSED_STATUSES

OUT_OF_POVERTY = ("solved", "solved_self")
PROBLEM_STATES = {"open": ("open", "in_progress"), "solved": ("solved", "solved_self")}
BATCH = 5_000  # household rows read at a time for the incomes


@dataclass(frozen=True)
class Moment:
    """What a count is of: the period, when it began and ended, and until when records count."""

    period: Period
    began: datetime  # the previous period's cut-off: caretakers in force then make a household expected
    cutoff: datetime
    as_of: datetime

    @classmethod
    def of(cls, period: Period, as_of: datetime) -> Moment:
        report_day, zone = current_app.config["REPORT_DAY"], current_app.config["BOT_TIMEZONE"]
        return cls(period, period.previous().cutoff(report_day, zone), period.cutoff(report_day, zone), as_of)


def households_in(area_code: str, within: Scope):
    """A WHERE clause: the households of `area_code` (NATION: all) that `within` covers, by village."""
    return and_(Scope(("" if area_code == NATION else area_code,)).condition(Household.village_code),
                within.condition(Household.village_code))


def count(moment: Moment, area_code: str, within: Scope) -> dict[str, dict]:
    """The figures of `area_code` and of each area under it that has households, by area code."""
    where = households_in(area_code, within)
    by_village: dict[str, list[int]] = defaultdict(figures.zero)
    for part in (reporting(moment, where), _households(moment, where), _problems(where), _activities(where)):
        for village, key, number in part:
            by_village[village][INDEX[key]] += number
    medians = _incomes(moment, where, by_village)
    loads = _caretakers(moment, where)
    totals: dict[str, list[int]] = defaultdict(figures.zero)
    for village, counts in by_village.items():
        for area in figures.areas_above(village):
            figures.add(totals[area], counts)
    shown = area_code if area_code != NATION else ""
    return {area: figures.as_dict(counts, {"median_income": medians.get(area),
                                           "caretakers": loads.get(area, (0, 0))[0],
                                           "caretakers_above_limit": loads.get(area, (0, 0))[1]})
            for area, counts in totals.items()
            if area.startswith(shown) and (area != NATION or area_code == NATION)}


def reporting(moment: Moment, where, length: int = 8) -> Iterator[tuple[str, str, int]]:
    """Per village (or per area of a code `length`, 0: the nation), in code order: households expected, checked in
    (`actual`) and checked in by the cut-off (`on_time`).

    One flat join (households, their assignment in force when the period began, their check-ins of the period),
    each household counted once: for a district the database walks its households' indexes, for the nation it
    hashes."""
    checked = CheckIn.id.is_not(None)
    # Integers written into the SQL, not bound: PostgreSQL matches the grouped expression with the selected one only
    # when they are written alike.
    area = (Household.village_code if length == 8 else literal_column(f"'{NATION}'") if not length
            else func.substr(Household.village_code, literal_column("1"), literal_column(str(int(length)))))
    query = (select(area,
                    _households_where(or_(Household.status.not_in(CLOSED_STATUSES), checked)),
                    _households_where(checked), _households_where(CheckIn.at < moment.cutoff))
             .join(CareAssignment, (CareAssignment.household_id == Household.id) & in_force(moment.began))
             .outerjoin(CheckIn, (CheckIn.household_id == Household.id) & (CheckIn.period == moment.period.key)
                        & (CheckIn.at < moment.as_of))
             .where(where))
    if length:
        query = query.group_by(area).order_by(area)
    for village, expected, actual, on_time in db.session.execute(query.execution_options(yield_per=BATCH)):
        yield from ((village, "expected", expected), (village, "actual", actual), (village, "on_time", on_time))


def _households_where(condition):
    return func.count(case((condition, Household.id)).distinct())


def in_force(at: datetime):
    """Care assignments in force at a moment."""
    return and_(CareAssignment.started_at <= at, or_(CareAssignment.ended_at.is_(None), CareAssignment.ended_at > at))


def in_care_at(at: datetime, where):
    """A subquery: the counted households that had a caretaker at `at` (`household_id`)."""
    return _households_of(select(CareAssignment.household_id).where(in_force(at)), CareAssignment.household_id,
                          where)


def checked_in(moment: Moment, where):
    """A subquery: the counted households checked in for the period before `as_of`, with their first check-in's
    time (`household_id`, `first`)."""
    return _households_of(select(CheckIn.household_id, func.min(CheckIn.at).label("first"))
                          .where(CheckIn.period == moment.period.key, CheckIn.at < moment.as_of),
                          CheckIn.household_id, where)


def _sum(condition):
    return func.sum(case((condition, 1), else_=0))


def _households_of(query, column, where):
    """`query` over records of households (by `column`), limited to the counted households, one row each."""
    return query.join(Household, Household.id == column).where(where).group_by(column).subquery()


def _households(moment: Moment, where) -> Iterator[tuple[str, str, int]]:
    """Per village: the households targeted, interviewed, classified, with a compass and its MOU, with a caretaker
    now, and out of poverty. Each "with" is an EXISTS per household: probed through the household's index for an
    area, hashed once by the planner for the nation."""
    accepted = (Compass.household_id == Household.id) & Compass.accepted_at.is_not(None)
    keys = ("targeted", "interviewed", "welfare", "self_development", "with_compass", "with_mou", "with_caretaker",
            "out_of_poverty")
    query = (select(Household.village_code, func.count(),
                    _sum(exists().where(Visit.household_id == Household.id, Visit.consent.is_(True))),
                    _sum(Household.classification == "welfare"), _sum(Household.classification == "self_development"),
                    _sum(exists().where(accepted)), _sum(exists().where(accepted, Compass.photo_id.is_not(None))),
                    _sum(exists().where(CareAssignment.household_id == Household.id, in_force(moment.as_of))),
                    _sum(Household.status.in_(OUT_OF_POVERTY)))
             .where(where).group_by(Household.village_code))
    for village, *numbers in db.session.execute(query):
        yield from ((village, key, number) for key, number in zip(keys, numbers, strict=True))


def _problems(where) -> Iterator[tuple[str, str, int]]:
    """Per village: problems per TPMAP dimension, open (or in progress) and solved."""
    state = case(*((Problem.status.in_(statuses), literal(name)) for name, statuses in PROBLEM_STATES.items()))
    query = (select(Household.village_code, Problem.dimension, state, func.count())
             .join(Household, Household.id == Problem.household_id)
             .where(where, Problem.status.in_([s for statuses in PROBLEM_STATES.values() for s in statuses]))
             .group_by(Household.village_code, Problem.dimension, state))
    for village, dimension, named, number in db.session.execute(query):
        key = f"problems_{dimension}_{named}"
        if key in INDEX:
            yield village, key, number


def _activities(where) -> Iterator[tuple[str, str, int]]:
    """Per village: the activities of the current compasses (each household's latest accepted version) by status,
    and those of the government part by agency. The latest version is looked up per compass of the area (through
    the unique household and version index), so an area's count never reads the nation's compasses."""
    other = aliased(Compass)
    latest = (select(func.max(other.version))
              .where(other.household_id == Compass.household_id, other.accepted_at.is_not(None))
              .correlate(Compass).scalar_subquery())
    query = (select(Household.village_code, CompassActivity.status, CompassActivity.part, CompassActivity.agency,
                    func.count())
             .select_from(Household)
             .join(Compass, Compass.household_id == Household.id)
             .join(CompassActivity, CompassActivity.compass_id == Compass.id)
             .where(where, Compass.accepted_at.is_not(None), Compass.version == latest)
             .group_by(Household.village_code, CompassActivity.status, CompassActivity.part, CompassActivity.agency))
    for village, status, part, agency, number in db.session.execute(query):
        if f"activities_{status}" in INDEX:
            yield village, f"activities_{status}", number
        if part == "government":
            yield village, f"agency_{agency}" if f"agency_{agency}" in INDEX else "agency_other", number


def _incomes(moment: Moment, where, by_village: dict[str, list[int]]) -> dict[str, int]:
    """Adds each village's income counts into `by_village`; returns the median income per person per year of each
    area (of the households with a figure now)."""
    # Each household's latest check-in with an income (the greatest period, then id), found through the household's
    # index on check-ins: the area's households are probed, never the nation's check-ins.
    latest = (select(CheckIn.id)
              .where(CheckIn.household_id == Household.id, CheckIn.per_person_year.is_not(None),
                     CheckIn.period <= moment.period.key, CheckIn.at < moment.as_of)
              .order_by(CheckIn.period.desc(), CheckIn.id.desc()).limit(1).correlate(Household).scalar_subquery())
    counted = select(Household.id.label("household_id"), latest.label("check_in_id")).where(where).subquery()
    now = (select(counted.c.household_id, CheckIn.per_person_year, CheckIn.poverty_line)
           .join(CheckIn, CheckIn.id == counted.c.check_in_id).subquery())
    members = _households_of(select(Member.household_id, func.sum(Member.monthly_income).label("total"),
                                    func.count().label("people"), func.count(Member.monthly_income).label("known")),
                             Member.household_id, where)
    query = (select(Household.village_code, now.c.per_person_year, now.c.poverty_line, Household.source_year,
                    Household.monthly_income, Household.income_basis, members.c.total, members.c.people,
                    members.c.known)
             .outerjoin(now, now.c.household_id == Household.id)
             .outerjoin(members, members.c.household_id == Household.id)
             .where(where).execution_options(yield_per=BATCH))
    lines: dict[int, int | None] = {}
    values: dict[str, list[int]] = defaultdict(list)
    for village, now_ppy, now_line, source_year, monthly, basis, total, people, known in db.session.execute(query):
        at_survey = monthly if basis not in (None, "check_in") else total if known else None
        survey_ppy = income.per_person_year(Decimal(at_survey), people or 0) if at_survey is not None else None
        if source_year not in lines:
            lines[source_year] = income.poverty_line(source_year)
        survey_line = lines[source_year]
        counts = by_village[village]
        if survey_ppy is not None and survey_line is not None:
            counts[INDEX["survey_known"]] += 1
            counts[INDEX["above_line_survey"]] += survey_ppy >= survey_line
        ppy, line = (now_ppy, now_line) if now_ppy is not None else (survey_ppy, survey_line)
        if ppy is not None:
            counts[INDEX["income_known"]] += 1
            values[village].append(int(ppy))
            counts[INDEX["above_line_now"]] += line is not None and ppy >= line
    return _medians(values)


def _medians(values: dict[str, list[int]]) -> dict[str, int]:
    """The median of each area's values, from the villages' (each list sorted, then each level's merged)."""
    medians: dict[str, int] = {}
    level = {village: sorted(found) for village, found in values.items()}
    for length in (6, 4, 2, 0):
        medians |= {area: _median(found) for area, found in level.items()}
        merged: dict[str, list[int]] = defaultdict(list)
        for area, found in level.items():
            merged[area[:length] or NATION].extend(found)
        level = {area: sorted(found) for area, found in merged.items()}
    medians |= {area: _median(found) for area, found in level.items()}
    return medians


def _median(ordered: list[int]) -> int:
    middle = len(ordered) // 2
    return ordered[middle] if len(ordered) % 2 else (ordered[middle - 1] + ordered[middle]) // 2


def _caretakers(moment: Moment, where) -> dict[str, tuple[int, int]]:
    """Per area: the caretakers looking after its households at `as_of` (each once), and how many of them look
    after more than the maximum, all their households counted, inside the area or not."""
    now = in_force(moment.as_of)
    pairs = db.session.execute(select(CareAssignment.caretaker_id, Household.village_code).distinct()
                               .join(Household, Household.id == CareAssignment.household_id)
                               .where(now, where)).all()
    working = (select(CareAssignment.caretaker_id).join(Household, Household.id == CareAssignment.household_id)
               .where(now, where))
    loads = dict(db.session.execute(select(CareAssignment.caretaker_id, func.count())
                                    .where(now, CareAssignment.caretaker_id.in_(working))
                                    .group_by(CareAssignment.caretaker_id)).all())
    maximum = caretaking.max_households()
    found: dict[str, tuple[int, int]] = {}
    for length in (8, 6, 4, 2, 0):
        people: dict[str, set[int]] = defaultdict(set)
        for caretaker, village in pairs:
            people[village[:length] or NATION].add(caretaker)
        found |= {area: (len(ids), sum(loads[i] > maximum for i in ids)) for area, ids in people.items()}
    return found
