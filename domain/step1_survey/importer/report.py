"""What an import reports: the rejected rows, with their line number and the reasons in Thai, and a summary.

The rejected rows go to `<file>.rejected.csv`, always a new file (O_EXCL | O_NOFOLLOW): never an existing
file, never through a symlink; when the name is taken, the next free `<file>.rejected-N.csv` is used and the
summary says so. Its cells are escaped against formulas (`core.spreadsheet`).
"""

import os
from dataclasses import dataclass
from pathlib import Path
from typing import TextIO

from core.i18n import DEFAULT_LOCALE, N_, gettext
from domain.step1_survey.importer.columns import COLUMNS
from domain.step1_survey.importer.sheet import Refused

REPORT_SUFFIX = ".rejected.csv"
MAX_REPORT_NAMES = 100  # FILE.rejected.csv, FILE.rejected-2.csv, … before the import is refused
SHOWN_COLUMNS = ("village_code", "house_number", "house_code", "name", "national_id")  # a row's key fields


@dataclass
class Summary:
    rows: int = 0
    rejected: int = 0
    households_created: int = 0
    households_updated: int = 0
    households_unchanged: int = 0
    members_created: int = 0
    members_updated: int = 0
    dry_run: bool = False
    report: Path | None = None
    report_name_taken: Path | None = None  # FILE.rejected.csv when it existed and the report went elsewhere

    def lines(self, locale: str = DEFAULT_LOCALE) -> list[str]:
        lines = [
            gettext("Rows read: %(count)s", locale, count=self.rows),
            gettext("Households created: %(count)s, updated: %(updated)s, unchanged: %(unchanged)s", locale,
                    count=self.households_created, updated=self.households_updated,
                    unchanged=self.households_unchanged),
            gettext("Members created: %(count)s, updated: %(updated)s", locale, count=self.members_created,
                    updated=self.members_updated),
            gettext("Rows rejected: %(count)s (reasons in %(report)s)", locale, count=self.rejected,
                    report=self.report),
        ]
        if self.report_name_taken:
            lines.append(gettext("%(taken)s already exists, so the report was written to a new file.", locale,
                                 taken=self.report_name_taken))
        if self.dry_run:
            lines.append(gettext("Dry run: nothing was stored.", locale))
        return lines



def header_row() -> tuple[str, ...]:
    """The report's first row: the line, the key fields of a row (see `SHOWN_COLUMNS`), the reasons."""
    return gettext("Line"), *(COLUMNS[key].header for key in SHOWN_COLUMNS), gettext("Reasons")


def reasons(errors: list[tuple[str, str]]) -> str:
    """A rejected row's reasons, each after its column's name: (column key, reason) pairs."""
    return "; ".join(f"{_label(key)}: {text}" for key, text in errors)


def _label(key: str) -> str:
    """A reason's column as the report names it; "village" stands for the village code or its names."""
    return gettext("Village") if key == "village" else COLUMNS[key].header


def report_path(path: Path, number: int = 1) -> Path:
    """FILE.rejected.csv; the `number`th choice when that is taken: FILE.rejected-2.csv, …"""
    suffix = REPORT_SUFFIX if number == 1 else REPORT_SUFFIX.replace(".csv", f"-{number}.csv")
    return path.with_name(path.name + suffix)


def create_report(path: Path) -> tuple[Path, TextIO]:
    """A new report file beside `path`, opened for writing: created exclusively and never through a symlink
    (an existing file or link there is left alone, the next name tried), readable by its owner only (it
    holds names)."""
    for number in range(1, MAX_REPORT_NAMES + 1):
        candidate = report_path(path, number)
        try:
            descriptor = os.open(candidate, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o600)
        except FileExistsError:
            continue
        return candidate, open(descriptor, "w", encoding="utf-8-sig", newline="")
    raise Refused(N_("There are already %(count)s reports beside the file (%(name)s): please move them away."),
                  count=MAX_REPORT_NAMES, name=report_path(path).name)

