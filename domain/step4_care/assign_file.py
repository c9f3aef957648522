"""Assigning caretakers from a file (CSV or XLSX): one row per household, naming it (its house code, or its village
code and house number) and the caretaker's staff ID (`flask --app wsgi staff list`).

`flask --app wsgi caretakers assign FILE --as STAFF_ID [--dry-run] [--over-limit]` (bot/cli_caretakers.py). The file
is read and its header found as the household import reads its lists (`importer.sheet`), and the rows refused are
written with their line and Thai reasons beside it as that import writes them (`importer.report`). A file is all or
nothing: with any row refused, no assignment is made, so fixing the rows and running it again gives the whole file;
running a file again changes nothing. A caretaker the file would give more than CARETAKER_MAX_HOUSEHOLDS is a
refusal of their rows unless `--over-limit` confirms it; then the summary lists them.

Nothing is written here: `plan` says what to store, the command stores it.
"""

import re
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from core.i18n import DEFAULT_LOCALE, N_, gettext
from core.spreadsheet import CsvWriter
from core.thai import compact_code, to_ascii_digits
from domain.access import audit
from domain.step1_survey import households
from domain.step1_survey.importer.columns import cell_text, folded
from domain.step1_survey.importer.report import create_report
from domain.step1_survey.importer.sheet import Refused, find_header, open_sheet
from domain.step4_care import caretakers
from models import Household, Staff, db

COLUMNS = {  # column key → the headers that name it, the file's own first (the report's too)
    "village_code": ("รหัสหมู่บ้าน",),
    "house_number": ("บ้านเลขที่",),
    "house_code": ("รหัสประจำบ้าน", "รหัสบ้าน"),
    "caretaker_id": ("รหัสผู้ดูแล", "รหัสเจ้าหน้าที่ผู้ดูแล", "caretaker"),
}
OVER_LIMIT_OPTION = "--over-limit"  # the command's option confirming loads above the limit (bot/cli_caretakers.py)
HEADERS = {folded(name): key for key, names in COLUMNS.items() for name in (key, *names)}


@dataclass
class Row:
    line: int
    cells: dict[str, str]
    household: Household | None = None
    caretaker: Staff | None = None
    reasons: list[str] = field(default_factory=list)


@dataclass
class Summary:
    rows: int = 0
    assigned: int = 0
    reassigned: int = 0
    unchanged: int = 0
    rejected: int = 0
    dry_run: bool = False
    report: Path | None = None
    over_limit: list[tuple[str, int]] = field(default_factory=list)  # caretakers above the limit, with their load

    def lines(self, locale: str = DEFAULT_LOCALE) -> list[str]:
        lines = [gettext("Rows read: %(count)s", locale, count=self.rows),
                 gettext("Households given a caretaker: %(count)s, given another caretaker: %(moved)s, unchanged: "
                         "%(unchanged)s", locale, count=self.assigned, moved=self.reassigned,
                         unchanged=self.unchanged),
                 gettext("Rows rejected: %(count)s (reasons in %(report)s)", locale, count=self.rejected,
                         report=self.report)]
        lines += [gettext("%(name)s looks after %(count)s households, more than %(max)s.", locale, name=name,
                          count=count, max=caretakers.max_households()) for name, count in self.over_limit]
        if self.rejected:
            lines.append(gettext("Nothing was stored: correct the rejected rows and run the file again.", locale))
        elif self.dry_run:
            lines.append(gettext("Dry run: nothing was stored.", locale))
        return lines


@dataclass
class Plan:
    """What a file assigns, once every row is checked: nothing to store when a row was refused or in a dry run."""

    summary: Summary
    assignments: list[caretakers.Assignment]

    def audit_entries(self, by: Staff) -> list:
        """The audit entry of each assignment made, once the records are stored (their ids known)."""
        return [audit.entry("care.assign", "care_assignment", done.started.id, staff_id=by.id, before=done.before,
                            after=done.after, household=done.household.id, at=done.started.started_at)
                for done in self.assignments if done.started is not None]


def check_assigner(staff: Staff | None, staff_id: int) -> Staff:
    """Subdistrict and district supervisors and administrators assign; anyone else (or no one) is refused."""
    if staff is None:
        raise Refused(N_("There is no staff member with ID %(id)s."), id=staff_id)
    if not staff.active or not staff.role_names() & set(caretakers.ASSIGNERS):
        raise Refused(N_("Only administrators and subdistrict or district supervisors may assign caretakers."))
    return staff


def plan(path: Path, staff: Staff, now: datetime, dry_run: bool = False, over_limit: bool = False) -> Plan:
    """Read and check the file as `staff` at `now` (UTC); write the report of refused rows beside it."""
    rows = _read(path)
    _check(rows, staff)
    loads = _loads_after(rows)
    maximum = caretakers.max_households()
    above = {person: count for person, count in loads.items() if count > maximum}
    if not over_limit:
        for row in rows:
            if not row.reasons and row.caretaker.id in above and _moves(row):
                row.reasons.append(gettext(
                    "%(name)s would look after %(count)s households, more than the %(max)s set as the most; run the "
                    "command with %(option)s to confirm", name=row.caretaker.name, count=above[row.caretaker.id],
                    max=maximum, option=OVER_LIMIT_OPTION))
    summary = Summary(rows=len(rows), dry_run=dry_run, rejected=sum(1 for row in rows if row.reasons))
    summary.report = _write_report(path, rows)
    names = {row.caretaker.id: row.caretaker.name for row in rows if row.caretaker}
    summary.over_limit = sorted((names[person], count) for person, count in above.items())
    for row in rows:
        if not row.reasons:
            in_force = caretakers.current(row.household.id)
            if in_force is None:
                summary.assigned += 1
            elif in_force.caretaker_id == row.caretaker.id:
                summary.unchanged += 1
            else:
                summary.reassigned += 1
    if summary.rejected or dry_run:
        return Plan(summary, [])
    return Plan(summary, [caretakers.assign(row.household, row.caretaker, staff, now) for row in rows])


def _read(path: Path) -> list[Row]:
    with open_sheet(path) as sheet:
        columns = find_header(sheet.rows, HEADERS, 2)
        if columns is None or "caretaker_id" not in columns or not (
                "house_code" in columns or {"village_code", "house_number"} <= columns.keys()):
            raise Refused(N_("The file has no header row with the columns %(columns)s."),
                          columns=", ".join(names[0] for names in COLUMNS.values()))
        return [Row(line, {key: cell_text(cells[at]) if at < len(cells) else "" for key, at in columns.items()})
                for line, cells in sheet.rows if any(cell_text(cell) for cell in cells)]


def _check(rows: list[Row], staff: Staff) -> None:
    """Find each row's household (in the person's scope) and caretaker, and note what is wrong."""
    seen: dict[int, int] = {}
    for row in rows:
        row.household = _household(row, staff)
        if row.household is None:
            row.reasons.append(gettext("no such household in your area"))
        elif row.household.id in seen:
            row.reasons.append(gettext("the same household as line %(line)s", line=seen[row.household.id]))
        else:
            seen[row.household.id] = row.line
        raw = to_ascii_digits(row.cells["caretaker_id"]).strip()
        found = db.session.get(Staff, int(raw)) if re.fullmatch(r"\d{1,9}", raw) else None
        if found is None or row.household is not None and not caretakers.covers(found, row.household.village_code):
            row.reasons.append(gettext("staff ID %(id)s is not an active caretaker of the household's village",
                                       id=raw or "-"))
        else:
            row.caretaker = found


def _household(row: Row, staff: Staff) -> Household | None:
    query = households.visible(staff)
    code = compact_code(row.cells.get("house_code", ""))
    if code:
        return db.session.scalar(query.where(Household.house_code == code))
    village, number = compact_code(row.cells.get("village_code", "")), row.cells.get("house_number", "").strip()
    if not village or not number:
        return None
    return db.session.scalar(query.where(Household.village_code == village, Household.house_number == number)
                             .order_by(Household.id).limit(1))


def _moves(row: Row) -> bool:
    """Whether the row gives its household to a caretaker who does not have it yet."""
    in_force = caretakers.current(row.household.id)
    return in_force is None or in_force.caretaker_id != row.caretaker.id


def _loads_after(rows: list[Row]) -> dict[int, int]:
    """Each caretaker's load once the file's good rows are made: theirs now, plus those given, less those taken."""
    good = [row for row in rows if not row.reasons]
    change: Counter = Counter()
    for row in good:
        in_force = caretakers.current(row.household.id)
        if in_force is None or in_force.caretaker_id != row.caretaker.id:
            change[row.caretaker.id] += 1
            if in_force is not None:
                change[in_force.caretaker_id] -= 1
    now = caretakers.loads(list(change))
    return {person: now[person] + delta for person, delta in change.items()}


def _write_report(path: Path, rows: list[Row]) -> Path:
    report_file, out = create_report(path)
    with out:
        report = CsvWriter(out)
        report.writerow((gettext("Line"), *(names[0] for names in COLUMNS.values()), gettext("Reasons")))
        report.writerows((row.line, *(row.cells.get(key, "") for key in COLUMNS), "; ".join(row.reasons))
                         for row in rows if row.reasons)
    return report_file
