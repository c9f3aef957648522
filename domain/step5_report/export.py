"""A period's report as a file: one sheet per level (the area's own, then each below it down to the villages) and a
households sheet, in Thai, as XLSX (`core.xlsx`) or one CSV per sheet.

A frozen period's sheets hold the frozen figures and a column of the visits given late since; a period not frozen,
the figures counted now. The households sheet lists each household of the area with its head's national ID masked
(x-xxxx-xxxxx-xx-5), its classification, status, caretaker and this period's visit (on time, late, not yet, not
due). Rows are read in batches and written as they come, and every cell goes through `core.spreadsheet.safe_cell`,
so a frozen period's national file is written in the memory of a district's (a period not frozen is counted
first, in memory, as a freeze counts it). Only areas and households inside the reader's scope
(`domain.access.scope`) are read.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol, TextIO

from sqlalchemy import func, select

from core.i18n import DEFAULT_LOCALE, N_, gettext
from core.periods import Period
from core.spreadsheet import CsvWriter
from core.xlsx import Workbook
from domain.access import areas
from domain.access.scope import EVERYWHERE, Scope
from domain.labels import CLASSIFICATION_LABELS, HOUSEHOLD_STATUS_LABELS
from domain.step1_survey.households import masked_last
from domain.step5_report import counting, figures, snapshots
from domain.step5_report.counting import Moment
from domain.step5_report.figures import COLUMNS, LATE, LEVEL_ORDER, NATION
from models import Area, CareAssignment, Household, Member, Staff, db
from models.household import CLOSED_STATUSES

LOCALE = DEFAULT_LOCALE  # reports go to Thai offices: the file is in Thai whoever asks for it
BATCH = 2_000
PROGRESS_EVERY = 10_000  # households written between two progress reports
LENGTHS = {"nation": 0, "province": 2, "district": 4, "subdistrict": 6, "village": 8}  # of each level's codes
LEVEL_TITLES = {"nation": N_("Whole country"), "province": N_("Provinces"), "district": N_("Districts"),
                "subdistrict": N_("Subdistricts"), "village": N_("Villages")}
HOUSEHOLDS_TITLE = N_("Households")
AREA_COLUMNS = ((N_("Area code"), 12), (N_("Area"), 28))
HOUSEHOLD_COLUMNS = ((N_("Village code"), 12), (N_("Village"), 26), (N_("House number"), 12),
                     (N_("Head of household"), 26), (N_("National ID"), 20), (N_("Classification"), 16),
                     (N_("Status"), 18), (N_("Caretaker"), 24), (N_("This period's visit"), 22))
VISITS = {"on_time": N_("Visited by the report day"), "late": N_("Visited late"),
          "missing": N_("Not visited this period"), "not_due": N_("Not due (no caretaker when the period began)")}


class Rows(Protocol):
    def header(self, values: Iterable[Any]) -> None: ...
    def append(self, values: Iterable[Any]) -> None: ...


class Sheets(Protocol):
    def sheet(self, title: str, file_name: str, widths: list[float]) -> Rows: ...


class XlsxSheets:
    """Sheets of one XLSX workbook."""

    def __init__(self, book: Workbook):
        self.book = book

    def sheet(self, title: str, file_name: str, widths: list[float]) -> Rows:
        return self.book.sheet(title, widths)


class CsvRows:
    def __init__(self, file: TextIO):
        self.file, self.writer = file, CsvWriter(file)

    def header(self, values: Iterable[Any]) -> None:
        self.writer.writerow(values)

    def append(self, values: Iterable[Any]) -> None:
        self.writer.writerow(values)


class CsvSheets:
    """One CSV file per sheet, each opened by `open_file(file_name)` (the caller decides where, and closes)."""

    def __init__(self, open_file: Callable[[str], TextIO]):
        self.open_file = open_file

    def sheet(self, title: str, file_name: str, widths: list[float]) -> Rows:
        return CsvRows(self.open_file(f"{file_name}.csv"))


@dataclass
class Exported:
    areas: int = 0
    households: int = 0
    frozen: bool = False


def thai(message: str, **values) -> str:
    return gettext(message, LOCALE, **values)


def levels_from(area_code: str) -> tuple[str, ...]:
    """The levels of a report of `area_code`: its own and each below it."""
    return LEVEL_ORDER[LEVEL_ORDER.index(figures.level_of(area_code)):]


def write(period: Period, area_code: str, within: Scope, now: datetime, sheets: Sheets,
          progress: Callable[[Exported], None] | None = None) -> Exported:
    """The report of `area_code` into `sheets`: raises OutOfScope when the area is not `within`."""
    within.require(area_code)
    exported = Exported(frozen=snapshots.is_frozen(period))
    keys = [key for key in COLUMNS if exported.frozen or key != LATE]
    for level in levels_from(area_code):
        sheet = sheets.sheet(thai(LEVEL_TITLES[level]), level, [w for _, w in AREA_COLUMNS] + [14] * len(keys))
        sheet.header([thai(title) for title, _ in AREA_COLUMNS] + [figures.label(key, thai) for key in keys])
        rows = (_frozen_rows(period, area_code, within, level, now) if exported.frozen
                else _live_rows(period, area_code, within, level, now))
        for code, name, values, late in rows:
            sheet.append([code, name] + [figures.cell(values, key, late) for key in keys])
            exported.areas += 1
    sheet = sheets.sheet(thai(HOUSEHOLDS_TITLE), "households", [w for _, w in HOUSEHOLD_COLUMNS])
    sheet.header(thai(title) for title, _ in HOUSEHOLD_COLUMNS)
    classes = {code: thai(label) for code, label in CLASSIFICATION_LABELS.items()}
    statuses = {code: thai(label) for code, label in HOUSEHOLD_STATUS_LABELS.items()}
    visits = {code: thai(label) for code, label in VISITS.items()}
    moment = Moment.of(period, now)
    for row in household_rows(moment, counting.households_in(area_code, within)):
        sheet.append((row.code, areas.short_name(row, LOCALE), row.house_number, row.head_name,
                      masked_last(row.last_digits), classes.get(row.classification, "-"),
                      statuses.get(row.status, row.status), row.caretaker or "-", visits[visit_of(row, moment.cutoff)]))
        exported.households += 1
        if progress and exported.households % PROGRESS_EVERY == 0:
            progress(exported)
    return exported


def _frozen_rows(period: Period, area_code: str, within: Scope, level: str, now: datetime) -> Iterator[tuple]:
    """(code, name, frozen figures, late visits) of each area of the level, the frozen rows and today's visits
    both read in code order and merged as they come."""
    visited = snapshots.visited_by(period, area_code, within, now, LENGTHS[level])
    counted = next(visited, None)
    for row in snapshots.frozen_rows(period, area_code, within, level):
        while counted is not None and counted[0] < row.code:
            counted = next(visited, None)
        now_visited = counted[1] if counted is not None and counted[0] == row.code else 0
        name = thai(LEVEL_TITLES["nation"]) if row.code == NATION else areas.short_name(row, LOCALE)
        yield row.code, name, row.figures, now_visited - figures.value(row.figures, "actual")


def _live_rows(period: Period, area_code: str, within: Scope, level: str, now: datetime) -> Iterator[tuple]:
    """(code, name, figures, None) of each area of the level, counted now (a period not frozen: the whole count is
    held in memory, as a freeze holds it)."""
    found = counting.count(Moment.of(period, now), area_code, within)
    scope = EVERYWHERE if area_code == NATION else Scope((area_code,))
    names = areas.short_names(scope, (level,), LOCALE) if level != "nation" else {NATION: thai(LEVEL_TITLES[level])}
    for code in sorted(code for code in found if figures.level_of(code) == level):
        yield code, names.get(code, code), found[code], None


def household_rows(moment: Moment, where):
    """Each counted household, in village and house-number order, with what its row shows (its village's name
    columns included), read in batches."""
    began, reported = counting.in_care_at(moment.began, where), counting.checked_in(moment, where)
    head = (select(Member.household_id, func.max(Member.national_id_last).label("last_digits"))
            .where(Member.relation == "head").group_by(Member.household_id).subquery())
    caring = select(CareAssignment.household_id, CareAssignment.caretaker_id).where(
        CareAssignment.ended_at.is_(None)).subquery()
    query = (select(Household.village_code.label("code"), Area.level, Area.name_th, Area.name_en, Area.moo,
                    Household.house_number, Household.head_name, head.c.last_digits,
                    Household.classification, Household.status, Staff.name.label("caretaker"),
                    began.c.household_id.is_not(None).label("due"), reported.c.first)
             .join(Area, Area.code == Household.village_code)
             .outerjoin(head, head.c.household_id == Household.id)
             .outerjoin(caring, caring.c.household_id == Household.id)
             .outerjoin(Staff, Staff.id == caring.c.caretaker_id)
             .outerjoin(began, began.c.household_id == Household.id)
             .outerjoin(reported, reported.c.household_id == Household.id)
             .where(where)
             .order_by(Household.village_code, Household.house_order, Household.house_number, Household.id))
    yield from db.session.execute(query.execution_options(yield_per=BATCH))


def visit_of(row, cutoff: datetime) -> str:
    """The household's visit this period, as the households sheet names it (a key of VISITS)."""
    if row.first is not None:
        return "on_time" if row.first < cutoff else "late"
    return "missing" if row.due and row.status not in CLOSED_STATUSES else "not_due"


class UnknownArea(Exception):
    """No area, nor the whole country, has this code."""


def known_area(code: str) -> str:
    """The code of a village, subdistrict, district, province, or TH (the whole country); UnknownArea otherwise."""
    if code.upper() == NATION:
        return NATION
    if not (code.isascii() and code.isdigit() and db.session.get(Area, code) is not None):
        raise UnknownArea(code)
    return code
