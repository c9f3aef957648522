"""Importing target-household lists (CSV or XLSX) laid out like the จปฐ./TPMAP lists: one row per member.

`flask --app wsgi households import FILE --as STAFF_ID [--dry-run]` (bot/cli_households.py); the columns are
in docs/import-template.md. An import reads the file safely (`sheet`), checks each row as it comes
(`checking`, with the cells read as `columns` says), stores a batch of households at a time (`saving`) and
writes the rejected rows and a summary (`report`); `template` writes the template.

The database is held only for a village look-up and for storing a batch, never while the file is read: on
SQLite the embedded app has one connection and every transaction takes the write lock (`bot.sqlite`), so an
import that kept a transaction open while parsing would make LINE's webhook wait (and answer 503 after 30 s).
"""

from contextlib import closing, nullcontext
from datetime import datetime
from pathlib import Path

from core.i18n import N_
from core.spreadsheet import CsvWriter
from core.thai import local_date
from domain.access import scope
from domain.step1_survey.importer.checking import Importer, release
from domain.step1_survey.importer.columns import COLUMNS
from domain.step1_survey.importer.report import Summary, create_report, header_row, report_path
from domain.step1_survey.importer.sheet import Refused, header, open_sheet
from domain.step1_survey.importer.template import write_template
from models import Staff
from models.staff import SUPERVISOR_ROLES

__all__ = ["COLUMNS", "Importer", "Refused", "Summary", "check_importer", "report_path", "run", "write_template"]

PROGRESS_EVERY = 500  # rows between progress updates


def check_importer(staff: Staff | None, staff_id: int) -> Staff:
    """Admins and supervisors import; anyone else (or no one) is refused."""
    if staff is None:
        raise Refused(N_("There is no staff member with ID %(id)s."), id=staff_id)
    if not staff.active or not staff.role_names() & set(SUPERVISOR_ROLES):
        raise Refused(N_("Only administrators and supervisors may import household lists."))
    return staff


def run(path: Path, staff: Staff, *, now: datetime, timezone: str, dry_run: bool = False, progress=None) -> Summary:
    """Import `path` as `staff` at `now` (UTC; the day is read in `timezone`, BOT_TIMEZONE); `progress(total)`
    gives a context manager yielding something with `update(rows)` (e.g. a progress bar; by default none)."""
    staff_id, area = staff.id, scope.of(staff)
    release()  # finding the person was a transaction: none is open while the file is checked and read
    with open_sheet(path) as sheet:
        columns = header(sheet.rows)
        report_file, out = create_report(path)
        with out:
            report = CsvWriter(out)
            report.writerow(header_row())
            importer = Importer(staff_id, area, columns, report, dry_run=dry_run, file_name=path.name, now=now,
                                today=local_date(now, timezone))
            with progress(sheet.total) if progress else nullcontext() as bar, closing(importer.seen):
                done = 0
                for line, cells in sheet.rows:
                    importer.add(line, cells)
                    if bar is not None and line - done >= PROGRESS_EVERY:
                        bar.update(line - done)
                        done = line
                importer.flush()
                if bar is not None:
                    bar.update(max(sheet.total - done, 0))
    importer.summary.report = report_file
    if report_file != report_path(path):
        importer.summary.report_name_taken = report_path(path)
    return importer.summary
