"""Frozen reports: a closed period's figures for every area, stored once and never changed, and read back.

Freezing counts the whole country as it stood at the period's cut-off (check-ins stored by then), one row per
area (`models.ReportSnapshot`), which `bot.report_clock` stores. A second freeze of the same period stores nothing:
the first's rows are there (or, when two run at once, the unique key refuses the second's). What is entered later
never changes them: a view of a frozen period shows the frozen figures and, beside them, the check-ins given since
("late entries"), counted live.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import func, select

from core.periods import Period
from domain.access.scope import EVERYWHERE, Scope
from domain.step5_report import counting, figures
from domain.step5_report.counting import Moment
from domain.step5_report.figures import NATION
from models import Area, ReportSnapshot, db

READ_BATCH = 500  # frozen rows read at a time: each holds some fifty figures


class NotClosed(Exception):
    """The period has not reached its cut-off: there is nothing final to freeze yet."""


def is_frozen(period: Period) -> bool:
    return db.session.scalar(select(ReportSnapshot.id).where(ReportSnapshot.period == period.key).limit(1)) is not None


def to_freeze(period: Period, now: datetime) -> list[dict]:
    """The rows freezing the period stores (`models.ReportSnapshot`'s columns): its count as at its cut-off, one
    row per area; none when it is frozen already. The caller stores them (`bot.report_clock.freeze`)."""
    moment = Moment.of(period, now)
    if now < moment.cutoff:
        raise NotClosed(period.key)
    if is_frozen(period):
        return []
    found = counting.count(Moment.of(period, moment.cutoff), NATION, EVERYWHERE)
    return [{"period": period.key, "area_code": area, "level": figures.level_of(area), "figures": values,
             "frozen_at": now} for area, values in found.items()]


def _area_rows(period: Period, area_code: str, within: Scope):
    within.require(area_code)
    query = select(ReportSnapshot).where(ReportSnapshot.period == period.key,
                                         within.condition(ReportSnapshot.area_code))
    if area_code != NATION:
        query = query.where(Scope((area_code,)).condition(ReportSnapshot.area_code))
    return query


def frozen(period: Period, area_code: str, within: Scope) -> dict[str, dict] | None:
    """The frozen figures of the area and the areas under it, by code; None when the period is not frozen."""
    rows = db.session.scalars(_area_rows(period, area_code, within)).all()
    return {row.area_code: row.figures for row in rows} if rows else None


def frozen_rows(period: Period, area_code: str, within: Scope, level: str) -> Iterator:
    """The frozen figures of one level inside the area in code order, with each area's name columns (code, level,
    name_th, name_en, moo; none for the nation), read in batches (for an export): plain rows, not records the
    session would keep."""
    query = (_area_rows(period, area_code, within).where(ReportSnapshot.level == level)
             .with_only_columns(ReportSnapshot.area_code.label("code"), ReportSnapshot.figures, ReportSnapshot.level,
                                Area.name_th, Area.name_en, Area.moo)
             .outerjoin(Area, Area.code == ReportSnapshot.area_code))
    yield from db.session.execute(query.order_by(ReportSnapshot.area_code).execution_options(yield_per=READ_BATCH))


def frozen_at(period: Period) -> datetime | None:
    return db.session.scalar(select(func.min(ReportSnapshot.frozen_at)).where(ReportSnapshot.period == period.key))


@dataclass
class Report:
    """A period's figures for an area and the areas under it: frozen ones with the late entries since, or (a
    period not frozen) counted now."""

    period: Period
    area_code: str
    figures: dict[str, dict]  # by area code
    frozen_at: datetime | None = None
    late: dict[str, int] = field(default_factory=dict)  # frozen only: households checked in since, by area


def view(period: Period, area_code: str, within: Scope, now: datetime) -> Report:
    """The report a supervisor reads: the frozen one with its late entries, or the live count ("so far")."""
    within.require(area_code)
    found = frozen(period, area_code, within)
    if found is None:
        return Report(period, area_code, counting.count(Moment.of(period, now), area_code, within))
    return Report(period, area_code, found, frozen_at(period), late_entries(period, area_code, within, now, found))


def late_entries(period: Period, area_code: str, within: Scope, now: datetime,
                 found: dict[str, dict]) -> dict[str, int]:
    """Per area: households checked in for the period now, less those the frozen report counted."""
    visited = visited_now(period, area_code, within, now)
    return {area: visited.get(area, 0) - figures.value(values, "actual") for area, values in found.items()}


def visited_now(period: Period, area_code: str, within: Scope, now: datetime) -> dict[str, int]:
    """Per area: the households due in the period that are checked in for it now, late ones included."""
    visited: dict[str, int] = defaultdict(int)
    for village, number in visited_by(period, area_code, within, now, 8):
        for area in figures.areas_above(village):
            visited[area] += number
    return visited


def visited_by(period: Period, area_code: str, within: Scope, now: datetime, length: int) -> Iterator[tuple[str, int]]:
    """The same for the areas of one level (their codes' `length`, 0: the nation), in code order, as counted."""
    for area, key, number in counting.reporting(Moment.of(period, now), counting.households_in(area_code, within),
                                                length):
        if key == "actual":
            yield area, number
